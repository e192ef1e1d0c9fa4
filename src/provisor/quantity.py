"""Kubernetes ``resource.Quantity``: exact parsing, canonical printing, comparison, arithmetic.

Followed upstream (``kubernetes/kubernetes``, ``staging/src/k8s.io/apimachinery/pkg/api/resource/``):
``quantity.go`` (``parseQuantityString``, ``ParseQuantity``, ``CanonicalizeBytes``, ``String``,
``Add``/``Sub``/``Mul``/``Neg``/``Cmp``, ``ScaledValue``, ``AsApproximateFloat64``,
``AsFloat64Slow``, ``RoundUp``, ``UnmarshalJSON``), ``amount.go`` (``int64Amount`` /
``infDecAmount``: canonical bytes, base-1024 bytes, ``AsScale``), ``suffix.go`` (suffix tables,
``interpret``, ``constructBytes``), ``scale_int.go`` (``scaledValue``) and ``math.go``
(``maxInt64Factors`` = 18, ``maxAllowed``, ``negativeScaleInt64``, ``removeInt64Factors``).
The released (v1.2x-v1.37) behaviour is the target; the test module says which upstream test
tables pin something else.

Model
-----
A quantity is ``mantissa * 10**exponent`` (Python ints) plus a format. ``q.value`` is that
number as an exact ``fractions.Fraction``. The mantissa/exponent pair mirrors the
representation apimachinery would hold (int64 fast path, or ``inf.Dec`` rounded to scale 9),
so that ``as_approximate_float64`` gives the same float as Go.

Parsing (``Quantity.parse``), as ``ParseQuantity``:

* grammar ``[+-]? digits [. digits] suffix``; empty text, ``" 1"``, ``"1 "``, ``"1.1.M"`` are
  errors; ``"."``, ``"-"``, ``"1."``, ``".5"`` and ``"1.G"`` parse.
* suffixes: ``n u m "" k M G T P E`` (powers of 1000, format ``DecimalSI``), ``Ki Mi Gi Ti Pi
  Ei`` (powers of 1024, ``BinarySI``), ``e<int>``/``E<int>`` (``DecimalExponent``; the exponent
  is read as an int64 and then truncated to int32 like upstream, so ``1e4294967297`` is 10).
  Suffixes are case-sensitive: ``1ki`` and ``0.1mi`` are errors.
* a non-zero value is rounded away from zero to a multiple of 1n (10**-9): ``0.9n`` -> ``1n``.
* ``BinarySI`` magnitudes above 2**63-1 are capped at 2**63-1 (``9Ei``); a ``BinarySI`` value
  with magnitude strictly between 0 and 1 becomes ``DecimalSI``. ``DecimalSI`` and
  ``DecimalExponent`` are not capped.
* ``str(q)`` is ``String()``: like upstream, a parse that is already in canonical shape keeps
  the input text (``"1.441"`` prints as ``"1.441"``, ``"+1"`` as ``"+1"``); any arithmetic
  result prints canonically (``q.canonical()`` always does).

Canonical form (``CanonicalizeBytes``): zero is ``"0"``. ``BinarySI`` with magnitude >= 1024
and an integral value prints as the largest power of 1024 that divides it (``1536Mi``), else
it prints as ``DecimalSI``. ``DecimalSI``/``DecimalExponent`` strip trailing zeros into the
exponent and lower it to a multiple of 3 (``1.5`` -> ``1500m``, ``1e100`` -> ``10e99``).
Upstream quirk kept: a ``DecimalSI`` exponent with no suffix (beyond ``E`` or below ``n``)
prints the digits with no suffix (``1000E`` prints ``"1"``).

Units: values are in the resource's base unit (cores, bytes). ``milli_value()`` is
millicores for CPU, ``int_value()`` bytes for memory; both round away from zero.

Errors: text that cannot be parsed raises ``QuantityError`` (a ``ValueError``) whose message
names the text and gives apimachinery's reason, one of ``ERR_FORMAT_WRONG``,
``ERR_NUMERIC``, ``ERR_SUFFIX``. ``OverflowError`` is raised when an exact result would need
more than ``MAX_DIGITS`` decimal digits (e.g. ``Quantity.parse("1e2000000").value``);
comparison and printing never need that.

Deliberate departures from the Go code (upstream behaviour there is int64 or
representation-specific, or does not terminate):

* ``int_value``/``milli_value``/``scaled_value`` return exact Python ints; Go returns int64
  (wrapping, or saturating in later revisions, when the result does not fit) and, on its
  ``inf.Dec`` path, rounded some negative values toward +inf; here every value rounds away
  from zero, as upstream documents.
* inputs on which ``inf.Dec`` would build a 10**(2**31) integer (``1e-2147483647``) are
  answered arithmetically (``1n``) instead of hanging; exponents are not wrapped to int32
  when printing.
* ``as_approximate_float64`` of a zero at a huge scale is 0.0 (Go: 0*Inf = NaN).
* apimachinery's choice of backend (``AsInt64``, ``ToDec``) is not modelled; formats are
  validated (only the three names are accepted).

Speed: ``Quantity.parse`` caches string parses (``functools.lru_cache``); quantities are
immutable, so cached objects are shared safely.
"""
from __future__ import annotations

import decimal
import math
import re
import sys
from fractions import Fraction
from functools import lru_cache
from typing import Union

__all__ = [
    "Quantity",
    "QuantityError",
    "parse_millicores",
    "parse_bytes",
    "DECIMAL_SI",
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "FORMATS",
    "ERR_FORMAT_WRONG",
    "ERR_NUMERIC",
    "ERR_SUFFIX",
    "MAX_INT64",
    "MIN_INT64",
    "MAX_DIGITS",
]

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"
FORMATS = (DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT)

ERR_FORMAT_WRONG = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

MAX_INT64 = (1 << 63) - 1
MIN_INT64 = -(1 << 63)
#: Largest number of decimal digits an exact intermediate may have before OverflowError.
MAX_DIGITS = 100_000

_NANO = -9
_MAX_INT64_FACTORS = 18  # math.go maxInt64Factors (released value)

Number = Union[int, Fraction]


class QuantityError(ValueError):
    """A quantity text that apimachinery's ``ParseQuantity`` rejects.

    ``text`` is the offending input (as given), ``reason`` one of ``ERR_FORMAT_WRONG``,
    ``ERR_NUMERIC``, ``ERR_SUFFIX`` (apimachinery's error strings) or a type complaint.
    """

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"cannot parse quantity {text!r}: {reason}")


# --------------------------------------------------------------------------------------------
# integer helpers

_P10 = [10**i for i in range(64)]


def _pow10(k: int) -> int:
    """10**k for 0 <= k, refusing results longer than ``MAX_DIGITS`` digits."""
    if k < 64:
        return _P10[k]
    if k > MAX_DIGITS:
        raise OverflowError(f"quantity needs 10**{k}, more than {MAX_DIGITS} digits")
    return 10**k


def _ndigits(n: int) -> int:
    """Number of decimal digits of n > 0, without converting huge ints to str."""
    if n < 1_000_000_000_000_000_000:
        return len(str(n))
    d = int((n.bit_length() - 1) * 0.30102999566398120)
    p = 10**d
    while p > n:
        p //= 10
        d -= 1
    while p * 10 <= n:
        p *= 10
        d += 1
    return d + 1


_STR_LIMIT = 10**4000  # computed once: building it per call cost ~150 us


def _int_str(n: int) -> str:
    """str(n) that also works past Python's int-to-str digit limit."""
    if -_STR_LIMIT < n < _STR_LIMIT:
        return str(n)
    return str(decimal.Decimal(n))


def _str_int(digits: str) -> int:
    """int(digits) that also works past Python's str-to-int digit limit."""
    if len(digits) <= 4000:
        return int(digits)
    return int(decimal.Decimal(digits))


def _i32(x: int) -> int:
    """Two's-complement truncation to int32 (Go's int32 conversion/overflow)."""
    return ((x + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _ceil_div_away(m: int, k: int) -> tuple[int, bool]:
    """(m / 10**k rounded away from zero, exact) for k >= 0 (math.go negativeScaleInt64)."""
    if k <= 0 or m == 0:
        return m, True
    a = -m if m < 0 else m
    if k >= 19 and k >= _ndigits(a):
        return (1 if m > 0 else -1), False
    q, r = divmod(a, _pow10(k))
    if r:
        q += 1
    return (q if m > 0 else -q), r == 0


def _remove_factors(value: int, base: int) -> tuple[int, int]:
    """(result, times) with value == result * base**times, as math.go removeInt64Factors."""
    negative = value < 0
    result = -value if negative else value
    times = 0
    while result >= base and result % base == 0:
        times += 1
        result //= base
    return (-result if negative else result), times


def _int_to_float(n: int) -> float:
    try:
        return float(n)
    except OverflowError:
        return math.inf if n > 0 else -math.inf


# Go math.Pow10 tables (math/pow10.go): the float64 result is a product/quotient of two
# correctly rounded table entries, which is what AsApproximateFloat64 multiplies by.
_POW10TAB = [float(f"1e{i}") for i in range(32)]
_POW10POSTAB32 = [float(f"1e{32 * i}") for i in range(10)]
_POW10NEGTAB32 = [float(f"1e-{32 * i}") for i in range(11)]


def _go_pow10(n: int) -> float:
    if 0 <= n <= 308:
        return _POW10POSTAB32[n // 32] * _POW10TAB[n % 32]
    if -323 <= n <= 0:
        return _POW10NEGTAB32[-n // 32] / _POW10TAB[-n % 32]
    return math.inf if n > 0 else 0.0


def _round_bits(num: int, den: int, prec: int) -> tuple[int, int]:
    """num/den (both > 0) rounded to ``prec`` significant bits, nearest-even: (mant, exp2)."""
    e2 = num.bit_length() - den.bit_length()
    if (num << max(0, -e2)) < (den << max(0, e2)):
        e2 -= 1
    shift = prec - 1 - e2
    if shift >= 0:
        n2, d2 = num << shift, den
    else:
        n2, d2 = num, den << -shift
    q, r = divmod(n2, d2)
    if 2 * r > d2 or (2 * r == d2 and q & 1):
        q += 1
    return q, -shift


# --------------------------------------------------------------------------------------------
# parsing

# parseQuantityString as one anchored pattern: sign, leading zeros, numerator, optional
# fraction, then the suffix scan (letters, optional sign, digits). Every class is disjoint
# from the next token's first character, so matching is linear.
_SPLIT = re.compile(r"([+-]?)(0*)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")

_SUFFIXES: dict[str, tuple[int, int, str]] = {
    "": (10, 0, DECIMAL_SI),
    "n": (10, -9, DECIMAL_SI),
    "u": (10, -6, DECIMAL_SI),
    "m": (10, -3, DECIMAL_SI),
    "k": (10, 3, DECIMAL_SI),
    "M": (10, 6, DECIMAL_SI),
    "G": (10, 9, DECIMAL_SI),
    "T": (10, 12, DECIMAL_SI),
    "P": (10, 15, DECIMAL_SI),
    "E": (10, 18, DECIMAL_SI),
    "Ki": (2, 10, BINARY_SI),
    "Mi": (2, 20, BINARY_SI),
    "Gi": (2, 30, BINARY_SI),
    "Ti": (2, 40, BINARY_SI),
    "Pi": (2, 50, BINARY_SI),
    "Ei": (2, 60, BINARY_SI),
}
_DEC_SUFFIX_OUT = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BIN_SUFFIX_OUT = {1: "Ki", 2: "Mi", 3: "Gi", 4: "Ti", 5: "Pi", 6: "Ei"}
_GO_INT = re.compile(r"[+-]?[0-9]+")


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, num, denom, suffix); QuantityError if malformed.

    ``value`` is the numeric prefix (sign included), ``num`` the integer digits without
    leading zeros (``"0"`` when none), ``denom`` the fraction digits, ``suffix`` the rest.
    """
    m = _SPLIT.fullmatch(text)
    if m is None:
        raise QuantityError(text, ERR_FORMAT_WRONG)
    sign, _zeros, num, denom, suffix = m.groups()
    positive = sign != "-"
    if m.end(2) == len(text):  # only zeros (or nothing) after the sign
        return positive, "0", "0", "", ""
    return positive, text[: m.start(5)], num or "0", denom or "", suffix


def _interpret_suffix(suffix: str) -> tuple[int, int, str] | None:
    """suffix.go interpret: (base, exponent, format), or None when not a suffix."""
    hit = _SUFFIXES.get(suffix)
    if hit is not None:
        return hit
    if len(suffix) > 1 and suffix[0] in "eE":
        rest = suffix[1:]
        if _GO_INT.fullmatch(rest) is None:
            return None
        parsed = int(rest)
        if not MIN_INT64 <= parsed <= MAX_INT64:
            return None
        return 10, _i32(parsed), DECIMAL_EXPONENT
    return None


def _parse_text(text: str) -> Quantity:
    """ParseQuantity(text), uncached."""
    if not text:
        raise QuantityError(text, ERR_FORMAT_WRONG)
    if text == "0":
        return _new(0, 0, DECIMAL_SI, "0")
    positive, value, num, denom, suffix = _split(text)
    interp = _interpret_suffix(suffix)
    if interp is None:
        raise QuantityError(text, ERR_SUFFIX)
    base, exponent, fmt = interp

    mantissa = 1
    if fmt == BINARY_SI:
        scale = 0
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - exponent * 3 // 10 - 1
        else:
            precision = -1
    else:
        scale = exponent
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))

    if precision >= 0:
        scale = _i32(scale - len(denom))
        if scale >= _NANO:
            shifted = num + denom
            v = int(shifted)
            result = v * mantissa
            if result <= MAX_INT64:
                if not positive:
                    result = -result
                keep = None
                if fmt == BINARY_SI:
                    if exponent % 10 == 0 and v & 7:
                        keep = text
                elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
                    keep = text
                return _new(result, scale, fmt, keep)

    # inf.Dec path: unscaled digits with inf-scale len(denom), then the suffix applied.
    if not value.strip("+-."):  # inf.Dec SetString needs at least one digit
        raise QuantityError(text, ERR_NUMERIC)
    unscaled = _str_int(num + denom)
    inf_scale = len(denom)
    if base == 10:
        inf_scale = _i32(inf_scale + _i32(-exponent))
    else:
        unscaled <<= exponent
    if unscaled == 0:
        return _new(0, -inf_scale, fmt)

    # Round the magnitude up to scale 9 (nano), as inf.Dec Round(.., 9, RoundUp).
    if inf_scale <= 9:
        pad = 9 - inf_scale
        if pad <= 400:
            m, e = unscaled * _P10[pad] if pad < 64 else unscaled * 10**pad, _NANO
        else:  # upstream builds 10**pad here and does not return; keep the exact value
            m, e = unscaled, -inf_scale
    else:
        m, _ = _ceil_div_away(unscaled, inf_scale - 9)
        e = _NANO

    if fmt == BINARY_SI:
        if e <= 0 and m > MAX_INT64 * _pow10(-e):
            m, e = MAX_INT64, 0
        elif e == _NANO and m < 1_000_000_000:
            fmt = DECIMAL_SI
    return _new(m if positive else -m, e, fmt)


_parse_cached = lru_cache(maxsize=1 << 16, typed=True)(_parse_text)

# Go's unicode.IsSpace set, which strings.TrimSpace removes.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _go_json_float(f: float) -> str:
    """encoding/json's text for a float64 (what a YAML float becomes on its way to the API)."""
    if math.isnan(f) or math.isinf(f):
        raise QuantityError(f, "quantities must be finite numbers")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign, dtuple, exp = decimal.Decimal(repr(f)).as_tuple()
    raw = "".join(map(str, dtuple))
    ds = raw.rstrip("0")
    exp = int(exp) + len(raw) - len(ds)
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        x = exp + len(ds) - 1
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        xs = str(abs(x)) if (x < 0 and abs(x) < 10) else f"{abs(x):02d}"
        out = f"{mant}e{'-' if x < 0 else '+'}{xs}"
    else:
        point = len(ds) + exp
        if exp >= 0:
            out = ds + "0" * exp
        elif point > 0:
            out = ds[:point] + "." + ds[point:]
        else:
            out = "0." + "0" * (-point) + ds
    return ("-" if sign else "") + out


@lru_cache(maxsize=4096, typed=True)
def _float_text(f: float) -> str:
    return _go_json_float(f)


def _number_text(x: int | float) -> str:
    """The JSON text Kubernetes parses for a YAML/JSON number."""
    if isinstance(x, int):
        if MIN_INT64 <= x <= (1 << 64) - 1:  # yaml int64/uint64 stay integers
            return str(x)
        try:
            return _go_json_float(float(x))
        except OverflowError:
            raise QuantityError(x, "quantities must be finite numbers") from None
    return _float_text(x)


# --------------------------------------------------------------------------------------------
# canonical form


def _canonical_digits(m: int, e: int) -> tuple[str, int]:
    """AsCanonicalBytes: (digits, exponent) with exponent a multiple of 3, m != 0."""
    s = _int_str(m)
    stripped = s.rstrip("0")
    e += len(s) - len(stripped)
    r = e % 3
    if r:
        stripped += "0" * r
        e -= r
    return stripped, e


def _canonical(m: int, e: int, fmt: str) -> str:
    """CanonicalizeBytes + suffix: the canonical text of m*10**e in format fmt."""
    if m == 0:
        return "0"
    if fmt == BINARY_SI:
        if _cmp_me(m, e, -1024, 0) > 0 and _cmp_me(m, e, 1024, 0) < 0:
            fmt = DECIMAL_SI
        elif e >= 0:
            n = m * _pow10(e)
        else:
            n, exact = _ceil_div_away(m, -e)
            if not exact:
                fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            a, times = _remove_factors(n, 1024)
            return _int_str(a) + _BIN_SUFFIX_OUT.get(times, "")
    digits, x = _canonical_digits(m, e)
    if fmt == DECIMAL_EXPONENT:
        return digits if x == 0 else f"{digits}e{x}"
    return digits + _DEC_SUFFIX_OUT.get(x, "")


def _cmp_me(am: int, ae: int, bm: int, be: int) -> int:
    """Sign of a - b for a = am*10**ae, b = bm*10**be, without building huge powers."""
    if ae == be:
        return (am > bm) - (am < bm)
    sa = (am > 0) - (am < 0)
    sb = (bm > 0) - (bm < 0)
    if sa != sb:
        return 1 if sa > sb else -1
    if sa == 0:
        return 0
    da = _ndigits(abs(am)) + ae
    db = _ndigits(abs(bm)) + be
    if da != db:  # different orders of magnitude
        return sa if da > db else -sa
    if ae > be:
        x, y = am * _pow10(ae - be), bm
    else:
        x, y = am, bm * _pow10(be - ae)
    return (x > y) - (x < y)


# --------------------------------------------------------------------------------------------
# the type

_object_new = object.__new__


def _new(m: int, e: int, fmt: str, s: str | None = None) -> Quantity:
    q = _object_new(Quantity)
    q._m = m
    q._e = e
    q._f = fmt
    q._s = s
    q._v = None
    return q


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown quantity format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _exact_decimal(value: object) -> tuple[int, int] | None:
    """(m, e) with value == m*10**e for an int/float/Decimal/Fraction that has a finite
    decimal expansion (e a multiple of 3 when e < 0), else None."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a quantity value")
    if isinstance(value, int):
        return value, 0
    if isinstance(value, float):
        value = decimal.Decimal(_go_json_float(value))
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"quantity value must be finite, got {value}")
        sign, dtuple, exp = value.as_tuple()
        m = int("".join(map(str, dtuple)) or "0")
        m, e = (-m if sign else m), int(exp)
        if e >= 0:
            return m * _pow10(e), 0
        r = (-e) % 3
        return m * _P10[r], e - r
    if isinstance(value, Fraction):
        n, d = value.numerator, value.denominator
        if d == 1:
            return n, 0
        twos = (d & -d).bit_length() - 1
        rest = d >> twos
        fives = 0
        while rest % 5 == 0:
            rest //= 5
            fives += 1
        if rest != 1:
            return None
        k = max(twos, fives)
        k += (-k) % 3
        return n * (_pow10(k) // d), -k
    raise TypeError(f"cannot make a quantity from {type(value).__name__}")


class Quantity:
    """An immutable Kubernetes ``resource.Quantity``.

    Build one with ``Quantity.parse(text_or_number)``, ``Quantity.from_value(number, format)``
    or ``Quantity.from_scaled(mantissa, scale, format)``; ``Quantity(value, format)`` is
    ``from_value``.

    * ``q.value`` -> exact ``Fraction`` in base units (cores, bytes);
      ``q.format`` -> ``"DecimalSI" | "BinarySI" | "DecimalExponent"``.
    * ``str(q)`` -> what Kubernetes prints (``String()``); ``q.canonical()`` -> the canonical
      text even where ``String()`` would echo the parsed input.
    * ``q.milli_value()``, ``q.int_value()``, ``q.scaled_value(scale)`` -> int, rounded away
      from zero (``MilliValue``, ``Value``, ``ScaledValue``).
    * comparisons with quantities, ints and Fractions (``Cmp``), ``hash`` consistent with
      ``==`` (equal values hash alike whatever the format), ``+``/``-`` with quantities and
      ints (``Add``/``Sub``: the left format wins unless the left value is zero), unary ``-``
      (``Neg``), ``* int`` (``Mul``), ``bool(q)`` (non-zero), ``is_zero()``, ``sign()``.
    """

    __slots__ = ("_m", "_e", "_f", "_s", "_v")

    _m: int
    _e: int
    _f: str
    _s: str | None
    _v: Fraction | None

    def __init__(self, value: Number = 0, format: str = DECIMAL_SI) -> None:
        q = Quantity.from_value(value, format)
        self._m, self._e, self._f, self._s, self._v = q._m, q._e, q._f, None, None

    # ---- construction -----------------------------------------------------------------

    @classmethod
    def parse(cls, text: str | int | float | Quantity) -> Quantity:
        """``ParseQuantity``: a quantity string, or a YAML/JSON number as Kubernetes reads it.

        Numbers are formatted the way encoding/json writes them (``0.1`` -> ``"0.1"``,
        ``1e21`` -> ``"1e+21"``), so a float means its shortest decimal, not its binary value.
        No whitespace trimming (see ``unmarshal``). Raises ``QuantityError`` (ValueError) on
        text apimachinery rejects, booleans, non-finite floats and other types.
        """
        if text.__class__ is str:
            return _parse_cached(text)
        if isinstance(text, Quantity):
            return text
        if isinstance(text, bool):
            return _parse_cached("true" if text else "false")
        if isinstance(text, (int, float)):
            return _parse_cached(_number_text(text))
        if isinstance(text, str):
            return _parse_cached(str(text))
        raise QuantityError(text, "quantities must be a string or a number")

    @classmethod
    def unmarshal(cls, value: str | int | float | Quantity | None) -> Quantity:
        """``UnmarshalJSON``: like ``parse``, but surrounding whitespace is trimmed (as
        ``strings.TrimSpace``) and ``None`` (JSON null) is zero. Use it for field values
        read from manifests."""
        if value is None:
            return _ZERO
        if isinstance(value, str):
            return _parse_cached(value.strip(_GO_SPACE))
        return cls.parse(value)

    @classmethod
    def from_value(cls, value: Number | float | decimal.Decimal | Quantity, format: str = DECIMAL_SI) -> Quantity:
        """The quantity ``ParseQuantity`` would give for the exact decimal ``value`` written
        with a suffix of ``format``: non-zero values round away from zero to 1n, ``BinarySI``
        caps at 2**63-1 and turns ``DecimalSI`` strictly between -1 and 1.

        ``value``: int, Fraction, Decimal, float (read as its shortest decimal) or Quantity;
        base units. Raises ValueError for an unknown format or non-finite value.
        """
        fmt = _check_format(format)
        if isinstance(value, Quantity):
            m, e = value._m, value._e
        else:
            me = _exact_decimal(value)
            if me is None:  # not a finite decimal: round |value| up to nano directly
                f = Fraction(value)
                a = abs(f)
                q = -(-(a.numerator * 1_000_000_000) // a.denominator)
                m, e = (q if f > 0 else -q), _NANO
            else:
                m, e = me
        if m == 0:
            return _new(0, 0, fmt)
        if e < _NANO:
            m, _ = _ceil_div_away(m, _NANO - e)
            e = _NANO
        if fmt == BINARY_SI:
            if _cmp_me(abs(m), e, MAX_INT64, 0) > 0:
                m, e = (MAX_INT64 if m > 0 else -MAX_INT64), 0
            elif _cmp_me(abs(m), e, 1, 0) < 0:
                fmt = DECIMAL_SI
        return _new(m, e, fmt)

    @classmethod
    def from_scaled(cls, mantissa: int, scale: int = 0, format: str = DECIMAL_SI) -> Quantity:
        """``mantissa * 10**scale`` exactly, with no rounding or capping: apimachinery's
        ``NewQuantity`` (scale 0), ``NewMilliQuantity`` (scale -3), ``NewScaledQuantity``.
        Raises ValueError for an unknown format, TypeError for a non-int mantissa/scale."""
        if not isinstance(mantissa, int) or not isinstance(scale, int):
            raise TypeError("mantissa and scale must be ints")
        return _new(int(mantissa), int(scale), _check_format(format))

    # ---- accessors --------------------------------------------------------------------

    @property
    def value(self) -> Fraction:
        """The exact value in base units (cores, bytes) as a Fraction."""
        v = self._v
        if v is None:
            m, e = self._m, self._e
            if e >= 0:
                v = Fraction(m * _pow10(e))
            else:
                v = Fraction(m, _pow10(-e))
            self._v = v
        return v

    @property
    def format(self) -> str:
        """``"DecimalSI"``, ``"BinarySI"`` or ``"DecimalExponent"``."""
        return self._f

    def scaled_value(self, scale: int) -> int:
        """``ScaledValue``: value / 10**scale rounded away from zero (scale -3: milli units)."""
        m = self._m
        if m == 0:
            return 0
        k = self._e - scale
        if k >= 0:
            return m * _pow10(k)
        return _ceil_div_away(m, -k)[0]

    def milli_value(self) -> int:
        """``MilliValue``: value * 1000 rounded away from zero (millicores for CPU)."""
        m = self._m
        if m == 0:
            return 0
        k = self._e + 3
        if k >= 0:
            return m * (_P10[k] if k < 64 else _pow10(k))
        return _ceil_div_away(m, -k)[0]

    def int_value(self) -> int:
        """``Value``: the value rounded away from zero to an integer (bytes for memory)."""
        m = self._m
        if m == 0:
            return 0
        e = self._e
        if e >= 0:
            return m * (_P10[e] if e < 64 else _pow10(e))
        return _ceil_div_away(m, -e)[0]

    def round_up(self, scale: int) -> tuple[Quantity, bool]:
        """``RoundUp``: (the value rounded away from zero to a multiple of 10**scale, exact)."""
        if self._e >= scale:
            return self, True
        m, exact = _ceil_div_away(self._m, scale - self._e)
        return _new(m, scale, self._f), exact

    def as_approximate_float64(self) -> float:
        """``AsApproximateFloat64``: float(mantissa) * Go's math.Pow10(exponent); may differ
        from the nearest float in the last bit, exactly as upstream; +-inf out of range."""
        m = self._m
        if m == 0:
            return 0.0
        base = _int_to_float(m)
        e = self._e
        if e == 0:
            return base
        return base * _go_pow10(e)

    def as_float64_slow(self) -> float:
        """``AsFloat64Slow``: the value via big.Float (rounded to max(64, bits of the
        mantissa) bits, then to float64); +-inf out of range."""
        m, e = self._m, self._e
        if m == 0:
            return 0.0
        if e > 0:
            return _int_to_float(m * _pow10(e))
        a = abs(m)
        prec = max(64, a.bit_length())
        q, x = _round_bits(a, _pow10(-e), prec)
        try:
            f = q / (1 << -x) if x < 0 else float(q << x)
        except OverflowError:
            f = math.inf
        return f if m > 0 else -f

    def is_zero(self) -> bool:
        """``IsZero``."""
        return self._m == 0

    def sign(self) -> int:
        """``Sign``: -1, 0 or 1."""
        m = self._m
        return (m > 0) - (m < 0)

    def canonical(self) -> str:
        """``CanonicalizeBytes`` joined: the canonical text, never the echoed input."""
        return _canonical(self._m, self._e, self._f)

    def cmp(self, other: Quantity | int | Fraction) -> int:
        """``Cmp``: -1, 0 or 1 comparing the values (formats are ignored)."""
        r = self._cmp(other)
        if r is NotImplemented:
            raise TypeError(f"cannot compare a Quantity with {type(other).__name__}")
        return r

    def mul(self, k: int) -> tuple[Quantity, bool]:
        """``Mul``: (self * k, whether the result's unscaled mantissa fits an int64)."""
        r = self * k
        return r, MIN_INT64 <= r._m <= MAX_INT64

    # ---- protocol -----------------------------------------------------------------------

    def __str__(self) -> str:
        s = self._s
        if s is None:
            s = self._s = _canonical(self._m, self._e, self._f)
        return s

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def __reduce__(self) -> tuple[object, tuple[int, int, str, str | None]]:
        return _new, (self._m, self._e, self._f, self._s)

    def __copy__(self) -> Quantity:
        return self

    def __deepcopy__(self, memo: object) -> Quantity:
        return self

    def _cmp(self, other: object) -> int:
        if isinstance(other, Quantity):
            return _cmp_me(self._m, self._e, other._m, other._e)
        if isinstance(other, int):
            return _cmp_me(self._m, self._e, other, 0)
        if isinstance(other, Fraction):
            v = self.value
            return (v > other) - (v < other)
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        r = self._cmp(other)
        return NotImplemented if r is NotImplemented else r == 0

    def __ne__(self, other: object) -> bool:
        r = self._cmp(other)
        return NotImplemented if r is NotImplemented else r != 0

    def __lt__(self, other: object) -> bool:
        r = self._cmp(other)
        return NotImplemented if r is NotImplemented else r < 0

    def __le__(self, other: object) -> bool:
        r = self._cmp(other)
        return NotImplemented if r is NotImplemented else r <= 0

    def __gt__(self, other: object) -> bool:
        r = self._cmp(other)
        return NotImplemented if r is NotImplemented else r > 0

    def __ge__(self, other: object) -> bool:
        r = self._cmp(other)
        return NotImplemented if r is NotImplemented else r >= 0

    def __hash__(self) -> int:
        # Equal to hash(self.value) (Python's numeric hash), computed modulo the hash prime so
        # that huge exponents stay cheap.
        m, e = self._m, self._e
        if m == 0:
            return 0
        p = sys.hash_info.modulus
        h = (abs(m) % p) * pow(10, e, p) % p
        if m < 0:
            h = -h
        return -2 if h == -1 else h

    def __bool__(self) -> bool:
        return self._m != 0

    def __add__(self, other: Quantity | int) -> Quantity:
        if not isinstance(other, Quantity):
            if isinstance(other, int) and not isinstance(other, bool):
                other = _new(other, 0, DECIMAL_SI)
            else:
                return NotImplemented
        am, bm = self._m, other._m
        fmt = self._f if am != 0 else other._f
        if bm == 0:
            if fmt == self._f and self._s is None:
                return self
            return _new(am, self._e, fmt)
        if am == 0:
            return _new(bm, other._e, fmt)
        ae, be = self._e, other._e
        if ae == be:
            return _new(am + bm, ae, fmt)
        if ae > be:
            return _new(am * _pow10(ae - be) + bm, be, fmt)
        return _new(am + bm * _pow10(be - ae), ae, fmt)

    def __radd__(self, other: int) -> Quantity:
        if isinstance(other, int) and not isinstance(other, bool):
            return _new(other, 0, DECIMAL_SI) + self
        return NotImplemented

    def __sub__(self, other: Quantity | int) -> Quantity:
        if not isinstance(other, Quantity):
            if isinstance(other, int) and not isinstance(other, bool):
                other = _new(other, 0, DECIMAL_SI)
            else:
                return NotImplemented
        return self + _new(-other._m, other._e, other._f)

    def __rsub__(self, other: int) -> Quantity:
        if isinstance(other, int) and not isinstance(other, bool):
            return _new(other, 0, DECIMAL_SI) - self
        return NotImplemented

    def __neg__(self) -> Quantity:
        return _new(-self._m, self._e, self._f)

    def __pos__(self) -> Quantity:
        return self

    def __abs__(self) -> Quantity:
        return -self if self._m < 0 else self

    def __mul__(self, k: int) -> Quantity:
        if not isinstance(k, int) or isinstance(k, bool):
            return NotImplemented
        if self._m == 0:
            return _new(0, self._e, self._f)
        if k == 0:
            return _new(0, 0, self._f)
        return _new(self._m * k, self._e, self._f)

    __rmul__ = __mul__


_ZERO = _new(0, 0, DECIMAL_SI)


def parse_millicores(x: str | int | float | Quantity) -> int:
    """CPU quantity -> integer millicores (``MilliValue``, rounded away from zero).
    Raises ``QuantityError`` on bad text."""
    return Quantity.parse(x).milli_value()


def parse_bytes(x: str | int | float | Quantity) -> int:
    """Memory/storage quantity -> integer bytes (``Value``, rounded away from zero).
    Raises ``QuantityError`` on bad text."""
    return Quantity.parse(x).int_value()
