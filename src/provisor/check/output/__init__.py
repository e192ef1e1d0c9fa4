"""Output formats for ``provisor check``, one module per format (KRR's registry pattern).

``FORMATS`` maps a format name to ``render(result, *, color: bool) -> str``. Every format
prints the same findings; none of them decides the exit code.
"""

from __future__ import annotations

import json as _json  # not "json": that name is the json output submodule
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisor.check import CheckResult

Renderer = Callable[..., str]


def get(name: str) -> Renderer:
    """The renderer of format ``name`` (text, json, sarif).

    Raises:
        KeyError: unknown format.
    """
    if name == "text":
        from provisor.check.output.text import render
    elif name == "json":
        from provisor.check.output.json import render
    elif name == "sarif":
        from provisor.check.output.sarif import render
    else:
        raise KeyError(name)
    return render


FORMATS = ("text", "json", "sarif")


def render(result: "CheckResult", fmt: str, *, color: bool = False) -> str:
    return get(fmt)(result, color=color)


_compact = _json.JSONEncoder().encode  # no indent: the C encoder (indent= forces pure Python)


def dumps_outline(value: Any, levels: int, _depth: int = 0) -> str:
    """JSON text of ``value`` with its outer ``levels`` of objects and arrays laid out one
    member per line (two-space indent) and everything deeper on one line, as
    ``json.dumps(x)`` prints it.

    ``json.dumps(indent=2)`` runs the pure-Python encoder (the C one has no indent); for a
    report of 100,000 findings that dominated the time and memory of writing it. Here the
    bulk (each finding) goes through the C encoder, one finding per line, which also
    keeps the report readable and easy to grep or diff. Same value as ``json.dumps``:
    ``json.loads`` gives it back. Deterministic (key order as given)."""
    if levels > 0 and value and isinstance(value, (dict, list)):
        pad = "  " * (_depth + 1)
        if isinstance(value, dict):
            lines = [f"{pad}{_compact(str(k))}: {dumps_outline(v, levels - 1, _depth + 1)}"
                     for k, v in value.items()]
            open_, close = "{", "}"
        else:
            lines = [pad + dumps_outline(v, levels - 1, _depth + 1) for v in value]
            open_, close = "[", "]"
        return open_ + "\n" + ",\n".join(lines) + "\n" + "  " * _depth + close
    return _compact(value)
