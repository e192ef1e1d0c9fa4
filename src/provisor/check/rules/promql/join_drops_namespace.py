"""promql/join-drops-namespace: joins or groupings on pod names without namespace."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import JOIN_DROPS_NAMESPACE


@rule("promql/join-drops-namespace", "warning",
      "A join (on/ignoring) or aggregation keeps pod (or another object name) but drops "
      "namespace.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** `on(pod)` (or `on(...)` with another namespaced object's name:
    `persistentvolumeclaim`, `deployment`, `job_name`, ...) without `namespace`, an
    `ignoring(namespace)` that still matches on such a name, and `by (pod)` / `without
    (namespace)` aggregations that keep the name but not the namespace, unless both sides
    (or the aggregated series) are restricted to one namespace by an `=` matcher.

    **Why.** Object names are unique only within a namespace: two namespaces can both run a
    pod named `agent-0`. Matching on the name alone pairs series of different pods (or
    fails with "many-to-many matching not allowed" once both exist), and grouping by it adds
    their values together (promql/engine.go, `signatureFunc` compares only the listed labels).

    **Fix.** Add `namespace` to the `on(...)` / `by (...)` list, or restrict both sides to the
    same namespace.
    """
    return hits(ctx, JOIN_DROPS_NAMESPACE)
