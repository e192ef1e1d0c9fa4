"""PodDisruptionBudget status and eviction decisions, upstream scenarios ported as values.

Upstream (kubernetes/kubernetes):
* pkg/controller/disruption/disruption_test.go -- TestNoSelector, TestUnavailable,
  TestIntegerMaxUnavailable, TestIntegerMaxUnavailableWithScaling,
  TestPercentageMaxUnavailableWithScaling, TestNakedPod, TestUnsupportedControllerPod,
  TestStatusForUnmanagedPod, TestTotalUnmanagedPods, TestReplicaSet, TestScaleResource,
  TestMultipleControllers, TestReplicationController, TestStatefulSetController,
  TestTwoControllers, TestUpdateDisruptedPods, TestBasicFinderFunctions,
  TestDeploymentFinderFunction, TestInvalidSelectors, TestStalePodDisruption,
  TestKeepExistingPDBConditionDuringSync;
* pkg/registry/core/pod/storage/eviction_test.go -- TestEviction, TestEvictionIgnorePDB,
  TestEvictionDryRun, TestEvictionPDBStatus (the decision part of each case);
* staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go / labels/selector.go semantics for
  the selector helper.
"""

from __future__ import annotations

import copy
import itertools

import pytest

from provisor.k8s.disruption import (
    ControllerIndex,
    DisruptionError,
    PDBStatus,
    evict,
    expected_count,
    find_deployment,
    find_replica_set,
    find_replication_controller,
    find_stateful_set,
    pdb_status,
    scaled_value,
    stale_disruption_condition,
)
from provisor.k8s.selectors import SelectorError, compile_selector, selector_matches

_uids = itertools.count(1)


def uid() -> str:
    return f"uid-{next(_uids)}"


FOO_BAR = {"foo": "bar"}


# --- fixtures mirroring disruption_test.go helpers ----------------------------------------------


def new_pdb(min_available=None, max_unavailable=None) -> dict:
    spec: dict = {"selector": {"matchLabels": dict(FOO_BAR)}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "uid": uid(),
            "name": "foobar",
            "namespace": "default",
            "resourceVersion": "18",
        },
        "spec": spec,
    }


def new_pod(name: str, labels: dict | None = None, ready: bool = True) -> dict:
    conds = [{"type": "Ready", "status": "True"}] if ready else []
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "uid": uid(),
            "name": name,
            "namespace": "default",
            "resourceVersion": "18",
            "annotations": {},
            "labels": dict(labels or FOO_BAR),
        },
        "spec": {},
        "status": {"conditions": conds},
    }


def _workload(api_version: str, kind: str, size: int, selector) -> dict:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {
            "uid": uid(),
            "name": "foobar",
            "namespace": "default",
            "resourceVersion": "18",
            "labels": dict(FOO_BAR),
        },
        "spec": {"replicas": size, "selector": selector},
    }


def new_rc(size: int) -> dict:
    return _workload("v1", "ReplicationController", size, dict(FOO_BAR))


def new_rs(size: int) -> dict:
    return _workload("apps/v1", "ReplicaSet", size, {"matchLabels": dict(FOO_BAR)})


def new_deployment(size: int) -> dict:
    return _workload("apps/v1", "Deployment", size, {"matchLabels": dict(FOO_BAR)})


def new_ss(size: int) -> dict:
    return _workload("apps/v1", "StatefulSet", size, {"matchLabels": dict(FOO_BAR)})


# controllerKind* of disruption.go: RS and Deployment as extensions/v1beta1, SS as apps/v1beta1
_REF_API_VERSION = {
    "ReplicationController": "v1",
    "ReplicaSet": "extensions/v1beta1",
    "StatefulSet": "apps/v1beta1",
}


def own(pod: dict, ctrl: dict) -> None:
    """updatePodOwnerToRc / updatePodOwnerToRs / updatePodOwnerToSs"""
    pod["metadata"].setdefault("ownerReferences", []).append(
        {
            "apiVersion": _REF_API_VERSION[ctrl["kind"]],
            "kind": ctrl["kind"],
            "name": ctrl["metadata"]["name"],
            "uid": ctrl["metadata"]["uid"],
            "controller": True,
        }
    )


def unready(pod: dict) -> None:
    pod["status"]["conditions"] = []


def verify(pdb, pods, controllers, allowed, current, desired, expected, disrupted=None, *, now=0.0):
    """VerifyPdbStatus: the written status, and the DisruptionAllowed condition's status."""
    status = pdb_status(pdb, pods, controllers, now=now)
    written = status.apply(pdb, now=now)["status"]
    got = (
        written.get("disruptionsAllowed", 0),
        written.get("currentHealthy", 0),
        written.get("desiredHealthy", 0),
        written.get("expectedPods", 0),
        written.get("disruptedPods", {}),
    )
    assert got == (allowed, current, desired, expected, disrupted or {})
    assert written.get("observedGeneration", 0) == pdb["metadata"].get("generation", 0)
    cond = [c for c in written["conditions"] if c["type"] == "DisruptionAllowed"]
    assert len(cond) == 1 and cond[0]["status"] == ("True" if allowed > 0 else "False")
    return status


def verify_allowed(pdb, pods, controllers, allowed):
    """VerifyDisruptionAllowed"""
    status = pdb_status(pdb, pods, controllers)
    assert status.disruptions_allowed == allowed
    return status


# --- disruption_test.go ---------------------------------------------------------------------------


def test_no_selector():
    """TestNoSelector: an empty selector matches every pod of the namespace."""
    pdb = new_pdb(min_available=3)
    pdb["spec"]["selector"] = {}
    pod = new_pod("yo-yo-yo")
    verify(pdb, [], [], 0, 0, 3, 0)
    verify(pdb, [pod], [], 0, 1, 3, 1)


def test_unavailable():
    """TestUnavailable"""
    pdb = new_pdb(min_available=3)
    pods: list[dict] = []
    for i in range(4):
        verify(pdb, pods, [], 0, i, 3, i)
        pods.append(new_pod(f"yo-yo-yo {i}"))
    verify(pdb, pods, [], 1, 4, 3, 4)
    unready(pods[0])
    verify(pdb, pods, [], 0, 3, 3, 4)


def test_integer_max_unavailable():
    """TestIntegerMaxUnavailable: a naked pod gives no disruption (expected is 0)."""
    pdb = new_pdb(max_unavailable=1)
    verify_allowed(pdb, [], [], 0)
    status = verify_allowed(pdb, [new_pod("naked")], [], 0)
    assert status.unmanaged_pods == ("naked",)  # the UnmanagedPods event


def test_integer_max_unavailable_with_scaling():
    """TestIntegerMaxUnavailableWithScaling"""
    pdb = new_pdb(max_unavailable=2)
    rs = new_rs(7)
    pod = new_pod("pod")
    own(pod, rs)
    verify(pdb, [pod], [rs], 0, 1, 5, 7)
    rs["spec"]["replicas"] = 5
    verify(pdb, [pod], [rs], 0, 1, 3, 5)


def test_percentage_max_unavailable_with_scaling():
    """TestPercentageMaxUnavailableWithScaling"""
    pdb = new_pdb(max_unavailable="30%")
    rs = new_rs(7)
    pod = new_pod("pod")
    own(pod, rs)
    verify(pdb, [pod], [rs], 0, 1, 4, 7)
    rs["spec"]["replicas"] = 3
    verify(pdb, [pod], [rs], 0, 1, 2, 3)


def test_naked_pod():
    """TestNakedPod"""
    pdb = new_pdb(min_available="28%")
    verify_allowed(pdb, [], [], 0)
    status = verify_allowed(pdb, [new_pod("naked")], [], 0)
    assert status.unmanaged_pods == ("naked",) and status.error is None


def test_unsupported_controller_pod():
    """TestUnsupportedControllerPod: the sync fails (CalculateExpectedPodCountFailed), fail-safe 0."""
    pdb = new_pdb(min_available="28%")
    verify_allowed(pdb, [], [], 0)
    pod = new_pod("naked")
    pod["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps.test.io/v1",
            "kind": "TestWorkload",
            "name": "fake-controller",
            "uid": "b7329742-8daa-493a-8881-6ca07139172b",
            "controller": True,
        }
    ]
    status = verify_allowed(pdb, [pod], [], 0)
    assert status.error is not None
    cond = status.apply(pdb)["status"]["conditions"][0]
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False",
        "SyncFailed",
        status.error,
    )


def test_status_for_unmanaged_pod():
    """TestStatusForUnmanagedPod: unmanaged pods are not a sync error."""
    pdb = new_pdb(min_available="28%")
    verify_allowed(pdb, [], [], 0)
    status = pdb_status(pdb, [new_pod("unmanaged")], [])
    assert status.error is None and status.condition_reason != "SyncFailed"
    assert status.unmanaged_pods == ("unmanaged",)


def test_total_unmanaged_pods():
    """TestTotalUnmanagedPods: getExpectedScale collects exactly one unmanaged pod."""
    pdb = new_pdb(min_available="28%")
    verify_allowed(pdb, [], [], 0)
    pod = new_pod("unmanaged")
    assert len(expected_count(pdb, [pod], []).unmanaged_pods) == 1
    assert pdb_status(pdb, [pod], []).error is None


def test_replica_set():
    """TestReplicaSet: a ReplicaSet without a Deployment counts with its own scale."""
    pdb = new_pdb(min_available="20%")
    rs = new_rs(10)
    pod = new_pod("pod")
    own(pod, rs)
    verify(pdb, [pod], [rs], 0, 1, 2, 10)


def test_scale_resource():
    """TestScaleResource: any controller with a scale subresource."""
    custom_uid = uid()
    replicas, n_pods, max_unavailable = 10, 4, 5
    custom = {
        "apiVersion": "custom.k8s.io/v1",
        "kind": "customresource",
        "metadata": {"namespace": "default", "uid": custom_uid},
        "spec": {"replicas": replicas},
    }
    pdb = new_pdb(max_unavailable=max_unavailable)
    pods = []
    for i in range(n_pods):
        pod = new_pod(f"pod-{i}")
        pod["metadata"]["ownerReferences"] = [
            {
                "kind": "customresource",
                "apiVersion": "custom.k8s.io/v1",
                "controller": True,
                "uid": custom_uid,
            }
        ]
        pods.append(pod)
    allowed = max_unavailable - (replicas - n_pods) if replicas - n_pods < max_unavailable else 0
    verify(pdb, pods, [custom], allowed, n_pods, replicas - max_unavailable, replicas)


def test_multiple_controllers():
    """TestMultipleControllers (the two asserted steps; upstream's third check is commented out)."""
    pdb = new_pdb(min_available="1%")
    pods = [new_pod(f"pod {i}") for i in range(2)]
    verify_allowed(pdb, pods, [], 0)  # no controllers yet
    rc = new_rc(1)
    rc["metadata"]["name"] = "rc 1"
    for p in pods:
        own(p, rc)
    verify_allowed(pdb, pods, [rc], 1)  # one RC and 200% > 1% healthy


def test_replication_controller():
    """TestReplicationController: 34% of 3 rounds up to 2; a rogue pod adds health, not scale."""
    labels = {"foo": "bar", "baz": "quux"}
    pdb = new_pdb(min_available="34%")
    rc = new_rc(3)
    rc["spec"]["selector"] = labels
    verify(pdb, [], [rc], 0, 0, 0, 0)
    pods = []
    for i in range(3):
        pod = new_pod(f"foobar {i}", labels)
        own(pod, rc)
        pods.append(pod)
        if i < 2:
            verify(pdb, pods, [rc], 0, i + 1, 2, 3)
        else:
            verify(pdb, pods, [rc], 1, 3, 2, 3)
    pods.append(new_pod("rogue"))
    verify_allowed(pdb, pods, [rc], 2)


def test_stateful_set_controller():
    """TestStatefulSetController"""
    labels = {"foo": "bar", "baz": "quux"}
    pdb = new_pdb(min_available="34%")
    ss = new_ss(3)
    verify(pdb, [], [ss], 0, 0, 0, 0)
    pods = []
    for i in range(3):
        pod = new_pod(f"foobar {i}", labels)
        own(pod, ss)
        pods.append(pod)
        if i < 2:
            verify(pdb, pods, [ss], 0, i + 1, 2, 3)
        else:
            verify(pdb, pods, [ss], 1, 3, 2, 3)


def test_two_controllers():
    """TestTwoControllers: an RC and a ReplicaSet (its Deployment does not own it), 28%."""
    rc_labels = {"foo": "bar", "baz": "quux"}
    d_labels = {"foo": "bar", "baz": "quuux"}
    size, minimum_one, minimum_two = 11, 4, 7
    pdb = new_pdb(min_available="28%")
    rc = new_rc(size)
    rc["spec"]["selector"] = rc_labels
    controllers = [rc]
    verify(pdb, [], controllers, 0, 0, 0, 0)

    pods: list[dict] = []
    unavailable = size - minimum_one - 1
    for i in range(1, size + 1):
        pod = new_pod(f"quux {i}", rc_labels)
        own(pod, rc)
        if i <= unavailable:
            unready(pod)
        pods.append(pod)
        if i <= unavailable:
            verify(pdb, pods, controllers, 0, 0, minimum_one, size)
        elif i - unavailable <= minimum_one:
            verify(pdb, pods, controllers, 0, i - unavailable, minimum_one, size)
        else:
            verify(pdb, pods, controllers, 1, i - unavailable, minimum_one, size)

    d = new_deployment(size)
    d["spec"]["selector"] = {"matchLabels": d_labels}
    controllers.append(d)
    verify(pdb, pods, controllers, 1, minimum_one + 1, minimum_one, size)

    rs = new_rs(size)
    rs["spec"]["selector"] = {"matchLabels": d_labels}
    rs["metadata"]["labels"] = d_labels
    controllers.append(rs)
    verify(pdb, pods, controllers, 1, minimum_one + 1, minimum_one, size)

    unavailable = 2 * size - (minimum_two + 2) - unavailable
    for i in range(1, size + 1):
        pod = new_pod(f"quuux {i}", d_labels)
        own(pod, rs)
        if i <= unavailable:
            unready(pod)
        pods.append(pod)
        if i <= unavailable:
            verify(pdb, pods, controllers, 0, minimum_one + 1, minimum_two, 2 * size)
        elif i - unavailable <= minimum_two - (minimum_one + 1):
            verify(
                pdb,
                pods,
                controllers,
                0,
                (minimum_one + 1) + (i - unavailable),
                minimum_two,
                2 * size,
            )
        else:
            verify(
                pdb,
                pods,
                controllers,
                i - unavailable - (minimum_two - (minimum_one + 1)),
                (minimum_one + 1) + (i - unavailable),
                minimum_two,
                2 * size,
            )

    verify(pdb, pods, controllers, 2, 2 + minimum_two, minimum_two, 2 * size)
    unready(pods[size - 1])
    verify(pdb, pods, controllers, 1, 1 + minimum_two, minimum_two, 2 * size)
    unready(pods[size - 2])
    verify(pdb, pods, controllers, 0, minimum_two, minimum_two, 2 * size)
    pods[size - 1]["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    verify(pdb, pods, controllers, 1, 1 + minimum_two, minimum_two, 2 * size)


def test_update_disrupted_pods():
    """TestUpdateDisruptedPods: deleting / expired / absent entries are dropped, p3 is kept."""
    now = 1_700_000_000.0
    pdb = new_pdb(min_available=1)
    pdb["status"] = {"disruptedPods": {"p1": now, "p2": now - 180, "p3": now - 60, "notthere": now}}
    p1, p2, p3 = new_pod("p1"), new_pod("p2"), new_pod("p3")
    p1["metadata"]["deletionTimestamp"] = now
    status = verify(pdb, [p1, p2, p3], [], 0, 1, 1, 3, {"p3": now - 60}, now=now)
    assert status.recheck_at == now + 60


def _finder_fixture():
    rs, rc, ss = new_rs(10), new_rc(12), new_ss(14)
    return rs, rc, ss, ControllerIndex([rs, rc, ss])


_RS, _RC, _SS, _FINDER_INDEX = _finder_fixture()

BASIC_FINDERS = [
    ("replicaset controller with apps group", find_replica_set, "apps/v1", "ReplicaSet", _RS, 10),
    (
        "replicaset controller with invalid group",
        find_replica_set,
        "invalid/v1",
        "ReplicaSet",
        _RS,
        None,
    ),
    (
        "replicationcontroller with empty group",
        find_replication_controller,
        "/v1",
        "ReplicationController",
        _RC,
        12,
    ),
    (
        "replicationcontroller with invalid group",
        find_replication_controller,
        "apps/v1",
        "ReplicationController",
        _RC,
        None,
    ),
    (
        "statefulset controller with extensions group",
        find_stateful_set,
        "apps/v1",
        "StatefulSet",
        _SS,
        14,
    ),
    (
        "statefulset controller with invalid kind",
        find_stateful_set,
        "apps/v1",
        "ReplicaSet",
        _SS,
        None,
    ),
]


@pytest.mark.parametrize(
    "finder,api_version,kind,obj,scale",
    [c[1:] for c in BASIC_FINDERS],
    ids=[c[0] for c in BASIC_FINDERS],
)
def test_basic_finder_functions(finder, api_version, kind, obj, scale):
    """TestBasicFinderFunctions"""
    ref = {
        "apiVersion": api_version,
        "kind": kind,
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
    }
    found = finder(ref, "default", _FINDER_INDEX)
    if scale is None:
        assert found is None
    else:
        assert (found.scale, found.uid) == (scale, obj["metadata"]["uid"])


DEPLOYMENT_FINDER = [
    ("happy path", "apps/v1", "ReplicaSet", "extensions/v1", "Deployment", 10),
    ("invalid rs apiVersion", "invalid/v1", "ReplicaSet", "apps/v1", "Deployment", None),
    ("invalid rs kind", "apps/v1", "InvalidKind", "apps/v1", "Deployment", None),
    (
        "invalid deployment apiVersion",
        "extensions/v1",
        "ReplicaSet",
        "deployment/v1",
        "Deployment",
        None,
    ),
    ("invalid deployment kind", "apps/v1", "ReplicaSet", "extensions/v1", "InvalidKind", None),
]


@pytest.mark.parametrize(
    "rs_api,rs_kind,dep_api,dep_kind,scale",
    [c[1:] for c in DEPLOYMENT_FINDER],
    ids=[c[0] for c in DEPLOYMENT_FINDER],
)
def test_deployment_finder_function(rs_api, rs_kind, dep_api, dep_kind, scale):
    """TestDeploymentFinderFunction"""
    dep = new_deployment(10)
    rs = new_rs(5)
    rs["metadata"]["ownerReferences"] = [
        {
            "apiVersion": dep_api,
            "kind": dep_kind,
            "name": dep["metadata"]["name"],
            "uid": dep["metadata"]["uid"],
            "controller": True,
        }
    ]
    ref = {
        "apiVersion": rs_api,
        "kind": rs_kind,
        "name": rs["metadata"]["name"],
        "uid": rs["metadata"]["uid"],
    }
    found = find_deployment(ref, "default", ControllerIndex([dep, rs]))
    if scale is None:
        assert found is None
    else:
        assert (found.scale, found.uid) == (scale, dep["metadata"]["uid"])


INVALID_SELECTORS = [
    ("illegal value key", {"matchLabels": {"k8s.io/too/many/slashes": "value"}}),
    (
        "illegal operator",
        {"matchExpressions": [{"key": "foo", "operator": "illegal", "values": ["bar"]}]},
    ),
]


@pytest.mark.parametrize(
    "selector", [s for _, s in INVALID_SELECTORS], ids=[n for n, _ in INVALID_SELECTORS]
)
def test_invalid_selectors(selector):
    """TestInvalidSelectors: the sync fails, fail-safe status (0, 0, 0, 0), condition False."""
    pdb = new_pdb(min_available=3)
    pdb["spec"]["selector"] = selector
    status = verify(pdb, [new_pod("p")], [], 0, 0, 0, 0)
    assert status.error is not None


STALE = [
    # name, deleting, condition status (None: no condition), seconds passed, condition status afterwards
    ("stale pod disruption", False, "True", 121, "False"),
    ("pod disruption in progress", False, "True", 119, "True"),
    ("pod disruption actuated", True, "True", 121, "True"),
    ("no pod disruption", True, None, 121, None),
    ("pod disruption cleared", True, "False", 121, "False"),
]


@pytest.mark.parametrize(
    "deleting,cond,passed,after", [c[1:] for c in STALE], ids=[c[0] for c in STALE]
)
def test_stale_pod_disruption(deleting, cond, passed, after):
    """TestStalePodDisruption: the controller resets a stale DisruptionTarget to False."""
    t0 = 1_700_000_000.0
    pod = {"metadata": {"name": "foo", "namespace": "default"}, "status": {}}
    if deleting:
        pod["metadata"]["deletionTimestamp"] = t0
    if cond is not None:
        pod["status"]["conditions"] = [
            {"type": "DisruptionTarget", "status": cond, "lastTransitionTime": t0}
        ]
    stale, left = stale_disruption_condition(pod, t0 + passed)
    resulting = "False" if stale and left == 0 else cond
    assert resulting == after


def test_keep_existing_pdb_condition_during_sync():
    """TestKeepExistingPDBConditionDuringSync"""
    pdb = new_pdb(min_available=3)
    pdb["spec"]["selector"] = {}
    pdb["status"] = {
        "conditions": [
            {
                "type": "ExistingTestCondition",
                "status": "True",
                "message": "This is a test condition",
                "reason": "Test",
                "lastTransitionTime": "2024-01-01T00:00:00Z",
            }
        ]
    }
    verify(pdb, [], [], 0, 0, 3, 0)
    conds = pdb_status(pdb, [], []).apply(pdb)["status"]["conditions"]
    assert len(conds) == 2 and any(c["type"] == "ExistingTestCondition" for c in conds)


# --- our own checks of the arithmetic ----------------------------------------------------------


@pytest.mark.parametrize(
    "value,total,round_up,expected",
    [
        (3, 10, True, 3),
        ("28%", 11, True, 4),
        ("28%", 22, True, 7),
        ("34%", 3, True, 2),
        ("30%", 7, True, 3),
        ("30%", 7, False, 2),
        ("0%", 5, True, 0),
        ("100%", 5, True, 5),
        ("1%", 1, True, 1),
        ("50%", 0, True, 0),
    ],
)
def test_scaled_value(value, total, round_up, expected):
    assert scaled_value(value, total, round_up) == expected


@pytest.mark.parametrize(
    "value,message",
    [
        ("5", "invalid value for IntOrString: invalid type: string is not a percentage"),
        (
            "x%",
            'invalid value for IntOrString: invalid value "x%": strconv.Atoi: parsing "x": invalid syntax',
        ),
        (
            "1.5%",
            'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax',
        ),
    ],
)
def test_scaled_value_errors(value, message):
    with pytest.raises(DisruptionError) as exc:
        scaled_value(value, 10, True)
    assert str(exc.value) == message


def test_bad_percent_is_a_sync_failure():
    pdb = new_pdb(min_available="5")
    pdb["status"] = {
        "currentHealthy": 3,
        "desiredHealthy": 2,
        "expectedPods": 3,
        "disruptionsAllowed": 1,
    }
    status = pdb_status(pdb, [new_pod("a")], [])
    assert (status.error, status.disruptions_allowed, status.current_healthy) == (
        "invalid value for IntOrString: invalid type: string is not a percentage",
        0,
        3,
    )
    written = status.apply(pdb)["status"]
    assert written["disruptionsAllowed"] == 0 and written["expectedPods"] == 3


def test_deployment_pods_use_deployment_replicas_and_daemonset_fails():
    dep = new_deployment(4)
    rs = new_rs(4)
    rs["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "foobar",
            "uid": dep["metadata"]["uid"],
            "controller": True,
        }
    ]
    pods = []
    for i in range(4):
        p = new_pod(f"p{i}")
        p["metadata"]["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "foobar",
                "uid": rs["metadata"]["uid"],
                "controller": True,
            }
        ]
        pods.append(p)
    index = ControllerIndex([dep, rs])
    verify(new_pdb(max_unavailable="25%"), pods, index, 1, 4, 3, 4)
    ds_pod = new_pod("ds")
    ds_pod["metadata"]["ownerReferences"] = [
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "d", "uid": "x", "controller": True}
    ]
    status = pdb_status(new_pdb(max_unavailable=1), [ds_pod], [])
    assert status.error == "daemonsets.apps does not implement the scale subresource"
    # an integer minAvailable needs no controller at all
    verify(new_pdb(min_available=0), [ds_pod], [], 1, 1, 0, 1)


def test_pdb_without_selector_selects_nothing_and_namespaces_are_separate():
    pdb = new_pdb(min_available=1)
    del pdb["spec"]["selector"]
    verify(pdb, [new_pod("a")], [], 0, 0, 1, 0)
    other = new_pod("b")
    other["metadata"]["namespace"] = "other"
    verify(new_pdb(min_available=1), [other], [], 0, 0, 1, 0)


# --- selectors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector,labels,expected",
    [
        (None, {"a": "b"}, False),
        ({}, {}, True),
        ({}, {"a": "b"}, True),
        ({"matchLabels": {"a": "b"}}, {"a": "b", "c": "d"}, True),
        ({"matchLabels": {"a": "b"}}, {"a": "c"}, False),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b", "c"]}]},
            {"a": "c"},
            True,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]}, {}, True),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]},
            {"a": "b"},
            False,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
        (
            {"matchLabels": {"a": "b"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]},
            {"a": "b"},
            False,
        ),
    ],
)
def test_selector_matches(selector, labels, expected):
    assert selector_matches(selector, labels) is expected


@pytest.mark.parametrize(
    "selector",
    [
        {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
        {"matchExpressions": [{"key": "a", "operator": "Bogus", "values": ["x"]}]},
        {"matchLabels": {"-bad": "x"}},
        {"matchLabels": {"a": "bad value"}},
        {"matchLabels": {"Example.com/a": "x"}},
    ],
)
def test_selector_errors(selector):
    with pytest.raises(SelectorError):
        compile_selector(selector)


# --- eviction_test.go ----------------------------------------------------------------------------

POLICIES = (None, "IfHealthyBudget", "AlwaysAllow")


def ev_pdb(allowed=0, current=0, desired=0, selector=None, policy=None) -> dict:
    status = {"disruptionsAllowed": allowed}
    if current:
        status["currentHealthy"] = current
    if desired:
        status["desiredHealthy"] = desired
    spec = {"selector": {"matchLabels": {"a": "true"}} if selector is None else selector}
    if policy is not None:
        spec["unhealthyPodEvictionPolicy"] = policy
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "foo", "namespace": "default"},
        "spec": spec,
        "status": status,
    }


def ev_pod(name, phase=None, ready=None, terminating=False, rv="1") -> dict:
    """validNewPod with labels a=true on node foo; ``ready`` sets the Ready condition."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {"a": "true"},
            "resourceVersion": rv,
        },
        "spec": {"nodeName": "foo"},
        "status": {},
    }
    if phase:
        pod["status"]["phase"] = phase
    if ready is not None:
        pod["status"]["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
    if terminating:
        pod["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return pod


REFUSED_0_0 = (
    "Cannot evict pod as it would violate the pod's disruption budget.: TooManyRequests: "
    "The disruption budget foo needs 0 healthy pods and has 0 currently"
)
STILL_PROCESSING = (
    "Cannot evict pod as it would violate the pod's disruption budget.: TooManyRequests: "
    "The disruption budget foo is still being processed by the server."
)

# TestEviction: name, pdb kwargs, pod, expected error ("" = evicted), policies (None = all three).
# Pods created through the storage get phase Pending when the case sets none.
EVICTION = [
    (
        "matching pdbs with no disruptions allowed, pod running",
        {},
        ev_pod("t1", "Running"),
        REFUSED_0_0,
        (None, "IfHealthyBudget"),
    ),
    (
        "matching pdbs with no disruptions allowed, pod pending",
        {},
        ev_pod("t2", "Pending"),
        "",
        None,
    ),
    (
        "matching pdbs with no disruptions allowed, pod succeeded",
        {},
        ev_pod("t3", "Succeeded"),
        "",
        None,
    ),
    ("matching pdbs with no disruptions allowed, pod failed", {}, ev_pod("t4", "Failed"), "", None),
    ("matching pdbs with disruptions allowed", {"allowed": 1}, ev_pod("t5", "Pending"), "", None),
    (
        "non-matching pdbs",
        {"selector": {"matchLabels": {"b": "true"}}},
        ev_pod("t6", "Pending"),
        "",
        None,
    ),
    (
        "matching pdbs with no disruptions allowed, pod running, empty selector",
        {"selector": {}},
        ev_pod("t8", "Running"),
        REFUSED_0_0,
        (None, "IfHealthyBudget"),
    ),
]


def _eviction_params(cases):
    for name, kw, pod, err, policies in cases:
        for policy in POLICIES:
            if policies is not None and policy not in policies:
                continue
            yield pytest.param(kw, pod, err, policy, id=f"{name} with {policy or 'nil'} policy")


@pytest.mark.parametrize("pdb_kw,pod,expected_error,policy", list(_eviction_params(EVICTION)))
def test_eviction(pdb_kw, pod, expected_error, policy):
    """TestEviction (decision part; the bad-name-in-URL case is request validation, not ported)."""
    decision = evict(pod, [ev_pdb(policy=policy, **pdb_kw)])
    assert decision.describe() == expected_error
    assert decision.allowed is (expected_error == "")
    if not decision.allowed:
        err = decision.error()
        assert (err.code, err.reason, str(err)) == (
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
        )


def _ignore_pdb_cases():
    """TestEvictionIgnorePDB as decision sequences: the mock store changes the pod after a delete
    conflict, and the handler decides again on the new pod."""
    pending = ev_pod("t1", "Pending")
    yield (
        (
            "pdbs No disruptions allowed, pod pending, first delete conflict, pod still pending, pod deleted "
            "successfully"
        ),
        {},
        [pending, ev_pod("t1", "Pending", rv="999")],
        ["ignore-pdb", "ignore-pdb"],
        "",
        None,
    )
    yield (
        (
            "pdbs No disruptions allowed, pod pending, first delete conflict, pod becomes running, "
            "continueToPDBs"
        ),
        {},
        [ev_pod("t2", "Pending"), ev_pod("t2", "Running", rv="999")],
        ["ignore-pdb", "too-many-requests"],
        REFUSED_0_0,
        (None, "IfHealthyBudget"),
    )
    yield (
        (
            "pdbs No disruptions allowed, pod pending, first delete conflict, pod becomes running, skip PDB "
            "check, conflict"
        ),
        {},
        [ev_pod("t2", "Pending", ready=False), ev_pod("t2", "Running", ready=False, rv="999")],
        ["ignore-pdb", "unhealthy-pod"],
        STILL_PROCESSING,
        ("AlwaysAllow",),
    )
    yield (
        "pdbs disruptions allowed, pod pending, first delete conflict, pod becomes running, continueToPDBs",
        {"allowed": 1},
        [ev_pod("t3", "Pending"), ev_pod("t3", "Running", rv="999")],
        ["ignore-pdb", "budget"],
        "",
        (None, "IfHealthyBudget"),
    )
    yield (
        "pod pending, always conflict on delete",
        {},
        [ev_pod("t4", "Pending")],
        ["ignore-pdb"],
        None,
        None,
    )
    yield (
        "pod pending, always conflict on delete, user provided ResourceVersion constraint",
        {},
        [ev_pod("t5", "Pending")],
        ["ignore-pdb"],
        None,
        None,
    )
    yield (
        "matching pdbs with no disruptions allowed, pod terminating",
        {},
        [ev_pod("t6", terminating=True)],
        ["ignore-pdb"],
        "",
        None,
    )
    yield (
        "matching pdbs with no disruptions allowed, pod running, pod healthy, unhealthy pod not ours",
        {"current": 2, "desired": 2},
        [ev_pod("t7", "Running", ready=True)],
        ["too-many-requests"],
        (
            "Cannot evict pod as it would violate the pod's disruption budget.: TooManyRequests: "
            "The disruption budget foo needs 2 healthy pods and has 2 currently"
        ),
        None,
    )
    yield (
        (
            "matching pdbs with disruptions allowed, pod running, pod healthy, healthy pod ours, deletes pod by "
            "honoring the PDB"
        ),
        {"allowed": 1, "current": 3, "desired": 3},
        [ev_pod("t8", "Running", ready=True)],
        ["budget"],
        "",
        None,
    )
    yield (
        "matching pdbs with no disruptions allowed, pod running, pod unhealthy, unhealthy pod ours",
        {"current": 2, "desired": 2},
        [ev_pod("t8", "Running", ready=False)],
        ["unhealthy-pod"],
        "",
        None,
    )
    yield (
        (
            "matching pdbs with no disruptions allowed, pod running, pod unhealthy, unhealthy pod ours, skips the "
            "PDB check and deletes"
        ),
        {},
        [ev_pod("t8", "Running", ready=False)],
        ["unhealthy-pod"],
        "",
        ("AlwaysAllow",),
    )
    yield (
        (
            "matching pdbs with no disruptions allowed, pod running, pod unhealthy, unhealthy pod ours, resource "
            "version conflict"
        ),
        {"current": 2, "desired": 2},
        [ev_pod("t9", "Running", ready=False)],
        ["unhealthy-pod"],
        STILL_PROCESSING,
        None,
    )
    yield (
        (
            "matching pdbs with no disruptions allowed, pod running, pod unhealthy, unhealthy pod ours, other "
            "error on delete"
        ),
        {"current": 2, "desired": 2},
        [ev_pod("t10", "Running", ready=False)],
        ["unhealthy-pod"],
        None,
        None,
    )
    yield (
        (
            "matching pdbs with no disruptions allowed, pod running, pod healthy, empty selector, pod not deleted "
            "by honoring the PDB"
        ),
        {"current": 3, "desired": 3, "selector": {}},
        [ev_pod("t11", "Running", ready=True)],
        ["too-many-requests"],
        (
            "Cannot evict pod as it would violate the pod's disruption budget.: "
            "TooManyRequests: The disruption budget foo needs 3 healthy pods and has 3 currently"
        ),
        None,
    )


IGNORE_PDB = list(_ignore_pdb_cases())


def _ignore_params():
    for name, kw, pods, outcomes, err, policies in IGNORE_PDB:
        for policy in ("AlwaysAllow", None, "IfHealthyBudget"):
            if policies is not None and policy not in policies:
                continue
            yield pytest.param(
                kw, pods, outcomes, err, policy, id=f"{name} with {policy or 'nil'} policy"
            )


@pytest.mark.parametrize("pdb_kw,pods,outcomes,expected_error,policy", list(_ignore_params()))
def test_eviction_ignore_pdb(pdb_kw, pods, outcomes, expected_error, policy):
    """TestEvictionIgnorePDB: the decision on each state of the pod, and the client's error.

    ``expected_error`` None: upstream's error there comes from the mock store (a persistent
    conflict or a BadRequest on delete), not from the decision; the decisions are still checked.
    """
    pdb = ev_pdb(policy=policy, **pdb_kw)
    decisions = [evict(p, [pdb]) for p in pods]
    assert [d.outcome for d in decisions] == outcomes
    last = decisions[-1]
    if expected_error is None:
        assert last.allowed
        return
    if last.outcome == "unhealthy-pod" and expected_error:
        # the conditioned delete meets a changed pod (mock store conflict): 429, still being processed
        assert last.resource_version_precondition == pods[-1]["metadata"]["resourceVersion"]
        assert last.on_conflict().describe() == expected_error
        assert last.on_conflict().retry_after_seconds == 10
    else:
        assert last.describe() == expected_error


def test_ignore_pdb_table_size():
    assert len(IGNORE_PDB) == 14 and len(EVICTION) == 7


@pytest.mark.parametrize(
    "case,with_pdb",
    [
        ("just request-options", False),
        ("just eviction-options", False),
        ("both options", False),
        ("with pdbs", True),
    ],
    ids=["just request-options", "just eviction-options", "both options", "with pdbs"],
)
def test_eviction_dry_run(case, with_pdb):
    """TestEvictionDryRun: a dry-run eviction of the (Pending) pod succeeds (where the dry-run
    flag comes from -- request options, eviction options or both -- is request plumbing; the
    decision is the same)."""
    pdbs = [ev_pdb(allowed=1)] if with_pdb else []
    assert evict(ev_pod("foo", "Pending"), pdbs, dry_run=True).allowed


@pytest.mark.parametrize(
    "allowed,expected_allowed,expected_reason",
    [(1, 0, "InsufficientPods"), (3, 2, "SufficientPods")],
    ids=[
        "pdb status is updated after eviction",
        "condition reason is only updated if AllowedDisruptions becomes 0",
    ],
)
def test_eviction_pdb_status(allowed, expected_allowed, expected_reason):
    """TestEvictionPDBStatus: the decrement and the DisruptionAllowed condition."""
    pdb = ev_pdb(allowed=allowed)
    pdb["status"]["conditions"] = [
        {"type": "DisruptionAllowed", "reason": "SufficientPods", "status": "True"}
    ]
    before = copy.deepcopy(pdb)
    decision = evict(ev_pod("foo-1", "Running"), [pdb], now=1_700_000_000.0)
    assert decision.outcome == "budget" and pdb == before
    status = decision.updated_pdb["status"]
    assert status["disruptionsAllowed"] == expected_allowed
    assert status["conditions"][0]["reason"] == expected_reason
    assert status["disruptedPods"] == {"foo-1": "2023-11-14T22:13:20Z"}


# --- our own checks of the handler's other branches ----------------------------------------------


def test_multiple_pdbs_refused_with_500():
    decision = evict(
        ev_pod("p", "Running", ready=True), [ev_pdb(allowed=1), ev_pdb(allowed=1, selector={})]
    )
    assert (decision.allowed, decision.code, decision.reason, decision.message) == (
        False,
        500,
        "",
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    )


def test_generation_negative_and_oversized_map():
    pdb = ev_pdb(allowed=1)
    pdb["metadata"]["generation"] = 2
    pdb["status"]["observedGeneration"] = 1
    d = evict(ev_pod("p", "Running", ready=True), [pdb])
    assert (d.code, d.describe(), d.retry_after_seconds) == (429, STILL_PROCESSING, 10)
    d = evict(ev_pod("p", "Running", ready=True), [ev_pdb(allowed=-1)])
    assert (d.code, d.reason, d.message) == (
        403,
        "Forbidden",
        'poddisruptionbudget.policy "foo" is forbidden: pdb disruptions allowed is negative',
    )
    big = ev_pdb(allowed=1)
    big["status"]["disruptedPods"] = {f"p{i}": 0 for i in range(2001)}
    d = evict(ev_pod("p", "Running", ready=True), [big])
    assert d.message == (
        'poddisruptionbudget.policy "foo" is forbidden: DisruptedPods map too big - too many '
        "evictions not confirmed by PDB controller"
    )
    assert d.error().code == 403


def test_dry_run_does_not_record_the_pod_and_status_feeds_back():
    pdb = new_pdb(min_available=2)
    pdb["spec"]["selector"] = {"matchLabels": {"a": "true"}}
    pods = [ev_pod(f"p{i}", "Running", ready=True) for i in range(3)]
    written = pdb_status(pdb, pods, [], now=100.0).apply(pdb, now=100.0)
    assert written["status"]["disruptionsAllowed"] == 1
    dry = evict(pods[0], [written], now=100.0, dry_run=True)
    assert dry.allowed and "disruptedPods" not in dry.updated_pdb["status"]
    real = evict(pods[0], [written], now=100.0)
    after = real.updated_pdb
    assert after["status"]["disruptedPods"] == {"p0": "1970-01-01T00:01:40Z"}
    # the next sync does not count p0 for 120 s, so no further disruption is allowed
    assert pdb_status(after, pods, [], now=110.0).disruptions_allowed == 0
    assert isinstance(pdb_status(after, pods, [], now=110.0), PDBStatus)
    assert evict(pods[1], [after]).outcome == "too-many-requests"
