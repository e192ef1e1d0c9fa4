"""The twin's recorder: what Prometheus would have scraped, under the real names and labels.

Every ``scrape`` interval it samples cAdvisor (``job="kubelet"``,
``metrics_path="/metrics/cadvisor"``), kube-state-metrics (``job="kube-state-metrics"``),
kubelet volume stats (``kubelet_volume_stats_{capacity,used,available}_bytes`` with labels
``namespace`` and ``persistentvolumeclaim``, as kubernetes/kubernetes
``pkg/kubelet/metrics/collectors/volume_stats.go`` exports them) and a few ``provisor_*`` series. Per-container values are gathered
from the engine's slot arrays with numpy (one array per metric per scrape, indexed by series
id); Python runs only when a pod is created or ends. ``finish`` turns the chunks into a
``provisor.series.SeriesSet`` whose timestamps are ``START_EPOCH + simulated seconds``.

It also derives ground truth for alerting (``Incident``): intervals where a container's CPU
usage is above 80% of its limit (``cpu-high``), its working set above 85% of its memory limit
(``memory-high``), a quota's used above 90% of hard (``quota-high``) -- the default
PrometheusRule's thresholds, so alert accuracy can be scored against them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from provisor.k8s.ksm import ksm_labels
from provisor.sim.model import Incident

#: What the recorder keeps per pod: namespace, pod, container, image, PVC name, and the
#: ``kube_pod_labels`` label pairs (kube-state-metrics' mapping of the pod's labels).
PodInfo = tuple[str, str, str, str, str, tuple[tuple[str, str], ...]]

if TYPE_CHECKING:
    from provisor.series import SeriesSet
    from provisor.sim.engine import Engine, Pod

#: 2026-01-05T00:00:00Z, a Monday: simulated second 0.
START_EPOCH = 1767571200.0

CADVISOR = {"job": "kubelet", "metrics_path": "/metrics/cadvisor"}
KSM = {"job": "kube-state-metrics"}
KUBELET = {"job": "kubelet", "metrics_path": "/metrics"}

HELP: dict[str, tuple[str, str]] = {
    "container_cpu_usage_seconds_total": ("counter", "Cumulative cpu time consumed in seconds."),
    "container_memory_working_set_bytes": ("gauge", "Current working set in bytes."),
    "container_cpu_cfs_periods_total": ("counter", "Number of elapsed enforcement period intervals."),
    "container_cpu_cfs_throttled_periods_total": ("counter", "Number of throttled period intervals."),
    "container_spec_memory_limit_bytes": ("gauge", "Memory limit for the container."),
    "container_oom_events_total": ("counter", "Count of out of memory events observed for the container"),
    "kube_pod_container_resource_requests": ("gauge", "The number of requested resource by a container."),
    "kube_pod_container_resource_limits": ("gauge", "The number of requested limit resource by a container."),
    "kube_pod_status_phase": ("gauge", "The pods current phase."),
    "kube_pod_container_status_restarts_total": ("counter", "The number of container restarts per container."),
    "kube_pod_container_status_terminated_reason": ("gauge", "Describes the reason the container is currently in terminated state."),
    "kube_pod_container_status_last_terminated_reason": ("gauge", "Describes the last reason the container was in terminated state."),
    "kube_resourcequota": ("gauge", "Information about resource quota."),
    "kube_horizontalpodautoscaler_spec_max_replicas": ("gauge", "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas."),
    "kube_horizontalpodautoscaler_spec_min_replicas": ("gauge", "Lower limit for the number of pods that can be set by the autoscaler, default 1."),
    "kube_horizontalpodautoscaler_status_current_replicas": ("gauge", "Current number of replicas of pods managed by this autoscaler."),
    "kube_horizontalpodautoscaler_status_desired_replicas": ("gauge", "Desired number of replicas of pods managed by this autoscaler."),
    "kube_deployment_status_replicas_available": ("gauge", "The number of available replicas per deployment."),
    "kube_deployment_spec_replicas": ("gauge", "Number of desired pods for a deployment."),
    "kube_persistentvolumeclaim_resource_requests_storage_bytes": ("gauge", "The capacity of storage requested by the persistent volume claim."),
    "kubelet_volume_stats_capacity_bytes": ("gauge", "Capacity in bytes of the volume"),
    "kubelet_volume_stats_used_bytes": ("gauge", "Number of used bytes in the volume"),
    "kubelet_volume_stats_available_bytes": ("gauge", "Number of available bytes in the volume"),
    "kube_node_status_allocatable": ("gauge", "The allocatable for different resources of a node that are available for scheduling."),
    "kube_node_status_capacity": ("gauge", "The capacity for different resources of a node."),
    "provisor_queue_length": ("gauge", "Agent runs waiting for a concurrency slot or for quota, by agent class."),
    "provisor_queue_wait_seconds_total": ("counter", "Total seconds runs waited from enqueue to container start."),
    "provisor_runs_started_total": ("counter", "Agent runs whose first container started."),
    "provisor_runs_completed_total": ("counter", "Agent runs completed."),
    "provisor_runs_failed_total": ("counter", "Agent runs failed (backoffLimit or quota)."),
    "provisor_quota_rejections_total": ("counter", "Pod or PVC creations refused by ResourceQuota admission."),
    "kube_pod_labels": ("gauge", "Kubernetes labels converted to Prometheus labels."),
}

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
PHASE_CODE = {p: i for i, p in enumerate(PHASES)}

#: per-pod series: key -> (metric, label family, extra labels)
POD_SERIES: dict[str, tuple[str, str, dict[str, str]]] = {
    "cpu_total": ("container_cpu_usage_seconds_total", "cadvisor", {"cpu": "total"}),
    "ws": ("container_memory_working_set_bytes", "cadvisor", {}),
    "oom": ("container_oom_events_total", "cadvisor", {}),
    "periods": ("container_cpu_cfs_periods_total", "cadvisor", {}),
    "throttled": ("container_cpu_cfs_throttled_periods_total", "cadvisor", {}),
    "mem_limit": ("container_spec_memory_limit_bytes", "cadvisor", {}),
    "req_cpu": ("kube_pod_container_resource_requests", "ksm", {"resource": "cpu", "unit": "core"}),
    "req_mem": ("kube_pod_container_resource_requests", "ksm", {"resource": "memory", "unit": "byte"}),
    "lim_cpu": ("kube_pod_container_resource_limits", "ksm", {"resource": "cpu", "unit": "core"}),
    "lim_mem": ("kube_pod_container_resource_limits", "ksm", {"resource": "memory", "unit": "byte"}),
    "restarts": ("kube_pod_container_status_restarts_total", "ksm", {}),
    "pvc_req": ("kube_persistentvolumeclaim_resource_requests_storage_bytes", "pvc-ksm", {}),
    "pvc_cap": ("kubelet_volume_stats_capacity_bytes", "pvc-kubelet", {}),
    "pvc_used": ("kubelet_volume_stats_used_bytes", "pvc-kubelet", {}),
    "pvc_avail": ("kubelet_volume_stats_available_bytes", "pvc-kubelet", {}),
    **{f"phase{i}": ("kube_pod_status_phase", "phase", {"phase": ph}) for i, ph in enumerate(PHASES)},
    "klabels": ("kube_pod_labels", "labels", {}),
}

#: The pod label keys kube-state-metrics exports on ``kube_pod_labels`` (its
#: ``--metric-labels-allowlist=pods=[...]``): the bundle's README asks for exactly this
#: (``provisor.render.readme``), so the twin's series look like the documented setup.
POD_LABELS_ALLOWLIST: tuple[str, ...] = ("provisor.dev/agent",)
POD_KEYS = list(POD_SERIES)
POD_CODE = {k: i for i, k in enumerate(POD_KEYS)}
N_POD_CODES = len(POD_KEYS)
POD_BASE = 1 << 40

# per-slot metrics: name -> (value getter key)
_SLOT = ("cpu_total", "ws", "periods", "throttled", "mem_limit", "oom")


class Recorder:
    def __init__(self, eng: "Engine") -> None:
        self.eng = eng
        self.labels: list[dict[str, str]] = []
        self.index: dict[tuple[tuple[str, str], ...], int] = {}
        self.chunk_sid: list[np.ndarray] = []
        self.chunk_t: list[float] = []
        self.chunk_v: list[np.ndarray] = []
        self.counters: dict[int, float] = {}
        self.slot_sids: dict[str, np.ndarray] = {}
        self.cpu_hi: dict[int, float] = {}
        self.mem_hi: dict[int, float] = {}
        self.quota_hi: dict[tuple[str, str, str], float] = {}
        self.events: list[Incident] = []
        self._node_sids: list[tuple[np.ndarray, np.ndarray]] | None = None
        self.reason_slots: set[int] = set()
        self.pod_info: dict[int, PodInfo] = {}
        self._pend_sid: list[np.ndarray] = []
        self._pend_v: list[np.ndarray] = []
        self._pending_t: float | None = None
        self._plan: tuple[np.ndarray, list[Any]] | None = None
        self._qcache: dict[str, float] = {}

    # -- series ids ----------------------------------------------------------------------------

    def sid(self, name: str, labels: dict[str, str]) -> int:
        full = {"__name__": name, **{k: v for k, v in labels.items() if v != ""}}
        key = tuple(sorted(full.items()))
        i = self.index.get(key)
        if i is None:
            i = len(self.labels)
            self.index[key] = i
            self.labels.append(full)
        return i

    def _slot_arr(self, name: str) -> np.ndarray:
        a = self.slot_sids.get(name)
        S = self.eng.S
        if a is None or a.size < S:
            b = np.full(S, -1, np.int64)
            if a is not None:
                b[: a.size] = a
            self.slot_sids[name] = b
            a = b
        return a

    def ksm_labels(self, pod: "Pod") -> dict[str, str]:
        return {**KSM, "namespace": pod.namespace, "pod": pod.name, "container": pod.container}

    def pod_created(self, pod: "Pod") -> None:
        """Register the pod's series. Per-pod series ids are ``POD_BASE + uid * N_POD_CODES +
        code`` (labels are built only in ``series_set``), so a pod costs no dict work here."""
        s = pod.slot
        e = self.eng
        base = POD_BASE + pod.uid * N_POD_CODES
        pvc = pod.pvcs[0]["metadata"]["name"] if pod.pvcs else ""
        klabels = tuple(ksm_labels(pod.labels, POD_LABELS_ALLOWLIST).items())
        self.pod_info[pod.uid] = (pod.namespace, pod.name, pod.container, _image(pod), pvc,
                                  klabels)
        has = {"cpu_total": True, "ws": True, "oom": True, "mem_limit": True,
               "periods": pod.cpu_lim > 0, "throttled": pod.cpu_lim > 0,
               "req_cpu": pod.cpu_req > 0, "req_mem": pod.mem_req > 0,
               "lim_cpu": pod.cpu_lim > 0, "lim_mem": pod.mem_lim > 0, "restarts": True,
               "pvc_req": bool(pvc), "pvc_cap": bool(pvc), "pvc_used": bool(pvc),
               "pvc_avail": bool(pvc),
               **{f"phase{i}": True for i in range(len(PHASES))}, "klabels": True}
        for key, code in POD_CODE.items():
            self._slot_arr(key)[s] = base + code if has[key] else -1
        e.s_kreq_cpu[s] = pod.cpu_req / 1000.0
        e.s_kreq_mem[s] = pod.mem_req
        e.s_klim_cpu[s] = pod.cpu_lim / 1000.0
        e.s_klim_mem[s] = pod.mem_lim
        e.s_restarts[s] = 0.0

    def _pod_labels(self, sid: int) -> dict[str, str]:
        return pod_labels(self.pod_info, sid)


    def _reasons(self, pod: "Pod", t: float) -> None:
        """Terminated / last-terminated reason series of one pod (few pods have them)."""
        k = self.ksm_labels(pod)
        sids: list[int] = []
        if pod.terminated_reason:
            sids.append(self.sid("kube_pod_container_status_terminated_reason",
                                 {**k, "reason": pod.terminated_reason}))
        if pod.last_reason in ("OOMKilled", "Error", "Evicted", "Completed"):
            sids.append(self.sid("kube_pod_container_status_last_terminated_reason",
                                 {**k, "reason": pod.last_reason}))
        if sids:
            self._emit(np.array(sids, np.int64), t, np.ones(len(sids)))

    def _ksm(self, slots: np.ndarray, t: float) -> None:
        """kube-state-metrics and volume series of the pods in ``slots`` (vectorised)."""
        e = self.eng
        out: list[tuple[np.ndarray, np.ndarray]] = []
        for key, src in (("req_cpu", e.s_kreq_cpu), ("req_mem", e.s_kreq_mem),
                         ("lim_cpu", e.s_klim_cpu), ("lim_mem", e.s_klim_mem),
                         ("restarts", e.s_restarts)):
            out.append((self._slot_arr(key)[slots], src[slots]))
        codes = e.s_phase[slots]
        for i in range(len(PHASES)):
            out.append((self._slot_arr(f"phase{i}")[slots], (codes == i).astype(np.float64)))
        out.append((self._slot_arr("klabels")[slots], np.ones(slots.size, np.float64)))
        pv = self._slot_arr("pvc_req")[slots]
        has = pv >= 0
        if has.any():
            ps = slots[has]
            out.append((pv[has], e.s_pvc_size[ps]))
            # mounted volumes: running and succeeded pods, and the last sample of a pod that
            # failed because its volume filled (the kubelet's view before it unmounts)
            run = (codes[has] == 1) | (codes[has] == 2) | ((codes[has] == 3) & (e.s_progress[ps] >= e.s_fill[ps]))
            if run.any():
                rs = ps[run]
                frac = np.minimum(e.s_progress[rs] / np.where(e.s_work[rs] > 0, e.s_work[rs], 1.0), 1.0)
                cap = e.s_pvc_size[rs]
                used = np.minimum(e.s_written_total[rs] * frac, cap)
                out.append((self._slot_arr("pvc_cap")[rs], cap))
                out.append((self._slot_arr("pvc_used")[rs], used))
                out.append((self._slot_arr("pvc_avail")[rs], cap - used))
        self._emit_many(out, t)
        for s in slots[np.isin(slots, np.fromiter(self.reason_slots, np.int64, len(self.reason_slots)))] \
                if self.reason_slots else ():
            p = e.s_pod[int(s)]
            if p is not None:
                self._reasons(p, t)

    def _written(self, pod: "Pod", t: float) -> float:
        e = self.eng
        s = pod.slot
        if pod.run is None or s < 0 or e.s_work[s] <= 0:
            return 0.0
        frac = min(e.s_progress[s] / e.s_work[s], 1.0)
        return float(min(pod.run.written * frac, pod.pvc_size))

    def pod_ended(self, pod: "Pod") -> None:
        """Last samples of a pod (terminal phase, final counters) before its slot is freed."""
        t = self.eng.t
        s = pod.slot
        if s >= 0:
            one = np.array([s], np.int64)
            self._slot_samples(one, t)
            self._ksm(one, t)
            self.reason_slots.discard(s)
        self._reasons(pod, t)
        self._end_conditions(s, t, pod)

    def count(self, name: str, labels: dict[str, str], inc: float) -> None:
        i = self.sid(name, labels)
        self.counters[i] = self.counters.get(i, 0.0) + inc

    def event(self, kind: str, labels: dict[str, str], detail: str) -> None:
        self.events.append(Incident(kind, self.eng.t, self.eng.t, labels, detail))

    # -- sampling ------------------------------------------------------------------------------

    def _emit(self, sids: np.ndarray, t: float, vals: np.ndarray) -> None:
        """Buffer samples of time ``t`` (series id -1 = no such series, dropped at the end).
        Samples of one time are merged into one chunk (``_flush``) so that long runs keep
        two arrays per scrape, not one per metric."""
        if self._pending_t is not None and self._pending_t != t:
            self._flush()
        self._pending_t = t
        keep = sids >= 0
        self._pend_sid.append(sids[keep])
        self._pend_v.append(np.asarray(vals, np.float64)[keep])

    def _emit_many(self, pairs: list[tuple[np.ndarray, np.ndarray]], t: float) -> None:
        """``_emit`` of several (series ids, values) pairs at once (the same chunk, in order)."""
        self._emit(np.concatenate([p[0] for p in pairs]), t,
                   np.concatenate([np.asarray(p[1], np.float64) for p in pairs]))

    def _flush(self) -> None:
        if self._pending_t is None:
            return
        sid = np.concatenate(self._pend_sid) if len(self._pend_sid) > 1 else self._pend_sid[0]
        if sid.size:
            self.chunk_sid.append(sid)
            self.chunk_t.append(self._pending_t)
            self.chunk_v.append(np.concatenate(self._pend_v) if len(self._pend_v) > 1 else self._pend_v[0])
        self._pend_sid, self._pend_v, self._pending_t = [], [], None

    def _slot_samples(self, slots: np.ndarray, t: float) -> None:
        e = self.eng
        src = {"cpu_total": e.s_cpu_total, "ws": e.s_ws, "periods": e.s_periods,
               "throttled": e.s_throttled, "mem_limit": e.s_mem_lim, "oom": e.s_oom}
        self._emit_many([(self._slot_arr(name)[slots], src[name][slots]) for name in _SLOT], t)

    def scrape(self, t: float) -> None:
        e = self.eng
        used = np.flatnonzero(e.s_used)
        if used.size:
            # the limit series exists only while the container runs with a limit
            self._slot_samples(used, t)
            self._ksm(used, t)
        # nodes (static, once per scrape)
        if self._node_sids is None:
            sids, vals = [], []
            for i, n in enumerate(e.node_names):
                for metric, arrs in (("kube_node_status_allocatable", (e.alloc_cpu, e.alloc_mem, e.alloc_pods)),
                                     ("kube_node_status_capacity", (e.cap_cpu, e.cap_mem, e.alloc_pods))):
                    for res, unit, a, scale in (("cpu", "core", arrs[0], 1000.0), ("memory", "byte", arrs[1], 1.0),
                                                ("pods", "integer", arrs[2], 1.0)):
                        sids.append(self.sid(metric, {**KSM, "node": n, "resource": res, "unit": unit}))
                        vals.append(float(a[i]) / scale)
            self._node_sids = [(np.array(sids, np.int64), np.array(vals, np.float64))]
        for sids_a, vals_a in self._node_sids:
            self._emit(sids_a, t, vals_a)
        # quotas, Deployments, HPAs, queues: a fixed plan of (series id, value getter)
        if self._plan is None:
            self._plan = self._build_plan()
        sids_a, getters = self._plan
        plan_vals = np.array([g() for g in getters], np.float64)
        for q in e.quota_list:
            self._quota_conditions(q, t)
        cs = sorted(self.counters)
        self._emit(np.concatenate((sids_a, np.array(cs, np.int64))), t,
                   np.concatenate((plan_vals, np.array([self.counters[i] for i in cs], np.float64))))

    def _build_plan(self) -> tuple[np.ndarray, list[Any]]:
        e = self.eng
        sids: list[int] = []
        getters: list[Any] = []

        def add(name: str, labels: dict[str, str], g: Any) -> None:
            sids.append(self.sid(name, labels))
            getters.append(g)

        for q in e.quota_list:
            m = q.get("metadata") or {}
            st = q["status"]
            for typ in ("hard", "used"):
                for res in sorted(st.get(typ) or {}):
                    add("kube_resourcequota", {**KSM, "namespace": m.get("namespace", ""),
                                               "resourcequota": m.get("name", ""), "resource": res,
                                               "type": typ},
                        lambda q=q, typ=typ, res=res: self._qnum(q["status"][typ].get(res, "0")))
        for key in sorted(e.deployments):
            d = e.deployments[key]
            dl = {**KSM, "namespace": d.namespace, "deployment": d.name}
            add("kube_deployment_status_replicas_available", dl,
                lambda d=d: float(sum(1 for p in d.pods if p.ready and not p.terminating)))
            add("kube_deployment_spec_replicas", dl, lambda d=d: float(d.replicas))
            if d.hpa is not None:
                hl = {**KSM, "namespace": d.namespace,
                      "horizontalpodautoscaler": (d.hpa.get("metadata") or {}).get("name", d.name)}
                add("kube_horizontalpodautoscaler_spec_max_replicas", hl,
                    lambda d=d: float((d.hpa or {}).get("spec", {}).get("maxReplicas", 0)))
                add("kube_horizontalpodautoscaler_spec_min_replicas", hl,
                    lambda d=d: float((d.hpa or {}).get("spec", {}).get("minReplicas", 1)))
                add("kube_horizontalpodautoscaler_status_current_replicas", hl,
                    lambda d=d: float(((d.hpa or {}).get("status") or {}).get("currentReplicas", d.replicas)))
                add("kube_horizontalpodautoscaler_status_desired_replicas", hl,
                    lambda d=d: float(((d.hpa or {}).get("status") or {}).get("desiredReplicas", d.replicas)))
        for name in sorted(e.classes):
            c = e.classes[name]
            add("provisor_queue_length", {"job": "provisor", "namespace": c.namespace, "agent": name},
                lambda c=c: float(len(c.waiting) + sum(1 for r in e.kueue if r.cls is c)))
        return np.array(sids, np.int64), getters

    # -- ground truth for alerts ---------------------------------------------------------------

    def conditions(self, idx: np.ndarray, lim: np.ndarray, alloc: np.ndarray, mlim: np.ndarray,
                   ws: np.ndarray) -> None:
        """Open and close the ``cpu-high`` / ``memory-high`` ground-truth intervals of the running
        containers ``idx`` (their CPU limit and allocation, millicores; memory limit and
        working set, bytes: the engine's arrays at ``idx``)."""
        e = self.eng
        t = e.t
        cpu_hi = (lim > 0) & (alloc > 0.8 * lim)
        mem_hi = (mlim > 0) & (ws > 0.85 * mlim)
        for flags, store, kind in ((cpu_hi, self.cpu_hi, "cpu-high"), (mem_hi, self.mem_hi, "memory-high")):
            on = set(int(s) for s in idx[flags])
            for s in on:
                store.setdefault(s, t)
            for s in [s for s in store if s not in on]:
                self._close(store, s, t, kind)

    def _close(self, store: dict[int, float], s: int, t: float, kind: str,
               pod: "Pod | None" = None) -> None:
        start = store.pop(s)
        p = pod if pod is not None else self.eng.s_pod[s]
        if p is None:
            return
        self.events.append(Incident(kind, start, t, {"namespace": p.namespace, "pod": p.name,
                                                     "container": p.container}, ""))

    def _end_conditions(self, s: int, t: float, pod: "Pod") -> None:
        for store, kind in ((self.cpu_hi, "cpu-high"), (self.mem_hi, "memory-high")):
            if s in store:
                self._close(store, s, t, kind, pod)

    def _quota_conditions(self, q: dict[str, Any], t: float) -> None:
        m = q.get("metadata") or {}
        st = q.get("status") or {}
        for res, hard in sorted((st.get("hard") or {}).items()):
            h = self._qnum(hard)
            u = self._qnum((st.get("used") or {}).get(res, "0"))
            key = (m.get("namespace", ""), m.get("name", ""), res)
            if h > 0 and u / h >= 0.9:
                self.quota_hi.setdefault(key, t)
            elif key in self.quota_hi:
                start = self.quota_hi.pop(key)
                self.events.append(Incident("quota-high", start, t, {"namespace": key[0], "resourcequota": key[1],
                                                                     "resource": res}, ""))

    def _qnum(self, v: Any) -> float:
        k = str(v)
        x = self._qcache.get(k)
        if x is None:
            x = self._qcache[k] = _num(v)
        return x

    def finish(self, t: float) -> None:
        e = self.eng
        for store, kind in ((self.cpu_hi, "cpu-high"), (self.mem_hi, "memory-high")):
            for s in sorted(store):
                self._close(store, s, t, kind)
        for key in sorted(self.quota_hi):
            start = self.quota_hi.pop(key)
            self.events.append(Incident("quota-high", start, t, {"namespace": key[0], "resourcequota": key[1],
                                                                 "resource": key[2]}, ""))
        _ = e

    def data(self) -> "RecordedSeries":
        """The recorded samples, detached from the engine (``RecordedSeries.build()`` makes
        the ``SeriesSet``)."""
        self._flush()
        return RecordedSeries(list(self.labels), dict(self.pod_info), self.chunk_sid,
                              self.chunk_t, self.chunk_v)


class RecordedSeries:
    """Raw samples: series ids, scrape times, values; label sets for registry ids and pod info
    for pod-scoped ids. ``build()`` turns them into a ``SeriesSet`` (the slow part for runs
    with many pods, so ``SimResult.series()`` does it on first use)."""

    def __init__(self, labels: list[dict[str, str]], pod_info: dict[int, PodInfo],
                 chunk_sid: list[np.ndarray], chunk_t: list[float], chunk_v: list[np.ndarray]) -> None:
        self.labels = labels
        self.pod_info = pod_info
        self.chunk_sid = chunk_sid
        self.chunk_t = chunk_t
        self.chunk_v = chunk_v

    def _pod_labels(self, sid: int) -> dict[str, str]:
        return pod_labels(self.pod_info, sid)

    def build(self) -> "SeriesSet":
        return self.series_set()

    def series_set(self) -> "SeriesSet":
        """All recorded samples as a ``SeriesSet`` (one series per label set; a sample
        recorded twice at the same time keeps the last)."""
        from provisor.series import MetricMeta, Series, SeriesSet

        meta = {k: MetricMeta(v[0], v[1]) for k, v in HELP.items()}  # type: ignore[arg-type]
        out = SeriesSet(metadata=meta)
        if not self.chunk_sid:
            return out
        sid = np.concatenate(self.chunk_sid)
        ts = np.repeat(np.array(self.chunk_t, np.float64), [a.size for a in self.chunk_sid]) + START_EPOCH
        vs = np.concatenate(self.chunk_v)
        keep = sid >= 0
        sid, ts, vs = sid[keep], ts[keep], vs[keep]
        if sid.size == 0:
            return out
        order = np.lexsort((np.arange(sid.size), ts, sid))
        sid, ts, vs = sid[order], ts[order], vs[order]
        # keep the last sample of equal (sid, t)
        last = np.ones(sid.size, bool)
        last[:-1] = (sid[1:] != sid[:-1]) | (ts[1:] != ts[:-1])
        sid, ts, vs = sid[last], ts[last], vs[last]
        bounds = np.flatnonzero(np.diff(sid)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [sid.size]))
        for a, b in zip(starts.tolist(), ends.tolist()):
            i = int(sid[a])
            labels = self._pod_labels(i) if i >= POD_BASE else self.labels[i]
            out.add(Series(labels, ts[a:b], vs[a:b]))
        return out


def _image(pod: "Pod") -> str:
    cs = (pod.obj.get("spec") or {}).get("containers") or [{}]
    return str(cs[0].get("image", "")) if isinstance(cs[0], dict) else ""


def _num(v: Any) -> float:
    from provisor.quantity import Quantity

    try:
        return float(Quantity.parse(v).value) if not isinstance(v, (int, float)) else float(v)
    except (ValueError, TypeError):
        return 0.0


def pod_labels(pod_info: dict[int, PodInfo], sid: int) -> dict[str, str]:
    """The label set of a pod-scoped series id."""
    uid, code = divmod(sid - POD_BASE, N_POD_CODES)
    ns, pod, container, image, pvc, klabels = pod_info[uid]
    key = POD_KEYS[code]
    name, kind, extra = POD_SERIES[key]
    if kind == "cadvisor":
        lab = {**CADVISOR, "namespace": ns, "pod": pod, "container": container, "image": image}
    elif kind == "ksm":
        lab = {**KSM, "namespace": ns, "pod": pod, "container": container}
    elif kind == "phase":
        lab = {**KSM, "namespace": ns, "pod": pod, "uid": f"uid-{uid}"}
    elif kind == "labels":
        lab = {**KSM, "namespace": ns, "pod": pod, "uid": f"uid-{uid}", **dict(klabels)}
    elif kind == "pvc-ksm":
        lab = {**KSM, "namespace": ns, "persistentvolumeclaim": pvc}
    else:
        lab = {**KUBELET, "namespace": ns, "persistentvolumeclaim": pvc}
    return {"__name__": name, **lab, **extra}
