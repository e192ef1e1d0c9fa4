"""provisor.forecast.batch.naive equals statsforecast's SeasonalNaive (the exact function
it stands for) from every origin, for every season, series by series."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provisor.forecast.batch import naive
from provisor.forecast.engine import Seasons, backtest_origins, naive_forecast, seasons_for


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(30, 500), st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_equals_statsforecast_seasonal_naive(s, n, h, seed):
    from statsforecast.models import SeasonalNaive

    rng = np.random.default_rng(seed)
    Y = rng.normal(10, 3, (s, n))
    seasons = seasons_for(3600.0, n)
    origins = backtest_origins(n, h, seasons, 3, 3600.0)
    bt, final = naive.backtest_forecast(Y, origins, h, seasons, 3600.0)
    model = SeasonalNaive(season_length=seasons.naive)
    for i in range(s):
        np.testing.assert_array_equal(final[i], model.forecast(y=Y[i], h=h)["mean"])
        np.testing.assert_array_equal(final[i], naive_forecast(Y[i], h, 3600.0))
        for k, o in enumerate(origins):
            w = min(h, n - o)
            np.testing.assert_array_equal(bt[i, k, :w], model.forecast(y=Y[i, :o], h=w)["mean"])
            assert np.isnan(bt[i, k, w:]).all()


def test_plain_naive_without_seasons():
    Y = np.arange(12.0).reshape(2, 6)
    bt, final = naive.backtest_forecast(Y, [3, 4], 3, Seasons(0, 0), 3600.0)
    assert final.tolist() == [[5.0] * 3, [11.0] * 3]
    assert bt[0, 0].tolist() == [2.0, 2.0, 2.0] and bt[0, 1, :2].tolist() == [3.0, 3.0]
