"""The batched AutoETS (provisor.forecast.batch.ets) against statsforecast's own ETS code.

* The vectorised recursion equals statsforecast's C++ ``ets.calc`` (through
  ``statsforecast.ets.pegelsresid_C``) and ``ets.forecast`` (``etsforecast``) for fixed forms,
  parameters and initial states, many lanes at once (hypothesis).
* The initial-state heuristic equals ``statsforecast.ets.initstate`` (Fourier and
  decomposition branches, with and without trend).
* A series' forecasts do not depend on the rest of the batch (permuted / subset batches are
  byte-identical), and two runs are byte-identical.
* Accuracy against statsforecast's AutoETS on the bench's synthetic series and on the
  Bitbrains trace (MASE against the seasonal naive forecast on held-out points).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisor.forecast.batch import ets
from provisor.forecast.engine import Seasons, backtest_origins, seasons_for

sfets = pytest.importorskip("statsforecast.ets")

REPO = Path(__file__).resolve().parents[2]


def _series(rng: np.random.Generator, s: int, n: int, m: int) -> np.ndarray:
    t = np.arange(n)
    lvl = rng.uniform(1, 100, (s, 1))
    walk = np.cumsum(rng.normal(0, 0.05, (s, n)), axis=1) * lvl
    season = lvl * rng.uniform(0, 0.5, (s, 1)) * np.sin(2 * np.pi * t / max(m, 1)
                                                          + rng.uniform(0, 6, (s, 1)))
    return lvl + walk + season + rng.normal(0, 0.05, (s, n)) * lvl


@st.composite
def _lanes(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    m = draw(st.sampled_from([1, 2, 3, 4, 7, 12, 24, 48]))
    s = draw(st.integers(1, 12))
    n = draw(st.integers(2, 120))
    h = draw(st.integers(1, 60))
    return seed, m, s, n, h


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lanes())
def test_filter_equals_statsforecast_calc_and_forecast(case):
    """Random forms (trend N/A/Ad, season A or none), parameters and initial states: the
    residuals, SSE, likelihood and h-step forecasts of every lane equal statsforecast's."""
    seed, m, s, n, h = case
    rng = np.random.default_rng(seed)
    Y = _series(rng, s, n, m)
    trend = rng.integers(0, 3, s)                       # 0 N, 1 A, 2 Ad
    seasonal = (rng.random(s) < 0.7) & (m > 1)
    alpha = rng.uniform(1e-4, 0.9999, s)
    beta = np.where(trend > 0, rng.uniform(1e-4, 1, s) * alpha, 0.0)
    gamma = np.where(seasonal, rng.uniform(1e-4, 1, s) * (1 - alpha), 0.0)
    phi = np.where(trend == 2, rng.uniform(0.8, 0.98, s), 1.0)
    level = Y[:, 0] + rng.normal(0, 1, s)
    slope = np.where(trend > 0, rng.normal(0, 0.5, s), 0.0)
    season = np.where(seasonal[:, None], rng.normal(0, 3, (s, m)), 0.0)   # by phase
    mid = n // 2
    sse, E, snaps = ets.filter_ets(Y, level[None], slope[None], season.T[:, None, :],
                                   alpha[None], beta[None], gamma[None], phi[None],
                                   snapshots=[mid, n], residuals=True)
    assert E is not None
    for i in range(s):
        tt = ("N", "A", "A")[trend[i]]
        st_ = "A" if seasonal[i] else "N"
        mi = m if seasonal[i] else 1
        x0 = [level[i]] + ([slope[i]] if trend[i] else []) + (
            list(season[i][::-1]) if seasonal[i] else [])
        _amse, e, x, lik = sfets.pegelsresid_C(
            Y[i], mi, np.array(x0), "A", tt, st_, bool(trend[i] == 2), alpha[i],
            beta[i] if trend[i] else np.nan, gamma[i] if seasonal[i] else np.nan,
            phi[i] if trend[i] == 2 else np.nan, 3)
        np.testing.assert_allclose(E[0, i], e, rtol=1e-9, atol=1e-9 * np.abs(Y[i]).max())
        np.testing.assert_allclose(sse[0, i], np.sum(e ** 2), rtol=1e-9)
        np.testing.assert_allclose(n * np.log(sse[0, i]), lik, rtol=1e-9, atol=1e-9)
        for (lv, sl, S), t in zip(snaps, (mid, n)):
            f_ref = np.zeros(h)
            sfets.etsforecast(x[t], mi, sfets.switch(tt), sfets.switch(st_),
                              phi[i] if trend[i] == 2 else 1.0, h, f_ref)
            ours = ets.forecast_states(lv[0, i:i + 1], sl[0, i:i + 1],
                                       S[:, 0, i:i + 1] if seasonal[i] else np.zeros((1, 1)),
                                       phi[i:i + 1], h)[0]
            np.testing.assert_allclose(ours, f_ref, rtol=1e-9,
                                       atol=1e-9 * np.abs(Y[i]).max())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 3, 5, 12, 24]),
       st.integers(4, 120), st.booleans())
def test_initial_states_equal_statsforecast_initstate(seed, m, n, trend):
    rng = np.random.default_rng(seed)
    Y = _series(rng, 5, n, m)
    mm = m if (m > 1 and n > m) else 1
    lv, sl, S = ets.initial_states(Y, mm, trend)
    for i in range(len(Y)):
        ref = sfets.initstate(Y[i], mm, "A" if trend else "N", "A" if mm > 1 else "N")
        ours = [lv[i]] + ([sl[i]] if trend else []) + (list(S[i, 1:][::-1]) if mm > 1 else [])
        np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-7 * np.abs(Y[i]).max())
        if mm > 1:
            np.testing.assert_allclose(S[i].sum(), 0.0, atol=1e-9 * np.abs(Y[i]).max())


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 9), st.sampled_from([0, 24]),
       st.data())
def test_series_independent_of_batch(seed, s, daily, data):
    """Permuting or subsetting the batch leaves every series' bytes unchanged."""
    rng = np.random.default_rng(seed)
    n = 24 * 7
    Y = _series(rng, s, n, 24)
    seasons = Seasons(daily, 0)
    origins = backtest_origins(n, 48, Seasons(24, 0), 3, 3600.0)
    bt, fin = ets.backtest_forecast(Y, origins, 48, seasons, 3600.0)
    perm = np.array(data.draw(st.permutations(range(s))))
    bt2, fin2 = ets.backtest_forecast(Y[perm], origins, 48, seasons, 3600.0)
    assert bt2.tobytes() == bt[perm].tobytes() and fin2.tobytes() == fin[perm].tobytes()
    sub = perm[: data.draw(st.integers(1, s))]
    bt3, fin3 = ets.backtest_forecast(Y[sub], origins, 48, seasons, 3600.0)
    assert bt3.tobytes() == bt[sub].tobytes() and fin3.tobytes() == fin[sub].tobytes()


def test_contract_shapes_and_bad_series():
    rng = np.random.default_rng(3)
    n, h = 24 * 10, 30
    Y = _series(rng, 4, n, 24)
    Y[1] = 5.0                                   # constant: ETS(A,N,N), flat forecast
    Y[2, -50::2], Y[2, -49::2] = 1e308, -1e308  # overflows: NaN rows, others unaffected
    origins = backtest_origins(n, h, seasons_for(3600.0, n), 3, 3600.0)
    bt, fin = ets.backtest_forecast(Y, origins, h, seasons_for(3600.0, n), 3600.0)
    L = min(h, n - origins[0])
    assert bt.shape == (4, len(origins), L) and fin.shape == (4, h)
    np.testing.assert_allclose(fin[1], 5.0)
    assert np.isnan(fin[2]).all() and np.isnan(bt[2]).all()
    assert np.isfinite(fin[[0, 1, 3]]).all()
    ok = ets.backtest_forecast(Y[[0, 1, 3]], origins, h, seasons_for(3600.0, n), 3600.0)
    assert ok[1].tobytes() == fin[[0, 1, 3]].tobytes()
    for k, o in enumerate(origins):              # NaN exactly after each window's end
        w = min(h, n - o)
        assert np.isfinite(bt[[0, 3], k, :w]).all() and np.isnan(bt[:, k, w:]).all()
    # the same series alone gives the same bytes
    _bt0, fin0 = ets.backtest_forecast(Y[[0]], origins, h, seasons_for(3600.0, n), 3600.0)
    assert fin0.tobytes() == fin[[0]].tobytes()
    # no origins: fitted on the whole (window of the) history; empty bt
    bt1, fin1 = ets.backtest_forecast(Y[[0]], [], h, Seasons(24, 0), 3600.0)
    assert bt1.shape == (1, 0, 0) and np.isfinite(fin1).all()
    # too short to fit: NaN, no exception
    _bt2, fin2 = ets.backtest_forecast(Y[:, :3], [], h, Seasons(0, 0), 3600.0)
    assert np.isnan(fin2).all()
    with pytest.raises(ValueError):
        ets.backtest_forecast(Y[0], origins, h, Seasons(24, 0), 3600.0)
    with pytest.raises(ValueError, match="origins"):
        ets.backtest_forecast(Y, origins[::-1], h, Seasons(24, 0), 3600.0)
    # a non-finite series (outside the contract) gets NaN rows and leaves the others alone
    Z = Y[[0, 3]].copy()
    Z[1, 10] = np.nan
    _btz, finz = ets.backtest_forecast(Z, origins, h, seasons_for(3600.0, n), 3600.0)
    assert np.isnan(finz[1]).all() and finz[0].tobytes() == fin[0].tobytes()


def test_non_seasonal_trend_forms_and_season_longer_than_24():
    """Seasons(0, 0) (MSTL's trend forecaster) fits N/A/Ad without season; a linear series
    is extrapolated; a 5-minute day (288 points) is fitted as a season."""
    n = 400
    Y = np.vstack([3.0 + 0.5 * np.arange(n), 10 + np.sin(np.arange(n))])
    fin = ets.backtest_forecast(Y, [], 10, Seasons(0, 0), 3600.0)[1]
    np.testing.assert_allclose(fin[0], 3.0 + 0.5 * np.arange(n, n + 10), rtol=1e-3)
    ft = ets.fit(Y, 1)
    assert ft.m == 1 and (ft.gamma == 0).all()
    m = 288
    t = np.arange(3 * m)
    y = 50 + 20 * np.sin(2 * np.pi * t / m) + np.random.default_rng(0).normal(0, 1, len(t))
    fin = ets.backtest_forecast(y[None], [], m, Seasons(m, 0), 300.0)[1][0]
    truth = 50 + 20 * np.sin(2 * np.pi * np.arange(3 * m, 4 * m) / m)
    assert np.abs(fin - truth).mean() < 2.0


def _mase(fut, f, naive):
    return np.abs(fut - f).mean(axis=-1) / np.abs(fut - naive).mean(axis=-1)


def _statsforecast_final(hist, origins, h, seasons, step):
    from provisor.forecast.engine import _forward_all, _models
    _, model, win = _models(["AutoETS"], seasons, step)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _forward_all(model, hist, origins, h, win)[1]


@pytest.mark.slow
def test_accuracy_bench_series_vs_statsforecast():
    sys.path.insert(0, str(REPO / "bench"))
    from forecast_bench import STEP, H, make_series
    series = make_series()
    hist = np.array([y[:-H] for y in series])
    fut = np.array([y[-H:] for y in series])
    n = hist.shape[1]
    seasons = seasons_for(STEP, n)
    origins = backtest_origins(n, H, seasons, 3, STEP)
    fin = ets.backtest_forecast(hist, origins, H, seasons, STEP)[1]
    m = seasons.naive
    naive = hist[:, n - m + (np.arange(H) % m)]
    ours = _mase(fut, fin, naive)
    ref = np.array([_mase(f, _statsforecast_final(y, origins, H, seasons, STEP), nv)
                    for y, f, nv in zip(hist, fut, naive)])
    print(f"\nbench: ours median MASE {np.median(ours):.3f} (<1: {(ours < 1).sum()}), "
          f"statsforecast {np.median(ref):.3f} (<1: {(ref < 1).sum()})")
    assert np.isfinite(ours).all()
    assert np.median(ours) <= np.median(ref) * 1.1


@pytest.mark.slow
def test_accuracy_bitbrains_vs_statsforecast(shared):
    sys.path.insert(0, str(REPO / "tests" / "forecast"))
    from test_forecast_bitbrains import SEPT_HOURS, bitbrains_targets
    targets = bitbrains_targets(shared / "traces" / "bitbrains-gwa-t-12-rnd")
    H, STEP = SEPT_HOURS, 3600.0
    Y = np.array([np.asarray(t.values, float) for t in targets])
    hist, fut = Y[:, :-H], Y[:, -H:]
    n = hist.shape[1]
    seasons = seasons_for(STEP, n)
    origins = backtest_origins(n, H, seasons, 3, STEP)
    fin = ets.backtest_forecast(hist, origins, H, seasons, STEP)[1]
    naive = hist[:, n - 168 + (np.arange(H) % 168)]
    ours = _mase(fut, fin, naive)
    ref = np.array([_mase(f, _statsforecast_final(y, origins, H, seasons, STEP), nv)
                    for y, f, nv in zip(hist, fut, naive)])
    print(f"\nBitbrains: ours {np.round(ours, 2)} median {np.median(ours):.3f} "
          f"(<1: {(ours < 1).sum()}); statsforecast {np.round(ref, 2)} median "
          f"{np.median(ref):.3f} (<1: {(ref < 1).sum()})")
    assert np.isfinite(ours).all()
    assert np.median(ours) <= np.median(ref) * 1.15
    assert (ours < 1).sum() >= (ref < 1).sum() - 2


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 4, 24]), st.integers(30, 120))
def test_least_squares_states_minimise_sse(seed, m, n):
    """The refined initial states give an SSE no larger than the heuristic ones (and than
    random perturbations of themselves) for the same parameters."""
    rng = np.random.default_rng(seed)
    s = 4
    Y = _series(rng, s, n, m)
    mm = m if n > m else 1
    tr = np.broadcast_to(np.array([0, 1, 2])[:, None], (3, s)).copy()
    lv = np.zeros((3, s))
    sl = np.zeros((3, s))
    S = np.zeros((mm, 3, s))
    for f in range(3):
        l0, b0, s0 = ets.initial_states(Y, mm, f > 0)
        lv[f], sl[f], S[:, f] = l0, b0, s0.T
    theta = rng.uniform(0, 1, (3, s, 4))
    a, b, g, p = ets._params(theta, tr, mm > 1)
    sse0 = ets.filter_ets(Y, lv, sl, S, a, b, g, p)[0]
    lv2, sl2, S2 = ets._refine_states(Y, tr, mm, a, b, g, p, lv, sl, S)
    sse1 = ets.filter_ets(Y, lv2, sl2, S2, a, b, g, p)[0]
    assert (sse1 <= sse0 * (1 + 1e-9) + 1e-9).all()
    if mm > 1:
        np.testing.assert_allclose(S2.sum(axis=0), 0.0, atol=1e-6 * np.abs(Y).max())
    bump = rng.normal(0, 1e-3, lv2.shape) * np.abs(Y).mean()
    sse2 = ets.filter_ets(Y, lv2 + bump, sl2, S2, a, b, g, p)[0]
    assert (sse1 <= sse2 * (1 + 1e-9) + 1e-9).all()


def test_blocks_of_series_give_the_same_bytes(monkeypatch):
    """A memory budget that cuts the batch into blocks changes no series' result."""
    rng = np.random.default_rng(11)
    n, h = 24 * 8, 24
    Y = _series(rng, 7, n, 24)
    seasons = seasons_for(3600.0, n)
    origins = backtest_origins(n, h, seasons, 3, 3600.0)
    for refine in (False, True):
        bt, fin = ets.backtest_forecast(Y, origins, h, seasons, 3600.0, refine_states=refine)
        monkeypatch.setattr(ets, "SEARCH_BYTES", 1)            # one series per block
        bt1, fin1 = ets.backtest_forecast(Y, origins, h, seasons, 3600.0,
                                          refine_states=refine)
        monkeypatch.undo()
        assert bt1.tobytes() == bt.tobytes() and fin1.tobytes() == fin.tobytes()
        assert np.isfinite(fin).all()
