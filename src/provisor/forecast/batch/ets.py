"""Automatic exponential smoothing with additive errors (AutoETS), batched over series.

The state-space model ETS(A, T, S) of Hyndman, Koehler, Snyder & Grose (2002, "A state space
framework for automatic forecasting using exponential smoothing methods") and Hyndman et al.
(2008, "Forecasting with exponential smoothing", ch. 2), as statsforecast implements it
(``statsforecast/ets.py`` and its C++ core ``src/ets.cpp``: ``Update``, ``Forecast``,
``Calc``; after R ``forecast``'s ``ets.R`` and ``etscalc.c``). With one-step error
``e_t = y_t - (l + phi b + s_{t-m})``::

    l_t = l_{t-1} + phi b_{t-1} + alpha e_t
    b_t = phi b_{t-1} + beta e_t
    s_t = s_{t-m} + gamma e_t

and the ``i``-step forecast from time ``T`` is ``l_T + (phi + ... + phi^i) b_T + s_{T+i-m}``
(the seasonal of the same phase).

Forms searched, as :func:`provisor.forecast.engine._models` asks statsforecast for
(``AutoETS(model="AZA")`` with the daily season, ``"AZN"`` without one; MSTL's trend model
``"ZZN"`` restricted to additive errors): trend none (N), additive (A) or damped (Ad); an
additive season of ``m = seasons.daily`` points when ``m >= 2`` and the fitting window holds
more than ``m`` points (statsforecast's ``ets_f`` drops the season otherwise), else none.
Unlike statsforecast's engine configuration (non-seasonal beyond 24 points), seasons of any
length are fitted: the seasonal states are a circular buffer of ``m`` rows per lane (one
row updated per point, so a step costs the same whatever ``m``). Memory grows with ``m``: the
coarse grid's 180 lanes per series hold ``8 * m`` bytes each (with the working copy about
0.8 MB per series for a 288-point day at 5-minute steps), and the search runs in blocks of
series under :data:`SEARCH_BYTES` (64 MB). Time grows with the points in the fitting window:
100 series of 14 days at 5-minute steps (3,024 points to the first origin) take about 2 s,
against 0.2 s for 100 hourly series of 92 days.

Estimation per series (all series and candidates are lanes of one numpy recursion; Python
loops only over time steps and search rounds):

* **initial states** by statsforecast's ``initstate`` heuristic (R ``ets.R``
  ``initstate``): the season from a classical additive decomposition (statsmodels
  ``seasonal_decompose``: centred ``2 x m`` moving average, phase means of the detrended
  series, centred) when the window holds three seasons, else from a regression on a line and
  one Fourier pair; level and trend from a regression of the first ``max(10, 2m)`` seasonally
  adjusted points on a line (:func:`initial_states`). statsforecast further optimises the
  initial states jointly with the parameters by Nelder-Mead; here that is optional
  (``refine_states=True``): for each form's best parameters the initial states are
  re-estimated exactly by least squares (the one-step residuals are affine in the initial
  states, :func:`_refine_states`) and the parameters searched again from them. It lowers the
  in-sample objective below statsforecast's on every Bitbrains series but did not forecast
  better out of sample (bench series median MASE 0.914 with it, 0.938 without; Bitbrains
  1.078 with it, 1.006 without, statsforecast 1.004) and costs about 1.7x the time, so it is
  off by default.
* **smoothing parameters** within statsforecast's bounds (``lower = (1e-4, 1e-4, 1e-4, 0.8)``,
  ``upper = (0.9999, 0.9999, 0.9999, 0.98)``) and R's "usual" region (``beta <= alpha``,
  ``gamma <= 1 - alpha``), minimising the same objective as statsforecast for additive errors,
  ``n log(SSE)`` (``Calc``), by a vectorised coarse grid followed by a pattern search (each
  round evaluates every lane's ``2d`` neighbours at the current step in one pass; the step
  halves when none improves). The characteristic-root admissibility test of R's
  ``bounds = "both"`` (``statsforecast.ets.admissible``) is not applied: statsforecast checks
  it on the starting values only, its optimiser (``ets.cpp`` ``ObjectiveFunction``) keeps
  the box bounds alone.
* **form** chosen per series by AICc as ``etsmodel`` counts it: ``k`` = free smoothing
  parameters + initial states (``1 + trend + (m - 1)``) + 1 (the variance);
  ``AICc = n log(SSE) + 2k + 2k(k + 1) / (n - k - 1)``; a form with ``k >= n - 2`` is not
  fitted.

Forward: with the form, parameters and initial states kept, the recursion runs once from the
start of the fitting window (the last :data:`provisor.forecast.engine.ETS_WINDOW_S` before
``origins[0]``) through all ``n`` points; the states after each origin's history give that
window's forecast and the states after ``n`` the final one.

A constant fitting window gets ETS(A,N,N) with ``alpha = 0.9999`` (as ``ets_f`` does). A
series whose forecast is not finite gets NaN rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from provisor.forecast.batch import check_inputs
from provisor.forecast.engine import ETS_WINDOW_S, Seasons

#: statsforecast's default bounds (``ets_f``: ``lower``/``upper``; ``_PHI_LOWER/_UPPER``).
LOWER = (1e-4, 1e-4, 1e-4, 0.8)
UPPER = (0.9999, 0.9999, 0.9999, 0.98)
#: Trend forms: none, additive, additive damped.
TRENDS = ("N", "A", "Ad")
#: Pattern-search rounds and the first step (in the unit cube of the parameters).
ROUNDS = 10
STEP0 = 0.125
#: Memory budget of the search's seasonal state buffers (bytes); larger batches are searched
#: in blocks of series.
SEARCH_BYTES = 64 * 2**20


@dataclass(frozen=True)
class ETSFit:
    """Per-series fitted specification (arrays of length ``s``, the batch size).

    Attributes:
        trend: index into :data:`TRENDS` (-1: not fitted).
        seasonal: whether the season is used.
        m: the season length in points (1 without one).
        alpha, beta, gamma, phi: smoothing parameters (beta 0 without trend, gamma 0 without
            season, phi 1 unless damped).
        level, slope: initial level and trend, shape ``(s,)``.
        season: initial seasonal states by phase, shape ``(s, m)`` (phase ``p`` is the
            seasonal of points ``p, p + m, ...`` of the fitting window).
        aicc: the chosen form's AICc (inf: not fitted).
        start: first index of the fitting window in ``Y``.
    """

    trend: np.ndarray
    seasonal: np.ndarray
    m: int
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    phi: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    season: np.ndarray
    aicc: np.ndarray
    start: int


# ---------------------------------------------------------------------------------------------
# the recursion


def filter_ets(Y: np.ndarray, level: np.ndarray, slope: np.ndarray, season: np.ndarray,
               alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray, phi: np.ndarray,
               snapshots: Sequence[int] = (), residuals: bool = False,
               ) -> tuple[np.ndarray, np.ndarray | None, list[tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]]]:
    """Run the additive-error ETS recursion (statsforecast ``ets.cpp`` ``Calc``/``Update``)
    over lanes.

    Args:
        Y: observations, shape ``(s, n)``.
        level, slope: initial level and trend, shape ``(K, s)`` (``K`` candidate lanes per
            series; lane ``(k, i)`` filters series ``i``). ``slope`` 0 with ``beta`` 0 and
            ``phi`` 1 is the form without trend.
        season: initial seasonal states by phase, shape ``(m, K, s)`` (``m`` = 1 and zeros,
            with ``gamma`` 0, is the form without season). Phase ``p`` is used at points
            ``p, p + m, ...``.
        alpha, beta, gamma, phi: smoothing parameters, shape ``(K, s)`` (or broadcastable).
        snapshots: increasing point counts ``t`` (0..n) after which to copy the states.
        residuals: whether to return the one-step residuals.

    Returns:
        ``(sse, e, states)``: the sum of squared one-step residuals ``(K, s)``; the
        residuals ``(K, s, n)`` or None; for each snapshot ``(level, slope, season)`` (the
        season rolled so that its phase 0 is the next point's).
    """
    n = Y.shape[1]
    m = season.shape[0]
    YT = np.ascontiguousarray(Y.T)
    lv = np.array(level, dtype=float, copy=True)
    sl = np.array(slope, dtype=float, copy=True)
    S = np.array(season, dtype=float, copy=True)
    a = np.broadcast_to(alpha, lv.shape)
    bt = np.broadcast_to(beta, lv.shape)
    g = np.broadcast_to(gamma, lv.shape)
    ph = np.broadcast_to(phi, lv.shape)
    seasonal = m > 1 or bool(np.any(S)) or bool(np.any(g))
    sse = np.zeros(lv.shape)
    E = np.empty(lv.shape + (n,)) if residuals else None
    snaps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    want = list(snapshots)
    wi = 0

    def snap(t: int) -> None:
        snaps.append((lv.copy(), sl.copy(), np.roll(S, -(t % m), axis=0).copy()))

    while wi < len(want) and want[wi] == 0:
        snap(0)
        wi += 1
    pb = ph * sl
    for t in range(n):
        q = lv + pb
        if seasonal:
            sj = S[t % m]
            e = YT[t] - q - sj
            sj += g * e
        else:
            e = YT[t] - q
        lv = q + a * e
        sl = pb + bt * e
        pb = ph * sl
        sse += e * e
        if E is not None:
            E[..., t] = e
        while wi < len(want) and want[wi] == t + 1:
            snap(t + 1)
            wi += 1
    return sse, E, snaps


def forecast_states(level: np.ndarray, slope: np.ndarray, season: np.ndarray,
                    phi: np.ndarray, h: int) -> np.ndarray:
    """The ``h``-step point forecasts from states (statsforecast ``ets.cpp`` ``Forecast``):
    ``level + phistar_i slope + season[(i - 1) mod m]`` for ``i = 1..h``.

    ``phistar`` is statsforecast's (and R ``etscalc.c``'s) running sum: ``phistar_1 = phi``,
    ``phistar_{i+1} = phistar_i + phi^i``, i.e. ``phi + (phi + ... + phi^(i-1))``; the
    textbook damped sum (Hyndman & Athanasopoulos, FPP3 8.2) is ``phi + ... + phi^i``, the
    two differing by ``(phi - phi^i) slope``, bounded. Without damping (``phi = 1``) both are
    ``i``. We follow the reference engine so that the two forecast the same path.

    Args:
        level, slope, phi: shape ``(s,)``.
        season: shape ``(m, s)``, phase 0 being the first forecast point's.
        h: horizon, points.

    Returns:
        shape ``(s, h)``.
    """
    m = season.shape[0]
    ph = np.asarray(phi, dtype=float)[:, None]
    inc = ph ** np.arange(h)[None, :]
    inc[:, 0] = ph[:, 0]
    steps = np.cumsum(inc, axis=1)
    seas = season[np.arange(h) % m].T
    out: np.ndarray = level[:, None] + steps * slope[:, None] + seas
    return out


# ---------------------------------------------------------------------------------------------
# initial states (statsforecast ets.py ``initstate``; R forecast ets.R ``initstate``)


def _decompose_season(Y: np.ndarray, m: int) -> np.ndarray:
    """Phase means of the detrended series, centred (statsmodels ``seasonal_decompose``,
    additive, two-sided ``2 x m`` moving average). Returns shape ``(s, m)``."""
    s, n = Y.shape
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        w = np.full(m, 1.0 / m)
    k = len(w)
    half = k // 2
    c = np.zeros((s, n - k + 1))
    for j in range(k):
        c += w[j] * Y[:, j:j + n - k + 1]
    det = np.full((s, n), np.nan)
    det[:, half:half + n - k + 1] = Y[:, half:half + n - k + 1] - c
    pa = np.empty((s, m))
    for p in range(m):
        pa[:, p] = np.nanmean(det[:, p::m], axis=1)
    pa -= pa.mean(axis=1, keepdims=True)
    return pa


def _lstsq_rows(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of every row of ``Y`` (s, n) on the columns of ``X``
    (n, p), shape (p, s); each row's by its own reductions (no dependence on the batch)."""
    P = np.linalg.pinv(X)
    return np.stack([(Y * P[j]).sum(axis=1) for j in range(P.shape[0])])


def initial_states(Y: np.ndarray, m: int, trend: bool) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """statsforecast's ``initstate`` for additive forms, for every row of ``Y`` at once.

    Args:
        Y: the fitting windows, shape ``(s, n)``, ``n >= 4``.
        m: season length (1: no season).
        trend: whether the form has a trend (additive or damped).

    Returns:
        ``(level, slope, season)``: shapes ``(s,)``, ``(s,)`` (0 without trend) and
        ``(s, m)`` by phase (zeros when ``m == 1``).
    """
    s, n = Y.shape
    if m > 1:
        t = np.arange(1, n + 1, dtype=float)
        if n < 3 * m:
            cols = [np.ones(n), t, np.cos(2 * np.pi * t / m)]
            if abs(2.0 / m - round(2.0 / m)) > 1e-10:
                cols.append(np.sin(2 * np.pi * t / m))
            coef = _lstsq_rows(np.stack(cols, axis=1), Y)
            seas_full = Y - coef[0][:, None] - coef[1][:, None] * t[None, :]
            seas = seas_full[:, :m].copy()
        else:
            pa = _decompose_season(Y, m)
            seas = pa.copy()
            seas_full = pa[:, np.arange(n) % m]
        seas[:, 0] = -seas[:, 1:].sum(axis=1)
        ysa = Y - seas_full
    else:
        seas = np.zeros((s, 1))
        ysa = Y
    maxn = min(max(10, 2 * m), n)
    if not trend:
        return ysa[:, :maxn].mean(axis=1), np.zeros(s), seas
    X = np.stack([np.ones(maxn), np.arange(1, maxn + 1, dtype=float)], axis=1)
    coef = _lstsq_rows(X, ysa[:, :maxn])
    lv, sl = coef[0].copy(), coef[1].copy()
    tiny = np.abs(lv + sl) < 1e-8
    lv[tiny] *= 1 + 1e-3
    sl[tiny] *= 1 - 1e-3
    return lv, sl, seas


# ---------------------------------------------------------------------------------------------
# the search


def _params(theta: np.ndarray, tr: np.ndarray, seasonal: bool
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Map the unit cube ``theta[..., 4]`` (alpha, beta/alpha, gamma/(1-alpha), phi) to the
    parameters within the bounds; ``tr`` the trend index per lane."""
    lo, hi = LOWER, UPPER
    a = lo[0] + (hi[0] - lo[0]) * theta[..., 0]
    b = np.where(tr > 0, lo[1] + np.maximum(np.minimum(a, hi[1]) - lo[1], 0) * theta[..., 1],
                 0.0)
    if seasonal:
        g = lo[2] + np.maximum(np.minimum(1 - a, hi[2]) - lo[2], 0) * theta[..., 2]
    else:
        g = np.zeros_like(a)
    p = np.where(tr == 2, lo[3] + (hi[3] - lo[3]) * theta[..., 3], 1.0)
    return a, b, g, p


def _grid(seasonal: bool) -> tuple[np.ndarray, np.ndarray]:
    """The coarse grid: (trend index per candidate, theta per candidate)."""
    av = np.array([0.02, 0.08, 0.2, 0.4, 0.7, 0.97])
    uv = np.array([0.05, 0.3, 0.8])
    vv = np.array([0.03, 0.2, 0.6]) if seasonal else np.array([0.5])
    fv = np.array([0.25, 0.85])
    trs, ths = [], []
    for tr in range(3):
        for a in av:
            for u in (uv if tr else [0.5]):
                for v in vv:
                    for f in (fv if tr == 2 else [0.5]):
                        trs.append(tr)
                        ths.append((a, u, v, f))
    return np.array(trs), np.array(ths, dtype=float)


def _aicc(sse: np.ndarray, n: int, k: np.ndarray) -> np.ndarray:
    lik = n * np.log(np.where(sse > 0, sse, sse + 1e-8))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = lik + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    return np.where(n - k - 1 > 0, out, np.inf)


def _refine_states(W: np.ndarray, tr: np.ndarray, m: int, a: np.ndarray, b: np.ndarray,
                   g: np.ndarray, p: np.ndarray, lv: np.ndarray, sl: np.ndarray,
                   S: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SSE-optimal initial states for fixed parameters, per lane ``(K, s)``.

    The residuals are affine in the initial state vector ``x0 = (l, [b], s_1..s_{m-1})``
    (``s_0 = -sum``, statsforecast's constraint): ``e = e(0) + E x0`` where column ``j`` of
    ``E`` is the residual response to the unit state ``j`` with ``y = 0``. The impulse lanes
    run in one extra recursion; the least-squares solution replaces the heuristic states.
    """
    K, s = lv.shape
    n = W.shape[1]
    seasonal = m > 1
    nb = 2                           # level and slope columns (slope unused without trend)
    p_dim = nb + (m - 1 if seasonal else 0)
    # unit impulses: lanes (p_dim, K, s) with y = 0
    L0 = np.zeros((p_dim, K, s))
    B0 = np.zeros((p_dim, K, s))
    S0 = np.zeros((m, p_dim, K, s))
    L0[0] = 1.0
    B0[1] = 1.0
    for j in range(1, m if seasonal else 1):
        S0[j, nb + j - 1] = 1.0
        S0[0, nb + j - 1] = -1.0
    zeros = np.zeros((s, n))
    A = np.broadcast_to(a, (p_dim, K, s))
    Bt = np.broadcast_to(b, (p_dim, K, s))
    G = np.broadcast_to(g, (p_dim, K, s))
    P = np.broadcast_to(p, (p_dim, K, s))
    _, Eimp, _ = filter_ets(zeros, L0.reshape(-1, s), B0.reshape(-1, s),
                            S0.reshape(m, -1, s), A.reshape(-1, s), Bt.reshape(-1, s),
                            G.reshape(-1, s), P.reshape(-1, s), residuals=True)
    assert Eimp is not None
    Ei = Eimp.reshape(p_dim, K, s, n).transpose(1, 2, 3, 0)     # (K, s, n, p)
    zK = np.zeros((K, s))
    _, E0, _ = filter_ets(W, zK, zK, np.zeros((m, K, s)), a, b, g, p, residuals=True)
    assert E0 is not None
    # lanes without trend: drop the slope column (its residual response is 0 there anyway)
    Ei = Ei.copy()
    Ei[tr == 0, :, 1] = 0.0
    EiT = Ei.swapaxes(-1, -2)                                   # (K, s, p, n)
    G2 = EiT @ Ei
    rhs = -(EiT @ E0[..., None])[..., 0]
    ridge = 1e-10 * np.trace(G2, axis1=2, axis2=3)[..., None, None] + 1e-300
    G2 = G2 + ridge * np.eye(p_dim)
    try:
        x = np.linalg.solve(G2, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return lv, sl, S
    ok: np.ndarray = np.asarray(np.isfinite(x).all(axis=-1))
    nl = np.where(ok, x[..., 0], lv)
    ns = np.where(ok & (tr > 0), x[..., 1], np.where(tr > 0, sl, 0.0))
    NS = S.copy()
    if seasonal:
        seas = x[..., nb:]                                     # (K, s, m-1): phases 1..m-1
        NS[1:] = np.where(ok[None], np.moveaxis(seas, -1, 0), S[1:])
        NS[0] = np.where(ok, -seas.sum(axis=-1), S[0])
    return nl, ns, NS


def _search(W: np.ndarray, m: int, tr_c: np.ndarray, th_c: np.ndarray, lv: np.ndarray,
            sl: np.ndarray, S: np.ndarray, rounds: int, step0: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Pattern search per lane ``(F, s)`` (F forms) from the start points ``th_c`` (F, s, 4),
    the initial states fixed. Returns (theta, sse)."""
    seasonal = m > 1
    F, s = tr_c.shape
    dims = [0] + ([2] if seasonal else [])
    th = th_c.copy()
    a, b, g, p = _params(th, tr_c, seasonal)
    best = filter_ets(W, lv, sl, S, a, b, g, p)[0]
    step = np.full((F, s), step0)
    for _ in range(rounds):
        cands, trs, owners = [], [], []
        for f in range(F):
            dd = list(dims)
            if tr_c[f, 0] > 0:
                dd.append(1)
            if tr_c[f, 0] == 2:
                dd.append(3)
            for d in dd:
                for sign in (-1.0, 1.0):
                    c = th[f].copy()
                    c[:, d] = np.clip(c[:, d] + sign * step[f], 0.0, 1.0)
                    cands.append(c)
                    trs.append(tr_c[f])
                    owners.append(f)
        C = np.stack(cands)                                     # (Q, s, 4)
        T = np.stack(trs)
        own = np.array(owners)
        a, b, g, p = _params(C, T, seasonal)
        sse = filter_ets(W, lv[own], sl[own], S[:, own], a, b, g, p)[0]
        sse = np.where(np.isfinite(sse), sse, np.inf)
        for f in range(F):
            q = np.nonzero(own == f)[0]
            j = np.argmin(sse[q], axis=0)
            v = sse[q][j, np.arange(s)]
            better = v < best[f] * (1 - 1e-12)
            th[f] = np.where(better[:, None], C[q][j, np.arange(s)], th[f])
            best[f] = np.where(better, v, best[f])
            step[f] = np.where(better, step[f], step[f] / 2)
    return th, best


def fit(Y: np.ndarray, m: int, start: int = 0, refine_states: bool = False) -> ETSFit:
    """Search the form, parameters and initial states of every row of ``Y`` (the fitting
    windows, shape ``(s, n)``, finite) with season length ``m`` (< 2: no season).

    With ``refine_states`` the initial states of each form's best parameters are re-estimated
    by least squares (:func:`_refine_states`) and the parameters searched again from them.

    Memory: the search's seasonal states take about ``16 * m * 180`` bytes per series (180
    grid lanes; with ``refine_states`` also ``72 (m + 1)(m + n)`` for the impulse
    responses); the batch is cut into blocks of series keeping that under :data:`SEARCH_BYTES`
    (all series of a block computed together, each by its own element-wise arithmetic, so a
    series' result does not depend on the block it falls in).

    Returns:
        :class:`ETSFit`; a row that cannot be fitted (fewer than 4 points, or every form has
        too many parameters for its length) has ``trend == -1`` and ``aicc == inf``.
    """
    s, n = Y.shape
    seasonal = m >= 2 and n > m and n >= 4
    mm = m if seasonal else 1
    per_series = 8 * 2 * len(_grid(seasonal)[0]) * mm          # grid lanes' season buffers
    if refine_states:                                           # impulse lanes, residuals
        per_series += 8 * 3 * 3 * (mm + 1) * (mm + n)
    block = max(1, SEARCH_BYTES // per_series)
    if s > block:
        parts = [_fit_block(Y[i:i + block], m, start, refine_states)
                 for i in range(0, s, block)]
        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])

        return ETSFit(trend=cat("trend"), seasonal=cat("seasonal"), m=parts[0].m,
                      alpha=cat("alpha"), beta=cat("beta"), gamma=cat("gamma"),
                      phi=cat("phi"), level=cat("level"), slope=cat("slope"),
                      season=cat("season"), aicc=cat("aicc"), start=start)
    return _fit_block(Y, m, start, refine_states)


def _fit_block(Y: np.ndarray, m: int, start: int, refine_states: bool) -> ETSFit:
    s, n = Y.shape
    seasonal = m >= 2 and n > m and n >= 4
    mm = m if seasonal else 1
    forms = [0, 1, 2]
    F = len(forms)
    tr_f = np.broadcast_to(np.array(forms)[:, None], (F, s)).copy()
    lv = np.zeros((F, s))
    sl = np.zeros((F, s))
    S = np.zeros((mm, F, s))
    if n >= 4:
        l0, _, s0 = initial_states(Y, mm, False)
        l1, b1, s1 = initial_states(Y, mm, True)
        lv[0], lv[1], lv[2] = l0, l1, l1
        sl[1], sl[2] = b1, b1
        S[:, 0] = s0.T
        S[:, 1] = s1.T
        S[:, 2] = s1.T
    # coarse grid over all forms at once
    tr_g, th_g = _grid(seasonal)
    Q = len(tr_g)
    TG = np.broadcast_to(tr_g[:, None], (Q, s))
    THG = np.broadcast_to(th_g[:, None, :], (Q, s, 4))
    a, b, g, p = _params(THG, TG, seasonal)
    sse = filter_ets(Y, lv[tr_g], sl[tr_g], S[:, tr_g], a, b, g, p)[0]
    sse = np.where(np.isfinite(sse), sse, np.inf)
    th0 = np.empty((F, s, 4))
    for f in forms:
        q = np.nonzero(tr_g == f)[0]
        j = np.argmin(sse[q], axis=0)
        th0[f] = th_g[q][j]
    th, best = _search(Y, mm, tr_f, th0, lv, sl, S, ROUNDS, STEP0)
    # least-squares initial states for the parameters found, then search again from there
    if refine_states:
        a, b, g, p = _params(th, tr_f, seasonal)
        lv2, sl2, S2 = _refine_states(Y, tr_f, mm, a, b, g, p, lv, sl, S)
        th2, best2 = _search(Y, mm, tr_f, th, lv2, sl2, S2, ROUNDS // 2, STEP0 / 4)
        use2 = np.isfinite(best2) & (best2 <= best)
        th = np.where(use2[..., None], th2, th)
        best = np.where(use2, best2, best)
        lv = np.where(use2, lv2, lv)
        sl = np.where(use2, sl2, sl)
        S = np.where(use2[None], S2, S)
    # AICc as etsmodel counts: smoothing parameters + states + variance
    nfree = 1 + (tr_f > 0) + (tr_f == 2) + (1 if seasonal else 0)
    nstate = 1 + (tr_f > 0) + (mm - 1 if seasonal else 0)
    k = nfree + nstate + 1
    aicc = _aicc(best, n, k)
    aicc = np.where(np.isfinite(best) & (nfree + nstate < n - 1), aicc, np.inf)
    if n < 4:
        aicc[:] = np.inf
    pick = np.argmin(aicc, axis=0)
    cols = np.arange(s)
    a, b, g, p = _params(th[pick, cols], pick, seasonal)
    aic_best = aicc[pick, cols]
    trend = np.where(np.isfinite(aic_best), pick, -1)
    lvl, slp, sea = lv[pick, cols], sl[pick, cols], S[:, pick, cols].T
    # a constant window: ETS(A,N,N), alpha 0.9999 (ets_f)
    const = (Y == Y[:, :1]).all(axis=1)
    if const.any():
        trend = np.where(const, 0, trend)
        a = np.where(const, UPPER[0], a)
        b = np.where(const, 0.0, b)
        g = np.where(const, 0.0, g)
        p = np.where(const, 1.0, p)
        lvl = np.where(const, Y[:, 0], lvl)
        slp = np.where(const, 0.0, slp)
        sea = np.where(const[:, None], 0.0, sea)
        aic_best = np.where(const, -np.inf, aic_best)
    return ETSFit(trend=trend, seasonal=np.full(s, seasonal) & ~const, m=mm, alpha=a,
                  beta=b, gamma=g, phi=p, level=lvl, slope=slp, season=sea,
                  aicc=aic_best, start=start)


def backtest_forecast(Y: np.ndarray, origins: Sequence[int], h: int, seasons: Seasons,
                      step_s: float, *, refine_states: bool = False
                      ) -> tuple[np.ndarray, np.ndarray]:
    """AutoETS (additive errors) from every origin and from the end; the contract of
    :mod:`provisor.forecast.batch` (``bt`` shape ``(s, len(origins), L)``, ``final`` shape
    ``(s, h)``, NaN rows for a series that cannot be fitted).

    The form, parameters and initial states are searched once per series (:func:`fit`) on
    the last :data:`provisor.forecast.engine.ETS_WINDOW_S` seconds before ``origins[0]``
    (of ``Y`` without origins), with the season ``seasons.daily`` (none when < 2); the
    recursion then runs once from that window's start to ``n``.

    Raises:
        ValueError: ``Y`` is not 2-D, ``h < 1``, or the origins are not increasing indices
            in ``1..n``.
    """
    Y, origins = check_inputs(Y, origins, h)
    s, n = Y.shape
    end = origins[0] if origins else n
    win = max(1, int(ETS_WINDOW_S // step_s))
    start = max(0, end - win)
    L = min(h, n - origins[0]) if origins else 0
    bt = np.full((s, len(origins), L), np.nan)
    final = np.full((s, h), np.nan)
    if s == 0 or end - start < 4:
        return bt, final
    m = seasons.daily if seasons.daily >= 2 else 1
    with np.errstate(all="ignore"):
        ft = fit(Y[:, start:end], m, start, refine_states)
        S0 = ft.season.T[:, None, :]
        marks = [o - start for o in origins] + [n - start]
        _, _, snaps = filter_ets(Y[:, start:], ft.level[None], ft.slope[None], S0,
                                 ft.alpha[None], ft.beta[None], ft.gamma[None],
                                 ft.phi[None], snapshots=marks)
        for k, (o, (lv, sl, S)) in enumerate(zip(origins, snaps)):
            w = min(h, n - o)
            bt[:, k, :w] = forecast_states(lv[0], sl[0], S[:, 0], ft.phi, w)
        lv, sl, S = snaps[-1]
        final[:] = forecast_states(lv[0], sl[0], S[:, 0], ft.phi, h)
    bad = (ft.trend < 0) | ~np.isfinite(final).all(axis=1)
    if L:
        lead = np.arange(L)[None, :]
        valid = lead < np.minimum(h, n - np.array(origins))[:, None]     # (W, L)
        bad |= ~np.isfinite(bt[:, valid]).all(axis=1)
    bt[bad] = np.nan
    final[bad] = np.nan
    return bt, final
