"""Forecasting one regular series: the candidate models, the rolling-origin backtest that
picks one, the horizon-aware conformal prediction intervals, and the scores.

Models (statsforecast, Nixtla, ``statsforecast.models``; Garza et al., "StatsForecast:
lightning fast forecasting with statistical and econometric models", PyCon 2022):

* ``AutoETS`` with the daily season (Hyndman et al. 2002 automatic ETS, additive errors),
  on the last :data:`ETS_WINDOW_S` of history;
* ``AutoARIMA`` with the daily season, a bounded stepwise search (Hyndman & Khandakar 2008;
  p, q <= 2, P, Q <= 1, d, D <= 1, :data:`ARIMA_NMODELS` models, estimation by conditional
  sum of squares then maximum likelihood, ``CSS-ML``) on the last :data:`ARIMA_WINDOW_S` of
  history. Not ``CSS`` alone: statsforecast 2.1's ``arima`` never filters the data through
  the state-space model on that path, so its forecasts start from a zero state (a
  differenced model forecasts about 0 whatever the level; pinned by
  ``tests/forecast/test_batch_arima.py``);
* ``MSTL`` with the daily and the weekly season (Bandara et al. 2021: STL per season, the
  seasonally adjusted series forecast by a non-seasonal AutoETS);
* ``SeasonalNaive`` with the weekly season (the daily one when history is shorter than two
  weeks): the floor. A model is chosen over it only when its backtest MASE is below 1.

**Trend must earn its place.** AutoETS and MSTL's trend model may pick no trend, an
additive or a damped one, AutoARIMA a drift; the backtest decides whether a trend model beats
the others. On a history shorter than :data:`TREND_MIN_S` (two weekly seasons; the twin's 7
days) the backtest cannot check a 30-day lead, and a week cannot tell growth from a burst, so
the final forecast is trusted as is only up to the longest lead ``L`` the backtest verified
(``Fit.verified``): beyond it the last verified season repeats and its trend is damped
(:func:`hold_beyond`, ``phi = 1 - 1/L``), adding at most the growth shown over ``L`` points
instead of extrapolating it for 30 days. A longer history lifts the damping.

**Fit once, forward.** The rolling-origin backtest (:func:`backtest_origins`) has at least
``windows`` origins (one per :data:`ORIGIN_SPACING_S` of history, at most
:data:`MAX_WINDOWS`), evenly spaced, the first leaving two seasons of training; every window
forecasts up to ``h`` points from its origin, or to the end of the history. Each model's search
(ETS form, ARIMA orders, their parameters) runs *once*, on the history up to the first origin;
the fitted specification is then applied to the history up to each later origin and to the
whole history for the final forecast with statsforecast's ``forward`` (the states are filtered
through the new data, the parameters kept: what ``StatsForecast.cross_validation(refit=False)``
does). Nothing fitted has seen a point it is scored on.

**Scores** (all on the original scale of the series):

* **MASE** here is the mean absolute error of a model over the backtest windows divided by
  the mean absolute error of the seasonal naive forecast over the *same* points
  (Hyndman & Koehler 2006 scale the error by a naive forecast's error; the naive forecast
  used is the floor model itself, out of sample at the same leads). Below 1 the model beats
  the naive forecast; the naive forecast scores exactly 1.
* **coverage** at 80 % and 95 %: the fraction of backtest points inside intervals built, for
  each window, from the residuals of the *other* windows only (leave-one-window-out, a
  cross-conformal estimate, Vovk 2015; the lead-time bins and the Mondrian split are the
  whole backtest's, which depend on its forecasts, not on its actuals), so it is an
  out-of-sample figure, not 95 % by construction.

**Intervals** are split-conformal and horizon-aware (Vovk, Gammerman & Shafer 2005; Lei et
al. 2018; Stankeviciute et al. 2021 "Conformal time-series forecasting" calibrate per lead
time), :func:`lead_quantiles`: the chosen model's backtest residuals ``actual - forecast`` are
grouped by lead time into consecutive bins (at least :data:`MIN_BIN_POINTS` residuals and
1/:data:`BINS` of them each) and, within a bin, by whether the forecast was at or above the
median backtest forecast (Mondrian conformal prediction: a seasonal forecast's peaks get the
errors seen at peaks); the half-width at lead ``l`` for level ``p`` is the finite-sample
conformal quantile (rank ``ceil((m + 1) p)`` of ``m``) of the absolute residuals of ``l``'s
bin and category. The interval is symmetric, can narrow as well as widen against the model's
own, contains the mean (80 % inside 95 %), and never grows beyond what the residuals at that
lead justify: beyond the longest lead the backtest measured it keeps the last bin's width (the
models' own widths, which grow without bound for ETS with trend or ARIMA with a unit root,
are not used). The upper bounds are further capped by :func:`record_caps`, the conformal
upper bound of the "record" predictor (the history's maximum plus how far the backtest's
actuals rose above the maximum before their origin, at that lead): a bursty series that never
rose above its peak keeps its upper bound near the peak. The model's own statsforecast
intervals are used only when the history is too short for a backtest window (then the floor
is the model, its interval held at the first season's half-widths instead of growing with
every season ahead).

Everything is deterministic: the models are deterministic given the data, and no RNG is used.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

#: Seconds in a day and in a week (the two seasons).
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S

#: AutoARIMA sees at most this much of the most recent history (seconds).
ARIMA_WINDOW_S = 21 * DAY_S
#: AutoARIMA's stepwise search stops after this many models.
ARIMA_NMODELS = 5
#: AutoETS sees at most this much (its search fits several models; four weeks keep it fast).
ETS_WINDOW_S = 28 * DAY_S
#: MSTL sees at most this much (four weekly seasons): its STL decompositions are redone on
#: every ``forward`` (each backtest window and the final forecast), and their cost grows with
#: the points decomposed.
MSTL_WINDOW_S = 28 * DAY_S
#: A trend is extrapolated only from a history at least this long (two weekly seasons).
TREND_MIN_S = 2 * WEEK_S
#: Residuals per lead-time bin of the conformal intervals (39 is the fewest for which a
#: two-sided 95 % conformal quantile is finite; more make the bins' quantiles steadier).
MIN_BIN_POINTS = 48
#: The backtest has one origin per this much history (at least ``windows``, at most
#: :data:`MAX_WINDOWS`).
ORIGIN_SPACING_S = 2 * DAY_S
#: At most this many lead-time bins (a bin holds at least 1/BINS of the residuals).
BINS = 8
#: Whether the interval is symmetric (conformal score ``|residual|``) or each side has its
#: own quantile (scores ``residual`` and ``-residual`` at level ``(1 + p) / 2``).
SYMMETRIC = True
MAX_WINDOWS = 12

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
        coverage80, coverage95: fraction (0..1) of backtest points inside the conformal
            interval built from the other windows' residuals (leave-one-window-out); scored
            for the chosen model only (the intervals published), NaN for the other
            candidates, which are compared on MASE.
        points: number of backtest points scored.
        windows: number of backtest windows (origins).
        horizon: the longest lead scored, in points (the first window's length).
    """

    mase: float
    coverage80: float
    coverage95: float
    points: int
    windows: int
    horizon: int


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
        trend: whether the forecast extrapolates beyond the backtest's longest lead
            (history >= :data:`TREND_MIN_S`); otherwise it is damped from ``verified`` on
            (:func:`hold_beyond`).
        verified: the longest lead the backtest scored, points (0 without a backtest).
    """

    model: str
    band: Band
    scores: dict[str, Score] = field(default_factory=dict)
    seasons: Seasons = Seasons(0, 0)
    trend: bool = False
    verified: int = 0


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


def trend_allowed(step_s: float, n: int) -> bool:
    """Whether a history of ``n`` points spaced ``step_s`` s may extrapolate a trend beyond
    the backtest's longest lead: it spans at least :data:`TREND_MIN_S` (two weekly
    seasons)."""
    return n * step_s >= TREND_MIN_S - 1e-9


def _models(names: Sequence[str], seasons: Seasons,
            step_s: float) -> list[tuple[str, Any, int]]:
    """(name, statsforecast model, history window in points or 0 for all) for ``names``."""
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, SeasonalNaive

    d = seasons.daily or 1
    t = "Z"
    out: list[tuple[str, Any, int]] = []
    for name in names:
        if name == "AutoETS":
            # statsforecast's ETS allows seasons up to 24 points; beyond, non-seasonal.
            m = d if d <= 24 else 1
            out.append((name, AutoETS(season_length=m, model=f"A{t}{'A' if m > 1 else 'N'}"),
                        int(ETS_WINDOW_S // step_s)))
        elif name == "AutoARIMA":
            # a seasonal ARIMA's state grows with the season: beyond a day of 24 points
            # (finer than hourly) ARIMA goes non-seasonal, like ETS; MSTL keeps the seasons.
            out.append((name, AutoARIMA(season_length=d if d <= 24 else 1, max_p=2, max_q=2, max_P=1, max_Q=1,
                                        max_d=1, max_D=1, start_p=1, start_q=1,
                                        method="CSS-ML",
                                        nmodels=ARIMA_NMODELS),
                        int(ARIMA_WINDOW_S // step_s)))
        elif name == "MSTL":
            periods = [p for p in (seasons.daily, seasons.weekly) if p]
            if not periods:
                continue
            out.append((name, MSTL(season_length=periods if len(periods) > 1 else periods[0],
                                   trend_forecaster=AutoETS(model=f"Z{t}N"),
                                   stl_kwargs=stl_jumps(min(periods))),
                        int(MSTL_WINDOW_S // step_s)))
        elif name == FLOOR:
            out.append((name, SeasonalNaive(season_length=seasons.naive), 0))
    return out


def stl_jumps(period: int, seasonal: int = 11) -> dict[str, int]:
    """STL's loess "jumps" for MSTL (statsmodels ``STL(seasonal_jump=, trend_jump=,
    low_pass_jump=)``): each smoother is evaluated every ``ceil(window / 10)`` points and
    linearly interpolated between, as Cleveland et al. (1990, "STL: a seasonal-trend
    decomposition procedure based on loess", section 3.5) recommend for speed. The windows
    are statsmodels' defaults for the shortest ``period`` (trend: the next odd integer
    >= 1.5 * period / (1 - 1.5 / seasonal); low-pass: the next odd integer > period) and
    R ``forecast::mstl``'s first seasonal window (11), which statsforecast's ``mstl`` uses.
    The same jumps serve the longer season, whose windows are wider. On an hourly month this
    makes a decomposition 3-4x faster; the components move by under 4 % of the seasonal
    amplitude.
    """
    def odd(x: float) -> int:
        k = int(math.ceil(x))
        return k if k % 2 else k + 1

    trend = odd(1.5 * period / (1 - 1.5 / seasonal))
    low_pass = odd(period + 1)
    return {"seasonal_jump": max(1, math.ceil(seasonal / 10)),
            "trend_jump": max(1, math.ceil(trend / 10)),
            "low_pass_jump": max(1, math.ceil(low_pass / 10))}


def _tail(y: np.ndarray, window: int) -> np.ndarray:
    return y[-window:] if window and len(y) > window else y


def _finite(a: Any) -> np.ndarray:
    out = np.asarray(a, dtype=float)
    if not np.isfinite(out).all():
        raise FloatingPointError("non-finite forecast")
    return out


def _predict(model: Any, y: np.ndarray, h: int, window: int) -> Band:
    """Fit ``model`` on (the last ``window`` points of) ``y`` and forecast ``h`` points with
    the model's own statsforecast intervals."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        r = model.forecast(y=_tail(y, window), h=h, level=list(LEVELS))
    return Band(_finite(r["mean"]), _finite(r["lo-80"]), _finite(r["hi-80"]),
                _finite(r["lo-95"]), _finite(r["hi-95"]))


def backtest_origins(n: int, h: int, seasons: Seasons, windows: int = 3,
                     step_s: float = 3600.0) -> list[int]:
    """The rolling-origin backtest's origins (indices of each window's first forecast point)
    for ``n`` points spaced ``step_s`` s and a horizon of ``h`` points.

    The first origin leaves at least two weekly seasons (or two daily ones, or 8 points) of
    training (one and a half when that leaves less than half a season to test); the origins are evenly spaced, the last window ending at the last point: at
    least ``windows`` of them, more on a long history (one per :data:`ORIGIN_SPACING_S`,
    at most :data:`MAX_WINDOWS`) so that the interval quantiles see the window-to-window
    variation of the errors, not three draws of it. Window ``k`` forecasts
    ``min(h, n - origin_k)`` points, so windows overlap when ``h`` exceeds the spacing and
    the first reaches the longest lead. Empty when the history is too short for a window.
    """
    season = seasons.weekly or seasons.daily or 4
    min_train = 2 * season
    if n - min_train < max(2, season // 2):
        # barely two seasons (two days at 5-minute steps): train on one and a half
        min_train = season + max(4, season // 2)
    avail = n - min_train
    if avail < 2 or windows < 1 or h < 1:
        return []
    count = max(windows, min(MAX_WINDOWS, int(avail * step_s // ORIGIN_SPACING_S)))
    stride = avail // count
    if stride < 1:
        return []
    return [n - (count - k) * stride for k in range(count)]


def _forward_all(model: Any, y: np.ndarray, origins: list[int], h: int,
                 window: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``model`` once on the history before ``origins[0]``; forecast every window and the
    final ``h`` points with ``forward``. Returns (backtest means as a ``(windows, L)`` array,
    NaN where a window ends early; the final mean, shape ``(h,)``)."""
    n = len(y)
    lead = min(h, n - origins[0])
    out = np.full((len(origins), lead), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model.fit(y=_tail(y[:origins[0]], window))
        for k, o in enumerate(origins):
            m = min(h, n - o)
            out[k, :m] = _finite(model.forward(y=_tail(y[:o], window), h=m)["mean"])
        final = _finite(model.forward(y=_tail(y, window), h=h)["mean"])
    return out, final


def _conformal_q(e: np.ndarray, p: float) -> float:
    """The split-conformal quantile of absolute residuals ``e`` for level ``p``: the
    ``ceil((m + 1) p)``-th smallest of the ``m`` (the largest when ``m`` is too small for the
    level; Vovk et al. 2005, Lei et al. 2018 eq. 6)."""
    m = len(e)
    k = min(m, int(math.ceil((m + 1) * p))) - 1
    return float(np.partition(e, k)[k])


def _lead_bins(counts: np.ndarray, min_points: int) -> list[tuple[int, int]]:
    """Consecutive lead-time bins ``[a, b)`` each holding at least ``min_points`` residuals
    (``counts[l]`` residuals at lead ``l``); a short last bin joins the one before."""
    bins: list[tuple[int, int]] = []
    a, acc = 0, 0
    for lead, c in enumerate(counts):
        acc += int(c)
        if acc >= min_points:
            bins.append((a, lead + 1))
            a, acc = lead + 1, 0
    if a < len(counts):
        if bins:
            bins[-1] = (bins[-1][0], len(counts))
        else:
            bins.append((0, len(counts)))
    return bins


def lead_quantiles(resid: np.ndarray, h: int, pred: np.ndarray | None = None,
                   future: np.ndarray | None = None,
                   min_points: int = MIN_BIN_POINTS,
                   holdout: int | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Horizon-aware conformal half-widths from backtest residuals.

    The leads are cut into consecutive bins of at least ``max(min_points, total / BINS)``
    residuals; a lead's half-width at level ``p`` is the conformal quantile
    (:func:`_conformal_q`) of the absolute residuals of its bin. With ``pred`` and ``future``
    the residuals are also split by the forecast's own level (Mondrian conformal prediction,
    Vovk et al. 2005 ch. 4, the taxonomy being "forecast at or above the median backtest
    forecast" or not): a lead of ``future`` takes the quantile of its bin's residuals whose
    forecast was on the same side, so a seasonal forecast's peaks and troughs get the errors
    the backtest saw at peaks and troughs (a category with fewer than
    ``ceil(1 / (1 - 0.95)) * 2 - 1`` residuals uses its whole bin).

    With ``holdout = k`` (the leave-one-window-out coverage of :func:`_score`) the bins and
    the median forecast are those of all windows (they depend on the backtest's layout and
    forecasts, not on its actuals, so a Mondrian taxonomy may use them), and the quantiles
    are taken over the residuals of the *other* windows; a bin none of them reaches keeps
    the half-width of the bin before it (as leads beyond the residuals' do).

    Args:
        resid: signed residuals ``actual - forecast``, shape ``(windows, leads)``, NaN where
            a window has no point at that lead.
        h: the forecast horizon, points.
        pred: the backtest forecasts, same shape as ``resid`` (optional).
        future: the forecast to build intervals for, shape ``(h,)`` (with ``pred``).
        min_points: the fewest residuals per lead-time bin.
        holdout: a window (row) whose residuals are left out, or None.

    Returns:
        ``{level: half_width}`` for each of :data:`LEVELS`, arrays of shape ``(h,)``, the 95 %
        one >= the 80 % one. Leads beyond the residuals' keep the last bin's half-width.
    """
    ok = np.isfinite(resid)
    counts = ok.sum(axis=0)
    if not counts.any():
        return {lv: (np.zeros(h), np.zeros(h)) for lv in LEVELS}
    used = int(np.nonzero(counts)[0][-1]) + 1
    split = pred is not None and future is not None
    bins = _lead_bins(counts[:used], max(min_points * (2 if split else 1),
                                         int(counts.sum()) // BINS))
    lead_of = np.minimum(np.arange(h), used - 1)
    if split:
        assert pred is not None and future is not None
        thr = float(np.median(pred[ok]))
        high_f = np.asarray(future[:h], float) >= thr
    keep = ok.copy()
    if holdout is not None:
        keep[holdout] = False
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for lv in LEVELS:
        p = lv / 100.0
        scores: tuple[np.ndarray, ...]
        if SYMMETRIC:
            pq, scores = p, (np.abs(resid),)
        else:
            pq, scores = (1.0 + p) / 2.0, (-resid, resid)
        need = int(math.ceil(pq / (1.0 - pq)))        # fewest m with ceil((m+1)pq) <= m
        qs = []
        for sc in scores:
            q = np.empty(h)
            prev: tuple[float, float, float] | None = None
            for i, (a, b) in enumerate(bins):
                sel = (lead_of >= a) & (lead_of < b) if i < len(bins) - 1 else lead_of >= a
                e = sc[:, a:b][keep[:, a:b]]
                if len(e) == 0:
                    assert prev is not None, "the first bin holds every window's first lead"
                    whole, qt, qf = prev
                else:
                    whole = _conformal_q(e, pq)
                    qt = qf = whole
                    if split:
                        assert pred is not None
                        hp = pred[:, a:b][keep[:, a:b]] >= thr
                        es = e[hp]
                        qt = _conformal_q(es, pq) if len(es) >= need else whole
                        es = e[~hp]
                        qf = _conformal_q(es, pq) if len(es) >= need else whole
                prev = (whole, qt, qf)
                if not split:
                    q[sel] = whole
                else:
                    q[sel & high_f] = qt
                    q[sel & ~high_f] = qf
            qs.append(np.maximum(q, 0.0))
        out[lv] = (qs[0], qs[-1])
    out[95] = (np.maximum(out[95][0], out[80][0]), np.maximum(out[95][1], out[80][1]))
    return out


def hold_beyond(mean: np.ndarray, lead: int, period: int) -> np.ndarray:
    """``mean`` (shape ``(h,)``) up to ``lead`` points, then damped: its last season (the
    ``period`` points before ``lead``; none when ``period`` is 0, 1 or longer than ``lead``)
    repeated at the level of point ``lead - 1``, plus the trend of that season
    (``(mean[lead-1] - mean[lead-1-period]) / period`` per point) damped by
    ``phi = 1 - 1/lead`` per point (Gardner & McKenzie's damped trend), so that the forecast
    adds beyond ``lead`` at most the growth it showed over ``lead`` points: a trend is not
    extrapolated further than the backtest verified it."""
    h = len(mean)
    if lead >= h or lead < 2:
        return mean
    out = mean.copy()
    p = period if 1 < period <= lead - 1 else 1
    slope = float(mean[lead - 1] - mean[lead - 1 - p]) / p
    j = np.arange(h - lead) % p
    base = mean[lead - p + j] + slope * (p - 1 - j)
    phi = 1.0 - 1.0 / lead
    k = np.arange(1, h - lead + 1)
    out[lead:] = base + slope * phi * (1.0 - phi ** k) / (1.0 - phi)
    return out


def record_caps(y: np.ndarray, origins: list[int], h: int, lead: int,
                mean: np.ndarray) -> dict[int, np.ndarray]:
    """Upper caps, shape ``(h,)`` per level of :data:`LEVELS`, from the "record" predictor:
    the history's maximum plus the conformal quantile (level ``(1 + p) / 2``, per lead-time
    bin as in :func:`lead_quantiles`) of how far each backtest window's actuals rose above
    the maximum of the history before its origin. It is itself a one-sided conformal upper
    bound that needs no model; a bursty series that never rose above its peak gets a cap
    just above the peak. Beyond ``lead`` (the longest lead the backtest saw) a cap rises
    only as far as ``mean``'s running maximum rises above its maximum over the verified
    leads."""
    n = len(y)
    x = np.full((len(origins), lead), np.nan)
    for k, o in enumerate(origins):
        m = min(lead, n - o)
        x[k, :m] = y[o:o + m] - float(np.max(y[:o]))
    ok = np.isfinite(x)
    counts = ok.sum(axis=0)
    bins = _lead_bins(counts, max(MIN_BIN_POINTS, int(counts.sum()) // BINS))
    top = float(np.max(y))
    lead_of = np.minimum(np.arange(h), lead - 1)
    rise = np.zeros(h)
    if h > lead:
        run = np.maximum.accumulate(mean)
        rise[lead:] = np.maximum(0.0, run[lead:] - run[lead - 1])
    out: dict[int, np.ndarray] = {}
    for lv in LEVELS:
        pq = (1.0 + lv / 100.0) / 2.0
        c = np.empty(lead)
        for a, b in bins:
            c[a:b] = _conformal_q(x[:, a:b][ok[:, a:b]], pq)
        out[lv] = top + np.maximum(c[lead_of], 0.0) + rise
    return out


def _band(mean: np.ndarray, q: dict[int, tuple[np.ndarray, np.ndarray]]) -> Band:
    n = len(mean)
    return Band(mean, mean - q[80][0][:n], mean + q[80][1][:n], mean - q[95][0][:n],
                mean + q[95][1][:n])


def _score(actual: np.ndarray, pred: np.ndarray, naive_mae: float,
           coverage: bool = True) -> Score:
    """MASE and (with ``coverage``; NaN otherwise) the leave-one-window-out conformal
    coverage of one model's backtest."""
    resid = actual - pred
    ok = np.isfinite(resid)
    mae = float(np.mean(np.abs(resid[ok])))
    mase = mae / naive_mae if naive_mae > 0 else (1.0 if mae == 0 else math.nan)
    nw = resid.shape[0]
    if not coverage:
        return Score(mase=mase, coverage80=math.nan, coverage95=math.nan,
                     points=int(ok.sum()), windows=nw, horizon=int(resid.shape[1]))
    inside = {80: 0, 95: 0}
    total = 0
    for k in range(nw):
        row = ok[k]
        q = lead_quantiles(resid, resid.shape[1], pred, pred[k],
                           holdout=k if nw > 1 else None)
        e = resid[k, row]
        total += len(e)
        for lv in LEVELS:
            inside[lv] += int(np.sum((e >= -q[lv][0][row] - 1e-12)
                                     & (e <= q[lv][1][row] + 1e-12)))
    return Score(mase=mase, coverage80=inside[80] / max(total, 1),
                 coverage95=inside[95] / max(total, 1), points=int(ok.sum()), windows=nw,
                 horizon=int(resid.shape[1]))


def fit_select(y: np.ndarray, h: int, step_s: float, *, backtest: bool = True,
               windows: int = 3, nonnegative: bool = True,
               models: Sequence[str] = MODEL_NAMES) -> Fit:
    """Forecast ``h`` points after ``y`` (a regular series, one point per ``step_s`` s).

    With ``backtest`` (and a history long enough for :func:`backtest_origins`), every model
    in ``models`` is fitted once at the first origin and scored by the rolling-origin
    backtest; the one with the lowest MASE below 1 is chosen (the seasonal naive floor
    otherwise), its final forecast is its ``forward`` over the whole history, and its
    intervals are the horizon-aware conformal ones of its backtest residuals (see the module
    doc). Otherwise the floor with its own intervals. ``nonnegative`` clips everything at 0.

    Returns:
        :class:`Fit`, ``band`` arrays of shape ``(h,)`` on the unit of ``y``.

    Raises:
        ForecastError: fewer than 3 points, a value that is not finite, or ``h < 1``.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) < 3:
        raise ForecastError(f"needs at least 3 points, got {len(y)}")
    if not np.isfinite(y).all():
        raise ForecastError("values must be finite (resample and fill gaps first)")
    if h < 1:
        raise ForecastError(f"horizon must be at least one step, got {h}")
    seasons = seasons_for(step_s, len(y))
    trend = trend_allowed(step_s, len(y))
    if float(np.ptp(y)) == 0.0:
        # A constant history (allocatable, a fixed quota's worth of requests): every model
        # forecasts the constant; the naive floor does it exactly, with zero-width intervals.
        c = np.full(h, float(y[-1]))
        return Fit(model=FLOOR, band=Band(c, c, c, c, c), scores={}, seasons=seasons,
                   trend=trend)
    names = list(models) if FLOOR in models else [*models, FLOOR]
    cands = _models(names, seasons, step_s)
    origins = backtest_origins(len(y), h, seasons, windows, step_s) if backtest else []
    if not origins:
        (_, floor, fw), = [c for c in cands if c[0] == FLOOR]
        band = _predict(floor, y, h, fw)
        # the floor's own interval grows with every season ahead (sqrt of the count); two
        # seasons of history cannot justify that: hold the first season's half-widths
        p = max(1, seasons.naive)
        if h > p:
            j = np.arange(h) % p
            mu = band.mean
            band = Band(mu, mu - (mu[j] - band.lo80[j]), mu + (band.hi80[j] - mu[j]),
                        mu - (mu[j] - band.lo95[j]), mu + (band.hi95[j] - mu[j]))
        return Fit(model=FLOOR, band=band.clip_lower(0.0) if nonnegative else band,
                   scores={}, seasons=seasons, trend=trend)
    preds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, model, window in cands:
        try:
            preds[name] = _forward_all(model, y, origins, h, window)
        except Exception:       # statsforecast raises bare Exception / IndexError on some fits
            if name == FLOOR:
                raise
            # the candidate drops out of the selection; the floor always stays
    return select(y, origins, preds, h, seasons, trend, nonnegative)


def select(y: np.ndarray, origins: list[int], preds: dict[str, tuple[np.ndarray, np.ndarray]],
           h: int, seasons: Seasons, trend: bool, nonnegative: bool = True) -> Fit:
    """The selection step of :func:`fit_select` on one series, given every candidate's
    backtest forecasts: scores (:func:`_score`), the model with the lowest MASE below 1 (the
    floor otherwise; ties by :data:`MODEL_NAMES` order), its final forecast damped beyond the
    verified lead without a trend (:func:`hold_beyond`), conformal intervals by lead time
    (:func:`lead_quantiles`) capped by :func:`record_caps`, clipped at 0 when
    ``nonnegative``. The exact reference of
    :func:`provisor.forecast.batch.select.select_batch`.

    Args:
        y: the history, shape ``(n,)``.
        origins: :func:`backtest_origins` (not empty).
        preds: ``{model name: (bt, final)}``, ``bt`` shape ``(len(origins), L)`` with
            ``L = min(h, n - origins[0])`` (NaN after each window's end), ``final`` shape
            ``(h,)``; must hold :data:`FLOOR`.
    """
    n = len(y)
    lead = min(h, n - origins[0])
    actual = np.full((len(origins), lead), np.nan)
    for k, o in enumerate(origins):
        m = min(h, n - o)
        actual[k, :m] = y[o:o + m]
    naive_resid = actual - preds[FLOOR][0]
    naive_mae = float(np.mean(np.abs(naive_resid[np.isfinite(naive_resid)])))
    scores = {name: _score(actual, bt, naive_mae, coverage=False)
              for name, (bt, _) in preds.items()}
    chosen = FLOOR
    finite = [(s.mase, MODEL_NAMES.index(nm), nm) for nm, s in scores.items()
              if math.isfinite(s.mase)]
    if finite:
        best = min(finite)
        if best[0] < 1.0:
            chosen = best[2]
    bt, final = preds[chosen]
    scores[chosen] = _score(actual, bt, naive_mae)
    if not trend:
        final = hold_beyond(final, lead, seasons.daily)
    band = _band(final, lead_quantiles(actual - bt, h, bt, final))
    cap = record_caps(y, origins, h, lead, final)
    hi95 = np.maximum(np.minimum(band.hi95, cap[95]), final)
    hi80 = np.minimum(np.maximum(np.minimum(band.hi80, cap[80]), final), hi95)
    band = Band(band.mean, band.lo80, hi80, band.lo95, hi95)
    if nonnegative:
        band = band.clip_lower(0.0)
    return Fit(model=chosen, band=band, scores=scores, seasons=seasons, trend=trend,
               verified=lead)


def _fit_one(args: tuple[np.ndarray, int, float, dict[str, Any]]) -> Fit:
    y, h, step_s, kw = args
    return fit_select(y, h, step_s, **kw)


def fit_many(ys: Sequence[np.ndarray], h: int, step_s: float, *, n_jobs: int = 1,
             **kw: Any) -> list[Fit]:
    """:func:`fit_select` on every series of ``ys`` (same horizon and step), in order.

    With ``n_jobs > 1`` the series are split over that many worker processes (forked, so
    the numba-compiled statsforecast kernels are inherited, not recompiled); each series is
    fitted exactly as alone, so the result does not depend on ``n_jobs``.

    Raises:
        ForecastError: as :func:`fit_select`, for the first series that raises it.
    """
    jobs = [(np.asarray(y, float), h, step_s, kw) for y in ys]
    if n_jobs <= 1 or len(jobs) < 2:
        return [_fit_one(j) for j in jobs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(jobs)), mp_context=ctx) as ex:
        return list(ex.map(_fit_one, jobs, chunksize=max(1, len(jobs) // (4 * n_jobs))))


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
    """The seasonal naive floor's point forecast (the MASE reference) for ``h`` points:
    ``y[n - m + (i mod m)]`` (statsforecast ``SeasonalNaive``'s mean, tested equal)."""
    from provisor.forecast.batch import naive

    y = np.asarray(y, float)
    return naive.backtest_forecast(y[None, :], [], h, seasons_for(step_s, len(y)), step_s)[1][0]


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
