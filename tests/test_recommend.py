"""provisor.recommend: usage from series, strategies, backtest, CSV reader, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from provisor.cli import app
from provisor.k8s import vpa
from provisor.recommend import make_strategy, run_backtest, run_recommend, usage_from_series
from provisor.recommend.strategies import StrategyError, tail_quantile, weighted_quantile
from provisor.recommend.usage import ContainerUsage, counter_deltas
from provisor.series import Series
from provisor.series.csv import SeriesFileError, read_csv, write_csv

GIB = 1024.0**3
T0 = 1_760_000_000.0


def _usage(pod: str, cpu: np.ndarray, mem: np.ndarray, step: float = 60.0, group: str = "quality",
           req_cpu: float = 1.0, req_mem: float = 8 * GIB, lim_cpu: float = 2.0,
           lim_mem: float = 8 * GIB, oom: tuple[float, ...] = (), thr: np.ndarray | None = None
           ) -> ContainerUsage:
    t = T0 + step * np.arange(1, len(cpu) + 1)
    u = ContainerUsage("agent-platform", pod, "agent", group, "claude-3-5-sonnet",
                       t, cpu.astype(float), t.copy(), mem.astype(float))
    u.request_cpu, u.request_mem, u.limit_cpu, u.limit_mem = req_cpu, req_mem, lim_cpu, lim_mem
    u.oom_t = np.array(oom, dtype=float)
    if thr is not None:
        u.thr_t, u.thr = t.copy(), thr
    return u


def _csv_text() -> str:
    rows = ["timestamp,namespace,pod,container,class,resource,value,request,limit"]
    for i in range(1, 121):
        t = T0 + 60 * i
        for pod, scale in (("rex-1", 1.0), ("rex-2", 1.5)):
            rows.append(f"{t},agent-platform,{pod},agent,implementation,cpu,"
                        f"{0.2 * scale + 0.001 * i},2,4")
            rows.append(f"{t},agent-platform,{pod},agent,implementation,memory,"
                        f"{(1 + 0.01 * i) * scale * GIB},{16 * GIB},{16 * GIB}")
    return "\n".join(rows) + "\n"


# -- series / usage -----------------------------------------------------------------------


def test_counter_deltas_handle_reset_like_prometheus() -> None:
    t = np.array([0.0, 10, 20, 30, 40])
    v = np.array([5.0, 7, 2, 4, math.nan])
    te, inc, d = counter_deltas(t, v)
    assert te.tolist() == [10, 20, 30]
    assert inc.tolist() == [2, 2, 2]  # the drop 7 -> 2 is a restart: the increase is 2
    assert d.tolist() == [10, 10, 10]


def test_usage_from_series_counters_labels_and_order() -> None:
    t = T0 + np.arange(0, 600, 60.0)
    base = {"namespace": "ns", "pod": "p", "container": "agent"}
    series = [
        Series({"__name__": "container_cpu_usage_seconds_total", **base}, t, 0.5 * (t - T0)),
        Series({"__name__": "container_memory_working_set_bytes", **base}, t, np.full(10, 1e9)),
        Series({"__name__": "container_cpu_cfs_periods_total", **base}, t, 10.0 * (t - T0)),
        Series({"__name__": "container_cpu_cfs_throttled_periods_total", **base}, t,
               2.5 * (t - T0)),
        Series({"__name__": "container_oom_events_total", **base}, t,
               np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2.0])),
        Series({"__name__": "kube_pod_container_resource_requests", **base, "resource": "cpu",
                "unit": "core"}, t, np.full(10, 0.25)),
        Series({"__name__": "kube_pod_labels", "namespace": "ns", "pod": "p",
                "label_provisor_dev_tier": "testing", "label_provisor_dev_model": "m"},
               t, np.ones(10)),
        Series({"__name__": "container_memory_working_set_bytes", "namespace": "ns", "pod": "p",
                "container": "POD"}, t, np.ones(10)),
    ]
    a = usage_from_series(series)
    b = usage_from_series(list(reversed(series)))
    assert len(a) == 1 and a[0].key == ("ns", "testing", "m", "agent")
    assert np.allclose(a[0].cpu, 0.5) and np.allclose(a[0].thr, 0.25)
    assert a[0].oom_t.tolist() == [t[3], t[6]]
    assert a[0].request_cpu == 0.25 and math.isnan(a[0].limit_cpu)
    assert np.array_equal(a[0].cpu, b[0].cpu) and a[0].key == b[0].key


def test_csv_reader_roundtrip_and_determinism(tmp_path: Path) -> None:
    p = tmp_path / "u.csv"
    p.write_text(_csv_text())
    us = usage_from_series(read_csv(p))
    assert [u.pod for u in us] == ["rex-1", "rex-2"]
    assert us[0].request_cpu == 2 and us[0].limit_mem == 16 * GIB
    lines = _csv_text().splitlines()
    body = lines[1:]
    random.Random(7).shuffle(body)
    q = tmp_path / "shuffled.csv"
    q.write_text("\n".join([lines[0], *body]) + "\n")
    us2 = usage_from_series(read_csv(q))
    assert all(np.array_equal(a.mem, b.mem) for a, b in zip(us, us2))
    out = tmp_path / "back.csv"
    write_csv(us, out)
    us3 = usage_from_series(read_csv(out))
    assert all(np.allclose(a.cpu, b.cpu) and np.allclose(a.mem, b.mem) for a, b in zip(us, us3))


@pytest.mark.parametrize("text, where", [
    ("timestamp,namespace,pod,container,class,value\n", ":1: header: missing column(s) resource"),
    ("timestamp,namespace,pod,container,class,resource,value\n1,n,p,c,k,disk,1\n",
     ":2: resource:"),
    ("timestamp,namespace,pod,container,class,resource,value\nx,n,p,c,k,cpu,1\n",
     ":2: timestamp:"),
    ("timestamp,namespace,pod,container,class,resource,value\n1,n,p,c,k,cpu,-1\n",
     ":2: value: negative"),
    ("timestamp,namespace,pod,container,class,resource,value\n1,n,p,c,k,cpu,1\n1,n,p,c,k,cpu,2\n",
     ":3: timestamp: duplicate"),
    ("timestamp,namespace,pod,container,class,resource,value,bogus\n", ":1: header: unknown"),
])
def test_csv_reader_errors_name_file_line_field(tmp_path: Path, text: str, where: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(SeriesFileError) as exc:
        read_csv(p)
    assert str(exc.value).startswith(str(p)) and where in str(exc.value)


def test_csv_reader_refuses_binary(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes(b"timestamp\0\1\2")
    with pytest.raises(SeriesFileError, match="binary"):
        read_csv(p)


# -- strategies -----------------------------------------------------------------------------


def test_weighted_and_tail_quantiles() -> None:
    v = np.arange(1.0, 101.0)
    assert weighted_quantile(v, np.ones(100), 0.95) == 95.0
    # The tail fit extrapolates beyond the maximum for a probability below 1/n.
    assert tail_quantile(v, np.ones(100), 1e-4, 0.1) > 100.0
    assert tail_quantile(v, np.ones(100), 0.5, 0.1) == 50.0


def test_percentile_strategy_is_krr_simple() -> None:
    cpu = np.arange(1, 101) / 100.0
    mem = np.full(100, 2 * GIB)
    mem[10] = 4 * GIB
    r = make_strategy("percentile").recommend({"agent": [_usage("a", cpu, mem)]})["agent"]
    assert r.cpu_request == pytest.approx(np.percentile(cpu, 95))
    assert r.cpu_limit is None
    assert r.mem_request == r.mem_limit == pytest.approx(4 * GIB * 1.15)


def test_vpa_strategy_matches_k8s_vpa_directly() -> None:
    rng = np.random.default_rng(3)
    cpu = rng.uniform(0.1, 0.6, 3 * 1440)
    mem = rng.uniform(1, 3, 3 * 1440) * GIB
    u = _usage("a", cpu, mem, lim_cpu=2.0, req_cpu=1.0)
    r = make_strategy("vpa").recommend({"agent": [u]})["agent"]
    agg = vpa.AggregateContainerState()
    st = vpa.ContainerState({"cpu": 1000, "memory": int(8 * GIB)}, agg)
    for t, c, m in zip(u.cpu_t, cpu, mem):
        st.add_sample(vpa.ContainerUsageSample(float(t), int(c * 1000.0), "cpu"))
        st.add_sample(vpa.ContainerUsageSample(float(t), int(m), "memory"))
    want = vpa.create_pod_resource_recommender().get_recommended_pod_resources({"agent": agg})
    assert r.cpu_request == want["agent"].target["cpu"] / 1000.0
    assert r.mem_request == want["agent"].target["memory"]
    # RequestsAndLimits: the limit keeps the current 2:1 CPU ratio (GetProportionalLimit).
    assert r.cpu_limit == pytest.approx(2 * r.cpu_request)


def test_risk_oom_bump_and_throttling_feedback() -> None:
    cpu = np.full(600, 0.5)
    mem = np.full(600, 2 * GIB)
    plain = make_strategy("risk").recommend({"agent": [_usage("a", cpu, mem)]})["agent"]
    oom = make_strategy("risk").recommend(
        {"agent": [_usage("a", cpu, mem, oom=(T0 + 600,), lim_mem=2.5 * GIB)]})["agent"]
    assert oom.mem_limit is not None and plain.mem_limit is not None
    assert oom.mem_limit >= 2.5 * GIB * 1.2 > plain.mem_limit
    thr = make_strategy("risk").recommend(
        {"agent": [_usage("a", cpu, mem, thr=np.full(600, 0.5))]})["agent"]
    assert thr.cpu_limit is not None and plain.cpu_limit is not None
    assert thr.cpu_limit == pytest.approx(2 * plain.cpu_limit)


def test_strategy_settings_are_validated_by_name() -> None:
    with pytest.raises(StrategyError, match="risk.oom_probability"):
        make_strategy("risk", {"oom_probability": "2"})
    with pytest.raises(StrategyError, match="unknown strategy"):
        make_strategy("magic")


# -- recommend / backtest -------------------------------------------------------------------


def test_recommend_respects_limitrange_and_reports_savings() -> None:
    from provisor.k8s.limitranger import pod_limit_errors
    from provisor.policy import load_policy
    from provisor.render.quota import limit_range

    pol = load_policy(None)
    # Bursty CPU: p99 / max(p95, VPA minAllowed 500m) = 4 > the LimitRange's
    # maxLimitRequestRatio of 2.
    cpu = np.full(1000, 0.1)
    cpu[::20] = 2.0
    mem = np.full(1000, 1 * GIB)
    us = [_usage(f"cleo-{i}", cpu, mem, req_mem=8 * GIB) for i in range(3)]
    rep = run_recommend(us, [make_strategy("risk")], policy=pol)
    a = rep.advice[0]
    assert a.rec.cpu_limit is not None
    assert a.rec.cpu_limit / a.rec.cpu_request <= 2.0 + 1e-9
    assert any("limit/request" in n for n in a.rec.notes)
    pod = {"spec": {"containers": [{"name": "agent", "resources": {
        "requests": {"cpu": f"{round(a.rec.cpu_request * 1000)}m",
                     "memory": str(int(a.rec.mem_request))},
        "limits": {"cpu": f"{round(a.rec.cpu_limit * 1000)}m",
                   "memory": str(int(a.rec.mem_limit or 0))}}}]}}
    assert pod_limit_errors(limit_range(pol), pod) == []
    assert a.savings_gib == pytest.approx((8 * GIB - a.rec.mem_request) / GIB * a.replicas)
    assert a.savings_per_month > 0
    assert rep.totals["risk"]["savings_gib"] == pytest.approx(a.savings_gib)
    # Usage above the LimitRange max: said, not hidden.
    big = [_usage("rex-1", np.full(100, 9.0), np.full(100, 20 * GIB), group="implementation")]
    rec = run_recommend(big, [make_strategy("percentile")], policy=pol).advice[0].rec
    assert rec.mem_request == 16 * GIB and any("cannot fit" in n for n in rec.notes)


def test_backtest_scores_windows() -> None:
    cpu = np.concatenate([np.full(1440, 0.2), np.full(1440, 0.3)])
    mem = np.concatenate([np.full(1440, 1 * GIB), np.full(1440, 3 * GIB)])
    us = [_usage("a", cpu, mem)]
    rep = run_backtest(us, [make_strategy("percentile")], T0 + 1440 * 60 + 1)
    cur, pct = rep.rows
    assert cur.strategy == "current" and cur.oom_events == 0
    assert pct.oom_events == 1  # 3 GiB > 1.15 GiB from the first day: one run, one kill
    assert pct.cpu_slack < 0  # usage above the fitted request in the replay
    assert cur.cost_vs_current == 1.0


def _gwa_report(shared: Path) -> dict:
    res = CliRunner().invoke(app, [
        "recommend", "--series", str(shared / "traces" / "bitbrains-gwa-t-12-rnd"),
        "--series-format", "gwa", "--backtest", "--fit-until", "2013-09-01T00:00:00Z",
        "--format", "json"])
    assert res.exit_code == 0, res.output
    return {r["strategy"]: r for r in json.loads(res.stdout)["backtest"]["rows"]}


def test_backtest_gwa_trace_risk_vs_percentile(shared: Path) -> None:
    rows = _gwa_report(shared)
    assert rows["current"]["containers"] == 6
    # risk: less memory slack than KRR's percentile at no more OOM kills, and far fewer kills
    # than the VPA's target (whose slack is lower: no risk setting beats it on both here).
    assert rows["risk"]["mem_slack"] < rows["percentile"]["mem_slack"]
    assert rows["risk"]["oom_events"] <= rows["percentile"]["oom_events"]
    assert rows["risk"]["oom_events"] < rows["vpa"]["oom_events"]
    assert rows["risk"]["cost_vs_current"] < 1


def test_backtest_alibaba_genai_trace_risk_beats_both(shared: Path) -> None:
    trace = shared / "traces" / "alibaba" / "cluster-trace-v2026-GenAI" / "pod_memory_util_anon.csv"
    res = CliRunner().invoke(app, [
        "recommend", "--series", str(trace), "--series-format", "alibaba-genai", "--backtest",
        "--fit-until", "1662916320", "--format", "json"])  # fit on the first 16 of 23 hours
    assert res.exit_code == 0, res.output
    rows = {r["strategy"]: r for r in json.loads(res.stdout)["backtest"]["rows"]}
    for other in ("vpa", "percentile"):
        assert rows["risk"]["mem_slack"] < rows[other]["mem_slack"]
        assert rows["risk"]["oom_events"] <= rows[other]["oom_events"]


# -- CLI ------------------------------------------------------------------------------------


def test_cli_outputs_and_refuses_overwrite(tmp_path: Path) -> None:
    p = tmp_path / "u.csv"
    p.write_text(_csv_text())
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["recommend", "--series", str(p), "-f", "json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert {a["strategy"] for a in data["recommendations"]} == {"vpa", "percentile", "risk"}
    vpa_rec = next(a for a in data["recommendations"] if a["strategy"] == "vpa")
    assert vpa_rec["bounds"]["lower"]["cpu"] <= vpa_rec["requests"]["cpu"] <= \
        vpa_rec["bounds"]["upper"]["cpu"]
    before = out.read_text()
    r = CliRunner().invoke(app, ["recommend", "--series", str(p), "-f", "csv", "-o", str(out)])
    assert r.exit_code == 2 and "exists" in r.output and out.read_text() == before
    for fmt in ("csv", "yaml", "table"):
        r = CliRunner().invoke(app, ["recommend", "--series", str(p), "-f", fmt, "-s", "risk"])
        assert r.exit_code == 0 and "implementation" in r.output
    r1 = CliRunner().invoke(app, ["recommend", "--series", str(p), "-f", "json"])
    r2 = CliRunner().invoke(app, ["recommend", "--series", str(p), "-f", "json"])
    assert r1.output == r2.output


def test_cli_patch_writes_a_policy_that_renders_and_checks(tmp_path: Path) -> None:
    p = tmp_path / "u.csv"
    p.write_text(_csv_text())
    patched = tmp_path / "policy.yaml"
    r = CliRunner().invoke(app, ["recommend", "--series", str(p), "-s", "risk", "--patch",
                                 str(patched), "-f", "json"])
    assert r.exit_code == 0, r.output
    from provisor.policy import load_policy

    pol = load_policy(patched)
    tier = pol.tiers["implementation"]["claude-3-5-sonnet"]
    assert tier.requests.memory < load_policy(None).tiers["implementation"][
        "claude-3-5-sonnet"].requests.memory
    bundle = tmp_path / "bundle"
    r = CliRunner().invoke(app, ["plan", str(patched), "-o", str(bundle)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["recommend", "--series", str(p), "--patch", str(patched)])
    assert r.exit_code == 2  # exists, no --force


def test_cli_bad_input_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,namespace\n")
    r = CliRunner().invoke(app, ["recommend", "--series", str(bad)])
    assert r.exit_code == 2 and "bad.csv:1" in r.output
    r = CliRunner().invoke(app, ["recommend"])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["recommend", "--series", str(bad), "--backtest"])
    assert r.exit_code == 2 and "--fit-until" in r.output
    r = CliRunner().invoke(app, ["recommend", "--list-settings"])
    assert r.exit_code == 0 and "risk.oom_probability" in r.output


def test_alibaba_reader(tmp_path: Path) -> None:
    from provisor.series.traces import read_alibaba_genai

    p = tmp_path / "m.csv"
    p.write_text("value,timestamp_anon,container_ip\n0.5,100.0,abc\n0.25,157.0,abc\n"
                 "-0.00001,100.0,def\n0.1,100.0,NULL\n")
    us = usage_from_series(read_alibaba_genai(p, 8 * GIB))
    assert [u.pod for u in us] == ["c-abc", "c-def"]
    assert us[0].mem.tolist() == [4 * GIB, 2 * GIB] and us[0].limit_mem == 8 * GIB
    p.write_text("value,timestamp_anon,container_ip\n7,100.0,abc\n")
    with pytest.raises(SeriesFileError, match=":2: value"):
        read_alibaba_genai(p)


_ = dt


# -- properties and sources -----------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(cpu_req=st.floats(0.0005, 8), cpu_lim=st.one_of(st.none(), st.floats(0.0005, 16)),
       mem_req=st.floats(1e6, 40 * GIB), mem_lim=st.one_of(st.none(), st.floats(1e6, 40 * GIB)))
def test_constrained_advice_passes_the_limitranger(cpu_req: float, cpu_lim: float | None,
                                                   mem_req: float, mem_lim: float | None) -> None:
    """Whatever a strategy says, after the policy's constraints the pod is admitted by the
    exact LimitRanger validation (provisor.k8s.limitranger.pod_limit_errors), or a note says
    it cannot fit."""
    from provisor.k8s.limitranger import pod_limit_errors
    from provisor.policy import load_policy
    from provisor.recommend.constraints import _quantities, apply_policy_constraints
    from provisor.recommend.strategies import Recommendation
    from provisor.recommend.usage import GroupKey

    pol = load_policy(None)
    key = GroupKey("agent-platform", "quality", "claude-3-5-sonnet", "agent")
    rec = Recommendation(cpu_req, cpu_lim, mem_req, mem_lim)
    apply_policy_constraints(pol, {key: rec})
    req, lim = _quantities(rec)
    pod = {"spec": {"containers": [{"name": "agent",
                                    "resources": {"requests": req, "limits": lim}}]}}
    from provisor.render.quota import limit_range

    errors = pod_limit_errors(limit_range(pol), pod)
    assert not errors or any("cannot fit" in n for n in rec.notes)
    vmin = float(pol.agent_vpa.min_allowed["cpu"].value)
    assert rec.cpu_request >= vmin




def test_twin_source_reads_a_run_directly() -> None:
    from provisor.recommend.sources import TwinSource

    class Run:  # what provisor.sim.simulate returns: .series() -> SeriesSet
        def series(self):  # noqa: ANN202
            from provisor.series import SeriesSet

            t = T0 + 60 * np.arange(50)
            base = {"namespace": "agent-platform", "pod": "tess-1", "container": "agent"}
            return SeriesSet([
                Series({"__name__": "container_cpu_usage_seconds_total", **base}, t,
                       0.3 * (t - T0)),
                Series({"__name__": "container_memory_working_set_bytes", **base}, t,
                       np.full(50, 2 * GIB)),
                Series({"__name__": "kube_pod_labels", "namespace": "agent-platform",
                        "pod": "tess-1", "label_provisor_dev_agent": "tess"}, t, np.ones(50)),
            ])

    us = TwinSource(Run()).load()
    assert len(us) == 1 and us[0].group == "tess" and np.allclose(us[0].cpu, 0.3)


def test_report_does_not_depend_on_series_order() -> None:
    from provisor.recommend.output import render

    rng = np.random.default_rng(5)
    series = []
    t = T0 + 60 * np.arange(300)
    for i in range(6):
        base = {"namespace": "agent-platform", "pod": f"p-{i}", "container": "agent",
                "label_provisor_dev_tier": "testing" if i % 2 else "quality"}
        series.append(Series({"__name__": "container_cpu_usage_seconds_total", **base}, t,
                             np.cumsum(rng.uniform(0, 60, 300))))
        series.append(Series({"__name__": "container_memory_working_set_bytes", **base}, t,
                             rng.uniform(1, 2, 300) * GIB))
    strategies = [make_strategy(n) for n in ("vpa", "percentile", "risk")]
    a = render(run_recommend(usage_from_series(series), strategies), "json")
    shuffled = list(series)
    random.Random(3).shuffle(shuffled)
    b = render(run_recommend(usage_from_series(shuffled), strategies), "json")
    assert a == b


def test_quota_that_cannot_hold_the_advice_is_said() -> None:
    from provisor.policy import load_policy

    pol = load_policy(None)
    # 15 GiB per run of every class at max concurrency is far above quota.hard.
    us = [_usage(f"{cls}-1", np.full(200, 3.0), np.full(200, 15 * GIB), group=cls)
          for cls in ("implementation", "quality", "testing")]
    rep = run_recommend(us, [make_strategy("percentile")], policy=pol)
    assert any("cannot fit the quota" in n for n in rep.notes)
    assert all(any("cannot fit the quota" in n for n in a.rec.notes) for a in rep.advice)


def test_oom_kills_from_cadvisor_or_else_kube_state_metrics() -> None:
    t = T0 + 60 * np.arange(6)
    base = {"namespace": "ns", "pod": "p", "container": "agent"}
    mem = Series({"__name__": "container_memory_working_set_bytes", **base}, t, np.ones(6))
    ksm = Series({"__name__": "kube_pod_container_status_last_terminated_reason", **base,
                  "reason": "OOMKilled"}, t, np.array([0, 1, 1, 0, 1, 1.0]))
    cad = Series({"__name__": "container_oom_events_total", **base}, t,
                  np.array([0, 1, 1, 1, 3, 3.0]))
    assert usage_from_series([mem, ksm])[0].oom_t.tolist() == [t[1], t[4]]
    # with cAdvisor's counter, its kills alone (two in the fifth interval), never both
    assert usage_from_series([mem, ksm, cad])[0].oom_t.tolist() == [t[1], t[4], t[4]]


def test_policy_prices_section() -> None:
    from provisor.policy import PolicyError, dump_policy, load_policy, parse_policy_text

    text = dump_policy(load_policy(None))
    assert "prices:" in text and "cpu_core_hour" in text
    custom = text.replace("cpu_core_hour: 0.031611", "cpu_core_hour: 0.05")
    assert parse_policy_text(custom).prices.cpu_core_hour == 0.05
    with pytest.raises(PolicyError, match="prices.memory_gib_hour"):
        parse_policy_text(text.replace("memory_gib_hour: 0.004237", "memory_gib_hour: -1"))


@pytest.mark.parametrize("kind, name, want", [
    ("ReplicaSet", "coderun-controller-7d9f8b6c5d", "coderun-controller"),
    ("Job", "coderun-rex-29012345", "coderun-rex"),
    ("Job", "nightly-build", "nightly-build"),
    ("StatefulSet", "db", "db"),
    ("<none>", "<none>", ""),
])
def test_workload_of_owner(kind: str, name: str, want: str) -> None:
    from provisor.recommend.usage import workload_of_owner

    assert workload_of_owner(kind, name) == want


@pytest.mark.parametrize("pod, want", [
    ("coderun-controller-7d9f8b6c5d-x2k9p", "coderun-controller"),
    ("coderun-rex-29012345-abcde", "coderun-rex"),
    ("migrate-q8w7e", "migrate"),
    ("prometheus-k8s-0", "prometheus-k8s"),
    ("standalone", "standalone"),
])
def test_workload_of_pod(pod: str, want: str) -> None:
    from provisor.recommend.usage import workload_of_pod

    assert workload_of_pod(pod) == want


def test_group_by_workload_without_class_labels() -> None:
    t = T0 + 60 * np.arange(5)
    out = []
    for pod in ("api-7d9f8b6c5d-aaaaa", "api-7d9f8b6c5d-bbbbb", "job-x-ccccc"):
        base = {"namespace": "ns", "pod": pod, "container": "main"}
        out.append(Series({"__name__": "container_memory_working_set_bytes", **base}, t,
                          np.ones(5)))
    out.append(Series({"__name__": "kube_pod_owner", "namespace": "ns", "pod": "job-x-ccccc",
                       "owner_kind": "Job", "owner_name": "nightly-29012345"}, t, np.ones(5)))
    groups = sorted({u.group for u in usage_from_series(out)})
    assert groups == ["api", "nightly"]
