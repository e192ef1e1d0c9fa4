"""Forecast output formats: ``table`` (a rich Table), ``json`` and ``csv`` (text).

    render_table(result) -> rich.table.Table
    render_json(result) -> str
    render_csv(result) -> str       one row per target and forecast point
    human(value, unit) -> str       "2.5 cores", "3.1 GiB", "12"
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING

from provisor.forecast import ForecastResult, SeriesForecast

if TYPE_CHECKING:
    from rich.table import Table

FORMATS = ("table", "json", "csv")


def human(value: float | None, unit: str) -> str:
    """``value`` in ``unit`` for people: cores with 3 significant digits, bytes in binary
    units (KiB, MiB, GiB, TiB), counts as integers when whole."""
    if value is None or not math.isfinite(value):
        return "-"
    if unit == "bytes":
        v = float(value)
        for u in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
            if abs(v) < 1024 or u == "PiB":
                return f"{v:.3g} {u}" if u != "B" else f"{v:.0f} B"
            v /= 1024
    if unit == "cores":
        text = f"{value:.3g}"
        return f"{text} core" if text == "1" else f"{text} cores"
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def _days(d: float | None) -> str:
    return "-" if d is None else f"{d:.1f}"


def _label(fc: SeriesForecast) -> str:
    return fc.namespace or "(cluster)"


def render_table(result: ForecastResult) -> "Table":
    """A rich Table: one row per target with the peak of the history, the peak of the
    forecast's mean path and of its 95 % upper bound over the horizon (capacity is about
    peaks: on a seasonal series the value at the last step is one phase of the cycle), the
    model, its MASE and coverage, and days to exhaustion."""
    from rich.table import Table

    days = result.horizon_s / 86400
    kind = "held-out" if result.backtest else "backtest"
    t = Table(title=f"Forecast, {days:g} days ahead (MASE and coverage: {kind})",
              title_justify="left")
    for col in ("namespace", "quantity", "peak so far", f"peak in {days:g}d", "95% upper peak",
                "model", "MASE", "cov80", "cov95", "exhausted in (days)"):
        t.add_column(col, justify="right" if col not in ("namespace", "quantity", "model",
                                                          "exhausted in (days)") else "left")
    for fc in result.forecasts:
        s = fc.score
        ex = fc.exhaustion
        mase = "-" if s is None or not math.isfinite(s.mase) else f"{s.mase:.2f}"
        if s is not None and math.isfinite(s.mase) and s.mase >= 1:
            mase = f"[yellow]{mase}[/]"
        exs = "-" if ex is None else f"[bold red]{_days(ex.days)}[/] ({ex.limit})"
        t.add_row(_label(fc), fc.quantity, human(float(fc.history.max()), fc.unit),
                  human(float(fc.band.mean.max()), fc.unit),
                  human(float(fc.band.hi95.max()), fc.unit),
                  fc.model, mase,
                  "-" if s is None else f"{100 * s.coverage80:.0f}%",
                  "-" if s is None else f"{100 * s.coverage95:.0f}%", exs)
    return t


def render_json(result: ForecastResult) -> str:
    """The whole result as JSON (``ForecastResult.to_json``), sorted keys, newline-ended."""
    return json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"


def render_csv(result: ForecastResult) -> str:
    """CSV, one row per target and forecast point: namespace, quantity, unit, timestamp
    (s), mean, lo80, hi80, lo95, hi95, model, mase, coverage80, coverage95,
    exhaustion_days, exhaustion_limit."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["namespace", "quantity", "unit", "timestamp", "mean", "lo80", "hi80", "lo95",
                "hi95", "model", "mase", "coverage80", "coverage95", "exhaustion_days",
                "exhaustion_limit"])
    for fc in result.forecasts:
        s, ex = fc.score, fc.exhaustion
        tail = [fc.model, "" if s is None else f"{s.mase:.6g}",
                "" if s is None else f"{s.coverage80:.6g}",
                "" if s is None else f"{s.coverage95:.6g}",
                "" if ex is None or ex.days is None else f"{ex.days:.6g}",
                "" if ex is None else ex.limit]
        b = fc.band
        for i in range(len(fc.t)):
            w.writerow([fc.namespace, fc.quantity, fc.unit, f"{fc.t[i]:.0f}",
                        *(f"{float(a[i]):.6g}" for a in (b.mean, b.lo80, b.hi80, b.lo95, b.hi95)),
                        *tail])
    return buf.getvalue()
