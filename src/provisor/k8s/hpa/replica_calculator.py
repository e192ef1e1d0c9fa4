"""The HPA replica calculator: pod grouping, requests, utilization and one method per metric source.

Follows kubernetes/kubernetes ``pkg/controller/podautoscaler/replica_calculator.go`` (with the
per-direction ``Tolerances`` of KEP-4951), ``pkg/controller/podautoscaler/metrics/utilization.go``
and, for turning metrics-API objects into per-pod values, ``pkg/controller/podautoscaler/metrics/
client.go`` (after kubernetes PR #127193: a pod whose metrics lack the requested container is
treated as a pod with missing metrics, not as an error).

Units: CPU values and requests in integer millicores, memory in integer milli-bytes (upstream
works on ``Quantity.MilliValue()`` for every resource and every custom/external metric); time
in float seconds (``now``, ``PodMetric.timestamp``, ``PodMetric.window``, the periods);
utilization as an integer percent of the request, as the HPA defines it. Timestamps inside Pod
dicts (``status.startTime``, ``lastTransitionTime``) may be RFC 3339 strings, ``datetime``
objects or numbers of seconds on the same clock as ``now``. Go's zero ``time.Time`` is
``GO_ZERO_TIME`` (0001-01-01T00:00:00Z as Unix seconds); a Ready condition without
``lastTransitionTime`` reads as that value, exactly as the Go struct does.

Integer arithmetic is Python's exact arithmetic with Go's truncating division; float
expressions are evaluated in the same order as upstream with IEEE doubles, so ratios and
``ceil`` results match bit for bit. Where Go converts an out-of-range float to int32/int64
(implementation-defined in Go) the value is clamped to the target range; upstream itself clamps
the Object/External paths to ``MaxInt32`` / ``MaxInt64``, and those clamps are reproduced exactly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterable, Mapping, NamedTuple, Protocol, Sequence

from provisor.quantity import Quantity

__all__ = [
    "GO_ZERO_TIME",
    "MAX_INT32",
    "MAX_INT64",
    "DEFAULT_TOLERANCE",
    "DEFAULT_CPU_INITIALIZATION_PERIOD",
    "DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS",
    "HPAError",
    "PodMetric",
    "Tolerances",
    "PodGroups",
    "ResourceReplicas",
    "MetricReplicas",
    "ReplicaCalculator",
    "MetricsClient",
    "MetricsAPIClient",
    "StaticMetricsClient",
    "group_pods",
    "calculate_requests",
    "calculate_pod_requests_from_containers",
    "calculate_pod_level_requests",
    "get_resource_utilization_ratio",
    "get_metric_usage_ratio",
    "get_ready_pods_count",
    "is_pod_ready",
    "to_seconds",
    "format_time",
    "parse_go_duration",
    "milli_value",
    "resource_metrics_from_pod_metrics",
    "pod_metrics_from_custom_metrics",
    "external_metric_values",
]

GO_ZERO_TIME = -62135596800.0  # time.Time{} (0001-01-01T00:00:00Z) in Unix seconds
MAX_INT32 = 2**31 - 1
MIN_INT32 = -(2**31)
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)

# kube-controller-manager defaults (pkg/controller/podautoscaler/config/v1alpha1/defaults.go).
DEFAULT_TOLERANCE = 0.1
DEFAULT_CPU_INITIALIZATION_PERIOD = 300.0
DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS = 30.0

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class HPAError(Exception):
    """A replica computation that upstream answers with an ``error``.

    ``str(err)`` is upstream's message, word for word (e.g. ``did not receive metrics for
    targeted pods (pods might be unready)``, ``missing request for cpu in container c of Pod
    p``, ``no metrics returned matched known pods``). Metrics clients raise it for an
    unavailable metric; the callers wrap it the way upstream does.
    """


# ---------------------------------------------------------------------------------------------
# small Go-semantics helpers


def _go_div(a: int, b: int) -> int:
    """Go integer division: truncates toward zero (raises ZeroDivisionError like Go panics)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _wrap64(x: int) -> int:
    return ((x + 2**63) % 2**64) - 2**63


def _wrap32(x: int) -> int:
    return ((x + 2**31) % 2**32) - 2**31


def _fdiv(a: float, b: float) -> float:
    """IEEE float division as Go evaluates it at run time (x/0 is ±Inf, 0/0 is NaN)."""
    if b == 0.0:
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _float_to_int(x: float, lo: int, hi: int) -> int:
    if x != x:
        return lo
    if x >= hi:
        return hi
    if x <= lo:
        return lo
    return int(x)


def _ceil32(x: float) -> int:
    """``int32(math.Ceil(x))`` (clamped where Go's conversion is undefined)."""
    if x != x or math.isinf(x):
        return _float_to_int(x, MIN_INT32, MAX_INT32)
    return _float_to_int(float(math.ceil(x)), MIN_INT32, MAX_INT32)


def _ceil64(x: float) -> int:
    if x != x or math.isinf(x):
        return _float_to_int(x, MIN_INT64, MAX_INT64)
    return _float_to_int(float(math.ceil(x)), MIN_INT64, MAX_INT64)


_TIME_CACHE_MAX = 65536


@lru_cache(maxsize=_TIME_CACHE_MAX, typed=True)
def _parse_rfc3339(text: str) -> float:
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    delta = dt - _EPOCH
    return delta.days * 86400.0 + delta.seconds + delta.microseconds / 1e6


def to_seconds(value: Any) -> float | None:
    """A timestamp as float seconds on the caller's clock; ``None`` stays ``None``.

    Accepts numbers (taken as seconds), ``datetime`` (naive ones as UTC) and RFC 3339 strings
    (``2024-05-01T10:00:00Z``); strings are parsed once and cached.
    """
    if value is None:
        return None
    return _seconds(value)


def _seconds(value: Any) -> float:
    """``to_seconds`` of a value that is not ``None``; raises ``TypeError`` for any other
    type (``None`` included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, datetime):
        dt = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        delta = dt - _EPOCH
        return delta.days * 86400.0 + delta.seconds + delta.microseconds / 1e6
    if isinstance(value, str):
        return _parse_rfc3339(value)
    raise TypeError(f"not a timestamp: {value!r}")


def format_time(seconds: float) -> str:
    """RFC 3339 at second precision, as ``metav1.Time`` serialises (``2024-05-01T10:00:00Z``)."""
    whole = math.floor(seconds)
    days, rem = divmod(int(whole) + 62135596800, 86400)
    dt = datetime(1, 1, 1, tzinfo=timezone.utc).fromordinal(days + 1)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{h:02d}:{m:02d}:{s:02d}Z"


_DURATION_RE = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
                   "m": 60.0, "h": 3600.0}


def parse_go_duration(value: Any) -> float:
    """A ``metav1.Duration`` (Go duration text such as ``1m0s``, ``30s``, ``1.5h``) or a number
    of seconds, as float seconds. Raises ``ValueError`` on malformed text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    sign = 1.0
    if text[:1] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    pos = 0
    total = 0.0
    for m in _DURATION_RE.finditer(text):
        if m.start() != pos:
            raise ValueError(f"time: invalid duration {value!r}")
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"time: invalid duration {value!r}")
    return sign * total


@lru_cache(maxsize=16384, typed=True)
def _milli_of_text(text: str) -> int:
    return Quantity.parse(text).milli_value()


def milli_value(q: Any) -> int:
    """``Quantity.MilliValue()`` (rounded up) of a quantity string, number or ``Quantity``."""
    if isinstance(q, str):
        return _milli_of_text(q)
    return Quantity.parse(q).milli_value()


# ---------------------------------------------------------------------------------------------
# values


@dataclass(frozen=True, slots=True)
class PodMetric:
    """One pod's metric sample (upstream ``metrics.PodMetric``).

    ``value`` is the milli-value (millicores for CPU); ``timestamp`` and ``window`` are float
    seconds. The defaults are Go's zero values (``GO_ZERO_TIME`` and a zero window), which the
    CPU readiness rules read as a stale sample: give real ones for CPU.
    """

    value: int
    timestamp: float = GO_ZERO_TIME
    window: float = 0.0


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Scale-down and scale-up tolerances (fractions, e.g. 0.1). A usage ratio ``r`` is within
    tolerance when ``1 - scale_down <= r <= 1 + scale_up`` (both ends inclusive)."""

    scale_down: float = DEFAULT_TOLERANCE
    scale_up: float = DEFAULT_TOLERANCE

    def is_within(self, usage_ratio: float) -> bool:
        return (1.0 - self.scale_down) <= usage_ratio <= (1.0 + self.scale_up)

    def __str__(self) -> str:
        return f"[down:{self.scale_down * 100.0:.1f}%, up:{self.scale_up * 100.0:.1f}%]"


class PodGroups(NamedTuple):
    """``groupPods``' answer: ready count and the names of unready, missing and ignored pods."""

    ready_pod_count: int
    unready_pods: set[str]
    missing_pods: set[str]
    ignored_pods: set[str]


class ResourceReplicas(NamedTuple):
    """Answer of the utilization methods: replicas, utilization (int percent, truncated),
    raw average value (milli-units per pod) and the metrics' timestamp (seconds)."""

    replicas: int
    utilization: int
    raw_utilization: int
    timestamp: float


class MetricReplicas(NamedTuple):
    """Answer of the value methods: replicas, usage (milli-units: per pod for average
    targets, total for value targets) and the metrics' timestamp (seconds)."""

    replicas: int
    usage: int
    timestamp: float


# ---------------------------------------------------------------------------------------------
# pods


def _meta_name(pod: Mapping[str, Any]) -> str:
    return (pod.get("metadata") or {}).get("name", "")


def _ready_condition(status: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond
    return None


def is_pod_ready(pod: Mapping[str, Any]) -> bool:
    """``podutil.IsPodReady``: the Ready condition is present with status ``True``."""
    cond = _ready_condition(pod.get("status") or {})
    return cond is not None and cond.get("status") == "True"


def group_pods(
    pods: Iterable[Mapping[str, Any]],
    metrics: Mapping[str, Any],
    resource: str,
    cpu_initialization_period: float,
    delay_of_initial_readiness_status: float,
    now: float,
) -> PodGroups:
    """Classify pods as upstream ``groupPods`` does.

    * pods with a ``deletionTimestamp`` or in phase ``Failed`` are ignored;
    * ``Pending`` pods are unready;
    * pods without a metric are missing;
    * for ``resource == "cpu"`` only: a pod without a Ready condition or ``startTime`` is
      unready; within ``cpu_initialization_period`` seconds of ``startTime`` it is unready when
      not Ready or when its sample is older than ``lastTransitionTime + window``; later it is
      unready only if not Ready and it never became ready (``startTime +
      delay_of_initial_readiness_status`` after ``lastTransitionTime``);
    * every other pod is ready (counted, not named).

    ``metrics`` maps pod names to ``PodMetric`` (only membership, ``timestamp`` and ``window``
    are read). Times are seconds; ``now`` is the controller's clock.
    """
    ready = 0
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    is_cpu = resource == "cpu"
    for pod in pods:
        meta = pod.get("metadata") or {}
        name = meta.get("name", "")
        status = pod.get("status") or {}
        phase = status.get("phase")
        if meta.get("deletionTimestamp") is not None or phase == "Failed":
            ignored.add(name)
            continue
        if phase == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if is_cpu:
            cond = _ready_condition(status)
            start_raw = status.get("startTime")
            if cond is None or start_raw is None:
                not_ready = True
            else:
                start = _seconds(start_raw)
                ltt_raw = cond.get("lastTransitionTime")
                ltt = GO_ZERO_TIME if ltt_raw is None else _seconds(ltt_raw)
                if start + cpu_initialization_period > now:
                    not_ready = (cond.get("status") == "False"
                                 or metric.timestamp < ltt + metric.window)
                else:
                    not_ready = (cond.get("status") == "False"
                                 and start + delay_of_initial_readiness_status > ltt)
            if not_ready:
                unready.add(name)
                continue
        ready += 1
    return PodGroups(ready, unready, missing, ignored)


def get_ready_pods_count(pods: Sequence[Mapping[str, Any]]) -> int:
    """Pods in phase ``Running`` whose Ready condition is ``True`` (``getReadyPodsCount``).

    Raises ``HPAError("no pods returned by selector while calculating replica count")`` for an
    empty list.
    """
    if not pods:
        raise HPAError("no pods returned by selector while calculating replica count")
    n = 0
    for pod in pods:
        if (pod.get("status") or {}).get("phase") == "Running" and is_pod_ready(pod):
            n += 1
    return n


def calculate_pod_requests_from_containers(pod: Mapping[str, Any], container: str, resource: str) -> int:
    """Request of ``resource`` (milli-units) summed over the pod's containers and restartable
    init containers, or of the one container named ``container`` (upstream
    ``calculatePodRequestsFromContainers``).

    Raises ``HPAError`` ``missing request for <res> in container <c> of Pod <p>`` or
    ``container <c> not found in Pod <p>``.
    """
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or ())
    for ic in spec.get("initContainers") or ():
        if ic.get("restartPolicy") == "Always":
            containers.append(ic)
    total = 0
    for c in containers:
        cname = c.get("name", "")
        if container == "" or container == cname:
            reqs = (c.get("resources") or {}).get("requests") or {}
            if resource not in reqs:
                raise HPAError(
                    f"missing request for {resource} in container {cname} of Pod {_meta_name(pod)}")
            total += milli_value(reqs[resource])
        if container == cname:
            return total
    if container != "":
        raise HPAError(f"container {container} not found in Pod {_meta_name(pod)}")
    return total


def calculate_pod_level_requests(pod: Mapping[str, Any], resource: str) -> int:
    """Request of ``resource`` (milli-units) from the pod's effective requests
    (``resourcehelpers.PodRequests``, pod-level resources and overhead included).

    Raises ``HPAError("missing pod-level request for <res> in Pod <p>")``.
    """
    from provisor.k8s.resources import pod_requests  # sibling module, see provisor.k8s.resources

    reqs = pod_requests(pod)
    q = reqs.get(resource)
    if q is None:
        raise HPAError(f"missing pod-level request for {resource} in Pod {_meta_name(pod)}")
    return q.milli_value()


def calculate_requests(
    pods: Iterable[Mapping[str, Any]],
    container: str,
    resource: str,
    *,
    pod_level_resources: bool = True,
) -> dict[str, int]:
    """Pod name -> request of ``resource`` in milli-units (upstream ``calculateRequests``).

    With ``pod_level_resources`` (the PodLevelResources feature gate, on by default since
    1.34) and no ``container``, a pod with pod-level ``spec.resources.requests`` is measured by
    its pod-level request; otherwise containers are summed (or the named container taken).
    Raises ``HPAError`` as the two helpers do.
    """
    out: dict[str, int] = {}
    for pod in pods:
        if pod_level_resources and container == "" and _pod_level_requests_set(pod):
            out[_meta_name(pod)] = calculate_pod_level_requests(pod, resource)
        else:
            out[_meta_name(pod)] = calculate_pod_requests_from_containers(pod, container, resource)
    return out


def _pod_level_requests_set(pod: Mapping[str, Any]) -> bool:
    res = (pod.get("spec") or {}).get("resources")
    if not res:
        return False
    from provisor.k8s.resources import is_pod_level_requests_set

    return is_pod_level_requests_set(pod)


# ---------------------------------------------------------------------------------------------
# metrics/utilization.go


def get_resource_utilization_ratio(
    metrics: Mapping[str, int], requests: Mapping[str, int], target_utilization: int
) -> tuple[float, int, int]:
    """Usage ratio, current utilization (int percent) and raw average (milli-units per pod)
    over the pods that have both a metric and a request (``GetResourceUtilizationRatio``).

    ``metrics`` maps pod names to milli-values. Utilization is ``(sum(metrics) * 100) //
    sum(requests)`` truncated, as int32; the ratio is ``utilization / target``. Raises
    ``HPAError("no metrics returned matched known pods")`` when the request total is zero.
    """
    metrics_total = 0
    requests_total = 0
    entries = 0
    for name, value in metrics.items():
        request = requests.get(name)
        if request is None:
            continue
        metrics_total += value
        requests_total += request
        entries += 1
    if requests_total == 0:
        raise HPAError("no metrics returned matched known pods")
    utilization = _wrap32(_go_div(metrics_total * 100, requests_total))
    return (_fdiv(float(utilization), float(target_utilization)), utilization,
            _go_div(metrics_total, entries))


def get_metric_usage_ratio(metrics: Mapping[str, int], target_usage: int) -> tuple[float, int]:
    """Usage ratio and average usage (milli-units per pod, truncated) of plain per-pod metrics
    (``GetMetricUsageRatio``); ``metrics`` maps pod names to milli-values."""
    total = 0
    for value in metrics.values():
        total += value
    current = _go_div(total, len(metrics))
    return _fdiv(float(current), float(target_usage)), current


# ---------------------------------------------------------------------------------------------
# metrics clients (pkg/controller/podautoscaler/metrics/client.go)


class MetricsClient(Protocol):
    """What the HPA asks its metrics APIs (upstream ``metrics.MetricsClient``).

    Each call returns already-converted values; an unavailable metric raises ``HPAError``
    with the client's message (e.g. ``no metrics returned from resource metrics API``).
    Timestamps are float seconds; values are milli-values.
    """

    def get_resource_metric(self, resource: str, namespace: str, container: str
                            ) -> tuple[Mapping[str, PodMetric], float]: ...

    def get_raw_metric(self, metric_name: str, namespace: str, metric_selector: Mapping[str, Any] | None
                       ) -> tuple[Mapping[str, PodMetric], float]: ...

    def get_object_metric(self, metric_name: str, namespace: str, described_object: Mapping[str, Any],
                          metric_selector: Mapping[str, Any] | None) -> tuple[int, float]: ...

    def get_external_metric(self, metric_name: str, namespace: str, metric_selector: Mapping[str, Any] | None
                            ) -> tuple[list[int], float]: ...


def resource_metrics_from_pod_metrics(
    items: Sequence[Mapping[str, Any]], resource: str, container: str = ""
) -> tuple[dict[str, PodMetric], float]:
    """metrics.k8s.io ``PodMetrics`` objects -> (pod name -> ``PodMetric``, timestamp of the
    first item), as ``resourceMetricsClient.GetResourceMetric`` converts them.

    Without ``container`` a pod's value is the sum over its containers, and a pod with no
    containers or with a container lacking ``resource`` is left out (missing). With
    ``container`` only that container counts; a pod without it, or whose entry lacks the
    resource, is left out. Raises ``HPAError("no metrics returned from resource metrics
    API")`` for an empty list.
    """
    if not items:
        raise HPAError("no metrics returned from resource metrics API")
    out: dict[str, PodMetric] = {}
    for m in items:
        name = (m.get("metadata") or {}).get("name", "")
        ts = to_seconds(m.get("timestamp"))
        ts = GO_ZERO_TIME if ts is None else ts
        win_raw = m.get("window")
        window = 0.0 if win_raw is None else parse_go_duration(win_raw)
        containers = m.get("containers") or ()
        if container:
            for c in containers:
                if c.get("name", "") == container:
                    usage = c.get("usage") or {}
                    if resource in usage:
                        out[name] = PodMetric(milli_value(usage[resource]), ts, window)
                    break
            continue
        if not containers:
            continue
        total = 0
        for c in containers:
            usage = c.get("usage") or {}
            if resource not in usage:
                break
            total += milli_value(usage[resource])
        else:
            out[name] = PodMetric(total, ts, window)
    first = to_seconds(items[0].get("timestamp"))
    return out, (GO_ZERO_TIME if first is None else first)


def pod_metrics_from_custom_metrics(items: Sequence[Mapping[str, Any]]) -> tuple[dict[str, PodMetric], float]:
    """custom.metrics.k8s.io ``MetricValue`` objects for pods -> (pod name -> ``PodMetric``,
    timestamp of the first item), as ``customMetricsClient.GetRawMetric`` converts them
    (window from ``windowSeconds``, default 60 s). Raises ``HPAError("no metrics returned
    from custom metrics API")`` for an empty list."""
    if not items:
        raise HPAError("no metrics returned from custom metrics API")
    out: dict[str, PodMetric] = {}
    for m in items:
        name = (m.get("describedObject") or {}).get("name", "")
        ws = m.get("windowSeconds")
        window = 60.0 if ws is None else float(ws)
        ts = to_seconds(m.get("timestamp"))
        out[name] = PodMetric(milli_value(m.get("value", "0")), GO_ZERO_TIME if ts is None else ts, window)
    first = to_seconds(items[0].get("timestamp"))
    return out, (GO_ZERO_TIME if first is None else first)


def external_metric_values(items: Sequence[Mapping[str, Any]]) -> tuple[list[int], float]:
    """external.metrics.k8s.io ``ExternalMetricValue`` objects -> (milli-values, timestamp of
    the first item). Raises ``HPAError("no metrics returned from external metrics API")``."""
    if not items:
        raise HPAError("no metrics returned from external metrics API")
    first = to_seconds(items[0].get("timestamp"))
    return [milli_value(m.get("value", "0")) for m in items], (GO_ZERO_TIME if first is None else first)


class MetricsAPIClient:
    """A ``MetricsClient`` over metrics-API objects in JSON form (the REST client's conversion).

    Args:
        pod_metrics: metrics.k8s.io ``PodMetrics`` items for the selected pods, or ``None``
            when the resource metrics API fails.
        custom_pod_metrics: metric name -> custom.metrics.k8s.io ``MetricValue`` items for pods.
        object_metrics: (metric name, described object name) -> ``MetricValue`` item.
        external_metrics: metric name -> external.metrics.k8s.io ``ExternalMetricValue`` items.
        error: when set, every call raises ``HPAError`` with ``unable to fetch metrics from
            <API>: <error>`` (the REST client's wording for a failed request).
        resource_error / custom_error / external_error: the same, for one API only.
    """

    __slots__ = ("pod_metrics", "custom_pod_metrics", "object_metrics", "external_metrics", "resource_error",
                 "custom_error", "external_error")

    def __init__(self, pod_metrics: Sequence[Mapping[str, Any]] | None = None, *,
                 custom_pod_metrics: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                 object_metrics: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
                 external_metrics: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                 error: str | None = None, resource_error: str | None = None, custom_error: str | None = None,
                 external_error: str | None = None) -> None:
        self.pod_metrics = pod_metrics
        self.custom_pod_metrics = custom_pod_metrics or {}
        self.object_metrics = object_metrics or {}
        self.external_metrics = external_metrics or {}
        self.resource_error = resource_error if resource_error is not None else error
        self.custom_error = custom_error if custom_error is not None else error
        self.external_error = external_error if external_error is not None else error

    def get_resource_metric(self, resource: str, namespace: str, container: str
                            ) -> tuple[dict[str, PodMetric], float]:
        if self.resource_error is not None:
            raise HPAError(f"unable to fetch metrics from resource metrics API: {self.resource_error}")
        metrics, ts = resource_metrics_from_pod_metrics(self.pod_metrics or (), resource, container)
        return metrics, ts

    def get_raw_metric(self, metric_name: str, namespace: str, metric_selector: Mapping[str, Any] | None
                       ) -> tuple[dict[str, PodMetric], float]:
        if self.custom_error is not None:
            raise HPAError(f"unable to fetch metrics from custom metrics API: {self.custom_error}")
        return pod_metrics_from_custom_metrics(self.custom_pod_metrics.get(metric_name) or ())

    def get_object_metric(self, metric_name: str, namespace: str, described_object: Mapping[str, Any],
                          metric_selector: Mapping[str, Any] | None) -> tuple[int, float]:
        if self.custom_error is not None:
            raise HPAError(f"unable to fetch metrics from custom metrics API: {self.custom_error}")
        item = self.object_metrics.get((metric_name, described_object.get("name", "")))
        if item is None:
            raise HPAError("unable to fetch metrics from custom metrics API: the server could not "
                           "find the metric " + metric_name + " for " + described_object.get("kind", "")
                           + " " + described_object.get("name", ""))
        ts = to_seconds(item.get("timestamp"))
        return milli_value(item.get("value", "0")), (GO_ZERO_TIME if ts is None else ts)

    def get_external_metric(self, metric_name: str, namespace: str, metric_selector: Mapping[str, Any] | None
                            ) -> tuple[list[int], float]:
        if self.external_error is not None:
            raise HPAError(f"unable to fetch metrics from external metrics API: {self.external_error}")
        return external_metric_values(self.external_metrics.get(metric_name) or ())


class StaticMetricsClient:
    """A ``MetricsClient`` over already-converted values, for a simulator or a what-if.

    Args:
        resource: (resource, container or "") -> (pod name -> ``PodMetric``); a missing key
            answers ``no metrics returned from resource metrics API``.
        pods: metric name -> (pod name -> ``PodMetric``).
        objects: (metric name, described object name) -> milli-value.
        external: metric name -> milli-values.
        timestamp: the timestamp every answer carries (seconds).
    """

    __slots__ = ("resource", "pods", "objects", "external", "timestamp")

    def __init__(self, *, resource: Mapping[tuple[str, str], Mapping[str, PodMetric]] | None = None,
                 pods: Mapping[str, Mapping[str, PodMetric]] | None = None,
                 objects: Mapping[tuple[str, str], int] | None = None,
                 external: Mapping[str, Sequence[int]] | None = None,
                 timestamp: float = GO_ZERO_TIME) -> None:
        self.resource = resource or {}
        self.pods = pods or {}
        self.objects = objects or {}
        self.external = external or {}
        self.timestamp = timestamp

    def get_resource_metric(self, resource: str, namespace: str, container: str
                            ) -> tuple[Mapping[str, PodMetric], float]:
        m = self.resource.get((resource, container))
        if not m:
            raise HPAError("no metrics returned from resource metrics API")
        return m, self.timestamp

    def get_raw_metric(self, metric_name: str, namespace: str, metric_selector: Mapping[str, Any] | None
                       ) -> tuple[Mapping[str, PodMetric], float]:
        m = self.pods.get(metric_name)
        if not m:
            raise HPAError("no metrics returned from custom metrics API")
        return m, self.timestamp

    def get_object_metric(self, metric_name: str, namespace: str, described_object: Mapping[str, Any],
                          metric_selector: Mapping[str, Any] | None) -> tuple[int, float]:
        key = (metric_name, described_object.get("name", ""))
        if key not in self.objects:
            raise HPAError(f"unable to fetch metrics from custom metrics API: no value for {metric_name}")
        return self.objects[key], self.timestamp

    def get_external_metric(self, metric_name: str, namespace: str, metric_selector: Mapping[str, Any] | None
                            ) -> tuple[list[int], float]:
        v = self.external.get(metric_name)
        if not v:
            raise HPAError("no metrics returned from external metrics API")
        return list(v), self.timestamp


# ---------------------------------------------------------------------------------------------
# the calculator


def _first_timestamp(metrics: Mapping[str, PodMetric]) -> float:
    for m in metrics.values():
        return m.timestamp
    return GO_ZERO_TIME


class ReplicaCalculator:
    """Desired replica counts from metrics, one method per metric source (upstream
    ``ReplicaCalculator``).

    Args:
        tolerance: default tolerance for both directions (``--horizontal-pod-autoscaler-
            tolerance``, default 0.1); a call's ``tolerances`` argument overrides it (the
            per-HPA ``behavior.scale{Up,Down}.tolerance``, see ``tolerances_for_hpa``).
        cpu_initialization_period: seconds after ``startTime`` during which CPU samples of
            not-yet-proven pods are distrusted (default 300).
        delay_of_initial_readiness_status: seconds after ``startTime`` within which a Ready
            transition still counts as the initial one (default 30).
        pod_level_resources: the PodLevelResources feature gate (default on).

    Method arguments shared by all: ``current_replicas`` (the scale's ``spec.replicas``) or
    ``status_replicas`` (the scale's ``status.replicas``, for average-value Object and
    External targets); ``pods`` (Pod dicts matched by the target's selector); per-pod
    ``metrics`` (pod name -> ``PodMetric``, milli-values); targets as milli-values (percent
    for utilization); ``now`` in seconds. Errors raise ``HPAError`` with upstream's message.
    """

    __slots__ = ("tolerance", "cpu_initialization_period", "delay_of_initial_readiness_status",
                 "pod_level_resources", "_default_tolerances")

    def __init__(self, tolerance: float = DEFAULT_TOLERANCE,
                 cpu_initialization_period: float = DEFAULT_CPU_INITIALIZATION_PERIOD,
                 delay_of_initial_readiness_status: float = DEFAULT_DELAY_OF_INITIAL_READINESS_STATUS,
                 *, pod_level_resources: bool = True) -> None:
        self.tolerance = tolerance
        self.cpu_initialization_period = cpu_initialization_period
        self.delay_of_initial_readiness_status = delay_of_initial_readiness_status
        self.pod_level_resources = pod_level_resources
        self._default_tolerances = Tolerances(tolerance, tolerance)

    def _tol(self, tolerances: Tolerances | None) -> Tolerances:
        return self._default_tolerances if tolerances is None else tolerances

    # -- Resource / ContainerResource, Utilization target ---------------------------------

    def get_resource_replicas(
        self,
        current_replicas: int,
        target_utilization: int,
        resource: str,
        pods: Sequence[Mapping[str, Any]],
        metrics: Mapping[str, PodMetric],
        *,
        now: float,
        container: str = "",
        tolerances: Tolerances | None = None,
        timestamp: float | None = None,
    ) -> ResourceReplicas:
        """Resource (or, with ``container``, ContainerResource) metric with an
        ``averageUtilization`` target in percent of the request (``GetResourceReplicas``).

        Unready pods count as 0 on a scale-up; pods with missing metrics count as
        ``max(100, target)`` percent of their request on a scale-down and 0 on a scale-up;
        deleted and failed pods are ignored; no change when the ratio is within tolerance or
        when the corrections would flip the direction. ``timestamp`` defaults to the first
        metric's. Raises ``HPAError``.
        """
        tol = self._tol(tolerances)
        ts = _first_timestamp(metrics) if timestamp is None else timestamp
        if not pods:
            raise HPAError("no pods returned by selector while calculating replica count")
        groups = group_pods(pods, metrics, resource, self.cpu_initialization_period,
                            self.delay_of_initial_readiness_status, now)
        values = {name: m.value for name, m in metrics.items()}
        for name in groups.ignored_pods:
            values.pop(name, None)
        for name in groups.unready_pods:
            values.pop(name, None)
        if not values:
            raise HPAError("did not receive metrics for targeted pods (pods might be unready)")
        requests = calculate_requests(pods, container, resource, pod_level_resources=self.pod_level_resources)
        usage_ratio, utilization, raw = get_resource_utilization_ratio(values, requests, target_utilization)

        scale_up_with_unready = bool(groups.unready_pods) and usage_ratio > 1.0
        if not scale_up_with_unready and not groups.missing_pods:
            if tol.is_within(usage_ratio):
                return ResourceReplicas(current_replicas, utilization, raw, ts)
            return ResourceReplicas(_ceil32(usage_ratio * float(groups.ready_pod_count)), utilization, raw, ts)

        if groups.missing_pods:
            if usage_ratio < 1.0:
                fallback = max(100, target_utilization)
                for name in groups.missing_pods:
                    values[name] = _go_div(requests[name] * fallback, 100)
            elif usage_ratio > 1.0:
                for name in groups.missing_pods:
                    values[name] = 0
        if scale_up_with_unready:
            for name in groups.unready_pods:
                values[name] = 0

        new_ratio, _, _ = get_resource_utilization_ratio(values, requests, target_utilization)
        if (tol.is_within(new_ratio) or (usage_ratio < 1.0 and new_ratio > 1.0)
                or (usage_ratio > 1.0 and new_ratio < 1.0)):
            return ResourceReplicas(current_replicas, utilization, raw, ts)
        new_replicas = _ceil32(new_ratio * float(len(values)))
        if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
            return ResourceReplicas(current_replicas, utilization, raw, ts)
        return ResourceReplicas(new_replicas, utilization, raw, ts)

    def get_container_resource_replicas(
        self, current_replicas: int, target_utilization: int, resource: str, container: str,
        pods: Sequence[Mapping[str, Any]], metrics: Mapping[str, PodMetric], *, now: float,
        tolerances: Tolerances | None = None, timestamp: float | None = None,
    ) -> ResourceReplicas:
        """ContainerResource metric, ``averageUtilization`` target: ``get_resource_replicas``
        on the one container's requests and samples."""
        return self.get_resource_replicas(current_replicas, target_utilization, resource, pods, metrics,
                                          now=now, container=container, tolerances=tolerances,
                                          timestamp=timestamp)

    # -- Resource / ContainerResource, AverageValue target; Pods metrics ------------------

    def get_raw_resource_replicas(
        self,
        current_replicas: int,
        target_usage: int,
        resource: str,
        pods: Sequence[Mapping[str, Any]],
        metrics: Mapping[str, PodMetric],
        *,
        now: float,
        container: str = "",
        tolerances: Tolerances | None = None,
        timestamp: float | None = None,
    ) -> MetricReplicas:
        """Resource (or ContainerResource) metric with an ``averageValue`` target, milli-units
        per pod (``GetRawResourceReplicas``). Missing pods count as the target on a scale-down.
        ``usage`` is the average over the pods with samples. Raises ``HPAError``."""
        ts = _first_timestamp(metrics) if timestamp is None else timestamp
        replicas, usage = self._calc_plain_metric_replicas(metrics, current_replicas, target_usage,
                                                           self._tol(tolerances), pods, resource, now)
        return MetricReplicas(replicas, usage, ts)

    def get_container_raw_resource_replicas(
        self, current_replicas: int, target_usage: int, resource: str, container: str,
        pods: Sequence[Mapping[str, Any]], metrics: Mapping[str, PodMetric], *, now: float,
        tolerances: Tolerances | None = None, timestamp: float | None = None,
    ) -> MetricReplicas:
        """ContainerResource metric, ``averageValue`` target (the container's samples)."""
        return self.get_raw_resource_replicas(current_replicas, target_usage, resource, pods, metrics, now=now,
                                              container=container, tolerances=tolerances, timestamp=timestamp)

    def get_metric_replicas(
        self,
        current_replicas: int,
        target_usage: int,
        pods: Sequence[Mapping[str, Any]],
        metrics: Mapping[str, PodMetric],
        *,
        now: float,
        tolerances: Tolerances | None = None,
        timestamp: float | None = None,
    ) -> MetricReplicas:
        """Pods metric with an ``averageValue`` target in milli-units (``GetMetricReplicas``).
        The CPU readiness rules do not apply. Raises ``HPAError``."""
        ts = _first_timestamp(metrics) if timestamp is None else timestamp
        replicas, usage = self._calc_plain_metric_replicas(metrics, current_replicas, target_usage,
                                                           self._tol(tolerances), pods, "", now)
        return MetricReplicas(replicas, usage, ts)

    def _calc_plain_metric_replicas(self, metrics: Mapping[str, PodMetric], current_replicas: int,
                                    target_usage: int, tol: Tolerances, pods: Sequence[Mapping[str, Any]],
                                    resource: str, now: float) -> tuple[int, int]:
        if not pods:
            raise HPAError("no pods returned by selector while calculating replica count")
        groups = group_pods(pods, metrics, resource, self.cpu_initialization_period,
                            self.delay_of_initial_readiness_status, now)
        values = {name: m.value for name, m in metrics.items()}
        for name in groups.ignored_pods:
            values.pop(name, None)
        for name in groups.unready_pods:
            values.pop(name, None)
        if not values:
            raise HPAError("did not receive metrics for targeted pods (pods might be unready)")
        usage_ratio, usage = get_metric_usage_ratio(values, target_usage)

        scale_up_with_unready = bool(groups.unready_pods) and usage_ratio > 1.0
        if not scale_up_with_unready and not groups.missing_pods:
            if tol.is_within(usage_ratio):
                return current_replicas, usage
            return _ceil32(usage_ratio * float(groups.ready_pod_count)), usage

        if groups.missing_pods:
            if usage_ratio < 1.0:
                for name in groups.missing_pods:
                    values[name] = target_usage
            elif usage_ratio > 1.0:
                for name in groups.missing_pods:
                    values[name] = 0
        if scale_up_with_unready:
            for name in groups.unready_pods:
                values[name] = 0

        new_ratio, _ = get_metric_usage_ratio(values, target_usage)
        if (tol.is_within(new_ratio) or (usage_ratio < 1.0 and new_ratio > 1.0)
                or (usage_ratio > 1.0 and new_ratio < 1.0)):
            return current_replicas, usage
        new_replicas = _ceil32(new_ratio * float(len(values)))
        if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
            return current_replicas, usage
        return new_replicas, usage

    # -- Object and External metrics --------------------------------------------------------

    def _usage_ratio_replica_count(self, current_replicas: int, usage_ratio: float, tol: Tolerances,
                                   pods: Sequence[Mapping[str, Any]]) -> int:
        if current_replicas != 0:
            if tol.is_within(usage_ratio):
                return current_replicas
            try:
                ready = get_ready_pods_count(pods)
            except HPAError as err:
                raise HPAError(f"unable to calculate ready pods: {err}") from None
            f = usage_ratio * float(ready)
            if f > MAX_INT32:
                return MAX_INT32
            return _ceil32(f)
        return _ceil32(usage_ratio)

    def get_object_metric_replicas(
        self,
        current_replicas: int,
        target_usage: int,
        usage: int,
        pods: Sequence[Mapping[str, Any]],
        *,
        tolerances: Tolerances | None = None,
    ) -> MetricReplicas:
        """Object metric with a ``value`` target (``GetObjectMetricReplicas``): ``usage`` is the
        object's milli-value. Scales the ready pods (Running and Ready) by ``usage / target``;
        from zero replicas, ``ceil(usage / target)`` without tolerance; capped at MaxInt32.
        The timestamp is Go's zero time, as upstream returns it."""
        ratio = _fdiv(float(usage), float(target_usage))
        replicas = self._usage_ratio_replica_count(current_replicas, ratio, self._tol(tolerances), pods)
        return MetricReplicas(replicas, usage, GO_ZERO_TIME)

    def get_object_per_pod_metric_replicas(
        self,
        status_replicas: int,
        target_average_usage: int,
        usage: int,
        *,
        tolerances: Tolerances | None = None,
        timestamp: float = GO_ZERO_TIME,
    ) -> MetricReplicas:
        """Object metric with an ``averageValue`` target (``GetObjectPerPodMetricReplicas``):
        replicas ``ceil(usage / target)`` unless ``usage / (target * status_replicas)`` is
        within tolerance; the returned usage is ``ceil(usage / status_replicas)``."""
        replicas = status_replicas
        ratio = _fdiv(float(usage), float(target_average_usage) * float(replicas))
        if not self._tol(tolerances).is_within(ratio):
            replicas = _ceil32(_fdiv(float(usage), float(target_average_usage)))
        per_pod = _ceil64(_fdiv(float(usage), float(status_replicas)))
        return MetricReplicas(replicas, per_pod, timestamp)

    def get_external_metric_replicas(
        self,
        current_replicas: int,
        target_usage: int,
        values: Sequence[int],
        pods: Sequence[Mapping[str, Any]],
        *,
        tolerances: Tolerances | None = None,
    ) -> MetricReplicas:
        """External metric with a ``value`` target (``GetExternalMetricReplicas``): the sum of
        the series' milli-values (capped at MaxInt64) against the target, scaling the ready
        pods like an Object value target. The timestamp is Go's zero time, as upstream's."""
        usage = 0
        for v in values:
            if v > 0 and usage > MAX_INT64 - v:
                usage = MAX_INT64
                break
            usage += v
        ratio = _fdiv(float(usage), float(target_usage))
        replicas = self._usage_ratio_replica_count(current_replicas, ratio, self._tol(tolerances), pods)
        return MetricReplicas(replicas, usage, GO_ZERO_TIME)

    def get_external_per_pod_metric_replicas(
        self,
        status_replicas: int,
        target_usage_per_pod: int,
        values: Sequence[int],
        *,
        tolerances: Tolerances | None = None,
        timestamp: float = GO_ZERO_TIME,
    ) -> MetricReplicas:
        """External metric with an ``averageValue`` target (``GetExternalPerPodMetricReplicas``):
        replicas ``ceil(sum / target)`` (capped at MaxInt32) unless ``sum / (target *
        status_replicas)`` is within tolerance; usage per pod ``ceil(sum / status_replicas)``
        (MaxInt64 once the int64 sum overflows)."""
        usage = 0
        for v in values:
            usage = _wrap64(usage + v)
            if usage < 0:
                usage = MAX_INT64
                break
        replicas = status_replicas
        ratio = _fdiv(float(usage), float(target_usage_per_pod) * float(replicas))
        if not self._tol(tolerances).is_within(ratio):
            r = _fdiv(float(usage), float(target_usage_per_pod))
            replicas = MAX_INT32 if r > float(MAX_INT32) else _ceil32(r)
        if float(usage) >= float(MAX_INT64):
            per_pod = MAX_INT64
        else:
            per_pod = _ceil64(_fdiv(float(usage), float(status_replicas)))
        return MetricReplicas(replicas, per_pod, timestamp)

