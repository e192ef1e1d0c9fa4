"""Ports of kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go and
pkg/controller/podautoscaler/metrics/utilization_test.go onto provisor.k8s.hpa.

Every case keeps upstream's values. The upstream harness builds pods and metrics-API objects
with fake clients; ``_pods`` / ``_resource_items`` / ``_custom_items`` build the same objects as
JSON dicts (pod ``startTime`` is Go's zero time unless set, the Ready condition carries no
``lastTransitionTime``, metrics carry the zero timestamp and a 1 minute window, a level row
shorter than two containers leaves a nameless container without usage) and
``MetricsAPIClient`` converts them as upstream's REST metrics client does.

Time: upstream calls ``time.Now()`` several times; here one fixed ``NOW`` (an integer number of
seconds, so every offset is exact) stands for all of them. Where upstream compares two
``time.Now()`` readings taken microseconds apart, the fixed clock gives the same strict
comparison result. Float results (ratios) are compared exactly, as upstream's
``assert.Equal`` does; Python evaluates the same IEEE-double expressions in the same order.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from provisor.k8s.hpa import (
    GO_ZERO_TIME,
    HPAError,
    MetricsAPIClient,
    PodMetric,
    ReplicaCalculator,
    Tolerances,
    calculate_pod_requests_from_containers,
    calculate_requests,
    compute_replicas_for_metric,
    get_metric_usage_ratio,
    get_resource_utilization_ratio,
    group_pods,
)

NOW = 1_700_000_000.0
ZERO_TIME = "0001-01-01T00:00:00Z"  # metav1.Time{} as the fake pods carry it
NS = "test-namespace"
PREFIX = "test-pod"
CONTAINERS = 2  # numContainersPerPod
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1

# defaultTestingTolerance, defaultTestingCPUInitializationPeriod, defaultTestingDelayOfInitialReadinessStatus
CALC = ReplicaCalculator(0.1, 120.0, 10.0)
DEFAULT_TOL = Tolerances(0.1, 0.1)


def hot() -> float:  # hotCPUCreationTime
    return NOW


def cool() -> float:  # coolCPUCreationTime
    return NOW - 180.0


def levels(*values: int) -> list[list[int]]:  # makePodMetricLevels
    return [[v] * CONTAINERS for v in values]


def _pods(current: int, *, requests=None, readiness=None, start=None, phase=None, deleted=None,
          resource: str = "cpu") -> list[dict]:
    """buildFakePod / prepareTestClientSet."""
    count = current
    if phase is not None and len(phase) > count:
        count = len(phase)
    out = []
    for i in range(count):
        ready = readiness[i] if readiness is not None and i < len(readiness) else "True"
        pod = {
            "metadata": {"name": f"{PREFIX}-{i}", "namespace": NS, "labels": {"name": PREFIX}},
            "status": {
                "phase": phase[i] if phase is not None else "Running",
                "startTime": start[i] if start is not None else ZERO_TIME,
                "conditions": [{"type": "Ready", "status": ready}],
            },
            "spec": {"containers": [{"name": "container1"}, {"name": "container2"}]},
        }
        if deleted is not None and deleted[i]:
            pod["metadata"]["deletionTimestamp"] = NOW
        if requests is not None and i < len(requests):
            for c in pod["spec"]["containers"]:
                c["resources"] = {"requests": {resource: requests[i]}}
        out.append(pod)
    return out


def _resource_items(level_rows, pod_names=None, resource: str = "cpu") -> list[dict]:
    """newFakeResourceMetricsClient: one PodMetrics per level row, two container slots."""
    items = []
    for i, row in enumerate(level_rows):
        name = pod_names[i] if pod_names is not None and len(pod_names) > i else f"{PREFIX}-{i}"
        containers = [{"name": ""} for _ in range(CONTAINERS)]
        for j, m in enumerate(row):
            containers[j] = {"name": f"container{j + 1}", "usage": {resource: f"{m}m"}}
        items.append({"metadata": {"name": name, "namespace": NS, "labels": {"name": PREFIX}},
                      "timestamp": ZERO_TIME, "window": "1m0s", "containers": containers})
    return items


def _custom_items(values) -> list[dict]:
    """newFakeCustomMetricsClient, multiple-pod query."""
    return [{"describedObject": {"kind": "Pod", "name": f"{PREFIX}-{i}", "namespace": NS},
             "timestamp": ZERO_TIME, "metric": {"name": "qps"}, "value": f"{v}m"} for i, v in enumerate(values)]


def _object_item(value: int) -> dict:
    return {"describedObject": {"kind": "Deployment", "apiVersion": "apps/v1", "name": "some-deployment"},
            "timestamp": ZERO_TIME, "metric": {"name": "qps"}, "value": f"{value}m"}


def _external_items(values) -> list[dict]:
    return [{"timestamp": ZERO_TIME, "metricName": "qps", "value": f"{v}m"} for v in values]


DEPLOYMENT = {"kind": "Deployment", "apiVersion": "apps/v1", "name": "some-deployment"}


def run_resource(current, target, *, requests, level_rows, container="", readiness=None, start=None,
                 phase=None, deleted=None, pod_names=None, tolerances=DEFAULT_TOL):
    """GetResourceReplicas through the metrics-API conversion."""
    pods = _pods(current, requests=requests, readiness=readiness, start=start, phase=phase, deleted=deleted)
    client = MetricsAPIClient(_resource_items(level_rows, pod_names))
    metrics, ts = client.get_resource_metric("cpu", NS, container)
    return CALC.get_resource_replicas(current, target, "cpu", pods, metrics, now=NOW, container=container,
                                      tolerances=tolerances, timestamp=ts)


def run_pods_metric(current, target, values, *, readiness=None, start=None, phase=None, tolerances=DEFAULT_TOL):
    pods = _pods(current, readiness=readiness, start=start, phase=phase)
    metrics, ts = MetricsAPIClient(custom_pod_metrics={"qps": _custom_items(values)}).get_raw_metric("qps", NS, None)
    return CALC.get_metric_replicas(current, target, pods, metrics, now=NOW, tolerances=tolerances, timestamp=ts)


def run_object(current, target, value, *, readiness=None, tolerances=DEFAULT_TOL):
    pods = _pods(current, readiness=readiness)
    client = MetricsAPIClient(object_metrics={("qps", "some-deployment"): _object_item(value)})
    usage, _ = client.get_object_metric("qps", NS, DEPLOYMENT, None)
    return CALC.get_object_metric_replicas(current, target, usage, pods, tolerances=tolerances)


def run_object_per_pod(status_replicas, target, value, *, tolerances=DEFAULT_TOL):
    client = MetricsAPIClient(object_metrics={("qps", "some-deployment"): _object_item(value)})
    usage, ts = client.get_object_metric("qps", NS, DEPLOYMENT, None)
    return CALC.get_object_per_pod_metric_replicas(status_replicas, target, usage, tolerances=tolerances,
                                                   timestamp=ts)


def run_external(current, target, values, *, readiness=None, tolerances=DEFAULT_TOL):
    pods = _pods(current, readiness=readiness)
    vals, _ = MetricsAPIClient(external_metrics={"qps": _external_items(values)}).get_external_metric(
        "qps", NS, {"matchLabels": {"label": "value"}})
    return CALC.get_external_metric_replicas(current, target, vals, pods, tolerances=tolerances)


def run_external_per_pod(status_replicas, target, values, *, tolerances=DEFAULT_TOL):
    vals, ts = MetricsAPIClient(external_metrics={"qps": _external_items(values)}).get_external_metric(
        "qps", NS, {"matchLabels": {"label": "value"}})
    return CALC.get_external_per_pod_metric_replicas(status_replicas, target, vals, tolerances=tolerances,
                                                     timestamp=ts)


# ---------------------------------------------------------------------------------------------
# TestReplicaCalcResourceScale (table)

T, F = "True", "False"
R, P, FA = "Running", "Pending", "Failed"

RESOURCE_SCALE = [
    dict(name="scale up", current=3, requests=["1.0"] * 3, rows=levels(300, 500, 700), target=30,
         replicas=5, util=50, raw=CONTAINERS * 500),
    dict(name="scale up: container metric", current=3, container="container2", requests=["1.0"] * 3,
         rows=[[1000, 300], [1000, 500], [1000, 700]], target=30, replicas=5, util=50, raw=500),
    dict(name="scale up: unready pod scales less", current=3, readiness=[F, T, T], requests=["1.0"] * 3,
         rows=levels(300, 500, 700), target=30, replicas=4, util=60, raw=CONTAINERS * 600),
    dict(name="scale up: hot-CPU container scales less", current=3, start=[hot(), cool(), cool()],
         container="container2", requests=["1.0"] * 3, rows=[[0, 300], [0, 500], [0, 700]], target=30,
         replicas=4, util=60, raw=600),
    dict(name="scale up: hot-CPU pod scales less", current=3, start=[hot(), cool(), cool()],
         requests=["1.0"] * 3, rows=levels(300, 500, 700), target=30, replicas=4, util=60, raw=CONTAINERS * 600),
    dict(name="no scale: unready pods ignored", current=3, readiness=[T, F, F], requests=["1.0"] * 3,
         rows=levels(400, 500, 700), target=30, replicas=3, util=40, raw=CONTAINERS * 400),
    dict(name="no scale: hot-CPU pods ignored", current=3, readiness=[T, F, F], start=[cool(), hot(), hot()],
         requests=["1.0"] * 3, rows=levels(400, 500, 700), target=30, replicas=3, util=40, raw=CONTAINERS * 400),
    dict(name="scale up: failed pods ignored", current=2, readiness=[T, T, F, F], phase=[R, R, FA, FA],
         requests=["1.0"] * 4, rows=levels(500, 700), target=30, replicas=4, util=60, raw=CONTAINERS * 600),
    dict(name="scale up: failed pods ignored with missing container metric", current=2, readiness=[T, T, F, F],
         phase=[R, R, FA, FA], container="container2", requests=["1.0"] * 4,
         rows=[[1000, 500], [9000, 700], [1000], [9000]], target=30, replicas=4, util=60, raw=600),
    dict(name="scale up: container metrics with failed pods ignored", current=2, readiness=[T, T, F, F],
         phase=[R, R, FA, FA], container="container2", requests=["1.0"] * 4, rows=[[1000, 500], [9000, 700]],
         target=30, replicas=4, util=60, raw=600),
    dict(name="scale up: pods being deleted are ignored", current=2, readiness=[T, T, F, F], phase=[R, R, R, R],
         deleted=[False, False, True, True], requests=["1.0"] * 4, rows=levels(500, 700), target=30, replicas=4,
         util=60, raw=CONTAINERS * 600),
    dict(name="scale up: container metrics with pods being deleted ignored", current=2, readiness=[T, T, F, F],
         phase=[R, R, R, R], deleted=[False, False, True, True], container="container1", requests=["1.0"] * 4,
         rows=levels(500, 700), target=30, replicas=4, util=60, raw=600),
    dict(name="scale down", current=5, requests=["1.0"] * 5, rows=levels(100, 300, 500, 250, 250), target=50,
         replicas=3, util=28, raw=CONTAINERS * 280),
    dict(name="scale down: container metric", current=5, container="container2", requests=["1.0"] * 5,
         rows=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=3, util=28,
         raw=280),
    dict(name="scale down: exclude unready pods", current=5, readiness=[T, T, T, F, F], requests=["1.0"] * 5,
         rows=levels(100, 300, 500, 250, 250), target=50, replicas=2, util=30, raw=CONTAINERS * 300),
    dict(name="scale down: container metric excludes unready pods", current=5, readiness=[T, T, T, F, F],
         container="container2", requests=["1.0"] * 5,
         rows=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=2, util=30,
         raw=300),
    dict(name="scale down: exclude unscheduled pods", current=5, readiness=[T, F, F, F, F], phase=[R, P, P, P, P],
         requests=["1.0"] * 5, rows=levels(100), target=50, replicas=1, util=10, raw=CONTAINERS * 100),
    dict(name="scale down: container metric excludes unscheduled pods", current=5, readiness=[T, F, F, F, F],
         phase=[R, P, P, P, P], container="container2", requests=["1.0"] * 5,
         rows=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=1, util=10,
         raw=100),
    dict(name="scale down: ignore hot-CPU pods", current=5, start=[cool(), cool(), cool(), hot(), hot()],
         requests=["1.0"] * 5, rows=levels(100, 300, 500, 250, 250), target=50, replicas=2, util=30,
         raw=CONTAINERS * 300),
    dict(name="scale down: container metric ignores hot-CPU pods", current=5,
         start=[cool(), cool(), cool(), hot(), hot()], container="container2", requests=["1.0"] * 5,
         rows=[[1000, 100], [1000, 300], [1000, 500], [1000, 1000], [1000, 1000]], target=50, replicas=2, util=30,
         raw=300),
    dict(name="scale down: failed pods ignored", current=5, readiness=[T, T, T, T, T, F, F],
         phase=[R, R, R, R, R, FA, FA], requests=["1.0"] * 7, rows=levels(100, 300, 500, 250, 250), target=50,
         replicas=3, util=28, raw=CONTAINERS * 280),
    dict(name="scale down: container metric with failed pods ignored", current=5, readiness=[T, T, T, T, T, F, F],
         phase=[R, R, R, R, R, FA, FA], container="container2", requests=["1.0"] * 7,
         rows=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=3, util=28,
         raw=280),
    dict(name="scale down: pods being deleted are ignored", current=5, readiness=[T, T, T, T, T, F, F],
         phase=[R] * 7, deleted=[False] * 5 + [True, True], requests=["1.0"] * 7,
         rows=levels(100, 300, 500, 250, 250), target=50, replicas=3, util=28, raw=CONTAINERS * 280),
    dict(name="scale down: still-running pods being deleted are ignored", current=5,
         readiness=[T, T, T, T, T, F, F], phase=[R] * 7, deleted=[False] * 5 + [True, True],
         container="container2", requests=["1.0"] * 7,
         rows=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=3, util=28,
         raw=280),
]


@pytest.mark.parametrize("case", RESOURCE_SCALE, ids=[c["name"] for c in RESOURCE_SCALE])
def test_replica_calc_resource_scale(case):
    """TestReplicaCalcResourceScale."""
    got = run_resource(case["current"], case["target"], requests=case["requests"], level_rows=case["rows"],
                       container=case.get("container", ""), readiness=case.get("readiness"),
                       start=case.get("start"), phase=case.get("phase"), deleted=case.get("deleted"))
    assert (got.replicas, got.utilization, got.raw_utilization) == (case["replicas"], case["util"], case["raw"])
    assert got.timestamp == GO_ZERO_TIME


# ---------------------------------------------------------------------------------------------
# single-case TestReplicaCalc* functions


def test_replica_calc_disjoint_resources_metrics():
    """TestReplicaCalcDisjointResourcesMetrics."""
    with pytest.raises(HPAError) as err:
        run_resource(1, 100, requests=["1.0"], level_rows=levels(100), pod_names=["an-older-pod-name"])
    assert "no metrics returned matched known pods" in str(err.value)


def test_replica_calc_scale_up_overflow():
    """TestReplicaCalcScaleUpOverflow (object metric)."""
    got = run_object(3, 1, MAX_INT64)
    assert (got.replicas, got.usage) == (MAX_INT32, MAX_INT64)
    assert got.timestamp == GO_ZERO_TIME


def test_external_per_pod_metric_replica_overflow():
    """TestExternalPerPodMetricReplicaOverflow."""
    got = run_external_per_pod(1, 1, [MAX_INT64])
    assert (got.replicas, got.usage) == (MAX_INT32, MAX_INT64)


def test_external_per_pod_metric_usage_overflow():
    """TestExternalPerPodMetricUsageOverflow."""
    got = run_external_per_pod(1, MAX_INT64, [MAX_INT64])
    assert (got.replicas, got.usage) == (1, MAX_INT64)


def test_replica_calc_external_metric_usage_overflow():
    """TestReplicaCalcExternalMetricUsageOverflow."""
    got = run_external(3, MAX_INT64, [MAX_INT64 // 2 + 1, MAX_INT64 // 2 + 1])
    assert (got.replicas, got.usage) == (3, MAX_INT64)


def test_replica_calc_scale_up_cm():
    """TestReplicaCalcScaleUpCM."""
    got = run_pods_metric(3, 15000, [20000, 10000, 30000])
    assert (got.replicas, got.usage, got.timestamp) == (4, 20000, GO_ZERO_TIME)


def test_replica_calc_scale_up_cm_unready_hot_cpu_no_less_scale():
    """TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale."""
    got = run_pods_metric(3, 15000, [50000, 10000, 30000], readiness=[T, T, F], start=[cool(), cool(), hot()])
    assert (got.replicas, got.usage) == (6, 30000)


def test_replica_calc_scale_up_cm_unready_hot_cpu_scale_would_scale_down():
    """TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown."""
    got = run_pods_metric(3, 15000, [50000, 15000, 30000], readiness=[F, T, F], start=[hot(), cool(), hot()])
    assert (got.replicas, got.usage) == (7, 31666)


def test_replica_calc_scale_up_cm_object():
    """TestReplicaCalcScaleUpCMObject."""
    got = run_object(3, 15000, 20000)
    assert (got.replicas, got.usage) == (4, 20000)


def test_replica_calc_scale_up_cm_per_pod_object():
    """TestReplicaCalcScaleUpCMPerPodObject."""
    got = run_object_per_pod(3, 5000, 20000)
    assert (got.replicas, got.usage, got.timestamp) == (4, 6667, GO_ZERO_TIME)


def test_replica_calc_scale_up_cm_object_ignores_unready_pods():
    """TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods."""
    got = run_object(3, 10000, 50000, readiness=[F, T, F])
    assert (got.replicas, got.usage) == (5, 50000)


def test_replica_calc_scale_up_cm_external_ignores_unready_pods():
    """TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods."""
    got = run_external(3, 4400, [8600], readiness=[F, T, F])
    assert (got.replicas, got.usage) == (2, 8600)


def test_replica_calc_scale_up_per_pod_cm_external():
    """TestReplicaCalcScaleUpPerPodCMExternal."""
    got = run_external_per_pod(3, 2150, [8600])
    assert (got.replicas, got.usage) == (4, 2867)


def test_replica_calc_scale_down_cm():
    """TestReplicaCalcScaleDownCM."""
    got = run_pods_metric(5, 20000, [12000] * 5)
    assert (got.replicas, got.usage) == (3, 12000)


def test_replica_calc_scale_down_per_pod_cm_object():
    """TestReplicaCalcScaleDownPerPodCMObject."""
    got = run_object_per_pod(5, 2000, 6000)
    assert (got.replicas, got.usage) == (3, 1200)


def test_replica_calc_scale_down_cm_object():
    """TestReplicaCalcScaleDownCMObject."""
    got = run_object(5, 20000, 12000)
    assert (got.replicas, got.usage) == (3, 12000)


def test_replica_calc_scale_down_cm_external():
    """TestReplicaCalcScaleDownCMExternal."""
    got = run_external(5, 14334, [8600])
    assert (got.replicas, got.usage) == (3, 8600)


def test_replica_calc_scale_down_per_pod_cm_external():
    """TestReplicaCalcScaleDownPerPodCMExternal."""
    got = run_external_per_pod(5, 2867, [8600])
    assert (got.replicas, got.usage) == (3, 1720)


def test_replica_calc_tolerance():
    """TestReplicaCalcTolerance."""
    got = run_resource(3, 100, requests=["0.9", "1.0", "1.1"], level_rows=levels(1010, 1030, 1020))
    assert (got.replicas, got.utilization, got.raw_utilization) == (3, 102, CONTAINERS * 1020)


def test_replica_calc_tolerance_cm():
    """TestReplicaCalcToleranceCM."""
    got = run_pods_metric(3, 20000, [20000, 21000, 21000])
    assert (got.replicas, got.usage) == (3, 20666)


def test_replica_calc_tolerance_cm_object():
    """TestReplicaCalcToleranceCMObject."""
    got = run_object(3, 20000, 20666)
    assert (got.replicas, got.usage) == (3, 20666)


def test_replica_calc_tolerance_per_pod_cm_object():
    """TestReplicaCalcTolerancePerPodCMObject."""
    got = run_object_per_pod(4, 5000, 20166)
    assert (got.replicas, got.usage) == (4, 5042)


def test_replica_calc_tolerance_cm_external():
    """TestReplicaCalcToleranceCMExternal."""
    got = run_external(3, 8888, [8600])
    assert (got.replicas, got.usage) == (3, 8600)


def test_replica_calc_tolerance_per_pod_cm_external():
    """TestReplicaCalcTolerancePerPodCMExternal."""
    got = run_external_per_pod(3, 2900, [8600])
    assert (got.replicas, got.usage) == (3, 2867)


CONFIGURABLE_TOLERANCE = [
    ("Outside of a 0% tolerance", Tolerances(0.0, 0.0), levels(909, 1010, 1111), 4, 101, CONTAINERS * 1010),
    ("Within a 200% scale-up tolerance", Tolerances(0.1, 2.0), levels(1890, 1910, 1900), 3, 190, CONTAINERS * 1900),
    ("Outside 8% scale-up tolerance (and superfuous scale-down tolerance)", Tolerances(2.0, 0.08),
     levels(1100, 1080, 1090), 4, 109, CONTAINERS * 1090),
    ("Within a 36% scale-down tolerance", Tolerances(0.36, 0.1), levels(660, 640, 650), 3, 65, CONTAINERS * 650),
    ("Outside a 34% scale-down tolerance", Tolerances(0.34, 0.1), levels(660, 640, 650), 2, 65, CONTAINERS * 650),
]


@pytest.mark.parametrize("name,tol,rows,replicas,util,raw", CONFIGURABLE_TOLERANCE,
                         ids=[c[0] for c in CONFIGURABLE_TOLERANCE])
def test_replica_calc_configurable_tolerance(name, tol, rows, replicas, util, raw):
    """TestReplicaCalcConfigurableTolerance (Tolerances{scaleDown, scaleUp})."""
    got = run_resource(3, 100, requests=["0.9", "1.0", "1.1"], level_rows=rows, tolerances=tol)
    assert (got.replicas, got.utilization, got.raw_utilization) == (replicas, util, raw)


def test_replica_calc_configurable_tolerance_cm():
    """TestReplicaCalcConfigurableToleranceCM."""
    got = run_pods_metric(3, 20000, [20000, 21000, 21000], tolerances=Tolerances(0.1, 0.01))
    assert (got.replicas, got.usage) == (4, 20666)


def test_replica_calc_configurable_tolerance_cm_object():
    """TestReplicaCalcConfigurableToleranceCMObject."""
    got = run_object(3, 20000, 20666, tolerances=Tolerances(0.1, 0.01))
    assert (got.replicas, got.usage) == (4, 20666)


def test_replica_calc_configurable_tolerance_per_pod_cm_object():
    """TestReplicaCalcConfigurableTolerancePerPodCMObject."""
    got = run_object_per_pod(4, 5000, 20208, tolerances=Tolerances(0.1, 0.01))
    assert (got.replicas, got.usage) == (5, 5052)


def test_replica_calc_configurable_tolerance_cm_external():
    """TestReplicaCalcConfigurableToleranceCMExternal."""
    got = run_external(3, 8800, [8900], tolerances=Tolerances(0.1, 0.01))
    assert (got.replicas, got.usage) == (4, 8900)


def test_replica_calc_configurable_tolerance_per_pod_cm_external():
    """TestReplicaCalcConfigurableTolerancePerPodCMExternal."""
    got = run_external_per_pod(3, 2800, [8600], tolerances=Tolerances(0.1, 0.01))
    assert (got.replicas, got.usage) == (4, 2867)


def test_replica_calc_superfluous_metrics():
    """TestReplicaCalcSuperfluousMetrics."""
    got = run_resource(4, 100, requests=["1.0"] * 4, level_rows=levels(4000, 9500, 3000, 7000, 3200, 2000))
    assert (got.replicas, got.utilization, got.raw_utilization) == (24, 587, CONTAINERS * 5875)


def test_replica_calc_missing_metrics():
    """TestReplicaCalcMissingMetrics."""
    got = run_resource(4, 100, requests=["1.0"] * 4, level_rows=levels(400, 95))
    assert (got.replicas, got.utilization, got.raw_utilization) == (3, 24, 495)


def test_replica_calc_empty_metrics():
    """TestReplicaCalcEmptyMetrics: the error text of GetResourceReplicas for an empty metrics
    list, through the metric computation that fetches the metrics."""
    with pytest.raises(HPAError) as err:
        MetricsAPIClient([]).get_resource_metric("cpu", NS, "")
    assert str(err.value) == "no metrics returned from resource metrics API"
    res = compute_replicas_for_metric(
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 100}}},
        namespace=NS, spec_replicas=4, status_replicas=4, pods=_pods(4, requests=["1.0"] * 3),
        metrics_client=MetricsAPIClient([]), calculator=CALC, tolerances=DEFAULT_TOL, now=NOW)
    assert "unable to get metrics for resource cpu: no metrics returned from resource metrics API" in res.error


def test_replica_calc_empty_cpu_request():
    """TestReplicaCalcEmptyCPURequest."""
    with pytest.raises(HPAError) as err:
        run_resource(1, 100, requests=[], level_rows=levels(200))
    assert "missing request for" in str(err.value)


def test_plain_metric_replica_calc_missing_metrics_no_change_eq():
    """TestPlainMetricReplicaCalcMissingMetricsNoChangeEq."""
    got = run_pods_metric(5, 20000, [20000, 19000, 21000])
    assert (got.replicas, got.usage) == (5, 20000)


MISSING_METRICS = [
    ("TestReplicaCalcMissingMetricsNoChangeEq", 2, ["1.0"] * 2, levels(1000), None, None, 100, 2, 100,
     CONTAINERS * 1000),
    ("TestReplicaCalcMissingMetricsNoChangeGt", 2, ["1.0"] * 2, levels(1900), None, None, 100, 2, 190,
     CONTAINERS * 1900),
    ("TestReplicaCalcMissingMetricsNoChangeLt", 2, ["1.0"] * 2, levels(600), None, None, 100, 2, 60,
     CONTAINERS * 600),
    ("TestReplicaCalcMissingMetricsUnreadyChange", 3, ["1.0"] * 3, levels(100, 450), [F, T, T], None, 50, 3, 45,
     CONTAINERS * 450),
    ("TestReplicaCalcMissingMetricsHotCpuNoChange", 3, ["1.0"] * 3, levels(100, 450), None,
     [hot(), cool(), cool()], 50, 3, 45, CONTAINERS * 450),
    ("TestReplicaCalcMissingMetricsUnreadyScaleUp", 3, ["1.0"] * 3, levels(100, 2000), [F, T, T], None, 50, 4,
     200, CONTAINERS * 2000),
    ("TestReplicaCalcMissingMetricsHotCpuScaleUp", 3, ["1.0"] * 3, levels(100, 2000), [F, T, T],
     [hot(), cool(), cool()], 50, 4, 200, CONTAINERS * 2000),
    ("TestReplicaCalcMissingMetricsUnreadyScaleDown", 4, ["1.0"] * 4, levels(100, 100, 100), [F, T, T, T], None,
     50, 3, 10, CONTAINERS * 100),
    ("TestReplicaCalcMissingMetricsScaleDownTargetOver100", 4, ["1.0", "1.0", "2.0", "2.0"],
     levels(200, 100, 100), [F, T, T, T], None, 300, 2, 6, CONTAINERS * 100),
]


@pytest.mark.parametrize("name,current,requests,rows,readiness,start,target,replicas,util,raw", MISSING_METRICS,
                         ids=[c[0] for c in MISSING_METRICS])
def test_replica_calc_missing_metrics_variants(name, current, requests, rows, readiness, start, target, replicas,
                                               util, raw):
    """The single-case TestReplicaCalcMissingMetrics* functions (named in the id)."""
    got = run_resource(current, target, requests=requests, level_rows=rows, readiness=readiness, start=start)
    assert (got.replicas, got.utilization, got.raw_utilization) == (replicas, util, raw)


def test_replica_calc_during_rolling_update_with_max_surge():
    """TestReplicaCalcDuringRollingUpdateWithMaxSurge."""
    got = run_resource(2, 50, requests=["1.0"] * 3, level_rows=levels(100, 100), phase=[R, R, R])
    assert (got.replicas, got.utilization, got.raw_utilization) == (2, 10, CONTAINERS * 100)


def test_replica_calc_during_rolling_update_with_max_surge_cm():
    """TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM."""
    got = run_pods_metric(2, 17000, [10000, 10000], phase=[R, R, R])
    assert (got.replicas, got.usage) == (2, 10000)


def test_replica_calc_computed_tolerance_alg_implementation():
    """TestReplicaCalcComputedToleranceAlgImplementation (both runs).

    ``1 - defaultTestingTolerance`` is a Go constant expression, folded exactly and rounded
    once to a double; ``float(Fraction(9, 10))`` is that same double. Everything else is
    run-time float arithmetic in upstream's order."""
    start_pods = 10
    total_used = start_pods * 150
    total_requested = 2 * total_used
    requested_to_used = float(total_requested // total_used)
    per_pod_requested = total_requested // start_pods
    one_minus_tol = float(Fraction(1) - Fraction(1, 10))

    target = abs(1 / (requested_to_used * one_minus_tol)) + .01
    final_cpu_percent_target = int(target * 100)
    resources_used_ratio = float(total_used) / float(float(total_requested) * target)
    final_pods = int(math.ceil(resources_used_ratio * float(start_pods)))
    offsets = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0]
    requests = [f"{per_pod_requested + o}m" for o in offsets]
    rows = levels(*([total_used // 10] * 10))

    got = run_resource(start_pods, final_cpu_percent_target, requests=requests, level_rows=rows)
    assert got.replicas == final_pods
    assert got.utilization == (total_used * 100) // total_requested
    assert got.raw_utilization == CONTAINERS * total_used // 10

    target = abs(1 / (requested_to_used * one_minus_tol)) + .004
    final_cpu_percent_target = int(target * 100)
    got = run_resource(start_pods, final_cpu_percent_target, requests=requests, level_rows=rows)
    assert got.replicas == start_pods


# ---------------------------------------------------------------------------------------------
# TestGroupPods


def _gp(name, phase, start=None, cond=None, deleted=None):
    pod = {"metadata": {"name": name}, "status": {"phase": phase}}
    if start is not None:
        pod["status"]["startTime"] = start
    if cond is not None:
        pod["status"]["conditions"] = [{"type": "Ready", "lastTransitionTime": cond[0], "status": cond[1]}]
    if deleted is not None:
        pod["metadata"]["deletionTimestamp"] = deleted
    return pod


SU = "Succeeded"
GROUP_PODS = [
    ("void", [], {}, "cpu", 0, set(), set(), set()),
    ("count in a ready pod - memory", [_gp("bentham", SU)],
     {"bentham": PodMetric(1, NOW, 60.0)}, "memory", 1, set(), set(), set()),
    ("unready a pod without ready condition - CPU", [_gp("lucretius", SU, start=NOW)],
     {"lucretius": PodMetric(1)}, "cpu", 0, {"lucretius"}, set(), set()),
    ("count in a ready pod with fresh metrics during initialization period - CPU",
     [_gp("bentham", SU, start=NOW - 60, cond=(NOW - 30, "True"))],
     {"bentham": PodMetric(1, NOW, 30.0)}, "cpu", 1, set(), set(), set()),
    ("unready a ready pod without fresh metrics during initialization period - CPU",
     [_gp("bentham", SU, start=NOW - 60, cond=(NOW - 30, "True"))],
     {"bentham": PodMetric(1, NOW, 60.0)}, "cpu", 0, {"bentham"}, set(), set()),
    ("unready an unready pod during initialization period - CPU",
     [_gp("lucretius", SU, start=NOW - 600, cond=(NOW - 9 * 60 - 54, "False"))],
     {"lucretius": PodMetric(1)}, "cpu", 0, {"lucretius"}, set(), set()),
    ("count in a ready pod without fresh metrics after initialization period - CPU",
     [_gp("bentham", SU, start=NOW - 180, cond=(NOW - 180, "True"))],
     {"bentham": PodMetric(1, NOW - 120, 60.0)}, "cpu", 1, set(), set(), set()),
    ("count in an unready pod that was ready after initialization period - CPU",
     [_gp("lucretius", SU, start=NOW - 600, cond=(NOW - 540, "False"))],
     {"lucretius": PodMetric(1)}, "cpu", 1, set(), set(), set()),
    ("unready pod that has never been ready after initialization period - CPU",
     [_gp("lucretius", SU, start=NOW - 600, cond=(NOW - 9 * 60 - 50, "False"))],
     {"lucretius": PodMetric(1)}, "cpu", 1, set(), set(), set()),
    ("a missing pod", [_gp("epicurus", SU, start=NOW - 180)], {}, "cpu", 0, set(), {"epicurus"}, set()),
    ("several pods", [_gp("lucretius", SU, start=NOW),
                      _gp("niccolo", SU, start=NOW - 180, cond=(NOW - 180, "True")),
                      _gp("epicurus", SU, start=NOW - 180)],
     {"lucretius": PodMetric(1), "niccolo": PodMetric(1)}, "cpu", 1, {"lucretius"}, {"epicurus"}, set()),
    ("pending pods are unreadied", [_gp("unscheduled", "Pending")], {}, "cpu", 0, {"unscheduled"}, set(), set()),
    ("ignore pods with deletion timestamps", [_gp("deleted", "Pending", deleted="1970-01-01T00:00:01Z")],
     {"deleted": PodMetric(1)}, "cpu", 0, set(), set(), {"deleted"}),
    ("ignore pods in a failed state", [_gp("failed", "Failed")], {"failed": PodMetric(1)}, "cpu", 0, set(), set(),
     {"failed"}),
]


@pytest.mark.parametrize("name,pods,metrics,resource,ready,unready,missing,ignored", GROUP_PODS,
                         ids=[c[0] for c in GROUP_PODS])
def test_group_pods(name, pods, metrics, resource, ready, unready, missing, ignored):
    """TestGroupPods (cpuInitializationPeriod 2 min, delayOfInitialReadinessStatus 10 s)."""
    got = group_pods(pods, metrics, resource, 120.0, 10.0, NOW)
    assert got.ready_pod_count == ready
    assert got.unready_pods == unready
    assert got.missing_pods == missing
    assert got.ignored_pods == ignored


# ---------------------------------------------------------------------------------------------
# TestCalculateRequests, TestCalculatePodRequestsFromContainers_NonExistentContainer


def _req_pod(containers, init=None, pod_level=None):
    spec: dict = {"containers": containers}
    if init is not None:
        spec["initContainers"] = init
    if pod_level is not None:
        spec["resources"] = {"requests": {"cpu": pod_level}}
    return {"metadata": {"name": "test-pod", "namespace": NS}, "spec": spec}


def _c(name, milli=None, restart=None):
    c: dict = {"name": name}
    if milli is not None:
        c["resources"] = {"requests": {"cpu": f"{milli}m"}}
    if restart is not None:
        c["restartPolicy"] = restart
    return c


CALCULATE_REQUESTS = [
    ("void", [], "", False, {}, None),
    ("Sum container requests if pod-level feature is disabled",
     [_req_pod([_c("container1", 100), _c("container2", 50)])], "", False, {"test-pod": 150}, None),
    ("Pod-level resources are enabled, but not set: fallback to sum container requests",
     [_req_pod([_c("container1", 100), _c("container2", 50)])], "", True, {"test-pod": 150}, None),
    ("Pod-level resources override container requests when feature enabled and pod resources specified",
     [_req_pod([_c("container1", 100), _c("container2", 50)], pod_level="800m")], "", True, {"test-pod": 800}, None),
    ("Fail if at least one of the containers is missing requests and pod-level feature/requests are not set",
     [_req_pod([_c("container1"), _c("container2", 50)])], "", False, None,
     "missing request for cpu in container container1 of Pod test-pod"),
    ("Pod-level resources override missing container requests when feature enabled and pod resources specified",
     [_req_pod([_c("container1"), _c("container2", 50)], pod_level="800m")], "", True, {"test-pod": 800}, None),
    ("Container: if a container name is specified, calculate requests only for that container",
     [_req_pod([_c("container1", 100), _c("container2", 50)])], "container1", False, {"test-pod": 100}, None),
    ("Container: if a container name is specified, calculate requests only for that container and ignore "
     "pod-level requests",
     [_req_pod([_c("container1", 100), _c("container2", 50)], pod_level="800m")], "container1", True,
     {"test-pod": 100}, None),
    ("pod with restartable init containers",
     [_req_pod([_c("container1", 100)], init=[_c("init-container1", 20), _c("restartable-container1", 50, "Always")])],
     "", False, {"test-pod": 150}, None),
]


@pytest.mark.parametrize("name,pods,container,pod_level,expected,error", CALCULATE_REQUESTS,
                         ids=[c[0] for c in CALCULATE_REQUESTS])
def test_calculate_requests(name, pods, container, pod_level, expected, error):
    """TestCalculateRequests (enablePodLevelResources -> ``pod_level_resources``)."""
    if error is not None:
        with pytest.raises(HPAError) as err:
            calculate_requests(pods, container, "cpu", pod_level_resources=pod_level)
        assert str(err.value) == error
    else:
        assert calculate_requests(pods, container, "cpu", pod_level_resources=pod_level) == expected


def test_calculate_pod_requests_from_containers_non_existent_container():
    """TestCalculatePodRequestsFromContainers_NonExistentContainer."""
    pod = _req_pod([{"name": "container1", "resources": {"requests": {"cpu": "100m"}}}])
    with pytest.raises(HPAError) as err:
        calculate_pod_requests_from_containers(pod, "non-existent-container", "cpu")
    assert str(err.value) == "container non-existent-container not found in Pod test-pod"


# ---------------------------------------------------------------------------------------------
# metrics/utilization_test.go


UTILIZATION_RATIO = [
    ("TestGetResourceUtilizationRatioBaseCase", {"test-pod-0": 50, "test-pod-1": 76},
     {"test-pod-0": 100, "test-pod-1": 100}, 50, 1.26, 63, 63, None),
    ("TestGetResourceUtilizationRatioIgnorePodsWithNoRequest",
     {"test-pod-0": 50, "test-pod-1": 76, "test-pod-no-request": 100},
     {"test-pod-0": 100, "test-pod-1": 100}, 50, 1.26, 63, 63, None),
    ("TestGetResourceUtilizationRatioExtraRequest", {"test-pod-0": 50, "test-pod-1": 76},
     {"test-pod-0": 100, "test-pod-1": 100, "test-pod-extra-request": 500}, 50, 1.26, 63, 63, None),
    ("TestGetResourceUtilizationRatioNoRequests", {"test-pod-0": 50, "test-pod-1": 76}, {}, 50, 0, 0, 0,
     "no metrics returned matched known pods"),
]


@pytest.mark.parametrize("name,metrics,requests,target,ratio,util,raw,error", UTILIZATION_RATIO,
                         ids=[c[0] for c in UTILIZATION_RATIO])
def test_get_resource_utilization_ratio(name, metrics, requests, target, ratio, util, raw, error):
    """The TestGetResourceUtilizationRatio* functions (named in the id)."""
    if error is not None:
        with pytest.raises(HPAError) as err:
            get_resource_utilization_ratio(metrics, requests, target)
        assert error in str(err.value)
        return
    assert get_resource_utilization_ratio(metrics, requests, target) == (ratio, util, raw)


def test_get_metric_usage_ratio_base_case():
    """TestGetMetricUsageRatioBaseCase."""
    assert get_metric_usage_ratio({"test-pod-0": 5000, "test-pod-1": 10000}, 10000) == (.75, 7500)
