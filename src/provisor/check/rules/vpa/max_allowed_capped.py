"""vpa/max-allowed-capped: a maxAllowed the VPA can never reach because of a LimitRange."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, object_text
from provisor.check.registry import rule
from provisor.check.rules.vpa._common import vpas_at_max_allowed


@rule("vpa/max-allowed-capped", "info",
      "A VPA's maxAllowed is above what the namespace's LimitRange lets it set: unreachable.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container policy whose `maxAllowed` the VPA would lower before
    using it, because the request, or the limit it keeps proportional to the request
    (`controlledValues: RequestsAndLimits`, the default: limit = recommendation × the
    container's limit/request ratio, after LimitRange defaults), would pass the `max` of the
    namespace's `Container` or `Pod` LimitRange. Computed with
    `provisor.k8s.vpa.CappingRecommendationProcessor` on the target's admitted pod with a
    recommendation at `maxAllowed`.

    **Why.** The VPA is LimitRange-aware: it caps each recommendation so that the resulting
    request and proportional limit fit the lowest `max` of the namespace's LimitRanges
    (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/utils/vpa/capping.go`, annotation
    `capped to fit Max in container LimitRange`; `pkg/utils/limitrange/
    limit_range_calculator.go`). The `maxAllowed` you wrote is then never reached: the real
    ceiling is lower, and a workload that needs more stays under-sized (throttled, or
    OOM-killed for memory).

    **Fix.** Lower `maxAllowed` to the value the VPA can reach, or raise the LimitRange
    `max` (or lower the limit/request ratio, or use `controlledValues: RequestsOnly`) if the
    workload needs more.
    """
    from provisor.quantity import Quantity, QuantityError

    for d, w, at in vpas_at_max_allowed(ctx):
        for cname, asked in at.max_allowed.items():
            got = at.requests.get(cname, {})
            notes = at.notes.get(cname, [])
            for res, want in asked.items():
                have = got.get(res)
                try:
                    if have is None or not Quantity.parse(have) < Quantity.parse(want):
                        continue
                except QuantityError:
                    continue
                why = next((n for n in notes if n.startswith(res + " capped to fit")),
                           f"{res} capped to fit the Pod LimitRange")
                lim = at.limits.get(cname, {}).get(res)
                lim_text = f" and limit {lim}" if lim is not None else ""
                yield Hit(d, f"maxAllowed {res} {want} for container {cname} of "
                             f"{object_text(w.kind, w.namespace, w.name)} is unreachable: the VPA "
                             f"caps the recommendation to request {have}{lim_text} "
                             f"({why}), because the request or its proportional limit would "
                             f"pass the namespace's LimitRange max",
                          fix=f"lower maxAllowed {res} to {have}, or raise the LimitRange max "
                              f"if the workload needs more",
                          path=_path(d.obj, cname, res))


def _path(vpa: dict, cname: str, res: str) -> tuple:
    from provisor.check.context import dig

    pols = dig(vpa, "spec", "resourcePolicy", "containerPolicies") or []
    for want in (cname, "*"):
        for i, p in enumerate(pols):
            if isinstance(p, dict) and p.get("containerName") == want:
                return ("spec", "resourcePolicy", "containerPolicies", i, "maxAllowed", res)
    return ("spec", "resourcePolicy")
