"""``provisor check``: schema validation plus the cross-object rule catalogue.

Entry point::

    run_check(documents, *, config=None, kubernetes_version=None, schema=True) -> CheckResult

``documents`` is what :func:`provisor.manifests.load` returns (its ``.findings``, the
loader's own, are carried into the result). The result holds the findings, sorted by file and
line, and a summary. Rules read objects only, never the policy file.

Exit codes (``CheckResult.exit_code``): 0 when no finding is at or above ``fail_on``; 1 when
one is; 2 when some input could not be read or parsed (bad input wins over findings).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provisor.check import builtin as _builtin  # noqa: F401  (documents input/* and schema/*)
from provisor.check.registry import declare
from provisor.conventions import SILENCE_PREFIX
from provisor.findings import SEVERITY_RANK, Finding, ObjectRef

if TYPE_CHECKING:
    from provisor.check.config import Config
    from provisor.check.context import Context, Hit
    from provisor.manifests import Document

declare(
    "check/rule-crashed", "error", "A rule failed on this input (a provisor bug).",
    """
    **What it flags.** A rule raised an exception on an object. The other rules still ran.

    **Why.** A checker that stops at its first bug hides every later finding.

    **Fix.** Report it with the object attached; meanwhile disable the rule in
    `.provisor.yaml` (`check: {disable: [the/rule]}`).
    """,
)
declare(
    "config/silence-without-reason", "warning",
    "A silencing annotation gives no reason, so it does not silence.",
    f"""
    **What it flags.** An annotation `{SILENCE_PREFIX}<family>.<name>` with an empty value.

    **Why.** A silenced finding must say why, so that the next reader can judge whether the
    reason still holds.

    **Fix.** Put the reason in the annotation's value.
    """,
)


@dataclass
class CheckResult:
    """Findings and a summary.

    Attributes:
        findings: sorted by (file, line, severity desc, rule).
        summary: JSON-ready counts: ``files``, ``documents``, ``objects`` (by kind),
            ``by_type``, ``by_severity``, ``by_rule``, ``unknown_kinds``, ``silenced``,
            ``excluded`` (nothing that depends on the clock or on the order of the input).
        bad_input: some input could not be read or parsed.
        seconds: how long the check took (wall clock; not part of any report, so that two
            runs over the same input give byte-identical reports).
    """

    findings: list[Finding]
    summary: dict[str, Any] = field(default_factory=dict)
    bad_input: bool = False
    seconds: float = 0.0

    def exit_code(self, fail_on: str = "error") -> int:
        """0, 1 or 2 as documented in the module docstring.

        Raises:
            ValueError: ``fail_on`` is not error, warning or info.
        """
        if fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be error, warning or info, not {fail_on!r}")
        if self.bad_input:
            return 2
        bar = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= bar for f in self.findings) else 0


def run_check(
    documents: "list[Document]",
    *,
    config: "Config | None" = None,
    kubernetes_version: str | None = None,
    schema: bool = True,
    rules: bool = True,
    default_namespace: str | None = None,
) -> CheckResult:
    """Check ``documents``: loader findings, schema validation, then every enabled rule.

    Args:
        documents: from :func:`provisor.manifests.load` (a plain list works too).
        config: from :func:`provisor.check.config.load_config`; defaults when None.
        kubernetes_version: e.g. ``"1.33"``; None = the newest schema bundled.
        schema: run schema validation.
        rules: run the rule catalogue.
        default_namespace: the namespace objects without one are applied to (``kubectl apply
            -n``); None judges such objects per kustomization or per file (see
            :mod:`provisor.check.context`).

    Raises:
        provisor.manifests.UnsupportedVersionError: an unknown ``kubernetes_version``.
    """
    from provisor.check.config import Config
    from provisor.check.context import Context
    from provisor.check.registry import load_rules

    t0 = time.perf_counter()
    cfg = config or Config()
    loader_findings: list[Finding] = list(getattr(documents, "findings", []) or [])
    bad_input = bool(getattr(documents, "bad_input", False))
    raw: list[Finding] = list(loader_findings)

    if schema:
        from provisor.manifests import schema as schema_mod

        validator = schema_mod.SchemaValidator(kubernetes_version)
        for d in documents:
            if d.type == "kubernetes":
                raw.extend(validator.validate(d))

    if rules:
        ctx = Context(list(documents), cfg.settings, default_namespace=default_namespace,
                      kubernetes_version=kubernetes_version)
        ctx.profile = cfg.profile
        with ctx.active():
            for r in load_rules().values():
                if not cfg.runs(r):
                    continue
                try:
                    for hit in r.func(ctx):
                        raw.append(_finding(ctx, r.id, r.severity, hit))
                except Exception as exc:  # a rule bug must not hide the other rules' findings
                    raw.append(_crashed(ctx, r.id, exc))

    findings, silenced, excluded = _filter(raw, documents, cfg, ctx if rules else None)
    findings.sort(key=Finding.sort_key)
    summary = _summary(documents, findings, silenced, excluded)
    return CheckResult(findings=findings, summary=summary, bad_input=bad_input,
                       seconds=round(time.perf_counter() - t0, 3))


def _finding(ctx: "Context", rule_id: str, severity: Any, hit: "Hit") -> Finding:
    if hit.severity in SEVERITY_RANK:
        severity = hit.severity
    d = hit.doc
    if d is None:
        return Finding(rule=rule_id, severity=severity, file="", line=0,
                       object=hit.obj or ObjectRef(), message=hit.message, fix=hit.fix)
    line = d.line_of(hit.path) if hit.path else d.line
    obj = hit.obj or (ctx.ref(d) if d.type == "kubernetes" else ObjectRef())
    return Finding(rule=rule_id, severity=severity, file=d.file, line=line, object=obj,
                   message=hit.message, fix=hit.fix)


def _crashed(ctx: "Context", rule_id: str, exc: BaseException) -> Finding:
    """``check/rule-crashed`` for ``exc``, at the document the rule was reading when it
    failed: the innermost frame of the traceback that holds a ``Document`` (or a value with
    a ``.doc`` Document, such as a ``Workload``) in a local variable."""
    from provisor.manifests.document import Document

    doc: Document | None = None
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            cand = value if isinstance(value, Document) else getattr(value, "doc", None)
            if isinstance(cand, Document):
                doc = cand
                break
        if doc is not None:
            break
    where = ObjectRef()
    file, line = "", 0
    if doc is not None:
        file, line = doc.file, doc.line
        if doc.type == "kubernetes":
            where = ctx.ref(doc)
    return Finding(
        rule="check/rule-crashed", severity="error", file=file, line=line, object=where,
        message=f"rule {rule_id} crashed: {type(exc).__name__}: {exc}",
        fix=f"disable {rule_id} in .provisor.yaml and report the input")


def _filter(raw: list[Finding], documents: Any, cfg: "Config", ctx: "Context | None" = None
            ) -> tuple[list[Finding], int, int]:
    """Apply severity overrides, exclusions, disabled built-in rules and silences (an object's
    reference as the rules' findings give it: ``ctx.ref``, when the rules ran)."""
    silences: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for d in documents:
        if d.type != "kubernetes":
            continue
        ann = d.obj.get("metadata", {}).get("annotations") if isinstance(
            d.obj.get("metadata"), dict) else None
        if isinstance(ann, dict):
            marks = {k[len(SILENCE_PREFIX):]: v for k, v in ann.items()
                     if isinstance(k, str) and k.startswith(SILENCE_PREFIX)}
            if marks:
                refs = [ObjectRef.of(d.obj)]
                if ctx is not None:  # the rules' findings carry the namespace it lands in
                    with ctx.active():
                        refs.append(ctx.ref(d))
                for ref in refs:
                    silences[(ref.kind, ref.namespace, ref.name, d.file)] = {
                        k: (v if isinstance(v, str) else "") for k, v in marks.items()}
    out: list[Finding] = []
    silenced = excluded = 0
    warned: set[tuple[str, str, str, str, str]] = set()
    for f in raw:
        if not cfg.enabled(f.rule):
            continue
        f.severity = cfg.severity_of(f.rule, f.severity)
        if cfg.excluded(f):
            excluded += 1
            continue
        key = (f.object.kind, f.object.namespace, f.object.name, f.file)
        object_marks = silences.get(key)
        if object_marks:
            dotted = f.rule.replace("/", ".", 1)
            if dotted in object_marks:
                reason = object_marks[dotted].strip()
                if reason:
                    silenced += 1
                    continue
                wkey = (*key, dotted)
                if wkey not in warned:
                    warned.add(wkey)
                    out.append(Finding(
                        rule="config/silence-without-reason", severity=cfg.severity_of(
                            "config/silence-without-reason", "warning"),
                        file=f.file, line=f.line, object=f.object,
                        message=f"annotation {SILENCE_PREFIX}{dotted} has no reason, so "
                                f"{f.rule} is not silenced",
                        fix="write why the finding does not apply as the annotation's value"))
        out.append(f)
    return out, silenced, excluded


def _summary(documents: Any, findings: list[Finding], silenced: int,
             excluded: int) -> dict[str, Any]:
    kinds: Counter[str] = Counter()
    types: Counter[str] = Counter()
    files: set[str] = set()
    for d in documents:
        types[d.type] += 1
        files.add(d.file)
        if d.type == "kubernetes" and not str(d.obj.get("apiVersion", "")).startswith(
                "kustomize.config.k8s.io/"):  # kustomize's build file is not applied
            kinds[str(d.obj.get("kind"))] += 1
    for f in getattr(documents, "findings", []) or []:
        if f.file:
            files.add(f.file)
    sev: Counter[str] = Counter(f.severity for f in findings)
    return {
        "files": len(files),
        "documents": len(documents),
        "by_type": dict(sorted(types.items())),
        "objects": dict(sorted(kinds.items())),
        "by_severity": {s: sev.get(s, 0) for s in ("error", "warning", "info")},
        "by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
        "unknown_kinds": sum(1 for f in findings if f.rule == "schema/unknown-kind"),
        "silenced": silenced,
        "excluded": excluded,
    }


__all__ = ["CheckResult", "run_check"]
