"""Batched AutoETS (``provisor.forecast.batch.ets``) against statsforecast's AutoETS, same
series, same origins, same season configuration (the engine's ``_models``/``_forward_all``:
searched once at the first backtest origin, forwarded to every origin and to the end).

Cases (hourly):

* **bench**: the 100 synthetic series of ``bench/forecast_bench.py`` (14 days; history the
  first 7, ``h`` = 168), origins ``backtest_origins(n, h, seasons, 3, 3600)``;
* **92 days**: 100 synthetic series of 92 days (the Bitbrains shape), ``h`` = 720;
* **5-minute**: 100 synthetic series of 14 days at 5-minute steps, ``h`` = 288 (a 288-point
  daily season; statsforecast's engine configuration fits these without season, so its
  time is for a different model and only shown for scale).

statsforecast runs one series at a time, on the first ``sf_series`` series of each case,
extrapolated per series to 100. Seconds are wall time for 100 series, one process.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

STEP = 3600.0


def _statsforecast(hist: np.ndarray, origins: list[int], h: int, seasons: Any,
                   step: float) -> float:
    from provisor.forecast.engine import _forward_all, _models
    _, model, win = _models(["AutoETS"], seasons, step)[0]
    with warnings.catch_warnings():                     # imports and first call, untimed
        warnings.simplefilter("ignore")
        _forward_all(model, hist[0], origins, h, win)
    t0 = time.perf_counter()
    for y in hist:
        _, model, win = _models(["AutoETS"], seasons, step)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _forward_all(model, y, origins, h, win)
    return time.perf_counter() - t0


def _case(name: str, Y: np.ndarray, h: int, step: float, sf_series: int,
          repeats: int = 3) -> tuple[str, int, int, float, float]:
    from provisor.forecast.batch import ets
    from provisor.forecast.engine import backtest_origins, seasons_for
    n = Y.shape[1]
    seasons = seasons_for(step, n)
    origins = backtest_origins(n, h, seasons, 3, step)
    ets.backtest_forecast(Y[:2], origins, h, seasons, step)          # warm up
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        ets.backtest_forecast(Y, origins, h, seasons, step)
        best = min(best, time.perf_counter() - t0)
    k = min(sf_series, len(Y))
    sf = _statsforecast(Y[:k], origins, h, seasons, step) * len(Y) / k if k else float("nan")
    return name, n, h, best, sf


def run(con: Any, sf_series: int = 20) -> dict[str, float]:
    """Time the batched AutoETS and statsforecast's on the three cases; print a rich table;
    return ``{case: seconds}`` for ours and ``{case_sf: seconds}`` for statsforecast."""
    import sys
    from pathlib import Path

    from rich.table import Table

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from forecast_bench import H, make_series

    bench = np.array([y[:-H] for y in make_series()])
    long = np.array(make_series(100, 92, seed=1))
    rng = np.random.default_rng(2)
    t = np.arange(14 * 288) / 288.0
    five = np.array([lv * (1 + 0.2 * np.sin(2 * np.pi * (t + rng.uniform())))
                     + rng.normal(0, 0.05 * lv, len(t))
                     for lv in rng.uniform(2, 50, 100)])
    rows = [_case("bench (14 d, h 168)", bench, H, STEP, sf_series),
            _case("92 days (h 720)", long, 720, STEP, sf_series),
            _case("5-minute, 14 d (h 288)", five, 288, 300.0, max(1, sf_series // 4), 1)]
    table = Table(title="Batched AutoETS vs statsforecast AutoETS, 100 series")
    for col in ("case", "points", "h", "batched s", "statsforecast s", "speed-up"):
        table.add_column(col, justify="right" if col != "case" else "left")
    out: dict[str, float] = {}
    for name, n, h, ours, sf in rows:
        table.add_row(name, str(n), str(h), f"{ours:.3f}", f"{sf:.2f}", f"{sf / ours:.0f}x")
        out[name] = ours
        out[name + " sf"] = sf
    con.print(table)
    return out


if __name__ == "__main__":
    from rich.console import Console

    run(Console())
