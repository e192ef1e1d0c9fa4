"""A workspace PVC that fills fails the run: ENOSPC -> the agent's container exits 1 -> the pod
fails -> the Job retries up to backoffLimit -> the run fails (``volume-full-runs``); a roomy
volume does not. The kubelet's volume stats show the fill."""

from __future__ import annotations

import numpy as np
import pytest
from simkit import inputs, one_stage, pod_template

from provisor.sim import simulate

GI = 2**30


def _template(storage: str, restart: str = "Never") -> dict:
    t = pod_template("coderun-rex", cpu="1", mem="1Gi", max_concurrency=2, ns="agents", restart=restart)
    t["template"]["spec"]["volumes"] = [{"name": "workspace", "ephemeral": {"volumeClaimTemplate": {
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}}}}}]
    return t


def _run(storage: str, written: float, *, restart: str = "Never", backoff: int = 2, days: float = 0.25):
    wl = one_stage("rex", {"kind": "constant", "value": 600}, rate=2.0, backoff_limit=backoff)
    wl["workflows"][0]["stages"][0]["workspace_written"] = {"kind": "constant", "value": written}
    return simulate(inputs([_template(storage, restart)], wl), days=days, seed=3)


def _metric(r, mid):
    return next(m for m in r.scorecard.metrics if m.id == mid)


def test_workspace_writes_beyond_the_pvc_fail_the_runs():
    r = _run("1Gi", 2 * GI, backoff=2)
    s = r.summary
    assert s["runs_completed"] == 0
    assert s["runs_failed"] > 0
    assert s["runs_failed_volume_full"] == s["runs_failed"]
    # every attempt fills its fresh volume: backoffLimit 2 -> 3 pods per failed run
    assert s["volume_full_pod_failures"] >= 3 * s["runs_failed"]
    m = _metric(r, "volume-full-runs")
    assert m.value == s["runs_failed"] and m.status == "fail"
    full = [i for i in r.ground_truth if i.kind == "volume-full"]
    assert len(full) == s["volume_full_pod_failures"]
    assert all(i.labels["persistentvolumeclaim"].endswith("-workspace") for i in full)
    assert "ENOSPC" in full[0].detail
    # the kubelet saw the volume full: used reached capacity, nothing available
    cap = r.series().select("kubelet_volume_stats_capacity_bytes")
    used = {x.get("persistentvolumeclaim"): x for x in r.series().select("kubelet_volume_stats_used_bytes")}
    avail = {x.get("persistentvolumeclaim"): x for x in r.series().select("kubelet_volume_stats_available_bytes")}
    assert cap and set(used) == set(avail) == {c.get("persistentvolumeclaim") for c in cap}
    assert all(set(c.labels) >= {"namespace", "persistentvolumeclaim"} for c in cap)
    assert float(cap[0].values.max()) == GI
    pvc = full[0].labels["persistentvolumeclaim"]
    assert used[pvc].values[-1] == pytest.approx(GI, rel=1e-9)
    assert avail[pvc].values[-1] == pytest.approx(0.0, abs=1.0)
    assert np.allclose(used[pvc].values + avail[pvc].values, GI)
    # the pod failed with the kubelet's reason for a non-zero exit
    reasons = r.series().select("kube_pod_container_status_terminated_reason", reason="Error")
    assert reasons


def test_fill_time_is_where_the_writes_reach_the_capacity(monkeypatch):
    """Writes grow with the work done: 4Gi over 600 s of work on a 1Gi volume fill it 150 s
    after the container starts (full speed: no CPU limit, a node to itself)."""
    from provisor.sim import engine as eng

    starts: dict[str, float] = {}
    orig = eng.Engine._container_started

    def record(self, pod):
        starts.setdefault(pod.name, self.t)
        orig(self, pod)

    monkeypatch.setattr(eng.Engine, "_container_started", record)
    r = _run("1Gi", 4 * GI, backoff=0, days=0.1)
    full = [i for i in r.ground_truth if i.kind == "volume-full"]
    assert full
    for i in full:
        assert i.start_s - starts[i.labels["pod"]] == pytest.approx(150.0, abs=1e-6)


def test_a_roomy_workspace_does_not_fail():
    r = _run("4Gi", 2 * GI)
    s = r.summary
    assert s["runs_completed"] > 0
    assert s["runs_failed"] == 0 and s["runs_failed_volume_full"] == 0 and s["volume_full_pod_failures"] == 0
    assert _metric(r, "volume-full-runs").status == "pass"
    assert _metric(r, "pvc-unused").value == pytest.approx(0.5)
    assert not [i for i in r.ground_truth if i.kind == "volume-full"]


def test_exactly_full_is_not_over():
    """Writing exactly the capacity completes (the write that would need one byte more never
    comes)."""
    r = _run("1Gi", 1 * GI)
    assert r.summary["runs_failed"] == 0 and r.summary["runs_completed"] > 0


def test_on_failure_restarts_the_container_in_place():
    r = _run("1Gi", 2 * GI, restart="OnFailure", days=0.1)
    s = r.summary
    assert s["volume_full_pod_failures"] > 0
    assert s["runs_failed"] == 0  # the pod keeps restarting (CrashLoopBackOff), it never fails
    restarts = r.series().select("kube_pod_container_status_restarts_total")
    assert max(float(x.values.max()) for x in restarts) >= 1
    assert r.series().select("kube_pod_container_status_last_terminated_reason", reason="Error")


def test_volume_full_is_deterministic():
    a = _run("1Gi", 2 * GI).to_json()
    b = _run("1Gi", 2 * GI).to_json()
    assert a == b
