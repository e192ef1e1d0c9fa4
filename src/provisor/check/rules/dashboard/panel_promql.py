"""dashboard/panel-promql: panel queries that use undefined template variables."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import BUILTIN_VARIABLES, var_refs
from provisor.check.rules.promql._exprs import analysed


@rule("dashboard/panel-promql", "warning",
      "A panel's PromQL uses a template variable the dashboard does not define.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A Prometheus panel target whose `expr` references a variable
    (`$name`, `${name}`, `[[name]]`) that is neither in the dashboard's `templating.list` nor
    one of Grafana's global variables (`$__rate_interval`, `$__interval`, `$__range`, ...).

    Every panel query also goes through the same PromQL rules as alerting rules
    (`promql/*`), after the variables are interpolated; their findings name the dashboard,
    panel and target.

    **Why.** Grafana leaves an unknown variable in the query as text
    (public/app/features/templating/template_srv.ts, `replace`): Prometheus then rejects it
    (`$cluter` is a parse error in a range, or matches no series as a label value), and the
    panel shows an error or "No data", typically after a variable was renamed.

    **Fix.** Define the variable, or correct the reference to an existing one.
    """
    for site, _an in analysed(ctx):
        t = site.target
        if t is None:
            continue
        defined = t.panel.dashboard.variables()
        unknown = sorted({v for v in var_refs(t.expr) if v not in defined
                          and v not in BUILTIN_VARIABLES
                          and not v.startswith("__auto_interval_")})
        if unknown:
            yield Hit(site.doc, f"{site.label}: the query uses "
                                f"{', '.join('$' + v for v in unknown)}, which the dashboard "
                                "does not define; Grafana sends it to Prometheus as text",
                      fix="define the variable in templating.list or correct the reference",
                      path=site.path, obj=site.obj)
