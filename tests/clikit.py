"""Run the ``provisor`` command in this process (fast; for the many bad-input and fuzz
cases). ``invoke(*args, stdin=...)`` returns ``(exit code, stdout, stderr)``; the real
entry point :func:`provisor.cli.main` runs, so exit codes are exactly the command's."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def _swapped_stdin(data: bytes | None) -> Iterator[None]:
    if data is None:
        yield
        return
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = old


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """``provisor ARGS`` in-process: (exit code, stdout text, stderr text)."""
    from provisor.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    argv = sys.argv
    sys.argv = ["provisor", *args]  # main() reads sys.argv, as the console script does
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            _swapped_stdin(stdin):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        finally:
            sys.argv = argv
    return (code if isinstance(code, int) else (0 if code is None else 1)), out.getvalue(), \
        err.getvalue()
