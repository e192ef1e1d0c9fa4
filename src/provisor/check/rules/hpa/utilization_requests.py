"""hpa/utilization-requests: a Utilization target needs requests on every container."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig, object_text
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import metric_name, metric_path, metrics


def _containers_counted(pod_spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The containers whose requests the HPA sums: regular containers and restartable
    (sidecar) init containers (replica_calculator.go ``calculatePodRequests``)."""
    out: list[tuple[str, dict[str, Any]]] = []
    inits, containers = pod_spec.get("initContainers"), pod_spec.get("containers")
    for c in inits if isinstance(inits, list) else []:
        if isinstance(c, dict) and c.get("restartPolicy") == "Always":
            out.append(("initContainers", c))
    for c in containers if isinstance(containers, list) else []:
        if isinstance(c, dict):
            out.append(("containers", c))
    return out


@rule("hpa/utilization-requests", "error", "A Utilization metric's target has a container "
      "without a request for that resource.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An HPA with a `Resource` metric of target type `Utilization` whose
    scale target's pod template has a container (or a sidecar init container) with no request
    for that resource after the namespace's LimitRange defaults are applied; for a
    `ContainerResource` metric, the named container only.

    **Why.** Utilization is usage divided by the *sum of requests*; the replica calculator
    refuses to compute it when any counted container lacks the request ("missing request for
    cpu in container proxy", pkg/controller/podautoscaler/replica_calculator.go
    `calculatePodRequests`). The HPA then shows `<unknown>`, `ScalingActive=False` with reason
    `FailedGetResourceMetric`, and stays at its current replica count whatever the load
    (with several metrics, an invalid one blocks scale-down).

    **Fix.** Give the container a request (or a LimitRange `defaultRequest`), or use a
    `ContainerResource` metric naming the container that carries the load.
    """
    from provisor.k8s.hpa import HPAError, calculate_requests

    for d in ctx.kind("HorizontalPodAutoscaler"):
        ref = dig(d.obj, "spec", "scaleTargetRef")
        ms = metrics(d.obj)
        if not isinstance(ref, dict) or not ms:
            continue
        w = ctx.workload(str(ref.get("kind", "")), _ns(d.obj), str(ref.get("name", "")),
                         near=d.file)
        if w is None:
            continue
        # the pod as the API server admits it: API defaulting (a limit without a request
        # gives request = limit) and LimitRange defaults (Context.admitted)
        pod = ctx.admitted(w).pod
        spec = pod.get("spec") or {}
        for i, m in ms:
            if m.get("type") not in ("Resource", "ContainerResource"):
                continue
            field = "resource" if m["type"] == "Resource" else "containerResource"
            if dig(m, field, "target", "type") != "Utilization":
                continue
            res = dig(m, field, "name")
            if not isinstance(res, str):
                continue
            only = dig(m, field, "container") if field == "containerResource" else None
            missing = [c.get("name", "?") for _k, c in _containers_counted(spec)
                       if (only is None or c.get("name") == only)
                       and dig(c, "resources", "requests", res) is None]
            if only is not None and not any(c.get("name") == only
                                            for _k, c in _containers_counted(spec)):
                yield Hit(d, f"{metric_name(d.obj, i)}: container {only!r} is not in "
                             f"{object_text(w.kind, w.namespace, w.name)}", fix="name an existing container",
                          path=metric_path(d.obj, i, field, "container"))
                continue
            if missing:
                try:  # pod-level requests (PodLevelResources) make per-container ones moot
                    calculate_requests([pod], only or "", res)
                    continue
                except HPAError as exc:
                    upstream = str(exc)
                except (TypeError, AttributeError, ValueError):
                    continue  # malformed resources: the schema check reports them
                names = ", ".join(f'"{n}"' for n in missing)
                yield Hit(
                    d,
                    f"{metric_name(d.obj, i)} {m['type']}/{res}/Utilization needs requests.{res} on every "
                    f"container of {object_text(w.kind, w.namespace, w.name)}; container(s) {names} "
                    f"have none, so the HPA cannot compute utilization (Failed"
                    f"Get{m['type']}Metric: {upstream}) and will not scale on this metric",
                    fix=f"add requests.{res} to {names}, or use type ContainerResource with "
                        f"the container that carries the load",
                    path=metric_path(d.obj, i, field, "target", "type"))


def _ns(obj: dict[str, Any]) -> str:
    from provisor.check.context import namespace_of

    return namespace_of(obj)
