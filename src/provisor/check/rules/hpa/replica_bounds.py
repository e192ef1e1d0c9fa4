"""hpa/replica-bounds: minReplicas and maxReplicas the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import hpas
from provisor.k8s.hpa.validation import hpa_invalid_message, replica_bounds_errors


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
        errs = replica_bounds_errors(spec, api_version=str(d.obj.get("apiVersion", "")))
        if not errs:
            continue
        path: tuple[str | int, ...] = ("spec",)
        fixes: list[str] = []
        lo = spec.get("minReplicas")
        for e in errs:
            if e.field == "spec.minReplicas":
                path = e.path
                fixes.append("set minReplicas >= 1 (0 needs the alpha HPAScaleToZero gate)"
                             if e.bad_value == 0 else "set minReplicas >= 1")
            elif e.field == "spec.maxReplicas":
                path = e.path
                hi = e.bad_value
                if e.detail == "must be greater than 0":
                    fixes.append("set maxReplicas >= 1")
                elif hi >= 1:
                    eff_lo = 1 if lo is None else lo
                    fixes.append(f"raise maxReplicas to at least minReplicas ({eff_lo}) or "
                                 f"lower minReplicas to {hi}")
        if dig(d.obj, *path) is None:
            path = ("spec",)
        yield Hit(d, f"the API server refuses this HPA (422): {hpa_invalid_message(d.obj, errs)}",
                  fix="; ".join(fixes), path=path)
