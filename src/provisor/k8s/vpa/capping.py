"""Capping VPA recommendations to the resource policy, to LimitRanges and to container limits,
and keeping limits proportional to requests.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/utils/vpa/capping.go`` and
``limit_and_request_scaling.go`` (with ``GetContainerResourcePolicy`` /
``GetContainerControlledValues`` of ``api.go`` and ``ContainerRequestsAndLimits`` of
``pkg/utils/resources/resourcehelpers.go``).

Objects are Kubernetes JSON-form dicts: a VPA (``spec.resourcePolicy.containerPolicies[]``,
``status.recommendation.containerRecommendations[]``), a Pod (``spec.containers[].resources``,
``status.containerStatuses[].resources``, which win when present, as with in-place resize) and
LimitRange items (``min``, ``max``, ``default``). Quantities may be strings or ``Quantity``;
every resource list this module returns holds ``Quantity`` values, and inputs are never
mutated (except by ``apply_pod_limit_range``, which edits the list it is given, as upstream).
A resource list that is absent (or None) stays absent, as a nil map does upstream.

Public API
----------
``CappingRecommendationProcessor(limit_range_calculator).apply(vpa, pod)``
    -> ``(recommendation | None, {container: [annotation, ...]} | None)``. Order, per bound:
    pod-level LimitRange (sum over containers, requests scaled proportionally), then per
    container the container LimitRange (bounds derived so the proportional limit fits),
    ``minAllowed``/``maxAllowed``, and with ``controlledValues: RequestsOnly`` the container's
    limit. Annotations (target only) read ``"<resource> capped to minAllowed"``, ``... to
    maxAllowed``, ``... to container limit``, ``... to fit Min in container LimitRange``,
    ``... to fit Max in container LimitRange``. Raises ``ValueError`` for a None VPA or pod.
``apply_vpa_policy(recommendation, policy, global_max_allowed)``
    Only minAllowed / maxAllowed (per-container maxAllowed falling back to the global one).
``get_proportional_limit(original_limit, original_request, recommendation, default_limit)``
    -> ``(limits | None, annotations)``: the new limit keeps the original limit:request ratio
    (``RequestsAndLimits``), CPU in whole millicores (floor), memory in whole bytes (floor).
``get_boundary_request(resource, original_request, original_limit, boundary_limit,
default_limit)``
    The request whose proportional limit equals ``boundary_limit``.
``get_container_resource_policy``, ``get_container_controlled_values``,
``container_requests_and_limits``, ``apply_pod_limit_range``,
``scale_quantity_proportionally_cpu``, ``scale_quantity_proportionally_mem``,
``get_proportional_resource_limit``.

LimitRange calculators (the ``LimitRangeCalculator`` protocol, upstream
``pkg/utils/limitrange/limit_range_calculator.go``): ``NamespaceLimitRangeCalculator`` (upstream
``limitsChecker``: one item per type combining every LimitRange of the namespace) and
``StaticLimitRangeCalculator`` (fixed items, for tests and what-if runs).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Protocol

from provisor.quantity import Quantity

from ._gomath import MAX_INT64, MIN_INT64

__all__ = [
    "CONTROLLED_VALUES_REQUESTS_AND_LIMITS",
    "CONTROLLED_VALUES_REQUESTS_ONLY",
    "DEFAULT_CONTAINER_RESOURCE_POLICY",
    "CappingRecommendationProcessor",
    "LimitRangeCalculator",
    "NamespaceLimitRangeCalculator",
    "Rounding",
    "ScalingResult",
    "StaticLimitRangeCalculator",
    "apply_pod_limit_range",
    "apply_vpa_policy",
    "container_requests_and_limits",
    "get_boundary_request",
    "get_container_controlled_values",
    "get_container_resource_policy",
    "get_proportional_limit",
    "get_proportional_resource_limit",
    "scale_quantity_proportionally_cpu",
    "scale_quantity_proportionally_mem",
]

CPU = "cpu"
MEMORY = "memory"
DEFAULT_CONTAINER_RESOURCE_POLICY = "*"
CONTROLLED_VALUES_REQUESTS_AND_LIMITS = "RequestsAndLimits"
CONTROLLED_VALUES_REQUESTS_ONLY = "RequestsOnly"

_CAPPED_TO_MIN_ALLOWED = "capped to minAllowed"
_CAPPED_TO_MAX_ALLOWED = "capped to maxAllowed"
_CAPPED_TO_LIMIT = "capped to container limit"
_CAPPED_TO_FIT_MAX = "capped to fit Max in container LimitRange"
_CAPPED_TO_FIT_MIN = "capped to fit Min in container LimitRange"
_RATIO_NOT_KEPT = "failed to keep limit to request ratio; capping limit to int64"
_BOUNDS = ("target", "lowerBound", "upperBound")
_LISTS = ("target", "lowerBound", "upperBound", "uncappedTarget")

ResourceList = dict[str, Quantity]


class Rounding(enum.Enum):
    """Rounding of proportional scaling (upstream ``roundingMode``)."""

    NONE = 0
    UP = 1
    DOWN = 2


class ScalingResult(enum.Enum):
    """Outcome of CPU proportional scaling (upstream ``scalingResultType``)."""

    SUCCESS = 0
    CAPPED = 1
    DIVISION_BY_ZERO = 2


class LimitRangeCalculator(Protocol):
    """Supplies the effective LimitRange items of a namespace (upstream
    ``limitrange.LimitRangeCalculator``): each a ``LimitRangeItem`` dict or None."""

    def get_container_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None: ...

    def get_pod_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None: ...


class StaticLimitRangeCalculator:
    """The same container and pod LimitRange items for every namespace."""

    def __init__(
        self,
        container_item: Mapping[str, Any] | None = None,
        pod_item: Mapping[str, Any] | None = None,
    ) -> None:
        self.container_item = container_item
        self.pod_item = pod_item

    def get_container_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None:
        return self.container_item

    def get_pod_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None:
        return self.pod_item


class NamespaceLimitRangeCalculator:
    """The VPA's LimitRange calculator over known LimitRanges (upstream ``limitsChecker`` in
    ``pkg/utils/limitrange/limit_range_calculator.go``).

    For a namespace and a type (``Container`` or ``Pod``), one ``LimitRangeItem`` combining
    every item of that type in the namespace's LimitRanges (in the order given, as the lister
    lists them) that has a ``max``, ``default`` or ``min``: ``default`` is the last one seen;
    ``max`` and ``min`` start as a copy of the first item's list and then take, for ``cpu`` and
    ``memory`` only, the lowest ``max`` and the highest ``min`` (other resources stay as the
    first list had them). None when no item qualifies.

    Args:
        limit_ranges: namespace -> LimitRange objects (JSON form) of that namespace.
        api_defaults: the objects are as a client sent them, so ``SetDefaults_LimitRangeItem``
            (:func:`provisor.k8s.defaults.default_limit_range`) is applied first, as the API
            server did when it stored them (default True); False for objects already stored.

    The VPA reads LimitRanges through the API, where an empty resource list is not
    transmitted (``omitempty``); so an empty ``max``/``default``/``min`` counts as absent.
    Results are computed once per namespace and type and returned as shared dicts (do not
    mutate them). Raises ``provisor.quantity.QuantityError`` for a malformed quantity it has
    to compare.
    """

    def __init__(self, limit_ranges: Mapping[str, Any], *, api_defaults: bool = True) -> None:
        self._limit_ranges = limit_ranges
        self._api_defaults = api_defaults
        self._items: dict[tuple[str, str], dict[str, Any] | None] = {}

    def get_container_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None:
        """The combined ``Container`` item of ``namespace``, or None."""
        return self._item(namespace, "Container")

    def get_pod_limit_range_item(self, namespace: str) -> Mapping[str, Any] | None:
        """The combined ``Pod`` item of ``namespace``, or None."""
        return self._item(namespace, "Pod")

    def _item(self, namespace: str, limit_type: str) -> dict[str, Any] | None:
        key = (namespace, limit_type)
        if key not in self._items:
            self._items[key] = self._combine(namespace, limit_type)
        return self._items[key]

    def _combine(self, namespace: str, limit_type: str) -> dict[str, Any] | None:
        from provisor.k8s.defaults import default_limit_range

        lrs = self._limit_ranges.get(namespace) or ()
        mx: dict[str, Any] | None = None
        mn: dict[str, Any] | None = None
        default: Mapping[str, Any] | None = None
        for lr in lrs:
            if not isinstance(lr, Mapping):
                continue
            stored = default_limit_range(lr) if self._api_defaults else lr
            for item in (stored.get("spec") or {}).get("limits") or ():
                if not isinstance(item, Mapping) or item.get("type") != limit_type:
                    continue
                item_max = _nonempty(item.get("max"))
                item_min = _nonempty(item.get("min"))
                item_default = _nonempty(item.get("default"))
                if item_max is None and item_default is None and item_min is None:
                    continue
                if item_default is not None:
                    default = item_default
                mx = _combine_list(mx, item_max, lower=True)
                mn = _combine_list(mn, item_min, lower=False)
        if mx is None and mn is None and default is None:
            return None
        out: dict[str, Any] = {"type": limit_type}
        if mx is not None:
            out["max"] = mx
        if mn is not None:
            out["min"] = mn
        if default is not None:
            out["default"] = default
        return out


def _nonempty(v: Any) -> Mapping[str, Any] | None:
    return v if isinstance(v, Mapping) and v else None


def _combine_list(result: dict[str, Any] | None, item: Mapping[str, Any] | None, *,
                  lower: bool) -> dict[str, Any] | None:
    """upstream ``updatedResult`` for cpu and then memory, with ``pickLowerMax`` (``lower``)
    or ``chooseHigherMin``."""
    if item is None:
        return result
    if result is None:
        return dict(item)
    for name in (CPU, MEMORY):
        if name not in item:
            continue
        if name not in result:
            result[name] = item[name]
            continue
        a, b = _q(result[name]), _q(item[name])
        if (a < b) if lower else (a > b):
            continue
        result[name] = item[name]
    return result


# -- quantities --------------------------------------------------------------------------------

_ZERO_DECIMAL = Quantity.from_value(0, "DecimalSI")
_ZERO_BINARY = Quantity.from_value(0, "BinarySI")


def _q(x: Any) -> Quantity:
    return x if isinstance(x, Quantity) else Quantity.parse(x)


def _rl(items: Mapping[str, Any] | None) -> ResourceList | None:
    """A resource list with parsed values, or None for an absent list."""
    if items is None:
        return None
    return {k: _q(v) for k, v in items.items()}


def _get(items: Mapping[str, Any] | None, name: str) -> Quantity:
    """``list[name]`` with Go's zero value when absent."""
    if items is not None:
        v = items.get(name)
        if v is not None:
            return _q(v)
    return _ZERO_BINARY if name == MEMORY else _ZERO_DECIMAL


def _cpu(items: Mapping[str, Any] | None) -> Quantity:
    """``ResourceList.Cpu()``: never nil, zero when absent."""
    return _get(items, CPU)


def _memory(items: Mapping[str, Any] | None) -> Quantity:
    """``ResourceList.Memory()``: never nil, zero (BinarySI) when absent."""
    return _get(items, MEMORY)


def _value(q: Quantity) -> int:
    """Go ``Quantity.Value()``: whole units, rounded away from zero."""
    v = q.value
    return math.ceil(v) if v >= 0 else math.floor(v)


def _milli(q: Quantity) -> int:
    """Go ``Quantity.MilliValue()``: thousandths, rounded away from zero."""
    v = q.value * 1000
    return math.ceil(v) if v >= 0 else math.floor(v)


def _euclid_div(a: int, b: int) -> tuple[int, int]:
    """Go ``big.Int.DivMod``: Euclidean quotient and non-negative remainder."""
    r = a % abs(b)
    return (a - r) // b, r


def _round_to_unit(v: Fraction) -> int:
    """Go ``Quantity.RoundUp(0)``: to whole units, away from zero."""
    return math.ceil(v) if v >= 0 else math.floor(v)


def scale_quantity_proportionally_cpu(
    scaled_quantity: Quantity,
    scale_base: Quantity,
    scale_result: Quantity,
    rounding: Rounding,
) -> tuple[Quantity, ScalingResult]:
    """``scaled * result / base`` in whole millicores (floor, or ceil with ``Rounding.UP``),
    in ``scaled``'s format. A zero base returns ``scaled`` unchanged with DIVISION_BY_ZERO; a
    result beyond int64 millicores is capped to MaxInt64 millicores with CAPPED."""
    if scale_base.is_zero():
        return scaled_quantity, ScalingResult.DIVISION_BY_ZERO
    quotient, remainder = _euclid_div(
        _milli(scaled_quantity) * _milli(scale_result), _milli(scale_base)
    )
    if MIN_INT64 <= quotient <= MAX_INT64:
        if remainder != 0 and rounding is Rounding.UP:
            quotient += 1
        return (
            Quantity.from_value(Fraction(quotient, 1000), scaled_quantity.format),
            ScalingResult.SUCCESS,
        )
    return (
        Quantity.from_value(Fraction(MAX_INT64, 1000), scaled_quantity.format),
        ScalingResult.CAPPED,
    )


def scale_quantity_proportionally_mem(
    scaled_quantity: Quantity,
    scale_base: Quantity,
    scale_result: Quantity,
    rounding: Rounding,
) -> tuple[Quantity, bool]:
    """``scaled * result / base`` on whole units (each operand rounded up to whole units
    first, the quotient floored), in ``scaled``'s format; True when capped to MaxInt64.

    ``Rounding.UP`` / ``DOWN`` then apply upstream's unit rounding (``RoundUp(0)``, after
    subtracting 0.999 for DOWN), which leaves a positive whole-unit result unchanged.
    Raises ``ZeroDivisionError`` when the base rounds to 0 units (upstream panics).
    """
    quotient, _ = _euclid_div(_value(scaled_quantity) * _value(scale_result), _value(scale_base))
    if MIN_INT64 <= quotient <= MAX_INT64:
        amount = Fraction(quotient)
        if rounding is Rounding.UP:
            amount = Fraction(_round_to_unit(amount))
        elif rounding is Rounding.DOWN:
            amount = Fraction(_round_to_unit(amount - Fraction(999, 1000)))
        return Quantity.from_value(amount, scaled_quantity.format), False
    return Quantity.from_value(MAX_INT64, scaled_quantity.format), True


# -- limits proportional to requests ------------------------------------------------------------


def get_proportional_resource_limit(
    resource_name: str,
    original_limit: Quantity | None,
    original_request: Quantity | None,
    recommended_request: Quantity | None,
    default_limit: Quantity | None,
) -> tuple[Quantity | None, str]:
    """The limit for ``recommended_request`` keeping the original limit:request ratio.

    Returns ``(limit or None, annotation or "")``. Without an original limit the LimitRange
    default is used; no limit at all, or a zero recommendation, gives None with an annotation;
    no original request (or one equal to the limit) gives the recommendation itself; a ratio
    overflowing int64 gives the capped value with an annotation.
    """
    if original_limit is None or (_value(original_limit) == 0 and default_limit is not None):
        original_limit = default_limit
    if original_limit is None or _value(original_limit) == 0:
        return None, f"{resource_name}: limit NOT set since originalLimit is nil or 0"
    if recommended_request is None or _value(recommended_request) == 0:
        return None, f"{resource_name}: limit NOT set since recommendedRequest is nil or 0"
    if original_request is None or _value(original_request) == 0:
        return recommended_request, ""
    if _milli(original_request) == _milli(original_limit):
        return recommended_request, ""
    if resource_name == CPU:
        result, kind = scale_quantity_proportionally_cpu(
            original_limit, original_request, recommended_request, Rounding.NONE
        )
        if kind is ScalingResult.CAPPED:
            return result, f"{resource_name}: {_RATIO_NOT_KEPT}"
        return result, ""
    result, capped = scale_quantity_proportionally_mem(
        original_limit, original_request, recommended_request, Rounding.NONE
    )
    if not capped:
        return result, ""
    return result, f"{resource_name}: {_RATIO_NOT_KEPT}"


def get_proportional_limit(
    original_limit: Mapping[str, Any] | None,
    original_request: Mapping[str, Any] | None,
    recommendation: Mapping[str, Any] | None,
    default_limit: Mapping[str, Any] | None,
) -> tuple[ResourceList | None, list[str]]:
    """CPU and memory limits proportional to the recommended requests (upstream
    ``GetProportionalLimit``). Returns ``(None, [])`` when neither gets a limit."""
    annotations: list[str] = []
    cpu_limit, note = get_proportional_resource_limit(
        CPU, _cpu(original_limit), _cpu(original_request), _cpu(recommendation), _cpu(default_limit)
    )
    if note:
        annotations.append(note)
    mem_limit, note = get_proportional_resource_limit(
        MEMORY,
        _memory(original_limit),
        _memory(original_request),
        _memory(recommendation),
        _memory(default_limit),
    )
    if note:
        annotations.append(note)
    if cpu_limit is None and mem_limit is None:
        return None, []
    result: ResourceList = {}
    if cpu_limit is not None:
        result[CPU] = cpu_limit
    if mem_limit is not None:
        result[MEMORY] = mem_limit
    return result, annotations


def get_boundary_request(
    resource_name: str,
    original_request: Quantity | None,
    original_limit: Quantity | None,
    boundary_limit: Quantity | None,
    default_limit: Quantity | None,
) -> Quantity | None:
    """The request whose proportional limit is ``boundary_limit`` (upstream
    ``GetBoundaryRequest``): zero when there is no limit, ``boundary_limit`` itself when there
    is no request."""
    if original_limit is None or (_value(original_limit) == 0 and default_limit is not None):
        original_limit = default_limit
    if original_limit is None or _value(original_limit) == 0:
        return _ZERO_DECIMAL
    if original_request is None or _value(original_request) == 0:
        return boundary_limit
    assert boundary_limit is not None
    if resource_name == CPU:
        return scale_quantity_proportionally_cpu(
            original_request, original_limit, boundary_limit, Rounding.NONE
        )[0]
    return scale_quantity_proportionally_mem(
        original_request, original_limit, boundary_limit, Rounding.NONE
    )[0]


# -- policy and pod helpers ---------------------------------------------------------------------


def get_container_resource_policy(
    container_name: str, policy: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The ``containerPolicies[]`` entry naming the container, else the ``"*"`` entry."""
    default = None
    if policy is not None:
        for entry in policy.get("containerPolicies") or ():
            name = entry.get("containerName", "")
            if name == container_name:
                return entry
            if name == DEFAULT_CONTAINER_RESOURCE_POLICY:
                default = entry
    return default


def get_container_controlled_values(name: str, policy: Mapping[str, Any] | None) -> str:
    """``controlledValues`` of the container's policy, ``"RequestsAndLimits"`` by default."""
    entry = get_container_resource_policy(name, policy)
    if entry is None or entry.get("controlledValues") is None:
        return CONTROLLED_VALUES_REQUESTS_AND_LIMITS
    return str(entry["controlledValues"])


def container_requests_and_limits(
    container_name: str, pod: Mapping[str, Any]
) -> tuple[ResourceList | None, ResourceList | None]:
    """The container's (requests, limits): from ``status.containerStatuses[].resources`` when
    that is set, else from the spec; (None, None) for an unknown container."""
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        if status.get("name") == container_name:
            resources = status.get("resources")
            if resources is not None:
                return _rl(resources.get("requests")), _rl(resources.get("limits"))
            break
    for container in (pod.get("spec") or {}).get("containers") or ():
        if container.get("name") == container_name:
            resources = container.get("resources") or {}
            return _rl(resources.get("requests")), _rl(resources.get("limits"))
    return None, None


def _get_container(name: str, pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for container in (pod.get("spec") or {}).get("containers") or ():
        if container.get("name") == name:
            return container
    return None


def _copy_recommendation(rec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "containerName" in rec:
        out["containerName"] = rec["containerName"]
    for key in _LISTS:
        items = rec.get(key)
        if items is not None:
            out[key] = {k: _q(v) for k, v in items.items()}
    return out


def _cap_to_min(
    recommended: Quantity, name: str, min_allowed: Mapping[str, Any] | None
) -> tuple[Quantity, bool]:
    if min_allowed is not None:
        minimum = min_allowed.get(name)
        if minimum is not None:
            minimum = _q(minimum)
            if not minimum.is_zero() and recommended.value < minimum.value:
                return minimum, True
    return recommended, False


def _cap_to_max(
    recommended: Quantity, name: str, max_allowed: Mapping[str, Any] | None
) -> tuple[Quantity, bool]:
    if max_allowed is not None:
        maximum = max_allowed.get(name)
        if maximum is not None:
            maximum = _q(maximum)
            if not maximum.is_zero() and recommended.value > maximum.value:
                return maximum, True
    return recommended, False


def _apply_policy_to_list(
    recommendation: ResourceList, container_policy: Mapping[str, Any] | None
) -> list[str]:
    if container_policy is None:
        return []
    annotations: list[str] = []
    min_allowed = container_policy.get("minAllowed")
    max_allowed = container_policy.get("maxAllowed")
    for name in list(recommendation):
        capped, hit = _cap_to_min(recommendation[name], name, min_allowed)
        recommendation[name] = capped
        if hit:
            annotations.append(f"{name} {_CAPPED_TO_MIN_ALLOWED}")
        capped, hit = _cap_to_max(capped, name, max_allowed)
        recommendation[name] = capped
        if hit:
            annotations.append(f"{name} {_CAPPED_TO_MAX_ALLOWED}")
    return annotations


def _cap_to_container_limit(
    recommendation: ResourceList, container_limits: ResourceList | None
) -> list[str]:
    annotations: list[str] = []
    for name, limit in (container_limits or {}).items():
        recommended = recommendation.get(name)
        if recommended is not None and _milli(recommended) > _milli(limit):
            recommendation[name] = limit
            annotations.append(f"{name} {_CAPPED_TO_LIMIT}")
    return annotations


def _boundary_recommendation(
    requests: ResourceList | None,
    limits: ResourceList | None,
    boundary: Mapping[str, Any] | None,
    default: Mapping[str, Any] | None,
) -> ResourceList:
    if boundary is None:
        return {}
    cpu = get_boundary_request(CPU, _cpu(requests), _cpu(limits), _cpu(boundary), _cpu(default))
    mem = get_boundary_request(
        MEMORY, _memory(requests), _memory(limits), _memory(boundary), _memory(default)
    )
    assert cpu is not None and mem is not None
    return {CPU: cpu, MEMORY: mem}


def _apply_container_limit_range(
    recommendation: ResourceList,
    requests: ResourceList | None,
    limits: ResourceList | None,
    limit_range: Mapping[str, Any] | None,
) -> list[str]:
    if limit_range is None:
        return []
    default = limit_range.get("default")
    max_allowed = _boundary_recommendation(requests, limits, limit_range.get("max"), default)
    # Both the request and the proportional limit must clear the LimitRange minimum.
    lr_min = limit_range.get("min")
    min_allowed = _boundary_recommendation(requests, limits, lr_min, default)
    if lr_min is not None:
        if _cpu(lr_min).value > _cpu(min_allowed).value:
            min_allowed[CPU] = _cpu(lr_min)
        if _memory(lr_min).value > _memory(min_allowed).value:
            min_allowed[MEMORY] = _memory(lr_min)
    annotations: list[str] = []
    for name in list(recommendation):
        capped, hit = _cap_to_min(recommendation[name], name, min_allowed)
        recommendation[name] = capped
        if hit:
            annotations.append(f"{name} {_CAPPED_TO_FIT_MIN}")
        capped, hit = _cap_to_max(capped, name, max_allowed)
        recommendation[name] = capped
        if hit:
            annotations.append(f"{name} {_CAPPED_TO_FIT_MAX}")
    return annotations


def _capped_recommendation_for_container(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    container_recommendation: Mapping[str, Any],
    policy: Mapping[str, Any] | None,
    limit_range: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], list[str]]:
    name = container.get("name", "")
    container_policy = get_container_resource_policy(name, policy)
    controlled_values = get_container_controlled_values(name, policy)
    capped = _copy_recommendation(container_recommendation)
    annotations: list[str] = []
    requests, limits = container_requests_and_limits(name, pod)
    for bound in _BOUNDS:
        recommendation = capped.get(bound)
        if recommendation is None:
            continue
        with_notes = bound == "target"
        notes = _apply_container_limit_range(recommendation, requests, limits, limit_range)
        notes += _apply_policy_to_list(recommendation, container_policy)
        if controlled_values == CONTROLLED_VALUES_REQUESTS_ONLY:
            notes += _cap_to_container_limit(recommendation, limits)
        if with_notes:
            annotations += notes
    return capped, annotations


# -- pod LimitRange ---------------------------------------------------------------------------


def _recommendation_for(name: str, recs: list[dict[str, Any]]) -> dict[str, Any] | None:
    for rec in recs:
        if rec.get("containerName") == name:
            return rec
    return None


def apply_pod_limit_range(
    resources: list[dict[str, Any]],
    pod: Mapping[str, Any],
    limit_range: Mapping[str, Any],
    resource_name: str,
    field: str,
) -> list[dict[str, Any]]:
    """Fit one bound (``field``: ``"target"``, ``"lowerBound"`` or ``"upperBound"``) of the
    pod's containers into a Pod-type LimitRange item for ``resource_name`` (upstream
    ``applyPodLimitRange``); edits ``resources`` in place and returns it.

    Sums the recommendations and their proportional limits over the pod's containers
    (containers without a recommendation count with their current request). Below ``min``
    the requests are scaled up proportionally (rounded up); otherwise, with the summed limit
    outside [min, max], the recommended values are scaled so the limits sum to the violated
    bound (rounded down).
    """
    min_limit = _get(limit_range.get("min"), resource_name)
    max_limit = _get(limit_range.get("max"), resource_name)
    default_limit = _get(limit_range.get("default"), resource_name)
    zipped = [
        (c, _recommendation_for(c.get("name", ""), resources))
        for c in (pod.get("spec") or {}).get("containers") or ()
    ]
    sum_limit = Fraction(0)
    sum_recommendation = Fraction(0)
    for container, rec in zipped:
        requests, limits = container_requests_and_limits(container.get("name", ""), pod)
        limit = _get(limits, resource_name)
        request = _get(requests, resource_name)
        recommendation = request if rec is None else _get(rec.get(field), resource_name)
        container_limit, _ = get_proportional_resource_limit(
            resource_name, limit, request, recommendation, default_limit
        )
        if container_limit is not None:
            sum_limit += container_limit.value
        sum_recommendation += recommendation.value

    if (
        min_limit.value <= sum_limit
        and min_limit.value <= sum_recommendation
        and (max_limit.is_zero() or max_limit.value >= sum_limit)
    ):
        return resources

    scale: Any = (
        scale_quantity_proportionally_mem
        if resource_name == MEMORY
        else scale_quantity_proportionally_cpu
    )
    if min_limit.value > sum_recommendation and sum_limit != 0:
        total = Quantity.from_value(sum_recommendation, "DecimalSI")
        for _, rec in zipped:
            if rec is None:
                continue
            target = rec.get(field)
            if target is None:
                target = rec[field] = {}
            request = _get(target, resource_name)
            target[resource_name] = scale(request, total, min_limit, Rounding.UP)[0]
        return resources

    if sum_limit == 0:
        return resources

    target_total = _ZERO_DECIMAL
    if min_limit.value > sum_limit:
        target_total = min_limit
    if not max_limit.is_zero() and max_limit.value < sum_limit:
        target_total = max_limit
    total = Quantity.from_value(sum_limit, "DecimalSI")
    for _, rec in zipped:
        if rec is None:
            # Upstream dereferences the missing recommendation here (a nil-pointer panic);
            # there is nothing to write.
            continue
        target = rec.get(field)
        if target is None:
            target = rec[field] = {}
        limit = _get(target, resource_name)
        target[resource_name] = scale(limit, total, target_total, Rounding.DOWN)[0]
    return resources


def _insert_requests_for_missing(
    recommendations: list[Mapping[str, Any]], pod: Mapping[str, Any]
) -> list[dict[str, Any]]:
    result = [_copy_recommendation(r) for r in recommendations]
    present = {r.get("containerName") for r in recommendations}
    for container in (pod.get("spec") or {}).get("containers") or ():
        name = container.get("name", "")
        if name in present:
            continue
        requests, _ = container_requests_and_limits(name, pod)
        if not requests:
            continue
        result.append({"containerName": name, "target": requests})
    return result


class CappingRecommendationProcessor:
    """Adjusts a VPA's recommendation for one pod to its policy and the namespace's
    LimitRanges (upstream ``cappingRecommendationProcessor``)."""

    def __init__(self, limit_range_calculator: LimitRangeCalculator) -> None:
        self.limit_range_calculator = limit_range_calculator

    def apply(
        self, vpa: Mapping[str, Any] | None, pod: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any] | None, dict[str, list[str]] | None]:
        """``(capped recommendation, annotations per container)``; ``(None, None)`` when the
        VPA has neither a recommendation nor a resource policy. Recommendations for containers
        the pod does not have are dropped; with a pod LimitRange, containers without a
        recommendation but with requests are added with their requests as target.

        Raises ``ValueError`` for a None VPA or pod, or when the pod LimitRange cannot be read.
        """
        if vpa is None:
            raise ValueError("cannot process nil vpa")
        if pod is None:
            raise ValueError("cannot process nil pod")
        policy = (vpa.get("spec") or {}).get("resourcePolicy")
        recommendation = (vpa.get("status") or {}).get("recommendation")
        if recommendation is None and policy is None:
            return None, None
        if recommendation is None:
            recommendation = {}
        namespace = (pod.get("metadata") or {}).get("namespace", "")
        adjusted = self._cap_proportionally_to_pod_limit_range(
            list(recommendation.get("containerRecommendations") or ()), pod, namespace
        )
        updated: list[dict[str, Any]] = []
        annotations: dict[str, list[str]] = {}
        for rec in adjusted:
            name = rec.get("containerName", "")
            container = _get_container(name, pod)
            if container is None:
                continue
            try:
                container_lr = self.limit_range_calculator.get_container_limit_range_item(
                    namespace
                )
            except Exception:  # upstream logs the failure and carries on without one
                container_lr = None
            capped, notes = _capped_recommendation_for_container(
                pod, container, rec, policy, container_lr
            )
            if notes:
                annotations[name] = notes
            updated.append(capped)
        return {"containerRecommendations": updated}, annotations

    def _cap_proportionally_to_pod_limit_range(
        self, recommendations: list[Mapping[str, Any]], pod: Mapping[str, Any], namespace: str
    ) -> list[Any]:
        try:
            pod_lr = self.limit_range_calculator.get_pod_limit_range_item(namespace)
        except Exception as err:
            raise ValueError(f"error obtaining limit range: {err}") from err
        if pod_lr is None:
            return recommendations
        recs = _insert_requests_for_missing(recommendations, pod)
        for field in ("upperBound", "target", "lowerBound"):
            recs = apply_pod_limit_range(recs, pod, pod_lr, CPU, field)
            recs = apply_pod_limit_range(recs, pod, pod_lr, MEMORY, field)
        return recs


def apply_vpa_policy(
    pod_recommendation: Mapping[str, Any] | None,
    policy: Mapping[str, Any] | None,
    global_max_allowed: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """Cap target, lower and upper bound to the container's ``minAllowed`` and ``maxAllowed``
    (resources missing from the container's ``maxAllowed`` fall back to
    ``global_max_allowed``); None for a None recommendation. ``uncappedTarget`` is kept."""
    if pod_recommendation is None:
        return None
    updated = []
    for rec in pod_recommendation.get("containerRecommendations") or ():
        name = rec.get("containerName", "")
        capped = _copy_recommendation(rec)
        container_policy = get_container_resource_policy(name, policy)
        min_allowed = container_policy.get("minAllowed") if container_policy else None
        max_allowed: Mapping[str, Any] | None = None
        if container_policy is not None and container_policy.get("maxAllowed") is not None:
            max_allowed = dict(container_policy["maxAllowed"])
            for key, quantity in (global_max_allowed or {}).items():
                max_allowed.setdefault(key, quantity)
        else:
            max_allowed = global_max_allowed
        for bound in _BOUNDS:
            recommendation = capped.get(bound)
            if recommendation is None:
                continue
            for resource in list(recommendation):
                value = recommendation[resource]
                if min_allowed is not None:
                    value = _cap_to_min(value, resource, min_allowed)[0]
                if max_allowed is not None:
                    value = _cap_to_max(value, resource, max_allowed)[0]
                recommendation[resource] = value
        updated.append(capped)
    return {"containerRecommendations": updated}
