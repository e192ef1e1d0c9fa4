"""``provisor.safeyaml``: the one hardened reader every file reader shares."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from provisor.manifests.limits import Limits
from provisor.safeyaml import (
    InputError,
    load_yaml_document,
    load_yaml_documents,
    read_file_bytes,
    read_text_file,
)

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 9) + "]\n"
    for i in range(1, 9))


def _err(fn, *a, **k) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*a, **k)
    return info.value


def test_documents_from_text_bytes_and_path(tmp_path: Path) -> None:
    text = "a: 1\n---\n---\nb: [x, 1e3, yes, '1e3', 1e400, 0x1F, 2024-01-01]\n"
    f = tmp_path / "x.yaml"
    f.write_text(text)
    for src in (text, text.encode(), f):
        docs = load_yaml_documents(src)
        assert [d.value for d in docs] == [
            {"a": 1}, None, {"b": ["x", 1000.0, True, "1e3", "1e400", 31, "2024-01-01"]}]
        assert [d.line for d in docs][0] == 1 and docs[2].line == 4
        assert [d.index for d in docs] == [0, 1, 2]
    one = load_yaml_document("a: 1\n")
    assert one is not None and one.value == {"a": 1} and one.node is not None
    assert load_yaml_document("# nothing\n") is None


def test_error_shape(tmp_path: Path) -> None:
    e = _err(load_yaml_documents, "a: 1\nb: \x01\n", source="f.yaml")
    assert (e.rule, e.file, e.line) == ("input/parse-error", "f.yaml", 2)
    assert str(e) == "f.yaml:2: invalid YAML: unacceptable character #x0001: control " \
        "characters are not allowed"
    assert e.finding().rule == "input/parse-error" and e.finding().line == 2
    e = _err(load_yaml_document, "a: 1\n---\nb: 2\n", source="two.yaml")
    assert e.rule == "input/parse-error" and e.line == 3 and "one YAML document" in e.message


@pytest.mark.parametrize("text,rule", [
    (BOMB, "input/alias-bomb"),
    ("a: " + "[" * 150 + "]" * 150, "input/too-deep"),
    ("a: " + "[" * 3000 + "]" * 3000, "input/too-deep"),
    ("a: 1\na: 2\n", "input/duplicate-key"),
    ("a: [\n", "input/parse-error"),
    ("a: &x [*x]\n", "input/parse-error"),
    ("a\x00b", "input/binary"),
    ("a: \ud800\n", "input/parse-error"),
])
def test_hostile_text_is_refused_fast(text: str, rule: str) -> None:
    start = time.monotonic()
    e = _err(load_yaml_documents, text)
    assert e.rule == rule, e
    assert time.monotonic() - start < 10


def test_duplicate_keys_can_be_allowed() -> None:
    (d,) = load_yaml_documents("a: 1\na: 2\n", allow_duplicate_keys=True)
    assert d.value == {"a": 2}


def test_size_limit(tmp_path: Path) -> None:
    lim = Limits(max_file_bytes=100)
    f = tmp_path / "big.yaml"
    f.write_text("a: " + "x" * 200 + "\n")
    assert _err(read_text_file, f, limits=lim).rule == "input/too-large"
    assert _err(load_yaml_documents, "a: " + "x" * 200, limits=lim).rule == "input/too-large"
    assert _err(load_yaml_documents, b"a: " + b"x" * 200, limits=lim).rule == "input/too-large"


def test_binary_and_bad_utf8(tmp_path: Path) -> None:
    f = tmp_path / "bin.yaml"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert _err(read_text_file, f).rule == "input/binary"
    g = tmp_path / "late.yaml"
    g.write_bytes(b"a: 1\n" * 400 + b"b: \xff\n")
    e = _err(read_text_file, g)
    assert e.rule == "input/parse-error" and e.line == 401


def test_non_regular_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    e = _err(read_file_bytes, fifo)
    assert e.rule == "input/unreadable" and "FIFO" in e.message
    assert _err(load_yaml_documents, fifo).rule == "input/unreadable"
    assert time.monotonic() - start < 5
    e = _err(read_file_bytes, Path("/dev/zero"))
    assert "character device" in e.message
    e = _err(read_file_bytes, tmp_path)
    assert "folder" in e.message
    assert _err(read_file_bytes, tmp_path / "absent.yaml").rule == "input/not-found"


def test_read_text_file_decodes(tmp_path: Path) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes("\ufeffa: é\n".encode("utf-8"))
    assert read_text_file(f) == "a: é\n"
    g = tmp_path / "u16.yaml"
    g.write_bytes("\ufeffa: 1\n".encode("utf-16"))
    assert load_yaml_documents(g)[0].value == {"a": 1}
