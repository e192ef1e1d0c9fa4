"""Text holding ``[`` and ``]`` (file names such as ``[abc].yaml``, regular expressions in
error messages) is printed as it is by every command: rich markup is escaped everywhere the
CLI prints through rich (issue 13, section 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli

NAMES = ["[abc].yaml", "[/].yaml", "[bold]x[/bold].yaml", "a[red]b.yaml"]

BAD_QUANTITY = """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  containers:
  - name: c
    image: x
    resources: {requests: {cpu: "1x[0]"}}
"""


@pytest.mark.parametrize("name", NAMES)
def test_check_prints_bracketed_file_names_as_they_are(tmp_path: Path, name: str):
    # a parse error: the file name is printed on stderr (one line) and in the report
    sub = tmp_path / "d"
    sub.mkdir()
    (sub / name).parent.mkdir(parents=True, exist_ok=True)  # "[/].yaml" is "[" / "].yaml"
    (sub / name).write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: [\n")
    r = run_cli("check", name, cwd=sub)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: {name}:")
    assert f"  {name}:" in r.stdout
    # a missing file
    r = run_cli("check", "missing" + name, cwd=sub)
    assert r.returncode == 2 and f"error: missing{name}: no such file" in r.stderr


def test_regular_expressions_in_messages_print_as_they_are(tmp_path: Path):
    (tmp_path / "[q].yaml").write_text(BAD_QUANTITY)
    for fmt in ("text", "json", "sarif"):
        r = run_cli("check", "--format", fmt, "[q].yaml", cwd=tmp_path)
        assert "Traceback" not in r.stderr
        assert "[+-]?[0-9.]+" in r.stdout, r.stdout


def test_errors_render_and_plan_with_bracketed_paths(tmp_path: Path):
    r = run_cli("policy", "validate", "[x]/p.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "[x]/p.yaml" in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("render", "-o", "[b]out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "to [b]out/" in r.stdout
    r = run_cli("plan", "-o", "[/]plan", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    assert "bundle: [/]plan/" in r.stdout and "kubectl apply -k [/]plan)" in r.stdout
    r = run_cli("render", "-o", "[b]out", cwd=tmp_path)  # exists, no --force
    assert r.returncode == 2 and "[b]out" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("check", "--explain", "nope[/]", cwd=tmp_path)
    assert r.returncode == 2 and "'nope[/]'" in r.stderr
