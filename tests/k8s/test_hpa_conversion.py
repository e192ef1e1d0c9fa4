"""``provisor.k8s.hpa.conversion``: every HPA version's metrics in autoscaling/v2 form
(kubernetes/kubernetes ``pkg/apis/autoscaling/v2beta1/conversion.go``,
``pkg/apis/autoscaling/v1/conversion.go``, ``SetDefaults_HorizontalPodAutoscaler``)."""

from __future__ import annotations

import pytest

from provisor.k8s.hpa.conversion import DEFAULTED, metric_from_v2beta1, v2_metrics


def _hpa(api: str, **spec):
    return {"apiVersion": api, "kind": "HorizontalPodAutoscaler", "spec": spec}


@pytest.mark.parametrize("src, target", [
    ({"name": "cpu", "targetAverageUtilization": 70},
     {"type": "Utilization", "averageUtilization": 70}),
    ({"name": "memory", "targetAverageValue": "100Mi"},
     {"type": "AverageValue", "averageValue": "100Mi"}),
    # both written: Utilization (the conversion picks it when set), both values kept
    ({"name": "cpu", "targetAverageUtilization": 50, "targetAverageValue": "1"},
     {"type": "Utilization", "averageUtilization": 50, "averageValue": "1"}),
    ({"name": "cpu"}, {"type": "AverageValue"}),
])
def test_v2beta1_resource(src, target):
    got = metric_from_v2beta1({"type": "Resource", "resource": src})
    assert got == {"type": "Resource", "resource": {"name": src["name"], "target": target}}


def test_v2beta1_container_resource_keeps_the_container():
    got = metric_from_v2beta1({"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "app", "targetAverageUtilization": 60}})
    assert got["containerResource"] == {
        "name": "cpu", "container": "app",
        "target": {"type": "Utilization", "averageUtilization": 60}}


def test_v2beta1_pods_object_external():
    sel = {"matchLabels": {"q": "a"}}
    assert metric_from_v2beta1({"type": "Pods", "pods": {
        "metricName": "rps", "selector": sel, "targetAverageValue": "10"}}) == {
        "type": "Pods", "pods": {"metric": {"name": "rps", "selector": sel},
                                 "target": {"type": "AverageValue", "averageValue": "10"}}}
    ref = {"kind": "Service", "name": "web"}
    assert metric_from_v2beta1({"type": "Object", "object": {
        "target": ref, "metricName": "hits", "targetValue": "5"}}) == {
        "type": "Object", "object": {"describedObject": ref, "metric": {"name": "hits"},
                                     "target": {"type": "Value", "value": "5"}}}
    assert metric_from_v2beta1({"type": "Object", "object": {
        "target": ref, "metricName": "hits", "targetValue": "5", "averageValue": "2"}}
    )["object"]["target"] == {"type": "AverageValue", "value": "5", "averageValue": "2"}
    assert metric_from_v2beta1({"type": "External", "external": {
        "metricName": "queue", "metricSelector": sel, "targetAverageValue": "30"}}) == {
        "type": "External", "external": {
            "metric": {"name": "queue", "selector": sel},
            "target": {"type": "AverageValue", "averageValue": "30"}}}
    assert metric_from_v2beta1({"type": "External", "external": {
        "metricName": "queue", "targetValue": "30"}})["external"]["target"] == {
        "type": "Value", "value": "30"}


def test_v1_target_cpu_and_its_default():
    assert v2_metrics(_hpa("autoscaling/v1", targetCPUUtilizationPercentage=70)) == [
        (DEFAULTED, {"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 70}}})]
    assert v2_metrics(_hpa("autoscaling/v1"))[0][1]["resource"]["target"][
        "averageUtilization"] == 80


@pytest.mark.parametrize("api", ["autoscaling/v2", "autoscaling/v2beta2", "autoscaling/v2beta1"])
@pytest.mark.parametrize("metrics", [None, []])
def test_no_metrics_is_the_default_cpu_metric(api, metrics):
    spec = {} if metrics is None else {"metrics": metrics}
    got = v2_metrics(_hpa(api, **spec))
    assert got == [(DEFAULTED, {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 80}}})]


def test_v2beta2_and_v2_are_read_as_written_and_bad_entries_skipped():
    m = {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}
    for api in ("autoscaling/v2", "autoscaling/v2beta2"):
        assert v2_metrics(_hpa(api, metrics=[m, "x", None])) == [(0, m)]
    assert v2_metrics(_hpa("autoscaling/v2", metrics="x")) == []


def test_v1_annotation_metrics_come_before_the_cpu_target():
    """Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler: the
    autoscaling.alpha.kubernetes.io/metrics annotation's metrics, then the CPU target."""
    import json

    from provisor.k8s.hpa.conversion import METRICS_ANNOTATION, annotation_index

    ann = json.dumps([{"type": "Pods", "pods": {"metricName": "rps",
                                                "targetAverageValue": "10"}}])
    hpa = _hpa("autoscaling/v1", targetCPUUtilizationPercentage=50)
    hpa["metadata"] = {"annotations": {METRICS_ANNOTATION: ann}}
    got = v2_metrics(hpa)
    assert [i for i, _m in got] == [-2, DEFAULTED]
    assert annotation_index(-2) == 0 and annotation_index(DEFAULTED) is None
    assert got[0][1] == {"type": "Pods", "pods": {
        "metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "10"}}}
    assert got[1][1]["resource"]["target"]["averageUtilization"] == 50
    hpa["metadata"]["annotations"][METRICS_ANNOTATION] = "{not json"
    assert [i for i, _m in v2_metrics(hpa)] == [DEFAULTED]
