"""vpa/max-allowed-exceeds-quota: the namespace quota cannot hold the target's pods once the
VPA has resized them to maxAllowed (limits kept in proportion)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from provisor.check.context import Context, Hit, object_text
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import _pod_usage, demand, fmt, frac
from provisor.check.rules.vpa._common import vpas_at_max_allowed
from provisor.check.rules.vpa.max_allowed_capped import _path


@rule("vpa/max-allowed-exceeds-quota", "error",
      "Once the VPA has recreated a workload's pods at maxAllowed (limits in proportion under "
      "RequestsAndLimits), the namespace's demand exceeds a ResourceQuota.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler (update mode not `Off`) whose target
    workload's pods, each sized as the VPA admission controller writes them with the
    recommendation at `maxAllowed` (after its LimitRange capping; under
    `controlledValues: RequestsAndLimits`, the default, the limit keeps its ratio to the
    request, so `maxAllowed` memory 32Gi at a 2:1 limit/request ratio is a 64Gi limit),
    make the namespace's demand at its configured maximum (as `quota/demand-exceeds-hard`
    counts it) exceed a ResourceQuota that the pods as written fit. The finding says how
    many of the workload's pods can be recreated at that size before the quota refuses the
    next one.

    **Why.** The VPA knows nothing of quotas: the updater evicts the pods one by one and the
    admission controller sizes each replacement from the recommendation
    (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/admission-controller/resource/pod/
    recommendation/recommendation_provider.go`, `GetContainersResourcesForPod`, limits
    via `GetProportionalLimit`). Each new pod takes more of the quota; once it is full the
    ReplicaSet cannot create the next replacement (`exceeded quota`, `FailedCreate`), and
    the workload runs short by the pods already evicted.

    **Fix.** Lower `maxAllowed` (or use `controlledValues: RequestsOnly` so limits stay as
    written) until the pods at the maximum fit, or raise the quota.
    """
    from provisor.quantity import QuantityError

    nds = demand(ctx)
    for d, w, at in vpas_at_max_allowed(ctx):
        nd = nds.get(w.namespace)
        if nd is None or not nd.quotas:
            continue
        try:
            new = _pod_usage(ctx, at.pod)
        except (QuantityError, ValueError, TypeError):
            continue
        if not new:
            continue
        for qv in nd.quotas:
            entry = next((e for e in qv.entries if e.kind == "pod" and e.workload is not None
                          and (e.workload.kind, e.workload.name) == (w.kind, w.name)), None)
            if entry is None:
                continue
            total = qv.total()
            hard = {k: frac(q) for k, q in qv.hard.items()}
            if any(total.get(k, Fraction(0)) > h for k, h in hard.items()):
                continue  # already over as written: quota/demand-exceeds-hard
            n = entry.count
            over: list[str] = []
            fits = n
            for k, h in hard.items():
                old_one = entry.usage.get(k, Fraction(0))
                new_one = new.get(k, Fraction(0))
                if new_one <= old_one:
                    continue
                t = total.get(k, Fraction(0))
                at_max = t + (new_one - old_one) * n
                if at_max > h:
                    over.append(f"{k} {fmt(at_max, qv.hard[k])} > hard {qv.hard[k]} "
                                f"({fmt(new_one, qv.hard[k])} per pod instead of "
                                f"{fmt(old_one, qv.hard[k])})")
                    fits = min(fits, int((h - t) // (new_one - old_one)))
            if not over:
                continue
            sized = "; ".join(
                f"{c}: requests {', '.join(f'{r}={v}' for r, v in sorted(at.requests[c].items()))}"
                + (f", limits {', '.join(f'{r}={v}' for r, v in sorted(at.limits[c].items()))}"
                   if c in at.limits else "")
                for c in at.requests)
            first = next(iter(at.requests))
            yield Hit(d, f"with the recommendation at maxAllowed the VPA sizes each pod of "
                         f"{object_text(w.kind, w.namespace, w.name)} as {sized}; with "
                         f"{n} pod(s) ({entry.why}) ResourceQuota {qv.name} would need "
                         f"{'; '.join(over)}: as the updater recreates the pods one by one, "
                         f"{fits} of {n} can be resized before the quota refuses the next "
                         "replacement (exceeded quota), leaving the workload short",
                      fix="lower maxAllowed (or use controlledValues: RequestsOnly), or raise "
                          "the quota",
                      path=_path(d.obj, first, next(iter(at.requests[first]))))
