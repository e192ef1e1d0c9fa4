"""``--format json``: ``{"findings": [...], "summary": {...}}``.

Each finding: ``{"rule", "severity", "file", "line", "object": {"apiVersion", "kind",
"namespace", "name"}, "message", "fix"}``. Keys are stable; consumers may rely on them.
Laid out one finding per line (:func:`provisor.check.output.dumps_outline`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisor.check import CheckResult


def render(result: "CheckResult", *, color: bool = False, **_: Any) -> str:
    from provisor.check.output import dumps_outline

    doc = {"findings": [f.to_json() for f in result.findings], "summary": result.summary}
    return dumps_outline(doc, 2) + "\n"
