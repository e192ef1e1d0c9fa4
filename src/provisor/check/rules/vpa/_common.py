"""Shared by the ``vpa/*`` rules: which workloads a VPA acts on, its update mode and
per-container policy, and the pod its admission controller would write at ``maxAllowed``.

Sources (kubernetes/autoscaler, ``vertical-pod-autoscaler/``):

* ``pkg/apis/autoscaling.k8s.io/v1/types.go`` -- ``updateMode`` (default ``Recreate``;
  ``Auto`` deprecated), container ``mode`` (default ``Auto``), ``controlledResources``
  (default cpu and memory), ``controlledValues`` (default ``RequestsAndLimits``);
* ``pkg/admission-controller/resource/vpa/handler.go`` -- a VPA without ``updatePolicy`` gets
  ``updateMode: Recreate``;
* ``pkg/utils/limitrange/limit_range_calculator.go`` -- the namespace's effective LimitRange
  item (:class:`NamespaceLimitRanges`);
* ``pkg/admission-controller/resource/pod/recommendation/recommendation_provider.go``
  (``GetContainersResources``) -- requests = the capped target, limits proportional to the
  original ratio under ``RequestsAndLimits`` (:func:`pod_at_max_allowed`), with the capping
  of :mod:`provisor.k8s.vpa.capping`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provisor.check.context import Workload, dig, namespace_of

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
        w = ctx.workload(kind, ns, name)
        return Targets([w] if w is not None else [], f"targetRef {kind}/{name}", kind,
                       lookup=f"{kind} {ns or '(default)'}/{name}")
    if isinstance(sel, dict):
        try:
            found = pod_index(ctx).select(ns, sel)
        except SelectorError:
            found = []
        return Targets(found, f"the workloads whose pods its targetRef.selector "
                              f"({selector_text(sel)}) was meant to match", None, True,
                       lookup=f"workloads in namespace {ns or '(default)'} with pods labelled "
                              f"{selector_text(sel)}")
    if kind == "Pod" and isinstance(name, str) and name:
        w = ctx.workload("Pod", ns, name)
        return Targets([w] if w is not None else [], f"Pod {name}", None, True,
                       lookup=f"Pod {ns or '(default)'}/{name}")
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


# -- the namespace's LimitRange as the VPA sees it ---------------------------------------


class NamespaceLimitRanges:
    """``limitsChecker`` of the VPA (``pkg/utils/limitrange/limit_range_calculator.go``):
    for a LimitRange type, one item combining every LimitRange of the namespace: the last
    ``default`` seen, the lowest ``max`` and the highest ``min`` of cpu and memory; None when
    no item of that type has ``max``, ``default`` or ``min``."""

    def __init__(self, limit_ranges: list[Mapping[str, Any]]) -> None:
        self._items = {t: self._combine(limit_ranges, t) for t in ("Container", "Pod")}

    def get_container_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None:
        return self._items["Container"]

    def get_pod_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None:
        return self._items["Pod"]

    @staticmethod
    def _combine(limit_ranges: list[Mapping[str, Any]], kind: str) -> dict[str, Any] | None:
        from provisor.quantity import Quantity

        def merge(result: dict[str, Any] | None, item: Any, name: str,
                  lower: bool) -> dict[str, Any] | None:
            if not isinstance(item, dict):
                return result
            if result is None:
                return dict(item)
            if name in item:
                if name not in result:
                    result[name] = item[name]
                else:
                    a, b = Quantity.parse(result[name]), Quantity.parse(item[name])
                    result[name] = result[name] if ((a < b) if lower else (a > b)) else item[name]
            return result

        out: dict[str, Any] = {"type": kind}
        mx: dict[str, Any] | None = None
        mn: dict[str, Any] | None = None
        default: Any = None
        for lr in limit_ranges:
            for it in dig(lr, "spec", "limits") or []:
                if not isinstance(it, dict) or it.get("type") != kind:
                    continue
                if it.get("max") is None and it.get("default") is None and it.get("min") is None:
                    continue
                if it.get("default") is not None:
                    default = it["default"]
                for res in RESOURCES:
                    mx = merge(mx, it.get("max"), res, True)
                    mn = merge(mn, it.get("min"), res, False)
        if mx is None and mn is None and default is None:
            return None
        if mx is not None:
            out["max"] = mx
        if mn is not None:
            out["min"] = mn
        if default is not None:
            out["default"] = default
        return out


# -- the pod at maxAllowed -----------------------------------------------------------------


@dataclass(slots=True)
class AtMax:
    """What the VPA admission controller writes into a new pod when the recommendation is
    at ``maxAllowed``.

    Attributes:
        pod: the admitted pod with the VPA's requests and limits.
        original: the admitted pod before the VPA (LimitRange defaults applied).
        requests, limits: per container name, what the VPA sets (Quantity values).
        notes: per container, the capping annotations (``memory capped to fit Max in
            container LimitRange`` ...).
        max_allowed: per container, the maxAllowed it was asked for (resource -> text).
    """

    pod: dict[str, Any]
    original: dict[str, Any]
    requests: dict[str, dict[str, Any]]
    limits: dict[str, dict[str, Any]]
    notes: dict[str, list[str]]
    max_allowed: dict[str, dict[str, Any]]


def pod_at_max_allowed(ctx: "Context", vpa: Mapping[str, Any], w: Workload) -> AtMax | None:
    """The pod of ``w`` as the VPA's admission controller writes it when every controlled
    container's recommendation is at its ``maxAllowed`` (only the resources that have one),
    or None when no container has a ``maxAllowed``.

    Recommendation -> ``CappingRecommendationProcessor`` (pod and container LimitRanges of
    the namespace, ``minAllowed``/``maxAllowed``) -> requests = capped target; limits =
    :func:`provisor.k8s.vpa.get_proportional_limit` under ``RequestsAndLimits``.
    Raises ``provisor.quantity.QuantityError`` for malformed quantities."""
    import copy

    from provisor.check.rules.limitrange._api import admission, limit_ranges
    from provisor.k8s.vpa import (
        CappingRecommendationProcessor, container_requests_and_limits,
        get_container_controlled_values, get_proportional_limit)

    original = admission(ctx, w).pod
    containers = [c for c in (original.get("spec") or {}).get("containers") or []
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
    calc = NamespaceLimitRanges(limit_ranges(ctx, w.namespace))
    vpa_obj = {"spec": {"resourcePolicy": resource_policy(vpa)},
               "status": {"recommendation": {"containerRecommendations": recs}}}
    capped, notes = CappingRecommendationProcessor(calc).apply(vpa_obj, original)
    pod = copy.deepcopy(original)
    policy = resource_policy(vpa)
    default_limit = (calc.get_container_limit_range_item(w.namespace) or {}).get("default") or {}
    requests: dict[str, dict[str, Any]] = {}
    limits: dict[str, dict[str, Any]] = {}
    by_name = {c.get("name"): c for c in (pod.get("spec") or {}).get("containers") or []}
    for rec in (capped or {}).get("containerRecommendations") or []:
        name = rec.get("containerName", "")
        target = rec.get("target") or {}
        c = by_name.get(name)
        if c is None or not target:
            continue
        orig_req, orig_lim = container_requests_and_limits(name, original)
        res = c.setdefault("resources", {})
        new_req = dict(res.get("requests") or {})
        new_req.update({k: str(v) for k, v in target.items()})
        res["requests"] = new_req
        requests[name] = dict(target)
        if get_container_controlled_values(name, policy) == "RequestsAndLimits":
            lim, _ann = get_proportional_limit(orig_lim, orig_req, target, default_limit)
            if lim:
                new_lim = dict(res.get("limits") or {})
                new_lim.update({k: str(v) for k, v in lim.items()})
                res["limits"] = new_lim
                limits[name] = dict(lim)
    return AtMax(pod, original, requests, limits, notes or {}, asked)
