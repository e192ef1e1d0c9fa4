"""Capacity forecasts: per namespace, usage and requests of CPU and memory, pod and PVC
counts, requested storage, and the nodes' allocatable, forecast ``horizon`` ahead with 80 %
and 95 % prediction intervals, the model picked per series by a rolling-origin backtest
(:mod:`provisor.forecast.engine`), and the day each one runs out of quota or allocatable.

    forecast(series, horizon_s=30 * 86400, *, step_s=None, backtest=False, windows=3,
             progress=None) -> ForecastResult
    forecast_targets(targets, horizon_s, *, backtest=False, windows=3, progress=None)
    parse_duration("30d") -> 2592000.0

``series`` is any iterable of series with ``labels``, ``timestamps`` (s) and ``values``
(``provisor.series.SeriesSet`` from Prometheus, files, or the twin). Which series are read
and how they are aggregated: :mod:`provisor.forecast.targets`.

``backtest=True`` holds out the last ``horizon`` of every series, forecasts it from the
rest, and scores the forecast against what happened (MASE against the seasonal naive
forecast of the same points, coverage of the intervals). Without it the forecast starts
after the last sample, and the scores shown are the model-selection backtest's.

Days to exhaustion: the first forecast point at which the upper 95 % bound reaches a
limit (quota ``hard``, allocatable), counted in days from the last point of history; the
earliest limit is the one reported (``exhaustion``), each limit's day in ``limits``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from provisor.forecast.engine import (
    DAY_S,
    LEVELS,
    MODEL_NAMES,
    Band,
    ForecastError,
    Score,
    fit_select,
    naive_forecast,
    score_holdout,
)
from provisor.forecast.batch.select import fit_select_batch
from provisor.forecast.targets import QUANTITIES, Limit, Target, targets_from_series

#: The forecast engines (:func:`forecast_targets`), and the default.
ENGINES = ("batch", "statsforecast")
ENGINE = "batch"

__all__ = [
    "ENGINE", "ENGINES", "Band", "Exhaustion", "ForecastError", "ForecastResult", "LEVELS", "Limit", "MODEL_NAMES",
    "QUANTITIES", "Score", "SeriesForecast", "Target", "forecast", "forecast_targets",
    "parse_duration", "targets_from_series",
]

_DUR = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus-style duration (``30d``, ``2w``, ``1h30m``; units ms, s, m,
    h, d, w, y as in ``prometheus/common/model/time.go`` ``ParseDuration``).

    Raises:
        ValueError: not a duration, or zero.
    """
    t = text.strip()
    pos, total = 0, 0.0
    for m in _DUR.finditer(t):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_S[m.group(2)]
        pos = m.end()
    if pos != len(t) or not t or total <= 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30d, 2w, 12h)")
    return total


@dataclass(frozen=True)
class Exhaustion:
    """When the upper 95 % bound first reaches ``limit``.

    Attributes:
        limit: the limit's name (``quota requests.cpu``, ``allocatable cpu``).
        value: the limit, in the target's unit.
        days: days from the end of history to the first point at or above the limit
            (``None``: not within the horizon; 0.0: already reached).
        timestamp: that point's time, seconds (``None`` when ``days`` is).
    """

    limit: str
    value: float
    days: float | None
    timestamp: float | None


@dataclass
class SeriesForecast:
    """One target's forecast.

    Attributes:
        namespace, quantity, unit: what is forecast (``namespace`` "" for cluster-wide).
        model: the model chosen (one of ``MODEL_NAMES``).
        history_t, history: the history on its grid (s, unit).
        t: forecast timestamps (s), shape ``(h,)``; ``band``: mean and intervals.
        scores: every candidate's model-selection backtest score.
        holdout: the score against the held-out actuals (``backtest=True`` only), and
            ``actual`` those actuals.
        limits: each limit's exhaustion; ``exhaustion`` the earliest (or None).
        verified_s: the longest lead the model-selection backtest scored, seconds (0 without
            one); on a history shorter than two weeks the forecast's trend is damped beyond
            it (:func:`provisor.forecast.engine.hold_beyond`), so an exhaustion later than
            this is the damped trend's, not a verified one's.
    """

    namespace: str
    quantity: str
    unit: str
    model: str
    step_s: float
    history_t: np.ndarray
    history: np.ndarray
    t: np.ndarray
    band: Band
    scores: dict[str, Score] = field(default_factory=dict)
    holdout: Score | None = None
    actual: np.ndarray | None = None
    limits: list[Exhaustion] = field(default_factory=list)
    verified_s: float = 0.0

    @property
    def score(self) -> Score | None:
        """The score printed beside the forecast: the holdout's when there is one, else the
        chosen model's backtest score."""
        return self.holdout if self.holdout is not None else self.scores.get(self.model)

    @property
    def exhaustion(self) -> Exhaustion | None:
        """The earliest limit reached within the horizon, or None."""
        hit = [e for e in self.limits if e.days is not None]
        return min(hit, key=lambda e: (e.days, e.limit)) if hit else None

    def to_dict(self, points: bool = True) -> dict[str, Any]:
        """JSON-ready dict (floats rounded to 6 significant digits)."""
        def f(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(f"{x:.6g}")

        def arr(a: np.ndarray) -> list[float | None]:
            return [f(float(x)) for x in a]

        d: dict[str, Any] = {
            "namespace": self.namespace, "quantity": self.quantity, "unit": self.unit,
            "model": self.model, "step_seconds": self.step_s,
            "last": f(float(self.history[-1])) if len(self.history) else None,
            "score": _score_dict(self.score, f),
            "backtest": {k: _score_dict(v, f) for k, v in self.scores.items()},
            "exhaustion": _exh_dict(self.exhaustion, f),
            "limits": [_exh_dict(e, f) for e in self.limits],
            "verified_lead_days": f(self.verified_s / DAY_S),
            "end": {"mean": f(float(self.band.mean[-1])), "lo80": f(float(self.band.lo80[-1])),
                    "hi80": f(float(self.band.hi80[-1])), "lo95": f(float(self.band.lo95[-1])),
                    "hi95": f(float(self.band.hi95[-1]))},
        }
        if self.holdout is not None:
            d["holdout"] = _score_dict(self.holdout, f)
        if points:
            d["forecast"] = {"t": arr(self.t), "mean": arr(self.band.mean),
                             "lo80": arr(self.band.lo80), "hi80": arr(self.band.hi80),
                             "lo95": arr(self.band.lo95), "hi95": arr(self.band.hi95)}
        return d


def _score_dict(s: Score | None, f: Callable[[float | None], float | None]) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"mase": f(s.mase), "coverage80": f(s.coverage80), "coverage95": f(s.coverage95),
            "points": s.points, "windows": s.windows, "horizon_points": s.horizon}


def _exh_dict(e: Exhaustion | None, f: Callable[[float | None], float | None]) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"limit": e.limit, "value": f(e.value), "days": f(e.days),
            "timestamp": f(e.timestamp)}


@dataclass
class ForecastResult:
    """Every target's forecast (sorted by namespace, then quantity order), the horizon (s),
    and whether it was a holdout backtest."""

    forecasts: list[SeriesForecast]
    horizon_s: float
    backtest: bool = False

    def to_json(self, points: bool = True) -> dict[str, Any]:
        """JSON-ready dict: ``horizon_seconds``, ``backtest``, ``summary`` and ``forecasts``."""
        return {"horizon_seconds": self.horizon_s, "backtest": self.backtest,
                "levels": list(LEVELS), "summary": self.summary(),
                "forecasts": [fc.to_dict(points) for fc in self.forecasts]}

    def summary(self) -> dict[str, Any]:
        """Counts: series, series whose score's MASE < 1, mean 95 % coverage, the earliest
        exhaustion (namespace, quantity, limit, days)."""
        scored = [fc.score for fc in self.forecasts if fc.score is not None]
        mases = [s.mase for s in scored if math.isfinite(s.mase)]
        first = min(((fc.exhaustion.days, fc.namespace, fc.quantity, fc.exhaustion.limit)
                     for fc in self.forecasts if fc.exhaustion is not None), default=None)
        return {
            "series": len(self.forecasts),
            "mase_below_1": sum(1 for m in mases if m < 1),
            "scored": len(mases),
            "mean_coverage95": (float(np.mean([s.coverage95 for s in scored]))
                                if scored else None),
            "first_exhaustion": (None if first is None else
                                 {"days": first[0], "namespace": first[1],
                                  "quantity": first[2], "limit": first[3]}),
        }


def exhaustion(t: np.ndarray, hi95: np.ndarray, t_last: float, limit: Limit) -> Exhaustion:
    """When ``hi95`` (on timestamps ``t``) first reaches ``limit.value``; days from ``t_last``."""
    hit = np.nonzero(hi95 >= limit.value)[0]
    if len(hit) == 0:
        return Exhaustion(limit.name, limit.value, None, None)
    i = int(hit[0])
    return Exhaustion(limit.name, limit.value, max(0.0, (float(t[i]) - t_last) / DAY_S),
                      float(t[i]))


def forecast_targets(targets: Sequence[Target], horizon_s: float = 30 * DAY_S, *,
                     backtest: bool = False, windows: int = 3,
                     progress: Callable[[int, int, str], None] | None = None,
                     engine: str = ENGINE) -> ForecastResult:
    """Forecast every target ``horizon_s`` ahead (see the module doc).

    ``engine`` is ``"batch"`` (the models of :mod:`provisor.forecast.batch`, all targets of
    one step and length fitted together, vectorised over the series) or ``"statsforecast"``
    (statsforecast's models, one target at a time); both share the backtest, the selection
    and the intervals. ``progress(done, total, label)`` is called after each target.

    Raises:
        ForecastError: the horizon is shorter than one step, or (``backtest``) a target's
            history is not longer than the horizon plus 3 points.
    """
    if engine not in ENGINES:
        raise ForecastError(f"unknown forecast engine {engine!r} (one of {', '.join(ENGINES)})")
    total = len(targets)
    prepared = []
    for tg in targets:
        h = int(round(horizon_s / tg.step_s))
        if h < 1:
            raise ForecastError(f"horizon {horizon_s:g}s is shorter than the step {tg.step_s:g}s")
        t, y = np.asarray(tg.timestamps, float), np.asarray(tg.values, float)
        actual = None
        if backtest:
            if len(y) < h + 3:
                raise ForecastError(
                    f"{tg.namespace or 'cluster'}/{tg.quantity}: {len(y)} points of history "
                    f"cannot hold out a horizon of {h} points")
            t, y, actual = t[:-h], y[:-h], y[-h:]
        prepared.append((tg, h, t, y, actual))
    fits: list[Any] = [None] * total
    if engine == "batch":
        # one batch per (step, horizon): equal lengths share one grid inside fit_select_batch
        for key in sorted({(tg.step_s, h) for tg, h, *_ in prepared}):
            idx = [i for i, (tg, h, *_) in enumerate(prepared) if (tg.step_s, h) == key]
            for i, fit in zip(idx, fit_select_batch([prepared[i][3] for i in idx], key[1],
                                                    key[0], windows=windows,
                                                    nonnegative=True)):
                fits[i] = fit
    out: list[SeriesForecast] = []
    for i, (tg, h, t, y, actual) in enumerate(prepared):
        fit = fits[i] if fits[i] is not None else fit_select(y, h, tg.step_s, windows=windows,
                                                             nonnegative=True)
        ft = t[-1] + tg.step_s * np.arange(1, h + 1)
        hold = None
        if actual is not None:
            hold = score_holdout(actual, fit.band, naive_forecast(y, h, tg.step_s))
        lims = [exhaustion(ft, fit.band.hi95, float(t[-1]), lim) for lim in tg.limits]
        out.append(SeriesForecast(tg.namespace, tg.quantity, tg.unit, fit.model, tg.step_s,
                                  t, y, ft, fit.band, fit.scores, hold, actual, lims,
                                  fit.verified * tg.step_s))
        if progress is not None:
            progress(i + 1, total, f"{tg.namespace or 'cluster'}/{tg.quantity}")
    return ForecastResult(out, horizon_s, backtest)


def forecast(series: Iterable[Any], horizon_s: float = 30 * DAY_S, *,
             step_s: float | None = None, backtest: bool = False, windows: int = 3,
             progress: Callable[[int, int, str], None] | None = None,
             engine: str = ENGINE) -> ForecastResult:
    """Forecast every quantity of :data:`QUANTITIES` found in ``series``.

    ``step_s`` defaults to 3600 s, or 300 s when the series span less than two days.

    Raises:
        ForecastError: no forecast metric in ``series``; see also :func:`forecast_targets`.
    """
    series = list(series)
    if step_s is None:
        from provisor.forecast.targets import grid_for

        _, n = grid_for(series, 300.0)
        step_s = 3600.0 if n * 300.0 >= 2 * DAY_S else 300.0
    targets = targets_from_series(series, step_s=step_s)
    if not targets:
        raise ForecastError("no forecast metric has samples in the series")
    return forecast_targets(targets, horizon_s, backtest=backtest, windows=windows,
                            progress=progress, engine=engine)

