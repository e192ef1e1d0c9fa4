"""Counter arithmetic on :class:`provisor.series.Series`, with Prometheus' own semantics.

:func:`rate` and :func:`increase` follow ``extrapolatedRate`` in Prometheus 2.x's
``promql/functions.go`` (the version Debian ships and the tests run): the samples of a range
``[t - range, t]`` (both ends inclusive in 2.x), the counter resets inside it added back, and
the result extrapolated towards the range's ends when the first or last sample lies within
1.1 average sample intervals of them (else by half an interval), never below the point where
the counter would have been zero. Timestamps are rounded to milliseconds first, as Prometheus
stores them. The tests compare these functions with a real Prometheus server.
"""

from __future__ import annotations

import numpy as np


def _ms(ts: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(ts, dtype=np.float64) * 1000.0).astype(np.int64)


def deltas(series) -> tuple[np.ndarray, np.ndarray]:
    """Per-interval increases of a counter, reset-aware.

    Returns ``(timestamps[1:], d)`` where ``d[i]`` is ``v[i+1] - v[i]``, or ``v[i+1]`` when
    the counter went down (a reset: the process restarted from zero), as Prometheus counts
    resets. Units: the counter's unit per interval (e.g. CPU-seconds).
    """
    v = np.asarray(series.values, dtype=np.float64)
    t = np.asarray(series.timestamps, dtype=np.float64)
    if v.size < 2:
        return t[:0], v[:0]
    d = np.diff(v)
    reset = v[1:] < v[:-1]
    d[reset] = v[1:][reset]
    return t[1:], d


def _extrapolated(series, at: np.ndarray | float, range_s: float, is_rate: bool) -> np.ndarray:
    at_ms = _ms(np.atleast_1d(np.asarray(at, dtype=np.float64)))
    rng_ms = int(round(range_s * 1000))
    if rng_ms <= 0:
        raise ValueError(f"range must be positive, got {range_s} s")
    t = _ms(series.timestamps)
    v = np.asarray(series.values, dtype=np.float64)
    # resets: sum over j in (a, b] of v[j-1] where v[j] < v[j-1]
    add = np.zeros(v.size)
    if v.size > 1:
        r = v[1:] < v[:-1]
        add[1:][r] = v[:-1][r]
    cum = np.cumsum(add)
    start = at_ms - rng_ms
    lo = np.searchsorted(t, start, "left")          # first sample >= start (inclusive)
    hi = np.searchsorted(t, at_ms, "right") - 1     # last sample <= t (inclusive)
    out = np.full(at_ms.shape, np.nan)
    ok = (hi - lo) >= 1
    if not np.any(ok):
        return out
    a, b = lo[ok], hi[ok]
    result = v[b] - v[a] + (cum[b] - cum[a])
    first_t, last_t = t[a], t[b]
    d_start = (first_t - start[ok]) / 1000.0
    d_end = (at_ms[ok] - last_t) / 1000.0
    sampled = (last_t - first_t) / 1000.0
    avg = sampled / (b - a)
    first_v = v[a]
    with np.errstate(divide="ignore", invalid="ignore"):
        to_zero = sampled * (first_v / result)
    use_zero = (result > 0) & (first_v >= 0) & (to_zero < d_start)
    d_start = np.where(use_zero, to_zero, d_start)
    thr = avg * 1.1
    interval = sampled + np.where(d_start < thr, d_start, avg / 2) + np.where(d_end < thr, d_end, avg / 2)
    result = result * (interval / sampled)
    if is_rate:
        result = result / (rng_ms / 1000.0)
    out[ok] = result
    return out


def rate(series, at: np.ndarray | float, range_s: float) -> np.ndarray:
    """PromQL ``rate(series[range_s])`` evaluated at each time in ``at`` (seconds).

    Returns a float64 array shaped like ``np.atleast_1d(at)``, in the counter's unit per
    second (cores for ``container_cpu_usage_seconds_total``); NaN where the range holds
    fewer than two samples (where Prometheus returns no sample).

    Raises:
        ValueError: ``range_s`` is not positive.
    """
    return _extrapolated(series, at, range_s, True)


def increase(series, at: np.ndarray | float, range_s: float) -> np.ndarray:
    """PromQL ``increase(series[range_s])`` at each time in ``at`` (seconds); see
    :func:`rate` (same, not divided by the range)."""
    return _extrapolated(series, at, range_s, False)
