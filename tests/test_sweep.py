"""``provisor sweep`` and ``provisor tune``: the file formats (errors by file, line and field),
grid expansion and content keys, aggregation statistics, a real Dask LocalCluster run with
the cache and a failing run, the plot, and tune's search and cost arithmetic."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest

from provisor.policy import load_policy
from provisor.sim.sweep import (
    Aggregate,
    RunResult,
    SweepFileError,
    aggregate,
    load_sweep,
    plot_sweep,
    run_sweep,
    sweep_csv,
    sweep_json,
    t_quantile_975,
)
from provisor.sim.tune import _lattice, fit_quota, load_tune, monthly_cost, Range

REPO = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


# ------------------------------------------------------------------ the file


def test_example_expands_in_grid_order():
    spec, runs = load_sweep(REPO / "examples" / "sweep.yaml")
    assert len(runs) == 3 * 2 * 2 * 2
    assert [r.index for r in runs] == list(range(len(runs)))
    first = runs[0]
    assert dict(first.variant) == {"quota.hard.requests.memory": "96Gi",
                                   "agents.rex.max_concurrency": 1}
    assert (first.scenario, first.seed) == ("steady", 0)
    # the capacity plan's objection is kept as a note, and the variant is still simulated
    assert any("96Gi" in n for n in runs[0].notes)
    assert not any(r.notes for r in runs if dict(r.variant)["quota.hard.requests.memory"] == "144Gi"
                   and dict(r.variant)["agents.rex.max_concurrency"] == 1)
    keys = [r.key for r in runs]
    assert len(set(keys)) == len(keys)                    # every run its own content key
    assert keys == [r.key for r in load_sweep(REPO / "examples" / "sweep.yaml")[1]]


@pytest.mark.parametrize("body,where", [
    ("days: 1\ngrid:\n  agnets.rex.max_concurrency: [1]\n", "did you mean 'agents'"),
    ("days: -1\n", ":1: days:"),
    ("days: 1\nseeds: [1, 1]\n", ":2: seeds:"),
    ("days: 1\nbogus: 3\n", ":2: bogus:"),
    ("days: 1\nscenarios:\n  s: [no-such-file.yaml]\n", ":3: scenarios.s.0:"),
    ("- a list\n", "a sweep file is a mapping"),
])
def test_bad_files_name_line_and_field(tmp_path, body, where):
    p = _write(tmp_path, body)
    with pytest.raises(SweepFileError) as exc:
        load_sweep(p)
    assert str(p) in str(exc.value) and where in str(exc.value)


def test_hostile_sweep_file_goes_through_the_hardened_reader(tmp_path):
    bomb = _write(tmp_path, 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f'{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n'
        for p, c in zip("abcdefgh", "bcdefghi")))
    with pytest.raises(SweepFileError, match="alias"):
        load_sweep(bomb)


# ------------------------------------------------------------------ statistics


def test_t_quantiles_match_the_table():
    # Student's t, two-sided 95%: df 1 -> 12.706, 2 -> 4.303, 10 -> 2.228, 30 -> 2.042
    for df, want in ((1, 12.706), (2, 4.303), (10, 2.228), (30, 2.042)):
        assert t_quantile_975(df) == pytest.approx(want, abs=5e-4)


def _fake_results():
    _, runs = load_sweep(REPO / "examples" / "sweep.yaml")
    out = []
    for r in runs[:4]:                      # one variant: 2 scenarios x 2 seeds
        v = 0.5 + 0.1 * r.seed
        out.append(RunResult(r, {"cpu-utilization": {"value": v, "unit": "ratio",
                                                     "target": "0.6..0.8",
                                                     "status": "pass" if 0.6 <= v <= 0.8 else "fail"}}))
    return out


def test_aggregate_mean_ci_and_pass_rate():
    aggs = aggregate(_fake_results())
    a = [x for x in aggs if x.scenario == "steady"][0]
    assert isinstance(a, Aggregate)
    assert a.n == 2 and a.mean == pytest.approx(0.55)
    sd = math.sqrt(((0.5 - 0.55) ** 2 + (0.6 - 0.55) ** 2) / 1)
    assert a.std == pytest.approx(sd)
    half = 12.706204736 * sd / math.sqrt(2)
    assert a.ci_low == pytest.approx(0.55 - half, rel=1e-6)
    assert a.ci_high == pytest.approx(0.55 + half, rel=1e-6)
    assert a.pass_rate == 0.5
    csv_text = sweep_csv(aggs)
    assert csv_text.splitlines()[0].startswith("quota.hard.requests.memory,agents.rex.max_concurrency,")


# ------------------------------------------------------------------ a real Dask run


@pytest.mark.slow
def test_sweep_on_a_local_cluster_with_cache(tmp_path):
    p = _write(tmp_path, """\
        days: 0.05
        seeds: 2
        grid:
          agents.rex.max_concurrency: [1, 2]
        scenarios:
          steady: [steady]
    """)
    spec, runs = load_sweep(p)
    cache = tmp_path / "cache"
    seen = []
    results = run_sweep(runs, workers=2, cache_dir=cache,
                        progress=lambda r, done, total: seen.append((done, total)))
    assert [r.spec.index for r in results] == [0, 1, 2, 3]
    assert seen[-1] == (4, 4) and not any(r.error for r in results)
    assert all("cpu-utilization" in r.metrics for r in results)
    # a second sweep over the same file reruns nothing
    again = run_sweep(runs, workers=1, cache_dir=cache)
    assert all(r.cached for r in again)
    assert [r.metrics for r in again] == [r.metrics for r in results]
    # the same seed gives the same numbers (determinism across workers)
    text = sweep_json(spec, results, aggregate(results))
    assert text == sweep_json(spec, again, aggregate(again))
    out = tmp_path / "plot.svg"
    plot_sweep(spec, results, out)
    first = out.read_bytes()
    plot_sweep(spec, results, out, overwrite=True)
    assert out.read_bytes() == first                       # deterministic SVG
    with pytest.raises(FileExistsError):
        plot_sweep(spec, results, out)


def test_a_bad_workload_file_stops_the_sweep_before_anything_runs(tmp_path):
    wl = _write(tmp_path, "this: is not a workload\n", "bad-workload.yaml")
    p = _write(tmp_path, f"""\
        days: 0.05
        seeds: 1
        workloads: {{good: null, bad: {wl.name}}}
    """)
    with pytest.raises(SweepFileError) as exc:
        load_sweep(p)
    msg = str(exc.value)
    assert f"{p}:3: workloads.bad:" in msg and "bad-workload.yaml" in msg


def test_workload_files_are_resolved_where_they_are(tmp_path):
    # an empirical durations file next to the workload file (not next to the worker's cwd)
    from provisor.policy import load_policy as lp

    sub = tmp_path / "wl"
    sub.mkdir()
    (sub / "durations.txt").write_text("60\n120\n")
    wl = lp(None).workload.model_dump(mode="json")
    wl["workflows"][0]["stages"][0]["duration"] = {"kind": "empirical", "file": "durations.txt"}
    import yaml

    (sub / "w.yaml").write_text(yaml.safe_dump(wl))
    p = _write(tmp_path, "days: 0.01\nseeds: 1\nworkloads: {emp: wl/w.yaml}\n")
    _, runs = load_sweep(p)
    doc = json.loads(runs[0].workload_yaml)
    assert doc["workflows"][0]["stages"][0]["duration"]["values"] == [60.0, 120.0]
    # the file's content is part of the run's identity (the cache key)
    (sub / "durations.txt").write_text("60\n121\n")
    assert load_sweep(p)[1][0].key != runs[0].key


def test_a_trace_as_a_workload(tmp_path):
    (tmp_path / "pods.csv").write_text("start,end,class,cpu_request,memory_request\n"
                                       "0,300,batch,1,1Gi\n10,200,batch,500m,512Mi\n")
    p = _write(tmp_path, "days: 0.01\nseeds: 1\nworkloads: {replay: pods.csv}\n")
    _, runs = load_sweep(p)
    assert runs[0].trace_csv is not None and runs[0].workload_yaml is None
    from provisor.sim.sweep import run_one

    out = run_one(runs[0])
    assert out["summary"]["workflows_arrived"] == 2.0
    (tmp_path / "pods.csv").write_text("start,end,class\n5,1,batch\n")
    with pytest.raises(SweepFileError, match="pods.csv:2: end"):
        load_sweep(p)


@pytest.mark.slow
def test_a_failing_run_is_reported_not_dropped(tmp_path):
    import dataclasses

    p = _write(tmp_path, """\
        days: 0.05
        seeds: 2
    """)
    spec, runs = load_sweep(p)
    # a run whose inputs the twin refuses (here: a policy that no longer validates)
    runs[1] = dataclasses.replace(runs[1], policy_json='{"name": "broken"}')
    results = run_sweep(runs, workers=1, cache_dir=tmp_path / "cache")
    assert results[0].error is None and results[0].metrics
    assert results[1].error and "ValidationError" in results[1].error
    doc = json.loads(sweep_json(spec, results, aggregate(results)))
    assert doc["failed_runs"] == 1 and doc["runs"][1]["error"]
    assert not list((tmp_path / "cache").glob(f"{runs[1].key}.json"))   # failures not cached


# ------------------------------------------------------------------ tune


def test_lattice_keeps_units():
    assert _lattice("x", Range(min="500m", max="2", step="250m")) == [
        "500m", "750m", "1", "1250m", "1500m", "1750m", "2"]
    assert _lattice("x", Range(min="6Gi", max="12Gi", step="2Gi")) == ["6Gi", "8Gi", "10Gi", "12Gi"]
    assert _lattice("x", Range(min=1, max=3, step=1)) == [1, 2, 3]
    with pytest.raises(ValueError):
        _lattice("x", Range(min="2", max="1", step="1"))


def test_cost_and_quota_fit_arithmetic():
    pol = load_policy(None)
    total, detail = monthly_cost(pol)
    hard = pol.quota.hard
    cores = float(hard["requests.cpu"].value)
    gib = float(hard["requests.memory"].value) / 2**30
    assert detail["cpu"] == pytest.approx(cores * pol.prices.cpu_core_hour * 730)
    assert detail["memory"] == pytest.approx(gib * pol.prices.memory_gib_hour * 730)
    assert total == pytest.approx(sum(detail.values()))
    fit = fit_quota(pol)
    planned = pol.planned_demand()
    need = planned["requests.memory"] * (1 + pol.quota.buffer)
    assert fit["quota.hard.requests.memory"] == f"{math.ceil(need / 2**30)}Gi"


@pytest.mark.slow
def test_tune_finds_a_cheaper_feasible_policy(tmp_path):
    p = _write(tmp_path, """\
        days: 0.1
        seeds: 2
        search:
          tiers.quality.claude-3-5-sonnet.requests.cpu: {min: 250m, max: "1", step: 250m}
        targets: [quota-failed-runs, oom-kills]
        budget: 8
    """, "tune.yaml")
    tuner = load_tune(p)
    result = tuner.run(workers=2, cache_dir=tmp_path / "cache")
    assert result.best is not None and result.best.feasible
    assert result.best.cost <= result.baseline.cost
    assert result.saving is not None and result.saving >= 0
    assert not result.best.check_errors
    assert len(result.tried) <= 8


def _fake_tuner(tmp_path, search: str, feasible, budget: int = 40):
    """A Tuner whose evaluation is a function of the candidate's point (no simulation): the
    search logic alone."""
    from provisor.sim.tune import Tuner

    p = _write(tmp_path, f"days: 0.01\nseeds: 1\nsearch:\n{search}\nbudget: {budget}\n",
               "tune.yaml")
    t = load_tune(p)

    class Fake(Tuner):
        def evaluate(self, cands, *, client, cache_dir, progress):
            for c in cands:
                ok = c.point == () or feasible(dict(c.point))
                c.runs = []
                c.failed_targets = [] if ok else ["oom-kills"]
                c.violation_count = 0 if ok else 1
                c.check_errors = []
                c.feasible = ok

    f = Fake(t.spec, t.base, t.dims, t.workloads, t.scenarios)
    return f, f._search(None, None, None)


def _cores(v):
    from provisor.quantity import Quantity

    return float(Quantity.parse(str(v)).value)


def test_tune_search_descends_to_the_cheapest_feasible_corner(tmp_path):
    search = ("  tiers.implementation.claude-3-5-sonnet.requests.cpu: "
              "{min: 250m, max: \"2\", step: 250m}\n"
              "  tiers.testing.claude-3-5-sonnet.requests.cpu: {min: 500m, max: \"2\", step: 500m}")
    impl = "tiers.implementation.claude-3-5-sonnet.requests.cpu"
    test = "tiers.testing.claude-3-5-sonnet.requests.cpu"
    tuner, res = _fake_tuner(tmp_path, search,
                             lambda pt: _cores(pt[impl]) >= 1.0 and _cores(pt[test]) >= 1.5)
    assert res.best is not None
    assert dict(res.best.point) == {impl: "1", test: "1500m"}
    assert res.saving is not None and res.saving > 0
    assert len(res.tried) <= 40
    points = [tuple(sorted(c.point)) for c in res.tried]
    assert len(points) == len(res.tried)                      # no point evaluated twice
    assert len({tuple(c.point) for c in res.tried}) == len(res.tried)


def test_tune_search_repairs_an_infeasible_start(tmp_path):
    # the base (16Gi) is infeasible; only 20Gi or more is: the search moves up, then stays
    search = "  tiers.testing.claude-3-5-sonnet.requests.memory: {min: 8Gi, max: 24Gi, step: 4Gi}"
    path = "tiers.testing.claude-3-5-sonnet.requests.memory"
    body = search + ("\n  limit_range.container.max.memory: [24Gi]"
                     "\n  limit_range.container.default.memory: [24Gi]"
                     "\n  limit_range.container.default_request.memory: [24Gi]")
    tuner, res = _fake_tuner(tmp_path, body, lambda pt: _cores(pt[path]) >= 20 * 2**30)
    assert res.best is not None and dict(res.best.point)[path] == "20Gi"


def test_tune_budget_and_no_feasible_point(tmp_path):
    search = ("  tiers.implementation.claude-3-5-sonnet.requests.cpu: "
              "{min: 250m, max: \"2\", step: 250m}")
    tuner, res = _fake_tuner(tmp_path, search, lambda pt: False, budget=4)
    assert res.best is None and len(res.tried) <= 3            # the baseline counts too


def test_tune_file_errors(tmp_path):
    p = _write(tmp_path, "search:\n  tiers.nope.requests.cpu: [1]\n", "tune.yaml")
    with pytest.raises(SweepFileError, match=r"tune.yaml:2: search: .*no key 'nope'"):
        load_tune(p)
    p = _write(tmp_path, "search: {}\n", "tune.yaml")
    with pytest.raises(SweepFileError, match="search"):
        load_tune(p)


@pytest.mark.slow
def test_sweep_and_tune_cli(tmp_path, cli):
    p = _write(tmp_path, """\
        days: 0.02
        seeds: 1
        grid:
          agents.rex.max_concurrency: [1, 2]
    """)
    out, plot = tmp_path / "out.json", tmp_path / "plot.png"
    r = cli("sweep", str(p), "--format", "json", "-o", str(out), "--plot", str(plot),
            "--workers", "1", "--cache", str(tmp_path / "cache"), timeout=600)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert len(doc["runs"]) == 2 and doc["failed_runs"] == 0
    assert plot.read_bytes()[:4] == b"\x89PNG"
    r = cli("sweep", str(p), "-o", str(out), "--workers", "1")
    assert r.returncode == 2 and "--force" in r.stderr            # never overwrites
    t = _write(tmp_path, """\
        days: 0.02
        seeds: 1
        search:
          tiers.quality.claude-3-5-sonnet.requests.cpu: [500m, "1"]
        targets: [quota-failed-runs]
        budget: 3
    """, "tune.yaml")
    best = tmp_path / "best.yaml"
    r = cli("tune", str(t), "-o", str(best), "--workers", "1", "--cache",
            str(tmp_path / "cache"), timeout=600)
    assert r.returncode == 0, r.stderr
    assert "saving" in r.stdout and best.read_text().startswith("# written by provisor tune")
    r = cli("policy", "validate", str(best))
    assert r.returncode == 0, r.stdout + r.stderr
