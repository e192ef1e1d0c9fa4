"""alert/redundant-for-zero: `for: 0m` on an alerting rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._alerts import alerts

#: A Prometheus duration that is zero (model.ParseDuration: units y w d h m s ms, in order).
_ZERO = re.compile(r"^(?:0+(?:y|w|d|h|m|s|ms))+$|^0+$")


def is_zero_duration(value: Any) -> bool:
    """``value`` is a zero duration (``0``, ``"0s"``, ``"0m"``, ``"0h0m"``, ...)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    return isinstance(value, str) and bool(_ZERO.match(value.strip()))


@rule("alert/redundant-for-zero", "info", "`for: 0m` is the default and can be removed.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule with `for: 0s`, `0m`, `0h`, `0`, ...

    **Why.** `for` defaults to 0: the alert fires at the first evaluation where the
    expression returns a series (model/rulefmt/rulefmt.go, `RuleNode.For`; rules/alerting.go
    moves a pending alert to firing once it has been active for `holdDuration`). Writing
    `0m` changes nothing, and often hides that a hold time was intended: a zero `for`
    pages on a single evaluation, including scrape glitches.

    **Fix.** Remove the line, or set the hold time you mean (e.g. `for: 5m`).
    """
    for doc, path, r, ref in alerts(ctx):
        if "for" in r and is_zero_duration(r.get("for")):
            yield Hit(doc, f"alert {r.get('alert')}: `for: {r.get('for')}` is the default "
                           "(fire on the first evaluation)",
                      fix="remove `for`, or set the hold time you mean (e.g. 5m)",
                      path=(*path, "for"), obj=ref)
