"""provisor.sim end to end: determinism, the JSON shape, scenarios' ground truth, inputs and
their errors, the Prometheus round trip of the series, the CLI."""

from __future__ import annotations

import io
import json
import pickle

import pytest

from provisor.series import read_openmetrics, write_openmetrics
from provisor.sim import SimInputError, SimInputs, load_inputs, simulate
from provisor.sim.scenarios import BUILTIN
from simkit import inputs, one_stage, pod_template


def _om(result) -> str:
    buf = io.StringIO()
    write_openmetrics(result.series(), buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def default_inputs() -> SimInputs:
    return load_inputs()


def test_two_runs_are_byte_identical(default_inputs):
    a = simulate(default_inputs, days=0.3, seed=7)
    b = simulate(default_inputs, days=0.3, seed=7)
    assert json.dumps(a.to_json(), sort_keys=True) == json.dumps(b.to_json(), sort_keys=True)
    assert _om(a) == _om(b)
    c = simulate(default_inputs, days=0.3, seed=8)
    assert json.dumps(c.to_json()) != json.dumps(a.to_json())


def test_object_order_does_not_matter(default_inputs):
    rev = SimInputs(objects=tuple(reversed(default_inputs.objects)), nodes=tuple(reversed(default_inputs.nodes)),
                    workload=default_inputs.workload, source=default_inputs.source)
    a = simulate(default_inputs, days=0.2, seed=3)
    b = simulate(rev, days=0.2, seed=3)
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())
    assert _om(a) == _om(b)


def test_inputs_pickle_and_default_policy(default_inputs):
    again = pickle.loads(pickle.dumps(default_inputs))
    assert again == default_inputs
    kinds = {o["kind"] for o in default_inputs.objects}
    assert {"PodTemplate", "ResourceQuota", "LimitRange", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "Deployment", "PriorityClass"} <= kinds
    cpu = sum(int(n["status"]["capacity"]["cpu"]) for n in default_inputs.nodes)
    assert cpu == 40 and len(default_inputs.nodes) == 5


def test_json_shape_and_scorecard(default_inputs):
    r = simulate(default_inputs, days=0.3, seed=1)
    j = r.to_json()
    assert set(j) == {"schema_version", "source", "days", "seed", "start_epoch_s", "scenarios",
                      "scorecard", "summary", "ground_truth"}
    ids = [m["id"] for m in j["scorecard"]]
    assert ids == ["cpu-utilization", "memory-pressure", "pvc-unused", "volume-full-runs", "hpa-responsiveness",
                   "oom-kills", "controller-availability", "quota-failed-runs", "alert-accuracy",
                   "runtime-variance", "exhaustion-recovery", "forecast-30d", "cost-reduction"]
    for m in j["scorecard"]:
        assert m["status"] in ("pass", "fail", "not-computed") and m["definition"] and m["unit"]
    for k in ("alert-accuracy", "forecast-30d", "cost-reduction"):
        assert r.scorecard.get(k).status == "not-computed"
    r.scorecard.set("alert-accuracy", 0.97, "pass")
    assert r.to_json()["scorecard"][8]["value"] == 0.97
    with pytest.raises(ValueError):
        r.scorecard.set("alert-accuracy", 1.0, "maybe")  # type: ignore[arg-type]
    s = j["summary"]
    assert s["runs_completed"] > 0 and 0 <= s["throttled_share"] <= 1
    assert s["queue_wait_p95_s"] >= s["queue_wait_mean_s"] >= 0


SMALL = one_stage("coderun-a", {"kind": "lognormal", "median": 600, "p95": 1800}, rate=6.0,
                  cpu={"base": "500m", "burst": "1500m", "burst_share": 0.3},
                  memory={"start": "200Mi", "peak": {"kind": "constant", "value": 600 * 2**20}})


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_scenarios_state_their_ground_truth(name):
    objs = [pod_template("coderun-a", max_concurrency=4, limits={"cpu": "1", "memory": "1Gi"}),
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "team"},
             "spec": {"hard": {"requests.cpu": "4", "pods": "10"}}}]
    wl = dict(SMALL)
    wl["workflows"] = [{"name": "w", "stages": [{**SMALL["workflows"][0]["stages"][0], "agent": "rex"}]}]
    objs[0]["metadata"]["name"] = "coderun-rex"
    r = simulate(inputs(objs, wl, nodes="3x cpu=4,memory=8Gi", scenarios=(BUILTIN[name],)),
                 days=1.6, seed=3)
    faults = [i for i in r.ground_truth if i.kind.startswith("scenario:")]
    if name == "steady":
        assert faults == []
        return
    assert faults, name
    f = faults[0]
    assert f.start_s == pytest.approx(86400 + 36000) and f.end_s >= f.start_s
    if name == "memory-leak":
        assert any(i.kind == "oom-kill" for i in r.ground_truth)
        assert r.scorecard.get("oom-kills").value == 0     # inside the fault window
    if name == "quota-cut":
        assert r.summary["quota_rejections"] > 0
    if name in ("drain", "rolling-upgrade"):
        assert r.summary["drain_evictions"] > 0
    if name == "spike":
        base = simulate(inputs(objs, wl, nodes="3x cpu=4,memory=8Gi"), days=1.6, seed=3)
        assert r.summary["workflows_arrived"] > base.summary["workflows_arrived"]


@pytest.mark.parametrize("mode", ["fail", "retry", "strict-fifo", "best-effort-fifo"])
def test_queueing_modes_on_quota_rejection(mode):
    objs = [pod_template("coderun-a", cpu="1", max_concurrency=6),
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "team"},
             "spec": {"hard": {"requests.cpu": "2"}}}]
    wl = one_stage("coderun-a", {"kind": "constant", "value": 900}, rate=12.0, queueing={"mode": mode})
    r = simulate(inputs(objs, wl), days=0.5, seed=0)
    s = r.summary
    assert s["quota_rejections"] > 0
    if mode == "fail":
        assert s["runs_rejected"] > 0 and r.scorecard.get("quota-failed-runs").status == "fail"
    else:
        assert s["runs_completed"] > 0
    if mode in ("strict-fifo", "best-effort-fifo"):
        assert s["runs_rejected"] == 0


def test_oom_kill_and_job_backoff():
    objs = [pod_template("coderun-a", limits={"cpu": "1", "memory": "512Mi"}, mem="512Mi")]
    wl = one_stage("coderun-a", {"kind": "constant", "value": 600}, rate=1.0,
                   memory={"start": "100Mi", "peak": {"kind": "constant", "value": 1024 * 2**20}, "noise": 0},
                   backoff_limit=2)
    r = simulate(inputs(objs, wl), days=0.3, seed=0)
    ooms = [i for i in r.ground_truth if i.kind == "oom-kill"]
    assert ooms and r.summary["runs_failed"] > 0 and r.summary["runs_completed"] == 0
    # each run: backoffLimit 2 -> 3 pods, OOM-killed each, with Job backoff 10 s then 20 s
    first = [i for i in ooms if i.labels["pod"].startswith("coderun-a-1-")]
    assert len(first) == 3
    reasons = r.series().select("kube_pod_container_status_terminated_reason", reason="OOMKilled")
    assert reasons


def test_cpu_throttling_slows_runs():
    objs = [pod_template("coderun-a", cpu="500m", limits={"cpu": "500m"})]
    wl = one_stage("coderun-a", {"kind": "constant", "value": 600}, rate=2.0, cpu={"base": "1"})
    r = simulate(inputs(objs, wl), days=0.5, seed=0)
    assert r.summary["throttled_share"] == pytest.approx(1.0)
    # demand 1 core, limit 0.5: work progresses at half speed, the run takes twice as long
    assert r.scorecard.get("runtime-variance").value == pytest.approx(1.0, abs=0.05)
    thr = r.series().select("container_cpu_cfs_throttled_periods_total")
    per = r.series().select("container_cpu_cfs_periods_total")
    assert thr and per and thr[0].values[-1] == per[0].values[-1] > 0


def test_cpu_shares_without_limits():
    """Two containers without limits on a 2-core node, demands 2 cores each, requests 1.5 and
    0.5 cores: CPU is shared 3:1 by cpu.shares."""
    from provisor.sim.engine import _water_fill
    import numpy as np

    got = _water_fill(np.array([2000.0, 2000.0]), np.array([1500.0, 500.0]), 2000.0)
    assert got.tolist() == pytest.approx([1500.0, 500.0])
    got = _water_fill(np.array([300.0, 2000.0]), np.array([1500.0, 500.0]), 2000.0)
    assert got.tolist() == pytest.approx([300.0, 1700.0])


def test_bad_inputs_name_file_line_field(tmp_path):
    w = tmp_path / "wl.yaml"
    w.write_text("arrivals:\n  rate_per_hour: 3\nworkflows:\n  - name: x\n    stages:\n"
                 "      - name: s\n        agent: a\n        duration: {kind: lognormal, median: 10, p95: 5}\n"
                 "        cpu: {base: 1}\n        memory: {start: 1Gi, peak: {kind: constant, value: 1}}\n")
    with pytest.raises(SimInputError) as e:
        load_inputs(workload=w)
    assert e.value.file == str(w) and e.value.line > 0 and "workflows" in e.value.field
    with pytest.raises(SimInputError) as e:
        load_inputs(nodes=["3x cpu=4"])
    assert e.value.field == "memory"
    with pytest.raises(SimInputError):
        load_inputs(scenarios=["no-such-scenario"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(SimInputError):
        load_inputs(paths=[str(bad)])


def test_nodes_option_and_node_objects(tmp_path):
    inp = load_inputs(nodes=["2x cpu=8,memory=32Gi,pods=50,name=big", "cpu=2,memory=4Gi"])
    assert [n["metadata"]["name"] for n in inp.nodes] == ["big-0", "big-1", "pool1-0"]
    f = tmp_path / "n.yaml"
    f.write_text("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n1}\n"
                 "  status: {capacity: {cpu: '4', memory: 8Gi, pods: '110'}, allocatable: {cpu: 3900m, memory: 7Gi, pods: '110'}}\n"
                 "- apiVersion: v1\n  kind: PodTemplate\n  metadata: {name: coderun-rex, namespace: x, annotations: {provisor.dev/max-concurrency: '1'}}\n"
                 "  template: {spec: {containers: [{name: a, image: a}]}}\n")
    inp = load_inputs(paths=[str(f)])
    assert [n["metadata"]["name"] for n in inp.nodes] == ["n1"]
    r = simulate(inp, days=0.1, seed=0)
    assert r.summary["nodes"] == 1


@pytest.mark.slow
def test_series_round_trip_through_real_prometheus(tmp_path, prometheus_with, default_inputs):
    r = simulate(default_inputs, days=0.25, seed=5)
    path = tmp_path / "sim.om"
    write_openmetrics(r.series(), path)
    back = read_openmetrics(path)
    assert len(back) == len(r.series())
    prom = prometheus_with(path)
    ws = r.series().select("container_memory_working_set_bytes")
    s = max(ws, key=len)
    t = float(s.timestamps[len(s) // 2])
    got = prom.query(f'container_memory_working_set_bytes{{pod="{s.get("pod")}"}}', t)
    assert got and got[0]["value"] == pytest.approx(float(s.values[len(s) // 2]))
    # a counter through rate(): CPU cores used by that pod over 5 minutes
    got = prom.query(f'rate(container_cpu_usage_seconds_total{{pod="{s.get("pod")}"}}[5m])', t)
    assert got and 0 <= got[0]["value"] <= 4.0
    q = prom.query('kube_resourcequota{type="hard",resource="requests.cpu"}', t)
    assert q and q[0]["value"] == 20.0
    nodes = prom.query('sum(kube_node_status_allocatable{resource="cpu"})', t)
    assert nodes[0]["value"] == pytest.approx(39.0)


def test_cli_simulate(tmp_path):
    from typer.testing import CliRunner

    from provisor.cli import app

    runner = CliRunner()
    out = tmp_path / "r.json"
    series = tmp_path / "s.om"
    res = runner.invoke(app, ["simulate", "--days", "0.2", "--format", "json", "-o", str(out),
                              "--series", str(series), "--scenario", "spike"])
    assert res.exit_code == 0, res.output
    j = json.loads(out.read_text())
    assert j["days"] == 0.2 and j["scenarios"][0]["name"] == "spike"
    assert series.read_text().endswith("# EOF\n")
    res = runner.invoke(app, ["simulate", "--days", "0.2", "-o", str(out)])
    assert res.exit_code == 2 and "exists" in res.output
    res = runner.invoke(app, ["simulate", "--days", "0.1"])
    assert res.exit_code == 0 and "Scorecard" in res.output and "not computed" in res.output
    res = runner.invoke(app, ["simulate", "--nodes", "x"])
    assert res.exit_code == 2


def test_scenario_and_workload_files(tmp_path):
    sc = tmp_path / "cut.yaml"
    sc.write_text("name: my-cut\ndescription: quota down to 10% for an hour\nfaults:\n"
                  "  - {kind: quota-cut, at_s: 3600, duration_s: 3600, factor: 0.1}\n")
    nums = tmp_path / "durations.txt"
    nums.write_text("# seconds\n600\n900\n1200\n")
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        "workload:\n  arrivals: {rate_per_hour: 4}\n  workflows:\n  - name: w\n    stages:\n"
        "    - name: impl\n      agent: [rex, blaze]\n      duration: {kind: empirical, file: durations.txt}\n"
        "      cpu: {base: 1500m}\n      memory: {start: 1Gi, peak: {kind: constant, value: 4294967296}}\n")
    inp = load_inputs(workload=wl, scenarios=[str(sc), "spike"])
    d = inp.workload.workflows[0].stages[0].duration
    assert d.kind == "empirical" and d.values == [600.0, 900.0, 1200.0]
    assert [s.name for s in inp.scenarios] == ["my-cut", "spike"]
    r = simulate(inp, days=0.2, seed=0)
    cut = [i for i in r.ground_truth if i.kind == "scenario:quota-cut"]
    assert cut and cut[0].start_s == 3600 and cut[0].end_s == 7200
    assert r.summary["quota_rejections"] > 0
    bad = tmp_path / "badsc.yaml"
    bad.write_text("name: x\nfaults:\n  - {kind: meteor, at_s: 1}\n")
    with pytest.raises(SimInputError) as e:
        load_inputs(scenarios=[str(bad)])
    assert e.value.line == 3 and "faults" in e.value.field


def test_cli_simulate_policy_file_and_manifests(tmp_path, shared):
    from typer.testing import CliRunner

    from provisor.cli import app
    from provisor.policy import default_policy_path

    pol = tmp_path / "my-policy.yaml"
    pol.write_text(default_policy_path().read_text().replace("max_concurrency: 2\n    image", "max_concurrency: 1\n    image", 1))
    runner = CliRunner()
    res = runner.invoke(app, ["simulate", str(pol), "--days", "0.1", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["source"] == str(pol)
    # manifests: the spec's seed folder has no agent PodTemplates, so no run could start:
    # a clear error saying what the twin looked for, not a scorecard of zeros
    res = runner.invoke(app, ["simulate", str(shared / "seed" / "manifests"), "--days", "0.1",
                              "--format", "json"])
    assert res.exit_code == 2, res.output
    assert "no agent classes found in" in res.output
    assert "provisor.dev/max-concurrency" in res.output and "rex" in res.output


def test_strict_fifo_blocks_behind_its_head_best_effort_does_not():
    big = pod_template("coderun-big", cpu="3", max_concurrency=5)
    small = pod_template("coderun-small", cpu="1", max_concurrency=5)
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "team"},
             "spec": {"hard": {"requests.cpu": "4"}}}

    def stage(agent, dur):
        return {"name": "s", "agent": agent, "duration": {"kind": "constant", "value": dur},
                "cpu": {"base": "100m"}, "memory": {"start": "10Mi", "peak": {"kind": "constant", "value": 2**24}}}

    def run(mode):
        wl = {"arrivals": {"rate_per_hour": 20},
              "workflows": [{"name": "b", "stages": [stage("coderun-big", 1800)]},
                            {"name": "s", "stages": [stage("coderun-small", 300)]}],
              "queueing": {"mode": mode},
              "timings": {"image_pull": {"kind": "constant", "value": 0}, "readiness": 0}}
        return simulate(inputs([big, small, quota], wl), days=0.5, seed=4)

    strict, best = run("strict-fifo"), run("best-effort-fifo")
    assert strict.summary["runs_rejected"] == best.summary["runs_rejected"] == 0
    assert best.summary["runs_completed"] > strict.summary["runs_completed"]
    assert best.summary["queue_wait_mean_s"] < strict.summary["queue_wait_mean_s"]
