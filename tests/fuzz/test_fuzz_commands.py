"""Fuzz every command (check, policy validate, render, plan) with generated and mutated
input: raw bytes, YAML/JSON text, Kubernetes manifests, Prometheus rule files, Grafana
dashboards and policies (issue 13: "about 10,000 fuzzed runs gave 39 tracebacks, 19 hangs
...; the goal is none").

The property, for every input and command: the command ends (hypothesis' deadline catches a
hang), with exit code 0, 1 or 2 (never 3, an internal error), without a traceback, with
stderr of at most one line per bad file, and ``policy validate``'s verdict agrees with
``render``/``plan`` (a policy it accepts renders; one it rejects is refused by both).

Budget: a few dozen examples per test in `make test` (well under a minute in all);
`make fuzz` sets ``PROVISOR_FUZZ_EXAMPLES`` for a long run."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clikit import invoke
from conftest import SHARED
from fuzzkit import fuzz_examples

pytestmark = pytest.mark.fuzz

SETTINGS = dict(deadline=timedelta(seconds=30), derandomize=False, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


# -- seeds -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _seeds() -> tuple[str, ...]:
    """Real inputs to mutate: provisor's own render of the default policy (always there),
    plus the spec's seed manifests and the incident cases when ../shared is present."""
    from provisor.policy import load_policy
    from provisor.render import render

    texts = [data.decode() for name, data in sorted(render(load_policy(None)).contents().items())
             if name.endswith((".yaml", ".json"))]
    for folder in ("seed/manifests", "cases"):
        d = SHARED / folder
        if d.is_dir():
            texts += [p.read_text(errors="replace") for p in sorted(d.iterdir())
                      if p.suffix in (".yaml", ".yml", ".json")][:12]
    return tuple(texts)


@lru_cache(maxsize=1)
def _policy_text() -> str:
    from provisor.policy import default_policy_path

    return default_policy_path().read_text()


@lru_cache(maxsize=1)
def _policy_data() -> dict[str, Any]:
    return yaml.safe_load(_policy_text())


# -- strategies --------------------------------------------------------------------------------
SPECIALS = "{}[]:,-&*!|>'\"#%@`?\n\t \\<=~.0123456789eE+_/$(){{}}"
json_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) |
                st.floats(allow_nan=True, allow_infinity=True) |
                st.sampled_from(["1e3", "1e400", "0x1F", "yes", "-", "", "500m", "1Gi", "10%",
                                 "[x]", "{{ .Values.x }}", "\x01", "∞", "2147483648"]) |
                st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from(["name", "spec", "metadata", "labels", "containers", "resources",
                         "requests", "limits", "cpu", "memory", "replicas", "selector",
                         "matchLabels", "minAvailable", "maxUnavailable", "metrics", "target",
                         "rules", "expr", "groups", "panels", "targets", "items", "kind",
                         "apiVersion", "namespace", "hard", "patches", "resources"])
        | st.text(max_size=8), inner, max_size=5),
    max_leaves=25)

KINDS = ["Deployment", "StatefulSet", "Pod", "HorizontalPodAutoscaler", "PodDisruptionBudget",
         "ResourceQuota", "LimitRange", "VerticalPodAutoscaler", "PrometheusRule", "ConfigMap",
         "PriorityClass", "PersistentVolumeClaim", "Job", "CronJob", "Kustomization", "List",
         "DaemonSet", "ReplicaSet", "Namespace", "PodTemplate", "Workflow", "Node"]
API = ["v1", "apps/v1", "autoscaling/v2", "autoscaling/v2beta1", "policy/v1", "batch/v1",
       "autoscaling.k8s.io/v1", "monitoring.coreos.com/v1", "kustomize.config.k8s.io/v1beta1",
       "scheduling.k8s.io/v1", "argoproj.io/v1alpha1", "x"]


@st.composite
def manifests(draw: st.DrawFn) -> str:
    obj: dict[str, Any] = {"apiVersion": draw(st.sampled_from(API)),
                           "kind": draw(st.sampled_from(KINDS)),
                           "metadata": draw(st.fixed_dictionaries(
                               {"name": st.sampled_from(["a", "b", "[x]", ""])},
                               optional={"namespace": st.sampled_from(["ns", "other", ""]),
                                         "labels": json_values}))}
    for key in draw(st.lists(st.sampled_from(["spec", "items", "data", "patches", "resources",
                                              "namespace", "status"]), max_size=3)):
        obj[key] = draw(json_values)
    docs = [obj] + draw(st.lists(json_values, max_size=2))
    if draw(st.booleans()):
        return json.dumps(docs[0], default=str)
    return "---\n".join(yaml.safe_dump(d) for d in docs)


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    expr = st.sampled_from(["up", "rate(x[5m])", "sum by (a) (x) / sum(y)", "x > ", "((",
                            "container_memory_working_set_bytes / on(pod) kube_pod_container_"
                            "resource_limits{resource=\"memory\"}", "histogram_quantile(0.9, x)",
                            "1e400", "{__name__=~\"[\"}"]) | st.text(max_size=30)
    rule = st.fixed_dictionaries({"expr": expr | json_scalars},
                                 optional={"alert": st.text(max_size=10) | json_scalars,
                                           "record": st.text(max_size=10),
                                           "for": st.sampled_from(["5m", "0s", "x", "-1m"]) |
                                           json_scalars,
                                           "labels": json_values, "annotations": json_values})
    group = st.fixed_dictionaries({"name": st.text(max_size=8) | json_scalars,
                                   "rules": st.lists(rule, max_size=4) | json_values},
                                  optional={"interval": json_scalars})
    groups = draw(st.lists(group, max_size=3))
    if draw(st.booleans()):
        return yaml.safe_dump({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                               "metadata": {"name": "r", "namespace": "ns"},
                               "spec": {"groups": groups}})
    return yaml.safe_dump({"groups": groups})


@st.composite
def dashboards(draw: st.DrawFn) -> str:
    panel = st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["timeseries", "stat", "row", "graph"]) | json_scalars,
        "title": json_scalars, "targets": st.lists(st.fixed_dictionaries(
            {}, optional={"expr": st.text(max_size=30) | json_scalars,
                          "legendFormat": json_scalars}), max_size=3) | json_values,
        "panels": json_values, "fieldConfig": json_values, "gridPos": json_values})
    board = {"title": draw(json_scalars), "schemaVersion": draw(json_scalars),
             "panels": draw(st.lists(panel, max_size=4) | json_values),
             "templating": draw(json_values)}
    if draw(st.booleans()):
        return json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "d", "labels": {"grafana_dashboard": "1"}},
                           "data": {"board.json": json.dumps(board, default=str)}}, default=str)
    return json.dumps(board if draw(st.booleans()) else {"dashboard": board}, default=str)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def policies(draw: st.DrawFn) -> str:
    import copy

    data = copy.deepcopy(_policy_data())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        choice = draw(st.integers(0, 2))
        if choice == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return yaml.safe_dump(data, sort_keys=False)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real input, cut, spliced and sprinkled with YAML's special characters."""
    data = bytearray(draw(st.sampled_from(_seeds())).encode())
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 3))
        if op == 0:
            j = draw(st.integers(i, min(len(data), i + 200)))
            del data[i:j]
        elif op == 1:
            data[i:i] = draw(st.text(SPECIALS, max_size=6)).encode()
        elif op == 2:
            j = draw(st.integers(i, min(len(data), i + 300)))
            data[i:i] = data[i:j]
        else:
            data[i:i] = draw(st.binary(max_size=4))
    return bytes(data)


raw_inputs = (st.binary(max_size=512) | st.text(SPECIALS + "abcxyz", max_size=300).map(
    str.encode) | mutated() | manifests().map(str.encode) | rule_files().map(str.encode) |
              dashboards().map(str.encode))


# -- the property ------------------------------------------------------------------------------
def _assert_sane(code: int, out: str, err: str, files: int = 1) -> None:
    assert code in (0, 1, 2), f"exit {code}\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"
    assert "Traceback" not in out + err, err[-3000:]
    assert len([ln for ln in err.splitlines() if ln.strip()]) <= files, err


def _file(tmp: str, name: str, data: bytes) -> str:
    p = Path(tmp) / name
    p.write_bytes(data)
    return str(p)


@settings(max_examples=fuzz_examples(60), **SETTINGS)
@given(data=raw_inputs, name=st.sampled_from(["x.yaml", "x.json", "[x].yml", "kustomization.yaml"]),
       fmt=st.sampled_from(["text", "json", "sarif"]))
def test_check_never_crashes(data: bytes, name: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _file(tmp, name, data)
        code, out, err = invoke("check", path, "--format", fmt)
        _assert_sane(code, out, err)
        if fmt == "json" and out:  # nothing at all: "no manifests found" (exit 2, stderr)
            json.loads(out)
        code, out, err = invoke("check", "-", "--format", "json", stdin=data)
        _assert_sane(code, out, err)


@settings(max_examples=fuzz_examples(15), **SETTINGS)
@given(docs=st.lists(manifests() | rule_files() | dashboards(), min_size=2, max_size=4))
def test_check_folder_never_crashes(docs: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(docs):
            _file(tmp, f"f{i}.yaml", text.encode())
        code, out, err = invoke("check", tmp, "--format", "json", "-n", "ns")
        _assert_sane(code, out, err, files=len(docs))
        if out:
            json.loads(out)


@settings(max_examples=fuzz_examples(10), **SETTINGS)
@given(data=policies().map(str.encode) | mutated() | st.binary(max_size=256))
def test_policy_commands_never_crash_and_agree(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _file(tmp, "policy.yaml", data)
        code, out, err = invoke("policy", "validate", path)
        # validate prints its problems on stdout, one per line; nothing on stderr
        assert code in (0, 2) and "Traceback" not in out + err and err == "", (code, out, err)
        rcode, rout, rerr = invoke("render", path, "-o", str(Path(tmp) / "r"))
        _assert_sane(rcode, rout, rerr)
        if code == 0:
            assert rcode == 0, rerr
            pcode, pout, perr = invoke("plan", path, "-o", str(Path(tmp) / "p"))
            assert pcode == 0, pout + perr  # what validate accepts renders and checks clean
        else:
            assert rcode == 2 or "the render of this policy fails" in out, (out, rerr)
        code, out, err = invoke("policy", "show", path)
        _assert_sane(code, out, err)
