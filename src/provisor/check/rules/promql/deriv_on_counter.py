"""promql/deriv-on-counter: deriv(), delta(), idelta(), predict_linear() on a counter."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import DERIV_ON_COUNTER


@rule("promql/deriv-on-counter", "warning",
      "deriv(), delta(), idelta(), predict_linear() or holt_winters() on a counter.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A gauge function applied to a range of a counter (a name ending in
    `_total`, `_count`, `_sum` or `_bucket`, or a counter in cAdvisor's or
    kube-state-metrics' tables, or one listed in `settings.counters`).

    **Why.** `deriv`, `delta`, `idelta`, `predict_linear` and `holt_winters` work on raw
    sample values and do not handle counter resets (promql/functions.go `funcDeriv`,
    `funcDelta`; docs/querying/functions.md: "should only be used with gauges"). When the
    process restarts the counter drops to 0 and the result turns sharply negative.

    **Fix.** `rate()` or `increase()`, which detect resets.
    """
    return hits(ctx, DERIV_ON_COUNTER)
