"""The twin's vectorised scheduler (provisor.sim.fastsched) agrees with provisor.k8s.scheduler
(NodeResourcesFit filter, LeastAllocated score, BalancedAllocation score) on generated cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provisor.k8s.scheduler import BalancedAllocation, NodeInfo, NodeResourcesFit
from provisor.sim import fastsched

GI = 1024**3
cpu_q = st.integers(0, 64000)
mem_q = st.integers(0, 256 * GI)


def _pod(name: str, cpu: int, mem: int) -> dict:
    req = {}
    if cpu:
        req["cpu"] = f"{cpu}m"
    if mem:
        req["memory"] = str(mem)
    c = {"name": "c", "image": "x"}
    if req:
        c["resources"] = {"requests": req}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
            "spec": {"containers": [c]}}


node_st = st.tuples(st.integers(0, 64000), st.integers(0, 256 * GI), st.integers(1, 12),
                    st.lists(st.tuples(cpu_q.map(lambda x: x // 8), mem_q.map(lambda x: x // 8)),
                             max_size=6))


@settings(max_examples=2000, deadline=None)
@given(pod=st.tuples(cpu_q, mem_q), nodes=st.lists(node_st, min_size=1, max_size=6))
def test_filter_and_score_match_k8s(pod, nodes):
    fit = NodeResourcesFit()
    bal = BalancedAllocation()
    p = _pod("incoming", *pod)
    infos = []
    for i, (ac, am, ap, running) in enumerate(nodes):
        node = {"metadata": {"name": f"n{i}"},
                "status": {"allocatable": {"cpu": f"{ac}m", "memory": str(am), "pods": str(ap)}}}
        infos.append(NodeInfo(node, [_pod(f"p{i}-{j}", c, m) for j, (c, m) in enumerate(running)]))
    arr = lambda f: np.array([f(ni) for ni in infos], np.int64)  # noqa: E731
    alloc_cpu, alloc_mem = arr(lambda n: n.allocatable.milli_cpu), arr(lambda n: n.allocatable.memory)
    alloc_pods = arr(lambda n: n.allocatable.allowed_pod_number)
    req_cpu, req_mem = arr(lambda n: n.requested.milli_cpu), arr(lambda n: n.requested.memory)
    nz_cpu, nz_mem = arr(lambda n: n.non_zero_requested.milli_cpu), arr(lambda n: n.non_zero_requested.memory)
    npods = arr(lambda n: n.num_pods)
    status, request = fit.pre_filter(p)
    assert request is not None
    mask = fastsched.fit_mask(request.milli_cpu, request.memory, alloc_cpu, alloc_mem, alloc_pods,
                              req_cpu, req_mem, npods)
    expected = [fit.filter(request, ni).code == "Success" for ni in infos]
    assert mask.tolist() == expected
    pre = fit.pre_score(p)
    bpre = bal.pre_score(p)
    exact = [fit.score(pre, ni) + (bal.score(bpre, ni) if bpre is not None else 0) for ni in infos]
    got = fastsched.scores(request.milli_cpu, request.memory, pre[0], pre[1], alloc_cpu, alloc_mem,
                           req_cpu, req_mem, nz_cpu, nz_mem)
    assert got.tolist() == exact


def test_select_host_picks_a_best_node_deterministically():
    feas = np.array([True, True, False, True])
    sc = np.array([10, 50, 90, 50])
    picks = {fastsched.select_host(feas, sc, np.random.default_rng(s)) for s in range(20)}
    assert picks == {1, 3}
    assert fastsched.select_host(np.zeros(3, bool), np.zeros(3, np.int64), np.random.default_rng(0)) == -1
