"""``make bench`` forecast section: 100 series forecast by provisor vs Prophet, same series.

Two shapes of 100 seeded synthetic series (a level, daily and weekly seasons, a trend,
noise), each with held-out points after its history:

* **short**: hourly, 7 days of history, forecast 7 days ahead (the twin's week);
* **long**: hourly, 62 days of history, forecast 30 days ahead (a Bitbrains-shaped month
  of capacity planning: what ``provisor forecast`` does on two months of Prometheus data).

Timings, all in this run, of the whole job a user runs (four candidate models searched once
at the first backtest origin and forwarded over the rolling-origin windows, the best picked
by backtest MASE, conformal intervals by lead time, record caps):

* **provisor, batch engine** (the default): ``fit_select_batch`` on the 100 series at once,
  warm (after a first call on two series) and as the first call of a fresh process (the
  MSTL operators built, what a one-off ``provisor forecast`` pays);
* **provisor, statsforecast engine**: ``fit_select`` per series (statsforecast's models), on
  the first ``--sf-series`` series, extrapolated to 100;
* **Prophet** (``prophet`` from PyPI, when it imports): ``Prophet(interval_width=0.95)``,
  ``fit`` + ``predict`` per series, one model, no backtest, on the first ``--prophet-series``
  series, extrapolated to 100.

The speed-up is Prophet's time over the batch engine's. Also the accuracy on the held-out
points: median MASE against the seasonal naive forecast and the mean coverage of the 95 %
interval, for each engine and Prophet on the same points.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import numpy as np

N_SERIES = 100
STEP = 3600.0
#: The short shape's length (days, history + held out) and horizon (points), for tests
#: that reuse its series.
DAYS = 14
H = 7 * 24
#: (name, days of history, horizon in hours)
SHAPES = (("short: 7 days hourly, h = 7 days", 7, 7 * 24),
          ("long: 62 days hourly, h = 30 days", 62, 30 * 24))


def make_series(n: int = N_SERIES, days: int = 14, seed: int = 0) -> list[np.ndarray]:
    """``n`` hourly series of ``days`` days: a level, daily and weekly seasons, a trend,
    noise; non-negative."""
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


def _scores(series: list[np.ndarray], h: int, means: list[np.ndarray], lo: list[np.ndarray],
            hi: list[np.ndarray]) -> tuple[float, float]:
    from provisor.forecast.engine import naive_forecast

    m, c = [], []
    for y, mu, a, b in zip(series, means, lo, hi):
        act = y[-h:]
        nv = naive_forecast(y[:-h], h, STEP)
        m.append(np.mean(np.abs(act - mu)) / max(np.mean(np.abs(act - nv)), 1e-12))
        c.append(np.mean((act >= a) & (act <= b)))
    return float(np.median(m)), float(np.mean(c))


def _prophet(series: list[np.ndarray], h: int) -> tuple[float, list, list, list] | str:
    try:
        import pandas as pd
        from prophet import Prophet
    except Exception as exc:  # not installed or does not import offline
        return f"{type(exc).__name__}: {exc}"
    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(name).disabled = True
    idx = pd.date_range("2024-01-01", periods=len(series[0]), freq="h")
    pm, plo, phi = [], [], []
    t0 = time.perf_counter()
    for y in series:
        m = Prophet(interval_width=0.95)
        m.fit(pd.DataFrame({"ds": idx[:-h], "y": y[:-h]}))
        f = m.predict(pd.DataFrame({"ds": idx[-h:]}))
        pm.append(f["yhat"].to_numpy())
        plo.append(f["yhat_lower"].to_numpy())
        phi.append(f["yhat_upper"].to_numpy())
    return time.perf_counter() - t0, pm, plo, phi


def _cold(days: int, h: int) -> float:
    """Seconds of ``fit_select_batch`` on the shape's 100 series as the first forecast of a
    fresh process (imports done before the clock starts; the models' caches empty)."""
    import subprocess
    import sys

    code = (f"import sys, time; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
            "from forecast_bench import make_series, N_SERIES, STEP; "
            "from provisor.forecast.batch.select import fit_select_batch, batch_models; "
            "import provisor.forecast.batch.mstl, provisor.forecast.batch.ets, "
            "provisor.forecast.batch.arima; "
            f"ys = [y[:-{h}] for y in make_series(N_SERIES, {days + h // 24}, "
            f"seed={0 if days < 14 else days})]; "
            f"t0 = time.perf_counter(); fit_select_batch(ys, {h}, STEP); "
            "print(time.perf_counter() - t0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(con: Any, prophet_series: int = 20, sf_series: int = 10) -> dict[str, float]:
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    from rich.table import Table

    from provisor.forecast.batch.select import fit_select_batch
    from provisor.forecast.engine import fit_select

    out: dict[str, float] = {}
    notes = []
    for label, days, h in SHAPES:
        series = make_series(N_SERIES, days + h // 24, seed=0 if days < 14 else days)
        hist = [y[:-h] for y in series]
        fit_select_batch(hist[:2], h, STEP)                  # imports outside the timing
        fit_select(hist[0], h, STEP)
        cold_t = _cold(days, h)
        t0 = time.perf_counter()
        fits = fit_select_batch(hist, h, STEP)
        batch_t = time.perf_counter() - t0
        again = fit_select_batch(hist[::-1], h, STEP)[::-1]
        same = all(a.model == b.model and a.band.hi95.tobytes() == b.band.hi95.tobytes()
                   for a, b in zip(fits, again))
        k = max(1, min(sf_series, N_SERIES))
        t0 = time.perf_counter()
        sf = [fit_select(y, h, STEP) for y in hist[:k]]
        sf_t = (time.perf_counter() - t0) * N_SERIES / k
        b_mase, b_cov = _scores(series, h, [f.band.mean for f in fits],
                                [f.band.lo95 for f in fits], [f.band.hi95 for f in fits])
        s_mase, s_cov = _scores(series[:k], h, [f.band.mean for f in sf],
                                [f.band.lo95 for f in sf], [f.band.hi95 for f in sf])
        models = {}
        for f in fits:
            models[f.model] = models.get(f.model, 0) + 1
        table = Table("measure", "seconds (100 series)", "per series", "median MASE",
                      "95% coverage", title=f"forecast, {N_SERIES} series, {label} "
                      f"(models chosen by the batch engine: "
                      f"{', '.join(f'{m} {c}' for m, c in sorted(models.items()))})",
                      title_justify="left")
        table.add_row("provisor, batch engine (4 models, backtest, conformal)"
                      + ("" if same else " (ORDER CHANGES RESULTS)"),
                      f"{batch_t:.2f}", f"{batch_t / N_SERIES:.4f}", f"{b_mase:.2f}",
                      f"{100 * b_cov:.0f}%")
        table.add_row("  same, first call in a fresh process (caches cold)", f"{cold_t:.2f}",
                      f"{cold_t / N_SERIES:.4f}", "", "")
        table.add_row(f"provisor, statsforecast engine (from {k} series)", f"{sf_t:.2f}",
                      f"{sf_t / N_SERIES:.4f}", f"{s_mase:.2f}", f"{100 * s_cov:.0f}%")
        key = "short" if days < 14 else "long"
        out.update({f"{key}_batch_s": batch_t, f"{key}_statsforecast_s": sf_t})
        kp = max(1, min(prophet_series, N_SERIES))
        pr = _prophet(series[:kp], h)
        if isinstance(pr, str):
            notes.append(f"Prophet: not measured ({pr}); pip install prophet in the venv "
                         "to compare")
        else:
            pt, pm, plo, phi = pr
            prophet_t = pt * N_SERIES / kp
            p_mase, p_cov = _scores(series[:kp], h, pm, plo, phi)
            table.add_row(f"Prophet (fit + predict, from {kp} series)", f"{prophet_t:.2f}",
                          f"{prophet_t / N_SERIES:.4f}", f"{p_mase:.2f}",
                          f"{100 * p_cov:.0f}%")
            table.add_row("speed-up, batch engine over Prophet", "",
                          f"{prophet_t / batch_t:.1f}x "
                          f"({prophet_t / cold_t:.1f}x cold)", "", "")
            out[f"{key}_prophet_s"] = prophet_t
        table.add_row("speed-up, batch engine over statsforecast engine", "",
                      f"{sf_t / batch_t:.1f}x", "", "")
        con.print(table)
    for n in dict.fromkeys(notes):
        con.print(n)
    return out


if __name__ == "__main__":
    from rich.console import Console

    run(Console())
