"""NodeResourcesFit scores and BalancedAllocation, held to upstream's tables.

Ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/noderesources/``:

* ``fit_test.go`` ``TestFitScore`` (11 cases; 9 ported) -> ``test_fit_score``. Not ported:
  "test case for ScoringStrategy LeastAllocated with Extended resources" and its "if PreScore is
  not called" twin -- they count devices of DRA ResourceSlices, which this package does not
  model.
* ``least_allocated_test.go`` ``TestLeastAllocatedScoringStrategy`` (16, commit 8519d339) ->
  ``test_least_allocated``
* ``most_allocated_test.go`` ``TestMostAllocatedScoringStrategy`` (14, commit 072825f9) ->
  ``test_most_allocated``
* ``balanced_allocation_test.go`` ``TestNodeResourcesBalancedAllocation`` (8, the 1.33-1.35
  table: best-effort pods skipped, score ``(1 - std) * 100``) -> ``test_balanced_allocation``.
  Kubernetes 1.36 (PR #135573) changed the formula to weigh the change of balance; that table
  is not ported because that formula is not implemented here.

Quantities are written as upstream's test helpers produce them: ``st.MakeNode().Capacity``
(whole cores, ``pods: 32`` added), ``makeNode(name, milliCPU, memory, extended)``
(millicores), ``st.MakePod().Req(...)`` (one container per ``Req``).
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.scheduler import (
    LEAST_ALLOCATED,
    MOST_ALLOCATED,
    REQUESTED_TO_CAPACITY_RATIO,
    ArgsError,
    BalancedAllocation,
    Features,
    FitArgs,
    NodeInfo,
    NodeResourcesFit,
    ResourceSpec,
    ScoreError,
    ScoringStrategy,
    UtilizationShapePoint,
)

EXT = "abc.com/xyz"
DEFAULT_RES = (ResourceSpec("cpu", 1), ResourceSpec("memory", 1))
EXT_SET = (ResourceSpec("cpu", 1), ResourceSpec("memory", 1), ResourceSpec(EXT, 1))
OFF = Features(pod_level_resources=False, in_place_pod_vertical_scaling=False, sidecar_containers=False)


def st_node(name: str, capacity: dict[str, str] | None = None) -> dict[str, Any]:
    alloc = {} if capacity is None else {"pods": "32", **capacity}
    return {"metadata": {"name": name}, "status": {"capacity": dict(alloc), "allocatable": alloc}}


def make_node(name: str, milli_cpu: int, memory: int, extended: dict[str, int] | None = None) -> dict[str, Any]:
    """``makeNode`` of noderesources' test_util.go."""
    alloc = {k: str(v) for k, v in (extended or {}).items()}
    alloc["cpu"] = f"{milli_cpu}m"
    alloc["memory"] = str(memory)
    return {"metadata": {"name": name}, "status": {"capacity": dict(alloc), "allocatable": alloc}}


def st_pod(*reqs: dict[str, str], node: str = "", containers: int = 0, sidecar: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    cs = [{"name": f"con{i}", "resources": {"requests": r}} for i, r in enumerate(reqs)]
    cs += [{"name": "container"} for _ in range(containers)]
    if cs:
        spec["containers"] = cs
    if sidecar is not None:
        spec["initContainers"] = [{"name": "sidecar", "restartPolicy": "Always", "resources": {"requests": sidecar}}]
    if node:
        spec["nodeName"] = node
    return {"metadata": {}, "spec": spec}


def node_infos(nodes: list[dict[str, Any]], pods: list[dict[str, Any]]) -> list[NodeInfo]:
    """``cache.NewSnapshot(pods, nodes)``: pods go to the node named by ``spec.nodeName``."""
    by_name = {n["metadata"]["name"]: NodeInfo(n) for n in nodes}
    for p in pods:
        ni = by_name.get((p.get("spec") or {}).get("nodeName") or "")
        if ni is not None:
            ni.add_pod(p)
    return [by_name[n["metadata"]["name"]] for n in nodes]


def C(cpu: str, mem: str) -> dict[str, str]:
    return {"cpu": cpu, "memory": mem}


N46 = [st_node("node1", C("4000", "10000")), st_node("node2", C("6000", "10000"))]
EXISTING = [st_pod(C("2000", "4000"), node="node1"), st_pod(C("1000", "2000"), node="node2")]
RTCR_DOWN = (UtilizationShapePoint(0, 10), UtilizationShapePoint(100, 0))
RTCR_UP = (UtilizationShapePoint(0, 0), UtilizationShapePoint(100, 10))
SIDECAR_PODS = [st_pod(C("1000", "2000"), node="node1", sidecar=C("1000", "2000")), st_pod(C("1000", "2000"), node="node2")]
N44 = [st_node("node1", C("4000", "10000")), st_node("node2", C("4000", "10000"))]

FIT_SCORE = [
    pytest.param(st_pod(C("3000", "5000")), N46, EXISTING, ScoringStrategy(REQUESTED_TO_CAPACITY_RATIO, DEFAULT_RES, RTCR_DOWN),
                 [10, 32], True, id="test case for ScoringStrategy RequestedToCapacityRatio case1"),
    pytest.param(st_pod(C("3000", "5000")), N46, EXISTING, ScoringStrategy(REQUESTED_TO_CAPACITY_RATIO, DEFAULT_RES, RTCR_UP),
                 [95, 68], True, id="test case for ScoringStrategy RequestedToCapacityRatio case2"),
    pytest.param(st_pod(C("1000", "2000")), N46, EXISTING, ScoringStrategy(MOST_ALLOCATED, DEFAULT_RES), [67, 36], True,
                 id="test case for ScoringStrategy MostAllocated"),
    pytest.param(st_pod(C("1000", "2000")), N46, EXISTING, ScoringStrategy(LEAST_ALLOCATED, DEFAULT_RES), [32, 63], True,
                 id="test case for ScoringStrategy LeastAllocated"),
    pytest.param(st_pod(C("3000", "5000")), N46, EXISTING, ScoringStrategy(REQUESTED_TO_CAPACITY_RATIO, DEFAULT_RES, RTCR_DOWN),
                 [10, 32], False, id="test case for ScoringStrategy RequestedToCapacityRatio case1 if PreScore is not called"),
    pytest.param(st_pod(C("1000", "2000")), N46, EXISTING, ScoringStrategy(MOST_ALLOCATED, DEFAULT_RES), [67, 36], False,
                 id="test case for ScoringStrategy MostAllocated if PreScore is not called"),
    pytest.param(st_pod(C("1000", "2000")), N46, EXISTING, ScoringStrategy(LEAST_ALLOCATED, DEFAULT_RES), [32, 63], False,
                 id="test case for ScoringStrategy LeastAllocated if PreScore is not called"),
    pytest.param(st_pod(C("1000", "2000")), N44, SIDECAR_PODS, ScoringStrategy(MOST_ALLOCATED, DEFAULT_RES), [67, 45], True,
                 id="test case for ScoringStrategy MostAllocated with sidecar container"),
    pytest.param(st_pod(C("1000", "2000")), N44, SIDECAR_PODS, ScoringStrategy(LEAST_ALLOCATED, DEFAULT_RES), [32, 55], True,
                 id="test case for ScoringStrategy LeastAllocated with sidecar container"),
]


@pytest.mark.parametrize("the_pod, nodes, pods, strategy, want, pre_score", FIT_SCORE)
def test_fit_score(the_pod, nodes, pods, strategy, want, pre_score) -> None:
    """Upstream ``TestFitScore``."""
    plugin = NodeResourcesFit(FitArgs(scoring_strategy=strategy), OFF)
    infos = node_infos(nodes, pods)
    if pre_score:
        reqs = plugin.pre_score(the_pod)
        got = [plugin.score(reqs, ni) for ni in infos]
    else:
        got = [plugin.scorer.score_pod(the_pod, ni) for ni in infos]
    assert got == want


TWO_REQ = (C("1000", "2000"), C("2000", "3000"))


def _run_strategy(kind: str, the_pod, nodes, pods, resources, want, want_errs) -> None:
    strategy = ScoringStrategy(kind, tuple(resources) if resources is not None else ())
    if want_errs:
        with pytest.raises(ArgsError) as ei:
            NodeResourcesFit(FitArgs(scoring_strategy=strategy), OFF)
        assert [(t, f) for t, f, _ in ei.value.errors] == want_errs
        return
    plugin = NodeResourcesFit(FitArgs(scoring_strategy=strategy), OFF)
    reqs = plugin.pre_score(the_pod)
    infos = node_infos(nodes, pods)
    if want == "error":
        for ni in infos:
            with pytest.raises(ScoreError, match="resources not found"):
                plugin.score(reqs, ni)
        return
    assert [plugin.score(reqs, ni) for ni in infos] == want


N10_20 = [st_node("node1", C("10000", "20000")), st_node("node2", C("10000", "20000"))]
LEAST = [
    pytest.param(st_pod(), N44, [], DEFAULT_RES, [100, 100], None, id="nothing scheduled, nothing requested"),
    pytest.param(st_pod(*TWO_REQ), N46, [], DEFAULT_RES, [37, 50], None,
                 id="nothing scheduled, resources requested, differently sized nodes"),
    pytest.param(st_pod(*TWO_REQ), N46, [], None, "error", None, id="Resources not set, pods scheduled with error"),
    pytest.param(st_pod(), N44, [st_pod(node="node1"), st_pod(node="node1"), st_pod(node="node2"), st_pod(node="node2")],
                 DEFAULT_RES, [100, 100], None, id="no resources requested, pods scheduled"),
    pytest.param(st_pod(), N10_20, [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "0"), node="node1"),
                                    st_pod(C("3000", "0"), node="node2"), st_pod(C("3000", "5000"), node="node2")],
                 DEFAULT_RES, [70, 57], None, id="no resources requested, pods scheduled with resources"),
    pytest.param(st_pod(*TWO_REQ), N10_20, [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "5000"), node="node2")],
                 DEFAULT_RES, [57, 45], None, id="resources requested, pods scheduled with resources"),
    pytest.param(st_pod(*TWO_REQ), [st_node("node1", C("10000", "20000")), st_node("node2", C("10000", "50000"))],
                 [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "5000"), node="node2")], DEFAULT_RES, [57, 60], None,
                 id="resources requested, pods scheduled with resources, differently sized nodes"),
    pytest.param(st_pod(C("3000", "0")), N44, [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "5000"), node="node2")],
                 DEFAULT_RES, [50, 25], None, id="requested resources exceed node capacity"),
    pytest.param(st_pod(), [st_node("node1"), st_node("node2")],
                 [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "5000"), node="node2")], DEFAULT_RES, [0, 0], None,
                 id="zero node resources, pods scheduled with resources"),
    pytest.param(st_pod(*TWO_REQ, node="node1"), N46, [], (ResourceSpec("memory", 2), ResourceSpec("cpu", 1)), [41, 50], None,
                 id="nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes"),
    pytest.param(st_pod(*TWO_REQ, node="node1"), N44[:1], [], (ResourceSpec("memory", -1), ResourceSpec("cpu", 1)), None,
                 [("Invalid", "scoringStrategy.resources[0].weight")], id="resource with negative weight"),
    pytest.param(st_pod(*TWO_REQ, node="node1"), N44[:1], [], (ResourceSpec("memory", 1), ResourceSpec("cpu", 0)), None,
                 [("Invalid", "scoringStrategy.resources[1].weight")], id="resource with zero weight"),
    pytest.param(st_pod(*TWO_REQ, node="node1"), N44[:1], [], (ResourceSpec("memory", 1), ResourceSpec("cpu", 101)), None,
                 [("Invalid", "scoringStrategy.resources[1].weight")], id="resource weight larger than MaxNodeScore"),
    pytest.param(st_pod(*TWO_REQ, node="node1"), [st_node("node1", C("6000", "10000")), st_node("node2", {**C("6000", "10000"), EXT: "4"})],
                 [], EXT_SET, [50, 50], None, id="bypass extended resource if the pod does not request"),
    pytest.param(st_pod({**C("3000", "5000"), EXT: "2"}, node="node1"),
                 [st_node("node1", {**C("6000", "10000"), EXT: "4"}), st_node("node2", {**C("6000", "10000"), EXT: "10"})],
                 [], EXT_SET, [50, 60], None, id="honor extended resource if the pod requests"),
    pytest.param(st_pod(C("3000", "4000"), node="node1"), [st_node("node1", C("6000", "10000")), st_node("node2", {**C("6000", "10000"), EXT: "4"})],
                 [], (ResourceSpec(EXT, 2), ResourceSpec("cpu", 1), ResourceSpec("memory", 1)), [55, 55], None,
                 id="if the node doesn't have a resource"),
]


@pytest.mark.parametrize("the_pod, nodes, pods, resources, want, want_errs", LEAST)
def test_least_allocated(the_pod, nodes, pods, resources, want, want_errs) -> None:
    """Upstream ``TestLeastAllocatedScoringStrategy``."""
    _run_strategy(LEAST_ALLOCATED, the_pod, nodes, pods, resources, want, want_errs)


N250 = [st_node("node1", C("250m", "1000Mi")), st_node("node2", C("250m", "1000Mi"))]
MOST = [
    pytest.param(st_pod(), N44, [], DEFAULT_RES, [0, 0], None, id="nothing scheduled, nothing requested"),
    pytest.param(st_pod(*TWO_REQ), N46, [], DEFAULT_RES, [62, 50], None,
                 id="nothing scheduled, resources requested, differently sized nodes"),
    pytest.param(st_pod(*TWO_REQ), N46, [], None, "error", None, id="Resources not set, pods scheduled with error"),
    pytest.param(st_pod(), N10_20, [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "0"), node="node1"),
                                    st_pod(C("3000", "0"), node="node2"), st_pod(C("3000", "5000"), node="node2")],
                 DEFAULT_RES, [30, 42], None, id="no resources requested, pods scheduled with resources"),
    pytest.param(st_pod(*TWO_REQ), N10_20, [st_pod(C("3000", "0"), node="node1"), st_pod(C("3000", "5000"), node="node2")],
                 DEFAULT_RES, [42, 55], None, id="resources requested, pods scheduled with resources"),
    pytest.param(st_pod(C("2000", "4000"), C("3000", "5000")),
                 [st_node("node1", C("5000", "10000")), st_node("node2", C("10000", "9000"))], [], DEFAULT_RES, [95, 75], None,
                 id="resources requested equal node capacity"),
    pytest.param(st_pod(*TWO_REQ), N46, [], (ResourceSpec("memory", 2), ResourceSpec("cpu", 1)), [58, 50], None,
                 id="nothing scheduled, resources requested, differently sized nodes"),
    pytest.param(st_pod(containers=1), N250, [st_pod(node="node1", containers=1), st_pod(node="node1", containers=1)],
                 DEFAULT_RES, [80, 30], None, id="no resources requested, pods scheduled, nonzero request for resource"),
    pytest.param(st_pod(*TWO_REQ), [st_node("node2", C("4000", "10000"))], [], (ResourceSpec("memory", -1), ResourceSpec("cpu", 1)),
                 None, [("Invalid", "scoringStrategy.resources[0].weight")], id="resource with negative weight"),
    pytest.param(st_pod(*TWO_REQ), [st_node("node2", C("4000", "10000"))], [], (ResourceSpec("memory", 1), ResourceSpec("cpu", 0)),
                 None, [("Invalid", "scoringStrategy.resources[1].weight")], id="resource with zero weight"),
    pytest.param(st_pod(*TWO_REQ), [st_node("node2", C("4000", "10000"))], [], (ResourceSpec("memory", 101),), None,
                 [("Invalid", "scoringStrategy.resources[0].weight")], id="resource weight larger than MaxNodeScore"),
    pytest.param(st_pod(*TWO_REQ), [st_node("node1", C("6000", "10000")), st_node("node2", {**C("6000", "10000"), EXT: "4"})],
                 [], EXT_SET, [50, 50], None, id="bypass extended resource if the pod does not request"),
    pytest.param(st_pod({**C("3000", "5000"), EXT: "2"}, node="node1"),
                 [st_node("node1", {**C("6000", "10000"), EXT: "4"}), st_node("node2", {**C("6000", "10000"), EXT: "10"})],
                 [], EXT_SET, [50, 40], None, id="honor extended resource if the pod request"),
    pytest.param(st_pod(C("3000", "4000"), node="node1"), [st_node("node1", C("6000", "10000")), st_node("node2", {**C("6000", "10000"), EXT: "4"})],
                 [], (ResourceSpec(EXT, 2), ResourceSpec("cpu", 1), ResourceSpec("memory", 1)), [45, 45], None,
                 id="if the node doesn't have a resource"),
]


@pytest.mark.parametrize("the_pod, nodes, pods, resources, want, want_errs", MOST)
def test_most_allocated(the_pod, nodes, pods, resources, want, want_errs) -> None:
    """Upstream ``TestMostAllocatedScoringStrategy``."""
    _run_strategy(MOST_ALLOCATED, the_pod, nodes, pods, resources, want, want_errs)


def _spec_pod(node: str, *reqs: dict[str, str]) -> dict[str, Any]:
    return {"spec": {"nodeName": node, "containers": [{"resources": {"requests": r}} for r in reqs]}}


CPU_ONLY = _spec_pod("node1", C("1000m", "0"), C("2000m", "0"))
CPU_AND_MEMORY = _spec_pod("node2", C("1000m", "2000"), C("2000m", "3000"))
CPU_MEM_GPU = _spec_pod("node1", C("1000m", "2000"), {**C("2000m", "3000"), "nvidia.com/gpu": "3"})
GPU8 = {"nvidia.com/gpu": 8}
GPU_RES = (ResourceSpec("cpu", 1), ResourceSpec("memory", 1), ResourceSpec("nvidia.com/gpu", 1))

BALANCED = [
    pytest.param(st_pod(), [make_node("node1", 4000, 10000), make_node("node2", 4000, 10000)], [], DEFAULT_RES, None, True,
                 id="nothing scheduled, nothing requested, skip in PreScore"),
    pytest.param(CPU_AND_MEMORY, [make_node("node1", 4000, 10000), make_node("node2", 6000, 10000)], [], DEFAULT_RES, [87, 100],
                 True, id="nothing scheduled, resources requested, differently sized nodes"),
    pytest.param(CPU_AND_MEMORY, [make_node("node1", 10000, 20000), make_node("node2", 10000, 20000)], [CPU_ONLY, CPU_AND_MEMORY],
                 DEFAULT_RES, [82, 95], True, id="resources requested, pods scheduled with resources"),
    pytest.param(CPU_AND_MEMORY, [make_node("node1", 10000, 20000), make_node("node2", 10000, 50000)], [CPU_ONLY, CPU_AND_MEMORY],
                 DEFAULT_RES, [82, 80], True, id="resources requested, pods scheduled with resources, differently sized nodes"),
    pytest.param(CPU_ONLY, [make_node("node1", 6000, 10000), make_node("node2", 6000, 10000)], [CPU_ONLY, CPU_AND_MEMORY],
                 DEFAULT_RES, [50, 75], True, id="requested resources at node capacity"),
    pytest.param(st_pod({"memory": "0", "nvidia.com/gpu": "1"}), [make_node("node1", 3500, 40000, GPU8), make_node("node2", 3500, 40000, GPU8)],
                 [CPU_AND_MEMORY, CPU_MEM_GPU], GPU_RES, [70, 65], True,
                 id="include scalar resource on a node for balanced resource allocation"),
    pytest.param(CPU_AND_MEMORY, [make_node("node1", 3500, 40000, GPU8), make_node("node2", 3500, 40000)], [], GPU_RES, [63, 63], True,
                 id="node without the scalar resource should skip the scalar resource"),
    pytest.param(CPU_AND_MEMORY, [make_node("node1", 10000, 20000), make_node("node2", 10000, 20000)], [CPU_ONLY, CPU_AND_MEMORY],
                 DEFAULT_RES, [82, 95], False, id="resources requested, pods scheduled with resources if PreScore not called"),
]


@pytest.mark.parametrize("the_pod, nodes, pods, resources, want, pre_score", BALANCED)
def test_balanced_allocation(the_pod, nodes, pods, resources, want, pre_score) -> None:
    """Upstream ``TestNodeResourcesBalancedAllocation`` (1.33-1.35 table; ``want=None``: PreScore
    returns Skip)."""
    plugin = BalancedAllocation(resources, features=OFF)
    infos = node_infos(nodes, pods)
    if pre_score:
        reqs = plugin.pre_score(the_pod)
        if want is None:
            assert reqs is None
            return
        assert reqs is not None
        got = [plugin.score(reqs, ni) for ni in infos]
    else:
        got = [plugin.score_pod(the_pod, ni) for ni in infos]
    assert got == want


def test_balanced_allocation_best_effort_without_prescore_scores_zero() -> None:
    """balanced_allocation.go Score: without a PreScore state a best-effort pod scores 0."""
    plugin = BalancedAllocation(DEFAULT_RES, features=OFF)
    assert plugin.score_pod(st_pod(), node_infos([make_node("n", 4000, 10000)], [])[0]) == 0
