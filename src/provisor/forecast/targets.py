"""What is forecast, read from a set of series with the real metric names (cAdvisor,
kube-state-metrics), aggregated per namespace on a regular grid.

=====================  ========  ===========================================================  ==========================================
quantity               unit      series (PromQL it stands for)                                compared with
=====================  ========  ===========================================================  ==========================================
``cpu_usage``          cores     ``sum by (namespace) (rate(container_cpu_usage_seconds_total  allocatable cpu
                                 {container!="",container!="POD"}[step]))``
``cpu_requests``       cores     ``sum by (namespace) (kube_pod_container_resource_requests   quota ``requests.cpu``, allocatable cpu
                                 {resource="cpu"})``
``memory_usage``       bytes     ``sum by (namespace) (container_memory_working_set_bytes     allocatable memory
                                 {container!="",container!="POD"})``
``memory_requests``    bytes     ``... kube_pod_container_resource_requests{resource="memory"}``  quota ``requests.memory``, allocatable memory
``pods``               count     ``count by (namespace) (kube_pod_info)``                     quota ``pods``, allocatable pods
``pvcs``               count     ``count by (namespace) (kube_persistentvolumeclaim_info)``   quota ``persistentvolumeclaims``
``storage_requests``   bytes     ``sum by (namespace) (kube_persistentvolumeclaim_resource_    quota ``requests.storage``
                                 requests_storage_bytes)``
``allocatable_cpu``    cores     ``sum(kube_node_status_allocatable{resource="cpu"})``       -
``allocatable_memory`` bytes     ``sum(kube_node_status_allocatable{resource="memory"})``    -
``allocatable_pods``   count     ``sum(kube_node_status_allocatable{resource="pods"})``      -
=====================  ========  ===========================================================  ==========================================

The quota is ``kube_resourcequota{type="hard"}`` (the latest sample; with several quotas in
a namespace naming the same resource, the smallest, since every quota must admit a pod:
``k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go`` checks each). A quota
on ``cpu`` / ``memory`` is the same as on ``requests.cpu`` / ``requests.memory``
(``pkg/quota/v1/evaluator/core/pods.go``). The allocatable compared with is the latest
cluster total: capacity is a decision, not a trend.

Aggregation on the grid: each series is averaged per ``step`` bucket (``avg_over_time``);
a series with no sample in a bucket did not exist then and adds 0 (a pod that was gone);
buckets where no series of the group had a sample (a scrape gap) are interpolated. A
counter's rate per bucket is its increase inside the bucket (Prometheus' reset rule: a
drop means the counter restarted from 0, ``promql/functions.go`` ``extrapolatedRate``)
divided by the bucket's length, without Prometheus' extrapolation to the window edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from provisor.forecast.engine import ForecastError


@dataclass(frozen=True)
class Limit:
    """A line a forecast must stay under: ``name`` (``quota requests.cpu``,
    ``allocatable cpu``) and ``value`` in the target's unit."""

    name: str
    value: float


@dataclass
class Target:
    """One regular series to forecast.

    Attributes:
        namespace: the namespace ("" for cluster-wide quantities such as allocatable).
        quantity: one of :data:`QUANTITIES`' keys (or any name for direct use).
        unit: ``cores``, ``bytes`` or ``count``.
        timestamps: grid timestamps, seconds, shape ``(n,)``, evenly spaced by ``step_s``.
        values: shape ``(n,)``, in ``unit``.
        step_s: the grid step, seconds.
        limits: the lines days-to-exhaustion is measured against.
    """

    namespace: str
    quantity: str
    unit: str
    timestamps: np.ndarray
    values: np.ndarray
    step_s: float
    limits: list[Limit] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.quantity)


@dataclass(frozen=True)
class Quantity:
    """How one quantity is read: metric, label filters, how to combine, unit, limits."""

    key: str
    unit: str
    metric: str
    equals: tuple[tuple[str, str], ...] = ()
    counter: bool = False
    count: bool = False
    cluster: bool = False
    quota: tuple[str, ...] = ()
    allocatable: str = ""


_CONTAINER = (("container", ""), ("container", "POD"))   # excluded values

#: Every quantity, in output order.
QUANTITIES: tuple[Quantity, ...] = (
    Quantity("cpu_usage", "cores", "container_cpu_usage_seconds_total", counter=True,
             allocatable="cpu"),
    Quantity("cpu_requests", "cores", "kube_pod_container_resource_requests",
             (("resource", "cpu"),), quota=("requests.cpu", "cpu"), allocatable="cpu"),
    Quantity("memory_usage", "bytes", "container_memory_working_set_bytes",
             allocatable="memory"),
    Quantity("memory_requests", "bytes", "kube_pod_container_resource_requests",
             (("resource", "memory"),), quota=("requests.memory", "memory"),
             allocatable="memory"),
    Quantity("pods", "count", "kube_pod_info", count=True, quota=("pods",),
             allocatable="pods"),
    Quantity("pvcs", "count", "kube_persistentvolumeclaim_info", count=True,
             quota=("persistentvolumeclaims",)),
    Quantity("storage_requests", "bytes",
             "kube_persistentvolumeclaim_resource_requests_storage_bytes",
             quota=("requests.storage",)),
    Quantity("allocatable_cpu", "cores", "kube_node_status_allocatable",
             (("resource", "cpu"),), cluster=True),
    Quantity("allocatable_memory", "bytes", "kube_node_status_allocatable",
             (("resource", "memory"),), cluster=True),
    Quantity("allocatable_pods", "count", "kube_node_status_allocatable",
             (("resource", "pods"),), cluster=True),
)


def _name(s: Any) -> str:
    return str(dict(s.labels).get("__name__", ""))


def _by_metric(series: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for s in series:
        out.setdefault(_name(s), []).append(s)
    return out


def _matches(labels: dict[str, str], q: Quantity) -> bool:
    if any(labels.get(k, "") != v for k, v in q.equals):
        return False
    if q.metric.startswith("container_"):
        c = labels.get("container", "")
        if c == "" or c == "POD":
            return False
    return True


def _bucket(ts: np.ndarray, vs: np.ndarray, t0: float, step: float, n: int,
            counter: bool) -> tuple[np.ndarray, np.ndarray]:
    """(sum per bucket, sample count per bucket) for one series; a counter gives its
    increase per bucket instead of the sum of values."""
    order = np.argsort(ts, kind="stable")
    ts, vs = ts[order], vs[order]
    if counter:
        if len(ts) < 2:
            return np.zeros(n), np.zeros(n, dtype=np.int64)
        d = np.diff(vs)
        d = np.where(d < 0, vs[1:], d)          # reset: the counter restarted from 0
        ts, vs = ts[1:], d
    idx = np.floor((ts - t0) / step).astype(np.int64)
    keep = (idx >= 0) & (idx < n)
    return (np.bincount(idx[keep], vs[keep], minlength=n),
            np.bincount(idx[keep], minlength=n))


def grid_for(series: Iterable[Any], step_s: float) -> tuple[float, int]:
    """(start, points) of the grid covering every sample of ``series``."""
    lo, hi = math.inf, -math.inf
    for s in series:
        ts = np.asarray(s.timestamps, float)
        if len(ts):
            lo, hi = min(lo, float(ts.min())), max(hi, float(ts.max()))
    if not math.isfinite(lo):
        raise ForecastError("no samples in the series")
    t0 = math.floor(lo / step_s) * step_s
    return t0, int(math.floor((hi - t0) / step_s)) + 1


def _aggregate(group: list[Any], q: Quantity, t0: float, step: float, n: int) -> np.ndarray | None:
    total = np.zeros(n)
    seen = np.zeros(n, dtype=bool)
    for s in group:
        ts = np.asarray(s.timestamps, float)
        vs = np.asarray(s.values, float)
        ok = np.isfinite(ts) & np.isfinite(vs)
        sums, counts = _bucket(ts[ok], vs[ok], t0, step, n, q.counter)
        have = counts > 0
        seen |= have
        if q.counter:
            total += sums / step
        elif q.count:
            total += have.astype(float)
        else:
            total[have] += sums[have] / counts[have]
    if not seen.any():
        return None
    if not seen.all():
        grid = np.arange(n, dtype=float)
        total[~seen] = np.interp(grid[~seen], grid[seen], total[seen])
    return total


def _latest(s: Any) -> float:
    ts = np.asarray(s.timestamps, float)
    vs = np.asarray(s.values, float)
    ok = np.isfinite(ts) & np.isfinite(vs)
    if not ok.any():
        return math.nan
    i = int(np.argmax(np.where(ok, ts, -np.inf)))
    return float(vs[i])


def _quota_hard(by: dict[str, list[Any]]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for s in by.get("kube_resourcequota", []):
        lab = dict(s.labels)
        if lab.get("type") != "hard":
            continue
        v = _latest(s)
        if not math.isfinite(v):
            continue
        k = (lab.get("namespace", ""), lab.get("resource", ""))
        out[k] = min(out.get(k, math.inf), v)
    return out


def targets_from_series(series: Iterable[Any], *, step_s: float = 3600.0,
                        quantities: Iterable[str] | None = None) -> list[Target]:
    """Build the :class:`Target` list from series (``provisor.series.Series`` or anything
    with ``labels``, ``timestamps`` (s) and ``values``), sorted by (namespace, quantity
    order). Quantities whose metric is absent are left out.

    Raises:
        ForecastError: no series holds any sample.
    """
    series = list(series)
    by = _by_metric(series)
    wanted = set(quantities) if quantities is not None else None
    relevant = [s for q in QUANTITIES for s in by.get(q.metric, [])]
    if not relevant:
        raise ForecastError(
            "none of the forecast's metrics is in the series (want any of "
            + ", ".join(sorted({q.metric for q in QUANTITIES})) + ")")
    t0, n = grid_for(relevant, step_s)
    grid = t0 + step_s * np.arange(n)
    hard = _quota_hard(by)
    alloc: dict[str, float] = {}
    for q in QUANTITIES:
        if q.cluster:
            vals = [_latest(s) for s in by.get(q.metric, []) if _matches(dict(s.labels), q)]
            vals = [v for v in vals if math.isfinite(v)]
            if vals:
                alloc[dict(q.equals)["resource"]] = float(sum(vals))
    out: list[Target] = []
    for qi, q in enumerate(QUANTITIES):
        if wanted is not None and q.key not in wanted:
            continue
        groups: dict[str, list[Any]] = {}
        for s in by.get(q.metric, []):
            lab = dict(s.labels)
            if not _matches(lab, q):
                continue
            groups.setdefault("" if q.cluster else lab.get("namespace", ""), []).append(s)
        for ns in sorted(groups):
            if not q.cluster and ns == "":
                continue
            values = _aggregate(groups[ns], q, t0, step_s, n)
            if values is None:
                continue
            limits: list[Limit] = []
            for r in q.quota:
                if (ns, r) in hard:
                    limits.append(Limit(f"quota {r}", hard[(ns, r)]))
                    break
            if q.allocatable and q.allocatable in alloc:
                limits.append(Limit(f"allocatable {q.allocatable}", alloc[q.allocatable]))
            out.append(Target(ns, q.key, q.unit, grid.copy(), values, step_s, limits))
    order = {q.key: i for i, q in enumerate(QUANTITIES)}
    out.sort(key=lambda t: (t.namespace, order[t.quantity]))
    return out
