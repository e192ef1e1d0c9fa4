"""Property (issue 13): whatever ``policy validate`` accepts renders and checks with no
error findings. Hypothesis sets the policy's fields (counts, replicas, quantities, names and
label values, percentages) to plausible and borderline values, including strings another
YAML reader takes for numbers (``1e3``, ``0x1F``, ``012``), int32 overflows and quotas too
small for the bundle's own objects."""

from __future__ import annotations

import copy
import tempfile
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzkit import fuzz_examples

pytestmark = pytest.mark.fuzz


@lru_cache(maxsize=1)
def _default() -> dict[str, Any]:
    from provisor.policy import default_policy_path

    return yaml.safe_load(default_policy_path().read_text())


TRICKY = ["1e3", "0x1F", "012", "1_000", ".5", "yes", "on", "null", "true", "1e400", "1.0",
          "+1", "-1", "0b101", "2024-01-01", "a", "agent-platform", "x1e3"]
counts = st.integers(0, 60) | st.sampled_from([2**31 - 1, 2**31, 2**63])
replicas = st.integers(0, 30) | st.sampled_from([2**31 - 1, 2**31])
cpu = st.sampled_from(["50m", "100m", "500m", "1", "2", "4", "8", "1e3", "0", "1500m"])
memory = st.sampled_from(["64Mi", "256Mi", "1Gi", "8Gi", "16Gi", "64Gi", "1e9", "0"])
label_values = st.sampled_from(TRICKY) | st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,8}[a-z0-9])?",
                                                       fullmatch=True)
percent = st.sampled_from(["0%", "50%", "100%", "101%"]) | st.integers(0, 5)


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@st.composite
def policy_edits(draw: st.DrawFn) -> list[tuple[tuple[Any, ...], Any]]:
    data = _default()
    hard_keys = sorted(data["quota"]["hard"])
    agents = sorted(data["agents"])
    edits: list[tuple[tuple[Any, ...], Any]] = []
    menu = [
        lambda: (("quota", "hard", draw(st.sampled_from(hard_keys))),
                 str(draw(counts)) if draw(st.booleans()) else draw(counts)),
        lambda: (("coderun_controller", "autoscaling",
                  draw(st.sampled_from(["min_replicas", "max_replicas"]))), draw(replicas)),
        lambda: (("argo_server", "autoscaling",
                  draw(st.sampled_from(["min_replicas", "max_replicas"]))), draw(replicas)),
        lambda: (("agents", draw(st.sampled_from(agents)), "max_concurrency"),
                 draw(st.integers(0, 12))),
        lambda: (("coderun_controller", "disruption_budget", "min_available"), draw(percent)),
        lambda: (("coderun_controller", "autoscaling", "cpu_utilization"),
                 draw(st.integers(1, 150) | st.just(2**31))),
        lambda: (("name",), draw(label_values)),
        lambda: (("namespace", "labels", "app.kubernetes.io/part-of"), draw(label_values)),
        lambda: (("dashboard", "labels", "grafana_dashboard"), draw(label_values)),
        lambda: (("coderun_controller", "deployment", "pod_labels", "app"), draw(label_values)),
        lambda: (("coderun_controller", "assumed_pod_resources", "requests", "cpu"), draw(cpu)),
        lambda: (("coderun_controller", "assumed_pod_resources", "requests", "memory"),
                 draw(memory)),
        lambda: (("limit_range", "container", "max", "cpu"), draw(cpu)),
        lambda: (("limit_range", "container", "default_request", "memory"), draw(memory)),
        lambda: (("quota", "buffer"), draw(st.sampled_from([0, 0.1, 0.2, 1, 2]))),
    ]
    for _ in range(draw(st.integers(1, 3))):
        edits.append(draw(st.sampled_from(menu))())
    return edits


def _dump(data: dict[str, Any], quote: bool) -> str:
    text = yaml.safe_dump(data, sort_keys=False)
    if quote:
        return text
    # Unquoted, as a person writes it: PyYAML quotes '1e3'; drop those quotes so the value
    # is read as Kubernetes reads it.
    return text.replace("'1e3'", "1e3").replace("'0x1F'", "0x1F")


@settings(max_examples=fuzz_examples(8), deadline=timedelta(seconds=60), database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(edits=policy_edits(), quote=st.booleans())
def test_what_validate_accepts_renders_and_checks_clean(edits, quote: bool) -> None:
    from provisor.plan import run_plan, validate_policy
    from provisor.policy import load_policy

    data = copy.deepcopy(_default())
    for path, value in edits:
        _set(data, path, value)
    with tempfile.TemporaryDirectory() as tmp:
        pol = Path(tmp) / "policy.yaml"
        pol.write_text(_dump(data, quote))
        problems = validate_policy(pol)
        if problems:
            return
        result = run_plan(load_policy(pol), Path(tmp) / "bundle")
        errors = [f"{f.rule}: {f.message}" for f in result.check.findings
                  if f.severity == "error"]
        assert not errors, (edits, errors)
        assert result.check.exit_code("error") == 0
