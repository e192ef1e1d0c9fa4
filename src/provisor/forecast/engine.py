"""Forecasting one regular series: the candidate models, the rolling-origin backtest that
picks one, the prediction intervals, and the scores.

The models are statsforecast's (Nixtla, ``statsforecast.models``):

* ``AutoETS`` with the daily season (Hyndman & Khandakar's automatic ETS), fitted on the
  last :data:`ETS_WINDOW_S` of history;
* ``AutoARIMA`` with the daily season, a bounded stepwise search (p, q <= 2, P, Q <= 1,
  15 models) fitted on the last :data:`ARIMA_WINDOW_S` of history: a seasonal ARIMA on two
  months of hourly points takes minutes, on three weeks under a second;
* ``MSTL`` with the daily and the weekly season (STL decomposition per season, the trend
  forecast by a non-seasonal AutoETS);
* ``SeasonalNaive`` with the weekly season (the daily one when history is shorter than two
  weeks): the floor. A model is chosen over it only when its backtest MASE is below 1.

Scores (all on the original scale of the series):

* **MASE** here is the mean absolute error of a model over the backtest windows divided by
  the mean absolute error of the seasonal naive forecast over the *same* windows
  (Hyndman & Koehler 2006 scale the error by a naive forecast's error; the naive forecast
  used is the floor model itself, out of sample at the same horizon). Below 1 the model
  beats the naive forecast; the naive forecast scores exactly 1.
* **coverage** at 80 % and 95 %: the fraction of backtest points inside the interval.

Intervals are each model's own (statsforecast's ``level=[80, 95]``), made symmetric-widened
by the *conformal factor* measured in the backtest: when a model's 95 % interval covered
fewer than 95 % of the backtest points, its half-widths are multiplied by the smallest
factor that would have covered 95 % (split conformal prediction on the rolling-origin
residuals, Vovk et al.; the same factor set separately for the 80 % level). Intervals are
never narrowed.

Everything is deterministic: the models are deterministic given the data, and no RNG is used.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

#: Seconds in a day and in a week (the two seasons).
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S

#: AutoARIMA sees at most this much of the most recent history (seconds).
ARIMA_WINDOW_S = 21 * DAY_S
#: AutoETS sees at most this much (its search fits some 30 models; four weeks keep it fast).
ETS_WINDOW_S = 28 * DAY_S

#: Prediction-interval levels, percent.
LEVELS = (80, 95)

#: Model names, in the order they are tried; the last one is the floor.
MODEL_NAMES = ("AutoETS", "AutoARIMA", "MSTL", "SeasonalNaive")
FLOOR = "SeasonalNaive"


class ForecastError(ValueError):
    """A series cannot be forecast (too short, not finite, bad step); ``str`` says why."""


@dataclass(frozen=True)
class Band:
    """A forecast path and its intervals, arrays of shape ``(h,)`` on the series' unit."""

    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray

    def clip_lower(self, floor: float) -> "Band":
        """The band with every array clipped below at ``floor`` (counts and usage are >= 0)."""
        return Band(*(np.maximum(a, floor) for a in
                      (self.mean, self.lo80, self.hi80, self.lo95, self.hi95)))


@dataclass(frozen=True)
class Score:
    """A model's backtest score.

    Attributes:
        mase: MAE over the backtest windows / MAE of the seasonal naive forecast on the same
            points (nan when the naive forecast is exact on every point).
        coverage80, coverage95: fraction (0..1) of backtest points inside the interval,
            after the conformal widening.
        points: number of backtest points scored.
        windows: number of backtest windows (origins).
        horizon: points per window.
        widen80, widen95: the conformal factor applied to the half-widths (>= 1).
    """

    mase: float
    coverage80: float
    coverage95: float
    points: int
    windows: int
    horizon: int
    widen80: float = 1.0
    widen95: float = 1.0


@dataclass(frozen=True)
class Seasons:
    """Season lengths in points for a given step: ``daily`` and ``weekly`` (0 when history
    is too short to fit that season: fewer than two full periods)."""

    daily: int
    weekly: int

    @property
    def naive(self) -> int:
        """The seasonal naive lag: weekly when known, else daily, else 1 (plain naive)."""
        return self.weekly or self.daily or 1


@dataclass
class Fit:
    """The outcome of :func:`fit_select` on one series.

    Attributes:
        model: the chosen model's name (one of :data:`MODEL_NAMES`).
        band: the forecast, ``h`` points after the last one.
        scores: every candidate's backtest score (empty when ``backtest`` was off or the
            history was too short for one window).
        seasons: the season lengths used.
    """

    model: str
    band: Band
    scores: dict[str, Score] = field(default_factory=dict)
    seasons: Seasons = Seasons(0, 0)


def seasons_for(step_s: float, n: int) -> Seasons:
    """Season lengths (points) for a series of ``n`` points spaced ``step_s`` seconds.

    A season is used only when it is a whole number of points >= 2 and the history holds at
    least two full periods of it.
    """
    def one(period: float) -> int:
        m = period / step_s
        if m < 2 or abs(m - round(m)) > 1e-9:
            return 0
        m = int(round(m))
        return m if n >= 2 * m else 0

    return Seasons(one(DAY_S), one(WEEK_S))


def _models(names: Sequence[str], seasons: Seasons, step_s: float) -> list[tuple[str, object, int]]:
    """(name, statsforecast model, history window in points or 0 for all) for ``names``."""
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, SeasonalNaive

    d = seasons.daily or 1
    out: list[tuple[str, object, int]] = []
    for name in names:
        if name == "AutoETS":
            # statsforecast's ETS allows seasons up to 24 points; beyond, non-seasonal.
            out.append((name, AutoETS(season_length=d if d <= 24 else 1),
                        int(ETS_WINDOW_S // step_s)))
        elif name == "AutoARIMA":
            window = int(ARIMA_WINDOW_S // step_s)
            out.append((name, AutoARIMA(season_length=d, max_p=2, max_q=2, max_P=1, max_Q=1,
                                        approximation=True, nmodels=15), window))
        elif name == "MSTL":
            periods = [p for p in (seasons.daily, seasons.weekly) if p]
            if not periods:
                continue
            out.append((name, MSTL(season_length=periods if len(periods) > 1 else periods[0]),
                        0))
        elif name == FLOOR:
            out.append((name, SeasonalNaive(season_length=seasons.naive), 0))
    return out


def _predict(model: object, y: np.ndarray, h: int, window: int) -> Band:
    yy = y[-window:] if window and len(y) > window else y
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        r = model.forecast(y=yy, h=h, level=list(LEVELS))  # type: ignore[attr-defined]
    mean = np.asarray(r["mean"], dtype=float)
    band = Band(mean, np.asarray(r["lo-80"], float), np.asarray(r["hi-80"], float),
                np.asarray(r["lo-95"], float), np.asarray(r["hi-95"], float))
    if not all(np.isfinite(a).all() for a in (band.mean, band.lo95, band.hi95)):
        raise FloatingPointError("non-finite forecast")
    return band


def _widen(band: Band, w80: float, w95: float) -> Band:
    m = band.mean
    return Band(m, m - (m - band.lo80) * w80, m + (band.hi80 - m) * w80,
                m - (m - band.lo95) * w95, m + (band.hi95 - m) * w95)


def _factor(y: np.ndarray, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            level: float) -> float:
    """Smallest factor f >= 1 such that scaling the half-widths by f covers ``level`` of
    the points (the split-conformal quantile of the normalised residuals)."""
    below = y < mean
    half = np.where(below, mean - lo, hi - mean)
    resid = np.abs(y - mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(half > 0, resid / half, np.where(resid > 0, np.inf, 0.0))
    n = len(ratio)
    if n == 0:
        return 1.0
    k = min(n - 1, int(math.ceil((n + 1) * level)) - 1)
    q = float(np.sort(ratio)[max(k, 0)])
    if not math.isfinite(q):
        return 1.0
    return max(1.0, q)


def backtest_windows(n: int, h: int, seasons: Seasons, windows: int) -> tuple[int, int]:
    """(window count, points per window) for a rolling-origin backtest of ``n`` points.

    The first origin leaves at least two weekly seasons (or two daily ones, or 8 points) of
    training; each window is at most ``h`` points, the windows are back to back and end at
    the last point.
    """
    min_train = 2 * (seasons.weekly or seasons.daily or 4)
    avail = n - min_train
    if avail < 2 or windows < 1:
        return 0, 0
    hb = min(h, avail // windows)
    if hb < 1:
        return 0, 0
    return windows, hb


def fit_select(y: np.ndarray, h: int, step_s: float, *, backtest: bool = True,
               windows: int = 3, nonnegative: bool = True,
               models: Sequence[str] = MODEL_NAMES) -> Fit:
    """Forecast ``h`` points after ``y`` (a regular series, one point per ``step_s`` s).

    With ``backtest``, every model in ``models`` is scored by a rolling-origin backtest
    (:func:`backtest_windows`), the one with the lowest MASE below 1 is chosen (the
    seasonal naive floor otherwise), and its intervals are widened by its conformal factor.

    Raises:
        ForecastError: fewer than 3 points, or a value that is not finite.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) < 3:
        raise ForecastError(f"needs at least 3 points, got {len(y)}")
    if not np.isfinite(y).all():
        raise ForecastError("values must be finite (resample and fill gaps first)")
    if h < 1:
        raise ForecastError(f"horizon must be at least one step, got {h}")
    seasons = seasons_for(step_s, len(y))
    if float(np.ptp(y)) == 0.0:
        # A constant history (allocatable, a fixed quota's worth of requests): every model
        # forecasts the constant; the naive floor does it exactly, with zero-width intervals.
        c = np.full(h, float(y[-1]))
        return Fit(model=FLOOR, band=Band(c, c, c, c, c), scores={}, seasons=seasons)
    cands = _models(models if FLOOR in models else [*models, FLOOR], seasons, step_s)
    scores: dict[str, Score] = {}
    if backtest:
        nw, hb = backtest_windows(len(y), h, seasons, windows)
        if nw:
            scores = _backtest(y, cands, nw, hb)
    chosen = FLOOR
    if scores:
        best = min((s.mase, MODEL_NAMES.index(n), n) for n, s in scores.items()
                   if math.isfinite(s.mase))
        if best[0] < 1.0:
            chosen = best[2]
    by_name = {n: (m, w) for n, m, w in cands}
    model, window = by_name[chosen]
    try:
        band = _predict(model, y, h, window)
    except (FloatingPointError, ValueError, ArithmeticError):
        chosen = FLOOR
        model, window = by_name[FLOOR]
        band = _predict(model, y, h, window)
    if chosen in scores:
        band = _widen(band, scores[chosen].widen80, scores[chosen].widen95)
    if nonnegative:
        band = band.clip_lower(0.0)
    return Fit(model=chosen, band=band, scores=scores, seasons=seasons)


def _backtest(y: np.ndarray, cands: list[tuple[str, object, int]], nw: int,
              hb: int) -> dict[str, Score]:
    n = len(y)
    actual: list[np.ndarray] = []
    preds: dict[str, list[Band]] = {name: [] for name, _, _ in cands}
    failed: set[str] = set()
    for k in range(nw):
        origin = n - (nw - k) * hb
        train, test = y[:origin], y[origin:origin + hb]
        actual.append(test)
        for name, model, window in cands:
            if name in failed:
                continue
            try:
                preds[name].append(_predict(model, train, hb, window))
            except (FloatingPointError, ValueError, ArithmeticError, np.linalg.LinAlgError):
                failed.add(name)
    ya = np.concatenate(actual)
    naive = preds[FLOOR]
    naive_mae = float(np.mean(np.abs(ya - np.concatenate([b.mean for b in naive]))))
    out: dict[str, Score] = {}
    for name, _, _ in cands:
        if name in failed:
            continue
        bands = preds[name]
        mean = np.concatenate([b.mean for b in bands])
        cat = Band(mean, *(np.concatenate([getattr(b, a) for b in bands])
                           for a in ("lo80", "hi80", "lo95", "hi95")))
        mae = float(np.mean(np.abs(ya - mean)))
        mase = mae / naive_mae if naive_mae > 0 else (1.0 if mae == 0 else math.nan)
        w80 = _factor(ya, mean, cat.lo80, cat.hi80, 0.80)
        w95 = _factor(ya, mean, cat.lo95, cat.hi95, 0.95)
        wide = _widen(cat, w80, w95)
        out[name] = Score(
            mase=mase,
            coverage80=float(np.mean((ya >= wide.lo80) & (ya <= wide.hi80))),
            coverage95=float(np.mean((ya >= wide.lo95) & (ya <= wide.hi95))),
            points=len(ya), windows=nw, horizon=hb, widen80=w80, widen95=w95)
    return out


def score_holdout(actual: np.ndarray, band: Band, naive_mean: np.ndarray) -> Score:
    """Score a forecast against held-out actuals: MASE against the seasonal naive forecast
    ``naive_mean`` of the same points, and the coverage of ``band``'s intervals as given."""
    actual = np.asarray(actual, float)
    mae = float(np.mean(np.abs(actual - band.mean)))
    nmae = float(np.mean(np.abs(actual - naive_mean)))
    mase = mae / nmae if nmae > 0 else (1.0 if mae == 0 else math.nan)
    return Score(mase=mase,
                 coverage80=float(np.mean((actual >= band.lo80) & (actual <= band.hi80))),
                 coverage95=float(np.mean((actual >= band.lo95) & (actual <= band.hi95))),
                 points=len(actual), windows=1, horizon=len(actual))


def naive_forecast(y: np.ndarray, h: int, step_s: float) -> np.ndarray:
    """The seasonal naive floor's point forecast (the MASE reference) for ``h`` points."""
    seasons = seasons_for(step_s, len(y))
    (_, model, window), = _models([FLOOR], seasons, step_s)
    return _predict(model, np.asarray(y, float), h, window).mean


ProgressFn = Callable[[int, int], None]


def regular(timestamps: np.ndarray, values: np.ndarray, step_s: float,
            start: float | None = None, end: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Resample irregular samples onto a regular grid: the mean of the samples in each
    ``[t, t + step_s)`` bucket (``avg_over_time`` per step), buckets without samples filled by
    linear interpolation between their neighbours (held flat at the ends).

    ``start`` defaults to the first timestamp rounded down to a multiple of ``step_s``;
    ``end`` (exclusive) to just after the last timestamp. Returns (grid timestamps in s,
    values). Raises :class:`ForecastError` when there is no finite sample in the range.
    """
    ts = np.asarray(timestamps, float)
    vs = np.asarray(values, float)
    ok = np.isfinite(ts) & np.isfinite(vs)
    ts, vs = ts[ok], vs[ok]
    if step_s <= 0:
        raise ForecastError(f"step must be positive, got {step_s}")
    if len(ts) == 0:
        raise ForecastError("no finite samples")
    t0 = math.floor(ts.min() / step_s) * step_s if start is None else float(start)
    t1 = ts.max() + step_s if end is None else float(end)
    n = int(math.floor((t1 - t0) / step_s + 1e-9))
    if n < 1:
        raise ForecastError("empty time range")
    idx = np.floor((ts - t0) / step_s).astype(np.int64)
    keep = (idx >= 0) & (idx < n)
    idx, vs = idx[keep], vs[keep]
    if len(idx) == 0:
        raise ForecastError("no samples inside the time range")
    sums = np.bincount(idx, vs, minlength=n)
    counts = np.bincount(idx, minlength=n)
    grid = t0 + step_s * np.arange(n)
    have = counts > 0
    out = np.empty(n)
    out[have] = sums[have] / counts[have]
    if not have.all():
        out[~have] = np.interp(grid[~have], grid[have], out[have])
    return grid, out
