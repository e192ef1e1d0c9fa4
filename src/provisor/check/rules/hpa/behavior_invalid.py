"""hpa/behavior-invalid: spec.behavior values the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import (
    hpa_invalid, hpas, invalid, is_int, not_supported, required)

#: ``MaxPeriodSeconds`` and ``MaxStabilizationWindowSeconds``
#: (pkg/apis/autoscaling/validation/validation.go).
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600
SELECT_POLICIES = ("Disabled", "Max", "Min")  # sorted, as validSelectPolicyTypesList
POLICY_TYPES = ("Percent", "Pods")  # sorted, as validPolicyTypesList


def scaling_rules_errors(rules: dict[str, Any], where: str
                         ) -> list[tuple[tuple[str | int, ...], str]]:
    """(relative path, field error) of one ``HPAScalingRules`` at ``where`` (e.g.
    ``spec.behavior.scaleUp``), in upstream ``validateScalingRules`` order. Policies are
    checked as sent: defaulting fills ``policies`` only when the field is absent."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    w = rules.get("stabilizationWindowSeconds")
    if is_int(w) and w < 0:
        out.append((("stabilizationWindowSeconds",), invalid(
            f"{where}.stabilizationWindowSeconds", w, "must be greater than or equal to zero")))
    if is_int(w) and w > MAX_STABILIZATION_WINDOW_SECONDS:
        out.append((("stabilizationWindowSeconds",), invalid(
            f"{where}.stabilizationWindowSeconds", w,
            f"must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}")))
    sel = rules.get("selectPolicy")
    if sel is not None and sel not in SELECT_POLICIES:
        out.append((("selectPolicy",), not_supported(f"{where}.selectPolicy", sel,
                                                     SELECT_POLICIES)))
    policies = rules.get("policies")
    if isinstance(policies, list) and not policies:
        out.append((("policies",), required(f"{where}.policies",
                                            "must specify at least one Policy")))
    for i, p in enumerate(policies if isinstance(policies, list) else ()):
        if not isinstance(p, dict):
            continue
        pp = f"{where}.policies[{i}]"
        t = p.get("type")
        if t not in POLICY_TYPES:
            out.append((("policies", i, "type"), not_supported(f"{pp}.type", t or "",
                                                               POLICY_TYPES)))
        v = p.get("value")
        if is_int(v) and v <= 0:
            out.append((("policies", i, "value"), invalid(f"{pp}.value", v,
                                                          "must be greater than zero")))
        period = p.get("periodSeconds")
        if is_int(period) and period <= 0:
            out.append((("policies", i, "periodSeconds"), invalid(
                f"{pp}.periodSeconds", period, "must be greater than zero")))
        if is_int(period) and period > MAX_PERIOD_SECONDS:
            out.append((("policies", i, "periodSeconds"), invalid(
                f"{pp}.periodSeconds", period,
                f"must be less than or equal to {MAX_PERIOD_SECONDS}")))
    return out


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
        for key in ("scaleUp", "scaleDown"):
            rules = b.get(key)
            if not isinstance(rules, dict):
                continue
            for rel, err in scaling_rules_errors(rules, f"spec.behavior.{key}"):
                yield Hit(d, f"the API server refuses this HPA (422): {hpa_invalid(d.obj, [err])}",
                          fix=_fix(err), path=("spec", "behavior", key, *rel))


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
