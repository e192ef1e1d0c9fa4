"""hpa/scaling-disabled: an HPA that can never scale in one direction (or at all)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import behavior_of, hpas, max_replicas, min_replicas


@rule("hpa/scaling-disabled", "warning",
      "An HPA can never scale up, never scale down, or never scale at all.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.**
    - `behavior.scaleUp.selectPolicy: Disabled`: the HPA never adds pods, whatever the load;
    - `behavior.scaleDown.selectPolicy: Disabled`: after any peak the HPA keeps the peak's
      replica count (up to `maxReplicas`) until someone edits it;
    - `minReplicas` equal to `maxReplicas`: the HPA can never change the count.

    **Why.** With `Disabled` the rate limit of that direction is the current size
    (kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go`,
    `calculateScaleUpLimitWithScalingRules` / `calculateScaleDownLimitWithBehaviors`
    return `currentReplicas`), so the normalizer holds the count; with `minReplicas ==
    maxReplicas` every recommendation is clamped to the same value. A scale-down that never
    happens holds the peak's requests against the namespace quota and the nodes.

    **Fix.** Remove `selectPolicy: Disabled` (damp the direction with a stabilization window
    and rate policies instead), or, for a fixed size, drop the HPA and set `spec.replicas`.
    If a one-way HPA is intended, silence this rule on the object with the reason.
    """
    for d in hpas(ctx):
        lo, hi = min_replicas(d.obj), max_replicas(d.obj)
        if lo is not None and hi is not None and lo == hi >= 1:
            yield Hit(d, f"minReplicas = maxReplicas = {hi}: the HPA can never change the "
                         f"replica count; it only costs a sync every period",
                      fix="widen the range, or delete the HPA and set spec.replicas on the "
                          "workload", path=("spec", "maxReplicas"))
            continue
        b = behavior_of(d.obj)
        if b is None:
            continue
        if dig(b, "scaleUp", "selectPolicy") == "Disabled":
            yield Hit(d, f"behavior.scaleUp.selectPolicy is Disabled: the scale-up limit is "
                         f"always the current size, so the HPA never adds pods whatever the load "
                         f"(it stays between minReplicas {lo} and the current count)",
                      fix="remove selectPolicy: Disabled from scaleUp; damp scale-ups with "
                          "policies (value per periodSeconds) if needed",
                      path=("spec", "behavior", "scaleUp", "selectPolicy"))
        if dig(b, "scaleDown", "selectPolicy") == "Disabled":
            yield Hit(d, f"behavior.scaleDown.selectPolicy is Disabled: the HPA never removes "
                         f"pods, so after a peak it stays at the peak's count (up to maxReplicas "
                         f"{hi}) and holds its requests against the quota until edited",
                      fix="remove selectPolicy: Disabled from scaleDown and use a long "
                          "scaleDown stabilizationWindowSeconds instead",
                      path=("spec", "behavior", "scaleDown", "selectPolicy"))
