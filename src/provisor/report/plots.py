"""The report's plots: matplotlib (Agg) figures returned as inline SVG text.

Every axis has a label with its unit; figures are 9 x 3.2 inches (about 860 px wide at the
page's 96 dpi), readable at a laptop's width. The SVG is deterministic: a fixed hash salt
for element ids and no creation date.
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timezone
from typing import Any, Sequence

import numpy as np

WIDTH_IN, HEIGHT_IN = 9.0, 3.2
COLORS = {"usage": "#1f77b4", "requests": "#ff7f0e", "quota": "#d62728",
          "allocatable": "#2ca02c", "band95": "#9ecae1", "band80": "#4292c6",
          "mean": "#08519c", "actual": "#636363"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "provisor", "svg.fonttype": "none",
                         "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def to_svg(fig: Any) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), then closed."""
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _times(ts: np.ndarray) -> list[datetime]:
    return [datetime.fromtimestamp(float(t), tz=timezone.utc) for t in ts]


def _time_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, tz=timezone.utc))
    ax.set_xlabel("time (UTC)")


def scale_for(unit: str, values: Sequence[float]) -> tuple[float, str]:
    """(divisor, axis unit) so that values read well: bytes in GiB or MiB, cores, count."""
    if unit == "bytes":
        top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
        return (2.0**30, "GiB") if top >= 2.0**30 else (2.0**20, "MiB")
    if unit == "cores":
        return 1.0, "cores"
    return 1.0, unit


def _amount(v: float, unit: str) -> str:
    """One value in its own best unit (``144 GiB``, ``39 cores``)."""
    div, u = scale_for(unit, [v])
    return f"{v / div:.3g} {u}"


def usage_chart(title: str, unit: str, t: np.ndarray, usage: np.ndarray | None,
                requests: np.ndarray | None, limits: Sequence[tuple[str, float]]) -> str:
    """Usage against requests against quota/allocatable over time, one resource."""
    plt = _plt()
    top = max([float(np.max(a)) for a in (usage, requests) if a is not None and len(a)]
              or [0.0])
    quota_top = max([w for n, w in limits if n.startswith("quota")] or [0.0])

    def off_scale(name: str, v: float) -> bool:
        return not name.startswith("quota") and top > 0 and v > 4 * max(top, quota_top)

    # the unit follows what is drawn: a limit off the scale does not make MiB read as GiB
    vals = [*(usage if usage is not None else []), *(requests if requests is not None else []),
            *(v for n, v in limits if not off_scale(n, v))]
    div, u = scale_for(unit, vals)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    x = _times(t)
    if usage is not None:
        ax.plot(x, usage / div, color=COLORS["usage"], lw=1.2, label="usage")
    if requests is not None:
        ax.plot(x, requests / div, color=COLORS["requests"], lw=1.5, drawstyle="steps-post",
                label="requests")
    off = []
    for name, v in limits:
        kind = "quota" if name.startswith("quota") else "allocatable"
        if off_scale(name, v):
            off.append(f"{name}:\n{_amount(v, unit)} (off the scale)")
            continue
        ax.axhline(v / div, color=COLORS[kind], ls="--", lw=1.2, label=name)
    _off_scale(ax, off)
    ax.set_title(title, loc="left")
    ax.set_ylabel(u)
    _headroom(ax, top / div)
    _time_axis(ax)
    _legend(ax)
    return to_svg(fig)


def _off_scale(ax: Any, notes: list[str]) -> None:
    """Limits too far above the data to draw, written in the right margin under the legend
    (never over the lines)."""
    if notes:
        ax.text(1.01, 0.0, "\n".join(notes), transform=ax.transAxes, ha="left", va="bottom",
                fontsize=8, color=COLORS["allocatable"])


def _headroom(ax: Any, top: float) -> None:
    """y from 0, and at least 10 % above ``top`` (the highest value drawn), so a constant
    line never sits on the frame."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(0, max(hi, top * 1.1) if math.isfinite(top) and top > 0 else hi)


def _legend(ax: Any) -> None:
    """The legend outside the plot, on the right, so it never hides a line."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def lines_chart(title: str, ylabel: str, lines: Sequence[tuple[str, np.ndarray, np.ndarray, str]],
                steps: bool = False) -> str:
    """Several lines over time: (label, timestamps s, values, style) with style ``solid`` or
    ``dashed``."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    for label, t, v, style in lines:
        ax.plot(_times(t), v, ls="--" if style == "dashed" else "-", lw=1.3, label=label,
                drawstyle="steps-post" if steps else "default")
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    _time_axis(ax)
    _legend(ax)
    return to_svg(fig)


def hpa_chart(title: str, lines: Sequence[tuple[str, np.ndarray, np.ndarray, str]],
              min_replicas: float, max_replicas: float) -> str:
    """HPA replicas over time (current, desired: steps) against ``minReplicas`` and
    ``maxReplicas``: dashed lines labelled at the right edge, inside a y range that shows
    both with a margin (from one below min, never below 0, to one above max), integer ticks.
    NaN bounds are left out."""
    from matplotlib.ticker import MaxNLocator

    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    # current on top of desired (they are mostly equal): desired dotted and wider under it
    for label, t, v, style in sorted(lines, key=lambda ln: ln[0] != "desired replicas"):
        desired = label == "desired replicas"
        ax.plot(_times(t), v, ls=":" if desired else "-", lw=2.4 if desired else 1.3,
                label=label, drawstyle="steps-post", color="#ff7f0e" if desired else "#1f77b4",
                zorder=2 if desired else 3)
    vals = [float(x) for _, _, v, _ in lines for x in (np.nanmin(v), np.nanmax(v)) if len(v)]
    bounds = [(n, b) for n, b in (("minReplicas", min_replicas), ("maxReplicas", max_replicas))
              if math.isfinite(b)]
    lo = min(vals + [b for _, b in bounds] or [0.0])
    hi = max(vals + [b for _, b in bounds] or [1.0])
    for name, b in bounds:
        color = COLORS["quota"] if name == "maxReplicas" else COLORS["allocatable"]
        ax.axhline(b, color=color, ls="--", lw=1.2, label=f"{name} {b:g}")
        ax.annotate(f"{name} {b:g}", xy=(1.0, b), xycoords=("axes fraction", "data"),
                    xytext=(-4, 3), textcoords="offset points", ha="right", va="bottom",
                    fontsize=8, color=color)
    ax.set_ylim(max(lo - 1.0, 0.0), hi + 1.0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, loc="left")
    ax.set_ylabel("replicas (count)")
    _time_axis(ax)
    _legend(ax)
    return to_svg(fig)


#: Most points a plotted line or band keeps (about two per horizontal pixel of a chart).
MAX_POINTS = 1200


def envelope(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of the blocks' first points when ``n`` points are cut into at most
    ``max_points`` blocks of equal length (every index when ``n <= max_points``)."""
    k = max(1, -(-n // max_points))
    return np.arange(0, n, k)


def decimate(x: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A band (or a line: ``lo`` is ``hi``) on at most ``max_points`` points, drawing the
    same envelope: each block of consecutive points becomes one point at its first
    timestamp holding the block's minimum of ``lo`` and maximum of ``hi``, so no peak or
    trough is lost (a 30-day forecast on a 5-minute grid is 8,640 points; its SVG was
    ~900 KB per chart). Shapes: ``(n,)`` each; returns three arrays of the same length."""
    x, lo, hi = np.asarray(x), np.asarray(lo, float), np.asarray(hi, float)
    starts = envelope(len(x), max_points)
    if len(starts) == len(x):
        return x, lo, hi
    return x[starts], np.minimum.reduceat(lo, starts), np.maximum.reduceat(hi, starts)


def fan_chart(fc: Any) -> str:
    """A forecast fan chart: history, the mean, the 80 % and 95 % intervals, the limits
    (quota, allocatable) and the exhaustion day (a vertical line)."""
    plt = _plt()
    b = fc.band
    vals = [*fc.history[-200:], *b.hi95,
            *(e.value for e in fc.limits if e.limit.startswith("quota"))]
    div, u = scale_for(fc.unit, vals)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    # Long histories and horizons are drawn as their envelope on at most MAX_POINTS points
    # (the lines as their block maxima: peaks are what capacity is about).
    th, _, hist = decimate(fc.history_t, fc.history, fc.history)
    ax.plot(_times(th), hist / div, color=COLORS["usage"], lw=1.0, label="history")
    if fc.actual is not None:
        ta, _, act = decimate(fc.t, fc.actual, fc.actual)
        ax.plot(_times(ta), act / div, color=COLORS["actual"], lw=0.9, label="actual (held out)")
    tf, lo95, hi95 = decimate(fc.t, b.lo95, b.hi95)
    _, lo80, hi80 = decimate(fc.t, b.lo80, b.hi80)
    _, _, mean = decimate(fc.t, b.mean, b.mean)
    xf = _times(tf)
    ax.fill_between(xf, lo95 / div, hi95 / div, color=COLORS["band95"], alpha=0.6,
                    lw=0, label="95% interval")
    ax.fill_between(xf, lo80 / div, hi80 / div, color=COLORS["band80"], alpha=0.6,
                    lw=0, label="80% interval")
    ax.plot(xf, mean / div, color=COLORS["mean"], lw=1.3, label=f"forecast ({fc.model})")
    top = max(float(np.max(fc.history)) if len(fc.history) else 0.0, float(np.max(b.hi95)),
              *(e.value for e in fc.limits if e.limit.startswith("quota")))
    off = []
    for e in fc.limits:
        kind = "quota" if e.limit.startswith("quota") else "allocatable"
        if kind == "allocatable" and top > 0 and e.value > 4 * top:
            off.append(f"{e.limit}:\n{_amount(e.value, fc.unit)} (off the scale)")
            continue
        ax.axhline(e.value / div, color=COLORS[kind], ls="--", lw=1.2, label=e.limit)
    _off_scale(ax, off)
    ex = fc.exhaustion
    if ex is not None and ex.timestamp is not None:
        ax.axvline(_times(np.array([ex.timestamp]))[0], color="black", ls=":", lw=1.2,
                   label=f"exhausted in {ex.days:.1f} d")
    ns = fc.namespace or "cluster"
    ax.set_title(f"{ns}: {fc.quantity.replace('_', ' ')}", loc="left")
    ax.set_ylabel(u)
    drawn = [float(np.nanmax(a)) for a in (fc.history, b.hi95) if len(a)]
    _headroom(ax, max(drawn or [0.0]) / div)
    _time_axis(ax)
    _legend(ax)
    return to_svg(fig)


def strategy_chart(rows: Sequence[Any]) -> str:
    """Each strategy's backtest, two panels sharing the strategies: slack (percent of the
    requests unused, CPU and memory) and the OOM rate (kills per container-day)."""
    plt = _plt()
    names = [r.strategy for r in rows]
    y = np.arange(len(names))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH_IN, max(1.8, 0.45 * len(names) + 0.9)),
                                 sharey=True)

    def fin(v: float) -> float:
        return v if math.isfinite(v) else 0.0

    a1.barh(y - 0.2, [100 * fin(r.cpu_slack) for r in rows], height=0.4, label="CPU")
    a1.barh(y + 0.2, [100 * fin(r.mem_slack) for r in rows], height=0.4, label="memory")
    a1.set_yticks(y, names)
    a1.invert_yaxis()
    a1.set_xlabel("slack (% of requests unused)")
    a1.set_title("Slack: lower wastes less", loc="left")
    # above the panel, right of its title: inside it would cover the longest bars
    a1.legend(fontsize=8, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2,
              borderaxespad=0.2)
    a2.barh(y, [fin(r.oom_rate) for r in rows], height=0.5, color=COLORS["quota"])
    a2.set_xlabel("OOM kills per container-day")
    a2.set_title("OOM rate: lower is safer", loc="left")
    a2.set_xlim(left=0, right=max([fin(r.oom_rate) for r in rows] + [0.0]) * 1.2 or 1.0)
    fig.tight_layout()
    return to_svg(fig)


def bars_chart(title: str, labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[float | None]]],
               ylabel: str, ylim: tuple[float, float] | None = None) -> str:
    """Grouped horizontal bars: one group per label, one bar per (name, values)."""
    plt = _plt()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(WIDTH_IN * 0.8, max(1.6, 0.32 * n * len(series) + 0.8)))
    h = 0.8 / max(len(series), 1)
    y = np.arange(n)
    for k, (name, vals) in enumerate(series):
        ax.barh(y + k * h, [v if v is not None and math.isfinite(v) else 0 for v in vals],
                height=h, label=name)
    ax.set_yticks(y + h * (len(series) - 1) / 2, labels)
    ax.invert_yaxis()
    ax.set_xlabel(ylabel)
    if ylim:
        ax.set_xlim(*ylim)
    ax.set_title(title, loc="left")
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return to_svg(fig)
