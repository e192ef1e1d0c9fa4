"""The rendered PrometheusRule and dashboard: clean under provisor's own alert / promql /
dashboard rules and the real ``promtool check rules``; recording rules named
``level:metric:operations``; every threshold and hold from the policy; older policy files
(without the new ``alerts`` fields) still load."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from provisor.policy import default_policy_path, load_policy, parse_policy_text
from provisor.render import render, write_bundle
from provisor.render import monitoring as m

from conftest import run_cli


@pytest.fixture(scope="module")
def policy():
    return load_policy(None)


def test_check_finds_nothing_in_the_monitoring_objects(tmp_path: Path) -> None:
    out = tmp_path / "b"
    write_bundle(render(load_policy(None)), out)
    import json

    p = run_cli("check", str(out), "--format", "json", "--fail-on", "info")
    findings = json.loads(p.stdout)["findings"]
    mine = [f for f in findings if f["rule"].split("/")[0] in ("alert", "promql", "dashboard")]
    assert mine == []
    touched = {f["object"]["kind"] for f in findings}
    assert not touched & {"PrometheusRule"}
    assert not [f for f in findings if f["object"]["name"] == "agent-resource-dashboard"]


def test_promtool_check_rules(tmp_path: Path, policy) -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed")
    f = tmp_path / "rules.yaml"
    f.write_text(yaml.safe_dump({"groups": m.rule_groups(policy)}))
    p = subprocess.run(["promtool", "check", "rules", str(f)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"SUCCESS: {len(m.recording_rules(policy)) + len(m.alert_specs(policy))} rules" \
        in p.stdout


def test_recording_rule_names(policy) -> None:
    names = [r["record"] for r in m.recording_rules(policy)]
    assert len(names) == len(set(names)) == 14
    for n in names:
        assert re.fullmatch(r"[a-z_]+:[a-z_]+:[a-z0-9_]+", n), n
    # the alerts read the recorded per-pod series
    exprs = "\n".join(a.expr for a in m.alert_specs(policy))
    for n in (m.CPU_RATE, m.WORKING_SET, m.THROTTLED, m.CPU_REQUESTS, m.CPU_LIMITS):
        assert n in exprs


def test_every_threshold_and_hold_comes_from_the_policy() -> None:
    text = default_policy_path().read_text()
    text = text.replace("throttling: {threshold: 0.25, for: 15m",
                        "throttling: {threshold: 0.4, for: 20m")
    text = text.replace("pod_pending: {for: 10m", "pod_pending: {for: 7m")
    text = text.replace("pvc_filling: {window: 30m, horizon: 1h, min_usage: 0.75",
                        "pvc_filling: {window: 1h, horizon: 4h, min_usage: 0.6")
    text = text.replace("labels: {release: kube-prometheus-stack}", "labels: {release: prom}")
    p = parse_policy_text(text, "p.yaml")
    rules = {r["alert"]: r for r in m.alert_rules(p)}
    assert rules["AgentCPUThrottlingHigh"]["for"] == "20m"
    assert "> 0.4" in rules["AgentCPUThrottlingHigh"]["expr"]
    assert rules["AgentPodPendingTooLong"]["for"] == "7m"
    f = rules["WorkspacePVCFillingUp"]["expr"]
    assert "[1h], 14400)" in f and "> 0.6" in f
    assert m.prometheus_rule(p)["metadata"]["labels"]["release"] == "prom"


def test_a_policy_without_the_new_alert_fields_still_loads() -> None:
    text = default_policy_path().read_text()
    start = text.index("  quota_rejections:")
    end = text.index("dashboard:\n")
    old = text[:start] + "\n" + text[end:]
    old = old.replace("  evaluation_interval: 1m   # Prometheus' default evaluation_interval\n",
                      "")
    p = parse_policy_text(old, "old.yaml")
    assert p.alerts.throttling.threshold == 0.25 and p.alerts.pod_pending.for_ == "10m"
    assert p.alerts.runbook_base_url is None and p.alerts.evaluation_interval == "1m"


def test_bad_new_alert_values_are_reported_by_field() -> None:
    text = default_policy_path().read_text().replace(
        "throttling: {threshold: 0.25", "throttling: {threshold: 1.5")
    from provisor.policy import PolicyError

    with pytest.raises(PolicyError) as exc:
        parse_policy_text(text, "p.yaml")
    assert any(pr.field == "alerts.throttling.threshold" for pr in exc.value.problems)
