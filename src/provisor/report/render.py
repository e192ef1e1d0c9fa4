"""Report sections and the two renderings (self-contained HTML, Markdown).

A :class:`Section` takes one field of :class:`~provisor.report.data.ReportData`; when the
field is ``None`` (or holds nothing to show) it renders "not computed" and says what would
compute it. New sections append to :data:`SECTIONS`.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from provisor.report import plots
from provisor.report.data import ReportData, fmt_target, fmt_value


@dataclass
class Part:
    """A rendered section body: ``html`` (inside the section) and ``md`` (Markdown)."""

    html: str
    md: str


@dataclass(frozen=True)
class Section:
    """``id`` (HTML anchor), ``title``, the ReportData field it reads, the renderer
    (data -> Part, or None when there is nothing to show) and what computes the data."""

    id: str
    title: str
    field: str
    render: Callable[[Any], Part | None]
    source: str


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


#: Longest cell text shown in full; longer text is cut with an ellipsis and the whole value
#: is the cell's ``title`` (shown on hover), so one long PromQL expression cannot make a
#: table wider than a laptop's screen.
CELL_CHARS = 160


def _cell(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` escaped; cut at ``limit`` characters with the whole value in ``title``."""
    text = str(text)
    if len(text) <= limit:
        return _e(text)
    return f'<span title="{_e(text)}">{_e(text[:limit - 1].rstrip())}\u2026</span>'


def _table(head: list[str], rows: list[list[str]], raw: bool = False,
           num: set[int] | None = None, widths: list[int] | None = None,
           nowrap: set[int] | None = None) -> str:
    """An HTML table; ``raw``: cells are HTML already, else text (escaped and cut at
    :data:`CELL_CHARS`); ``num``: right-aligned numeric columns; ``widths``: column widths in
    percent (a fixed layout that wraps long cells instead of widening the page); ``nowrap``:
    columns kept on one line (short values such as a target)."""
    num = num or set()
    nowrap = nowrap or set()

    def cls_of(i: int) -> str:
        return " class=num" if i in num else " class=nw" if i in nowrap else ""

    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = []
    for r in rows:
        tds = "".join(f"<td{cls_of(i)}>{c if raw else _cell(c)}</td>" for i, c in enumerate(r))
        body.append(f"<tr>{tds}</tr>")
    cols = ""
    cls = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + \
            "</colgroup>"
        cls = ' class="fixed"'
    return (f"<table{cls}>{cols}<thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table>")


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(c: str) -> str:
        return str(c).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def _figure(svg: str, caption: str) -> str:
    return f'<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>'


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


# ---- plan ----------------------------------------------------------------------------------

def _plan(p: Any) -> Part:
    sev = p.by_severity
    # a folder gets its trailing slash; "(rendered in memory)" is not a folder
    where = p.bundle if str(p.bundle).startswith("(") else f"{p.bundle}/"
    h = [f"<p>Policy <b>{_e(p.policy)}</b>, bundle <code>{_e(where)}</code>: "
         f"{sum(p.objects.values())} objects; findings: "
         + ", ".join(f'<span class="badge {k}">{v} {k}</span>' for k, v in sev.items())
         + "</p>"]
    md = [f"Policy **{p.policy}**, bundle `{where}`: {sum(p.objects.values())} objects; "
          f"findings: " + ", ".join(f"{v} {k}" for k, v in sev.items()) + "\n"]
    kinds = sorted(p.objects.items())
    h.append('<div class="cols"><div><h3>Objects by kind</h3>'
             + _table(["kind", "objects"], [[k, str(v)] for k, v in kinds], num={1})
             + "</div><div><h3>Check findings by severity</h3>"
             + plots.bars_chart("Findings by severity", list(sev), [("findings", list(sev.values()))],
                                "findings (count)") + "</div></div>")
    md.append("### Objects by kind\n\n" + _md_table(["kind", "objects"],
                                                   [[k, str(v)] for k, v in kinds]))
    h.append("<h3>Departures from the spec</h3>")
    md.append("### Departures from the spec\n\n")
    if p.departures:
        rows = [[d.field, d.spec, d.policy, d.why] for d in p.departures]
        h.append(f"<details><summary>{len(rows)} places where the policy holds another value "
                 "than the spec, and why (show)</summary>"
                 + _table(["field", "spec", "policy", "why"], rows, widths=[24, 20, 20, 36])
                 + "</details>")
        md.append(_md_table(["field", "spec", "policy", "why"], rows))
    else:
        h.append("<p>None: the policy holds the spec's values.</p>")
        md.append("None: the policy holds the spec's values.\n")
    h.append("<h3>Findings</h3>")
    md.append("\n### Findings\n\n")
    if p.findings:
        rows = [[_badge(f.severity), _cell(f.rule), _cell(f.where), _cell(f.object),
                 _cell(f.message, 400)] for f in p.findings[:200]]
        table = _table(["severity", "rule", "where", "object", "message"], rows, raw=True,
                       widths=[8, 15, 19, 19, 39])
        if sev.get("error", 0) or sev.get("warning", 0):
            h.append(table)
        else:   # information only: folded, so the scorecard is not pushed off the first screen
            h.append(f"<details><summary>{len(p.findings)} information findings, no error "
                     f"and no warning (show)</summary>{table}</details>")
        md.append(_md_table(["severity", "rule", "where", "object", "message"],
                            [[f.severity, f.rule, f.where, f.object, f.message]
                             for f in p.findings[:200]]))
        if len(p.findings) > 200:
            h.append(f"<p>... and {len(p.findings) - 200} more.</p>")
    else:
        h.append("<p>No findings.</p>")
        md.append("No findings.\n")
    return Part("".join(h), "".join(md))


# ---- scorecard -----------------------------------------------------------------------------

def _scorecard(s: Any) -> Part | None:
    if not s.metrics:
        return None
    rows = [[m.name, fmt_target(m.target, m.unit), fmt_value(m.value, m.unit), m.status,
             m.definition]
            for m in s.metrics]
    counts = {k: sum(1 for m in s.metrics if m.status == k) for k in ("pass", "fail",
                                                                         "not-computed")}
    lead = (f"{counts['pass']} pass, {counts['fail']} fail, {counts['not-computed']} not "
            f"computed" + (f", over {s.days:g} simulated days" if s.days else ""))
    hrows = [[_e(r[0]), _e(r[1]), _e(r[2]), _badge(r[3]), _e(r[4])] for r in rows]
    return Part(f"<p>{_e(lead)}.</p>"
                + _table(["metric", "target", "value", "status", "definition"], hrows, raw=True,
                         num={2}, nowrap={1}),
                lead + ".\n\n" + _md_table(["metric", "target", "value", "status", "definition"],
                                           rows))


# ---- usage, HPA, queue (from series) -------------------------------------------------------

def _step_for(series: Any) -> float:
    rng = series.time_range() if hasattr(series, "time_range") else None
    if not rng:
        return 3600.0
    span = rng[1] - rng[0]
    return 300.0 if span <= 2 * 86400 else 3600.0 if span <= 60 * 86400 else 21600.0


def _usage(tg: Any) -> Part | None:
    by = {(t.namespace, t.quantity): t for t in tg}
    h: list[str] = []
    rows = []
    for ns in sorted({t.namespace for t in tg}):
        for res, unit in (("cpu", "cores"), ("memory", "bytes")):
            u, r = by.get((ns, f"{res}_usage")), by.get((ns, f"{res}_requests"))
            if u is None and r is None:
                continue
            base = r if r is not None else u
            assert base is not None
            lim = [(x.name, x.value) for x in (r.limits if r is not None else u.limits)]  # type: ignore[union-attr]
            h.append(_figure(plots.usage_chart(
                f"{ns}: {res} usage and requests against quota and allocatable", unit,
                base.timestamps,
                None if u is None else u.values, None if r is None else r.values, lim),
                f"{ns} {res}: usage (working set for memory), the sum of requests, and the "
                f"quota hard and nodes' allocatable lines"))
            div, su = plots.scale_for(unit, list(base.values))
            peak_u = "-" if u is None else f"{np.max(u.values) / div:.3g} {su}"
            peak_r = "-" if r is None else f"{np.max(r.values) / div:.3g} {su}"
            quota = next((f"{v / div:.3g} {su}" for n, v in lim if n.startswith("quota")), "-")
            rows.append([ns, res, peak_u, peak_r, quota])
    if not h:
        return None
    head = ["namespace", "resource", "peak usage", "peak requests", "quota hard"]
    return Part(_table(head, rows, num={2, 3, 4}) + "".join(h), _md_table(head, rows))


_HPA = "kube_horizontalpodautoscaler_"


def _hpa(series: Any) -> Part | None:
    cur = series.select(f"{_HPA}status_current_replicas")
    if not cur:
        return None
    h, rows = [], []
    for s in cur:
        ns, name = s.get("namespace"), s.get("horizontalpodautoscaler")
        lines = [("current replicas", s.timestamps, s.values, "solid")]
        bounds = {}
        for what in ("spec_min_replicas", "spec_max_replicas", "status_desired_replicas"):
            found = series.select(f"{_HPA}{what}", namespace=ns, horizontalpodautoscaler=name)
            if found:
                f = found[0]
                if what.startswith("status"):
                    lines.append(("desired replicas", f.timestamps, f.values, "solid"))
                bounds[what] = float(f.values[-1]) if len(f.values) else math.nan
        h.append(_figure(plots.hpa_chart(f"{ns}/{name}: HPA replicas", lines,
                                         bounds.get("spec_min_replicas", math.nan),
                                         bounds.get("spec_max_replicas", math.nan)),
                         f"HPA {ns}/{name}: current and desired replicas against minReplicas "
                         f"and maxReplicas (dashed, labelled)"))
        at_max = float(np.mean(s.values >= bounds.get("spec_max_replicas", math.inf)))
        rows.append([f"{ns}/{name}", f"{np.min(s.values):.0f}", f"{np.max(s.values):.0f}",
                     f"{bounds.get('spec_min_replicas', math.nan):.0f}",
                     f"{bounds.get('spec_max_replicas', math.nan):.0f}", f"{100 * at_max:.1f}%"])
    head = ["HPA", "fewest", "most", "min", "max", "time at max"]
    return Part(_table(head, rows, num={1, 2, 3, 4, 5}) + "".join(h), _md_table(head, rows))


#: The queue series of the coderun controller and the twin (``provisor.sim.recorder``):
#: a gauge of runs waiting, and two counters whose increases divide into the mean wait.
QUEUE_LENGTH = "provisor_queue_length"
QUEUE_WAIT = "provisor_queue_wait_seconds_total"
RUNS_STARTED = "provisor_runs_started_total"


def _grid(series_list: list[Any], step: float) -> np.ndarray:
    lo = min(float(s.timestamps[0]) for s in series_list if len(s))
    hi = max(float(s.timestamps[-1]) for s in series_list if len(s))
    return lo + step * np.arange(1, max(int((hi - lo) // step), 0) + 1)


def _peak_per_step(s: Any, grid: np.ndarray, step: float) -> np.ndarray:
    """``max_over_time(s[step])`` at each grid time (NaN where the step holds no sample)."""
    t, v = np.asarray(s.timestamps), np.asarray(s.values, dtype=np.float64)
    lo = np.searchsorted(t, grid - step, "right")
    hi = np.searchsorted(t, grid, "right")
    out = np.full(grid.shape, np.nan)
    for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
        if b > a:
            out[i] = float(np.max(v[a:b]))
    return out


def _wait(seconds: float) -> str:
    """A wait for people: seconds below 2 minutes, else minutes (one decimal)."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _counted(s: Any) -> float:
    """What a counter counted over its samples, resets added back (its first value, as a
    counter starts at zero, plus ``provisor.series.ops.deltas``)."""
    from provisor.series.ops import deltas

    return float(s.values[0]) + float(np.sum(deltas(s)[1])) if len(s) else 0.0


def _agent_of(s: Any) -> str:
    return s.get("agent") or ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())
                                      if k not in ("__name__", "job")) or "all"


def _queue(series: Any) -> Part | None:
    """Queue length (a gauge: the peak number of runs waiting per step) and the mean wait
    per step in seconds, ``increase(provisor_queue_wait_seconds_total[w]) /
    increase(provisor_runs_started_total[w])`` per agent class (the dashboard's own query,
    ``provisor.render.dashboard``), Prometheus' ``increase`` (``provisor.series.ops``)."""
    from provisor.series.ops import increase

    lengths = series.select(QUEUE_LENGTH)
    waits = {_agent_of(s): s for s in series.select(QUEUE_WAIT)}
    starts = {_agent_of(s): s for s in series.select(RUNS_STARTED)}
    if not lengths and not (waits and starts):
        return None
    step = _step_for(series)
    every = [*lengths, *waits.values(), *starts.values()]
    grid = _grid(every, step) if any(len(s) for s in every) else np.array([])
    h: list[str] = []
    rows: dict[str, list[str]] = {}
    if lengths and grid.size:
        lines = []
        for s in lengths:
            agent = _agent_of(s)
            lines.append((agent, grid, _peak_per_step(s, grid, step), "solid"))
            v = s.values[np.isfinite(s.values)]
            rows.setdefault(agent, [agent, "-", "-", "-", "-"])
            if len(v):
                rows[agent][1] = f"{np.mean(v):.2f}"
                rows[agent][2] = f"{np.max(v):.0f}"
        h.append(_figure(plots.lines_chart("Queue length: runs waiting", "runs waiting (count)",
                                           lines[:8], steps=True),
                         f"{QUEUE_LENGTH}: the most runs waiting for a concurrency slot or for "
                         f"quota in each {step / 60:g}-minute step, per agent class"))
    both = sorted(set(waits) & set(starts))
    if both and grid.size:
        lines = []
        for agent in both:
            w, n = waits[agent], starts[agent]
            dw, dn = increase(w, grid, step), increase(n, grid, step)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.where(dn > 0, dw / dn, np.nan)
            lines.append((agent, grid, mean, "solid"))
            total_n, total_w = _counted(n), _counted(w)
            rows.setdefault(agent, [agent, "-", "-", "-", "-"])
            rows[agent][3] = _wait(total_w / total_n) if total_n > 0 else "-"
            rows[agent][4] = _wait(float(np.nanmax(mean))) if np.isfinite(mean).any() else "-"
        worst = max((float(np.nanmax(v)) for _, _, v, _ in lines if np.isfinite(v).any()),
                    default=0.0)
        div, unit = (60.0, "minutes") if worst > 600 else (1.0, "seconds")
        lines = [(a, t, v / div, st) for a, t, v, st in lines]
        h.append(_figure(plots.lines_chart("Mean queue wait", f"mean wait ({unit})", lines[:8]),
                         f"increase({QUEUE_WAIT}[{step / 60:g}m]) / increase({RUNS_STARTED}"
                         f"[{step / 60:g}m]): the mean seconds from enqueue to container start "
                         f"of the runs that started in each step, per agent class"))
    if not h:
        return None
    head = ["agent class", "mean runs waiting", "most runs waiting", "mean wait (whole run)",
            f"worst {step / 60:g}-minute mean wait"]
    table_rows = [rows[k] for k in sorted(rows)]
    return Part(_table(head, table_rows, num={1, 2, 3, 4}) + "".join(h),
                _md_table(head, table_rows))


# ---- recommendations -----------------------------------------------------------------------

def _gib(b: float) -> str:
    return "-" if not math.isfinite(b) else f"{b / 2**30:.3g} GiB"


def _cores(c: float) -> str:
    return "-" if not math.isfinite(c) else f"{c * 1000:.0f}m"


def _recommend(r: Any) -> Part | None:
    if not r.advice and not r.backtest:
        return None
    h, md = [], []
    if r.advice:
        head = ["strategy", "subject", "CPU request", "recommended", "memory request",
                "recommended", f"savings / month ({r.currency})"]
        rows = [[a.strategy, a.subject, _cores(a.cpu_current), _cores(a.cpu_recommended),
                 _gib(a.mem_current), _gib(a.mem_recommended),
                 "-" if not math.isfinite(a.savings_per_month) else f"{a.savings_per_month:.2f}"]
                for a in r.advice]
        h.append(_table(head, rows, num={2, 3, 4, 5, 6}))
        md.append(_md_table(head, rows))
    if r.backtest:
        head = ["strategy", "CPU slack", "memory slack", "OOM kills per container-day"]
        rows = [[b.strategy, f"{100 * b.cpu_slack:.1f}%", f"{100 * b.mem_slack:.1f}%",
                 f"{b.oom_rate:.3g}"] for b in r.backtest]
        h.append("<h3>Backtest</h3>" + _table(head, rows, num={1, 2, 3})
                 + _figure(plots.strategy_chart(r.backtest),
                           "Each strategy's replay: slack (unused share of requests) against "
                           "the OOM rate"))
        md.append("\n### Backtest\n\n" + _md_table(head, rows))
    return Part("".join(h), "".join(md))


# ---- forecast ------------------------------------------------------------------------------

def _forecast(result: Any) -> Part | None:
    from provisor.forecast.output import human

    if not result.forecasts:
        return None
    kind = "held-out window" if result.backtest else "rolling-origin backtest"
    s = result.summary()
    first = s["first_exhaustion"]
    lead = (f"{s['series']} series, {result.horizon_s / 86400:g} days ahead; MASE against "
            f"the seasonal naive forecast ({kind}) below 1 for {s['mase_below_1']} of "
            f"{s['scored']}; mean 95% coverage "
            + ("-" if s["mean_coverage95"] is None else f"{100 * s['mean_coverage95']:.0f}%")
            + ". " + ("Nothing runs out within the horizon." if first is None else
                      f"First to run out: {first['namespace'] or 'cluster'} {first['quantity']} "
                      f"against {first['limit']} in {first['days']:.1f} days."))
    # Peaks, not the values at the last step: on a seasonal series those are one phase of
    # the cycle (a quiet Sunday night reads as "0 cores at the horizon").
    head = ["namespace", "quantity", "peak so far", "forecast peak", "95% upper peak", "model",
            "MASE",
            "coverage 80/95", "exhausted in"]
    rows = []
    for fc in result.forecasts:
        sc, ex = fc.score, fc.exhaustion
        rows.append([fc.namespace or "(cluster)", fc.quantity,
                     human(float(fc.history.max()), fc.unit),
                     human(float(fc.band.mean.max()), fc.unit),
                     human(float(fc.band.hi95.max()), fc.unit),
                     fc.model, "-" if sc is None or not math.isfinite(sc.mase) else f"{sc.mase:.2f}",
                     "-" if sc is None else f"{100 * sc.coverage80:.0f}% / {100 * sc.coverage95:.0f}%",
                     "-" if ex is None else f"{ex.days:.1f} d ({ex.limit})"])
    # Fan charts: exhausted first (soonest first), then those with a limit, then the rest;
    # at most 12, so the page stays light.
    ranked = sorted(result.forecasts, key=lambda f: (
        f.exhaustion is None, f.exhaustion.days if f.exhaustion else 0.0, not f.limits,
        f.namespace, f.quantity))
    figs = [_figure(plots.fan_chart(fc), f"{fc.namespace or 'cluster'} {fc.quantity}: forecast "
                    f"with 80% and 95% intervals, limits dashed"
                    + (f", exhausted in {fc.exhaustion.days:.1f} days" if fc.exhaustion else ""))
            for fc in ranked[:12]]
    return Part(f"<p>{_e(lead)}</p>" + _table(head, rows, num={2, 3, 4, 6, 7}) + "".join(figs),
                lead + "\n\n" + _md_table(head, rows))


# ---- alerts --------------------------------------------------------------------------------

def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def _alerts(a: Any) -> Part | None:
    if not a.alerts:
        return None
    head = ["alert", "precision", "recall", "TP", "FP", "FN"]
    rows = [[x.alert, _pct(x.precision), _pct(x.recall), str(x.tp), str(x.fp), str(x.fn)]
            for x in a.alerts]
    chart = plots.bars_chart("Alert precision and recall", [x.alert for x in a.alerts],
                             [("precision", [None if x.precision is None else 100 * x.precision
                                             for x in a.alerts]),
                              ("recall", [None if x.recall is None else 100 * x.recall
                                          for x in a.alerts])], "percent", (0, 100))
    return Part(_table(head, rows, num={1, 2, 3, 4, 5}) + _figure(chart, "Per alert, over the "
                "twin's scenarios with known incidents"), _md_table(head, rows))


SECTIONS: list[Section] = [
    Section("plan", "The plan", "plan", _plan, "provisor plan"),
    Section("scorecard", "Scorecard (the twin)", "scorecard", _scorecard,
            "provisor plan / provisor simulate"),
    Section("usage", "Usage, requests and quota over time", "usage", _usage,
            "series from the twin, --series or --prometheus"),
    Section("hpa", "HPA replicas against min and max", "series", _hpa,
            "kube_horizontalpodautoscaler_* series (the twin or kube-state-metrics)"),
    Section("queue", "Queue length and wait", "series", _queue,
            "provisor_queue_length, provisor_queue_wait_seconds_total and "
            "provisor_runs_started_total (the twin or the coderun controller)"),
    Section("recommend", "Right-sizing recommendations", "recommend", _recommend,
            "provisor recommend"),
    Section("forecast", "Capacity forecast", "forecast", _forecast, "provisor forecast"),
    Section("alerts", "Alert precision and recall", "alerts", _alerts, "provisor alerts test"),
]

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--pass:#1a7f37;--fail:#cf222e;
--warn:#9a6700;--info:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;border-bottom:1px solid var(--line);
padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:16px 0 6px}
nav{font-size:13px;color:var(--muted)}nav a{margin-right:12px;color:var(--info)}
table{border-collapse:collapse;margin:8px 0;font-size:13px;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;
overflow-wrap:break-word}
table.fixed{table-layout:fixed}td span[title]{cursor:help}td.nw{white-space:nowrap}
details>summary{cursor:pointer;color:var(--info);margin:4px 0}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;color:#fff;
white-space:nowrap;
background:var(--muted)}.badge.pass{background:var(--pass)}.badge.fail,.badge.error
{background:var(--fail)}.badge.warning{background:var(--warn)}.badge.info{background:var(--info)}
.notcomputed{color:var(--muted);font-style:italic}
figure{margin:12px 0}figure svg{width:100%;max-width:1000px;height:auto}
svg{max-width:100%;height:auto}
figcaption{font-size:12px;color:var(--muted)}
.cols{display:flex;gap:24px;flex-wrap:wrap}.cols>div{flex:1 1 320px;min-width:0}
.notes{color:var(--muted);font-size:13px}code{font-size:12px}
.verdict{border:1px solid var(--line);border-left:6px solid var(--pass);padding:8px 12px;
margin:10px 0;background:#f6f8fa}.verdict.fail{border-left-color:var(--fail)}
.verdict ul{margin:4px 0 0 0;padding-left:20px}
"""


def _parts(data: ReportData) -> list[tuple[Section, Part | None]]:
    out = []
    for sec in SECTIONS:
        value = getattr(data, sec.field)
        out.append((sec, None if value is None else sec.render(value)))
    return out


def render_both(data: ReportData) -> tuple[str, str]:
    """(HTML, Markdown) of ``data``, each section rendered once (its plots are the costly
    part, and both pages come from the same parts)."""
    parts = _parts(data)
    return render_html(data, parts), render_markdown(data, parts)


_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(url\(#|href="#)([^")]+)')


def unique_svg_ids(page: str) -> str:
    """Prefix every ``id`` inside each inline ``<svg>`` of ``page``, and every reference to
    it (``url(#id)``, ``href="#id"``, ``xlink:href="#id"``), with ``f<n>-`` (n = the SVG's
    position on the page), so that ids are unique across the page's plots: matplotlib numbers
    its element ids per figure (``patch_1``, ``line2d_1``) and derives clip-path ids from
    the clip box, so two figures repeat them, which is invalid HTML and can make one plot
    clip with another's rectangle."""
    count = 0

    def one(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        pre = f"f{count}-"
        svg = _SVG_ID.sub(lambda i: f'id="{pre}{i.group(1)}"', m.group(0))
        return _SVG_REF.sub(lambda r: f"{r.group(1)}{pre}{r.group(2)}", svg)

    return _SVG.sub(one, page)


def verdict(data: ReportData) -> tuple[str, str] | None:
    """The report's first lines (HTML, Markdown): how many scorecard targets pass, and each
    failing or not-computed metric with its value against its target, so the first screen
    says whether the policy meets the spec. None without a scorecard."""
    s = data.scorecard
    if s is None or not s.metrics:
        return None
    fail = [m for m in s.metrics if m.status == "fail"]
    nc = [m for m in s.metrics if m.status == "not-computed"]
    n_pass = len(s.metrics) - len(fail) - len(nc)
    head = (f"Scorecard: {n_pass} of {len(s.metrics)} targets pass"
            + (f", {len(fail)} fail" if fail else "")
            + (f", {len(nc)} not computed" if nc else "")
            + (f" ({s.days:g} simulated day{'' if s.days == 1 else 's'})" if s.days else "")
            + ".")
    items = [(m.name, f"{fmt_value(m.value, m.unit)} against {fmt_target(m.target, m.unit)}")
             for m in fail] + [(m.name, "not computed") for m in nc]
    html_items = "".join(f"<li>{_badge('fail' if t != 'not computed' else 'not-computed')} "
                         f"{_e(n)}: {_e(t)}</li>" for n, t in items)
    cls = "verdict fail" if fail else "verdict"
    more = ' Details: <a href="#scorecard">scorecard</a>.' if items else ""
    return (f'<div class="{cls}"><strong>{_e(head)}</strong>{more}'
            + (f"<ul>{html_items}</ul>" if items else "") + "</div>",
            f"**{head}**\n" + "".join(f"\n- {n}: {t}" for n, t in items) + "\n")


def render_html(data: ReportData, parts: list[tuple[Section, Part | None]] | None = None) -> str:
    """The report as one self-contained HTML page: inline CSS, inline SVG plots, no script,
    no external reference. ``parts``: the sections already rendered (``render_both``)."""
    if parts is None:
        parts = _parts(data)
    nav = "".join(f'<a href="#{s.id}">{_e(s.title)}</a>' for s, _ in parts)
    body = []
    for sec, part in parts:
        inner = part.html if part is not None else (
            f'<p class="notcomputed">Not computed: needs {_e(sec.source)}.</p>')
        body.append(f'<section id="{sec.id}"><h2>{_e(sec.title)}</h2>{inner}</section>')
    notes = "".join(f"<div>{_e(n)}</div>" for n in data.notes)
    v = verdict(data)
    return unique_svg_ids(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(data.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(data.title)}</h1><div class=\"notes\">{notes}</div>"
        f"{v[0] if v else ''}<nav>{nav}</nav>"
        + "".join(body) + "</body></html>\n")


def render_markdown(data: ReportData,
                    parts: list[tuple[Section, Part | None]] | None = None) -> str:
    """The report's summary as Markdown (tables, no plots). ``parts``: as for
    :func:`render_html`."""
    out = [f"# {data.title}\n"]
    out += [f"{n}  " for n in data.notes]
    v = verdict(data)
    if v:
        out.append("\n" + v[1])
    for sec, part in (parts if parts is not None else _parts(data)):
        out.append(f"\n## {sec.title}\n")
        out.append(part.md if part is not None else f"_Not computed: needs {sec.source}._\n")
    return "\n".join(out).rstrip("\n") + "\n"
