"""Model selection, conformal intervals and scores over a batch of series: the batched form
of :func:`provisor.forecast.engine.select` (and of :func:`~provisor.forecast.engine.fit_select`
with the batched models of :mod:`provisor.forecast.batch`).

Every function here is the vectorised twin of an engine function, property-tested equal to
it series by series (``tests/forecast/test_batch_select.py``):

=============================  =====================================================
here                           exact per-series reference (``provisor.forecast.engine``)
=============================  =====================================================
:func:`lead_quantiles_batch`   :func:`~provisor.forecast.engine.lead_quantiles`
:func:`record_caps_batch`      :func:`~provisor.forecast.engine.record_caps`
:func:`hold_beyond_batch`      :func:`~provisor.forecast.engine.hold_beyond`
:func:`loo_quantiles_batch`    ``lead_quantiles(..., holdout=k)`` for every window ``k``
:func:`scores_batch`           ``engine._score`` (MASE, leave-one-window-out coverage)
:func:`select_batch`           :func:`~provisor.forecast.engine.select`
=============================  =====================================================

All series of a batch share one grid (``n`` points, one step) and hence the backtest's
origins, its windows' lengths and the lead-time bins (which depend only on how many
residuals each lead has); what differs per series (the Mondrian split at the median backtest
forecast, the quantiles, the chosen model) is computed with array operations over the
series: a loop runs over bins, windows and models, never over series. Order statistics come
from one sort per bin; the quantile of the residuals on one side of the split is read from
that sort through a cumulative count of the side's members.
"""

from __future__ import annotations

import importlib
import math
from typing import Any, Callable, Sequence

import numpy as np

from provisor.forecast.engine import (
    BINS,
    FLOOR,
    LEVELS,
    MIN_BIN_POINTS,
    MODEL_NAMES,
    Band,
    Fit,
    ForecastError,
    Score,
    Seasons,
    _lead_bins,
    backtest_origins,
    fit_select,
    seasons_for,
    trend_allowed,
)

#: The batched module of each candidate model (``backtest_forecast`` per the contract of
#: :mod:`provisor.forecast.batch`).
MODULES = {"AutoETS": "provisor.forecast.batch.ets",
           "AutoARIMA": "provisor.forecast.batch.arima",
           "MSTL": "provisor.forecast.batch.mstl",
           FLOOR: "provisor.forecast.batch.naive"}

BatchForecaster = Callable[..., tuple[np.ndarray, np.ndarray]]


def _rank(m: np.ndarray | int, p: float) -> np.ndarray:
    """0-based rank of the split-conformal quantile among ``m`` scores (``ceil((m+1)p)``-th
    smallest, the largest when ``m`` is too small), as ``engine._conformal_q``."""
    m = np.asarray(m, dtype=np.int64)
    return np.minimum(m, np.ceil((m + 1) * p).astype(np.int64)) - 1


def _structure(a: np.ndarray) -> np.ndarray:
    """The finite-entries mask shared by every series of ``a`` (shape ``(s, ...)``).

    Raises:
        ValueError: the series' masks differ (a batch must share one backtest layout).
    """
    ok = np.isfinite(a)
    if len(a) and not (ok == ok[:1]).all():
        raise ValueError("the series of a batch must have NaN at the same places")
    return ok[0] if len(a) else np.zeros(a.shape[1:], bool)


def lead_quantiles_batch(resid: np.ndarray, h: int, pred: np.ndarray | None = None,
                         future: np.ndarray | None = None,
                         min_points: int = MIN_BIN_POINTS
                         ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """:func:`provisor.forecast.engine.lead_quantiles` for ``s`` series at once.

    Args:
        resid: ``(s, windows, leads)`` signed residuals, NaN at the same places in every series.
        h: the horizon, points.
        pred: the backtest forecasts, same shape (optional, with ``future``).
        future: ``(s, h)``, the forecasts to build intervals for.
        min_points: the fewest residuals per lead-time bin.

    Returns:
        ``{level: (lower half-width, upper half-width)}``, arrays of shape ``(s, h)``.

    The intervals are symmetric (the engine's ``SYMMETRIC``; the batched functions are
    property-tested equal to the engine's under it).

    Raises:
        ValueError: the series' NaN layouts differ.
    """
    s = resid.shape[0]
    ok = _structure(resid)
    counts = ok.sum(axis=0)
    if not counts.any():
        return {lv: (np.zeros((s, h)), np.zeros((s, h))) for lv in LEVELS}
    used = int(np.nonzero(counts)[0][-1]) + 1
    split = pred is not None and future is not None
    bins = _lead_bins(counts[:used], max(min_points * (2 if split else 1),
                                         int(counts.sum()) // BINS))
    lead_of = np.minimum(np.arange(h), used - 1)
    absr = np.abs(resid)
    if split:
        assert pred is not None and future is not None
        thr = np.median(pred[:, ok], axis=1)
        high_f = np.asarray(future, float)[:, :h] >= thr[:, None]
    q = {lv: np.empty((s, h)) for lv in LEVELS}
    rows = np.arange(s)
    for i, (a, b) in enumerate(bins):
        sel = (lead_of >= a) & (lead_of < b) if i < len(bins) - 1 else lead_of >= a
        okb = ok[:, a:b]
        e = absr[:, :, a:b][:, okb]                     # (s, M), the reference's order
        order = np.argsort(e, axis=1, kind="stable")
        es = np.take_along_axis(e, order, axis=1)
        mm = e.shape[1]
        if split:
            assert pred is not None
            hp = np.take_along_axis(pred[:, :, a:b][:, okb] >= thr[:, None], order, axis=1)
            sides = {True: hp, False: ~hp}
            cums = {sd: np.cumsum(mk, axis=1) for sd, mk in sides.items()}
            ms = {sd: c[:, -1] for sd, c in cums.items()}
        for lv in LEVELS:
            p = lv / 100.0
            whole = es[:, int(_rank(mm, p))]
            if not split:
                q[lv][:, sel] = whole[:, None]
                continue
            need = int(math.ceil(p / (1.0 - p)))
            side_q = {}
            for sd in (True, False):
                m_s = ms[sd]
                k = np.maximum(_rank(m_s, p), 0)
                pos = np.argmax(cums[sd] >= (k + 1)[:, None], axis=1)
                side_q[sd] = np.where(m_s >= need, es[rows, pos], whole)
            q[lv][:, sel] = np.where(high_f[:, sel], side_q[True][:, None],
                                     side_q[False][:, None])
    out = {lv: (np.maximum(q[lv], 0.0),) * 2 for lv in LEVELS}
    hi = np.maximum(out[95][0], out[80][0])
    out[95] = (hi, hi)
    return out


def hold_beyond_batch(mean: np.ndarray, lead: int, period: int) -> np.ndarray:
    """:func:`provisor.forecast.engine.hold_beyond` for ``mean`` of shape ``(s, h)``."""
    h = mean.shape[1]
    if lead >= h or lead < 2:
        return mean
    out = mean.copy()
    p = period if 1 < period <= lead - 1 else 1
    slope = (mean[:, lead - 1] - mean[:, lead - 1 - p]) / p
    j = np.arange(h - lead) % p
    base = mean[:, lead - p + j] + slope[:, None] * (p - 1 - j)
    phi = 1.0 - 1.0 / lead
    k = np.arange(1, h - lead + 1)
    out[:, lead:] = base + slope[:, None] * phi * (1.0 - phi ** k) / (1.0 - phi)
    return out


def record_caps_batch(Y: np.ndarray, origins: Sequence[int], h: int, lead: int,
                      mean: np.ndarray) -> dict[int, np.ndarray]:
    """:func:`provisor.forecast.engine.record_caps` for ``Y`` of shape ``(s, n)`` and
    ``mean`` of shape ``(s, h)``; caps of shape ``(s, h)`` per level."""
    s, n = Y.shape
    x = np.full((s, len(origins), lead), np.nan)
    for k, o in enumerate(origins):
        m = min(lead, n - o)
        x[:, k, :m] = Y[:, o:o + m] - np.max(Y[:, :o], axis=1)[:, None]
    ok = _structure(x)
    counts = ok.sum(axis=0)
    bins = _lead_bins(counts, max(MIN_BIN_POINTS, int(counts.sum()) // BINS))
    top = np.max(Y, axis=1)
    lead_of = np.minimum(np.arange(h), lead - 1)
    rise = np.zeros((s, h))
    if h > lead:
        run = np.maximum.accumulate(mean, axis=1)
        rise[:, lead:] = np.maximum(0.0, run[:, lead:] - run[:, lead - 1:lead])
    sorted_bins = []
    for a, b in bins:
        e = np.sort(x[:, :, a:b][:, ok[:, a:b]], axis=1)
        sorted_bins.append((a, b, e))
    out: dict[int, np.ndarray] = {}
    for lv in LEVELS:
        pq = (1.0 + lv / 100.0) / 2.0
        c = np.empty((s, lead))
        for a, b, e in sorted_bins:
            c[:, a:b] = e[:, int(_rank(e.shape[1], pq))][:, None]
        out[lv] = top[:, None] + np.maximum(c[:, lead_of], 0.0) + rise
    return out


def _kth_true(mask: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``mask`` (shape ``(..., M)``): the position of its ``r``-th (0-based)
    True entry (``r`` clipped to the row's count; 0 for an empty row) and the count."""
    counts = mask.sum(axis=-1)
    flat = np.flatnonzero(mask)
    if len(flat) == 0:
        return np.zeros(counts.shape, np.int64), counts
    starts = np.cumsum(counts.ravel()) - counts.ravel()
    idx = starts + np.minimum(r.ravel(), np.maximum(counts.ravel() - 1, 0))
    pos = flat[np.minimum(idx, len(flat) - 1)] % mask.shape[-1]
    return pos.reshape(counts.shape), counts


def loo_quantiles_batch(resid: np.ndarray, pred: np.ndarray, future: np.ndarray | None = None,
                        min_points: int = MIN_BIN_POINTS
                        ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray] | None]:
    """Every window's leave-one-window-out half-widths at once, and (with ``future``) the
    intervals of the final forecast from the same sorts.

    Entry ``[k, i]`` of the first result equals
    ``engine.lead_quantiles(resid[i], L, pred[i], pred[i, k], holdout=k)``; the second
    equals :func:`lead_quantiles_batch` ``(resid, h, pred, future)`` (symmetric, so one array
    per level). One sort per lead-time bin serves every held-out window and the final
    forecast: the ``r``-th smallest residual of a window's complement (on one side of the
    Mondrian split) is the ``r``-th sorted residual that belongs to it.

    Args:
        resid, pred: ``(s, windows, L)``, NaN at the same places in every series.
        future: ``(s, h)``, the final forecast (optional).

    Returns:
        ``({level: (windows, s, L)}, {level: (s, h)} or None)``.
    """
    s, nw, lw = resid.shape
    ok = _structure(resid)
    counts = ok.sum(axis=0)
    used = int(np.nonzero(counts)[0][-1]) + 1
    bins = _lead_bins(counts[:used], max(min_points * 2, int(counts.sum()) // BINS))
    lead_of = np.minimum(np.arange(lw), used - 1)
    thr = np.median(pred[:, ok], axis=1)
    # layer k < nw: window k held out; layer nw (with ``future``): nothing held out
    layers = nw + (future is not None)
    high = np.empty((layers, s, lw), bool)
    high[:nw] = np.transpose(pred, (1, 0, 2)) >= thr[None, :, None]
    h = 0
    if future is not None:
        h = future.shape[1]
        high_f = np.asarray(future, float) >= thr[:, None]
        lead_f = np.minimum(np.arange(h), used - 1)
        qf_out = {lv: np.empty((s, h)) for lv in LEVELS}
    absr = np.abs(resid)
    window_of = np.broadcast_to(np.arange(nw)[:, None], (nw, lw))
    ks = np.arange(layers)[:, None, None]
    rows = np.arange(s)[None, :]
    q = {lv: np.empty((nw, s, lw)) for lv in LEVELS}
    prev: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for i, (a, b) in enumerate(bins):
        last = i == len(bins) - 1
        sel = (lead_of >= a) & (lead_of < b) if not last else lead_of >= a
        okb = ok[:, a:b]
        e = absr[:, :, a:b][:, okb]
        order = np.argsort(e, axis=1, kind="stable")
        es = np.take_along_axis(e, order, axis=1)
        others = window_of[:, a:b][okb][order][None, :, :] != ks        # (layers, s, M)
        hp = np.take_along_axis(pred[:, :, a:b][:, okb] >= thr[:, None], order, axis=1)
        masks = (others, others & hp[None], others & ~hp[None])
        cnt = [mk.sum(axis=-1) for mk in masks]
        for lv in LEVELS:
            p = lv / 100.0
            need = int(math.ceil(p / (1.0 - p)))
            vals = []
            for mk, m in zip(masks, cnt):
                pos, _ = _kth_true(mk, np.maximum(_rank(m, p), 0))
                vals.append(es[rows, pos])
            whole: np.ndarray = vals[0]
            qt: np.ndarray = np.where(cnt[1] >= need, vals[1], whole)
            qf: np.ndarray = np.where(cnt[2] >= need, vals[2], whole)
            if lv in prev:
                empty = cnt[0] == 0
                pw, pt, pf = prev[lv]
                whole = np.where(empty, pw, whole)
                qt = np.where(empty, pt, qt)
                qf = np.where(empty, pf, qf)
            prev[lv] = (whole, qt, qf)
            q[lv][:, :, sel] = np.where(high[:nw, :, sel], qt[:nw, :, None], qf[:nw, :, None])
            if future is not None:
                sf = (lead_f >= a) & (lead_f < b) if not last else lead_f >= a
                qf_out[lv][:, sf] = np.where(high_f[:, sf], qt[nw][:, None], qf[nw][:, None])
    out = {lv: np.maximum(q[lv], 0.0) for lv in LEVELS}
    out[95] = np.maximum(out[95], out[80])
    fin = None
    if future is not None:
        fin = {lv: np.maximum(qf_out[lv], 0.0) for lv in LEVELS}
        fin[95] = np.maximum(fin[95], fin[80])
    return out, fin


def scores_batch(actual: np.ndarray, pred: np.ndarray, naive_mae: np.ndarray,
                 coverage: bool = True,
                 loo: dict[int, np.ndarray] | None = None) -> list[Score]:
    """``engine._score`` for ``s`` series: MASE and (with ``coverage``; NaN otherwise) the
    leave-one-window-out conformal coverage.

    Args:
        actual, pred: ``(s, windows, leads)``, NaN at the same places in every series.
        naive_mae: ``(s,)``, the floor's mean absolute error on the same points.
    """
    resid = actual - pred
    ok = _structure(resid)
    s, nw, lw = resid.shape
    mae = np.mean(np.abs(resid[:, ok]), axis=1)
    total = int(ok.sum())
    if not coverage:
        out = []
        for i in range(s):
            m, nm = float(mae[i]), float(naive_mae[i])
            mase = m / nm if nm > 0 else (1.0 if m == 0 else math.nan)
            out.append(Score(mase=mase, coverage80=math.nan, coverage95=math.nan,
                             points=total, windows=nw, horizon=lw))
        return out
    inside = {lv: np.zeros(s, np.int64) for lv in LEVELS}
    if nw > 1 and loo is None:
        loo = loo_quantiles_batch(resid, pred)[0]
    for k in range(nw):
        row = ok[k]
        if nw > 1:
            assert loo is not None
            half = {lv: loo[lv][k][:, row] for lv in LEVELS}
        else:
            q = lead_quantiles_batch(resid, lw, pred, pred[:, k])
            half = {lv: q[lv][0][:, row] for lv in LEVELS}
        e = resid[:, k, row]
        for lv in LEVELS:
            inside[lv] += np.sum((e >= -half[lv] - 1e-12) & (e <= half[lv] + 1e-12), axis=1)
    out = []
    for i in range(s):
        m, nm = float(mae[i]), float(naive_mae[i])
        mase = m / nm if nm > 0 else (1.0 if m == 0 else math.nan)
        out.append(Score(mase=mase, coverage80=int(inside[80][i]) / max(total, 1),
                         coverage95=int(inside[95][i]) / max(total, 1), points=total,
                         windows=nw, horizon=lw))
    return out


def select_batch(Y: np.ndarray, origins: Sequence[int],
                 preds: dict[str, tuple[np.ndarray, np.ndarray]], h: int, seasons: Seasons,
                 trend: bool, nonnegative: bool = True) -> list[Fit]:
    """:func:`provisor.forecast.engine.select` for every series of ``Y`` (shape ``(s, n)``).

    ``preds`` maps a model's name to its ``(bt, final)`` of the batch contract (shapes
    ``(s, windows, L)`` and ``(s, h)``); a series whose rows are not finite where the
    backtest has points (or whose final forecast is not finite) drops that candidate, as
    a statsforecast fit that raises does in the engine. The floor must be finite.

    Returns:
        one :class:`~provisor.forecast.engine.Fit` per series, in order.

    Raises:
        ValueError: the floor's forecast is not finite for some series.
    """
    Y = np.asarray(Y, float)
    s, n = Y.shape
    lead = min(h, n - origins[0])
    actual = np.full((s, len(origins), lead), np.nan)
    for k, o in enumerate(origins):
        m = min(h, n - o)
        actual[:, k, :m] = Y[:, o:o + m]
    ok = np.isfinite(actual[0])
    valid: dict[str, np.ndarray] = {}
    for name, (bt, final) in preds.items():
        valid[name] = (np.isfinite(bt[:, ok]).all(axis=1)
                       & np.isfinite(final).all(axis=1))
    if not valid[FLOOR].all():
        raise ValueError("the seasonal naive floor's forecast is not finite")
    naive_mae = np.mean(np.abs(actual[:, ok] - preds[FLOOR][0][:, ok]), axis=1)
    scores: list[dict[str, Score]] = [{} for _ in range(s)]
    for name in [nm for nm in MODEL_NAMES if nm in preds]:
        idx = np.nonzero(valid[name])[0]
        if len(idx) == 0:
            continue
        bt = np.where(ok, preds[name][0][idx], np.nan)
        for i, sc in zip(idx, scores_batch(actual[idx], bt, naive_mae[idx], coverage=False)):
            scores[int(i)][name] = sc
    chosen = []
    for per in scores:
        finite = [(v.mase, MODEL_NAMES.index(nm), nm) for nm, v in per.items()
                  if math.isfinite(v.mase)]
        best = min(finite) if finite else None
        chosen.append(best[2] if best is not None and best[0] < 1.0 else FLOOR)
    fits: list[Fit | None] = [None] * s
    for name in sorted(set(chosen), key=MODEL_NAMES.index):
        idx = np.array([i for i, c in enumerate(chosen) if c == name])
        bt = np.where(ok, preds[name][0][idx], np.nan)
        final = preds[name][1][idx]
        if not trend:
            final = hold_beyond_batch(final, lead, seasons.daily)
        resid = actual[idx] - bt
        loo, fin = (loo_quantiles_batch(resid, bt, final) if len(origins) > 1
                    else (None, None))
        for i, sc in zip(idx, scores_batch(actual[idx], bt, naive_mae[idx], loo=loo)):
            scores[int(i)][name] = sc
        if fin is not None:
            q = {lv: (fin[lv], fin[lv]) for lv in LEVELS}
        else:
            q = lead_quantiles_batch(resid, h, bt, final)
        cap = record_caps_batch(Y[idx], origins, h, lead, final)
        lo80, lo95 = final - q[80][0], final - q[95][0]
        hi80, hi95 = final + q[80][1], final + q[95][1]
        hi95 = np.maximum(np.minimum(hi95, cap[95]), final)
        hi80 = np.minimum(np.maximum(np.minimum(hi80, cap[80]), final), hi95)
        for j, i in enumerate(idx):
            band = Band(final[j], lo80[j], hi80[j], lo95[j], hi95[j])
            if nonnegative:
                band = band.clip_lower(0.0)
            fits[int(i)] = Fit(model=name, band=band, scores=scores[int(i)], seasons=seasons,
                               trend=trend, verified=lead)
    return [f for f in fits if f is not None]


def batch_models(names: Sequence[str]) -> dict[str, BatchForecaster]:
    """``{name: backtest_forecast}`` for the candidate models in ``names`` (and the floor),
    in :data:`~provisor.forecast.engine.MODEL_NAMES` order."""
    out: dict[str, BatchForecaster] = {}
    for name in MODEL_NAMES:
        if name in names or name == FLOOR:
            mod = importlib.import_module(MODULES[name])
            fn = mod.backtest_forecast
            if name == "MSTL":
                ets = importlib.import_module(MODULES["AutoETS"]).backtest_forecast

                def fn(Y: np.ndarray, origins: Sequence[int], h: int, seasons: Seasons,
                       step_s: float, _f: Any = mod.backtest_forecast,
                       _t: Any = ets) -> tuple[np.ndarray, np.ndarray]:
                    return _f(Y, origins, h, seasons, step_s, trend_forecaster=_t)
            out[name] = fn
    return out


def fit_select_batch(ys: Sequence[np.ndarray], h: int, step_s: float, *,
                     backtest: bool = True, windows: int = 3, nonnegative: bool = True,
                     models: Sequence[str] = MODEL_NAMES) -> list[Fit]:
    """:func:`provisor.forecast.engine.fit_select` on every series of ``ys`` at once, with the
    batched models of :mod:`provisor.forecast.batch` in place of statsforecast's.

    Series of equal length form one batch (one grid, one set of origins); each series'
    result depends on that series only. A constant series, or one too short for a backtest
    window, takes the engine's own per-series path (the floor).

    Args:
        ys: 1-D arrays, one point per ``step_s`` seconds each (lengths may differ).
        h: the horizon, points.

    Returns:
        one :class:`~provisor.forecast.engine.Fit` per series, in order.

    Raises:
        ForecastError: as :func:`~provisor.forecast.engine.fit_select`, for the first
            series that is too short or not finite, or ``h < 1``.
    """
    arrs = [np.asarray(y, dtype=float) for y in ys]
    for i, y in enumerate(arrs):
        if y.ndim != 1 or len(y) < 3:
            raise ForecastError(f"series {i}: needs at least 3 points, got {len(y)}")
        if not np.isfinite(y).all():
            raise ForecastError(f"series {i}: values must be finite (resample and fill "
                                "gaps first)")
    if h < 1:
        raise ForecastError(f"horizon must be at least one step, got {h}")
    out: list[Fit | None] = [None] * len(arrs)
    fns: dict[str, BatchForecaster] | None = None
    for n in sorted({len(y) for y in arrs}):
        seasons = seasons_for(step_s, n)
        origins = backtest_origins(n, h, seasons, windows, step_s) if backtest else []
        group = [i for i, y in enumerate(arrs)
                 if len(y) == n and float(np.ptp(y)) != 0.0 and origins]
        batched = set(group)
        for i, y in enumerate(arrs):
            if len(y) == n and i not in batched:
                out[i] = fit_select(y, h, step_s, backtest=backtest, windows=windows,
                                    nonnegative=nonnegative, models=models)
        if not group:
            continue
        if fns is None:
            fns = batch_models(models)
        Y = np.stack([arrs[i] for i in group])
        preds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # The models' matrix products are small (a window by a few hundred series): BLAS
        # threads do not pay for themselves there, and on a busy machine they oversubscribe
        # the cores (measured: MSTL's first call 12x slower with OpenBLAS's default threads
        # on 2 loaded cores). One BLAS thread for the fitting; the caller's setting after.
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        with threadpool_limits(limits=1, user_api="blas"):
            for name, fn in fns.items():
                try:
                    with np.errstate(all="ignore"):
                        preds[name] = fn(Y, origins, h, seasons, step_s)
                except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                    if name == FLOOR:
                        raise
        fits = select_batch(Y, origins, preds, h, seasons, trend_allowed(step_s, n),
                            nonnegative)
        for i, f in zip(group, fits):
            out[i] = f
    return [f for f in out if f is not None]
