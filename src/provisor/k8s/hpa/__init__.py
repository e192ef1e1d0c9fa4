"""The HorizontalPodAutoscaler, exactly as kube-controller-manager computes it (pure, no I/O).

Upstream sources (kubernetes/kubernetes):

* ``pkg/controller/podautoscaler/replica_calculator.go`` and ``metrics/utilization.go``,
  ``metrics/client.go`` -> ``provisor.k8s.hpa.replica_calculator``
* ``pkg/controller/podautoscaler/horizontal.go`` (normalizers, stabilization, rate limits,
  scale events) -> ``provisor.k8s.hpa.behavior``; (metric combination, conditions, one sync)
  -> ``provisor.k8s.hpa.controller``
* ``pkg/apis/autoscaling/v2/defaults.go`` and ``pkg/controller/podautoscaler/config/v1alpha1/
  defaults.go`` -> ``provisor.k8s.hpa.defaults``

Units and shapes
----------------
CPU in integer millicores; every metric value (memory, custom, external) as its integer
milli-value (``Quantity.MilliValue()``, as upstream); utilization as an integer percent of the
request (truncated); tolerances as fractions; time as float seconds (``now``, sample
timestamps, windows, periods), with RFC 3339 strings accepted inside Pod dicts and written in
statuses. Pods, HPAs and metrics-API objects are Kubernetes JSON-form dicts. Errors raise
``HPAError`` whose text is upstream's.

Replica calculator (``ReplicaCalculator(tolerance=0.1, cpu_initialization_period=300,
delay_of_initial_readiness_status=30)``), one method per metric source:

* Resource, Utilization: ``get_resource_replicas(current, target_percent, resource, pods,
  metrics, now=, container="", tolerances=None) -> ResourceReplicas(replicas, utilization,
  raw_utilization, timestamp)``; ContainerResource: ``get_container_resource_replicas``.
* Resource / ContainerResource, AverageValue: ``get_raw_resource_replicas`` /
  ``get_container_raw_resource_replicas -> MetricReplicas(replicas, usage, timestamp)``.
* Pods, AverageValue: ``get_metric_replicas(current, target, pods, metrics, now=)``.
* Object, Value: ``get_object_metric_replicas(current, target, usage, pods)``; AverageValue:
  ``get_object_per_pod_metric_replicas(status_replicas, target, usage)``.
* External, Value: ``get_external_metric_replicas(current, target, values, pods)``;
  AverageValue: ``get_external_per_pod_metric_replicas(status_replicas, target, values)``.

``metrics`` maps pod names to ``PodMetric(value, timestamp, window)``. Building blocks:
``group_pods``, ``calculate_requests``, ``get_resource_utilization_ratio``,
``get_metric_usage_ratio``, ``Tolerances(scale_down, scale_up).is_within``. Metrics clients
(``MetricsClient`` protocol): ``MetricsAPIClient`` over metrics-API objects,
``StaticMetricsClient`` over converted values.

Behavior normalizer (state in, state out; ``HPAState`` holds the recommendations and the
scale-up / scale-down events of one HPA):

* no ``behavior``: ``normalize_desired_replicas(state, current, desired, min, max, now,
  downscale_stabilization_window=300, scale_up_limit_factor=2.0, scale_up_limit_minimum=4.0)``;
* with ``behavior``: ``normalize_desired_replicas_with_behaviors(state, behavior, current,
  desired, min, max, now)``;
* both return ``Normalization(desired_replicas, state, able_to_scale_reason,
  able_to_scale_message, limited, limited_reason, limited_message)``; the pieces
  (``stabilize_recommendation*``, ``convert_desired_replicas_with_*``,
  ``calculate_scale_{up,down}_limit*``, ``get_replicas_change_per_period``,
  ``store_scale_event``) are public too.

One sync: ``reconcile_autoscaler(hpa, spec_replicas=, status_replicas=, pods=, metrics_client=,
state=, now=, config=ControllerConfig()) -> ReconcileResult(desired_replicas, rescale,
rescale_reason, status, state, events, error)``; ``compute_replicas_for_metrics`` combines the
metrics (max wins, an invalid metric blocks a scale-down only). Defaults:
``set_defaults_horizontal_pod_autoscaler``, ``generate_hpa_scale_{up,down}_rules``.
"""

from __future__ import annotations

from provisor.k8s.hpa.behavior import (
    DEFAULT_DOWNSCALE_STABILIZATION_WINDOW,
    SCALE_UP_LIMIT_FACTOR,
    SCALE_UP_LIMIT_MINIMUM,
    Behavior,
    HPAState,
    Normalization,
    NormalizationArg,
    ScaleEvent,
    ScalingPolicy,
    ScalingRules,
    TimestampedRecommendation,
    calculate_scale_down_limit_with_behaviors,
    calculate_scale_up_limit,
    calculate_scale_up_limit_with_scaling_rules,
    convert_desired_replicas_with_behavior_rate,
    convert_desired_replicas_with_rules,
    get_longest_policy_period,
    get_replicas_change_per_period,
    mark_scale_events_outdated,
    normalize_desired_replicas,
    normalize_desired_replicas_with_behaviors,
    record_initial_recommendation,
    stabilize_recommendation,
    stabilize_recommendation_with_behaviors,
    store_scale_event,
)
from provisor.k8s.hpa.controller import (
    ControllerConfig,
    MetricResult,
    MetricsComputation,
    ReconcileResult,
    compute_replicas_for_metric,
    compute_replicas_for_metrics,
    go_label_selector_string,
    reconcile_autoscaler,
    set_condition_in_list,
    tolerances_for_hpa,
)
from provisor.k8s.hpa.defaults import (
    DEFAULT_CPU_UTILIZATION,
    generate_hpa_scale_down_rules,
    generate_hpa_scale_up_rules,
    set_defaults_horizontal_pod_autoscaler,
    set_defaults_horizontal_pod_autoscaler_behavior,
)
from provisor.k8s.hpa.replica_calculator import (
    DEFAULT_CPU_INITIALIZATION_PERIOD,
    DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS,
    DEFAULT_TOLERANCE,
    GO_ZERO_TIME,
    HPAError,
    MetricReplicas,
    MetricsAPIClient,
    MetricsClient,
    PodGroups,
    PodMetric,
    ReplicaCalculator,
    ResourceReplicas,
    StaticMetricsClient,
    Tolerances,
    calculate_pod_level_requests,
    calculate_pod_requests_from_containers,
    calculate_requests,
    external_metric_values,
    format_time,
    get_metric_usage_ratio,
    get_ready_pods_count,
    get_resource_utilization_ratio,
    group_pods,
    pod_metrics_from_custom_metrics,
    resource_metrics_from_pod_metrics,
    to_seconds,
)

__all__ = [
    "DEFAULT_CPU_INITIALIZATION_PERIOD",
    "DEFAULT_CPU_UTILIZATION",
    "DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS",
    "DEFAULT_DOWNSCALE_STABILIZATION_WINDOW",
    "DEFAULT_TOLERANCE",
    "GO_ZERO_TIME",
    "SCALE_UP_LIMIT_FACTOR",
    "SCALE_UP_LIMIT_MINIMUM",
    "Behavior",
    "ControllerConfig",
    "HPAError",
    "HPAState",
    "MetricReplicas",
    "MetricResult",
    "MetricsAPIClient",
    "MetricsClient",
    "MetricsComputation",
    "Normalization",
    "NormalizationArg",
    "PodGroups",
    "PodMetric",
    "ReconcileResult",
    "ReplicaCalculator",
    "ResourceReplicas",
    "ScaleEvent",
    "ScalingPolicy",
    "ScalingRules",
    "StaticMetricsClient",
    "TimestampedRecommendation",
    "Tolerances",
    "calculate_pod_level_requests",
    "calculate_pod_requests_from_containers",
    "calculate_requests",
    "calculate_scale_down_limit_with_behaviors",
    "calculate_scale_up_limit",
    "calculate_scale_up_limit_with_scaling_rules",
    "compute_replicas_for_metric",
    "compute_replicas_for_metrics",
    "convert_desired_replicas_with_behavior_rate",
    "convert_desired_replicas_with_rules",
    "external_metric_values",
    "format_time",
    "generate_hpa_scale_down_rules",
    "generate_hpa_scale_up_rules",
    "get_longest_policy_period",
    "get_metric_usage_ratio",
    "get_ready_pods_count",
    "get_replicas_change_per_period",
    "get_resource_utilization_ratio",
    "go_label_selector_string",
    "group_pods",
    "mark_scale_events_outdated",
    "normalize_desired_replicas",
    "normalize_desired_replicas_with_behaviors",
    "pod_metrics_from_custom_metrics",
    "reconcile_autoscaler",
    "record_initial_recommendation",
    "resource_metrics_from_pod_metrics",
    "set_condition_in_list",
    "set_defaults_horizontal_pod_autoscaler",
    "set_defaults_horizontal_pod_autoscaler_behavior",
    "stabilize_recommendation",
    "stabilize_recommendation_with_behaviors",
    "store_scale_event",
    "to_seconds",
    "tolerances_for_hpa",
]
