"""hpa/metric-source: metric source types and their target types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import metric_path, metrics

#: metric source type -> the field holding it (autoscaling/v2 MetricSpec).
SOURCES = {
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
    "External": "external",
}
#: target types the HPA controller reads for each source
#: (pkg/controller/podautoscaler/horizontal.go, computeReplicasForMetric).
TARGET_TYPES = {
    "Resource": ("Utilization", "AverageValue"),
    "ContainerResource": ("Utilization", "AverageValue"),
    "Pods": ("AverageValue",),
    "Object": ("Value", "AverageValue"),
    "External": ("Value", "AverageValue"),
}
_TARGET_FIELD = {"Utilization": "averageUtilization", "AverageValue": "averageValue",
                 "Value": "value"}


@rule("hpa/metric-source", "error", "An HPA metric has an unknown source type or a target "
      "type its source does not support.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An `autoscaling/v2` HorizontalPodAutoscaler metric whose `type` is not
    one of `Object`, `Pods`, `Resource`, `ContainerResource`, `External`; whose source field
    (`resource:`, `pods:`, ...) is missing or is not the one its type names; or whose
    `target.type` is not one the source supports: `Utilization` or `AverageValue` for
    `Resource`/`ContainerResource`, `AverageValue` for `Pods`, `Value` or `AverageValue` for
    `Object`/`External`, with the matching target field set (`averageUtilization`,
    `averageValue`, `value`).

    **Why.** The API server rejects an unknown type (`Unsupported value: "Custom"`,
    pkg/apis/autoscaling/validation/validation.go `validateMetricSpec`). A supported type with
    the wrong target is accepted, but the controller reads only the fields its source uses
    (pkg/controller/podautoscaler/horizontal.go `computeReplicasForMetric`): the metric is then
    invalid, the HPA reports `ScalingActive=False` and, with several metrics, it can no
    longer scale down.

    **Fix.** A count of things outside the pods (running workflows, queue depth) is an
    `External` metric (served by an adapter such as prometheus-adapter or KEDA) with a
    `Value` or `AverageValue` target; a per-pod custom metric is `Pods` with `AverageValue`.
    """
    for d in ctx.kind("HorizontalPodAutoscaler"):
        if not str(d.obj.get("apiVersion", "")).startswith("autoscaling/v2"):
            continue  # autoscaling/v1 has no metric sources
        # every version read through the one accessor (autoscaling/v2beta1 converted)
        for i, m in metrics(d.obj):
            if i >= 0:  # a defaulted metric is well-formed
                yield from _metric(d, i, m)


def _metric(d: Any, i: int, m: dict[str, Any]) -> Iterator[Hit]:
    def at(*inner: str) -> tuple[str | int, ...]:
        return metric_path(d.obj, i, *inner)

    mtype = m.get("type")
    present = [f for f in SOURCES.values() if m.get(f) is not None]
    if not isinstance(mtype, str) or mtype not in SOURCES:
        suggestion = ("External (a metric about something outside the pods, such as running "
                      "workflows) or Pods (a per-pod custom metric)" if mtype == "Custom"
                      else "one of " + ", ".join(SOURCES))
        from provisor.k8s.hpa.validation import hpa_invalid_message
        from provisor.k8s.validation import FieldPath, not_supported

        err = not_supported(FieldPath("spec", "metrics").index(i).child("type"),
                            mtype if mtype is not None else "", sorted(SOURCES))
        yield Hit(d, f"metric {i}: type {mtype!r} is not a metric source type; the API server "
                     f"refuses the HPA (422): {hpa_invalid_message(d.obj, [err])}",
                  fix=f"use {suggestion}", path=at("type"))
        return
    field = SOURCES[mtype]
    if field not in present:
        yield Hit(d, f"metric {i}: type {mtype} must populate `{field}:` with the metric",
                  fix=f"add a `{field}:` block or change the type", path=at("type"))
        return
    for other in present:
        if other != field:
            yield Hit(d, f"metric {i}: type {mtype} must populate the given metric source "
                         f"only, but `{other}:` is set too",
                      fix=f"remove `{other}:` or split it into its own metric",
                      path=at(other))
    target = dig(m, field, "target")
    if not isinstance(target, dict):
        yield Hit(d, f"metric {i}: {mtype} metric has no target",
                  fix="add target: {type: ..., ...}", path=at(field))
        return
    ttype = target.get("type")
    allowed = TARGET_TYPES[mtype]
    if not isinstance(ttype, str) or ttype not in allowed:
        yield Hit(d, f"metric {i}: target type {ttype!r} is not valid for a {mtype} metric "
                     f"(the controller reads {' or '.join(allowed)})",
                  fix=f"use target type {' or '.join(allowed)}",
                  path=at(field, "target", "type"))
        return
    need = _TARGET_FIELD[ttype]
    if target.get(need) is None:
        yield Hit(d, f"metric {i}: target type {ttype} needs `{need}`, which is not set",
                  fix=f"set target.{need}", path=at(field, "target", "type"))
    for f in _TARGET_FIELD.values():
        if f != need and target.get(f) is not None:
            yield Hit(d, f"metric {i}: target type {ttype} ignores `{f}`",
                      fix=f"remove target.{f} or change the target type",
                      path=at(field, "target", f))
    if mtype == "ContainerResource" and not dig(m, field, "container"):
        yield Hit(d, f"metric {i}: a ContainerResource metric must name its container",
                  fix="set containerResource.container", path=at(field))
