"""provisor.render.write_bundle: atomic, --force semantics, failures leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

import provisor.render.bundle as bundle_mod
from provisor.policy import load_policy
from provisor.render import BundleExistsError, render, write_bundle


@pytest.fixture(scope="module")
def bundle():
    return render(load_policy(None))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _leftovers(parent: Path) -> list[str]:
    """Temporary folders the writer may have left next to the output."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_writes_a_new_folder(tmp_path: Path, bundle) -> None:
    out = tmp_path / "deep" / "out"
    assert write_bundle(bundle, out) == out
    assert _tree(out) == bundle.contents()
    assert _leftovers(out.parent) == []


def test_empty_existing_folder_needs_no_force(tmp_path: Path, bundle) -> None:
    out = tmp_path / "out"
    out.mkdir()
    write_bundle(bundle, out)
    assert _tree(out) == bundle.contents()


def test_non_empty_folder_without_force_is_refused_and_untouched(tmp_path: Path,
                                                                 bundle) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(BundleExistsError, match="--force"):
        write_bundle(bundle, out)
    assert _tree(out) == {"mine.txt": b"keep me"}
    assert _leftovers(tmp_path) == []


def test_force_replaces_the_whole_folder(tmp_path: Path, bundle) -> None:
    out = tmp_path / "out"
    write_bundle(bundle, out)
    (out / "stale.yaml").write_text("old")
    (out / "namespace.yaml").write_text("edited")
    write_bundle(bundle, out, force=True)
    assert _tree(out) == bundle.contents()
    assert _leftovers(tmp_path) == []


def test_force_without_rename_exchange(tmp_path: Path, bundle, monkeypatch) -> None:
    monkeypatch.setattr(bundle_mod, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.yaml").write_text("old")
    write_bundle(bundle, out, force=True)
    assert _tree(out) == bundle.contents()
    assert _leftovers(tmp_path) == []


def _failing_write(real):
    def write(root: Path, contents: dict[str, bytes]) -> None:
        half = dict(list(contents.items())[: len(contents) // 2])
        real(root, half)
        raise OSError(28, "No space left on device")
    return write


def test_failure_mid_write_leaves_no_folder(tmp_path: Path, bundle, monkeypatch) -> None:
    monkeypatch.setattr(bundle_mod, "_write_tree", _failing_write(bundle_mod._write_tree))
    out = tmp_path / "out"
    with pytest.raises(OSError, match="No space"):
        write_bundle(bundle, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_write_leaves_existing_folder_untouched(tmp_path: Path, bundle,
                                                            monkeypatch) -> None:
    out = tmp_path / "out"
    write_bundle(bundle, out)
    (out / "extra.txt").write_text("previous run")
    before = _tree(out)
    monkeypatch.setattr(bundle_mod, "_write_tree", _failing_write(bundle_mod._write_tree))
    with pytest.raises(OSError):
        write_bundle(bundle, out, force=True)
    assert _tree(out) == before
    assert _leftovers(tmp_path) == []


def test_failure_at_the_final_rename_restores_the_old_folder(tmp_path: Path, bundle,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(bundle_mod, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    real_rename = bundle_mod.os.rename

    def rename(src, dst):
        if Path(dst) == out and Path(src).name.endswith(".tmp"):
            raise OSError(5, "Input/output error")
        return real_rename(src, dst)

    monkeypatch.setattr(bundle_mod.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output"):
        write_bundle(bundle, out, force=True)
    monkeypatch.undo()
    assert _tree(out) == {"old.txt": b"old"}
    assert _leftovers(tmp_path) == []


def test_rename_exchange_swaps_two_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not bundle_mod._exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_force_refuses_the_current_folder(tmp_path: Path, bundle, monkeypatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("x")
    monkeypatch.chdir(work)
    with pytest.raises(BundleExistsError, match="current folder"):
        write_bundle(bundle, ".", force=True)
    with pytest.raises(BundleExistsError, match="current folder"):
        write_bundle(bundle, tmp_path, force=True)
    assert (work / "notes.txt").read_text() == "x"


def test_force_refuses_a_git_repository(tmp_path: Path, bundle) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    with pytest.raises(BundleExistsError, match="git"):
        write_bundle(bundle, repo, force=True)
    assert (repo / ".git").is_dir()


def test_output_path_is_a_file(tmp_path: Path, bundle) -> None:
    f = tmp_path / "out"
    f.write_text("file")
    with pytest.raises(NotADirectoryError):
        write_bundle(bundle, f, force=True)
    assert f.read_text() == "file"
