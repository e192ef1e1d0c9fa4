"""Batched forecasting: the candidate models of :mod:`provisor.forecast.engine` fitted to many
series at once, vectorised over the series (numpy arrays of shape ``(series, points)``), so
that forecasting a namespace's hundred series costs a few array passes instead of a hundred
statsforecast fits.

Every model module (``naive``, ``ets``, ``arima``, ``mstl``) exports one function with the
same contract::

    backtest_forecast(Y, origins, h, seasons, step_s) -> (bt, final)

* ``Y``: float64, shape ``(s, n)``: ``s`` finite series on one regular grid (``step_s``
  seconds apart).
* ``origins``: increasing indices into ``Y``'s columns (the rolling-origin backtest's
  first forecast points, :func:`provisor.forecast.engine.backtest_origins`); may be empty.
* The model's form and parameters are searched *once* per series, on the history before
  ``origins[0]`` (the whole of ``Y`` when ``origins`` is empty), within the model's own
  history window; with them kept, the states are filtered through the data up to every
  origin and up to ``n`` (statsforecast's ``forward``, ``cross_validation(refit=False)``).
* ``bt``: shape ``(s, len(origins), L)``, ``L = min(h, n - origins[0])`` (0 without
  origins): window ``k``'s mean forecast of ``Y[:, o_k : o_k + min(h, n - o_k)]``, NaN after
  the window's last point.
* ``final``: shape ``(s, h)``: the mean forecast of the ``h`` points after ``n``.
* A series the model cannot fit (or whose forecast is not finite) gets NaN in its rows of
  both; the selection drops the candidate for that series only.

Deterministic: no RNG, and no result depends on the other series in the batch.
"""

from collections.abc import Sequence

import numpy as np


def check_inputs(Y: np.ndarray, origins: Sequence[int], h: int) -> tuple[np.ndarray, list[int]]:
    """``(Y as float64, origins as ints)`` after checking the contract's inputs.

    Raises:
        ValueError: ``Y`` is not 2-D, ``h < 1``, or the origins are not increasing indices
            in ``1..n``.
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ValueError(f"Y must have shape (series, points), got {Y.shape}")
    if h < 1:
        raise ValueError(f"h must be >= 1, got {h}")
    n = Y.shape[1]
    out = [int(o) for o in origins]
    if any(b <= a for a, b in zip(out, out[1:])) or (out and (out[0] < 1 or out[-1] > n)):
        raise ValueError(f"origins must be increasing indices in 1..{n}, got {out}")
    return Y, out
