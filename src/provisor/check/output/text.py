"""``--format text`` (the default): findings grouped by file, one line each with
``file:line``, severity, rule id, object and message, and the fix hint indented below; a
summary line at the end. Colour only when writing to a terminal.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisor.check import CheckResult

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_DIM, _BOLD, _RESET = "\x1b[2m", "\x1b[1m", "\x1b[0m"


def render(result: "CheckResult", *, color: bool = False, **_: Any) -> str:
    def c(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    lines: list[str] = []
    for file, group in groupby(result.findings, key=lambda f: f.file):
        lines.append(c(_BOLD, file or "(no file)"))
        for f in group:
            where = (f"{file}:{f.line}" if f.line else file) if file else "-"
            obj = f" {f.object}" if f.object.kind or f.object.name else ""
            sev = c(_COLORS[f.severity], f"{f.severity:<7}")
            lines.append(f"  {where}  {sev} {f.rule}{obj}: {f.message}")
            if f.fix:
                lines.append(c(_DIM, f"      fix: {f.fix}"))
        lines.append("")
    s = result.summary
    sev = s.get("by_severity", {})
    lines.append(
        f"{s.get('files', 0)} files, {s.get('documents', 0)} documents, "
        f"{sum(s.get('objects', {}).values())} objects: "
        f"{sev.get('error', 0)} errors, {sev.get('warning', 0)} warnings, "
        f"{sev.get('info', 0)} info"
        + (f" ({s['unknown_kinds']} objects of kinds with no schema)" if s.get("unknown_kinds") else "")
        + (f"; {s['silenced']} silenced" if s.get("silenced") else "")
        + (f"; {s['excluded']} excluded" if s.get("excluded") else "")
    )
    return "\n".join(lines) + "\n"
