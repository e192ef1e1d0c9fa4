"""Issue 13, section 2 ("Bad input, everywhere"): each defect the fuzzing found, as a test.

Most cases run the real entry point in this process (``clikit.invoke``); the ones about
signals, /dev/full and broken pipes run a real subprocess."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from clikit import invoke
from conftest import REPO, run_cli

POD = textwrap.dedent("""\
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: ns}
    spec:
      containers:
      - name: c
        image: nginx
    """)

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 9) + "]\n"
    for i in range(1, 9))


def _policy_text() -> str:
    code, out, _ = invoke("policy", "show", "--source")
    assert code == 0
    return out


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


# -- rich markup in paths -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["[abc].yaml", "[red]x.yaml", "[bold]b.yaml"])
def test_markup_in_file_names_prints_as_is(tmp_path: Path, name: str) -> None:
    bad = tmp_path / name
    bad.write_text("a: [unclosed\n")
    code, out, err = invoke("check", str(bad))
    assert code == 2
    assert _lines(err) == [f"error: {bad}:2: " + _lines(err)[0].split(":2: ", 1)[1]]
    assert str(bad) in err
    code, out, err = invoke("policy", "validate", str(bad))
    assert code == 2 and str(bad) in out
    code, out, err = invoke("render", str(bad))
    assert code == 2 and str(bad) in err and len(_lines(err)) == 1
    good = tmp_path / f"ok-{name}"
    good.write_text(_policy_text())
    code, out, err = invoke("policy", "validate", str(good))
    assert code == 0, out + err
    assert out.strip() == f"{good}: ok"


def test_markup_in_output_folder_prints_as_is(tmp_path: Path) -> None:
    out_dir = tmp_path / "[red]bundle[/red]"
    code, out, err = invoke("render", "-o", str(out_dir))
    assert code == 0, err
    assert f"to {out_dir}/" in out
    code, out, err = invoke("plan", "-o", str(out_dir), "--force")
    assert code == 0, err
    assert f"bundle: {out_dir}/" in out
    code, out, err = invoke("check", "--format", "text", str(tmp_path / "[missing].yaml"))
    assert code == 2 and f"{tmp_path / '[missing].yaml'}" in err


# -- FIFOs and unreadable folders ----------------------------------------------------------
def test_fifo_given_or_walked_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "dir"
    folder.mkdir()
    os.mkfifo(folder / "inner.yaml")
    (folder / "pod.yaml").write_text(POD)
    start = time.monotonic()
    p = run_cli("check", str(fifo), str(folder), "--format", "json", timeout=60)
    assert time.monotonic() - start < 60
    assert p.returncode == 2
    assert "FIFO" in p.stderr and str(fifo) in p.stderr
    assert str(folder / "inner.yaml") in p.stderr
    assert "Traceback" not in p.stderr
    p = run_cli("policy", "validate", str(fifo), timeout=60)
    assert p.returncode == 2 and "FIFO" in p.stdout


def test_unlistable_subfolder_is_reported(tmp_path: Path, monkeypatch) -> None:
    top = tmp_path / "top"
    (top / "locked").mkdir(parents=True)
    (top / "pod.yaml").write_text(POD)
    (top / "locked" / "hidden.yaml").write_text(POD)
    real_scandir = os.scandir

    def scandir(path=".", *a, **k):  # an unreadable folder (the tests may run as root)
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = invoke("check", str(top))
    assert code == 2
    assert f"{top / 'locked'}: cannot list this folder: Permission denied" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_subfolder_is_reported_for_real(tmp_path: Path) -> None:
    top = tmp_path / "top"
    (top / "locked").mkdir(parents=True)
    (top / "pod.yaml").write_text(POD)
    os.chmod(top / "locked", 0)
    try:
        code, out, err = invoke("check", str(top))
    finally:
        os.chmod(top / "locked", 0o755)
    assert code == 2 and "cannot list this folder" in err


# -- policy loading has the manifest loader's limits -----------------------------------------
@pytest.mark.parametrize("text,expect", [
    (BOMB, "alias bomb"),
    ("a: " + "[" * 150 + "]" * 150 + "\n", "nested deeper than 100"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper"),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400)), "nested deeper"),
    ("name: x\nvalue: 1e400\n", "required field is missing"),
    ("name: x\nfoo: bar\nbaz: \x01\n", ":3: <policy>: invalid YAML: unacceptable character"),
    ("\x00\x01binary", "binary"),
])
@pytest.mark.parametrize("command", ["validate", "render", "plan"])
def test_hostile_policy_is_refused_quickly(tmp_path: Path, text: str, expect: str,
                                          command: str) -> None:
    pol = tmp_path / "policy.yaml"
    pol.write_text(text)
    start = time.monotonic()
    if command == "validate":
        code, out, err = invoke("policy", "validate", str(pol))
        shown = out
    else:
        code, out, err = invoke(command, str(pol), "-o", str(tmp_path / "out"))
        shown = err
        assert len(_lines(err)) == 1, err
    assert time.monotonic() - start < 20
    assert code == 2, (out, err)
    assert expect in shown, shown
    assert "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


def test_policy_1e400_is_text_not_overflow(tmp_path: Path) -> None:
    text = _policy_text().replace("max_replicas: 10", "max_replicas: 1e400", 1)
    pol = tmp_path / "p.yaml"
    pol.write_text(text)
    code, out, err = invoke("policy", "validate", str(pol))
    assert code == 2 and "max_replicas" in out and "Traceback" not in out + err


# -- one stderr line per bad file, with a line for control characters ------------------------
def test_control_character_error_has_its_line(tmp_path: Path) -> None:
    f = tmp_path / "ctl.yaml"
    f.write_text("a: 1\nb: 2\nc: \x07\n")
    code, out, err = invoke("check", str(f), "--format", "json")
    assert code == 2
    assert _lines(err) == [f"error: {f}:3: invalid YAML: unacceptable character #x0007: "
                           "control characters are not allowed"]


def test_one_stderr_line_per_bad_file(tmp_path: Path) -> None:
    f = tmp_path / "two-bombs.yaml"
    f.write_text(BOMB + "---\n" + BOMB)
    g = tmp_path / "deep.json"
    g.write_text("[" * 200 + "]" * 200)
    code, out, err = invoke("check", str(f), str(g), "--format", "json")
    assert code == 2
    lines = _lines(err)
    assert len(lines) == 2, err
    assert lines[0].startswith(f"error: {f}:") and "(and 1 more problems in this file)" in lines[0]
    assert lines[1].startswith(f"error: {g}")


# -- check -o never overwrites a user's file ------------------------------------------------
def _manifest(tmp_path: Path) -> Path:
    m = tmp_path / "pod.yaml"
    m.write_text(POD)
    return m


def test_check_output_refuses_existing_file(tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    os.chmod(notes, 0o600)
    code, out, err = invoke("check", str(m), "-o", str(notes))
    assert code == 2 and "--force" in err and len(_lines(err)) == 1
    assert notes.read_text() == "my notes\n"
    assert stat.S_IMODE(notes.stat().st_mode) == 0o600
    # the input manifest itself
    code, out, err = invoke("check", str(m), "-o", str(m))
    assert code == 2 and m.read_text() == POD
    # with --force it is replaced, with a new file's mode (nothing of the old one kept)
    code, out, err = invoke("check", str(m), "-o", str(notes), "--force", "--format", "json")
    assert code in (0, 1), err
    assert '"findings"' in notes.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(notes.stat().st_mode) == 0o666 & ~umask
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_check_output_new_file_is_written(tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    report = tmp_path / "report.json"
    code, out, err = invoke("check", str(m), "-o", str(report), "--format", "json")
    assert code in (0, 1), err
    assert out == "" and '"findings"' in report.read_text()


def test_check_output_never_follows_a_symlink(tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    link = tmp_path / "report.txt"
    link.symlink_to(target)
    code, out, err = invoke("check", str(m), "-o", str(link))
    assert code == 2 and "symbolic link" in err
    assert target.read_text() == "keep me\n" and link.is_symlink()
    code, out, err = invoke("check", str(m), "-o", str(link), "--force")
    assert code in (0, 1), err
    assert target.read_text() == "keep me\n"
    assert not link.is_symlink() and "1 files, 1 documents" in link.read_text()
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere" / "x")
    code, out, err = invoke("check", str(m), "-o", str(dangling))
    assert code == 2 and dangling.is_symlink()


def test_check_output_not_written_on_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n")
    report = tmp_path / "report.json"
    code, out, err = invoke("check", str(bad), "-o", str(report), "--format", "json")
    assert code == 2
    assert not report.exists()
    assert "not written" in err
    existing = tmp_path / "old.json"
    existing.write_text("old")
    code, out, err = invoke("check", str(bad), "-o", str(existing), "--force")
    assert code == 2 and existing.read_text() == "old"


# -- render -o onto a symlink ---------------------------------------------------------------
def test_render_onto_symlink(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    link = tmp_path / "out"
    link.symlink_to(target)
    code, out, err = invoke("render", "-o", str(link))
    assert code == 2 and "symbolic link" in err and len(_lines(err)) == 1
    assert link.is_symlink()
    code, out, err = invoke("render", "-o", str(link), "--force")
    assert code == 0, err
    assert err == ""
    assert not link.is_symlink() and (link / "kustomization.yaml").is_file()
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".old"))]
    # an empty folder behind a link is still a link: refused without --force
    empty = tmp_path / "empty"
    empty.mkdir()
    link2 = tmp_path / "out2"
    link2.symlink_to(empty)
    code, out, err = invoke("plan", "-o", str(link2))
    assert code == 2 and link2.is_symlink()


# -- kustomization fields of the wrong type --------------------------------------------------
@pytest.mark.parametrize("field,value", [("patches", "foo"), ("patchesStrategicMerge", "3"),
                                         ("resources", "x.yaml"), ("patches", "{a: 1}"),
                                         ("resources", "[1, 2]"), ("commonLabels", "[a]"),
                                         ("namespace", "[a]")])
def test_kustomization_with_non_list_field_is_a_finding(tmp_path: Path, field: str,
                                                        value: str) -> None:
    k = tmp_path / "kustomization.yaml"
    k.write_text("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                 f"{field}: {value}\n")
    (tmp_path / "pod.yaml").write_text(POD)
    code, out, err = invoke("check", str(tmp_path), "--format", "json")
    assert code == 1, err
    import json

    found = [f for f in json.loads(out)["findings"] if f["rule"] == "schema/invalid"]
    assert found and found[0]["line"] == 3 and field in found[0]["message"]
    assert "Traceback" not in err and "rule-crashed" not in out


# -- schema findings in a huge mapping are located once per document -------------------------
def test_many_findings_in_one_mapping_are_located_exactly(tmp_path: Path) -> None:
    from provisor.manifests import load

    n = 20_000
    f = tmp_path / "big.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
                 + "".join(f"  k{i}: [1]\n" for i in range(n)))
    (doc,) = load([str(f)])
    lines = [doc.line_of(("data", f"k{i}")) for i in range(n)]
    assert lines == list(range(5, 5 + n))
    assert doc._index is not None and len(doc._index) == 1  # one index, built once
    assert doc.line_of(("data", "absent")) == 4


# -- promtool: missing, failed, timed out ----------------------------------------------------
def _fake(tmp_path: Path, name: str, body: str) -> str:
    exe = tmp_path / name
    exe.write_text("#!/bin/sh\n" + body)
    exe.chmod(0o755)
    return str(exe)


def test_promtool_missing_failed_timeout_are_distinguished(tmp_path: Path) -> None:
    from provisor.promql.promtool import check_rule_groups

    groups = [{"name": "g", "rules": [{"record": "r", "expr": "1"}]}]
    r = check_rule_groups(groups, promtool=str(tmp_path / "absent"))
    assert (r.status, r.available) == ("missing", False) and "not installed" in r.message
    r = check_rule_groups(groups, promtool=_fake(tmp_path, "slow", "exec sleep 30\n"),
                          timeout=0.5)
    assert r.status == "timeout" and "timed out" in r.message and "installed" in r.message
    r = check_rule_groups(groups, promtool=_fake(tmp_path, "crash", "kill -9 $$\n"))
    assert r.status == "failed" and "signal 9" in r.message
    r = check_rule_groups(groups, promtool=_fake(tmp_path, "broken", "echo oops >&2; exit 3\n"))
    assert r.status == "failed" and "exit code 3" in r.message and not r.problems
    bad = tmp_path / "noexec"
    bad.write_text("not a program")
    bad.chmod(0o755)
    r = check_rule_groups(groups, promtool=str(bad))
    assert r.status == "failed" and "failed to start" in r.message


def test_promtool_timeout_is_said_in_the_finding(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n")
    cfg = tmp_path / ".provisor.yaml"
    cfg.write_text("check:\n  settings:\n    promtool: " + _fake(tmp_path, "slow", "exec sleep 30\n")
                   + "\n    promtool_timeout_seconds: 0.5\n")
    code, out, err = invoke("check", str(rules), "--config", str(cfg))
    assert "promtool check rules timed out" in out
    assert "alert/promtool-missing" not in out


# -- stdout write errors, SIGTERM ------------------------------------------------------------
def test_full_disk_on_stdout_is_one_line_and_exit_4() -> None:
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "provisor", "check", "--list-rules"],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 4
    assert _lines(p.stderr) == ["error: cannot write the output: No space left on device"]


def test_broken_pipe_is_one_line_and_exit_4() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "provisor", "policy", "show", "--source"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader went away (like `| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 4
    assert _lines(err) == ["error: cannot write the output: Broken pipe"]


def test_sigterm_removes_promtool_temp_folder(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    rules = tmp_path / "rules.yaml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n")
    marker = tmp_path / "started"
    slow = _fake(tmp_path, "slow-promtool", f"touch {marker}\nexec sleep 60\n")
    cfg = tmp_path / ".provisor.yaml"
    cfg.write_text(f"check:\n  settings:\n    promtool: {slow}\n")
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "provisor", "check", str(rules), "--config",
                             str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "promtool was never started"
        assert [p.name for p in tmp.iterdir() if p.name.startswith("provisor-promtool-")]
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in err
    assert not [p for p in tmp.iterdir() if p.name.startswith("provisor-promtool-")]


# -- policy validate rejects what would not check clean --------------------------------------
def _write_policy(tmp_path: Path, old: str, new: str) -> Path:
    text = _policy_text()
    assert old in text
    pol = tmp_path / "policy.yaml"
    pol.write_text(text.replace(old, new, 1))
    return pol


@pytest.mark.parametrize("old,new,field", [
    ('    configmaps: "50"', '    configmaps: "1"', "quota.hard.configmaps"),
    ("max_replicas: 10", "max_replicas: 2147483648", "max_replicas"),
    ("min_replicas: 2", "min_replicas: 2147483648", "min_replicas"),
    ("name: agent-platform\n", "name: 1e3\n", "name"),
])
def test_policy_validate_rejects_what_would_not_check_clean(tmp_path: Path, old: str, new: str,
                                                            field: str) -> None:
    pol = _write_policy(tmp_path, old, new)
    code, out, err = invoke("policy", "validate", str(pol))
    assert code == 2, out
    assert field in out


def test_quoted_numeric_label_value_renders_quoted_and_checks_clean(tmp_path: Path) -> None:
    pol = _write_policy(tmp_path, "name: agent-platform\n", 'name: "1e3"\n')
    code, out, err = invoke("policy", "validate", str(pol))
    assert code == 0, out
    out_dir = tmp_path / "bundle"
    code, out, err = invoke("plan", str(pol), "-o", str(out_dir))
    assert code == 0, out + err
    assert "app.kubernetes.io/part-of: '1e3'" in (out_dir / "priorityclasses.yaml").read_text() \
        or "part-of: '1e3'" in "".join(p.read_text() for p in out_dir.glob("*.yaml"))


# -- internal errors ---------------------------------------------------------------------------
def test_internal_error_exits_3_with_one_line(tmp_path: Path, monkeypatch) -> None:
    import provisor.check

    def boom(*a, **k):
        raise RuntimeError("simulated bug\nsecond line")

    monkeypatch.setattr(provisor.check, "run_check", boom)
    m = _manifest(tmp_path)
    code, out, err = invoke("check", str(m))
    assert code == 3
    assert _lines(err) == ["error: internal error (RuntimeError: simulated bug); run with "
                           "--debug for the traceback; this is a bug in provisor, please "
                           "report it"]
    code, out, err = invoke("check", str(m), "--debug")
    assert code == 3 and "Traceback (most recent call last)" in err and "simulated bug" in err
    code, out, err = invoke("--debug", "check", str(m))
    assert code == 3 and "Traceback" in err
