"""Generated scenarios with known ground truth, under the real metric names and labels.

Each scenario is the platform's normal load (agent runs of every class coming and going at
their max concurrency, with CPU bursts during builds, a working set that grows with the
context, a workspace being written; the controllers with their HPAs, PDBs and VPAs) plus at
most one fault, and the :class:`Incident` list that says what happened and when. The series
are what Prometheus would have scraped every ``scrape`` seconds:

* cAdvisor: ``container_cpu_usage_seconds_total`` (counter, CPU-seconds),
  ``container_memory_working_set_bytes``, ``container_spec_memory_limit_bytes``,
  ``container_cpu_cfs_periods_total`` / ``container_cpu_cfs_throttled_periods_total`` (CFS
  periods of 100 ms: 10 per second of wall time while the container runs);
* kube-state-metrics: ``kube_pod_container_resource_requests`` / ``_limits``,
  ``kube_pod_status_phase``, ``kube_pod_labels`` (``label_provisor_dev_agent``),
  ``kube_pod_container_status_terminated_reason``,
  ``kube_pod_container_status_restarts_total``, ``kube_resourcequota``,
  ``kube_horizontalpodautoscaler_*``, ``kube_poddisruptionbudget_status_*``, the VPA
  recommendation series;
* the kubelet's ``kubelet_volume_stats_*``; the API server's admission counter for quota
  rejections; the controller's ``provisor_queue_length`` and
  ``provisor_quota_rejections_total``.

A pod that ends is deleted two scrapes later: its series stop (the evaluation engine marks
them stale, as a scrape does). Everything is a pure function of (policy, scenario, seed):
``numpy.random.default_rng(seed)`` and sorted iteration only.

Incident kinds (what the rendered alerts claim to catch): ``cpu-high`` (CPU above 80% of
the limit), ``cpu-throttled``, ``cpu-above-request``, ``memory-high`` (working set above 85%
of the limit), ``oom-kill``, ``quota-high`` (a quota resource above 90% of hard),
``quota-rejection``, ``pvc-full``, ``hpa-maxed``, ``hpa-inactive``, ``vpa-capped``,
``pod-pending``, ``controller-unavailable``. Condition incidents are recorded from the
generated values with the policy's thresholds; faults give their own windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from provisor.policy.model import Policy
from provisor.series import MetricMeta, Series, SeriesSet

__all__ = ["Incident", "Scenario", "SCENARIOS", "generate", "spans", "START_EPOCH"]

#: 2026-01-05T00:00:00Z: the generated clock's second 0 (the twin's epoch too).
START_EPOCH = 1767571200.0
GIB = 2**30

_COUNTERS = ("container_cpu_usage_seconds_total", "container_cpu_cfs_periods_total",
             "container_cpu_cfs_throttled_periods_total",
             "kube_pod_container_status_restarts_total",
             "apiserver_admission_controller_admission_duration_seconds_count",
             "provisor_quota_rejections_total")


@dataclass(frozen=True)
class Incident:
    """Ground truth: ``kind`` happened from ``start_s`` to ``end_s`` (epoch seconds; equal
    for an instant) to what ``labels`` name. Same fields as the twin's ``Incident``."""

    kind: str
    start_s: float
    end_s: float
    labels: dict[str, str]
    detail: str = ""


@dataclass(frozen=True)
class Scenario:
    """A named scenario: ``hours`` of the normal load plus ``fault`` (None for none)."""

    name: str
    description: str
    hours: float = 6.0
    fault: str | None = None


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("steady", "the normal load only: nothing is wrong"),
    Scenario("memory-leak", "one implementation run's working set grows 4 MiB/s until the "
             "OOM killer ends it (restartPolicy Never: it never restarts)", fault="memory-leak"),
    Scenario("cpu-saturation", "one run needs twice its CPU limit for 40 minutes: "
             "throttled, above its request", fault="cpu-saturation"),
    Scenario("quota-pressure", "extra runs fill requests.memory to 96% of hard for 40 "
             "minutes, and creations beyond it are rejected", fault="quota-pressure"),
    Scenario("pvc-fill", "one run writes its workspace full in 90 minutes", fault="pvc-fill"),
    Scenario("hpa-maxed", "the coderun controller's HPA sits at maxReplicas for 45 "
             "minutes, then its metrics vanish (ScalingActive=False) for 20", fault="hpa"),
    Scenario("controller-outage", "the coderun controller has 0 healthy pods for 15 "
             "minutes (its PDB requires 1)", fault="controller-outage"),
    Scenario("pending", "an agent pod stays Pending 25 minutes (no node has room)",
             fault="pending"),
    Scenario("vpa-capped", "an agent VPA's uncapped CPU target is above maxAllowed for 2 "
             "hours", fault="vpa-capped"),
)}


@dataclass
class _Run:
    agent: str
    pod: str
    start: int          # scrape index when the pod is created
    running: int        # index the container starts
    end: int            # index the container terminates
    cpu: np.ndarray = field(default_factory=lambda: np.zeros(0))      # cores demanded
    ws: np.ndarray = field(default_factory=lambda: np.zeros(0))       # bytes
    pvc_used: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bytes
    oom: bool = False


class _Rec:
    """Collects samples per label set, then builds the SeriesSet."""

    def __init__(self, times: np.ndarray) -> None:
        self.t = times
        self.data: dict[tuple[tuple[str, str], ...], tuple[np.ndarray, np.ndarray]] = {}

    def put(self, name: str, labels: dict[str, str], idx: np.ndarray, values: np.ndarray
            ) -> None:
        key = tuple(sorted({"__name__": name, **labels}.items()))
        self.data[key] = (self.t[idx], np.asarray(values, dtype=np.float64))

    def build(self) -> SeriesSet:
        meta = {n: MetricMeta("counter") for n in _COUNTERS}
        ss = SeriesSet((Series(dict(k), ts, vs) for k, (ts, vs) in sorted(self.data.items())
                        if len(ts)), metadata=meta)
        return ss


def spans(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(first, last)] index spans where ``mask`` is true."""
    out = []
    i, n = 0, len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j + 1 < n and mask[j + 1]:
                j += 1
            out.append((i, j))
            i = j + 1
        else:
            i += 1
    return out


def generate(policy: Policy, scenario: Scenario | str, seed: int = 0, *,
             scrape_s: float = 60.0) -> tuple[SeriesSet, list[Incident]]:
    """The series and the ground truth of ``scenario`` for ``policy`` and ``seed``.

    Raises:
        KeyError: an unknown scenario name (the known ones are :data:`SCENARIOS`).
    """
    sc = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    rng = np.random.default_rng([seed, sum(map(ord, sc.name))])
    n = int(round(sc.hours * 3600 / scrape_s)) + 1
    times = START_EPOCH + np.arange(n) * scrape_s
    per_min = 60.0 / scrape_s
    rec = _Rec(times)
    inc: list[Incident] = []
    ns = policy.namespace.name
    al = policy.alerts

    # -- agent runs -------------------------------------------------------------------------
    runs: list[_Run] = []
    for agent in sorted(policy.agents):
        a = policy.agents[agent]
        for slot in range(a.max_concurrency):
            i = int(rng.integers(0, int(20 * per_min) + 1))
            k = 0
            while i < n - 2:
                length = int(rng.integers(int(30 * per_min), int(90 * per_min)))
                start, running = i, i + max(1, int(rng.integers(1, 3)))
                end = min(n - 1, running + length)
                runs.append(_Run(agent, f"coderun-{agent}-{slot}{k}-{seed % 1000:03d}",
                                 start, running, end))
                k += 1
                i = end + 2 + int(rng.integers(0, int(10 * per_min) + 1))
    fault = sc.fault
    leak = cpu_sat = pvc_fill = pend = None
    impl = [r for r in runs if policy.agents[r.agent].tier == "implementation"
            and r.end - r.running > 60 * per_min and r.start > 30 * per_min]
    target = impl[0] if impl else max(runs, key=lambda r: r.end - r.running)
    if fault == "memory-leak":
        leak = target
    elif fault == "cpu-saturation":
        cpu_sat = target
    elif fault == "pvc-fill":
        pvc_fill = target
    elif fault == "pending":
        pend = target

    for r in runs:
        tier = policy.tier_of(r.agent)
        req_cpu = tier.requests.cpu.milli_value() / 1000
        lim_cpu = tier.limits.cpu.milli_value() / 1000
        lim_mem = tier.limits.memory.int_value()
        req_mem = tier.requests.memory.int_value()
        if r is pend:
            r.running = min(n - 2, r.start + int(25 * per_min))
            r.end = min(n - 1, max(r.end, r.running + int(30 * per_min)))
        length = r.end - r.running + 1
        cpu = req_cpu * rng.uniform(0.25, 0.5) + rng.normal(0, 0.05 * req_cpu, length)
        for _ in range(int(rng.integers(1, 4))):       # builds / test runs: bursts
            b = int(rng.integers(0, max(1, length - 6)))
            cpu[b:b + int(rng.integers(2, 7) * per_min)] = lim_cpu * rng.uniform(0.8, 1.05)
        ws_top = lim_mem * rng.uniform(0.45, 0.72)
        ws = GIB + (ws_top - GIB) * np.sqrt(np.linspace(0, 1, length)) \
            + rng.normal(0, 0.01 * lim_mem, length)
        cap = policy.workspace_classes[policy.agents[r.agent].workspace].size.int_value()
        used = cap * rng.uniform(0.1, 0.4) * np.linspace(0.05, 1, length)
        if r is cpu_sat:
            s0 = min(length - 1, int(10 * per_min))
            cpu[s0:s0 + int(40 * per_min)] = 2 * lim_cpu
            s, e = r.running + s0, min(r.end, r.running + s0 + int(40 * per_min) - 1)
            for kind in ("cpu-high", "cpu-throttled", "cpu-above-request"):
                inc.append(Incident(kind, float(times[s]), float(times[e]),
                                    {"namespace": ns, "pod": r.pod, "container": "agent"},
                                    "demand 2x the CPU limit"))
        if r is leak:
            grow = np.cumsum(np.full(length, 4 * 2**20 * scrape_s))
            ws = ws + grow
            over = np.nonzero(ws >= lim_mem)[0]
            if over.size:
                r.end = r.running + int(over[0])
                r.oom = True
                length = r.end - r.running + 1
                cpu, ws, used = cpu[:length], ws[:length], used[:length]
                ws[-1] = lim_mem
                inc.append(Incident("oom-kill", float(times[r.end]), float(times[r.end]),
                                    {"namespace": ns, "pod": r.pod, "container": "agent"},
                                    "working set reached the memory limit"))
        if r is pvc_fill:
            s0 = min(length - 1, int(5 * per_min))
            fill = np.linspace(0, 1, int(90 * per_min))
            seg = used[s0:s0 + len(fill)]
            used[s0:s0 + len(seg)] = seg + (cap * 0.999 - seg) * fill[:len(seg)]
            used[s0 + len(seg):] = cap * 0.999
            full_at = min(r.end, r.running + s0 + len(seg) - 1)
            inc.append(Incident("pvc-full", float(times[r.running + s0]), float(times[full_at]),
                                {"namespace": ns, "persistentvolumeclaim": f"{r.pod}-workspace"},
                                "the run writes its workspace full"))
        r.cpu = np.clip(cpu, 0.01, None)
        r.ws = np.clip(ws, 64 * 2**20, lim_mem)
        r.pvc_used = np.clip(used, 0, cap)
        _pod_series(rec, policy, r, req_cpu, lim_cpu, req_mem, lim_mem, cap, n, scrape_s)
        # condition incidents from the generated values (thresholds of the policy)
        pod_l = {"namespace": ns, "pod": r.pod, "container": "agent"}
        used_cpu = np.minimum(r.cpu, lim_cpu)
        if r is not cpu_sat:
            for kind, mask in (("cpu-high", used_cpu / lim_cpu > al.cpu.threshold),
                               ("cpu-throttled", r.cpu > lim_cpu * 1.0 + 1e-9),
                               ("cpu-above-request",
                                used_cpu / req_cpu > al.cpu_request.threshold)):
                for i0, i1 in spans(mask):
                    inc.append(Incident(kind, float(times[r.running + i0]),
                                        float(times[r.running + i1]), pod_l, "burst"))
        for i0, i1 in spans(r.ws / lim_mem > al.memory.threshold):
            inc.append(Incident("memory-high", float(times[r.running + i0]),
                                float(times[r.running + i1]), pod_l, "working set"))
        if r is pend:
            inc.append(Incident("pod-pending", float(times[r.start]),
                                float(times[r.running - 1]),
                                {"namespace": ns, "pod": r.pod}, "no node has room"))

    # -- quota ------------------------------------------------------------------------------
    _quota(rec, policy, runs, n, times, inc, fault, scrape_s)
    # -- controllers: HPA, PDB, VPA, queue ----------------------------------------------------
    _controllers(rec, policy, n, times, inc, fault, scrape_s)
    inc.sort(key=lambda i: (i.start_s, i.kind, sorted(i.labels.items())))
    return rec.build(), inc


def _pod_series(rec: _Rec, policy: Policy, r: _Run, req_cpu: float, lim_cpu: float,
                req_mem: int, lim_mem: int, cap: int, n: int, scrape_s: float) -> None:
    ns = policy.namespace.name
    gone = min(n - 1, r.end + 2)                     # deleted two scrapes after it ends
    life = np.arange(r.start, gone + 1)
    run = np.arange(r.running, r.end + 1)
    c = {"namespace": ns, "pod": r.pod, "container": "agent"}
    p = {"namespace": ns, "pod": r.pod}
    used_cpu = np.minimum(r.cpu, lim_cpu)
    rec.put("container_cpu_usage_seconds_total", c, run, np.cumsum(used_cpu * scrape_s))
    rec.put("container_memory_working_set_bytes", c, run, np.rint(r.ws))
    rec.put("container_spec_memory_limit_bytes", c, run, np.full(len(run), lim_mem))
    periods = np.cumsum(np.full(len(run), 10 * scrape_s))
    frac = np.where(r.cpu > lim_cpu, 1 - lim_cpu / r.cpu, 0.0)
    rec.put("container_cpu_cfs_periods_total", c, run, periods)
    rec.put("container_cpu_cfs_throttled_periods_total", c, run,
            np.cumsum(np.rint(10 * scrape_s * frac)))
    for series, res, unit, val in (
            ("kube_pod_container_resource_requests", "cpu", "core", req_cpu),
            ("kube_pod_container_resource_requests", "memory", "byte", req_mem),
            ("kube_pod_container_resource_limits", "cpu", "core", lim_cpu),
            ("kube_pod_container_resource_limits", "memory", "byte", lim_mem)):
        rec.put(series, {**c, "resource": res, "unit": unit}, life, np.full(len(life), val))
    rec.put("kube_pod_labels", {**p, "label_provisor_dev_agent": r.agent}, life,
            np.ones(len(life)))
    phase = {"Pending": (life < r.running), "Running": (life >= r.running) & (life <= r.end),
             "Succeeded": (life > r.end) & (not r.oom), "Failed": (life > r.end) & r.oom}
    for ph, mask in phase.items():
        rec.put("kube_pod_status_phase", {**p, "phase": ph}, life, mask.astype(float))
    rec.put("kube_pod_container_status_restarts_total", c, life, np.zeros(len(life)))
    if r.end + 1 <= gone:
        after = np.arange(r.end + 1, gone + 1)
        reason = "OOMKilled" if r.oom else "Completed"
        rec.put("kube_pod_container_status_terminated_reason", {**c, "reason": reason},
                after, np.ones(len(after)))
    pv = {"namespace": ns, "persistentvolumeclaim": f"{r.pod}-workspace"}
    rec.put("kubelet_volume_stats_capacity_bytes", pv, run, np.full(len(run), cap))
    rec.put("kubelet_volume_stats_used_bytes", pv, run, np.rint(r.pvc_used))
    rec.put("kubelet_volume_stats_available_bytes", pv, run, cap - np.rint(r.pvc_used))


def _quota(rec: _Rec, policy: Policy, runs: list[_Run], n: int, times: np.ndarray,
           inc: list[Incident], fault: str | None, scrape_s: float) -> None:
    ns = policy.namespace.name
    used: dict[str, np.ndarray] = {k: np.zeros(n) for k in policy.quota.hard}
    ctl = policy.coderun_controller
    creq, clim = policy.effective_container_resources(ctl.assumed_pod_resources)
    for key, amount in (("requests.cpu", creq.get("cpu")), ("requests.memory", creq.get("memory")),
                        ("limits.cpu", clim.get("cpu")), ("limits.memory", clim.get("memory"))):
        if key in used and amount is not None:
            used[key] += ctl.autoscaling.min_replicas * float(amount.value)
    if "pods" in used:
        used["pods"] += ctl.autoscaling.min_replicas
    for r in runs:
        tier = policy.tier_of(r.agent)
        ws = policy.workspace_classes[policy.agents[r.agent].workspace]
        live = slice(r.start, min(n, r.end + 1))
        for key, q in (("requests.cpu", tier.requests.cpu), ("limits.cpu", tier.limits.cpu),
                       ("requests.memory", tier.requests.memory),
                       ("limits.memory", tier.limits.memory)):
            if key in used:
                used[key][live] += float(q.value)
        for key, v in (("pods", 1.0), ("persistentvolumeclaims", 1.0),
                       ("requests.storage", float(ws.size.value))):
            if key in used:
                used[key][live] += v
        sc_key = f"{ws.storage_class}.storageclass.storage.k8s.io/"
        for suffix, v in (("requests.storage", float(ws.size.value)),
                          ("persistentvolumeclaims", 1.0)):
            if sc_key + suffix in used:
                used[sc_key + suffix][live] += v
    rejected = np.zeros(n)
    if fault == "quota-pressure" and "requests.memory" in used:
        hard = float(policy.quota.hard["requests.memory"].value)
        per_min = 60 / scrape_s
        s, e = int(60 * per_min), min(n - 1, int(100 * per_min))
        extra = np.clip(0.96 * hard - used["requests.memory"][s:e + 1], 0, None)
        used["requests.memory"][s:e + 1] += extra
        if "limits.memory" in used:
            used["limits.memory"][s:e + 1] += extra
        r0, r1 = s + int(20 * per_min), min(e, s + int(30 * per_min))
        rejected[r0:r1 + 1] = np.arange(1, r1 - r0 + 2)
        rejected[r1 + 1:] = r1 - r0 + 1
        inc.append(Incident("quota-rejection", float(times[r0]), float(times[r1]),
                            {"resource": "pods"}, "pod creations exceed requests.memory"))
    for key, hard_q in sorted(policy.quota.hard.items()):
        hard = float(hard_q.value)
        base = {"namespace": ns, "resourcequota": policy.quota.name, "resource": key}
        idx = np.arange(n)
        rec.put("kube_resourcequota", {**base, "type": "hard"}, idx, np.full(n, hard))
        rec.put("kube_resourcequota", {**base, "type": "used"}, idx, used[key])
        if hard > 0:
            for a, b in spans(used[key] / hard > policy.alerts.quota.threshold):
                inc.append(Incident("quota-high", float(times[a]), float(times[b]),
                                    {"namespace": ns, "resourcequota": policy.quota.name,
                                     "resource": key}, "used above the threshold"))
    adm = {"name": "ResourceQuota", "operation": "CREATE", "rejected": "true", "type": "validate",
           "resource": "pods"}
    rec.put("apiserver_admission_controller_admission_duration_seconds_count", adm,
            np.arange(n), rejected)
    rec.put("provisor_quota_rejections_total", {"namespace": ns}, np.arange(n), rejected)
    # runs whose pod creation was refused wait in the controller's queue until quota frees
    waiting = np.zeros(n)
    waiting[1:] = np.diff(rejected) > 0
    rec.put("provisor_queue_length", {"namespace": ns}, np.arange(n), waiting * 2)


def _controllers(rec: _Rec, policy: Policy, n: int, times: np.ndarray, inc: list[Incident],
                 fault: str | None, scrape_s: float) -> None:
    from provisor.render.autoscaling import hpa_name, vpa_name
    from provisor.render.disruption import pdb_name

    per_min = 60 / scrape_s
    idx = np.arange(n)
    for field_name, w in policy.external_workloads():
        a = w.autoscaling
        hl = {"namespace": w.deployment.namespace, "horizontalpodautoscaler": hpa_name(w)}
        cur = np.full(n, float(a.min_replicas))
        active = np.ones(n)
        healthy = np.full(n, float(a.min_replicas))
        if field_name == "coderun_controller" and fault == "hpa":
            s, e = int(60 * per_min), int(105 * per_min)
            ramp = np.minimum(a.max_replicas, a.min_replicas * 2 ** np.arange(e - s + 1))
            cur[s:e + 1] = ramp
            s2, e2 = e + 1, e + int(20 * per_min)
            cur[s2:e2 + 1] = a.max_replicas
            active[s2:e2 + 1] = 0
            at_max = np.nonzero(cur[s:e + 1] >= a.max_replicas)[0]
            inc.append(Incident("hpa-maxed", float(times[s + at_max[0]]), float(times[e2]),
                                hl, "load above what maxReplicas can absorb"))
            inc.append(Incident("hpa-inactive", float(times[s2]), float(times[e2]), hl,
                                "metrics unavailable"))
            healthy = cur.copy()
        if field_name == "coderun_controller" and fault == "controller-outage":
            s, e = int(90 * per_min), int(105 * per_min)
            healthy[s:e + 1] = 0
            inc.append(Incident("controller-unavailable", float(times[s]), float(times[e]),
                                {"namespace": w.deployment.namespace,
                                 "poddisruptionbudget": pdb_name(w)}, "no healthy pod"))
        for metric, count in (("kube_horizontalpodautoscaler_spec_min_replicas", a.min_replicas),
                              ("kube_horizontalpodautoscaler_spec_max_replicas", a.max_replicas)):
            rec.put(metric, hl, idx, np.full(n, float(count)))
        rec.put("kube_horizontalpodautoscaler_status_current_replicas", hl, idx, cur)
        rec.put("kube_horizontalpodautoscaler_status_desired_replicas", hl, idx, cur)
        for status, v in (("true", active), ("false", 1 - active), ("unknown", np.zeros(n))):
            rec.put("kube_horizontalpodautoscaler_status_condition",
                    {**hl, "condition": "ScalingActive", "status": status}, idx, v)
        pl = {"namespace": w.deployment.namespace, "poddisruptionbudget": pdb_name(w)}
        desired = float(a.min_replicas - w.disruption_budget.allowed_disruptions(a.min_replicas))
        rec.put("kube_poddisruptionbudget_status_current_healthy", pl, idx, healthy)
        rec.put("kube_poddisruptionbudget_status_desired_healthy", pl, idx, np.full(n, desired))
    prefix = policy.alerts.vpa_metric_prefix + "_status_recommendation_containerrecommendations_"
    ns = policy.namespace.name
    capped_agent = sorted(policy.agents)[0]
    for agent in sorted(policy.agents):
        tier = policy.tier_of(agent)
        mx = float(tier.requests.cpu.value)
        vl = {"namespace": ns, "verticalpodautoscaler": vpa_name(policy, agent),
              "container": "agent", "resource": "cpu", "unit": "core"}
        target = np.full(n, mx * 0.6)
        uncapped = target.copy()
        if fault == "vpa-capped" and agent == capped_agent:
            s, e = int(60 * per_min), min(n - 1, int(240 * per_min))
            uncapped[s:e + 1] = mx * 1.5
            target[s:e + 1] = mx
            inc.append(Incident("vpa-capped", float(times[s]), float(times[e]),
                                {"namespace": ns, "verticalpodautoscaler": vl[
                                    "verticalpodautoscaler"], "resource": "cpu"},
                                "recommendation above maxAllowed"))
        rec.put(prefix + "target", vl, idx, target)
        rec.put(prefix + "uncappedtarget", vl, idx, uncapped)

