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
        Series({"__name__": "provisor_queue_length", "agent": "rex"}, t, (np.arange(200) % 7) * 1.0),
        # counters, as the twin records them: 2 runs start a minute, each waited 30 s
        Series({"__name__": "provisor_queue_wait_seconds_total", "agent": "rex"}, t,
               60.0 * np.arange(200)),
        Series({"__name__": "provisor_runs_started_total", "agent": "rex"}, t,
               2.0 * np.arange(200)),
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
    assert "Not computed" not in html
    for sec in SECTIONS:
        assert f'id="{sec.id}"' in html
    assert html.count("<svg") >= 8
    assert "argo/argo-server" in html and "time at max" in html
    # the queue: length as a gauge, wait as increase(wait) / increase(started) in seconds
    assert "runs waiting (count)" in html and "mean wait (seconds)" in html
    assert "increase(provisor_queue_wait_seconds_total" in html
    assert "<td class=num>30 s</td>" in html          # 60 s waited per 2 starts
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
    # the target and value as the terminal scorecard shows them (provisor.display)
    assert "| CPU utilization | 60% .. 80% | 72.00% | pass |" in md
    # no POLICY given: the plan is the built-in policy's, and the page says so
    assert "_Not computed" not in md and "built-in agent-platform policy" in md
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


@pytest.mark.parametrize("args, msg", [(("--series", "NOPE.om"), "NOPE.om"),
                                       (("--format", "pdf", "x"), "--format")])
def test_cli_report_bad_input(cli, tmp_path, args, msg):
    r = cli("report", *args, "-o", str(tmp_path / "x.html"))
    assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr


def test_plan_writes_the_report_last(cli, tmp_path):
    out = tmp_path / "provisor-out"
    r = cli("plan", "-o", str(out))
    assert r.returncode in (0, 1), r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1].startswith(f"report: {out}/report.html")
    # the verdict just before it: targets passing, and the failing ones by name
    assert re.match(r"scorecard: \d+ of \d+ targets pass", lines[-2]), lines[-2]
    html = (out / "report.html").read_text()
    assert "Objects by kind" in html and (out / "report.md").is_file()


# ---- the newcomer's findings (issue 12's last goal) ----------------------------------------

def test_svg_ids_are_unique_across_the_page(full):
    """matplotlib numbers ids per figure (patch_1, clip paths): the page prefixes them per
    plot, so no id repeats and every url(#..)/href="#.." points at an id of its own plot."""
    html = render_html(full)
    ids = re.findall(r'\sid="([^"]+)"', html)
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, sorted(dup)[:10]
    for k, svg in enumerate(re.findall(r"<svg\b.*?</svg>", html, re.S), start=1):
        own = set(re.findall(r'\sid="([^"]+)"', svg))
        refs = set(re.findall(r'(?:url\(#|href="#)([^")]+)', svg))
        assert refs <= own, (k, sorted(refs - own)[:5])
        assert all(i.startswith(f"f{k}-") for i in own)


def test_long_cells_are_cut_with_the_full_value_in_a_title():
    from provisor.report.data import Departure, PlanData
    from provisor.report.render import CELL_CHARS

    long = "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m])) " * 6
    data = ReportData(plan=PlanData("p", "out", {"Namespace": 1},
                                    [Departure("alerts.expr", long, "x", "why")]))
    html = render_html(data)
    assert f'title="{long}"'.replace("\"", "&quot;") not in html  # attribute is escaped once
    cut = re.search(r'<span title="([^"]+)">([^<]+)</span>', html)
    assert cut and len(cut.group(2)) <= CELL_CHARS and cut.group(2).endswith("\u2026")
    assert cut.group(1).startswith("sum by (namespace)") and len(cut.group(1)) > CELL_CHARS
    assert 'class="fixed"' in html and "table-layout:fixed" in html
    assert "overflow-wrap:break-word" in html


def test_hpa_chart_labels_min_and_max(full):
    html = render_html(full)
    assert "minReplicas 2" in html and "maxReplicas 5" in html


def test_scorecard_target_formatted_like_the_terminal():
    from html import escape as html_escape

    from provisor.display import fmt_target, fmt_value
    from provisor.report.render import _scorecard as render_scorecard

    part = render_scorecard(scorecard_data(_scorecard()))
    assert part is not None
    for m in _scorecard().metrics:
        assert f"<td class=nw>{html_escape(fmt_target(m.target, m.unit))}</td>" in part.html
        assert fmt_value(m.value, m.unit) in part.html
    assert "<td class=nw>60% .. 80%</td>" in part.html and "0.6..0.8" not in part.html


def test_information_only_findings_are_folded_errors_are_not():
    from provisor.report.data import FindingRow, PlanData

    info = FindingRow("info", "hpa/target-not-found", "a.yaml:3", "HPA/x", "cannot verify")
    err = FindingRow("error", "quota/hpa-max-exceeds", "q.yaml:1", "ResourceQuota/q", "too small")
    folded = render_html(ReportData(plan=PlanData("p", "out", {"HPA": 1}, [], [info])))
    assert "<details><summary>1 information findings, no error and no warning" in folded
    shown = render_html(ReportData(plan=PlanData("p", "out", {"HPA": 1}, [], [err, info])))
    assert "information findings" not in shown and "quota/hpa-max-exceeds" in shown


def test_the_first_screen_gives_the_verdict(full):
    """Before the sections: how many targets pass, each failing or not-computed metric with
    its value against its target (a newcomer saw only object counts on the first screen)."""
    from provisor.report.render import verdict

    html, md = render_html(full), render_markdown(full)
    sc = full.scorecard
    fails = [m for m in sc.metrics if m.status == "fail"]
    assert fails, "the fixture has a failing metric"
    box = html.index('class="verdict fail"')
    assert box < html.index("<nav>") < html.index('<section id="plan"')
    n_pass = sum(m.status == "pass" for m in sc.metrics)
    assert f"Scorecard: {n_pass} of {len(sc.metrics)} targets pass" in html[box:]
    for m in fails:
        assert f"{m.name}: " in html[box:html.index("<nav>")]
        assert f"- {m.name}: " in md.split("## ")[0]
    assert verdict(ReportData()) is None


def test_forecast_table_shows_peaks_not_the_last_step(full):
    """Capacity is about peaks: the table shows the history's peak and the forecast's peak
    and 95 % upper peak over the horizon, not the value at the last step (on a seasonal
    series one phase of the cycle)."""
    md = render_markdown(full)
    assert "| peak so far | forecast peak | 95% upper peak |" in md
    assert "mean at horizon" not in md


def test_long_bands_are_drawn_as_their_envelope_on_few_points():
    """A 30-day forecast on a 5-minute grid (8,640 points) is drawn on at most MAX_POINTS
    points without losing a peak or a trough; short series are drawn as they are."""
    import numpy as np

    from provisor.report.plots import MAX_POINTS, decimate

    rng = np.random.default_rng(5)
    t = np.arange(8640) * 300.0
    lo, hi = rng.normal(0, 1, 8640), rng.normal(5, 1, 8640)
    x, dlo, dhi = decimate(t, lo, hi)
    assert len(x) == len(dlo) == len(dhi) <= MAX_POINTS
    assert dlo.min() == lo.min() and dhi.max() == hi.max()
    assert x[0] == t[0] and np.all(np.diff(x) > 0)
    # every original point lies inside the drawn envelope of its block
    k = int(x[1] - x[0]) // 300
    assert np.all(np.repeat(dhi, k)[:8640] >= hi) and np.all(np.repeat(dlo, k)[:8640] <= lo)
    same = decimate(t[:500], lo[:500], hi[:500])
    assert all(np.array_equal(a, b) for a, b in zip(same, (t[:500], lo[:500], hi[:500])))


def test_two_plans_of_one_policy_write_the_same_report_wherever_written(cli, tmp_path):
    """Same inputs, same outputs: the report sits in the bundle's folder and names the
    bundle and the findings' files from there, not by the absolute path it was written to."""
    outs = [tmp_path / "a" / "out", tmp_path / "elsewhere" / "b"]
    for out in outs:
        r = cli("plan", "-o", str(out), "--days", "0.5")
        assert r.returncode in (0, 1), r.stderr
    for name in ("report.md", "report.html"):
        a, b = ((o / name).read_bytes() for o in outs)
        assert a == b, name
    md = (outs[0] / "report.md").read_text()
    assert str(tmp_path) not in md and "| resourcequota.yaml:" in md
