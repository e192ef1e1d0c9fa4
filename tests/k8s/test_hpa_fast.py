"""``provisor.k8s.hpa.fast`` (the twin's HPA fast path) against the exact
``reconcile_autoscaler`` it stands for: the same ``ReconcileResult`` (desired replicas,
rescale and reason, status with conditions and metric statuses, next state, events, error)
over random pods (phases, deletion, Ready conditions, start and transition times, missing
samples), metrics (utilization and average-value targets on cpu and memory, external value
and average-value targets, tolerance edges), behaviors (policies, select policies,
stabilization windows, tolerances) and sequences of syncs that thread state and status."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisor.k8s.hpa import HPAState, PodMetric, StaticMetricsClient, reconcile_autoscaler
from provisor.k8s.hpa.defaults import set_defaults_horizontal_pod_autoscaler
from provisor.k8s.hpa.fast import (
    PHASE_CODES,
    CompiledHPA,
    PodArrays,
    ResourceSamples,
    fast_reconcile_autoscaler,
)

PHASES = list(PHASE_CODES)

pod_st = st.fixed_dictionaries({
    "phase": st.sampled_from(PHASES + ["Running"] * 4),
    "deleting": st.sampled_from([False, False, False, True]),
    "ready": st.sampled_from([None, "True", "True", "False", "Unknown"]),
    "start": st.one_of(st.none(), st.integers(0, 1200).map(float)),
    "ltt": st.one_of(st.none(), st.integers(0, 1200).map(float)),
    "cpu_req": st.integers(0, 4000),
    "mem_req": st.integers(0, 2**34),
    "cpu": st.one_of(st.none(), st.integers(0, 8000)),
    "mem": st.one_of(st.none(), st.integers(0, 2**35)),
    "m_ts": st.integers(0, 1200).map(float),
    "m_window": st.sampled_from([0.0, 15.0, 30.0]),
})

tol_st = st.one_of(st.none(), st.sampled_from(["0", "0.05", "0.1", "500m", "0.2"]))
policy_st = st.fixed_dictionaries({"type": st.sampled_from(["Pods", "Percent"]), "value": st.integers(1, 200),
                                   "periodSeconds": st.integers(1, 600)})


def rules_st():
    return st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "stabilizationWindowSeconds": st.integers(0, 600),
        "selectPolicy": st.sampled_from(["Max", "Min", "Disabled"]),
        "policies": st.lists(policy_st, min_size=1, max_size=3),
        "tolerance": tol_st,
    }).map(lambda d: {k: v for k, v in d.items() if v is not None}))


behavior_st = st.one_of(st.none(), st.fixed_dictionaries({}, optional={"scaleUp": rules_st(),
                                                                        "scaleDown": rules_st()}).map(
    lambda d: {k: v for k, v in d.items() if v is not None}))

metric_st = st.one_of(
    st.builds(lambda r, t: {"type": "Resource", "resource": {"name": r, "target": {
        "type": "Utilization", "averageUtilization": t}}}, st.sampled_from(["cpu", "memory"]),
        st.sampled_from([1, 50, 80, 100, 150]) | st.integers(1, 300)),
    st.builds(lambda r, v: {"type": "Resource", "resource": {"name": r, "target": {
        "type": "AverageValue", "averageValue": f"{v}m"}}}, st.sampled_from(["cpu", "memory"]),
        st.integers(1, 2**34)),
    st.builds(lambda n, v, avg: {"type": "External", "external": {"metric": {"name": n}, "target": (
        {"type": "AverageValue", "averageValue": f"{v}m"} if avg else {"type": "Value", "value": f"{v}m"})}},
        st.sampled_from(["queue", "absent"]), st.integers(1, 20000), st.booleans()),
)


def _hpa(metrics, mn, mx, behavior):
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": mn, "maxReplicas": mx, "metrics": metrics}
    if behavior is not None:
        spec["behavior"] = behavior
    h = set_defaults_horizontal_pod_autoscaler({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                                "metadata": {"name": "web", "namespace": "ns"}, "spec": spec})
    return h


def _pod_dict(i, p, t):
    st_: dict = {"phase": p["phase"]}
    if p["start"] is not None:
        st_["startTime"] = t + p["start"] - 1200
    if p["ready"] is not None:
        c = {"type": "Ready", "status": p["ready"]}
        if p["ltt"] is not None:
            c["lastTransitionTime"] = t + p["ltt"] - 1200
        st_["conditions"] = [c]
    meta = {"name": f"p{i}", "namespace": "ns"}
    if p["deleting"]:
        meta["deletionTimestamp"] = t
    return {"metadata": meta, "status": st_, "spec": {"containers": [{"name": "c", "resources": {"requests": {
        "cpu": f"{p['cpu_req']}m", "memory": f"{p['mem_req']}m"}}}]}}


def _arrays(pods, t):
    return PodArrays(
        phase=[PHASE_CODES[p["phase"]] for p in pods],
        deleting=[p["deleting"] for p in pods],
        has_ready=[p["ready"] is not None for p in pods],
        ready_true=[p["ready"] == "True" for p in pods],
        ready_false=[p["ready"] == "False" for p in pods],
        start=[math.nan if p["start"] is None else t + p["start"] - 1200 for p in pods],
        ltt=[-62135596800.0 if p["ltt"] is None else t + p["ltt"] - 1200 for p in pods],
        requests={"cpu": [p["cpu_req"] for p in pods], "memory": [p["mem_req"] for p in pods]})


def _samples(pods, key, t):
    return ResourceSamples(
        present=[p[key] is not None for p in pods],
        value=[p[key] or 0 for p in pods],
        timestamp=[t + p["m_ts"] - 1200 for p in pods],
        window=[p["m_window"] for p in pods])


step_st = st.fixed_dictionaries({
    "pods": st.lists(pod_st, max_size=7),
    "queue": st.lists(st.integers(0, 50000), max_size=3),
    "dt": st.sampled_from([15.0, 15.0, 30.0, 300.0]),
    "status_delta": st.integers(-1, 1),
})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metrics=st.lists(metric_st, max_size=3), mn=st.integers(0, 3), mx=st.integers(1, 12),
       behavior=behavior_st, replicas=st.integers(0, 14), steps=st.lists(step_st, min_size=1, max_size=5))
def test_fast_path_equals_reconcile_autoscaler(metrics, mn, mx, behavior, replicas, steps):
    _check(metrics, mn, mx, behavior, replicas, steps)


def _check(metrics, mn, mx, behavior, replicas, steps):
    hpa = _hpa(metrics, mn, mx, behavior)
    compiled = CompiledHPA.compile(hpa)
    assert compiled is not None
    state_e = state_f = HPAState()
    status_e: dict = {}
    status_f: dict = {}
    t = 100000.0
    rep = replicas
    for s in steps:
        t += s["dt"]
        pods = s["pods"]
        dicts = [_pod_dict(i, p, t) for i, p in enumerate(pods)]
        resource = {}
        for r, key in (("cpu", "cpu"), ("memory", "mem")):
            m = {f"p{i}": PodMetric(p[key], t + p["m_ts"] - 1200, p["m_window"]) for i, p in enumerate(pods)
                 if p[key] is not None}
            if m:
                resource[(r, "")] = m
        ext = {"queue": s["queue"]}
        client = StaticMetricsClient(resource=resource, external=ext, timestamp=t)
        status_replicas = max(0, rep + s["status_delta"])
        exact = reconcile_autoscaler({**hpa, "status": status_e}, spec_replicas=rep, status_replicas=status_replicas,
                                     pods=dicts, metrics_client=client, state=state_e, now=t)
        arrays = _arrays(pods, t)
        fast = fast_reconcile_autoscaler(compiled, status_f, spec_replicas=rep, status_replicas=status_replicas,
                                         pods=arrays, resource_metrics={"cpu": _samples(pods, "cpu", t),
                                                                        "memory": _samples(pods, "mem", t)},
                                         external_metrics=ext, metrics_timestamp=t, state=state_f, now=t)
        assert fast == exact
        state_e, status_e = exact.state, exact.status
        state_f, status_f = fast.state, fast.status
        if exact.rescale:
            rep = exact.desired_replicas


long_step_st = st.fixed_dictionaries({
    "pods": st.lists(pod_st, max_size=2), "queue": st.lists(st.integers(0, 50000), max_size=1),
    "dt": st.just(15.0), "status_delta": st.just(0)})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(metrics=st.lists(metric_st, min_size=1, max_size=2), mn=st.integers(1, 3), mx=st.integers(3, 12),
       behavior=behavior_st, replicas=st.integers(1, 12),
       steps=st.lists(long_step_st, min_size=30, max_size=60))
def test_fast_path_over_long_histories(metrics, mn, mx, behavior, replicas, steps):
    """Many 15 s syncs: stabilization windows full of recommendations (the numpy mirror's
    slot reuse), scale events aging out of their policy periods."""
    _check(metrics, mn, mx, behavior, replicas, steps)


def test_compile_declines_what_it_does_not_take():
    """Pods, Object and ContainerResource metrics (and a Resource metric without a target)
    take the exact path."""
    for m in ({"type": "Pods", "pods": {"metric": {"name": "x"}, "target": {"type": "AverageValue",
                                                                             "averageValue": "1"}}},
              {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "c", "target": {
                  "type": "Utilization", "averageUtilization": 50}}},
              {"type": "Object", "object": {"metric": {"name": "x"}, "describedObject": {"kind": "Service",
                                                                                         "name": "s"},
                                            "target": {"type": "Value", "value": "1"}}},
              {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}):
        assert CompiledHPA.compile(_hpa([m], 1, 5, None)) is None
    assert CompiledHPA.compile(_hpa([], 1, 5, None)) is not None


def test_tolerance_edge_exactly_at_the_bound():
    """A usage ratio exactly at 1 + tolerance is within it (no rescale) in both."""
    hpa = _hpa([{"type": "Resource", "resource": {"name": "memory", "target": {
        "type": "Utilization", "averageUtilization": 100}}}], 1, 10, None)
    pods = [{"phase": "Running", "deleting": False, "ready": "True", "start": 0.0, "ltt": 10.0, "cpu_req": 100,
             "mem_req": 1000, "cpu": 10, "mem": v, "m_ts": 1190.0, "m_window": 15.0} for v in (1100, 1100)]
    t = 5000.0
    dicts = [_pod_dict(i, p, t) for i, p in enumerate(pods)]
    client = StaticMetricsClient(resource={("memory", ""): {f"p{i}": PodMetric(p["mem"], t, 15.0)
                                                            for i, p in enumerate(pods)}}, timestamp=t)
    exact = reconcile_autoscaler(hpa, spec_replicas=2, status_replicas=2, pods=dicts, metrics_client=client,
                                 state=HPAState(), now=t)
    s = _samples(pods, "mem", t)
    fast = fast_reconcile_autoscaler(CompiledHPA.compile(hpa), {}, spec_replicas=2, status_replicas=2,
                                     pods=_arrays(pods, t), resource_metrics={"memory": s}, external_metrics={},
                                     metrics_timestamp=t, state=HPAState(), now=t)
    assert fast == exact
    assert not exact.rescale and exact.desired_replicas == 2
