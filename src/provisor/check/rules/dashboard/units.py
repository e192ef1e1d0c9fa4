"""dashboard/units: panels without a unit, or converting units by hand in PromQL."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import Panel
from provisor.check.rules.promql._exprs import Site, analysed
from provisor.promql import ast as A
from provisor.promql.analysis import UNIT_NAMES

#: Panel types that display values with a unit.
_UNIT_PANELS = frozenset({"timeseries", "graph", "stat", "singlestat", "gauge", "bargauge",
                          "piechart"})
#: Units that show a bare number.
_NO_UNIT = frozenset({"", "none", "short"})
#: Grafana unit ids for the inferred value units.
GRAFANA_UNIT = {
    "bytes": "bytes", "bytes/s": "Bps", "seconds": "s", "ratio": "percentunit",
    "percent": "percent", "celsius": "celsius", "cores": "suffix: cores",  # Grafana's custom-suffix unit
}
_BINARY_PREFIX = {1: "KiB", 2: "MiB", 3: "GiB", 4: "TiB"}


def panel_unit(panel: dict[str, Any]) -> str | None:
    """The panel's unit: ``fieldConfig.defaults.unit``, else a graph panel's left y-axis
    ``format``, else a singlestat's ``format``; None when none is set."""
    u = dig(panel, "fieldConfig", "defaults", "unit")
    if isinstance(u, str) and u:
        return u
    axes = panel.get("yaxes")
    if isinstance(axes, list) and axes and isinstance(axes[0], dict):
        f = axes[0].get("format")
        if isinstance(f, str) and f:
            return f
    f = panel.get("format")
    return f if isinstance(f, str) and f else None


def scaling(node: A.Node) -> tuple[float, float]:
    """(product of constant divisors, product of constant factors) applied to the whole
    expression at its top level (``x / 1024 / 1024``, ``x * 100``)."""
    n = A.unparen(node)
    if isinstance(n, A.Binary) and n.op in ("/", "*"):
        c = A.const_value(n.rhs)
        if c is not None and c != 0:
            div, mul = scaling(n.lhs)
            return (div * c, mul) if n.op == "/" else (div, mul * c)
        c = A.const_value(n.lhs)
        if c is not None and n.op == "*":
            div, mul = scaling(n.rhs)
            return div, mul * c
    return 1.0, 1.0


def _power_of(x: float, base: int) -> int:
    if x <= 1:
        return 0
    k = round(math.log(x, base))
    return k if k >= 1 and math.isclose(base ** k, x, rel_tol=1e-9) else 0


@rule("dashboard/units", "warning",
      "A panel shows a known quantity without a unit, converts units by hand in PromQL, or "
      "uses a percent unit that does not fit its values.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** In a time series, graph, stat, gauge, bar gauge or pie chart panel:

    - a query that converts by hand, `/ 1024 / 1024 / 1024` (or any power of 1024) or
      `* 100`, while the panel has no unit (or `none` / `short`);
    - no unit at all while the queries' values are of a known unit (bytes, bytes/s,
      seconds, a ratio, a percentage, CPU cores), inferred from the metrics (cAdvisor,
      kube-state-metrics, naming conventions);
    - unit `percent` (0..100) on values that are a 0..1 ratio, or `percentunit` (0..1) on
      values already multiplied by 100.

    **Why.** Grafana scales and labels values by the panel unit (Standard options: Unit):
    `bytes` shows 1.5 GiB, 1.5 MiB or 900 KiB as the value moves, and `percentunit` shows
    0.85 as 85%. A hand conversion fixes one scale, drops the unit from the axis and the
    tooltip, and a missing unit leaves readers to guess whether 0.8 is cores, a ratio or
    GiB. A ratio shown with `percent` reads 0.85%.

    **Fix.** Remove the arithmetic and set the unit: `bytes` for memory, `percentunit` for a
    0..1 ratio (or keep `* 100` and use `percent`), `s` for seconds, `Bps` for bytes per
    second; for CPU cores use `none` or a custom `suffix: cores` unit and say "cores" in the
    title.
    """
    by_panel: dict[int, tuple[Panel, list[tuple[Site, Any]]]] = {}
    for site, an in analysed(ctx):
        if site.target is not None and an.empty is None:
            p = site.target.panel
            by_panel.setdefault(id(p.obj), (p, []))[1].append((site, an))
    for panel, entries in by_panel.values():
        if panel.type not in _UNIT_PANELS:
            continue
        unit = panel_unit(panel.obj)
        shown = unit or "no unit"
        flagged = False
        for site, an in entries:
            if an.node is None:
                continue
            div, mul = scaling(an.node)
            k = _power_of(div, 1024)
            if (unit or "") in _NO_UNIT and (k or mul == 100):
                flagged = True
                if k:
                    what = (f"converts bytes to {_BINARY_PREFIX.get(k, f'1024^{k}')} by "
                            f"dividing by 1024^{k}")
                    fix = ('remove the division and set the panel unit to "bytes" (Grafana '
                           "picks KiB/MiB/GiB itself)")
                else:
                    what = "multiplies by 100 to show a percentage"
                    fix = ('remove "* 100" and set the unit to "percentunit", or keep it and '
                           'set the unit to "percent"')
                yield Hit(site.doc, f"{site.label}: {what}, and the panel shows {shown}",
                          fix=fix, path=site.path, obj=site.obj)
        if flagged:
            continue
        units = {an.unit for _s, an in entries if an.node is not None}
        known = {u for u in units if u in GRAFANA_UNIT}
        if len(units) != 1 or not known:
            continue
        vu = next(iter(known))
        site = entries[0][0]
        d = panel.dashboard
        if unit is None:
            yield Hit(site.doc, f"{panel.label()}{d.where(panel.path)} has no unit, but its "
                                f"values are {UNIT_NAMES[vu]}",
                      fix=f'set fieldConfig.defaults.unit to "{GRAFANA_UNIT[vu]}"',
                      path=d.path(panel.path), obj=d.ref)
        elif unit == "percent" and vu == "ratio":
            yield Hit(site.doc, f"{panel.label()}{d.where(panel.path)} uses unit percent "
                                "(0..100) for a 0..1 ratio: 0.85 shows as 0.85%",
                      fix='use unit "percentunit"', path=d.path(panel.path), obj=d.ref)
        elif unit == "percentunit" and vu == "percent":
            yield Hit(site.doc, f"{panel.label()}{d.where(panel.path)} uses unit percentunit "
                                "(0..1) for values already multiplied by 100: 85 shows as "
                                "8500%",
                      fix='use unit "percent", or drop the "* 100"',
                      path=d.path(panel.path), obj=d.ref)
