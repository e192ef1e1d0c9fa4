"""MSTL, batched: the multiple-seasonal STL decomposition of many series at once, each
seasonal component forecast by its seasonal naive, the seasonally adjusted series (trend +
remainder) by a non-seasonal trend forecaster.

What it stands for: statsforecast's ``MSTL(season_length=[daily, weekly],
trend_forecaster=..., stl_kwargs=engine.stl_jumps(min(periods)))`` as
:func:`provisor.forecast.engine._models` configures it, on the last
:data:`~provisor.forecast.engine.MSTL_WINDOW_S` of history (Bandara, Hyndman & Bergmeir 2021,
"MSTL: a seasonal-trend decomposition algorithm for time series with multiple seasonal
patterns"). statsforecast's ``statsforecast/mstl.py`` (function ``mstl``, after R
``forecast::mstl``) sorts the periods, gives period ``i`` the seasonal window ``7 + 4 (i+1)``
(11, 15), ``seasonal_deg=0``, and runs statsmodels' ``STL`` (``statsmodels/tsa/stl/_stl.pyx``,
a port of Cleveland et al.'s 1990 NETLIB Fortran: ``_onestp``, ``_ss``, ``_fts``, ``_ess``,
``_est``, ``_ma``) per period, twice over all periods (once for one period); the trend is the
last STL's. statsforecast's ``MSTL.forecast`` / ``forward`` (``statsforecast/models.py``)
tile each seasonal component's last period (``_predict_mstl_components``) and add the trend
forecaster's forecast of ``trend + remainder``.

**Linear.** With those settings nothing in the decomposition depends on the data: no
Box-Cox (``blambda`` is None), no robustness weights (``robust=False``: statsmodels then runs
5 inner iterations and no outer ones), and the windows, degrees and jumps depend only on the
periods. Every loess (``_est``) is a fixed weight vector over a fixed window of positions
(its "NaN" fallback, a window of zero total weight, depends on positions only); the
cycle-subseries smoother, the three moving averages of the low-pass filter and the jumps'
linear interpolation are fixed linear maps. So for a given length ``n``, periods and
parameters, ``seasonal_i = Y @ S_i`` and ``trend = Y @ T``, the same matrices for every
series. Two evaluations are implemented, giving the same numbers to rounding (~1e-13):

* **direct** (:func:`decompose`), STL vectorised over series: each loess smoother is its
  evaluation points' weights (computed once per ``(n, window, degree, jump)``, exactly as
  ``_est``/``_ess`` do, including the windows at the ends and the stale window statsmodels
  uses for the last point under jumps) applied to all series as block-banded matmuls, then
  the jumps' linear interpolation; the cycle-subseries smoother is one small matrix per
  subseries length applied to each series viewed as a ``(cycles, period)`` matrix; ``_fts``'s three
  moving averages are folded into the low-pass loess weights. Memory: the weights (2.1 MB
  for 28 days hourly; 28 MB at 5-minute steps, ``n = 8064``, periods 288 and 2016), kept in
  a cache bounded by :data:`CACHE_BYTES`, and a few arrays of ``(rows, n + 2 period)`` per
  block of :data:`ROWS_DIRECT` rows (about 10 MB at 5-minute steps).
* **operator** (:func:`use_operator`: the full window up to ``OPERATOR_MAX_N`` points, and
  short windows up to ``OPERATOR_SMALL_N``): the direct evaluation run once on the
  identity gives ``A = I - sum_i S_i`` (the seasonally adjusted series) and the last period
  of every ``S_i``; they are kept in a bounded cache (:data:`CACHE_BYTES`) keyed by ``(n,
  periods, parameters)``; every window of that length of every series is then one matmul.
  Hourly 28 days (``n = 672``): 3.6 MB per operator. At 5-minute steps (``n = 8064``) a dense
  operator would be 520 MB: the direct evaluation is used there.

Rows are processed in blocks of exactly :data:`ROWS` / :data:`ROWS_DIRECT` (the last padded
with zeros), every matrix applied to them has a multiple of :data:`COL_PAD` columns, and the
path (operator or direct) depends only on the window's length, so each series goes through
the same-shaped array operations whatever the batch: a series' result is bit-identical
whatever the other series in the batch are (tested by permuting and subsetting batches).

Cost (one core, ``bench/batch_mstl_bench.py``): the decomposition of a 28-day hourly
window is about 0.3 ms per series directly (the block-banded products run near the core's
peak; what is left is numpy's per-call cost on blocks of 16 rows), building its operator
costs as much as 672 direct decompositions (about 0.2 s; the trend smoothings the seasonal
components do not use are skipped), applying it about 0.05 ms per series; a plan (the
weights, computed for all evaluation points of a smoother at once) about 12 ms. Building
the operator by composing each step's matrix instead is no cheaper: every step applied to
a dense ``n x n`` image costs what it costs on ``n`` rows, and the image is dense after the
first cycle-subseries smoothing. The first call on the bench's long shape (100 hourly
series, 13 windows, of which 4 shorter than 28 days and decomposed directly) is about 0.4
s in a fresh process.

**Forward.** As statsforecast's ``MSTL.forward``: the decomposition is redone on the window
(the last ``MSTL_WINDOW_S``) ending at every origin and at ``n``; the trend forecaster is
searched once, on the adjusted series of the first origin's window, and its states carried
through the later windows' adjusted series. Under the batch contract
(:mod:`provisor.forecast.batch`) the trend forecaster is called once, on the adjusted series
of all the windows laid end to end (first origin's window, then each later one, then the
final one, then ``h`` repeats of the last value so that every window's origin has ``h``
points after it) with the origins at the segments' ends: its search sees exactly the first
window's adjusted series, and each forecast starts from the end of that window's adjusted
series. One difference from statsforecast, for a forecaster with states: statsforecast
restarts each ``forward`` from the fitted initial states, here the states entering a window
are those the previous window left (a level seen ``MSTL_WINDOW_S`` earlier instead of the
initial one; both fade within the window). For the naive forecaster the two are identical.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from provisor.forecast.batch import naive
from provisor.forecast.engine import MSTL_WINDOW_S, Seasons, stl_jumps

#: Rows (series x windows) go through a cached operator in blocks of exactly this many (the
#: last padded with zeros), so a row's arithmetic does not depend on the batch.
ROWS = 64
#: Rows decomposed directly go in blocks of this many (smaller blocks stay in cache: about a
#: quarter faster per row than 64 at 672 points).
ROWS_DIRECT = 16
#: Longest series decomposed through a cached dense operator (``n x n`` float64: 32 MB at
#: 2048); longer ones (5-minute steps) are decomposed directly.
OPERATOR_MAX_N = 2048
#: Windows shorter than the model's full window use the operator only up to this many
#: points (:func:`use_operator`): a longer one is built from as many rows as it has points,
#: more than the few batches of that length (short histories) decompose.
OPERATOR_SMALL_N = 256
#: Bytes of operators kept, and of decomposition weights kept (least recently used dropped
#: first; one of each is always kept).
CACHE_BYTES = 256 * 2 ** 20
#: Matrices applied to the rows have their column count padded to a multiple of this: OpenBLAS
#: threads split an odd-sized product so that a row's rounding depends on its place in the
#: block (measured: 64 x 150 @ 150 x 150 differs by row order; multiples of 8 do not).
COL_PAD = 16
#: statsmodels STL inner iterations without robustness (``STL.fit``: 5 when not robust).
INNER_ITER = 5

TrendForecaster = Callable[..., tuple[np.ndarray, np.ndarray]]


# ---------------------------------------------------------------------------------------
# loess (statsmodels _stl.pyx: _est, _ess), as evaluation weights + interpolation

def _est_weights(n: int, len_: int, ideg: int, xs: int, nleft: int,
                 nright: int) -> np.ndarray | None:
    """Weights over positions ``nleft-1 .. nright-1`` (0-based) of the loess fit at ``xs``
    (1-based), as ``_est`` computes them; None where ``_est`` returns NaN (zero total
    weight)."""
    rng = n - 1.0
    h = float(max(xs - nleft, nright - xs))
    if len_ > n:
        h += float((len_ - n) // 2)
    h9 = 0.999 * h
    h1 = 0.001 * h
    j1 = np.arange(nleft, nright + 1, dtype=float)           # j + 1
    r = np.abs(j1 - xs)
    w = np.zeros(len(r))
    near = r <= h1
    mid = (r <= h9) & ~near
    w[near] = 1.0
    if h > 0:
        w[mid] = (1.0 - (r[mid] / h) ** 3) ** 3
    a = float(w.sum())
    if a <= 0:
        return None
    w = w / a
    if h > 0 and ideg > 0:
        a = float((w * j1).sum())
        b = xs - a
        c = float((w * (j1 - a) ** 2).sum())
        if math.sqrt(c) > 0.001 * rng:
            b = b / c
            w = w * (b * (j1 - a) + 1.0)
    return w


def _est_rows(n: int, len_: int, ideg: int,
              specs: list[tuple[int, int, int]]) -> list[tuple[int, np.ndarray]]:
    """The rows ``(lo, weights)`` of the loess fits ``specs`` (``(i, nleft, nright)``: at
    the 0-based point ``i`` over the 1-based window ``nleft..nright``), as
    :func:`_est_weights` computes each, vectorised over fits of one window width; a fit of
    zero total weight (``_est``'s NaN) is ``ys[i] = y[i]``, ``(i, [1.0])``."""
    out: list[tuple[int, np.ndarray] | None] = [None] * len(specs)
    by_width: dict[int, list[int]] = {}
    for k, (_, left, right) in enumerate(specs):
        by_width.setdefault(right - left + 1, []).append(k)
    rng = n - 1.0
    for width, ks in by_width.items():
        sp = np.array([specs[k] for k in ks], dtype=np.int64)
        xs = (sp[:, 0] + 1).astype(float)[:, None]
        nleft, nright = sp[:, 1], sp[:, 2]
        h = np.maximum(xs[:, 0] - nleft, nright - xs[:, 0])
        if len_ > n:
            h = h + float((len_ - n) // 2)
        h = h[:, None]
        j1 = (nleft[:, None] + np.arange(width)).astype(float)       # j + 1
        r = np.abs(j1 - xs)
        near = r <= 0.001 * h
        mid = (r <= 0.999 * h) & ~near
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(mid, (1.0 - (r / h) ** 3) ** 3, 0.0)
        w[near] = 1.0
        a = w.sum(axis=1)
        good = a > 0
        w = w / np.where(good, a, 1.0)[:, None]
        if ideg > 0:
            am = (w * j1).sum(axis=1)
            c = (w * (j1 - am[:, None]) ** 2).sum(axis=1)
            fit = (h[:, 0] > 0) & (np.sqrt(c) > 0.001 * rng)
            b = np.where(fit, (xs[:, 0] - am) / np.where(fit, c, 1.0), 0.0)
            w = np.where(fit[:, None], w * (b[:, None] * (j1 - am[:, None]) + 1.0), w)
        for row, k in enumerate(ks):
            out[k] = ((int(nleft[row]) - 1, w[row]) if good[row]
                      else (specs[k][0], np.ones(1)))
    return [o for o in out if o is not None]


@dataclass(frozen=True)
class _Smoother:
    """``_ess(y, n, len_, ideg, njump)`` as a linear map ``(B, n_in) -> (B, n)``: the loess
    at its evaluation points (block-banded weights ``groups``: ``ev[:, r0:r1] = y[:, lo:hi]
    @ blk``), then the jumps' linear interpolation in statsmodels' arithmetic
    (``ys[i] + (ys[i + nj] - ys[i]) / nj * (j - i)``), ``jump = (nj, q)``: evaluation rows
    ``0..q`` are the points ``0, nj, .., q nj``, row ``q + 1`` the last point when ``q nj <
    n - 1``; None when every point is evaluated."""

    n: int
    n_eval: int
    groups: tuple[tuple[int, int, int, int, np.ndarray], ...]
    jump: tuple[int, int] | None

    def __call__(self, y: np.ndarray) -> np.ndarray:
        B = y.shape[0]
        ev = np.empty((B, self.n_eval))
        for r0, r1, lo, hi, blk in self.groups:
            ev[:, r0:r1] = (y[:, lo:hi] @ blk)[:, :r1 - r0]
        if self.jump is None:
            return ev
        nj, q = self.jump
        n = self.n
        m = q * nj
        out = np.empty((B, n))
        if q:               # out[i nj + k] = ev[i] + d[i] k, d[i] = (ev[i + 1] - ev[i]) / nj
            e = ev[:, :q]
            d = ev[:, 1:q + 1] - e
            d /= float(nj)
            if nj <= 4:     # by offset k: long inner loops
                out[:, 0:m:nj] = e + d * 0.0
                for k in range(1, nj):
                    t = d * float(k)
                    t += e
                    out[:, k:m:nj] = t
            else:
                dk = d[:, None, :] * np.arange(nj, dtype=float)[:, None]     # (B, nj, q)
                dk += e[:, None, :]
                out[:, :m].reshape(B, q, nj)[...] = dk.transpose(0, 2, 1)
        out[:, m] = ev[:, q]
        if m < n - 1:
            end = ev[:, q + 1]
            if m == n - 2:
                out[:, n - 1] = end
            else:
                d1 = (end - ev[:, q]) / float(n - m - 1)
                out[:, m + 1:] = ev[:, q, None] + d1[:, None] * np.arange(1.0, n - m)
        return out


def _ess_rows(n: int, len_: int, ideg: int, njump: int) -> tuple[
        list[tuple[int, np.ndarray]], list[int], tuple[np.ndarray, ...] | None]:
    """The evaluation rows ``(lo, weights)`` of ``_ess``, the output position of each, and
    the interpolation ``(idx0, idx1, div, off)`` over evaluation rows (None: none)."""
    specs: list[tuple[int, int, int]] = []

    def row(i: int, nleft: int, nright: int) -> tuple[int, int, int]:
        return i, nleft, nright

    if n < 2:
        return [(0, np.ones(1))], [0], None
    newnj = min(njump, n - 1)
    rows = specs
    pos: list[int] = []
    nleft = nright = 0
    if len_ >= n:
        nleft, nright = 1, n
        for i in range(0, n, newnj):
            rows.append(row(i, nleft, nright))
            pos.append(i)
    elif newnj == 1:
        nsh = (len_ + 2) // 2
        nleft, nright = 1, len_
        for i in range(n):
            if (i + 1) > nsh and nright != n:
                nleft += 1
                nright += 1
            rows.append(row(i, nleft, nright))
            pos.append(i)
    else:
        nsh = (len_ + 1) // 2
        for i in range(0, n, newnj):
            if (i + 1) < nsh:
                nleft, nright = 1, len_
            elif (i + 1) >= (n - nsh + 1):
                nleft, nright = n - len_ + 1, n
            else:
                nleft, nright = i + 1 - nsh + 1, len_ + i + 1 - nsh
            rows.append(row(i, nleft, nright))
            pos.append(i)
    if newnj == 1:
        return _est_rows(n, len_, ideg, specs), pos, None
    k = ((n - 1) // newnj) * newnj + 1
    if k != n:                        # the last point, with the last window used (stale)
        rows.append(row(n - 1, nleft, nright))
        pos.append(n - 1)
    at = {p: r for r, p in enumerate(pos)}
    i0 = np.zeros(n, dtype=np.intp)
    i1 = np.zeros(n, dtype=np.intp)
    div = np.ones(n)
    off = np.zeros(n)
    for p, r in at.items():
        i0[p] = i1[p] = r
    i = 0
    while i < n - newnj:
        for j in range(i, i + newnj):
            i0[j], i1[j], div[j], off[j] = at[i], at[i + newnj], newnj, j - i
        i += newnj
    if k != n and k != n - 1:
        for j in range(k, n):
            i0[j], i1[j], div[j], off[j] = at[k - 1], at[n - 1], n - k, j + 1 - k
    return _est_rows(n, len_, ideg, specs), pos, (i0, i1, div, off)


def _groups(rows: list[tuple[int, np.ndarray]], n: int, len_: int,
            njump: int) -> tuple[tuple[int, int, int, int, np.ndarray], ...]:
    """Evaluation rows packed into dense blocks over contiguous column ranges."""
    ne = len(rows)
    # blocks of a multiple of COL_PAD rows spanning about twice the window
    g = COL_PAD * max(1, round(len_ / (max(1, njump) * COL_PAD)))
    out = []
    for r0 in range(0, ne, g):
        r1 = min(ne, r0 + g)
        lo = min(rows[r][0] for r in range(r0, r1))
        hi = max(rows[r][0] + len(rows[r][1]) for r in range(r0, r1))
        blk = np.zeros((hi - lo, _padded(r1 - r0)))
        for c, r in enumerate(range(r0, r1)):
            a, w = rows[r]
            blk[a - lo:a - lo + len(w), c] = w
        out.append((r0, r1, lo, hi, blk))
    return tuple(out)


def _padded(k: int) -> int:
    return -(-k // COL_PAD) * COL_PAD


def _pad_cols(a: np.ndarray) -> np.ndarray:
    """``a`` with zero columns appended up to a multiple of :data:`COL_PAD` (C order)."""
    out = np.zeros((a.shape[0], _padded(a.shape[1])))
    out[:, :a.shape[1]] = a
    return out


def _smoother(n: int, len_: int, ideg: int, njump: int, pre_period: int = 0) -> _Smoother:
    """``_ess`` as a :class:`_Smoother`; with ``pre_period``, of ``_fts`` of the input (its
    moving averages of ``pre_period``, ``pre_period`` and 3 points; input length
    ``n + 2 pre_period``)."""
    rows, pos, interp = _ess_rows(n, len_, ideg, njump)
    jump: tuple[int, int] | None = None
    if interp is None:
        if pos != list(range(n)):
            raise AssertionError("loess without jumps must evaluate every point")
    else:
        nj = min(njump, n - 1)
        q = (n - 1) // nj
        want = list(range(0, q * nj + 1, nj)) + ([n - 1] if q * nj < n - 1 else [])
        if pos != want:
            raise AssertionError(f"unexpected loess evaluation points for n={n}, jump={nj}")
        jump = (nj, q)
    if pre_period:
        rows = _fts_rows(rows, pre_period)
    return _Smoother(n, len(rows), _groups(rows, n, len_, njump), jump)


def _box(w: np.ndarray, length: int) -> np.ndarray:
    """The full convolution of every row of ``w`` with ``length`` weights ``1 / length``
    (running sums)."""
    c = np.cumsum(np.concatenate([w, np.zeros((w.shape[0], length - 1))], axis=1), axis=1)
    out = c.copy()
    out[:, length:] -= c[:, :-length]
    return out / float(length)


def _fts_rows(rows: list[tuple[int, np.ndarray]],
              period: int) -> list[tuple[int, np.ndarray]]:
    """Weights over ``_fts``'s output as weights over its input: ``_fts`` is moving
    averages of ``period``, ``period`` and 3 points (``2 period + 2`` more weights); rows of
    one width at once."""
    out: list[tuple[int, np.ndarray] | None] = [None] * len(rows)
    by_width: dict[int, list[int]] = {}
    for k, (_, w) in enumerate(rows):
        by_width.setdefault(len(w), []).append(k)
    for ks_all in by_width.values():
        for a in range(0, len(ks_all), 64):          # bounded temporaries at 5-minute steps
            ks = ks_all[a:a + 64]
            W = _box(_box(_box(np.array([rows[k][1] for k in ks]), period), period), 3)
            for j, k in enumerate(ks):
                out[k] = (rows[k][0], W[j])
    return [o for o in out if o is not None]


def _subseries_matrix(k: int, ns: int, isdeg: int, nsjump: int) -> np.ndarray:
    """``_ss``'s smoother of one cycle-subseries of ``k`` points: ``(k + 2, k)``, the loess
    at the ``k`` points and its extrapolations one cycle before and after."""
    m = np.zeros((k + 2, k))
    m[1:k + 1] = _smoother(k, ns, isdeg, nsjump)(np.eye(k)).T
    w = _est_weights(k, ns, isdeg, 0, 1, min(ns, k))
    if w is None:
        m[0] = m[1]
    else:
        m[0, :len(w)] = w
    nleft = max(1, k - ns + 1)
    w = _est_weights(k, ns, isdeg, k + 1, nleft, k)
    if w is None:
        m[k + 1] = m[k]
    else:
        m[k + 1, nleft - 1:k] = w
    return m


# ---------------------------------------------------------------------------------------
# STL and MSTL over a block of rows

@dataclass(frozen=True)
class _STLPlan:
    """One statsmodels ``STL(period, seasonal, seasonal_deg=0, jumps)`` for length ``n``."""

    n: int
    period: int
    kmax: int
    r: int
    sub_full: np.ndarray            # (kmax + 2, kmax): the subseries smoother
    sub_short: np.ndarray | None    # (kmax + 1, kmax - 1): subseries one cycle shorter
    low_pass: _Smoother
    trend: _Smoother

    @classmethod
    def build(cls, n: int, period: int, seasonal: int, jumps: dict[str, int]) -> _STLPlan:
        trend = int(np.ceil(1.5 * period / (1 - 1.5 / seasonal)))
        trend += (trend % 2) == 0
        low_pass = period + 1
        low_pass += (low_pass % 2) == 0
        kmax = -(-n // period)
        r = n - (kmax - 1) * period
        sj = jumps.get("seasonal_jump", 1)
        return cls(n, period, kmax, r,
                   _subseries_matrix(kmax, seasonal, 0, sj),
                   _subseries_matrix(kmax - 1, seasonal, 0, sj)
                   if r < period else None,
                   _smoother(n, low_pass, 1, jumps.get("low_pass_jump", 1),
                             pre_period=period),
                   _smoother(n, trend, 1, jumps.get("trend_jump", 1)))

    def _ss(self, w: np.ndarray) -> np.ndarray:
        """Cycle-subseries smoothing: ``(B, n) -> (B, n + 2 period)``. Row ``b`` as a
        ``(cycles, period)`` matrix, its subseries are its columns: one small product per
        row, ``sub_full @ x_b`` (and ``sub_short`` on the columns one cycle shorter), whose
        output is already in time order."""
        B, n, p, kmax, r = w.shape[0], self.n, self.period, self.kmax, self.r
        out = np.empty((B, (kmax + 2) * p))
        o3 = out.reshape(B, kmax + 2, p)
        if self.sub_short is None:
            np.matmul(self.sub_full, w.reshape(B, kmax, p), out=o3)
        else:
            x = np.zeros((B, kmax * p))
            x[:, :n] = w
            x3 = x.reshape(B, kmax, p)
            o3[:, :, :r] = self.sub_full @ x3[:, :, :r]
            o3[:, :kmax + 1, r:] = self.sub_short @ x3[:, :kmax - 1, r:]
        return out[:, :n + 2 * p]     # the short subseries' last row lies past n + 2 p

    def fit(self, y: np.ndarray, with_trend: bool = True
            ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(season, trend)``, each ``(B, n)``, of ``STL.fit()`` on every row of ``y``;
        without ``with_trend`` the last trend smoothing (which the season does not use) is
        skipped and the trend is None."""
        p, n = self.period, self.n
        trend = np.zeros_like(y)
        season = trend
        for it in range(INNER_ITER):
            c = self._ss(y - trend)
            season = c[:, p:p + n] - self.low_pass(c)    # low-pass of _fts(c), fused
            if it == INNER_ITER - 1 and not with_trend:
                return season, None
            trend = self.trend(y - season)
        return season, trend


@dataclass(frozen=True)
class _MSTLPlan:
    n: int
    periods: tuple[int, ...]
    stls: tuple[_STLPlan, ...]
    iterate: int

    @classmethod
    def build(cls, n: int, periods: tuple[int, ...], jumps: tuple[tuple[str, int], ...]
              ) -> _MSTLPlan:
        kw = dict(jumps)
        stls = tuple(_STLPlan.build(n, p, 7 + 4 * (i + 1), kw) for i, p in enumerate(periods))
        return cls(n, periods, stls, 2 if len(periods) > 1 else 1)

    @property
    def nbytes(self) -> int:
        """Bytes of the weights held."""
        tot = 0
        for st in self.stls:
            tot += st.sub_full.nbytes + (0 if st.sub_short is None else st.sub_short.nbytes)
            for sm in (st.low_pass, st.trend):
                tot += sum(g[4].nbytes for g in sm.groups)
        return tot

    def decompose(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """statsforecast ``mstl`` on every row of ``x`` ``(B, n)``: seasonal components
        ``(B, P, n)`` and the trend ``(B, n)``."""
        seas, trend = self._run(x, True)
        assert trend is not None
        return seas, trend

    def seasonal(self, x: np.ndarray) -> np.ndarray:
        """The seasonal components ``(B, P, n)`` of :meth:`decompose` (the same numbers),
        without the trend smoothings they do not use."""
        return self._run(x, False)[0]

    def _run(self, x: np.ndarray, with_trend: bool) -> tuple[np.ndarray, np.ndarray | None]:
        seas = np.zeros((x.shape[0], len(self.periods), self.n))
        deseas = x.copy()
        trend: np.ndarray | None = deseas
        for _ in range(self.iterate):
            for i, stl in enumerate(self.stls):
                deseas = deseas + seas[:, i]
                s_i, trend = stl.fit(deseas, with_trend)
                seas[:, i] = s_i
                deseas = deseas - s_i
        return seas, trend


_PLANS: OrderedDict[tuple, _MSTLPlan] = OrderedDict()
_OPS: OrderedDict[tuple, tuple[np.ndarray, tuple[np.ndarray, ...]]] = OrderedDict()
_LOCK = threading.Lock()


def _key(n: int, periods: Sequence[int], jumps: dict[str, int] | None) -> tuple:
    ps = tuple(sorted(int(p) for p in periods))
    js = stl_jumps(ps[0]) if jumps is None else jumps
    return (n, ps, tuple(sorted((k, int(v)) for k, v in js.items())))


def _plan(key: tuple) -> _MSTLPlan:
    with _LOCK:
        if key in _PLANS:
            _PLANS.move_to_end(key)
            return _PLANS[key]
    plan = _MSTLPlan.build(*key)
    with _LOCK:
        _PLANS[key] = plan
        while len(_PLANS) > 1 and sum(p.nbytes for p in _PLANS.values()) > CACHE_BYTES:
            _PLANS.popitem(last=False)
    return plan


def _blocks(x: np.ndarray, fn: Callable[[np.ndarray], tuple[np.ndarray, ...]],
            rows: int) -> list[np.ndarray]:
    """``fn`` over fixed blocks of ``rows`` rows (the last zero-padded), outputs stacked
    along the first axis and cut back to ``len(x)``."""
    m = x.shape[0]
    parts: list[list[np.ndarray]] = []
    for a in range(0, m, rows):
        blk = x[a:a + rows]
        if blk.shape[0] < rows:
            blk = np.concatenate([blk, np.zeros((rows - blk.shape[0],) + blk.shape[1:])])
        parts.append(list(fn(np.ascontiguousarray(blk))))
    if not parts:
        return []
    return [np.concatenate([p[j] for p in parts])[:m] for j in range(len(parts[0]))]


def _check(Y: np.ndarray, periods: Sequence[int]) -> np.ndarray:
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ValueError(f"Y must have shape (series, points), got {Y.shape}")
    if not periods or min(periods) < 2:
        raise ValueError(f"periods must be integers >= 2, got {list(periods)}")
    if Y.shape[1] <= max(periods):
        raise ValueError(f"{Y.shape[1]} points: MSTL needs more than the longest period "
                         f"({max(periods)})")
    return Y


def decompose(Y: np.ndarray, periods: Sequence[int],
              jumps: dict[str, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The MSTL decomposition of every row of ``Y``, directly (STL vectorised over rows).

    Args:
        Y: float64 ``(s, n)``, finite, any unit.
        periods: season lengths in points (each >= 2; sorted here, as statsforecast does).
        jumps: statsmodels ``STL`` ``seasonal_jump`` / ``trend_jump`` / ``low_pass_jump``
            (default :func:`provisor.forecast.engine.stl_jumps` of the shortest period, the
            engine's setting).

    Returns:
        ``(seasonal, trend)``: ``(s, P, n)`` (one component per sorted period) and
        ``(s, n)``, equal to statsforecast ``mstl(y, periods, stl_kwargs=jumps)``'s
        ``seasonal{p}`` and ``trend`` columns to rounding.

    Raises:
        ValueError: ``Y`` is not 2-D, a period is < 2, or ``n`` is not above the longest
            period.
    """
    Y = _check(Y, periods)
    plan = _plan(_key(Y.shape[1], periods, jumps))
    if Y.shape[0] == 0:
        return np.zeros((0, len(plan.periods), Y.shape[1])), np.zeros((0, Y.shape[1]))
    seas, trend = _blocks(Y, plan.decompose, ROWS_DIRECT)
    return seas, trend


def _operator(key: tuple) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """``(A, lasts)``: the adjusted series is ``Y @ A`` (``A = I - sum_i S_i``, ``(n, n)``)
    and the last period of component ``i`` is ``Y @ lasts[i]`` (``(n, p_i)``)."""
    with _LOCK:
        if key in _OPS:
            _OPS.move_to_end(key)
            return _OPS[key]
    plan = _plan(key)
    n = plan.n
    (seas,) = _blocks(np.eye(n), lambda b: (plan.seasonal(b),), ROWS_DIRECT)  # row t: of e_t
    A = np.eye(n) - seas.sum(axis=1)
    lasts = tuple(seas[:, i, n - p:] for i, p in enumerate(plan.periods))
    op = (_pad_cols(A), tuple(_pad_cols(x) for x in lasts))
    with _LOCK:
        _OPS[key] = op
        while sum(a.nbytes + sum(x.nbytes for x in ls) for a, ls in _OPS.values()) > CACHE_BYTES \
                and len(_OPS) > 1:
            _OPS.popitem(last=False)
    return op


def use_operator(n: int, window: int) -> bool:
    """Whether windows of ``n`` points (of a model window of ``window`` points) are
    decomposed through the cached operator: ``n <= OPERATOR_MAX_N`` and either the full
    window (every origin past it shares it, and so do later batches) or at most
    :data:`OPERATOR_SMALL_N` points (cheap to build). A function of ``n`` and the window
    only, never of the batch, so the choice cannot make a series depend on the others."""
    return n <= OPERATOR_MAX_N and (n == window or n <= OPERATOR_SMALL_N)


def _adjusted(X: np.ndarray, periods: tuple[int, ...], jumps: dict[str, int] | None,
              operator: bool = True) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(x_sa, lasts)`` of every row of ``X`` ``(m, n)``: the seasonally adjusted series
    ``(m, n)`` (trend + remainder) and each seasonal component's last period ``(m, p_i)``."""
    key = _key(X.shape[1], periods, jumps)
    if operator and X.shape[1] <= OPERATOR_MAX_N:
        A, lasts = _operator(key)

        n = X.shape[1]

        def apply(b: np.ndarray) -> tuple[np.ndarray, ...]:
            return ((b @ A)[:, :n],) + tuple((b @ L)[:, :p] for L, p in zip(lasts, key[1]))
        out = _blocks(X, apply, ROWS)
        return out[0], out[1:]
    plan = _plan(key)

    def direct(b: np.ndarray) -> tuple[np.ndarray, ...]:
        seas = plan.seasonal(b)
        return (b - seas.sum(axis=1),) + tuple(
            seas[:, i, plan.n - p:] for i, p in enumerate(plan.periods))
    out = _blocks(X, direct, ROWS_DIRECT)
    return out[0], out[1:]


def _seasonal_naive(lasts: list[np.ndarray], h: int) -> np.ndarray:
    """Sum over components of each one's last period tiled over ``h`` points."""
    out = np.zeros((lasts[0].shape[0], h))
    for L in lasts:
        p = L.shape[1]
        out += L[:, np.arange(h) % p]
    return out


def backtest_forecast(Y: np.ndarray, origins: Sequence[int], h: int, seasons: Seasons,
                      step_s: float, trend_forecaster: TrendForecaster = naive.backtest_forecast,
                      jumps: dict[str, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MSTL (daily and weekly seasons) from every origin and from the end; the contract of
    :mod:`provisor.forecast.batch`.

    Each window is the last ``MSTL_WINDOW_S / step_s`` points before its origin (or ``n``);
    its seasonal components are forecast by their seasonal naive, its adjusted series by
    ``trend_forecaster`` (same contract, called once with ``Seasons(0, 0)`` on the windows'
    adjusted series laid end to end: see the module docstring).

    Args:
        Y: float64 ``(s, n)``, finite, spaced ``step_s`` seconds.
        origins: increasing backtest origins (may be empty).
        h: horizon, points (>= 1).
        seasons: daily / weekly season lengths in points (0 = not used).
        step_s: the grid step, seconds.
        trend_forecaster: a batched model with the contract of
            :func:`provisor.forecast.batch.naive.backtest_forecast` (the default: plain
            naive under ``Seasons(0, 0)``).
        jumps: STL jumps (default :func:`provisor.forecast.engine.stl_jumps` of the shortest
            period).

    Returns:
        ``(bt, final)``: ``(s, len(origins), L)`` with ``L = min(h, n - origins[0])`` (NaN
        after each window's end) and ``(s, h)``. A window shorter than the longest period
        plus one, or a non-finite result, gives NaN.

    Raises:
        ValueError: ``Y`` is not 2-D, ``h < 1``, or ``seasons`` has no season.
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ValueError(f"Y must have shape (series, points), got {Y.shape}")
    if h < 1:
        raise ValueError(f"horizon must be >= 1, got {h}")
    periods = tuple(sorted(p for p in (seasons.daily, seasons.weekly) if p))
    if not periods:
        raise ValueError("MSTL needs a daily or weekly season")
    s, n = Y.shape
    origins = [int(o) for o in origins]
    L = min(h, n - origins[0]) if origins else 0
    bt = np.full((s, len(origins), L), np.nan)
    final = np.full((s, h), np.nan)
    if s == 0:
        return bt, final
    win = max(1, int(MSTL_WINDOW_S // step_s))
    ends = origins + [n]
    spans = [(max(0, e - win), e) for e in ends]
    ok = [e - a > periods[-1] for a, e in spans]
    # decompose every window, windows of one length stacked
    xsa: list[np.ndarray | None] = [None] * len(ends)
    seas_f: list[np.ndarray | None] = [None] * len(ends)
    by_len: dict[int, list[int]] = {}
    for k, (a, e) in enumerate(spans):
        if ok[k]:
            by_len.setdefault(e - a, []).append(k)
    with np.errstate(all="ignore"):
        for length in sorted(by_len):
            ks = by_len[length]
            X = np.concatenate([Y[:, spans[k][0]:spans[k][1]] for k in ks])
            adj, lasts = _adjusted(X, periods, jumps, use_operator(length, win))
            for j, k in enumerate(ks):
                xsa[k] = adj[j * s:(j + 1) * s]
                seas_f[k] = _seasonal_naive([la[j * s:(j + 1) * s] for la in lasts], h)
        # the trend forecaster: search on the first usable window, carried through the rest
        used = [k for k in range(len(ends)) if ok[k]]
        if not used:
            return bt, final
        segs = [xsa[k] for k in used]
        z_ends = np.cumsum([g.shape[1] for g in segs])   # type: ignore[union-attr]
        Z = np.concatenate(segs + [np.repeat(segs[-1][:, -1:], h, axis=1)], axis=1)  # type: ignore
        if len(used) == 1:
            tb, tf = trend_forecaster(Z[:, :z_ends[0]], [], h, Seasons(0, 0), step_s)
            trend_fc = {used[0]: np.asarray(tf, float)}
        else:
            tb, _ = trend_forecaster(Z, [int(e) for e in z_ends], h, Seasons(0, 0), step_s)
            tb = np.asarray(tb, float)
            trend_fc = {k: tb[:, j, :h] for j, k in enumerate(used)}
        for k in used:
            fc = trend_fc[k] + seas_f[k]                  # type: ignore[operator]
            fc[~np.isfinite(fc).all(axis=1)] = np.nan
            if k < len(origins):
                w = min(h, n - origins[k])
                bt[:, k, :w] = fc[:, :w]
            else:
                final = fc
    return bt, final
