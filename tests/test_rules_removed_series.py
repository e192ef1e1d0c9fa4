"""``promql/removed-metric`` and ``promql/removed-label`` (issue 14, exporter versions), the
exporter version table of :mod:`provisor.promql.exporters`, and the shared guard: no rule
diagnoses an expression whose series cannot exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisor.check.config import ConfigError, load_config
from provisor.promql.analysis import CADVISOR_DOUBLE_COUNT, REMOVED_LABEL, REMOVED_METRIC, analyze
from provisor.promql.exporters import (METRIC_REMOVALS, parse_exporter_versions, parse_version,
                                       removed_label, removed_metric)
from provisor.promql.metrics import Knowledge

from conftest import SHARED  # noqa: E402
from rulekit import check_text, only


def rules(expr: str, alert: str = "A") -> str:
    return f"""
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {{name: r, namespace: mon}}
    spec:
      groups:
      - name: g
        rules:
        - alert: {alert}
          expr: {json.dumps(expr)}
          labels: {{severity: warning}}
    """


# -- the table --------------------------------------------------------------------------------
def test_version_parsing():
    assert parse_version("v2.10.1") == (2, 10, 1)
    assert parse_version("1.30") == (1, 30, 0)
    assert parse_version("2.0.0-rc.1") == (2, 0, 0)
    with pytest.raises(ValueError):
        parse_version("latest")
    assert parse_exporter_versions(["kubernetes=1.30", "kube-state-metrics=2.13.0"]) == (
        ("kube-state-metrics", "2.13.0"), ("kubelet", "1.30"))
    with pytest.raises(ValueError):
        parse_exporter_versions(["node-exporter=1.0"])
    with pytest.raises(ValueError):
        parse_exporter_versions(["kube-state-metrics"])


def test_ksm_v2_removals_are_the_changelog_list():
    """kube-state-metrics CHANGELOG v2.0.0-alpha, #1004: ten resource series."""
    v2 = {r.name for r in METRIC_REMOVALS if r.version == "2.0.0" and not r.prefix}
    for name in ("kube_pod_container_resource_requests_cpu_cores",
                 "kube_pod_container_resource_limits_cpu_cores",
                 "kube_pod_container_resource_requests_memory_bytes",
                 "kube_pod_container_resource_limits_memory_bytes",
                 "kube_node_status_capacity_pods", "kube_node_status_capacity_cpu_cores",
                 "kube_node_status_capacity_memory_bytes", "kube_node_status_allocatable_pods",
                 "kube_node_status_allocatable_cpu_cores",
                 "kube_node_status_allocatable_memory_bytes"):
        assert name in v2
    r, known = removed_metric("kube_hpa_spec_max_replicas")
    assert not known and r.replacement_for("kube_hpa_spec_max_replicas") == (
        "kube_horizontalpodautoscaler_spec_max_replicas")
    assert removed_metric("kube_pod_container_resource_requests") is None
    assert removed_metric("kube_pod_deleted", (("kube-state-metrics", "1.9.7"),)) is None
    assert removed_metric("kube_pod_deleted", (("kube-state-metrics", "2.0.0"),))[1] is True
    # removed only in 2.9: still served by 2.8
    assert removed_metric("kube_verticalpodautoscaler_labels",
                          (("kube-state-metrics", "2.8.2"),)) is None
    assert removed_label("container_memory_usage_bytes", "pod_name") is not None
    assert removed_label("container_memory_usage_bytes", "pod_name", (("kubelet", "1.15"),)) is None
    assert removed_label("kube_pod_info", "pod_name") is None


# -- case-21 ----------------------------------------------------------------------------------
def test_case21_version_unknown_is_a_warning(tmp_path):
    text = (SHARED / "cases" / "case-21.yaml").read_text()
    fs = only(check_text(tmp_path, text), "promql/removed-metric")
    assert [(f.severity, f.line) for f in fs] == [("warning", 36), ("warning", 36),
                                                  ("warning", 45)]
    # two findings on line 36: findings at one place are in a total order (by message),
    # not in the order the rule produced them
    at36 = [f for f in fs if f.line == 36]
    assert any('kube_pod_container_resource_requests{resource="cpu"' in (f.fix or "")
               for f in at36)
    assert any("kube_node_status_allocatable_cpu_cores" in f.message for f in at36)
    assert 'kube_pod_container_resource_limits{resource="memory"' in fs[2].fix


def test_case21_version_known(tmp_path):
    text = (SHARED / "cases" / "case-21.yaml").read_text()
    fs = only(check_text(tmp_path, text, exporter_versions=["kube-state-metrics=2.10.0"]),
              "promql/removed-metric")
    assert {f.severity for f in fs} == {"error"} and len(fs) == 3
    assert only(check_text(tmp_path, text, exporter_versions=["kube-state-metrics=1.9.8"]),
                "promql/removed-metric") == []


def test_renamed_families(tmp_path):
    fs = check_text(tmp_path, rules(
        "kube_hpa_status_current_replicas == kube_hpa_spec_max_replicas"))
    msgs = [f.message for f in only(fs, "promql/removed-metric")]
    assert len(msgs) == 2 and all("kube_hpa_" in m for m in msgs)
    fixes = [f.fix for f in only(fs, "promql/removed-metric")]
    assert any("kube_horizontalpodautoscaler_status_current_replicas" in (x or "")
               for x in fixes)  # (findings at one place are ordered by message)
    # an expression that cannot return series gets no other diagnosis
    assert [f.rule for f in fs if f.rule.startswith("promql/")] == ["promql/removed-metric"] * 2


# -- removed labels and the guard ---------------------------------------------------------------
DASH = {
    "title": "Pods", "uid": "p", "schemaVersion": 39,
    "templating": {"list": [
        {"name": "pod", "type": "query", "query": "label_values(container_cpu_usage_seconds_total, pod_name)"}]},
    "panels": [
        {"title": "Mem", "type": "timeseries", "id": 1, "datasource": {"type": "prometheus", "uid": "p"},
         "targets": [{"refId": "A",
                      "expr": "sum by (pod_name) (container_memory_working_set_bytes{pod_name=~\"$pod\"})"}]},
        {"title": "Mem2", "type": "timeseries", "id": 2, "datasource": {"type": "prometheus", "uid": "p"},
         "targets": [{"refId": "A", "expr": "sum by (pod) (container_memory_working_set_bytes{pod=~\"$pod\"})"}]},
    ]}


def test_dashboard_on_pod_name_is_not_misdiagnosed(tmp_path):
    """Issue 14: on a dashboard still using pod_name, cadvisor-pod-double-count must not
    fire (its series cannot exist); the removed label is the diagnosis."""
    fs = check_text(tmp_path, json.dumps(DASH), name="d.json")
    double = only(fs, "promql/cadvisor-pod-double-count")
    assert [("Mem2" in f.message) for f in double] == [True]
    removed = only(fs, "promql/removed-label")
    panel = [f for f in removed if "'Mem'" in f.message]
    var = [f for f in removed if "variable 'pod'" in f.message]
    assert panel and len(var) == 1 and len(removed) == len(panel) + 1
    assert "`pod`" in panel[0].fix
    assert var[0].fix == "use label_values(container_cpu_usage_seconds_total, pod)"
    fs = check_text(tmp_path, json.dumps(DASH), name="d.json", exporter_versions=["kubelet=1.30"])
    assert {f.severity for f in only(fs, "promql/removed-label")} == {"error"}
    fs = check_text(tmp_path, json.dumps(DASH), name="d.json", exporter_versions=["kubelet=1.15"])
    assert only(fs, "promql/removed-label") == []


@pytest.mark.parametrize("expr,dead", [
    ('container_memory_usage_bytes{pod_name="x"}', True),
    ('container_memory_usage_bytes{container_name=~"app|db"}', True),
    ('container_memory_usage_bytes{container_name!="POD"}', False),  # matches every series
    ('container_memory_usage_bytes{container_name=~".*"}', False),
    ('sum(kube_pod_container_resource_requests_cpu_cores) or vector(0)', False),
    ('sum(kube_pod_container_resource_requests_cpu_cores) or sum(kube_hpa_labels)', True),
    ('up unless kube_hpa_labels', False),
    ('kube_hpa_labels unless up', True),
    ('absent(kube_hpa_labels)', False),
    ('sum(rate(container_cpu_usage_seconds_total{pod_name="x"}[5m])) / 2', True),
])
def test_empty_expressions(expr, dead):
    assert (analyze(expr).empty is not None) is dead


def test_guard_silences_other_kinds():
    a = analyze('sum(container_memory_usage_bytes{pod_name="x"})')
    assert [p.kind for p in a.problems] == [REMOVED_LABEL]
    a = analyze('sum(container_memory_usage_bytes{namespace="x"})')
    assert [p.kind for p in a.problems] == [CADVISOR_DOUBLE_COUNT]
    k = Knowledge.from_settings(None, None, ["kubelet=1.14"])
    a = analyze('sum(container_memory_usage_bytes{pod_name="x"})', k)
    assert [p.kind for p in a.problems] == [CADVISOR_DOUBLE_COUNT]
    a = analyze("rate(kube_hpa_status_current_replicas[5m])")
    assert [p.kind for p in a.problems] == [REMOVED_METRIC]


def test_exporter_versions_setting_is_validated(tmp_path: Path):
    p = tmp_path / ".provisor.yaml"
    p.write_text("check:\n  settings:\n    exporter_versions: [\"kube-state-metrics=2.13\"]\n")
    assert load_config(p).settings.exporter_versions == ["kube-state-metrics=2.13"]
    p.write_text("check:\n  settings:\n    exporter_versions:\n      - ksm=2\n")
    with pytest.raises(ConfigError, match=r":4: check.settings.exporter_versions.0: "):
        load_config(p)


def test_real_corpus_has_no_removed_series():
    """kube-prometheus and the mixins are current: no removed metric or label (looked at:
    grep finds no pod_name, container_name, *_cpu_cores or kube_hpa_ in them)."""
    from provisor.check import run_check
    from provisor.manifests import load

    fs = run_check(load([str(SHARED / "real")]), schema=False).findings
    assert [f for f in fs if f.rule in ("promql/removed-metric", "promql/removed-label")] == []


def test_kubernetes_version_stands_for_the_kubelet(tmp_path):
    from provisor.check import run_check
    from provisor.manifests import load

    p = tmp_path / "d.json"
    p.write_text(json.dumps(DASH))
    fs = run_check(load([str(p)]), schema=False, kubernetes_version="1.30").findings
    assert {f.severity for f in fs if f.rule == "promql/removed-label"} == {"error"}
    fs = run_check(load([str(p)]), schema=False).findings
    assert {f.severity for f in fs if f.rule == "promql/removed-label"} == {"warning"}
