"""promql/vector-matching-never-matches: a binary operation whose sides never match."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import NEVER_MATCHES


@rule("promql/vector-matching-never-matches", "error",
      "A binary operation between two vectors whose sides can never have equal label sets.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An arithmetic, comparison, `and` or `unless` operation between two
    instant vectors where no left-hand series can ever have the same matching labels as a
    right-hand one:

    - equality matchers that fix the same label to different values on the two sides
      (`kube_resourcequota{type="used"} / kube_resourcequota{type="hard"}`);
    - different aggregation labels (`sum by (namespace, pod)` against
      `sum by (namespace, pod, container)`), or a label one side always has and the other
      never has (kube-state-metrics documents every metric's labels);
    - raw series of different scrape targets, e.g. cAdvisor (scraped from the kubelet) against
      kube-state-metrics: their `instance` labels always differ;
    - an `on(...)` list that names a label the two sides fix to different values.

    `or` is not reported: its sides are meant to differ, and the result is their union.

    **Why.** Without `on()` or `ignoring()`, PromQL pairs samples whose label sets, minus the
    metric name, are identical; with `on(l...)` only those labels are compared
    (promql/engine.go, `VectorBinop`, `VectorAnd`, `VectorUnless`, `signatureFunc`). A label
    that is missing equals a label with an empty value. When no pair can match the result is
    always empty and no error is raised: an alert on it can never fire, and `unless` never
    removes anything.

    **Fix.** Aggregate both sides by the same labels, or match explicitly: `ignoring(type)`
    for sides that differ only in a selector label, `on(namespace, pod)` with
    `group_left`/`group_right` to join series of different exporters.
    """
    return hits(ctx, NEVER_MATCHES)
