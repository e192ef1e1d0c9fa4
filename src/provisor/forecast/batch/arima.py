"""AutoARIMA over a batch of series, estimated by conditional sum of squares (CSS).

The engine's AutoARIMA (:func:`provisor.forecast.engine._models`: statsforecast
``AutoARIMA(season_length=m, max_p=2, max_q=2, max_P=1, max_Q=1, max_d=1, max_D=1,
method="CSS", nmodels=ARIMA_NMODELS)``, ``m`` the daily season when it is <= 24 points, else
1) rebuilt with numpy on arrays of shape ``(series, points)``; Python loops run only over
candidate orders, differencing groups, optimiser iterations and forecast steps.

Upstream followed (statsforecast 2.1 ``statsforecast/arima.py`` in the venv's site-packages,
its C++ core ``src/arima.cpp`` in Nixtla/statsforecast; Hyndman & Khandakar 2008, "Automatic
time series forecasting: the forecast package for R", JSS 27(3)):

* **Differencing**, decided per series as ``auto_arima_f`` does: first the seasonal order
  ``D`` (``nsdiffs(test="seas")``: difference once when the seasonal strength
  ``max(0, min(1, 1 - var(R) / var(R + S)))`` of the series exceeds 0.64, only when the
  series is longer than two seasons), then ``d`` on the seasonally differenced series
  (``ndiffs(test="kpss")``: difference when the KPSS level-stationarity test, statsmodels
  ``kpss(x, "c", nlags=floor(3 sqrt(n) / 13))``, rejects at 5 %, i.e. its statistic exceeds
  the 5 % critical value 0.463 of Kwiatkowski et al. 1992, table 1). The KPSS statistic is
  exact (:func:`kpss_stat`, equal to statsmodels'). The seasonal strength is **not** the
  exact upstream one: statsforecast decomposes with statsmodels' STL (``mstl``, seasonal
  window 11); here the decomposition is the classical one (a centred 2 x m moving average
  for the trend, phase means of the detrended series for the season; Hyndman &
  Athanasopoulos, FPP3 section 3.4), which is vectorisable. On the bench and Bitbrains series
  the decision agrees with statsforecast's ``nsdiffs`` (tests/forecast/test_batch_arima.py
  measures it).
* **Constant**: a mean when ``d + D = 0``, a drift when ``d + D = 1``, none otherwise
  (``allowmean`` / ``allowdrift``). On the differenced series ``w`` both are one mean
  ``mu`` (a drift ``b`` per step is ``mu = b`` after ``(1 - B)``, ``mu = m b`` after
  ``(1 - B^m)``).
* **CSS**: ``arima_css`` in ``src/arima.cpp``: the series is differenced, and for
  ``t >= ncond = p + m P`` (counted on ``w``) the residual is
  ``e_t = u_t - sum_j phi*_j u_{t-j} - sum_j theta*_j e_{t-j}`` with ``u = w - mu``, the
  expanded polynomials ``phi*`` / ``theta*`` of ``arima_transpar`` (multiplicative seasonal
  terms) and ``e`` taken as 0 before ``ncond``; ``sigma2 = sum e^2 / count``.
  :func:`css_residuals` is that recursion for any orders (MA included), vectorised over
  series with a Python loop over time only when there are MA terms.
* **Estimation**: for a non-seasonal AR(p) the CSS minimiser is ordinary least squares of
  ``w_t`` on ``(1, w_{t-1} .. w_{t-p})`` (``mu = c / (1 - sum phi)``), solved for all
  series at once by stacked normal equations (``np.linalg.solve`` on ``(s, k, k)``). A
  seasonal AR (``P = 1``) makes the residual bilinear in ``(phi, Phi)``: batched
  Levenberg-Marquardt on the residual vector with its analytic Jacobian, started from the
  OLS fit.
* **Selection**: every AR order ``p <= 2``, ``P <= 1`` (``P = 0`` when non-seasonal), with
  and without the allowed constant, limited as ``auto_arima_f`` limits them
  (``max_p = min(2, n // 3)``, and ``m - 1`` when seasonal; ``max_P = min(1, n // (3 m))``),
  fitted for all series; each series takes the smallest AICc counted as ``myarima`` does
  for CSS: ``aic = nstar log(sigma2) + 2 (k + 1)``, ``k`` the estimated coefficients,
  ``nstar = n - d - m D``, ``aicc = aic + 2 (k + 1)(k + 2) / (nstar - k - 2)``; a model
  whose AR polynomial has a root of modulus below 1.01 is not eligible (``myarima``'s
  ``minroot`` check). The ``offset`` statsforecast adds under its approximation is the
  same for every candidate of a series and is left out.
* **Not done**: the MA terms (``q``, ``Q``) of the engine's search. Their CSS estimation
  needs the residual recursion inside the optimiser (a time loop per iteration); this
  module estimates AR-only models (seasonal AR included) with the differencing and
  constant above. :func:`css_residuals` and :func:`forecast_from` already take MA
  polynomials.

Forecast: with the coefficients kept, the mean forecast from an origin ``o`` runs the
recursion of the full polynomial ``phi*(B) (1 - B)^d (1 - B^m)^D x_t = c`` on the data up
to ``o`` (``c = mu phi*(1)``), future shocks zero; for an AR model this is exactly the
Kalman forecast statsforecast's ``forecast_arima`` gives for the same fixed model once the
state is filled from the data (its ``method="ML"`` path; its ``method="CSS"`` path leaves the
state at zero, see the tests). All origins and the final forecast run as one batch of
``series x (windows + 1)`` lanes, a loop over the ``h`` steps only.

History: the last :data:`provisor.forecast.engine.ARIMA_WINDOW_S` seconds before
``origins[0]``. Memory: ``O(s n)`` floats plus ``O(s (W + 1) (h + K))`` for the forecast
lanes (``K <= 2 + 24 + 1 + 24`` lags); at 5-minute steps the daily season (288) is beyond
24 points, so the model is non-seasonal and ``K <= 3``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from provisor.forecast.engine import ARIMA_WINDOW_S, Seasons

#: KPSS 5 % critical value for level stationarity (Kwiatkowski et al. 1992, table 1;
#: statsmodels ``kpss`` interpolates its p-value table, which crosses 0.05 here).
KPSS_CRIT_5 = 0.463
#: ``nsdiffs(test="seas")``: seasonal difference when the seasonal strength exceeds this.
SEAS_STRENGTH = 0.64
#: ``myarima``: a model with an AR (or MA) root of modulus below this is not eligible.
MIN_ROOT = 1.01
#: Levenberg-Marquardt iterations for the seasonal AR fits.
LM_ITER = 30
#: ... a row stops when a step improves its sum of squares by less than this fraction.
LM_TOL = 1e-9


# ---------------------------------------------------------------------------------------
# differencing


def diff(X: np.ndarray, lag: int) -> np.ndarray:
    """``X[:, t] - X[:, t - lag]`` for ``t >= lag``: shape ``(s, n - lag)``."""
    return X[:, lag:] - X[:, :-lag]


def kpss_stat(X: np.ndarray) -> np.ndarray:
    """The KPSS level-stationarity statistic of each row of ``X`` (shape ``(s, n)``), with
    ``nlags = floor(3 sqrt(n) / 13)`` Bartlett-weighted autocovariances, as statsforecast's
    ``ndiffs`` calls statsmodels ``kpss(x, "c", nlags=...)``
    (statsmodels/tsa/stattools/_stattools.py ``kpss``, ``_sigma_est_kpss``). Returns shape
    ``(s,)``; ``inf`` where a row is constant (zero long-run variance)."""
    _s, n = X.shape
    nlags = int(np.floor(3 * np.sqrt(n) / 13))
    e = X - X.mean(axis=1, keepdims=True)
    eta = (np.cumsum(e, axis=1) ** 2).sum(axis=1) / n ** 2
    s_hat = (e * e).sum(axis=1)
    for i in range(1, nlags + 1):
        s_hat = s_hat + 2 * (1 - i / (nlags + 1.0)) * (e[:, i:] * e[:, :-i]).sum(axis=1)
    s_hat = s_hat / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s_hat > 0, eta / np.where(s_hat > 0, s_hat, 1.0), np.inf)


def seasonal_strength(X: np.ndarray, m: int) -> np.ndarray:
    """Seasonal strength ``max(0, min(1, 1 - var(R) / var(R + S)))`` of each row of ``X``
    (shape ``(s, n)``, ``n > 2 m``) by classical decomposition: trend the centred moving
    average over one season (2 x m when ``m`` is even), season the phase means of the
    detrended series (centred), remainder the rest, on the points where the trend is
    defined. Stands for statsforecast's ``seas_heuristic`` (which uses STL). Shape ``(s,)``.
    """
    s, _n = X.shape
    c = np.concatenate([np.zeros((s, 1)), np.cumsum(X, axis=1)], axis=1)
    if m % 2:
        k = m // 2
        trend = (c[:, m:] - c[:, :-m]) / m                     # centred at t = i + k
        start = k
    else:
        k = m // 2
        a = (c[:, m:] - c[:, :-m])                              # sums of m points from i
        trend = (a[:, :-1] + a[:, 1:]) / (2 * m)               # 2 x m MA centred at i + k
        start = k
    L = trend.shape[1]
    det = X[:, start:start + L] - trend
    phase = (np.arange(L) + start) % m
    onehot = (phase[None, :] == np.arange(m)[:, None]).astype(float)   # (m, L)
    means = det @ onehot.T / onehot.sum(axis=1)
    means = means - means.mean(axis=1, keepdims=True)
    S = means[:, phase]
    R = det - S
    vr = R.var(axis=1, ddof=1)
    vt = (R + S).var(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(vt > 0, 1 - vr / np.where(vt > 0, vt, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


def _constant(X: np.ndarray) -> np.ndarray:
    return np.all(X == X[:, :1], axis=1)


def diff_orders(X: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-series ``(d, D)`` (int arrays of shape ``(s,)``, each 0 or 1) as statsforecast's
    ``auto_arima_f`` chooses them with ``max_d = max_D = 1``: ``D`` from the seasonal
    strength (> 0.64) when ``m > 1`` and ``n > 2 m``; then ``d`` from KPSS (statistic >
    0.463) on the seasonally differenced series; a constant series is not differenced."""
    s, n = X.shape
    D = np.zeros(s, dtype=int)
    if m > 1 and n > 2 * m:
        D = (seasonal_strength(X, m) > SEAS_STRENGTH).astype(int)
        D[_constant(X)] = 0
    d = np.zeros(s, dtype=int)
    for Dv in (0, 1):
        rows = np.nonzero(D == Dv)[0]
        if not len(rows):
            continue
        dx = diff(X[rows], m) if Dv else X[rows]
        if dx.shape[1] < 3:
            continue
        dd = (kpss_stat(dx) > KPSS_CRIT_5).astype(int)
        dd[_constant(dx)] = 0
        d[rows] = dd
    return d, D


# ---------------------------------------------------------------------------------------
# polynomials and the CSS recursion


def expand(nonseasonal: np.ndarray, seasonal: np.ndarray, m: int, sign: float) -> np.ndarray:
    """statsforecast ``arima_transpar`` (src/arima.cpp) for a batch: the coefficients of the
    product polynomial. ``nonseasonal`` ``(s, p)``, ``seasonal`` ``(s, P)``; ``sign = -1``
    for AR (``1 - sum phi*_j B^j = (1 - sum phi_i B^i)(1 - sum Phi_k B^(k m))``, returns
    ``phi*``), ``+1`` for MA (``1 + sum theta*_j B^j = (1 + ...)(1 + ...)``). Shape
    ``(s, p + m P)``."""
    s, p = nonseasonal.shape
    P = seasonal.shape[1]
    out = np.zeros((s, p + m * P))
    out[:, :p] = nonseasonal
    for k in range(P):
        out[:, (k + 1) * m - 1] += seasonal[:, k]
        for i in range(p):
            out[:, (k + 1) * m + i] += sign * nonseasonal[:, i] * seasonal[:, k]
    return out


def css_residuals(W: np.ndarray, phi: np.ndarray, theta: np.ndarray,
                  ncond: int) -> tuple[np.ndarray, np.ndarray]:
    """The CSS residuals of ``arima_css`` (statsforecast src/arima.cpp) on already
    differenced (and mean-removed) series ``W`` (shape ``(s, N)``) for expanded
    coefficients ``phi`` ``(s, P*)`` and ``theta`` ``(s, Q*)``: ``e_t = 0`` for ``t <
    ncond``, else ``W_t - sum_j phi_j W_{t-j} - sum_{j < t - ncond} theta_j e_{t-j}``.

    Returns ``(e, sigma2)``: shapes ``(s, N)`` and ``(s,)``, ``sigma2 = sum e^2 / (N -
    ncond)``. Raises ValueError when ``ncond`` is smaller than the AR order or not below
    ``N``."""
    s, N = W.shape
    pp, qq = phi.shape[1], theta.shape[1]
    if ncond < pp or ncond >= N:
        raise ValueError(f"ncond {ncond} must be in [{pp}, {N})")
    e = np.zeros((s, N))
    a = W[:, ncond:].copy()
    for j in range(pp):
        a -= phi[:, j:j + 1] * W[:, ncond - j - 1:N - j - 1]
    if qq == 0:
        e[:, ncond:] = a
    else:
        for t in range(ncond, N):
            v = a[:, t - ncond]
            for j in range(min(t - ncond, qq)):
                v = v - theta[:, j] * e[:, t - j - 1]
            e[:, t] = v
    tail = e[:, ncond:]
    return e, (tail * tail).sum(axis=1) / (N - ncond)


def polymul_fixed(a: np.ndarray, d: int, D: int, m: int) -> np.ndarray:
    """``a(B) (1 - B)^d (1 - B^m)^D`` for a batch of polynomials ``a`` (shape ``(s, K+1)``,
    coefficient of ``B^0`` first). Shape ``(s, K + 1 + d + m D)``."""
    out = a
    for lag, times in ((1, d), (m, D)):
        for _ in range(times):
            nxt = np.zeros((out.shape[0], out.shape[1] + lag))
            nxt[:, :out.shape[1]] += out
            nxt[:, lag:] -= out
            out = nxt
    return out


# ---------------------------------------------------------------------------------------
# estimation


@dataclass
class ARFit:
    """One AR candidate fitted to a group of series (all arrays over the group's rows).

    ``phi`` ``(g, p)``, ``Phi`` ``(g, P)``, ``mu`` ``(g,)`` (0 without constant),
    ``sigma2`` ``(g,)`` (CSS: sum of squared residuals / their count), ``minroot`` ``(g,)``
    (smallest modulus of the AR polynomial's roots, 2 when none)."""

    p: int
    P: int
    const: bool
    phi: np.ndarray
    Phi: np.ndarray
    mu: np.ndarray
    sigma2: np.ndarray
    minroot: np.ndarray


def _lagmat(W: np.ndarray, lags: Sequence[int], c0: int) -> np.ndarray:
    """(s, N - c0, len(lags)): ``W[:, t - lag]`` for ``t >= c0``."""
    N = W.shape[1]
    return np.stack([W[:, c0 - lag:N - lag] for lag in lags], axis=2)


def ols_ar(W: np.ndarray, p: int, const: bool) -> tuple[np.ndarray, np.ndarray]:
    """CSS (= least squares) AR(p) on differenced series ``W`` ``(s, N)``: regress ``W_t``
    on ``(1, W_{t-1}, .., W_{t-p})`` for ``t >= p`` by stacked normal equations. Returns
    ``(phi (s, p), mu (s,))`` with ``mu = c / (1 - sum phi)`` (0 without ``const``); rows
    whose system is singular get NaN."""
    s, N = W.shape
    cols = []
    if const:
        cols.append(np.ones((s, N - p)))
    if p:
        cols.extend(W[:, p - lag:N - lag] for lag in range(1, p + 1))
    if not cols:
        return np.zeros((s, 0)), np.zeros(s)
    A = np.stack(cols, axis=2)                       # (s, T, k)
    y = W[:, p:]
    G = (A[:, :, :, None] * A[:, :, None, :]).sum(axis=1)
    b = (A * y[:, :, None]).sum(axis=1)
    k = A.shape[2]
    beta = np.full((s, k), np.nan)
    ok = np.isfinite(G).all(axis=(1, 2))
    if ok.any():
        # a singular system (a constant series) raises for the whole stack: solve the
        # regular rows, leave the others NaN
        try:
            beta[ok] = np.linalg.solve(G[ok], b[ok][:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            for i in np.nonzero(ok)[0]:
                try:
                    beta[i] = np.linalg.solve(G[i], b[i])
                except np.linalg.LinAlgError:
                    pass
    if const:
        c, phi = beta[:, 0], beta[:, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = c / (1 - phi.sum(axis=1))
    else:
        phi, mu = beta, np.zeros(s)
    return phi, mu


def _sar_resid_jac(W: np.ndarray, phi: np.ndarray, Phi: np.ndarray, mu: np.ndarray,
                   m: int, const: bool, jac: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Residuals ``(s, T)`` and Jacobian ``(s, T, k)`` of the CSS residual of
    ``(1 - sum phi_i B^i)(1 - Phi B^m)(W - mu)`` for ``t >= p + m``; parameters ordered
    ``(phi_1..phi_p, Phi, mu)``."""
    p = phi.shape[1]
    c0 = p + m
    U = W - mu[:, None]
    N = W.shape[1]
    lag = lambda k: U[:, c0 - k:N - k]
    ar0 = lag(0).copy()                          # u_t - sum phi u_{t-i}
    arm = lag(m).copy()                          # u_{t-m} - sum phi u_{t-m-i}
    for i in range(p):
        ar0 -= phi[:, i:i + 1] * lag(i + 1)
        arm -= phi[:, i:i + 1] * lag(m + i + 1)
    e = ar0 - Phi[:, 0:1] * arm
    if not jac:
        return e, e[:, :0]
    J = [-lag(i + 1) + Phi[:, 0:1] * lag(m + i + 1) for i in range(p)]
    J.append(-arm)
    if const:
        g = -(1 - phi.sum(axis=1)) * (1 - Phi[:, 0])
        J.append(np.broadcast_to(g[:, None], e.shape))
    return e, np.stack(J, axis=2)


def lm_sar(W: np.ndarray, p: int, m: int, const: bool) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """CSS fit of ``AR(p) x SAR(1)_m`` (with mean ``mu`` when ``const``) to differenced
    series ``W`` ``(s, N)`` by batched Levenberg-Marquardt (Marquardt 1963): each series
    keeps its own damping, a step is taken only where it lowers that series' sum of squares.
    Started from the OLS AR(p) and ``Phi = 0``. Returns ``(phi (s, p), Phi (s, 1), mu
    (s,))``."""
    s = W.shape[0]
    phi, mu = ols_ar(W, p, const)
    if not const:
        mu = np.zeros(s)
    phi = np.where(np.isfinite(phi), phi, 0.0)
    mu = np.where(np.isfinite(mu), mu, W.mean(axis=1) if const else 0.0)
    Phi = np.zeros((s, 1))
    lam = np.full(s, 1e-3)
    k = p + 1 + int(const)
    eye = np.eye(k)
    e, _ = _sar_resid_jac(W, phi, Phi, mu, m, const, jac=False)
    ssq = (e * e).sum(axis=1)
    act = np.nonzero(np.isfinite(ssq))[0]          # rows still iterating (each on its own)
    for _ in range(LM_ITER):
        if not len(act):
            break
        Wa, pa, Pa, ma = W[act], phi[act], Phi[act], mu[act]
        ea, J = _sar_resid_jac(Wa, pa, Pa, ma, m, const)
        Jt = J.transpose(0, 2, 1)
        G = np.matmul(Jt, J)
        g = np.matmul(Jt, ea[:, :, None])[:, :, 0]
        diag = np.einsum("sii->si", G)
        A = G + (lam[act, None] * np.maximum(diag, 1e-12))[:, :, None] * eye
        try:
            step = -np.linalg.solve(A, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            break
        step = np.where(np.isfinite(step), step, 0.0)
        nphi = pa + step[:, :p]
        nPhi = Pa + step[:, p:p + 1]
        nmu = ma + step[:, p + 1] if const else ma
        ne, _ = _sar_resid_jac(Wa, nphi, nPhi, nmu, m, const, jac=False)
        nssq = (ne * ne).sum(axis=1)
        old = ssq[act]
        better = nssq < old
        phi[act] = np.where(better[:, None], nphi, pa)
        Phi[act] = np.where(better[:, None], nPhi, Pa)
        mu[act] = np.where(better, nmu, ma)
        ssq[act] = np.where(better, nssq, old)
        lam[act] = np.where(better, lam[act] * 0.2, lam[act] * 10.0)
        # a row stops when a step gains under LM_TOL of its sum of squares, or when
        # even a heavily damped step fails
        done = (better & (old - nssq <= LM_TOL * old)) | (~better & (lam[act] > 1e6))
        act = act[~done]
    return phi, Phi, mu


def _minroot(phi: np.ndarray, Phi: np.ndarray, m: int) -> np.ndarray:
    """Smallest root modulus of ``(1 - phi_1 z - phi_2 z^2)(1 - Phi z^m)`` per row (2 when
    the polynomial is 1, as ``myarima`` starts from 2)."""
    s, p = phi.shape
    out = np.full(s, 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if p == 1:
            out = np.minimum(out, np.where(phi[:, 0] != 0, 1 / np.abs(phi[:, 0]), 2.0))
        elif p == 2:
            a, b = phi[:, 0], phi[:, 1]
            disc = np.sqrt((a * a + 4 * b).astype(complex))
            lam = np.maximum(np.abs((a + disc) / 2), np.abs((a - disc) / 2))
            out = np.minimum(out, np.where(lam > 0, 1 / lam, 2.0))
        if Phi.shape[1]:
            P1 = np.abs(Phi[:, 0])
            out = np.minimum(out, np.where(P1 > 0, P1 ** (-1.0 / m), 2.0))
    return np.where(np.isfinite(out), out, 0.0)


def fit_ar(W: np.ndarray, p: int, P: int, m: int, const: bool) -> ARFit:
    """CSS fit of ``ARIMA(p, ., 0)(P, ., 0)_m`` to the differenced series ``W`` (``(s,
    N)``, ``N > p + m P``): OLS when ``P = 0``, Levenberg-Marquardt otherwise."""
    s = W.shape[0]
    if P == 0:
        phi, mu = ols_ar(W, p, const)
        Phi = np.zeros((s, 0))
    else:
        phi, Phi, mu = lm_sar(W, p, m, const)
    phis = expand(np.where(np.isfinite(phi), phi, 0.0), Phi, m, -1.0)
    mu0 = np.where(np.isfinite(mu), mu, 0.0)
    _, sigma2 = css_residuals(W - mu0[:, None], phis, np.zeros((s, 0)), p + m * P)
    bad = ~(np.isfinite(phi).all(axis=1) & np.isfinite(mu))
    sigma2 = np.where(bad, np.nan, sigma2)
    return ARFit(p, P, const, phi, Phi, mu, sigma2, _minroot(phi, Phi, m))


def candidates(n: int, m: int, constant: bool) -> list[tuple[int, int, bool]]:
    """The AR orders ``(p, P, const)`` tried for a window of ``n`` points and season ``m``:
    ``p <= min(2, n // 3)`` (and ``<= m - 1`` when seasonal), ``P <= min(1, n // (3 m))``
    (0 when ``m = 1``), with and without the constant when it is allowed: the grid of
    statsforecast's exhaustive ``search_arima`` (``stepwise=False``) restricted to AR
    orders. The plain model first."""
    max_p = min(2, n // 3)
    if m > 1:
        max_p = min(max_p, m - 1)
    max_P = min(1, n // (3 * m)) if m > 1 else 0
    return [(p, P, cst) for cst in ((True, False) if constant else (False,))
            for P in range(max_P + 1) for p in range(max_p + 1)]


@dataclass
class Model:
    """The chosen model per series: ``poly`` ``(s, K)`` the AR coefficients of the full
    (differenced) polynomial in the ``x`` domain (``x_t = c + sum_j poly_j x_{t-j}``),
    ``c`` ``(s,)``, and the orders ``(p, d, P, D, const)`` as int arrays ``(s,)``; ``ok``
    ``(s,)`` False where no model could be fitted."""

    poly: np.ndarray
    c: np.ndarray
    order: np.ndarray
    ok: np.ndarray


def select(X: np.ndarray, m: int) -> Model:
    """Differencing, CSS fits of every candidate and AICc selection for the window ``X``
    (shape ``(s, n)``) with season ``m`` (1 = non-seasonal). See the module docstring."""
    s, n = X.shape
    d, D = diff_orders(X, m)
    if n <= 2 * m:
        D[:] = 0
    const_x = _constant(X)
    polys: list[np.ndarray] = [np.zeros(0)] * s
    c = np.full(s, np.nan)
    order = np.zeros((s, 5), dtype=int)
    ok = np.zeros(s, dtype=bool)
    for dv in (0, 1):
        for Dv in (0, 1):
            rows = np.nonzero((d == dv) & (D == Dv))[0]
            if not len(rows):
                continue
            W = X[rows]
            for _ in range(dv):
                W = diff(W, 1)
            for _ in range(Dv):
                W = diff(W, m)
            nstar = W.shape[1]
            allow_c = dv + Dv <= 1
            cands = [cd for cd in candidates(n, max(1, m), allow_c)
                     if nstar > cd[0] + m * cd[1] + 2]
            if not cands:
                continue
            fits = [fit_ar(W, p, P, m, cst) for p, P, cst in cands]
            ic = np.full((len(cands), len(rows)), np.inf)
            for i, f in enumerate(fits):
                npar = f.p + f.P + int(f.const) + 1
                with np.errstate(divide="ignore", invalid="ignore"):
                    aic = nstar * np.log(f.sigma2) + 2 * npar
                den = nstar - npar - 1
                aicc = aic + (2 * npar * (npar + 1) / den if den != 0 else np.inf)
                aicc = np.where(f.sigma2 <= 0, -np.inf, aicc)
                aicc = np.where(np.isfinite(f.sigma2) & (f.minroot >= MIN_ROOT), aicc, np.inf)
                ic[i] = aicc
            # a constant window: the mean model (statsforecast fits the fixed mean)
            plain = cands.index((0, 0, allow_c))
            ic[plain, const_x[rows]] = -np.inf
            best = np.argmin(ic, axis=0)
            for i, f in enumerate(fits):
                sel = np.nonzero((best == i) & np.isfinite(ic[i]) | (best == i) & (ic[i] < 0))[0]
                if not len(sel):
                    continue
                r = rows[sel]
                phis = expand(f.phi[sel], f.Phi[sel], m, -1.0)
                a = np.concatenate([np.ones((len(sel), 1)), -phis], axis=1)
                full = polymul_fixed(a, dv, Dv, m)
                mu = f.mu[sel] if f.const else np.zeros(len(sel))
                cc = mu * a.sum(axis=1)
                for j, rr in enumerate(r):
                    polys[rr] = -full[j, 1:]
                c[r] = cc
                order[r] = (f.p, dv, f.P, Dv, int(f.const))
                ok[r] = np.isfinite(full[:, 1:]).all(axis=1) & np.isfinite(cc)
    K = max([len(q) for q in polys] + [1])
    poly = np.zeros((s, K))
    for i, q in enumerate(polys):
        poly[i, :len(q)] = q
    return Model(poly, np.where(ok, c, 0.0), order, ok)


# ---------------------------------------------------------------------------------------
# forecasting


def forecast_from(Xlags: np.ndarray, poly: np.ndarray, c: np.ndarray, h: int) -> np.ndarray:
    """Mean forecasts of ``h`` steps for lanes of an AR recursion ``x_t = c + sum_j poly_j
    x_{t-j}``: ``Xlags`` ``(L, K)`` the last ``K`` values before each lane's origin (oldest
    first), ``poly`` ``(L, K)``, ``c`` ``(L,)``. Returns ``(L, h)``."""
    L, K = poly.shape
    buf = np.empty((K + h, L))                     # time-major: each step reads whole rows
    buf[:K] = Xlags.T
    lags = np.nonzero(np.any(poly != 0, axis=0))[0] + 1        # the lags any lane uses
    coef = np.ascontiguousarray(poly[:, lags - 1].T)            # (k, L)
    tmp = np.empty((len(lags), L))
    for t in range(K, K + h):
        np.multiply(buf[t - lags], coef, out=tmp)
        np.add(c, tmp.sum(axis=0), out=buf[t])
    return np.ascontiguousarray(buf[K:].T)


def _trim(poly: np.ndarray) -> np.ndarray:
    nz = np.nonzero(np.any(poly != 0, axis=0))[0]
    return poly[:, :(nz[-1] + 1 if len(nz) else 0)]


def backtest_forecast(Y: np.ndarray, origins: Sequence[int], h: int, seasons: Seasons,
                      step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Batched AutoARIMA (AR-only CSS, see the module docstring) from every origin and from
    the end; the contract of :mod:`provisor.forecast.batch`.

    Args:
        Y: float64 ``(s, n)``, finite, regular grid ``step_s`` seconds apart.
        origins: increasing indices (may be empty); orders and coefficients are chosen
            once per series on the last :data:`ARIMA_WINDOW_S` before ``origins[0]``.
        h: horizon, points.
        seasons: season lengths in points; the daily one is the ARIMA season when it is
            between 2 and 24 points, otherwise the model is non-seasonal.
        step_s: seconds between points.

    Returns:
        ``bt`` ``(s, len(origins), L)`` with ``L = min(h, n - origins[0])`` (NaN after each
        window's end) and ``final`` ``(s, h)``; NaN rows for a series without a model or
        with a non-finite forecast.

    Raises:
        ValueError: ``Y`` not 2-D, ``h < 1``, origins not increasing within ``(0, n]``, or
        fewer than 4 points of history.
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ValueError(f"Y must have shape (series, points), got {Y.shape}")
    if h < 1:
        raise ValueError(f"h must be >= 1, got {h}")
    s, n = Y.shape
    origins = [int(o) for o in origins]
    if any(b <= a for a, b in itertools.pairwise(origins)) or (origins and (origins[0] < 1 or origins[-1] > n)):
        raise ValueError(f"origins must increase within (0, {n}]: {origins}")
    o0 = origins[0] if origins else n
    if o0 < 4:
        raise ValueError(f"history before the first origin too short ({o0} points)")
    window = int(ARIMA_WINDOW_S // step_s)
    X = Y[:, max(0, o0 - window):o0]
    m = seasons.daily if 2 <= seasons.daily <= 24 else 1
    model = select(X, m)
    poly = _trim(model.poly)
    K = max(poly.shape[1], 1)
    if poly.shape[1] == 0:
        poly = np.zeros((s, 1))
    W = len(origins)
    ends = origins + [n]
    # lanes: series-major, origin-minor
    lags = np.zeros((s, W + 1, K))
    for k, o in enumerate(ends):
        take = min(K, o)
        lags[:, k, K - take:] = Y[:, o - take:o]
    Lp = np.repeat(poly, W + 1, axis=0)
    Lc = np.repeat(model.c, W + 1)
    with np.errstate(all="ignore"):
        F = forecast_from(lags.reshape(s * (W + 1), K), Lp, Lc, h).reshape(s, W + 1, h)
    Lw = min(h, n - origins[0]) if origins else 0
    bt = np.full((s, W, Lw), np.nan)
    for k, o in enumerate(origins):
        w = min(h, n - o)
        bt[:, k, :w] = F[:, k, :w]
    final = F[:, W, :].copy()
    bad = ~model.ok | ~np.isfinite(final).all(axis=1)
    if W:
        bad |= ~np.all(np.isfinite(bt) | np.isnan(bt), axis=(1, 2))
        fin = np.isfinite(F[:, :W, :Lw])
        for k, o in enumerate(origins):
            w = min(h, n - o)
            bad |= ~fin[:, k, :w].all(axis=1)
    bt[bad] = np.nan
    final[bad] = np.nan
    return bt, final
