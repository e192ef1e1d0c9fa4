"""Go arithmetic the VPA recommender depends on, reproduced bit for bit.

The recommender's numbers come out of Go's ``math`` package and ``time`` package, and several
of them are not what CPython computes for the same expression:

* ``math.Pow`` with an integer exponent (histogram bucket starts, confidence multipliers) is
  evaluated by Go as a product of repeated squarings of the mantissa; CPython's ``**`` calls the
  C library's correctly rounded ``pow``. The two differ in the last bit for most bucket starts
  of the default CPU and memory histograms (172 of 175), and for one default memory bucket
  the difference survives the truncation to whole bytes.
* ``math.Log`` on amd64 is Go's own assembly (FreeBSD's ``e_log`` algorithm); CPython uses the C
  library's ``log``. They disagree in the last bit for about 0.5% of arguments, which moves a
  value lying on a histogram bucket boundary into the neighbouring bucket.
* ``math.Exp2`` is Go's own ``exp2`` (reduction + Remez polynomial), used for decay weights with
  fractional exponents.
* Go converts float64 to int64 by truncation, and on amd64 NaN converts to ``MinInt64``.
* Float division by zero yields ±Inf or NaN at run time in Go; CPython raises.
* ``time.Duration`` is int64 nanoseconds; ``Time.Sub`` saturates; ``Time.Round`` rounds halves up
  relative to Go's zero time (January 1, year 1, UTC).

The numerical algorithms follow the Go standard library (``src/math/pow.go``, ``log.go`` with
``log_amd64.s``, ``exp.go``) as facts about the arithmetic; the code here is written for Python.
Go on amd64 (GOAMD64=v1, the default for the VPA images) does not fuse multiply-adds, so plain
Python float operations in the same order give the same roundings.
"""

from __future__ import annotations

import math

__all__ = [
    "GO_ZERO_TIME",
    "GO_ZERO_TIME_NS",
    "MAX_INT64",
    "MIN_INT64",
    "go_div",
    "go_exp2",
    "go_float_to_int64",
    "go_ldexp",
    "go_log",
    "go_min",
    "go_pow",
    "go_round",
    "duration_minutes",
    "duration_truncate",
    "ns_to_seconds",
    "seconds_to_ns",
    "time_round",
    "time_sub",
]

MAX_INT64 = (1 << 63) - 1
MIN_INT64 = -(1 << 63)

#: Go's ``time.Time{}`` (0001-01-01T00:00:00Z) in Unix seconds: the "unset" time upstream.
GO_ZERO_TIME = -62135596800.0
GO_ZERO_TIME_NS = -62135596800 * 1_000_000_000

_INF = math.inf
_NAN = math.nan

# FreeBSD e_log constants, as used by Go's log.go / log_amd64.s.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_HALF_SQRT2 = 7.07106781186547524401e-01
_L1 = 6.666666666666735130e-01
_L2 = 3.999999999940941908e-01
_L3 = 2.857142874366239149e-01
_L4 = 2.222219843214978396e-01
_L5 = 1.818357216161805012e-01
_L6 = 1.531383769920937332e-01
_L7 = 1.479819860511658591e-01

# Remez coefficients of Go's expmulti (exp.go).
_P1 = 1.66666666666666657415e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_EXP2_OVERFLOW = 1.0239999999999999e03
_EXP2_UNDERFLOW = -1.0740e03


def go_log(x: float) -> float:
    """Natural logarithm with the roundings of Go's ``math.Log`` on amd64.

    Special cases as Go: NaN and +Inf return x, negative returns NaN, zero returns -Inf.
    """
    if x != x or x == _INF:
        return x
    if x < 0.0:
        return _NAN
    if x == 0.0:
        return -_INF
    frac, exp = math.frexp(x)
    # The amd64 assembly reduces when the mantissa is not above sqrt(2)/2.
    if frac <= _HALF_SQRT2:
        frac *= 2.0
        exp -= 1
    f = frac - 1.0
    k = float(exp)
    s = f / (2.0 + f)
    s2 = s * s
    s4 = s2 * s2
    r = s2 * (_L1 + s4 * (_L3 + s4 * (_L5 + s4 * _L7))) + s4 * (_L2 + s4 * (_L4 + s4 * _L6))
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


def go_ldexp(frac: float, exp: int) -> float:
    """``frac * 2**exp`` saturating to ±Inf / 0 like Go's ``math.Ldexp`` (CPython raises)."""
    try:
        return math.ldexp(frac, exp)
    except OverflowError:
        return math.copysign(_INF, frac)


def go_exp2(x: float) -> float:
    """``2**x`` with the roundings of Go's ``math.Exp2`` (pure Go on amd64)."""
    if x != x or x == _INF:
        return x
    if x == -_INF:
        return 0.0
    if x > _EXP2_OVERFLOW:
        return _INF
    if x < _EXP2_UNDERFLOW:
        return 0.0
    if x > 0:
        k = int(x + 0.5)
    elif x < 0:
        k = int(x - 0.5)
    else:
        k = 0
    t = x - float(k)
    hi = t * _LN2_HI
    lo = -t * _LN2_LO
    r = hi - lo
    tt = r * r
    c = r - tt * (_P1 + tt * (_P2 + tt * (_P3 + tt * (_P4 + tt * _P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    return go_ldexp(y, k)


def _is_odd_int(y: float) -> bool:
    if abs(y) >= 2.0**53:
        return False
    return y == math.floor(y) and int(y) & 1 == 1


def go_pow(x: float, y: float) -> float:
    """``x**y`` with the roundings of Go's ``math.Pow`` (pure Go on amd64).

    Integer exponents are exact reproductions (mantissa squarings with the binary exponent
    carried separately). For a fractional exponent Go multiplies in ``Exp(yf*Log(x))``, where
    amd64 ``Exp`` is an assembly routine; that factor is computed here with the C library's
    ``exp`` and may differ from Go by one ulp. The recommender only uses exponents +1, -1, +2, -2.
    """
    if y == 0.0 or x == 1.0:
        return 1.0
    if y == 1.0:
        return x
    if x != x or y != y:
        return _NAN
    if x == 0.0:
        if y < 0:
            if math.copysign(1.0, x) < 0 and _is_odd_int(y):
                return -_INF
            return _INF
        if math.copysign(1.0, x) < 0 and _is_odd_int(y):
            return x
        return 0.0
    if math.isinf(y):
        if x == -1.0:
            return 1.0
        if (abs(x) < 1.0) == (y > 0):
            return 0.0
        return _INF
    if math.isinf(x):
        if x < 0:
            return go_pow(1.0 / x, -y)
        return 0.0 if y < 0 else _INF
    if y == 0.5:
        return math.sqrt(x)
    if y == -0.5:
        return 1.0 / math.sqrt(x)
    yf, yi = math.modf(abs(y))
    if yf != 0.0 and x < 0.0:
        return _NAN
    if yi >= 2.0**63:
        if x == -1.0:
            return 1.0
        if (abs(x) < 1.0) == (y > 0):
            return 0.0
        return _INF
    a1 = 1.0
    ae = 0
    if yf != 0.0:
        if yf > 0.5:
            yf -= 1.0
            yi += 1.0
        a1 = math.exp(yf * go_log(x))
    x1, xe = math.frexp(x)
    i = int(yi)
    while i != 0:
        if xe < -(1 << 12) or (1 << 12) < xe:
            ae += xe
            break
        if i & 1:
            a1 *= x1
            ae += xe
        x1 *= x1
        xe <<= 1
        if x1 < 0.5:
            x1 += x1
            xe -= 1
        i >>= 1
    if y < 0:
        a1 = 1.0 / a1
        ae = -ae
    return go_ldexp(a1, ae)


def go_div(a: float, b: float) -> float:
    """IEEE-754 ``a / b`` as Go evaluates it at run time (±Inf or NaN on a zero divisor)."""
    if b == 0.0:
        if a != a or a == 0.0:
            return _NAN
        sign = math.copysign(1.0, a) * math.copysign(1.0, b)
        return math.copysign(_INF, sign)
    return a / b


def go_min(a: float, b: float) -> float:
    """Go's ``math.Min``: NaN if either is NaN, -0 beats +0."""
    if a != a or b != b:
        return _NAN
    if a == 0.0 and b == 0.0:
        return a if math.copysign(1.0, a) < 0 else b
    return a if a < b else b


def go_float_to_int64(x: float) -> int:
    """Go's ``int64(x)`` on amd64: truncation toward zero; NaN and out-of-range give MinInt64."""
    if x != x or x >= 9.223372036854775807e18 or x < -9.223372036854775808e18:
        return MIN_INT64
    return int(x)


def go_round(x: float) -> int:
    """The recommender's ``round``: ``int(math.Floor(x + 0.5))``."""
    return go_float_to_int64(math.floor(x + 0.5)) if math.isfinite(x) else MIN_INT64


def seconds_to_ns(t: float) -> int:
    """Float seconds to integer nanoseconds (exact for whole seconds; float64 resolution else)."""
    whole = math.floor(t)
    return int(whole) * 1_000_000_000 + round((t - whole) * 1e9)


def ns_to_seconds(ns: int) -> float:
    """Integer nanoseconds to float seconds (correctly rounded)."""
    return ns / 1_000_000_000


def time_sub(a_ns: int, b_ns: int) -> int:
    """Go's ``a.Sub(b)``: the difference in nanoseconds, saturated to the int64 range."""
    d = a_ns - b_ns
    if d > MAX_INT64:
        return MAX_INT64
    if d < MIN_INT64:
        return MIN_INT64
    return d


def time_round(t_ns: int, d_ns: int) -> int:
    """Go's ``t.Round(d)``: nearest multiple of d since Go's zero time, halves rounded up."""
    if d_ns <= 0:
        return t_ns
    r = (t_ns - GO_ZERO_TIME_NS) % d_ns
    if r + r < d_ns:
        return t_ns - r
    return t_ns + (d_ns - r)


def duration_truncate(d_ns: int, m_ns: int) -> int:
    """Go's ``d.Truncate(m)``: d rounded toward zero to a multiple of m (d itself if m <= 0)."""
    if m_ns <= 0:
        return d_ns
    rem = abs(d_ns) % m_ns
    return d_ns - rem if d_ns >= 0 else d_ns + rem


def duration_minutes(d_ns: int) -> float:
    """Go's ``Duration.Minutes()``: whole minutes plus the remainder, as float64."""
    minute = 60 * 1_000_000_000
    whole = abs(d_ns) // minute
    rem = abs(d_ns) % minute
    if d_ns < 0:
        whole, rem = -whole, -rem
    return float(whole) + float(rem) / 60e9
