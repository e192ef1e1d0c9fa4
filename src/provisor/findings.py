"""Findings: what ``check`` (and the loader, for bad input) reports.

A finding is the unit every output format (text, json, sarif) prints. It lives in its own
small module, below ``manifests`` and ``check``, because the loader reports unreadable files
as findings too and ``manifests`` must not import ``check``.

Shape (see DESIGN.md, "Conventions")::

    Finding(rule="quota/hpa-max-exceeds", severity="error", file="bundle/quota.yaml", line=7,
            object=ObjectRef("v1", "ResourceQuota", "agent-platform", "agent-platform-quota"),
            message="...", fix="...")

``line`` is 1-based; 0 means "no line" (stdin with no position, or an object built in memory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

#: Severity order, lowest first. ``SEVERITY_RANK["error"] > SEVERITY_RANK["info"]``.
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """The object a finding is about: apiVersion, kind, namespace ("" when cluster-scoped or
    unset) and name ("" when unnamed, e.g. a Prometheus rule file)."""

    api_version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""

    @classmethod
    def of(cls, obj: Any) -> "ObjectRef":
        """Build a reference from a Kubernetes object dict; tolerant of missing fields."""
        if not isinstance(obj, dict):
            return cls()
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        return cls(
            api_version=str(obj.get("apiVersion") or ""),
            kind=str(obj.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
        )

    def to_json(self) -> dict[str, str]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}" if self.kind else self.name


@dataclass(slots=True)
class Finding:
    """One reported problem.

    Attributes:
        rule: the rule id, ``family/name`` (e.g. ``schema/invalid``, ``input/unreadable``).
        severity: ``"error" | "warning" | "info"``.
        file: the source path as given by the user ("-" for stdin, "" for in-memory objects).
        line: 1-based line of the offending field, else of the document; 0 when unknown.
        object: the object the finding is about (empty ``ObjectRef`` for file-level findings).
        message: one or more sentences saying what is wrong, with the numbers.
        fix: how to fix it, or ``None``.
    """

    rule: str
    severity: Severity
    file: str
    line: int
    object: ObjectRef = field(default_factory=ObjectRef)
    message: str = ""
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "object": self.object.to_json(),
            "message": self.message,
            "fix": self.fix,
        }

    def sort_key(self) -> tuple[str, int, int, str, str, str, str, str, str, str]:
        """(file, line, severity descending, rule, then the object and the text): a total
        order, so that a report never depends on the order findings were produced in."""
        o = self.object
        return (self.file, self.line, -SEVERITY_RANK[self.severity], self.rule, o.kind,
                o.namespace, o.name, o.api_version, self.message, self.fix or "")
