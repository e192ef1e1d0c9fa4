"""The spec's success metrics, computed from one simulation (definitions in docs/simulate.md).

The spec ("Success Metrics"): CPU utilization 60-80% of requests; < 10% of pods under memory
pressure; < 20% unused PVC storage; scaling decisions within 5 minutes; zero OOM kills in
normal operation; 99.9% controller availability; zero quota rejections that fail runs;
alert accuracy (later work); < 10% variance of run time from resource limits; recovery from
resource exhaustion < 5 minutes; 30-day forecasts and cost reduction (later work).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from provisor.sim.model import Metric, Scorecard, Status

if TYPE_CHECKING:
    from provisor.sim.engine import Engine


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _status(ok: bool | None) -> Status:
    return "not-computed" if ok is None else ("pass" if ok else "fail")


def build_scorecard(e: "Engine") -> Scorecard:
    a = e.acc
    m: list[Metric] = []
    util = _ratio(a["agent_cpu_used"], a["agent_cpu_req"])
    m.append(Metric("cpu-utilization", "CPU utilization of agent pods",
                    "sum over agent containers and time of CPU used / sum of CPU requested "
                    "(time-weighted, every tick while running)", util, "ratio", "0.6..0.8",
                    _status(None if util is None else 0.6 <= util <= 0.8)))
    press = _ratio(a["pods_pressure"], a["pods_seen"])
    m.append(Metric("memory-pressure", "Pods under memory pressure",
                    "share of pods whose working set stayed above 90% of their memory limit for "
                    "at least 60 s at some point", press, "ratio", "< 0.1",
                    _status(None if press is None else press < 0.1)))
    unused = _ratio(a["pvc_unused_sum"], a["pvc_runs"])
    m.append(Metric("pvc-unused", "Unused PVC storage",
                    "mean over completed runs with a workspace PVC of 1 - bytes written / PVC "
                    "size at the end of the run", unused, "ratio", "< 0.2",
                    _status(None if unused is None else unused < 0.2)))
    full = a["runs_failed_volume_full"]
    m.append(Metric("volume-full-runs", "Runs failed for a full workspace volume",
                    "runs that failed (the Job's backoffLimit exceeded) because their workspace PVC "
                    "filled: the agent's writes failed with ENOSPC and its container exited non-zero",
                    full, "count", "= 0", _status(full == 0)))
    react = max(e.hpa_reaction) if e.hpa_reaction else None
    m.append(Metric("hpa-responsiveness", "HPA scaling decision time",
                    "longest time from the first HPA sync whose metrics called for another "
                    "replica count (outside tolerance, not limited by min/max) to the rescale",
                    react, "seconds", "<= 300",
                    _status(None if react is None else react <= 300.0) if react is not None else
                    ("pass" if any(d.hpa is not None for d in e.deployments.values()) else "not-computed")))
    if react is None and any(d.hpa is not None for d in e.deployments.values()):
        m[-1].value = 0.0
    ooms = a["oom_kills_normal"]
    m.append(Metric("oom-kills", "OOM kills in normal operation",
                    "OOM kills outside every scenario fault window", ooms, "count", "= 0",
                    _status(ooms == 0)))
    avail = _ratio(a["ctrl_avail_s"], a["ctrl_total_s"])
    m.append(Metric("controller-availability", "Controller availability",
                    "share of time each controller Deployment (with an HPA or a load model) had "
                    "at least one Ready pod, averaged over Deployments", avail, "ratio", ">= 0.999",
                    _status(None if avail is None else avail >= 0.999)))
    qfail = a["quota_failed_runs"]
    m.append(Metric("quota-failed-runs", "Quota rejections that failed a run",
                    "runs that failed because ResourceQuota admission refused their pod or PVC "
                    "(after the queueing mode's retries)", qfail, "count", "= 0",
                    _status(qfail == 0)))
    m.append(Metric("alert-accuracy", "Alert accuracy",
                    "computed by provisor alerts test (the real rule engine on scenarios with ground "
                    "truth), not by the twin alone", None,
                    "ratio", ">= 0.95", "not-computed"))
    var = float(np.mean(e.slowdowns)) if e.slowdowns else None
    m.append(Metric("runtime-variance", "Run-time variance caused by resource limits",
                    "mean over completed runs of (running time / time at full speed - 1): the "
                    "extra run time from CPU throttling and contention", var, "ratio", "< 0.1",
                    _status(None if var is None else var < 0.1)))
    rec = max(e.exhaustion) if e.exhaustion else 0.0
    m.append(Metric("exhaustion-recovery", "Recovery time from resource exhaustion",
                    "longest episode during which some pod was unschedulable or some run was "
                    "held back by a quota rejection", rec, "seconds", "< 300",
                    _status(rec < 300.0)))
    m.append(Metric("forecast-30d", "30-day capacity forecast",
                    "computed by provisor plan (provisor forecast on the twin's series): forecast "
                    "series reaching a quota or allocatable within 30 days", None, "count", "= 0",
                    "not-computed"))
    m.append(Metric("cost-reduction", "Cost reduction",
                    "computed by provisor plan (provisor recommend on the twin's series): monthly "
                    "cost saving of the recommended requests over the current", None, "ratio", ">= 0.2", "not-computed"))
    return Scorecard(m)


def build_summary(e: "Engine") -> dict[str, Any]:
    a = e.acc
    waits = np.array(e.queue_waits, np.float64)
    alloc_cpu = float(e.alloc_cpu.sum())
    alloc_mem = float(e.alloc_mem.sum())
    nt = a["node_time"] or 1.0
    return {
        "workflows_arrived": e.arrival_count,
        "workflows_completed": int(a["workflows_completed"]),
        "workflows_failed": int(a["workflows_failed"]),
        "runs_completed": int(a["runs_completed"]),
        "runs_failed": int(a["runs_failed"]),
        "runs_rejected": int(a["runs_rejected"]),
        "quota_rejections": int(a["quota_rejections"]),
        "queue_wait_mean_s": float(waits.mean()) if waits.size else 0.0,
        "queue_wait_p95_s": float(np.percentile(waits, 95)) if waits.size else 0.0,
        "evictions": int(a["evictions"]),
        "drain_evictions": int(a["drain_evictions"]),
        "drain_refusals_429": int(a["drain_429"]),
        "preemptions": int(a["preemptions"]),
        "oom_kills": int(a["oom_kills"]),
        "volume_full_pod_failures": int(a["volume_full_pods"]),
        "runs_failed_volume_full": int(a["runs_failed_volume_full"]),
        "throttled_share": (a["throttled_periods"] / a["periods"]) if a["periods"] else 0.0,
        "node_cpu_requested_ratio": (a["node_cpu_req"] / nt / alloc_cpu) if alloc_cpu else 0.0,
        "node_memory_requested_ratio": (a["node_mem_req"] / nt / alloc_mem) if alloc_mem else 0.0,
        "node_cpu_used_ratio": (a["node_cpu_used"] / nt / alloc_cpu) if alloc_cpu else 0.0,
        "pods_created": int(a["pods_seen"]),
        "pods_scheduled": int(a["scheduled"]),
        "vpa_evictions": int(getattr(e.vpa, "evictions", 0)),
        "nodes": e.N,
        "queueing_mode": e.w.queueing.mode,
    }
