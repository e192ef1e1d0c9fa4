"""Reading a policy file: YAML with line marks, pydantic validation, problems by field and line.

The file is read through the hardened reader every provisor file reader shares
(:mod:`provisor.safeyaml`: regular files only, a 1 MiB size limit, binary detection, alias
expansion, nesting depth, control characters with their line), and plain scalars are typed as
Kubernetes types them (go-yaml v2: ``1e3`` is a number, ``yes`` a boolean, ``1e400`` text).
The document's position tree (one lookup for every file, ``YamlDocument.line_of``) keeps each key's line; a pydantic error location such as
``("agents", "rex", "tier")`` is looked up in it to give the line of the ``tier:`` key; when
the field is missing, the line of the nearest existing parent. A file that is some other kind
of YAML (a Kubernetes manifest, a rule file, a dashboard) is said to be so before any field
error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from provisor.manifests.loader import node_line

if TYPE_CHECKING:
    from provisor.policy.model import Policy

#: Files larger than this are refused (a policy is a few kilobytes).
MAX_POLICY_BYTES = 1 << 20

_DEFAULT_RESOURCE = "agent-platform.yaml"


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One problem in a policy file.

    Attributes:
        field: dotted field path, e.g. ``agents.rex.tier`` (``<policy>`` for the whole file).
        file: the file name as given.
        line: 1-based line of the field (of its nearest existing parent when missing);
            0 when unknown.
        message: what is wrong.
    """

    field: str
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}: {self.field}: {self.message}"
        # No line (the file itself is refused: missing, a folder, binary): "FILE: what".
        where = "" if self.field == "<policy>" else f"{self.field}: "
        return f"{self.file}: {where}{self.message}"


class PolicyError(ValueError):
    """The policy file cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        head = problems[0] if problems else None
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{head}{more}" if head else "invalid policy")

    def report(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(p) for p in self.problems)


def default_policy_path() -> Path:
    """Path of the built-in default policy ``agent-platform.yaml`` (package data).

    Raises:
        FileNotFoundError: the package was installed without its data (a broken install).
    """
    ref = resources.files("provisor.policy").joinpath(_DEFAULT_RESOURCE)
    path = Path(str(ref))
    if not path.is_file():
        raise FileNotFoundError(f"built-in policy {_DEFAULT_RESOURCE} is missing from the package")
    return path


def _default_text() -> str:
    return resources.files("provisor.policy").joinpath(_DEFAULT_RESOURCE).read_text("utf-8")


def load_policy(path: str | Path | None = None) -> "Policy":
    """Load and validate a policy file; ``None`` loads the built-in default.

    Raises:
        PolicyError: unreadable YAML, unknown keys, bad values or cross-field problems,
            each with field path and line.
        OSError: the file cannot be read.
    """
    if path is None:
        text, name = _default_text(), _DEFAULT_RESOURCE
    else:
        text, name = _read(Path(path)), str(path)
    policy, problems = _parse(text, name)
    if problems:
        raise PolicyError(problems)
    assert policy is not None
    return policy


def validate_policy_file(path: str | Path) -> list[PolicyProblem]:
    """Every problem in a policy file (empty when it is valid). An unreadable file is one
    problem at line 0."""
    try:
        text = _read(Path(path))
    except OSError as exc:
        return [PolicyProblem("<policy>", str(path), 0, exc.strerror or str(exc))]
    except PolicyError as exc:
        return exc.problems
    return _parse(text, str(path))[1]


def parse_policy_text(text: str, name: str = "<string>") -> "Policy":
    """Validate policy YAML given as text (``name`` is used in problems).

    Raises:
        PolicyError: as ``load_policy``.
    """
    policy, problems = _parse(text, name)
    if problems:
        raise PolicyError(problems)
    assert policy is not None
    return policy


def dump_policy(policy: "Policy", fmt: str = "yaml") -> str:
    """The policy as YAML or JSON text (quantities as canonical strings, keys in model
    order). ``fmt``: ``"yaml"`` or ``"json"``."""
    data = policy.model_dump(mode="json", by_alias=True)
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt != "yaml":
        raise ValueError(f"fmt must be 'yaml' or 'json', not {fmt!r}")
    return yaml.dump(data, Dumper=_SafeDumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=100)


_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


#: The input limits a policy file is read with: the manifest loader's, with a 1 MiB size limit.
def _limits() -> Any:
    from provisor.manifests.limits import Limits

    return Limits(max_file_bytes=MAX_POLICY_BYTES)


def _read(path: Path) -> str:
    """The text of a policy file, read through the hardened reader (regular files only,
    size limit, binary detection).

    Raises:
        PolicyError: the file is refused (one problem at line 0 or at the bad byte's line).
        OSError: never (unreadable files become a PolicyError too).
    """
    from provisor.safeyaml import InputError, read_text_file

    try:
        return read_text_file(path, limits=_limits())
    except InputError as exc:
        raise PolicyError([PolicyProblem("<policy>", str(path), exc.line, exc.message)]) from None


_TEMPLATE_HINT = ("; the file holds unrendered template syntax ({{ }}): a policy is plain "
                  "YAML, not a Helm template")


def _parse(text: str, name: str) -> tuple["Policy | None", list[PolicyProblem]]:
    from pydantic import ValidationError

    from provisor.policy.model import Policy
    from provisor.safeyaml import InputError, load_yaml_document

    try:
        doc = load_yaml_document(text, source=name, limits=_limits(), allow_duplicate_keys=True)
    except InputError as exc:
        msg = exc.message
        if "{{" in text and exc.rule == "input/parse-error":
            msg += _TEMPLATE_HINT
        return None, [PolicyProblem("<policy>", name, exc.line, msg)]
    node = doc.node if doc is not None else None
    data = doc.value if doc is not None else None
    problems = _duplicate_keys(node, name)
    if not isinstance(data, dict):
        line = doc.line if doc is not None else 1
        return None, problems + [PolicyProblem("<policy>", name, line,
                                               "a policy is a mapping of fields")]
    alien = _not_a_policy(data)
    if alien:
        return None, problems + [PolicyProblem("<policy>", name, doc.line if doc else 1, alien)]
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        return None, problems + _problems_of(exc, doc, name)
    except (OverflowError, RecursionError, ValueError) as exc:  # a value no field can hold
        return None, problems + [PolicyProblem("<policy>", name, doc.line if doc else 1,
                                               f"invalid value: {exc}")]
    if problems:
        return None, problems
    return policy, []


def _not_a_policy(data: dict[str, Any]) -> str | None:
    """Why ``data`` is some other kind of file (a manifest, a rule file, a dashboard, a
    kustomization), or None when it may be a policy. Said before any field error, so a
    user who gave the wrong file is told so instead of getting a dozen unknown fields."""
    from provisor.manifests.loader import classify

    if "tiers" in data or "agents" in data:
        return None
    dtype, _meta = classify(data)
    if dtype == "kubernetes":
        kind = data.get("kind")
        what = f"a Kubernetes {kind} manifest" if isinstance(kind, str) and kind else \
            "a Kubernetes manifest"
        if str(data.get("apiVersion", "")).startswith("kustomize.config.k8s.io/"):
            what = "a kustomization"
        return (f"this file is not a policy (it looks like {what}); give `provisor check` "
                "manifests, and `policy validate` a policy (start one with "
                "`provisor policy show --source`)")
    if dtype == "prometheus-rules":
        return "this file is not a policy (it looks like a Prometheus rule file)"
    if dtype == "grafana-dashboard":
        return "this file is not a policy (it looks like a Grafana dashboard)"
    return None


def _duplicate_keys(node: yaml.Node | None, name: str, path: tuple[str, ...] = ()
                    ) -> list[PolicyProblem]:
    """YAML lets a later key silently win; in a policy that is a mistake."""
    out: list[PolicyProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                out.append(PolicyProblem(".".join((*path, key)), name, node_line(k),
                                         f"duplicate key {key!r}"))
            seen.add(key)
            out.extend(_duplicate_keys(v, name, (*path, key)))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.extend(_duplicate_keys(v, name, (*path, str(i))))
    return out


def _line_of(doc: Any, loc: tuple[str | int, ...]) -> int:
    """1-based line of ``loc`` in a :class:`provisor.safeyaml.YamlDocument` (key line for
    mapping entries; the deepest existing ancestor's when ``loc`` goes further), through the
    same position lookup as every manifest (``YamlDocument.line_of``); 0 without a document."""
    if doc is None:
        return 0
    return int(doc.line_of(tuple(loc)))


def _problems_of(exc: Any, doc: Any, name: str) -> list[PolicyProblem]:
    from provisor.policy.model import CrossFieldErrors

    out: list[PolicyProblem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, CrossFieldErrors):
            for sub, msg in cause.problems:
                full = (*loc, *sub)
                out.append(PolicyProblem(_dotted(full), name, _line_of(doc, full), msg))
            continue
        msg = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if err["type"] == "extra_forbidden":
            msg = "unknown field" + _did_you_mean(loc)
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append(PolicyProblem(_dotted(loc), name, _line_of(doc, loc), msg))
    out.sort(key=lambda p: (p.line, p.field))
    return out


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional``/unions with None from a type annotation."""
    import typing

    while True:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Annotated:
            tp = args[0]
        elif args and origin is not dict and origin is not list and origin is not tuple and \
                any(a is type(None) for a in args):
            rest = [a for a in args if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else tp
            if len(rest) != 1:
                return tp
        else:
            return tp


def _model_fields_at(loc: tuple[Any, ...]) -> list[str] | None:
    """The field names (aliases where set) of the model that holds ``loc[-1]``, or None when
    the location is not inside a model (e.g. a free-form mapping)."""
    import typing

    from pydantic import BaseModel

    from provisor.policy.model import Policy

    current: Any = Policy
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            for fname, info in current.model_fields.items():
                if part in (fname, info.alias):
                    current = info.annotation
                    break
            else:
                return None
        elif typing.get_origin(current) in (dict, list, tuple):
            args = typing.get_args(current)
            if not args:
                return None
            current = args[-1] if typing.get_origin(current) is dict else args[0]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or fname for fname, info in current.model_fields.items()]
    return None


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """``"; did you mean 'x'?"`` for an unknown field close to a known one (difflib), or ""."""
    import difflib

    if not loc:
        return ""
    try:
        known = _model_fields_at(loc)
    except Exception:  # noqa: BLE001 - a hint is never worth a crash
        return ""
    if not known:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "<policy>"
