"""Batched MSTL (:mod:`provisor.forecast.batch.mstl`) vs statsforecast's ``MSTL``, same
series, same settings (engine.stl_jumps, the last 28 days per window), same trend
forecaster (statsforecast ``Naive`` / the batched plain naive: the batched AutoETS is another
module), both fitted at the first backtest origin and forwarded to every origin and the end.

* ``forecast_bench.SHAPES`` (the lead's bench: 100 hourly series of ``forecast_bench.
  make_series``, 7 days of history and ``h = 168``; 62 days and ``h = 720``), and 92 days of
  history with ``h = 720``; the ``h`` points after the history held out; origins
  ``backtest_origins(n, h, seasons, 3, 3600)``.

Seconds for 100 series: batched cold (operator cache emptied first: the decomposition
operators are built in the timing) and warm (operators cached, as on a second batch of the
same length), and statsforecast's (``--sf-series`` series timed, extrapolated to 100).
Accuracy (on the series statsforecast was timed on): MASE of the final forecast on the
held-out points against the seasonal naive forecast with the weekly season (168), median
over series and how many are below 1.
The timings are taken with OpenBLAS limited to one thread when ``threadpoolctl`` imports
(the target is per core). Then, per ``forecast_bench.SHAPES`` shape, the batched call as the
first of a fresh process (plans, operators and every lazy initialisation paid; the median of 5
processes) and the same call again."""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

H_BENCH = 168
H_LONG = 720
STEP = 3600.0


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


def _sf(Y: np.ndarray, origins: list[int], h: int, seasons: Any) -> np.ndarray:
    """statsforecast MSTL (Naive trend) finals, fitted at origins[0], forwarded."""
    from statsforecast.models import MSTL, Naive

    from provisor.forecast.engine import MSTL_WINDOW_S, _forward_all, stl_jumps

    periods = [p for p in (seasons.daily, seasons.weekly) if p]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y in Y:
            m = MSTL(season_length=periods if len(periods) > 1 else periods[0],
                     trend_forecaster=Naive(), stl_kwargs=stl_jumps(min(periods)))
            out.append(_forward_all(m, y, origins, h, int(MSTL_WINDOW_S // STEP))[1])
    return np.array(out)


def _fresh(days: int, h: int, runs: int = 5) -> tuple[float, float]:
    """Median seconds over ``runs`` fresh processes of the batched MSTL on the shape's 100
    series as the process's first call (imports and data before the clock; one BLAS
    thread, as the engine runs its models), and of the same call again (warm)."""
    import statistics
    import subprocess
    import sys
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)
    code = (f"import sys, time; sys.path.insert(0, {here!r}); import numpy as np; "
            "from threadpoolctl import threadpool_limits; "
            "from forecast_bench import make_series; "
            "from provisor.forecast.batch import mstl as bm; "
            "from provisor.forecast.engine import backtest_origins, seasons_for; "
            f"full = np.array(make_series(100, {days + h // 24}, "
            f"seed={0 if days < 14 else days})); Y = full[:, :-{h}]; n = Y.shape[1]; "
            f"se = seasons_for({STEP}, n); o = backtest_origins(n, {h}, se, 3, {STEP}); "
            "lim = threadpool_limits(1, 'blas'); "
            f"t0 = time.perf_counter(); bm.backtest_forecast(Y, o, {h}, se, {STEP}); "
            "t1 = time.perf_counter(); "
            f"bm.backtest_forecast(Y, o, {h}, se, {STEP}); "
            "print(t1 - t0, time.perf_counter() - t1)")
    cold, warm = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=600, check=True)
        c, w = out.stdout.strip().splitlines()[-1].split()
        cold.append(float(c))
        warm.append(float(w))
    return statistics.median(cold), statistics.median(warm)


def _mase(act: np.ndarray, fc: np.ndarray, hist: np.ndarray, m: int = 168) -> np.ndarray:
    sn = hist[:, -m + (np.arange(act.shape[1]) % m)]
    return np.abs(act - fc).mean(axis=1) / np.maximum(np.abs(act - sn).mean(axis=1), 1e-12)


def run(con: Any, sf_series: int = 20) -> dict[str, float]:
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    import sys
    from pathlib import Path

    from rich.table import Table

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from forecast_bench import SHAPES, make_series

    from provisor.forecast.batch import mstl as bm
    from provisor.forecast.engine import backtest_origins, seasons_for

    table = Table("case", "batched cold s", "batched warm s", "statsforecast s",
                  "speed-up cold / warm", "median MASE batched / sf", "MASE<1 batched / sf",
                  title="MSTL, 100 series (trend forecaster: naive in both)",
                  title_justify="left")
    out: dict[str, float] = {}
    k = max(1, min(sf_series, 100))
    cases = tuple(SHAPES) + (("92 days hourly, h = 30 days", 92, 30 * 24),)
    for label, days, h in cases:
        full = np.array(make_series(100, days + h // 24, seed=0 if days < 14 else days))
        Y, act = full[:, :-h], full[:, -h:]
        n = Y.shape[1]
        se = seasons_for(STEP, n)
        o = backtest_origins(n, h, se, 3, STEP)
        with _one_thread():
            bm._OPS.clear()
            bm._PLANS.clear()
            t0 = time.perf_counter()
            bm.backtest_forecast(Y, o, h, se, STEP)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, final = bm.backtest_forecast(Y, o, h, se, STEP)
            warm = time.perf_counter() - t0
            _sf(Y[:1], o, h, se)                                  # numba compile, untimed
            t0 = time.perf_counter()
            sf_final = _sf(Y[:k], o, h, se)
            sf_t = (time.perf_counter() - t0) * 100 / k
        mb, ms = _mase(act[:k], final[:k], Y[:k]), _mase(act[:k], sf_final, Y[:k])
        key = label.split(":")[0].split(" ")[0]
        out[f"{key}_max_abs_diff"] = float(np.abs(final[:k] - sf_final).max())
        table.add_row(f"{label} (n = {n}, {len(o)} origins)", f"{cold:.3f}", f"{warm:.3f}",
                      f"{sf_t:.2f}" + (f" (from {k})" if k < 100 else ""),
                      f"{sf_t / cold:.0f}x / {sf_t / warm:.0f}x",
                      f"{np.median(mb):.3f} / {np.median(ms):.3f}",
                      f"{(mb < 1).sum()} / {(ms < 1).sum()} of {k}")
        out.update({f"{key}_cold_s": cold, f"{key}_warm_s": warm, f"{key}_sf_s": sf_t})
    con.print(table)
    for label, days, h in SHAPES:
        key = "short" if days < 14 else "long"
        c, w = _fresh(days, h)
        out.update({f"{key}_fresh_cold_s": c, f"{key}_fresh_warm_s": w})
        con.print(f"{label}: first call of a fresh process {c:.3f} s, second {w:.3f} s "
                  "(median of 5 processes, one BLAS thread)")
    con.print("largest |batched - statsforecast| final forecast: " + ", ".join(
        f"{k_[:-13]} {v:.1e}" for k_, v in out.items() if k_.endswith("_max_abs_diff")))
    return out


if __name__ == "__main__":
    from rich.console import Console

    run(Console())
