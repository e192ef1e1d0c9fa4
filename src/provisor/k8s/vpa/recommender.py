"""The VPA pod resource recommender: target, lower bound and upper bound per container.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender/logic/recommender.go``
with the defaults of ``pkg/recommender/config/config.go``.

Public API
----------
``RecommendationConfig``
    Percentiles (target 0.9, lower 0.5, upper 0.95, for CPU and memory separately), safety
    margin 0.15, pod minimums 25 millicores and 250 MiB, confidence intervals 24h (seconds).
``create_pod_resource_recommender(config) -> PodResourceRecommender``
    Builds, per resource and bound: percentile -> safety margin -> confidence multiplier
    (upper bound: ``(1 + 1/confidence) ** 1``; lower bound: ``(1 + 0.001/confidence) ** -2``;
    the target has none).
``PodResourceRecommender.get_recommended_pod_resources(states)``
    ``states`` maps container name to ``AggregateContainerState``. The pod minimums are split
    evenly across the containers and applied to every bound; the result maps container name
    to ``RecommendedContainerResources(target, lower_bound, upper_bound)``, each a dict of
    ``{"cpu": millicores, "memory": bytes}`` restricted to the state's controlled resources.
``filter_controlled_resources(estimation, controlled)``
``RecommendationFormat`` / ``map_to_list_of_recommended_container_resources(recs, fmt)``
    The VPA status form: ``{"containerRecommendations": [{"containerName", "target",
    "lowerBound", "upperBound", "uncappedTarget"}]}`` sorted by name, amounts as Quantities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .estimator import (
    CPUConfidenceMultiplier,
    CPUEstimator,
    CPUMarginEstimator,
    CPUMinResourceEstimator,
    MemoryConfidenceMultiplier,
    MemoryEstimator,
    MemoryMarginEstimator,
    MemoryMinResourceEstimator,
    PercentileCPUEstimator,
    PercentileMemoryEstimator,
)
from .model import AggregateContainerState
from .types import (
    RESOURCE_CPU,
    RESOURCE_MEMORY,
    cpu_amount_from_cores,
    memory_amount_from_bytes,
    resources_as_resource_list,
    scale_resource,
)

__all__ = [
    "RecommendationConfig",
    "RecommendationFormat",
    "RecommendedContainerResources",
    "PodResourceRecommender",
    "create_pod_resource_recommender",
    "filter_controlled_resources",
    "map_to_list_of_recommended_container_resources",
]


@dataclass(frozen=True, slots=True)
class RecommendationConfig:
    """Recommender parameters (upstream ``RecommendationConfig`` and its flag defaults).

    Percentiles are fractions 0..1; ``safety_margin_fraction`` a fraction of the estimate;
    ``pod_min_cpu_millicores`` millicores and ``pod_min_memory_mb`` MiB for the whole pod;
    ``confidence_interval_*`` seconds.
    """

    safety_margin_fraction: float = 0.15
    pod_min_cpu_millicores: float = 25.0
    pod_min_memory_mb: float = 250.0
    target_cpu_percentile: float = 0.9
    lower_bound_cpu_percentile: float = 0.5
    upper_bound_cpu_percentile: float = 0.95
    confidence_interval_cpu: float = 24 * 3600.0
    target_memory_percentile: float = 0.9
    lower_bound_memory_percentile: float = 0.5
    upper_bound_memory_percentile: float = 0.95
    confidence_interval_memory: float = 24 * 3600.0
    #: Upper-bound confidence multiplier and exponent (upstream literals 1.0, 1.0).
    upper_bound_confidence_multiplier: float = 1.0
    upper_bound_confidence_exponent: float = 1.0
    #: Lower-bound confidence multiplier and exponent (upstream literals 0.001, -2.0).
    lower_bound_confidence_multiplier: float = 0.001
    lower_bound_confidence_exponent: float = -2.0


@dataclass(frozen=True, slots=True)
class RecommendationFormat:
    """How amounts are rendered: ``humanize_memory`` (deprecated upstream flag), and rounding
    up of CPU to a multiple of ``round_cpu_millicores`` and memory of ``round_memory_bytes``."""

    humanize_memory: bool = False
    round_cpu_millicores: int = 1
    round_memory_bytes: int = 1


@dataclass(slots=True)
class RecommendedContainerResources:
    """One container's recommendation: ``{"cpu": millicores, "memory": bytes}`` per bound."""

    target: dict[str, int] = field(default_factory=dict)
    lower_bound: dict[str, int] = field(default_factory=dict)
    upper_bound: dict[str, int] = field(default_factory=dict)


def filter_controlled_resources(
    estimation: Mapping[str, int], controlled_resources: Iterable[str]
) -> dict[str, int]:
    """The entries of ``estimation`` named in ``controlled_resources``."""
    return {r: estimation[r] for r in controlled_resources if r in estimation}


class PodResourceRecommender:
    """Target / lower / upper estimators for CPU and memory plus the pod-wide minimums
    (``min_cpu_millicores`` millicores, ``min_memory_mb`` MiB)."""

    __slots__ = (
        "target_cpu",
        "target_memory",
        "lower_bound_cpu",
        "lower_bound_memory",
        "upper_bound_cpu",
        "upper_bound_memory",
        "min_cpu_millicores",
        "min_memory_mb",
    )

    def __init__(
        self,
        target_cpu: CPUEstimator,
        target_memory: MemoryEstimator,
        lower_bound_cpu: CPUEstimator,
        lower_bound_memory: MemoryEstimator,
        upper_bound_cpu: CPUEstimator,
        upper_bound_memory: MemoryEstimator,
        min_cpu_millicores: float = 0.0,
        min_memory_mb: float = 0.0,
    ) -> None:
        self.target_cpu = target_cpu
        self.target_memory = target_memory
        self.lower_bound_cpu = lower_bound_cpu
        self.lower_bound_memory = lower_bound_memory
        self.upper_bound_cpu = upper_bound_cpu
        self.upper_bound_memory = upper_bound_memory
        self.min_cpu_millicores = min_cpu_millicores
        self.min_memory_mb = min_memory_mb

    def get_recommended_pod_resources(
        self, states: Mapping[str, AggregateContainerState]
    ) -> dict[str, RecommendedContainerResources]:
        """Recommend for every container of a pod; ``{}`` for no containers.

        Each container gets at least ``1/n`` of the pod minimums (truncated to millicores /
        bytes), on every bound.
        """
        if not states:
            return {}
        fraction = 1.0 / float(len(states))
        min_cpu = scale_resource(cpu_amount_from_cores(self.min_cpu_millicores * 0.001), fraction)
        min_memory = scale_resource(
            memory_amount_from_bytes(self.min_memory_mb * 1024 * 1024), fraction
        )
        target_cpu = CPUMinResourceEstimator(min_cpu, self.target_cpu)
        target_memory = MemoryMinResourceEstimator(min_memory, self.target_memory)
        lower_cpu = CPUMinResourceEstimator(min_cpu, self.lower_bound_cpu)
        lower_memory = MemoryMinResourceEstimator(min_memory, self.lower_bound_memory)
        upper_cpu = CPUMinResourceEstimator(min_cpu, self.upper_bound_cpu)
        upper_memory = MemoryMinResourceEstimator(min_memory, self.upper_bound_memory)
        result: dict[str, RecommendedContainerResources] = {}
        for name, s in states.items():
            controlled = s.get_controlled_resources()
            result[name] = RecommendedContainerResources(
                target=filter_controlled_resources(
                    {
                        RESOURCE_CPU: target_cpu.get_cpu_estimation(s),
                        RESOURCE_MEMORY: target_memory.get_memory_estimation(s),
                    },
                    controlled,
                ),
                lower_bound=filter_controlled_resources(
                    {
                        RESOURCE_CPU: lower_cpu.get_cpu_estimation(s),
                        RESOURCE_MEMORY: lower_memory.get_memory_estimation(s),
                    },
                    controlled,
                ),
                upper_bound=filter_controlled_resources(
                    {
                        RESOURCE_CPU: upper_cpu.get_cpu_estimation(s),
                        RESOURCE_MEMORY: upper_memory.get_memory_estimation(s),
                    },
                    controlled,
                ),
            )
        return result


def create_pod_resource_recommender(
    config: RecommendationConfig = RecommendationConfig(),
) -> PodResourceRecommender:
    """The upstream recommender: percentile, then safety margin, then (bounds only) the
    confidence multiplier; pod minimums are applied per call."""
    margin = config.safety_margin_fraction
    target_cpu: CPUEstimator = CPUMarginEstimator(
        margin, PercentileCPUEstimator(config.target_cpu_percentile)
    )
    lower_cpu: CPUEstimator = CPUMarginEstimator(
        margin, PercentileCPUEstimator(config.lower_bound_cpu_percentile)
    )
    upper_cpu: CPUEstimator = CPUMarginEstimator(
        margin, PercentileCPUEstimator(config.upper_bound_cpu_percentile)
    )
    target_memory: MemoryEstimator = MemoryMarginEstimator(
        margin, PercentileMemoryEstimator(config.target_memory_percentile)
    )
    lower_memory: MemoryEstimator = MemoryMarginEstimator(
        margin, PercentileMemoryEstimator(config.lower_bound_memory_percentile)
    )
    upper_memory: MemoryEstimator = MemoryMarginEstimator(
        margin, PercentileMemoryEstimator(config.upper_bound_memory_percentile)
    )
    # Upper bound: (1 + 1/confidence)^1 -- no history: x Inf, 12h: x3, 24h: x2, 1 week: x1.14.
    upper_cpu = CPUConfidenceMultiplier(
        config.upper_bound_confidence_multiplier,
        config.upper_bound_confidence_exponent,
        upper_cpu,
        config.confidence_interval_cpu,
    )
    upper_memory = MemoryConfidenceMultiplier(
        config.upper_bound_confidence_multiplier,
        config.upper_bound_confidence_exponent,
        upper_memory,
        config.confidence_interval_memory,
    )
    # Lower bound: (1 + 0.001/confidence)^-2 -- no history: x0, 5m: x0.6, 30m: x0.9, 1h: x0.95.
    lower_cpu = CPUConfidenceMultiplier(
        config.lower_bound_confidence_multiplier,
        config.lower_bound_confidence_exponent,
        lower_cpu,
        config.confidence_interval_cpu,
    )
    lower_memory = MemoryConfidenceMultiplier(
        config.lower_bound_confidence_multiplier,
        config.lower_bound_confidence_exponent,
        lower_memory,
        config.confidence_interval_memory,
    )
    return PodResourceRecommender(
        target_cpu,
        target_memory,
        lower_cpu,
        lower_memory,
        upper_cpu,
        upper_memory,
        config.pod_min_cpu_millicores,
        config.pod_min_memory_mb,
    )


def map_to_list_of_recommended_container_resources(
    resources: Mapping[str, RecommendedContainerResources],
    fmt: RecommendationFormat = RecommendationFormat(),
) -> dict[str, Any]:
    """The VPA ``status.recommendation`` object, containers sorted by name.

    Each entry has ``containerName``, ``target``, ``lowerBound``, ``upperBound`` and
    ``uncappedTarget`` (equal to the target) as resource lists of ``Quantity``.
    """

    def as_list(r: Mapping[str, int]) -> dict[str, Any]:
        return resources_as_resource_list(
            r, fmt.humanize_memory, fmt.round_cpu_millicores, fmt.round_memory_bytes
        )

    out = []
    for name in sorted(resources):
        rec = resources[name]
        out.append(
            {
                "containerName": name,
                "target": as_list(rec.target),
                "lowerBound": as_list(rec.lower_bound),
                "upperBound": as_list(rec.upper_bound),
                "uncappedTarget": as_list(rec.target),
            }
        )
    return {"containerRecommendations": out}
