"""Resource scores: LeastAllocated, MostAllocated, RequestedToCapacityRatio, BalancedAllocation.

Follows, in kubernetes/kubernetes ``pkg/scheduler/framework/plugins/noderesources/``:
``resource_allocation.go`` (``resourceAllocationScorer``: which requested / allocatable numbers
each resource contributes), ``least_allocated.go``, ``most_allocated.go``,
``requested_to_capacity_ratio.go`` (with ``pkg/scheduler/framework/plugins/helper/shape_score.go``
``BuildBrokenLinearFunction``), ``balanced_allocation.go`` (Kubernetes 1.33-1.35 formula: one
minus the standard deviation of the requested fractions), and
``pkg/scheduler/apis/config/validation/validation_pluginargs.go`` (weights in [1, 100]).

All arithmetic is integer arithmetic with Go's truncating division, except BalancedAllocation
(float64, as upstream) and RequestedToCapacityRatio's final average (rounded half away from zero,
Go's ``math.Round``). Scores are ints in [0, ``MAX_NODE_SCORE``].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from provisor.k8s.resources import pod_requests as _pod_requests
from provisor.k8s.scheduler.framework import (
    DEFAULT_FEATURES,
    MAX_NODE_SCORE,
    Features,
    NodeInfo,
    _NON_MISSING_BOTH,
    is_scalar_resource_name,
)

__all__ = [
    "LEAST_ALLOCATED",
    "MOST_ALLOCATED",
    "REQUESTED_TO_CAPACITY_RATIO",
    "MAX_CUSTOM_PRIORITY_SCORE",
    "MAX_UTILIZATION",
    "ResourceSpec",
    "UtilizationShapePoint",
    "ScoringStrategy",
    "DEFAULT_RESOURCES",
    "ArgsError",
    "ScoreError",
    "validate_scoring_strategy",
    "least_requested_score",
    "most_requested_score",
    "least_resource_scorer",
    "most_resource_scorer",
    "build_broken_linear_function",
    "requested_to_capacity_ratio_scorer",
    "balanced_resource_scorer",
    "ResourceAllocationScorer",
    "BalancedAllocation",
]

LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
MAX_CUSTOM_PRIORITY_SCORE = 10
"""``config.MaxCustomPriorityScore``: the top of a RequestedToCapacityRatio shape's scale."""
MAX_UTILIZATION = 100
"""``maxUtilization`` of RequestedToCapacityRatio (percent)."""

Scorer = Callable[[Sequence[int], Sequence[int]], int]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A resource and its weight in a score (``config.ResourceSpec``)."""

    name: str
    weight: int = 1


@dataclass(frozen=True, slots=True)
class UtilizationShapePoint:
    """A point of a RequestedToCapacityRatio shape: ``utilization`` in percent (0..100),
    ``score`` on the 0..10 scale (``config.UtilizationShapePoint``)."""

    utilization: int
    score: int


DEFAULT_RESOURCES: tuple[ResourceSpec, ...] = (ResourceSpec("cpu", 1), ResourceSpec("memory", 1))


@dataclass(frozen=True, slots=True)
class ScoringStrategy:
    """``NodeResourcesFitArgs.scoringStrategy``. The default is upstream's default
    (LeastAllocated over cpu and memory, weight 1 each)."""

    type: str = LEAST_ALLOCATED
    resources: tuple[ResourceSpec, ...] = DEFAULT_RESOURCES
    requested_to_capacity_ratio_shape: tuple[UtilizationShapePoint, ...] = field(default=())


class ArgsError(ValueError):
    """Plugin arguments Kubernetes refuses (``field.ErrorList.ToAggregate()``).

    ``errors``: list of ``(type, field, detail)``, e.g.
    ``("Invalid", "scoringStrategy.resources[0].weight", "...")``.
    """

    def __init__(self, errors: list[tuple[str, str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {t} value: {d}" for t, f, d in errors))


class ScoreError(RuntimeError):
    """A Score call that upstream answers with an ``Error`` status (e.g. "resources not found")."""


def validate_scoring_strategy(strategy: ScoringStrategy | None, path: str = "scoringStrategy") -> list[tuple[str, str, str]]:
    """Errors of ``ValidateNodeResourcesFitArgs`` for the scoring strategy: unsupported type,
    a weight outside [1, 100], a RequestedToCapacityRatio shape that is empty, not strictly
    increasing in utilization, or out of range. Returns ``[(type, field, detail)]``."""
    errs: list[tuple[str, str, str]] = []
    if strategy is None:
        return errs
    if strategy.type not in (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO):
        errs.append(("Unsupported", f"{path}.type", f"{strategy.type!r}"))
    for i, r in enumerate(strategy.resources or ()):
        if r.weight <= 0 or r.weight > MAX_NODE_SCORE:
            errs.append(("Invalid", f"{path}.resources[{i}].weight", f"{r.weight}: resource weight of {r.name} not in valid range [1, {MAX_NODE_SCORE}]"))
    if strategy.type == REQUESTED_TO_CAPACITY_RATIO:
        shape = strategy.requested_to_capacity_ratio_shape
        spath = f"{path}.requestedToCapacityRatio.shape"
        if not shape:
            errs.append(("Required", spath, "at least one point must be specified"))
        for i, p in enumerate(shape):
            if i > 0 and p.utilization <= shape[i - 1].utilization:
                errs.append(("Invalid", f"{spath}[{i}].utilization", f"{p.utilization}: utilization values must be sorted in increasing order"))
            if p.utilization < 0 or p.utilization > MAX_UTILIZATION:
                errs.append(("Invalid", f"{spath}[{i}].utilization", f"{p.utilization}: not in valid range [0, {MAX_UTILIZATION}]"))
            if p.score < 0 or p.score > MAX_CUSTOM_PRIORITY_SCORE:
                errs.append(("Invalid", f"{spath}[{i}].score", f"{p.score}: not in valid range [0, {MAX_CUSTOM_PRIORITY_SCORE}]"))
    return errs


def _quo(a: int, b: int) -> int:
    """Go's truncating integer division."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def least_requested_score(requested: int, capacity: int) -> int:
    """``(capacity - requested) * 100 / capacity``; 0 when capacity is 0 or exceeded."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """``requested * 100 / capacity`` with ``requested`` capped at ``capacity``; 0 when
    capacity is 0."""
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * MAX_NODE_SCORE // capacity


def _weighted(resources: Sequence[ResourceSpec], per_resource: Callable[[int, int], int]) -> Scorer:
    weights = [r.weight for r in resources]

    def scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
        node_score = weight_sum = 0
        for i, alloc in enumerate(allocatable):
            if alloc == 0:
                continue
            w = weights[i]
            node_score += per_resource(requested[i], alloc) * w
            weight_sum += w
        if weight_sum == 0:
            return 0
        return node_score // weight_sum

    return scorer


def least_resource_scorer(resources: Sequence[ResourceSpec]) -> Scorer:
    """LeastAllocated: the weighted mean of ``least_requested_score`` over the resources the
    node has (allocatable non-zero); 0 when there is none (``leastResourceScorer``)."""
    return _weighted(resources, least_requested_score)


def most_resource_scorer(resources: Sequence[ResourceSpec]) -> Scorer:
    """MostAllocated: the weighted mean of ``most_requested_score`` (``mostResourceScorer``)."""
    return _weighted(resources, most_requested_score)


def build_broken_linear_function(shape: Sequence[tuple[int, int]]) -> Callable[[int], int]:
    """Piecewise-linear ``(utilization, score)`` interpolation with truncating integer division,
    flat before the first and after the last point (``helper.BuildBrokenLinearFunction``)."""
    pts = list(shape)

    def f(p: int) -> int:
        for i, (u, s) in enumerate(pts):
            if p <= u:
                if i == 0:
                    return pts[0][1]
                u0, s0 = pts[i - 1]
                return s0 + _quo((s - s0) * (p - u0), u - u0)
        return pts[-1][1]

    return f


def _round_half_away(x: float) -> int:
    f = math.floor(x)
    d = x - f
    if d > 0.5 or (d == 0.5 and x > 0):
        return int(f) + 1
    return int(f)


def requested_to_capacity_ratio_scorer(resources: Sequence[ResourceSpec], shape: Sequence[UtilizationShapePoint]) -> Scorer:
    """RequestedToCapacityRatio (``requestedToCapacityRatioScorer``): each shape score is scaled
    by ``100 / 10``; a resource scores ``f(requested * 100 / capacity)`` (``f(100)`` when the
    capacity is exceeded); only resources with a positive score enter the weighted mean, which
    is rounded half away from zero."""
    scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
    raw = build_broken_linear_function([(p.utilization, p.score * scale) for p in shape])
    weights = [r.weight for r in resources]

    def resource_score(requested: int, capacity: int) -> int:
        if capacity == 0 or requested > capacity:
            return raw(MAX_UTILIZATION)
        return raw(requested * MAX_UTILIZATION // capacity)

    def scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
        node_score = weight_sum = 0
        for i, alloc in enumerate(allocatable):
            if alloc == 0:
                continue
            s = resource_score(requested[i], alloc)
            if s > 0:
                node_score += s * weights[i]
                weight_sum += weights[i]
        if weight_sum == 0:
            return 0
        return _round_half_away(node_score / weight_sum)

    return scorer


def balanced_resource_scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """BalancedAllocation (``balancedResourceScorer``, Kubernetes 1.33-1.35): fractions
    ``requested / allocatable`` (capped at 1) of the resources the node has; ``std`` is
    ``|f0 - f1| / 2`` for two, the population standard deviation for more, 0 for fewer;
    the score is ``int((1 - std) * 100)`` in float64."""
    fractions: list[float] = []
    total = 0.0
    for i, alloc in enumerate(allocatable):
        if alloc == 0:
            continue
        f = float(requested[i]) / float(alloc)
        if f > 1:
            f = 1.0
        total += f
        fractions.append(f)
    std = 0.0
    n = len(fractions)
    if n == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif n > 2:
        mean = total / float(n)
        s = 0.0
        for f in fractions:
            s = s + (f - mean) * (f - mean)
        std = math.sqrt(s / float(n))
    return int((1 - std) * float(MAX_NODE_SCORE))


class ResourceAllocationScorer:
    """``resourceAllocationScorer``: turns a pod and a node into per-resource
    (requested, allocatable) integers and feeds them to a scorer.

    Args:
        name: the strategy name (informative).
        resources: the ``ResourceSpec`` list, in order.
        scorer: ``f(requested: list[int], allocatable: list[int]) -> int``.
        use_requested: read the node's ``requested`` (True, BalancedAllocation) or
            ``non_zero_requested`` (False: 100m / 200Mi per container without a request) for
            cpu and memory; the incoming pod's own cpu / memory get the same defaults when
            False.
        pod_level_resources / use_status_resources / in_place_pod_level_resources: how the
            incoming pod's requests are computed (``PodResourcesOptions``).

    ``pod_requests(pod)`` is PreScore (one int per resource: millicores for cpu, the integer
    value -- bytes, units -- otherwise); ``score(pod_requests, node_info)`` is Score.
    """

    __slots__ = ("name", "resources", "scorer", "use_requested", "_opts", "_names")

    def __init__(
        self,
        name: str,
        resources: Sequence[ResourceSpec],
        scorer: Scorer,
        *,
        use_requested: bool = False,
        pod_level_resources: bool = False,
        use_status_resources: bool = False,
        in_place_pod_level_resources: bool = False,
    ) -> None:
        self.name = name
        self.resources = tuple(resources or ())
        self.scorer = scorer
        self.use_requested = use_requested
        self._names = [r.name for r in self.resources]
        self._opts: dict[str, Any] = dict(
            use_status_resources=use_status_resources,
            in_place_pod_level_resources_vertical_scaling_enabled=in_place_pod_level_resources,
            skip_pod_level_resources=not pod_level_resources,
        )
        if not use_requested:
            self._opts["non_missing_container_requests"] = _NON_MISSING_BOTH

    def pod_requests(self, pod: Mapping[str, Any]) -> list[int]:
        """PreScore: the pod's request of each configured resource
        (``calculatePodResourceRequestList``). Raises ``QuantityError`` on bad quantities."""
        reqs = _pod_requests(pod, **self._opts)
        out = []
        for name in self._names:
            q = reqs.get(name)
            if q is None:
                out.append(0)
            elif name == "cpu":
                out.append(q.milli_value())
            else:
                out.append(q.int_value())
        return out

    def allocatable_and_requested(self, node_info: NodeInfo, name: str, pod_request: int) -> tuple[int, int]:
        """``calculateResourceAllocatableRequest``: (allocatable, node's requested + pod's
        request) for one resource; ``(0, 0)`` for a scalar resource the pod does not request or
        the node does not have."""
        if pod_request == 0 and is_scalar_resource_name(name):
            return 0, 0
        requested = node_info.requested if self.use_requested else node_info.non_zero_requested
        alloc = node_info.allocatable
        if name == "cpu":
            return alloc.milli_cpu, requested.milli_cpu + pod_request
        if name == "memory":
            return alloc.memory, requested.memory + pod_request
        if name == "ephemeral-storage":
            return alloc.ephemeral_storage, node_info.requested.ephemeral_storage + pod_request
        a = alloc.scalar.get(name)
        if a is not None:
            return a, node_info.requested.scalar.get(name, 0) + pod_request
        return 0, 0

    def score(self, pod_requests: Sequence[int], node_info: NodeInfo) -> int:
        """Score of ``node_info`` for a pod whose PreScore result is ``pod_requests``.
        Raises ``ScoreError("resources not found")`` when no resource is configured."""
        if not self.resources:
            raise ScoreError("resources not found")
        n = len(self._names)
        requested = [0] * n
        allocatable = [0] * n
        for i, name in enumerate(self._names):
            a, r = self.allocatable_and_requested(node_info, name, pod_requests[i])
            if a == 0:
                continue
            allocatable[i] = a
            requested[i] = r
        return self.scorer(requested, allocatable)

    def score_pod(self, pod: Mapping[str, Any], node_info: NodeInfo) -> int:
        """``score(pod_requests(pod), node_info)`` (Score without a PreScore state)."""
        return self.score(self.pod_requests(pod), node_info)


def scorer_for_strategy(strategy: ScoringStrategy) -> ResourceAllocationScorer:
    """The NodeResourcesFit scorer for ``strategy`` (``nodeResourceStrategyTypeMap``).

    As upstream's ``NewFit``, the scorer computes the incoming pod's requests with every
    option off (no pod-level resources, no status resources). Raises ``ArgsError`` for an
    unsupported type.
    """
    res = tuple(strategy.resources or ())
    if strategy.type == LEAST_ALLOCATED:
        f = least_resource_scorer(res)
    elif strategy.type == MOST_ALLOCATED:
        f = most_resource_scorer(res)
    elif strategy.type == REQUESTED_TO_CAPACITY_RATIO:
        f = requested_to_capacity_ratio_scorer(res, strategy.requested_to_capacity_ratio_shape)
    else:
        raise ArgsError([("Unsupported", "scoringStrategy.type", f"scoring strategy {strategy.type} is not supported")])
    return ResourceAllocationScorer(strategy.type, res, f)


class BalancedAllocation(ResourceAllocationScorer):
    """The NodeResourcesBalancedAllocation score plugin (``balanced_allocation.go``).

    Uses the node's ``requested`` (no non-zero defaults) and computes the incoming pod's
    requests with ``features`` (pod-level resources, in-place resize). ``pre_score(pod)``
    returns ``None`` (upstream ``Skip``) for a pod that requests none of the resources
    (best-effort), else the PreScore list; ``score_pod`` without PreScore returns 0 for such a
    pod.
    """

    __slots__ = ()

    def __init__(self, resources: Sequence[ResourceSpec] = DEFAULT_RESOURCES, *, features: Features = DEFAULT_FEATURES) -> None:
        super().__init__(
            "NodeResourcesBalancedAllocation",
            resources,
            balanced_resource_scorer,
            use_requested=True,
            pod_level_resources=features.pod_level_resources,
            use_status_resources=features.in_place_pod_vertical_scaling,
            in_place_pod_level_resources=features.in_place_pod_level_resources_vertical_scaling,
        )

    def pre_score(self, pod: Mapping[str, Any]) -> list[int] | None:
        reqs = self.pod_requests(pod)
        if not any(reqs):
            return None
        return reqs

    def score_pod(self, pod: Mapping[str, Any], node_info: NodeInfo) -> int:
        reqs = self.pod_requests(pod)
        if not any(reqs):
            return 0
        return self.score(reqs, node_info)
