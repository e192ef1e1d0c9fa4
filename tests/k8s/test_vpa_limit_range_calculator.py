"""``provisor.k8s.vpa.capping.NamespaceLimitRangeCalculator`` (the VPA's ``limitsChecker``).

Ports kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/utils/limitrange/
limit_range_calculator_test.go``: ``TestNewNoopLimitsChecker`` (the no-op calculator is
``StaticLimitRangeCalculator()``), ``TestNoLimitRange`` and all 7 cases of
``TestGetContainerLimitRangeItem``. Upstream's ``test.LimitRange()`` builder makes one
LimitRange with one item per ``WithDefault`` / ``WithMax`` / ``WithMin`` call (defaults first,
then maxes, then mins), and its fake clientset stores them without API defaulting
(``api_defaults=False``). Quantities are compared by value.

Then the test moved from ``tests/test_rules_vpa.py`` with the class (assertion unchanged),
and what the calculator adds: API defaulting of LimitRanges as sent, empty lists as absent,
per-namespace results.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.vpa.capping import NamespaceLimitRangeCalculator, StaticLimitRangeCalculator
from provisor.quantity import Quantity

NS = "test-namespace"


def _res(cpu: str, mem: str) -> dict[str, str]:
    return {"cpu": cpu, "memory": mem}


def _lr(limit_type: str, namespace: str = NS, *, defaults: tuple[dict[str, str], ...] = (),
        maxes: tuple[dict[str, str], ...] = (), mins: tuple[dict[str, str], ...] = ()
        ) -> tuple[str, dict[str, Any]]:
    """test.LimitRange() with its With* calls: (namespace, LimitRange)."""
    items = ([{"type": limit_type, "default": d} for d in defaults]
             + [{"type": limit_type, "max": m} for m in maxes]
             + [{"type": limit_type, "min": m} for m in mins])
    return namespace, {"apiVersion": "v1", "kind": "LimitRange",
                       "metadata": {"name": "test-lr", "namespace": namespace},
                       "spec": {"limits": items}}


def _calc(*lrs: tuple[str, dict[str, Any]]) -> NamespaceLimitRangeCalculator:
    by_ns: dict[str, list[dict[str, Any]]] = {}
    for ns, lr in lrs:
        by_ns.setdefault(ns, []).append(lr)
    return NamespaceLimitRangeCalculator(by_ns, api_defaults=False)


def _values(item: Any) -> Any:
    if item is None:
        return None
    return {k: ({r: Quantity.parse(q).value for r, q in v.items()} if isinstance(v, dict) else v)
            for k, v in item.items()}


def test_new_noop_limits_checker() -> None:
    """TestNewNoopLimitsChecker."""
    assert StaticLimitRangeCalculator().get_container_limit_range_item(NS) is None


def test_no_limit_range() -> None:
    """TestNoLimitRange."""
    assert _calc().get_container_limit_range_item(NS) is None


CASES: dict[str, tuple[list[tuple[str, dict[str, Any]]], dict[str, Any] | None]] = {
    "no matching limit ranges": (
        [_lr("Container", "different", maxes=(_res("2", "2"),)),
         _lr("PersistentVolumeClaim", maxes=(_res("2", "2"),))],
        None),
    "matching container limit range": (
        [_lr("Container", maxes=(_res("2", "2"),))],
        {"type": "Container", "max": _res("2", "2")}),
    "with default value": (
        [_lr("Container", defaults=(_res("2", "2"),))],
        {"type": "Container", "default": _res("2", "2")}),
    "respects min": (
        [_lr("Container", mins=(_res("2", "2"),))],
        {"type": "Container", "min": _res("2", "2")}),
    "multiple items": (
        [_lr("Container", maxes=(_res("2", "2"),), defaults=(_res("1.5", "1.5"),),
             mins=(_res("1", "1"),))],
        {"type": "Container", "min": _res("1", "1"), "max": _res("2", "2"),
         "default": _res("1.5", "1.5")}),
    "takes lowest max": (
        [_lr("Container", maxes=(_res("1.5", "1.5"), _res("2.", "2.")))],
        {"type": "Container", "max": _res("1.5", "1.5")}),
    "takes highest min": (
        [_lr("Container", mins=(_res("1.5", "1.5"), _res("1.", "1.")))],
        {"type": "Container", "min": _res("1.5", "1.5")}),
}


@pytest.mark.parametrize("lrs, expected", list(CASES.values()), ids=list(CASES))
def test_get_container_limit_range_item(lrs: Any, expected: Any) -> None:
    """TestGetContainerLimitRangeItem."""
    assert _values(_calc(*lrs).get_container_limit_range_item(NS)) == _values(expected)


def test_namespace_limit_ranges_combine_lowest_max():
    """limit_range_calculator.go: the lowest max and the highest min of all LimitRanges."""
    lrs = [{"spec": {"limits": [{"type": "Container", "max": {"cpu": "8"}, "min": {"memory": "1Mi"},
                                 "default": {"cpu": "1"}}]}},
           {"spec": {"limits": [{"type": "Container", "max": {"cpu": "4", "memory": "1Gi"},
                                 "min": {"memory": "2Mi"}}]}}]
    item = NamespaceLimitRangeCalculator({"x": lrs}, api_defaults=False).get_container_limit_range_item("x")
    assert item == {"type": "Container", "max": {"cpu": "4", "memory": "1Gi"},
                    "min": {"memory": "2Mi"}, "default": {"cpu": "1"}}
    assert NamespaceLimitRangeCalculator({"x": lrs}, api_defaults=False).get_pod_limit_range_item(
        "x") is None


def test_api_defaults_fill_container_default_from_max() -> None:
    """Objects as sent get SetDefaults_LimitRangeItem first: the stored item has default = max
    (and defaultRequest), so the combined item has a default."""
    lr = _lr("Container", maxes=(_res("2", "4Gi"),))[1]
    sent = NamespaceLimitRangeCalculator({NS: [lr]}).get_container_limit_range_item(NS)
    assert sent == {"type": "Container", "max": _res("2", "4Gi"), "default": _res("2", "4Gi")}


def test_empty_lists_count_as_absent() -> None:
    """An empty max/min/default is not sent over the API (omitempty): it neither qualifies an
    item nor replaces the default seen before."""
    lrs = [{"spec": {"limits": [{"type": "Container", "default": {"cpu": "1"}}]}},
           {"spec": {"limits": [{"type": "Container", "default": {}, "max": {},
                                 "maxLimitRequestRatio": {"cpu": "2"}}]}}]
    calc = NamespaceLimitRangeCalculator({NS: lrs}, api_defaults=False)
    assert calc.get_container_limit_range_item(NS) == {"type": "Container",
                                                         "default": {"cpu": "1"}}


def test_other_resources_of_the_first_list_are_kept() -> None:
    """updatedResult compares only cpu and memory; the first list is copied whole."""
    lrs = [{"spec": {"limits": [{"type": "Pod", "max": {"cpu": "4", "ephemeral-storage": "1Gi"}},
                                {"type": "Pod", "max": {"cpu": "2", "ephemeral-storage": "5Gi"}}]}}]
    calc = NamespaceLimitRangeCalculator({NS: lrs}, api_defaults=False)
    item = calc.get_pod_limit_range_item(NS)
    assert item == {"type": "Pod", "max": {"cpu": "2", "ephemeral-storage": "1Gi"}}


def test_namespaces_are_separate_and_results_cached() -> None:
    calc = NamespaceLimitRangeCalculator(
        {"a": [_lr("Container", "a", maxes=(_res("1", "1Gi"),))[1]]}, api_defaults=False)
    assert calc.get_container_limit_range_item("b") is None
    first = calc.get_container_limit_range_item("a")
    assert first is calc.get_container_limit_range_item("a")
