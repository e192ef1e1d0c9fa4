"""Hostile and broken input: each is refused with one error finding (rule, file, line, one-line
message), never an exception, and within 2 s (issue 2: "Hostile input each exits 2 within 2 s").
The bound is generous on purpose; these are the only timed tests of the loader."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from provisor.manifests import Limits, load

BOUND_S = 2.0

BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _timed_load(paths: list[str], **kw: object):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    docs = load(paths, **kw)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    assert elapsed < BOUND_S, f"took {elapsed:.2f} s"
    return docs


def _only_error(docs, rule: str, file: str):  # type: ignore[no-untyped-def]
    errors = [f for f in docs.findings if f.severity == "error"]
    assert len(errors) == 1, errors
    f = errors[0]
    assert (f.rule, f.file) == (rule, file)
    assert "\n" not in f.message and f.message
    assert docs.bad_input
    return f


def test_alias_bomb(tmp_path: Path) -> None:
    p = tmp_path / "bomb.yaml"
    p.write_text(BILLION_LAUGHS)
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/alias-bomb", str(p))
    assert 6 <= f.line <= 13  # at the alias that crossed the limit
    assert "alias" in f.message and "1,000,000" in f.message
    assert list(docs) == []


def test_alias_bomb_in_second_document_keeps_the_first(tmp_path: Path) -> None:
    p = tmp_path / "two.yaml"
    p.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\n" + BILLION_LAUGHS)
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/alias-bomb", str(p))
    assert "document 2" in f.message
    assert [d.name for d in docs] == ["ok"]


def test_string_alias_bomb(tmp_path: Path) -> None:
    # 1 MB string referenced 100,000 times: few nodes, 100 GB of text once expanded.
    p = tmp_path / "strings.yaml"
    p.write_text("kind: X\ns: &s " + "x" * 1_000_000 + "\nl: [" + "*s, " * 100_000 + "]\n")
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/alias-bomb", str(p))
    assert f.line == 2 and "characters" in f.message  # the anchored string


def test_modest_aliases_are_fine(tmp_path: Path) -> None:
    p = tmp_path / "ok.yaml"
    p.write_text("kind: X\nres: &r {cpu: 1, memory: 1Gi}\nx: [*r, *r, *r]\n")
    docs = _timed_load([str(p)])
    assert not docs.bad_input and docs[0].obj["x"] == [{"cpu": 1, "memory": "1Gi"}] * 3


def test_recursive_alias(tmp_path: Path) -> None:
    p = tmp_path / "rec.yaml"
    p.write_text("kind: X\na: &a\n  b: *a\n")
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/parse-error", str(p))
    assert "recursive" in f.message and f.line == 2  # the anchor


def test_50_mb_file(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    with open(p, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NULs, never read
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/too-large", str(p))
    assert "52,428,800 bytes" in f.message and "10,485,760" in f.message


def test_50_mb_on_stdin() -> None:
    data = b"a: " + b"x" * (50 * 1024 * 1024) + b"\n"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    docs = _timed_load(["-"], stdin=stream)
    f = _only_error(docs, "input/too-large", "-")
    assert "more than" in f.message


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    p = tmp_path / "small.yaml"
    p.write_text("kind: X\n" + "a: b\n" * 100)
    docs = _timed_load([str(p)], limits=Limits(max_file_bytes=100))
    _only_error(docs, "input/too-large", str(p))


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "image.yaml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/binary", str(p))
    assert "NUL" in f.message and f.line == 3


def test_not_utf8_in_first_kib_is_binary(tmp_path: Path) -> None:
    p = tmp_path / "latin1.yaml"
    p.write_bytes("kind: X\nname: caf\u00e9\n".encode("latin-1"))
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/binary", str(p))
    assert f.line == 2 and "0xe9" in f.message


def test_invalid_utf8_later_is_a_parse_error(tmp_path: Path) -> None:
    p = tmp_path / "late.yaml"
    p.write_bytes(b"kind: X\n" + b"# padding\n" * 200 + b"name: caf\xe9\n")
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/parse-error", str(p))
    assert f.line == 202


def test_missing_path(tmp_path: Path) -> None:
    p = tmp_path / "nope.yaml"
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/not-found", str(p))
    assert f.line == 0


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root reads anything; a directory named like a file is unreadable as a file instead
        p = tmp_path / "dir.yaml"
        p.mkdir()
        docs = _timed_load([str(p)])
        assert list(docs) == [] and not docs.findings  # a directory is walked, and it is empty
        return
    p = tmp_path / "secret.yaml"
    p.write_text("kind: X\n")
    p.chmod(0)
    docs = _timed_load([str(p)])
    _only_error(docs, "input/unreadable", str(p))


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: 1\n", 5, "did not find expected key"),
        ("kind: X\nspec:\n  a: [1, 2\n  b: 3\n", 4, "expected ',' or ']'"),
        ("kind: X\nspec: {a: 1\n", 3, "expected ',' or '}'"),
        ("kind: X\n\tspec: 1\n", 2, "tab character that violates indentation"),
        ("kind: X\nspec: *missing\n", 2, "undefined alias"),
        ("kind: X\nkey: \"unterminated\n", 3, "unexpected end of stream"),
    ],
)
def test_malformed_yaml(tmp_path: Path, text: str, line: int, needle: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/parse-error", str(p))
    assert f.line == line, f.message
    assert needle in f.message and f"line {line}" in f.message


def test_malformed_json(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{\n  "kind": "X",\n  "a": [1, 2,]\n}\n')
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/parse-error", str(p))
    assert f.line == 3 and "invalid JSON" in f.message


def test_other_files_still_load(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n")
    docs = _timed_load([str(bad), str(tmp_path / "missing.yaml"), str(good)])
    assert [d.name for d in docs] == ["ok"]
    assert sorted(f.rule for f in docs.findings) == ["input/not-found", "input/parse-error"]
    assert docs.bad_input


@pytest.mark.parametrize("levels", [101, 999, 5000, 1_000_000])
def test_deep_flow_nesting(tmp_path: Path, levels: int) -> None:
    p = tmp_path / "deep.yaml"
    p.write_text("kind: X\nv: " + "[" * levels + "]" * levels + "\n")
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/too-deep", str(p))
    assert f.line == 2


def test_deep_block_nesting(tmp_path: Path) -> None:
    p = tmp_path / "deep.yaml"
    p.write_text("kind: X\n" + "".join("  " * i + "a:\n" for i in range(150)) + "  " * 150 + "a: 1\n")
    docs = _timed_load([str(p)])
    f = _only_error(docs, "input/too-deep", str(p))
    assert "100 levels" in f.message


def test_depth_limit_is_configurable(tmp_path: Path) -> None:
    p = tmp_path / "d.yaml"
    p.write_text("kind: X\na: {b: {c: {d: 1}}}\n")
    assert not _timed_load([str(p)]).bad_input
    docs = _timed_load([str(p)], limits=Limits(max_depth=3))
    f = _only_error(docs, "input/too-deep", str(p))
    assert "3 levels" in f.message


@pytest.mark.parametrize("levels", [150, 100_000])
def test_deep_json(tmp_path: Path, levels: int) -> None:
    p = tmp_path / "deep.json"
    p.write_text("[" * levels + "]" * levels)
    docs = _timed_load([str(p)])
    _only_error(docs, "input/too-deep", str(p))


def test_node_limit_without_aliases(tmp_path: Path) -> None:
    p = tmp_path / "many.yaml"
    p.write_text("kind: X\nitems:\n" + "- 1\n" * 5000)
    docs = _timed_load([str(p)], limits=Limits(max_nodes=1000))
    f = _only_error(docs, "input/too-large", str(p))
    assert "1,000 nodes" in f.message


def test_wide_flat_file_within_limits_is_fast(tmp_path: Path) -> None:
    # 9 MB of small documents: under the size limit, loaded in full.
    p = tmp_path / "wide.yaml"
    doc = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n"
    p.write_text(doc * (9 * 1024 * 1024 // len(doc)))
    t0 = time.perf_counter()
    docs = load([str(p)])
    assert time.perf_counter() - t0 < 30  # generous: a shared 2-core machine
    assert not docs.bad_input and len(docs) > 100_000
