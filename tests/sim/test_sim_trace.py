"""Trace replay (``provisor.sim.trace``): the CSV's columns and errors, replay semantics
(creation times, work, requests/limits over the template, usage series driving OOM kills and
throttling, class concurrency), row-order independence, the hardened reader, and the Alibaba
GPU v2023 converter on a bounded slice of the real trace."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from provisor.sim import SimInputError, load_inputs, simulate
from provisor.sim.trace import (
    TraceError,
    convert_alibaba_gpu_v2023,
    load_trace,
    parse_trace,
)
from simkit import inputs, one_stage, pod_template

ALIBABA = "traces/alibaba/cluster-trace-gpu-v2023/csv"


def _replay(csv_text: str, objects=(), nodes: str = "2x cpu=8,memory=16Gi,pods=110",
            days: float = 0.1, seed: int = 0):
    wl = one_stage("nobody", {"kind": "constant", "value": 60}, rate=0)
    base = inputs(list(objects), wl, nodes=nodes)
    inp = dataclasses.replace(base, extra={"trace": parse_trace(csv_text, "t.csv")})
    return simulate(inp, days=days, seed=seed)


def test_columns_and_values():
    t = parse_trace("start,end,class,name,cpu_request,memory_limit,cpu_usage,memory_usage\n"
                    "5,65,batch,b,0.5,1Gi,250m;1,10Mi\n"
                    "0,,web,a,,,,\n", "t.csv")
    assert len(t) == 2
    assert t.names == ("a", "b")                       # replay order: by start
    assert t.start_s.tolist() == [0.0, 5.0]
    assert t.end_s[0] != t.end_s[0] and t.end_s[1] == 65.0   # empty end: open (nan)
    assert t.resources[1] == {"requests": {"cpu": "500m"}, "limits": {"memory": "1Gi"}}
    assert t.cpu_flat.tolist() == [250.0, 1000.0] and t.cpu_len.tolist() == [0, 2]
    assert t.mem_flat.tolist() == [10 * 2**20]


@pytest.mark.parametrize("text,where", [
    ("start,class\n0,a\n", ":1: end: required column missing"),
    ("start,end,class,colour\n", ":1: colour: unknown column"),
    ("start,end,class\n0,10,a\nx,10,a\n", ":3: start: not a number"),
    ("start,end,class\n10,5,a\n", ":2: end: end 5 is before start 10"),
    ("start,end,class\n0,5,\n", ":2: class: required"),
    ("start,end,class,cpu_request\n0,5,a,lots\n", ":2: cpu_request: not a quantity"),
    ("start,end,class,memory_usage\n0,5,a,1Gi;;2Gi\n", ":2: memory_usage: empty value"),
    ("start,end,class\n0,5\n", ":2: 2 fields"),
    ("start,end,class\n", "no pod records"),
    ("", "empty file"),
    ("start,end,class\n-1,5,a\n", ":2: start: must be a finite number >= 0"),
])
def test_bad_traces_name_file_line_and_column(text, where):
    with pytest.raises(TraceError) as exc:
        parse_trace(text, "t.csv")
    assert str(exc.value).startswith("t.csv") and where in str(exc.value)


def test_files_go_through_the_hardened_reader(tmp_path):
    import os

    fifo = tmp_path / "pods.csv"
    os.mkfifo(fifo)
    with pytest.raises(TraceError, match="FIFO"):
        load_trace(fifo)                       # refused at once, never blocks
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"start,end,class\n\x00\x01")
    with pytest.raises(TraceError, match="binary"):
        load_trace(binary)
    with pytest.raises(SimInputError) as exc:
        load_inputs(None, nodes=["1x cpu=1,memory=1Gi"], trace=tmp_path / "missing.csv")
    assert "missing.csv" in str(exc.value)


def test_replay_creates_each_record_at_its_time_for_its_work():
    r = _replay("start,end,class,cpu_request,memory_request\n"
                "0,600,batch,1,1Gi\n100,400,batch,500m,512Mi\n7200,7300,other,1,1Gi\n",
                days=0.05)                      # 4320 s: the third record is after the end
    s = r.summary
    assert s["workflows_arrived"] == 2 and s["runs_completed"] == 2
    assert s["oom_kills"] == 0 and s["quota_rejections"] == 0


def test_usage_series_drive_oom_kills_and_throttling():
    # a working set that grows past the limit in the last third of the work: OOM-killed
    r = _replay("start,end,class,cpu_request,cpu_limit,memory_request,memory_limit,cpu_usage,"
                "memory_usage\n0,900,batch,1,1,1Gi,1Gi,2;2;2,100Mi;500Mi;2Gi\n", days=0.05)
    assert r.summary["oom_kills"] >= 1
    assert r.summary["throttled_share"] > 0.9          # demand 2 cores against a 1-core limit
    # the same pod within its limits finishes, unthrottled
    ok = _replay("start,end,class,cpu_request,cpu_limit,memory_request,memory_limit,cpu_usage,"
                 "memory_usage\n0,900,batch,1,1,1Gi,1Gi,500m,100Mi;500Mi\n", days=0.05)
    assert ok.summary["oom_kills"] == 0 and ok.summary["runs_completed"] == 1
    assert ok.summary["throttled_share"] == 0


def test_throttling_stretches_the_run():
    # 600 s of work at 2 cores under a 1-core limit takes about 1200 s
    r = _replay("start,end,class,cpu_request,cpu_limit,cpu_usage\n0,600,batch,1,1,2\n",
                days=1150 / 86400)
    assert r.summary["runs_completed"] == 0
    r = _replay("start,end,class,cpu_request,cpu_limit,cpu_usage\n0,600,batch,1,1,2\n",
                days=1300 / 86400)
    assert r.summary["runs_completed"] == 1


def test_a_class_with_a_podtemplate_uses_it_and_its_concurrency():
    tmpl = pod_template("coderun-rex", cpu="2", mem="2Gi", max_concurrency=1)
    text = "start,end,class,memory_request\n0,1000,rex,3Gi\n0,1000,rex,\n"
    r = _replay(text, objects=[tmpl], days=0.02)             # 1728 s: one at a time
    assert r.summary["runs_completed"] == 1 and r.summary["workflows_arrived"] == 2
    r = _replay(text, objects=[tmpl], days=0.03)             # 2592 s: both, one after the other
    assert r.summary["runs_completed"] == 2
    assert r.summary["queue_wait_mean_s"] >= 500             # the second waited ~1000 s / 2


def test_row_order_does_not_change_the_result():
    rows = [f"{i * 37 % 500},{i * 37 % 500 + 300 + i},c{i % 3},p{i},{200 + i}m,{64 + i}Mi"
            for i in range(40)]
    head = "start,end,class,name,cpu_request,memory_request\n"
    a = _replay(head + "\n".join(rows) + "\n", days=0.02, seed=5).to_json()
    random.Random(1).shuffle(rows)
    b = _replay(head + "\n".join(rows) + "\n", days=0.02, seed=5).to_json()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_alibaba_gpu_v2023_converter_on_a_slice(shared, tmp_path):
    src = shared / ALIBABA
    nodes = tmp_path / "nodes.csv"
    pods = tmp_path / "pods.csv"
    # a bounded slice: 60 nodes and the pods of the trace's first rows
    nodes.write_text("".join((src / "openb_node_list_all_node.csv").read_text()
                             .splitlines(keepends=True)[:61]))
    pods.write_text("".join((src / "openb_pod_list_default.csv").read_text()
                            .splitlines(keepends=True)[:301]))
    conv = convert_alibaba_gpu_v2023(nodes, pods, start_s=9_000_000, days=1)
    assert conv.nodes == 60 and 0 < conv.pods <= 300
    (tmp_path / "nodes.yaml").write_text(conv.nodes_yaml)
    (tmp_path / "trace.csv").write_text(conv.pods_csv)
    trace = load_trace(tmp_path / "trace.csv")
    assert set(trace.classes) <= {"ls", "be", "burstable", "guaranteed", "unknown"}
    assert trace.start_s.min() >= 0 and (trace.end_s >= trace.start_s).all()
    first = trace.resources[0]["requests"]
    assert first["cpu"].endswith("m") or first["cpu"].isdigit()
    inp = load_inputs(None, [str(tmp_path / "nodes.yaml")], trace=tmp_path / "trace.csv")
    assert len(inp.nodes) == 60
    assert inp.nodes[0]["status"]["allocatable"]["memory"].endswith("Mi")
    r = simulate(inp, days=1, seed=0)
    s = r.summary
    assert s["workflows_arrived"] == conv.pods
    assert s["pods_scheduled"] > 0 and 0 < s["node_cpu_requested_ratio"] <= 1
    # a pod requesting more than any node holds stays pending; none is lost silently
    assert s["runs_completed"] + s["runs_failed"] <= s["workflows_arrived"]


def test_alibaba_converter_errors(tmp_path):
    n = tmp_path / "n.csv"
    p = tmp_path / "p.csv"
    n.write_text("sn,cpu_milli\nx,1\n")
    p.write_text("name,cpu_milli,memory_mib,creation_time,deletion_time\n")
    with pytest.raises(TraceError, match="memory_mib: required column missing"):
        convert_alibaba_gpu_v2023(n, p)
    n.write_text("sn,cpu_milli,memory_mib\nx,1.5,1\n")
    with pytest.raises(TraceError, match=":2: cpu_milli: must be an integer"):
        convert_alibaba_gpu_v2023(n, p)
    n.write_text("sn,cpu_milli,memory_mib\nx,1000,1024\n")
    p.write_text("name,cpu_milli,memory_mib,creation_time,deletion_time\na,1,1,10,5\n")
    with pytest.raises(TraceError, match="no pod with creation and deletion times"):
        convert_alibaba_gpu_v2023(n, p)


def test_cli_convert_and_replay(shared, tmp_path, cli):
    src = shared / ALIBABA
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("".join((src / "openb_node_list_all_node.csv").read_text()
                             .splitlines(keepends=True)[:21]))
    out = tmp_path / "out"
    r = cli("trace", "convert", str(nodes), str(src / "openb_pod_list_default.csv"), "-o",
            str(out), "--from", "12700000", "--days", "0.5")
    assert r.returncode == 0, r.stderr
    assert "20 nodes" in r.stderr
    again = cli("trace", "convert", str(nodes), str(src / "openb_pod_list_default.csv"), "-o",
                str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    r = cli("simulate", str(out / "nodes.yaml"), "--trace", str(out / "pods.csv"), "--days",
            "0.25", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert "trace" in doc["source"] and doc["summary"]["workflows_arrived"] > 0
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end,class\n1,0,a\n")
    r = cli("simulate", "--trace", str(bad), "--days", "0.01")
    assert r.returncode == 2 and "bad.csv:2" in r.stderr
