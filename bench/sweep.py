"""``make bench`` (sweep section): throughput of ``provisor sweep`` on dask.distributed.

The sweep: the built-in policy, 5 x 5 variants (``agents.rex.max_concurrency`` 1..5 x
``quota.hard.requests.memory`` 96Gi..144Gi) x 2 scenarios (steady, spike) x 2 seeds = 100
runs of 0.25 simulated days each, written as a sweep file and expanded by
``provisor.sim.sweep.load_sweep`` (nothing cached: ``cache_dir=None``).

Measured in this run:

* **serial baseline**: ``run_one`` in this process, one run after another, over the first
  ``--baseline-runs`` runs (runs per minute without Dask);
* **1 worker** and **2 workers**: the whole sweep on a fresh ``LocalCluster`` (single-threaded
  worker processes; start-up included).

Prints runs per minute for each, the speed-up of 2 workers over 1, and each against the serial
baseline. The target is that the 100-run sweep finishes, every run without error, on both
cluster sizes. ``python bench/sweep.py`` runs this section alone.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SWEEP = """\
days: 0.25
seeds: 2
grid:
  agents.rex.max_concurrency: [1, 2, 3, 4, 5]
  quota.hard.requests.memory: [96Gi, 108Gi, 120Gi, 132Gi, 144Gi]
scenarios:
  steady: [steady]
  spike: [spike]
"""


def run(con: Any, baseline_runs: int = 10) -> bool:
    """Run the section and print a table; True when both sweeps finished without a failed
    run."""
    from rich.table import Table

    from provisor.sim.sweep import load_sweep, run_one, run_sweep

    with tempfile.TemporaryDirectory(prefix="provisor-bench-sweep-") as tmp:
        p = Path(tmp) / "sweep.yaml"
        p.write_text(SWEEP)
        _, runs = load_sweep(p)
    n = len(runs)
    con.print(f"sweep: {n} runs of 0.25 simulated days (serial baseline on "
              f"{baseline_runs} of them)")
    t = time.perf_counter()
    for spec in runs[:baseline_runs]:
        run_one(spec)
    serial = baseline_runs / (time.perf_counter() - t) * 60
    table = Table("how", "runs", "wall s", "runs/min", "vs serial", "vs 1 worker",
                  title="provisor sweep on dask.distributed")
    table.add_row("serial, in process (baseline)", str(baseline_runs), "",
                  f"{serial:.1f}", "1.00", "")
    ok = True
    per_min: dict[int, float] = {}
    for workers in (1, 2):
        done = [0]
        t = time.perf_counter()
        results = run_sweep(runs, workers=workers, cache_dir=None,
                            progress=lambda r, d, total: done.__setitem__(0, d))
        wall = time.perf_counter() - t
        failed = sum(1 for r in results if r.error)
        ok = ok and failed == 0 and done[0] == n
        per_min[workers] = n / wall * 60
        table.add_row(f"LocalCluster, {workers} worker{'s' if workers > 1 else ''}"
                      + (f" ({failed} failed)" if failed else ""), str(n), f"{wall:.1f}",
                      f"{per_min[workers]:.1f}", f"{per_min[workers] / serial:.2f}",
                      f"{per_min[workers] / per_min[1]:.2f}")
    con.print(table)
    con.print(f"target: a sweep of {n} runs finishes with 1 and 2 workers: "
              f"{'met' if ok else 'NOT met'}")
    return ok


if __name__ == "__main__":
    from rich.console import Console

    sys.exit(0 if run(Console()) else 1)
