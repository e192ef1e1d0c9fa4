"""The VPA admission controller's resource step: the requests and limits it writes into a new
pod.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/``:

* ``pkg/admission-controller/resource/pod/recommendation/recommendation_provider.go``
  (``GetContainersResourcesForPod``, ``GetContainersResources``): the VPA's recommendation,
  when it has one, goes through the recommendation processor (normally
  :class:`provisor.k8s.vpa.capping.CappingRecommendationProcessor`: resource policy, the
  namespace's LimitRanges); then, per container of the pod in order, requests = the processed
  target, and under ``controlledValues: RequestsAndLimits`` (the default) limits proportional
  to the container's original limit/request ratio (``GetProportionalLimit``, with the
  namespace's ``Container`` LimitRange ``default`` standing in for a missing limit). The
  resource policy is ignored when the update mode is ``Off``; empty resource names are
  dropped.
* ``pkg/admission-controller/resource/pod/patch/resource_updates.go`` (``getContainerPatch``):
  each recommended request and limit is written into the container's ``resources``, other
  values are kept (:func:`apply_container_resources`).

Not covered: the CPU startup boost (``CPUStartupBoost`` feature), the ``vpaUpdates`` and
observed-containers annotations, and ``Off`` mode's clearing of the resources (callers decide
whether a VPA acts at all).

Objects are JSON-form dicts; resource lists returned hold ``provisor.quantity.Quantity``
values; quantities written into pods are ``str(Quantity)``. Inputs are never mutated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .capping import (
    CONTROLLED_VALUES_REQUESTS_AND_LIMITS,
    CappingRecommendationProcessor,
    LimitRangeCalculator,
    ResourceList,
    container_requests_and_limits,
    get_container_controlled_values,
    get_proportional_limit,
)

__all__ = [
    "ContainerResources",
    "RecommendationProcessor",
    "apply_container_resources",
    "get_containers_resources",
    "get_containers_resources_for_pod",
]


@dataclass(slots=True)
class ContainerResources:
    """What the admission controller sets on one container (upstream ``ContainerResources``).

    Attributes:
        requests: resource -> Quantity, or None (nothing to set).
        limits: resource -> Quantity, or None (limits are not touched).
    """

    requests: ResourceList | None = None
    limits: ResourceList | None = None


class RecommendationProcessor(Protocol):
    """Upstream ``RecommendationProcessor``: ``apply(vpa, pod) -> (recommendation,
    annotations per container)``."""

    def apply(self, vpa: Mapping[str, Any] | None, pod: Mapping[str, Any] | None
              ) -> tuple[dict[str, Any] | None, dict[str, list[str]] | None]: ...


def _recommendation_for(name: str, recommendation: Mapping[str, Any] | None
                        ) -> Mapping[str, Any] | None:
    for rec in (recommendation or {}).get("containerRecommendations") or ():
        if rec.get("containerName") == name:
            return rec
    return None


def _as_quantities(items: Mapping[str, Any] | None) -> ResourceList | None:
    from provisor.quantity import Quantity

    if items is None:
        return None
    return {k: v if isinstance(v, Quantity) else Quantity.parse(v) for k, v in items.items()}


def get_containers_resources(
    pod: Mapping[str, Any],
    resource_policy: Mapping[str, Any] | None,
    pod_recommendation: Mapping[str, Any] | None,
    limit_range: Mapping[str, Any] | None,
    *,
    add_all: bool = False,
    annotations: dict[str, list[str]] | None = None,
) -> list[ContainerResources]:
    """Per container of ``pod`` (``spec.containers``, in order), what the admission controller
    sets (upstream ``GetContainersResources``).

    Args:
        pod: the pod as the controller sees it (its original requests/limits are read with
            ``container_requests_and_limits``).
        resource_policy: the VPA's ``spec.resourcePolicy`` (for ``controlledValues``), or None.
        pod_recommendation: ``{"containerRecommendations": [...]}`` (processed), or None.
        limit_range: the namespace's combined ``Container`` LimitRange item (its ``default``
            is the stand-in for a missing limit), or None.
        add_all: also fill containers without a recommendation with their current requests,
            and back-fill cpu/memory the recommendation leaves out (upstream's ``addAll``).
        annotations: container -> notes; limit notes (``cpu: limit NOT set since ...``) are
            appended to it in place.

    Returns one ``ContainerResources`` per container (both None for a skipped container).
    Raises ``QuantityError`` for a malformed quantity.
    """
    out: list[ContainerResources] = []
    default_limit = (limit_range.get("default") if limit_range is not None else None) or {}
    for container in (pod.get("spec") or {}).get("containers") or ():
        name = container.get("name", "")
        requests, limits = container_requests_and_limits(name, pod)
        rec = _recommendation_for(name, pod_recommendation)
        res = ContainerResources()
        if rec is None:
            if not add_all:
                out.append(res)
                continue
            res.requests = requests
        else:
            res.requests = _as_quantities(rec.get("target"))
        if get_container_controlled_values(name, resource_policy) \
                == CONTROLLED_VALUES_REQUESTS_AND_LIMITS:
            proportional, notes = get_proportional_limit(limits, requests, res.requests,
                                                         default_limit)
            if proportional is not None:
                res.limits = proportional
                if notes and annotations is not None:
                    annotations.setdefault(name, []).extend(notes)
        if add_all:
            res.requests = dict(res.requests or {})
            res.limits = dict(res.limits or {})
            for current, into in ((requests, res.requests), (limits, res.limits)):
                for r in ("cpu", "memory"):
                    if r not in into and current is not None and r in current:
                        into[r] = current[r]
        out.append(res)
    return out


def get_containers_resources_for_pod(
    pod: Mapping[str, Any] | None,
    vpa: Mapping[str, Any] | None,
    limit_range_calculator: LimitRangeCalculator,
    processor: RecommendationProcessor | None = None,
) -> tuple[list[ContainerResources] | None, dict[str, list[str]]]:
    """The admission controller's resources for ``pod`` under ``vpa`` (upstream
    ``recommendationProvider.GetContainersResourcesForPod``): ``(per-container resources,
    annotations per container)``; ``(None, {})`` when either is None.

    ``processor`` defaults to ``CappingRecommendationProcessor(limit_range_calculator)``; it
    runs only when the VPA has ``status.recommendation``. The container LimitRange item comes
    from ``limit_range_calculator`` for the pod's namespace. Raises ``ValueError`` when the
    processor fails (e.g. the pod LimitRange cannot be read), ``QuantityError`` for a
    malformed quantity; a failing ``limit_range_calculator`` gives ``ValueError("error getting
    containerLimitRange: <error>")``."""
    if vpa is None or pod is None:
        return None, {}
    if processor is None:
        processor = CappingRecommendationProcessor(limit_range_calculator)
    annotations: dict[str, list[str]] = {}
    recommendation: Mapping[str, Any] | None = {}
    if (vpa.get("status") or {}).get("recommendation") is not None:
        recommendation, notes = processor.apply(vpa, pod)
        annotations = notes if notes is not None else {}
    namespace = (pod.get("metadata") or {}).get("namespace", "")
    try:
        limit_range = limit_range_calculator.get_container_limit_range_item(namespace)
    except Exception as err:
        raise ValueError(f"error getting containerLimitRange: {err}") from err
    spec = vpa.get("spec") or {}
    mode = (spec.get("updatePolicy") or {}).get("updateMode")
    policy = spec.get("resourcePolicy") if mode != "Off" else None
    resources = get_containers_resources(pod, policy, recommendation, limit_range,
                                         annotations=annotations)
    for r in resources:
        if r.requests is not None:
            r.requests.pop("", None)
        if r.limits is not None:
            r.limits.pop("", None)
    return resources, annotations


def apply_container_resources(pod: Mapping[str, Any],
                              resources: list[ContainerResources]) -> dict[str, Any]:
    """``pod`` with ``resources`` (one per ``spec.containers`` entry, as
    :func:`get_containers_resources` returns them) written in: every recommended request and
    limit replaces or adds that resource in the container's ``resources.requests`` /
    ``resources.limits``; other values and containers stay. Returns a new pod; only the
    containers it changes (their ``resources`` and lists) are copied."""
    spec = pod.get("spec") or {}
    containers = spec.get("containers") or []
    new_containers: list[Any] | None = None
    for i, (c, r) in enumerate(zip(containers, resources)):
        if not r.requests and not r.limits:
            continue
        res = dict(c.get("resources") or {})
        for key, values in (("requests", r.requests), ("limits", r.limits)):
            if values:
                merged = dict(res.get(key) or {})
                merged.update({k: str(v) for k, v in values.items()})
                res[key] = merged
        if new_containers is None:
            new_containers = list(containers)
        new_containers[i] = {**c, "resources": res}
    new = dict(pod)
    if new_containers is not None:
        new["spec"] = {**spec, "containers": new_containers}
    return new
