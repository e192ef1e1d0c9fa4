"""The shared field-error formatter of ``provisor.k8s.validation`` (apimachinery
``pkg/util/validation/field`` ``Path`` and ``Error``; ``apierrors.NewInvalid``), and the
fix to ``invalid_message`` for objects whose metadata is not a mapping.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.validation import (
    DUPLICATE,
    FieldPath,
    duplicate,
    field_value,
    forbidden,
    invalid,
    invalid_message,
    not_supported,
    required,
)


def test_field_path_text_and_document_path() -> None:
    p = FieldPath("spec", "limits").index(0).child("min").key("cpu")
    assert str(p) == "spec.limits[0].min[cpu]"
    assert p.parts == ("spec", "limits", 0, "min", "cpu")
    assert str(FieldPath().child("value")) == "value"
    assert FieldPath("spec").child("behavior", "scaleUp").parts == ("spec", "behavior", "scaleUp")
    assert FieldPath("a").child("b") == FieldPath("a", "b")


@pytest.mark.parametrize("value, text", [
    ("700m", '"700m"'), (3, "3"), (1.5, "1.5"), (True, "true"), (False, "false"),
    (None, "null"), ('say "hi"', '"say \\"hi\\""'),
])
def test_field_value(value: Any, text: str) -> None:
    assert field_value(value) == text


def test_error_texts() -> None:
    p = FieldPath("spec", "maxReplicas")
    assert str(invalid(p, 0, "must be greater than 0")) == \
        "spec.maxReplicas: Invalid value: 0: must be greater than 0"
    assert str(required("spec.policies", "must specify at least one Policy")) == \
        "spec.policies: Required value: must specify at least one Policy"
    assert str(required("spec.x")) == "spec.x: Required value"
    assert str(forbidden("spec", "HugePages require cpu or memory")) == \
        "spec: Forbidden: HugePages require cpu or memory"
    assert str(not_supported("spec.type", "X", ["A", "B"])) == \
        'spec.type: Unsupported value: "X": supported values: "A", "B"'
    d = duplicate(FieldPath("spec", "limits").index(1).child("type"), "Pod")
    assert (str(d), d.type, d.path) == ('spec.limits[1].type: Duplicate value: "Pod"', DUPLICATE,
                                        ("spec", "limits", 1, "type"))
    assert invalid("spec.x", "v", "bad").path == ()


def test_invalid_message_accepts_field_errors_and_drops_duplicates() -> None:
    e = invalid("spec.x", 1, "bad")
    assert invalid_message("Pod", {"metadata": {"name": "p"}}, [e, str(e)]) == \
        'Pod "p" is invalid: spec.x: Invalid value: 1: bad'
    assert invalid_message("Pod", {"metadata": {"generateName": "p-"}}, ["a", "b"]) == \
        'Pod "p-" is invalid: [a, b]'


@pytest.mark.parametrize("obj", [
    {"metadata": "not a mapping"}, {"metadata": ["x"]}, {"metadata": {"name": 5}}, {}, None,
    "not an object",
], ids=["metadata-string", "metadata-list", "name-not-string", "no-metadata", "none", "string"])
def test_invalid_message_with_malformed_metadata(obj: Any) -> None:
    """Reported by a colleague: a metadata that is not a mapping crashed it; the name is then
    empty."""
    assert invalid_message("Pod", obj, ["e"]) == 'Pod "" is invalid: e'
