"""Alerting rules (rules with an ``alert`` key) of PrometheusRule objects and rule files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Path, dig
from provisor.findings import ObjectRef

__all__ = ["alerts", "group_of"]


def alerts(ctx: Context) -> Iterator[tuple[Any, Path, dict[str, Any], ObjectRef]]:
    """(document, path to the rule, rule, object reference) for every alerting rule."""
    for doc, path, rule, ref in ctx.alerting_rules():
        if "alert" in rule:
            yield doc, path, rule, ref


def group_of(doc: Any, rule_path: Path) -> dict[str, Any]:
    """The group dict holding the rule at ``rule_path`` ({} when not found)."""
    g = dig(doc.obj, *rule_path[:-2])
    return g if isinstance(g, dict) else {}
