"""No rule ever crashes (issue 13, section 1): a malformed field is the schema's finding and
every rule skips what it cannot read, so ``check/rule-crashed`` is unreachable.

A property test runs every registered rule over real objects of the shared corpus, mutated
(fields set to wrong types, None, huge, negative or odd values, empty collections, deleted,
wrapped in a list) and over generated objects of the kinds the rules read. Budget: ``make
test`` runs ``PROVISOR_FUZZ_EXAMPLES`` examples per test (default 60); ``make fuzz`` runs
many more.
"""

from __future__ import annotations

import copy
import io
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisor.check import run_check
from provisor.check.registry import load_rules
from provisor.manifests import load
from conftest import SHARED

DEFAULT_EXAMPLES = 150
EXAMPLES = int(os.environ.get("PROVISOR_FUZZ_EXAMPLES", str(DEFAULT_EXAMPLES)))
#: ``make test``: a fixed, derandomised budget (the same examples every run, a few seconds);
#: ``make fuzz``: PROVISOR_FUZZ_EXAMPLES examples, random.
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                derandomize=EXAMPLES <= DEFAULT_EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.fuzz

ODD_VALUES: list[Any] = [
    None, "", " ", "x", "[x]", "[bold]red[/]", "-1", "0", "1e400", "100%", "150%", "-5%",
    "0%", "%", "1.5", "NaN", "Infinity", "2Gi", "-2Gi", "1e3", "☃", "a" * 300, True, False,
    0, -1, 1, 7, 2**31, 2**63, -(2**63), 10**30, 1.5, -0.0, 1e308, [], [None], [1, "a"],
    {}, {"a": None}, {"": ""}, {"matchLabels": None}, {"type": None},
]

_CORPUS: tuple[list[dict[str, Any]], list[list[dict[str, Any]]]] | None = None


def _load_corpus() -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    global _CORPUS
    if _CORPUS is None:
        docs = load([str(SHARED / r) for r in ("cases", "seed/manifests", "real")])
        seen: set[str] = set()
        out = []
        by_file: dict[str, list[dict[str, Any]]] = {}
        for d in docs:
            if not isinstance(d.obj, dict):
                continue
            text = json.dumps(d.obj, sort_keys=True)
            if len(text) > 20_000:  # dashboards in ConfigMaps: keep it quick
                continue
            by_file.setdefault(d.file, []).append(d.obj)
            if d.type != "kubernetes" or text in seen:
                continue
            seen.add(text)
            out.append(d.obj)
        out.sort(key=lambda o: json.dumps(o, sort_keys=True))
        groups = [objs for _f, objs in sorted(by_file.items()) if 2 <= len(objs) <= 12]
        _CORPUS = (out, groups)
    return _CORPUS


def corpus() -> list[dict[str, Any]]:
    """Every Kubernetes object of the shared corpus (real, cases, seed manifests)."""
    return _load_corpus()[0]


def corpus_files() -> list[list[dict[str, Any]]]:
    """The objects of each file of the corpus that holds 2 to 12 (objects that refer to
    each other: a workload with its HPA, PDB, quota...)."""
    return _load_corpus()[1]


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``obj`` (the root excluded)."""
    out: list[tuple] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.append((*prefix, i))
            out.extend(_paths(v, (*prefix, i)))
    return out


def _mutate(obj: dict[str, Any], data: st.DataObject, n: int) -> dict[str, Any]:
    for _ in range(n):
        paths = _paths(obj)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent: Any = obj
        for p in path[:-1]:
            parent = parent[p]
        last = path[-1]
        op = data.draw(st.sampled_from(["set", "set", "set", "delete", "wrap", "dup"]),
                       label="op")
        if op == "delete":
            del parent[last]
        elif op == "wrap":
            parent[last] = [parent[last]]
        elif op == "dup" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES), label="value"))
    return obj


def _check(objs: list[Any], namespace: str | None = None) -> None:
    text = "".join("---\n" + json.dumps(o) + "\n" for o in objs)
    docs = load(["-"], stdin=io.StringIO(text))
    result = run_check(docs, schema=False, default_namespace=namespace)
    crashed = [f for f in result.findings if f.rule == "check/rule-crashed"]
    assert not crashed, "\n".join(f"{f.file}:{f.line} {f.message}" for f in crashed)


@pytest.fixture(scope="module", autouse=True)
def _rules_loaded() -> None:
    assert len(load_rules()) > 40


@FUZZ
@given(data=st.data())
def test_no_rule_crashes_on_mutated_real_objects(data: st.DataObject) -> None:
    objs = corpus()
    picks = data.draw(st.lists(st.integers(0, len(objs) - 1), min_size=1, max_size=4),
                      label="objects")
    mutated = []
    for i in picks:
        obj = copy.deepcopy(objs[i])
        n = data.draw(st.integers(1, 6), label="mutations")
        mutated.append(_mutate(obj, data, n))
    ns = data.draw(st.sampled_from([None, "x"]), label="namespace")
    _check(mutated, ns)


@FUZZ
@given(data=st.data())
def test_no_rule_crashes_on_mutated_files(data: st.DataObject) -> None:
    groups = corpus_files()
    objs = copy.deepcopy(groups[data.draw(st.integers(0, len(groups) - 1), label="file")])
    root = {"objects": objs}
    _mutate(root, data, data.draw(st.integers(1, 8), label="mutations"))
    got = root.get("objects")
    _check(got if isinstance(got, list) else [got],
           data.draw(st.sampled_from([None, "x"]), label="namespace"))


KINDS = [
    ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"), ("batch/v1", "CronJob"), ("v1", "Pod"), ("v1", "PodTemplate"),
    ("policy/v1", "PodDisruptionBudget"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ("autoscaling.k8s.io/v1", "VerticalPodAutoscaler"), ("v1", "LimitRange"),
    ("v1", "ResourceQuota"), ("scheduling.k8s.io/v1", "PriorityClass"),
    ("v1", "PersistentVolumeClaim"), ("storage.k8s.io/v1", "StorageClass"), ("v1", "Node"),
    ("monitoring.coreos.com/v1", "PrometheusRule"), ("v1", "ConfigMap"),
    ("argoproj.io/v1alpha1", "Workflow"), ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
]

_scalars = st.one_of(st.sampled_from(ODD_VALUES[:-6]), st.integers(-(2**64), 2**64),
                     st.text(max_size=8))
_json = st.recursive(_scalars, lambda c: st.one_of(
    st.lists(c, max_size=3),
    st.dictionaries(st.sampled_from([
        "spec", "template", "containers", "resources", "requests", "limits", "cpu",
        "memory", "selector", "matchLabels", "metrics", "minAvailable", "maxUnavailable",
        "replicas", "minReplicas", "maxReplicas", "behavior", "scaleUp", "policies",
        "target", "type", "name", "labels", "hard", "limits", "max", "min", "default",
        "groups", "rules", "expr", "scaleTargetRef", "targetRef", "updatePolicy",
        "resourcePolicy", "containerPolicies", "value", "averageUtilization",
    ]), c, max_size=4)), max_leaves=12)


@FUZZ
@given(objs=st.lists(st.builds(
    lambda kv, name, spec, labels: {
        "apiVersion": kv[0], "kind": kv[1],
        "metadata": {"name": name, "labels": labels},
        "spec": spec, "template": spec, "limits": spec,
    },
    st.sampled_from(KINDS), st.sampled_from(["a", "web", ""]), _json,
    st.sampled_from([{"app": "web"}, {}, None, {"app": 1}])), min_size=1, max_size=4))
def test_no_rule_crashes_on_generated_objects(objs: list[dict[str, Any]]) -> None:
    _check(objs)


def test_a_rule_that_fails_names_the_file_and_line(tmp_path, monkeypatch) -> None:
    """Should a rule fail after all, ``check/rule-crashed`` points at the document it was
    reading (file, line, object), not at nothing."""
    from provisor.check import registry

    p = tmp_path / "m.yaml"
    p.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: ns}\n")

    def broken(ctx):
        """Fails on the second ConfigMap."""
        for d in ctx.kind("ConfigMap"):
            if d.obj["metadata"]["name"] == "b":
                raise KeyError("boom")
        yield from ()

    registry.load_rules()
    monkeypatch.setitem(registry._REGISTRY, "test/broken", registry.Rule(
        id="test/broken", severity="error", summary="s", doc="d", func=broken))
    res = run_check(load([str(p)]), schema=False)
    crashed = [f for f in res.findings if f.rule == "check/rule-crashed"]
    assert len(crashed) == 1
    f = crashed[0]
    assert (f.file, f.line, f.object.kind, f.object.namespace, f.object.name) == (
        str(p), 5, "ConfigMap", "ns", "b")
    assert "test/broken" in f.message and "KeyError" in f.message


@pytest.mark.parametrize("count", [2**31 - 1, 2**63, 10**30])
def test_huge_replica_counts_do_not_hang(tmp_path, count) -> None:
    """Replicas, parallelism and maxReplicas far beyond what can be simulated pod by pod
    (the PDB rules' synthetic pods are bounded: pdb._common.MAX_SYNTHETIC_PODS)."""
    import time

    text = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: a}}
spec:
  replicas: {count}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: c, image: x, resources: {{requests: {{cpu: 1m, memory: 1Mi}}}}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {{name: j, namespace: a}}
spec:
  parallelism: {count}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      restartPolicy: Never
      containers: [{{name: c, image: x}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web, namespace: a}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: web}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 1
  maxReplicas: {count}
  metrics:
  - type: Resource
    resource: {{name: memory, target: {{type: Utilization, averageUtilization: 80}}}}
"""
    p = tmp_path / "m.yaml"
    p.write_text(text)
    t = time.perf_counter()
    res = run_check(load([str(p)]), schema=False)
    assert time.perf_counter() - t < 30
    assert not [f for f in res.findings if f.rule == "check/rule-crashed"]
