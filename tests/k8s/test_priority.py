"""``provisor.k8s.priority``: built-in PriorityClasses, ``ValidatePriorityClass`` and the
Priority admission plugin's refusals (kubernetes/kubernetes ``pkg/apis/scheduling``,
``plugin/pkg/admission/priority/admission.go``).

Cases are written from the upstream functions; upstream's test tables are not ported here.
``tests/test_rules_priority.py`` asserts the same texts through the checker.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s import AdmissionError
from provisor.k8s.priority import (
    HIGHEST_USER_DEFINABLE_PRIORITY,
    SYSTEM_PRIORITY_CLASSES,
    admit_priority_class,
    default_priority_class,
    known_system_priority_class_error,
    priority_class_invalid_message,
    resolve_priority_class,
    validate_priority_class,
)


def pc(name: str, value: Any = 100, default: bool = False) -> dict[str, Any]:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": name}, "value": value, "globalDefault": default}


def test_built_in_classes() -> None:
    assert SYSTEM_PRIORITY_CLASSES == {"system-node-critical": (2_000_001_000, False),
                                       "system-cluster-critical": (2_000_000_000, False)}
    assert HIGHEST_USER_DEFINABLE_PRIORITY == 1_000_000_000


@pytest.mark.parametrize("name, value, default, error", [
    ("system-node-critical", 2_000_001_000, False, None),
    ("system-cluster-critical", 2_000_000_000, False, None),
    ("system-mine", 10, False, "system-mine is not a known system priority class"),
    ("system-node-critical", 5, False, "value of system-node-critical PriorityClass must be "
                                       "2000001000"),
    ("system-cluster-critical", 2_000_000_000, True,
     "globalDefault of system-cluster-critical PriorityClass must be false"),
    ("system-cluster-critical", None, False, None),
])
def test_known_system_priority_class(name: str, value: Any, default: bool,
                                     error: str | None) -> None:
    assert known_system_priority_class_error(name, value, default) == error


@pytest.mark.parametrize("obj, expected", [
    (pc("top", 1_000_000_000), []),
    (pc("neg", -5), []),
    (pc("huge", 1_000_000_001),
     ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]),
    (pc("system-mine", 10),
     ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
      "system use only. error: system-mine is not a known system priority class"]),
    (pc("system-node-critical", 2_000_001_000), []),
    (pc("text", "high"), []),
], ids=["max", "negative", "above-max", "system-prefix", "built-in", "value-not-int"])
def test_validate_priority_class(obj: dict[str, Any], expected: list[str]) -> None:
    assert [str(e) for e in validate_priority_class(obj)] == expected


def test_invalid_message_and_paths() -> None:
    errs = validate_priority_class(pc("huge", 2_000_000_000))
    assert errs[0].path == ("value",)
    assert priority_class_invalid_message(pc("huge"), errs) == (
        'PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed '
        'value of a user defined priority is 1000000000')
    assert validate_priority_class(pc("system-x"))[0].path == ("metadata", "name")


def test_default_priority_class_is_the_lowest_default() -> None:
    assert default_priority_class([pc("a", 5), pc("b", 9)]) is None
    classes = [pc("a", 500, True), pc("b", 10), pc("c", 100, True), pc("d", 100, True)]
    assert default_priority_class(classes)["metadata"]["name"] == "c"


def test_admit_priority_class() -> None:
    existing = [pc("a", 100, True), pc("b", 10)]
    with pytest.raises(AdmissionError) as exc:
        admit_priority_class(pc("c", 50, True), existing)
    assert exc.value.code == 403
    assert exc.value.message == ('priorityclasses.scheduling.k8s.io "c" is forbidden: '
                                 'PriorityClass a is already marked as default. Only one '
                                 'default can exist')
    admit_priority_class(pc("a", 200, True), existing, operation="UPDATE")  # the default itself
    with pytest.raises(AdmissionError):
        admit_priority_class(pc("b", 10, True), existing, operation="UPDATE")
    admit_priority_class(pc("c", 50), existing)  # not a default
    admit_priority_class(pc("c", 50, True), [pc("b", 10)])  # no default yet
    admit_priority_class(pc("c", 50, True), existing, operation="DELETE")


def test_resolve_priority_class() -> None:
    classes = {"high": pc("high", 1000)}
    pod = {"metadata": {"name": "web-1"}, "spec": {"priorityClassName": "high"}}
    assert resolve_priority_class(pod, classes)["value"] == 1000
    built_in = resolve_priority_class(
        {"metadata": {"name": "x"}, "spec": {"priorityClassName": "system-node-critical"}}, {})
    assert built_in["value"] == 2_000_001_000
    assert resolve_priority_class({"metadata": {"name": "x"}, "spec": {}}, classes) is None
    with pytest.raises(AdmissionError) as exc:
        resolve_priority_class({"metadata": {"generateName": "web-"},
                                "spec": {"priorityClassName": "hgh"}}, classes)
    assert exc.value.message == 'pods "web-" is forbidden: no PriorityClass with name hgh was found'
