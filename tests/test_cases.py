"""The incident cases of ../shared/cases, each checked on its own as its header says:
(rule, severity, object kind/name, and the facts the message must carry).

Rule tests of each family cover the rest of each case's *kind* (e.g. case-09's
``minAvailable: 100%``, ``maxUnavailable: 0`` and HPA ``minReplicas`` variants live in
tests/test_rules_pdb.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

#: case -> [(rule, severity, kind, name, [substrings of the message])]
EXPECTED = {
    "case-01": [("hpa/utilization-requests", "error", "HorizontalPodAutoscaler", "web",
                 ['"proxy"', "requests.cpu", "FailedGetResourceMetric"])],
    "case-02": [("hpa/memory-target", "warning", "HorizontalPodAutoscaler", "web",
                 ["memory", "80%"])],
    "case-05": [("hpa/external-target-semantics", "warning", "HorizontalPodAutoscaler", "worker",
                 ["queue_messages_ready", "AverageValue 75", "per pod", "ceil(total / 75)"])],
    "case-09": [("pdb/zero-disruptions", "error", "PodDisruptionBudget", "web",
                 ["minAvailable 1", "1 replica", "disruptionsAllowed"])],
    "case-10": [("limitrange/default-limit-below-request", "error", "Pod", "web",
                 ['"700m"', "must be less than or equal to cpu limit of 10m"]),
                ("limitrange/default-limit-too-low", "warning", "LimitRange", "cpu-defaults",
                 ["(10m, 1]"])],
    "case-11": [("quota/requires-requests", "error", "Deployment", "web",
                 ["failed quota: compute: must specify requests.cpu", "requests.memory"])],
    "case-13": [("promql/division-by-zero", "error", "PrometheusRule", "memory-alerts",
                 ["container_spec_memory_limit_bytes"]),
                ("promql/sum-mixes-unlimited", "warning", "PrometheusRule", "memory-alerts",
                 ["container_spec_memory_limit_bytes"])],
    "case-15": [("promql/vector-matching-never-matches", "error", "PrometheusRule",
                 "request-ratio", ["PodMemoryFarAboveRequest", "container"]),
                ("promql/vector-matching-never-matches", "error", "PrometheusRule",
                 "request-ratio", ["ErrorBudgetBurn", "window"])],
    "case-16": [("promql/rate-on-gauge", "error", "PrometheusRule", "leak-alerts",
                 ["container_memory_working_set_bytes"])],
    "case-14": [("alert/transient-state-for", "error", "PrometheusRule", "oom-alerts",
                 ["OOMKilledA", "kube_pod_container_status_terminated_reason", "never fires"]),
                ("alert/sticky-last-state", "warning", "PrometheusRule", "oom-alerts",
                 ["OOMKilledB", "kube_pod_container_status_last_terminated_reason",
                  "never resolves"])],
    "case-29": [("hpa/target-api-version", "error", "HorizontalPodAutoscaler", "web",
                 ['group ""', "FailedGetScale"]),
                ("hpa/target-api-version", "error", "HorizontalPodAutoscaler", "worker",
                 ["extensions/v1beta1", 'group "extensions"', "FailedGetScale"])],
    "case-31": [("vpa/updates-blocked-min-replicas", "warning", "VerticalPodAutoscaler",
                 "report-api", ["Recreate", "1 replica", "--min-replicas (default 2)",
                                "too few replicas"])],
    # the exporter version is not configured: the removal is a warning (header)
    "case-21": [("promql/removed-metric", "warning", "PrometheusRule", "capacity",
                 ["ClusterCpuRequestsHigh", "kube_pod_container_resource_requests_cpu_cores",
                  "v2.0.0"]),
                ("promql/removed-metric", "warning", "PrometheusRule", "capacity",
                 ["ClusterCpuRequestsHigh", "kube_node_status_allocatable_cpu_cores"]),
                ("promql/removed-metric", "warning", "PrometheusRule", "capacity",
                 ["ContainerMemoryNearLimit",
                  "kube_pod_container_resource_limits_memory_bytes"])],
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_case(shared: Path, case: str) -> None:
    path = shared / "cases" / f"{case}.yaml"
    p = run_cli("check", str(path), "--format", "json")
    findings = json.loads(p.stdout)["findings"]
    want_exit = 1 if any(sev == "error" for _r, sev, *_ in EXPECTED[case]) else 0
    assert p.returncode == want_exit, p.stdout
    for rule, sev, kind, name, words in EXPECTED[case]:
        hits = [f for f in findings if f["rule"] == rule and f["object"]["kind"] == kind
                and f["object"]["name"] == name and f["severity"] == sev]
        assert hits, f"{case}: no {sev} {rule} on {kind}/{name}; got {findings}"
        assert any(all(w in f["message"] for w in words) for f in hits), (case, hits)
        assert all(f["line"] > 0 for f in hits)
