"""provisor.forecast.batch.select: the batched selection, intervals and scores equal the
engine's per-series functions (``engine.select``, ``lead_quantiles``, ``record_caps``,
``hold_beyond``, ``_score``) series by series, and a series' result does not depend on the
rest of its batch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisor.forecast import engine
from provisor.forecast.batch import naive
from provisor.forecast.batch.select import (
    fit_select_batch,
    hold_beyond_batch,
    lead_quantiles_batch,
    record_caps_batch,
    select_batch,
)
from provisor.forecast.engine import FLOOR, MODEL_NAMES, backtest_origins, seasons_for


def _same_fit(a: engine.Fit, b: engine.Fit) -> None:
    assert a.model == b.model and a.verified == b.verified and a.trend == b.trend
    for x, y in zip((a.band.mean, a.band.lo80, a.band.hi80, a.band.lo95, a.band.hi95),
                    (b.band.mean, b.band.lo80, b.band.hi80, b.band.lo95, b.band.hi95)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    assert sorted(a.scores) == sorted(b.scores)
    for k in a.scores:
        sa, sb = a.scores[k], b.scores[k]
        np.testing.assert_allclose(sa.mase, sb.mase, rtol=1e-12)
        assert (sa.coverage80, sa.coverage95, sa.points, sa.windows, sa.horizon) == \
               (sb.coverage80, sb.coverage95, sb.points, sb.windows, sb.horizon)


@st.composite
def _case(draw):
    s = draw(st.integers(1, 4))
    n = draw(st.integers(60, 420))
    h = draw(st.integers(2, 200))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    seasons = seasons_for(3600.0, n)
    origins = backtest_origins(n, h, seasons, draw(st.integers(1, 5)), 3600.0)
    t = np.arange(n)
    Y = (rng.uniform(1, 50, (s, 1)) + rng.uniform(0, 10, (s, 1)) * np.sin(2 * np.pi * t / 24)
         + rng.normal(0, rng.uniform(0.1, 5, (s, 1)), (s, n)))
    if draw(st.booleans()):
        Y = np.round(Y)                                     # ties in the residuals
    preds = {}
    bt0, f0 = naive.backtest_forecast(Y, origins, h, seasons, 3600.0)
    preds[FLOOR] = (bt0, f0)
    for name in MODEL_NAMES[:-1]:
        if not draw(st.booleans()):
            continue
        scale = draw(st.floats(0.1, 3.0))
        bt = bt0 + rng.normal(0, scale, bt0.shape) - 0.5 * (bt0 - Y.mean(1)[:, None, None])
        final = f0 + rng.normal(0, scale, f0.shape) + rng.uniform(-0.1, 0.2) * np.arange(h)
        fail = rng.random(s) < 0.25
        bt[fail], final[fail] = np.nan, np.nan
        preds[name] = (bt, final)
    return Y, origins, preds, h, seasons, draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case())
def test_select_batch_equals_the_engine_series_by_series(case):
    Y, origins, preds, h, seasons, trend = case
    if not origins:
        return
    got = select_batch(Y, origins, preds, h, seasons, trend)
    for i in range(len(Y)):
        one = {k: (bt[i], f[i]) for k, (bt, f) in preds.items()
               if np.isfinite(f[i]).all()}
        _same_fit(got[i], engine.select(Y[i], origins, one, h, seasons, trend))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 12), st.integers(2, 300), st.integers(1, 400),
       st.integers(0, 2**32 - 1), st.booleans())
def test_lead_quantiles_batch_equals_the_engine(s, w, lw, h, seed, split):
    rng = np.random.default_rng(seed)
    resid = rng.standard_t(3, (s, w, lw)) * np.linspace(1, 3, lw)
    cut = rng.integers(1, lw + 1, w)
    for k in range(w):
        resid[:, k, cut[k]:] = np.nan
    pred = rng.normal(0, 1, (s, w, lw)) if split else None
    fut = rng.normal(0, 1, (s, h)) if split else None
    got = lead_quantiles_batch(resid, h, pred, fut)
    for i in range(s):
        ref = engine.lead_quantiles(resid[i], h, None if pred is None else pred[i],
                                    None if fut is None else fut[i])
        for lv in engine.LEVELS:
            np.testing.assert_array_equal(got[lv][0][i], ref[lv][0])
            np.testing.assert_array_equal(got[lv][1][i], ref[lv][1])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(60, 500), st.integers(2, 300), st.integers(0, 2**32 - 1))
def test_record_caps_and_hold_beyond_batch_equal_the_engine(s, n, h, seed):
    rng = np.random.default_rng(seed)
    Y = rng.gamma(2.0, 3.0, (s, n))
    origins = backtest_origins(n, h, seasons_for(3600.0, n), 3, 3600.0)
    if not origins:
        return
    lead = min(h, n - origins[0])
    mean = rng.normal(5, 2, (s, h)).cumsum(axis=1)
    caps = record_caps_batch(Y, origins, h, lead, mean)
    held = hold_beyond_batch(mean, lead, 24)
    for i in range(s):
        ref = engine.record_caps(Y[i], origins, h, lead, mean[i])
        for lv in engine.LEVELS:
            np.testing.assert_array_equal(caps[lv][i], ref[lv])
        np.testing.assert_array_equal(held[i], engine.hold_beyond(mean[i], lead, 24))


def test_a_series_result_does_not_depend_on_its_batch():
    rng = np.random.default_rng(7)
    t = np.arange(24 * 10)
    ys = [10 + 3 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, len(t)) for _ in range(6)]
    ys.append(np.full(len(t), 4.0))                          # constant: the engine's path
    ys.append(ys[0][:200].copy())                            # another length, another batch
    all_ = fit_select_batch(ys, 48, 3600.0, models=[FLOOR])
    perm = [5, 7, 2, 0, 6, 1, 4, 3]
    shuffled = fit_select_batch([ys[i] for i in perm], 48, 3600.0, models=[FLOOR])
    alone = [fit_select_batch([y], 48, 3600.0, models=[FLOOR])[0] for y in ys]
    for j, i in enumerate(perm):
        assert shuffled[j].band.hi95.tobytes() == all_[i].band.hi95.tobytes()
    for a, b in zip(all_, alone):
        assert a.model == b.model and a.band.mean.tobytes() == b.band.mean.tobytes()
        assert a.band.hi95.tobytes() == b.band.hi95.tobytes()
    assert all_[6].model == FLOOR and np.all(all_[6].band.hi95 == 4.0)


def test_bad_series_are_named():
    with pytest.raises(engine.ForecastError, match="series 1: needs at least 3"):
        fit_select_batch([np.ones(50), np.ones(2)], 5, 3600.0)
    with pytest.raises(engine.ForecastError, match="series 0: values must be finite"):
        fit_select_batch([np.array([1.0, np.nan, 2.0, 3.0])], 5, 3600.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(2, 12), st.integers(2, 300), st.integers(0, 2**32 - 1),
       st.booleans())
def test_loo_quantiles_batch_equal_the_engine_with_holdout(s, w, lw, seed, ragged):
    from provisor.forecast.batch.select import loo_quantiles_batch

    rng = np.random.default_rng(seed)
    resid = rng.standard_t(3, (s, w, lw)) * np.linspace(1, 3, lw)
    if rng.random() < 0.3:
        resid = np.round(resid)                               # ties
    # window k reaches lw - k * stride leads (the backtest's layout), or random lengths
    cut = (rng.integers(1, lw + 1, w) if ragged
           else np.maximum(1, lw - np.arange(w) * max(1, lw // w)))
    for k in range(w):
        resid[:, k, cut[k]:] = np.nan
    if not np.isfinite(resid[0, :, 0]).all():
        return
    pred = rng.normal(0, 1, (s, w, lw))
    fut = rng.normal(0, 1, (s, lw + 37))
    got, fin = loo_quantiles_batch(resid, pred, fut)
    assert fin is not None
    ref_fin = lead_quantiles_batch(resid, lw + 37, pred, fut)
    for lv in engine.LEVELS:
        np.testing.assert_array_equal(fin[lv], ref_fin[lv][1])
    for i in range(s):
        for k in range(w):
            ref = engine.lead_quantiles(resid[i], lw, pred[i], pred[i, k], holdout=k)
            for lv in engine.LEVELS:
                np.testing.assert_array_equal(got[lv][k, i], ref[lv][1])
