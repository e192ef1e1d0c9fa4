"""``provisor.promql``: static analysis of PromQL on the promql-parser AST (no live
Prometheus), metric knowledge, and a ``promtool check rules`` wrapper.

Modules:

* :mod:`provisor.promql.ast`: parse (cached) into small normalised nodes; render; walk.
* :mod:`provisor.promql.labels`: output label-set inference (which labels a sub-expression's
  series can carry, which values they can take).
* :mod:`provisor.promql.metrics`: counter vs gauge, exporters and scrape targets, units,
  series that read 0 when a limit is unset; overridable from ``.provisor.yaml``.
* :mod:`provisor.promql.analysis`: :func:`analyze` ``(expr, knowledge, templated,
  single_vars) -> Analysis`` with :class:`Problem` values (vector matching that can never
  match, rate on gauges, unguarded division by limits, ...).
* :mod:`provisor.promql.promtool`: :func:`check_rule_groups` runs the real promtool.

This package depends on nothing else in provisor (``check`` builds its rules on it).
Names are imported lazily so that ``import provisor.promql`` stays cheap.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "analyze": "provisor.promql.analysis",
    "Analysis": "provisor.promql.analysis",
    "Problem": "provisor.promql.analysis",
    "KINDS": "provisor.promql.analysis",
    "Knowledge": "provisor.promql.metrics",
    "parse": "provisor.promql.ast",
    "try_parse": "provisor.promql.ast",
    "render": "provisor.promql.ast",
    "PromQLParseError": "provisor.promql.ast",
    "check_rule_groups": "provisor.promql.promtool",
    "PromtoolResult": "provisor.promql.promtool",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'provisor.promql' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
