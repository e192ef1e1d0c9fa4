"""Policy variants: override policy fields by dotted path.

``sweep`` and ``tune`` describe a variant as ``{path: value}``, for example::

    quota.hard.requests.memory: 96Gi
    agents.rex.max_concurrency: 3
    tiers.implementation.claude-3-5-sonnet.requests.cpu: 1500m

A path is resolved against the policy's own data, level by level, and at each level the
longest run of segments that names an existing key wins, so keys that hold dots themselves
(quota keys such as ``requests.memory``, label keys such as ``app.kubernetes.io/name``) need no
quoting. A list element is addressed by its index (``...containers.0``). Only the last
segment may name a key that does not exist yet (adding a map entry); anything else is an
error that names the path and the keys that exist at that level.

The result is validated by the same pydantic model as a policy file, so a variant that makes
the policy invalid is refused with the field and the reason, never simulated.
"""

from __future__ import annotations

import copy
import difflib
from typing import TYPE_CHECKING, Any, Mapping

from provisor.policy.load import PolicyError, PolicyProblem

if TYPE_CHECKING:
    from provisor.policy.model import Policy


class OverrideError(ValueError):
    """A path that does not resolve. ``str()`` names the path and what exists there."""


def _resolve_key(node: dict[str, Any], segs: list[str], path: str) -> tuple[str, int]:
    for j in range(len(segs), 0, -1):
        cand = ".".join(segs[:j])
        if cand in node:
            return cand, j
    if len(segs) == 1:
        return segs[0], 1                      # a new map entry
    keys = sorted(node)
    near = difflib.get_close_matches(segs[0], keys, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise OverrideError(f"{path}: no key {segs[0]!r} here (keys: {', '.join(keys) or 'none'}){hint}")


def get_path(data: Any, path: str) -> Any:
    """The value at dotted ``path`` in nested dicts/lists ``data`` (same resolution as
    :func:`set_path`).

    Raises:
        OverrideError: the path does not resolve.
    """
    segs = path.split(".")
    node = data
    while segs:
        if isinstance(node, list):
            try:
                node, segs = node[int(segs[0])], segs[1:]
            except (ValueError, IndexError):
                raise OverrideError(f"{path}: {segs[0]!r} is not an index") from None
            continue
        if not isinstance(node, dict):
            raise OverrideError(f"{path}: cannot descend into a {type(node).__name__}")
        key, used = _resolve_key(node, segs, path)
        if key not in node:
            raise OverrideError(f"{path}: no key {key!r}")
        node, segs = node[key], segs[used:]
    return node


def set_path(data: Any, path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` in nested dicts/lists ``data`` (in place).

    Raises:
        OverrideError: the path does not resolve (see the module doc).
    """
    segs = [s for s in path.split(".")]
    if not path or any(s == "" for s in segs):
        raise OverrideError(f"{path!r}: empty path segment")
    node = data
    while segs:
        if isinstance(node, list):
            try:
                idx = int(segs[0])
                node[idx]
            except (ValueError, IndexError):
                raise OverrideError(f"{path}: {segs[0]!r} is not an index of a list of "
                                    f"{len(node)}") from None
            if len(segs) == 1:
                node[idx] = value
                return
            node, segs = node[idx], segs[1:]
            continue
        if not isinstance(node, dict):
            raise OverrideError(f"{path}: cannot descend into a {type(node).__name__}")
        key, used = _resolve_key(node, segs, path)
        if used == len(segs):
            node[key] = value
            return
        if key not in node:
            raise OverrideError(f"{path}: no key {key!r}")
        node, segs = node[key], segs[used:]


def apply_overrides(policy: "Policy", overrides: Mapping[str, Any], *,
                    name: str = "<variant>", capacity_checks: bool = True) -> "Policy":
    """A new policy: ``policy`` with every ``{path: value}`` of ``overrides`` applied, in
    sorted path order (so the result does not depend on the mapping's order).

    ``capacity_checks=False`` accepts a variant whose planned load does not fit its quota
    (``Policy.capacity_problems`` lists what a plan would refuse): a sweep simulates such
    variants on purpose. Every other check still applies.

    Raises:
        PolicyError: a path does not resolve, or the result is not a valid policy (problems
            name ``name`` as the file and the field paths; line 0).
    """
    from pydantic import ValidationError

    from provisor.policy.model import Policy

    data = copy.deepcopy(policy.model_dump(mode="json", by_alias=True))
    for path in sorted(overrides):
        try:
            set_path(data, path, overrides[path])
        except OverrideError as exc:
            raise PolicyError([PolicyProblem(path, name, 0, str(exc))]) from None
    try:
        return Policy.model_validate(data, context={"capacity_checks": capacity_checks})
    except ValidationError as exc:
        problems = [PolicyProblem(".".join(str(p) for p in e["loc"]) or "<policy>", name, 0,
                                  e["msg"]) for e in exc.errors()]
        raise PolicyError(problems) from None
