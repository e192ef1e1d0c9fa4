"""The command line end to end (issue 2): plan, render, check, policy, exit codes, and
hostile input, all through a real subprocess."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import run_cli

SEED = "seed/manifests"


def _findings(proc) -> list[dict]:
    return json.loads(proc.stdout)["findings"]


def _has(findings, rule, file_end, line, kind=None, name=None) -> bool:
    return any(
        f["rule"] == rule and f["file"].endswith(file_end) and f["line"] == line
        and (kind is None or f["object"]["kind"] == kind)
        and (name is None or f["object"]["name"] == name)
        for f in findings)


# -- plan / render ------------------------------------------------------------------------
def test_plan_writes_bundle_and_checks_clean(tmp_path: Path) -> None:
    out = tmp_path / "provisor-out"
    p = run_cli("plan", "-o", str(out), timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (out / "kustomization.yaml").is_file()
    assert "Departures from the spec" in p.stdout
    assert "0 errors" in p.stdout
    # the 7-day simulation of the policy's workload, with the spec's scorecard (issue 8)
    assert "Simulation (7 days" in p.stdout and "Scorecard" in p.stdout
    assert "CPU utilization of agent pods" in p.stdout and "not computed" in p.stdout
    # The folder is not empty any more: a second plan needs --force and then replaces it.
    (out / "stray.txt").write_text("left by hand")
    p2 = run_cli("plan", "-o", str(out))
    assert p2.returncode == 2 and "--force" in p2.stderr
    assert len(p2.stderr.strip().splitlines()) == 1
    p3 = run_cli("plan", "-o", str(out), "--force", "--days", "0")
    assert p3.returncode == 0, p3.stderr
    assert not (out / "stray.txt").exists()


def test_fail_on_scorecard_makes_a_failing_target_an_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "o"
    p = run_cli("plan", "-o", str(out), "--days", "1", "--fail-on-scorecard", timeout=300)
    verdict = [ln for ln in p.stdout.splitlines() if ln.startswith("scorecard:")]
    assert len(verdict) == 1, p.stdout
    fails = " fail: " in verdict[0]
    assert p.returncode == (1 if fails else 0), p.stdout + p.stderr
    assert fails      # the default workload's assumed distributions fail some targets
    # without a simulation there is no scorecard to fail
    p = run_cli("plan", "-o", str(out), "--force", "--days", "0", "--fail-on-scorecard")
    assert p.returncode == 0, p.stderr


def test_render_then_check_exits_zero(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    assert run_cli("render", "-o", str(out)).returncode == 0
    p = run_cli("check", str(out), "--format", "json")
    assert p.returncode == 0, p.stdout
    assert not [f for f in _findings(p) if f["severity"] != "info"]


def test_render_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_cli("render", "-o", str(a)).returncode == 0
    assert run_cli("render", "-o", str(b)).returncode == 0
    fa = sorted(p.relative_to(a) for p in a.rglob("*"))
    assert fa == sorted(p.relative_to(b) for p in b.rglob("*"))
    for rel in fa:
        if (a / rel).is_file():
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_policy_show_and_validate(tmp_path: Path) -> None:
    p = run_cli("policy", "show")
    assert p.returncode == 0 and "agent-platform" in p.stdout
    good = tmp_path / "policy.yaml"
    good.write_text(p.stdout)
    assert run_cli("policy", "validate", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(p.stdout.replace("max_concurrency: 2", "max_concurrency: -3", 1))
    v = run_cli("policy", "validate", str(bad))
    assert v.returncode == 2
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1)
                if "max_concurrency: -3" in t)
    assert f"{bad}:{line}:" in v.stdout and "max_concurrency" in v.stdout


def test_bad_policy_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\nunknown_field: 1\n")
    p = run_cli("render", str(bad), "-o", str(tmp_path / "out"))
    assert p.returncode == 2
    assert str(bad) in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()


# -- check on the spec's manifests ----------------------------------------------------------
def test_check_seed_schema_level_mistakes(shared: Path) -> None:
    p = run_cli("check", str(shared / SEED), "--format", "json")
    assert p.returncode == 1
    fs = _findings(p)
    # The Argo HPA's `type: Custom`: pointed at the `type:` key of the metric (line 20), and
    # the schema's unknown field `custom` at its own key (line 21).
    assert _has(fs, "hpa/metric-source", "hpa-argo-workflows-server.yaml", 20,
                "HorizontalPodAutoscaler", "argo-workflows-server-hpa")
    assert _has(fs, "schema/invalid", "hpa-argo-workflows-server.yaml", 21,
                "HorizontalPodAutoscaler", "argo-workflows-server-hpa")
    # The VPA's targetRef: a Pod, with a `selector` and no `name`.
    assert _has(fs, "schema/invalid", "vpa-agent-pods.yaml", 10, "VerticalPodAutoscaler")
    assert _has(fs, "schema/invalid", "vpa-agent-pods.yaml", 7, "VerticalPodAutoscaler")
    assert _has(fs, "vpa/target-ref", "vpa-agent-pods.yaml", 9, "VerticalPodAutoscaler")
    # The two tables are not Kubernetes objects; the dashboard is recognised.
    assert _has(fs, "input/unrecognized", "agent-resource-specs.yaml", 2)
    assert _has(fs, "input/unrecognized", "pvc-specifications.yaml", 2)
    assert not any(f["file"].endswith("grafana-dashboard.json") and
                   f["rule"] == "input/unrecognized" for f in fs)
    # Outside references are information, never errors.
    for f in fs:
        if f["rule"] == "hpa/target-not-found":
            assert f["severity"] == "info"


def test_check_text_format_groups_by_file(shared: Path) -> None:
    p = run_cli("check", str(shared / SEED / "hpa-argo-workflows-server.yaml"))
    assert p.returncode == 1
    assert "hpa-argo-workflows-server.yaml:20" in p.stdout
    assert "error" in p.stdout and "hpa/metric-source" in p.stdout
    assert "fix:" in p.stdout


def test_fail_on_levels(shared: Path) -> None:
    f = str(shared / SEED / "agent-resource-specs.yaml")   # only an info finding
    assert run_cli("check", f).returncode == 0
    assert run_cli("check", f, "--fail-on", "info").returncode == 1
    assert run_cli("check", f, "--fail-on", "bogus").returncode == 2


def test_check_stdin(shared: Path) -> None:
    text = (shared / SEED / "hpa-argo-workflows-server.yaml").read_text()
    p = run_cli("check", "-", "--format", "json", input=text)
    assert p.returncode == 1
    assert _has(_findings(p), "hpa/metric-source", "-", 20)


def test_list_rules_and_explain() -> None:
    p = run_cli("check", "--list-rules")
    assert p.returncode == 0 and "hpa/metric-source" in p.stdout
    e = run_cli("check", "--explain", "hpa/metric-source")
    assert e.returncode == 0 and "**Why.**" in e.stdout
    assert run_cli("check", "--explain", "no/such-rule").returncode == 2


def test_unknown_kubernetes_version(shared: Path) -> None:
    p = run_cli("check", str(shared / SEED), "--kubernetes-version", "1.2")
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_output_file_is_written(tmp_path: Path, shared: Path) -> None:
    out = tmp_path / "report.json"
    p = run_cli("check", str(shared / SEED), "--format", "json", "-o", str(out))
    assert p.returncode == 1 and p.stdout == ""
    assert json.loads(out.read_text())["summary"]["documents"] >= 13


# -- hostile input ------------------------------------------------------------------------------
def _bomb(p: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    p.write_text("\n".join(lines) + "\n")


HOSTILE = {
    "alias-bomb": (_bomb, "alias"),
    "50MB": (lambda p: p.write_text("a: " + "x" * 50_000_000 + "\n"), "bytes"),
    "binary": (lambda p: p.write_bytes(bytes(range(256)) * 8), "binary"),
    "malformed": (lambda p: p.write_text("kind: Pod\nmetadata:\n  name: [x\n"), "YAML"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_exits_2_fast_with_one_line(tmp_path: Path, case: str) -> None:
    make, word = HOSTILE[case]
    f = tmp_path / f"{case}.yaml"
    make(f)
    t = time.perf_counter()
    p = run_cli("check", str(f), timeout=30)
    elapsed = time.perf_counter() - t
    assert p.returncode == 2, p.stderr
    # a bound against hangs, not a speed target (those live in `make bench`)
    assert elapsed < 20.0, f"{case} took {elapsed:.2f}s"
    err = p.stderr.strip().splitlines()
    assert len(err) == 1, p.stderr
    assert str(f) in err[0] and word.lower() in err[0].lower()
    assert "Traceback" not in p.stderr


def test_missing_path_exits_2(tmp_path: Path) -> None:
    p = run_cli("check", str(tmp_path / "nope.yaml"))
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "nope.yaml" in p.stderr


def test_bad_file_does_not_stop_the_others(tmp_path: Path, shared: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n")
    p = run_cli("check", str(bad), str(shared / SEED), "--format", "json")
    assert p.returncode == 2
    fs = _findings(p)
    assert _has(fs, "hpa/metric-source", "hpa-argo-workflows-server.yaml", 20)
    assert any(f["rule"] == "input/parse-error" and f["file"] == str(bad) for f in fs)


# -- usage mistakes a newcomer made ------------------------------------------------------------
def test_plan_rejects_bad_fail_on_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    p = run_cli("plan", "-o", str(out), "--fail-on", "warnings")
    assert p.returncode == 2 and "--fail-on" in p.stderr and not out.exists()


def test_render_onto_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    f = tmp_path / "my-policy.yaml"
    f.write_text("keep me\n")
    for extra in ((), ("--force",)):
        p = run_cli("render", "-o", str(f), *extra)
        assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
    assert f.read_text() == "keep me\n"


def test_report_into_a_folder_or_missing_folder(tmp_path: Path, shared: Path) -> None:
    seed = str(shared / SEED)
    for target in (tmp_path, tmp_path / "missing" / "report.txt"):
        p = run_cli("check", seed, "-o", str(target))
        assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr


def test_a_folder_without_manifests_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a manifest")
    p = run_cli("check", str(tmp_path))
    assert p.returncode == 2 and "no manifests found" in p.stderr


def test_list_rules_piped_is_one_untruncated_line_per_rule() -> None:
    from provisor.check.registry import all_docs

    lines = run_cli("check", "--list-rules").stdout.splitlines()
    assert [ln.split("\t")[0] for ln in lines] == list(all_docs())


def test_explain_suggests_a_close_rule() -> None:
    p = run_cli("check", "--explain", "hpa/memory-targets")
    assert p.returncode == 2 and "did you mean hpa/memory-target" in p.stderr


def test_policy_show_source_keeps_the_comments() -> None:
    p = run_cli("policy", "show", "--source")
    assert p.returncode == 0 and "requests.cpu     agents" in p.stdout


def test_plan_prints_list_values_of_departures(tmp_path: Path) -> None:
    p = run_cli("plan", "-o", str(tmp_path / "o"), "--days", "0")
    assert "agent_vpa.controlled_resources: [cpu, memory] -> [cpu]" in p.stdout


# -- the real corpus ------------------------------------------------------------------------
def test_check_real_corpus_errors_are_exactly_the_believed_ones(shared: Path) -> None:
    """`provisor check ../shared/real` (kube-prometheus, monitoring mixins, Kubernetes
    website examples, VPA examples, Argo): no traceback, no crashed rule, and every error is
    one we looked at: the VPA example that uses `podLabelSelector` (a field the CRD does not
    have) instead of a targetRef, and a Deployment on `extensions/v1beta1` (removed in 1.16)."""
    p = run_cli("check", str(shared / "real"), "--format", "json", timeout=300)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    fs = _findings(p)
    assert not [f for f in fs if f["rule"] == "check/rule-crashed"]
    errors = sorted((f["file"].split("/real/")[1], f["line"], f["rule"])
                    for f in fs if f["severity"] == "error")
    assert errors == [
        ("kubernetes-autoscaler-vpa-examples/hamster-labelselectors.yaml", 12, "schema/invalid"),
        ("kubernetes-autoscaler-vpa-examples/hamster-labelselectors.yaml", 18, "schema/invalid"),
        ("kubernetes-autoscaler-vpa-examples/hamster.old-2a13bbf-v1beta2-extensions.yaml", 18,
         "schema/unserved-api"),
    ]
    summary = json.loads(p.stdout)["summary"]
    assert summary["documents"] == 431 and summary["unknown_kinds"] == 31
