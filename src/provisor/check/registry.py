"""The rule catalogue: every rule's id, default severity, summary and documentation.

A rule is a function ``(ctx: Context) -> Iterable[Hit]`` registered with :func:`rule`. Its
docstring is its documentation, in three parts (what it flags, why, how to fix), in
Markdown; ``provisor check --explain RULE`` prints it and ``docs/rules/<family>/<name>.md``
is generated from it (``make docs``), so the two never drift. The runner turns hits into
:class:`provisor.findings.Finding` values, applying the configured severity, exclusions and
per-object silences (see :mod:`provisor.check.config`).

Rule ids are ``family/name`` slugs (pint's convention), e.g. ``quota/hpa-max-exceeds``.
One rule per module under ``provisor/check/rules/<family>/``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisor.findings import Severity

if TYPE_CHECKING:
    from provisor.check.context import Context, Hit

RuleFunc = Callable[["Context"], Iterable["Hit"]]

#: The ``--profile`` choices, least to most rules. A rule registered with ``profile=P`` runs in
#: P and every profile after it: ``minimal`` holds the rules that find objects Kubernetes
#: refuses or that cannot work; ``default`` adds the availability and resource basics other
#: linters report; ``strict`` adds debated practices (CPU limits) and rules that fire without
#: the context that makes them certain.
PROFILES: tuple[str, ...] = ("minimal", "default", "strict")

_ID = re.compile(r"^[a-z][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule.

    Attributes:
        id: ``family/name``.
        severity: the default severity (``.provisor.yaml`` may change it).
        summary: one line, shown by ``--list-rules``.
        doc: the Markdown documentation (the function's docstring, dedented).
        func: the check itself.
        family: the part of ``id`` before the slash.
        profile: the least profile (:data:`PROFILES`) the rule runs in.
    """

    id: str
    severity: Severity
    summary: str
    doc: str
    func: RuleFunc
    profile: str = "minimal"

    def in_profile(self, profile: str) -> bool:
        """Whether the rule runs under ``profile`` (one of :data:`PROFILES`)."""
        return PROFILES.index(profile) >= PROFILES.index(self.profile)

    @property
    def family(self) -> str:
        return self.id.split("/", 1)[0]


#: Rules that the runner emits itself (they have no function of their own).
BUILTIN_DOCS: dict[str, tuple[Severity, str, str]] = {}

_REGISTRY: dict[str, Rule] = {}
_LOADED = False


def rule(id: str, severity: Severity, summary: str,
         profile: str = "minimal") -> Callable[[RuleFunc], RuleFunc]:
    """Register ``func`` as rule ``id``, run in ``profile`` and the profiles after it.

    Raises:
        ValueError: the id is not a ``family/name`` slug, or is registered twice, or the
            function has no docstring, or ``profile`` is not one of :data:`PROFILES`.
    """

    if not _ID.match(id):
        raise ValueError(f"rule id {id!r} is not a family/name slug")
    if profile not in PROFILES:
        raise ValueError(f"rule {id}: profile must be one of {', '.join(PROFILES)}")

    def deco(func: RuleFunc) -> RuleFunc:
        if id in _REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        doc = _dedent(func.__doc__ or "")
        if not doc:
            raise ValueError(f"rule {id} has no documentation")
        _REGISTRY[id] = Rule(id=id, severity=severity, summary=summary, doc=doc, func=func,
                             profile=profile)
        return func

    return deco


def declare(id: str, severity: Severity, summary: str, doc: str) -> None:
    """Document a rule that is emitted by the runner or the loader rather than by a rule
    function (``input/*``, ``schema/*``, ``config/*``), so it is listed and explainable."""
    if not _ID.match(id):
        raise ValueError(f"rule id {id!r} is not a family/name slug")
    BUILTIN_DOCS[id] = (severity, summary, _dedent(doc))


def _dedent(text: str) -> str:
    import inspect

    return inspect.cleandoc(text).strip()


def load_rules() -> dict[str, Rule]:
    """Import every module under ``provisor.check.rules`` once and return the registry
    (id -> Rule), sorted by id."""
    global _LOADED
    if not _LOADED:
        from provisor.check import rules as pkg

        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
        _LOADED = True
    return dict(sorted(_REGISTRY.items()))


def all_docs() -> dict[str, tuple[Severity, str, str]]:
    """Every documented rule id -> (default severity, summary, doc), rule functions and
    built-in ones together, sorted by id."""
    out: dict[str, tuple[Severity, str, str]] = {
        r.id: (r.severity, r.summary, r.doc) for r in load_rules().values()
    }
    out.update(BUILTIN_DOCS)
    return dict(sorted(out.items()))


def explain(rule_id: str) -> str:
    """The Markdown page of one rule.

    Raises:
        KeyError: no such rule.
    """
    docs = all_docs()
    if rule_id not in docs:
        raise KeyError(rule_id)
    sev, summary, doc = docs[rule_id]
    r = load_rules().get(rule_id)
    least = r.profile if r is not None else PROFILES[0]
    runs = ", ".join(f"`{p}`" for p in PROFILES[PROFILES.index(least):])
    return (f"# {rule_id}\n\nDefault severity: **{sev}**. Profiles: {runs}"
            f"{' (opt-in)' if least == 'strict' else ''}. {summary}\n\n{doc}\n")


