"""``provisor simulate --compare`` (``provisor.sim.compare``): the same load for both policies
(common random numbers), the diff and the flips, the JSON shape of docs/sweep.md, the CLI."""

from __future__ import annotations

import json

import yaml

from provisor.sim.compare import align, compare
from simkit import inputs, one_stage, pod_template


def _pair():
    wl = one_stage("rex", {"kind": "lognormal", "median": 600, "p95": 1200}, rate=6,
                   memory={"start": "100Mi", "peak": {"kind": "lognormal", "median": 700 * 2**20,
                                                      "p95": 1400 * 2**20}, "noise": 0.02},
                   cpu={"base": "500m", "burst": "2", "burst_share": 0.2})
    small = pod_template("coderun-rex", cpu="1", mem="512Mi", max_concurrency=3,
                         limits={"cpu": "2", "memory": "1Gi"})
    big = pod_template("coderun-rex", cpu="1", mem="4Gi", max_concurrency=3,
                       limits={"cpu": "2", "memory": "4Gi"})
    a = inputs([small], wl, nodes="2x cpu=8,memory=16Gi")
    b = inputs([big], wl, nodes="3x cpu=4,memory=8Gi")        # another cluster: aligned on A's
    return a, b


def test_both_policies_see_the_same_load_and_the_flip_is_reported():
    a, b = _pair()
    cmp = compare(a, b, days=0.5, seed=4)
    assert len(align(a, b).nodes) == 2                     # B runs on A's cluster
    sa, sb = cmp.a.summary, cmp.b.summary
    assert sa["workflows_arrived"] == sb["workflows_arrived"] > 0   # common random numbers
    assert sa["oom_kills"] > 0 and sb["oom_kills"] == 0
    flips = {f["metric"]: (f["from"], f["to"]) for f in cmp.flips()}
    assert flips["oom-kills"] == ("fail", "pass")
    row = next(r for r in cmp.diff() if r["metric"] == "oom-kills")
    assert row["delta"] == row["b"] - row["a"] < 0
    doc = cmp.to_json()
    assert set(doc) == {"a", "b", "diff", "flips", "summary_diff"}
    assert doc["a"]["scorecard"] and doc["b"]["seed"] == 4
    assert set(doc["diff"][0]) == {"metric", "name", "unit", "target", "a", "b", "delta",
                                   "status_a", "status_b"}
    keys = [r["key"] for r in doc["summary_diff"]]
    assert keys == sorted(keys) and "oom_kills" in keys


def test_a_policy_against_itself_has_no_differences():
    a, _ = _pair()
    cmp = compare(a, a, days=0.2, seed=1)
    assert cmp.flips() == []
    assert all(r["delta"] in (0, None) for r in cmp.diff())
    assert json.dumps(cmp.to_json()["a"], sort_keys=True) == \
        json.dumps(cmp.to_json()["b"], sort_keys=True)


def test_cli_compare(tmp_path, cli):
    r = cli("policy", "show")
    assert r.returncode == 0
    pol = yaml.safe_load(r.stdout)
    pol["agents"]["rex"]["max_concurrency"] = 1
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(pol, sort_keys=False))
    r = cli("simulate", "--days", "0.1", "--compare", str(b), "--format", "json", timeout=300)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) == {"a", "b", "diff", "flips", "summary_diff"}
    assert doc["a"]["summary"]["workflows_arrived"] == doc["b"]["summary"]["workflows_arrived"]
    r = cli("simulate", "--days", "0.1", "--compare", str(b), timeout=300)
    assert r.returncode == 0 and "B - A" in r.stdout and "flips:" in r.stdout
    notpol = tmp_path / "x.yaml"
    notpol.write_text("kind: ConfigMap\n")
    r = cli("simulate", "--days", "0.1", "--compare", str(notpol))
    assert r.returncode == 2 and "not a policy file" in r.stderr
