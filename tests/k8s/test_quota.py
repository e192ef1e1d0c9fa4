"""Quota usage and resource-list helpers, ported from upstream test tables.

* kubernetes/kubernetes ``pkg/quota/v1/evaluator/core/pods_test.go``: TestPodConstraintsFunc,
  TestPodEvaluatorUsage, TestPodEvaluatorUsageStats, TestPodEvaluatorMatchingScopes,
  TestPodEvaluatorUsageResourceResize, TestPodEvaluatorHandles.
* ``persistent_volume_claims_test.go``: TestPersistentVolumeClaimEvaluatorUsage,
  TestPersistentVolumeClaimEvaluatorMatchingResources.
* ``services_test.go``: TestServiceEvaluatorMatchesResources, TestServiceEvaluatorUsage,
  TestServiceConstraintsFunc.
* kubernetes/apiserver ``pkg/quota/v1/resources_test.go``: every table;
  ``pkg/quota/v1/generic/evaluator_test.go``: TestObjectCountEvaluatorHandles.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from provisor.k8s import quota as q
from provisor.k8s.quota import (
    ObjectCountEvaluator,
    PersistentVolumeClaimEvaluator,
    PodEvaluator,
    ServiceEvaluator,
    usage,
    usage_stats,
)
from provisor.quantity import Quantity


def ql(d: dict[str, str]) -> dict[str, Quantity]:
    return {k: Quantity.parse(v) for k, v in d.items()}


def pod(containers=None, init=None, **spec) -> dict:
    s = dict(spec)
    if containers is not None:
        s["containers"] = containers
    if init is not None:
        s["initContainers"] = init
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": s}


def ctr(requests=None, limits=None, name=None) -> dict:
    c: dict = {"resources": {}}
    if name is not None:
        c["name"] = name
    if requests is not None:
        c["resources"]["requests"] = requests
    if limits is not None:
        c["resources"]["limits"] = limits
    return c


# --- TestPodConstraintsFunc -------------------------------------------------------------------

CONSTRAINT_CASES = {
    "init container resource missing": (
        pod(init=[ctr({"cpu": "1m"}, {"cpu": "2m"}, "dummy")]), ["memory"], "must specify memory for: dummy", False),
    "multiple init container resource missing": (
        pod(init=[ctr({"cpu": "1m"}, {"cpu": "2m"}, "foo"), ctr({"cpu": "1m"}, {"cpu": "2m"}, "bar")]),
        ["memory"], "must specify memory for: bar,foo", False),
    "container resource missing": (
        pod([ctr({"cpu": "1m"}, {"cpu": "2m"}, "dummy")]), ["memory"], "must specify memory for: dummy", False),
    "multiple container resource missing": (
        pod([ctr({"cpu": "1m"}, {"cpu": "2m"}, "foo"), ctr({"cpu": "1m"}, {"cpu": "2m"}, "bar")]),
        ["memory"], "must specify memory for: bar,foo", False),
    "container resource missing multiple": (
        pod([ctr(name="foo"), ctr(name="bar")]), ["memory", "cpu"],
        "must specify cpu for: bar,foo; memory for: bar,foo", False),
    "pod-level resource set, container-level required resources missing": (
        pod([ctr(name="foo"), ctr(name="bar")], resources={"requests": {"cpu": "1m"}}),
        ["memory", "cpu"], "", True),
}


@pytest.mark.parametrize("p, required, err, plr", CONSTRAINT_CASES.values(), ids=CONSTRAINT_CASES.keys())
def test_pod_constraints_func(p, required, err, plr):
    """TestPodConstraintsFunc"""
    got = PodEvaluator({"PodLevelResources": plr}).constraints(required, p)
    assert (got or "") == err


# --- TestPodEvaluatorUsage --------------------------------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
GRACE = 30
PAST_GRACE = (NOW - timedelta(seconds=2 * GRACE)).strftime("%Y-%m-%dT%H:%M:%SZ")
NOT_PAST_GRACE = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
CP = {"count/pods": "1"}
HP = "hugepages-2Mi"
DONGLE = "example.com/dongle"
IMPLICIT = "deviceclass.resource.kubernetes.io/dongle"


def _deleting(ts: str, p: dict, tgps: bool) -> dict:
    p["metadata"] = {"deletionTimestamp": ts, "deletionGracePeriodSeconds": GRACE}
    p["status"] = {"reason": "NodeLost"}
    if tgps:
        p["spec"]["terminationGracePeriodSeconds"] = GRACE
    return p


_terminated = pod([ctr({DONGLE: "3"}, {DONGLE: "3"})])
_terminated["status"] = {"phase": "Succeeded"}

POD_USAGE_CASES = {
    "init container CPU": (pod(init=[ctr({"cpu": "1m"}, {"cpu": "2m"})]), {
        "requests.cpu": "1m", "limits.cpu": "2m", "pods": "1", "cpu": "1m", **CP}, False),
    "init container MEM": (pod(init=[ctr({"memory": "1m"}, {"memory": "2m"})]), {
        "requests.memory": "1m", "limits.memory": "2m", "pods": "1", "memory": "1m", **CP}, False),
    "init container local ephemeral storage": (
        pod(init=[ctr({"ephemeral-storage": "32Mi"}, {"ephemeral-storage": "64Mi"})]), {
            "ephemeral-storage": "32Mi", "requests.ephemeral-storage": "32Mi",
            "limits.ephemeral-storage": "64Mi", "pods": "1", **CP}, False),
    "init container hugepages": (pod(init=[ctr({HP: "100Mi"})]), {
        HP: "100Mi", "requests." + HP: "100Mi", "pods": "1", **CP}, False),
    "init container extended resources": (pod(init=[ctr({DONGLE: "3"}, {DONGLE: "3"})]), {
        "requests." + DONGLE: "3", "pods": "1", **CP}, False),
    "init container implicit extended resources": (pod(init=[ctr({IMPLICIT: "3"}, {IMPLICIT: "3"})]), {
        "requests." + IMPLICIT: "3", "pods": "1", **CP}, False),
    "container CPU": (pod([ctr({"cpu": "1m"}, {"cpu": "2m"})]), {
        "requests.cpu": "1m", "limits.cpu": "2m", "pods": "1", "cpu": "1m", **CP}, False),
    "container MEM": (pod([ctr({"memory": "1m"}, {"memory": "2m"})]), {
        "requests.memory": "1m", "limits.memory": "2m", "pods": "1", "memory": "1m", **CP}, False),
    "container local ephemeral storage": (
        pod([ctr({"ephemeral-storage": "32Mi"}, {"ephemeral-storage": "64Mi"})]), {
            "ephemeral-storage": "32Mi", "requests.ephemeral-storage": "32Mi",
            "limits.ephemeral-storage": "64Mi", "pods": "1", **CP}, False),
    "container hugepages": (pod([ctr({HP: "100Mi"})]), {
        HP: "100Mi", "requests." + HP: "100Mi", "pods": "1", **CP}, False),
    "container extended resources": (pod([ctr({DONGLE: "3"}, {DONGLE: "3"})]), {
        "requests." + DONGLE: "3", "pods": "1", **CP}, False),
    "container implicit extended resources": (pod([ctr({IMPLICIT: "3"}, {IMPLICIT: "3"})]), {
        "requests." + IMPLICIT: "3", "pods": "1", **CP}, False),
    "terminated generic count still appears": (_terminated, dict(CP), False),
    "init container maximums override sum of containers": (
        pod(
            init=[
                ctr({"cpu": "4", "memory": "100M", DONGLE: "4"}, {"cpu": "8", "memory": "200M", DONGLE: "4"}),
                ctr({"cpu": "1", "memory": "50M", DONGLE: "2"}, {"cpu": "2", "memory": "100M", DONGLE: "2"}),
            ],
            containers=[
                ctr({"cpu": "1", "memory": "50M", DONGLE: "1"}, {"cpu": "2", "memory": "100M", DONGLE: "1"}),
                ctr({"cpu": "2", "memory": "25M", DONGLE: "2"}, {"cpu": "5", "memory": "50M", DONGLE: "2"}),
            ],
        ),
        {"requests.cpu": "4", "requests.memory": "100M", "limits.cpu": "8", "limits.memory": "200M",
         "pods": "1", "cpu": "4", "memory": "100M", "requests." + DONGLE: "4", **CP}, False),
    "pod deletion timestamp exceeded": (
        _deleting(PAST_GRACE, pod([ctr({"cpu": "1", "memory": "50M"}, {"cpu": "2", "memory": "100M"})]), True),
        dict(CP), False),
    "pod deletion timestamp not exceeded": (
        _deleting(NOT_PAST_GRACE, pod([ctr({"cpu": "1"}, {"cpu": "2"})]), False),
        {"requests.cpu": "1", "limits.cpu": "2", "pods": "1", "cpu": "1", **CP}, False),
    "count pod overhead as usage": (
        pod([ctr({"cpu": "1"}, {"cpu": "2"})], overhead={"cpu": "1"}),
        {"requests.cpu": "2", "limits.cpu": "3", "pods": "1", "cpu": "2", **CP}, False),
    "pod-level CPU": (
        pod(resources={"requests": {"cpu": "1m"}, "limits": {"cpu": "2m"}}),
        {"requests.cpu": "1m", "limits.cpu": "2m", "pods": "1", "cpu": "1m", **CP}, True),
    "pod-level Memory": (
        pod(resources={"requests": {"memory": "1Mi"}, "limits": {"memory": "2Mi"}}),
        {"requests.memory": "1Mi", "limits.memory": "2Mi", "pods": "1", "memory": "1Mi", **CP}, True),
    "pod-level memory with container-level ephemeral storage": (
        pod([ctr({"ephemeral-storage": "32Mi"}, {"ephemeral-storage": "64Mi"})],
            resources={"requests": {"memory": "1Mi"}, "limits": {"memory": "2Mi"}}),
        {"ephemeral-storage": "32Mi", "requests.ephemeral-storage": "32Mi", "limits.ephemeral-storage": "64Mi",
         "pods": "1", "requests.memory": "1Mi", "limits.memory": "2Mi", "memory": "1Mi", **CP}, True),
}


@pytest.mark.parametrize("p, expected, plr", POD_USAGE_CASES.values(), ids=POD_USAGE_CASES.keys())
def test_pod_evaluator_usage(p, expected, plr):
    """TestPodEvaluatorUsage (quota.Equals: same keys, equal amounts)"""
    got = usage(p, now=NOW, feature_gates={"PodLevelResources": plr})
    assert q.equals(got, ql(expected)), got


# --- TestPodEvaluatorUsageStats ---------------------------------------------------------------


def make_pod(name: str, pc: str, res: dict | None, phase: str) -> dict:
    """upstream makePod"""
    c: dict = {"resources": {}}
    if res is not None:
        c["resources"] = {"requests": res, "limits": res}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"priorityClassName": pc, "containers": [c]}, "status": {"phase": phase}}


CPU1 = {"cpu": "1"}
HIGH_IN = {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high-priority"]}]}
_three = [make_pod("p1", "high-priority", CPU1, "Running"), make_pod("p2", "high-priority", CPU1, "Succeeded"),
          make_pod("p3", "low-priority", CPU1, "Running")]
USAGE_STATS_CASES = {
    "nil case": ([], [], None, {}),
    "all pods in running state": (
        [make_pod("p1", "", CPU1, "Running"), make_pod("p2", "", CPU1, "Running")], [], None,
        {"pods": "2", "count/pods": "2", "cpu": "2", "requests.cpu": "2", "limits.cpu": "2"}),
    "one pods in terminal state": (
        [make_pod("p1", "", CPU1, "Running"), make_pod("p2", "", CPU1, "Succeeded")], [], None,
        {"pods": "1", "count/pods": "2", "cpu": "1", "requests.cpu": "1", "limits.cpu": "1"}),
    "partial pods matching quotaScopeSelector": (
        _three, [], HIGH_IN,
        {"pods": "1", "count/pods": "2", "cpu": "1", "requests.cpu": "1", "limits.cpu": "1"}),
    "partial pods matching quotaScopeSelector - w/ scopeName specified": (
        _three, ["PriorityClass"], HIGH_IN,
        {"pods": "1", "count/pods": "2", "cpu": "1", "requests.cpu": "1", "limits.cpu": "1"}),
    "partial pods matching quotaScopeSelector - w/ multiple scopeNames specified": (
        _three + [make_pod("p4", "high-priority", None, "Failed")], ["PriorityClass", "BestEffort"], HIGH_IN,
        {"count/pods": "1"}),
}


@pytest.mark.parametrize("objs, scopes, selector, want", USAGE_STATS_CASES.values(), ids=USAGE_STATS_CASES.keys())
def test_pod_evaluator_usage_stats(objs, scopes, selector, want):
    """TestPodEvaluatorUsageStats"""
    got = usage_stats(objs, resource="pods", scopes=scopes, scope_selector=selector, now=NOW)
    assert q.equals(got, ql(want)), got


# --- TestPodEvaluatorMatchingScopes -----------------------------------------------------------

T, NT, BE, NBE = ({"scopeName": s} for s in ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort"))
PC1 = {"scopeName": "PriorityClass", "operator": "In", "values": ["class1"]}
XNS = {"scopeName": "CrossNamespacePodAffinity"}
ALL_SELECTORS = [T, NT, BE, NBE, PC1, XNS]
EMPTY_SEL: dict = {}


def _affinity(kind: str, required: bool, term: dict) -> dict:
    key = "requiredDuringSchedulingIgnoredDuringExecution" if required else \
        "preferredDuringSchedulingIgnoredDuringExecution"
    t = term if required else {"podAffinityTerm": term}
    return pod(activeDeadlineSeconds=30, affinity={kind: {key: [t]}})


MATCHING_SCOPES_CASES = {
    "EmptyPod": ({"apiVersion": "v1", "kind": "Pod"}, None, [NT, BE]),
    "PriorityClass": (pod(priorityClassName="class1"), None, [NT, BE, PC1]),
    "NotBestEffort": (pod([ctr({"cpu": "1", "memory": "50M", DONGLE: "1"}, {"cpu": "2", "memory": "100M", DONGLE: "1"})]),
                      None, [NT, NBE]),
    "Terminating": (pod(activeDeadlineSeconds=30), None, [T, BE]),
    "OnlyTerminating": (pod(activeDeadlineSeconds=30), [T], [T]),
    "CrossNamespaceRequiredAffinity": (
        _affinity("podAffinity", True, {"labelSelector": EMPTY_SEL, "namespaces": ["ns1"], "namespaceSelector": EMPTY_SEL}),
        None, [T, BE, XNS]),
    "CrossNamespaceRequiredAffinityWithSlice": (
        _affinity("podAffinity", True, {"labelSelector": EMPTY_SEL, "namespaces": ["ns1"]}), None, [T, BE, XNS]),
    "CrossNamespacePreferredAffinity": (
        _affinity("podAffinity", False, {"labelSelector": EMPTY_SEL, "namespaces": ["ns2"], "namespaceSelector": EMPTY_SEL}),
        None, [T, BE, XNS]),
    "CrossNamespacePreferredAffinityWithSelector": (
        _affinity("podAffinity", False, {"labelSelector": EMPTY_SEL, "namespaceSelector": EMPTY_SEL}), None, [T, BE, XNS]),
    "CrossNamespacePreferredAntiAffinity": (
        _affinity("podAntiAffinity", False, {"labelSelector": EMPTY_SEL, "namespaceSelector": EMPTY_SEL}),
        None, [T, BE, XNS]),
    "CrossNamespaceRequiredAntiAffinity": (
        _affinity("podAntiAffinity", True, {"labelSelector": EMPTY_SEL, "namespaces": ["ns3"]}), None, [T, BE, XNS]),
}


@pytest.mark.parametrize("p, selectors, want", MATCHING_SCOPES_CASES.values(), ids=MATCHING_SCOPES_CASES.keys())
def test_pod_evaluator_matching_scopes(p, selectors, want):
    """TestPodEvaluatorMatchingScopes"""
    assert PodEvaluator().matching_scopes(p, selectors if selectors is not None else ALL_SELECTORS) == want


# --- TestPodEvaluatorUsageResourceResize ------------------------------------------------------


def _resized(requests: dict, limits: dict, status_requests: dict | None) -> dict:
    p = pod([ctr(requests, limits)])
    cs: dict = {} if status_requests is None else {"resources": {"requests": status_requests}}
    p["status"] = {"containerStatuses": [cs]}
    return p


RESIZE_CASES = {
    "verify Max(Container.Spec.Requests, ContainerStatus.Resources) for memory resource": (
        _resized({"memory": "200Mi"}, {"memory": "400Mi"}, {"memory": "150Mi"}),
        {"requests.memory": "200Mi", "limits.memory": "400Mi", "pods": "1", "memory": "200Mi", **CP}),
    "verify Max(Container.Spec.Requests, ContainerStatus.Resources) for CPU resource": (
        _resized({"cpu": "100m"}, {"cpu": "200m"}, {"cpu": "150m"}),
        {"requests.cpu": "150m", "limits.cpu": "200m", "pods": "1", "cpu": "150m", **CP}),
    "verify Max(Container.Spec.Requests, ContainerStatus.Resources) for CPU and memory resource": (
        _resized({"cpu": "100m", "memory": "200Mi"}, {"cpu": "200m", "memory": "400Mi"},
                 {"cpu": "150m", "memory": "250Mi"}),
        {"requests.cpu": "150m", "limits.cpu": "200m", "requests.memory": "250Mi", "limits.memory": "400Mi",
         "pods": "1", "cpu": "150m", "memory": "250Mi", **CP}),
    "verify Max(Container.Spec.Requests, ContainerStatus.Resources==nil) for CPU and memory resource": (
        _resized({"cpu": "100m", "memory": "200Mi"}, {"cpu": "200m", "memory": "400Mi"}, None),
        {"requests.cpu": "100m", "limits.cpu": "200m", "requests.memory": "200Mi", "limits.memory": "400Mi",
         "pods": "1", "cpu": "100m", "memory": "200Mi", **CP}),
}


@pytest.mark.parametrize("p, expected", RESIZE_CASES.values(), ids=RESIZE_CASES.keys())
def test_pod_evaluator_usage_resource_resize(p, expected):
    """TestPodEvaluatorUsageResourceResize"""
    assert q.equals(usage(p, now=NOW), ql(expected))


# --- TestPodEvaluatorHandles ------------------------------------------------------------------

_ADS1 = pod(activeDeadlineSeconds=1)
_ADS2 = pod(activeDeadlineSeconds=2)
_NOADS = pod()
HANDLES_CASES = [
    ("create", "CREATE", None, None, "", True),
    ("update-activeDeadlineSeconds-to-nil", "UPDATE", _NOADS, _ADS1, "", True),
    ("update-activeDeadlineSeconds-from-nil", "UPDATE", _ADS1, _NOADS, "", True),
    ("update-activeDeadlineSeconds-with-different-values", "UPDATE", _ADS1, _ADS2, "", False),
    ("update", "UPDATE", None, None, "", False),
    ("delete", "DELETE", None, None, "", False),
    ("connect", "CONNECT", None, None, "", False),
    ("create-subresource", "CREATE", None, None, "subresource", False),
    ("update-subresource", "UPDATE", None, None, "subresource", False),
    ("update-resize", "UPDATE", None, None, "resize", True),
]


@pytest.mark.parametrize("op, obj, old, sub, want", [c[1:] for c in HANDLES_CASES], ids=[c[0] for c in HANDLES_CASES])
def test_pod_evaluator_handles(op, obj, old, sub, want):
    """TestPodEvaluatorHandles"""
    assert PodEvaluator().handles(op, obj, old, sub) is want


OBJECT_COUNT_HANDLES_CASES = [
    ("create", "CREATE", "", True),
    ("update", "UPDATE", "", False),
    ("delete", "DELETE", "", False),
    ("connect", "CONNECT", "", False),
    ("create-subresource", "CREATE", "subresource", False),
    ("update-subresource", "UPDATE", "subresource", False),
]


@pytest.mark.parametrize("op, sub, want", [c[1:] for c in OBJECT_COUNT_HANDLES_CASES],
                         ids=[c[0] for c in OBJECT_COUNT_HANDLES_CASES])
def test_object_count_evaluator_handles(op, sub, want):
    """TestObjectCountEvaluatorHandles (apiserver generic/evaluator_test.go)"""
    assert ObjectCountEvaluator("", "pods").handles(op, None, None, sub) is want


# --- persistent_volume_claims_test.go ---------------------------------------------------------


def claim(storage: str, storage_class: str | None = None, allocated: str | None = None, selector: bool = True) -> dict:
    spec: dict = {"resources": {"requests": {"storage": storage}}}
    if selector:
        spec["selector"] = {"matchExpressions": [{"key": "key2", "operator": "Exists"}]}
        spec["accessModes"] = ["ReadWriteOnce", "ReadOnlyMany"]
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    p = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "foo", "namespace": "ns"},
         "spec": spec}
    if allocated is not None:
        p["status"] = {"allocatedResources": {"storage": allocated}}
    return p


CPVC = {"count/persistentvolumeclaims": "1"}
GOLD = "gold.storageclass.storage.k8s.io/"
PVC_USAGE_CASES = {
    "pvc-usage": (claim("10Gi"), {"requests.storage": "10Gi", "persistentvolumeclaims": "1", **CPVC}),
    "pvc-usage-by-class": (claim("10Gi", "gold"), {
        "requests.storage": "10Gi", "persistentvolumeclaims": "1", GOLD + "requests.storage": "10Gi",
        GOLD + "persistentvolumeclaims": "1", **CPVC}),
    "pvc-usage-rounded": (claim("1001m"), {"requests.storage": "2", "persistentvolumeclaims": "1", **CPVC}),
    "pvc-usage-by-class-rounded": (claim("1001m", "gold"), {
        "requests.storage": "2", "persistentvolumeclaims": "1", GOLD + "requests.storage": "2",
        GOLD + "persistentvolumeclaims": "1", **CPVC}),
    "pvc-usage-higher-allocated-resource": (claim("5G", allocated="10G", selector=False), {
        "requests.storage": "10G", "persistentvolumeclaims": "1", **CPVC}),
    "pvc-usage-lower-allocated-resource": (claim("10G", allocated="5G", selector=False), {
        "requests.storage": "10G", "persistentvolumeclaims": "1", **CPVC}),
}


@pytest.mark.parametrize("p, expected", PVC_USAGE_CASES.values(), ids=PVC_USAGE_CASES.keys())
def test_persistent_volume_claim_evaluator_usage(p, expected):
    """TestPersistentVolumeClaimEvaluatorUsage (RecoverVolumeExpansionFailure enabled in every case)"""
    got = usage(p, feature_gates={"RecoverVolumeExpansionFailure": True})
    assert q.equals(got, ql(expected)), got


PVC_MATCHING_CASES = {
    "supported-resources": (
        ["count/persistentvolumeclaims", "requests.storage", "persistentvolumeclaims",
         "gold.storageclass.storage.k8s.io/requests.storage", "gold.storageclass.storage.k8s.io/persistentvolumeclaims"],
        ["count/persistentvolumeclaims", "requests.storage", "persistentvolumeclaims",
         "gold.storageclass.storage.k8s.io/requests.storage", "gold.storageclass.storage.k8s.io/persistentvolumeclaims"]),
    "unsupported-resources": (
        ["storage", "ephemeral-storage", "bronze.storageclass.storage.k8s.io/storage", "gold.storage.k8s.io/requests.storage"],
        []),
}


@pytest.mark.parametrize("items, want", PVC_MATCHING_CASES.values(), ids=PVC_MATCHING_CASES.keys())
def test_persistent_volume_claim_evaluator_matching_resources(items, want):
    """TestPersistentVolumeClaimEvaluatorMatchingResources"""
    assert PersistentVolumeClaimEvaluator().matching_resources(items) == want


# --- services_test.go -------------------------------------------------------------------------


def test_service_evaluator_matches_resources():
    """TestServiceEvaluatorMatchesResources"""
    got = ServiceEvaluator().matching_resources(
        ["configmaps", "cpu", "services", "services.nodeports", "services.loadbalancers"])
    assert set(got) == {"services", "services.nodeports", "services.loadbalancers"}


def svc(stype: str, ports: list[dict] | None = None, alloc: bool | None = None) -> dict:
    spec: dict = {"type": stype}
    if ports is not None:
        spec["ports"] = ports
    if alloc is not None:
        spec["allocateLoadBalancerNodePorts"] = alloc
    return {"apiVersion": "v1", "kind": "Service", "metadata": {}, "spec": spec}


P1 = [{"port": 27443}]
P2 = [{"port": 27443}, {"port": 27444}]
P2N = [{"port": 27443, "nodePort": 32001}, {"port": 27444, "nodePort": 32002}]
CS = {"count/services": "1", "services": "1"}
SERVICE_USAGE_CASES = {
    "loadbalancer": (svc("LoadBalancer"), {"services.nodeports": "0", "services.loadbalancers": "1", **CS}),
    "loadbalancer_ports": (svc("LoadBalancer", P1), {"services.nodeports": "1", "services.loadbalancers": "1", **CS}),
    "loadbalancer_2_ports": (svc("LoadBalancer", P2), {"services.nodeports": "2", "services.loadbalancers": "1", **CS}),
    "clusterip": (svc("ClusterIP"), {"services.nodeports": "0", "services.loadbalancers": "0", **CS}),
    "nodeports": (svc("NodePort", P1), {"services.nodeports": "1", "services.loadbalancers": "0", **CS}),
    "multi-nodeports": (svc("NodePort", P2), {"services.nodeports": "2", "services.loadbalancers": "0", **CS}),
    "nodeports-disabled": (svc("LoadBalancer", P2, False),
                           {"services.nodeports": "0", "services.loadbalancers": "1", **CS}),
    "nodeports-default-enabled": (svc("LoadBalancer", P2N), {"services.nodeports": "2", "services.loadbalancers": "1", **CS}),
    "nodeports-explicitly-enabled": (svc("LoadBalancer", P2, True),
                                     {"services.nodeports": "2", "services.loadbalancers": "1", **CS}),
    "nodeports-disabled-but-specified": (svc("LoadBalancer", P2N, False),
                                         {"services.nodeports": "2", "services.loadbalancers": "1", **CS}),
}


@pytest.mark.parametrize("s, expected", SERVICE_USAGE_CASES.values(), ids=SERVICE_USAGE_CASES.keys())
def test_service_evaluator_usage(s, expected):
    """TestServiceEvaluatorUsage"""
    got = usage(s)
    assert q.equals(got, ql(expected)), got


SERVICE_CONSTRAINT_CASES = {
    "loadbalancer": (svc("LoadBalancer"), ["services.loadbalancers"]),
    "clusterip": (svc("ClusterIP"), ["services.loadbalancers", "services"]),
    "nodeports": (svc("NodePort", P1), ["services.nodeports"]),
    "multi-nodeports": (svc("NodePort", P2), ["services.nodeports"]),
}


@pytest.mark.parametrize("s, required", SERVICE_CONSTRAINT_CASES.values(), ids=SERVICE_CONSTRAINT_CASES.keys())
def test_service_constraints_func(s, required):
    """TestServiceConstraintsFunc (no case expects an error)"""
    assert ServiceEvaluator().constraints(required, s) is None


# --- apiserver pkg/quota/v1/resources_test.go -------------------------------------------------

C100, M1G = {"cpu": "100m"}, {"memory": "1Gi"}

EQUALS = {
    "isEqual": ({}, {}, True),
    "isEqualWithKeys": ({"cpu": "100m", "memory": "1Gi"}, {"cpu": "100m", "memory": "1Gi"}, True),
    "isNotEqualSameKeys": ({"cpu": "200m", "memory": "1Gi"}, {"cpu": "100m", "memory": "1Gi"}, False),
    "isNotEqualDiffKeys": ({"cpu": "100m", "memory": "1Gi"}, {"cpu": "100m", "memory": "1Gi", "pods": "1"}, False),
}


@pytest.mark.parametrize("a, b, expected", EQUALS.values(), ids=EQUALS.keys())
def test_equals(a, b, expected):
    """TestEquals"""
    assert q.equals(ql(a), ql(b)) is expected


LTE = {
    "isEmpty": ({}, {}, True, []),
    "isEqual": (C100, C100, True, []),
    "isLessThan": (C100, {"cpu": "200m"}, True, []),
    "isGreaterThan": ({"cpu": "200m"}, C100, False, ["cpu"]),
}


@pytest.mark.parametrize("a, b, expected, out", LTE.values(), ids=LTE.keys())
def test_less_than_or_equal(a, b, expected, out):
    """TestLessThanOrEqual"""
    assert q.less_than_or_equal(ql(a), ql(b)) == (expected, out)


MAX = {
    "noKeys": ({}, {}, {}),
    "toEmpty": (C100, {}, C100),
    "matching": (C100, {"cpu": "150m"}, {"cpu": "150m"}),
    "matching(reverse)": ({"cpu": "150m"}, C100, {"cpu": "150m"}),
    "matching-equal": (C100, C100, C100),
}


@pytest.mark.parametrize("a, b, expected", MAX.values(), ids=MAX.keys())
def test_max(a, b, expected):
    """TestMax"""
    assert q.equals(q.maximum(ql(a), ql(b)), ql(expected))


ADD = {"noKeys": ({}, {}, {}), "toEmpty": (C100, {}, C100), "matching": (C100, C100, {"cpu": "200m"})}


@pytest.mark.parametrize("a, b, expected", ADD.values(), ids=ADD.keys())
def test_add(a, b, expected):
    """TestAdd"""
    assert q.equals(q.add(ql(a), ql(b)), ql(expected))


SUBTRACT = {
    "noKeys": ({}, {}, {}),
    "value-empty": (C100, {}, C100),
    "empty-value": ({}, C100, {"cpu": "-100m"}),
    "value-value": ({"cpu": "200m"}, C100, C100),
}


@pytest.mark.parametrize("a, b, expected", SUBTRACT.values(), ids=SUBTRACT.keys())
def test_subtract(a, b, expected):
    """TestSubtract"""
    assert q.equals(q.subtract(ql(a), ql(b)), ql(expected))


RESOURCE_NAMES = {"empty": ({}, []), "values": ({"cpu": "100m", "memory": "1Gi"}, ["memory", "cpu"])}


@pytest.mark.parametrize("a, expected", RESOURCE_NAMES.values(), ids=RESOURCE_NAMES.keys())
def test_resource_names(a, expected):
    """TestResourceNames"""
    assert set(q.resource_names(ql(a))) == set(expected)


CONTAINS = {"does-not-contain": (["memory"], "cpu", False), "does-contain": (["memory", "cpu"], "cpu", True)}


@pytest.mark.parametrize("a, b, expected", CONTAINS.values(), ids=CONTAINS.keys())
def test_contains(a, b, expected):
    """TestContains"""
    assert q.contains(a, b) is expected


CONTAINS_PREFIX = {
    "does-not-contain": (["hugepages-"], "cpu", False),
    "does-contain": (["hugepages-"], "hugepages-2Mi", True),
}


@pytest.mark.parametrize("a, b, expected", CONTAINS_PREFIX.values(), ids=CONTAINS_PREFIX.keys())
def test_contains_prefix(a, b, expected):
    """TestContainsPrefix"""
    assert q.contains_prefix(a, b) is expected


IS_ZERO = {
    "empty": ({}, True),
    "zero": ({"cpu": "0", "memory": "0"}, True),
    "non-zero": ({"cpu": "200m", "memory": "1Gi"}, False),
}


@pytest.mark.parametrize("a, expected", IS_ZERO.values(), ids=IS_ZERO.keys())
def test_is_zero(a, expected):
    """TestIsZero"""
    assert q.is_zero(ql(a)) is expected


REMOVE_ZEROS = {
    "empty": ({}, {}),
    "all-zeros": ({"cpu": "0", "memory": "0"}, {}),
    "some-zeros": ({"cpu": "0", "memory": "0", "storage": "100Gi"}, {"storage": "100Gi"}),
    "non-zero": ({"cpu": "200m", "memory": "1Gi"}, {"cpu": "200m", "memory": "1Gi"}),
}


@pytest.mark.parametrize("a, expected", REMOVE_ZEROS.values(), ids=REMOVE_ZEROS.keys())
def test_remove_zeros(a, expected):
    """TestRemoveZeros"""
    assert q.equals(q.remove_zeros(ql(a)), ql(expected))


IS_NEGATIVE = {
    "empty": ({}, []),
    "some-negative": ({"cpu": "-10", "memory": "0"}, ["cpu"]),
    "all-negative": ({"cpu": "-200m", "memory": "-1Gi"}, ["cpu", "memory"]),
}


@pytest.mark.parametrize("a, expected", IS_NEGATIVE.values(), ids=IS_NEGATIVE.keys())
def test_is_negative(a, expected):
    """TestIsNegative"""
    assert set(q.is_negative(ql(a))) == set(expected)


INTERSECTION = {
    "empty": ([], [], []),
    "equal": (["cpu", "memory"], ["cpu", "memory"], ["cpu", "memory"]),
    "a has extra": (["cpu", "memory"], ["cpu"], ["cpu"]),
    "b has extra": (["cpu"], ["cpu", "memory"], ["cpu"]),
    "dedupes": (["cpu", "cpu", "memory", "memory"], ["cpu"], ["cpu"]),
    "sorts": (["memory", "memory", "cpu", "cpu"], ["memory", "memory", "cpu", "cpu"], ["cpu", "memory"]),
}


@pytest.mark.parametrize("a, b, expected", INTERSECTION.values(), ids=INTERSECTION.keys())
def test_intersection(a, b, expected):
    """TestIntersection"""
    assert q.intersection(a, b) == expected


DIFFERENCE = {
    "empty": ([], [], []),
    "equal": (["cpu", "memory"], ["cpu", "memory"], []),
    "a has extra": (["cpu", "memory"], ["cpu"], ["memory"]),
    "b has extra": (["cpu"], ["cpu", "memory"], []),
    "dedupes": (["cpu", "cpu", "memory", "memory"], ["cpu"], ["memory"]),
    "sorts": (["memory", "memory", "cpu", "cpu"], [], ["cpu", "memory"]),
}


@pytest.mark.parametrize("a, b, expected", DIFFERENCE.values(), ids=DIFFERENCE.keys())
def test_difference(a, b, expected):
    """TestDifference"""
    assert q.difference(a, b) == expected


# --- object counts (registry.go legacy names, install/registry.go ignored resources) ----------


def test_object_counts():
    """Object-count keys charged on create (pkg/quota/v1/evaluator/core/registry.go,
    generic.ObjectCountQuotaResourceNameFor)."""
    assert q.equals(usage({"apiVersion": "v1", "kind": "ConfigMap"}), ql({"count/configmaps": "1", "configmaps": "1"}))
    assert q.equals(usage({"apiVersion": "v1", "kind": "Secret"}), ql({"count/secrets": "1", "secrets": "1"}))
    assert q.equals(usage({"apiVersion": "apps/v1", "kind": "Deployment"}), ql({"count/deployments.apps": "1"}))
    assert q.equals(usage({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy"}),
                    ql({"count/networkpolicies.networking.k8s.io": "1"}))
    assert usage({"apiVersion": "v1", "kind": "Event"}) == {}
