"""Ports of kubernetes/kubernetes pkg/apis/autoscaling/v2/defaults_test.go onto
provisor.k8s.hpa.defaults (TestGenerateScaleDownRules, TestGenerateScaleUpRules), plus checks of
SetDefaults_HorizontalPodAutoscaler's documented behaviour taken from defaults.go.

Not ported: TestHorizontalPodAutoscalerAnnotations, which round-trips an object through the
API machinery's codecs to check that conversion annotations are dropped; there is no codec here.
"""

from __future__ import annotations

import copy

import pytest

from provisor.k8s.hpa import (
    Behavior,
    ScalingPolicy,
    generate_hpa_scale_down_rules,
    generate_hpa_scale_up_rules,
    set_defaults_horizontal_pod_autoscaler,
    set_defaults_horizontal_pod_autoscaler_behavior,
)


def _rules(pods, pods_period, percent, percent_period, stabilization, select):
    """The upstream test body: policies are appended only when a value or period is set."""
    rules: dict = {}
    if stabilization is not None:
        rules["stabilizationWindowSeconds"] = stabilization
    if select is not None:
        rules["selectPolicy"] = select
    policies = []
    if pods != 0 or pods_period != 0:
        policies.append({"type": "Pods", "value": pods, "periodSeconds": pods_period})
    if percent != 0 or percent_period != 0:
        policies.append({"type": "Percent", "value": percent, "periodSeconds": percent_period})
    if policies:
        rules["policies"] = policies
    return rules


# (annotation, pods, podsPeriod, percent, percentPeriod, stabilization, selectPolicy,
#  expected policies, expected stabilization, expected selectPolicy)
SCALE_DOWN = [
    ("Default values", 0, 0, 0, 0, None, None,
     [{"type": "Percent", "value": 100, "periodSeconds": 15}], None, "Max"),
    ("All parameters are specified", 1, 2, 3, 4, 25, "Max",
     [{"type": "Pods", "value": 1, "periodSeconds": 2}, {"type": "Percent", "value": 3, "periodSeconds": 4}],
     25, "Max"),
    ("Percent policy is specified", 0, 0, 1, 2, None, "Min",
     [{"type": "Percent", "value": 1, "periodSeconds": 2}], None, "Min"),
    ("Pods policy is specified", 3, 4, 0, 0, None, None,
     [{"type": "Pods", "value": 3, "periodSeconds": 4}], None, "Max"),
]

SCALE_UP = [
    ("Default values", 0, 0, 0, 0, None, None,
     [{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}],
     0, "Max"),
    ("All parameters are specified", 1, 2, 3, 4, 25, "Max",
     [{"type": "Pods", "value": 1, "periodSeconds": 2}, {"type": "Percent", "value": 3, "periodSeconds": 4}],
     25, "Max"),
    ("Pod policy is specified", 1, 2, 0, 0, None, "Min",
     [{"type": "Pods", "value": 1, "periodSeconds": 2}], 0, "Min"),
    ("Percent policy is specified", 0, 0, 7, 10, None, None,
     [{"type": "Percent", "value": 7, "periodSeconds": 10}], 0, "Max"),
    ("Pod policy and stabilization window are specified", 4, 2, 0, 0, 25, None,
     [{"type": "Pods", "value": 4, "periodSeconds": 2}], 25, "Max"),
    ("Percent policy and stabilization window are specified", 0, 0, 7, 60, 25, None,
     [{"type": "Percent", "value": 7, "periodSeconds": 60}], 25, "Max"),
]


@pytest.mark.parametrize("annotation,pods,pods_period,percent,percent_period,stab,select,policies,exp_stab,exp_select",
                         SCALE_DOWN, ids=[c[0] for c in SCALE_DOWN])
def test_generate_scale_down_rules(annotation, pods, pods_period, percent, percent_period, stab, select, policies,
                                   exp_stab, exp_select):
    """TestGenerateScaleDownRules."""
    down = generate_hpa_scale_down_rules(_rules(pods, pods_period, percent, percent_period, stab, select))
    assert down["policies"] == policies
    assert down.get("stabilizationWindowSeconds") == exp_stab
    assert down["selectPolicy"] == exp_select


@pytest.mark.parametrize("annotation,pods,pods_period,percent,percent_period,stab,select,policies,exp_stab,exp_select",
                         SCALE_UP, ids=[c[0] for c in SCALE_UP])
def test_generate_scale_up_rules(annotation, pods, pods_period, percent, percent_period, stab, select, policies,
                                 exp_stab, exp_select):
    """TestGenerateScaleUpRules."""
    up = generate_hpa_scale_up_rules(_rules(pods, pods_period, percent, percent_period, stab, select))
    assert up["policies"] == policies
    assert up["stabilizationWindowSeconds"] == exp_stab
    assert up["selectPolicy"] == exp_select


# ---------------------------------------------------------------------------------------------
# SetDefaults_HorizontalPodAutoscaler / SetDefaults_HorizontalPodAutoscalerBehavior (defaults.go)


def test_set_defaults_fills_min_replicas_and_cpu_metric():
    hpa = {"spec": {"maxReplicas": 5, "scaleTargetRef": {"kind": "Deployment", "name": "d"}}}
    before = copy.deepcopy(hpa)
    out = set_defaults_horizontal_pod_autoscaler(hpa)
    assert hpa == before  # input untouched
    assert out["spec"]["minReplicas"] == 1
    assert out["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert "behavior" not in out["spec"]  # behavior is defaulted only when present
    assert "selectionStrategy" not in out["spec"]


def test_set_defaults_keeps_given_values():
    metrics = [{"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue",
                                                                              "averageValue": "10"}}}]
    out = set_defaults_horizontal_pod_autoscaler({"spec": {"minReplicas": 0, "maxReplicas": 3, "metrics": metrics}})
    assert out["spec"]["minReplicas"] == 0
    assert out["spec"]["metrics"] == metrics


def test_set_defaults_behavior_fills_both_directions():
    out = set_defaults_horizontal_pod_autoscaler_behavior(
        {"spec": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "tolerance": "50m"}}}})
    b = out["spec"]["behavior"]
    assert b["scaleUp"] == {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert b["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "tolerance": "50m",
                              "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def test_set_defaults_selection_strategy_opt_in():
    out = set_defaults_horizontal_pod_autoscaler_behavior({"spec": {}}, selection_strategy=True)
    assert out["spec"]["selectionStrategy"] == "LabelSelector"


def test_explicit_empty_policies_are_kept():
    # copyHPAScalingRules copies a non-nil slice, even an empty one.
    assert generate_hpa_scale_up_rules({"policies": []})["policies"] == []


def test_behavior_from_dict_applies_defaults():
    b = Behavior.from_dict({"scaleUp": {"selectPolicy": "Disabled"}})
    assert b.scale_up.select_policy == "Disabled"
    assert b.scale_up.stabilization_window_seconds == 0
    assert b.scale_down.stabilization_window_seconds is None
    assert b.scale_down.policies == (ScalingPolicy("Percent", 100, 15),)
