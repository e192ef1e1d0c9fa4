"""PROVISIONAL minimal Quantity so other modules can start; the quantity helper replaces this
file with the exact apimachinery port, keeping this interface:

    Quantity.parse(text: str | int | float | Quantity) -> Quantity   (QuantityError on bad text)
    Quantity.from_value(value: Fraction | int, format="DecimalSI") -> Quantity
    q.value -> Fraction (exact); q.format -> "DecimalSI" | "BinarySI" | "DecimalExponent"
    str(q) -> canonical form; q.milli_value() -> int (ceil); q.int_value() -> int (ceil)
    comparisons (with Quantity), +, -, unary -, * int, hash, bool, is_zero(), sign()
    parse_millicores(x) -> int ; parse_bytes(x) -> int
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

_RE = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
_BIN = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DEC = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


class QuantityError(ValueError):
    pass


class Quantity:
    __slots__ = ("value", "format")

    def __init__(self, value: Fraction, format: str = "DecimalSI") -> None:
        self.value = Fraction(value)
        self.format = format

    @classmethod
    def parse(cls, text: "str | int | float | Quantity") -> "Quantity":
        if isinstance(text, Quantity):
            return text
        if isinstance(text, bool):
            raise QuantityError(f"quantities must match the regular expression: {text!r}")
        if isinstance(text, (int, float)):
            text = repr(text) if isinstance(text, float) else str(text)
        m = _RE.match(text.strip() if isinstance(text, str) else "")
        if not m:
            raise QuantityError(f"quantities must match the regular expression: {text!r}")
        num, suf = m.group(1), m.group(2) or ""
        v = Fraction(num)
        if suf in _BIN:
            v *= 1024 ** _BIN[suf]
            fmt = "BinarySI"
        elif suf[:1] in ("e", "E"):
            v *= Fraction(10) ** int(suf[1:])
            fmt = "DecimalExponent"
        else:
            v *= Fraction(10) ** _DEC[suf]
            fmt = "DecimalSI"
        n = v * 10**9
        v = Fraction(math.ceil(n) if n >= 0 else -math.ceil(-n), 10**9)
        return cls(v, fmt)

    @classmethod
    def from_value(cls, value: "Fraction | int", format: str = "DecimalSI") -> "Quantity":
        return cls(Fraction(value), format)

    def milli_value(self) -> int:
        return math.ceil(self.value * 1000)

    def int_value(self) -> int:
        return math.ceil(self.value)

    def is_zero(self) -> bool:
        return self.value == 0

    def sign(self) -> int:
        return (self.value > 0) - (self.value < 0)

    def __str__(self) -> str:
        v = self.value
        if self.format == "BinarySI" and v.denominator == 1 and v != 0:
            for suf, p in reversed(_BIN.items()):
                if v % (1024**p) == 0:
                    return f"{v // 1024**p}{suf}"
            return str(v)
        for suf, e in sorted(_DEC.items(), key=lambda kv: -kv[1]):
            if e == 0 and v.denominator == 1:
                return str(v.numerator)
            s = v / Fraction(10) ** e
            if s.denominator == 1 and s != 0:
                return f"{s.numerator}{suf}"
        return "0"

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def _o(self, other: object) -> Fraction:
        if isinstance(other, Quantity):
            return other.value
        if isinstance(other, (int, Fraction)):
            return Fraction(other)
        return NotImplemented  # type: ignore[return-value]

    def __eq__(self, o: object) -> bool:
        ov = self._o(o)
        return NotImplemented if ov is NotImplemented else self.value == ov  # type: ignore[return-value]

    def __lt__(self, o: object) -> bool:
        return self.value < self._o(o)

    def __le__(self, o: object) -> bool:
        return self.value <= self._o(o)

    def __gt__(self, o: object) -> bool:
        return self.value > self._o(o)

    def __ge__(self, o: object) -> bool:
        return self.value >= self._o(o)

    def __hash__(self) -> int:
        return hash(self.value)

    def __bool__(self) -> bool:
        return self.value != 0

    def __add__(self, o: "Quantity") -> "Quantity":
        return Quantity(self.value + self._o(o), self.format)

    def __sub__(self, o: "Quantity") -> "Quantity":
        return Quantity(self.value - self._o(o), self.format)

    def __neg__(self) -> "Quantity":
        return Quantity(-self.value, self.format)

    def __mul__(self, k: int) -> "Quantity":
        return Quantity(self.value * k, self.format)

    __rmul__ = __mul__


def parse_millicores(x: "str | int | float | Quantity") -> int:
    return Quantity.parse(x).milli_value()


def parse_bytes(x: "str | int | float | Quantity") -> int:
    return Quantity.parse(x).int_value()
