"""Output formats for ``provisor check``, one module per format (KRR's registry pattern).

``FORMATS`` maps a format name to ``render(result, *, color: bool) -> str``. Every format
prints the same findings; none of them decides the exit code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
