"""Resource estimators of the VPA recommender, built by composing small wrappers.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender/logic/estimator.go``.

Each estimator maps an ``AggregateContainerState`` to one amount: CPU in integer millicores
(``get_cpu_estimation``) or memory in integer bytes (``get_memory_estimation``). The
recommender stacks them::

    percentile -> margin -> confidence multiplier (bounds only) -> pod minimum

Public API
----------
``PercentileCPUEstimator(p)`` / ``PercentileMemoryEstimator(p)``
    The p-th percentile (0..1) of the CPU-usage / memory-peak histogram, truncated to
    millicores / bytes.
``CPUMarginEstimator(fraction, base)`` / ``MemoryMarginEstimator``
    ``base + truncate(base * fraction)``.
``CPUConfidenceMultiplier(multiplier, exponent, base, confidence_interval)`` / memory twin
    ``base * (1 + multiplier / confidence) ** exponent``, where ``confidence`` (see
    ``get_confidence``) is the history length in units of ``confidence_interval`` seconds,
    capped by the sample count normalised to one sample per minute. No history gives
    confidence 0: the factor is +Inf (clamped to ``MAX_RESOURCE_AMOUNT``) for a positive
    exponent and 0 for a negative one.
``CPUMinResourceEstimator(min, base)`` / ``MemoryMinResourceEstimator``
    ``max(base, min)``.
``ConstCPUEstimator(value)`` / ``ConstMemoryEstimator(value)``
    Always ``value``.
``CombinedEstimator(cpu, memory)``
    ``get_resource_estimation(s) -> {"cpu": millicores, "memory": bytes}``.

Arithmetic is float64 with Go's truncations and Go's ``math.Pow`` roundings (``_gomath``).
"""

from __future__ import annotations

from typing import Protocol

from ._gomath import duration_minutes, go_div, go_min, go_pow, seconds_to_ns
from .model import AggregateContainerState
from .types import (
    RESOURCE_CPU,
    RESOURCE_MEMORY,
    cpu_amount_from_cores,
    memory_amount_from_bytes,
    resource_amount_max,
    scale_resource,
)

__all__ = [
    "CPUConfidenceMultiplier",
    "CPUEstimator",
    "CPUMarginEstimator",
    "CPUMinResourceEstimator",
    "CombinedEstimator",
    "ConstCPUEstimator",
    "ConstMemoryEstimator",
    "MemoryConfidenceMultiplier",
    "MemoryEstimator",
    "MemoryMarginEstimator",
    "MemoryMinResourceEstimator",
    "PercentileCPUEstimator",
    "PercentileMemoryEstimator",
    "ResourceEstimator",
    "get_confidence",
]


class CPUEstimator(Protocol):
    """Predicts CPU in millicores."""

    def get_cpu_estimation(self, s: AggregateContainerState) -> int: ...


class MemoryEstimator(Protocol):
    """Predicts memory in bytes."""

    def get_memory_estimation(self, s: AggregateContainerState) -> int: ...


class ResourceEstimator(Protocol):
    """Predicts ``{"cpu": millicores, "memory": bytes}``."""

    def get_resource_estimation(self, s: AggregateContainerState) -> dict[str, int]: ...


class CombinedEstimator:
    """One CPU and one memory estimator side by side."""

    __slots__ = ("cpu_estimator", "memory_estimator")

    def __init__(self, cpu_estimator: CPUEstimator, memory_estimator: MemoryEstimator) -> None:
        self.cpu_estimator = cpu_estimator
        self.memory_estimator = memory_estimator

    def get_resource_estimation(self, s: AggregateContainerState) -> dict[str, int]:
        """``{"cpu": millicores, "memory": bytes}``."""
        return {
            RESOURCE_CPU: self.cpu_estimator.get_cpu_estimation(s),
            RESOURCE_MEMORY: self.memory_estimator.get_memory_estimation(s),
        }


class PercentileCPUEstimator:
    """The ``percentile`` (0..1) of the CPU-usage histogram, in millicores."""

    __slots__ = ("percentile",)

    def __init__(self, percentile: float) -> None:
        self.percentile = percentile

    def get_cpu_estimation(self, s: AggregateContainerState) -> int:
        return cpu_amount_from_cores(s.aggregate_cpu_usage.percentile(self.percentile))


class PercentileMemoryEstimator:
    """The ``percentile`` (0..1) of the memory-peak histogram, in bytes."""

    __slots__ = ("percentile",)

    def __init__(self, percentile: float) -> None:
        self.percentile = percentile

    def get_memory_estimation(self, s: AggregateContainerState) -> int:
        return memory_amount_from_bytes(s.aggregate_memory_peaks.percentile(self.percentile))


class CPUMarginEstimator:
    """Adds ``truncate(base * margin_fraction)`` millicores to the base estimate."""

    __slots__ = ("margin_fraction", "base_estimator")

    def __init__(self, margin_fraction: float, base_estimator: CPUEstimator) -> None:
        self.margin_fraction = margin_fraction
        self.base_estimator = base_estimator

    def get_cpu_estimation(self, s: AggregateContainerState) -> int:
        base = self.base_estimator.get_cpu_estimation(s)
        return base + scale_resource(base, self.margin_fraction)


class MemoryMarginEstimator:
    """Adds ``truncate(base * margin_fraction)`` bytes to the base estimate."""

    __slots__ = ("margin_fraction", "base_estimator")

    def __init__(self, margin_fraction: float, base_estimator: MemoryEstimator) -> None:
        self.margin_fraction = margin_fraction
        self.base_estimator = base_estimator

    def get_memory_estimation(self, s: AggregateContainerState) -> int:
        base = self.base_estimator.get_memory_estimation(s)
        return base + scale_resource(base, self.margin_fraction)


def get_confidence(s: AggregateContainerState, confidence_interval: float) -> float:
    """How much history ``s`` holds, in units of ``confidence_interval`` (seconds).

    ``min(lifespan / confidence_interval, total_samples_count / minutes(confidence_interval))``,
    the lifespan being last minus first CPU sample start. For one sample a minute over N
    intervals this is N. Float64 arithmetic on Go durations, as upstream ``getConfidence``.
    """
    interval_ns = seconds_to_ns(confidence_interval)
    lifespan = go_div(float(s.lifespan_ns), float(interval_ns))
    samples = go_div(float(s.total_samples_count), duration_minutes(interval_ns))
    return go_min(lifespan, samples)


def _confidence_factor(
    s: AggregateContainerState, multiplier: float, exponent: float, interval: float
) -> float:
    confidence = get_confidence(s, interval)
    return go_pow(1.0 + go_div(multiplier, confidence), exponent)


class CPUConfidenceMultiplier:
    """Scales the base CPU estimate by ``(1 + multiplier / confidence) ** exponent``.

    ``confidence_interval`` in seconds (upstream default 24h).
    """

    __slots__ = ("multiplier", "exponent", "base_estimator", "confidence_interval")

    def __init__(
        self,
        multiplier: float,
        exponent: float,
        base_estimator: CPUEstimator,
        confidence_interval: float,
    ) -> None:
        self.multiplier = multiplier
        self.exponent = exponent
        self.base_estimator = base_estimator
        self.confidence_interval = confidence_interval

    def get_cpu_estimation(self, s: AggregateContainerState) -> int:
        factor = _confidence_factor(s, self.multiplier, self.exponent, self.confidence_interval)
        return scale_resource(self.base_estimator.get_cpu_estimation(s), factor)


class MemoryConfidenceMultiplier:
    """Scales the base memory estimate by ``(1 + multiplier / confidence) ** exponent``."""

    __slots__ = ("multiplier", "exponent", "base_estimator", "confidence_interval")

    def __init__(
        self,
        multiplier: float,
        exponent: float,
        base_estimator: MemoryEstimator,
        confidence_interval: float,
    ) -> None:
        self.multiplier = multiplier
        self.exponent = exponent
        self.base_estimator = base_estimator
        self.confidence_interval = confidence_interval

    def get_memory_estimation(self, s: AggregateContainerState) -> int:
        factor = _confidence_factor(s, self.multiplier, self.exponent, self.confidence_interval)
        return scale_resource(self.base_estimator.get_memory_estimation(s), factor)


class CPUMinResourceEstimator:
    """At least ``min_resource`` millicores."""

    __slots__ = ("min_resource", "base_estimator")

    def __init__(self, min_resource: int, base_estimator: CPUEstimator) -> None:
        self.min_resource = min_resource
        self.base_estimator = base_estimator

    def get_cpu_estimation(self, s: AggregateContainerState) -> int:
        return resource_amount_max(self.base_estimator.get_cpu_estimation(s), self.min_resource)


class MemoryMinResourceEstimator:
    """At least ``min_resource`` bytes."""

    __slots__ = ("min_resource", "base_estimator")

    def __init__(self, min_resource: int, base_estimator: MemoryEstimator) -> None:
        self.min_resource = min_resource
        self.base_estimator = base_estimator

    def get_memory_estimation(self, s: AggregateContainerState) -> int:
        return resource_amount_max(
            self.base_estimator.get_memory_estimation(s), self.min_resource
        )


class ConstCPUEstimator:
    """Always ``value`` millicores."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def get_cpu_estimation(self, s: AggregateContainerState) -> int:
        return self.value


class ConstMemoryEstimator:
    """Always ``value`` bytes."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def get_memory_estimation(self, s: AggregateContainerState) -> int:
        return self.value
