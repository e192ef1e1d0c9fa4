"""The ``promql/*`` rules through ``run_check``: the spec's PrometheusRule (spec-mistakes items
19-23), cases 13, 15 and 16, inline rule files, PrometheusRules and dashboards, and the real
kube-prometheus and monitoring-mixins rules and dashboards (no error may be reported there)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.check.config import Config, Settings
from provisor.check.registry import load_rules
from provisor.manifests import load

from conftest import SHARED  # noqa: E402
SEED = SHARED / "seed" / "manifests"
RULES = SEED / "prometheusrule-agent-resource-alerts.yaml"
MINE = ("promql", "alert", "dashboard")


def config(**settings) -> Config:
    families = {r.family for r in load_rules().values()}
    return Config(disable=[f"{f}/*" for f in sorted(families) if f not in MINE],
                  settings=Settings(**settings))


def run(paths, **settings):
    return run_check(load([str(p) for p in paths]), schema=False, config=config(**settings))


def check(tmp_path: Path, text: str, name: str = "rules.yaml", **settings):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return run([p], **settings).findings


def of(findings, family: str = "promql/"):
    return sorted((f.rule, f.line) for f in findings if f.rule.startswith(family))


# -- the spec's PrometheusRule --------------------------------------------------------------
def test_seed_prometheusrule():
    """spec-mistakes items 19 (cores as ratio, line 12), 20 (unguarded limit, line 22),
    21 (join on pod only, line 32), 23 (used/hard never match, and hard can be 0, line 42)."""
    res = run([RULES])
    assert of(res.findings) == [
        ("promql/cores-as-ratio", 12),
        ("promql/division-by-zero", 22),
        ("promql/division-by-zero", 42),
        ("promql/join-drops-namespace", 32),
        ("promql/vector-matching-never-matches", 42),
    ]
    by = {(f.rule, f.line): f for f in res.findings}
    f = by[("promql/vector-matching-never-matches", 42)]
    assert f.severity == "error"
    assert f.object.kind == "PrometheusRule" and f.object.name == "agent-resource-alerts"
    assert '`type` is "used" on the left' in f.message and '"hard" on the right' in f.message
    assert "alert NamespaceResourceQuotaHigh" in f.message
    assert "ignoring(type)" in f.fix
    f = by[("promql/division-by-zero", 22)]
    assert "container_spec_memory_limit_bytes" in f.message and "+Inf" in f.message
    assert "> 0" in f.fix
    f = by[("promql/cores-as-ratio", 12)]
    assert f.severity == "warning" and "800 millicores" in f.message
    f = by[("promql/join-drops-namespace", 32)]
    assert 'not limited to namespace "agent-platform"' in f.message
    assert "on(namespace, pod)" in f.fix


# -- cases -------------------------------------------------------------------------------------
def test_case13_memory_vs_limit():
    res = run([SHARED / "cases" / "case-13.yaml"])
    got = of(res.findings)
    assert ("promql/division-by-zero", 27) in got
    assert ("promql/sum-mixes-unlimited", 27) in got
    assert ("promql/cadvisor-pod-double-count", 27) in got
    sev = {f.rule: f.severity for f in res.findings}
    assert sev["promql/division-by-zero"] == "error"
    assert sev["promql/sum-mixes-unlimited"] == "warning"
    assert all(f.object.name == "memory-alerts" for f in res.findings
               if f.rule.startswith("promql/"))


def test_case15_never_matches():
    res = run([SHARED / "cases" / "case-15.yaml"])
    assert of(res.findings) == [("promql/vector-matching-never-matches", 22),
                                ("promql/vector-matching-never-matches", 29)]
    by = {f.line: f for f in res.findings if f.rule.startswith("promql/")}
    assert "{namespace, pod}" in by[22].message
    assert "{container, namespace, pod}" in by[22].message
    assert "on(namespace, pod)" in by[22].fix
    assert "`window`" in by[29].message and "`and` with it is always empty" in by[29].message


def test_case16_rate_on_gauge():
    res = run([SHARED / "cases" / "case-16.yaml"])
    assert of(res.findings) == [("promql/rate-on-gauge", 20)]
    f = next(f for f in res.findings if f.rule == "promql/rate-on-gauge")
    assert f.severity == "error"
    assert "container_memory_working_set_bytes" in f.message
    assert "deriv()" in f.fix


# -- inline inputs -----------------------------------------------------------------------------
RULE_FILE = """
groups:
- name: g
  rules:
  - record: job:x:ratio
    expr: sum by (job) (rate(a_total[5m])) / sum by (job, instance) (rate(b_total[5m]))
  - alert: Leak
    expr: increase(node_memory_Active_bytes[1h]) > 1e9
    labels: {severity: warning}
  - alert: Broken
    expr: sum(rate(x[5m])
"""


def test_plain_rule_file(tmp_path):
    fs = check(tmp_path, RULE_FILE)
    assert of(fs) == [("promql/parse-error", 11), ("promql/rate-on-gauge", 8),
                      ("promql/vector-matching-never-matches", 6)]
    f = next(f for f in fs if f.rule == "promql/parse-error")
    assert "unclosed left parenthesis" in f.message and f.object.kind == "RuleFile"
    f = next(f for f in fs if f.rule == "promql/vector-matching-never-matches")
    assert f.message.startswith("recording rule job:x:ratio:")
    assert "`instance`" in f.message


def test_settings_gauges_and_counters(tmp_path):
    text = """
    groups:
    - name: g
      rules:
      - alert: QueueGrowing
        expr: rate(work_queue_depth[10m]) > 1
        labels: {severity: warning}
    """
    assert of(check(tmp_path, text)) == []
    assert of(check(tmp_path, text, gauges=["work_queue_*"])) == [("promql/rate-on-gauge", 6)]


DASH = """
{
  "title": "T", "uid": "t", "schemaVersion": 39,
  "templating": {"list": [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    {"name": "namespace", "type": "query", "multi": false, "includeAll": false}
  ]},
  "panels": [
    {"title": "Mem", "type": "timeseries", "fieldConfig": {"defaults": {"unit": "bytes"}},
     "datasource": {"type": "prometheus", "uid": "${datasource}"},
     "targets": [
       {"refId": "A",
        "expr": "rate(container_memory_rss{namespace=\\"$namespace\\"}[$__rate_interval])"},
       {"refId": "B",
       "expr": "sum by (pod) (container_memory_rss{namespace=~\\"$namespace\\",container!=\\"\\"})"}
     ]},
    {"title": "Logs", "type": "logs",
     "datasource": {"type": "loki", "uid": "loki"},
     "targets": [{"refId": "A", "expr": "{app=\\"x\\"} |= \\"error\\""}]}
  ]
}
"""


def test_dashboard_panels_go_through_the_promql_rules(tmp_path):
    fs = check(tmp_path, DASH, name="d.json")
    # B groups by pod, but the namespace variable holds one value: no join finding.
    assert of(fs) == [("promql/rate-on-gauge", 13)]
    f = next(f for f in fs if f.rule == "promql/rate-on-gauge")
    assert f.message.startswith("dashboard 'T' panel 'Mem' target A:")
    assert f.object.kind == "GrafanaDashboard" and f.object.name == "T"


def test_dashboard_multi_value_variable(tmp_path):
    fs = check(tmp_path, DASH.replace('"multi": false', '"multi": true'), name="d.json")
    assert ("promql/join-drops-namespace", 15) in of(fs)


def test_embedded_dashboard_points_at_the_data_key(tmp_path):
    import json

    model = json.loads(DASH)
    text = json.dumps(model, indent=2)
    cm = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\n  namespace: mon\n"
          "  labels: {grafana_dashboard: \"1\"}\ndata:\n  other: x\n  mem.json: |-\n"
          + textwrap.indent(text, "    ") + "\n")
    p = tmp_path / "cm.yaml"
    p.write_text(cm)
    fs = run([p]).findings
    assert of(fs) == [("promql/rate-on-gauge", 9)]
    f = next(f for f in fs if f.rule == "promql/rate-on-gauge")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "rate(container" in ln)
    assert f"(mem.json line {line})" in f.message
    assert f.object.kind == "ConfigMap" and f.object.name == "dash"


def test_parse_error_never_crashes(tmp_path):
    text = """
    groups:
    - name: g
      rules:
      - {alert: A, expr: "sum by (a) b"}
      - {alert: B, expr: 42}
      - {alert: C, expr: "x{a=~\\"(\\"}"}
      - {alert: D}
    """
    fs = check(tmp_path, text)
    assert not any(f.rule == "check/rule-crashed" for f in fs)
    # an invalid regex is a parse error too (Prometheus compiles matchers when parsing)
    assert of(fs) == [("promql/parse-error", 5), ("promql/parse-error", 7)]


# -- the real corpus -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real():
    return run([SHARED / "real" / "kube-prometheus",
                SHARED / "real" / "monitoring-mixins-website"]).findings


def test_real_rules_and_dashboards_have_no_promql_errors(real):
    """Hundreds of production alerts and recording rules and every panel of 33 dashboards
    (three copies: kube-prometheus' ConfigMaps and extracted JSON, the mixins site)."""
    errors = [f for f in real if f.rule.startswith("promql/") and f.severity == "error"]
    assert errors == []
    assert not any(f.rule == "check/rule-crashed" for f in real)


def test_real_corpus_warnings_are_the_known_true_positives(real):
    """The warnings reported on the real files, each one reviewed: dashboards that group
    pods by name across namespaces (`sum by (pod)` with a multi-namespace or node scope), and
    per-pod / per-workload "limits %" columns that divide by a sum of container limits."""
    rules = {f.rule for f in real if f.rule.startswith("promql/")}
    assert rules == {"promql/join-drops-namespace", "promql/sum-mixes-unlimited"}
    for f in real:
        if f.rule == "promql/join-drops-namespace":
            assert f.object.kind in ("GrafanaDashboard", "ConfigMap")
            assert "groups by pod without namespace" in f.message
        elif f.rule == "promql/sum-mixes-unlimited":
            assert "kube_pod_container_resource_limits" in f.message
            assert "Quota" in f.message
