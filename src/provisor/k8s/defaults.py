"""API defaulting of the objects resource management reads: what the API server stores for
what a client sends, before any admission plugin runs.

Follows kubernetes/kubernetes ``pkg/apis/core/v1/defaults.go``:

* ``SetDefaults_LimitRangeItem`` (:func:`default_limit_range`), ``Container`` items only: a
  resource with ``max`` and no ``default`` gets ``default = max``; then a resource with
  ``default`` and no ``defaultRequest`` gets ``defaultRequest = default``; then a resource
  with ``min`` and still no ``defaultRequest`` gets ``defaultRequest = min``. The stored
  LimitRange, which the LimitRanger and every other reader see, carries those values.
* ``SetDefaults_Pod``, the resource part (:func:`default_pod`): a container or init container
  with a limit and no request for the same resource gets ``request = limit``. Then, with the
  PodLevelResources feature gate (on by default since 1.34), pod-level ``spec.resources``:
  ``defaultHugePagePodLimits`` and ``defaultPodRequests`` (below). This runs on Pods only,
  not on pod templates, so a controller's pods get it when the controller creates them.

Pod-level defaulting, only when ``spec.resources`` is present:

* ``defaultHugePagePodLimits`` (when ``spec.resources`` has requests or limits): each
  ``hugepages-*`` resource that the containers limit (``AggregateContainerLimits``: containers
  summed, restartable init containers added, the init max rule) and that has neither a
  pod-level request nor a pod-level limit gets the aggregated container limit as pod limit.
* ``defaultPodRequests`` (when ``spec.resources.limits`` is non-empty): a resource without a
  pod-level request gets, for ``cpu``/``memory`` the aggregated container request
  (``AggregateContainerRequests``) when containers request it, and otherwise (also for
  ``hugepages-*``) the pod-level limit when there is one.

Not applied: ``defaultPodLimits`` (pod-level limits from container limits when only pod-level
requests are set), added upstream after the two above; every non-resource default
(``dnsPolicy``, ``restartPolicy``, ``enableServiceLinks`` ...).

Objects are Kubernetes JSON-form dicts (parts that are not dicts or lists where the API has
objects or lists are left as they are); the functions return new objects and never mutate their
input (unchanged subtrees are shared). Values copied from one field to another are copied
verbatim (the text as written); values computed by aggregation print as ``str(Quantity)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["default_limit_range", "default_pod"]

_RESOURCE_LISTS = ("min", "max", "default", "defaultRequest", "maxLimitRequestRatio")
_HUGEPAGES = "hugepages-"
_POD_LEVEL = ("cpu", "memory")


def _scalar(q: Any) -> bool:
    return isinstance(q, (str, int, float)) and not isinstance(q, bool)


def _well_formed_item(item: Any) -> dict[str, Any] | None:
    """The item with only its well-formed resource lists (mappings of names to scalars), or
    None when it is not a mapping."""
    if not isinstance(item, Mapping):
        return None
    out = dict(item)
    for key in _RESOURCE_LISTS:
        v = out.get(key)
        if v is None:
            continue
        if not isinstance(v, Mapping) or not all(
                isinstance(k, str) and _scalar(q) for k, q in v.items()):
            del out[key]
    return out


def default_limit_range(lr: Mapping[str, Any]) -> dict[str, Any]:
    """``lr`` (a LimitRange) as the API server stores it: ``SetDefaults_LimitRangeItem`` on
    every item (see module doc).

    Returns a new dict; every ``Container`` item gets ``default`` and ``defaultRequest``
    mappings (possibly empty, as upstream's ``make(ResourceList)``). For robustness against
    malformed manifests, items that are not mappings become ``{}`` (indices are kept) and
    resource lists that are not mappings of names to quantities (what the API would refuse to
    decode) are left out, so the result is always well formed; other parts are shared with
    ``lr``. Idempotent. Never raises.
    """
    raw_spec = lr.get("spec")
    spec: Mapping[str, Any] = raw_spec if isinstance(raw_spec, Mapping) else {}
    items = spec.get("limits")
    if not isinstance(items, list):
        new = dict(lr)
        new["spec"] = {**spec, "limits": []}
        return new
    new_items: list[Any] = []
    for raw in items:
        item = _well_formed_item(raw)
        if item is None:
            new_items.append({})  # keeps the indices; an item without a type limits nothing
            continue
        if item.get("type") == "Container":
            default = dict(item.get("default") or {})
            default_request = dict(item.get("defaultRequest") or {})
            for key, value in (item.get("max") or {}).items():
                default.setdefault(key, value)
            for key, value in default.items():
                default_request.setdefault(key, value)
            for key, value in (item.get("min") or {}).items():
                default_request.setdefault(key, value)
            item["default"] = default
            item["defaultRequest"] = default_request
        new_items.append(item)
    new = dict(lr)
    new["spec"] = dict(spec)
    new["spec"]["limits"] = new_items
    return new


def _requests_from_limits(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The spec with container and init-container requests defaulted from limits, or None
    when nothing changes."""
    new_spec: dict[str, Any] | None = None
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        new_items: list[Any] | None = None
        for i, c in enumerate(items):
            res = c.get("resources") if isinstance(c, dict) else None
            if not isinstance(res, dict):
                continue
            limits = res.get("limits")
            if not isinstance(limits, dict) or not limits:
                continue
            requests = res.get("requests")
            requests = requests if isinstance(requests, dict) else {}
            missing = [k for k in limits if k not in requests]
            if not missing:
                continue
            new_requests = dict(requests)
            for k in missing:
                new_requests[k] = limits[k]
            new_c = dict(c)
            new_c["resources"] = {**res, "requests": new_requests}
            if new_items is None:
                new_items = list(items)
            new_items[i] = new_c
        if new_items is not None:
            if new_spec is None:
                new_spec = dict(spec)
            new_spec[key] = new_items
    return new_spec


def _pod_level_defaults(pod: dict[str, Any]) -> None:
    """``defaultHugePagePodLimits`` then ``defaultPodRequests`` on ``pod`` (whose ``spec`` is
    already a copy); ``spec.resources`` is replaced by a new dict when anything is set."""
    from provisor.k8s.resources import aggregate_container_limits, aggregate_container_requests

    spec = pod["spec"]
    res = spec.get("resources")
    if not isinstance(res, dict):
        return
    limits = res.get("limits") or {}
    requests = res.get("requests") or {}
    if not isinstance(limits, dict) or not isinstance(requests, dict):
        return
    new_limits = dict(limits)
    if limits or requests:
        for name, q in aggregate_container_limits(pod).items():
            if name.startswith(_HUGEPAGES) and name not in requests and name not in new_limits:
                new_limits[name] = str(q)
    new_requests = dict(requests)
    if new_limits:
        for name, q in aggregate_container_requests(pod).items():
            if name in _POD_LEVEL and name not in new_requests:
                new_requests[name] = str(q)
        for name, q in new_limits.items():
            if (name in _POD_LEVEL or name.startswith(_HUGEPAGES)) and name not in new_requests:
                new_requests[name] = q
    if len(new_limits) == len(limits) and len(new_requests) == len(requests):
        return
    new_res = dict(res)
    if new_limits:
        new_res["limits"] = new_limits
    if new_requests:
        new_res["requests"] = new_requests
    spec["resources"] = new_res


def default_pod(pod: Mapping[str, Any], *, pod_level_resources: bool = True) -> dict[str, Any]:
    """``pod`` after the resource part of ``SetDefaults_Pod`` (see module doc).

    Args:
        pod: a Pod (JSON form); never mutated.
        pod_level_resources: the PodLevelResources feature gate (default on): also default
            pod-level ``spec.resources`` (hugepage limits, then requests).

    Returns a new pod; only the containers and the ``spec.resources`` it changes are copied.
    Containers that are not mappings and resource lists that are not mappings are left as
    they are. Raises ``provisor.quantity.QuantityError`` for a malformed quantity, and only
    when pod-level defaulting has to add one up.
    """
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return dict(pod)
    new_spec = _requests_from_limits(spec)
    new = dict(pod)
    if pod_level_resources and isinstance(spec.get("resources"), dict):
        new["spec"] = new_spec if new_spec is not None else dict(spec)
        _pod_level_defaults(new)
        return new
    if new_spec is not None:
        new["spec"] = new_spec
    return new
