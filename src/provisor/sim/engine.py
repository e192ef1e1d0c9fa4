"""The twin's engine: one simulated clock, an event heap, fixed-period control loops.

State: nodes and per-container usage in numpy arrays (slot-indexed); pods, runs, Deployments
and quotas as small Python records touched only on events. Control loops call
``provisor.k8s`` for every decision with Kubernetes semantics:

* pod creation: API defaulting (``k8s.defaults.default_pod``), priority admission
  (``k8s.priority.resolve_priority_class``), LimitRanger (``k8s.limitranger.create_pod``),
  ResourceQuota (``k8s.quota.admit``; released with ``k8s.quota.usage``);
* scheduling: ``sim.fastsched`` (proven equal to ``k8s.scheduler`` NodeResourcesFit and
  BalancedAllocation), ``k8s.scheduler.preempt`` when nothing fits;
* kubelet: CFS quota/shares, OOM kill, restart backoff and node-pressure eviction ranking from
  ``k8s.kubelet``;
* HPA: ``k8s.hpa.reconcile_autoscaler`` every ``hpa_sync`` seconds on metrics-server's view
  (last scrape of the kubelet, window = the tick);
* VPA: ``k8s.vpa`` recommender fed every ``vpa_interval``; updater by ``updateMode``;
* drains and evictions: ``k8s.disruption.pdb_status`` and ``k8s.disruption.evict``.

Time: float seconds from 0 (Monday 00:00). Determinism: one seeded ``numpy`` generator; all
iteration over sorted keys or insertion-ordered lists; no wall clock.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from provisor.conventions import ANNOTATION_MAX_CONCURRENCY
from provisor.k8s import AdmissionError
from provisor.k8s import kubelet as kl
from provisor.k8s.hpa.fast import PHASE_CODES as _HPA_PHASE
from provisor.k8s.hpa.fast import CompiledHPA, PodArrays, ResourceSamples, fast_reconcile_autoscaler
from provisor.k8s.hpa.replica_calculator import HPAError, calculate_requests
from provisor.policy.workload import (
    Constant,
    Empirical,
    Exponential,
    LogNormal,
    Scenario,
    Stage,
    Workload,
)
from provisor.quantity import Quantity
from provisor.sim import fastsched
from provisor.sim.inputs import SimInputs
from provisor.sim.model import Incident
from provisor.sim.recorder import Recorder

Z95 = 1.6448536269514722
EPOCH = 0.0
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
PHASE_CODE = {p: i for i, p in enumerate(PHASES)}
CORE = 1000.0


def sample(dist: Any, rng: np.random.Generator) -> float:
    """One draw from a workload distribution."""
    if isinstance(dist, Constant):
        return float(dist.value)
    if isinstance(dist, Exponential):
        return float(rng.exponential(dist.mean))
    if isinstance(dist, LogNormal):
        sigma = math.log(dist.p95 / dist.median) / Z95
        return float(dist.median * math.exp(sigma * rng.standard_normal()))
    if isinstance(dist, Empirical):
        return float(dist.values[int(rng.integers(len(dist.values)))])
    raise TypeError(f"unknown distribution {dist!r}")


def _q(v: Any) -> Quantity:
    return Quantity.parse(v) if not isinstance(v, Quantity) else v


def _meta(o: dict[str, Any]) -> dict[str, Any]:
    m = o.get("metadata")
    return m if isinstance(m, dict) else {}


def _labels_match(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    from provisor.k8s.selectors import SelectorError, compile_selector

    if selector is None:
        return False
    try:
        return bool(compile_selector(selector).matches(labels))
    except (SelectorError, AttributeError, TypeError):
        return False


# --------------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class AgentClass:
    """A PodTemplate with ``provisor.dev/max-concurrency``: one agent class."""

    name: str
    namespace: str
    template: dict[str, Any]
    max_concurrency: int
    active: int = 0
    waiting: list["Run"] = field(default_factory=list)
    pvc_templates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass(eq=False)
class Workflow:
    wid: int
    spec_index: int
    arrived: float
    stage: int = 0
    done: bool = False
    #: the workflow's own random stream (its agent choices, durations, peaks, rework), so
    #: two policies run on the same seed see the same work (common random numbers)
    rng: Any = None


@dataclass(eq=False)
class Run:
    """One agent run (a Job): its stage, draws, pods and failures."""

    rid: int
    wf: Workflow
    stage: Stage
    cls: AgentClass
    enqueued: float
    work: float
    peak: float
    written: float
    failures: int = 0
    attempts: int = 0
    retry_backoff: float = 0.0
    pod: "Pod | None" = None
    first_start: float | None = None
    run_time: float = 0.0
    state: str = "waiting"  # waiting | creating | kueue | pod | done | failed
    trace: int = -1  # the trace record it replays (provisor.sim.trace), -1 for synthetic runs
    last_failure: str = ""  # why its last pod failed (OOMKilled, VolumeFull, ...)


@dataclass(eq=False)
class Pod:
    uid: int
    name: str
    namespace: str
    obj: dict[str, Any]
    kind: str  # run | ctrl
    container: str
    priority: int
    cpu_req: int
    cpu_lim: int
    mem_req: int
    mem_lim: int
    nz_cpu: int
    nz_mem: int
    created: float
    run: Run | None = None
    deploy: "Deployment | None" = None
    slot: int = -1
    node: int = -1
    phase: str = "Pending"
    started: float | None = None
    ready_at: float | None = None
    ready: bool = False
    terminating: bool = False
    restarts: int = 0
    last_reason: str = ""
    terminated_reason: str = ""
    quota_charge: list[tuple[int, dict[str, Quantity]]] = field(default_factory=list)
    pvcs: list[dict[str, Any]] = field(default_factory=list)
    pvc_size: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    pending_since: float = 0.0
    pressure_s: float = 0.0
    pressure_counted: bool = False
    crash_backoff_restarts: int = 0
    lost: bool = False
    #: resource -> the request ``calculate_requests`` gives (None: it refuses), for the HPA
    hpa_requests: dict[str, int | None] = field(default_factory=dict)


@dataclass(eq=False)
class Deployment:
    name: str
    namespace: str
    obj: dict[str, Any]
    replicas: int
    labels: dict[str, str]
    pods: list[Pod] = field(default_factory=list)
    hpa: dict[str, Any] | None = None
    hpa_state: Any = None
    #: (spec it was compiled from, ``CompiledHPA`` or None, utilization resources)
    hpa_fast: Any = None
    load: Any = None
    seq: int = 0
    hash: str = "7d9f8b6c5"
    admitted_template: dict[str, Any] | None = None


@dataclass(order=True)
class Event:
    t: float
    seq: int
    kind: str = field(compare=False)
    data: Any = field(compare=False, default=None)


# --------------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------------


class Engine:
    """One simulation run. ``run()`` then read ``metrics``/``recorder``/``incidents``."""

    def __init__(self, inputs: SimInputs, days: float, seed: int,
                 progress: Callable[[float, float], None] | None = None) -> None:
        self.inputs = inputs
        self.w: Workload = inputs.workload
        self.T = float(days) * 86400.0
        self.rng = np.random.default_rng(np.random.PCG64(seed))
        # arrivals and each workflow's draws have streams of their own, independent of what
        # the policy changes (scheduling, restarts): the same seed gives the same workload
        # to every policy (sweep, tune and simulate --compare rely on it)
        self.seed = seed
        self.rng_arrivals = np.random.default_rng(np.random.PCG64([seed, 1]))
        self.progress = progress
        self.t = 0.0
        self.heap: list[Event] = []
        self.seq = 0
        self.uid = 0
        self.incidents: list[Incident] = []
        self.tick = self.w.timings.tick
        #: trace replay (provisor.sim.trace.Trace): its pod records replace the arrivals
        self.trace = inputs.extra.get("trace")
        self._build_objects()
        self._build_nodes()
        self._alloc_slots(256)
        self.pending: list[Pod] = []
        self.sched_dirty = False
        self.recorder = Recorder(self)
        # accounting
        self.acc: dict[str, float] = {k: 0.0 for k in (
            "agent_cpu_used", "agent_cpu_req", "ctrl_avail_s", "ctrl_total_s",
            "node_cpu_req", "node_mem_req", "node_time", "throttled_periods", "periods",
            "oom_kills", "oom_kills_normal", "evictions", "preemptions", "quota_rejections",
            "quota_failed_runs", "runs_completed", "runs_failed", "runs_rejected",
            "workflows_completed", "workflows_failed", "pods_seen", "pods_pressure",
            "scheduled", "pvc_runs", "pvc_unused_sum", "node_cpu_used",
            "drain_evictions", "drain_429", "volume_full_pods", "runs_failed_volume_full")}
        self.queue_waits: list[float] = []
        self.slowdowns: list[float] = []
        self.hpa_reaction: list[float] = []
        self.exhaustion: list[float] = []
        self.hpa_need_since: dict[str, float | None] = {}
        self.exhaust_since: float | None = None
        self.arrival_count = 0
        self.wf_id = 0
        self.run_id = 0
        self.active_runs = 0
        self.retrying = 0
        self.fault_windows: list[tuple[float, float]] = []
        self._faults()

    # -- setup ---------------------------------------------------------------------------------

    def _build_objects(self) -> None:
        from provisor.k8s.defaults import default_limit_range

        objs = self.inputs.objects
        self.limit_ranges: dict[str, list[dict[str, Any]]] = {}
        self.quotas: dict[str, list[dict[str, Any]]] = {}
        self.priority_classes: dict[str, dict[str, Any]] = {}
        self.pdbs: list[dict[str, Any]] = []
        self.classes: dict[str, AgentClass] = {}
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self.vpas: list[dict[str, Any]] = []
        hpas: list[dict[str, Any]] = []
        for o in objs:
            kind = o.get("kind")
            m = _meta(o)
            ns = m.get("namespace") or "default"
            if kind == "LimitRange":
                self.limit_ranges.setdefault(ns, []).append(default_limit_range(o))
            elif kind == "ResourceQuota":
                q = dict(o)
                q["metadata"] = {**m, "namespace": ns}
                self.quotas.setdefault(ns, []).append(q)
            elif kind == "PriorityClass":
                self.priority_classes[m.get("name", "")] = o
            elif kind == "PodDisruptionBudget":
                p = dict(o)
                p["metadata"] = {**m, "namespace": ns, "generation": 1}
                self.pdbs.append(p)
            elif kind == "PodTemplate":
                ann = m.get("annotations") or {}
                mc = ann.get(ANNOTATION_MAX_CONCURRENCY)
                if mc is None:
                    continue
                try:
                    n = int(mc)
                except (TypeError, ValueError):
                    continue
                tmpl = o.get("template") or {}
                cls = AgentClass(m.get("name", ""), ns, tmpl, max(n, 0))
                for v in ((tmpl.get("spec") or {}).get("volumes") or ()):
                    vct = ((v.get("ephemeral") or {}).get("volumeClaimTemplate")) if isinstance(v, dict) else None
                    if vct:
                        cls.pvc_templates.append((v.get("name", "ws"), vct))
                self.classes[cls.name] = cls
            elif kind in ("Deployment", "StatefulSet"):
                spec = o.get("spec") or {}
                tl = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
                d = Deployment(m.get("name", ""), ns, o, int(spec.get("replicas", 1) or 0), dict(tl))
                self.deployments[(ns, d.name)] = d
            elif kind == "HorizontalPodAutoscaler":
                hpas.append(o)
            elif kind == "VerticalPodAutoscaler":
                self.vpas.append(o)
        from provisor.k8s.hpa import HPAState, set_defaults_horizontal_pod_autoscaler

        for h in hpas:
            m = _meta(h)
            ns = m.get("namespace") or "default"
            ref = (h.get("spec") or {}).get("scaleTargetRef") or {}
            target = self.deployments.get((ns, ref.get("name", "")))
            if target is None or ref.get("kind") not in ("Deployment", "StatefulSet"):
                continue
            d = target
            hh = set_defaults_horizontal_pod_autoscaler(h)
            hh = dict(hh)
            hh["metadata"] = {**_meta(hh), "namespace": ns}
            d.hpa = hh
            d.hpa_state = HPAState()
        for cl in self.w.controllers:
            for (ns, name), d in sorted(self.deployments.items()):
                if name == cl.deployment and (cl.namespace is None or cl.namespace == ns):
                    d.load = cl
        for q in (x for qs in self.quotas.values() for x in qs):
            hard = dict((q.get("spec") or {}).get("hard") or {})
            q["status"] = {"hard": dict(hard), "used": {k: "0" for k in hard}}
        self.quota_hard0 = {id(q): dict(q["status"]["hard"]) for qs in self.quotas.values() for q in qs}
        self.quota_list = [q for ns in sorted(self.quotas) for q in self.quotas[ns]]

    def _build_nodes(self) -> None:
        nodes = sorted(self.inputs.nodes, key=lambda n: _meta(n).get("name", ""))
        self.node_objs = [dict(n) for n in nodes]
        self.node_names = [_meta(n).get("name", f"node-{i}") for i, n in enumerate(nodes)]
        N = len(nodes)
        self.N = N
        st = [n.get("status") or {} for n in nodes]

        def arr(key: str, res: str, conv: Callable[[Quantity], int], default: str) -> np.ndarray:
            return np.array([conv(_q((s.get(key) or s.get("capacity") or {}).get(res, default)))
                             for s in st], dtype=np.int64)

        self.alloc_cpu = arr("allocatable", "cpu", lambda q: q.milli_value(), "0")
        self.alloc_mem = arr("allocatable", "memory", lambda q: q.int_value(), "0")
        self.alloc_pods = arr("allocatable", "pods", lambda q: q.int_value(), "110")
        self.cap_mem = arr("capacity", "memory", lambda q: q.int_value(), "0")
        self.cap_cpu = arr("capacity", "cpu", lambda q: q.milli_value(), "0")
        # what kube/system-reserved processes use: capacity - allocatable - hard threshold
        self.system_mem = np.maximum(self.cap_mem - self.alloc_mem - kl.EVICTION_HARD_MEMORY_AVAILABLE, 0)
        self.req_cpu = np.zeros(N, np.int64)
        self.req_mem = np.zeros(N, np.int64)
        self.nz_cpu = np.zeros(N, np.int64)
        self.nz_mem = np.zeros(N, np.int64)
        self.npods = np.zeros(N, np.int64)
        self.schedulable = np.array([not (n.get("spec") or {}).get("unschedulable") for n in nodes], bool)
        self.node_ready = np.ones(N, bool)
        self.node_pods: list[list[Pod]] = [[] for _ in range(N)]

    def _alloc_slots(self, n: int) -> None:
        self.S = n
        self.s_used = np.zeros(n, bool)
        self.s_running = np.zeros(n, bool)
        self.s_run = np.zeros(n, bool)
        self.s_node = np.zeros(n, np.int64)
        self.s_cpu_req = np.zeros(n, np.float64)
        self.s_cpu_lim = np.zeros(n, np.float64)
        self.s_mem_req = np.zeros(n, np.float64)
        self.s_mem_lim = np.zeros(n, np.float64)
        self.s_work = np.zeros(n, np.float64)
        self.s_progress = np.zeros(n, np.float64)
        self.s_ws_start = np.zeros(n, np.float64)
        self.s_ws_peak = np.zeros(n, np.float64)
        self.s_base = np.zeros(n, np.float64)
        self.s_burst = np.zeros(n, np.float64)
        self.s_p_on = np.zeros(n, np.float64)
        self.s_p_off = np.zeros(n, np.float64)
        self.s_inburst = np.zeros(n, bool)
        self.s_noise = np.zeros(n, np.float64)
        self.s_leak = np.zeros(n, np.float64)
        self.s_start = np.zeros(n, np.float64)
        self.s_demand = np.zeros(n, np.float64)
        self.s_alloc = np.zeros(n, np.float64)
        self.s_ws = np.zeros(n, np.float64)
        self.s_cpu_total = np.zeros(n, np.float64)
        self.s_periods = np.zeros(n, np.float64)
        self.s_throttled = np.zeros(n, np.float64)
        self.s_oom = np.zeros(n, np.float64)
        self.s_pressure = np.zeros(n, np.float64)
        self.s_written = np.zeros(n, np.float64)
        self.s_written_total = np.zeros(n, np.float64)
        self.s_pvc_size = np.zeros(n, np.float64)
        #: work (seconds at full speed) at which the workspace volume is full: work x capacity
        #: / bytes the run writes, when it writes more than the capacity; +inf otherwise
        self.s_fill = np.full(n, np.inf)
        self.s_sched = np.zeros(n, bool)
        self.s_phase = np.zeros(n, np.int64)
        self.s_kreq_cpu = np.zeros(n, np.float64)
        self.s_kreq_mem = np.zeros(n, np.float64)
        self.s_klim_cpu = np.zeros(n, np.float64)
        self.s_klim_mem = np.zeros(n, np.float64)
        self.s_restarts = np.zeros(n, np.float64)
        self.s_trace = np.zeros(n, np.int64)  # trace record + 1 (0: a synthetic run)
        self.s_pod: list[Pod | None] = [None] * n
        self.free: list[int] = list(range(n - 1, -1, -1))

    def _grow(self) -> None:
        old = self.S
        new = old * 2
        for name in list(vars(self)):
            if name.startswith("s_") and isinstance(getattr(self, name), np.ndarray):
                a = getattr(self, name)
                b = np.zeros(new, a.dtype)
                b[:old] = a
                setattr(self, name, b)
        self.s_pod.extend([None] * (new - old))
        self.free = list(range(new - 1, old - 1, -1)) + self.free
        self.S = new

    def _slot(self, pod: Pod) -> int:
        if not self.free:
            self._grow()
        s = self.free.pop()
        self.s_used[s] = True
        self.s_pod[s] = pod
        for a in (self.s_progress, self.s_ws, self.s_cpu_total, self.s_periods, self.s_throttled,
                  self.s_oom, self.s_pressure, self.s_demand, self.s_alloc, self.s_leak,
                  self.s_written):
            a[s] = 0.0
        self.s_fill[s] = np.inf
        self.s_inburst[s] = False
        self.s_running[s] = False
        self.s_sched[s] = False
        self.s_phase[s] = 0
        self.s_trace[s] = 0
        pod.slot = s
        return s

    def _phase(self, pod: Pod, phase: str) -> None:
        pod.phase = phase
        if pod.slot >= 0:
            self.s_phase[pod.slot] = PHASE_CODE[phase]

    def _free_slot(self, pod: Pod) -> None:
        s = pod.slot
        if s < 0:
            return
        self.s_used[s] = False
        self.s_running[s] = False
        self.s_pod[s] = None
        self.free.append(s)
        pod.slot = -1

    # -- events --------------------------------------------------------------------------------

    def at(self, t: float, kind: str, data: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, Event(t, self.seq, kind, data))

    def _faults(self) -> None:
        for sc in self.inputs.scenarios:
            for i, f in enumerate(sc.faults):
                self.at(f.at_s, "fault", (sc, i))

    def run(self) -> None:
        w = self.w
        tm = w.timings
        self.at(0.0, "init")
        if self.trace is not None:
            self.trace.schedule(self)
        else:
            self._next_arrival(0.0)
        next_tick = self.tick
        self.next_tick = next_tick
        next_hpa = tm.hpa_sync
        next_scrape = 0.0
        next_vpa = tm.vpa_interval
        next_progress = 0.0
        from provisor.sim.vpa import VpaLoop

        self.vpa = VpaLoop(self)
        while True:
            t_loop = min(next_tick, next_hpa, next_scrape, next_vpa)
            while self.heap and self.heap[0].t <= t_loop:
                ev = heapq.heappop(self.heap)
                if ev.t > self.T:
                    self.heap.clear()
                    break
                self.t = ev.t
                self._handle(ev)
                if self.sched_dirty:
                    self._schedule()
            if t_loop > self.T:
                break
            self.t = t_loop
            if t_loop == next_tick:
                self._kubelet_tick()
                next_tick += self.tick
                self.next_tick = next_tick
            if t_loop == next_hpa:
                self._hpa_sync()
                next_hpa += tm.hpa_sync
            if t_loop == next_vpa:
                self.vpa.step()
                next_vpa += tm.vpa_interval
            if t_loop == next_scrape:
                self.recorder.scrape(self.t)
                next_scrape += tm.scrape
            if self.sched_dirty:
                self._schedule()
            if self.progress is not None and self.t >= next_progress:
                self.progress(min(self.t, self.T), self.T)
                next_progress = self.t + max(self.T / 200.0, 3600.0)
        self.t = self.T
        self._finish()
        if self.progress is not None:
            self.progress(self.T, self.T)

    def _handle(self, ev: Event) -> None:
        k = ev.kind
        if k == "init":
            self._init_deployments()
        elif k == "arrival":
            self._arrival(ev.data)
        elif k == "trace-arrival" and self.trace is not None:
            self.trace.arrive(self, ev.data)
        elif k == "started":
            self._container_started(ev.data)
        elif k == "ready":
            self._pod_ready(ev.data)
        elif k == "retry":
            self._retry_run(ev.data)
        elif k == "job-next":
            self._job_next(ev.data)
        elif k == "restart":
            self._restart_in_place(ev.data)
        elif k == "gone":
            self._pod_gone(ev.data)
        elif k == "fault":
            self._fault_start(*ev.data)
        elif k == "fault-end":
            self._fault_end(*ev.data)
        elif k == "drain-step":
            self._drain_step(ev.data)
        elif k == "node-lost-evict":
            self._node_lost_evict(ev.data)
        elif k == "node-back":
            self._node_back(ev.data)
        elif k == "complete":
            self._complete_event(ev.data)
        elif k == "volume-full":
            self._volume_full_event(ev.data)
        elif k == "rs-retry":
            self._reconcile_deployment(ev.data)

    # -- arrivals ------------------------------------------------------------------------------

    def _rate(self, t: float) -> float:
        a = self.w.arrivals
        r = a.rate_per_hour / 3600.0
        hour = int(t // 3600) % 24
        day = int(t // 86400) % 7
        if a.hourly:
            r *= a.hourly[hour]
        if a.weekly:
            r *= a.weekly[day]
        if a.growth_per_day:
            r *= a.growth_factor(t)
        for b in a.bursts:
            if b.start_s <= t < b.start_s + b.duration_s:
                r *= b.factor
        for sc in self.inputs.scenarios:
            for f in sc.faults:
                if f.kind == "spike" and f.at_s <= t < f.at_s + (f.duration_s or 3600.0):
                    r *= f.factor or 1.0
        return r

    def _rate_max(self) -> float:
        """An upper bound of :meth:`_rate` over the run, without the growth factor (the
        thinning bound of arrivals without growth)."""
        a = self.w.arrivals
        r = a.rate_per_hour / 3600.0 * (max(a.hourly) if a.hourly else 1.0) * (max(a.weekly) if a.weekly else 1.0)
        for b in a.bursts:
            r *= max(b.factor, 1.0)
        for sc in self.inputs.scenarios:
            for f in sc.faults:
                if f.kind == "spike":
                    r *= max(f.factor or 1.0, 1.0)
        return r

    def _next_arrival(self, t: float) -> None:
        """Non-homogeneous Poisson arrivals by thinning (Lewis & Shedler).

        With ``growth_per_day`` the bound is piecewise, one per simulated day: the rate's
        maximum over that day (the growth factor is linear, so largest at one end of the
        day). A candidate past the day's end restarts from the day boundary under the next
        day's bound (exact, the exponential gap is memoryless). The bound never depends on
        the run's length, so a run of N days is the first N days of a longer run with the
        same seed. Without growth the single bound of the whole run is used, as before."""
        lam = self._rate_max()
        if lam <= 0:
            return
        rng = self.rng_arrivals
        a = self.w.arrivals
        if a.growth_per_day:
            day = 86400.0
            while True:
                k = math.floor(t / day)
                end = (k + 1) * day
                lam_k = lam * max(a.growth_factor(k * day), a.growth_factor(end))
                if lam_k <= 0:
                    return                  # a decline that reached 0 stays at 0
                t_next = t + float(rng.exponential(1.0 / lam_k))
                if t_next >= end:
                    t = end
                    if t > self.T:
                        return
                    continue
                if t_next > self.T:
                    return
                t = t_next
                if rng.random() * lam_k <= self._rate(t):
                    self.at(t, "arrival")
                    return
        while True:
            t += float(rng.exponential(1.0 / lam))
            if t > self.T:
                return
            if rng.random() * lam <= self._rate(t):
                self.at(t, "arrival")
                return

    def _arrival(self, _: Any) -> None:
        self._next_arrival(self.t)
        specs = self.w.workflows
        weights = np.array([s.weight for s in specs], np.float64)
        i = int(self.rng_arrivals.choice(len(specs), p=weights / weights.sum())) if len(specs) > 1 else 0
        self.wf_id += 1
        self.arrival_count += 1
        wf = Workflow(self.wf_id, i, self.t,
                      rng=np.random.default_rng(np.random.PCG64([self.seed, 2, self.wf_id])))
        self._start_stage(wf)

    def _class_for(self, agent: str) -> AgentClass | None:
        c = self.classes.get(agent) or self.classes.get(f"coderun-{agent}")
        if c is not None:
            return c
        for name in sorted(self.classes):
            if name.endswith(f"-{agent}"):
                return self.classes[name]
        return None

    def _start_stage(self, wf: Workflow) -> None:
        spec = self.w.workflows[wf.spec_index]
        stage = spec.stages[wf.stage]
        agents = stage.agents()
        rng = wf.rng if wf.rng is not None else self.rng
        agent = agents[int(rng.integers(len(agents)))] if len(agents) > 1 else agents[0]
        cls = self._class_for(agent)
        if cls is None:
            wf.done = True
            self.acc["workflows_failed"] += 1
            return
        self.run_id += 1
        run = Run(self.run_id, wf, stage, cls, self.t, work=max(sample(stage.duration, rng), 1.0),
                  peak=sample(stage.memory.peak, rng), written=sample(stage.workspace_written, rng))
        cls.waiting.append(run)
        self._dispatch(cls)

    def _dispatch(self, cls: AgentClass) -> None:
        """The coderun controller: start waiting runs while under max-concurrency."""
        while cls.waiting and cls.active < cls.max_concurrency:
            run = cls.waiting.pop(0)
            cls.active += 1
            self.active_runs += 1
            self._create_run_pod(run)

    # -- pod creation (admission) -------------------------------------------------------------

    def _admit(self, sent: dict[str, Any], ns: str) -> dict[str, Any]:
        """API defaulting, priority, LimitRanger; raises AdmissionError."""
        from provisor.k8s.defaults import default_pod
        from provisor.k8s.limitranger import create_pod
        from provisor.k8s.priority import resolve_priority_class

        pod = default_pod(sent)
        pc = resolve_priority_class(pod, self.priority_classes)
        if pc is not None:
            pod.setdefault("spec", {})["priority"] = int(pc.get("value", 0))
            if pc.get("preemptionPolicy"):
                pod["spec"]["preemptionPolicy"] = pc["preemptionPolicy"]
        else:
            pod.setdefault("spec", {})["priority"] = 0
        lrs = self.limit_ranges.get(ns, [])
        return create_pod(lrs, pod)

    def _charge_quota(self, obj: dict[str, Any], ns: str) -> list[tuple[int, dict[str, Quantity]]]:
        """Quota admission; returns what was charged per quota (for release). Raises
        AdmissionError with upstream's message."""
        from provisor.k8s import quota as kq

        qs = self.quotas.get(ns)
        if not qs:
            return []
        before = [dict(q["status"]["used"]) for q in qs]
        new = kq.admit(qs, obj, now=EPOCH + self.t)
        charged = []
        for i, (q, nq) in enumerate(zip(qs, new)):
            used_new = (nq.get("status") or {}).get("used") or {}
            delta = {}
            for k, v in used_new.items():
                d = _q(v).value - _q(before[i].get(k, "0")).value
                if d != 0:
                    delta[k] = Quantity.from_value(d)
            q["status"]["used"] = dict(used_new)
            if delta:
                charged.append((id(q), delta))
        return charged

    def _release_quota(self, charged: list[tuple[int, dict[str, Quantity]]]) -> None:
        if not charged:
            return
        byid = {id(q): q for q in self.quota_list}
        for qid, delta in charged:
            q = byid.get(qid)
            if q is None:
                continue
            used = q["status"]["used"]
            for k, d in delta.items():
                cur = _q(used.get(k, "0")).value - d.value
                used[k] = str(Quantity.from_value(cur if cur > 0 else 0))
        self._quota_freed()

    def _run_pod_template(self, run: Run) -> dict[str, Any]:
        cls = run.cls
        tmpl = cls.template
        meta = dict(tmpl.get("metadata") or {})
        name = f"{cls.name}-{run.rid}-{run.attempts}"
        labels = dict(meta.get("labels") or {})
        spec = dict(tmpl.get("spec") or {})
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": cls.namespace, "labels": labels,
                            "annotations": dict(meta.get("annotations") or {})},
               "spec": spec}
        if run.trace >= 0 and self.trace is not None:
            pod = self.trace.pod_template(pod, run.trace)
        return self.vpa.initial(pod, cls.name)

    def _create_run_pod(self, run: Run) -> None:
        run.attempts += 1
        sent = self._run_pod_template(run)
        ns = run.cls.namespace
        try:
            pod_obj = self._admit(sent, ns)
            charged = self._charge_quota(pod_obj, ns)
        except AdmissionError as exc:
            self._rejected(run, exc)
            return
        pvcs = []
        size = 0
        for vname, vct in run.cls.pvc_templates:
            pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": {"name": f"{_meta(pod_obj)['name']}-{vname}", "namespace": ns},
                   "spec": dict(vct.get("spec") or {})}
            try:
                charged += self._charge_quota(pvc, ns)
            except AdmissionError as exc:
                self._release_quota(charged)
                self._rejected(run, exc)
                return
            pvcs.append(pvc)
            req = (((vct.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
            if req is not None:
                size += _q(req).int_value()
        pod = self._new_pod(pod_obj, "run", charged)
        pod.run = run
        pod.pvcs = pvcs
        pod.pvc_size = size
        self.s_pvc_size[pod.slot] = size
        self.s_written_total[pod.slot] = run.written
        self.recorder.pod_created(pod)
        run.pod = pod
        run.state = "pod"
        run.retry_backoff = 0.0
        self._enqueue_pending(pod)

    def _rejected(self, run: Run, exc: AdmissionError) -> None:
        self.acc["quota_rejections"] += 1
        self.recorder.count("provisor_quota_rejections_total", {"namespace": run.cls.namespace}, 1)
        if self.exhaust_since is None:
            self.exhaust_since = self.t
        mode = self.w.queueing.mode
        q = self.w.queueing
        if mode == "fail":
            self.acc["quota_failed_runs"] += 1
            self.acc["runs_rejected"] += 1
            self._run_failed(run, f"quota: {exc.message}")
        elif mode == "retry":
            if run.attempts > q.retry_max_attempts:
                self.acc["quota_failed_runs"] += 1
                self.acc["runs_rejected"] += 1
                self._run_failed(run, f"quota (after {run.attempts} attempts): {exc.message}")
                return
            run.retry_backoff = q.retry_initial_s if run.retry_backoff == 0 else min(run.retry_backoff * 2, q.retry_max_s)
            run.state = "creating"
            run.attempts -= 0
            self.retrying += 1
            self.at(self.t + run.retry_backoff, "retry", run)
        else:
            run.state = "kueue"
            self.kueue.append(run)

    @property
    def kueue(self) -> list[Run]:
        k: list[Run] | None = getattr(self, "_kueue", None)
        if k is None:
            k = []
            self._kueue = k
        return k

    def _retry_run(self, run: Run) -> None:
        self.retrying -= 1
        if run.state == "creating":
            self._create_run_pod(run)

    def _quota_freed(self) -> None:
        """Kueue-style admission when quota frees (priority, then creation order)."""
        k = self.kueue
        if not k:
            return
        order = sorted(k, key=lambda r: (-self._class_priority(r.cls), r.enqueued, r.rid))
        strict = self.w.queueing.mode == "strict-fifo"
        for run in order:
            if not self._fits_quota(run):
                if strict:
                    break
                continue
            k.remove(run)
            self._create_run_pod(run)
            if run.state == "kueue" and strict:
                break

    def _class_priority(self, cls: AgentClass) -> int:
        name = ((cls.template.get("spec") or {}).get("priorityClassName"))
        pc = self.priority_classes.get(name or "")
        return int(pc.get("value", 0)) if pc else 0

    def _fits_quota(self, run: Run) -> bool:
        """Dry-run quota admission of the run's pod (Kueue checks its own quota first)."""
        from provisor.k8s import quota as kq

        qs = self.quotas.get(run.cls.namespace)
        if not qs:
            return True
        try:
            pod = self._admit(self._run_pod_template(run), run.cls.namespace)
            kq.admit(qs, pod, now=EPOCH + self.t)
        except AdmissionError:
            return False
        return True

    def _new_pod(self, obj: dict[str, Any], kind: str, charged: list[tuple[int, dict[str, Quantity]]]) -> Pod:
        from provisor.k8s.resources import pod_limits, pod_requests

        m = _meta(obj)
        reqs = pod_requests(obj)
        lims = pod_limits(obj)
        nz = pod_requests(obj, non_missing_container_requests={"cpu": Quantity.parse("100m"),
                                                               "memory": Quantity.parse("200Mi")})
        c0 = ((obj.get("spec") or {}).get("containers") or [{}])[0]
        self.uid += 1
        pod = Pod(uid=self.uid, name=m.get("name", f"pod-{self.uid}"), namespace=m.get("namespace", "default"),
                  obj=obj, kind=kind, container=c0.get("name", "main"),
                  priority=int((obj.get("spec") or {}).get("priority") or 0),
                  cpu_req=reqs["cpu"].milli_value() if "cpu" in reqs else 0,
                  cpu_lim=lims["cpu"].milli_value() if "cpu" in lims else 0,
                  mem_req=reqs["memory"].int_value() if "memory" in reqs else 0,
                  mem_lim=lims["memory"].int_value() if "memory" in lims else 0,
                  nz_cpu=nz["cpu"].milli_value() if "cpu" in nz else 100,
                  nz_mem=nz["memory"].int_value() if "memory" in nz else 200 * 1024 * 1024,
                  created=self.t, quota_charge=charged, labels=dict(m.get("labels") or {}))
        pod.pending_since = self.t
        self.acc["pods_seen"] += 1
        self._slot(pod)
        return pod

    def _enqueue_pending(self, pod: Pod) -> None:
        self.pending.append(pod)
        self.sched_dirty = True

    # -- scheduling ----------------------------------------------------------------------------

    def _schedule(self) -> None:
        """The scheduling queue (PrioritySort: priority desc, then creation) through the fast
        filter/score; preemption for pods that may preempt."""
        self.sched_dirty = False
        if not self.pending:
            return
        self.pending.sort(key=lambda p: (-p.priority, p.created, p.uid))
        still: list[Pod] = []
        ok_nodes = self.schedulable & self.node_ready
        for pod in self.pending:
            if pod.terminating:
                continue
            feas = fastsched.fit_mask(pod.cpu_req, pod.mem_req, self.alloc_cpu, self.alloc_mem,
                                      self.alloc_pods, self.req_cpu, self.req_mem, self.npods) & ok_nodes
            if not feas.any():
                if not self._try_preempt(pod):
                    still.append(pod)
                continue
            sc = fastsched.scores(pod.cpu_req, pod.mem_req, pod.nz_cpu, pod.nz_mem, self.alloc_cpu,
                                  self.alloc_mem, self.req_cpu, self.req_mem, self.nz_cpu, self.nz_mem)
            n = fastsched.select_host(feas, sc, self.rng)
            self._bind(pod, n)
        self.pending = still
        if still and self.exhaust_since is None:
            self.exhaust_since = self.t
        self._check_exhaustion()

    def _check_exhaustion(self) -> None:
        """Recovery from resource exhaustion: an episode lasts while some pod is unschedulable
        or some run is held back by a quota rejection."""
        held = bool(self.pending) or bool(self.kueue) or self.retrying > 0
        if not held and self.exhaust_since is not None:
            self.exhaustion.append(self.t - self.exhaust_since)
            self.exhaust_since = None

    def _node_add(self, pod: Pod, n: int, sign: int) -> None:
        self.req_cpu[n] += sign * pod.cpu_req
        self.req_mem[n] += sign * pod.mem_req
        self.nz_cpu[n] += sign * pod.nz_cpu
        self.nz_mem[n] += sign * pod.nz_mem
        self.npods[n] += sign

    def _bind(self, pod: Pod, n: int) -> None:
        pod.node = n
        self._node_add(pod, n, +1)
        self.node_pods[n].append(pod)
        self.acc["scheduled"] += 1
        pod.obj.setdefault("spec", {})["nodeName"] = self.node_names[n]
        delay = sample(self.w.timings.image_pull, self.rng)
        self.at(self.t + delay, "started", pod)

    def _try_preempt(self, pod: Pod) -> bool:
        """DefaultPreemption via ``k8s.scheduler.preempt`` (victims get their grace period)."""
        spec = pod.obj.get("spec") or {}
        if spec.get("preemptionPolicy") == "Never" or pod.priority <= 0:
            return False
        if not any(p.priority < pod.priority for ps in self.node_pods for p in ps):
            return False
        from provisor.k8s.scheduler import NodeInfo, Status, preempt

        infos = []
        for i in range(self.N):
            if not (self.schedulable[i] and self.node_ready[i]):
                continue
            infos.append(NodeInfo(self.node_objs[i], [self._pod_for_k8s(p) for p in self.node_pods[i] if not p.terminating]))
        statuses = {self.node_names[i]: Status("Unschedulable", ("Insufficient resources",))
                    for i in range(self.N) if self.schedulable[i] and self.node_ready[i]}
        res = preempt(self._pod_for_k8s(pod), infos, statuses, self._pdbs_now())
        if not res.nominated_node_name:
            return False
        byname = {(p.namespace, p.name): p for ps in self.node_pods for p in ps}
        for v in res.victims:
            m = dict(v.get("metadata") or {})
            victim = byname.get((str(m.get("namespace", "")), str(m.get("name", ""))))
            if victim is not None and not victim.terminating:
                self.acc["preemptions"] += 1
                self._terminate(victim, "Preempted", grace=True)
        return False

    def _pod_for_k8s(self, p: Pod) -> dict[str, Any]:
        o = p.obj
        st = o.setdefault("status", {})
        st["phase"] = p.phase
        st["startTime"] = p.started if p.started is not None else p.created
        st["conditions"] = [{"type": "Ready", "status": "True" if p.ready else "False",
                             "lastTransitionTime": p.ready_at if p.ready_at is not None else p.created}]
        if p.terminating:
            o["metadata"]["deletionTimestamp"] = self.t
        return o

    # -- kubelet: start, usage, OOM, restarts --------------------------------------------------

    def _container_started(self, pod: Pod) -> None:
        if pod.terminating or pod.node < 0 or pod.slot < 0:
            return
        s = pod.slot
        self._phase(pod, "Running")
        if pod.started is None:
            pod.started = self.t
        self.s_running[s] = True
        self.s_node[s] = pod.node
        self.s_cpu_req[s] = pod.cpu_req
        self.s_cpu_lim[s] = pod.cpu_lim
        self.s_mem_req[s] = pod.mem_req
        self.s_mem_lim[s] = pod.mem_lim
        self.s_start[s] = self.t
        self.s_progress[s] = 0.0
        self.s_sched[s] = False
        if pod.run is not None:
            run = pod.run
            st = run.stage
            self.s_run[s] = True
            self.s_work[s] = run.work
            cap = float(pod.pvc_size)
            self.s_fill[s] = run.work * cap / run.written if 0.0 < cap < run.written else np.inf
            self.s_ws_start[s] = st.memory.start
            self.s_ws_peak[s] = max(run.peak, st.memory.start)
            self.s_base[s] = st.cpu.base
            self.s_burst[s] = max(st.cpu.burst, st.cpu.base)
            share = st.cpu.burst_share
            p_off = min(self.tick / st.cpu.burst_mean_s, 1.0)
            self.s_p_off[s] = p_off
            self.s_p_on[s] = min(p_off * share / (1 - share), 1.0) if share < 1 else 1.0
            self.s_noise[s] = st.memory.noise
            self.s_leak[s] = self._leak_for(run.cls.name)
            if run.trace >= 0 and self.trace is not None:
                self.trace.started(self, s, run)
            lim = pod.cpu_lim
            full = lim <= 0 or max(st.cpu.burst, st.cpu.base) <= lim
            end = run.work
            fills = self.s_fill[s] < end
            if fills:
                end = float(self.s_fill[s])
            if full and self.t + end <= self.next_tick:
                self.s_sched[s] = True
                self.at(self.t + end, "volume-full" if fills else "complete", (pod, s))
            if run.first_start is None:
                run.first_start = self.t
                wait = self.t - run.enqueued
                self.queue_waits.append(wait)
                self.recorder.count("provisor_queue_wait_seconds_total", {"agent": run.cls.name}, wait)
                self.recorder.count("provisor_runs_started_total", {"agent": run.cls.name}, 1)
        else:
            self.s_run[s] = False
            self.s_noise[s] = 0.0
            self.s_leak[s] = 0.0
            self.s_fill[s] = np.inf
        self.at(self.t + self.w.timings.readiness, "ready", pod)

    def _pod_ready(self, pod: Pod) -> None:
        if pod.terminating or pod.phase != "Running":
            return
        pod.ready = True
        pod.ready_at = self.t

    def _leak_for(self, cls_name: str) -> float:
        total = 0.0
        for sc in self.inputs.scenarios:
            for f in sc.faults:
                if f.kind != "memory-leak" or not f.agent:
                    continue
                c = self._class_for(f.agent)
                end = f.at_s + (f.duration_s or self.T)
                if c is not None and c.name == cls_name and f.at_s <= self.t < end:
                    total += f.leak_bytes_per_s or 0.0
        return total

    def _controller_demand(self) -> None:
        for key in sorted(self.deployments):
            d = self.deployments[key]
            if d.load is None:
                continue
            ready = [p for p in d.pods if p.ready and not p.terminating]
            n_ready = max(len(ready), 1)
            cpu = (d.load.cpu_base + d.load.cpu_per_active_run * self.active_runs) / n_ready + d.load.cpu_per_pod
            mem = d.load.memory_base + d.load.memory_per_active_run * self.active_runs
            for p in d.pods:
                if p.slot >= 0 and self.s_running[p.slot]:
                    self.s_demand[p.slot] = cpu if p.ready else d.load.cpu_per_pod + d.load.cpu_base / n_ready
                    self.s_ws[p.slot] = mem

    def _kubelet_tick(self) -> None:
        dt = self.tick
        idx = np.flatnonzero(self.s_running)
        self._controller_demand()
        if idx.size:
            runm = self.s_run[idx]
            run_idx = idx[runm]
            if run_idx.size:
                u = self.rng.random(run_idx.size)
                inb = self.s_inburst[run_idx]
                inb = np.where(inb, u >= self.s_p_off[run_idx], u < self.s_p_on[run_idx])
                self.s_inburst[run_idx] = inb
                self.s_demand[run_idx] = np.where(inb, self.s_burst[run_idx], self.s_base[run_idx])
                if self.trace is not None:
                    self.trace.usage(self, run_idx)
            demand = self.s_demand[idx]
            lim = self.s_cpu_lim[idx]
            limited = lim > 0
            capped = np.where(limited, np.minimum(demand, lim), demand)
            nodes = self.s_node[idx]
            node_sum = np.bincount(nodes, capped, minlength=self.N)
            alloc = capped.copy()
            over = np.flatnonzero(node_sum > self.alloc_cpu)
            for n in over:
                sel = np.flatnonzero(nodes == n)
                alloc[sel] = _water_fill(capped[sel], self.s_cpu_req[idx[sel]], float(self.alloc_cpu[n]))
            self.s_alloc[idx] = alloc
            pos = demand > 0
            rate = np.where(pos, alloc / np.where(pos, demand, 1.0), 1.0)
            if run_idx.size:
                r_rate = rate[runm]
                # work accrues from the container's (re)start or the previous tick
                start = self.s_start[run_idx]
                span = np.minimum(self.t - start, dt)
                progress = self.s_progress[run_idx] + np.maximum(span, 0.0) * r_rate
                self.s_progress[run_idx] = progress
                self._predict_completions(run_idx, r_rate)
                # memory: grows with work done, plus noise, plus a leak
                frac = np.minimum(progress / self.s_work[run_idx], 1.0)
                ws_start = self.s_ws_start[run_idx]
                ws = ws_start + (self.s_ws_peak[run_idx] - ws_start) * frac
                noise = self.s_noise[run_idx]
                ws = ws * (1.0 + noise * self.rng.standard_normal(run_idx.size))
                ws = ws + self.s_leak[run_idx] * (self.t - start)
                self.s_ws[run_idx] = np.maximum(ws, 0.0)
                self.acc["agent_cpu_used"] += float(alloc[runm].sum()) * dt
                self.acc["agent_cpu_req"] += float(self.s_cpu_req[run_idx].sum()) * dt
            periods = dt / kl.CFS_PERIOD_SECONDS
            throttled = limited & (demand > lim)
            self.s_periods[idx] += np.where(limited, periods, 0.0)
            self.s_throttled[idx] += np.where(throttled, periods, 0.0)
            self.acc["periods"] += float(limited.sum()) * periods
            self.acc["throttled_periods"] += float(throttled.sum()) * periods
            self.s_cpu_total[idx] += alloc * dt / CORE
            self.acc["node_cpu_used"] += float(alloc.sum()) * dt
            # memory pressure of a container: working set above 90% of its limit for >= 60 s
            mlim = self.s_mem_lim[idx]
            ws_all = self.s_ws[idx]
            mlimited = mlim > 0
            hot = mlimited & (ws_all > 0.9 * mlim)
            pressure = np.where(hot, self.s_pressure[idx] + dt, 0.0)
            self.s_pressure[idx] = pressure
            for s in idx[pressure >= 60.0]:
                p = self.s_pod[s]
                if p is not None and not p.pressure_counted:
                    p.pressure_counted = True
                    self.acc["pods_pressure"] += 1
            self.recorder.conditions(idx, lim, alloc, mlim, ws_all)
            # OOM kills
            oom = idx[mlimited & (ws_all > mlim)]
            for s in oom:
                p = self.s_pod[s]
                if p is not None:
                    self._oom_kill(p)
            if run_idx.size:
                # workspace volumes filled inside the last interval (not predicted)
                full = run_idx[self.s_running[run_idx] & ~self.s_sched[run_idx]
                               & (self.s_progress[run_idx] >= self.s_fill[run_idx])]
                for s in full:
                    p = self.s_pod[s]
                    if p is not None:
                        self._volume_full(p)
                # completions not predicted (work finished inside the last interval)
                done = run_idx[self.s_running[run_idx] & ~self.s_sched[run_idx]
                               & (self.s_progress[run_idx] >= self.s_work[run_idx])]
                for s in done:
                    p = self.s_pod[s]
                    if p is not None:
                        self._run_completed(p)
            self._node_pressure()
        # node accounting
        self.acc["node_cpu_req"] += float(self.req_cpu.sum()) * dt
        self.acc["node_mem_req"] += float(self.req_mem.sum()) * dt
        self.acc["node_time"] += dt
        self._availability(dt)

    def _predict_completions(self, run_idx: np.ndarray, r_rate: np.ndarray) -> None:
        """Runs that will finish before the next tick at the current rate get a completion
        event at the exact time (so queue waits and Little's law are not quantised by the
        tick)."""
        work = self.s_work[run_idx]
        fill = self.s_fill[run_idx]
        left = np.minimum(work, fill) - self.s_progress[run_idx]
        soon = (~self.s_sched[run_idx]) & (left > 0) & (r_rate > 0) & (left <= r_rate * self.tick)
        for s, lft, r, f in zip(run_idx[soon], left[soon], r_rate[soon], (fill < work)[soon]):
            self.s_sched[s] = True
            p = self.s_pod[s]
            self.at(self.t + float(lft / r), "volume-full" if f else "complete", (p, int(s)))

    def _complete_event(self, data: tuple["Pod", int]) -> None:
        pod, s = data
        if pod is None or pod.slot != s or not self.s_running[s] or not self.s_sched[s]:
            return
        self.s_progress[s] = self.s_work[s]
        self._run_completed(pod)

    def _volume_full_event(self, data: tuple["Pod", int]) -> None:
        pod, s = data
        if pod is None or pod.slot != s or not self.s_running[s] or not self.s_sched[s]:
            return
        self.s_progress[s] = self.s_fill[s]
        self._volume_full(pod)

    def _volume_full(self, pod: Pod) -> None:
        """The workspace volume is full: the agent's next write fails with ENOSPC and its
        container exits with code 1 (terminated reason ``Error``, as the kubelet reports a
        non-zero exit). With ``restartPolicy: Never`` (agent Jobs) the pod is Failed and the Job
        creates a replacement after its backoff, up to ``backoffLimit`` (``k8s.kubelet``'s Job
        backoff); ``OnFailure``/``Always`` restart the container in place after
        CrashLoopBackOff. A fresh pod gets a fresh ephemeral volume, so a run that writes more
        than the volume holds fails every attempt."""
        s = pod.slot
        self.acc["volume_full_pods"] += 1
        self.s_sched[s] = False
        pvc = pod.pvcs[0]["metadata"]["name"] if pod.pvcs else ""
        labels = {"namespace": pod.namespace, "pod": pod.name, "container": pod.container,
                  "persistentvolumeclaim": pvc}
        self.incidents.append(Incident("volume-full", self.t, self.t, labels,
                                       f"workspace volume full ({pod.pvc_size} B): write failed with ENOSPC, "
                                       "container exited with code 1"))
        pod.last_reason = "Error"
        if pod.run is not None:
            pod.run.last_failure = "VolumeFull"
        self._container_exited(pod, "Error", "VolumeFull")

    def _availability(self, dt: float) -> None:
        for key in sorted(self.deployments):
            d = self.deployments[key]
            if d.load is None and d.hpa is None:
                continue
            avail = sum(1 for p in d.pods if p.ready and not p.terminating)
            self.acc["ctrl_total_s"] += dt
            if avail >= 1:
                self.acc["ctrl_avail_s"] += dt

    def _in_fault(self) -> bool:
        return any(a <= self.t <= b for a, b in self.fault_windows)

    def _oom_kill(self, pod: Pod) -> None:
        s = pod.slot
        self.acc["oom_kills"] += 1
        if not self._in_fault():
            self.acc["oom_kills_normal"] += 1
        self.s_oom[s] += 1
        labels = {"namespace": pod.namespace, "pod": pod.name, "container": pod.container,
                  "node": self.node_names[pod.node]}
        self.incidents.append(Incident("oom-kill", self.t, self.t, labels,
                                       f"working set {int(self.s_ws[s])} B > limit {pod.mem_lim} B"))
        pod.last_reason = "OOMKilled"
        self._container_exited(pod, "OOMKilled", "OOMKilled")

    def _container_exited(self, pod: Pod, terminated_reason: str, failure: str) -> None:
        """The container exited non-zero: with restartPolicy Always or OnFailure the kubelet
        restarts it in place after CrashLoopBackOff (``kl.container_backoff``); with Never the
        pod ends Failed (``terminated_reason``) and the Job's backoff follows (``failure``)."""
        s = pod.slot
        policy = (pod.obj.get("spec") or {}).get("restartPolicy", "Always")
        if policy in ("Always", "OnFailure"):
            self.s_running[s] = False
            pod.restarts += 1
            pod.ready = False
            delay = kl.container_backoff(pod.crash_backoff_restarts)
            pod.crash_backoff_restarts += 1
            self.s_restarts[s] += 1
            self.recorder.reason_slots.add(s)
            self.at(self.t + delay, "restart", pod)
        else:
            pod.terminated_reason = terminated_reason
            self._pod_failed(pod, failure)

    def _restart_in_place(self, pod: Pod) -> None:
        if pod.terminating or pod.slot < 0:
            return
        self._container_started(pod)

    def _pod_failed(self, pod: Pod, reason: str) -> None:
        """A run pod ended Failed: the Job creates a new one after its backoff, or fails."""
        self._phase(pod, "Failed")
        self._release_pod(pod)
        run = pod.run
        if run is None:
            return
        run.failures += 1
        run.run_time += self.t - (pod.started or self.t)
        if kl.job_failed(run.failures, self.w.backoff_limit):
            self._run_failed(run, f"BackoffLimitExceeded after {reason}")
        else:
            run.state = "creating"
            self.at(self.t + kl.job_pod_failure_backoff(run.failures), "job-next", run)

    def _job_next(self, run: Run) -> None:
        if run.state == "creating":
            self._create_run_pod(run)

    def _release_pod(self, pod: Pod) -> None:
        """The pod stops using the node and the quota (terminal or deleted)."""
        if pod.node >= 0:
            self._node_add(pod, pod.node, -1)
            try:
                self.node_pods[pod.node].remove(pod)
            except ValueError:
                pass
        self.recorder.pod_ended(pod)
        self._free_slot(pod)
        pod.node = -1
        pod.ready = False
        if pod in self.pending:
            self.pending.remove(pod)
        charged, pod.quota_charge = pod.quota_charge, []
        self._release_quota(charged)
        self.sched_dirty = True

    def _run_completed(self, pod: Pod) -> None:
        run = pod.run
        assert run is not None
        s = pod.slot
        elapsed = self.t - (pod.started or self.t)
        if run.work > 0:
            self.slowdowns.append(max(elapsed / run.work - 1.0, 0.0))
        if pod.pvc_size > 0:
            self.acc["pvc_runs"] += 1
            self.acc["pvc_unused_sum"] += max(1.0 - min(run.written, pod.pvc_size) / pod.pvc_size, 0.0)
            self.s_written[s] = min(run.written, pod.pvc_size)
        self._phase(pod, "Succeeded")
        pod.terminated_reason = "Completed"
        self._release_pod(pod)
        run.state = "done"
        self.acc["runs_completed"] += 1
        self.recorder.count("provisor_runs_completed_total", {"agent": run.cls.name}, 1)
        self._run_ended(run)
        wf = run.wf
        if wf.spec_index < 0:  # a trace record: one pod, no workflow behind it
            wf.done = True
            self.acc["workflows_completed"] += 1
            return
        spec = self.w.workflows[wf.spec_index]
        st = spec.stages[wf.stage]
        rng = wf.rng if wf.rng is not None else self.rng
        if st.rework is not None and rng.random() < st.rework.probability:
            wf.stage = [x.name for x in spec.stages].index(st.rework.to)
            self._start_stage(wf)
        elif wf.stage + 1 < len(spec.stages):
            wf.stage += 1
            self._start_stage(wf)
        else:
            wf.done = True
            self.acc["workflows_completed"] += 1

    def _run_failed(self, run: Run, why: str) -> None:
        run.state = "failed"
        self.acc["runs_failed"] += 1
        if run.last_failure == "VolumeFull" and why.endswith("VolumeFull"):
            self.acc["runs_failed_volume_full"] += 1
        self.recorder.count("provisor_runs_failed_total", {"agent": run.cls.name}, 1)
        self.acc["workflows_failed"] += 1
        run.wf.done = True
        self._run_ended(run)

    def _run_ended(self, run: Run) -> None:
        run.cls.active -= 1
        self.active_runs -= 1
        self._dispatch(run.cls)

    def _node_pressure(self) -> None:
        """Node-pressure eviction: ``memory.available<100Mi`` -> evict one pod per pass, ranked
        by ``k8s.kubelet.rank_memory_pressure``."""
        idx = np.flatnonzero(self.s_running)
        if idx.size == 0:
            return
        used = np.bincount(self.s_node[idx], self.s_ws[idx], minlength=self.N)
        avail = self.cap_mem - self.system_mem - used
        for n in np.flatnonzero(avail < kl.EVICTION_HARD_MEMORY_AVAILABLE):
            cands = [p for p in self.node_pods[n] if not p.terminating and p.slot >= 0 and self.s_running[p.slot]]
            if not cands:
                continue
            stats = [kl.PodMemoryStats(i, int(self.s_ws[p.slot]), p.mem_req, p.priority)
                     for i, p in enumerate(cands)]
            victim = cands[kl.rank_memory_pressure(stats)[0].key]
            self.acc["evictions"] += 1
            self.incidents.append(Incident("node-pressure-eviction", self.t, self.t,
                                           {"node": self.node_names[n], "namespace": victim.namespace,
                                            "pod": victim.name},
                                           f"memory.available {int(avail[n])} B < 100Mi"))
            victim.terminated_reason = "Evicted"
            self._terminate(victim, "Evicted", grace=False)

    def _terminate(self, pod: Pod, reason: str, *, grace: bool) -> None:
        """Delete a pod (eviction, preemption, scale-down, drain): it stops being Ready at once
        and releases its node and quota when gone (after its grace period when ``grace``)."""
        if pod.terminating:
            return
        pod.terminating = True
        pod.ready = False
        pod.last_reason = reason
        if pod in self.pending:
            self.pending.remove(pod)
        gp = float((pod.obj.get("spec") or {}).get("terminationGracePeriodSeconds",
                                                     kl.DEFAULT_TERMINATION_GRACE_PERIOD))
        if pod.run is not None:
            # the run's work is lost; the Job counts the pod as failed
            if pod.slot >= 0:
                self.s_running[pod.slot] = False
            self.at(self.t + (gp if grace else 0.0), "gone", pod)
            return
        self.at(self.t + (gp if grace else 0.0), "gone", pod)
        if pod.deploy is not None:
            self.at(self.t, "rs-retry", pod.deploy)

    def _pod_gone(self, pod: Pod) -> None:
        if pod.run is not None and pod.run.pod is pod and pod.run.state == "pod":
            self._pod_failed(pod, pod.last_reason or "Deleted")
            return
        self._phase(pod, "Failed" if pod.last_reason in ("Evicted", "OOMKilled") else "Succeeded")
        self._release_pod(pod)
        if pod.deploy is not None:
            try:
                pod.deploy.pods.remove(pod)
            except ValueError:
                pass
            self._reconcile_deployment(pod.deploy)

    # -- Deployments and HPAs ------------------------------------------------------------------

    def _init_deployments(self) -> None:
        for key in sorted(self.deployments):
            self._reconcile_deployment(self.deployments[key])

    def _reconcile_deployment(self, d: Deployment) -> None:
        """The ReplicaSet controller: create or delete pods to reach ``replicas`` (deleting
        unscheduled, then not-ready, then newest first: ``ActivePodsWithRanks``)."""
        live = [p for p in d.pods if not p.terminating]
        while len(live) < d.replicas:
            d.seq += 1
            tmpl = (d.obj.get("spec") or {}).get("template") or {}
            meta = dict(tmpl.get("metadata") or {})
            sent = {"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"{d.name}-{d.hash}-{d.seq:05d}", "namespace": d.namespace,
                                 "labels": dict(meta.get("labels") or {}),
                                 "ownerReferences": [self._owner_ref(d)]},
                    "spec": dict(tmpl.get("spec") or {})}
            sent = self.vpa.initial(sent, d.name)
            try:
                obj = self._admit(sent, d.namespace)
                charged = self._charge_quota(obj, d.namespace)
            except AdmissionError:
                self.acc["quota_rejections"] += 1
                self.recorder.count("provisor_quota_rejections_total", {"namespace": d.namespace}, 1)
                self.at(self.t + 10.0, "rs-retry", d)
                break
            p = self._new_pod(obj, "ctrl", charged)
            p.deploy = d
            self.s_pvc_size[p.slot] = 0.0
            self.recorder.pod_created(p)
            d.pods.append(p)
            live.append(p)
            self._enqueue_pending(p)
        if len(live) > d.replicas:
            def rank(p: Pod) -> tuple[int, int, int, float]:
                return (0 if p.node < 0 else 1, 0 if p.phase == "Pending" else 1, 1 if p.ready else 0,
                        -(p.created))
            for p in sorted(live, key=rank)[: len(live) - d.replicas]:
                self._terminate(p, "ScaledDown", grace=True)

    @staticmethod
    def _owner_ref(d: Deployment) -> dict[str, Any]:
        if d.obj.get("kind") == "StatefulSet":
            return {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": d.name, "controller": True,
                    "uid": f"dep-{d.name}"}
        return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{d.name}-{d.hash}",
                "controller": True, "uid": f"rs-{d.name}"}

    #: use ``provisor.k8s.hpa.fast`` (property-tested equal to ``reconcile_autoscaler``) when
    #: the HPA and its pods allow it; False: always the exact function (bench baseline)
    hpa_fast: bool = True

    def _hpa_sync(self) -> None:
        from provisor.k8s.hpa import PodMetric, StaticMetricsClient, reconcile_autoscaler

        for key in sorted(self.deployments):
            d = self.deployments[key]
            if d.hpa is None:
                continue
            live = [p for p in d.pods if not p.terminating]
            ext: dict[str, list[int]] = {}
            if d.load is not None and d.load.external_metric:
                ext[d.load.external_metric] = [self.active_runs * 1000]
            res = self._hpa_fast(d, len(live), ext) if self.hpa_fast else None
            if res is None:
                pods = [self._hpa_pod(p) for p in d.pods]
                cpu: dict[str, PodMetric] = {}
                mem: dict[str, PodMetric] = {}
                for p in d.pods:
                    if p.slot >= 0 and self.s_running[p.slot] and p.started is not None and self.t - p.started >= self.tick:
                        ts = math.floor(self.t / self.tick) * self.tick
                        cpu[p.name] = PodMetric(int(self.s_alloc[p.slot]), ts, self.tick)
                        mem[p.name] = PodMetric(int(self.s_ws[p.slot]) * 1000, ts, self.tick)
                client = StaticMetricsClient(resource={("cpu", ""): cpu, ("memory", ""): mem},
                                             external=ext, timestamp=self.t)
                res = reconcile_autoscaler(d.hpa, spec_replicas=d.replicas, status_replicas=len(live),
                                           pods=pods, metrics_client=client, state=d.hpa_state, now=self.t)
            d.hpa_state = res.state
            d.hpa = {**d.hpa, "status": res.status}
            name = _meta(d.hpa).get("name", d.name)
            self._hpa_responsiveness(d, name, res)
            if res.rescale:
                self.recorder.event("hpa-rescale", {"namespace": d.namespace, "horizontalpodautoscaler": name},
                                    f"{d.replicas} -> {res.desired_replicas}: {res.rescale_reason}")
                d.replicas = res.desired_replicas
                self._reconcile_deployment(d)

    def _hpa_fast(self, d: Deployment, status_replicas: int, ext: dict[str, list[int]]) -> Any:
        """The sync through ``provisor.k8s.hpa.fast`` on the pods' arrays (the same inputs the
        exact path builds as Pod dicts and ``PodMetric``s), or ``None`` when the HPA or a pod
        needs the exact path (a metric type the fast path does not take, a pod whose request
        ``calculate_requests`` refuses)."""
        spec = d.hpa.get("spec") if d.hpa is not None else None
        if d.hpa_fast is None or d.hpa_fast[0] is not spec:
            comp = CompiledHPA.compile(d.hpa or {})
            need = () if comp is None else tuple(sorted({
                (m.get("resource") or {}).get("name", "") for m in comp.metrics
                if m.get("type") == "Resource" and ((m.get("resource") or {}).get("target") or {}
                                                    ).get("averageValue") is None}))
            d.hpa_fast = (spec, comp, need)
        _, comp, need = d.hpa_fast
        if comp is None:
            return None
        pods = d.pods
        reqs: dict[str, list[int]] = {r: [] for r in need}
        for p in pods:
            cache = p.hpa_requests
            for r in need:
                if r not in cache:
                    try:
                        cache[r] = calculate_requests([p.obj], "", r)[p.name]
                    except HPAError:
                        cache[r] = None
                v = cache[r]
                if v is None:
                    return None
                reqs[r].append(v)
        tick = self.tick
        t = self.t
        n = len(pods)
        running = self.s_running
        ready = [p.ready for p in pods]
        start: list[float] = []
        present: list[bool] = []
        for p in pods:
            if p.started is not None:
                start.append(p.started)
                sl = p.slot
                present.append(sl >= 0 and bool(running[sl]) and t - p.started >= tick)
            else:  # what an earlier _pod_for_k8s left in the object, as the exact path reads it
                st0 = (p.obj.get("status") or {}).get("startTime")
                start.append(math.nan if st0 is None else float(st0))
                present.append(False)
        slots = [p.slot if ok else 0 for p, ok in zip(pods, present)]
        alloc = self.s_alloc[slots].tolist() if n else []
        wss = self.s_ws[slots].tolist() if n else []
        cpu_v = [int(a) if ok else 0 for a, ok in zip(alloc, present)]
        mem_v = [int(w) * 1000 if ok else 0 for w, ok in zip(wss, present)]
        arrays = PodArrays(
            [_HPA_PHASE[p.phase] for p in pods],
            [p.terminating or "deletionTimestamp" in (p.obj.get("metadata") or {}) for p in pods],
            [True] * n, ready, [not r for r in ready], start,
            [p.ready_at if p.ready_at is not None else (p.started or p.created) for p in pods], reqs)
        ts = [math.floor(t / tick) * tick] * n
        win = [tick] * n
        samples = {"cpu": ResourceSamples(present, cpu_v, ts, win),
                   "memory": ResourceSamples(present, mem_v, ts, win)}
        return fast_reconcile_autoscaler(comp, (d.hpa or {}).get("status") or {}, spec_replicas=d.replicas,
                                         status_replicas=status_replicas, pods=arrays, resource_metrics=samples,
                                         external_metrics=ext, metrics_timestamp=t, state=d.hpa_state, now=t)

    def _hpa_responsiveness(self, d: Deployment, name: str, res: Any) -> None:
        """Scale-up decision time: from the first sync whose unstabilized recommendation (the
        metrics' proposal, recorded in ``HPAState.recommendations`` at ``now``) is above the
        current replica count (below maxReplicas) to the sync that scales up."""
        key = f"{d.namespace}/{name}"
        raw = None
        for r in res.state.recommendations or ():
            if r.timestamp == self.t:
                raw = r.recommendation
        mx = int((d.hpa or {}).get("spec", {}).get("maxReplicas", 0))
        need_up = raw is not None and raw > d.replicas and d.replicas < mx
        if need_up and self.hpa_need_since.get(key) is None:
            self.hpa_need_since[key] = self.t
        if res.rescale and res.desired_replicas > d.replicas:
            since = self.hpa_need_since.get(key)
            self.hpa_reaction.append(self.t - since if since is not None else 0.0)
            self.hpa_need_since[key] = None
        elif not need_up:
            self.hpa_need_since[key] = None

    def _hpa_pod(self, p: Pod) -> dict[str, Any]:
        o = p.obj
        st = o.setdefault("status", {})
        st["phase"] = p.phase
        if p.started is not None:
            st["startTime"] = p.started
        st["conditions"] = [{"type": "Ready", "status": "True" if p.ready else "False",
                             "lastTransitionTime": p.ready_at if p.ready_at is not None else (p.started or p.created)}]
        if p.terminating:
            o.setdefault("metadata", {})["deletionTimestamp"] = self.t
        return o

    # -- PDBs, drains, faults ------------------------------------------------------------------

    def _all_pods(self) -> list[Pod]:
        return [p for ps in self.node_pods for p in ps] + list(self.pending)

    def _pdbs_now(self) -> list[dict[str, Any]]:
        """Every PDB with the status the disruption controller computes now."""
        from provisor.k8s.disruption import pdb_status

        if not self.pdbs:
            return []
        pods = [self._pod_for_k8s(p) for p in self._all_pods() if not p.terminating]
        ctrls = []
        for _, d in sorted(self.deployments.items()):
            ctrls.extend(self._controller_objects(d))
        out = []
        for pdb in self.pdbs:
            st = pdb_status(pdb, pods, ctrls, now=self.t)
            out.append(st.apply(pdb, now=self.t))
        return out

    def _controller_objects(self, d: Deployment) -> list[dict[str, Any]]:
        """The Deployment (its current ``spec.replicas``) and the ReplicaSet that owns its pods,
        with the uids and controller references the disruption controller follows."""
        dep = {**d.obj, "metadata": {**_meta(d.obj), "namespace": d.namespace, "uid": f"dep-{d.name}"},
               "spec": {**(d.obj.get("spec") or {}), "replicas": d.replicas}}
        kind = d.obj.get("kind", "Deployment")
        if kind != "Deployment":
            return [dep]
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": f"{d.name}-{d.hash}", "namespace": d.namespace, "uid": f"rs-{d.name}",
                           "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": d.name,
                                                "uid": f"dep-{d.name}", "controller": True}]},
              "spec": {"replicas": d.replicas}}
        return [dep, rs]

    def _fault_start(self, sc: Scenario, i: int) -> None:
        f = sc.faults[i]
        end = f.at_s + f.duration_s if f.duration_s else None
        labels = {"scenario": sc.name}
        if f.kind in ("spike", "memory-leak"):
            if f.agent:
                labels["agent"] = f.agent
            self.fault_windows.append((f.at_s, end if end is not None else self.T))
            self.incidents.append(Incident(f"scenario:{f.kind}", f.at_s, end if end is not None else self.T,
                                           labels, sc.description))
            if f.kind == "memory-leak" and f.agent:
                c = self._class_for(f.agent)
                for ps in self.node_pods:
                    for p in ps:
                        if p.run is not None and c is not None and p.run.cls is c and p.slot >= 0:
                            self.s_leak[p.slot] = f.leak_bytes_per_s or 0.0
                            self.s_start[p.slot] = self.t
                if end is not None:
                    self.at(end, "fault-end", (sc, i))
        elif f.kind == "quota-cut":
            for q in self.quota_list:
                hard0 = self.quota_hard0[id(q)]
                q["status"]["hard"] = {k: _scaled(v, f.factor or 0.5) for k, v in hard0.items()}
                q["spec"] = {**q.get("spec", {}), "hard": dict(q["status"]["hard"])}
            self.fault_windows.append((f.at_s, end if end is not None else self.T))
            self.incidents.append(Incident("scenario:quota-cut", f.at_s, end if end is not None else self.T,
                                           labels, f"hard x {f.factor or 0.5}"))
            if end is not None:
                self.at(end, "fault-end", (sc, i))
        elif f.kind in ("drain", "node-loss"):
            n = self._pick_node(f.node)
            if n < 0:
                return
            labels["node"] = self.node_names[n]
            if f.kind == "drain":
                self._start_drain(n, sc, f, labels, replace=None)
            else:
                self.node_ready[n] = False
                for p in list(self.node_pods[n]):
                    if p.slot >= 0:
                        self.s_running[p.slot] = False
                    p.ready = False
                    p.lost = True
                self.fault_windows.append((f.at_s, end if end is not None else self.T))
                self.incidents.append(Incident("scenario:node-loss", f.at_s, end if end is not None else self.T,
                                               labels, sc.description))
                self.at(self.t + kl.DEFAULT_NOT_READY_TOLERATION_SECONDS, "node-lost-evict", n)
                if end is not None:
                    self.at(end, "node-back", n)
        elif f.kind == "rolling-upgrade":
            order = list(range(self.N))
            self.fault_windows.append((f.at_s, self.T))
            self._start_drain(order[0], sc, f, {**labels, "node": self.node_names[order[0]]},
                              replace=order[1:])

    def _pick_node(self, name: str | None) -> int:
        if name:
            return self.node_names.index(name) if name in self.node_names else -1
        if self.N == 0:
            return -1
        counts = [(len([p for p in ps if not p.terminating]), -i) for i, ps in enumerate(self.node_pods)]
        return -max(counts)[1]

    def _fault_end(self, sc: Scenario, i: int) -> None:
        f = sc.faults[i]
        if f.kind == "quota-cut":
            for q in self.quota_list:
                q["status"]["hard"] = dict(self.quota_hard0[id(q)])
                q["spec"] = {**q.get("spec", {}), "hard": dict(q["status"]["hard"])}
            self._quota_freed()
        elif f.kind == "memory-leak":
            for ps in self.node_pods:
                for p in ps:
                    if p.slot >= 0 and p.run is not None:
                        self.s_leak[p.slot] = self._leak_for(p.run.cls.name)

    def _start_drain(self, n: int, sc: Scenario, f: Any, labels: dict[str, str],
                     replace: list[int] | None) -> None:
        self.schedulable[n] = False
        state = {"node": n, "start": self.t, "sc": sc, "f": f, "labels": labels, "replace": replace,
                 "attempts": 0}
        self._drain_step(state)

    def _drain_step(self, st: dict[str, Any]) -> None:
        """kubectl drain: evict every pod of the node through the eviction API; on 429 wait
        ``drain_retry`` and try again; give up after ``timeout_s`` (0 = never)."""
        from provisor.k8s.disruption import evict

        n = st["node"]
        f = st["f"]
        left = [p for p in self.node_pods[n] if not p.terminating]
        blocked = 0
        for p in sorted(left, key=lambda p: (p.namespace, p.name)):
            pdbs = self._pdbs_now()
            dec = evict(self._pod_for_k8s(p), pdbs, now=self.t)
            if dec.allowed:
                self.acc["drain_evictions"] += 1
                if dec.updated_pdb is not None:
                    self._record_disrupted(dict(dec.updated_pdb))
                self._terminate(p, "Evicted", grace=True)
            else:
                blocked += 1
                self.acc["drain_429"] += 1
        st["attempts"] += 1
        if blocked == 0 and not any(not p.terminating for p in self.node_pods[n]):
            self._drain_done(st, ok=True)
            return
        if f.timeout_s and self.t - st["start"] >= f.timeout_s:
            self._drain_done(st, ok=False)
            return
        st["blocked"] = blocked
        self.at(self.t + self.w.timings.drain_retry, "drain-step", st)

    def _record_disrupted(self, updated: dict[str, Any]) -> None:
        name = _meta(updated).get("name")
        ns = _meta(updated).get("namespace")
        for i, p in enumerate(self.pdbs):
            if _meta(p).get("name") == name and _meta(p).get("namespace") == ns:
                st = dict(updated.get("status") or {})
                self.pdbs[i] = {**p, "status": {"disruptedPods": st.get("disruptedPods") or {}}}

    def _drain_done(self, st: dict[str, Any], *, ok: bool) -> None:
        n = st["node"]
        f = st["f"]
        sc = st["sc"]
        detail = "drained" if ok else f"drain timed out after {f.timeout_s:g} s with pods left"
        kind = "scenario:drain" if f.kind == "drain" else "scenario:rolling-upgrade"
        self.incidents.append(Incident(kind, st["start"], self.t, dict(st["labels"]), detail))
        self.fault_windows.append((st["start"], self.t))
        replace = st["replace"]
        if f.kind == "drain":
            back = (f.duration_s or 0.0)
            if back:
                self.at(self.t + back, "node-back", n)
        else:
            self.at(self.t + f.replace_s, "node-back", n)
            if replace:
                nxt = replace[0]
                self.at(self.t + f.replace_s, "drain-step", {
                    "node": nxt, "start": self.t + f.replace_s, "sc": sc, "f": f,
                    "labels": {**st["labels"], "node": self.node_names[nxt]},
                    "replace": replace[1:], "attempts": 0, "cordon": True})
                self.schedulable[nxt] = False if False else self.schedulable[nxt]

    def _node_lost_evict(self, n: int) -> None:
        for p in list(self.node_pods[n]):
            if not p.terminating:
                self._terminate(p, "NodeLost", grace=False)

    def _node_back(self, n: int) -> None:
        self.node_ready[n] = True
        self.schedulable[n] = True
        self.sched_dirty = True

    # -- end -----------------------------------------------------------------------------------

    def _finish(self) -> None:
        if self.exhaust_since is not None:
            self.exhaustion.append(self.t - self.exhaust_since)
            self.exhaust_since = None
        self.recorder.finish(self.t)


def _water_fill(capped: np.ndarray, requests: np.ndarray, capacity: float) -> np.ndarray:
    """CPU under contention: each container gets CPU in proportion to its cpu.shares
    (``k8s.kubelet.milli_cpu_to_shares`` of its request), never more than it wants (its demand,
    already capped by its CFS quota); what one does not use is shared by the others."""
    shares = np.array([kl.milli_cpu_to_shares(int(r)) for r in requests], np.float64)
    out = np.zeros_like(capped)
    active = capped > 0
    left = capacity
    for _ in range(len(capped) + 1):
        if not active.any() or left <= 1e-9:
            break
        w = shares * active
        fair = left * w / w.sum()
        want = capped - out
        sat = active & (want <= fair + 1e-12)
        if sat.any():
            out[sat] += want[sat]
            left -= float(want[sat].sum())
            active &= ~sat
        else:
            out[active] += fair[active]
            left = 0.0
            break
    return out


def _scaled(v: Any, factor: float) -> str:
    """A quota hard value times ``factor``, rounded down to a milli-unit."""
    from fractions import Fraction

    m = _q(v).milli_value()
    return str(Quantity.from_value(Fraction(int(m * Fraction(str(factor))), 1000)))
