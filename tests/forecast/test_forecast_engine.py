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
    backtest_windows,
    fit_select,
    regular,
    seasons_for,
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


def test_backtest_windows_leave_two_seasons_of_training():
    s = seasons_for(3600, 24 * 62)
    nw, hb = backtest_windows(24 * 62, 720, s, 3)
    assert nw == 3 and hb == (24 * 62 - 2 * 168) // 3
    assert backtest_windows(10, 5, seasons_for(3600, 10), 3) == (0, 0)


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
