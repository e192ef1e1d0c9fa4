"""The engine against closed-form queueing results.

A single agent class with max-concurrency 1, Poisson arrivals (rate lambda) and exponential work
(rate mu), on a node with room to spare and no CPU limit, is an M/M/1 queue: the mean wait in the
queue is Wq = rho / (mu - lambda) with rho = lambda / mu, and Little's law Lq = lambda * Wq holds
for the time-average queue length (provisor_queue_length).
"""

from __future__ import annotations

import numpy as np

from provisor.sim import simulate
from simkit import inputs, one_stage, pod_template

LAM = 60.0          # arrivals per hour
MEAN_S = 40.0       # mean work, s  -> mu = 90 per hour, rho = 2/3
RHO = LAM / (3600.0 / MEAN_S)


def _run(seed: int, days: float = 3.0):
    wl = one_stage("coderun-a", {"kind": "exponential", "mean": MEAN_S}, rate=LAM)
    return simulate(inputs([pod_template("coderun-a")], wl), days=days, seed=seed)


def test_mm1_mean_wait_and_littles_law():
    mu = 1.0 / MEAN_S
    lam = LAM / 3600.0
    wq_theory = RHO / (mu - lam)            # 80 s
    waits, lqs, lams = [], [], []
    for seed in (1, 2, 3):
        r = _run(seed)
        s = r.summary
        waits.append(s["queue_wait_mean_s"])
        T = r.days * 86400.0
        lams.append(s["workflows_arrived"] / T)
        q = r.series().select("provisor_queue_length")[0]
        lqs.append(float(np.mean(q.values)))
        assert s["runs_completed"] >= s["workflows_arrived"] - 30
    wq = float(np.mean(waits))
    assert abs(wq - wq_theory) / wq_theory < 0.12, (wq, wq_theory)
    # Little's law on the queue: Lq = lambda * Wq, per run
    for lq, lm, w in zip(lqs, lams, waits):
        assert abs(lq - lm * w) / (lm * w) < 0.12, (lq, lm * w)


def test_deterministic_service_time_no_queue_when_sparse():
    """D/D/1-like check: constant work far below the inter-arrival gap -> near-zero waits, and
    every run completes in exactly its work time (no CPU limit, no contention)."""
    wl = one_stage("coderun-a", {"kind": "constant", "value": 30.0}, rate=2.0)
    r = simulate(inputs([pod_template("coderun-a")], wl), days=2.0, seed=4)
    assert r.summary["runs_completed"] > 50
    assert r.scorecard.get("runtime-variance").value == 0.0
