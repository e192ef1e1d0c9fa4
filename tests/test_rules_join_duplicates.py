"""promql/join-duplicates (issue 14, PromQL meaning (a))."""

from __future__ import annotations

import pytest

from provisor.promql.analysis import JOIN_DUPLICATES, analyze


@pytest.mark.parametrize("expr,words", [
    # identity labels left out of on(): one series per container
    ('container_memory_working_set_bytes{container!=""} / on (namespace, pod) group_left '
     'kube_pod_container_resource_limits{resource="memory"}', ["one series per container"]),
    # an HA pair of kube-state-metrics: kube_pod_info twice per pod
    ('sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[5m])) '
     '* on (namespace, pod) group_left (node) kube_pod_info', ["HA pair", "instance"]),
    # one-to-one: both sides must be unique
    ('kube_pod_container_resource_requests{resource="cpu"} / on (namespace, pod, container) '
     'kube_pod_container_resource_limits{resource="cpu"}', ["one-to-one"]),
    ('sum by (namespace, pod) (x) * ignoring (instance) group_left kube_pod_info', ["instance"]),
])
def test_flagged(expr, words):
    ps = analyze(expr).of(JOIN_DUPLICATES)
    assert len(ps) == 1
    assert all(w in ps[0].message for w in words), ps[0].message
    assert "many-to-many matching not allowed" in ps[0].message


@pytest.mark.parametrize("expr", [
    # the mixins' form: the one side aggregated by the matching labels
    'sum by (namespace, pod) (x) * on (namespace, pod) group_left (node) '
    'max by (namespace, pod, node) (kube_pod_info)',
    # no on()/ignoring(): instance is compared, HA copies stay apart
    'kube_pod_container_resource_requests / kube_pod_container_resource_limits',
    # the one side is the application's own series: unknown exporter
    'sum by (namespace, pod) (x) * on (namespace, pod) group_left my_app_info',
    # matched on instance too
    'kube_pod_info * on (namespace, pod, instance) group_left kube_pod_info',
    # set operators never fail on duplicates
    'x and on (namespace, pod) kube_pod_info',
])
def test_not_flagged(expr):
    assert analyze(expr).of(JOIN_DUPLICATES) == []


def test_guard_applies():
    # a removed metric on the one side: the removal is the diagnosis, not the duplicates
    a = analyze('x / on (namespace, pod) group_left kube_pod_container_resource_limits_memory_bytes')
    assert a.of(JOIN_DUPLICATES) == []
