"""provisor.report: sections render with data and say "not computed" without; the CLI;
the plan writes the report beside the bundle."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from fcdata import platform

from provisor.report import (
    SECTIONS,
    ReportData,
    alerts_data,
    recommend_data,
    render_html,
    render_markdown,
    report_for_inputs,
    scorecard_data,
)
from provisor.series import Series, SeriesSet, write_openmetrics


def _scorecard():
    m = [SimpleNamespace(id="util", name="CPU utilization", definition="usage / requests",
                         value=0.72, unit="ratio", target="0.6..0.8", status="pass"),
         SimpleNamespace(id="oom", name="OOM kills", definition="kills per day", value=3.0,
                         unit="count", target="= 0", status="fail"),
         SimpleNamespace(id="alert", name="Alert accuracy", definition="1 - FP rate",
                         value=None, unit="ratio", target=">= 0.95", status="not-computed")]
    return SimpleNamespace(metrics=m)


def _hpa_queue() -> SeriesSet:
    t = 1_700_000_000.0 + 60 * __import__("numpy").arange(200)
    import numpy as np

    lab = {"namespace": "argo", "horizontalpodautoscaler": "argo-server"}
    cur = np.clip(2 + (np.arange(200) // 20) % 5, 2, 5).astype(float)
    return SeriesSet([
        Series({"__name__": "kube_horizontalpodautoscaler_status_current_replicas", **lab}, t, cur),
        Series({"__name__": "kube_horizontalpodautoscaler_spec_min_replicas", **lab}, t,
               np.full(200, 2.0)),
        Series({"__name__": "kube_horizontalpodautoscaler_spec_max_replicas", **lab}, t,
               np.full(200, 5.0)),
        Series({"__name__": "provisor_queue_length", "queue": "agents"}, t, (np.arange(200) % 7) * 1.0),
        Series({"__name__": "provisor_queue_wait_seconds", "queue": "agents"}, t,
               (np.arange(200) % 11) * 3.0),
    ])


def _recommend():
    adv = [SimpleNamespace(strategy="percentile", key=SimpleNamespace(
        namespace="agent-platform", group="rex", model="", container="agent"),
        rec=SimpleNamespace(cpu_request=1.2, mem_request=3 * 2**30),
        current_cpu_request=2.0, current_mem_request=4 * 2**30, savings_cores=4.0,
        savings_gib=5.0, savings_per_month=123.4)]
    bt = SimpleNamespace(rows=[
        SimpleNamespace(strategy="current", cpu_slack=0.6, mem_slack=0.5, oom_rate=0.0),
        SimpleNamespace(strategy="percentile", cpu_slack=0.3, mem_slack=0.2, oom_rate=0.02)])
    return recommend_data(SimpleNamespace(advice=adv, currency="USD"), bt)


def _alerts():
    return alerts_data([SimpleNamespace(alert="AgentOOMKilled", precision=1.0, recall=0.5, tp=4,
                                        fp=0, fn=4),
                        SimpleNamespace(alert="QuotaNearlyFull", precision=None, recall=None,
                                        tp=0, fp=0, fn=0)])


def _full() -> ReportData:
    data = report_for_inputs(series=platform(days=3), horizon_s=2 * 86400)
    data.series = data.series.merge(_hpa_queue())
    data.scorecard = scorecard_data(_scorecard(), 7.0)
    data.recommend = _recommend()
    data.alerts = _alerts()
    return data


@pytest.fixture(scope="module")
def full():
    return _full()


def test_every_section_renders_with_data(full):
    html = render_html(full)
    assert "Not computed" not in html.replace("Not computed: needs provisor plan", "")
    for sec in SECTIONS:
        assert f'id="{sec.id}"' in html
    assert html.count("<svg") >= 8
    assert "argo/argo-server" in html and "time at max" in html
    assert "provisor_queue_wait_seconds" in html
    assert "123.40" in html and "1200m" in html
    assert "AgentOOMKilled" in html and "50%" in html
    assert 'class="badge fail"' in html and 'class="badge pass"' in html
    # axes carry units
    for unit in ("cores", "GiB", "replicas (count)", "seconds", "OOM kills per container-day",
                 "time (UTC)"):
        assert unit in html, unit


def test_markdown_summary(full):
    md = render_markdown(full)
    assert md.startswith("# provisor report")
    assert "## Capacity forecast" in md and "| team-a | pods |" in md
    assert "| CPU utilization | 0.6..0.8 | 72.0% | pass |" in md
    assert "_Not computed: needs provisor plan._" in md
    assert "<svg" not in md


def test_empty_report_says_not_computed():
    html, md = render_html(ReportData()), render_markdown(ReportData())
    assert html.count("Not computed") == len(SECTIONS) == md.count("_Not computed")


def test_deterministic(full):
    assert render_html(full) == render_html(_full())


def test_no_external_references(full):
    html = render_html(full)
    assert not re.search(r'(?:src|href)\s*=\s*"(?!#)', html)
    assert "<script" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html)


def test_cli_report_from_series_html_and_md(cli, tmp_path):
    om = tmp_path / "p.om"
    write_openmetrics(platform(days=3), om)
    out = tmp_path / "r.html"
    r = cli("report", "--series", str(om), "--horizon", "2d", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"report: {out}"
    assert "Capacity forecast" in out.read_text()
    r = cli("report", "--series", str(om), "--horizon", "2d", "-o", str(out))
    assert r.returncode == 2 and "exists" in r.stderr
    md = tmp_path / "r.md"
    r = cli("report", "--series", str(om), "--format", "md", "--horizon", "2d", "-o", str(md))
    assert r.returncode == 0 and md.read_text().startswith("# provisor report")


def test_cli_report_on_the_default_policy_and_on_manifests(cli, tmp_path, shared):
    from provisor.policy import default_policy_path

    out = tmp_path / "pol.html"
    r = cli("report", str(default_policy_path()), "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    assert "Objects by kind" in html and "ResourceQuota" in html
    assert "Departures from the spec" in html
    out2 = tmp_path / "man.md"
    r = cli("report", str(shared / "seed" / "manifests"), "-f", "md", "-o", str(out2))
    assert r.returncode == 0, r.stderr
    assert "| error |" in out2.read_text()


@pytest.mark.parametrize("args, msg", [((), "nothing to report"),
                                       (("--series", "NOPE.om"), "NOPE.om"),
                                       (("--format", "pdf", "x"), "--format")])
def test_cli_report_bad_input(cli, tmp_path, args, msg):
    r = cli("report", *args, "-o", str(tmp_path / "x.html"))
    assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr


def test_plan_writes_the_report_last(cli, tmp_path):
    out = tmp_path / "provisor-out"
    r = cli("plan", "-o", str(out))
    assert r.returncode in (0, 1), r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith(f"report: {out}/report.html")
    html = (out / "report.html").read_text()
    assert "Objects by kind" in html and (out / "report.md").is_file()
