"""Effective pod requests and limits, as Kubernetes computes them.

Follows ``k8s.io/component-helpers/resource/helpers.go`` (kubernetes/kubernetes
``staging/src/k8s.io/component-helpers/resource/helpers.go``): ``PodRequests``, ``PodLimits``,
``AggregateContainerRequests``, ``AggregateContainerLimits`` and their predicates. The scheduler
(NodeResourcesFit), the ResourceQuota pod evaluator, the kubelet's admission and the LimitRanger
all build on these numbers.

The rules, in short:

* regular containers are summed;
* a restartable ("sidecar") init container (``restartPolicy: Always``) is added to that sum and
  keeps running, so every init container that starts after it needs its own amount *plus* all
  sidecars started before it;
* the pod needs, per resource, the larger of that sum and the largest init-container step
  (the "init max rule");
* pod-level ``spec.resources`` (only ``cpu``, ``memory`` and ``hugepages-*``) replace the
  aggregated container value of the same name when set;
* ``spec.overhead`` is added to every request, and to every *non-zero* limit.

A resource list here is ``dict[str, Quantity]`` (``provisor.quantity.Quantity``); pods are
Kubernetes JSON-form dicts with quantities as strings. Key presence matters exactly as it does
upstream: a resource that only some init container or overhead names still appears in the
result, and a zero entry is not the same as a missing one.

Options (keyword arguments) are those of upstream ``PodResourcesOptions``:
``use_status_resources``, ``in_place_pod_level_resources_vertical_scaling_enabled``,
``exclude_overhead``, ``non_missing_container_requests``, ``skip_pod_level_resources``,
``skip_container_level_resources`` and ``use_dra_node_allocatable_resource_claim_status``.
The one Go-only field, ``Reuse`` (a map to recycle, an allocation optimisation), is left out.

"Set" versus "not set" follows Go's nil-ness through the JSON form: a key that is present,
even with an empty value (``"allocatedResources": {}``), counts as set.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, TypedDict

from provisor.quantity import Quantity

ResourceList = dict[str, Quantity]


class PodResourcesOptions(TypedDict, total=False):
    """The keyword arguments of ``pod_requests`` / ``pod_limits`` (upstream
    ``PodResourcesOptions``), for callers that build them once and pass them as ``**opts``."""

    exclude_overhead: bool
    skip_pod_level_resources: bool
    skip_container_level_resources: bool
    non_missing_container_requests: Mapping[str, Quantity] | None
    use_status_resources: bool
    in_place_pod_level_resources_vertical_scaling_enabled: bool
    use_dra_node_allocatable_resource_claim_status: bool

RESOURCE_CPU = "cpu"
RESOURCE_MEMORY = "memory"
HUGEPAGES_PREFIX = "hugepages-"

POD_RESIZE_PENDING = "PodResizePending"
REASON_INFEASIBLE = "Infeasible"
REASON_DEFERRED = "Deferred"

_SUPPORTED_POD_LEVEL = frozenset((RESOURCE_CPU, RESOURCE_MEMORY))
_ZERO = Quantity.from_value(0)

__all__ = [
    "ResourceList",
    "PodResourcesOptions",
    "parse_quantity",
    "resource_list",
    "supported_pod_level_resources",
    "is_supported_pod_level_resource",
    "is_pod_level_resources_set",
    "is_pod_level_requests_set",
    "is_pod_level_limits_set",
    "is_restartable_init_container",
    "is_pod_resize_infeasible",
    "is_pod_resize_deferred",
    "pod_requests",
    "pod_limits",
    "aggregate_container_requests",
    "aggregate_container_limits",
    "get_container_dra_allocations",
    "add_resource_list",
    "max_resource_list",
]


def parse_quantity(value: Any) -> Quantity:
    """A JSON quantity (``"100m"``, ``"1Gi"``, ``2``) or a ``Quantity`` as a ``Quantity``.

    ``Quantity.parse`` caches string parses (``Quantity`` values are never mutated).
    Raises ``provisor.quantity.QuantityError`` on bad text.
    """
    if isinstance(value, Quantity):
        return value
    return Quantity.parse(value)


def resource_list(raw: Mapping[str, Any] | None) -> ResourceList | None:
    """A JSON ``ResourceList`` (name -> quantity string) as ``dict[str, Quantity]``.

    ``None`` (the field is absent, Go's nil map) stays ``None``; ``{}`` gives ``{}``.
    """
    if raw is None:
        return None
    return {name: parse_quantity(q) for name, q in raw.items()}


def supported_pod_level_resources() -> set[str]:
    """Names accepted in pod-level ``spec.resources``: ``cpu``, ``memory`` and the
    ``hugepages-`` prefix (upstream ``SupportedPodLevelResources``)."""
    return {RESOURCE_CPU, RESOURCE_MEMORY, HUGEPAGES_PREFIX}


def is_supported_pod_level_resource(name: str) -> bool:
    """True for ``cpu``, ``memory`` and any ``hugepages-*`` name (``IsSupportedPodLevelResource``)."""
    return name in _SUPPORTED_POD_LEVEL or name.startswith(HUGEPAGES_PREFIX)


def _any_supported(names: Iterable[str]) -> bool:
    return any(is_supported_pod_level_resource(n) for n in names)


def _pod_level(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return (pod.get("spec") or {}).get("resources")


def is_pod_level_resources_set(pod: Mapping[str, Any]) -> bool:
    """True when pod-level ``spec.resources`` names a supported resource in requests or
    limits (``IsPodLevelResourcesSet``)."""
    res = _pod_level(pod)
    if not res:
        return False
    return _any_supported(res.get("requests") or ()) or _any_supported(res.get("limits") or ())


def is_pod_level_requests_set(pod: Mapping[str, Any]) -> bool:
    """True when ``spec.resources.requests`` names a supported resource (``IsPodLevelRequestsSet``)."""
    res = _pod_level(pod)
    if not res:
        return False
    return _any_supported(res.get("requests") or ())


def is_pod_level_limits_set(pod: Mapping[str, Any]) -> bool:
    """True when ``spec.resources.limits`` names a supported resource (``IsPodLevelLimitsSet``)."""
    res = _pod_level(pod)
    if not res:
        return False
    return _any_supported(res.get("limits") or ())


def is_restartable_init_container(container: Mapping[str, Any]) -> bool:
    """True for a sidecar: an init container with ``restartPolicy: Always``."""
    return container.get("restartPolicy") == "Always"


def _resize_reason(pod: Mapping[str, Any]) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == POD_RESIZE_PENDING:
            return cond.get("reason") or ""
    return None


def is_pod_resize_infeasible(pod: Mapping[str, Any]) -> bool:
    """True when the first ``PodResizePending`` condition has reason ``Infeasible``
    (``IsPodResizeInfeasible``)."""
    return _resize_reason(pod) == REASON_INFEASIBLE


def is_pod_resize_deferred(pod: Mapping[str, Any]) -> bool:
    """True when the first ``PodResizePending`` condition has reason ``Deferred``
    (``IsPodResizeDeferred``)."""
    return _resize_reason(pod) == REASON_DEFERRED


# --- resource-list arithmetic (in place, like upstream's unexported helpers) -----------------


def add_resource_list(into: ResourceList, other: Mapping[str, Quantity] | None) -> None:
    """``into[name] += other[name]`` for every name of ``other``, adding missing names."""
    if not other:
        return
    for name, q in other.items():
        cur = into.get(name)
        into[name] = q if cur is None else cur + q


def _subtract_floor_zero(into: ResourceList | None, other: Mapping[str, Quantity] | None) -> None:
    # only names already in ``into``; a negative result becomes zero
    if not into or not other:
        return
    for name, q in other.items():
        cur = into.get(name)
        if cur is not None:
            v = cur - q
            into[name] = _ZERO if v.sign() < 0 else v


def max_resource_list(into: ResourceList, other: Mapping[str, Quantity] | None) -> None:
    """``into[name] = max(into[name], other[name])`` for every name of ``other``."""
    if not other:
        return
    for name, q in other.items():
        cur = into.get(name)
        if cur is None or q > cur:
            into[name] = q


def _max_of(first: Mapping[str, Quantity] | None, *rest: Mapping[str, Quantity] | None) -> ResourceList:
    out: ResourceList = dict(first) if first else {}
    for other in rest:
        max_resource_list(out, other)
    return out


# --- per-container resource getters -----------------------------------------------------------

_Getter = Callable[[Mapping[str, Any], "Mapping[str, Any] | None", bool], "Mapping[str, Any] | None"]


def _spec_requests(c: Mapping[str, Any], cs: Mapping[str, Any] | None, infeasible: bool) -> Any:
    return (c.get("resources") or {}).get("requests")


def _allocated_requests(c: Mapping[str, Any], cs: Mapping[str, Any] | None, infeasible: bool) -> Any:
    if cs is not None and cs.get("allocatedResources") is not None:
        return cs["allocatedResources"]
    if infeasible:
        return None
    return (c.get("resources") or {}).get("requests")


def _actuated_requests(c: Mapping[str, Any], cs: Mapping[str, Any] | None, infeasible: bool) -> Any:
    if cs is not None:
        st = cs.get("resources")
        if st is not None and st.get("requests") is not None:
            return st["requests"]
        if cs.get("allocatedResources") is not None:
            return cs["allocatedResources"]
    if infeasible:
        return None
    return (c.get("resources") or {}).get("requests")


def _spec_limits(c: Mapping[str, Any], cs: Mapping[str, Any] | None, infeasible: bool) -> Any:
    return (c.get("resources") or {}).get("limits")


def _actuated_limits(c: Mapping[str, Any], cs: Mapping[str, Any] | None, infeasible: bool) -> Any:
    if cs is not None:
        st = cs.get("resources")
        if st is not None and st.get("limits") is not None:
            return st["limits"]
    if infeasible:
        return None
    return (c.get("resources") or {}).get("limits")


def _find_container_status(pod: Mapping[str, Any], name: str | None) -> Mapping[str, Any] | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses"):
        for cs in status.get(key) or ():
            if cs.get("name") == name:
                return cs
    return None


def _apply_non_missing(reqs: ResourceList, non_missing: Mapping[str, Quantity]) -> ResourceList:
    out = dict(reqs)
    for name, q in non_missing.items():
        if name not in reqs:
            out[name] = q
    return out


def _aggregate_by(
    pod: Mapping[str, Any],
    use_status: bool,
    non_missing: Mapping[str, Quantity] | None,
    getter: _Getter,
) -> ResourceList:
    """Sum of containers, sidecars accumulated in order, then the init max rule."""
    spec = pod.get("spec") or {}
    infeasible = is_pod_resize_infeasible(pod) if use_status else False
    result: ResourceList = {}
    for c in spec.get("containers") or ():
        cs = _find_container_status(pod, c.get("name")) if use_status else None
        res = resource_list(getter(c, cs, infeasible)) or {}
        if non_missing:
            res = _apply_non_missing(res, non_missing)
        add_resource_list(result, res)

    sidecars: ResourceList = {}
    init_peak: ResourceList = {}
    for c in spec.get("initContainers") or ():
        cs = _find_container_status(pod, c.get("name")) if use_status else None
        res = resource_list(getter(c, cs, infeasible)) or {}
        if non_missing:
            res = _apply_non_missing(res, non_missing)
        if is_restartable_init_container(c):
            add_resource_list(result, res)
            add_resource_list(sidecars, res)
            step = sidecars
        else:
            step = dict(res)
            add_resource_list(step, sidecars)
        max_resource_list(init_peak, step)
    max_resource_list(result, init_peak)
    return result


def _dra_claim_resources(pod: Mapping[str, Any], enabled: bool) -> ResourceList:
    out: ResourceList = {}
    if not enabled:
        return out
    for claim in (pod.get("status") or {}).get("nodeAllocatableResourceClaimStatuses") or ():
        for m in claim.get("mapping") or ():
            if m.get("quantity") is not None:
                add_resource_list(out, {m["name"]: parse_quantity(m["quantity"])})
        n_containers = len(claim.get("containers") or ())
        for o in claim.get("overhead") or ():
            q = _ZERO
            if o.get("perPod") is not None:
                q = q + parse_quantity(o["perPod"])
            if o.get("perContainer") is not None and n_containers > 0:
                q = q + parse_quantity(o["perContainer"]) * n_containers
            add_resource_list(out, {o["name"]: q})
    return out


def get_container_dra_allocations(pod: Mapping[str, Any], container_name: str) -> ResourceList:
    """DRA node-allocatable amounts charged to one container (``GetContainerDRAAllocations``).

    Sums, over ``status.nodeAllocatableResourceClaimStatuses`` that list ``container_name``,
    each ``mapping[].quantity`` and each ``overhead[]`` entry's ``perPod + perContainer``
    (once, not multiplied by the number of containers). An overhead entry always creates its
    key, even when both amounts are absent (value zero).
    """
    out: ResourceList = {}
    for claim in (pod.get("status") or {}).get("nodeAllocatableResourceClaimStatuses") or ():
        if container_name not in (claim.get("containers") or ()):
            continue
        for m in claim.get("mapping") or ():
            if m.get("quantity") is not None:
                add_resource_list(out, {m["name"]: parse_quantity(m["quantity"])})
        for o in claim.get("overhead") or ():
            q = _ZERO
            if o.get("perPod") is not None:
                q = q + parse_quantity(o["perPod"])
            if o.get("perContainer") is not None:
                q = q + parse_quantity(o["perContainer"])
            add_resource_list(out, {o["name"]: q})
    return out


def aggregate_container_requests(
    pod: Mapping[str, Any],
    *,
    use_status_resources: bool = False,
    in_place_pod_level_resources_vertical_scaling_enabled: bool = False,
    non_missing_container_requests: Mapping[str, Quantity] | None = None,
    use_dra_node_allocatable_resource_claim_status: bool = False,
) -> ResourceList:
    """Requests of all containers of ``pod`` (``AggregateContainerRequests``), without
    pod-level resources and overhead. See ``pod_requests`` for the options.

    With ``use_status_resources`` the result is, per resource, the maximum of the spec, the
    allocated (``allocatedResources``) and the actuated (``status.resources.requests``)
    aggregates; when the pod's resize is ``Infeasible`` the spec is left out of that maximum.
    """
    non_missing = non_missing_container_requests or None
    dra = use_dra_node_allocatable_resource_claim_status
    if not use_status_resources:
        out = _aggregate_by(pod, False, non_missing, _spec_requests)
        add_resource_list(out, _dra_claim_resources(pod, dra))
        return out
    infeasible = is_pod_resize_infeasible(pod)
    spec_reqs = _aggregate_by(pod, True, non_missing, _spec_requests)
    add_resource_list(spec_reqs, _dra_claim_resources(pod, dra))
    status = pod.get("status") or {}
    st_res = status.get("resources")
    if (
        in_place_pod_level_resources_vertical_scaling_enabled
        and status.get("allocatedResources") is not None
        and st_res is not None
        and st_res.get("requests") is not None
    ):
        allocated = resource_list(status["allocatedResources"])
        actuated = resource_list(st_res["requests"])
    else:
        allocated = _aggregate_by(pod, True, non_missing, _allocated_requests)
        add_resource_list(allocated, _dra_claim_resources(pod, dra))
        actuated = _aggregate_by(pod, True, non_missing, _actuated_requests)
    if infeasible:
        return _max_of(actuated, allocated)
    return _max_of(spec_reqs, actuated, allocated)


def aggregate_container_limits(
    pod: Mapping[str, Any],
    *,
    use_status_resources: bool = False,
    in_place_pod_level_resources_vertical_scaling_enabled: bool = False,
    use_dra_node_allocatable_resource_claim_status: bool = False,
) -> ResourceList:
    """Limits of all containers of ``pod`` (``AggregateContainerLimits``), without pod-level
    resources and overhead.

    DRA node-allocatable amounts are added only to limits the spec declares, and always to
    ``hugepages-*``. With ``use_status_resources``: per resource the maximum of the spec and
    the actuated (``status.resources.limits``) aggregates, the actuated one alone when the
    resize is ``Infeasible``.
    """
    dra = use_dra_node_allocatable_resource_claim_status
    spec_limits = _aggregate_by(pod, use_status_resources, None, _spec_limits)
    for name, q in _dra_claim_resources(pod, dra).items():
        cur = spec_limits.get(name)
        if cur is not None:
            spec_limits[name] = cur + q
        elif name.startswith(HUGEPAGES_PREFIX):
            spec_limits[name] = q
    if not use_status_resources:
        return spec_limits
    infeasible = is_pod_resize_infeasible(pod)
    st_res = (pod.get("status") or {}).get("resources")
    if (
        in_place_pod_level_resources_vertical_scaling_enabled
        and st_res is not None
        and st_res.get("limits") is not None
    ):
        actuated = resource_list(st_res["limits"])
    else:
        actuated = _aggregate_by(pod, True, None, _actuated_limits)
    if infeasible:
        return dict(actuated or {})
    return _max_of(spec_limits, actuated)


def _apply_pod_level(result: ResourceList, effective: Mapping[str, Quantity] | None) -> None:
    if not effective:
        return
    for name, q in effective.items():
        if is_supported_pod_level_resource(name):
            result[name] = q


def pod_requests(
    pod: Mapping[str, Any],
    *,
    exclude_overhead: bool = False,
    skip_pod_level_resources: bool = False,
    skip_container_level_resources: bool = False,
    non_missing_container_requests: Mapping[str, Quantity] | None = None,
    use_status_resources: bool = False,
    in_place_pod_level_resources_vertical_scaling_enabled: bool = False,
    use_dra_node_allocatable_resource_claim_status: bool = False,
) -> ResourceList:
    """Effective requests of ``pod`` (upstream ``PodRequests``), as ``dict[str, Quantity]``.

    Args:
        pod: a Pod in JSON form.
        exclude_overhead: leave ``spec.overhead`` out (default: added to every request).
        skip_pod_level_resources: ignore ``spec.resources`` (pod-level resources).
        skip_container_level_resources: start from nothing instead of the containers' sum
            (only pod-level resources and overhead remain).
        non_missing_container_requests: for each container (and init container) that does not
            name one of these resources in its requests, count this amount instead; an
            explicit request, even zero, is kept. The scheduler uses this for its non-zero
            defaults (100m CPU, 200Mi memory).
        use_status_resources: take in-place resize state into account: per resource the
            maximum of spec, ``status.containerStatuses[].allocatedResources`` and
            ``status.containerStatuses[].resources.requests``; an ``Infeasible`` resize drops
            the spec from that maximum. Only valid with the InPlacePodVerticalScaling feature.
        in_place_pod_level_resources_vertical_scaling_enabled: with ``use_status_resources``,
            read the pod-level ``status.allocatedResources`` / ``status.resources`` (and, for
            pod-level ``spec.resources``, the same status maps minus the overhead) instead of
            aggregating container statuses.
        use_dra_node_allocatable_resource_claim_status: add the amounts of
            ``status.nodeAllocatableResourceClaimStatuses`` (mapping quantities, per-pod
            overhead, per-container overhead times the number of listed containers).

    Returns a new dict; quantities are shared, never mutated. Raises ``QuantityError`` on a
    malformed quantity.
    """
    if skip_container_level_resources:
        reqs: ResourceList = {}
    else:
        reqs = aggregate_container_requests(
            pod,
            use_status_resources=use_status_resources,
            in_place_pod_level_resources_vertical_scaling_enabled=in_place_pod_level_resources_vertical_scaling_enabled,
            non_missing_container_requests=non_missing_container_requests,
            use_dra_node_allocatable_resource_claim_status=use_dra_node_allocatable_resource_claim_status,
        )
    spec = pod.get("spec") or {}
    overhead = resource_list(spec.get("overhead"))
    if not skip_pod_level_resources and is_pod_level_requests_set(pod):
        effective = resource_list(spec["resources"].get("requests"))
        status = pod.get("status") or {}
        st_res = status.get("resources")
        st_alloc = status.get("allocatedResources")
        if (
            in_place_pod_level_resources_vertical_scaling_enabled
            and use_status_resources
            and (st_res is not None or st_alloc is not None)
        ):
            st_reqs = resource_list(st_res.get("requests")) if st_res is not None else None
            allocated = resource_list(st_alloc)
            _subtract_floor_zero(st_reqs, overhead)
            _subtract_floor_zero(allocated, overhead)
            if is_pod_resize_infeasible(pod):
                effective = None
            effective = _max_of(effective, st_reqs, allocated)
        _apply_pod_level(reqs, effective)
    if not exclude_overhead and overhead is not None:
        add_resource_list(reqs, overhead)
    return reqs


def pod_limits(
    pod: Mapping[str, Any],
    *,
    exclude_overhead: bool = False,
    skip_pod_level_resources: bool = False,
    skip_container_level_resources: bool = False,
    non_missing_container_requests: Mapping[str, Quantity] | None = None,
    use_status_resources: bool = False,
    in_place_pod_level_resources_vertical_scaling_enabled: bool = False,
    use_dra_node_allocatable_resource_claim_status: bool = False,
) -> ResourceList:
    """Effective limits of ``pod`` (upstream ``PodLimits``), as ``dict[str, Quantity]``.

    Same options as ``pod_requests``; as upstream, ``non_missing_container_requests`` and
    ``skip_container_level_resources`` do not apply to limits (accepted and ignored, so one
    option set serves both calls). Pod-level ``spec.resources.limits`` replace the container
    aggregate for ``cpu``/``memory``/``hugepages-*`` when pod-level requests *or* limits are
    set; overhead is added only to limits that are present and non-zero (a missing limit means
    unbounded).
    """
    limits = aggregate_container_limits(
        pod,
        use_status_resources=use_status_resources,
        in_place_pod_level_resources_vertical_scaling_enabled=in_place_pod_level_resources_vertical_scaling_enabled,
        use_dra_node_allocatable_resource_claim_status=use_dra_node_allocatable_resource_claim_status,
    )
    spec = pod.get("spec") or {}
    overhead = resource_list(spec.get("overhead"))
    if not skip_pod_level_resources and is_pod_level_resources_set(pod):
        effective = resource_list(spec["resources"].get("limits"))
        st_res = (pod.get("status") or {}).get("resources")
        if in_place_pod_level_resources_vertical_scaling_enabled and use_status_resources and st_res is not None:
            st_lims = resource_list(st_res.get("limits"))
            _subtract_floor_zero(st_lims, overhead)
            if is_pod_resize_infeasible(pod):
                effective = None
            effective = _max_of(effective, st_lims)
        _apply_pod_level(limits, effective)
    if not exclude_overhead and overhead:
        for name, q in overhead.items():
            cur = limits.get(name)
            if cur is not None and not cur.is_zero():
                limits[name] = cur + q
    return limits
