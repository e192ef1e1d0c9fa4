"""A fast path for ``reconcile_autoscaler`` over per-pod sequences, for the twin's hot loop.

It gives the same ``ReconcileResult`` (desired replicas, rescale and its reason, the status with
its conditions and metric statuses, the next ``HPAState``, the events, the error) as
``provisor.k8s.hpa.controller.reconcile_autoscaler`` for the inputs it accepts; it is
property-tested against it (tests/k8s/test_hpa_fast.py). Upstream: kubernetes/kubernetes
``pkg/controller/podautoscaler/horizontal.go`` (``reconcileAutoscaler``,
``computeReplicasForMetrics``), ``replica_calculator.go`` (``GetResourceReplicas``,
``GetRawResourceReplicas``, ``groupPods``, ``calculatePodRequests``) and
``metrics/utilization.go`` (``GetResourceUtilizationRatio``, ``GetMetricUsageRatio``).

What is faster and why it is the same:

* the HPA spec is read once (``CompiledHPA.compile``): min/max, the metric list, the parsed
  ``Behavior`` and the tolerances, instead of on every sync;
* pods come as ``PodArrays`` (phase code, deletion, Ready condition, ``startTime``, its
  ``lastTransitionTime``, per-resource requests in milli-units, computed once per pod by the
  caller) and each resource metric as ``ResourceSamples`` aligned with them (present flag,
  milli-value, timestamp, window), instead of Pod dicts re-read (requests re-parsed from
  quantities) and ``PodMetric`` maps on every sync; ``groupPods`` is one pass over them and
  the utilization ratio integer sums over index lists. (A Deployment's pods are tens at most:
  plain sequences measured faster than numpy arrays, whose per-call overhead dominated at
  that size; a numpy stabilization window over 61 recommendations measured slower too.)
* metric-status quantities (``_milli_quantity``) are memoised;
* the conditions list is copied one level deep (conditions are flat string dicts), not with
  a recursive JSON copy.

Accepted inputs (``CompiledHPA.compile`` answers ``None`` otherwise; use the exact function):
metrics of type ``Resource`` (``averageUtilization`` or ``averageValue`` targets) and
``External`` (``value`` or ``averageValue``). Per-pod requests must have been computed by
``calculate_requests`` for each pod (a pod whose request cannot be computed needs the exact
path). Metrics are per pod of ``pods`` (a sample for a pod that is not listed cannot be
expressed). Units: milli-values (millicores for CPU), seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from provisor.k8s.hpa.behavior import (
    Behavior,
    HPAState,
    record_initial_recommendation,
)
from provisor.k8s.hpa.controller import (
    ControllerConfig,
    MetricResult,
    ReconcileResult,
    _calculator_for,
    _failed,
    _metric_identifier,
    _milli_quantity,
    combine_metric_results,
    decide_and_rescale,
    MetricsComputation,
    compute_replicas_for_metric,
    go_label_selector_string,
    set_condition_in_list,
    tolerances_for_hpa,
)
from provisor.k8s.hpa.replica_calculator import (
    GO_ZERO_TIME,
    HPAError,
    ReplicaCalculator,
    StaticMetricsClient,
    Tolerances,
    _ceil32,
    _fdiv,
    _go_div,
    _wrap32,
    milli_value,
)

__all__ = ["PHASE_CODES", "CompiledHPA", "PodArrays", "ResourceSamples", "fast_reconcile_autoscaler"]

#: ``PodArrays.phase`` codes.
PHASE_CODES = {"Pending": 0, "Running": 1, "Succeeded": 2, "Failed": 3, "Unknown": 4}
_PENDING, _RUNNING, _FAILED = 0, 1, 3


class PodArrays(NamedTuple):
    """The pods the target's selector matches, one entry per pod in each sequence (Python
    scalars: the sums are exact integers, as Go's int64 arithmetic on in-range values).

    Attributes:
        phase: int codes (``PHASE_CODES``).
        deleting: a ``deletionTimestamp`` is set.
        has_ready: the pod has a ``Ready`` condition.
        ready_true / ready_false: its status is ``"True"`` / ``"False"`` (both false for
            ``"Unknown"``).
        start: ``status.startTime`` in seconds, NaN when unset.
        ltt: the Ready condition's ``lastTransitionTime`` in seconds (``GO_ZERO_TIME`` when
            unset).
        requests: resource name -> request per pod in milli-units, as
            ``calculate_requests(pods, "", resource)`` gives (needed for each resource of a
            utilization target; a pod it refuses needs the exact path).
    """

    phase: Sequence[int]
    deleting: Sequence[bool]
    has_ready: Sequence[bool]
    ready_true: Sequence[bool]
    ready_false: Sequence[bool]
    start: Sequence[float]
    ltt: Sequence[float]
    requests: Mapping[str, Sequence[int]]


class ResourceSamples(NamedTuple):
    """One resource metric from metrics-server, aligned with ``PodArrays``: ``present`` (the
    pod has a sample), ``value`` (int milli-value), ``timestamp`` and ``window`` (seconds)."""

    present: Sequence[bool]
    value: Sequence[int]
    timestamp: Sequence[float]
    window: Sequence[float]


@dataclass(frozen=True)
class CompiledHPA:
    """An HPA's spec read once: ``namespace``, ``reference`` (kind/namespace/name, as in the
    error texts), ``min_replicas``, ``max_replicas``, ``metrics`` (the spec list),
    ``behavior`` (``Behavior`` or ``None``), ``tolerances``, ``config``."""

    namespace: str
    reference: str
    min_replicas: int
    max_replicas: int
    metrics: tuple[Mapping[str, Any], ...]
    behavior: Behavior | None
    tolerances: Tolerances
    config: ControllerConfig

    @classmethod
    def compile(cls, hpa: Mapping[str, Any], config: ControllerConfig | None = None) -> CompiledHPA | None:
        """Read ``hpa`` (autoscaling/v2 JSON form, API defaults applied); ``None`` when a
        metric is of a kind the fast path does not take (see the module docstring)."""
        config = ControllerConfig() if config is None else config
        spec = hpa.get("spec") or {}
        meta = hpa.get("metadata") or {}
        for m in spec.get("metrics") or ():
            t = m.get("type", "")
            if t == "Resource":
                target = (m.get("resource") or {}).get("target") or {}
                if target.get("averageValue") is None and target.get("averageUtilization") is None:
                    return None
            elif t == "External":
                target = (m.get("external") or {}).get("target") or {}
                if target.get("averageValue") is None and target.get("value") is None:
                    return None
            else:
                return None
        ns = meta.get("namespace", "")
        ref = spec.get("scaleTargetRef") or {}
        mn = spec.get("minReplicas")
        b = spec.get("behavior")
        return cls(ns, f"{ref.get('kind', '')}/{ns}/{ref.get('name', '')}", 1 if mn is None else int(mn),
                   int(spec.get("maxReplicas", 0)), tuple(spec.get("metrics") or ()),
                   None if b is None else Behavior.from_dict(b),
                   tolerances_for_hpa(b, config.tolerance, configurable_tolerance=config.configurable_tolerance),
                   config)


def _groups(pods: PodArrays, s: ResourceSamples, is_cpu: bool, calc: ReplicaCalculator,
            now: float) -> tuple[list[int], list[int], list[int]]:
    """``groupPods`` as index lists: (ready, unready, missing); the rest is ignored."""
    ready: list[int] = []
    unready: list[int] = []
    missing: list[int] = []
    init = calc.cpu_initialization_period
    delay = calc.delay_of_initial_readiness_status
    present = s.present
    for i, ph in enumerate(pods.phase):
        if pods.deleting[i] or ph == _FAILED:
            continue
        if ph == _PENDING:
            unready.append(i)
            continue
        if not present[i]:
            missing.append(i)
            continue
        if is_cpu:
            start = pods.start[i]
            if not pods.has_ready[i] or math.isnan(start):
                unready.append(i)
                continue
            if start + init > now:
                not_ready = pods.ready_false[i] or s.timestamp[i] < pods.ltt[i] + s.window[i]
            else:
                not_ready = pods.ready_false[i] and start + delay > pods.ltt[i]
            if not_ready:
                unready.append(i)
                continue
        ready.append(i)
    return ready, unready, missing


def _resource(src: Mapping[str, Any], spec_replicas: int, pods: PodArrays, samples: ResourceSamples | None,
              ts: float, calc: ReplicaCalculator, tol: Tolerances, now: float) -> MetricResult:
    target = src.get("target") or {}
    resource = src.get("name", "")
    reason = "FailedGetResourceMetric"
    util = target.get("averageValue") is None
    what = "utilization" if util else "usage"
    try:
        if samples is None or not any(samples.present):
            raise HPAError(f"unable to get metrics for resource {resource}: no metrics returned from resource "
                           "metrics API")
        if len(pods.phase) == 0:
            raise HPAError("no pods returned by selector while calculating replica count")
        ready, unready, missing = _groups(pods, samples, resource == "cpu", calc, now)
        # the pods whose sample stays in ``values``: ready ones (a sample, not ignored, not unready)
        kept = ready
        if not kept:
            raise HPAError("did not receive metrics for targeted pods (pods might be unready)")
        v = samples.value
        n_kept = len(kept)
        m_total = sum(v[i] for i in kept)
        if util:
            req = pods.requests[resource]
            target_util = int(target["averageUtilization"])
            r_total = sum(req[i] for i in kept)
            if r_total == 0:
                raise HPAError("no metrics returned matched known pods")
            utilization = _wrap32(_go_div(m_total * 100, r_total))
            ratio = _fdiv(float(utilization), float(target_util))
            raw = _go_div(m_total, n_kept)
            replicas = spec_replicas
            up_unready = bool(unready) and ratio > 1.0
            if not up_unready and not missing:
                if not tol.is_within(ratio):
                    replicas = _ceil32(ratio * float(n_kept))
            else:
                m2, r2, n2 = m_total, r_total, n_kept
                if missing and ratio != 1.0:  # at exactly 1.0 upstream adds nothing
                    if ratio < 1.0:
                        fb = max(100, target_util)
                        m2 += sum(_go_div(req[i] * fb, 100) for i in missing)
                    r2 += sum(req[i] for i in missing)
                    n2 += len(missing)
                if up_unready:
                    r2 += sum(req[i] for i in unready)
                    n2 += len(unready)
                if r2 == 0:
                    raise HPAError("no metrics returned matched known pods")
                new_ratio = _fdiv(float(_wrap32(_go_div(m2 * 100, r2))), float(target_util))
                if not (tol.is_within(new_ratio) or (ratio < 1.0 and new_ratio > 1.0)
                        or (ratio > 1.0 and new_ratio < 1.0)):
                    nr = _ceil32(new_ratio * float(n2))
                    if not ((new_ratio < 1.0 and nr > spec_replicas) or (new_ratio > 1.0 and nr < spec_replicas)):
                        replicas = nr
            current: dict[str, Any] = {"averageUtilization": utilization, "averageValue": _mq(raw)}
            name = f"{resource} resource utilization (percentage of request)"
        else:
            target_usage = milli_value(target["averageValue"])
            usage = _go_div(m_total, n_kept)
            ratio = _fdiv(float(usage), float(target_usage))
            replicas = spec_replicas
            up_unready = bool(unready) and ratio > 1.0
            if not up_unready and not missing:
                if not tol.is_within(ratio):
                    replicas = _ceil32(ratio * float(n_kept))
            else:
                t2, n2 = m_total, n_kept
                if missing and ratio != 1.0:
                    if ratio < 1.0:
                        t2 += target_usage * len(missing)
                    n2 += len(missing)
                if up_unready:
                    n2 += len(unready)
                new_ratio = _fdiv(float(_go_div(t2, n2)), float(target_usage))
                if not (tol.is_within(new_ratio) or (ratio < 1.0 and new_ratio > 1.0)
                        or (ratio > 1.0 and new_ratio < 1.0)):
                    nr = _ceil32(new_ratio * float(n2))
                    if not ((new_ratio < 1.0 and nr > spec_replicas) or (new_ratio > 1.0 and nr < spec_replicas)):
                        replicas = nr
            current = {"averageValue": _mq(usage)}
            name = f"{resource} resource"
    except HPAError as e:
        err = f"failed to get {resource} {what}: {e}"
        res = _failed(err, reason, err)
        return res._replace(error=f"failed to get {resource} resource metric value: {res.error}")
    status = {"type": "Resource", "resource": {"name": resource, "current": current}}
    return MetricResult(replicas, name, ts, status, None, None, ())


@lru_cache(maxsize=4096)
def _mq(milli: int) -> str:
    """``_milli_quantity`` (a quantity's canonical text of ``milli``/1000), memoised."""
    return _milli_quantity(milli)


def _external(spec: Mapping[str, Any], namespace: str, spec_replicas: int, status_replicas: int,
              pods: PodArrays, external: Mapping[str, Sequence[int]], ts: float, calc: ReplicaCalculator,
              tol: Tolerances) -> MetricResult:
    src = spec.get("external") or {}
    target = src.get("target") or {}
    if target.get("value") is not None and target.get("averageValue") is None and len(pods.phase) > 0:
        # the only piece that reads pods: the ready count (Running and Ready)
        metric = src.get("metric") or {}
        name = metric.get("name", "")
        values = external.get(name)
        if values:
            ready = sum(1 for ph, r in zip(pods.phase, pods.ready_true) if ph == _RUNNING and r)
            usage = 0
            for x in values:
                if x > 0 and usage > 2**63 - 1 - x:
                    usage = 2**63 - 1
                    break
                usage += x
            ratio = _fdiv(float(usage), float(milli_value(target["value"])))
            if spec_replicas != 0:
                if tol.is_within(ratio):
                    replicas = spec_replicas
                else:
                    f = ratio * float(ready)
                    replicas = 2**31 - 1 if f > 2**31 - 1 else _ceil32(f)
            else:
                replicas = _ceil32(ratio)
            status = {"type": "External", "external": {"metric": _metric_identifier(metric),
                                                       "current": {"value": _mq(usage)}}}
            sel = go_label_selector_string(metric.get("selector"))
            return MetricResult(replicas, f"external metric {name}({sel})", GO_ZERO_TIME, status, None, None, ())
    if target.get("averageValue") is not None:
        metric = src.get("metric") or {}
        name = metric.get("name", "")
        values = external.get(name)
        if values:
            r = calc.get_external_per_pod_metric_replicas(status_replicas, milli_value(target["averageValue"]),
                                                          list(values), tolerances=tol, timestamp=ts)
            status = {"type": "External", "external": {"metric": _metric_identifier(metric),
                                                       "current": {"averageValue": _mq(r.usage)}}}
            sel = go_label_selector_string(metric.get("selector"))
            return MetricResult(r.replicas, f"external metric {name}({sel})", r.timestamp, status, None, None, ())
    # the errors, as the exact code gives them (it does not look at the pods' fields there)
    client = StaticMetricsClient(external=external, timestamp=ts)
    return compute_replicas_for_metric(spec, namespace=namespace, spec_replicas=spec_replicas,
                                       status_replicas=status_replicas, pods=[{}] * len(pods.phase),
                                       metrics_client=client, calculator=calc, tolerances=tol, now=0.0)


def fast_reconcile_autoscaler(
    hpa: CompiledHPA,
    old_status: Mapping[str, Any],
    *,
    spec_replicas: int,
    status_replicas: int,
    pods: PodArrays,
    resource_metrics: Mapping[str, ResourceSamples],
    external_metrics: Mapping[str, Sequence[int]],
    metrics_timestamp: float,
    state: HPAState,
    now: float,
) -> ReconcileResult:
    """One sync of one HPA, as ``reconcile_autoscaler(hpa_dict, ...)`` with ``hpa_dict``'s
    ``status`` = ``old_status``, the pods given as arrays and a ``StaticMetricsClient`` holding
    ``resource_metrics`` (resource name -> samples, container "") and ``external_metrics``
    (metric name -> milli-values), both answering with ``metrics_timestamp``.

    Returns the same ``ReconcileResult``. The old status is not modified.
    """
    calc = _calculator_for(hpa.config)
    conditions = [dict(c) for c in old_status.get("conditions") or ()]
    last_scale_time = old_status.get("lastScaleTime")
    events: list[tuple[str, str, str]] = []
    set_condition_in_list(conditions, "AbleToScale", "True", "SucceededGetScale",
                          "the HPA controller was able to get the target's current scale", now)
    current = spec_replicas
    state = record_initial_recommendation(state, current, now)

    def compute() -> MetricsComputation:       # computeReplicasForMetrics
        tol = hpa.tolerances
        results = []
        for spec in hpa.metrics:
            if spec.get("type") == "Resource":
                src = spec.get("resource") or {}
                results.append(_resource(src, spec_replicas, pods,
                                         resource_metrics.get(src.get("name", "")),
                                         metrics_timestamp, calc, tol, now))
            else:
                results.append(_external(spec, hpa.namespace, spec_replicas, status_replicas,
                                         pods, external_metrics, metrics_timestamp, calc, tol))
        return combine_metric_results(results, spec_replicas)

    return decide_and_rescale(
        compute, current=current, min_replicas=hpa.min_replicas, max_replicas=hpa.max_replicas,
        behavior=hpa.behavior, config=hpa.config, state=state, conditions=conditions,
        events=events, last_scale_time=last_scale_time, old_status=old_status,
        reference=hpa.reference, now=now)
