"""provisor.forecast.engine: model selection, intervals, scores, resampling, durations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fcdata import DAY, T0, seasonal

from provisor.forecast import Limit, Target, forecast_targets, parse_duration
from provisor.forecast.engine import (
    FLOOR,
    MODEL_NAMES,
    ForecastError,
    backtest_origins,
    fit_select,
    lead_quantiles,
    regular,
    seasons_for,
    trend_allowed,
)


def _ordered(b) -> bool:
    return bool(np.all(b.lo95 <= b.lo80 + 1e-9) and np.all(b.lo80 <= b.mean + 1e-9)
                and np.all(b.mean <= b.hi80 + 1e-9) and np.all(b.hi80 <= b.hi95 + 1e-9))


def test_seasons_need_two_periods_and_whole_points():
    assert seasons_for(3600, 24 * 14) == seasons_for(3600, 24 * 14)
    s = seasons_for(3600, 24 * 14)
    assert (s.daily, s.weekly, s.naive) == (24, 168, 168)
    s = seasons_for(3600, 24 * 13)
    assert (s.daily, s.weekly, s.naive) == (24, 0, 24)
    s = seasons_for(3600, 30)
    assert (s.daily, s.weekly, s.naive) == (0, 0, 1)
    assert seasons_for(7 * 3600, 1000).daily == 0      # 24/7 is not a whole number of points


def test_backtest_origins_leave_two_seasons_of_training():
    n = 24 * 62
    s = seasons_for(3600, n)
    o = backtest_origins(n, 720, s, 3, 3600)
    # one origin per two days of history after the two weeks of training, at most 12
    assert len(o) == 12 and o[0] >= 2 * 168 and n - o[-1] == (n - 2 * 168) // 12
    assert np.all(np.diff(o) == o[1] - o[0])
    # a week of hourly points: the minimum of 3 windows after two days of training
    o = backtest_origins(168, 720, seasons_for(3600, 168), 3, 3600)
    assert o == [48, 88, 128]
    assert backtest_origins(10, 5, seasons_for(3600, 10), 3) == []


def test_trend_needs_two_weeks():
    assert not trend_allowed(3600, 24 * 7) and not trend_allowed(300, 12 * 24 * 13)
    assert trend_allowed(3600, 24 * 14)


def test_lead_quantiles_are_per_lead_symmetric_and_nested():
    """Residuals whose spread grows with the lead (a random walk's) give half-widths that
    grow with the lead; leads beyond the backtest keep the last bin's width."""
    rng = np.random.default_rng(0)
    resid = np.cumsum(rng.normal(0, 1, (12, 200)), axis=1)
    resid[6:, 150:] = np.nan                   # later windows end early
    q = lead_quantiles(resid, 300)
    (lo80, hi80), (lo95, hi95) = q[80], q[95]
    assert hi80.shape == (300,) and np.array_equal(lo95, hi95) and np.array_equal(lo80, hi80)
    assert np.all(hi95 >= hi80) and np.all(hi80 >= 0)
    assert hi95[190] > 3 * hi95[5]
    assert np.all(hi95[200:] == hi95[199])
    # conformal: at least 95 % of the calibration residuals are inside
    inside = np.abs(resid) <= hi95[:200] + 1e-12
    assert inside[np.isfinite(resid)].mean() >= 0.95
    # Mondrian: residuals at high forecasts are wide, at low ones narrow; a future lead
    # takes its own category's width
    pred = np.where(np.arange(200) % 2 == 0, 10.0, 0.0) * np.ones((12, 1))
    res2 = np.where(pred > 5, 4.0, 0.5) * rng.choice([-1.0, 1.0], (12, 200))
    fut = np.where(np.arange(300) % 2 == 0, 10.0, 0.0)
    w = lead_quantiles(res2, 300, pred, fut)[95][1]
    assert np.allclose(w[fut > 5], 4.0) and np.allclose(w[fut < 5], 0.5)


def test_seasonal_series_beats_the_naive_floor_and_bands_are_ordered():
    t, y = seasonal(35, noise=0.5, seed=3)
    fit = fit_select(y, 24 * 7, 3600)
    assert set(fit.scores) == set(MODEL_NAMES)
    assert fit.scores[FLOOR].mase == pytest.approx(1.0)
    assert fit.model != FLOOR and fit.scores[fit.model].mase < 1
    assert _ordered(fit.band) and len(fit.band.mean) == 24 * 7
    assert 0.8 <= fit.scores[fit.model].coverage95 <= 1.0
    # the forecast follows the daily season: its peak-to-trough is near the true 2 x 3
    assert 3.5 < float(np.ptp(fit.band.mean[:24])) < 8.5


def test_white_noise_keeps_the_floor_or_a_model_no_worse():
    rng = np.random.default_rng(7)
    y = 5 + rng.normal(0, 1, 24 * 30)
    fit = fit_select(y, 48, 3600)
    assert fit.scores[fit.model].mase <= 1.0


def test_deterministic():
    _, y = seasonal(20, seed=5)
    a, b = fit_select(y, 72, 3600), fit_select(y.copy(), 72, 3600)
    assert a.model == b.model
    for f in ("mean", "lo80", "hi80", "lo95", "hi95"):
        assert np.array_equal(getattr(a.band, f), getattr(b.band, f))


def test_constant_series_is_exact():
    fit = fit_select(np.full(200, 48.0), 24, 3600)
    assert fit.model == FLOOR and np.all(fit.band.hi95 == 48.0) and np.all(fit.band.lo95 == 48.0)


def test_nonnegative_clip():
    y = np.maximum(0, np.linspace(5, 0, 300))
    fit = fit_select(y, 200, 3600)
    assert np.all(fit.band.lo95 >= 0) and np.all(fit.band.mean >= 0)


@pytest.mark.parametrize("y, msg", [([1.0, 2.0], "at least 3"),
                                    ([1.0, math.nan, 2.0, 3.0], "finite")])
def test_bad_series(y, msg):
    with pytest.raises(ForecastError, match=msg):
        fit_select(np.array(y), 5, 3600)


def test_regular_bucket_means_and_gap_interpolation():
    ts = np.array([0, 10, 3600, 3 * 3600 + 5], float)
    vs = np.array([1, 3, 4, 10], float)
    g, v = regular(ts, vs, 3600)
    assert list(g) == [0, 3600, 7200, 10800]
    assert list(v) == [2, 4, 7, 10]          # bucket 2 had no sample: interpolated


def test_exhaustion_of_a_growing_series_is_finite_and_early():
    """A climb of 1/day from 0 (ending near 21) against a limit of 35: the truth's daily
    peak (+0.5) crosses about 13.5 days after the history ends. The upper 95 % bound must
    cross first (it is an upper bound), but not before half that time."""
    t, y = seasonal(21, level=0.0, growth_per_day=1.0, daily_amp=0.5, weekly_amp=0.0,
                    noise=0.2, seed=11)
    tg = Target("team-a", "pods", "count", t, y, 3600.0, [Limit("quota pods", 35.0)])
    truth_days = 35.0 - 0.5 - (t[-1] - T0) / DAY
    r = forecast_targets([tg], 30 * DAY)
    ex = r.forecasts[0].exhaustion
    assert ex is not None and ex.limit == "quota pods" and ex.value == 35.0
    assert truth_days / 2 <= ex.days <= truth_days + 0.5
    assert r.forecasts[0].t[0] == t[-1] + 3600
    assert r.summary()["first_exhaustion"]["days"] == ex.days


def test_no_exhaustion_when_flat():
    t, y = seasonal(21, seed=2)
    r = forecast_targets([Target("ns", "cpu_usage", "cores", t, y, 3600.0,
                                 [Limit("allocatable cpu", 1000.0)])], 30 * DAY)
    fc = r.forecasts[0]
    assert fc.exhaustion is None and fc.limits[0].days is None


def test_holdout_backtest_scores_against_actuals():
    t, y = seasonal(35, seed=4)
    r = forecast_targets([Target("ns", "cpu_usage", "cores", t, y, 3600.0)], 7 * DAY,
                         backtest=True)
    fc = r.forecasts[0]
    assert fc.holdout is not None and fc.holdout.points == 24 * 7
    assert np.array_equal(fc.actual, y[-24 * 7:])
    assert fc.t[0] == t[-24 * 7]
    with pytest.raises(ForecastError, match="hold out"):
        forecast_targets([Target("ns", "x", "count", t[:50], y[:50], 3600.0)], 7 * DAY,
                         backtest=True)


@pytest.mark.parametrize("text, seconds", [("30d", 30 * 86400), ("2w", 14 * 86400),
                                           ("1h30m", 5400), ("90s", 90), ("1.5h", 5400)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "d", "0d", "-1d", "30 d", "1x"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_start_time_is_irrelevant():
    _, y = seasonal(15, seed=9)
    a = forecast_targets([Target("n", "q", "cores", T0 + 3600 * np.arange(len(y)), y, 3600.0)],
                         DAY)
    b = forecast_targets([Target("n", "q", "cores", 3600 * np.arange(len(y)), y, 3600.0)], DAY)
    assert np.array_equal(a.forecasts[0].band.hi95, b.forecasts[0].band.hi95)


def _bursty(days: float, step: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stationary on/off square wave: bursts of 8 (1-6 h) over a base of 1 (2-10 h
    apart), noise of 0.3, seeded; no growth at all."""
    rng = np.random.default_rng(seed)
    n = int(days * DAY / step)
    y = np.ones(n)
    i = int(rng.integers(0, int(6 * 3600 / step)))
    while i < n:
        on = int(rng.uniform(1, 6) * 3600 / step)
        y[i:i + on] = 8.0
        i += on + int(rng.uniform(2, 10) * 3600 / step)
    y += rng.normal(0, 0.3, n)
    return T0 + step * np.arange(n), np.maximum(y, 0.0)


@pytest.mark.parametrize("step, seed", [(3600.0, 1), (3600.0, 2), (300.0, 3)])
def test_bursty_stationary_series_does_not_exhaust(step, seed):
    """The twin's case: 7 days of a bursty series with no growth, forecast 30 days against
    a limit 1.5x its peak: no exhaustion (no model extrapolates a trend from a week, and the
    interval is the backtest residuals' at each lead, not a model's exploding one)."""
    t, y = _bursty(7, step, seed)
    if step != 3600.0:
        t, y = regular(t, y, 3600.0)           # as provisor plan grids a 7-day history
    peak = float(y.max())
    tg = Target("ns", "cpu_usage", "cores", t, y, 3600.0, [Limit("quota requests.cpu",
                                                                 1.5 * peak)])
    r = forecast_targets([tg], 30 * DAY)
    fc = r.forecasts[0]
    # a week of hourly points: backtest from day 2 on, so leads up to 5 days are verified
    assert fc.verified_s == 5 * DAY and fc.to_dict()["verified_lead_days"] == 5.0
    assert fc.exhaustion is None, (fc.model, float(fc.band.hi95.max()), 1.5 * peak)
    assert float(fc.band.hi95.max()) < 1.5 * peak
    assert float(fc.band.mean.max()) <= peak
    assert _ordered(fc.band) and np.all(fc.band.lo95 >= 0)


def test_bursty_series_at_five_minute_steps_forecasts_bounded():
    """Two days at 5-minute steps (the grid provisor uses for short histories): the daily
    season is 288 points, ETS and ARIMA go non-seasonal, the band stays bounded."""
    _, y = _bursty(2, 300.0, 4)
    fit = fit_select(y, 30 * 288, 300.0)
    assert _ordered(fit.band) and np.isfinite(fit.band.hi95).all()
    assert float(fit.band.hi95.max()) < 1.5 * float(y.max())


def test_growing_series_exhausts_finite_not_early():
    """Four weeks growing 3 % of the start level a day (level 20, +0.6/day, daily swing 2)
    against a limit of 40: the truth's daily peak reaches it about 13 days after the
    history ends. The upper 95 % bound crosses first, but not in the first few days."""
    t, y = seasonal(28, level=20.0, growth_per_day=0.6, daily_amp=2.0, weekly_amp=0.5,
                    noise=0.4, seed=21)
    tg = Target("ns", "memory_usage", "bytes", t, y, 3600.0, [Limit("quota requests.memory",
                                                                    40.0)])
    truth_days = (40.0 - 2.0 - 20.0) / 0.6 - (t[-1] - T0) / DAY
    fc = forecast_targets([tg], 30 * DAY).forecasts[0]
    assert fc.exhaustion is not None
    assert truth_days / 2 <= fc.exhaustion.days <= truth_days + 1.0, (fc.model,
                                                                     fc.exhaustion.days,
                                                                     truth_days)


def test_holdout_coverage_is_calibrated_on_stationary_series():
    """Ten seeded seasonal series: 4 weeks of history, a held-out week. The conformal
    intervals' mean coverage is about nominal (they may narrow as well as widen)."""
    c80, c95 = [], []
    for seed in range(10):
        t, y = seasonal(35, noise=0.8, seed=100 + seed)
        fc = forecast_targets([Target("ns", "cpu_usage", "cores", t, y, 3600.0)], 7 * DAY,
                              backtest=True).forecasts[0]
        c80.append(fc.holdout.coverage80)
        c95.append(fc.holdout.coverage95)
    assert 0.88 <= np.mean(c95) <= 0.99, c95
    assert 0.70 <= np.mean(c80) <= 0.90, c80


def test_two_runs_are_byte_identical():
    import json

    t, y = _bursty(7, 3600.0, 9)
    tg = Target("ns", "cpu_usage", "cores", t, y, 3600.0, [Limit("q", 20.0)])
    a = json.dumps(forecast_targets([tg], 30 * DAY).to_json(), sort_keys=True)
    b = json.dumps(forecast_targets([tg], 30 * DAY).to_json(), sort_keys=True)
    assert a == b


def test_stl_jumps_are_a_tenth_of_statsmodels_default_windows():
    """Cleveland et al. (1990) section 3.5: a jump of about a tenth of each loess window.
    Hourly daily season (24): trend window 43, low-pass 25, seasonal 11; 5-minute (288):
    trend 503, low-pass 289."""
    from provisor.forecast.engine import stl_jumps

    assert stl_jumps(24) == {"seasonal_jump": 2, "trend_jump": 5, "low_pass_jump": 3}
    assert stl_jumps(288) == {"seasonal_jump": 2, "trend_jump": 51, "low_pass_jump": 29}
    assert stl_jumps(2) == {"seasonal_jump": 2, "trend_jump": 1, "low_pass_jump": 1}


def test_stl_with_jumps_stays_close_to_the_exact_decomposition():
    import statsmodels.api as sm

    from provisor.forecast.engine import stl_jumps

    rng = np.random.default_rng(3)
    t = np.arange(672)
    y = 10 + np.sin(2 * np.pi * t / 24) + 0.3 * np.sin(2 * np.pi * t / 168) + rng.normal(0, .2, 672)
    for period in (24, 168):
        exact = sm.tsa.STL(y, period=period, seasonal=11, seasonal_deg=0).fit()
        fast = sm.tsa.STL(y, period=period, seasonal=11, seasonal_deg=0, **stl_jumps(24)).fit()
        assert np.abs(fast.seasonal - exact.seasonal).max() < 0.05      # amplitude 1
        assert np.abs(fast.trend - exact.trend).max() < 0.02
