"""The ``priority/*`` rules: inline inputs (positive and negative) and the spec's seed
manifests. Texts from ``plugin/pkg/admission/priority/admission.go`` and
``pkg/apis/scheduling/validation/validation.go`` (with ``IsKnownSystemPriorityClass``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.check.config import Config, Settings
from provisor.manifests import load

from conftest import SHARED  # noqa: E402
from rulekit import check_text as check, only  # noqa: E402


def pc(name: str, value: int, default: bool = False) -> str:
    return (f"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: {name}}}\n"
            f"value: {value}\nglobalDefault: {'true' if default else 'false'}\n")


def deploy(priority: str | None, name: str = "web") -> str:
    pcn = f"      priorityClassName: {priority}\n" if priority else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: a}}\n"
            f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n"
            f"    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{pcn}"
            f"      containers: [{{name: c, image: x}}]\n")


def join(*docs: str) -> str:
    return "---\n".join(docs)


# -- priority/multiple-global-default ---------------------------------------------------

def test_second_global_default_refused(tmp_path):
    f = only(check(tmp_path, join(pc("a", 100, True), pc("b", 10), pc("c", 50, True))),
             "priority/multiple-global-default")
    assert len(f) == 1 and f[0].severity == "error" and f[0].object.name == "c"
    assert f[0].message == ('the API server refuses this class: priorityclasses.scheduling.k8s.io '
                            '"c" is forbidden: PriorityClass a is already marked as default. Only '
                            'one default can exist')
    assert f[0].line == 17


def test_one_global_default_and_same_class_twice(tmp_path):
    assert not only(check(tmp_path, join(pc("a", 100, True), pc("b", 10))),
                    "priority/multiple-global-default")
    # the same class twice is an update of one object, which the plugin allows
    assert not only(check(tmp_path, join(pc("a", 100, True), pc("a", 100, True))),
                    "priority/multiple-global-default")


# -- priority/global-default -------------------------------------------------------------

def test_global_default_reach(tmp_path):
    f = only(check(tmp_path, join(pc("std", 500, True), deploy(None), deploy("std", "api"))),
             "priority/global-default")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].line == 5
    assert "in every namespace of the cluster" in f[0].message
    assert "gets priority 500 from std" in f[0].message
    assert "1 workload(s) in the checked set name no class and would get it too" in f[0].message


def test_no_global_default(tmp_path):
    assert not only(check(tmp_path, pc("std", 500)), "priority/global-default")


# -- priority/value-range ---------------------------------------------------------------

@pytest.mark.parametrize("name, value, default, error, line", [
    ("huge", 1_000_000_001, False,
     'PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value '
     'of a user defined priority is 1000000000', 4),
    ("system-mine", 10, False,
     'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: '
     "priority class names with 'system-' prefix are reserved for system use only. error: "
     "system-mine is not a known system priority class", 3),
    ("system-node-critical", 5, False,
     'PriorityClass.scheduling.k8s.io "system-node-critical" is invalid: metadata.name: '
     "Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
     "error: value of system-node-critical PriorityClass must be 2000001000", 3),
    ("system-cluster-critical", 2_000_000_000, True,
     'PriorityClass.scheduling.k8s.io "system-cluster-critical" is invalid: metadata.name: '
     "Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
     "error: globalDefault of system-cluster-critical PriorityClass must be false", 3),
], ids=["above-1e9", "system-prefix", "system-wrong-value", "system-global-default"])
def test_value_range(tmp_path, name, value, default, error, line):
    f = only(check(tmp_path, pc(name, value, default)), "priority/value-range")
    assert len(f) == 1 and f[0].severity == "error" and f[0].line == line
    assert f[0].message == f"the API server refuses this class (422): {error}"


@pytest.mark.parametrize("name, value", [("top", 1_000_000_000), ("neg", -5),
                                         ("system-node-critical", 2_000_001_000),
                                         ("system-cluster-critical", 2_000_000_000)])
def test_value_in_range(tmp_path, name, value):
    assert not only(check(tmp_path, pc(name, value)), "priority/value-range")


def test_configured_ceiling(tmp_path):
    cfg = Config(settings=Settings(max_user_priority=1_000_000))
    f = only(check(tmp_path, pc("hi", 2_000_000), cfg), "priority/value-range")
    assert len(f) == 1 and "settings.max_user_priority = 1000000" in f[0].message
    assert not only(check(tmp_path, pc("hi", 999_999), cfg), "priority/value-range")


# -- priority/class-missing, priority/class-unverified ------------------------------------

def test_class_missing(tmp_path):
    f = check(tmp_path, join(pc("high", 1000), deploy("hgh")))
    hit = only(f, "priority/class-missing")
    assert len(hit) == 1 and hit[0].severity == "error"
    assert hit[0].object.kind == "Deployment" and hit[0].line == 15
    assert "is forbidden: no PriorityClass with name hgh was found (the set defines: high)" \
        in hit[0].message
    assert not only(f, "priority/class-unverified")


@pytest.mark.parametrize("name", ["high", "system-cluster-critical", "system-node-critical"])
def test_class_present(tmp_path, name):
    assert not only(check(tmp_path, join(pc("high", 1000), deploy(name))), "priority/class-missing")


def test_class_unverified(tmp_path):
    f = check(tmp_path, join(deploy("high"), deploy("system-node-critical", "node")))
    hit = only(f, "priority/class-unverified")
    assert len(hit) == 1 and hit[0].severity == "info" and "priorityClassName high" in hit[0].message
    assert not only(f, "priority/class-missing")


# -- the spec's seed manifests -----------------------------------------------------------

def test_seed_manifests():
    docs = load([str(SHARED / "seed" / "manifests")])
    fs = [f for f in run_check(docs, schema=False).findings if f.rule.startswith("priority/")]
    got = sorted((Path(f.file).name, f.line, f.rule, f.object.name, f.severity) for f in fs)
    assert got == [("priorityclasses.yaml", 17, "priority/global-default",
                    "agent-standard-priority", "warning")]
    assert "gets priority 500 from agent-standard-priority" in fs[0].message


def test_argo_priority_classes(shared):
    """Argo's controller PriorityClass with the Deployment that names it: nothing to report."""
    base = shared / "real" / "argo-workflows" / "manifests" / "base" / "workflow-controller"
    fs = run_check(load([str(base)]), schema=False).findings
    assert not [f for f in fs if f.rule.startswith("priority/")]
