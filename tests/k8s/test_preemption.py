"""DefaultPreemption: victim selection, PDB violations, node choice, eligibility.

Ported from kubernetes/kubernetes
``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go`` (commit
5def93b10a782c40035e7cf3bf5156616b1ce62e):

* ``TestPostFilter`` (10 cases; 9 ported) -> ``test_post_filter``. Not ported: "preemption
  result filtered out by extenders" (scheduler extenders are not modelled). The two "TestPlugin"
  cases ("only one node but failed with TestPlugin", "one failed with TestPlugin and the other
  pass") model the plugin's RemovePod error on nodes labelled ``error=true`` as a filter that
  returns that Error status for those nodes.
* ``TestDryRunPreemption`` (19; 17 ported) -> ``test_dry_run_preemption``. Not ported: "pod
  with anti-affinity is preempted" (InterPodAffinity) and "preemption to resolve pod topology
  spread filter failure" (PodTopologySpread) -- filters this package does not implement. The
  fake filter plugins (FakeFilter with its return code and call counter, FalseFilter,
  TrueFilter, MatchFilter) are small node filters here; ``expectedNumFilterCalled`` is checked
  with the counter.
* ``TestSelectBestCandidate`` (9) -> ``test_select_best_candidate``.
* ``TestPodEligibleToPreemptOthers`` (5) -> ``test_pod_eligible_to_preempt_others``.
* ``TestPreempt`` (8; 3 ported) -> ``test_preempt``. Not ported: "preemption for topology spread
  constraints" (PodTopologySpread) and the four scheduler-extender cases.

Offsets: upstream seeds ``rand`` with 4; the offsets its comments give (4, then 1 and 3) are
passed explicitly. Start times ``epochTimeN`` are N nanoseconds after the epoch.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from provisor.k8s.scheduler import (
    ERROR,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    ArgsError,
    DefaultPreemptionArgs,
    Features,
    NodeInfo,
    NodeResourcesFit,
    Status,
    Victims,
    calculate_num_candidates,
    dry_run_preemption,
    filter_pods_with_pdb_violation,
    fit_filter,
    pick_one_node_for_preemption,
    pod_eligible_to_preempt_others,
    preempt,
    select_candidate,
    select_victims_on_node,
)

NEG, LOW, MID, HIGH, VERY_HIGH = -100, 0, 100, 1000, 10000
SMALL = {"cpu": "100m", "memory": "100"}
MEDIUM = {"cpu": "200m", "memory": "200"}
LARGE = {"cpu": "300m", "memory": "300"}
VERY_LARGE = {"cpu": "500m", "memory": "500"}
OFF = Features(pod_level_resources=False, in_place_pod_vertical_scaling=False, sidecar_containers=False)


def T(n: int) -> str:
    """``epochTimeN``: N nanoseconds after the Unix epoch."""
    return f"1970-01-01T00:00:00.{n:09d}Z"


def P(name: str, node: str = "", prio: int | None = None, req: dict[str, str] | None = None, start: str | None = None,
      labels: dict[str, str] | None = None, ns: str = "", policy: str | None = None, nominated: str = "",
      terminating: bool = False, conditions: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """``st.MakePod().Name(name).UID(name)...``."""
    meta: dict[str, Any] = {"name": name, "uid": name}
    if ns:
        meta["namespace"] = ns
    if labels:
        meta["labels"] = dict(labels)
    if terminating:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    spec: dict[str, Any] = {}
    if node:
        spec["nodeName"] = node
    if prio is not None:
        spec["priority"] = prio
    if req is not None:
        spec["containers"] = [{"name": "con0", "resources": {"requests": dict(req)}}]
    if policy is not None:
        spec["preemptionPolicy"] = policy
    status: dict[str, Any] = {}
    if start is not None:
        status["startTime"] = start
    if nominated:
        status["nominatedNodeName"] = nominated
    if conditions:
        status["conditions"] = conditions
    return {"metadata": meta, "spec": spec, "status": status}


def N(name: str, capacity: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """``st.MakeNode().Name(name).Capacity(capacity)`` (pods default to 32)."""
    alloc = {} if capacity is None else {"pods": "32", **capacity}
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"metadata": meta, "status": {"capacity": dict(alloc), "allocatable": alloc}}


def snapshot(nodes: list[dict[str, Any]], pods: list[dict[str, Any]]) -> list[NodeInfo]:
    infos = {n["metadata"]["name"]: NodeInfo(n, features=OFF) for n in nodes}
    for p in pods:
        ni = infos.get(p["spec"].get("nodeName", ""))
        if ni is not None:
            ni.add_pod(p)
    return [infos[n["metadata"]["name"]] for n in nodes]


def pdb(match: dict[str, str], allowed: int, disrupted: tuple[str, ...] = ()) -> dict[str, Any]:
    status: dict[str, Any] = {"disruptionsAllowed": allowed}
    if disrupted:
        status["disruptedPods"] = {n: "2024-01-01T00:00:00Z" for n in disrupted}
    return {"spec": {"selector": {"matchLabels": match}}, "status": status}


FIT = NodeResourcesFit(features=OFF)
ONE_POD = {"pods": "1"}
NODE_RES = {"cpu": "200m", "memory": "400"}
TEST_PLUGIN_ERROR = 'running RemovePod on PreFilter plugin "test-plugin": failed to remove pod: p'


def _test_plugin_filter(pod: dict[str, Any]) -> Callable[[NodeInfo], Status]:
    fit = fit_filter(pod, FIT)

    def f(ni: NodeInfo) -> Status:
        if (ni.node or {}).get("metadata", {}).get("labels", {}).get("error") == "true":
            return Status(ERROR, (TEST_PLUGIN_ERROR,))
        return fit(ni)

    return f


ns = "default"
POST_FILTER = [
    pytest.param(P("p", prio=HIGH, ns=ns), [P("p1", "node1", ns=ns)], [N("node1", ONE_POD)], {"node1": UNSCHEDULABLE}, False,
                 "node1", Status(SUCCESS), id="pod with higher priority can be made schedulable"),
    pytest.param(P("p", ns=ns), [P("p1", "node1", ns=ns)], [N("node1", ONE_POD)], {"node1": UNSCHEDULABLE}, False, "",
                 Status(UNSCHEDULABLE, ("preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",)),
                 id="pod with tied priority is still unschedulable"),
    pytest.param(P("p", prio=HIGH, ns=ns), [P("p1", "node1", ns=ns)], [N("node1", ONE_POD)],
                 {"node1": UNSCHEDULABLE_AND_UNRESOLVABLE}, False, "",
                 Status(UNSCHEDULABLE, ("preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",)),
                 id="preemption should respect filteredNodesStatuses"),
    pytest.param(P("p", prio=MID, ns=ns), [P("p1", "node1", HIGH, ns=ns), P("p2", "node2", LOW, ns=ns)],
                 [N("node1", ONE_POD), N("node2", ONE_POD)], {"node1": UNSCHEDULABLE, "node2": UNSCHEDULABLE}, False, "node2",
                 Status(SUCCESS), id="pod can be made schedulable on one node"),
    pytest.param(P("p", prio=HIGH, req=LARGE, ns=ns), [P("p1", "node1", ns=ns), P("p2", "node2", ns=ns)],
                 [N("node1", NODE_RES), N("node2", NODE_RES)], {"node1": UNSCHEDULABLE, "node2": UNSCHEDULABLE}, False, "",
                 Status(UNSCHEDULABLE, ("preemption: 0/2 nodes are available: 2 Insufficient cpu.",)),
                 id="no candidate nodes found, no enough resource after removing low priority pods"),
    pytest.param(P("p", prio=HIGH, req=LARGE, ns=ns), [P("p1", "node1", HIGH, ns=ns), P("p2", "node2", ns=ns), P("p3", "node3", HIGH, ns=ns)],
                 [N("node1", ONE_POD), N("node2", NODE_RES), N("node3", ONE_POD)],
                 {"node1": UNSCHEDULABLE, "node2": UNSCHEDULABLE, "node3": UNSCHEDULABLE}, False, "",
                 Status(UNSCHEDULABLE, ("preemption: 0/3 nodes are available: 1 Insufficient cpu, 2 No preemption victims found for incoming pod.",)),
                 id="no candidate nodes found with mixed reasons, no lower priority pod and no enough CPU resource"),
    pytest.param(P("p", prio=HIGH, req=LARGE, ns=ns), [P("p1", "node1", ns=ns), P("p2", "node2", ns=ns)],
                 [N("node1", NODE_RES), N("node2", NODE_RES), N("node3", NODE_RES), N("node4", NODE_RES)],
                 {"node1": UNSCHEDULABLE, "node2": UNSCHEDULABLE, "node4": UNSCHEDULABLE_AND_UNRESOLVABLE}, False, "",
                 Status(UNSCHEDULABLE, ("preemption: 0/4 nodes are available: 2 Insufficient cpu, 2 Preemption is not helpful for scheduling.",)),
                 id="no candidate nodes found with mixed reason, 2 UnschedulableAndUnresolvable nodes and 2 nodes don't have enough CPU resource"),
    pytest.param(P("p", prio=HIGH, req=LARGE, ns=ns), [P("p1", "node1", ns=ns)], [N("node1", LARGE, {"error": "true"})],
                 {"node1": UNSCHEDULABLE}, True, None, Status(ERROR, ("preemption: " + TEST_PLUGIN_ERROR,)),
                 id="only one node but failed with TestPlugin"),
    pytest.param(P("p", prio=HIGH, req=LARGE, ns=ns), [P("p1", "node1", ns=ns), P("p2", "node2", req=MEDIUM, ns=ns)],
                 [N("node1", LARGE, {"error": "true"}), N("node2", LARGE)], {"node1": UNSCHEDULABLE, "node2": UNSCHEDULABLE}, True,
                 "node2", Status(SUCCESS), id="one failed with TestPlugin and the other pass"),
]


@pytest.mark.parametrize("the_pod, pods, nodes, statuses, test_plugin, want_node, want_status", POST_FILTER)
def test_post_filter(the_pod, pods, nodes, statuses, test_plugin, want_node, want_status) -> None:
    """Upstream ``TestPostFilter`` (default DefaultPreemptionArgs, NodeResourcesFit filter)."""
    nf = _test_plugin_filter(the_pod) if test_plugin else None
    res = preempt(the_pod, snapshot(nodes, pods), statuses, fit=FIT, node_filter=nf)
    assert res.status == want_status
    assert res.nominated_node_name == want_node


class FakeFilter:
    """``tf.FakeFilterPlugin``: counts calls, returns a fixed code."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.calls = 0

    def __call__(self, ni: NodeInfo) -> Status:
        self.calls += 1
        return Status(self.code) if self.code != SUCCESS else Status()


def _chain(fake: FakeFilter, pod: dict[str, Any], plugins: list[str]) -> Callable[[NodeInfo], Status]:
    """Run the fake filter first, then the registered plugins, stopping at the first failure."""
    fs: list[Callable[[NodeInfo], Status]] = [fake]
    for name in plugins:
        if name == "fit":
            fs.append(fit_filter(pod, FIT))
        elif name == "false":
            fs.append(lambda ni: Status(UNSCHEDULABLE))
        elif name == "true":
            fs.append(lambda ni: Status())
        elif name == "match":
            pname = pod["metadata"]["name"]
            fs.append(lambda ni, pname=pname: Status() if ni.name == pname else Status(UNSCHEDULABLE))

    def run(ni: NodeInfo) -> Status:
        for f in fs:
            st = f(ni)
            if not st.is_success:
                return st
        return Status()

    return run


def _nodes(names: list[str]) -> list[dict[str, Any]]:
    return [N(n, VERY_LARGE) for n in names]


def _c(node: str, *victims: str, viol: int = 0) -> tuple[str, tuple[str, ...], int]:
    return (node, tuple(victims), viol)


N12 = ["node1", "node2"]
N5 = ["node1", "node2", "node3", "node4", "node5"]
APP = {"app": "foo"}
ARGS_40_1 = DefaultPreemptionArgs(40, 1)
DRY_RUN = [
    pytest.param(["false"], N12, [P("p", prio=HIGH)], [P("p1", "node1", MID), P("p2", "node2", MID)], [], SUCCESS, None, [0],
                 [[]], [2], id="a pod that does not fit on any node"),
    pytest.param(["true"], N12, [P("p", prio=HIGH)], [P("p1", "node1", MID), P("p2", "node2", MID)], [], UNSCHEDULABLE, None, [0],
                 [[]], [2], id="a pod that fits with no preemption"),
    pytest.param(["match"], N12, [P("node1", prio=HIGH)], [P("p1", "node1", MID), P("p2", "node2", MID)], [], UNSCHEDULABLE, None,
                 [0], [[]], [2], id="a pod that fits on one node with no preemption"),
    pytest.param(["fit"], N12, [P("p", prio=HIGH, req=LARGE)], [P("p1", "node1", MID, LARGE), P("p2", "node2", MID, LARGE)], [],
                 SUCCESS, None, [0], [[_c("node1", "p1"), _c("node2", "p2")]], [4],
                 id="a pod that fits on both nodes when lower priority pods are preempted"),
    pytest.param(["fit"], N12, [P("p", prio=LOW, req=LARGE)], [P("p1", "node1", MID, LARGE), P("p2", "node2", MID, LARGE)], [],
                 SUCCESS, None, [0], [[]], [0],
                 id="a pod that would fit on the nodes, but other pods running are higher priority, no preemption would happen"),
    pytest.param(["fit"], N12, [P("p", prio=HIGH, req=LARGE)],
                 [P("p1.1", "node1", LOW, SMALL), P("p1.2", "node1", MID, LARGE), P("p2", "node2", MID, LARGE)], [], SUCCESS, None,
                 [0], [[_c("node1", "p1.2"), _c("node2", "p2")]], [5],
                 id="medium priority pod is preempted, but lower priority one stays as it is small"),
    pytest.param(["fit"], N12, [P("p", prio=HIGH, req=LARGE)],
                 [P("p1.1", "node1", MID, SMALL), P("p1.2", "node1", LOW, SMALL), P("p1.3", "node1", MID, MEDIUM),
                  P("p1.4", "node1", HIGH, SMALL), P("p2", "node2", HIGH, LARGE)], [], SUCCESS, None, [0],
                 [[_c("node1", "p1.2", "p1.3")]], [4], id="mixed priority pods are preempted"),
    pytest.param(["fit"], N12, [P("p", prio=HIGH, req=LARGE)],
                 [P("p1.1", "node1", LOW, SMALL, T(5)), P("p1.2", "node1", LOW, SMALL, T(4)), P("p1.3", "node1", MID, MEDIUM, T(3)),
                  P("p1.4", "node1", HIGH, SMALL, T(2)), P("p2", "node2", HIGH, LARGE, T(1))], [], SUCCESS, None, [0],
                 [[_c("node1", "p1.1", "p1.3")]], [4],
                 id="mixed priority pods are preempted, pick later StartTime one when priorities are equal"),
    pytest.param(["fit"], N12, [P("p", prio=HIGH, req=LARGE)], [P("p1", "node1", MID, LARGE), P("p2", "node2", MID, LARGE)], [],
                 UNSCHEDULABLE, None, [0], [[]], [2],
                 id="get Unschedulable in the preemption phase when the filter plugins filtering the nodes"),
    pytest.param(["fit"], ["node1"], [P("p", prio=HIGH, req=VERY_LARGE)],
                 [P("p1.1", "node1", MID, MEDIUM, labels=APP), P("p1.2", "node1", MID, MEDIUM, labels=APP)], [pdb(APP, 1)],
                 SUCCESS, None, [0], [[_c("node1", "p1.1", "p1.2", viol=1)]], [3], id="preemption with violation of same pdb"),
    pytest.param(["fit"], ["node1"], [P("p", prio=HIGH, req=VERY_LARGE)],
                 [P("p1.1", "node1", MID, MEDIUM, labels=APP), P("p1.2", "node1", MID, MEDIUM, labels=APP)], [pdb(APP, 1, ("p2",))],
                 SUCCESS, None, [0], [[_c("node1", "p1.1", "p1.2", viol=1)]], [3],
                 id="preemption with violation of the pdb with pod whose eviction was processed, the victim doesn't belong to DisruptedPods"),
    pytest.param(["fit"], ["node1"], [P("p", prio=HIGH, req=VERY_LARGE)],
                 [P("p1.1", "node1", MID, MEDIUM, labels=APP), P("p1.2", "node1", MID, MEDIUM, labels=APP)], [pdb(APP, 1, ("p1.2",))],
                 SUCCESS, None, [0], [[_c("node1", "p1.1", "p1.2", viol=0)]], [3],
                 id="preemption with violation of the pdb with pod whose eviction was processed, the victim belongs to DisruptedPods"),
    pytest.param(["fit"], ["node1"], [P("p", prio=HIGH, req=VERY_LARGE)],
                 [P("p1.1", "node1", MID, MEDIUM, labels=APP), P("p1.2", "node1", MID, MEDIUM, labels=APP),
                  P("p1.3", "node1", MID, MEDIUM, labels=APP)], [pdb(APP, 1, ("p1.3",))], SUCCESS, None, [0],
                 [[_c("node1", "p1.1", "p1.2", "p1.3", viol=1)]], [4],
                 id="preemption with violation of the pdb with pod whose eviction was processed, the victim which belongs to DisruptedPods is treated as 'nonViolating'"),
    pytest.param(["fit"], N5, [P("p", prio=HIGH, req=LARGE)], [P(f"p{i}", f"node{i}", MID, LARGE) for i in range(1, 6)], [],
                 SUCCESS, ARGS_40_1, [4], [[_c("node1", "p1"), _c("node5", "p5")]], [4],
                 id="all nodes are possible candidates, but DefaultPreemptionArgs limits to 2"),
    pytest.param(["fit"], N5, [P("p", prio=HIGH, req=LARGE)],
                 [P("p1", "node1", MID, LARGE), P("p2", "node2", VERY_HIGH, LARGE), P("p3", "node3", MID, LARGE),
                  P("p4", "node4", MID, LARGE), P("p5", "node5", VERY_HIGH, LARGE)], [], SUCCESS, ARGS_40_1, [4],
                 [[_c("node1", "p1"), _c("node3", "p3")]], [4],
                 id="some nodes are not possible candidates, DefaultPreemptionArgs limits to 2"),
    pytest.param(["fit"], N5, [P("tp1", prio=HIGH, req=LARGE), P("tp2", prio=HIGH, req=LARGE), P("tp3", prio=HIGH, req=LARGE)],
                 [P(f"p{i}", f"node{i}", MID, LARGE) for i in range(1, 6)], [], SUCCESS, ARGS_40_1, [4, 1, 3],
                 [[_c("node1", "p1"), _c("node5", "p5")], [_c("node2", "p2"), _c("node3", "p3")], [_c("node4", "p4"), _c("node5", "p5")]],
                 [4, 4, 4], id="preemption offset across multiple scheduling cycles and wrap around"),
    pytest.param(["fit"], N5, [P("p", prio=HIGH, req=LARGE)],
                 [P("p1", "node1", MID, LARGE, labels=APP), P("p2", "node2", MID, LARGE, labels=APP), P("p3", "node3", MID, LARGE),
                  P("p4", "node4", MID, LARGE), P("p5", "node5", MID, LARGE, labels=APP)], [pdb(APP, 0)], SUCCESS,
                 DefaultPreemptionArgs(40, 2), [4],
                 [[_c("node1", "p1", viol=1), _c("node3", "p3"), _c("node5", "p5", viol=1)]], [8],
                 id="preemption looks past numCandidates until a non-PDB violating node is found"),
]


@pytest.mark.parametrize("plugins, node_names, test_pods, init_pods, pdbs, fake_rc, args, offsets, expected, filter_calls", DRY_RUN)
def test_dry_run_preemption(plugins, node_names, test_pods, init_pods, pdbs, fake_rc, args, offsets, expected, filter_calls) -> None:
    """Upstream ``TestDryRunPreemption``: nodes of capacity 500m / 500; one dry run per test pod."""
    infos = sorted(snapshot(_nodes(node_names), init_pods), key=lambda ni: ni.name)
    args = args or DefaultPreemptionArgs()
    fake = FakeFilter(fake_rc)
    for cycle, pod in enumerate(test_pods):
        before = fake.calls
        num = calculate_num_candidates(len(infos), args)
        got, _ = dry_run_preemption(pod, infos, pdbs, offsets[cycle], num, node_filter=_chain(fake, pod, plugins))
        simplified = sorted(
            (c.name, tuple(sorted(p["metadata"]["name"] for p in c.victims.pods)), c.victims.num_pdb_violations) for c in got
        )
        assert simplified == expected[cycle], f"cycle {cycle}"
        assert fake.calls - before == filter_calls[cycle], f"cycle {cycle}"


N123 = ["node1", "node2", "node3"]
BEST = [
    pytest.param(N12, P("p", prio=HIGH, req=LARGE), [P("p1", "node1", MID, LARGE, T(0)), P("p2", "node2", MID, LARGE, T(0))],
                 ["node1", "node2"], id="a pod that fits on both nodes when lower priority pods are preempted"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, MEDIUM, T(0)), P("p1.2", "node1", MID, LARGE, T(0)), P("p2.1", "node2", MID, MEDIUM, T(0)),
                  P("p2.2", "node2", LOW, MEDIUM, T(0)), P("p3.1", "node3", LOW, MEDIUM, T(0)), P("p3.2", "node3", LOW, MEDIUM, T(0))],
                 ["node3"], id="node with min highest priority pod is picked"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, MEDIUM, T(0)), P("p1.2", "node1", MID, LARGE, T(0)), P("p2.1", "node2", MID, LARGE, T(0)),
                  P("p2.2", "node2", LOW, MEDIUM, T(0)), P("p3.1", "node3", MID, MEDIUM, T(0)), P("p3.2", "node3", MID, MEDIUM, T(0))],
                 ["node2"], id="when highest priorities are the same, minimum sum of priorities is picked"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, SMALL, T(0)), P("p1.2", "node1", NEG, SMALL, T(0)), P("p1.3", "node1", MID, SMALL, T(0)),
                  P("p1.4", "node1", NEG, SMALL, T(0)), P("p2.1", "node2", MID, LARGE, T(0)), P("p2.2", "node2", NEG, MEDIUM, T(0)),
                  P("p3.1", "node3", MID, MEDIUM, T(0)), P("p3.2", "node3", NEG, SMALL, T(0)), P("p3.3", "node3", LOW, SMALL, T(0))],
                 ["node2"], id="when highest priority and sum are the same, minimum number of pods is picked"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, SMALL, T(0)), P("p1.2", "node1", NEG, SMALL, T(0)), P("p1.3", "node1", NEG, SMALL, T(0)),
                  P("p2.1", "node2", MID, LARGE, T(0)), P("p2.2", "node2", NEG, MEDIUM, T(0)), P("p3.1", "node3", MID, MEDIUM, T(0)),
                  P("p3.2", "node3", NEG, SMALL, T(0)), P("p3.3", "node3", LOW, SMALL, T(0))],
                 ["node2"], id="sum of adjusted priorities is considered"),
    pytest.param(["node1", "node2", "node3", "node4"], P("p", prio=VERY_HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, SMALL, T(0)), P("p1.2", "node1", LOW, SMALL, T(0)), P("p1.3", "node1", LOW, SMALL, T(0)),
                  P("p2.1", "node2", HIGH, LARGE, T(0)), P("p3.1", "node3", MID, MEDIUM, T(0)), P("p3.2", "node3", LOW, SMALL, T(0)),
                  P("p3.3", "node3", LOW, SMALL, T(0)), P("p3.4", "node3", LOW, MEDIUM, T(0)), P("p4.1", "node4", MID, MEDIUM, T(0)),
                  P("p4.2", "node4", MID, SMALL, T(0)), P("p4.3", "node4", MID, SMALL, T(0)), P("p4.4", "node4", NEG, SMALL, T(0))],
                 ["node1"], id="non-overlapping lowest high priority, sum priorities, and number of pods"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, MEDIUM, T(2)), P("p1.2", "node1", MID, MEDIUM, T(2)), P("p2.1", "node2", MID, MEDIUM, T(3)),
                  P("p2.2", "node2", MID, MEDIUM, T(3)), P("p3.1", "node3", MID, MEDIUM, T(1)), P("p3.2", "node3", MID, MEDIUM, T(1))],
                 ["node2"], id="same priority, same number of victims, different start time for each node's pod"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", MID, MEDIUM, T(4)), P("p1.2", "node1", MID, MEDIUM, T(2)), P("p2.1", "node2", MID, MEDIUM, T(5)),
                  P("p2.2", "node2", MID, MEDIUM, T(1)), P("p3.1", "node3", MID, MEDIUM, T(3)), P("p3.2", "node3", MID, MEDIUM, T(6))],
                 ["node3"], id="same priority, same number of victims, different start time for all pods"),
    pytest.param(N123, P("p", prio=HIGH, req=VERY_LARGE),
                 [P("p1.1", "node1", LOW, MEDIUM, T(4)), P("p1.2", "node1", MID, MEDIUM, T(2)), P("p2.1", "node2", MID, MEDIUM, T(6)),
                  P("p2.2", "node2", LOW, MEDIUM, T(1)), P("p3.1", "node3", LOW, MEDIUM, T(3)), P("p3.2", "node3", MID, MEDIUM, T(5))],
                 ["node2"], id="different priority, same number of victims, different start time for all pods"),
]


@pytest.mark.parametrize("node_names, the_pod, pods, expected", BEST)
def test_select_best_candidate(node_names, the_pod, pods, expected) -> None:
    """Upstream ``TestSelectBestCandidate``: dry run (default args, no PDBs) then SelectCandidate."""
    infos = snapshot(_nodes(node_names), pods)
    num = calculate_num_candidates(len(infos), DefaultPreemptionArgs())
    candidates, _ = dry_run_preemption(the_pod, infos, None, 0, num, node_filter=fit_filter(the_pod, FIT))
    best = select_candidate(candidates)
    assert best is not None and best.name in expected


DT = [{"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}]
ELIGIBLE = [
    pytest.param(P("p_with_nominated_node", prio=HIGH, nominated="node1"), [P("p1", "node1", LOW, terminating=True)], ["node1"],
                 UNSCHEDULABLE_AND_UNRESOLVABLE, True, id="Pod with nominated node"),
    pytest.param(P("p_without_nominated_node", prio=HIGH), [], [], None, True, id="Pod without nominated node"),
    pytest.param(P("p_with_preempt_never_policy", prio=HIGH, policy="Never"), [], [], None, False,
                 id="Pod with 'PreemptNever' preemption policy"),
    pytest.param(P("p_with_nominated_node", prio=HIGH, nominated="node1"), [P("p1", "node1", LOW, terminating=True, conditions=DT)],
                 ["node1"], None, False, id="preemption victim pod terminating, as indicated by the dedicated DisruptionTarget condition"),
    pytest.param(P("p_with_nominated_node", prio=HIGH, nominated="node1"), [P("p1", "node1", LOW, terminating=True)], ["node1"], None,
                 True, id="non-victim Pods terminating"),
]


@pytest.mark.parametrize("the_pod, pods, node_names, nominated_status, want", ELIGIBLE)
def test_pod_eligible_to_preempt_others(the_pod, pods, node_names, nominated_status, want) -> None:
    """Upstream ``TestPodEligibleToPreemptOthers``."""
    infos = {ni.name: ni for ni in snapshot([N(n) for n in node_names], pods)}
    ok, why = pod_eligible_to_preempt_others(the_pod, infos, nominated_status)
    assert ok is want
    assert (why == "") is want


BASIC_PODS = [P("p1.1", "node1", LOW, SMALL), P("p1.2", "node1", LOW, SMALL), P("p2.1", "node2", HIGH, LARGE),
              P("p3.1", "node3", MID, MEDIUM)]


@pytest.mark.parametrize(
    "the_pod, pods, want_node, want_victims",
    [
        pytest.param(P("p", prio=HIGH, req=VERY_LARGE, ns=ns, policy="PreemptLowerPriority"), BASIC_PODS, "node1", ["p1.1", "p1.2"],
                     id="basic preemption logic"),
        pytest.param(P("p", prio=HIGH, req=VERY_LARGE, ns=ns, policy="Never"), BASIC_PODS, None, [], id="no preempting in pod"),
        pytest.param(P("p", prio=HIGH, req=VERY_LARGE, ns=ns), BASIC_PODS, "node1", ["p1.1", "p1.2"], id="PreemptionPolicy is nil"),
    ],
)
def test_preempt(the_pod, pods, want_node, want_victims) -> None:
    """Upstream ``TestPreempt``: every node Unschedulable; then, with the victims terminating and
    the pod nominated, a second attempt with no statuses preempts nothing more."""
    infos = snapshot(_nodes(["node1", "node2", "node3"]), pods)
    res = preempt(the_pod, infos, {ni.name: UNSCHEDULABLE for ni in infos}, fit=FIT)
    assert res.nominated_node_name == want_node
    assert sorted(p["metadata"]["name"] for p in res.victims) == want_victims
    if want_node is None:
        assert res.status.code == UNSCHEDULABLE
        return
    assert res.status.is_success
    for p in res.victims:
        p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    the_pod["status"]["nominatedNodeName"] = res.nominated_node_name
    again = preempt(the_pod, infos, {}, fit=FIT)
    assert again.victims == ()


# --- own checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, pct, abs_, want",
    [(5, 40, 1, 2), (5, 40, 2, 2), (1000, 10, 100, 100), (5000, 10, 100, 500), (3, 10, 100, 3), (0, 10, 100, 0)],
)
def test_calculate_num_candidates(n: int, pct: int, abs_: int, want: int) -> None:
    """calculateNumCandidates: max(n * pct / 100, abs), capped at n."""
    assert calculate_num_candidates(n, DefaultPreemptionArgs(pct, abs_)) == want


@pytest.mark.parametrize("pct, abs_", [(-1, 1), (101, 1), (10, -1), (0, 0)])
def test_default_preemption_args_rejected(pct: int, abs_: int) -> None:
    with pytest.raises(ArgsError):
        DefaultPreemptionArgs(pct, abs_)


def test_pdb_matching_rules() -> None:
    """filterPodsWithPDBViolation: namespace must match; empty and missing selectors match
    nothing; an invalid selector matches nothing; pods without labels never violate."""
    pods = [P("a", labels=APP, ns="x"), P("b", labels=APP, ns="y"), P("c", ns="x")]
    in_x = {"metadata": {"namespace": "x"}, **pdb(APP, 0)}
    empty = {"metadata": {"namespace": "y"}, "spec": {"selector": {}}, "status": {"disruptionsAllowed": 0}}
    nil = {"metadata": {"namespace": "y"}, "spec": {}, "status": {"disruptionsAllowed": 0}}
    bad = {"metadata": {"namespace": "y"}, "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Bogus"}]}},
           "status": {"disruptionsAllowed": 0}}
    violating, ok = filter_pods_with_pdb_violation(pods, [in_x, empty, nil, bad])
    assert [p["metadata"]["name"] for p in violating] == ["a"]
    assert [p["metadata"]["name"] for p in ok] == ["b", "c"]


def test_pick_one_node_criteria_in_order() -> None:
    """pickOneNodeForPreemption: PDB violations decide before priorities."""
    v = {
        "n1": Victims((P("a", prio=LOW),), 1),
        "n2": Victims((P("b", prio=HIGH), P("c", prio=HIGH)), 0),
    }
    assert pick_one_node_for_preemption(v) == "n2"
    assert pick_one_node_for_preemption({}) == ""


def test_select_victims_with_nominated_pod_of_higher_priority() -> None:
    """RunFilterPluginsWithNominatedPods: a nominated pod of higher priority occupies its room,
    so one more victim is needed; a lower-priority nominated pod does not count."""
    node = snapshot([N("n", VERY_LARGE)], [P("v1", "n", LOW, MEDIUM), P("v2", "n", LOW, SMALL)])[0]
    pod = P("p", prio=MID, req=MEDIUM)
    base = select_victims_on_node(pod, node, node_filter=fit_filter(pod, FIT))
    assert base.status.is_success and base.victims == ()
    high = select_victims_on_node(pod, node, node_filter=fit_filter(pod, FIT), nominated_pods=[P("q", prio=HIGH, req=MEDIUM)])
    low = select_victims_on_node(pod, node, node_filter=fit_filter(pod, FIT), nominated_pods=[P("q", prio=LOW, req=MEDIUM)])
    assert high.status.is_success and [p["metadata"]["name"] for p in high.victims] == ["v1"]
    assert low.status.is_success and low.victims == ()
    assert node.num_pods == 2 and node.requested.milli_cpu == 300
