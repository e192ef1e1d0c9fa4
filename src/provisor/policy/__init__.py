"""The platform resource policy: model, built-in default, loading with field paths and lines.

Public API::

    load_policy(path: str | Path | None) -> Policy        # None = built-in agent-platform
    default_policy_path() -> Path
    validate_policy_file(path) -> list[PolicyProblem]     # `provisor policy validate FILE`
    parse_policy_text(text, name) -> Policy
    dump_policy(policy, fmt="yaml"|"json") -> str         # `provisor policy show`
    PolicyError(ValueError).problems: list[PolicyProblem(field, file, line, message)]

The model (pydantic v2) lives in ``provisor.policy.model``; importing it costs the pydantic
import, so this package imports it lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisor.policy.load import (
    PolicyError,
    PolicyProblem,
    default_policy_path,
    dump_policy,
    load_policy,
    parse_policy_text,
    validate_policy_file,
)

if TYPE_CHECKING:
    from provisor.policy.model import Policy

__all__ = [
    "Policy",
    "PolicyError",
    "PolicyProblem",
    "default_policy_path",
    "dump_policy",
    "load_policy",
    "parse_policy_text",
    "validate_policy_file",
]


def __getattr__(name: str) -> Any:
    if name == "Policy":
        from provisor.policy.model import Policy

        return Policy
    raise AttributeError(name)
