"""Atomic file output: write to a temporary file in the same folder, then rename, so a
reader never sees half a file and a failure leaves the old file as it was.

Every output path provisor writes goes through here (``check -o``, and any later report):

* the new file is written to a hidden temporary file next to the target, fsynced, given the
  mode a newly created file gets (``0o666`` less the umask: nothing of the old file's mode,
  owner or contents is kept), then renamed into place;
* without ``replace`` an existing path (a file, a folder, a symlink, even a dangling one) is
  refused with :class:`OutputExistsError`, and the rename is a no-clobber ``link`` so a file
  created meanwhile is not overwritten either;
* a symlink at the target is never followed: with ``replace`` the link itself is replaced by
  the new file and its target is left as it was;
* on any failure the temporary file is removed (no ``.tmp`` is left behind).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

__all__ = ["OutputExistsError", "atomic_writer", "new_file_mode", "write_bytes_atomic",
           "write_text_atomic"]


class OutputExistsError(FileExistsError):
    """The output path exists and replacing it was not allowed (no ``--force``)."""


def new_file_mode() -> int:
    """The permission bits a newly created file gets here: ``0o666`` less the process umask."""
    return 0o666 & ~_umask()


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8",
                      replace: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (same-folder temp file, fsync, rename).

    Args:
        path: the file to write.
        text: its new contents.
        encoding: text encoding (default UTF-8).
        replace: when False, refuse a path that exists (``--force`` not given).

    Raises:
        OutputExistsError: ``replace`` is False and ``path`` exists (or is a symlink).
        IsADirectoryError: ``path`` is a folder.
        OSError: the folder does not exist or is not writable, or the disk is full.
    """
    write_bytes_atomic(path, text.encode(encoding), replace=replace)


def write_bytes_atomic(path: str | Path, data: bytes, *, replace: bool = True) -> None:
    """Bytes version of :func:`write_text_atomic` (same arguments and errors)."""
    path = Path(path)
    if not replace and os.path.lexists(path):
        raise OutputExistsError(errno.EEXIST, "exists; use --force to replace it", str(path))
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), new_file_mode())
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)  # replaces a symlink itself, never writes through it
        else:
            try:
                os.link(tmp, path, follow_symlinks=False)  # fails if path appeared meanwhile
            except FileExistsError:
                raise OutputExistsError(errno.EEXIST, "exists; use --force to replace it",
                                        str(path)) from None
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                                   errno.EMLINK):
                    raise
                # No hard links here (some network filesystems): last check, then rename.
                if os.path.lexists(path):
                    raise OutputExistsError(errno.EEXIST, "exists; use --force to replace it",
                                            str(path)) from None
                os.replace(tmp, path)
                return
            os.unlink(tmp)
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
        OutputExistsError: (a FileExistsError) ``path`` exists and ``overwrite`` is false
            (checked before writing and again, by a no-clobber link, at the rename).
        OSError: the folder does not exist or is not writable.
    """
    path = Path(path)
    if not overwrite and os.path.lexists(path):
        raise OutputExistsError(errno.EEXIST, "exists (use --force to replace it)", str(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        os.fchmod(fd, new_file_mode())
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
