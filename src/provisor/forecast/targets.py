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

Requests and pod counts are of Pending and Running pods only, what the quota charges
(``pkg/quota/v1/evaluator/core/pods.go``: terminal pods are not counted; kubernetes-mixin's
``namespace_memory:kube_pod_container_resource_requests:sum`` joins
``kube_pod_status_phase{phase=~"Pending|Running"} == 1`` the same way); a pod without any
``kube_pod_status_phase`` series counts as it is.

Aggregation on the grid: gauges and counts are the bucket's average of the instantaneous
namespace total (``sum_over_time((sum by (namespace) (m))[step:res]) / (step / res)``: a
point where no series is visible counts as 0), each series seen
through Prometheus' 5-minute lookback, so a pod that lived ten minutes of the hour counts for
about ten minutes, not the hour; a series that stops before the others (its pod is gone) is
stale one scrape interval after its last sample, as a live scrape's staleness marker makes
it (with the 5-minute lookback instead, each short-lived pod of a churning platform would
count five minutes after it ended: the twin's requests looked 25-40 % above the quota's
``used``); buckets where no series of the group had a sample (a scrape
gap) are interpolated. A
counter's value for the bucket ``[t, t + step)`` is PromQL's ``rate(counter[step])``
evaluated at ``t + step`` (:func:`provisor.series.rate`, Prometheus' own reset and
extrapolation rules from ``promql/functions.go`` ``extrapolatedRate``).

From a Prometheus server (:func:`targets_from_prometheus`) the same PromQL runs on the server
(one range query per quantity, aggregated by namespace there, never one per container).
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
    #: count a pod only while its phase is Pending or Running (what the quota charges)
    active_pods: bool = False


_CONTAINER = (("container", ""), ("container", "POD"))   # excluded values

#: Every quantity, in output order.
QUANTITIES: tuple[Quantity, ...] = (
    Quantity("cpu_usage", "cores", "container_cpu_usage_seconds_total", counter=True,
             allocatable="cpu"),
    Quantity("cpu_requests", "cores", "kube_pod_container_resource_requests",
             (("resource", "cpu"),), quota=("requests.cpu", "cpu"), allocatable="cpu",
             active_pods=True),
    Quantity("memory_usage", "bytes", "container_memory_working_set_bytes",
             allocatable="memory"),
    Quantity("memory_requests", "bytes", "kube_pod_container_resource_requests",
             (("resource", "memory"),), quota=("requests.memory", "memory"),
             allocatable="memory", active_pods=True),
    Quantity("pods", "count", "kube_pod_info", count=True, quota=("pods",),
             allocatable="pods", active_pods=True),
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


def _bucket(ts: np.ndarray, vs: np.ndarray, t0: float, step: float,
            n: int) -> tuple[np.ndarray, np.ndarray]:
    """(sum per bucket, sample count per bucket) for one series."""
    idx = np.floor((ts - t0) / step).astype(np.int64)
    keep = (idx >= 0) & (idx < n)
    return (np.bincount(idx[keep], vs[keep], minlength=n),
            np.bincount(idx[keep], minlength=n))


def _counter_rate(s: Any, t0: float, step: float, n: int) -> np.ndarray:
    """``rate(s[step])`` at the end of every bucket; NaN where Prometheus has no sample."""
    from provisor.series import Series, rate

    ts = np.asarray(s.timestamps, float)
    vs = np.asarray(s.values, float)
    ok = np.isfinite(ts) & np.isfinite(vs)
    ser = s if isinstance(s, Series) and ok.all() else Series(dict(s.labels), ts[ok], vs[ok])
    return rate(ser, t0 + step * np.arange(1, n + 1), step)


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


#: Prometheus' default ``--query.lookback-delta``: an instant selector sees a series' last
#: sample for up to 5 minutes (``promql/engine.go``), so a pod counts that long after its
#: last scrape when no staleness marker ended it (backfilled data has none).
LOOKBACK_S = 300.0


def _resolution(group: list[Any], step: float) -> float:
    """The evaluation resolution of the instantaneous sums: the median scrape interval of the
    group (at least 1 s, at most ``step``), adjusted to divide ``step``."""
    diffs = []
    for s in group:
        ts = np.asarray(s.timestamps, float)
        if len(ts) > 1:
            diffs.append(float(np.median(np.diff(ts))))
    res = float(np.median(diffs)) if diffs else step
    res = min(max(res, 1.0), step)
    return step / max(1, int(round(step / res)))


def _visible(ts: np.ndarray, t0: float, res: float, nf: int,
             end: float) -> tuple[int, np.ndarray, np.ndarray] | None:
    """Where an instant selector sees a series on the fine grid ``t0 + res * k``: ``(k_lo,
    visible, index of the sample seen)`` for ``k`` in ``k_lo .. k_lo + len(visible) - 1``,
    or None when it is never seen. A sample is seen for Prometheus' 5-minute lookback; a
    series that stops before ``end`` (the data's last sample) is stale one scrape interval
    (its mean sample spacing, at most the lookback) after its last sample, as a live scrape
    marks it (``scrape/scrape.go`` writes ``StaleNaN`` for a series gone from the target's
    next scrape; ``provisor.alerting`` replays series the same way)."""
    iv = float(ts[-1] - ts[0]) / (len(ts) - 1) if len(ts) > 1 else res
    stale_at = ts[-1] + min(iv, LOOKBACK_S) if ts[-1] + iv <= end else math.inf
    k_lo = max(0, int(math.ceil((ts[0] - t0) / res)))
    k_hi = min(nf - 1, int(math.floor((ts[-1] + LOOKBACK_S - t0) / res)))
    if k_hi < k_lo:
        return None
    g = t0 + res * np.arange(k_lo, k_hi + 1)
    idx = np.searchsorted(ts, g, "right") - 1
    vis = (idx >= 0) & (g - ts[np.maximum(idx, 0)] < LOOKBACK_S) & (g < stale_at)
    return k_lo, vis, idx


def _finite(s: Any) -> tuple[np.ndarray, np.ndarray]:
    ts = np.asarray(s.timestamps, float)
    vs = np.asarray(s.values, float)
    ok = np.isfinite(ts) & np.isfinite(vs)
    return ts[ok], vs[ok]


#: Pod phases the ResourceQuota charges (``pkg/quota/v1/evaluator/core/pods.go``
#: ``QuotaV1Pod``: a pod in a terminal phase, Succeeded or Failed, is not counted).
ACTIVE_PHASES = ("Pending", "Running")


class _Phases:
    """``kube_pod_status_phase`` per (namespace, pod): on a fine grid, whether the pod has a
    visible phase series, and whether one of :data:`ACTIVE_PHASES` is visible at 1 (PromQL
    ``max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)``)."""

    def __init__(self, series: list[Any]) -> None:
        self.by_pod: dict[tuple[str, str], list[tuple[bool, np.ndarray, np.ndarray]]] = {}
        self.end = -math.inf
        self._cache: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        for s in series:
            lab = dict(s.labels)
            ts, vs = _finite(s)
            if not len(ts):
                continue
            self.end = max(self.end, float(ts[-1]))
            key = (lab.get("namespace", ""), lab.get("pod", ""))
            self.by_pod.setdefault(key, []).append((lab.get("phase", "") in ACTIVE_PHASES,
                                                     ts, vs))

    def mask(self, key: tuple[str, str], t0: float, res: float, nf: int, lo: int,
             size: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(has a visible phase series, is active) on the fine grid points ``lo .. lo + size
        - 1``; None when the pod has no phase series at all (it then counts as it is)."""
        got = self.by_pod.get(key)
        if not got:
            return None
        ck = (key, t0, res, nf, lo, size)
        if ck in self._cache:
            return self._cache[ck]
        has = np.zeros(size, dtype=bool)
        active = np.zeros(size, dtype=bool)
        for is_active, ts, vs in got:
            v = _visible(ts, t0, res, nf, self.end)
            if v is None:
                continue
            k_lo, vis, idx = v
            a, b = max(k_lo, lo), min(k_lo + len(vis), lo + size)
            if a >= b:
                continue
            part = vis[a - k_lo:b - k_lo]
            has[a - lo:b - lo] |= part
            if is_active:
                on = vs[np.maximum(idx[a - k_lo:b - k_lo], 0)] == 1.0
                active[a - lo:b - lo] |= part & on
        self._cache[ck] = (has, active)
        return has, active


def _aggregate(group: list[Any], q: Quantity, t0: float, step: float, n: int,
               end: float = math.inf, phases: "_Phases | None" = None,
               start: float = -math.inf) -> np.ndarray | None:
    """The quantity per bucket ``[t, t + step)``: counters as ``rate``; gauges and counts as
    the bucket's average of the *instantaneous* namespace total (PromQL
    ``avg_over_time((sum by (namespace) (m))[step:res])``), each series seen as
    :func:`_visible` says (5-minute lookback, stale one scrape after it stops before
    ``end``). Summing each series' own bucket average instead would count every short-lived
    pod of the hour as if it had lived all of it (a churning platform's requests would look
    many times the quota). With ``phases`` (requests and pod counts), a pod whose phase is
    known counts only while Pending or Running, as the quota charges it (kubernetes-mixin's
    ``namespace_memory:kube_pod_container_resource_requests:sum`` joins the same way)."""
    if q.counter:
        total = np.zeros(n)
        seen: np.ndarray = np.zeros(n, dtype=bool)
        for s in group:
            r = _counter_rate(s, t0, step, n)
            have = np.isfinite(r)
            seen |= have
            total[have] += r[have]
    else:
        res = _resolution(group, step)
        m = int(round(step / res))
        nf = n * m
        acc = np.zeros(nf)
        present = np.zeros(nf, dtype=bool)
        for s in group:
            ts, vs = _finite(s)
            if not len(ts):
                continue
            v = _visible(ts, t0, res, nf, end)
            if v is None:
                continue
            k_lo, vis, idx = v
            window = slice(k_lo, k_lo + len(vis))
            present[window] |= vis
            if phases is not None:
                lab = dict(s.labels)
                pm = phases.mask((lab.get("namespace", ""), lab.get("pod", "")), t0, res, nf,
                                 k_lo, len(vis))
                if pm is not None:
                    has, active = pm
                    vis = vis & (active | ~has)
            acc[window][vis] += 1.0 if q.count else vs[idx[vis]]
        # The bucket's average over its points inside the data's time range (``start`` ..
        # ``end``) or where some series is visible: a point inside the range where no
        # series is visible (no pod at that moment) is a 0, as PromQL's sum_over_time /
        # points in promql_for counts it; a bucket the data covers in part (the first and
        # the last) is not pulled towards 0 by the points outside the data.
        g = t0 + res * np.arange(nf)
        covered = present | ((g >= start) & (g <= end))
        points = covered.reshape(n, m).sum(axis=1)
        seen = np.asarray(present.reshape(n, m).any(axis=1), dtype=bool)
        total = np.where(seen, acc.reshape(n, m).sum(axis=1) / np.maximum(points, 1), 0.0)
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
    end = max((float(np.nanmax(np.asarray(s.timestamps, float))) for s in relevant
               if len(s.timestamps)), default=math.inf)
    start = min((float(np.nanmin(np.asarray(s.timestamps, float))) for s in relevant
                 if len(s.timestamps)), default=-math.inf)
    phases = _Phases(by.get("kube_pod_status_phase", []))
    hard = _quota_hard(by)
    alloc: dict[str, float] = {}
    for q in QUANTITIES:
        if q.cluster:
            vals = [_latest(s) for s in by.get(q.metric, []) if _matches(dict(s.labels), q)]
            vals = [v for v in vals if math.isfinite(v)]
            if vals:
                alloc[dict(q.equals)["resource"]] = float(sum(vals))
    out: list[Target] = []
    for q in QUANTITIES:
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
            values = _aggregate(groups[ns], q, t0, step_s, n, end,
                                phases if q.active_pods else None, start)
            if values is None:
                continue
            out.append(Target(ns, q.key, q.unit, grid.copy(), values, step_s,
                              _limits(q, ns, hard, alloc)))
    return _sorted(out)


def _limits(q: Quantity, ns: str, hard: dict[tuple[str, str], float],
            alloc: dict[str, float]) -> list[Limit]:
    limits: list[Limit] = []
    for r in q.quota:
        if (ns, r) in hard:
            limits.append(Limit(f"quota {r}", hard[(ns, r)]))
            break
    if q.allocatable and q.allocatable in alloc:
        limits.append(Limit(f"allocatable {q.allocatable}", alloc[q.allocatable]))
    return limits


def _sorted(targets: list[Target]) -> list[Target]:
    order = {q.key: i for i, q in enumerate(QUANTITIES)}
    return sorted(targets, key=lambda t: (t.namespace, order.get(t.quantity, len(order)),
                                          t.quantity))


def _duration(step_s: float) -> str:
    return f"{int(round(step_s * 1000))}ms" if step_s % 1 else f"{int(step_s)}s"


#: The subquery resolution :func:`promql_for` evaluates instantaneous totals at (seconds).
PROMQL_RESOLUTION_S = 60.0


def promql_for(q: Quantity, step_s: float) -> str:
    """The PromQL whose value at ``t + step_s`` is the quantity's value for the bucket
    ``[t, t + step_s)``: ``rate`` for the counter; for gauges and counts the bucket's
    average of the instantaneous total over subquery points (``sum_over_time`` of the sum
    or count by namespace, divided by the number of points, so a point without any series
    counts as 0); requests and pod counts only of Pending/Running pods."""
    matchers = [f'{k}="{v}"' for k, v in q.equals]
    if q.metric.startswith("container_"):
        matchers += ['container!=""', 'container!="POD"']
    vec = f"{q.metric}{{{','.join(matchers)}}}"
    if q.counter:
        inner = f"rate({vec}[{_duration(step_s)}])"
        return f"sum({inner})" if q.cluster else f"sum by (namespace) ({inner})"
    agg = "sum" if q.cluster else f"{'count' if q.count else 'sum'} by (namespace)"
    if q.active_pods:
        # pods whose phase is known count while Pending or Running (what the quota charges);
        # pods without any phase series count as they are
        active = ("max by (namespace, pod) (kube_pod_status_phase{phase=~\"" +
                  "|".join(ACTIVE_PHASES) + "\"} == 1)")
        vec = (f"({vec} * on (namespace, pod) group_left () {active}) or ({vec} unless on "
               f"(namespace, pod) kube_pod_status_phase)")
    # The subquery's points are multiples of ``res`` (Prometheus aligns them to the epoch),
    # ``step_s / res`` of them in each bucket when ``res`` divides ``step_s``. A point where
    # no series is visible yields no sample, so avg_over_time would average over the busy
    # points only (an hour with one pod for ten minutes would read as one pod all hour):
    # sum_over_time / points counts an empty point as 0, as targets_from_series does.
    points = max(1, math.ceil(step_s / PROMQL_RESOLUTION_S - 1e-9))
    res = step_s / points
    return (f"sum_over_time(({agg} ({vec}))[{_duration(step_s)}:{_duration(res)}]) / "
            f"{points}")


def targets_from_prometheus(client: Any, start: float, end: float, step_s: float = 3600.0,
                            *, namespaces: Iterable[str] | None = None) -> list[Target]:
    """Build the targets from a Prometheus server: one range query per quantity
    (:func:`promql_for`, aggregated on the server), the quota ``hard`` and the allocatable
    by instant queries at ``end``.

    ``client`` is a ``provisor.prom.PromClient`` (anything with ``query_range(expr, start,
    end, step)`` and ``query(expr, at)`` returning series with ``labels``, ``timestamps``
    and ``values``). ``namespaces`` limits the namespaces kept.

    Raises:
        ForecastError: no quantity has samples in the range.
        whatever the client raises (``provisor.prom.PromError``) when the server fails.
    """
    keep = set(namespaces) if namespaces is not None else None
    t0 = math.floor(start / step_s) * step_s
    n = int(math.floor((end - t0) / step_s)) + 1
    grid = t0 + step_s * np.arange(n)
    hard: dict[tuple[str, str], float] = {}
    for s in client.query('kube_resourcequota{type="hard"}', end):
        lab = dict(s.labels)
        v = _latest(s)
        if math.isfinite(v):
            k = (lab.get("namespace", ""), lab.get("resource", ""))
            hard[k] = min(hard.get(k, math.inf), v)
    alloc: dict[str, float] = {}
    for s in client.query("sum by (resource) (kube_node_status_allocatable)", end):
        v = _latest(s)
        if math.isfinite(v):
            alloc[dict(s.labels).get("resource", "")] = v
    out: list[Target] = []
    for q in QUANTITIES:
        for s in client.query_range(promql_for(q, step_s), t0 + step_s, t0 + n * step_s,
                                    step_s):
            ns = "" if q.cluster else dict(s.labels).get("namespace", "")
            if (not q.cluster and ns == "") or (keep is not None and not q.cluster
                                                 and ns not in keep):
                continue
            ts = np.asarray(s.timestamps, float) - step_s
            vs = np.asarray(s.values, float)
            ok = np.isfinite(vs)
            if not ok.any():
                continue
            idx = np.rint((ts[ok] - t0) / step_s).astype(np.int64)
            inside = (idx >= 0) & (idx < n)
            values = np.full(n, np.nan)
            values[idx[inside]] = vs[ok][inside]
            have = np.isfinite(values)
            if not have.any():
                continue
            if not have.all():
                pos = np.arange(n, dtype=float)
                values[~have] = np.interp(pos[~have], pos[have], values[have])
            out.append(Target(ns, q.key, q.unit, grid.copy(), values, step_s,
                              _limits(q, ns, hard, alloc)))
    if not out:
        raise ForecastError(f"no forecast metric has samples between {start:.0f} and {end:.0f}")
    return _sorted(out)
