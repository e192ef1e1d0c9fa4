"""What tripped a new user who had only the README (issue 12's last goal): progress on the
long commands, help readable at 80 columns, clear errors for a missing policy file, for
manifests without agent classes and for a mistyped scenario."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clikit import invoke

#: rich treats stderr as an interactive terminal (https://force-color.org, rich's own
#: TTY_COMPATIBLE/TTY_INTERACTIVE), as it would be in a shell.
TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "100"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items()
         if k not in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR")}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "provisor", *args], capture_output=True,
                          text=True, env=e, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)


# ---- 1. progress ---------------------------------------------------------------------------

def test_plan_shows_each_phase_on_a_terminal_and_nothing_on_stdout(tmp_path):
    r = _run("plan", "-o", str(tmp_path / "out"), "--days", "0.1", env=TERMINAL)
    assert r.returncode in (0, 1), r.stderr
    err = ANSI.sub("", r.stderr)
    for k, phase in enumerate(("render", "check", "simulate 0.1 days", "recommend",
                               "forecast", "report"), start=1):
        assert f"[{k}/6] {phase}" in err, (phase, err[-2000:])
    assert "/6]" not in r.stdout and "sim s/s" not in r.stdout
    assert r.stdout.rstrip().splitlines()[-1].startswith("report:")


def test_plan_prints_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    r = _run("plan", "-o", str(tmp_path / "out"), "--days", "0.05")
    assert r.returncode in (0, 1), r.stderr
    assert "/6]" not in r.stderr and "\x1b[" not in r.stderr


@pytest.mark.skipif(shutil.which("promtool") is None,
                    reason="promtool not installed (make test installs it)")
def test_alerts_test_counts_its_steps_and_keeps_json_stdout_clean():
    r = _run("alerts", "test", "--scenario", "steady", "--format", "json", env=TERMINAL)
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)                                  # nothing but the JSON
    err = ANSI.sub("", r.stderr)
    assert "alerts test" in err and "0/2" in err and "steady seed 0: running the scenario" in err


# ---- 2. help at 80 columns -----------------------------------------------------------------

def _commands():
    from typer.main import get_command

    from provisor.cli import app

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                yield from walk(sub, [*path, name])
        else:
            yield path, cmd

    return list(walk(get_command(app), []))


@pytest.mark.parametrize("path, cmd", _commands(), ids=lambda x: " ".join(x)
                         if isinstance(x, list) else "")
def test_every_option_name_is_whole_in_help_at_80_columns(path, cmd):
    r = _run(*path, "--help", env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    names = [o for p in cmd.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]
    missing = [o for o in names if not re.search(re.escape(o) + r"(?![\w-])", r.stdout)]
    assert not missing, f"provisor {' '.join(path)} --help at 80 columns cuts {missing}"


# ---- 3. simulate: manifests without agent classes ------------------------------------------

def test_simulate_plain_deployments_says_no_agent_classes(tmp_path):
    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
        "      - {name: web, image: nginx, resources: {requests: {cpu: 100m}}}\n")
    code, out, err = invoke("simulate", str(tmp_path), "--days", "0.01")
    assert code == 2 and out == ""
    assert f"no agent classes found in {tmp_path}" in err
    assert "provisor.dev/max-concurrency" in err and "PodTemplate" in err
    assert "rex" in err                                # what the workload looked for


# ---- 6. did-you-mean for scenarios ---------------------------------------------------------

@pytest.mark.parametrize("args, suggestion", [
    (("simulate", "--scenario", "memory-leek", "--days", "0.01"), "did you mean memory-leak?"),
    (("simulate", "--scenario", "nodeloss", "--days", "0.01"), "did you mean node-loss?"),
    (("alerts", "test", "--scenario", "cpu-saturaton"), "did you mean cpu-saturation?"),
    (("alerts", "test", "--scenario", "twin:spyke"), "did you mean spike?"),
])
def test_unknown_scenario_did_you_mean(args, suggestion):
    code, out, err = invoke(*args)
    assert code == 2, err
    assert suggestion in err and "Traceback" not in err


def test_alerts_test_refuses_an_unknown_scenario_before_running_the_others():
    # the good scenario comes first; the bad one must fail before it runs (no minutes lost)
    code, _out, err = invoke("alerts", "test", "--scenario", "steady", "--scenario", "stedy")
    assert code == 2 and "did you mean steady?" in err


# ---- 12. a missing policy file -------------------------------------------------------------

@pytest.mark.parametrize("command", [("plan",), ("render",), ("policy", "show"),
                                     ("alerts", "test")])
def test_missing_policy_file_is_named(command, tmp_path):
    missing = tmp_path / "nonexistent.yaml"
    code, out, err = invoke(*command, str(missing))
    assert code == 2
    assert f"{missing}: no such policy file" in err
    assert ":0:" not in err and "<policy>" not in err


def test_policy_problem_without_a_line_reads_file_colon_message(tmp_path):
    code, _out, err = invoke("plan", str(tmp_path))
    assert code == 2
    assert f"{tmp_path}: a folder" in err and ":0:" not in err and "<policy>" not in err
