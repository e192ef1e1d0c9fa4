"""hpa/metrics-adapter: a metric whose metrics API no APIService in the set provides."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import (
    hpas,
    metric_name,
    metric_path,
    metrics,
    source_field,
)

#: metric source type -> the aggregated API the HPA controller reads it from
#: (pkg/controller/podautoscaler/metrics/client.go: customMetricsClient, externalMetricsClient).
API_OF = {"Pods": "custom.metrics.k8s.io", "Object": "custom.metrics.k8s.io",
          "External": "external.metrics.k8s.io"}


def served_groups(ctx: Context) -> set[str]:
    """API groups that an APIService among the checked objects registers
    (``spec.group``, else the part of ``metadata.name`` after the version)."""
    out: set[str] = set()
    for d in ctx.kind("APIService"):
        group = dig(d.obj, "spec", "group")
        if not isinstance(group, str) or not group:
            name = dig(d.obj, "metadata", "name")
            group = name.split(".", 1)[1] if isinstance(name, str) and "." in name else ""
        if group:
            out.add(group)
    return out


@rule("hpa/metrics-adapter", "info",
      "An HPA metric needs a metrics adapter (custom/external metrics API) not in the set.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `Pods` or `Object` metric (read from `custom.metrics.k8s.io`) or an
    `External` metric (read from `external.metrics.k8s.io`) when no APIService among the
    checked objects registers that API group. It may be installed separately, so this is
    information: the HPA works only if the cluster has such an adapter and it serves this
    metric name.

    **Why.** The HPA controller reads these metrics from aggregated APIs
    (kubernetes/kubernetes `pkg/controller/podautoscaler/metrics/client.go`). Without an
    adapter (prometheus-adapter, KEDA, a cloud provider's adapter) registering the group,
    every sync fails with `FailedGetPodsMetric` / `FailedGetObjectMetric` /
    `FailedGetExternalMetric`, `ScalingActive=False`; with several metrics the failed one
    blocks scale-downs.

    **Fix.** Ship the adapter (its `APIService` `v1beta1.custom.metrics.k8s.io` /
    `v1beta1.external.metrics.k8s.io`) with the bundle or check it together with the cluster's
    add-ons, and make sure its rules expose this metric name. (The HPAs KEDA writes for its
    ScaledObjects are served by KEDA's own metrics server and are not reported.)
    """
    groups: set[str] | None = None
    for d in hpas(ctx):
        if str(d.meta.get("generated_from", "")).startswith("ScaledObject/"):
            continue  # KEDA's own metrics server serves the HPAs it writes
        for i, m in metrics(d.obj):
            mtype = m.get("type")
            api = API_OF.get(mtype) if isinstance(mtype, str) else None
            if api is None:
                continue
            if groups is None:
                groups = served_groups(ctx)
            if api in groups:
                continue
            field = source_field(m.get("type")) or ""
            name = dig(m, field, "metric", "name")
            what = f"{mtype} metric" + (f" {name!r}" if isinstance(name, str) else "")
            yield Hit(d, f"{metric_name(d.obj, i)}: cannot verify that the {what} can be read: it is served by "
                         f"{api}, and no APIService in the checked set registers that API (a "
                         f"metrics adapter such as prometheus-adapter or KEDA); without one the "
                         f"HPA reports ScalingActive=False and this metric never acts",
                      fix=f"install an adapter serving {api} (check its APIService together "
                          f"with the HPA) and expose this metric name in its rules",
                      path=metric_path(d.obj, i, "type"))
