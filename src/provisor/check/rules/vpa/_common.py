"""Shared by the ``vpa/*`` rules: which workloads a VPA acts on, its update mode and
per-container policy, and the pod its admission controller would write at ``maxAllowed``.

Sources (kubernetes/autoscaler, ``vertical-pod-autoscaler/``):

* ``pkg/apis/autoscaling.k8s.io/v1/types.go`` -- ``updateMode`` (default ``Recreate``;
  ``Auto`` deprecated), container ``mode`` (default ``Auto``), ``controlledResources``
  (default cpu and memory), ``controlledValues`` (default ``RequestsAndLimits``);
* ``pkg/admission-controller/resource/vpa/handler.go`` -- a VPA without ``updatePolicy`` gets
  ``updateMode: Recreate``;
* the VPA admission controller's resource step (:func:`pod_at_max_allowed`), from
  :mod:`provisor.k8s.vpa.admission` with the LimitRange calculator and capping of
  :mod:`provisor.k8s.vpa.capping`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provisor.check.context import (
    Workload,
    dig,
    in_namespace_text,
    list_at,
    namespace_of,
    object_text,
)

if TYPE_CHECKING:
    from provisor.check.context import Context
    from provisor.manifests import Document

#: The resources a VPA can control (``controlledResources`` default).
RESOURCES = ("cpu", "memory")


@dataclass(slots=True)
class Targets:
    """The workloads a VPA acts on, as far as the checked set tells.

    Attributes:
        workloads: the workloads found.
        via: how they were found, for messages.
        kind: the target kind named by ``targetRef`` (None when unusable).
        intended: found through the selector the ``targetRef`` was meant to be (the
            targetRef itself is unusable; ``vpa/target-ref`` reports that).
        lookup: a description of what was looked for (for "cannot verify" messages).
    """

    workloads: list[Workload] = field(default_factory=list)
    via: str = ""
    kind: str | None = None
    intended: bool = False
    lookup: str = ""


def targets(ctx: "Context", d: "Document") -> Targets:
    """The workloads ``d`` (a VerticalPodAutoscaler) acts on: its ``targetRef`` when it names
    a controller (kind and name, no ``selector``); otherwise the workloads of its namespace
    whose pods the ``targetRef.selector`` it carries was meant to match (or the Pod it
    names)."""
    from provisor.check.rules.pdb._common import pod_index, selector_text
    from provisor.k8s.selectors import SelectorError

    ns = namespace_of(d.obj)
    ref = dig(d.obj, "spec", "targetRef")
    if not isinstance(ref, dict):
        return Targets(lookup="no targetRef")
    kind, name, sel = ref.get("kind"), ref.get("name"), ref.get("selector")
    if isinstance(kind, str) and isinstance(name, str) and kind and name and sel is None \
            and kind != "Pod":
        w = ctx.workload(kind, ns, name, near=d.file)
        return Targets([w] if w is not None else [], f"targetRef {kind}/{name}", kind,
                       lookup=object_text(kind, ns, name))
    if isinstance(sel, dict):
        try:
            found = pod_index(ctx).select(ns, sel)
        except SelectorError:
            found = []
        return Targets(found, f"the workloads whose pods its targetRef.selector "
                              f"({selector_text(sel)}) was meant to match", None, True,
                       lookup=f"workloads {in_namespace_text(ns)} with pods labelled "
                              f"{selector_text(sel)}")
    if kind == "Pod" and isinstance(name, str) and name:
        w = ctx.workload("Pod", ns, name, near=d.file)
        return Targets([w] if w is not None else [], f"Pod {name}", None, True,
                       lookup=object_text("Pod", ns, name))
    return Targets(lookup="an incomplete targetRef")


def update_mode(obj: Mapping[str, Any]) -> str | None:
    """The effective ``updateMode``: as written, ``Recreate`` when ``updatePolicy`` is absent
    (the admission webhook's default), None when ``updatePolicy`` has no mode (the webhook
    refuses such a VPA)."""
    policy = dig(obj, "spec", "updatePolicy")
    if policy is None:
        return "Recreate"
    if not isinstance(policy, dict):
        return None
    mode = policy.get("updateMode")
    return mode if isinstance(mode, str) else None


def resource_policy(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    rp = dig(obj, "spec", "resourcePolicy")
    return rp if isinstance(rp, dict) else None


def container_policy(obj: Mapping[str, Any], container: str) -> Mapping[str, Any] | None:
    """The container's ``containerPolicies`` entry (by name, else ``*``), or None."""
    from provisor.k8s.vpa import get_container_resource_policy

    rp = resource_policy(obj)
    pols = rp.get("containerPolicies") if rp else None
    if not isinstance(pols, list):
        return None
    return get_container_resource_policy(container, {"containerPolicies": [
        p for p in pols if isinstance(p, dict)]})


def controlled_resources(obj: Mapping[str, Any], container: str) -> set[str]:
    """Resources the VPA sets on ``container``: none when the container's policy has
    ``mode: Off``, else its ``controlledResources`` (default cpu and memory)."""
    pol = container_policy(obj, container)
    if pol is None:
        return set(RESOURCES)
    if pol.get("mode") == "Off":
        return set()
    cr = pol.get("controlledResources")
    if isinstance(cr, list):
        return {r for r in cr if isinstance(r, str)}
    return set(RESOURCES)


# -- the pod at maxAllowed -----------------------------------------------------------------


@dataclass(slots=True)
class AtMax:
    """What the VPA admission controller writes into a new pod when the recommendation is
    at ``maxAllowed``.

    Attributes:
        pod: the admitted pod with the VPA's requests and limits.
        original: the admitted pod before the VPA (LimitRange defaults applied).
        requests, limits: per container name, what the VPA sets (Quantity values); containers
            with a ``maxAllowed`` first, then the others the VPA resizes (to fit a ``Pod``
            LimitRange), each group in pod order.
        notes: per container, the VPA's annotations (``memory capped to fit Max in
            container LimitRange`` ...).
        max_allowed: per container, the maxAllowed it was asked for (resource -> text).
    """

    pod: dict[str, Any]
    original: dict[str, Any]
    requests: dict[str, dict[str, Any]]
    limits: dict[str, dict[str, Any]]
    notes: dict[str, list[str]]
    max_allowed: dict[str, dict[str, Any]]


def limit_range_calculator(ctx: "Context", namespace: str) -> Any:
    """The VPA's LimitRange calculator over the namespace's stored LimitRanges (one per
    namespace and run, in ``ctx.cache``)."""
    from provisor.k8s.vpa.capping import NamespaceLimitRangeCalculator

    store = ctx.cache.setdefault(("vpa", "limit_range_calculator"), {})
    calc = store.get(namespace)
    if calc is None:
        calc = store[namespace] = NamespaceLimitRangeCalculator(
            {namespace: ctx.stored_limit_ranges(namespace)}, api_defaults=False)
    return calc


def pod_at_max_allowed(ctx: "Context", vpa: Mapping[str, Any], w: Workload) -> AtMax | None:
    """The pod of ``w`` as the VPA's admission controller writes it when every controlled
    container's recommendation is at its ``maxAllowed`` (only the resources that have one),
    or None when no container has a ``maxAllowed``: ``w``'s admitted pod
    (``ctx.admitted``) through :func:`provisor.k8s.vpa.admission.get_containers_resources_for_pod`
    (capping to the policy and the namespace's LimitRanges, limits proportional under
    ``RequestsAndLimits``). Raises ``provisor.quantity.QuantityError`` for malformed
    quantities."""
    from provisor.k8s.vpa.admission import (
        apply_container_resources,
        get_containers_resources_for_pod,
    )

    original = ctx.admitted(w).pod
    containers = [c for c in list_at(original, "spec", "containers")
                  if isinstance(c, dict)]
    recs: list[dict[str, Any]] = []
    asked: dict[str, dict[str, Any]] = {}
    for c in containers:
        name = c.get("name", "")
        pol = container_policy(vpa, name)
        mx = pol.get("maxAllowed") if pol else None
        if not isinstance(mx, dict):
            continue
        controlled = controlled_resources(vpa, name)
        target = {r: mx[r] for r in RESOURCES if r in controlled and r in mx}
        if target:
            recs.append({"containerName": name, "target": target})
            asked[name] = target
    if not recs:
        return None
    vpa_obj = {"spec": {"resourcePolicy": resource_policy(vpa)},
               "status": {"recommendation": {"containerRecommendations": recs}}}
    resources, notes = get_containers_resources_for_pod(
        original, vpa_obj, limit_range_calculator(ctx, w.namespace))
    resources = resources or []
    pod = apply_container_resources(original, resources)
    requests: dict[str, dict[str, Any]] = {}
    limits: dict[str, dict[str, Any]] = {}
    names = [c.get("name", "") for c in list_at(original, "spec", "containers")
             if isinstance(c, dict)]
    for i in sorted(range(len(resources)), key=lambda i: (names[i] not in asked, i)):
        r, name = resources[i], names[i]
        if r.requests:
            requests[name] = dict(r.requests)
            if r.limits:
                limits[name] = dict(r.limits)
    return AtMax(pod, original, requests, limits, notes, asked)


def vpas_at_max_allowed(ctx: "Context") -> "Iterator[tuple[Document, Workload, AtMax]]":
    """(VPA, target workload, its pod at maxAllowed) for every VPA that acts (updateMode
    not Off) and each workload it targets whose pod at maxAllowed can be computed;
    malformed quantities or policies are skipped (the schema check reports them)."""
    from provisor.quantity import QuantityError

    for d in ctx.kind("VerticalPodAutoscaler"):
        if update_mode(d.obj) in (None, "Off"):
            continue
        for w in targets(ctx, d).workloads:
            try:
                at = pod_at_max_allowed(ctx, d.obj, w)
            except (QuantityError, ValueError, TypeError, ArithmeticError, AttributeError):
                continue
            if at is not None:
                yield d, w, at
