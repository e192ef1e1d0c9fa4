"""``make bench`` forecast section: 100 series forecast by provisor vs Prophet, same series.

The series: 100 synthetic hourly series of 14 days (a level, daily and weekly seasons, a
trend, noise; seeded), the first 7 days the history, each forecast 7 days ahead with
80 %/95 % intervals. Timings, all in this run:

* **provisor, full**: ``provisor.forecast.engine.fit_select``, the whole job a user runs:
  four models (AutoETS, AutoARIMA, MSTL, seasonal naive) each searched once at the first
  backtest origin, forwarded over the rolling-origin windows and to the final forecast,
  the best picked by backtest MASE, conformal intervals by lead time; one process;
* **provisor, full, 2 processes**: the same through ``fit_many(n_jobs=2)`` (identical
  results, checked);
* **provisor, one model**: a single MSTL fit and forecast per series with its own intervals
  (the same work Prophet does: one model, one fit, intervals);
* **Prophet** (``prophet`` from PyPI, when it imports): ``Prophet(interval_width=0.95)``,
  ``fit`` + ``predict`` per series, on the first ``--prophet-series`` series (default 20),
  extrapolated per series to 100 and printed as such.

The one-off numba compilation of statsforecast's kernels (cached on disk with
``NIXTLA_NUMBA_CACHE=1``) is done before the timings by one untimed ``fit_select``; it costs
a few seconds the first time a process forecasts. Also the accuracy on the held-out week:
MASE against the seasonal naive forecast and the coverage of the 95 % interval, for
provisor and Prophet on the same points.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import numpy as np

N_SERIES = 100
DAYS = 14
H = 7 * 24
STEP = 3600.0


def make_series(n: int = N_SERIES, days: int = DAYS, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24) / 24.0
    out = []
    for _ in range(n):
        level = rng.uniform(2, 50)
        y = (level * (1 + rng.uniform(-0.01, 0.04) * t)
             + level * rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * (t + rng.uniform())) +
             level * rng.uniform(0, 0.1) * np.sin(2 * np.pi * t / 7)
             + rng.normal(0, level * rng.uniform(0.02, 0.1), len(t)))
        out.append(np.maximum(y, 0.0))
    return out


def run(con: Any, prophet_series: int = 20) -> dict[str, float]:
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    from rich.table import Table

    from provisor.forecast.engine import (
        _models,
        _predict,
        fit_many,
        fit_select,
        naive_forecast,
        seasons_for,
    )

    series = make_series()
    hist = [y[:-H] for y in series]
    t0 = time.perf_counter()
    fit_select(hist[0], H, STEP)                   # numba compilation outside the timing
    compile_t = time.perf_counter() - t0
    t0 = time.perf_counter()
    fits = [fit_select(y, H, STEP) for y in hist]
    full_t = time.perf_counter() - t0
    t0 = time.perf_counter()
    fits2 = fit_many(hist, H, STEP, n_jobs=2)
    par_t = time.perf_counter() - t0
    same = all(a.model == b.model and np.array_equal(a.band.hi95, b.band.hi95)
               for a, b in zip(fits, fits2))
    seasons = seasons_for(STEP, len(hist[0]))
    (_, mstl, w), = _models(["MSTL"], seasons, STEP)
    t0 = time.perf_counter()
    for y in hist:
        _predict(mstl, y, H, w)
    one_t = time.perf_counter() - t0

    def scores(means, lo, hi, k) -> tuple[float, float]:
        m, c = [], []
        for y, mu, a, b in zip(series[:k], means, lo, hi):
            act = y[-H:]
            nv = naive_forecast(y[:-H], H, STEP)
            m.append(np.mean(np.abs(act - mu)) / max(np.mean(np.abs(act - nv)), 1e-12))
            c.append(np.mean((act >= a) & (act <= b)))
        return float(np.median(m)), float(np.mean(c))

    p_mase, p_cov = scores([f.band.mean for f in fits], [f.band.lo95 for f in fits],
                           [f.band.hi95 for f in fits], N_SERIES)
    table = Table("measure", "seconds (100 series)", "per series", "median MASE", "95% coverage",
                  title=f"forecast: {N_SERIES} hourly series of {DAYS - 7} days + 7 held out "
                  f"(numba compile, untimed: {compile_t:.1f} s)", title_justify="left")
    table.add_row("provisor, full (4 models, backtest selection, conformal)", f"{full_t:.2f}",
                  f"{full_t / N_SERIES:.3f}", f"{p_mase:.2f}", f"{100 * p_cov:.0f}%")
    table.add_row("provisor, full, 2 processes" + ("" if same else " (RESULTS DIFFER)"),
                  f"{par_t:.2f}", f"{par_t / N_SERIES:.3f}", "", "")
    table.add_row("provisor, one model (MSTL)", f"{one_t:.2f}", f"{one_t / N_SERIES:.3f}", "", "")
    out = {"full_s": full_t, "full_2proc_s": par_t, "one_s": one_t}
    try:
        import pandas as pd
        from prophet import Prophet
    except Exception as exc:  # not installed or does not import offline
        con.print(table)
        con.print(f"Prophet: not measured ({type(exc).__name__}: {exc}); "
                  f"pip install prophet in the venv to compare")
        return out
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    k = max(1, min(prophet_series, N_SERIES))
    idx = pd.date_range("2024-01-01", periods=len(series[0]), freq="h")
    pm, plo, phi = [], [], []
    t0 = time.perf_counter()
    for y in series[:k]:
        m = Prophet(interval_width=0.95)
        m.fit(pd.DataFrame({"ds": idx[:-H], "y": y[:-H]}))
        f = m.predict(pd.DataFrame({"ds": idx[-H:]}))
        pm.append(f["yhat"].to_numpy())
        plo.append(f["yhat_lower"].to_numpy())
        phi.append(f["yhat_upper"].to_numpy())
    prophet_t = (time.perf_counter() - t0) * N_SERIES / k
    pr_mase, pr_cov = scores(pm, plo, phi, k)
    label = "Prophet (fit + predict)" + (f", extrapolated from {k} series" if k < N_SERIES else "")
    table.add_row(label, f"{prophet_t:.2f}", f"{prophet_t / N_SERIES:.3f}", f"{pr_mase:.2f}",
                  f"{100 * pr_cov:.0f}%")
    table.add_row("speed-up, provisor full over Prophet", "", f"{prophet_t / full_t:.1f}x", "", "")
    table.add_row("speed-up, provisor full (2 processes) over Prophet", "",
                  f"{prophet_t / par_t:.1f}x", "", "")
    table.add_row("speed-up, provisor one model over Prophet", "", f"{prophet_t / one_t:.1f}x",
                  "", "")
    con.print(table)
    out.update(prophet_s=prophet_t)
    return out


if __name__ == "__main__":
    from rich.console import Console

    run(Console())
