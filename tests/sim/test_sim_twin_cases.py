"""The incident cases as twin tests: case-02 (a memory-utilization HPA ratchets 2 -> 5 -> 10
and stays) and case-09 (a PDB allowing zero disruptions blocks a drain forever), each with the
rest of its kind."""

from __future__ import annotations

import copy

import pytest

from provisor.manifests import load
from provisor.policy.workload import Fault, Scenario
from provisor.sim import simulate
from simkit import inputs

GI = 2**30
IDLE = {"arrivals": {"rate_per_hour": 0},
        "workflows": [{"name": "none", "stages": [{"name": "s", "agent": "none",
                                                    "duration": {"kind": "constant", "value": 1},
                                                    "cpu": {"base": "1m"},
                                                    "memory": {"start": 1, "peak": {"kind": "constant", "value": 1}}}]}],
        "timings": {"image_pull": {"kind": "constant", "value": 5}, "readiness": 5}}


def _objs(shared, name):
    return [copy.deepcopy(d.obj) for d in load([str(shared / "cases" / name)])]


def _replica_sequence(result, hpa="web"):
    seq = []
    for i in result.ground_truth:
        if i.kind == "hpa-rescale" and i.labels.get("horizontalpodautoscaler") == hpa:
            seq.append(int(i.detail.split(" -> ")[1].split(":")[0]))
    return seq


@pytest.mark.parametrize("behavior,expected", [
    # The case as written (no spec.behavior): the API server fills no behavior, and the
    # controller's legacy path limits a scale-up to max(2 x current, 4) (horizontal.go
    # normalizeDesiredReplicas): 2 -> 4 -> 8 -> 10.
    (None, [4, 8, 10]),
    # With spec.behavior present the defaults fill it (Percent 100 / Pods 4 per 15 s, Max):
    # max(2 + 4, 2 x 2) = 6 allows the full proposal ceil(2 x 170/80) = 5, then
    # ceil(5 x 2.125) = 11 is capped at maxReplicas: 2 -> 5 -> 10, the header's sequence.
    ({}, [5, 10]),
])
def test_case02_memory_hpa_ratchets_to_max(shared, behavior, expected):
    objs = _objs(shared, "case-02.yaml")
    if behavior is not None:
        objs[1]["spec"]["behavior"] = behavior
    wl = {**IDLE, "controllers": [{"deployment": "web", "namespace": "team-a",
                                   "memory_base": int(1.7 * GI), "cpu_base": "50m"}],
          "timings": {"image_pull": {"kind": "constant", "value": 0}, "readiness": 0}}
    r = simulate(inputs(objs, wl), days=0.25, seed=0)
    assert _replica_sequence(r) == expected       # and never back down: stuck at maxReplicas
    reps = r.series().select("kube_horizontalpodautoscaler_status_desired_replicas")[0].values
    assert reps[-1] == 10 and max(reps) == 10
    avail = r.series().select("kube_deployment_status_replicas_available", deployment="web")[0].values
    assert avail[-1] == 10


def test_case02_scenario_b_no_scale_down_inside_tolerance(shared):
    """request 200Mi, target 100%, 4 pods at 160Mi: ratio 0.8, ceil(4*0.8) = 4: no scale-down."""
    objs = _objs(shared, "case-02.yaml")
    dep, hpa = objs
    dep["spec"]["replicas"] = 4
    dep["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "250m", "memory": "200Mi"}, "limits": {"memory": "400Mi"}}
    hpa["spec"]["minReplicas"] = 1
    hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = 100
    wl = {**IDLE, "controllers": [{"deployment": "web", "namespace": "team-a",
                                   "memory_base": 160 * 2**20, "cpu_base": "50m"}],
          "timings": {"image_pull": {"kind": "constant", "value": 0}, "readiness": 0}}
    r = simulate(inputs(objs, wl), days=0.1, seed=0)
    assert _replica_sequence(r) == []
    # at 150Mi (ratio 0.75) it does scale down to 3
    wl["controllers"][0]["memory_base"] = 150 * 2**20
    r = simulate(inputs(objs, wl), days=0.1, seed=0)
    assert _replica_sequence(r)[:1] == [3]


@pytest.mark.parametrize("replicas,pdb_spec,finishes", [
    (1, {"minAvailable": 1}, False),          # the case: 1 - 1 = 0 disruptions
    (1, {"minAvailable": "100%"}, False),
    (2, {"maxUnavailable": 0}, False),
    (2, {"minAvailable": 1}, True),           # one disruption allowed: the drain completes
    (2, {"minAvailable": "50%"}, True),       # percent: expected pods from the Deployment's scale
    (2, {"maxUnavailable": 1}, True),
])
def test_case09_drain_blocked_by_pdb(shared, replicas, pdb_spec, finishes):
    dep, pdb = _objs(shared, "case-09.yaml")
    dep["spec"]["replicas"] = replicas
    pdb["spec"] = {"selector": pdb["spec"]["selector"], **pdb_spec}
    wl = {**IDLE, "controllers": [{"deployment": "web", "namespace": "team-a", "memory_base": 64 * 2**20}]}
    sc = Scenario(name="drain", faults=[Fault(kind="drain", at_s=600.0, timeout_s=900.0)])
    # two nodes: the evicted pod's replacement (created only after the eviction, no surge)
    # schedules on the other node and becomes Ready, which restores the budget
    r = simulate(inputs([dep, pdb], wl, nodes="2x cpu=4,memory=8Gi", scenarios=(sc,)),
                 days=0.05, seed=0)
    drains = [i for i in r.ground_truth if i.kind == "scenario:drain"]
    assert len(drains) == 1
    if finishes:
        assert drains[0].detail == "drained"
        assert r.summary["drain_evictions"] >= 1
        assert drains[0].end_s - drains[0].start_s < 900.0
    else:
        assert "timed out" in drains[0].detail
        assert drains[0].end_s - drains[0].start_s >= 900.0
        assert r.summary["drain_evictions"] == 0
        assert r.summary["drain_refusals_429"] >= 900 / 5 - 1   # retried every 5 s


def test_case09_single_node_never_drains_even_with_budget(shared):
    """On one node the replacement cannot schedule (the node is cordoned), so after the first
    eviction the budget is 0 again: kubectl drain retries forever."""
    dep, pdb = _objs(shared, "case-09.yaml")
    dep["spec"]["replicas"] = 2
    wl = {**IDLE, "controllers": [{"deployment": "web", "namespace": "team-a", "memory_base": 64 * 2**20}]}
    sc = Scenario(name="drain", faults=[Fault(kind="drain", at_s=600.0, timeout_s=600.0)])
    r = simulate(inputs([dep, pdb], wl, nodes="1x cpu=4,memory=8Gi", scenarios=(sc,)), days=0.03, seed=0)
    drains = [i for i in r.ground_truth if i.kind == "scenario:drain"]
    assert "timed out" in drains[0].detail and r.summary["drain_evictions"] == 1
