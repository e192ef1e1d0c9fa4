"""Atomic file output: write to a temporary file in the same folder, then rename, so a
reader never sees half a file and a failure leaves the old file as it was."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (same-folder temp file, fsync, rename).

    Raises:
        OSError: the folder does not exist or is not writable.
    """
    write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Bytes version of :func:`write_text_atomic`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextlib.contextmanager
def atomic_writer(path: str | Path, *, overwrite: bool = False) -> Iterator[BinaryIO]:
    """Stream a file into place atomically: yields a binary file object on a temp file in
    the same folder; on a clean exit it is flushed, fsynced and renamed over ``path``; on an
    exception it is removed and ``path`` is left as it was.

    Args:
        path: the destination file.
        overwrite: replace an existing ``path`` (the CLI's ``--force``); without it an
            existing file (or a symlink, even a dangling one) is refused.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false (checked before writing
            and again before the rename).
        OSError: the folder does not exist or is not writable.
    """
    path = Path(path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "exists (use --force to replace it)", str(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            # link() fails if the name appeared meanwhile: never replace a file we were not
            # allowed to replace
            os.link(tmp, path)
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
