"""``metav1.LabelSelector`` matching, as Kubernetes evaluates it.

Follows ``staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go``
(``LabelSelectorAsSelector``) and ``staging/src/k8s.io/apimachinery/pkg/labels/selector.go``
(``NewRequirement``, ``Requirement.Matches``) in kubernetes/kubernetes.

Semantics:

* ``None`` (a nil selector) matches **nothing** (``labels.Nothing()``).
* ``{}`` (no ``matchLabels``, no ``matchExpressions``) matches **everything**
  (``labels.Everything()``).
* ``matchLabels`` entries and ``matchExpressions`` are ANDed.
  ``In``: the label is present and its value is listed; ``NotIn``: the label is absent or its
  value is not listed; ``Exists``: present; ``DoesNotExist``: absent.
* A selector that does not validate (bad key or value, unknown operator, ``In``/``NotIn``
  without values, ``Exists``/``DoesNotExist`` with values, or a field of the wrong JSON type,
  which the API server would fail to decode) raises ``SelectorError``;
  upstream callers treat it as "matches nothing" (the eviction handler) or as a sync error
  (the disruption controller).

PodDisruptionBudget rule (``policy/v1``): the PDB's ``spec.selector`` is read with exactly
these semantics, so a PDB whose selector is ``{}`` covers every pod of its namespace and a PDB
without a selector covers none (``pkg/controller/disruption/disruption.go`` ``getPodsForPdb``,
``pkg/registry/core/pod/storage/eviction.go`` ``getPodDisruptionBudgets``). The old
``policy/v1beta1`` API (removed in 1.25) matched nothing with ``{}``; that reading is not
offered here.

Error texts follow the shape of apimachinery's field errors
(``key: Invalid value: "...": ...``); their wording is informative, not a compatibility
promise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "Selector",
    "SelectorError",
    "compile_selector",
    "qualified_name_errors",
    "selector_matches",
]

from provisor.k8s.names import (  # noqa: E402  (re-exported: qualified_name_errors)
    label_value_errors,
    qualified_name_errors,
)

_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


class SelectorError(ValueError):
    """A label selector that Kubernetes refuses to build (``LabelSelectorAsSelector`` error)."""


def _check_key(key: Any) -> str:
    if not isinstance(key, str):
        raise SelectorError(f"key: Invalid value: {key!r}: must be a string")
    errs = qualified_name_errors(key)
    if errs:
        raise SelectorError(f'key: Invalid value: "{key}": ' + "; ".join(errs))
    return key


def _check_value(value: Any) -> str:
    if not isinstance(value, str):
        raise SelectorError(f"values: Invalid value: {value!r}: must be a string")
    errs = label_value_errors(value)
    if errs:
        raise SelectorError(f'values[0]: Invalid value: "{value}": ' + "; ".join(errs))
    return value


class Selector:
    """A validated label selector; ``matches(labels)`` is cheap (use it in hot loops).

    Build it with ``compile_selector``. ``empty`` is True for the match-everything selector,
    ``nothing`` for the match-nothing (nil) selector.
    """

    __slots__ = ("_reqs", "empty", "nothing")

    def __init__(
        self, reqs: tuple[tuple[str, str, frozenset[str]], ...], *, nothing: bool = False
    ) -> None:
        self._reqs = reqs
        self.nothing = nothing
        self.empty = not nothing and not reqs

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """True when ``labels`` (a pod's ``metadata.labels``; ``None`` = no labels) satisfy
        every requirement."""
        if self.nothing:
            return False
        lbl = labels or {}
        for key, op, vals in self._reqs:
            if op == "in":
                v = lbl.get(key)
                if v is None or v not in vals:
                    return False
            elif op == "notin":
                v = lbl.get(key)
                if v is not None and v in vals:
                    return False
            elif op == "exists":
                if key not in lbl:
                    return False
            elif key in lbl:  # DoesNotExist
                return False
        return True

    def __repr__(self) -> str:
        if self.nothing:
            return "Selector(<nothing>)"
        return f"Selector({self._reqs!r})"


_NOTHING = Selector((), nothing=True)
_EVERYTHING = Selector(())


def _shown(value: Any) -> str:
    """A bad value for an error text: JSON when it has a JSON form, else ``repr``."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def _type_error(field: str, value: Any, want: str) -> SelectorError:
    return SelectorError(f"{field}: Invalid value: {_shown(value)}: must be {want}")


def _build(selector: Any) -> Selector:
    if not isinstance(selector, Mapping):
        raise _type_error("selector", selector, "a label selector (a mapping)")
    match_labels = selector.get("matchLabels")
    exprs = selector.get("matchExpressions")
    match_labels = {} if match_labels is None else match_labels
    exprs = [] if exprs is None else exprs
    if not isinstance(match_labels, Mapping):
        raise _type_error("matchLabels", match_labels, "a map of label keys to values")
    if not isinstance(exprs, list):
        raise _type_error("matchExpressions", exprs, "a list of label selector requirements")
    if not match_labels and not exprs:
        return _EVERYTHING
    reqs: list[tuple[str, str, frozenset[str]]] = []
    for key, value in match_labels.items():
        reqs.append((_check_key(key), "in", frozenset((_check_value(value),))))
    for i, expr in enumerate(exprs):
        if not isinstance(expr, Mapping):
            raise _type_error(f"matchExpressions[{i}]", expr,
                              "a label selector requirement (a mapping)")
        op_name = expr.get("operator")
        op = _OPS.get(op_name) if isinstance(op_name, str) else None
        if op is None:
            raise SelectorError(f'"{op_name}" is not a valid label selector operator')
        key = _check_key(expr.get("key"))
        raw_values = expr.get("values")
        raw_values = [] if raw_values is None else raw_values
        if not isinstance(raw_values, list):
            raise _type_error(f"matchExpressions[{i}].values", raw_values,
                              "a list of label values")
        values = list(raw_values)
        if op in ("in", "notin"):
            if not values:
                raise SelectorError(
                    "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
                )
        elif values:
            raise SelectorError(
                "values: Invalid value: "
                + repr(values)
                + ": values set must be empty for exists and does not exist"
            )
        reqs.append((key, op, frozenset(_check_value(v) for v in values)))
    return Selector(tuple(reqs))


def compile_selector(selector: Mapping[str, Any] | None) -> Selector:
    """Validate ``selector`` (a ``metav1.LabelSelector`` in JSON form, or ``None``) once.

    Returns a ``Selector``. Raises ``SelectorError`` when Kubernetes would refuse it,
    including fields of the wrong JSON type (a selector, ``matchLabels`` or expression that is
    not a mapping, ``matchExpressions`` or ``values`` that is not a list, a key or value that
    is not a string), which the API server would fail to decode.
    """
    if selector is None:
        return _NOTHING
    return _build(selector)


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str] | None) -> bool:
    """True when ``labels`` satisfy ``selector`` with Kubernetes semantics.

    ``selector`` is a ``metav1.LabelSelector`` in JSON form (``matchLabels``,
    ``matchExpressions`` with ``In``/``NotIn``/``Exists``/``DoesNotExist``); ``None`` matches
    nothing, ``{}`` matches everything. ``labels`` is ``metadata.labels`` (``None`` = none).
    Raises ``SelectorError`` for a selector Kubernetes refuses. For many pods, compile once
    with ``compile_selector`` and call ``Selector.matches``.
    """
    return compile_selector(selector).matches(labels)
