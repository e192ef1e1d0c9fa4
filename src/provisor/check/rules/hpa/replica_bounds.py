"""hpa/replica-bounds: minReplicas and maxReplicas the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import (
    forbidden, hpa_invalid, hpas, invalid, is_int, metrics)


@rule("hpa/replica-bounds", "error",
      "An HPA's minReplicas/maxReplicas are refused by the API (min > max, max < 1, min < 1).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A HorizontalPodAutoscaler whose `spec.maxReplicas` is below 1 or below
    `spec.minReplicas`, or whose `spec.minReplicas` is below 1. `minReplicas: 0` is accepted
    only with the alpha feature gate `HPAScaleToZero` (off by default), and even then only
    when the HPA has at least one `Object` or `External` metric (with no pods there is no pod
    metric to wake it up).

    **Why.** The API server validates these bounds on create and update and answers 422
    (kubernetes/kubernetes `pkg/apis/autoscaling/validation/validation.go`,
    `validateHorizontalPodAutoscalerSpec` and `validateMetrics`), e.g.
    `spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas``; the
    HPA is never created, so the workload is not autoscaled at all.

    **Fix.** Make `1 <= minReplicas <= maxReplicas`. For scale-to-zero, enable
    `HPAScaleToZero` on the API server and controller manager and drive the HPA with an
    `Object` or `External` metric (or use an event-driven autoscaler such as KEDA).
    """
    for d in hpas(ctx):
        spec = d.obj.get("spec")
        if not isinstance(spec, dict):
            continue
        lo, hi = spec.get("minReplicas"), spec.get("maxReplicas")
        errs: list[str] = []
        path: tuple[str | int, ...] = ("spec",)
        fixes: list[str] = []
        if is_int(lo) and lo < 1:
            errs.append(invalid("spec.minReplicas", lo, "must be greater than or equal to 1"))
            path = ("spec", "minReplicas")
            if lo == 0:
                fixes.append("set minReplicas >= 1 (0 needs the alpha HPAScaleToZero gate)")
                kinds = {m.get("type") for _i, m in metrics(d.obj)}
                if "Object" not in kinds and "External" not in kinds:
                    errs.append(forbidden(
                        "spec.metrics", "must specify at least one Object or External metric "
                                        "to support scaling to zero replicas"))
            else:
                fixes.append("set minReplicas >= 1")
        if is_int(hi) and hi < 1:
            errs.append(invalid("spec.maxReplicas", hi, "must be greater than 0"))
            path = ("spec", "maxReplicas")
            fixes.append("set maxReplicas >= 1")
        eff_lo = lo if is_int(lo) else (1 if lo is None else None)
        # minReplicas is defaulted to 1 before validation, so an unset one counts as 1.
        if is_int(hi) and eff_lo is not None and hi < eff_lo:
            errs.append(invalid("spec.maxReplicas", hi, "must be greater than or equal to "
                                                        "`minReplicas`"))
            path = ("spec", "maxReplicas")
            if hi >= 1:
                fixes.append(f"raise maxReplicas to at least minReplicas ({eff_lo}) or lower "
                             f"minReplicas to {hi}")
        if errs:
            if dig(d.obj, *path) is None:
                path = ("spec",)
            yield Hit(d, f"the API server refuses this HPA (422): {hpa_invalid(d.obj, errs)}",
                      fix="; ".join(fixes), path=path)
