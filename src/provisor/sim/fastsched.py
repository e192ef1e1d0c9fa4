"""Vectorised kube-scheduler filter and score over all nodes at once (numpy).

This is the fast path the twin uses for every pending pod; it stands for, and is
property-tested (tests/sim/test_fastsched.py, hypothesis) against, the exact functions in
``provisor.k8s.scheduler``:

* filter = ``NodeResourcesFit.filter`` (``fits_request``: pods, cpu, memory; a zero request is
  never checked) -> ``fit_mask``;
* score = ``NodeResourcesFit.score`` with the default ``LeastAllocated`` strategy (cpu and
  memory, weight 1 each, on the node's *non-zero* requested: 100m / 200Mi for a container
  without a request) + ``BalancedAllocation.score`` (on the node's requested; skipped for a
  pod requesting nothing) -> ``scores``. Both plugins have weight 1 in the default profile
  (``pkg/scheduler/apis/config/v1/default_plugins.go``).

Arrays are int64: CPU in millicores, memory in bytes. Other default plugins (taints, affinity,
topology spread, image locality) have no input in the twin and score every node alike.
"""

from __future__ import annotations

import numpy as np

MAX_NODE_SCORE = 100


def fit_mask(cpu: int, mem: int, alloc_cpu: np.ndarray, alloc_mem: np.ndarray,
             alloc_pods: np.ndarray, req_cpu: np.ndarray, req_mem: np.ndarray,
             num_pods: np.ndarray) -> np.ndarray:
    """Nodes where a pod requesting ``cpu`` millicores and ``mem`` bytes fits (bool array)."""
    ok = num_pods + 1 <= alloc_pods
    if cpu > 0:
        ok &= cpu <= alloc_cpu - req_cpu
    if mem > 0:
        ok &= mem <= alloc_mem - req_mem
    return ok


def _least(requested: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    safe = np.where(capacity == 0, 1, capacity)
    s = (capacity - requested) * MAX_NODE_SCORE // safe
    return np.where((capacity == 0) | (requested > capacity), 0, s)


def scores(cpu: int, mem: int, nz_cpu: int, nz_mem: int, alloc_cpu: np.ndarray,
           alloc_mem: np.ndarray, req_cpu: np.ndarray, req_mem: np.ndarray,
           nzreq_cpu: np.ndarray, nzreq_mem: np.ndarray) -> np.ndarray:
    """NodeResourcesFit (LeastAllocated) + BalancedAllocation score per node (int64).

    ``cpu``/``mem``: the pod's requests; ``nz_cpu``/``nz_mem``: its non-zero requests (the
    scheduler's defaults for containers without a request); ``req_*``: the nodes' requested;
    ``nzreq_*``: the nodes' non-zero requested."""
    # LeastAllocated: weighted mean over resources the node has (weights 1, 1)
    lc = _least(nzreq_cpu + nz_cpu, alloc_cpu)
    lm = _least(nzreq_mem + nz_mem, alloc_mem)
    has_c = alloc_cpu != 0
    has_m = alloc_mem != 0
    wsum = has_c.astype(np.int64) + has_m.astype(np.int64)
    fit = np.where(wsum == 0, 0, (lc * has_c + lm * has_m) // np.where(wsum == 0, 1, wsum))
    if cpu == 0 and mem == 0:
        return fit
    # BalancedAllocation on requested (no non-zero defaults)
    with np.errstate(divide="ignore", invalid="ignore"):
        fc = np.minimum((req_cpu + cpu).astype(np.float64) / alloc_cpu.astype(np.float64), 1.0)
        fm = np.minimum((req_mem + mem).astype(np.float64) / alloc_mem.astype(np.float64), 1.0)
    std = np.where(has_c & has_m, np.abs((fc - fm) / 2), 0.0)
    bal = ((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)
    return fit + bal


def select_host(feasible: np.ndarray, node_scores: np.ndarray, rng: np.random.Generator) -> int:
    """``selectHost``: a node with the highest score among ``feasible``, ties broken uniformly
    at random (upstream samples ties with reservoir sampling); -1 when none is feasible."""
    idx = np.flatnonzero(feasible)
    if idx.size == 0:
        return -1
    s = node_scores[idx]
    best = idx[s == s.max()]
    if best.size == 1:
        return int(best[0])
    return int(best[rng.integers(best.size)])
