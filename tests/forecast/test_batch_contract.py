"""The contract of provisor.forecast.batch, checked on every batched model: shapes, NaN
after each window's end, and no look-ahead: a backtest window's forecast from origin ``o``
depends only on the points before ``o`` (the search on those before the first origin), so
changing the data from some point on leaves every window that starts at or before it
unchanged. A look-ahead would make a model's backtest MASE optimistic and win it the
selection unfairly."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisor.forecast.batch.select import MODULES, batch_models
from provisor.forecast.engine import backtest_origins, seasons_for

NAMES = sorted(MODULES)


def _series(rng: np.random.Generator, s: int, n: int) -> np.ndarray:
    t = np.arange(n)
    return (rng.uniform(5, 50, (s, 1)) * (1 + rng.uniform(-0.001, 0.003, (s, 1)) * t)
            + rng.uniform(0, 8, (s, 1)) * np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6, (s, 1)))
            + rng.uniform(0, 3, (s, 1)) * np.sin(2 * np.pi * t / 168)
            + rng.normal(0, rng.uniform(0.2, 3, (s, 1)), (s, n)))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(n=st.sampled_from([24 * 10, 24 * 15, 24 * 40]), h=st.sampled_from([24, 168, 720]),
       seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 11))
def test_no_look_ahead_and_shapes(name, n, h, seed, cut):
    fn = batch_models([name])[name]
    rng = np.random.default_rng(seed)
    Y = _series(rng, 3, n)
    seasons = seasons_for(3600.0, n)
    origins = backtest_origins(n, h, seasons, 3, 3600.0)
    bt, final = fn(Y, origins, h, seasons, 3600.0)
    L = min(h, n - origins[0])
    assert bt.shape == (3, len(origins), L) and final.shape == (3, h)
    for k, o in enumerate(origins):
        w = min(h, n - o)
        assert np.isfinite(bt[:, k, :w]).all() and np.isnan(bt[:, k, w:]).all()
    assert np.isfinite(final).all()
    # change everything from origin `k` on: windows 0..k must not move
    k = cut % len(origins)
    t = origins[k]
    Z = Y.copy()
    Z[:, t:] = Z[:, t:] * rng.uniform(0.5, 2.0) + rng.normal(0, 5, Z[:, t:].shape)
    bt2, _ = fn(Z, origins, h, seasons, 3600.0)
    np.testing.assert_array_equal(bt2[:, :k + 1], bt[:, :k + 1],
                                  err_msg=f"{name}: window forecasts saw data after origin {t}")


def test_every_model_module_exists():
    for mod in MODULES.values():
        assert hasattr(importlib.import_module(mod), "backtest_forecast")
