"""Reading a policy file: YAML with line marks, pydantic validation, problems by field and line.

The file is parsed once with PyYAML's C parser (``CSafeLoader``): the node tree keeps each
key's line (``node.start_mark``), and the same loader constructs the plain data. A pydantic
error location such as ``("agents", "rex", "tier")`` is then looked up in the node tree to
give the line of the ``tier:`` key; when the field is missing, the line of the nearest
existing parent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

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
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


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
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_POLICY_BYTES:
        raise PolicyError([PolicyProblem("<policy>", str(path), 0,
                                         f"file is {size} bytes; a policy is at most "
                                         f"{MAX_POLICY_BYTES} bytes")])
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([PolicyProblem("<policy>", str(path), 0,
                                         f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
                          ) from None


def _parse(text: str, name: str) -> tuple["Policy | None", list[PolicyProblem]]:
    from pydantic import ValidationError

    from provisor.policy.model import Policy

    try:
        node, data = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        return None, [PolicyProblem("<policy>", name, line, f"invalid YAML: {msg}")]
    except yaml.YAMLError as exc:
        return None, [PolicyProblem("<policy>", name, 0, f"invalid YAML: {exc}")]
    problems = _duplicate_keys(node, name)
    if not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else 1
        return None, problems + [PolicyProblem("<policy>", name, line,
                                               "a policy is a mapping of fields")]
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        return None, problems + _problems_of(exc, node, name)
    if problems:
        return None, problems
    return policy, []


def _compose(text: str) -> tuple[yaml.Node | None, Any]:
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _duplicate_keys(node: yaml.Node | None, name: str, path: tuple[str, ...] = ()
                    ) -> list[PolicyProblem]:
    """YAML lets a later key silently win; in a policy that is a mistake."""
    out: list[PolicyProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                out.append(PolicyProblem(".".join((*path, key)), name, k.start_mark.line + 1,
                                         f"duplicate key {key!r}"))
            seen.add(key)
            out.extend(_duplicate_keys(v, name, (*path, key)))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.extend(_duplicate_keys(v, name, (*path, str(i))))
    return out


def _line_of(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int:
    """1-based line of the deepest node on ``loc`` (key line for mapping entries)."""
    if node is None:
        return 0
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(part):
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
                0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _problems_of(exc: Any, node: yaml.Node | None, name: str) -> list[PolicyProblem]:
    from provisor.policy.model import CrossFieldErrors

    out: list[PolicyProblem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, CrossFieldErrors):
            for sub, msg in cause.problems:
                full = (*loc, *sub)
                out.append(PolicyProblem(_dotted(full), name, _line_of(node, full), msg))
            continue
        msg = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append(PolicyProblem(_dotted(loc), name, _line_of(node, loc), msg))
    out.sort(key=lambda p: (p.line, p.field))
    return out


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "<policy>"
