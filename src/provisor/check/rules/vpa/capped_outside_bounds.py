"""vpa/capped-target-outside-bounds: capping leaves a target outside its own bounds, so the
updater evicts on every loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig, object_text
from provisor.check.registry import rule
from provisor.check.rules.vpa._common import (RESOURCES, limit_range_calculator, targets,
                                              update_mode)
from provisor.check.rules.vpa.evicts_run_to_completion import EVICTING


def _q(rl: Any, r: str) -> Any:
    from provisor.quantity import Quantity

    if not isinstance(rl, dict) or rl.get(r) is None:
        return None
    v = rl[r]
    return v if isinstance(v, Quantity) else Quantity.parse(str(v))


@rule("vpa/capped-target-outside-bounds", "error",
      "After capping (policy, Container and Pod LimitRanges), a VPA's target lies outside its "
      "own [lowerBound, upperBound]: the updater evicts the pod on every loop.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler in an evicting update mode (`Recreate`,
    `Auto`, `InPlaceOrRecreate`) that carries a `status.recommendation` (an export of the
    cluster), whose recommendation, after the capping both the admission controller and the
    updater apply (`provisor.k8s.vpa.capping.CappingRecommendationProcessor`: `minAllowed` /
    `maxAllowed`, the Container LimitRange, and proportional scaling into a Pod-type
    LimitRange), leaves some container's `target` below its capped `lowerBound` or above its
    capped `upperBound`.

    **Why.** The Pod LimitRange step scales each of `target`, `lowerBound` and `upperBound`
    by its own factor, computed from its own sum over the pod's containers (kubernetes/
    autoscaler `vertical-pod-autoscaler/pkg/utils/vpa/capping.go`, `applyPodLimitRange`, run
    for `upperBound`, `target` and `lowerBound`). When the targets' sum must shrink to fit
    `max` but the lower bounds' sum fits, a container whose share of the lower bounds is
    larger than its share of the targets ends up with `target < lowerBound`. The admission
    controller writes the capped target into the new pod; the updater sees its request
    outside [lowerBound, upperBound] (`pkg/updater/priority/priority_processor.go`) and
    evicts it again, every loop.

    **Fix.** Give the pod room: raise the Pod LimitRange `max` above the sum of the
    containers' recommended limits, or lower `maxAllowed` of the containers so their targets
    fit it; or set `controlledResources` so the VPA leaves the capped resource alone.
    """
    from provisor.k8s.vpa.capping import CappingRecommendationProcessor
    from provisor.quantity import QuantityError

    for d in ctx.kind("VerticalPodAutoscaler"):
        if update_mode(d.obj) not in EVICTING:
            continue
        if dig(d.obj, "status", "recommendation", "containerRecommendations") is None:
            continue
        for w in targets(ctx, d).workloads:
            if w.run_to_completion:
                continue
            pod = ctx.admitted(w).pod
            calc = limit_range_calculator(ctx, w.namespace)
            try:
                capped, _notes = CappingRecommendationProcessor(calc).apply(d.obj, pod)
                pod_lr = calc.get_pod_limit_range_item(w.namespace)
            except (QuantityError, ValueError, TypeError, KeyError, AttributeError):
                continue
            if not capped:
                continue
            for rec in capped.get("containerRecommendations") or []:
                name = rec.get("containerName", "")
                for r in RESOURCES:
                    try:
                        t, lo, hi = (_q(rec.get("target"), r), _q(rec.get("lowerBound"), r),
                                     _q(rec.get("upperBound"), r))
                    except (QuantityError, ValueError):
                        continue
                    if t is None:
                        continue
                    side = None
                    if lo is not None and t.cmp(lo) < 0:
                        side = f"below its lowerBound {lo}"
                    elif hi is not None and t.cmp(hi) > 0:
                        side = f"above its upperBound {hi}"
                    if side is None:
                        continue
                    why = (" (the Pod LimitRange max/min scales target and bounds by "
                           "different factors)" if pod_lr is not None else "")
                    yield Hit(d, f"{object_text(w.kind, w.namespace, w.name)} container "
                                 f"{name}: after capping, the {r} target {t} is {side}{why}: "
                                 "the admission controller sets the request to the target and "
                                 "the updater, finding it outside the recommended range, "
                                 "evicts the pod again on every loop",
                              fix="raise the Pod LimitRange max above the containers' summed "
                                  "limits, or lower maxAllowed so the targets fit it",
                              path=("spec", "resourcePolicy") if dig(
                                  d.obj, "spec", "resourcePolicy") else ("spec",))
