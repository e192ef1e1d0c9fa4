"""One HPA sync as a pure function: metric specs -> proposals -> normalizer -> new status.

Follows the decision-making parts of kubernetes/kubernetes
``pkg/controller/podautoscaler/horizontal.go``: ``computeReplicasForMetrics`` (the largest
proposal wins; an invalid metric blocks a scale-down but not a scale-up), ``computeReplicasForMetric``
and the ``computeStatusFor*Metric`` functions (metric names, ``MetricStatus`` values, error
texts and ``ScalingActive`` reasons ``FailedGetResourceMetric``, ``FailedGetContainerResourceMetric``,
``FailedGetPodsMetric``, ``FailedGetObjectMetric``, ``FailedGetExternalMetric``,
``InvalidMetricSourceType``), ``tolerancesForHpa`` and ``reconcileAutoscaler`` (the
``ScalingDisabled`` / above-max / below-min branches, normalization, ``storeScaleEvent``,
``setStatus``, ``setConditionInList``).

Left to the caller, because they are I/O: reading the scale subresource (pass its
``spec.replicas`` and ``status.replicas``), listing the pods its selector matches (pass them),
the metrics APIs (pass a ``MetricsClient``), writing the scale and the status. Selector
validation (``InvalidSelector``, ``AmbiguousSelector``) needs the other HPAs of the namespace
and is not modelled. Times are float seconds (``now``); condition and scale timestamps are
written as RFC 3339 (``format_time``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from provisor.k8s.hpa.defaults import _json_copy
from provisor.k8s.hpa.behavior import (
    DEFAULT_DOWNSCALE_STABILIZATION_WINDOW,
    SCALE_UP_LIMIT_FACTOR,
    SCALE_UP_LIMIT_MINIMUM,
    Behavior,
    HPAState,
    normalize_desired_replicas,
    normalize_desired_replicas_with_behaviors,
    record_initial_recommendation,
    store_scale_event,
)
from provisor.k8s.hpa.replica_calculator import (
    DEFAULT_CPU_INITIALIZATION_PERIOD,
    DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS,
    DEFAULT_TOLERANCE,
    GO_ZERO_TIME,
    HPAError,
    MetricsClient,
    ReplicaCalculator,
    Tolerances,
    format_time,
    milli_value,
)
from provisor.quantity import Quantity

__all__ = [
    "ControllerConfig",
    "MetricResult",
    "MetricsComputation",
    "ReconcileResult",
    "tolerances_for_hpa",
    "set_condition_in_list",
    "go_label_selector_string",
    "compute_replicas_for_metric",
    "compute_replicas_for_metrics",
    "combine_metric_results",
    "decide_and_rescale",
    "reconcile_autoscaler",
]


@dataclass(frozen=True, slots=True)
class ControllerConfig:
    """The kube-controller-manager flags the HPA controller reads (seconds, fractions).

    ``scale_up_limit_factor`` / ``scale_up_limit_minimum`` are upstream's package variables
    (2.0 and 4.0) used when an HPA has no ``behavior``; ``configurable_tolerance`` is the
    HPAConfigurableTolerance feature gate; ``pod_level_resources`` the PodLevelResources gate.
    """

    downscale_stabilization_window: float = DEFAULT_DOWNSCALE_STABILIZATION_WINDOW
    tolerance: float = DEFAULT_TOLERANCE
    cpu_initialization_period: float = DEFAULT_CPU_INITIALIZATION_PERIOD
    delay_of_initial_readiness_status: float = DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS
    scale_up_limit_factor: float = SCALE_UP_LIMIT_FACTOR
    scale_up_limit_minimum: float = SCALE_UP_LIMIT_MINIMUM
    configurable_tolerance: bool = True
    pod_level_resources: bool = True


@lru_cache(maxsize=64, typed=True)
def _calculator_for(config: ControllerConfig) -> ReplicaCalculator:
    return ReplicaCalculator(config.tolerance, config.cpu_initialization_period,
                             config.delay_of_initial_readiness_status,
                             pod_level_resources=config.pod_level_resources)


class MetricResult(NamedTuple):
    """One metric's outcome (``computeReplicasForMetric``): on success ``replicas``,
    ``metric_name``, ``timestamp`` and ``status`` (a ``MetricStatus`` dict) are set and
    ``error`` is ``None``; on failure ``error`` holds the returned error text and
    ``condition`` the ``ScalingActive`` condition (type, status, reason, message) to set.
    ``events`` lists (type, reason, message) of the events upstream records."""

    replicas: int
    metric_name: str
    timestamp: float
    status: dict[str, Any] | None
    error: str | None
    condition: dict[str, str] | None
    events: tuple[tuple[str, str, str], ...]


class MetricsComputation(NamedTuple):
    """``computeReplicasForMetrics``' answer: ``replicas`` is -1 when the HPA must not act;
    ``error`` may be set alongside a usable proposal (some metrics failed, scaling up);
    ``condition`` is the ``ScalingActive`` condition to set."""

    replicas: int
    metric_name: str
    statuses: list[dict[str, Any]]
    timestamp: float
    error: str | None
    condition: dict[str, str]
    events: tuple[tuple[str, str, str], ...]


class ReconcileResult(NamedTuple):
    """One sync's decision (``reconcileAutoscaler``): the replica count written to
    ``status.desiredReplicas``; whether the scale is updated (``rescale``) and why; the new
    ``status`` dict; the next ``HPAState``; the events (type, reason, message); the error the
    sync returns, if any."""

    desired_replicas: int
    rescale: bool
    rescale_reason: str
    status: dict[str, Any]
    state: HPAState
    events: tuple[tuple[str, str, str], ...]
    error: str | None


# ---------------------------------------------------------------------------------------------
# formatting helpers (Go's fmt output where messages embed Go values)


def _go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_label_selector_string(selector: Mapping[str, Any] | None) -> str:
    """A ``*metav1.LabelSelector`` as Go's ``%+v`` prints it (its generated ``String()``):
    ``nil`` or ``&LabelSelector{MatchLabels:map[string]string{k: v,},MatchExpressions:
    []LabelSelectorRequirement{LabelSelectorRequirement{Key:..,Operator:..,Values:[a b],},},}``.
    Used in the External metric names and error texts."""
    if selector is None:
        return "nil"
    exprs = "[]LabelSelectorRequirement{"
    for req in selector.get("matchExpressions") or ():
        values = "[" + " ".join(req.get("values") or ()) + "]"
        exprs += (f"LabelSelectorRequirement{{Key:{req.get('key', '')},Operator:{req.get('operator', '')},"
                  f"Values:{values},}},")
    exprs += "}"
    labels = selector.get("matchLabels") or {}
    ml = "map[string]string{" + "".join(f"{k}: {labels[k]}," for k in sorted(labels)) + "}"
    return "&LabelSelector{" + "MatchLabels:" + ml + "," + "MatchExpressions:" + exprs + "," + "}"


@lru_cache(maxsize=8192)
def _milli_quantity(milli: int) -> str:
    return str(Quantity.from_value(Fraction(milli, 1000), "DecimalSI"))


def _metric_identifier(metric: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": metric.get("name", "")}
    if metric.get("selector") is not None:
        out["selector"] = _json_copy(metric["selector"])
    return out


# ---------------------------------------------------------------------------------------------
# conditions and tolerances


def set_condition_in_list(conditions: list[dict[str, Any]], condition_type: str, status: str, reason: str,
                          message: str, now: float) -> list[dict[str, Any]]:
    """``setConditionInList``: update the condition of that type in place (appending it when
    absent); ``lastTransitionTime`` changes only when the status changes. Returns the list."""
    existing = None
    for cond in conditions:
        if cond.get("type") == condition_type:
            existing = cond
            break
    if existing is None:
        existing = {"type": condition_type}
        conditions.append(existing)
    if existing.get("status") != status:
        existing["lastTransitionTime"] = format_time(now)
    existing["status"] = status
    existing["reason"] = reason
    existing["message"] = message
    return conditions


def tolerances_for_hpa(behavior: Mapping[str, Any] | Behavior | None, default_tolerance: float = DEFAULT_TOLERANCE,
                       *, configurable_tolerance: bool = True) -> Tolerances:
    """The tolerances one HPA uses (``tolerancesForHpa``): the controller's
    ``--horizontal-pod-autoscaler-tolerance`` for both directions, replaced by
    ``behavior.scaleDown.tolerance`` / ``behavior.scaleUp.tolerance`` when set and the
    HPAConfigurableTolerance gate is on. Quantities become floats like
    ``Quantity.AsApproximateFloat64`` (correctly rounded here; upstream may differ by one ulp
    for values whose mantissa times a power of ten is inexact)."""
    down = up = default_tolerance
    if not configurable_tolerance or behavior is None:
        return Tolerances(down, up)
    if isinstance(behavior, Behavior):
        d_tol = behavior.scale_down.tolerance if behavior.scale_down else None
        u_tol = behavior.scale_up.tolerance if behavior.scale_up else None
    else:
        d_tol = (behavior.get("scaleDown") or {}).get("tolerance")
        u_tol = (behavior.get("scaleUp") or {}).get("tolerance")
    if d_tol is not None:
        down = float(Quantity.parse(d_tol).value)
    if u_tol is not None:
        up = float(Quantity.parse(u_tol).value)
    return Tolerances(down, up)


def _unable(reason: str, err: str) -> tuple[dict[str, str], tuple[str, str, str]]:
    cond = {"type": "ScalingActive", "status": "False", "reason": reason,
            "message": f"the HPA was unable to compute the replica count: {err}"}
    return cond, ("Warning", reason, err)


def _failed(err: str, reason: str, cond_err: str) -> MetricResult:
    cond, ev = _unable(reason, cond_err)
    return MetricResult(0, "", GO_ZERO_TIME, None, err, cond, (ev,))


# ---------------------------------------------------------------------------------------------
# per metric


def compute_replicas_for_metric(
    metric_spec: Mapping[str, Any],
    *,
    namespace: str,
    spec_replicas: int,
    status_replicas: int,
    pods: Sequence[Mapping[str, Any]],
    metrics_client: MetricsClient,
    calculator: ReplicaCalculator,
    tolerances: Tolerances,
    now: float,
) -> MetricResult:
    """Proposal of one ``MetricSpec`` (JSON form) (``computeReplicasForMetric``).

    Targets are read as milli-values (``Quantity.MilliValue``); ``spec_replicas`` feeds the
    per-pod and value targets, ``status_replicas`` the average-value Object and External
    targets, as upstream. Raises ``ValueError`` for a Pods metric without
    ``target.averageValue`` (upstream dereferences it; API validation forbids it).
    """
    mtype = metric_spec.get("type", "")
    if mtype == "Object":
        return _object_metric(metric_spec.get("object") or {}, namespace, spec_replicas, status_replicas, pods,
                              metrics_client, calculator, tolerances)
    if mtype == "Pods":
        return _pods_metric(metric_spec.get("pods") or {}, namespace, spec_replicas, pods, metrics_client,
                            calculator, tolerances, now)
    if mtype == "Resource":
        src = metric_spec.get("resource") or {}
        res = _resource_metric(src, "", "Resource", namespace, spec_replicas, pods, metrics_client,
                               calculator, tolerances, now)
        if res.error is not None:
            return res._replace(error=f"failed to get {src.get('name', '')} resource metric value: {res.error}")
        return res
    if mtype == "ContainerResource":
        src = metric_spec.get("containerResource") or {}
        container = src.get("container", "")
        res = _resource_metric(src, container, "ContainerResource", namespace, spec_replicas, pods,
                               metrics_client, calculator, tolerances, now)
        if res.error is not None:
            return res._replace(error=f"failed to get {container} container metric value: {res.error}")
        return res
    if mtype == "External":
        src = metric_spec.get("external") or {}
        res = _external_metric(src, namespace, spec_replicas, status_replicas, pods, metrics_client,
                               calculator, tolerances)
        if res.error is not None:
            name = (src.get("metric") or {}).get("name", "")
            return res._replace(error=f"failed to get {name} external metric value: {res.error}")
        return res
    err = f"unknown metric source type {_go_quote(str(mtype))}"
    return _failed(err, "InvalidMetricSourceType", err)


def _object_metric(src: Mapping[str, Any], namespace: str, spec_replicas: int, status_replicas: int,
                   pods: Sequence[Mapping[str, Any]], client: MetricsClient, calc: ReplicaCalculator,
                   tol: Tolerances) -> MetricResult:
    target = src.get("target") or {}
    metric = src.get("metric") or {}
    name = metric.get("name", "")
    selector = metric.get("selector")
    described = src.get("describedObject") or {}
    ttype = target.get("type")

    def fetch_error(err: HPAError) -> str:
        return (f"unable to get metric {name}: {described.get('kind', '')} on {namespace} "
                f"{described.get('name', '')}/{err}")

    if ttype == "Value" and target.get("value") is not None:
        try:
            try:
                usage, _ = client.get_object_metric(name, namespace, described, selector)
            except HPAError as e:
                raise HPAError(fetch_error(e)) from None
            r = calc.get_object_metric_replicas(spec_replicas, milli_value(target["value"]), usage, pods,
                                                tolerances=tol)
        except HPAError as e:
            return _failed(f"failed to get object metric value: {e}", "FailedGetObjectMetric", str(e))
        status = {"type": "Object", "object": {
            "describedObject": copy.deepcopy(dict(described)),
            "metric": _metric_identifier(metric),
            "current": {"value": _milli_quantity(r.usage)},
        }}
        return MetricResult(r.replicas, f"{described.get('kind', '')} metric {name}", r.timestamp, status,
                            None, None, ())
    if ttype == "AverageValue" and target.get("averageValue") is not None:
        try:
            try:
                usage, ts = client.get_object_metric(name, namespace, described, selector)
            except HPAError as e:
                raise HPAError(fetch_error(e)) from None
            r = calc.get_object_per_pod_metric_replicas(status_replicas, milli_value(target["averageValue"]),
                                                        usage, tolerances=tol, timestamp=ts)
        except HPAError as e:
            return _failed(f"failed to get object metric value: failed to get {name} object metric: {e}",
                           "FailedGetObjectMetric", str(e))
        status = {"type": "Object", "object": {
            "describedObject": {"kind": "", "name": ""},
            "metric": _metric_identifier(metric),
            "current": {"averageValue": _milli_quantity(r.usage)},
        }}
        return MetricResult(r.replicas, f"external metric {name}({go_label_selector_string(selector)})",
                            r.timestamp, status, None, None, ())
    err = "invalid object metric source: neither a value target nor an average value target was set"
    return _failed(f"failed to get object metric value: {err}", "FailedGetObjectMetric", err)


def _pods_metric(src: Mapping[str, Any], namespace: str, spec_replicas: int, pods: Sequence[Mapping[str, Any]],
                 client: MetricsClient, calc: ReplicaCalculator, tol: Tolerances, now: float) -> MetricResult:
    target = src.get("target") or {}
    metric = src.get("metric") or {}
    name = metric.get("name", "")
    if target.get("averageValue") is None:
        raise ValueError("Pods metric source without target.averageValue")
    try:
        try:
            values, ts = client.get_raw_metric(name, namespace, metric.get("selector"))
        except HPAError as e:
            raise HPAError(f"unable to get metric {name}: {e}") from None
        r = calc.get_metric_replicas(spec_replicas, milli_value(target["averageValue"]), pods, values, now=now,
                                     tolerances=tol, timestamp=ts)
    except HPAError as e:
        return _failed(f"failed to get pods metric value: {e}", "FailedGetPodsMetric", str(e))
    status = {"type": "Pods", "pods": {
        "metric": _metric_identifier(metric),
        "current": {"averageValue": _milli_quantity(r.usage)},
    }}
    return MetricResult(r.replicas, f"pods metric {name}", r.timestamp, status, None, None, ())


def _resource_metric(src: Mapping[str, Any], container: str, source_type: str, namespace: str,
                     spec_replicas: int, pods: Sequence[Mapping[str, Any]], client: MetricsClient,
                     calc: ReplicaCalculator, tol: Tolerances, now: float) -> MetricResult:
    target = src.get("target") or {}
    resource = src.get("name", "")
    reason = "FailedGetResourceMetric" if source_type == "Resource" else "FailedGetContainerResourceMetric"

    def fetch() -> tuple[Mapping[str, Any], float]:
        try:
            return client.get_resource_metric(resource, namespace, container)
        except HPAError as e:
            raise HPAError(f"unable to get metrics for resource {resource}: {e}") from None

    if target.get("averageValue") is not None:
        try:
            metrics, ts = fetch()
            r = calc.get_raw_resource_replicas(spec_replicas, milli_value(target["averageValue"]), resource, pods,
                                               metrics, now=now, container=container, tolerances=tol, timestamp=ts)
        except HPAError as e:
            err = f"failed to get {resource} usage: {e}"
            return _failed(err, reason, err)
        current: dict[str, Any] = {"averageValue": _milli_quantity(r.usage)}
        name = f"{resource} resource"
        replicas, ts_out = r.replicas, r.timestamp
    elif target.get("averageUtilization") is None:
        err = ("invalid resource metric source: neither an average utilization target nor an average value "
               "(usage) target was set")
        return _failed(err, reason, err)
    else:
        try:
            metrics, ts = fetch()
            rr = calc.get_resource_replicas(spec_replicas, int(target["averageUtilization"]), resource, pods,
                                            metrics, now=now, container=container, tolerances=tol, timestamp=ts)
        except HPAError as e:
            err = f"failed to get {resource} utilization: {e}"
            return _failed(err, reason, err)
        current = {"averageUtilization": rr.utilization, "averageValue": _milli_quantity(rr.raw_utilization)}
        if source_type == "ContainerResource":
            name = f"{resource} container resource utilization (percentage of request)"
        else:
            name = f"{resource} resource utilization (percentage of request)"
        replicas, ts_out = rr.replicas, rr.timestamp
    if source_type == "Resource":
        status = {"type": "Resource", "resource": {"name": resource, "current": current}}
    else:
        status = {"type": "ContainerResource",
                  "containerResource": {"name": resource, "container": container, "current": current}}
    return MetricResult(replicas, name, ts_out, status, None, None, ())


def _external_metric(src: Mapping[str, Any], namespace: str, spec_replicas: int, status_replicas: int,
                     pods: Sequence[Mapping[str, Any]], client: MetricsClient, calc: ReplicaCalculator,
                     tol: Tolerances) -> MetricResult:
    target = src.get("target") or {}
    metric = src.get("metric") or {}
    name = metric.get("name", "")
    selector = metric.get("selector")
    sel_text = go_label_selector_string(selector)

    def fetch() -> tuple[list[int], float]:
        try:
            return client.get_external_metric(name, namespace, selector)
        except HPAError as e:
            raise HPAError(f"unable to get external metric {namespace}/{name}/{sel_text}: {e}") from None

    if target.get("averageValue") is not None:
        try:
            values, ts = fetch()
            r = calc.get_external_per_pod_metric_replicas(status_replicas, milli_value(target["averageValue"]),
                                                          values, tolerances=tol, timestamp=ts)
        except HPAError as e:
            return _failed(f"failed to get {name} external metric: {e}", "FailedGetExternalMetric", str(e))
        current = {"averageValue": _milli_quantity(r.usage)}
    elif target.get("value") is not None:
        try:
            values, _ = fetch()
            r = calc.get_external_metric_replicas(spec_replicas, milli_value(target["value"]), values, pods,
                                                  tolerances=tol)
        except HPAError as e:
            return _failed(f"failed to get external metric {name}: {e}", "FailedGetExternalMetric", str(e))
        current = {"value": _milli_quantity(r.usage)}
    else:
        err = "invalid external metric source: neither a value target nor an average value target was set"
        return _failed(err, "FailedGetExternalMetric", err)
    status = {"type": "External", "external": {"metric": _metric_identifier(metric), "current": current}}
    return MetricResult(r.replicas, f"external metric {name}({sel_text})", r.timestamp, status, None, None, ())


# ---------------------------------------------------------------------------------------------
# all metrics


def compute_replicas_for_metrics(
    metric_specs: Sequence[Mapping[str, Any]],
    *,
    namespace: str,
    spec_replicas: int,
    status_replicas: int,
    pods: Sequence[Mapping[str, Any]],
    metrics_client: MetricsClient,
    calculator: ReplicaCalculator,
    tolerances: Tolerances,
    now: float,
) -> MetricsComputation:
    """``computeReplicasForMetrics``: every metric's proposal
    (:func:`compute_replicas_for_metric`, in spec order), combined by
    :func:`combine_metric_results`."""
    return combine_metric_results(
        [compute_replicas_for_metric(spec, namespace=namespace, spec_replicas=spec_replicas,
                                     status_replicas=status_replicas, pods=pods,
                                     metrics_client=metrics_client, calculator=calculator,
                                     tolerances=tolerances, now=now)
         for spec in metric_specs],
        spec_replicas)


def combine_metric_results(results: Sequence[MetricResult],
                           spec_replicas: int) -> MetricsComputation:
    """Combine the metrics' proposals as ``computeReplicasForMetrics`` does
    (``pkg/controller/podautoscaler/horizontal.go``): the largest proposal wins (ties keep
    the first, a zero proposal is replaced by any later one). When every metric fails, or
    some fail and the rest would scale below ``spec_replicas``, the answer is -1 with the
    first failure's condition and ``invalid metrics (n invalid out of m), first error is:
    ...``; otherwise the proposal stands (still carrying that error when some metric failed)
    and the condition is ``ScalingActive``/``ValidMetricFound``. ``statuses`` has one entry
    per result, ``{"type": ""}`` (Go's zero value) for the failed ones; ``events`` are the
    results' events in order. Shared by the exact controller and
    :mod:`provisor.k8s.hpa.fast`."""
    statuses: list[dict[str, Any]] = [{"type": ""} for _ in results]
    invalid = 0
    invalid_error: str | None = None
    invalid_condition: dict[str, str] | None = None
    replicas = 0
    metric = ""
    timestamp = GO_ZERO_TIME
    events: list[tuple[str, str, str]] = []
    for i, res in enumerate(results):
        events.extend(res.events)
        if res.error is not None:
            if invalid <= 0:
                invalid_condition = res.condition
                invalid_error = res.error
            invalid += 1
            continue
        statuses[i] = res.status or {"type": ""}
        if replicas == 0 or res.replicas > replicas:
            timestamp = res.timestamp
            replicas = res.replicas
            metric = res.metric_name
    if invalid_error is not None:
        invalid_error = (f"invalid metrics ({invalid} invalid out of {len(results)}), "
                         f"first error is: {invalid_error}")
    if invalid >= len(results) or (invalid > 0 and replicas < spec_replicas):
        cond = dict(invalid_condition) if invalid_condition else {"type": "", "status": "", "reason": "",
                                                                   "message": ""}
        return MetricsComputation(-1, "", statuses, GO_ZERO_TIME, invalid_error, cond, tuple(events))
    cond = {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
            "message": f"the HPA was able to successfully calculate a replica count from {metric}"}
    return MetricsComputation(replicas, metric, statuses, timestamp, invalid_error, cond, tuple(events))


# ---------------------------------------------------------------------------------------------
# one sync


def _status(current: int, desired: int, last_scale_time: Any, metrics: list[dict[str, Any]] | None,
            conditions: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"currentReplicas": current, "desiredReplicas": desired}
    if last_scale_time is not None:
        out["lastScaleTime"] = last_scale_time
    if metrics:
        out["currentMetrics"] = metrics
    if conditions:
        out["conditions"] = conditions
    return out


def reconcile_autoscaler(
    hpa: Mapping[str, Any],
    *,
    spec_replicas: int,
    status_replicas: int,
    pods: Sequence[Mapping[str, Any]],
    metrics_client: MetricsClient,
    state: HPAState,
    now: float,
    config: ControllerConfig = ControllerConfig(),
    calculator: ReplicaCalculator | None = None,
) -> ReconcileResult:
    """One sync of one HPA (``reconcileAutoscaler`` after the scale was read).

    Args:
        hpa: the HorizontalPodAutoscaler (autoscaling/v2, JSON form); its ``status`` supplies
            the previous conditions, ``desiredReplicas`` and ``lastScaleTime``.
        spec_replicas / status_replicas: the target's scale ``spec.replicas`` / ``status.replicas``.
        pods: the pods the target's selector matches.
        metrics_client: answers the metric queries (``MetricsAPIClient``, ``StaticMetricsClient``).
        state: this HPA's recommendations and scale events; the next one is returned.
        now: the controller's clock, seconds.
        config: controller flags; ``calculator`` overrides the one built from them.

    The scale update is assumed to succeed when ``rescale`` is true (the caller performs it).
    """
    calc = calculator or _calculator_for(config)
    spec = hpa.get("spec") or {}
    meta = hpa.get("metadata") or {}
    old_status = hpa.get("status") or {}
    namespace = meta.get("namespace", "")
    ref = spec.get("scaleTargetRef") or {}
    reference = f"{ref.get('kind', '')}/{namespace}/{ref.get('name', '')}"
    conditions: list[dict[str, Any]] = _json_copy(list(old_status.get("conditions") or ()))
    last_scale_time = old_status.get("lastScaleTime")
    events: list[tuple[str, str, str]] = []

    set_condition_in_list(conditions, "AbleToScale", "True", "SucceededGetScale",
                          "the HPA controller was able to get the target's current scale", now)
    current = spec_replicas
    state = record_initial_recommendation(state, current, now)

    min_replicas = spec.get("minReplicas")
    min_replicas = 1 if min_replicas is None else int(min_replicas)
    behavior_spec = spec.get("behavior")

    def compute() -> MetricsComputation:
        tol = tolerances_for_hpa(behavior_spec, config.tolerance,
                                 configurable_tolerance=config.configurable_tolerance)
        return compute_replicas_for_metrics(
            spec.get("metrics") or (), namespace=namespace, spec_replicas=spec_replicas,
            status_replicas=status_replicas, pods=pods, metrics_client=metrics_client,
            calculator=calc, tolerances=tol, now=now)

    return decide_and_rescale(
        compute, current=current, min_replicas=min_replicas,
        max_replicas=int(spec.get("maxReplicas", 0)), behavior=behavior_spec, config=config,
        state=state, conditions=conditions, events=events, last_scale_time=last_scale_time,
        old_status=old_status, reference=reference, now=now)


def decide_and_rescale(compute: Callable[[], MetricsComputation], *, current: int,
                       min_replicas: int, max_replicas: int, behavior: Any,
                       config: ControllerConfig, state: HPAState,
                       conditions: list[dict[str, Any]], events: list[tuple[str, str, str]],
                       last_scale_time: Any, old_status: Mapping[str, Any], reference: str,
                       now: float) -> ReconcileResult:
    """The decision part of ``reconcileAutoscaler`` (``pkg/controller/podautoscaler/
    horizontal.go``) once the scale is read: outside ``[min, max]`` the bound, a zero-replica
    target left alone, otherwise ``compute()`` (``computeReplicasForMetrics``; called only
    then) normalised by the stabilization window and the scaling rules (``behavior``: the
    spec's dict or a parsed :class:`Behavior`, None for the flag defaults), then the
    conditions, the ``SuccessfulRescale`` event, the scale event and the new status.
    ``conditions`` and ``events`` are updated in place. Shared by
    :func:`reconcile_autoscaler` and :mod:`provisor.k8s.hpa.fast`."""
    metric_statuses: list[dict[str, Any]] | None = None
    desired = 0
    rescale_reason = ""
    rescale = True
    ret_err: str | None = None

    if current == 0 and min_replicas != 0:
        desired = 0
        rescale = False
        set_condition_in_list(conditions, "ScalingActive", "False", "ScalingDisabled",
                              "scaling is disabled since the replica count of the target is zero", now)
    elif current > max_replicas:
        rescale_reason = "Current number of replicas above Spec.MaxReplicas"
        desired = max_replicas
    elif current < min_replicas:
        rescale_reason = "Current number of replicas below Spec.MinReplicas"
        desired = min_replicas
    else:
        comp = compute()
        events.extend(comp.events)
        c = comp.condition
        set_condition_in_list(conditions, c["type"], c["status"], c["reason"], c["message"], now)
        metric_statuses = comp.statuses
        if comp.error is not None and comp.replicas == -1:
            events.append(("Warning", "FailedComputeMetricsReplicas", comp.error))
            status = _status(current, int(old_status.get("desiredReplicas", 0)), last_scale_time, metric_statuses,
                             conditions)
            return ReconcileResult(status["desiredReplicas"], False, "", status, state, tuple(events),
                                   f"failed to compute desired number of replicas based on listed metrics for "
                                   f"{reference}: {comp.error}")
        if comp.error is not None:
            ret_err = comp.error
        rescale_metric = ""
        if comp.replicas > desired:
            desired = comp.replicas
            rescale_metric = comp.metric_name
        if desired > current:
            rescale_reason = f"{rescale_metric} above target"
        if desired < current:
            rescale_reason = "All metrics below target"
        if behavior is None:
            norm = normalize_desired_replicas(
                state, current, desired, min_replicas, max_replicas, now,
                downscale_stabilization_window=config.downscale_stabilization_window,
                scale_up_limit_factor=config.scale_up_limit_factor,
                scale_up_limit_minimum=config.scale_up_limit_minimum)
        else:
            norm = normalize_desired_replicas_with_behaviors(
                state, behavior, current, desired, min_replicas, max_replicas, now,
                downscale_stabilization_window=config.downscale_stabilization_window)
        state = norm.state
        set_condition_in_list(conditions, "AbleToScale", "True", norm.able_to_scale_reason,
                              norm.able_to_scale_message, now)
        set_condition_in_list(conditions, "ScalingLimited", "True" if norm.limited else "False",
                              norm.limited_reason, norm.limited_message, now)
        desired = norm.desired_replicas
        rescale = desired != current

    if rescale:
        set_condition_in_list(conditions, "AbleToScale", "True", "SucceededRescale",
                              f"the HPA controller was able to update the target scale to {desired}", now)
        events.append(("Normal", "SuccessfulRescale", f"New size: {desired}; reason: {rescale_reason}"))
        state = store_scale_event(state, behavior, current, desired, now)
        last_scale_time = format_time(now)
    else:
        desired = current
    status = _status(current, desired, last_scale_time, metric_statuses, conditions)
    return ReconcileResult(desired, rescale, rescale_reason, status, state, tuple(events), ret_err)
