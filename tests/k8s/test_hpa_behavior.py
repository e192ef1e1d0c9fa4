"""Ports of kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go onto
provisor.k8s.hpa (behavior normalizer, metric combination, one controller sync).

Pure-logic tables, every case: TestConvertDesiredReplicasWithRules,
TestCalculateScaleUpLimitWithScalingRules, TestCalculateScaleDownLimitWithBehaviors,
TestNormalizeDesiredReplicas, TestScalingWithRules, TestStoreScaleEvents,
TestNormalizeDesiredReplicasWithBehavior.

Controller tests (``tc.runTest``): upstream runs the whole controller against fake clients;
each expectation there is a function of the HPA spec, the scale, the pods and the metrics, so
the same inputs go through ``reconcile_autoscaler`` with a ``MetricsAPIClient`` built like the
fake clients (per-pod CPU split evenly over two containers, metric timestamps ``now``, pods'
Ready ``lastTransitionTime`` equal to their ``startTime``). Checked: the desired replicas, that
the scale is written exactly when it changes, the conditions (type, status, reason), the CPU
utilization in the status where upstream verifies it, and the rescale event. Not checked: the
monitor (Prometheus) labels upstream also records, which this package does not model.

Not ported (they exercise I/O or other HPAs, not this logic): TestConditionInvalidSelectorMissing,
TestConditionInvalidSelectorUnparsable (scale subresource selector), TestConditionNoAmbiguousSelector
WhenNoSelectorOverlapBetweenHPAs, TestConditionAmbiguousSelectorWhenFullSelectorOverlapBetweenHPAs,
TestConditionAmbiguousSelectorWhenPartialSelectorOverlapBetweenHPAs (the multi-HPA selector
registry), TestConditionFailedGetScale, TestConditionFailedUpdateScale (scale API failures),
TestMultipleHPAs (1000 HPAs through the work queue, a concurrency test).

Upstream's test package sets ``scaleUpLimitFactor = 8`` in ``init()``; the legacy normalizer is
called with that factor here. Time: one fixed ``NOW`` (integral seconds) stands for upstream's
successive ``time.Now()`` readings; the strict Before/After comparisons give the same results.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from provisor.k8s.hpa import (
    Behavior,
    ControllerConfig,
    HPAState,
    MetricsAPIClient,
    NormalizationArg,
    ScaleEvent,
    ScalingPolicy,
    ScalingRules,
    TimestampedRecommendation,
    calculate_scale_down_limit_with_behaviors,
    calculate_scale_up_limit,
    calculate_scale_up_limit_with_scaling_rules,
    convert_desired_replicas_with_behavior_rate,
    convert_desired_replicas_with_rules,
    format_time,
    get_replicas_change_per_period,
    reconcile_autoscaler,
    set_condition_in_list,
    stabilize_recommendation,
    stabilize_recommendation_with_behaviors,
    store_scale_event,
)

NOW = 1_700_000_000.0
TEST_SCALE_UP_LIMIT_FACTOR = 8.0  # horizontal_test.go init()


def generate_scaling_rules(pods, pods_period, percent, percent_period, stabilization_window) -> ScalingRules:
    """generateScalingRules: selectPolicy Max, a policy per non-zero value."""
    policies = []
    if pods != 0:
        policies.append(ScalingPolicy("Pods", pods, pods_period))
    if percent != 0:
        policies.append(ScalingPolicy("Percent", percent, percent_period))
    return ScalingRules(stabilization_window, "Max", tuple(policies) if policies else None)


def events_uniform(raw_events, period_seconds) -> tuple[ScaleEvent, ...]:
    """generateEventsUniformDistribution: the Go Duration conversion truncates the offset to
    whole seconds before it is multiplied by time.Second."""
    seg = float(period_seconds) / float(len(raw_events))
    out = []
    for idx, ev in enumerate(raw_events):
        boundary = int(float(period_seconds) - seg * float(idx + 1) + seg / float(2))
        out.append(ScaleEvent(ev, NOW - boundary))
    return tuple(out)


def gen_up(rules: ScalingRules | None) -> ScalingRules:
    from provisor.k8s.hpa import generate_hpa_scale_up_rules

    return ScalingRules.from_dict(generate_hpa_scale_up_rules(None if rules is None else rules.to_dict()))


def gen_down(rules: ScalingRules | None) -> ScalingRules:
    from provisor.k8s.hpa import generate_hpa_scale_down_rules

    return ScalingRules.from_dict(generate_hpa_scale_down_rules(None if rules is None else rules.to_dict()))


# ---------------------------------------------------------------------------------------------
# TestConvertDesiredReplicasWithRules


CONVERT_WITH_RULES = [
    (5, 7, 3, 8, 7, "DesiredWithinRange", "prenormalized desired replicas within range"),
    (3, 1, 2, 8, 2, "TooFewReplicas", "prenormalized desired replicas < minReplicas"),
    (1, 0, 0, 10, 0, "DesiredWithinRange", "prenormalized desired zeroed replicas within range"),
    (20, 1000, 1, 10, 10, "TooManyReplicas", "maxReplicas is the limit because maxReplicas < scaleUpLimit"),
    (3, 1000, 1, 2000, calculate_scale_up_limit(3, TEST_SCALE_UP_LIMIT_FACTOR), "ScaleUpLimit",
     "scaleUpLimit is the limit because scaleUpLimit < maxReplicas"),
]


@pytest.mark.parametrize("current,desired,hpa_min,hpa_max,expected,condition,annotation", CONVERT_WITH_RULES,
                         ids=[c[-1] for c in CONVERT_WITH_RULES])
def test_convert_desired_replicas_with_rules(current, desired, hpa_min, hpa_max, expected, condition, annotation):
    """TestConvertDesiredReplicasWithRules."""
    got, cond, _ = convert_desired_replicas_with_rules(current, desired, hpa_min, hpa_max,
                                                       scale_up_limit_factor=TEST_SCALE_UP_LIMIT_FACTOR)
    assert (got, cond) == (expected, condition)


def test_calculate_scale_up_limit_with_scaling_rules():
    """TestCalculateScaleUpLimitWithScalingRules."""
    rules = ScalingRules(300, "Min", (ScalingPolicy("Pods", 2, 60), ScalingPolicy("Percent", 50, 60)))
    assert calculate_scale_up_limit_with_scaling_rules(1, (), (), rules, NOW) == 2


def test_calculate_scale_down_limit_with_behaviors():
    """TestCalculateScaleDownLimitWithBehaviors."""
    rules = ScalingRules(300, "Min", (ScalingPolicy("Pods", 2, 60), ScalingPolicy("Percent", 50, 60)))
    assert calculate_scale_down_limit_with_behaviors(5, (), (), rules, NOW) == 3


# ---------------------------------------------------------------------------------------------
# TestNormalizeDesiredReplicas


def _recs(*pairs):
    return tuple(TimestampedRecommendation(r, NOW + offset) for r, offset in pairs)


NORMALIZE = [
    ("empty log", _recs(), 5, 5, 1),
    ("stabilize", _recs((4, -120), (5, -60)), 3, 5, 3),
    ("no stabilize", _recs((1, -120), (2, -60)), 3, 3, 3),
    ("no stabilize - old recommendations", _recs((10, -600), (9, -540)), 3, 3, 2),
    ("stabilize - old recommendations", _recs((10, -600), (4, -60), (5, -120), (9, -540)), 3, 5, 4),
]


@pytest.mark.parametrize("name,recs,prenormalized,expected,log_length", NORMALIZE, ids=[c[0] for c in NORMALIZE])
def test_normalize_desired_replicas(name, recs, prenormalized, expected, log_length):
    """TestNormalizeDesiredReplicas (downscaleStabilisationWindow 5 min)."""
    got, state = stabilize_recommendation(HPAState(recs), prenormalized, NOW, 300.0)
    assert got == expected
    assert len(state.recommendations) == log_length


# ---------------------------------------------------------------------------------------------
# TestScalingWithRules

SCALING_WITH_RULES = [
    dict(name="prenormalized desired replicas within range", current=5, desired=7, min=3, max=8,
         expected=7, condition="DesiredWithinRange"),
    dict(name="prenormalized desired replicas < minReplicas", current=3, desired=1, min=2, max=8,
         expected=2, condition="TooFewReplicas"),
    dict(name="prenormalized desired replicas within range when minReplicas is 0", current=1, desired=0, min=0,
         max=10, expected=0, condition="DesiredWithinRange"),
    dict(name="maxReplicas is the limit because maxReplicas < scaleUpLimit", current=20, desired=1000, min=1,
         max=10, expected=10, condition="TooManyReplicas"),
    dict(name="desired replica count is more than the maximum replica count", current=100, desired=1000, min=100,
         max=150, expected=150, condition="TooManyReplicas"),
    dict(name="scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", current=3,
         desired=1000, min=1, max=2000, up=generate_scaling_rules(0, 0, 1, 60, 0), expected=4,
         condition="ScaleUpLimit"),
    # upstream marks this case testThis and returns before checking it; the values hold anyway
    dict(name="scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
         current=1000, desired=3, min=3, max=2000, down=generate_scaling_rules(20, 60, 0, 0, 0), expected=980,
         condition="ScaleDownLimit"),
    dict(name="scaleUp with default behavior", min=1, max=1000, current=10, desired=50, expected=20,
         condition="ScaleUpLimit"),
    dict(name="scaleUp with pods policy larger than percent policy", min=1, max=1000,
         up=generate_scaling_rules(100, 60, 100, 60, 0), current=10, desired=500, expected=110,
         condition="ScaleUpLimit"),
    dict(name="scaleUp with percent policy larger than pods policy", min=1, max=1000,
         up=generate_scaling_rules(2, 60, 100, 60, 0), current=10, desired=500, expected=20,
         condition="ScaleUpLimit"),
    dict(name="scaleUp with spec MaxReplicas limitation with large pod policy", min=1, max=1000,
         up=generate_scaling_rules(100, 60, 0, 0, 0), current=10, desired=50, expected=50,
         condition="DesiredWithinRange"),
    dict(name="scaleUp with spec MaxReplicas limitation with large percent policy", min=1, max=1000,
         up=generate_scaling_rules(10000, 60, 0, 0, 0), current=10, desired=50, expected=50,
         condition="DesiredWithinRange"),
    dict(name="scaleUp with pod policy limitation", min=1, max=1000, up=generate_scaling_rules(30, 60, 0, 0, 0),
         current=10, desired=50, expected=40, condition="ScaleUpLimit"),
    dict(name="scaleUp with percent policy limitation", min=1, max=1000,
         up=generate_scaling_rules(0, 0, 200, 60, 0), current=10, desired=50, expected=30,
         condition="ScaleUpLimit"),
    dict(name="scaleDown with percent policy larger than pod policy", min=1, max=1000,
         down=generate_scaling_rules(20, 60, 1, 60, 300), current=100, desired=2, expected=80,
         condition="ScaleDownLimit"),
    dict(name="scaleDown with pod policy larger than percent policy", min=1, max=1000,
         down=generate_scaling_rules(2, 60, 1, 60, 300), current=100, desired=2, expected=98,
         condition="ScaleDownLimit"),
    dict(name="scaleDown with spec MinReplicas=nil limitation with large pod policy", min=1, max=1000,
         down=generate_scaling_rules(100, 60, 0, 0, 300), current=10, desired=0, expected=1,
         condition="TooFewReplicas"),
    dict(name="scaleDown with spec MinReplicas limitation with large pod policy", min=1, max=1000,
         down=generate_scaling_rules(100, 60, 0, 0, 300), current=10, desired=0, expected=1,
         condition="TooFewReplicas"),
    dict(name="scaleDown with spec MinReplicas limitation with large percent policy", min=5, max=1000,
         down=generate_scaling_rules(0, 0, 100, 60, 300), current=10, desired=2, expected=5,
         condition="TooFewReplicas"),
    dict(name="scaleDown with pod policy limitation", min=1, max=1000, down=generate_scaling_rules(5, 60, 0, 0, 300),
         current=10, desired=2, expected=5, condition="ScaleDownLimit"),
    dict(name="scaleDown with percent policy limitation", min=1, max=1000,
         down=generate_scaling_rules(0, 0, 50, 60, 300), current=10, desired=5, expected=5,
         condition="DesiredWithinRange"),
    dict(name="scaleUp with spec MaxReplicas limitation with large pod policy and events",
         up_events=events_uniform([1, 5, 9], 120), min=1, max=200, up=generate_scaling_rules(300, 60, 0, 0, 0),
         current=100, desired=500, expected=200, condition="TooManyReplicas"),
    dict(name="scaleUp with spec MaxReplicas limitation with large percent policy and events",
         up_events=events_uniform([1, 5, 9], 120), min=1, max=200, up=generate_scaling_rules(0, 0, 10000, 60, 0),
         current=100, desired=500, expected=200, condition="TooManyReplicas"),
    dict(name="scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
         up_events=events_uniform([1, 5, 9], 120), min=1, max=1000, up=generate_scaling_rules(5, 120, 0, 0, 0),
         current=100, desired=500, expected=100, condition="ScaleUpLimit"),
    dict(name="scaleUp with pod policy and previous scale up events", up_events=events_uniform([1, 5, 9], 120),
         min=1, max=1000, up=generate_scaling_rules(150, 120, 0, 0, 0), current=100, desired=500, expected=235,
         condition="ScaleUpLimit"),
    dict(name="scaleUp with percent policy and previous scale up events", up_events=events_uniform([1, 5, 9], 120),
         min=1, max=1000, up=generate_scaling_rules(0, 0, 200, 120, 0), current=100, desired=500, expected=255,
         condition="ScaleUpLimit"),
    dict(name="scaleUp with percent policy and previous scale up and down events",
         up_events=events_uniform([4], 120), down_events=events_uniform([2], 120), min=1, max=1000,
         up=generate_scaling_rules(0, 0, 300, 300, 0), current=6, desired=24, expected=16,
         condition="ScaleUpLimit"),
    dict(name="scaleDown with default policy and previous events", down_events=events_uniform([1, 5, 9], 120),
         min=1, max=1000, current=10, desired=5, expected=5, condition="DesiredWithinRange"),
    dict(name="scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
         down_events=events_uniform([1, 5, 9], 120), min=1, max=1000,
         down=generate_scaling_rules(115, 120, 0, 0, 300), current=100, desired=0, expected=1,
         condition="TooFewReplicas"),
    dict(name="scaleDown with spec MinReplicas limitation with large pod policy and previous events",
         down_events=events_uniform([1, 5, 9], 120), min=5, max=1000,
         down=generate_scaling_rules(130, 120, 0, 0, 300), current=100, desired=0, expected=5,
         condition="TooFewReplicas"),
    dict(name="scaleDown with spec MinReplicas limitation with large percent policy and previous events",
         down_events=events_uniform([1, 5, 9], 120), min=5, max=1000,
         down=generate_scaling_rules(0, 0, 100, 120, 300), current=100, desired=2, expected=5,
         condition="TooFewReplicas"),
    dict(name="scaleDown with pod policy limitation and previous events", down_events=events_uniform([1, 5, 9], 120),
         min=1, max=1000, down=generate_scaling_rules(5, 120, 0, 0, 300), current=100, desired=2, expected=100,
         condition="ScaleDownLimit"),
    dict(name="scaleDown with percent policy limitation and previous events",
         down_events=events_uniform([2, 4, 6], 120), min=1, max=1000,
         down=generate_scaling_rules(0, 0, 50, 120, 300), current=100, desired=0, expected=56,
         condition="ScaleDownLimit"),
    dict(name="scaleDown with percent policy and previous scale up and down events",
         up_events=events_uniform([2], 120), down_events=events_uniform([4], 120), min=1, max=1000,
         down=generate_scaling_rules(0, 0, 50, 180, 0), current=10, desired=1, expected=6,
         condition="ScaleDownLimit"),
    dict(name="scaleDown with previous events preventing further scale down",
         down_events=events_uniform([10, 10, 10], 120), min=1, max=1000,
         down=generate_scaling_rules(0, 0, 10, 120, 300), current=100, desired=0, expected=100,
         condition="ScaleDownLimit"),
    dict(name="scaleDown with with previous events still allowing more scale down",
         down_events=events_uniform([10, 10, 10], 120), min=1, max=1000,
         down=generate_scaling_rules(0, 0, 1000, 120, 300), current=10, desired=5, expected=5,
         condition="DesiredWithinRange"),
    dict(name="check 'outdated' flag for events for one behavior for up",
         up_events=events_uniform([8, 12, 9, 11], 120), min=1, max=1000,
         up=generate_scaling_rules(1000, 60, 0, 0, 0), current=100, desired=200, expected=200,
         condition="DesiredWithinRange"),
    dict(name="check that events were not marked 'outdated' for two different policies in the behavior for up",
         up_events=events_uniform([8, 12, 9, 11], 120), min=1, max=1000,
         up=generate_scaling_rules(1000, 120, 100, 60, 0), current=100, desired=200, expected=200,
         condition="DesiredWithinRange"),
    dict(name="check that events were marked 'outdated' for two different policies in the behavior for up",
         up_events=events_uniform([8, 12, 9, 11], 120), min=1, max=1000,
         up=generate_scaling_rules(1000, 30, 100, 60, 0), current=100, desired=200, expected=200,
         condition="DesiredWithinRange"),
    dict(name="check 'outdated' flag for events for one behavior for down",
         down_events=events_uniform([8, 12, 9, 11], 120), min=1, max=1000,
         down=generate_scaling_rules(1000, 60, 0, 0, 300), current=100, desired=5, expected=5,
         condition="DesiredWithinRange"),
    dict(name="check that events were not marked 'outdated' for two different policies in the behavior for down",
         down_events=events_uniform([8, 12, 9, 11], 120), min=1, max=1000,
         down=generate_scaling_rules(1000, 120, 100, 60, 300), current=100, desired=5, expected=5,
         condition="DesiredWithinRange"),
    dict(name="check that events were marked 'outdated' for two different policies in the behavior for down",
         down_events=events_uniform([8, 12, 9, 11], 120), min=1, max=1000,
         down=generate_scaling_rules(1000, 30, 100, 60, 300), current=100, desired=5, expected=5,
         condition="DesiredWithinRange"),
]


@pytest.mark.parametrize("case", SCALING_WITH_RULES, ids=[c["name"] for c in SCALING_WITH_RULES])
def test_scaling_with_rules(case):
    """TestScalingWithRules (convertDesiredReplicasWithBehaviorRate with generated rules)."""
    state = HPAState(None, case.get("up_events", ()), case.get("down_events", ()))
    arg = NormalizationArg(gen_up(case.get("up")), gen_down(case.get("down")), case["min"], case["max"],
                           case["current"], case["desired"])
    replicas, condition, _ = convert_desired_replicas_with_behavior_rate(arg, state, NOW)
    assert (replicas, condition) == (case["expected"], case["condition"])


# ---------------------------------------------------------------------------------------------
# TestStoreScaleEvents

STORE_SCALE_EVENTS = [
    ("empty entries with default behavior", 5, (), (), None, 0),
    ("empty entries with two-policy-behavior", 5, (), ((5, False),), generate_scaling_rules(10, 60, 100, 60, 0), 0),
    ("one outdated entry to be kept untouched without behavior", 5, ((7, -61),), ((7, False),), None, 0),
    ("one outdated entry to be replaced with behavior", 5, ((7, -61),), ((5, False),),
     generate_scaling_rules(10, 60, 100, 60, 0), 0),
    ("one actual entry to be not touched with behavior", 5, ((7, -58),), ((7, False), (5, False)),
     generate_scaling_rules(10, 60, 100, 60, 0), 7),
    ("two entries, one of them to be replaced", 5, ((7, -61), (6, -59)), ((5, False), (6, False)),
     generate_scaling_rules(10, 60, 0, 0, 0), 6),
    ("replace one entry, use policies with different periods", 5, ((8, -29), (6, -59), (7, -61), (9, -61)),
     ((8, False), (6, False), (7, True), (5, False)), generate_scaling_rules(10, 60, 100, 30, 0), 14),
    ("two entries, both actual", 5, ((7, -58), (6, -59)), ((7, False), (6, False), (5, False)),
     generate_scaling_rules(10, 120, 100, 30, 0), 13),
]


@pytest.mark.parametrize("name,change,prev,new,rules,expected_change", STORE_SCALE_EVENTS,
                         ids=[c[0] for c in STORE_SCALE_EVENTS])
def test_store_scale_events(name, change, prev, new, rules, expected_change):
    """TestStoreScaleEvents: the same history as scale-up events, then as scale-down events."""
    prev_events = tuple(ScaleEvent(c, NOW + off) for c, off in prev)
    later = NOW  # upstream stores with a later time.Now(); the cutoffs keep their strictness

    up_state = HPAState(None, prev_events, ())
    assert get_replicas_change_per_period(60, up_state.scale_up_events, NOW) == expected_change
    behavior_up = None if rules is None else Behavior(scale_up=rules)
    up_state = store_scale_event(up_state, behavior_up, 10, 10 + change, later)
    assert [(e.replica_change, e.outdated) for e in up_state.scale_up_events] == list(new)

    down_state = HPAState(None, (), prev_events)
    assert get_replicas_change_per_period(60, down_state.scale_down_events, NOW) == expected_change
    behavior_down = None if rules is None else Behavior(scale_down=rules)
    down_state = store_scale_event(down_state, behavior_down, 10, 10 - change, later)
    assert [(e.replica_change, e.outdated) for e in down_state.scale_down_events] == list(new)


# ---------------------------------------------------------------------------------------------
# TestNormalizeDesiredReplicasWithBehavior

NORMALIZE_WITH_BEHAVIOR = [
    ("empty recommendations for scaling down", _recs(), 100, 5, 5, [5], 0, 0),
    ("simple scale down stabilization", _recs((4, -120), (5, -60)), 100, 3, 5, [4, 5, 3], 0, 180),
    ("simple scale up stabilization", _recs((4, -120), (5, -60)), 1, 7, 4, [4, 5, 7], 300, 0),
    ("no scale down stabilization", _recs((1, -120), (2, -60)), 100, 3, 3, [1, 2, 3], 300, 0),
    ("no scale up stabilization", _recs((4, -120), (5, -60)), 1, 3, 3, [4, 5, 3], 0, 300),
    ("no scale down stabilization, reuse recommendation element", _recs((10, -600), (9, -540)), 100, 3, 3, [10, 3],
     0, 0),
    ("no scale up stabilization, reuse recommendation element", _recs((10, -600), (9, -540)), 1, 100, 100, [10, 100],
     0, 0),
    ("scale down stabilization, reuse one of obsolete recommendation element",
     _recs((10, -600), (4, -60), (5, -120), (9, -540)), 100, 3, 5, [10, 4, 5, 3], 0, 180),
    ("scale up stabilization, reuse one of obsolete recommendation element",
     _recs((10, -6000), (6, -60), (5, -120), (9, -180)), 1, 100, 5, [100, 6, 5, 9], 300, 0),
    ("scale up and down stabilization, do not scale up when prenormalized rec goes down",
     _recs((2, -6000), (3, -180)), 2, 1, 2, None, 300, 300),
    ("scale up and down stabilization, do not scale down when prenormalized rec goes up",
     _recs((2, -6000), (1, -180)), 2, 3, 2, None, 300, 300),
]


@pytest.mark.parametrize("name,recs,current,prenormalized,expected,expected_recs,up_window,down_window",
                         NORMALIZE_WITH_BEHAVIOR, ids=[c[0] for c in NORMALIZE_WITH_BEHAVIOR])
def test_normalize_desired_replicas_with_behavior(name, recs, current, prenormalized, expected, expected_recs,
                                                  up_window, down_window):
    """TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors)."""
    arg = NormalizationArg(ScalingRules(up_window), ScalingRules(down_window), 0, 0, current, prenormalized)
    got, _, _, state = stabilize_recommendation_with_behaviors(arg, HPAState(recs), NOW)
    assert got == expected
    if expected_recs is not None:
        assert [r.recommendation for r in state.recommendations] == expected_recs


# ---------------------------------------------------------------------------------------------
# controller tests through reconcile_autoscaler

NS = "test-namespace"
CONFIG = ControllerConfig(downscale_stabilization_window=300.0, tolerance=0.1, cpu_initialization_period=120.0,
                          delay_of_initial_readiness_status=10.0, scale_up_limit_factor=TEST_SCALE_UP_LIMIT_FACTOR)
ZERO_TIME = "0001-01-01T00:00:00Z"
HOT = NOW  # hotCPUCreationTime
COOL = NOW - 180.0  # coolCPUCreationTime

STATUS_OK = [("AbleToScale", "True", "SucceededRescale"), ("ScalingActive", "True", "ValidMetricFound"),
             ("ScalingLimited", "False", "DesiredWithinRange")]


def status_ok_with_overrides(*overrides):
    """statusOkWithOverrides: setConditionInList over the ok list, messages ignored."""
    conds = [{"type": t, "status": s, "reason": r, "message": ""} for t, s, r in STATUS_OK]
    for t, s, r in overrides:
        set_condition_in_list(conds, t, s, r, "", NOW)
    return [(c["type"], c["status"], c["reason"]) for c in conds]


def cpu_request_milli(q: str) -> int:
    from provisor.k8s.hpa.replica_calculator import milli_value

    return milli_value(q)


def _controller_pods(tc):
    requests = tc.get("requests")
    n = len(requests) if requests is not None else tc["status"]
    pods = []
    for i in range(n):
        start = tc["start"][i] if tc.get("start") is not None else ZERO_TIME
        req = cpu_request_milli(requests[i]) if requests is not None else 1000
        pod = {
            "metadata": {"name": f"test-pod-{i}", "namespace": NS, "labels": {"name": "test-pod"}},
            "status": {
                "phase": tc["phase"][i] if tc.get("phase") is not None else "Running",
                "conditions": [{"type": "Ready",
                                "status": tc["readiness"][i] if tc.get("readiness") is not None else "True",
                                "lastTransitionTime": start}],
                "startTime": start,
            },
            "spec": {"containers": [
                {"name": "container1", "resources": {"requests": {"cpu": f"{req // 2}m"}}},
                {"name": "container2", "resources": {"requests": {"cpu": f"{req // 2}m"}}},
            ]},
        }
        if tc.get("deleted") is not None and tc["deleted"][i]:
            pod["metadata"]["deletionTimestamp"] = NOW
        pods.append(pod)
    return pods


def _controller_client(tc):
    lv = tc.get("levels", [])
    pod_metrics = [{
        "metadata": {"name": f"test-pod-{i}", "namespace": NS, "labels": {"name": "test-pod"}},
        "timestamp": NOW, "window": "1m0s",
        "containers": [
            {"name": "container1", "usage": {"cpu": f"{cpu // 2}m", "memory": str(1024 * 1024 // 2)}},
            {"name": "container2", "usage": {"cpu": f"{cpu // 2}m", "memory": str(1024 * 1024 // 2)}},
        ],
    } for i, cpu in enumerate(lv)]
    custom = [{"describedObject": {"kind": "Pod", "name": f"test-pod-{i}", "namespace": NS}, "timestamp": NOW,
               "metric": {"name": "qps"}, "value": f"{v}m"} for i, v in enumerate(lv)]
    objects = {}
    for spec in tc.get("metrics_target") or ():
        if spec.get("type") == "Object" and lv:
            d = spec["object"]["describedObject"]
            objects[("qps", d["name"])] = {"describedObject": d, "timestamp": NOW, "metric": {"name": "qps"},
                                          "value": f"{lv[0]}m"}
    external = [{"timestamp": NOW, "metricName": "qps", "value": f"{v}m"} for v in lv]
    errors = tc.get("client_errors", {})
    return MetricsAPIClient(pod_metrics, custom_pod_metrics={"qps": custom}, object_metrics=objects,
                            external_metrics={"qps": external}, resource_error=errors.get("resource"),
                            custom_error=errors.get("custom"), external_error=errors.get("external"))


def _controller_hpa(tc):
    metrics = []
    if tc.get("cpu_target", 0) > 0:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": tc["cpu_target"]}}})
    metrics.extend(tc.get("metrics_target") or ())
    if not metrics:
        metrics = [{"type": "Resource", "resource": {"name": "cpu"}}]
    spec = {"scaleTargetRef": {"kind": tc.get("kind", "ReplicationController"), "name": "test-rc",
                               "apiVersion": "v1"},
            "minReplicas": tc["min"], "maxReplicas": tc["max"], "metrics": metrics}
    if tc.get("up") is not None or tc.get("down") is not None:
        spec["behavior"] = {}
        if tc.get("up") is not None:
            spec["behavior"]["scaleUp"] = tc["up"].to_dict()
        if tc.get("down") is not None:
            spec["behavior"]["scaleDown"] = tc["down"].to_dict()
    status = {"currentReplicas": tc["spec"], "desiredReplicas": tc["spec"]}
    if tc.get("last_scale_time") is not None:
        status["lastScaleTime"] = tc["last_scale_time"]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "test-hpa", "namespace": NS}, "spec": spec, "status": status}


def run_controller_case(tc):
    recs = tc.get("recommendations")
    state = HPAState(None if recs is None else _recs(*recs))
    return reconcile_autoscaler(_controller_hpa(tc), spec_replicas=tc["spec"], status_replicas=tc["status"],
                                pods=_controller_pods(tc), metrics_client=_controller_client(tc), state=state,
                                now=NOW, config=CONFIG)


def _cpu_current(tc):
    """computeCPUCurrent."""
    lv, req = tc.get("levels", []), tc.get("requests")
    if tc.get("cpu_current"):
        return tc["cpu_current"]
    if req is None or len(lv) != len(req) or not lv:
        return 0
    return 100 * sum(lv) // sum(cpu_request_milli(r) for r in req)


def _find_cpu_utilization(status):
    for s in status.get("currentMetrics") or ():
        if s.get("type") == "Resource" and (s.get("resource") or {}).get("name") == "cpu":
            u = s["resource"]["current"].get("averageUtilization")
            if u is not None:
                return u
    return None


def _pods_qps(avg):
    return {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue",
                                                                         "averageValue": avg}}}


def _object_qps(value=None, average=None, selector=False):
    metric = {"name": "qps"}
    if selector:
        metric["selector"] = {}
    target = {"type": "Value", "value": value} if value is not None else {"type": "AverageValue",
                                                                          "averageValue": average}
    return {"type": "Object", "object": {"describedObject": {"apiVersion": "apps/v1", "kind": "Deployment",
                                                             "name": "some-deployment"},
                                         "metric": metric, "target": target}}


def _external_qps(value=None, average=None):
    target = {"type": "Value", "value": value} if value is not None else {"type": "AverageValue",
                                                                          "averageValue": average}
    return {"type": "External", "external": {"metric": {"name": "qps", "selector": {}}, "target": target}}


def _container_cpu(container, util):
    return {"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": container, "target": {"type": "Utilization", "averageUtilization": util}}}


CHEDDAR = {"type": "CheddarCheese"}
ONE3 = ["1.0"] * 3
ONE5 = ["1.0"] * 5
T, F = "True", "False"
RUN, FAIL = "Running", "Failed"
ABLE_READY = ("AbleToScale", "True", "ReadyForNewScale")

# ComputedToleranceAlgImplementation values (runtime float arithmetic, constant 1 - 0.1 folded)
_REQ_TO_USED = float(3000 // 1500)
_ONE_MINUS_TOL = float(Fraction(9, 10))
_TARGET1 = abs(1 / (_REQ_TO_USED * _ONE_MINUS_TOL)) + .01
_TARGET2 = abs(1 / (_REQ_TO_USED * _ONE_MINUS_TOL)) + .004
_FINAL_PODS = int(math.ceil(float(1500) / float(float(3000) * _TARGET1) * float(10)))
_TOL_ALG_REQUESTS = [f"{300 + o}m" for o in (100, -100, 10, -10, 2, -2, 1, -1, 0, 0)]

CONTROLLER_CASES = [
    dict(name="TestScaleUp", min=2, max=6, spec=3, status=3, expected=5, cpu_target=30, verify_cpu=True,
         levels=[300, 500, 700], requests=ONE3),
    dict(name="TestScaleUpContainer", min=2, max=6, spec=3, status=3, expected=5,
         metrics_target=[_container_cpu("container1", 30)], levels=[300, 500, 700], requests=ONE3),
    dict(name="TestScaleUpUnreadyLessScale", min=2, max=6, spec=3, status=3, expected=4, cpu_target=30,
         cpu_current=60, verify_cpu=True, levels=[300, 500, 700], requests=ONE3, readiness=[F, T, T]),
    dict(name="TestScaleUpHotCpuLessScale", min=2, max=6, spec=3, status=3, expected=4, cpu_target=30,
         cpu_current=60, verify_cpu=True, levels=[300, 500, 700], requests=ONE3, start=[HOT, COOL, COOL]),
    dict(name="TestScaleUpUnreadyNoScale", min=2, max=6, spec=3, status=3, expected=3, cpu_target=30,
         cpu_current=40, verify_cpu=True, levels=[400, 500, 700], requests=ONE3, readiness=[T, F, F],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestScaleUpHotCpuNoScale", min=2, max=6, spec=3, status=3, expected=3, cpu_target=30,
         cpu_current=40, verify_cpu=True, levels=[400, 500, 700], requests=ONE3, readiness=[T, F, F],
         start=[COOL, HOT, HOT], conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestScaleUpIgnoresFailedPods", min=2, max=6, spec=2, status=2, expected=4, cpu_target=30,
         cpu_current=60, verify_cpu=True, levels=[500, 700], requests=["1.0"] * 4, readiness=[T, T, F, F],
         phase=[RUN, RUN, FAIL, FAIL]),
    dict(name="TestScaleUpIgnoresDeletionPods", min=2, max=6, spec=2, status=2, expected=4, cpu_target=30,
         cpu_current=60, verify_cpu=True, levels=[500, 700], requests=["1.0"] * 4, readiness=[T, T, F, F],
         phase=[RUN] * 4, deleted=[False, False, True, True]),
    dict(name="TestScaleUpDeployment", min=2, max=6, spec=3, status=3, expected=5, cpu_target=30, verify_cpu=True,
         levels=[300, 500, 700], requests=ONE3, kind="Deployment"),
    dict(name="TestScaleUpReplicaSet", min=2, max=6, spec=3, status=3, expected=5, cpu_target=30, verify_cpu=True,
         levels=[300, 500, 700], requests=ONE3, kind="ReplicaSet"),
    dict(name="TestScaleUpCM", min=2, max=6, spec=3, status=3, expected=4, metrics_target=[_pods_qps("15.0")],
         levels=[20000, 10000, 30000], requests=ONE3),
    dict(name="TestScaleUpCMUnreadyAndHotCpuNoLessScale", min=2, max=6, spec=3, status=3, expected=6,
         metrics_target=[_pods_qps("15.0")], levels=[50000, 10000, 30000], readiness=[T, T, F],
         start=[COOL, COOL, HOT], requests=ONE3),
    dict(name="TestScaleUpCMUnreadyandCpuHot", min=2, max=6, spec=3, status=3, expected=6,
         metrics_target=[_pods_qps("15.0")], levels=[50000, 15000, 30000], readiness=[F, T, F],
         start=[HOT, COOL, HOT], requests=ONE3,
         conditions=status_ok_with_overrides(("AbleToScale", "True", "SucceededRescale"),
                                             ("ScalingLimited", "True", "TooManyReplicas"))),
    dict(name="TestScaleUpHotCpuNoScaleWouldScaleDown", min=2, max=6, spec=3, status=3, expected=6,
         metrics_target=[_pods_qps("15.0")], levels=[50000, 15000, 30000], requests=ONE3, start=[HOT, COOL, HOT],
         conditions=status_ok_with_overrides(("AbleToScale", "True", "SucceededRescale"),
                                             ("ScalingLimited", "True", "TooManyReplicas"))),
    dict(name="TestScaleUpCMObject", min=2, max=6, spec=3, status=3, expected=4,
         metrics_target=[_object_qps(value="15.0")], levels=[20000]),
    dict(name="TestScaleUpFromZeroCMObject", min=0, max=6, spec=0, status=0, expected=2,
         metrics_target=[_object_qps(value="15.0")], levels=[20000]),
    dict(name="TestScaleUpFromZeroIgnoresToleranceCMObject", min=0, max=6, spec=0, status=0, expected=1,
         metrics_target=[_object_qps(value="1.0")], levels=[1000]),
    dict(name="TestScaleUpPerPodCMObject", min=2, max=6, spec=3, status=3, expected=4,
         metrics_target=[_object_qps(average="10.0")], levels=[40000]),
    dict(name="TestScaleUpCMExternal", min=2, max=6, spec=3, status=3, expected=4,
         metrics_target=[_external_qps(value="6666m")], levels=[8600]),
    dict(name="TestScaleUpPerPodCMExternal", min=2, max=6, spec=3, status=3, expected=4,
         metrics_target=[_external_qps(average="2222m")], levels=[8600]),
    dict(name="TestScaleDown", min=2, max=6, spec=5, status=5, expected=3, cpu_target=50, verify_cpu=True,
         levels=[100, 300, 500, 250, 250], requests=ONE5, recommendations=[]),
    dict(name="TestScaleDownContainerResource", min=2, max=6, spec=5, status=5, expected=3,
         levels=[100, 300, 500, 250, 250], requests=ONE5, metrics_target=[_container_cpu("container2", 50)],
         recommendations=[]),
    dict(name="TestScaleDownWithScalingRules", min=2, max=6, up=generate_scaling_rules(0, 0, 100, 15, 30), spec=5,
         status=5, expected=3, cpu_target=50, verify_cpu=True, levels=[100, 300, 500, 250, 250], requests=ONE5,
         recommendations=[]),
    dict(name="TestScaleUpOneMetricInvalid", min=2, max=6, spec=3, status=3, expected=4, cpu_target=30,
         verify_cpu=True, metrics_target=[CHEDDAR], levels=[300, 400, 500], requests=ONE3),
    dict(name="TestScaleUpFromZeroOneMetricInvalid", min=0, max=6, spec=0, status=0, expected=4, cpu_target=30,
         verify_cpu=True, metrics_target=[CHEDDAR], levels=[300, 400, 500], requests=ONE3, recommendations=[]),
    dict(name="TestScaleUpBothMetricsEmpty", min=2, max=6, spec=3, status=3, expected=3, metrics_target=[CHEDDAR],
         levels=[], requests=ONE3,
         conditions=[("AbleToScale", "True", "SucceededGetScale"),
                     ("ScalingActive", "False", "InvalidMetricSourceType")]),
    dict(name="TestScaleDownStabilizeInitialSize", min=2, max=6, spec=5, status=5, expected=5, cpu_target=50,
         verify_cpu=True, levels=[100, 300, 500, 250, 250], requests=ONE5, recommendations=None,
         conditions=status_ok_with_overrides(ABLE_READY, ("AbleToScale", "True", "ScaleDownStabilized"))),
    dict(name="TestScaleDownCM", min=2, max=6, spec=5, status=5, expected=3, metrics_target=[_pods_qps("20.0")],
         levels=[12000] * 5, requests=ONE5, recommendations=[]),
    dict(name="TestScaleDownCMObject", min=2, max=6, spec=5, status=5, expected=3,
         metrics_target=[_object_qps(value="20.0")], levels=[12000], requests=ONE5, recommendations=[]),
    dict(name="TestScaleDownToZeroCMObject", min=0, max=6, spec=5, status=5, expected=0,
         metrics_target=[_object_qps(value="20.0")], levels=[0], requests=ONE5, recommendations=[]),
    dict(name="TestScaleDownPerPodCMObject", min=2, max=6, spec=5, status=5, expected=3,
         metrics_target=[_object_qps(average="20.0")], levels=[60000], requests=ONE5, recommendations=[]),
    dict(name="TestScaleDownCMExternal", min=2, max=6, spec=5, status=5, expected=3,
         metrics_target=[_external_qps(value="14400m")], levels=[8600], recommendations=[]),
    dict(name="TestScaleDownToZeroCMExternal", min=0, max=6, spec=5, status=5, expected=0,
         metrics_target=[_external_qps(value="14400m")], levels=[0], recommendations=[]),
    dict(name="TestScaleDownPerPodCMExternal", min=2, max=6, spec=5, status=5, expected=3,
         metrics_target=[_external_qps(average="3000m")], levels=[8600], recommendations=[]),
    dict(name="TestScaleDownIncludeUnreadyPods", min=2, max=6, spec=5, status=5, expected=2, cpu_target=50,
         cpu_current=30, verify_cpu=True, levels=[100, 300, 500, 250, 250], requests=ONE5,
         readiness=[T, T, T, F, F], recommendations=[]),
    dict(name="TestScaleDownIgnoreHotCpuPods", min=2, max=6, spec=5, status=5, expected=2, cpu_target=50,
         cpu_current=30, verify_cpu=True, levels=[100, 300, 500, 250, 250], requests=ONE5,
         start=[COOL, COOL, COOL, HOT, HOT], recommendations=[]),
    dict(name="TestScaleDownIgnoresFailedPods", min=2, max=6, spec=5, status=5, expected=3, cpu_target=50,
         cpu_current=28, verify_cpu=True, levels=[100, 300, 500, 250, 250], requests=["1.0"] * 7,
         readiness=[T] * 5 + [F, F], phase=[RUN] * 5 + [FAIL, FAIL], recommendations=[]),
    dict(name="TestScaleDownIgnoresDeletionPods", min=2, max=6, spec=5, status=5, expected=3, cpu_target=50,
         cpu_current=28, verify_cpu=True, levels=[100, 300, 500, 250, 250], requests=["1.0"] * 7,
         readiness=[T] * 5 + [F, F], phase=[RUN] * 7, deleted=[False] * 5 + [True, True], recommendations=[]),
    dict(name="TestTolerance", min=1, max=5, spec=3, status=3, expected=3, cpu_target=100,
         levels=[1010, 1030, 1020], requests=["0.9", "1.0", "1.1"], conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestToleranceCM", min=1, max=5, spec=3, status=3, expected=3, metrics_target=[_pods_qps("20.0")],
         levels=[20000, 20001, 21000], requests=["0.9", "1.0", "1.1"],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestToleranceCMObject", min=1, max=5, spec=3, status=3, expected=3,
         metrics_target=[_object_qps(value="20.0")], levels=[20050], requests=["0.9", "1.0", "1.1"],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestToleranceCMExternal", min=2, max=6, spec=4, status=4, expected=4,
         metrics_target=[_external_qps(value="8666m")], levels=[8600],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestTolerancePerPodCMObject", min=2, max=6, spec=4, status=4, expected=4,
         metrics_target=[_object_qps(average="2200m", selector=True)], levels=[8600],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestTolerancePerPodCMExternal", min=2, max=6, spec=4, status=4, expected=4,
         metrics_target=[_external_qps(average="2200m")], levels=[8600],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestMinReplicas", min=2, max=5, spec=3, status=3, expected=2, cpu_target=90, levels=[10, 95, 10],
         requests=["0.9", "1.0", "1.1"], recommendations=[],
         conditions=status_ok_with_overrides(("ScalingLimited", "True", "TooFewReplicas"))),
    dict(name="TestZeroMinReplicasDesiredZero", min=0, max=5, spec=3, status=3, expected=0, cpu_target=90,
         levels=[0, 0, 0], requests=["0.9", "1.0", "1.1"], recommendations=[],
         conditions=status_ok_with_overrides(("ScalingLimited", "False", "DesiredWithinRange"))),
    dict(name="TestMinReplicasDesiredZero", min=2, max=5, spec=3, status=3, expected=2, cpu_target=90,
         levels=[0, 0, 0], requests=["0.9", "1.0", "1.1"], recommendations=[],
         conditions=status_ok_with_overrides(("ScalingLimited", "True", "TooFewReplicas"))),
    dict(name="TestZeroReplicas", min=3, max=5, spec=0, status=0, expected=0, cpu_target=90, levels=[],
         requests=[], conditions=[("AbleToScale", "True", "SucceededGetScale"),
                                  ("ScalingActive", "False", "ScalingDisabled")]),
    dict(name="TestTooFewReplicas", min=3, max=5, spec=2, status=2, expected=3, cpu_target=90, levels=[],
         requests=[], conditions=[("AbleToScale", "True", "SucceededRescale")]),
    dict(name="TestTooManyReplicas", min=3, max=5, spec=10, status=10, expected=5, cpu_target=90, levels=[],
         requests=[], conditions=[("AbleToScale", "True", "SucceededRescale")]),
    dict(name="TestMaxReplicas", min=2, max=5, spec=3, status=3, expected=5, cpu_target=90, levels=[8000, 9500, 1000],
         requests=["0.9", "1.0", "1.1"],
         conditions=status_ok_with_overrides(("ScalingLimited", "True", "TooManyReplicas"))),
    dict(name="TestSuperfluousMetrics", min=2, max=6, spec=4, status=4, expected=6, cpu_target=100,
         levels=[4000, 9500, 3000, 7000, 3200, 2000], requests=["1.0"] * 4,
         conditions=status_ok_with_overrides(("ScalingLimited", "True", "TooManyReplicas"))),
    dict(name="TestMissingMetrics", min=2, max=6, spec=4, status=4, expected=3, cpu_target=100, levels=[400, 95],
         requests=["1.0"] * 4, recommendations=[]),
    dict(name="TestEmptyMetrics", min=2, max=6, spec=4, status=4, expected=4, cpu_target=100, levels=[],
         requests=["1.0"] * 4, conditions=[("AbleToScale", "True", "SucceededGetScale"),
                                           ("ScalingActive", "False", "FailedGetResourceMetric")]),
    dict(name="TestEmptyCPURequest", min=1, max=5, spec=1, status=1, expected=1, cpu_target=100, levels=[200],
         requests=[], conditions=[("AbleToScale", "True", "SucceededGetScale"),
                                  ("ScalingActive", "False", "FailedGetResourceMetric")]),
    dict(name="TestEventCreated", min=1, max=5, spec=1, status=1, expected=2, cpu_target=50, levels=[200],
         requests=["0.2"], verify_events=True),
    dict(name="TestEventNotCreated", min=1, max=5, spec=2, status=2, expected=2, cpu_target=50, levels=[200, 200],
         requests=["0.4", "0.4"], verify_events=True, conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestMissingReports", min=1, max=5, spec=4, status=4, expected=2, cpu_target=50, levels=[200],
         requests=["0.2"], recommendations=[]),
    dict(name="TestUpscaleCap", min=1, max=100, spec=3, status=3, up=generate_scaling_rules(0, 0, 700, 60, 0),
         expected=24, cpu_target=10, levels=[100, 200, 300], requests=["0.1"] * 3,
         conditions=status_ok_with_overrides(("ScalingLimited", "True", "ScaleUpLimit"))),
    dict(name="TestUpscaleCapGreaterThanMaxReplicas", min=1, max=20, spec=3, status=3,
         up=generate_scaling_rules(0, 0, 700, 60, 0), expected=20, cpu_target=10, levels=[100, 200, 300],
         requests=["0.1"] * 3, conditions=status_ok_with_overrides(("ScalingLimited", "True", "TooManyReplicas"))),
    dict(name="TestMoreReplicasThanSpecNoScale", min=1, max=8, spec=4, status=5, expected=4, cpu_target=50,
         levels=[500] * 5, requests=["1"] * 5, conditions=status_ok_with_overrides(ABLE_READY)),
    *[dict(name=f"TestConditionFailedGetMetrics/{reason}", min=1, max=100, spec=3, status=3, expected=3,
           cpu_target=10 if specs is None else 0, metrics_target=specs, levels=[100, 200, 300],
           requests=["0.1"] * 3,
           client_errors={"resource": "something went wrong", "custom": "something went wrong",
                          "external": "something went wrong"},
           conditions=[("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", reason)])
      for reason, specs in [("FailedGetResourceMetric", None), ("FailedGetPodsMetric", [_pods_qps("15.0")]),
                            ("FailedGetObjectMetric", [_object_qps(value="15.0")]),
                            ("FailedGetExternalMetric", [_external_qps(value="300m")])]],
    dict(name="TestConditionInvalidSourceType", min=2, max=6, spec=3, status=3, expected=3, metrics_target=[CHEDDAR],
         levels=[20000], conditions=[("AbleToScale", "True", "SucceededGetScale"),
                                     ("ScalingActive", "False", "InvalidMetricSourceType")]),
    dict(name="TestNoBackoffUpscaleCM", min=1, max=5, spec=3, status=3, expected=4, metrics_target=[_pods_qps("15.0")],
         levels=[20000, 10000, 30000], requests=ONE3, last_scale_time=format_time(NOW),
         conditions=status_ok_with_overrides(ABLE_READY, ("AbleToScale", "True", "SucceededRescale"),
                                             ("ScalingLimited", "False", "DesiredWithinRange"))),
    dict(name="TestNoBackoffUpscaleCMNoBackoffCpu", min=1, max=5, spec=3, status=3, expected=5, cpu_target=10,
         metrics_target=[_pods_qps("15.0")], levels=[20000, 10000, 30000], requests=ONE3,
         last_scale_time=format_time(NOW),
         conditions=status_ok_with_overrides(ABLE_READY, ("AbleToScale", "True", "SucceededRescale"),
                                             ("ScalingLimited", "True", "TooManyReplicas"))),
    dict(name="TestStabilizeDownscale", min=1, max=5, spec=4, status=4, expected=4, cpu_target=100,
         levels=[50, 50, 50], requests=["0.1"] * 3, recommendations=[(10, -600), (4, -60)],
         conditions=status_ok_with_overrides(ABLE_READY, ("AbleToScale", "True", "ScaleDownStabilized"))),
    dict(name="TestComputedToleranceAlgImplementation/tc1", min=0, max=1000, spec=10, status=10,
         expected=_FINAL_PODS, cpu_target=int(_TARGET1 * 100), levels=[150] * 10, requests=_TOL_ALG_REQUESTS,
         recommendations=[]),
    dict(name="TestComputedToleranceAlgImplementation/tc2", min=0, max=1000, spec=10, status=10, expected=10,
         cpu_target=int(_TARGET2 * 100), levels=[150] * 10, requests=_TOL_ALG_REQUESTS, recommendations=[],
         conditions=status_ok_with_overrides(ABLE_READY)),
    dict(name="TestScaleUpRCImmediately", min=2, max=6, spec=1, status=1, expected=2, levels=[0, 0, 0, 0],
         requests=["1.0"] * 4, last_scale_time=format_time(NOW),
         conditions=[("AbleToScale", "True", "SucceededRescale")]),
    dict(name="TestScaleDownRCImmediately", min=2, max=5, spec=6, status=6, expected=5, cpu_target=50,
         levels=[8000, 9500, 1000], requests=["0.9", "1.0", "1.1"], last_scale_time=format_time(NOW),
         conditions=[("AbleToScale", "True", "SucceededRescale")]),
    dict(name="TestScaleUpOneMetricEmpty", min=2, max=6, spec=3, status=3, expected=4, cpu_target=30,
         verify_cpu=True, metrics_target=[_external_qps(value="100m")], levels=[300, 400, 500], requests=ONE3,
         client_errors={"external": "something went wrong"}),
    dict(name="TestNoScaleDownOneMetricInvalid", min=2, max=6, spec=5, status=5, expected=5, cpu_target=50,
         metrics_target=[CHEDDAR], levels=[100, 300, 500, 250, 250], requests=ONE5, recommendations=[],
         conditions=[("AbleToScale", "True", "SucceededGetScale"),
                     ("ScalingActive", "False", "InvalidMetricSourceType")]),
    dict(name="TestNoScaleDownOneMetricEmpty", min=2, max=6, spec=5, status=5, expected=5, cpu_target=50,
         metrics_target=[_external_qps(value="1000m")], levels=[100, 300, 500, 250, 250], requests=ONE5,
         recommendations=[], client_errors={"external": "something went wrong"},
         conditions=[("AbleToScale", "True", "SucceededGetScale"),
                     ("ScalingActive", "False", "FailedGetExternalMetric")]),
]


@pytest.mark.parametrize("tc", CONTROLLER_CASES, ids=[c["name"] for c in CONTROLLER_CASES])
def test_controller_sync(tc):
    """The horizontal_test.go controller test named in the id (tc.runTest)."""
    res = run_controller_case(tc)
    assert res.desired_replicas == tc["expected"]
    assert res.status["desiredReplicas"] == tc["expected"]
    assert res.rescale == (tc["spec"] != tc["expected"])
    expected_conditions = tc.get("conditions") or status_ok_with_overrides()
    assert [(c["type"], c["status"], c["reason"]) for c in res.status.get("conditions", [])] == expected_conditions
    if tc.get("verify_cpu"):
        assert _find_cpu_utilization(res.status) == _cpu_current(tc)
    if tc.get("verify_events"):
        rescales = [e for e in res.events if e[1] == "SuccessfulRescale"]
        if tc["spec"] != tc["expected"]:
            assert rescales == [("Normal", "SuccessfulRescale",
                                 f"New size: {tc['expected']}; reason: cpu resource utilization "
                                 "(percentage of request) above target")]
        else:
            assert rescales == []


def test_avoid_unnecessary_updates():
    """TestAvoidUnnecessaryUpdates: the sync reproduces the stored status exactly, so the
    controller has nothing to write (upstream fails the test on any status update)."""
    last = format_time(NOW - 3600)
    tc = dict(min=2, max=6, spec=2, status=2, levels=[400, 500, 700], requests=ONE3, start=[COOL, HOT, HOT])
    status = {
        "currentReplicas": 2, "desiredReplicas": 2, "lastScaleTime": last,
        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageValue": "400m", "averageUtilization": 40}}}],
        "conditions": [
            {"type": "AbleToScale", "status": "True", "lastTransitionTime": last, "reason": "ReadyForNewScale",
             "message": "recommended size matches current size"},
            {"type": "ScalingActive", "status": "True", "lastTransitionTime": last, "reason": "ValidMetricFound",
             "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization "
                        "(percentage of request)"},
            {"type": "ScalingLimited", "status": "True", "lastTransitionTime": last, "reason": "TooFewReplicas",
             "message": "the desired replica count is less than the minimum replica count"},
        ],
    }
    hpa = {"metadata": {"name": "test-hpa", "namespace": NS},
           "spec": {"scaleTargetRef": {"kind": "ReplicationController", "name": "test-rc", "apiVersion": "v1"},
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                        "type": "Utilization", "averageUtilization": 80}}}],
                    "minReplicas": 2, "maxReplicas": 6},
           "status": status}
    res = reconcile_autoscaler(hpa, spec_replicas=2, status_replicas=2, pods=_controller_pods(tc),
                               metrics_client=_controller_client(tc), state=HPAState(()), now=NOW, config=CONFIG)
    assert res.rescale is False
    assert res.status == status


def test_scale_events_feed_the_next_sync():
    """Own check (not an upstream table): a rescale under a behavior is stored and then limits
    the next sync within the policy period, as storeScaleEvent and the rate policies chain."""
    tc = dict(min=1, max=100, spec=3, status=3, up=generate_scaling_rules(0, 0, 700, 60, 0), cpu_target=10,
              levels=[100, 200, 300], requests=["0.1"] * 3)
    first = run_controller_case(tc)
    assert first.desired_replicas == 24
    assert [(e.replica_change, e.timestamp) for e in first.state.scale_up_events] == [(21, NOW)]
    tc2 = dict(tc, spec=24, status=24, levels=[300] * 24, requests=["0.1"] * 24)
    second = reconcile_autoscaler(_controller_hpa(tc2), spec_replicas=24, status_replicas=24,
                                  pods=_controller_pods(tc2), metrics_client=_controller_client(tc2),
                                  state=first.state, now=NOW + 30, config=CONFIG)
    # the 60 s Percent policy counts from the 3 replicas of the period start: ceil(3 * 8) = 24
    assert second.desired_replicas == 24
    assert second.rescale is False
    assert [(c["type"], c["reason"]) for c in second.status["conditions"]][-1] == ("ScalingLimited", "ScaleUpLimit")
