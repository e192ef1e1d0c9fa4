"""hpa/behavior-invalid: spec.behavior values the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import hpas
from provisor.k8s.hpa.validation import (
    MAX_PERIOD_SECONDS, MAX_STABILIZATION_WINDOW_SECONDS, behavior_errors, hpa_invalid_message)


@rule("hpa/behavior-invalid", "error",
      "An HPA's behavior has a window, period, policy or selectPolicy the API refuses.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `spec.behavior.scaleUp` or `scaleDown` with a
    `stabilizationWindowSeconds` outside 0..3600, a `selectPolicy` other than `Max`, `Min` or
    `Disabled`, an empty `policies` list, or a policy whose `type` is not `Pods`/`Percent`,
    whose `value` is not positive, or whose `periodSeconds` is outside 1..1800.

    **Why.** The API server validates behavior on create and update
    (kubernetes/kubernetes `pkg/apis/autoscaling/validation/validation.go`,
    `validateScalingRules` and `validateScalingPolicy`, with `MaxPeriodSeconds = 1800` and
    `MaxStabilizationWindowSeconds = 3600`) and refuses the whole HPA with 422, e.g.
    `spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than
    or equal to 1800`. The HPA is not created, so nothing autoscales.

    **Fix.** Keep periods within 30 minutes and windows within an hour; give every direction
    you set at least one policy (or leave `policies` out to get the defaults).
    """
    for d in hpas(ctx):
        b = dig(d.obj, "spec", "behavior")
        if not isinstance(b, dict):
            continue
        for err in behavior_errors(b):
            yield Hit(d, f"the API server refuses this HPA (422): "
                         f"{hpa_invalid_message(d.obj, [err])}",
                      fix=_fix(str(err)), path=err.path)


def _fix(err: str) -> str:
    if "periodSeconds" in err:
        return f"use a periodSeconds between 1 and {MAX_PERIOD_SECONDS}"
    if "stabilizationWindowSeconds" in err:
        return f"use a window between 0 and {MAX_STABILIZATION_WINDOW_SECONDS} seconds"
    if "selectPolicy" in err:
        return "use selectPolicy Max, Min or Disabled"
    if ".value" in err:
        return "use a positive policy value"
    if ".type" in err:
        return "use policy type Pods or Percent"
    return "give the direction at least one policy, or drop `policies` to get the defaults"
