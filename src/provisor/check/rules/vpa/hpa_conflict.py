"""vpa/hpa-conflict: a VPA and an HPA acting on the same resource of the same workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig, name_of, namespace_of, object_text
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import metrics, source_field
from provisor.check.rules.vpa._common import controlled_resources, targets, update_mode


def _resource_metrics(hpa: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(resource, container or "", target type) of the HPA's cpu/memory metrics."""
    out = []
    for _i, m in metrics(hpa):
        mtype = m.get("type")
        if mtype not in ("Resource", "ContainerResource"):
            continue
        src = m.get(source_field(mtype) or "")
        if not isinstance(src, dict):
            continue
        res, ttype = src.get("name"), dig(src, "target", "type")
        if res in ("cpu", "memory") and ttype in ("Utilization", "AverageValue"):
            cont = src.get("container") if mtype == "ContainerResource" else ""
            out.append((res, cont if isinstance(cont, str) else "", ttype))
    return out


@rule("vpa/hpa-conflict", "error",
      "A VPA and an HPA act on the same resource (cpu or memory) of the same workload.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose update mode is not `Off` and an HPA on
    the same workload that scales on `cpu` or `memory` (`Resource` or `ContainerResource`
    metric, `Utilization` or `AverageValue` target) while the VPA controls that resource for
    the containers the metric reads (container `mode` not `Off`, the resource in
    `controlledResources`, default cpu and memory).

    **Why.** The HPA's utilization is usage divided by the request
    (kubernetes/kubernetes `pkg/controller/podautoscaler/replica_calculator.go`) and the VPA
    moves the request after the usage per pod: a raised request lowers the utilization, the
    HPA removes pods, per-pod usage rises, the VPA raises the request again; the two loops
    chase each other. The VPA documentation says it "should not be used with the Horizontal
    Pod Autoscaler (HPA) on the same resource metric (CPU or memory)"
    (kubernetes/autoscaler `vertical-pod-autoscaler/docs/known-limitations.md`).

    **Fix.** Split the signals: HPA on CPU (or a load metric) and VPA on memory only
    (`controlledResources: [memory]`), or HPA on custom/external metrics; or run the VPA with
    `updateMode: Off` and apply its recommendations by hand.
    """
    for d in ctx.kind("VerticalPodAutoscaler"):
        mode = update_mode(d.obj)
        if mode is None or mode == "Off":
            continue
        t = targets(ctx, d)
        ns = namespace_of(d.obj)
        keys: list[tuple[tuple[str, str, str], list[str] | None, str]] = []
        for w in t.workloads:
            names = [str(c.get("name", "")) for path, c in w.containers()
                     if path[-2] == "containers"]
            keys.append(((w.kind, w.namespace, w.name), names,
                         object_text(w.kind, ns, w.name)))
        if not t.workloads and t.kind:
            ref = dig(d.obj, "spec", "targetRef")
            keys.append(((t.kind, ns, str(ref.get("name"))), None,
                         object_text(str(t.kind), ns, str(ref.get('name')))))
        for key, containers, label in keys:
            for h in ctx.hpas_by_target.get(key, []):
                for res, cont, ttype in _resource_metrics(h.obj):
                    scope = [cont] if cont else containers
                    if scope is None:  # containers unknown: the policies decide
                        scope = ["*"]
                    hit = [c for c in scope if res in controlled_resources(d.obj, c)]
                    if not hit:
                        continue
                    where = (f"container {cont}" if cont else
                             "its containers" if containers is not None else "its containers "
                             "(as far as the VPA's policies tell)")
                    if ttype == "Utilization":
                        loop = ("every VPA change of the request moves the HPA's utilization "
                                "(usage / request), so the two loops chase each other")
                    else:
                        loop = ("both react to the same per-pod usage: the HPA moves it with "
                                "replicas while the VPA re-sizes (and evicts) pods after it, "
                                "so their decisions interfere")
                    yield Hit(d, f"HPA {name_of(h.obj)} scales {label} on {res} {ttype} while "
                                 f"this VPA (updateMode {mode}) sets the {res} requests of "
                                 f"{where}: {loop} (the VPA documentation: not with an HPA on "
                                 f"the same resource metric)",
                              fix="let the VPA control only the other resource "
                                  "(controlledResources), scale the HPA on another metric, or "
                                  "set the VPA's updateMode to Off",
                              path=("spec", "updatePolicy", "updateMode")
                              if dig(d.obj, "spec", "updatePolicy", "updateMode") else ("spec",))
