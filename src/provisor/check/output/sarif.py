"""``--format sarif``: SARIF 2.1.0, as GitHub code scanning accepts it.

One run; ``tool.driver.rules`` lists every rule that has a result (id, short and full
description, Markdown help, default level); each result has ``ruleId``, ``ruleIndex``,
``level`` (error | warning | note), the message (with the fix appended), one physical
location (file relative to the current directory when possible, ``region.startLine`` when the
line is known) and a ``partialFingerprints`` entry so that code scanning tracks a finding
across commits, and a ``logicalLocations`` entry naming the object. A finding with no file of
its own is placed at the first file of the run (GitHub requires a location on every result).

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html; GitHub's subset:
docs.github.com "SARIF support for code scanning".
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import provisor

if TYPE_CHECKING:
    from provisor.check import CheckResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(file: str) -> str:
    if file in ("", "-"):
        return "stdin"
    p = Path(file)
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve())
        return rel.as_posix()
    except ValueError:
        return p.resolve().as_uri()


def render(result: "CheckResult", *, color: bool = False, **_: Any) -> str:
    from provisor.check.registry import all_docs

    docs = all_docs()
    used = sorted({f.rule for f in result.findings})
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rid in used:
        sev, summary, doc = docs.get(rid, ("warning", rid, rid))
        index[rid] = len(rules)
        rules.append({
            "id": rid,
            "name": rid.replace("/", "-"),
            "shortDescription": {"text": summary},
            "fullDescription": {"text": summary},
            "help": {"text": doc, "markdown": doc},
            "defaultConfiguration": {"level": _LEVEL[sev]},
            "properties": {"tags": [rid.split("/", 1)[0]]},
        })
    results: list[dict[str, Any]] = []
    # GitHub code scanning wants a physical location on every result: a finding with no file
    # of its own (a crashed rule, a missing tool) is placed at the run's first file.
    fallback = next((f.file for f in result.findings if f.file), "")
    for f in result.findings:
        text = f.message + (f" Fix: {f.fix}" if f.fix else "")
        loc: dict[str, Any] = {}
        file = f.file or fallback
        if file:
            phys: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
            if f.line > 0:
                phys["region"] = {"startLine": f.line}
            loc["physicalLocation"] = phys
        obj = str(f.object)
        if obj:
            loc["logicalLocations"] = [{"fullyQualifiedName": obj, "kind": "object"}]
        fp = hashlib.sha256(
            f"{f.rule}|{f.file}|{obj}|{f.message}".encode()).hexdigest()[:32]
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": text},
            "partialFingerprints": {"provisorFinding/v1": fp},
        }
        if loc:
            res["locations"] = [loc]
        results.append(res)
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "provisor",
                "version": provisor.__version__,
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
        }],
    }
    from provisor.check.output import dumps_outline

    # sarif -> runs -> run -> results -> one result per line
    return dumps_outline(sarif, 4) + "\n"
