"""promql/rate-on-gauge: rate(), irate(), increase() or resets() applied to a gauge."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import RATE_ON_GAUGE


@rule("promql/rate-on-gauge", "error",
      "rate(), irate(), increase() or resets() on a gauge.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** `rate`, `irate`, `increase` or `resets` over a range of a metric that
    is a gauge: cAdvisor's `container_memory_*` and `container_spec_*` series, every
    kube-state-metrics series but the restart counters, node-exporter's `node_memory_*`,
    `node_filesystem_*`, the kubelet's volume stats, or a name listed in
    `settings.gauges`. Metrics of unknown type (recording rules, unknown exporters) are not
    judged.

    **Why.** These functions are defined for counters: every decrease between two samples is
    taken as a counter reset and the new value is added as growth (promql/functions.go,
    `extrapolatedRate` and `funcResets`; docs/querying/functions.md: "rate should only be used
    with counters"). For a gauge that goes down and up, each drop becomes a jump: working-set
    samples 10, 8, 12 MiB give an `increase` of 12 MiB instead of 2, so a leak alert fires on
    a healthy, oscillating pod.

    **Fix.** `deriv()` (per-second slope by linear regression) or `delta()` for the change of
    a gauge; `max_over_time`/`avg_over_time` for its level. Types come from cAdvisor's and
    kube-state-metrics' own metric tables; add other gauges or counters in `.provisor.yaml`
    (`settings.gauges`, `settings.counters`).
    """
    return hits(ctx, RATE_ON_GAUGE)
