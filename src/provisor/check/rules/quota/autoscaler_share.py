"""quota/autoscaler-share: how much of each quota dimension the autoscalers' maximum takes."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import demand, loads


@rule("quota/autoscaler-share", "info",
      "The share of each ResourceQuota dimension that the HPAs at maxReplicas take.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** Every ResourceQuota charged by pods of HPA-managed workloads: for each
    dimension those pods charge, how much the HPAs take at `maxReplicas` (pods after
    LimitRange defaults, charged as the quota evaluator charges them), as an amount and as a
    share of `hard`. Information, to size the quota and the HPAs together.

    **Why.** An HPA scales up to `maxReplicas` whenever its metric says so
    (`pkg/controller/podautoscaler/horizontal.go`); every replica it adds is charged to the
    quota (`pkg/quota/v1/evaluator/core/pods.go`). The share tells how much of the namespace
    one autoscaler can take from the other workloads (agents, batch jobs) at its peak.

    **Fix.** Nothing to fix by itself; see `quota/demand-exceeds-hard` and `quota/headroom`.
    """
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            hpa = [e for e in qv.entries if e.source == "hpa"]
            if not hpa:
                continue
            shares = [ld for ld in loads(qv, ("hpa",)) if ld.demand > 0]
            if not shares:
                continue
            shown = "; ".join(f"{e.label} at {e.count} replicas ({e.why})" for e in hpa[:3])
            more = len(hpa) - 3
            who = (f"{len(hpa)} workload{'s' if len(hpa) != 1 else ''}, "
                   f"{sum(e.count for e in hpa)} pods: {shown}"
                   + (f"; and {more} more" if more > 0 else ""))
            yield Hit(qv.doc,
                      f"ResourceQuota {qv.name}: the autoscalers at maxReplicas ({who}) take "
                      f"{', '.join(ld.text for ld in shares)}",
                      fix=None, path=("spec", "hard", shares[0].key))
