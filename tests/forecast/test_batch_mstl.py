"""provisor.forecast.batch.mstl: the batched MSTL decomposition equals statsforecast's
``mstl`` (statsmodels STL) with the engine's settings; a series' result does not depend on
the rest of the batch; the forecast equals statsforecast's ``MSTL`` with the same trend
forecaster (Naive) on the backtest windows; accuracy against statsforecast on the bench's
series and the Bitbrains trace."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisor.forecast.batch import mstl as bm
from provisor.forecast.batch import naive
from provisor.forecast.engine import (
    MSTL_WINDOW_S,
    Seasons,
    backtest_origins,
    seasons_for,
    stl_jumps,
)

os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")


def _sf_mstl(y: np.ndarray, periods: tuple[int, ...], jumps: dict[str, int]):
    from statsforecast.mstl import mstl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = mstl(y, list(periods) if len(periods) > 1 else periods[0], stl_kwargs=jumps)
    seas = np.array([df[c].to_numpy() for c in df.columns if c.startswith("seasonal")])
    return seas, df["trend"].to_numpy()


@st.composite
def _cases(draw):
    kind = draw(st.sampled_from(["one", "two"]))
    if kind == "one":
        periods: tuple[int, ...] = (draw(st.integers(2, 30)),)
    else:
        a = draw(st.integers(2, 12))
        periods = (a, draw(st.integers(a + 1, 40)))
    n = draw(st.integers(max(periods) + 1, 3 * max(periods) + 60))
    jumped = draw(st.booleans())
    jumps = stl_jumps(min(periods)) if jumped else {}
    if jumped and draw(st.booleans()):     # larger jumps than the engine's, all three paths
        jumps = {"seasonal_jump": draw(st.integers(1, 4)), "trend_jump": draw(st.integers(1, 9)),
                 "low_pass_jump": draw(st.integers(1, 7))}
    s = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    Y = (rng.normal(size=(s, n))
         + np.sin(2 * np.pi * t / periods[0] + rng.uniform(0, 6, (s, 1)))
         + 0.5 * rng.normal(size=(s, 1)) * np.cumsum(rng.normal(size=(s, n)), axis=1) / n ** 0.5)
    return periods, jumps, Y


@pytest.mark.fuzz
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
def test_decompose_equals_statsforecast_mstl(case):
    periods, jumps, Y = case
    seas, trend = bm.decompose(Y, periods, jumps)
    assert seas.shape == (Y.shape[0], len(periods), Y.shape[1])
    for i, y in enumerate(Y):
        ref_s, ref_t = _sf_mstl(y, periods, jumps)
        np.testing.assert_allclose(trend[i], ref_t, rtol=0, atol=1e-8)
        np.testing.assert_allclose(seas[i], ref_s, rtol=0, atol=1e-8)
    # the cached operator gives the same adjusted series and last periods
    adj, lasts = bm._adjusted(Y, periods, jumps)
    np.testing.assert_allclose(adj, Y - seas.sum(axis=1), rtol=0, atol=1e-9)
    for i, p in enumerate(periods):
        np.testing.assert_allclose(lasts[i], seas[:, i, -p:], rtol=0, atol=1e-9)


def test_engine_settings_hourly_month():
    """The engine's case: 28 days hourly, daily + weekly, the engine's jumps."""
    rng = np.random.default_rng(3)
    n = 28 * 24
    t = np.arange(n)
    Y = (np.sin(2 * np.pi * t / 24) + 0.3 * np.sin(2 * np.pi * t / 168)
         + rng.normal(0, 0.2, (70, n)) + np.linspace(0, 1, n))
    seas, trend = bm.decompose(Y, (24, 168), stl_jumps(24))
    for i in (0, 33, 69):
        ref_s, ref_t = _sf_mstl(Y[i], (24, 168), stl_jumps(24))
        assert np.abs(trend[i] - ref_t).max() < 1e-8
        assert np.abs(seas[i] - ref_s).max() < 1e-8


def test_five_minute_steps_decompose_directly():
    """5-minute steps: periods 288 and 2016 on 8064 points (28 days): no dense operator
    (beyond OPERATOR_MAX_N), still statsmodels' numbers."""
    n = int(MSTL_WINDOW_S // 300)
    assert n > bm.OPERATOR_MAX_N
    rng = np.random.default_rng(5)
    t = np.arange(n)
    Y = np.sin(2 * np.pi * t / 288) + rng.normal(0, 0.3, (2, n))
    seas, trend = bm.decompose(Y, (288, 2016), stl_jumps(288))
    ref_s, ref_t = _sf_mstl(Y[1], (288, 2016), stl_jumps(288))
    assert np.abs(trend[1] - ref_t).max() < 1e-8
    assert np.abs(seas[1] - ref_s).max() < 1e-8
    se = seasons_for(300, n)
    o = backtest_origins(n, 288, se, 3, 300)
    bt, final = bm.backtest_forecast(Y, o, 288, se, 300.0)
    assert np.isfinite(final).all() and bt.shape == (2, len(o), 288)


@st.composite
def _batches(draw):
    n = draw(st.sampled_from([120, 200, 336, 700]))   # operator, direct, full window
    s = draw(st.integers(2, 140))          # more than one block of ROWS
    seed = draw(st.integers(0, 2 ** 32 - 1))
    perm_seed = draw(st.integers(0, 2 ** 32 - 1))
    return n, s, seed, perm_seed


@pytest.mark.fuzz
@settings(max_examples=8, deadline=None)
@given(_batches())
def test_series_independent_of_the_batch(case):
    n, s, seed, perm_seed = case
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    Y = 5 + np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.5, (s, n)) * rng.uniform(0.1, 3, (s, 1))
    se = seasons_for(3600, n)
    o = backtest_origins(n, 48, se, 3, 3600)
    bt, final = bm.backtest_forecast(Y, o, 48, se, 3600.0)
    perm = np.random.default_rng(perm_seed).permutation(s)
    bt2, final2 = bm.backtest_forecast(Y[perm], o, 48, se, 3600.0)
    assert bt2.tobytes() == bt[perm].tobytes() and final2.tobytes() == final[perm].tobytes()
    sub = perm[: max(1, s // 3)]
    bt3, final3 = bm.backtest_forecast(Y[sub], o, 48, se, 3600.0)
    assert bt3.tobytes() == bt[sub].tobytes() and final3.tobytes() == final[sub].tobytes()
    one = bm.backtest_forecast(Y[sub[:1]], o, 48, se, 3600.0)
    assert one[1].tobytes() == final[sub[:1]].tobytes()
    # direct decomposition too (the 5-minute path)
    d1 = bm.decompose(Y, (24,))[1]
    d2 = bm.decompose(Y[perm], (24,))[1]
    assert d2.tobytes() == d1[perm].tobytes()


def _sf_forward(y, origins, h, seasons, step_s):
    """statsforecast MSTL with the engine's settings but a Naive trend forecaster, fitted at
    the first origin and forwarded (engine._forward_all)."""
    from statsforecast.models import MSTL, Naive

    periods = [p for p in (seasons.daily, seasons.weekly) if p]
    m = MSTL(season_length=periods if len(periods) > 1 else periods[0], trend_forecaster=Naive(),
             stl_kwargs=stl_jumps(min(periods)))
    win = int(MSTL_WINDOW_S // step_s)

    def tail(x):
        return x[-win:]

    n = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(y=tail(y[:origins[0]]))
        bt = [m.forward(y=tail(y[:o]), h=min(h, n - o))["mean"] for o in origins]
        final = m.forward(y=tail(y), h=h)["mean"]
    return bt, final


@pytest.mark.parametrize("days,h", [(7, 168), (20, 72), (31, 200)])
def test_forecast_equals_statsforecast_mstl_with_naive_trend(days, h):
    rng = np.random.default_rng(days)
    n = days * 24
    t = np.arange(n)
    Y = (10 + 3 * np.sin(2 * np.pi * t / 24) + np.sin(2 * np.pi * t / 168)
         + rng.normal(0, 1, (4, n)) + rng.uniform(0, 0.05, (4, 1)) * t)
    se = seasons_for(3600, n)
    o = backtest_origins(n, h, se, 3, 3600)
    bt, final = bm.backtest_forecast(Y, o, h, se, 3600.0, trend_forecaster=naive.backtest_forecast)
    assert bt.shape == (4, len(o), min(h, n - o[0]))
    for i in range(4):
        rbt, rfinal = _sf_forward(Y[i], o, h, se, 3600.0)
        np.testing.assert_allclose(final[i], rfinal, rtol=0, atol=1e-8)
        for k, r in enumerate(rbt):
            np.testing.assert_allclose(bt[i, k, :len(r)], r, rtol=0, atol=1e-8)
            assert np.isnan(bt[i, k, len(r):]).all()


def test_trend_forecaster_searched_once_on_the_first_window():
    """The trend forecaster sees the first window's adjusted series before its first origin,
    then one origin per window (segment ends) with ``h`` points after each."""
    calls = []

    def spy(Z, origins, h, seasons, step_s):
        calls.append((Z.shape, list(origins), h, seasons))
        return naive.backtest_forecast(Z, origins, h, seasons, step_s)

    n = 30 * 24
    Y = np.random.default_rng(1).normal(size=(3, n)) + 5
    se = seasons_for(3600, n)
    o = backtest_origins(n, 100, se, 3, 3600)
    bm.backtest_forecast(Y, o, 100, se, 3600.0, trend_forecaster=spy)
    (shape, zo, h, seasons), = calls
    win = int(MSTL_WINDOW_S // 3600)
    lens = [min(e, win) for e in o + [n]]
    assert seasons == Seasons(0, 0) and h == 100
    assert zo == list(np.cumsum(lens)) and shape == (3, sum(lens) + 100)


def test_bad_input_and_short_windows():
    with pytest.raises(ValueError):
        bm.backtest_forecast(np.zeros(10), [], 5, Seasons(2, 0), 3600.0)
    with pytest.raises(ValueError):
        bm.backtest_forecast(np.zeros((2, 50)), [], 5, Seasons(0, 0), 3600.0)
    with pytest.raises(ValueError):
        bm.decompose(np.zeros((2, 24)), (24,))
    Y = np.random.default_rng(0).normal(size=(2, 100))
    bt, final = bm.backtest_forecast(Y, [20, 60], 10, Seasons(24, 0), 3600.0)
    assert np.isnan(bt[:, 0]).all() and np.isfinite(bt[:, 1]).all()   # 20 points < 25
    assert np.isfinite(final).all()
    bt, final = bm.backtest_forecast(Y[:0], [60], 10, Seasons(24, 0), 3600.0)
    assert bt.shape == (0, 1, 10) and final.shape == (0, 10)


def test_deterministic_two_runs():
    Y = np.random.default_rng(2).normal(size=(5, 400)) + 3
    se = seasons_for(3600, 400)
    o = backtest_origins(400, 48, se, 3, 3600)
    a = bm.backtest_forecast(Y, o, 48, se, 3600.0)
    bm._OPS.clear()
    bm._PLANS.clear()
    b = bm.backtest_forecast(Y, o, 48, se, 3600.0)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()


def _mase_weekly(act: np.ndarray, fc: np.ndarray, hist: np.ndarray, m: int = 168) -> np.ndarray:
    """MASE of ``fc`` on the held-out ``act`` against the seasonal naive forecast with the
    weekly season (``hist``'s last week repeated), per series."""
    sn = hist[:, -m + (np.arange(act.shape[1]) % m)]
    return np.abs(act - fc).mean(axis=1) / np.maximum(np.abs(act - sn).mean(axis=1), 1e-12)


def _sf_finals(Y: np.ndarray, origins: list[int], h: int, seasons: Seasons) -> np.ndarray:
    return np.array([_sf_forward(y, origins, h, seasons, 3600.0)[1] for y in Y])


def _report(label: str, mine: np.ndarray, ref: np.ndarray) -> None:
    print(f"\n{label}: MASE vs weekly seasonal naive, batched MSTL (naive trend): median "
          f"{np.median(mine):.3f}, < 1 on {(mine < 1).sum()}/{len(mine)}; statsforecast MSTL "
          f"(Naive trend): median {np.median(ref):.3f}, < 1 on {(ref < 1).sum()}/{len(ref)}")


def test_accuracy_bench_series_as_statsforecast():
    """The bench's 100 hourly series: history 7 days, the next 7 days held out."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from forecast_bench import make_series

    H = 7 * 24
    full = np.array(make_series(100, 14, seed=0))
    Y, act = full[:, :-H], full[:, -H:]
    se = seasons_for(3600, Y.shape[1])
    o = backtest_origins(Y.shape[1], H, se, 3, 3600)
    _, final = bm.backtest_forecast(Y, o, H, se, 3600.0)
    ref = _sf_finals(Y, o, H, se)
    assert np.abs(final - ref).max() < 1e-8 * max(1.0, np.abs(ref).max())
    mine, theirs = _mase_weekly(act, final, Y), _mase_weekly(act, ref, Y)
    _report("bench series", mine, theirs)
    assert np.median(mine) < 1 and abs(np.median(mine) - np.median(theirs)) < 1e-9


@pytest.mark.slow
def test_accuracy_bitbrains_as_statsforecast(shared):
    """The Bitbrains trace (12 series, hourly): train July + August, forecast September."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_forecast_bitbrains import SEPT_HOURS, bitbrains_targets

    targets = bitbrains_targets(shared / "traces" / "bitbrains-gwa-t-12-rnd")
    n = min(len(t.values) for t in targets) - SEPT_HOURS
    full = np.array([np.asarray(t.values, float)[-(n + SEPT_HOURS):] for t in targets])
    scale = full[:, :n].std(axis=1, keepdims=True) + 1e-12      # bytes and cores: unit scale
    Y, act = full[:, :n] / scale, full[:, n:] / scale
    se = seasons_for(3600, n)
    o = backtest_origins(n, SEPT_HOURS, se, 3, 3600)
    _, final = bm.backtest_forecast(Y, o, SEPT_HOURS, se, 3600.0)
    ref = _sf_finals(Y, o, SEPT_HOURS, se)
    assert np.abs(final - ref).max() < 1e-8 * max(1.0, np.abs(ref).max())
    mine, theirs = _mase_weekly(act, final, Y), _mase_weekly(act, ref, Y)
    _report("Bitbrains September", mine, theirs)
    assert abs(np.median(mine) - np.median(theirs)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 120), st.integers(2, 200), st.integers(0, 1), st.integers(1, 12))
def test_vectorised_loess_weights_equal_est_one_by_one(n, len_, ideg, njump):
    """The loess rows built for all evaluation points at once equal ``_est_weights`` (the
    one-fit transcription of statsmodels ``_est``) fit by fit, to rounding."""
    specs = []
    nsh = (len_ + 1) // 2
    for i in range(0, n, njump):
        if len_ >= n:
            a, b = 1, n
        elif (i + 1) < nsh:
            a, b = 1, len_
        elif (i + 1) >= (n - nsh + 1):
            a, b = n - len_ + 1, n
        else:
            a, b = i + 1 - nsh + 1, len_ + i + 1 - nsh
        specs.append((i, a, b))
    rows = bm._est_rows(n, len_, ideg, specs)
    assert len(rows) == len(specs)
    for (i, a, b), (lo, w) in zip(specs, rows):
        ref = bm._est_weights(n, len_, ideg, i + 1, a, b)
        if ref is None:
            assert lo == i and w.tolist() == [1.0]
        else:
            assert lo == a - 1 and len(w) == len(ref)
            np.testing.assert_allclose(w, ref, rtol=0, atol=1e-13)


def test_seasonal_only_equals_decompose_bit_for_bit():
    """The trend-free evaluation behind the adjusted series and the operator gives the
    decomposition's seasonal components byte for byte."""
    rng = np.random.default_rng(3)
    for n, periods in ((672, (24, 168)), (300, (24,)), (530, (24, 168))):
        plan = bm._plan(bm._key(n, periods, None))
        Y = rng.normal(size=(bm.ROWS_DIRECT, n)) + np.sin(np.arange(n) * 2 * np.pi / 24)
        seas, _ = plan.decompose(Y)
        assert plan.seasonal(Y).tobytes() == seas.tobytes()
