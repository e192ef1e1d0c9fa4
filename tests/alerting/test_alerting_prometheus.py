"""The rendered recording rules and alert expressions against a real Prometheus (Debian's
``prometheus`` on loopback, data backfilled with ``promtool tsdb create-blocks-from
openmetrics``; fixture ``prometheus_with`` from tests/promserver.py).

Each generated scenario is written as OpenMetrics, backfilled, and the server loads the
rendered rule file (so it must accept it). Then, through the HTTP API:

* every per-pod recording rule's expression equals what the series say at sampled times
  (rates and increases with Prometheus' extrapolation, ``provisor.series.ops``); the
  per-agent-class ones equal the sum (max) over the class's pods;
* each alert expression returns the incident's object while the scenario's ground truth
  says the fault is on (after the expression's own window), and nothing before it.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import yaml

from provisor.alerting.scenarios import generate
from provisor.policy import load_policy
from provisor.render import monitoring as m
from provisor.series import ops, write_openmetrics

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("prometheus") is None,
                                 reason="prometheus not installed (make test installs it)")]


@pytest.fixture(scope="module")
def policy():
    return load_policy(None)


def _serve(policy, prometheus_with, tmp_path, name):
    ss, incidents = generate(policy, name, 0)
    om = tmp_path / f"{name}.om"
    write_openmetrics(ss, om)
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": m.rule_groups(policy)}, sort_keys=False))
    prom = prometheus_with(om, rule_files=[rules])
    return prom, ss, incidents


def _by_pod(rows):
    return {(r["metric"].get("pod"), r["metric"].get("container")): r["value"] for r in rows}


def test_server_loads_the_rendered_rules(policy, prometheus_with, tmp_path):
    prom, _, _ = _serve(policy, prometheus_with, tmp_path, "steady")
    groups = {g["name"]: g for g in prom.rules()}
    rec = groups[f"{policy.alerts.group}.recording"]
    alerts = groups[policy.alerts.group]
    assert [r["name"] for r in rec["rules"]] == [r["record"] for r in m.recording_rules(policy)]
    assert [r["name"] for r in alerts["rules"]] == [a.alert for a in m.alert_specs(policy)]
    assert rec["interval"] == alerts["interval"] == 60
    assert all(r["health"] != "err" for g in groups.values() for r in g["rules"])


def test_recording_rules_equal_the_series(policy, prometheus_with, tmp_path):
    prom, ss, _ = _serve(policy, prometheus_with, tmp_path, "cpu-saturation")
    rules = {r["record"]: r["expr"] for r in m.recording_rules(policy)}
    lo, hi = ss.time_range()
    checked = 0
    for t in np.linspace(lo + 1800, hi - 600, 5):
        t = float(round(t / 60) * 60 + 13)   # between scrapes
        cpu = _by_pod(prom.query(rules[m.CPU_RATE], t))
        ws = _by_pod(prom.query(rules[m.WORKING_SET], t))
        thr = _by_pod(prom.query(rules[m.THROTTLED], t))
        req = _by_pod(prom.query(rules[m.CPU_REQUESTS], t))
        lim = _by_pod(prom.query(rules[m.MEMORY_LIMITS], t))
        for s in ss.select("container_cpu_usage_seconds_total"):
            key = (s.get("pod"), s.get("container"))
            want = float(ops.rate(s, t, 300)[0])
            if math.isnan(want):
                assert key not in cpu
                continue
            assert cpu[key] == pytest.approx(want, rel=1e-9)
            periods = ss.get({**s.labels, "__name__": "container_cpu_cfs_periods_total"})
            throttled = ss.get({**s.labels,
                                "__name__": "container_cpu_cfs_throttled_periods_total"})
            p_inc = float(ops.increase(periods, t, 300)[0])
            t_inc = float(ops.increase(throttled, t, 300)[0])
            assert thr[key] == pytest.approx(t_inc / p_inc, rel=1e-9, abs=1e-12)
            checked += 1
        for s in ss.select("container_memory_working_set_bytes"):
            key = (s.get("pod"), s.get("container"))
            i = np.searchsorted(s.timestamps, t, side="right") - 1
            if i >= 0 and t - s.timestamps[i] <= 300 and key in ws:
                assert ws[key] == s.values[i]
        for s in ss.select("kube_pod_container_resource_requests", resource="cpu"):
            key = (s.get("pod"), s.get("container"))
            if s.timestamps[0] <= t <= s.timestamps[-1]:
                assert req[key] == s.values[0]
        for s in ss.select("kube_pod_container_resource_limits", resource="memory"):
            key = (s.get("pod"), s.get("container"))
            if s.timestamps[0] <= t <= s.timestamps[-1]:
                assert lim[key] == s.values[0]
        # per agent class: the sum over the class's pods (via kube_pod_labels)
        # (the per-pod rule it reads was never evaluated over the past: inline its expression)
        expr = rules[m.AGENT_CPU_RATE].replace(m.CPU_RATE, f"({rules[m.CPU_RATE].strip()})")
        by_agent = {r["metric"]["agent"]: r["value"] for r in prom.query(expr, t)}
        agent_of = {s.get("pod"): s.get("label_provisor_dev_agent")
                    for s in ss.select("kube_pod_labels")}
        want_by_agent: dict[str, float] = {}
        for (pod, _c), v in cpu.items():
            want_by_agent[agent_of[pod]] = want_by_agent.get(agent_of[pod], 0.0) + v
        assert by_agent.keys() == want_by_agent.keys()
        for a, v in want_by_agent.items():
            assert by_agent[a] == pytest.approx(v, rel=1e-9)
    assert checked >= 10


ALERTS = {
    "memory-leak": ("oom-kill", "AgentOOMKilled"),
    "cpu-saturation": ("cpu-throttled", "AgentCPUThrottlingHigh"),
    "quota-pressure": ("quota-high", "NamespaceResourceQuotaHigh"),
    "pvc-fill": ("pvc-full", "WorkspacePVCUsageHigh"),      # at the end: the volume is full
    "hpa-maxed": ("hpa-inactive", "PlatformHPAScalingInactive"),
    "controller-outage": ("controller-unavailable", "ControllerAvailabilityBelowPDB"),
    "pending": ("pod-pending", "AgentPodPendingTooLong"),
    "vpa-capped": ("vpa-capped", "AgentVPARecommendationCapped"),
}


@pytest.mark.parametrize("scenario", sorted(ALERTS))
def test_alert_expression_follows_the_ground_truth(policy, prometheus_with, tmp_path,
                                                   scenario):
    kind, alert = ALERTS[scenario]
    prom, _ss, incidents = _serve(policy, prometheus_with, tmp_path, scenario)
    (spec,) = [a for a in m.alert_specs(policy) if a.alert == alert]
    expr = spec.expr
    for r in m.recording_rules(policy):   # never evaluated over the past: inline them
        expr = expr.replace(r["record"], f"({r['expr'].strip()})")
    inc = max((i for i in incidents if i.kind == kind), key=lambda i: i.end_s - i.start_s)
    keys = [k for k in ("pod", "persistentvolumeclaim", "resource", "horizontalpodautoscaler",
                        "poddisruptionbudget", "verticalpodautoscaler") if k in inc.labels]
    # before the incident: the expression selects nothing of this object
    before = prom.query(expr, inc.start_s - 600)
    assert not [r for r in before
                if all(r["metric"].get(k) == inc.labels[k] for k in keys)], before
    # during it (after the longest range window has filled): the object is selected
    at = min(inc.end_s, inc.start_s + 360) if inc.end_s > inc.start_s else inc.start_s + 60
    if kind == "pvc-full":
        at = inc.end_s
    during = prom.query(expr, at)
    assert [r for r in during if all(r["metric"].get(k) == inc.labels[k] for k in keys)], \
        (alert, at, during)
