"""``--format json``: ``{"findings": [...], "summary": {...}}``.

Each finding: ``{"rule", "severity", "file", "line", "object": {"apiVersion", "kind",
"namespace", "name"}, "message", "fix"}``. Keys are stable; consumers may rely on them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisor.check import CheckResult


def render(result: "CheckResult", *, color: bool = False, **_: Any) -> str:
    doc = {"findings": [f.to_json() for f in result.findings], "summary": result.summary}
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
