"""Output formats of ``provisor recommend``: a registry of renderers, one per format.

``FORMATS`` maps ``table`` (rich), ``json``, ``yaml`` and ``csv`` to functions
``(report) -> str``; ``to_data(report)`` is the plain structure JSON and YAML are dumped from.
Units in data: CPU in cores, memory in bytes, savings in cores, GiB and money per month.
The ``vpa`` strategy's entries also carry the VPA's ``bounds`` (lower and upper bound).
``to_data`` is also the section the HTML report embeds.
Output is deterministic (sorted, fixed float formatting via ``repr``).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from typing import Any

from .engine import BacktestReport, RecommendReport

__all__ = ["FORMATS", "render", "to_data"]


def _num(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), 6)


def to_data(report: RecommendReport | BacktestReport) -> dict[str, Any]:
    """The report as plain dicts/lists (NaN -> None)."""
    if isinstance(report, BacktestReport):
        return {
            "backtest": {
                "fit_start": report.fit_start, "fit_until": report.fit_until,
                "score_end": report.score_end, "currency": report.currency,
                "rows": [{"strategy": r.strategy, "cpu_slack": _num(r.cpu_slack),
                          "mem_slack": _num(r.mem_slack), "oom_events": r.oom_events,
                          "oom_per_container_day": _num(r.oom_rate),
                          "throttled_share": _num(r.throttled_share), "cost": _num(r.cost),
                          "cost_vs_current": _num(r.cost_vs_current),
                          "containers": r.containers} for r in report.rows],
                "notes": list(report.notes),
            }
        }
    return {
        "recommendations": [
            {"strategy": a.strategy, "namespace": a.key.namespace, "class": a.key.group,
             "model": a.key.model, "container": a.key.container, "pods": a.pods,
             "replicas": _num(a.replicas),
             "requests": {"cpu": _num(a.rec.cpu_request), "memory": _num(a.rec.mem_request)},
             "limits": {"cpu": _num(a.rec.cpu_limit), "memory": _num(a.rec.mem_limit)},
             "current": {"requests": {"cpu": _num(a.current_cpu_request),
                                      "memory": _num(a.current_mem_request)},
                         "limits": {"cpu": _num(a.current_cpu_limit),
                                    "memory": _num(a.current_mem_limit)}},
             "savings": {"cores": _num(a.savings_cores), "gib": _num(a.savings_gib),
                         "per_month": _num(a.savings_per_month)},
             **({"bounds": {
                 "lower": {"cpu": _num(a.rec.extra["cpu_lower"]),
                           "memory": _num(a.rec.extra["mem_lower"])},
                 "upper": {"cpu": _num(a.rec.extra["cpu_upper"]),
                           "memory": _num(a.rec.extra["mem_upper"])}}}
                if "cpu_lower" in a.rec.extra else {}),
             "notes": list(a.rec.notes)}
            for a in report.advice
        ],
        "totals": {k: {kk: _num(vv) for kk, vv in v.items()} for k, v in report.totals.items()},
        "currency": report.currency,
        "notes": list(report.notes),
    }


def _json(report: Any) -> str:
    return json.dumps(to_data(report), indent=2, sort_keys=False) + "\n"


def _yaml(report: Any) -> str:
    import yaml

    return yaml.safe_dump(to_data(report), sort_keys=False, width=100)


def _csv(report: Any) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if isinstance(report, BacktestReport):
        w.writerow(["strategy", "cpu_slack", "mem_slack", "oom_events", "oom_per_container_day",
                    "throttled_share", "cost", "cost_vs_current", "containers"])
        for r in report.rows:
            w.writerow([r.strategy, *("" if v is None else v for v in (
                _num(r.cpu_slack), _num(r.mem_slack), r.oom_events, _num(r.oom_rate),
                _num(r.throttled_share), _num(r.cost), _num(r.cost_vs_current))), r.containers])
        return buf.getvalue()
    w.writerow(["strategy", "namespace", "class", "model", "container", "pods", "replicas",
                "cpu_request", "cpu_limit", "memory_request", "memory_limit",
                "current_cpu_request", "current_memory_request", "savings_cores",
                "savings_gib", "savings_per_month", "notes"])
    for a in report.advice:
        w.writerow([a.strategy, a.key.namespace, a.key.group, a.key.model, a.key.container,
                    a.pods, *("" if v is None else v for v in (
                        _num(a.replicas), _num(a.rec.cpu_request), _num(a.rec.cpu_limit),
                        _num(a.rec.mem_request), _num(a.rec.mem_limit),
                        _num(a.current_cpu_request), _num(a.current_mem_request),
                        _num(a.savings_cores), _num(a.savings_gib),
                        _num(a.savings_per_month))), "; ".join(a.rec.notes)])
    return buf.getvalue()


def _fmt_cpu(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{x * 1000:.0f}m"


def _fmt_mem(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{x / 2**20:.0f}Mi"


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.1f}%"


def _table(report: Any) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.StringIO(), width=160, record=True, color_system=None)
    if isinstance(report, BacktestReport):
        t = Table(title="Backtest: fit before --fit-until, replay after")
        for c in ("strategy", "CPU slack", "memory slack", "OOM events", "OOM/container-day",
                  "throttled", f"cost ({report.currency})", "vs current", "containers"):
            t.add_column(c, justify="left" if c == "strategy" else "right")
        for r in report.rows:
            t.add_row(r.strategy, _pct(r.cpu_slack), _pct(r.mem_slack), str(r.oom_events),
                      "-" if math.isnan(r.oom_rate) else f"{r.oom_rate:.3f}",
                      _pct(r.throttled_share), f"{r.cost:.2f}", _pct(r.cost_vs_current),
                      str(r.containers))
        console.print(t)
        for n in report.notes:
            console.print(f"note: {n}")
        return console.export_text()
    t = Table(title="Recommendations per class and container")
    for c in ("strategy", "namespace", "class", "model", "container", "pods",
              "requests cpu/mem", "limits cpu/mem", "current requests",
              f"savings cores / GiB / {report.currency}/month", "notes"):
        t.add_column(c)
    for a in report.advice:
        t.add_row(a.strategy, a.key.namespace, a.key.group, a.key.model or "-", a.key.container,
                  str(a.pods), f"{_fmt_cpu(a.rec.cpu_request)} / {_fmt_mem(a.rec.mem_request)}",
                  f"{_fmt_cpu(a.rec.cpu_limit)} / {_fmt_mem(a.rec.mem_limit)}",
                  f"{_fmt_cpu(a.current_cpu_request)} / {_fmt_mem(a.current_mem_request)}",
                  "-" if math.isnan(a.savings_cores) and math.isnan(a.savings_gib) else
                  f"{a.savings_cores:.2f} / {a.savings_gib:.2f} / {a.savings_per_month:.2f}",
                  "; ".join(a.rec.notes))
    console.print(t)
    for name, tot in report.totals.items():
        console.print(f"total {name}: {tot['savings_cores']:.2f} cores, "
                      f"{tot['savings_gib']:.2f} GiB, "
                      f"{tot['savings_per_month']:.2f} {report.currency}/month")
    for n in report.notes:
        console.print(f"note: {n}")
    return console.export_text()


FORMATS: dict[str, Callable[[Any], str]] = {
    "table": _table, "json": _json, "yaml": _yaml, "csv": _csv,
}


def render(report: RecommendReport | BacktestReport, fmt: str) -> str:
    """The report in ``fmt``. Raises ``ValueError`` for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return FORMATS[fmt](report)
