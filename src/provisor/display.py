"""How provisor shows a scorecard's numbers to people: one formatter for the terminal
(``provisor simulate``, ``plan``, ``sweep --compare``) and for the HTML and Markdown report, so
that a target reads the same everywhere.

    fmt_value(value, unit) -> str      72.00%, 300 s, 3, "not computed"
    fmt_target(target, unit) -> str    "0.6..0.8" with unit ratio -> "60% .. 80%"

Units are the scorecard's (DESIGN.md conventions): ``ratio`` is a fraction 0..1 (shown as a
percent), ``seconds``, ``count``; any other unit is appended as it is. Neutral like
``provisor.conventions``: every layer may import it.
"""

from __future__ import annotations

__all__ = ["fmt_target", "fmt_value"]


def fmt_value(value: float | None, unit: str) -> str:
    """A metric value for people: ratios as percents (two decimals; three close to 100 %
    so 99.95 % never reads as 100.00 %), seconds as whole seconds with ``s``, counts as whole
    numbers, ``"not computed"`` for None or NaN."""
    if value is None or value != value:
        return "not computed"
    if unit == "ratio":
        return f"{value * 100:.2f}%" if value < 0.9995 or value == 1 else f"{value * 100:.3f}%"
    if unit == "seconds":
        return f"{value:.0f} s"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:g} {unit}"


def fmt_target(target: str, unit: str) -> str:
    """A target as written in the scorecard (``"0.6..0.8"``, ``"< 0.1"``, ``"<= 300"``,
    ``"= 0"``) in the metric's unit for people: ratios' numbers as percents (``60% .. 80%``),
    seconds with ``s``; other units as they are."""
    if unit != "ratio" or not target:
        return target + (" s" if unit == "seconds" and target else "")
    out = []
    for tok in target.replace("..", " .. ").split():
        try:
            out.append(f"{float(tok) * 100:g}%")
        except ValueError:
            out.append(tok)
    return " ".join(out)
