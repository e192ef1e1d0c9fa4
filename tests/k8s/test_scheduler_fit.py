"""NodeResourcesFit filter and queueing hints, held to upstream's tables.

Ported from kubernetes/kubernetes
``pkg/scheduler/framework/plugins/noderesources/fit_test.go`` (1.35 development line, the
version with DRA extended resources and pod-level resources):

* ``TestEnoughRequests`` (49 cases) -> ``test_enough_requests``
* ``TestNotEnoughRequests`` (4) -> ``test_not_enough_requests``
* ``TestStorageRequests`` (4) -> ``test_storage_requests``
* ``TestRestartableInitContainers`` (6) -> ``test_restartable_init_containers``
* ``Test_isSchedulableAfterPodChange`` (12) -> ``test_is_schedulable_after_pod_change``
* ``Test_isSchedulableAfterNodeChange`` (9) -> ``test_is_schedulable_after_node_change``
* ``TestIsFit`` (7) -> ``test_is_fit``
* ``TestHaveAnyRequestedResourcesIncreased`` (10) -> ``test_have_any_requested_resources_increased``

``TestFitScore`` is in ``test_scheduler_score.py``. Not ported (framework machinery this
package does not model): ``TestPreFilterDisabled`` (reading a missing CycleState entry),
``TestEventsToRegister`` (cluster-event registration), ``Test_isSchedulableAfterDeviceClassChange``
(DeviceClass informer events), ``TestFitSignPod`` (pod signatures).

Upstream objects are rebuilt as JSON dicts: ``newResourcePod`` gives every container explicit
``cpu`` (millicores), ``memory``, ``pods`` and ``ephemeral-storage`` requests; ``st.MakeNode()
.Capacity(...)`` sets allocatable with ``pods: 32`` unless given. Upstream's DRA manager (with
the DeviceClass ``device-class-name`` mapping ``extended.resource.dra.io/something``) is the
``dra_resources`` set; ``nilDRAManager`` is ``dra_resources=None``.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.scheduler import (
    QUEUE,
    QUEUE_SKIP,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    Features,
    FitArgs,
    InsufficientResource,
    NodeInfo,
    NodeResourcesFit,
    Resource,
    Status,
    have_any_requested_resources_increased,
    is_extended_resource_name,
    is_fit,
    is_scalar_resource_name,
    is_schedulable_after_node_change,
    is_schedulable_after_pod_event,
)
from provisor.k8s.scheduler.fit import fits_request

EXT_A = "example.com/aaa"
EXT_B = "example.com/bbb"
K8S_A = "kubernetes.io/something"
K8S_B = "subdomain.kubernetes.io/something"
HUGE_A = "hugepages-2Mi"
DRA_RES = "extended.resource.dra.io/something"
DRA_CLASSES = frozenset({DRA_RES})

# Upstream's plugin tests construct the plugin with plfeature.Features{} (every gate off)
# unless a case sets one.
OFF = Features(
    pod_level_resources=False,
    in_place_pod_vertical_scaling=False,
    sidecar_containers=False,
    scheduling_queue_hint=False,
    dra_extended_resource=False,
)


def rl(cpu: int = 0, mem: int = 0, eph: int = 0, scalar: dict[str, int] | None = None) -> dict[str, str]:
    """The request list ``newResourcePod`` builds from a ``framework.Resource``."""
    d = {"cpu": f"{cpu}m", "memory": str(mem), "pods": "0", "ephemeral-storage": str(eph)}
    for k, v in (scalar or {}).items():
        d[k] = str(v)
    return d


def pod(*containers: dict[str, str], init: tuple[dict[str, str], ...] = (), overhead: dict[str, str] | None = None,
        pod_level: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if containers:
        spec["containers"] = [{"resources": {"requests": c}} for c in containers]
    if init:
        spec["initContainers"] = [{"resources": {"requests": c}} for c in init]
    if overhead is not None:
        spec["overhead"] = overhead
    if pod_level is not None:
        spec["resources"] = {"requests": pod_level}
    return {"spec": spec}


def node_alloc(cpu: int, mem: int, pods: int, ext_a: int, eph: int, huge: int) -> dict[str, Any]:
    """``makeAllocatableResources(milliCPU, memory, pods, extendedA, storage, hugePageA)``."""
    alloc = {
        "cpu": f"{cpu}m",
        "memory": str(mem),
        "pods": str(pods),
        EXT_A: str(ext_a),
        "ephemeral-storage": str(eph),
        HUGE_A: str(huge),
    }
    return {"metadata": {"name": "node"}, "status": {"capacity": dict(alloc), "allocatable": alloc}}


def make_node(capacity: dict[str, str] | None = None, name: str = "") -> dict[str, Any]:
    """``st.MakeNode().Capacity(...)``: pods default to 32."""
    alloc: dict[str, str] = {}
    if capacity is not None:
        alloc = {"pods": "32", **capacity}
    return {"metadata": {"name": name}, "status": {"capacity": dict(alloc), "allocatable": alloc}}


def st_pod(name: str = "", uid: str = "", req: dict[str, str] | None = None, node: str = "",
           pod_level: dict[str, str] | None = None) -> dict[str, Any]:
    """``st.MakePod().Name().UID().Req().Node().PodLevelResourceRequests()``."""
    p: dict[str, Any] = {"metadata": {}, "spec": {}}
    if name:
        p["metadata"]["name"] = name
    if uid:
        p["metadata"]["uid"] = uid
    if req is not None:
        p["spec"]["containers"] = [{"name": "con0", "resources": {"requests": req}}]
    if node:
        p["spec"]["nodeName"] = node
    if pod_level is not None:
        p["spec"]["resources"] = {"requests": pod_level}
    return p


def I(name: str, req: int, used: int, cap: int, unres: bool = False) -> InsufficientResource:  # noqa: E743
    return InsufficientResource(name, f"Insufficient {name}", req, used, cap, unres)


U = UNSCHEDULABLE
UU = UNSCHEDULABLE_AND_UNRESOLVABLE

# (pod, existing pod on the node (None: empty NodeInfo), options, want status, want insufficient)
# options: ignored / groups / pod_level / dra / nil_dra
ENOUGH = [
    pytest.param(pod(), pod(rl(10, 20)), {}, None, [], id="no resources requested always fits"),
    pytest.param(pod(rl(1, 1)), pod(rl(10, 20)), {}, (U, "Insufficient cpu", "Insufficient memory"),
                 [I("cpu", 1, 10, 10), I("memory", 1, 20, 20)], id="too many resources fails"),
    pytest.param(pod(rl(1, 1), init=(rl(3, 1),)), pod(rl(8, 19)), {}, (U, "Insufficient cpu"),
                 [I("cpu", 3, 8, 10)], id="too many resources fails due to init container cpu"),
    pytest.param(pod(rl(1, 1), init=(rl(3, 1), rl(2, 1))), pod(rl(8, 19)), {}, (U, "Insufficient cpu"),
                 [I("cpu", 3, 8, 10)], id="too many resources fails due to highest init container cpu"),
    pytest.param(pod(rl(1, 1), init=(rl(1, 3),)), pod(rl(9, 19)), {}, (U, "Insufficient memory"),
                 [I("memory", 3, 19, 20)], id="too many resources fails due to init container memory"),
    pytest.param(pod(rl(1, 1), init=(rl(1, 3), rl(1, 2))), pod(rl(9, 19)), {}, (U, "Insufficient memory"),
                 [I("memory", 3, 19, 20)], id="too many resources fails due to highest init container memory"),
    pytest.param(pod(rl(1, 1), init=(rl(1, 1),)), pod(rl(9, 19)), {}, None, [],
                 id="init container fits because it's the max, not sum, of containers and init containers"),
    pytest.param(pod(rl(1, 1), init=(rl(1, 1), rl(1, 1))), pod(rl(9, 19)), {}, None, [],
                 id="multiple init containers fit because it's the max, not sum, of containers and init containers"),
    pytest.param(pod(rl(1, 1)), pod(rl(5, 5)), {}, None, [], id="both resources fit"),
    pytest.param(pod(rl(2, 1)), pod(rl(9, 5)), {}, (U, "Insufficient cpu"), [I("cpu", 2, 9, 10)],
                 id="one resource memory fits"),
    pytest.param(pod(rl(1, 2)), pod(rl(5, 19)), {}, (U, "Insufficient memory"), [I("memory", 2, 19, 20)],
                 id="one resource cpu fits"),
    pytest.param(pod(rl(5, 1)), pod(rl(5, 19)), {}, None, [], id="equal edge case"),
    pytest.param(pod(rl(4, 1), init=(rl(5, 1),)), pod(rl(5, 19)), {}, None, [], id="equal edge case for init container"),
    pytest.param(pod(rl(scalar={EXT_A: 1})), pod(rl()), {}, None, [], id="extended resource fits"),
    pytest.param(pod(rl(), init=(rl(scalar={EXT_A: 1}),)), pod(rl()), {}, None, [],
                 id="extended resource fits for init container"),
    pytest.param(pod(rl(1, 1, scalar={EXT_A: 10})), pod(rl(0, 0, scalar={EXT_A: 0})), {}, (UU, f"Insufficient {EXT_A}"),
                 [I(EXT_A, 10, 0, 5, True)], id="extended resource capacity enforced"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={EXT_A: 10}),)), pod(rl(0, 0, scalar={EXT_A: 0})), {},
                 (UU, f"Insufficient {EXT_A}"), [I(EXT_A, 10, 0, 5, True)],
                 id="extended resource capacity enforced for init container"),
    pytest.param(pod(rl(1, 1, scalar={EXT_A: 1})), pod(rl(0, 0, scalar={EXT_A: 5})), {}, (U, f"Insufficient {EXT_A}"),
                 [I(EXT_A, 1, 5, 5)], id="extended resource allocatable enforced"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={EXT_A: 1}),)), pod(rl(0, 0, scalar={EXT_A: 5})), {},
                 (U, f"Insufficient {EXT_A}"), [I(EXT_A, 1, 5, 5)],
                 id="extended resource allocatable enforced for init container"),
    pytest.param(pod(rl(1, 1, scalar={EXT_A: 3}), rl(1, 1, scalar={EXT_A: 3})), pod(rl(0, 0, scalar={EXT_A: 2})), {},
                 (UU, f"Insufficient {EXT_A}"), [I(EXT_A, 6, 2, 5, True)],
                 id="extended resource allocatable enforced for multiple containers"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={EXT_A: 3}), rl(1, 1, scalar={EXT_A: 3}))),
                 pod(rl(0, 0, scalar={EXT_A: 2})), {}, None, [],
                 id="extended resource allocatable admits multiple init containers"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={EXT_A: 6}), rl(1, 1, scalar={EXT_A: 3}))),
                 pod(rl(0, 0, scalar={EXT_A: 2})), {}, (UU, f"Insufficient {EXT_A}"), [I(EXT_A, 6, 2, 5, True)],
                 id="extended resource allocatable enforced for multiple init containers"),
    pytest.param(pod(rl(1, 1, scalar={EXT_B: 1})), pod(rl()), {}, (UU, f"Insufficient {EXT_B}"),
                 [I(EXT_B, 1, 0, 0, True)], id="extended resource allocatable enforced for unknown resource"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={EXT_B: 1}),)), pod(rl()), {}, (UU, f"Insufficient {EXT_B}"),
                 [I(EXT_B, 1, 0, 0, True)],
                 id="extended resource allocatable enforced for unknown resource for init container"),
    pytest.param(pod(rl(1, 1, scalar={K8S_A: 10})), pod(rl()), {}, (UU, f"Insufficient {K8S_A}"),
                 [I(K8S_A, 10, 0, 0, True)], id="kubernetes.io resource capacity enforced"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={K8S_B: 10}),)), pod(rl()), {}, (UU, f"Insufficient {K8S_B}"),
                 [I(K8S_B, 10, 0, 0, True)], id="kubernetes.io resource capacity enforced for init container"),
    pytest.param(pod(rl(1, 1, scalar={HUGE_A: 10})), pod(rl(0, 0, scalar={HUGE_A: 0})), {}, (UU, f"Insufficient {HUGE_A}"),
                 [I(HUGE_A, 10, 0, 5, True)], id="hugepages resource capacity enforced"),
    pytest.param(pod(rl(), init=(rl(1, 1, scalar={HUGE_A: 10}),)), pod(rl(0, 0, scalar={HUGE_A: 0})), {},
                 (UU, f"Insufficient {HUGE_A}"), [I(HUGE_A, 10, 0, 5, True)],
                 id="hugepages resource capacity enforced for init container"),
    pytest.param(pod(rl(1, 1, scalar={HUGE_A: 3}), rl(1, 1, scalar={HUGE_A: 3})), pod(rl(0, 0, scalar={HUGE_A: 2})), {},
                 (UU, f"Insufficient {HUGE_A}"), [I(HUGE_A, 6, 2, 5, True)],
                 id="hugepages resource allocatable enforced for multiple containers"),
    pytest.param(pod(rl(1, 1, scalar={EXT_B: 1})), pod(rl()), {"ignored": {EXT_B}}, None, [],
                 id="skip checking ignored extended resource"),
    pytest.param(pod(rl(1, 1), overhead={"cpu": "3m", "memory": "13"}), pod(rl(5, 5)), {}, None, [],
                 id="resources + pod overhead fits"),
    pytest.param(pod(rl(1, 1), overhead={"cpu": "1m", "memory": "15"}), pod(rl(5, 5)), {}, (U, "Insufficient memory"),
                 [I("memory", 16, 5, 20)], id="requests + overhead does not fit for memory"),
    pytest.param(pod(rl(1, 1, scalar={EXT_B: 1, K8S_A: 1})), pod(rl()), {"groups": {"example.com"}},
                 (UU, f"Insufficient {K8S_A}"), [I(K8S_A, 1, 0, 0, True)],
                 id="skip checking ignored extended resource via resource groups"),
    pytest.param(pod(rl(1, 1, scalar={EXT_A: 0})), pod(rl(0, 0, scalar={EXT_A: 6})), {}, None, [],
                 id="skip checking extended resource request with quantity zero via resource groups"),
    pytest.param(pod(rl(scalar={EXT_A: 1})), pod(rl(20, 30, scalar={EXT_A: 1})), {"pod_level": True}, None, [],
                 id="skip checking resource request with quantity zero"),
    pytest.param(pod(rl(1, 1), pod_level={"cpu": "1m", "memory": "2"}), pod(rl(5, 5)), {"pod_level": True}, None, [],
                 id="both pod-level and container-level resources fit"),
    pytest.param(pod(rl(1, 1), pod_level={"cpu": "7m", "memory": "2"}), pod(rl(5, 5)), {"pod_level": True},
                 (U, "Insufficient cpu"), [I("cpu", 7, 5, 10)], id="pod-level cpu resource not fit"),
    pytest.param(pod(rl(1, 1), pod_level={"cpu": "3m", "memory": "2"}), pod(rl(5, 19)), {"pod_level": True},
                 (U, "Insufficient memory"), [I("memory", 2, 19, 20)], id="pod-level memory resource not fit"),
    pytest.param(pod(pod_level={"cpu": "3m", "memory": "2", HUGE_A: "5"}), None, {"pod_level": True}, None, [],
                 id="pod-level hugepages resource fit"),
    pytest.param(pod(rl(1, 1, scalar={HUGE_A: 3}), pod_level={"cpu": "3m", "memory": "2", HUGE_A: "5"}), None,
                 {"pod_level": True}, None, [], id="both pod-level and container-level hugepages resource fit"),
    pytest.param(pod(pod_level={"cpu": "3m", "memory": "2", HUGE_A: "10"}), None, {"pod_level": True},
                 (UU, f"Insufficient {HUGE_A}"), [I(HUGE_A, 10, 0, 5, True)], id="pod-level hugepages resource not fit"),
    pytest.param(pod(rl(1, 1), init=(rl(1, 1),), pod_level={"cpu": "3m", "memory": "2"}), pod(rl(5, 19)),
                 {"pod_level": True}, (U, "Insufficient memory"), [I("memory", 2, 19, 20)],
                 id="one pod-level cpu resource fits and all init and non-init containers resources fit"),
    pytest.param(pod(rl(scalar={EXT_A: 1})), pod(rl()), {"dra": True}, None, [],
                 id="extended resource backed by device plugin"),
    pytest.param(pod(rl(1, 1, scalar={DRA_RES: 1})), pod(rl()), {"dra": True}, None, [],
                 id="extended resource backed by DRA"),
    pytest.param(pod(rl(1, 1, scalar={EXT_A: 1})), pod(rl()), {"dra": True, "nil_dra": True}, None, [],
                 id="extended resource backed by DRA, nil draManager"),
    pytest.param(pod(rl(1, 1, scalar={DRA_RES: 1})), pod(rl()), {}, (UU, f"Insufficient {DRA_RES}"),
                 [I(DRA_RES, 1, 0, 0, True)], id="extended resource backed by DRA not enabled"),
    pytest.param(pod(rl(1, 1, scalar={EXT_B: 1})), pod(rl()), {"dra": True}, (UU, f"Insufficient {EXT_B}"),
                 [I(EXT_B, 1, 0, 0, True)], id="extended resource NOT backed by DRA"),
    pytest.param(pod(rl(scalar={DRA_RES: 1})), pod(rl(scalar={DRA_RES: 0})), {"dra": True}, None, [],
                 id="extended resource was backed by Device Plugin (Allocatable: 0)"),
    pytest.param(pod(rl(scalar={EXT_A: 1})), pod(rl(scalar={EXT_A: 0})), {"dra": True}, None, [],
                 id="extended resource was backed by Device Plugin (Allocatable: 0), global cache"),
]


@pytest.mark.parametrize("the_pod, existing, opts, want_status, want_insufficient", ENOUGH)
def test_enough_requests(the_pod, existing, opts, want_status, want_insufficient) -> None:
    """Upstream ``TestEnoughRequests``: node allocatable (10m, 20, 32 pods, 5 aaa, 20, 5 hugepages)."""
    features = Features(
        pod_level_resources=opts.get("pod_level", False),
        in_place_pod_vertical_scaling=False,
        sidecar_containers=False,
        scheduling_queue_hint=False,
        dra_extended_resource=opts.get("dra", False),
    )
    ni = NodeInfo(node_alloc(10, 20, 32, 5, 20, 5), [existing] if existing is not None else [])
    args = FitArgs(ignored_resources=frozenset(opts.get("ignored", ())), ignored_resource_groups=frozenset(opts.get("groups", ())))
    plugin = NodeResourcesFit(args, features, dra_resources=DRA_CLASSES)
    st, req = plugin.pre_filter(the_pod)
    assert st.is_success and req is not None
    want = Status(SUCCESS) if want_status is None else Status(want_status[0], tuple(want_status[1:]))
    assert plugin.filter(req, ni) == want
    got = fits_request(
        req,
        ni,
        ignored_resources=args.ignored_resources,
        ignored_resource_groups=args.ignored_resource_groups,
        dra_extended_resource=features.dra_extended_resource,
        dra_resources=None if opts.get("nil_dra") else DRA_CLASSES,
    )
    assert got == want_insufficient


@pytest.mark.parametrize(
    "the_pod, existing",
    [
        pytest.param(pod(), pod(rl(10, 20)),
                     id="even without specified resources, predicate fails when there's no space for additional pod"),
        pytest.param(pod(rl(1, 1)), pod(rl(5, 5)),
                     id="even if both resources fit, predicate fails when there's no space for additional pod"),
        pytest.param(pod(rl(5, 1)), pod(rl(5, 19)),
                     id="even for equal edge case, predicate fails when there's no space for additional pod"),
        pytest.param(pod(rl(5, 1), init=(rl(5, 1),)), pod(rl(5, 19)),
                     id="even for equal edge case, predicate fails when there's no space for additional pod due to init container"),
    ],
)
def test_not_enough_requests(the_pod, existing) -> None:
    """Upstream ``TestNotEnoughRequests``: allocatable (10m, 20, 1 pod, 0, 0, 0)."""
    ni = NodeInfo(node_alloc(10, 20, 1, 0, 0, 0), [existing])
    assert NodeResourcesFit(features=OFF).filter_pod(the_pod, ni) == Status(UNSCHEDULABLE, ("Too many pods",))


@pytest.mark.parametrize(
    "the_pod, existing, want",
    [
        pytest.param(pod(rl(1, 1)), pod(rl(2, 10)), None, id="empty storage requested, and pod fits"),
        pytest.param(pod(rl(eph=25)), pod(rl(2, 2)), (UU, "Insufficient ephemeral-storage"),
                     id="storage ephemeral local storage request exceeds allocatable"),
        pytest.param(pod(rl(eph=5)), pod(rl(2, 2, eph=10)), None, id="ephemeral local storage is sufficient"),
        pytest.param(pod(rl(eph=10)), pod(rl(2, 2)), None, id="pod fits"),
    ],
)
def test_storage_requests(the_pod, existing, want) -> None:
    """Upstream ``TestStorageRequests``: allocatable (10m, 20, 32, 5, 20, 5)."""
    ni = NodeInfo(node_alloc(10, 20, 32, 5, 20, 5), [existing])
    expected = Status(SUCCESS) if want is None else Status(want[0], want[1:])
    assert NodeResourcesFit(features=OFF).filter_pod(the_pod, ni) == expected


def _pod_with_sidecar(request: dict[str, str] | None, sidecar: dict[str, str] | None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "regular"}
    if request is not None:
        c["resources"] = {"requests": request}
    s: dict[str, Any] = {"name": "restartable-init", "restartPolicy": "Always"}
    if sidecar is not None:
        s["resources"] = {"requests": sidecar}
    return {"spec": {"containers": [c], "initContainers": [s]}}


_PLAIN = {"spec": {"containers": [{"name": "regular"}]}}
_SIDECAR_MSG = "Pod has a restartable init container and the SidecarContainers feature is disabled"


@pytest.mark.parametrize(
    "the_pod, sidecars_on, want_pre, want_filter",
    [
        pytest.param(_PLAIN, False, None, None,
                     id="allow pod without restartable init containers if sidecar containers is disabled"),
        pytest.param(_pod_with_sidecar(None, None), False, (UU, _SIDECAR_MSG), None,
                     id="not allow pod with restartable init containers if sidecar containers is disabled"),
        pytest.param(_PLAIN, True, None, None,
                     id="allow pod without restartable init containers if sidecar containers is enabled"),
        pytest.param(_pod_with_sidecar(None, None), True, None, None,
                     id="allow pod with restartable init containers if sidecar containers is enabled"),
        pytest.param(_pod_with_sidecar({"cpu": "1m"}, {"cpu": "1m"}), True, None, None,
                     id="allow pod if the total requested resources do not exceed the node's allocatable resources"),
        pytest.param(_pod_with_sidecar({"cpu": "1m"}, {"cpu": "2m"}), True, None, (UU, "Insufficient cpu"),
                     id="not allow pod if the total requested resources do exceed the node's allocatable resources"),
    ],
)
def test_restartable_init_containers(the_pod, sidecars_on, want_pre, want_filter) -> None:
    """Upstream ``TestRestartableInitContainers``: allocatable (2m, 0, 1 pod, 0, 0, 0), empty node."""
    ni = NodeInfo(node_alloc(2, 0, 1, 0, 0, 0))
    plugin = NodeResourcesFit(features=Features(
        pod_level_resources=False, in_place_pod_vertical_scaling=False, sidecar_containers=sidecars_on))
    st, req = plugin.pre_filter(the_pod)
    assert st == (Status(SUCCESS) if want_pre is None else Status(want_pre[0], want_pre[1:]))
    if not st.is_success:
        assert req is None
        return
    assert req is not None
    assert plugin.filter(req, ni) == (Status(SUCCESS) if want_filter is None else Status(want_filter[0], want_filter[1:]))


CPU = {"cpu": "1"}
POD_CHANGE = [
    pytest.param({}, "not-a-pod", None, True, "error", id="backoff-wrong-old-object"),
    pytest.param({}, None, "not-a-pod", True, "error", id="backoff-wrong-new-object"),
    pytest.param(st_pod("pod1", req=CPU), st_pod("pod2", req=CPU, node="fake"), None, True, QUEUE,
                 id="queue-on-other-pod-deleted"),
    pytest.param({}, {}, None, True, QUEUE_SKIP, id="skip-queue-on-unscheduled-pod-deleted"),
    pytest.param(st_pod("pod1", req=CPU), st_pod("pod2", req={"cpu": "2"}, node="fake"), st_pod("pod2", req=CPU, node="fake"),
                 False, QUEUE_SKIP, id="skip-queue-on-disable-inplace-pod-vertical-scaling"),
    pytest.param(st_pod("pod1", "uid0", CPU), st_pod("pod2", "uid1", {"cpu": "2"}), st_pod("pod2", "uid1", CPU), True,
                 QUEUE_SKIP, id="skip-queue-on-other-unscheduled-pod"),
    pytest.param(st_pod("pod1", "pod1", CPU), st_pod("pod2", "pod2", {"memory": "2"}, node="fake"),
                 st_pod("pod2", "pod2", {"memory": "1"}, node="fake"), True, QUEUE_SKIP,
                 id="skip-queue-on-other-pod-unrelated-resource-scaled-down"),
    pytest.param(st_pod("pod1", "pod1", pod_level=CPU), st_pod("pod2", "pod2", node="fake", pod_level={"memory": "2"}),
                 st_pod("pod2", "pod2", node="fake", pod_level={"memory": "1"}), True, QUEUE_SKIP,
                 id="skip-queue-on-other-pod-unrelated-pod-level-resource-scaled-down"),
    pytest.param(st_pod("pod1", "pod1", CPU), st_pod("pod2", "pod2", {"cpu": "2"}, node="fake"),
                 st_pod("pod2", "pod2", CPU, node="fake"), True, QUEUE, id="queue-on-other-pod-some-resource-scale-down"),
    pytest.param(st_pod("pod1", "pod1", pod_level=CPU), st_pod("pod2", "pod2", node="fake", pod_level={"cpu": "2"}),
                 st_pod("pod2", "pod2", node="fake", pod_level=CPU), True, QUEUE,
                 id="queue-on-other-pod-some-pod-level-resource-scale-down"),
    pytest.param(st_pod("pod1", "pod1", CPU), st_pod("pod1", "pod1", {"cpu": "2"}), st_pod("pod1", "pod1", CPU), True, QUEUE,
                 id="queue-on-target-pod-some-resource-scale-down"),
    pytest.param(st_pod("pod1", "pod1", pod_level=CPU), st_pod("pod1", "pod1", pod_level={"cpu": "2"}),
                 st_pod("pod1", "pod1", pod_level=CPU), True, QUEUE,
                 id="queue-on-target-pod-some-pod-level-resource-scale-down"),
]


@pytest.mark.parametrize("the_pod, old, new, in_place, want", POD_CHANGE)
def test_is_schedulable_after_pod_change(the_pod, old, new, in_place, want) -> None:
    """Upstream ``Test_isSchedulableAfterPodChange`` (``isSchedulableAfterPodEvent``)."""
    features = Features(pod_level_resources=False, in_place_pod_vertical_scaling=in_place, sidecar_containers=False)
    if want == "error":
        with pytest.raises(TypeError):
            is_schedulable_after_pod_event(the_pod, old, new, features=features)
        return
    assert is_schedulable_after_pod_event(the_pod, old, new, features=features) == want


MEM2_A1 = pod(rl(mem=2, scalar={EXT_A: 1}))
NODE_CHANGE = [
    pytest.param({}, None, "not-a-node", "error", id="backoff-wrong-new-object"),
    pytest.param({}, "not-a-node", make_node(), "error", id="backoff-wrong-old-object"),
    pytest.param(pod(rl(mem=2)), None, make_node({"memory": "1"}), QUEUE_SKIP,
                 id="skip-queue-on-node-add-without-sufficient-resources"),
    pytest.param(pod(rl(scalar={EXT_A: 1})), None, make_node({EXT_B: "1"}), QUEUE_SKIP,
                 id="skip-queue-on-node-add-without-required-resource-type"),
    pytest.param(MEM2_A1, None, make_node({"memory": "4", EXT_A: "2"}), QUEUE, id="queue-on-node-add-with-sufficient-resources"),
    pytest.param(MEM2_A1, make_node({"memory": "2", EXT_A: "2"}), make_node({"memory": "2", EXT_A: "1", EXT_B: "2"}),
                 QUEUE_SKIP, id="skip-queue-on-node-unrelated-changes"),
    pytest.param(MEM2_A1, make_node({"memory": "2", EXT_A: "1"}), make_node({"memory": "2", EXT_A: "2"}), QUEUE,
                 id="queue-on-pod-requested-resources-increase"),
    pytest.param(MEM2_A1, make_node({"memory": "4", EXT_A: "2"}), make_node({"memory": "1", EXT_A: "2"}), QUEUE_SKIP,
                 id="skip-queue-on-node-changes-from-suitable-to-unsuitable"),
    pytest.param(MEM2_A1, make_node({"memory": "1", EXT_A: "2"}), make_node({"memory": "4", EXT_A: "2"}), QUEUE,
                 id="queue-on-node-changes-from-unsuitable-to-suitable"),
]


@pytest.mark.parametrize("the_pod, old, new, want", NODE_CHANGE)
def test_is_schedulable_after_node_change(the_pod, old, new, want) -> None:
    """Upstream ``Test_isSchedulableAfterNodeChange`` (plugin built with ``Features{}``)."""
    if want == "error":
        with pytest.raises(TypeError):
            is_schedulable_after_node_change(the_pod, old, new, features=OFF)
        return
    assert is_schedulable_after_node_change(the_pod, old, new, features=OFF) == want


def _lvl(req: dict[str, str]) -> dict[str, Any]:
    return {"spec": {"resources": {"requests": req}}}


@pytest.mark.parametrize(
    "the_pod, node, pod_level, want",
    [
        pytest.param({}, None, False, False, id="nil node"),
        pytest.param(st_pod(req={"cpu": "2"}), make_node({"cpu": "1"}), False, False, id="insufficient resource"),
        pytest.param(st_pod(req={"cpu": "1"}), make_node({"cpu": "2"}), False, True, id="sufficient resource"),
        pytest.param(_lvl({"cpu": "2"}), make_node({"cpu": "1"}), True, False, id="insufficient pod-level resource"),
        pytest.param(_lvl({"cpu": "2"}), make_node({"cpu": "2"}), True, True, id="sufficient pod-level resource"),
        pytest.param(_lvl({HUGE_A: "2Mi"}), make_node({HUGE_A: "2Mi"}), True, True, id="sufficient pod-level resource hugepages"),
        pytest.param(_lvl({HUGE_A: "4Mi"}), make_node({HUGE_A: "2Mi"}), True, False, id="insufficient pod-level resource hugepages"),
    ],
)
def test_is_fit(the_pod, node, pod_level, want) -> None:
    """Upstream ``TestIsFit``."""
    features = Features(pod_level_resources=pod_level, in_place_pod_vertical_scaling=False)
    assert is_fit(the_pod, node, features=features) is want


def _caps(**kw: str) -> dict[str, Any]:
    names = {"pods": "pods", "cpu": "cpu", "memory": "memory", "eph": "ephemeral-storage", "a": EXT_A}
    return make_node({names[k]: v for k, v in kw.items()})


_FULL = pod(rl(2, 2, 2, scalar={EXT_A: 2}))
INCREASED = [
    pytest.param(pod(rl()), _caps(pods="1", cpu="1", memory="1", eph="1", a="1"),
                 _caps(pods="1", cpu="2", memory="2", eph="2", a="2"), False, False, id="no-requested-resources"),
    pytest.param(pod(rl()), _caps(pods="1", cpu="1", memory="1", eph="1", a="1"),
                 _caps(pods="2", cpu="1", memory="1", eph="1", a="1"), False, True, id="no-requested-resources-pods-increased"),
    pytest.param(_FULL, _caps(cpu="1", memory="2", eph="3", a="4"), _caps(cpu="1", memory="2", eph="1", a="1"), True, False,
                 id="requested-resources-dra-in-node"),
    pytest.param(_FULL, _caps(cpu="1", memory="2", eph="3"), _caps(cpu="1", memory="2", eph="1"), True, True,
                 id="requested-resources-dra-not-in-node"),
    pytest.param(pod(rl(scalar={EXT_A: 1})), _caps(a="0"), _caps(a="0"), True, True, id="requested-resources-dra-zero-capacity"),
    pytest.param(_FULL, _caps(cpu="1", memory="2", eph="3"), _caps(cpu="1", memory="2", eph="1"), False, False,
                 id="scalar-resources-not-in-node"),
    pytest.param(_FULL, _caps(cpu="1", memory="2", eph="3", a="4"), _caps(cpu="1", memory="2", eph="1", a="1"), False, False,
                 id="requested-resources-decreased"),
    pytest.param(_FULL, _caps(cpu="1", memory="2", eph="3", a="4"), _caps(cpu="3", memory="4", eph="3", a="4"), False, True,
                 id="requested-resources-increased"),
    pytest.param(pod(rl(2, 2)), _caps(cpu="1", memory="2", eph="3", a="4"), _caps(cpu="1", memory="2", eph="1", a="1"), False,
                 False, id="non-requested-resources-decreased"),
    pytest.param(pod(rl(2, 2)), _caps(cpu="1", memory="2", eph="3", a="4"), _caps(cpu="1", memory="2", eph="5", a="6"), False,
                 False, id="non-requested-resources-increased"),
]


@pytest.mark.parametrize("the_pod, original, modified, dra, want", INCREASED)
def test_have_any_requested_resources_increased(the_pod, original, modified, dra, want) -> None:
    """Upstream ``TestHaveAnyRequestedResourcesIncreased`` (DRA manager nil, as upstream passes)."""
    features = Features(pod_level_resources=False, in_place_pod_vertical_scaling=False, dra_extended_resource=dra)
    assert have_any_requested_resources_increased(the_pod, original, modified, features=features, dra_resources=None) is want


# --- own checks of the building blocks -----------------------------------------------------------


@pytest.mark.parametrize(
    "name, extended, scalar",
    [
        ("nvidia.com/gpu", True, True),
        ("example.com/aaa", True, True),
        ("kubernetes.io/something", False, True),
        ("subdomain.kubernetes.io/something", False, True),
        ("hugepages-2Mi", False, True),
        ("attachable-volumes-csi-x", False, True),
        ("cpu", False, False),
        ("pods", False, False),
        ("requests.example.com/aaa", False, False),
        ("Example.com/aaa", False, False),
    ],
)
def test_resource_name_classes(name: str, extended: bool, scalar: bool) -> None:
    """v1helper.IsExtendedResourceName / schedutil.IsScalarResourceName on typical names."""
    assert is_extended_resource_name(name) is extended
    assert is_scalar_resource_name(name) is scalar


def test_node_info_add_remove_keeps_totals() -> None:
    """AddPod / RemovePod keep requested and non-zero totals; a container without requests
    counts 100m / 200Mi in the non-zero totals only."""
    ni = NodeInfo(make_node({"cpu": "4", "memory": "8Gi"}, "n"))
    a = {"metadata": {"uid": "a"}, "spec": {"containers": [{"resources": {"requests": {"cpu": "500m", "memory": "1Gi", EXT_A: "1"}}}]}}
    b = {"metadata": {"uid": "b"}, "spec": {"containers": [{"name": "x"}]}}
    ni.add_pod(a)
    ni.add_pod(b)
    assert ni.requested == Resource(500, 1 << 30, 0, 0, {EXT_A: 1})
    assert (ni.non_zero_requested.milli_cpu, ni.non_zero_requested.memory) == (600, (1 << 30) + 200 * 1024 * 1024)
    snap = ni.snapshot()
    ni.remove_pod(a)
    assert ni.requested == Resource(0, 0, 0, 0, {EXT_A: 0})
    assert (ni.non_zero_requested.milli_cpu, ni.non_zero_requested.memory) == (100, 200 * 1024 * 1024)
    assert ni.num_pods == 1 and snap.num_pods == 2 and snap.requested.milli_cpu == 500
    with pytest.raises(KeyError):
        ni.remove_pod(a)
