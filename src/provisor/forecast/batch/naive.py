"""The seasonal naive forecast, batched: the floor of the model selection and the reference
of MASE. Point ``i`` after an origin ``o`` is the value one season earlier,
``y[o - m + (i mod m)]`` (statsforecast ``SeasonalNaive``; Hyndman & Athanasopoulos,
"Forecasting: principles and practice", 3rd ed., section 5.2), ``m`` being
``seasons.naive`` (weekly, else daily, else 1: the plain naive forecast)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from provisor.forecast.batch import check_inputs
from provisor.forecast.engine import Seasons


def _from(Y: np.ndarray, o: int, m: int, h: int) -> np.ndarray:
    i = np.arange(h)
    return Y[:, o - m + (i % m)]


def backtest_forecast(Y: np.ndarray, origins: Sequence[int], h: int, seasons: Seasons,
                      step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The seasonal naive forecast from every origin and from the end; the contract of
    :mod:`provisor.forecast.batch` (``bt`` shape ``(s, len(origins), L)``, ``final`` shape
    ``(s, h)``).

    Raises:
        ValueError: as :func:`provisor.forecast.batch.check_inputs`, or the first origin (or
            ``n``) is shorter than the season.
    """
    Y, origins = check_inputs(Y, origins, h)
    s, n = Y.shape
    m = max(1, seasons.naive)
    if (origins and origins[0] < m) or n < m:
        raise ValueError(f"history shorter than the season ({m} points)")
    L = min(h, n - origins[0]) if origins else 0
    bt = np.full((s, len(origins), L), np.nan)
    for k, o in enumerate(origins):
        w = min(h, n - o)
        bt[:, k, :w] = _from(Y, o, m, w)
    return bt, _from(Y, n, m, h)
