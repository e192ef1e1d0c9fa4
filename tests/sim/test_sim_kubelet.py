"""Kubelet and controller behaviour in the twin: CrashLoopBackOff, node-pressure eviction,
priority preemption, the VPA updater."""

from __future__ import annotations

import numpy as np

from provisor.k8s import kubelet as kl
from provisor.sim import simulate
from simkit import inputs, one_stage, pod_template

MI = 2**20
IDLE = {"arrivals": {"rate_per_hour": 0},
        "workflows": [{"name": "none", "stages": [{"name": "s", "agent": "none",
                                                    "duration": {"kind": "constant", "value": 1},
                                                    "cpu": {"base": "1m"},
                                                    "memory": {"start": 1, "peak": {"kind": "constant", "value": 1}}}]}],
        "timings": {"image_pull": {"kind": "constant", "value": 0}, "readiness": 0}}


def _deployment(name, replicas, res, labels=None, ns="team"):
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": "x", "resources": res}]}}}}


def test_kubelet_constants_and_backoffs():
    assert [kl.container_backoff(n) for n in range(7)] == [10, 20, 40, 80, 160, 300, 300]
    assert [kl.job_pod_failure_backoff(n) for n in range(1, 8)] == [10, 20, 40, 80, 160, 320, 600]
    assert kl.job_failed(7) and not kl.job_failed(6)
    assert kl.milli_cpu_to_shares(0) == 2 and kl.milli_cpu_to_shares(1000) == 1024
    assert kl.milli_cpu_to_shares(1) == 2 and kl.milli_cpu_to_shares(10**6) == 262144
    assert kl.milli_cpu_to_quota(500) == 50000 and kl.milli_cpu_to_quota(5) == 1000
    ranked = kl.rank_memory_pressure([
        kl.PodMemoryStats(0, working_set=100, request=200, priority=0),
        kl.PodMemoryStats(1, working_set=300, request=200, priority=1000),
        kl.PodMemoryStats(2, working_set=900, request=200, priority=1000),
        kl.PodMemoryStats(3, working_set=250, request=200, priority=0),
    ])
    # above request first (low priority first among them), then the rest
    assert [p.key for p in ranked] == [3, 2, 1, 0]


def test_crashloop_backoff_of_a_restarting_container():
    dep = _deployment("ctl", 1, {"requests": {"cpu": "100m", "memory": "100Mi"},
                                 "limits": {"memory": "100Mi"}})
    wl = {**IDLE, "controllers": [{"deployment": "ctl", "memory_base": 200 * MI}]}
    r = simulate(inputs([dep], wl), days=0.05, seed=0)
    t = np.array([i.start_s for i in r.ground_truth if i.kind == "oom-kill"])
    gaps = np.diff(t)
    assert len(t) >= 6
    # OOM at the first kubelet step after each restart: gap = backoff rounded up to the 15 s step
    assert gaps.tolist()[:6] == [15.0, 30.0, 45.0, 90.0, 165.0, 300.0]
    restarts = r.series().select("kube_pod_container_status_restarts_total")[0].values
    assert restarts[-1] == len(t)
    assert r.scorecard.get("controller-availability").value < 0.5


def test_node_pressure_eviction_ranks_pods_over_request():
    """Requests of 1Gi let four pods onto a 6Gi node; each grows to 1.8Gi: memory.available
    falls under 100Mi and the kubelet evicts."""
    objs = [pod_template("coderun-a", mem="1Gi", cpu="100m", max_concurrency=4)]
    wl = one_stage("coderun-a", {"kind": "constant", "value": 3000}, rate=30.0,
                   memory={"start": "1Gi", "peak": {"kind": "constant", "value": int(1.8 * 2**30)}, "noise": 0})
    r = simulate(inputs(objs, wl, nodes="1x cpu=8,memory=6Gi,pods=20"), days=0.2, seed=0)
    ev = [i for i in r.ground_truth if i.kind == "node-pressure-eviction"]
    assert ev and r.summary["evictions"] >= len(ev)


def test_priority_preemption_evicts_lower_priority_pods():
    low = pod_template("coderun-low", cpu="3", max_concurrency=10)
    low["template"]["spec"]["priorityClassName"] = "low"
    high = pod_template("coderun-high", cpu="3", max_concurrency=10)
    high["template"]["spec"]["priorityClassName"] = "high"
    pcs = [{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "low"}, "value": 10},
           {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}]
    wl = {"arrivals": {"rate_per_hour": 20},
          "workflows": [{"name": "lo", "weight": 3, "stages": [{"name": "s", "agent": "coderun-low",
                          "duration": {"kind": "constant", "value": 3600}, "cpu": {"base": "1"},
                          "memory": {"start": "10Mi", "peak": {"kind": "constant", "value": 20 * MI}}}]},
                        {"name": "hi", "weight": 1, "stages": [{"name": "s", "agent": "coderun-high",
                          "duration": {"kind": "constant", "value": 600}, "cpu": {"base": "1"},
                          "memory": {"start": "10Mi", "peak": {"kind": "constant", "value": 20 * MI}}}]}],
          "timings": {"image_pull": {"kind": "constant", "value": 1}, "readiness": 0}}
    r = simulate(inputs([low, high, *pcs], wl, nodes="2x cpu=8,memory=32Gi"), days=0.3, seed=1)
    assert r.summary["preemptions"] > 0
    # with preemptionPolicy Never nothing is preempted
    for pc in pcs:
        pc["preemptionPolicy"] = "Never"
    r = simulate(inputs([low, high, *pcs], wl, nodes="2x cpu=8,memory=32Gi"), days=0.3, seed=1)
    assert r.summary["preemptions"] == 0


def test_vpa_recreate_evicts_and_initial_does_not():
    dep = _deployment("api", 3, {"requests": {"cpu": "2", "memory": "2Gi"}, "limits": {"cpu": "4", "memory": "2Gi"}})
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "api", "namespace": "team"},
           "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}}}

    def vpa(mode):
        return {"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler",
                "metadata": {"name": "api", "namespace": "team"},
                "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                         "updatePolicy": {"updateMode": mode}}}

    wl = {**IDLE, "controllers": [{"deployment": "api", "cpu_per_pod": "100m", "memory_base": 200 * MI}]}
    rec = simulate(inputs([dep, pdb, vpa("Recreate")], wl), days=0.3, seed=0)
    ini = simulate(inputs([dep, pdb, vpa("Initial")], wl), days=0.3, seed=0)
    assert rec.summary["vpa_evictions"] > 0
    assert ini.summary["vpa_evictions"] == 0
    # the recreated pods got the recommendation: their CPU request is far below 2 cores
    reqs = rec.series().select("kube_pod_container_resource_requests", resource="cpu")
    assert min(float(s.values[-1]) for s in reqs) < 1.0
