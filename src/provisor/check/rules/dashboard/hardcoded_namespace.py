"""dashboard/hardcoded-namespace: panel queries fix namespace without a variable."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import analysed
from provisor.promql import ast as A
from provisor.promql.labels import has_template_var, literal_alternatives


def _literals(op: str, value: str) -> frozenset[str] | None:
    return frozenset({value}) if op == "=" else literal_alternatives(value)


@rule("dashboard/hardcoded-namespace", "warning",
      "Panel queries select a literal namespace and the dashboard has no namespace variable.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A dashboard whose Prometheus queries select `namespace="..."` (or
    `=~"a|b"`) with literal names (a pattern such as `.+` is not a name) while the dashboard
    has no template variable named `namespace`; one finding per dashboard, at the first such
    query.

    **Why.** The dashboard then shows one namespace only; reusing it for another team or
    environment means editing every query (and copies drift). A query variable
    (`label_values(kube_namespace_status_phase, namespace)`) makes it a drop-down.

    **Fix.** Add a `namespace` query variable and select `namespace="$namespace"`.
    """
    seen: set[int] = set()
    for site, an in analysed(ctx):
        t = site.target
        if t is None or an.node is None or an.empty is not None:
            continue
        dash = t.panel.dashboard
        if id(dash) in seen or "namespace" in dash.variables():
            continue
        values = sorted({x for n in A.walk(an.node) if isinstance(n, A.Selector)
                         for label, op, v in n.matchers
                         if label == "namespace" and op in ("=", "=~")
                         and not has_template_var(v)
                         for x in (_literals(op, v) or ()) if x})
        if values:
            seen.add(id(dash))
            yield Hit(site.doc, f"{site.label}: selects namespace "
                                f"{', '.join(repr(v) for v in values)} literally, and the "
                                "dashboard has no namespace variable",
                      fix='add a "namespace" query variable and select namespace="$namespace"',
                      path=site.path, obj=site.obj)
