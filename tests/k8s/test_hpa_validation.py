"""``provisor.k8s.hpa.validation``: replica bounds and ``spec.behavior`` of an HPA
(kubernetes/kubernetes ``pkg/apis/autoscaling/validation/validation.go``).

Cases are written from the upstream functions (``validateHorizontalPodAutoscalerSpec``,
``validateMetrics``, ``validateScalingRules``, ``validateScalingPolicy``); upstream's
``validation_test.go`` tables are not ported here. The rule-level tests in
``tests/test_rules_hpa.py`` assert the same texts through the checker.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.hpa.validation import (
    behavior_errors,
    hpa_invalid_message,
    replica_bounds_errors,
    scaling_rules_errors,
)
from provisor.k8s.validation import FieldPath

EXTERNAL = [{"type": "External", "external": {}}]
RESOURCE = [{"type": "Resource", "resource": {}}]

BOUNDS = [
    ("valid", {"minReplicas": 1, "maxReplicas": 3}, []),
    ("min defaulted to 1", {"maxReplicas": 1}, []),
    ("min above max", {"minReplicas": 5, "maxReplicas": 3},
     ["spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"]),
    ("max zero, min defaulted", {"maxReplicas": 0},
     ["spec.maxReplicas: Invalid value: 0: must be greater than 0",
      "spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`"]),
    ("min negative", {"minReplicas": -1, "maxReplicas": 2},
     ["spec.minReplicas: Invalid value: -1: must be greater than or equal to 1"]),
    ("min zero, resource metric only", {"minReplicas": 0, "maxReplicas": 3,
                                        "metrics": RESOURCE},
     ["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
      "spec.metrics: Forbidden: must specify at least one Object or External metric to "
      "support scaling to zero replicas"]),
    ("min zero, external metric", {"minReplicas": 0, "maxReplicas": 3, "metrics": EXTERNAL},
     ["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"]),
    ("min zero, max zero: metrics error last", {"minReplicas": 0, "maxReplicas": 0},
     ["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
      "spec.maxReplicas: Invalid value: 0: must be greater than 0",
      "spec.metrics: Forbidden: must specify at least one Object or External metric to "
      "support scaling to zero replicas"]),
    ("wrong types not judged", {"minReplicas": "2", "maxReplicas": True}, []),
]


@pytest.mark.parametrize("spec, expected", [c[1:] for c in BOUNDS], ids=[c[0] for c in BOUNDS])
def test_replica_bounds(spec: dict[str, Any], expected: list[str]) -> None:
    assert [str(e) for e in replica_bounds_errors(spec)] == expected


def test_scale_to_zero_gate_lowers_the_bound_but_keeps_the_metric_rule() -> None:
    spec = {"minReplicas": 0, "maxReplicas": 3, "metrics": RESOURCE}
    assert [str(e) for e in replica_bounds_errors(spec, scale_to_zero=True)] == [
        "spec.metrics: Forbidden: must specify at least one Object or External metric to "
        "support scaling to zero replicas"]
    spec["metrics"] = EXTERNAL
    assert replica_bounds_errors(spec, scale_to_zero=True) == []
    assert [str(e) for e in replica_bounds_errors({"minReplicas": -1, "maxReplicas": 1},
                                                  scale_to_zero=True)] == [
        "spec.minReplicas: Invalid value: -1: must be greater than or equal to 0"]


def test_autoscaling_v1_has_no_metrics_field() -> None:
    spec = {"minReplicas": 0, "maxReplicas": 3, "metrics": EXTERNAL}
    errs = replica_bounds_errors(spec, api_version="autoscaling/v1")
    assert [e.field for e in errs] == ["spec.minReplicas", "spec.metrics"]


def test_error_paths() -> None:
    errs = replica_bounds_errors({"minReplicas": 5, "maxReplicas": 3})
    assert [e.path for e in errs] == [("spec", "maxReplicas")]


RULES = [
    ("valid", {"stabilizationWindowSeconds": 300, "selectPolicy": "Max",
               "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}]}, []),
    ("window negative", {"stabilizationWindowSeconds": -5},
     ["spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -5: must be greater "
      "than or equal to zero"]),
    ("window above an hour", {"stabilizationWindowSeconds": 4000},
     ["spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less "
      "than or equal to 3600"]),
    ("select policy", {"selectPolicy": "Fastest"},
     ['spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: '
      '"Disabled", "Max", "Min"']),
    ("empty policies", {"policies": []},
     ["spec.behavior.scaleUp.policies: Required value: must specify at least one Policy"]),
    ("policy fields in order", {"policies": [{"type": "Replicas", "value": 0,
                                              "periodSeconds": 3600}]},
     ['spec.behavior.scaleUp.policies[0].type: Unsupported value: "Replicas": supported '
      'values: "Percent", "Pods"',
      "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
      "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than "
      "or equal to 1800"]),
    ("missing policy type", {"policies": [{"value": 1, "periodSeconds": 0}]},
     ['spec.behavior.scaleUp.policies[0].type: Unsupported value: "": supported values: '
      '"Percent", "Pods"',
      "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 0: must be greater "
      "than zero"]),
]


@pytest.mark.parametrize("rules, expected", [c[1:] for c in RULES], ids=[c[0] for c in RULES])
def test_scaling_rules(rules: dict[str, Any], expected: list[str]) -> None:
    path = FieldPath("spec", "behavior", "scaleUp")
    assert [str(e) for e in scaling_rules_errors(rules, path)] == expected


def test_behavior_scale_up_then_scale_down_with_document_paths() -> None:
    behavior = {"scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 0}]},
                "scaleUp": {"stabilizationWindowSeconds": -1}, }
    errs = behavior_errors(behavior)
    assert [e.path for e in errs] == [
        ("spec", "behavior", "scaleUp", "stabilizationWindowSeconds"),
        ("spec", "behavior", "scaleDown", "policies", 0, "periodSeconds")]
    assert behavior_errors({"scaleUp": "fast", "scaleDown": None}) == []


def test_invalid_message() -> None:
    errs = replica_bounds_errors({"maxReplicas": 0})
    assert hpa_invalid_message({"metadata": {"name": "web"}}, errs[:1]) == (
        'HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas: Invalid '
        'value: 0: must be greater than 0')
    assert hpa_invalid_message({"metadata": "x"}, []) == (
        'HorizontalPodAutoscaler.autoscaling "" is invalid')
