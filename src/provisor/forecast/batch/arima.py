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
  series is longer than two seasons; the decomposition is statsmodels' STL as
  statsforecast's ``mstl`` runs it, batched by :mod:`provisor.forecast.batch.mstl`), then
  ``d`` on the seasonally differenced series (``ndiffs(test="kpss")``: difference when the
  KPSS level-stationarity test, statsmodels ``kpss(x, "c", nlags=floor(3 sqrt(n) /
  13))``, rejects at 5 %, i.e. its statistic exceeds the 5 % critical value 0.463 of
  Kwiatkowski et al. 1992, table 1). Both statistics equal statsforecast's / statsmodels'
  to rounding (:func:`seasonal_strength`, :func:`kpss_stat`; tested).
* **Constant**: a mean when ``d + D = 0``, a drift when ``d + D = 1``, none otherwise
  (``allowmean`` / ``allowdrift``). On the differenced series ``w`` both are one mean
  ``mu`` (a drift ``b`` per step is ``mu = b`` after ``(1 - B)``, ``mu = m b`` after
  ``(1 - B^m)``).
* **CSS**: ``arima_css`` in ``src/arima.cpp``: the series is differenced, and for
  ``t >= ncond = p + m P`` (counted on ``w``) the residual is
  ``e_t = u_t - sum_j phi*_j u_{t-j} - sum_j theta*_j e_{t-j}`` with ``u = w - mu``, the
  expanded polynomials ``phi*`` / ``theta*`` of ``arima_transpar`` (multiplicative seasonal
  terms) and ``e`` taken as 0 before ``ncond``; ``sigma2 = sum e^2 / count``.
  :func:`css_residuals` is that recursion for any orders, vectorised over series with a
  Python loop over time only when there are MA terms.
* **Estimation**: for a non-seasonal AR(p) the CSS minimiser is ordinary least squares of
  ``w_t`` on ``(1, w_{t-1} .. w_{t-p})`` (``mu = c / (1 - sum phi)``), solved for all
  series at once by stacked normal equations (``np.linalg.solve`` on ``(s, k, k)``). A
  seasonal AR (``P = 1``) makes the residual bilinear in ``(phi, Phi)``, and MA terms make
  it a recursion: batched Levenberg-Marquardt on the residual vector with its analytic
  Jacobian (the AR part vectorised over time; the MA part through the factored filter
  ``(1 + Theta B^m)^-1 (1 + theta B)^-1`` and its derivative recursions, a Python loop
  over time points only), started from the OLS AR fit and method-of-moments MA values,
  each series stopping on its own (:data:`LM_ITER` iterations at most, or a step gaining
  under :data:`LM_TOL` of the sum of squares). A series near an MA unit root (an
  over-differenced one) converges slowly; it may stop with a sum of squares a few percent
  above the optimum (measured: 8 of 100 synthetic 92-day series for ``(1,1,1)(1,1,1)``),
  and such a model rarely passes the root check anyway.
* **Selection**: every AR order ``p <= 2``, ``P <= 1`` (``P = 0`` when non-seasonal) plus
  the MA models of ``auto_arima_f``'s stepwise start, ``(1, q=1)(1, Q=1)`` and
  ``(0, 1)(0, 1)``, limited as ``auto_arima_f`` limits them (``max_p = min(2, n // 3)``,
  and ``m - 1`` when seasonal; ``max_P = min(1, n // (3 m))``), each with the allowed
  constant, and the plain ``(0, d, 0)(0, D, 0)`` also without it, as the stepwise search
  tries them (:data:`CONSTANT_SEARCH`); each candidate fitted once for all series; each
  series takes the smallest AICc counted as ``myarima`` does for CSS: ``aic = nstar
  log(sigma2) + 2 (k + 1)``, ``k`` the estimated coefficients, ``nstar = n - d - m D``,
  ``aicc = aic + 2 (k + 1)(k + 2) / (nstar - k - 2)``; a model whose AR or MA polynomial
  has a root of modulus below 1.01 is not eligible (``myarima``'s ``minroot`` check). The
  ``offset`` statsforecast adds under its approximation is the same for every candidate
  of a series and is left out. Not searched (the engine's stepwise search may reach them): ``q = 2``
  and the mixed MA orders beyond the two above.

Forecast: with the coefficients kept, the CSS residuals are run through the data from the
fit window's start (:func:`residuals_through`), and the mean forecast from an origin ``o``
runs the recursion ``x_t = c + sum_j poly_j x_{t-j} + e_t + theta e_{t-1} + Theta e_{t-m}
+ theta Theta e_{t-m-1}`` (``poly`` the AR polynomial times ``(1 - B)^d (1 - B^m)^D``,
``c = mu phi*(1)``) with future innovations zero. This is the Kalman forecast
statsforecast's ``forecast_arima`` gives for the same fixed model once its state is filled
from the data (its ``method="ML"`` path; its ``method="CSS"`` path leaves the state at
zero, so the engine's CSS AutoARIMA forecasts the mean or drift from 0: the tests show
it). All origins and the final forecast run as one batch of ``series x (windows + 1)``
lanes, a loop over the ``h`` steps only.

Measured (bench/batch_arima_bench.py, CPU seconds for 100 series, one core): 0.03 s for
the forecast bench's short series (7 days hourly, h = 7 days; statsforecast 2.7 s), 0.19 s
for its long ones (62 days, h = 30 days) and 0.21 s for 92 days of history with h = 720
(statsforecast about 29 s). Median MASE against the seasonal naive forecast: 1.67 short,
0.49 long (0.38 on the ten series statsforecast's CSS-ML AutoARIMA also ran, its 0.38),
1.54 on the 12 Bitbrains series (statsforecast's CSS AutoARIMA as the engine runs it:
1.87, 5.83, 3.43).

History: the last :data:`provisor.forecast.engine.ARIMA_WINDOW_S` seconds before
``origins[0]``. Memory: series are fitted in chunks (:data:`CHUNK_POINTS`), ``O(s n)``
floats plus ``O(s (W + 1) (h + K))`` for the forecast
lanes (``K <= 2 + 24 + 1 + 24`` lags), ``O(s T k)`` for the Jacobians (``T`` the window,
``k <= 6``); at 5-minute steps the daily season (288) is beyond
24 points, so the model is non-seasonal and ``K <= 3``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from provisor.forecast.batch import check_inputs
from provisor.forecast.engine import ARIMA_WINDOW_S, Seasons

#: KPSS 5 % critical value for level stationarity (Kwiatkowski et al. 1992, table 1;
#: statsmodels ``kpss`` interpolates its p-value table, which crosses 0.05 here).
KPSS_CRIT_5 = 0.463
#: ``nsdiffs(test="seas")``: seasonal difference when the seasonal strength exceeds this.
SEAS_STRENGTH = 0.64
#: ``myarima``: a model with an AR (or MA) root of modulus below this is not eligible.
MIN_ROOT = 1.01
#: Levenberg-Marquardt iterations for the seasonal AR fits.
LM_ITER = 10
#: Which candidates go without the allowed constant (mean or drift): "stepwise", as
#: statsforecast's ``auto_arima_f`` (its stepwise start fits every model with the constant
#: and only the plain ``(0, d, 0)(0, D, 0)`` also without), or "both" (every candidate both
#: ways, as its exhaustive ``search_arima``). Measured, median MASE (count < 1):
#: "stepwise" 1.67 (12/100) on the bench's short series, 0.49 (71/100) on its long ones,
#: 1.54 (4/12) on Bitbrains; "both" 1.52 (21/100), 0.78 (74/100), 1.13 (4/12).
CONSTANT_SEARCH = "stepwise"
#: Series are fitted in chunks of ``CHUNK_POINTS // window`` (at least 16): the fit's
#: temporaries take about 175 bytes per series and window point, so a chunk stays near
#: 100 MB whatever the batch (measured: 100 series of 28 days at 5-minute steps, a
#: 6,048-point window, h = 7 days: 106 MB peak, 1.3 s CPU).
CHUNK_POINTS = 600_000
#: Block length of the first-order scan of the MA filter (:func:`_first_order`).
SCAN_BLOCK = 24
#: ... a row stops when a step improves its sum of squares by less than this fraction.
LM_TOL = 1e-7


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
    """Seasonal strength ``max(0, min(1, 1 - var(R) / var(R + S)))`` (variances with ``ddof
    = 1``) of each row of ``X`` (shape ``(s, n)``, ``n > m``): statsforecast's
    ``seas_heuristic`` (statsforecast/arima.py), whose ``mstl(x, m)`` is one statsmodels STL
    (seasonal window 11, ``seasonal_deg=0``, no jumps), here the batched STL of
    :func:`provisor.forecast.batch.mstl.decompose` (equal to statsmodels' to rounding).
    Shape ``(s,)``."""
    from provisor.forecast.batch.mstl import decompose

    seas, trend = decompose(X, [m], jumps={"seasonal_jump": 1, "trend_jump": 1,
                                           "low_pass_jump": 1})
    S = seas[:, 0]
    R = X - S - trend
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
class ARMAFit:
    """One candidate ``ARIMA(p, ., q)(P, ., Q)_m`` fitted to a group of series (arrays over
    the group's rows).

    ``phi`` ``(g, p)``, ``Phi`` ``(g, P)``, ``theta`` ``(g, q)``, ``Theta`` ``(g, Q)``,
    ``mu`` ``(g,)`` (0 without constant), ``sigma2`` ``(g,)`` (CSS: sum of squared residuals
    / their count), ``minroot`` ``(g,)`` (smallest modulus of the AR and MA polynomials'
    roots, 2 when there are none, as ``myarima`` computes it)."""

    p: int
    q: int
    P: int
    Q: int
    const: bool
    phi: np.ndarray
    Phi: np.ndarray
    theta: np.ndarray
    Theta: np.ndarray
    mu: np.ndarray
    sigma2: np.ndarray
    minroot: np.ndarray


def _mask(off: np.ndarray | None, s: int, T: int) -> np.ndarray | None:
    """(s, T) float: 1 where position ``t >= off[row]`` (a right-aligned row's own data)."""
    if off is None or not np.any(off):
        return None
    return (np.arange(T)[None, :] >= np.asarray(off)[:, None]).astype(float)


def ols_ar(W: np.ndarray, p: int, const: bool,
           off: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CSS (= least squares) AR(p) on differenced series ``W`` ``(s, N)``: regress ``W_t``
    on ``(1, W_{t-1}, .., W_{t-p})`` for ``t >= p`` by stacked normal equations. Row ``r``
    may be right-aligned, its data starting at column ``off[r]`` (its equations then start
    at ``off[r] + p``). Returns ``(phi (s, p), mu (s,))`` with ``mu = c / (1 - sum phi)``
    (0 without ``const``); rows whose system is singular get NaN."""
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
    mk = _mask(off, s, N - p)
    if mk is not None:
        A = A * mk[:, :, None]
        y = y * mk
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




def _first_order(X: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``y_t = x_t + a y_{t-1}`` (``y_{-1} = 0``) along axis 1 of ``X`` (``(s, T, k)``),
    ``a`` ``(s,)`` per series: a two-level scan, the recursion run inside blocks of
    :data:`SCAN_BLOCK` points for all blocks at once, then each block's start corrected by
    the previous block's end times the powers of ``a`` (Blelloch 1990, "Prefix sums and
    their applications", section 1.4: first-order recurrences). ``SCAN_BLOCK + T /
    SCAN_BLOCK`` array steps instead of ``T``; the blocks are fixed from ``t = 0``, so
    ``y_t`` depends on ``x_0 .. x_t`` only, bit for bit. Returns ``(s, T, k)``."""
    s, T, k = X.shape
    bk = SCAN_BLOCK
    nb = -(-T // bk)
    pad = np.zeros((s, nb * bk, k))
    pad[:, :T] = X
    Z = pad.reshape(s, nb, bk, k)
    A = a[:, None, None]
    for i in range(1, bk):
        Z[:, :, i] += A * Z[:, :, i - 1]
    pw = (a[:, None] ** np.arange(1, bk + 1)[None, :])[:, :, None]     # (s, bk, 1)
    for b in range(1, nb):
        Z[:, b] += pw * Z[:, b - 1, -1][:, None, :]
    return pad[:, :T]


def ma_filter(B: np.ndarray, theta: np.ndarray | None, Theta: np.ndarray | None, m: int,
              jac: bool) -> np.ndarray:
    """The MA part of the CSS recursion, ``e = (1 + Theta B^m)^-1 (1 + theta B)^-1 a`` with
    zero residuals before the first point, applied to every column of ``B`` (``(s, T, k)``,
    column 0 the AR-filtered series ``a``, the others its derivatives). This factorisation
    is the ``arima_css`` recursion ``e_t = a_t - theta e_{t-1} - Theta e_{t-m} - theta Theta
    e_{t-m-1}``: with ``v_t = e_t + Theta e_{t-m}``, ``v_t + theta v_{t-1} = a_t``, both
    starting from zeros. With ``jac`` the derivatives of column 0's result with respect to
    ``theta`` then ``Theta`` are appended (the derivative recursions ``g_t = -v_{t-1} -
    theta g_{t-1}``, ``h_t = -e_{t-m} - Theta h_{t-m}``). Vectorised over series and
    columns; Python loops over ``SCAN_BLOCK + T / SCAN_BLOCK`` steps (first order,
    :func:`_first_order`) and over the ``T / m`` seasons (seasonal). Returns ``(s, T, k [+
    1] [+ 1])``."""
    s, T, _ = B.shape
    X = B
    if theta is not None:
        V = _first_order(B, -theta)
        if jac:
            # g_t = -v_{t-1} - theta g_{t-1}: the same filter on the lagged -v
            lagv = np.zeros((s, T, 1))
            lagv[:, 1:, 0] = -V[:, :-1, 0]
            V = np.concatenate([V, _first_order(lagv, -theta)], axis=2)
        X = V
    if Theta is not None:
        k2 = X.shape[2]
        kk = k2 + int(jac)
        nb = -(-T // m)
        pad = np.zeros((s, nb * m, kk))
        pad[:, :T, :k2] = X
        blocks = pad.reshape(s, nb, m, kk)
        Th = Theta[:, None, None]
        for b in range(1, nb):
            cur = blocks[:, b]
            if jac:
                cur[:, :, k2] = -blocks[:, b - 1, :, 0]
            cur -= Th * blocks[:, b - 1]
        X = pad[:, :T]
    return X


def _arma_resid_jac(W: np.ndarray, par: np.ndarray, spec: tuple[int, int, int, int, bool],
                    m: int, jac: bool = True,
                    off: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CSS residuals ``(s, T)`` (``T = N - p - m P``) of ``ARIMA(p, ., q)(P, ., Q)_m`` on
    differenced series ``W`` ``(s, N)`` for parameters ``par`` ``(s, k)`` ordered ``(phi_1
    .. phi_p, Phi, theta, Theta, mu)``, and with ``jac`` their Jacobian ``(s, T, k)`` in the
    same order (for ``q, Q, P <= 1``). A row right-aligned at ``off[r]`` has zero residuals
    (and derivatives) before position ``off[r]`` of ``T``, as ``arima_css`` before its
    ``ncond``."""
    p, q, P, Q, const = spec
    i = 0
    phi = par[:, i:i + p]
    i += p
    Phi = par[:, i:i + P]
    i += P
    theta = par[:, i] if q else None
    i += q
    Theta = par[:, i] if Q else None
    i += Q
    U = W - par[:, i:i + 1] if const else W
    c0 = p + m * P
    N = W.shape[1]

    def lag(k: int) -> np.ndarray:
        return U[:, c0 - k:N - k]

    ar0 = lag(0).copy()
    for j in range(p):
        ar0 -= phi[:, j:j + 1] * lag(j + 1)
    if P:
        arm = lag(m).copy()
        for j in range(p):
            arm -= phi[:, j:j + 1] * lag(m + j + 1)
        a = ar0 - Phi[:, 0:1] * arm
    else:
        a = ar0
    mk = _mask(off, W.shape[0], N - c0)
    if mk is not None:
        a = a * mk
    if not jac:
        if q or Q:
            a = ma_filter(a[:, :, None], theta, Theta, m, False)[:, :, 0]
        return a, a[:, :0]
    cols = [a]
    for j in range(p):
        cols.append(-lag(j + 1) + (Phi[:, 0:1] * lag(m + j + 1) if P else 0.0))
    if P:
        cols.append(-arm)
    if const:
        g = -(1 - phi.sum(axis=1)) * ((1 - Phi[:, 0]) if P else 1.0)
        cols.append(np.broadcast_to(g[:, None], a.shape))
    B = np.stack(cols, axis=2)
    if mk is not None:
        B[:, :, 1:] *= mk[:, :, None]
    if q or Q:
        B = ma_filter(B, theta, Theta, m, True)
    # reorder (a, phi.., Phi, mu, theta, Theta) -> (phi.., Phi, theta, Theta, mu)
    nar = 1 + p + P
    order = list(range(1, nar)) + list(range(nar + int(const), B.shape[2])) + \
        ([nar] if const else [])
    return B[:, :, 0], B[:, :, order]


def lm_arma(W: np.ndarray, p: int, q: int, P: int, Q: int, m: int, const: bool,
            off: np.ndarray | None = None) -> np.ndarray:
    """CSS fit of ``ARIMA(p, ., q)(P, ., Q)_m`` (``q, P, Q <= 1``; mean ``mu`` when
    ``const``) to differenced series ``W`` ``(s, N)`` (row ``r`` right-aligned from column
    ``off[r]``) by batched Levenberg-Marquardt (Marquardt 1963) on the residual vector with
    its analytic Jacobian: each series keeps its own damping, takes a step only where it
    lowers its own sum of squares, and stops on its own (rows that stopped are no longer
    computed); one residual-and-Jacobian pass per iteration. Started from the OLS AR(p) fit
    with the other coefficients 0 (statsforecast starts its BFGS at 0 with the regression's
    mean). Returns the parameters ``(s, k)`` in :func:`_arma_resid_jac`'s order."""
    s = W.shape[0]
    offs = np.zeros(s, dtype=int) if off is None else np.asarray(off)
    spec = (p, q, P, Q, const)
    phi, mu = ols_ar(W, p, const, offs)
    phi = np.where(np.isfinite(phi), phi, 0.0)
    par = np.zeros((s, p + P + q + Q + int(const)))
    par[:, :p] = phi
    if const:
        par[:, -1] = np.where(np.isfinite(mu), mu, W[:, -1])
    if q or Q:
        # MA starting values by the method of moments on the AR(p) residuals: an MA(1)
        # has lag-1 autocorrelation r = theta / (1 + theta^2) (Box & Jenkins 1970, 6.3),
        # the seasonal MA(1) the same at lag m
        with np.errstate(all="ignore"):
            a, _ = _arma_resid_jac(W, par, (p, 0, 0, 0, const), m, False, offs)
            cnt = a.shape[1] - offs
            a = a - np.where(np.arange(a.shape[1])[None, :] >= offs[:, None],
                             (a.sum(axis=1) / cnt)[:, None], 0.0)
            v = (a * a).sum(axis=1)
            for j, lagv in ((p + P, 1), (p + P + q, m)):
                if (lagv == 1 and not q) or (lagv == m and not Q):
                    continue
                r = (a[:, lagv:] * a[:, :-lagv]).sum(axis=1) / v
                r = np.clip(np.where(np.isfinite(r), r, 0.0), -0.49, 0.49)
                safe = np.where(r != 0, r, 1.0)
                par[:, j] = np.where(r != 0, (1 - np.sqrt(1 - 4 * r * r)) / (2 * safe), 0.0)
    k = par.shape[1]
    eye = np.eye(k)
    lam = np.full(s, 1e-3)
    with np.errstate(all="ignore"):
        e, J = _arma_resid_jac(W, par, spec, m, True, offs)
    ssq = (e * e).sum(axis=1)
    act = np.nonzero(np.isfinite(ssq))[0]          # rows still iterating (each on its own)
    e, J = e[act], J[act]
    for _ in range(LM_ITER):
        if not len(act):
            break
        pa = par[act]
        Jt = J.transpose(0, 2, 1)
        G = np.matmul(Jt, J)
        g = np.matmul(Jt, e[:, :, None])[:, :, 0]
        diag = np.einsum("sii->si", G)
        A = G + (lam[act, None] * np.maximum(diag, 1e-12))[:, :, None] * eye
        ok = np.isfinite(A).all(axis=(1, 2)) & np.isfinite(g).all(axis=1)
        step = np.zeros_like(pa)
        if ok.any():
            try:
                step[ok] = -np.linalg.solve(A[ok], g[ok][:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                for r in np.nonzero(ok)[0]:
                    try:
                        step[r] = -np.linalg.solve(A[r], g[r])
                    except np.linalg.LinAlgError:
                        pass
        step = np.where(np.isfinite(step), step, 0.0)
        npar = pa + step
        with np.errstate(all="ignore"):
            ne, nJ = _arma_resid_jac(W[act], npar, spec, m, True, offs[act])
            nssq = (ne * ne).sum(axis=1)
        old = ssq[act]
        better = nssq < old
        par[act] = np.where(better[:, None], npar, pa)
        ssq[act] = np.where(better, nssq, old)
        lam[act] = np.where(better, lam[act] * 0.2, lam[act] * 10.0)
        e = np.where(better[:, None], ne, e)
        J = np.where(better[:, None, None], nJ, J)
        # a row stops when a step gains under LM_TOL of its sum of squares, or when even a
        # heavily damped step fails
        done = (better & (old - nssq <= LM_TOL * old)) | (~better & (lam[act] > 1e6)) | ~ok
        act, e, J = act[~done], e[~done], J[~done]
    return par


def _minroot(phi: np.ndarray, Phi: np.ndarray, theta: np.ndarray, Theta: np.ndarray,
             m: int) -> np.ndarray:
    """Smallest root modulus of ``(1 - phi_1 z - phi_2 z^2)(1 - Phi z^m)`` and of ``(1 +
    theta z)(1 + Theta z^m)`` per row (2 when a polynomial is 1, as ``myarima`` starts from
    2; the roots of a product are its factors')."""
    s, p = phi.shape
    out = np.full(s, 2.0)

    def inv(x: np.ndarray, power: float = 1.0) -> np.ndarray:
        ax = np.abs(x)
        return np.where(ax > 0, ax ** (-power) if power != 1.0 else 1 / np.where(ax > 0, ax, 1), 2.0)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 1:
            out = np.minimum(out, inv(phi[:, 0]))
        elif p == 2:
            a, b = phi[:, 0], phi[:, 1]
            disc = np.sqrt((a * a + 4 * b).astype(complex))
            lam = np.maximum(np.abs((a + disc) / 2), np.abs((a - disc) / 2))
            out = np.minimum(out, inv(lam))
        for x, power in ((Phi, 1.0 / m), (theta, 1.0), (Theta, 1.0 / m)):
            if x.shape[1]:
                out = np.minimum(out, inv(x[:, 0], power))
    return np.where(np.isfinite(out), out, 0.0)


def fit_arma(W: np.ndarray, p: int, q: int, P: int, Q: int, m: int, const: bool,
             off: np.ndarray | None = None) -> ARMAFit:
    """CSS fit of ``ARIMA(p, ., q)(P, ., Q)_m`` to the differenced series ``W`` (``(s,
    N)``, row ``r`` right-aligned from column ``off[r]``, ``N - off[r] > p + m P``):
    ordinary least squares when ``q = P = Q = 0``, Levenberg-Marquardt otherwise."""
    s = W.shape[0]
    offs = np.zeros(s, dtype=int) if off is None else np.asarray(off)
    if q == P == Q == 0:
        phi, mu = ols_ar(W, p, const, offs)
        par = np.concatenate([phi, mu[:, None]] if const else [phi], axis=1)
    else:
        par = lm_arma(W, p, q, P, Q, m, const, offs)
    bad = ~np.isfinite(par).all(axis=1)
    par0 = np.where(np.isfinite(par), par, 0.0)
    with np.errstate(all="ignore"):
        e, _ = _arma_resid_jac(W, par0, (p, q, P, Q, const), m, False, offs)
        sigma2 = (e * e).sum(axis=1) / (e.shape[1] - offs)
    sigma2 = np.where(bad, np.nan, sigma2)
    i = np.cumsum([0, p, P, q, Q])
    phi, Phi, theta, Theta = (par[:, i[j]:i[j + 1]] for j in range(4))
    mu = par[:, -1] if const else np.zeros(s)
    return ARMAFit(p, q, P, Q, const, phi, Phi, theta, Theta, mu, sigma2,
                   _minroot(phi, Phi, theta, Theta, m))


def fit_ar(W: np.ndarray, p: int, P: int, m: int, const: bool) -> ARMAFit:
    """:func:`fit_arma` without MA terms."""
    return fit_arma(W, p, 0, P, 0, m, const)


Order = tuple[int, int, int, int, bool]


def candidates(n: int, m: int, constant: bool) -> list[Order]:
    """The orders ``(p, q, P, Q, const)`` tried for a window of ``n`` points and season
    ``m``: every AR order ``p <= min(2, n // 3)`` (and ``<= m - 1`` when seasonal), ``P <=
    min(1, n // (3 m))`` (0 when ``m = 1``), plus the MA models of ``auto_arima_f``'s
    stepwise start, ``(1, 1)(1, 1)`` and ``(0, 1)(0, 1)`` (non-seasonal: ``(1, 1)`` and
    ``(0, 1)``); each with and without the constant (:func:`select` keeps, per series,
    those :data:`CONSTANT_SEARCH` allows). The plain model first."""
    max_p = min(2, n // 3)
    max_q = min(1, n // 3)
    if m > 1:
        max_p = min(max_p, m - 1)
        max_q = min(max_q, m - 1)
    max_P = min(1, n // (3 * m)) if m > 1 else 0
    out: list[Order] = []
    for cst in ((True, False) if constant else (False,)):
        out += [(p, 0, P, 0, cst) for P in range(max_P + 1) for p in range(max_p + 1)]
        if max_q:
            out += [(min(1, max_p), 1, max_P, max_P, cst), (0, 1, 0, max_P, cst)]
    return out


@dataclass
class Model:
    """The chosen model per series, in the undifferenced (``x``) domain:
    ``x_t = c + sum_j poly_j x_{t-j} + e_t + theta e_{t-1} + Theta e_{t-m} + theta Theta
    e_{t-m-1}``.

    ``poly`` ``(s, K)`` (the AR polynomial times ``(1 - B)^d (1 - B^m)^D``), ``c`` ``(s,)``
    (``mu`` times the AR polynomial at 1), ``theta`` / ``Theta`` ``(s,)`` (0 without MA),
    ``m`` the season, ``ncond`` ``(s,)`` the points before the first CSS residual
    (``d + m D + p + m P``, ``arima_css``'s ``ncond``), ``order`` ``(s, 7)`` ints ``(p, d,
    q, P, D, Q, const)``, ``ok`` ``(s,)`` False where no model could be fitted."""

    poly: np.ndarray
    c: np.ndarray
    theta: np.ndarray
    Theta: np.ndarray
    m: int
    ncond: np.ndarray
    order: np.ndarray
    ok: np.ndarray


def make_model(phi: np.ndarray, Phi: np.ndarray, theta: np.ndarray, Theta: np.ndarray,
               mu: np.ndarray, d: np.ndarray, D: np.ndarray, m: int) -> Model:
    """A :class:`Model` from per-series coefficients: ``phi`` ``(s, p)``, ``Phi`` ``(s,
    P)`` (``P <= 1``), ``theta``/``Theta`` ``(s,)``, ``mu`` ``(s,)`` (mean of the
    differenced series: the intercept, or the drift times 1 or ``m``), ``d``/``D`` int
    ``(s,)``."""
    s = len(mu)
    phis = expand(phi, Phi, m, -1.0)
    a = np.concatenate([np.ones((s, 1)), -phis], axis=1)
    K = a.shape[1] - 1 + 1 + m
    poly = np.zeros((s, K))
    for dv in (0, 1):
        for Dv in (0, 1):
            r = np.nonzero((d == dv) & (D == Dv))[0]
            if len(r):
                full = polymul_fixed(a[r], dv, Dv, m)
                poly[r, :full.shape[1] - 1] = -full[:, 1:]
    c = mu * a.sum(axis=1)
    p, P = phi.shape[1], Phi.shape[1]
    ncond = d + m * D + p + m * P
    order = np.zeros((s, 7), dtype=int)
    order[:, 0], order[:, 1], order[:, 3], order[:, 4] = p, d, P, D
    ok = np.isfinite(poly).all(axis=1) & np.isfinite(c) & np.isfinite(theta) & \
        np.isfinite(Theta)
    return Model(poly, c, theta, Theta, m, ncond, order, ok)


def select(X: np.ndarray, m: int) -> Model:
    """Differencing, CSS fits of every candidate and AICc selection for the window ``X``
    (shape ``(s, n)``) with season ``m`` (1 = non-seasonal). See the module docstring.

    Each candidate is fitted once for all the series it applies to (those allowing its
    constant), whatever their differencing: the differenced series are right-aligned in one
    array, each with its own start, so one optimiser run serves all of them."""
    s, n = X.shape
    d, D = diff_orders(X, m)
    const_x = _constant(X)
    Wp = np.zeros((s, n))
    off = d + m * D                                # a row's differenced data start
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
            Wp[rows, n - W.shape[1]:] = W
    nstar = n - off
    allow_c = d + D <= 1
    cands = candidates(n, m, True)
    ic = np.full((len(cands), s), np.inf)
    fits: list[tuple[np.ndarray, ARMAFit] | None] = []
    for i, (p, q, P, Q, cst) in enumerate(cands):
        # "stepwise" (auto_arima_f's search): every model with the constant where it is
        # allowed; without it, the plain model everywhere and the others only where the
        # constant is not allowed. "both": every model both ways where allowed.
        plain = p == q == P == Q == 0
        if cst:
            use = allow_c
        elif plain or CONSTANT_SEARCH == "both":
            use = np.ones(s, dtype=bool)
        else:
            use = ~allow_c
        rows = np.nonzero(use & (nstar > p + m * P + 2))[0]
        if not len(rows):
            fits.append(None)
            continue
        f = fit_arma(Wp[rows], p, q, P, Q, m, cst, off[rows])
        fits.append((rows, f))
        k1 = p + q + P + Q + int(cst) + 1
        ns = nstar[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            aic = ns * np.log(f.sigma2) + 2 * k1
            den = ns - k1 - 1
            aicc = aic + np.where(den != 0, 2 * k1 * (k1 + 1) / np.where(den != 0, den, 1),
                                  np.inf)
        aicc = np.where(f.sigma2 <= 0, -np.inf, aicc)
        ic[i, rows] = np.where(np.isfinite(f.sigma2) & (f.minroot >= MIN_ROOT), aicc, np.inf)
    # a constant window: the mean model (statsforecast fits the fixed mean)
    ic[0, const_x] = -np.inf
    best = np.argmin(ic, axis=0)
    K = 2 + m + 1 + m + 1
    poly = np.zeros((s, K))
    c = np.zeros(s)
    th = np.zeros(s)
    Th = np.zeros(s)
    ncond = np.zeros(s, dtype=int)
    order = np.zeros((s, 7), dtype=int)
    ok = np.zeros(s, dtype=bool)
    for i, fr in enumerate(fits):
        if fr is None:
            continue
        rows, f = fr
        sel = np.nonzero((best[rows] == i) & ~np.isposinf(ic[i, rows]) & ~np.isnan(ic[i, rows]))[0]
        if not len(sel):
            continue
        r = rows[sel]
        z = np.zeros(len(sel))
        mod = make_model(f.phi[sel], f.Phi[sel], f.theta[sel, 0] if f.q else z,
                         f.Theta[sel, 0] if f.Q else z, f.mu[sel], d[r], D[r], m)
        poly[r, :mod.poly.shape[1]] = mod.poly
        c[r], th[r], Th[r], ncond[r] = mod.c, mod.theta, mod.Theta, mod.ncond
        order[r] = np.stack([np.full(len(r), f.p), d[r], np.full(len(r), f.q),
                             np.full(len(r), f.P), D[r], np.full(len(r), f.Q),
                             np.full(len(r), int(f.const))], axis=1)
        ok[r] = mod.ok
    return Model(poly, np.where(ok, c, 0.0), np.where(ok, th, 0.0), np.where(ok, Th, 0.0),
                 m, ncond, order, ok)


# ---------------------------------------------------------------------------------------
# forecasting


def forecast_from(Xlags: np.ndarray, poly: np.ndarray, c: np.ndarray, h: int,
                  shocks: np.ndarray | None = None) -> np.ndarray:
    """Mean forecasts of ``h`` steps for lanes of the recursion ``x_t = c + sum_j poly_j
    x_{t-j} + shocks_t``: ``Xlags`` ``(L, K)`` the last ``K`` values before each lane's
    origin (oldest first), ``poly`` ``(L, K)``, ``c`` ``(L,)``, ``shocks`` ``(L, k)``
    the known MA terms of the first ``k`` steps (future innovations are 0). Returns
    ``(L, h)``."""
    L, K = poly.shape
    buf = np.empty((K + h, L))                     # time-major: each step reads whole rows
    buf[:K] = Xlags.T
    lags = np.nonzero(np.any(poly != 0, axis=0))[0] + 1        # the lags any lane uses
    coef = np.ascontiguousarray(poly[:, lags - 1].T)            # (k, L)
    tmp = np.empty((len(lags), L))
    sh = None if shocks is None else np.ascontiguousarray(shocks.T)
    for t in range(K, K + h):
        np.multiply(buf[t - lags], coef, out=tmp)
        np.add(c, tmp.sum(axis=0), out=buf[t])
        if sh is not None and t - K < sh.shape[0]:
            buf[t] += sh[t - K]
    return np.ascontiguousarray(buf[K:].T)


def residuals_through(Z: np.ndarray, model: Model) -> np.ndarray:
    """The CSS residuals of each series' model through ``Z`` (``(s, N)``, the data from the
    start of the fit window on): ``a_t = x_t - c - sum_j poly_j x_{t-j}`` for ``t >=
    ncond`` (0 before), then the MA filter. Shape ``(s, N)``."""
    N = Z.shape[1]
    A = Z - model.c[:, None]
    lags = np.nonzero(np.any(model.poly != 0, axis=0))[0] + 1
    for j in lags:
        A[:, j:] -= model.poly[:, j - 1:j] * Z[:, :-j]
    A[np.arange(N)[None, :] < model.ncond[:, None]] = 0.0
    th = model.theta if np.any(model.theta != 0) else None
    Th = model.Theta if np.any(model.Theta != 0) and model.m > 1 else None
    if th is None and Th is None:
        return A
    return ma_filter(A[:, :, None], th, Th, model.m, False)[:, :, 0]


def forecast_model(Y: np.ndarray, start: int, model: Model, ends: Sequence[int],
                   h: int) -> np.ndarray:
    """Mean forecasts of ``h`` points from every index in ``ends`` (each ``> start``) for
    each series' :class:`Model`, residuals counted from column ``start`` of ``Y`` (the fit
    window's first point). Shape ``(s, len(ends), h)``; all ``s * len(ends)`` lanes run
    together, a loop over the ``h`` steps."""
    s = Y.shape[0]
    poly = _trim(model.poly)
    if poly.shape[1] == 0:
        poly = np.zeros((s, 1))
    K = poly.shape[1]
    E = len(ends)
    lags = np.zeros((s, E, K))
    for k, o in enumerate(ends):
        take = min(K, o)
        lags[:, k, K - take:] = Y[:, o - take:o]
    shocks: np.ndarray | None = None
    m = model.m
    if np.any(model.theta != 0) or np.any(model.Theta != 0):
        e = residuals_through(Y[:, start:], model)
        ma = {1: model.theta, m: model.Theta, m + 1: model.theta * model.Theta} if m > 1 \
            else {1: model.theta}
        kq = max(ma)
        sh = np.zeros((s, E, kq))
        for k, o in enumerate(ends):
            for j, coef in ma.items():
                for i in range(j):                 # step i sees e at o + i - j < o
                    t = o - start + i - j
                    if t >= 0:
                        sh[:, k, i] += coef * e[:, t]
        shocks = sh.reshape(s * E, kq)
    Lp = np.repeat(poly, E, axis=0)
    Lc = np.repeat(model.c, E)
    with np.errstate(all="ignore"):
        F = forecast_from(lags.reshape(s * E, K), Lp, Lc, h, shocks)
    return F.reshape(s, E, h)


def _trim(poly: np.ndarray) -> np.ndarray:
    nz = np.nonzero(np.any(poly != 0, axis=0))[0]
    return poly[:, :(nz[-1] + 1 if len(nz) else 0)]


def backtest_forecast(Y: np.ndarray, origins: Sequence[int], h: int, seasons: Seasons,
                      step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Batched AutoARIMA (CSS, see the module docstring) from every origin and from the
    end; the contract of :mod:`provisor.forecast.batch`.

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
    Y, origins = check_inputs(Y, origins, h)
    s, n = Y.shape
    o0 = origins[0] if origins else n
    if o0 < 4:
        raise ValueError(f"history before the first origin too short ({o0} points)")
    window = int(ARIMA_WINDOW_S // step_s)
    start = max(0, o0 - window)
    m = seasons.daily if 2 <= seasons.daily <= 24 else 1
    W = len(origins)
    # series in chunks bounding the fit's temporaries (each series' result is its own)
    rows = max(16, CHUNK_POINTS // max(o0 - start, 1))
    F = np.empty((s, W + 1, h))
    ok = np.zeros(s, dtype=bool)
    for a in range(0, s, rows):
        with np.errstate(all="ignore"):
            model = select(Y[a:a + rows, start:o0], m)
        F[a:a + rows] = forecast_model(Y[a:a + rows], start, model, origins + [n], h)
        ok[a:a + rows] = model.ok
    Lw = min(h, n - origins[0]) if origins else 0
    bt = np.full((s, W, Lw), np.nan)
    bad = ~ok | ~np.isfinite(F[:, W]).all(axis=1)
    for k, o in enumerate(origins):
        w = min(h, n - o)
        bt[:, k, :w] = F[:, k, :w]
        bad |= ~np.isfinite(F[:, k, :w]).all(axis=1)
    final = F[:, W, :].copy()
    bt[bad] = np.nan
    final[bad] = np.nan
    return bt, final
