"""The Vertical Pod Autoscaler recommender, exact (``provisor.k8s.vpa``).

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender`` (``util/``,
``model/``, ``logic/``) and ``pkg/utils/vpa`` (capping). Pure functions and small stateful
objects, no I/O.

Pipeline
--------
1. Samples: ``ContainerState(request, aggregator).add_sample(ContainerUsageSample(t, usage,
   "cpu" | "memory"))`` -- CPU in millicores, memory in bytes; one memory peak per 24h
   interval; ``record_oom(t, requested_bytes)`` bumps memory by max(+100 MiB, x1.2).
2. Aggregation: ``AggregateContainerState`` holds decaying histograms (half-life 24h) of CPU
   cores and memory-peak bytes; ``aggregate_state_by_container_name`` merges per name.
3. Estimation: ``create_pod_resource_recommender(RecommendationConfig())`` composes
   percentile (target p90, lower p50, upper p95) -> safety margin 15% -> confidence
   multiplier (bounds) -> pod minimum (25m CPU, 250 MiB, split across containers), and
   ``get_recommended_pod_resources({name: state})`` returns target / lower / upper bound.
4. Output and capping: ``map_to_list_of_recommended_container_resources`` renders the VPA
   status; ``CappingRecommendationProcessor`` / ``apply_vpa_policy`` cap to
   minAllowed/maxAllowed, LimitRanges and (RequestsOnly) container limits;
   ``get_proportional_limit`` keeps limits proportional (RequestsAndLimits).

Units: resource amounts are ints (millicores, bytes); histograms hold floats (cores, bytes);
times are float Unix seconds and durations float seconds, computed internally in integer
nanoseconds like Go; ``GO_ZERO_TIME`` is Go's unset time. Float arithmetic reproduces Go's
(``math.Pow``/``Log``/``Exp2`` roundings, truncating conversions); see ``_gomath``.

Modules: ``histogram`` (options, Histogram, DecayingHistogram, checkpoints), ``types``
(amount conversions), ``model`` (samples, ContainerState, AggregateContainerState, config),
``estimator``, ``recommender``, ``capping``.
"""

from __future__ import annotations

from ._gomath import GO_ZERO_TIME
from .capping import (
    CappingRecommendationProcessor,
    LimitRangeCalculator,
    StaticLimitRangeCalculator,
    apply_vpa_policy,
    container_requests_and_limits,
    get_boundary_request,
    get_container_controlled_values,
    get_container_resource_policy,
    get_proportional_limit,
)
from .estimator import (
    CombinedEstimator,
    ConstCPUEstimator,
    ConstMemoryEstimator,
    CPUConfidenceMultiplier,
    CPUMarginEstimator,
    CPUMinResourceEstimator,
    MemoryConfidenceMultiplier,
    MemoryMarginEstimator,
    MemoryMinResourceEstimator,
    PercentileCPUEstimator,
    PercentileMemoryEstimator,
    get_confidence,
)
from .histogram import (
    MAX_CHECKPOINT_WEIGHT,
    CheckpointError,
    DecayingHistogram,
    ExponentialHistogramOptions,
    Histogram,
    HistogramCheckpoint,
    LinearHistogramOptions,
)
from .model import (
    DEFAULT_AGGREGATIONS_CONFIG,
    EPSILON,
    MIN_SAMPLE_WEIGHT,
    SUPPORTED_CHECKPOINT_VERSION,
    AggregateContainerState,
    AggregateStateKey,
    AggregationsConfig,
    CheckpointVersionError,
    ContainerState,
    ContainerUsageSample,
    OOMRecordError,
    VPACheckpointStatus,
    aggregate_state_by_container_name,
)
from .recommender import (
    PodResourceRecommender,
    RecommendationConfig,
    RecommendationFormat,
    RecommendedContainerResources,
    create_pod_resource_recommender,
    filter_controlled_resources,
    map_to_list_of_recommended_container_resources,
)
from .types import (
    MAX_RESOURCE_AMOUNT,
    RESOURCE_CPU,
    RESOURCE_MEMORY,
    bytes_from_memory_amount,
    cores_from_cpu_amount,
    cpu_amount_from_cores,
    memory_amount_from_bytes,
    resources_as_resource_list,
    scale_resource,
)

__all__ = [
    "DEFAULT_AGGREGATIONS_CONFIG",
    "EPSILON",
    "GO_ZERO_TIME",
    "MAX_CHECKPOINT_WEIGHT",
    "MAX_RESOURCE_AMOUNT",
    "MIN_SAMPLE_WEIGHT",
    "RESOURCE_CPU",
    "RESOURCE_MEMORY",
    "SUPPORTED_CHECKPOINT_VERSION",
    "AggregateContainerState",
    "AggregateStateKey",
    "AggregationsConfig",
    "CPUConfidenceMultiplier",
    "CPUMarginEstimator",
    "CPUMinResourceEstimator",
    "CappingRecommendationProcessor",
    "CheckpointError",
    "CheckpointVersionError",
    "CombinedEstimator",
    "ConstCPUEstimator",
    "ConstMemoryEstimator",
    "ContainerState",
    "ContainerUsageSample",
    "DecayingHistogram",
    "ExponentialHistogramOptions",
    "Histogram",
    "HistogramCheckpoint",
    "LimitRangeCalculator",
    "LinearHistogramOptions",
    "MemoryConfidenceMultiplier",
    "MemoryMarginEstimator",
    "MemoryMinResourceEstimator",
    "OOMRecordError",
    "PercentileCPUEstimator",
    "PercentileMemoryEstimator",
    "PodResourceRecommender",
    "RecommendationConfig",
    "RecommendationFormat",
    "RecommendedContainerResources",
    "StaticLimitRangeCalculator",
    "VPACheckpointStatus",
    "aggregate_state_by_container_name",
    "apply_vpa_policy",
    "bytes_from_memory_amount",
    "container_requests_and_limits",
    "cores_from_cpu_amount",
    "cpu_amount_from_cores",
    "create_pod_resource_recommender",
    "filter_controlled_resources",
    "get_boundary_request",
    "get_confidence",
    "get_container_controlled_values",
    "get_container_resource_policy",
    "get_proportional_limit",
    "map_to_list_of_recommended_container_resources",
    "memory_amount_from_bytes",
    "resources_as_resource_list",
    "scale_resource",
]
