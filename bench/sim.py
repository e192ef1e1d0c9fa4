"""``make bench`` (sim section): speed and memory of the digital twin (``provisor.sim``).

Two runs, each in its own process so that its peak RSS is its own:

* **platform**: the built-in policy (default workload, 5 nodes, 2 HPAs, the VPAs) for 30
  simulated days. Target: >= 100,000 simulated seconds per wall second. The baseline, measured
  in the same run: the same simulation with the HPA controller's exact
  ``reconcile_autoscaler`` on Pod dicts instead of its fast path (``Engine.hpa_fast = False``);
  both give byte-identical results (checked here: equal ``to_json()``).
* **churn**: 1,000 nodes (16 cores, 64Gi) and 20,000 pods created and completed over one
  simulated day (Poisson arrivals, log-normal run times, median 2 h), scrape every 300 s.
  Target: <= 60 s wall. Prints the twin's scheduling throughput (pods bound per second of wall
  time spent scheduling, and per second of the whole run) beside kube-scheduler's 400 pods/s
  (its scheduler_perf throughput threshold).

Exit code 0 when both targets are met, else 1. ``--only platform|churn`` runs one;
``--days`` shortens the platform run (for a quick look).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time

KUBE_SCHEDULER_PODS_PER_S = 400.0


def _platform(days: float, exact_hpa: bool = False) -> dict:
    from provisor.sim import load_inputs, simulate
    from provisor.sim.engine import Engine

    Engine.hpa_fast = not exact_hpa
    inp = load_inputs()
    t = time.perf_counter()
    cpu = time.process_time()
    r = simulate(inp, days=days, seed=0)
    wall = time.perf_counter() - t
    cpu_s = time.process_time() - cpu
    rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    n = len(r.series())
    digest = hashlib.sha256(json.dumps(r.to_json(), sort_keys=True).encode()).hexdigest()
    return {"name": "platform", "days": days, "digest": digest, "wall_s": wall, "cpu_s": cpu_s,
            "sim_s_per_wall_s": days * 86400 / wall, "sim_s_per_cpu_s": days * 86400 / cpu_s,
            "runs": r.summary["runs_completed"], "series": n, "rss_after_sim_mib": rss_sim,
            "series_build_s": time.perf_counter() - t}


def _churn() -> dict:
    from provisor.policy.workload import Workload
    from provisor.sim import SimInputs, parse_node_spec, simulate
    from provisor.sim import engine as eng

    tmpl = {"apiVersion": "v1", "kind": "PodTemplate",
            "metadata": {"name": "job", "namespace": "batch",
                         "annotations": {"provisor.dev/max-concurrency": "100000"}},
            "template": {"metadata": {"labels": {"app": "job"}},
                         "spec": {"restartPolicy": "Never", "containers": [{
                             "name": "main", "image": "job",
                             "resources": {"requests": {"cpu": "2", "memory": "4Gi"},
                                           "limits": {"cpu": "4", "memory": "8Gi"}}}]}}}
    wl = Workload.model_validate({
        "arrivals": {"rate_per_hour": 20000 / 24},
        "workflows": [{"name": "w", "stages": [{
            "name": "s", "agent": "job", "duration": {"kind": "lognormal", "median": 7200, "p95": 21600},
            "cpu": {"base": "1500m", "burst": "3", "burst_share": 0.2},
            "memory": {"start": "1Gi", "peak": {"kind": "lognormal", "median": 3 * 2**30, "p95": 5 * 2**30}}}]}],
        "timings": {"scrape": 300}})
    inp = SimInputs(objects=(tmpl,), nodes=tuple(parse_node_spec("1000x cpu=16,memory=64Gi,pods=110")),
                    workload=wl, source="bench churn")
    sched = {"t": 0.0}
    orig = eng.Engine._schedule

    def timed(self):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        orig(self)
        sched["t"] += time.perf_counter() - t0

    eng.Engine._schedule = timed  # type: ignore[method-assign]
    t = time.perf_counter()
    cpu = time.process_time()
    r = simulate(inp, days=1.0, seed=0)
    wall = time.perf_counter() - t
    cpu_s = time.process_time() - cpu
    rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bound = r.summary["pods_scheduled"]
    t = time.perf_counter()
    n = len(r.series())
    return {"name": "churn", "wall_s": wall, "cpu_s": cpu_s, "pods_created": r.summary["pods_created"],
            "pods_scheduled": bound, "runs": r.summary["runs_completed"],
            "sched_wall_s": sched["t"], "sched_pods_per_s": bound / max(sched["t"], 1e-9),
            "pods_per_wall_s": bound / wall, "series": n, "rss_after_sim_mib": rss_sim,
            "series_build_s": time.perf_counter() - t}


def _child(which: str, days: float) -> None:
    if which == "platform-exact":
        res = _platform(days, exact_hpa=True)
    else:
        res = _platform(days) if which == "platform" else _churn()
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("platform", "churn"))
    ap.add_argument("--days", type=float, default=30.0, help="platform run length (days)")
    ap.add_argument("--child", choices=("platform", "platform-exact", "churn"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, args.days)
        return 0
    from rich.console import Console
    from rich.table import Table

    con = Console()
    results = {}
    for which in ("platform-exact", "platform", "churn"):
        if args.only and which.split("-")[0] != args.only:
            continue
        con.print(f"sim bench: {which} ...")
        out = subprocess.run([sys.executable, __file__, "--child", which, "--days", str(args.days)],
                             capture_output=True, text=True, check=True)
        results[which] = json.loads(out.stdout.strip().splitlines()[-1])
    ok = True
    table = Table("benchmark", "measure", "value", "target", title="provisor.sim")
    if "platform" in results:
        p = results["platform"]
        met = p["sim_s_per_wall_s"] >= 100_000
        ok &= met
        table.add_row("platform", f"{p['days']:g} simulated days", f"{p['wall_s']:.1f} s wall "
                      f"({p['cpu_s']:.1f} s CPU)", "")
        table.add_row("", "simulated s per wall s", f"{p['sim_s_per_wall_s']:,.0f}",
                      f">= 100,000 ({'met' if met else 'NOT met'}, {p['sim_s_per_wall_s'] / 1e5:.2f}x)")
        table.add_row("", "simulated s per CPU s", f"{p['sim_s_per_cpu_s']:,.0f}",
                      "(the machine is shared: CPU time is the steadier figure)")
        if "platform-exact" in results:
            b = results["platform-exact"]
            same = b["digest"] == p["digest"]
            ok &= same
            table.add_row("", "baseline (exact HPA) per CPU s / per wall s",
                          f"{b['sim_s_per_cpu_s']:,.0f} / {b['sim_s_per_wall_s']:,.0f}",
                          f"fast path {p['sim_s_per_cpu_s'] / b['sim_s_per_cpu_s']:.2f}x CPU, "
                          f"{p['sim_s_per_wall_s'] / b['sim_s_per_wall_s']:.2f}x wall; results "
                          f"{'identical' if same else 'DIFFER'}")
        table.add_row("", "peak RSS after simulate / after series()",
                      f"{p['rss_after_sim_mib']:.0f} / {p['peak_rss_mib']:.0f} MiB",
                      f"{p['series']:,} series built in {p['series_build_s']:.1f} s")
    if "churn" in results:
        c = results["churn"]
        met = c["wall_s"] <= 60
        ok &= met
        table.add_row("churn", "1,000 nodes, 1 day", f"{c['wall_s']:.1f} s wall",
                      f"<= 60 s ({'met' if met else 'NOT met'})")
        table.add_row("", "pods created / bound / runs completed",
                      f"{c['pods_created']:,} / {c['pods_scheduled']:,} / {c['runs']:,}", "")
        table.add_row("", "scheduling throughput (time in the scheduler)",
                      f"{c['sched_pods_per_s']:,.0f} pods/s",
                      f"kube-scheduler 400 pods/s ({c['sched_pods_per_s'] / KUBE_SCHEDULER_PODS_PER_S:.1f}x)")
        table.add_row("", "pods bound per wall second (whole run)", f"{c['pods_per_wall_s']:,.0f}", "")
        table.add_row("", "CPU time", f"{c['cpu_s']:.1f} s", "")
        table.add_row("", "peak RSS after simulate / after series()",
                      f"{c['rss_after_sim_mib']:.0f} / {c['peak_rss_mib']:.0f} MiB",
                      f"{c['series']:,} series built in {c['series_build_s']:.1f} s")
    con.print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
