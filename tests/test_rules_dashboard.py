"""The ``dashboard/*`` rules through ``run_check``: the spec's dashboard (spec-mistakes items
25-28), bare models, HTTP API wrappers and dashboards embedded in ConfigMaps, Grafana variable
interpolation, and the real kube-prometheus and monitoring-mixins dashboards."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.check.config import Config, Settings
from provisor.check.registry import load_rules
from provisor.check.rules.dashboard._model import interpolate, var_refs
from provisor.manifests import load
from provisor.promql.ast import try_parse

from conftest import SHARED  # noqa: E402
DASHBOARD = SHARED / "seed" / "manifests" / "grafana-dashboard.json"
MINE = ("promql", "alert", "dashboard")


def config(**settings) -> Config:
    families = {r.family for r in load_rules().values()}
    return Config(disable=[f"{f}/*" for f in sorted(families) if f not in MINE],
                  settings=Settings(**settings))


def run(paths):
    return run_check(load([str(p) for p in paths]), schema=False, config=config()).findings


def of(findings, rule: str):
    return sorted(f.line for f in findings if f.rule == rule)


def dash(tmp_path: Path, model: dict, name: str = "d.json"):
    p = tmp_path / name
    p.write_text(json.dumps(model, indent=2))
    return run([p])


def line_of(tmp_path: Path, name: str, needle: str) -> int:
    text = (tmp_path / name).read_text()
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# -- the spec's dashboard ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed():
    return run([DASHBOARD])


def test_seed_api_wrapper(seed):
    """Item 25: the HTTP API wrapper, no uid, no schemaVersion."""
    assert of(seed, "dashboard/api-wrapper") == [2]
    f = next(f for f in seed if f.rule == "dashboard/api-wrapper")
    assert f.severity == "error" and "title cannot be empty" in f.message
    assert f.object.kind == "GrafanaDashboard" and f.object.name == "Agent Resource Management"
    assert of(seed, "dashboard/missing-uid") == [2]
    assert of(seed, "dashboard/missing-schema-version") == [2]


def test_seed_templating(seed):
    """Item 26: no datasource variable; namespace hard-coded, no namespace variable."""
    assert of(seed, "dashboard/datasource-templating") == [2]
    f = next(f for f in seed if f.rule == "dashboard/datasource-templating")
    assert "3 Prometheus panel(s)" in f.message and "default datasource" in f.message
    assert of(seed, "dashboard/hardcoded-namespace") == [10]
    assert "'agent-platform'" in next(f.message for f in seed
                                      if f.rule == "dashboard/hardcoded-namespace")


def test_seed_units(seed):
    """Item 27: /1024/1024/1024 without a unit (line 20), * 100 without a unit (line 30), and
    the CPU panel (cores) without a unit (the panel at line 5)."""
    assert of(seed, "dashboard/units") == [5, 20, 30]
    msgs = {f.line: f for f in seed if f.rule == "dashboard/units"}
    assert "GiB" in msgs[20].message and '"bytes"' in msgs[20].fix
    assert "multiplies by 100" in msgs[30].message and "percent" in msgs[30].fix
    assert "CPU cores" in msgs[5].message


def test_seed_stat_per_pod(seed):
    """Item 28: stat panels over per-pod series."""
    assert of(seed, "dashboard/stat-per-series") == [10, 20]
    assert {f.severity for f in seed if f.rule == "dashboard/stat-per-series"} == {"info"}


def test_seed_panel_queries_are_valid(seed):
    assert of(seed, "dashboard/panel-promql") == [] and of(seed, "promql/parse-error") == []


# -- a good dashboard, and variations --------------------------------------------------------
def good() -> dict:
    return {
        "title": "Good", "uid": "good", "schemaVersion": 39,
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "namespace", "type": "query", "query": "label_values(kube_pod_info, "
             "namespace)"},
        ]},
        "panels": [
            {"type": "row", "title": "Row", "panels": []},
            {"title": "Memory", "type": "timeseries",
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "fieldConfig": {"defaults": {"unit": "bytes"}},
             "targets": [{"refId": "A", "expr": 'sum by (namespace) (container_memory_working_'
                          'set_bytes{namespace="$namespace", container!=""})'}]},
            {"title": "CPU", "type": "timeseries",
             "datasource": {"type": "prometheus", "uid": "$datasource"},
             "fieldConfig": {"defaults": {"unit": "none"}},
             "targets": [{"refId": "A", "expr": 'sum(rate(container_cpu_usage_seconds_total'
                          '{namespace="$namespace", container!=""}[$__rate_interval]))'}]},
        ],
    }


def test_good_dashboard_is_clean(tmp_path):
    fs = dash(tmp_path, good())
    assert [f for f in fs if f.rule.split("/")[0] in MINE] == []


def test_bare_model_missing_uid(tmp_path):
    m = good()
    del m["uid"]
    fs = dash(tmp_path, m)
    assert of(fs, "dashboard/missing-uid") == [1]
    assert of(fs, "dashboard/api-wrapper") == []


def test_hard_coded_datasource_with_variable(tmp_path):
    m = good()
    m["panels"][1]["datasource"] = "Prometheus"
    m["panels"][2]["datasource"] = None
    fs = dash(tmp_path, m)
    assert of(fs, "dashboard/datasource-templating") == [
        line_of(tmp_path, "d.json", '"datasource": "Prometheus"'),
        line_of(tmp_path, "d.json", '"datasource": null')]
    msgs = [f.message for f in fs if f.rule == "dashboard/datasource-templating"]
    assert "datasource 'Prometheus'" in msgs[0] and "default datasource" in msgs[1]


def test_target_level_datasource_under_mixed(tmp_path):
    m = good()
    m["panels"][1]["datasource"] = {"type": "datasource", "uid": "-- Mixed --"}
    m["panels"][1]["targets"][0]["datasource"] = {"type": "prometheus", "uid": "$datasource"}
    assert of(dash(tmp_path, m), "dashboard/datasource-templating") == []


def test_non_prometheus_targets_are_skipped(tmp_path):
    m = good()
    m["panels"].append({"title": "Logs", "type": "logs",
                        "datasource": {"type": "loki", "uid": "loki"},
                        "targets": [{"refId": "A", "expr": '{app="x"} |= "error" [5m'}]})
    m["templating"]["list"].append({"name": "logs", "type": "datasource", "query": "loki"})
    m["panels"].append({"title": "Logs2", "type": "logs", "datasource": "$logs",
                        "targets": [{"refId": "A", "expr": 'sum(count_over_time({a="b"}[1m]'}]})
    fs = dash(tmp_path, m)
    assert [f.rule for f in fs if f.rule.split("/")[0] in MINE] == []


def test_undefined_variable(tmp_path):
    m = good()
    m["panels"][1]["targets"][0]["expr"] = (
        'sum(container_memory_working_set_bytes{namespace="$namespace", pod=~"$pod", '
        'cluster="${cluster:regex}", container!=""})')
    fs = dash(tmp_path, m)
    assert of(fs, "dashboard/panel-promql") == [line_of(tmp_path, "d.json", "$pod")]
    f = next(f for f in fs if f.rule == "dashboard/panel-promql")
    assert "$cluster, $pod" in f.message


@pytest.mark.parametrize("expr, unit, hit", [
    ("container_memory_working_set_bytes{container!=\"\"} / 1024 / 1024", None, "MiB"),
    ("container_memory_working_set_bytes{container!=\"\"} / 1024 / 1024", "short", "MiB"),
    ("container_memory_working_set_bytes{container!=\"\"} / 1024 / 1024", "mbytes", None),
    ("container_memory_working_set_bytes{container!=\"\"} / (1024 * 1024 * 1024)", None, "GiB"),
    ("x_ratio * 100", None, "multiplies by 100"),
    ("100 * x_ratio", "percent", None),
    ("container_memory_working_set_bytes{container!=\"\"}", None, "has no unit"),
    ("container_memory_working_set_bytes{container!=\"\"} / on(namespace, pod, container) "
     "(container_spec_memory_limit_bytes{container!=\"\"} > 0)", "percent", "0.85%"),
    ("x_ratio * 100", "percentunit", "8500%"),
    ("my_requests", None, None),
], ids=["mib-no-unit", "mib-short", "mib-mbytes", "gib-parens", "times-100",
        "times-100-percent", "bytes-no-unit", "ratio-as-percent", "percent-as-percentunit",
        "unknown"])
def test_units(tmp_path, expr, unit, hit):
    m = good()
    p = m["panels"][1]
    p["targets"][0]["expr"] = expr
    if unit is None:
        del p["fieldConfig"]
    else:
        p["fieldConfig"]["defaults"]["unit"] = unit
    fs = dash(tmp_path, m)
    msgs = [f.message for f in fs if f.rule == "dashboard/units"]
    if hit is None:
        assert msgs == []
    else:
        assert len(msgs) == 1 and hit in msgs[0]


def test_legacy_graph_panel_units(tmp_path):
    m = good()
    m["panels"][1] = {"title": "Old", "type": "graph", "datasource": "$datasource",
                      "yaxes": [{"format": "bytes"}, {"format": "short"}],
                      "targets": [{"refId": "A", "expr": "sum(container_memory_rss"
                                   "{container!=\"\"})"}]}
    assert of(dash(tmp_path, m), "dashboard/units") == []
    m["panels"][1]["yaxes"][0]["format"] = "short"
    m["panels"][1]["targets"][0]["expr"] += " / 1024"
    assert len(of(dash(tmp_path, m), "dashboard/units")) == 1


def test_legacy_rows_are_walked(tmp_path):
    m = good()
    panels = m.pop("panels")
    m["rows"] = [{"panels": panels[1:]}]
    m["rows"][0]["panels"][0]["targets"][0]["expr"] = "rate(container_memory_rss[5m])"
    fs = dash(tmp_path, m)
    assert [f.rule for f in fs if f.rule.startswith("promql/")] == ["promql/rate-on-gauge"]


def test_stat_panel_aggregated_is_fine(tmp_path):
    m = good()
    m["panels"][1]["type"] = "stat"
    assert of(dash(tmp_path, m), "dashboard/stat-per-series") == []
    m["panels"][1]["targets"][0]["expr"] = (
        'container_memory_working_set_bytes{namespace="$namespace", container="app"}')
    assert len(of(dash(tmp_path, m), "dashboard/stat-per-series")) == 1


# -- wrappers and ConfigMaps -----------------------------------------------------------------------
def configmap(tmp_path: Path, model: dict, key: str = "agents.json", label: bool = True) -> Path:
    text = json.dumps(model, indent=2)
    labels = "  labels: {grafana_dashboard: \"1\"}\n" if label else ""
    body = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboards\n"
            "  namespace: monitoring\n" + labels + "data:\n"
            f"  {key}: |\n" + textwrap.indent(text, "    ") + "\n")
    p = tmp_path / "cm.yaml"
    p.write_text(body)
    return p


def test_wrapper_in_configmap(tmp_path):
    m = good()
    p = configmap(tmp_path, {"dashboard": m, "overwrite": True})
    fs = run([p])
    key_line = line_of(tmp_path, "cm.yaml", "agents.json:")
    assert of(fs, "dashboard/api-wrapper") == [key_line]
    f = next(f for f in fs if f.rule == "dashboard/api-wrapper")
    assert f.object.kind == "ConfigMap" and f.object.name == "dashboards"
    assert "(agents.json line 2)" in f.message


def test_configmap_found_by_key_suffix_without_label(tmp_path):
    m = good()
    del m["uid"]
    p = configmap(tmp_path, m, label=False)
    assert of(run([p]), "dashboard/missing-uid") == [line_of(tmp_path, "cm.yaml",
                                                             "agents.json:")]


def test_configmap_other_json_is_not_a_dashboard(tmp_path):
    p = configmap(tmp_path, {"apiVersion": 1, "providers": []}, key="dashboards.json")
    assert [f.rule for f in run([p]) if f.rule.startswith("dashboard/")] == []


# -- interpolation ------------------------------------------------------------------------------
@pytest.mark.parametrize("expr, out", [
    ("rate(x[$__rate_interval])", "rate(x[5m])"),
    ("rate(x[${__range}])", "rate(x[5m])"),
    ("rate(x[[[interval]]])", "rate(x[5m])"),
    ('x{namespace="$namespace"}', 'x{namespace="$namespace"}'),
    ("sum by ($group) (x)", "sum by (group) (x)"),
    ("topk($k, x)", "topk(1, x)"),
    ("x offset $shift", "x offset 5m"),
    ("max_over_time(x[$__range:$__interval])", "max_over_time(x[5m:5m])"),
    ('label_replace(x, "a", "$1", "b", "(.*)")', 'label_replace(x, "a", "$1", "b", "(.*)")'),
], ids=["rate-interval", "braced", "brackets", "in-string", "by-label", "number", "offset",
        "subquery", "regex-group"])
def test_interpolate(expr, out):
    text, _ = interpolate(expr)
    assert text == out
    assert try_parse(text)[0] is not None


def test_var_refs():
    assert var_refs('x{a="$a", b="${b:csv}", c="[[c]]"} $1 $__interval') == [
        "a", "b", "c", "__interval"]


# -- the real dashboards ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real():
    return run([SHARED / "real" / "kube-prometheus", SHARED / "real" / "monitoring-mixins-website"])


def test_real_dashboards_no_errors(real):
    assert [f for f in real if f.rule.startswith("dashboard/") and f.severity == "error"] == []


def test_real_dashboards_known_findings(real):
    """kube-prometheus' example dashboard has neither uid nor schemaVersion; the kubernetes
    mixin's "CPU Usage" panels (cluster, multi-cluster, namespace, node, pod) show cores with
    no unit, in each of the three copies. Nothing else."""
    rules = {f.rule for f in real if f.rule.startswith("dashboard/")}
    assert rules == {"dashboard/missing-uid", "dashboard/missing-schema-version",
                     "dashboard/units"}
    units = [f for f in real if f.rule == "dashboard/units"]
    assert len(units) == 14
    assert all("panel 'CPU Usage' " in f.message and "CPU cores" in f.message for f in units)
    uid = [Path(f.file).name for f in real if f.rule == "dashboard/missing-uid"]
    assert uid == ["example-grafana-dashboard.json"]
