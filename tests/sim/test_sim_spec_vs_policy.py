"""The spec's own manifests (with the agent PodTemplates and controller Deployments they
assume) and the built-in policy's render, through the same workload and cluster.

Run with ``-s`` to print both scorecards (the closing note of issue 8 quotes them)."""

from __future__ import annotations

import copy

import pytest

from provisor.manifests import load
from provisor.sim import SimInputs, load_inputs, simulate
from provisor.sim.text import fmt_value

# the spec's agent_resource_specs and pvc_specifications, with the built-in policy's
# max-concurrency (the spec gives none)
SPEC_AGENTS = {
    "rex": ("2", "8Gi", "4", "16Gi", "25Gi", "agent-standard-priority", 2),
    "blaze": ("2", "8Gi", "4", "16Gi", "25Gi", "agent-standard-priority", 2),
    "cleo": ("1", "4Gi", "2", "8Gi", "10Gi", "agent-high-priority", 2),
    "tess": ("2", "8Gi", "4", "16Gi", "50Gi", "agent-high-priority", 1),
}


def _template(agent, cpu, mem, lcpu, lmem, ws, pc, mc):
    return {"apiVersion": "v1", "kind": "PodTemplate",
            "metadata": {"name": f"coderun-{agent}", "namespace": "agent-platform",
                         "annotations": {"provisor.dev/max-concurrency": str(mc)}},
            "template": {"metadata": {"labels": {"app": "coderun", "agent": agent}},
                         "spec": {"restartPolicy": "Never", "priorityClassName": pc,
                                  "containers": [{"name": "agent", "image": "ghcr.io/5dlabs/claude:v1",
                                                  "resources": {"requests": {"cpu": cpu, "memory": mem},
                                                                "limits": {"cpu": lcpu, "memory": lmem}}}],
                                  "volumes": [{"name": "workspace", "ephemeral": {"volumeClaimTemplate": {
                                      "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd",
                                               "resources": {"requests": {"storage": ws}}}}}}]}}}


def _deployment(name, ns, labels, res):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": "c", "resources": res}]}}}}


def spec_inputs(shared, base: SimInputs) -> SimInputs:
    """The seed manifests + PodTemplates + the two controller Deployments (the policy's
    assumed resources), on the built-in cluster, with the built-in workload (the Argo
    server's names as the spec's manifests spell them)."""
    objs = [copy.deepcopy(d.obj) for d in load([str(shared / "seed" / "manifests")])
            if isinstance(d.obj, dict) and "kind" in d.obj]
    objs += [_template(a, *v) for a, v in SPEC_AGENTS.items()]
    objs.append(_deployment("coderun-controller", "agent-platform", {"app": "coderun-controller"},
                            {"requests": {"cpu": "200m", "memory": "256Mi"},
                             "limits": {"cpu": "400m", "memory": "256Mi"}}))
    objs.append(_deployment("argo-workflows-server", "argo", {"app": "argo-workflows-server"},
                            {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}))
    ctrls = [c if c.deployment != "argo-server" else
             c.model_copy(update={"deployment": "argo-workflows-server",
                                  "external_metric": "argo_workflows_running_total"})
             for c in base.workload.controllers]
    wl = base.workload.model_copy(update={"controllers": ctrls})
    return SimInputs(objects=tuple(objs), nodes=base.nodes, workload=wl, source="spec manifests")


def _show(r):
    print(f"\n== {r.source} ({r.days:g} days, seed {r.seed})")
    for m in r.scorecard.metrics:
        print(f"  {m.name:45s} {fmt_value(m.value, m.unit):>14s}  target {m.target:10s} {m.status}")
    s = r.summary
    print(f"  runs completed {s['runs_completed']} failed {s['runs_failed']} rejected {s['runs_rejected']}, "
          f"quota rejections {s['quota_rejections']}, OOM kills {s['oom_kills']}, evictions {s['evictions']}, "
          f"queue wait mean {s['queue_wait_mean_s']:.0f} s p95 {s['queue_wait_p95_s']:.0f} s, "
          f"node memory requested {s['node_memory_requested_ratio']:.1%}")


@pytest.mark.slow
def test_spec_manifests_and_policy_through_the_same_workload(shared):
    policy = load_inputs()
    spec = spec_inputs(shared, policy)
    days = 3.0
    rp = simulate(policy, days=days, seed=11)
    rs = simulate(spec, days=days, seed=11)
    _show(rp)
    _show(rs)
    for r in (rp, rs):
        assert r.summary["runs_completed"] > 100
    # the spec reserves half the memory per agent (8Gi request, 16Gi limit): the nodes hold
    # more agents per node and memory requested is lower than with the policy's request = limit
    assert rs.summary["node_memory_requested_ratio"] < rp.summary["node_memory_requested_ratio"]
    # the spec's coderun-controller HPA has a 300 s scale-up stabilization window: its
    # scale-up decisions take at least that long, the policy's (60 s) well under 5 minutes
    assert rp.scorecard.get("hpa-responsiveness").status == "pass"
