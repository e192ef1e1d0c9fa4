"""provisor.alerting: generated scenarios with ground truth, the harness behind
``provisor alerts test``, the CLI, and the twin's scorecard line. Every evaluation runs the
real ``promtool test rules``."""

from __future__ import annotations

import importlib.util
import io
import json
import shutil

import pytest

from conftest import SHARED, run_cli
from provisor.alerting.engine import evaluate_alerts
from provisor.alerting.harness import (
    AlertTestError,
    default_runner,
    fill_scorecard,
    load_rule_file,
    rendered_rules,
    run_alert_test,
)
from provisor.alerting.scenarios import SCENARIOS, generate
from provisor.alerting.scoring import score
from provisor.policy import load_policy
from provisor.series import write_openmetrics

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None,
                                reason="promtool not installed (make test installs it)")
SPEC_RULES = SHARED / "seed" / "manifests" / "prometheusrule-agent-resource-alerts.yaml"


@pytest.fixture(scope="module")
def policy():
    return load_policy(None)


def _om(ss) -> str:
    buf = io.StringIO()
    write_openmetrics(ss, buf)
    return buf.getvalue()


def test_generated_scenarios_are_deterministic(policy):
    a_ss, a_inc = generate(policy, "memory-leak", 3)
    b_ss, b_inc = generate(policy, "memory-leak", 3)
    assert _om(a_ss) == _om(b_ss) and a_inc == b_inc
    c_ss, _ = generate(policy, "memory-leak", 4)
    assert _om(c_ss) != _om(a_ss)


FAULTS = {"memory-leak": ("oom-kill", ["AgentOOMKilled"]),
          "cpu-saturation": ("cpu-high", ["AgentHighCPUUsage", "AgentCPUThrottlingHigh"]),
          "quota-pressure": ("quota-high", ["NamespaceResourceQuotaHigh",
                                            "ResourceQuotaRejections"]),
          "pvc-fill": ("pvc-full", ["WorkspacePVCFillingUp", "WorkspacePVCUsageHigh"]),
          "hpa-maxed": ("hpa-maxed", ["PlatformHPAMaxedOut", "PlatformHPAScalingInactive"]),
          "controller-outage": ("controller-unavailable", ["ControllerAvailabilityBelowPDB"]),
          "pending": ("pod-pending", ["AgentPodPendingTooLong"]),
          "vpa-capped": ("vpa-capped", ["AgentVPARecommendationCapped"])}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_is_caught_by_its_rendered_alerts_and_nothing_else_fires(policy, name):
    kind, alerts = FAULTS[name]
    assert SCENARIOS[name].fault
    ss, incidents = generate(policy, name, 0)
    assert any(i.kind == kind for i in incidents)
    rs = rendered_rules(policy)
    result = evaluate_alerts(rs.groups, ss, eval_interval=60)
    fired = {f.alert for f in result.firings}
    assert set(alerts) <= fired, fired
    from provisor.render.monitoring import alert_specs

    kinds = {a.alert: a.incidents for a in alert_specs(policy)}
    s = score(result.firings, incidents, kinds, {a: 3600.0 for a in kinds})
    for a in alerts:
        assert s.alerts[a].fp == 0 and s.alerts[a].fn == 0 and s.alerts[a].detected >= 1, a
    assert s.fp_rate == 0.0


@pytest.mark.slow
def test_the_spec_rules_miss_the_oom_of_a_run_that_never_restarts(policy):
    report = run_alert_test(policy, [SPEC_RULES], ["memory-leak"], 1)
    spec = report.scores["prometheusrule-agent-resource-alerts.yaml"]
    ours = report.scores["rendered"]
    assert spec.alerts["AgentOOMKilled"].fn == 1 and spec.alerts["AgentOOMKilled"].tp == 0
    assert ours.alerts["AgentOOMKilled"].fn == 0 and ours.alerts["AgentOOMKilled"].tp == 1
    # the spec's CPU rule compares cores with 0.8: it fires on normal load
    assert spec.alerts["AgentHighCPUUsage"].fp > 0
    assert ours.fp_rate == 0.0 and spec.fp_rate > 0.05


@pytest.mark.slow
def test_report_is_deterministic_and_json_ready(policy):
    a = run_alert_test(policy, [], ["pending"], 1).to_json()
    b = run_alert_test(policy, [], ["pending"], 1).to_json()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    (pending,) = [x for x in a["rule_sets"]["rendered"]["alerts"]
                  if x["alert"] == "AgentPodPendingTooLong"]
    assert pending["tp"] == 1 and pending["recall"] == 1.0
    assert pending["delay_mean_s"] == 600.0   # the 10m hold
    (line,) = a["scorecard"]
    assert line == {"id": "alert-accuracy", "rule_set": "rendered", "value": 1.0,
                    "unit": "ratio", "target": ">= 0.95", "status": "pass"}


def test_rule_files_prometheusrule_and_plain(tmp_path):
    rs = load_rule_file(SPEC_RULES)
    assert [r["alert"] for r in rs.groups[0]["rules"]][:1] == ["AgentHighCPUUsage"]
    plain = tmp_path / "rules.yaml"
    plain.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    assert load_rule_file(plain).groups[0]["rules"][0]["alert"] == "A"
    empty = tmp_path / "x.yaml"
    empty.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(AlertTestError, match="no Prometheus rule groups"):
        load_rule_file(empty)


def test_unknown_scenario(policy):
    with pytest.raises(AlertTestError, match="unknown"):
        default_runner()(policy, "no-such-scenario", 0)
    with pytest.raises(AlertTestError, match="seeds"):
        run_alert_test(policy, [], ["pending"], 0)


def test_cli_json_and_bad_input(tmp_path):
    r = run_cli("alerts", "test", "--scenario", "controller-outage", "--format", "json",
                "--rules", str(SPEC_RULES), timeout=300)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data["rule_sets"]) == {"rendered", "prometheusrule-agent-resource-alerts.yaml"}
    ctl = [a for a in data["rule_sets"]["rendered"]["alerts"]
           if a["alert"] == "ControllerAvailabilityBelowPDB"][0]
    assert (ctl["tp"], ctl["fn"], ctl["recall"]) == (1, 0, 1.0)
    r = run_cli("alerts", "test", "--scenario", "nope")
    assert r.returncode == 2 and "unknown scenario" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: [\n")
    r = run_cli("alerts", "test", "--scenario", "pending", "--rules", str(bad))
    assert r.returncode == 2 and "bad.yaml" in r.stderr
    r = run_cli("alerts", "test", "--scenario", "pending", "--format", "xml")
    assert r.returncode == 2


@pytest.mark.skipif(importlib.util.find_spec("provisor.sim") is None,
                    reason="the twin (provisor.sim) is not installed")
@pytest.mark.slow
def test_twin_scenario_and_scorecard(policy):
    import provisor.sim as sim

    # the built-in workload OOM-kills testing runs (working set above the 16Gi limit)
    # around 12 h into the first day: the rendered OOM alert must catch every kill
    report = run_alert_test(policy, [], ["twin:steady"], 1, runner=default_runner(days=0.55))
    assert report.scenarios[0]["incidents"] > 0
    ours = report.scores["rendered"]
    oom = ours.alerts["AgentOOMKilled"]
    assert oom.tp >= 1 and oom.fp == 0 and oom.fn == 0 and oom.recall == 1.0
    result = sim.simulate(sim.load_inputs(None), days=0.05, seed=0)
    fill_scorecard(result.scorecard, ours)
    m = result.scorecard.get("alert-accuracy")
    assert m.value == pytest.approx(1 - ours.fp_rate) and m.status in ("pass", "fail")
