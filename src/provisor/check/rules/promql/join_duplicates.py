"""promql/join-duplicates: the "one" side of a join can hold duplicate series."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import JOIN_DUPLICATES


@rule("promql/join-duplicates", "warning",
      "A join's 'one' side is raw exporter series that can repeat per match group: "
      "\"many-to-many matching not allowed\" at run time.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An arithmetic or comparison operation between two vectors, matched
    with `on(...)` (or `ignoring(...)` that drops `instance`), whose "one" side (the right of
    `group_left`, the left of `group_right`, either side of a one-to-one match) is raw
    kube-state-metrics or cAdvisor series, not aggregated, that can hold several series for
    one match group:

    - the metric has identity labels the matching leaves out and no matcher fixes
      (`kube_pod_container_resource_limits` matched `on(namespace, pod)` has one series per
      container and resource);
    - the `instance` label is not compared, and two exporter replicas (a kube-state-metrics
      HA pair, a second scrape job for the kubelet) export every series twice, differing
      only in `instance`.

    **Why.** Prometheus requires the "one" side to be unique per match group
    (promql/engine.go, `VectorBinop`): otherwise the whole evaluation fails with
    `many-to-many matching not allowed: matching labels must be unique on one side` (or
    `found duplicate series for the match group` / `multiple matches for labels: many-to-one
    matching must be explicit`), so the alert errors instead of evaluating and the panel
    shows an error. The mixins wrap such sides in `max by (...)` for this reason.

    **Fix.** Aggregate the "one" side by exactly the matching labels (plus the labels
    `group_left(...)` copies), e.g. `max by (namespace, pod, node) (kube_pod_info)`; or
    match on fewer labels that the series are unique by.
    """
    return hits(ctx, JOIN_DUPLICATES)
