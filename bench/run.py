"""``make bench``: speed and memory of ``provisor check`` on 10,000 generated objects.

The set: Deployments, HPAs, PDBs and ResourceQuotas across 50 namespaces (``generate``),
written as YAML files under ``bench/out/objects``. Three timings, all measured in this run:

* **parse**: PyYAML's C loader (``yaml.load_all(..., CSafeLoader)``) over every file: the
  baseline the target is stated against (check <= 3x parse).
* **check**: ``provisor.manifests.load`` + ``provisor.check.run_check`` (schema validation
  and every rule), in-process, on the full set.
* **kubernetes-validate**: the ``kubernetes-validate --strict`` CLI over the same files
  (it rebuilds its validator per object, so it is slow). ``--kv-files N`` limits it to the
  first N files and extrapolates per object, printed as such; the default is the full set.

Prints the ratios and the peak RSS. Then the ``recommend`` section (``bench/recommend.py``):
requests and bytes of a usage scan of 1,000 containers over 14 days against one query per 50
pods. Then the ``sweep`` section (``bench/sweep.py``): runs per minute of a 100-run sweep on
dask.distributed with 1 and 2 workers, against a serial in-process baseline. Exit code 0, or
1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "objects"

NAMESPACES = 50
APPS_PER_NS = 66          # x (Deployment + HPA + PDB) = 198 objects
QUOTAS_PER_NS = 2         # -> 200 objects per namespace, 10,000 in all
APPS_PER_FILE = 6


def _app(ns: str, i: int) -> list[dict]:
    name = f"svc-{i:03d}"
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": ns}
    cpu = f"{100 + (i * 37) % 900}m"
    mem = f"{128 + (i * 64) % 1920}Mi"
    containers = [{
        "name": "app",
        "image": f"registry.example.org/{ns}/{name}:1.{i % 10}.0",
        "ports": [{"containerPort": 8080, "name": "http"}],
        "resources": {"requests": {"cpu": cpu, "memory": mem},
                      "limits": {"cpu": f"{2 * (100 + (i * 37) % 900)}m", "memory": mem}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
    }]
    if i % 5 == 0:
        containers.append({"name": "proxy", "image": "registry.example.org/proxy:2.0",
                           "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                         "limits": {"cpu": "100m", "memory": "64Mi"}}})
    dep = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": containers}}},
    }
    if i % 7 == 0:
        dep["spec"]["replicas"] = 3
    metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 60 + i % 30}}}]
    if i % 4 == 0:
        metrics.append({"type": "Resource", "resource": {"name": "memory", "target": {
            "type": "AverageValue", "averageValue": mem}}})
    hpa = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                 "minReplicas": 2, "maxReplicas": 4 + i % 8, "metrics": metrics,
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300, "policies": [
                     {"type": "Percent", "value": 50, "periodSeconds": 60}]}}},
    }
    pdb = {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"matchLabels": labels},
                 **({"maxUnavailable": 1} if i % 2 else {"minAvailable": "50%"}),
                 "unhealthyPodEvictionPolicy": "AlwaysAllow"},
    }
    return [dep, hpa, pdb]


def _quotas(ns: str) -> list[dict]:
    return [
        {"apiVersion": "v1", "kind": "ResourceQuota",
         "metadata": {"name": "compute", "namespace": ns},
         "spec": {"hard": {"requests.cpu": "400", "requests.memory": "800Gi",
                           "limits.cpu": "800", "limits.memory": "800Gi", "pods": "1000"}}},
        {"apiVersion": "v1", "kind": "ResourceQuota",
         "metadata": {"name": "objects", "namespace": ns},
         "spec": {"hard": {"count/deployments.apps": "100", "configmaps": "100",
                           "persistentvolumeclaims": "20", "requests.storage": "1Ti"}}},
    ]


def generate(out: Path = OUT) -> tuple[list[Path], int]:
    """Write the set; return (files, object count). Deterministic."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files: list[Path] = []
    count = 0
    for n in range(NAMESPACES):
        ns = f"team-{n:02d}"
        objs: list[dict] = []
        for i in range(APPS_PER_NS):
            objs.extend(_app(ns, i))
        objs.extend(_quotas(ns))
        per_file = APPS_PER_FILE * 3
        for k in range(0, len(objs), per_file):
            p = out / f"{ns}-{k // per_file:02d}.yaml"
            p.write_text(yaml.dump_all(objs[k:k + per_file], Dumper=yaml.CSafeDumper,
                                       sort_keys=False))
            files.append(p)
        count += len(objs)
    return files, count


def _time(fn) -> tuple[float, object]:
    gc.collect()
    t = time.perf_counter()
    r = fn()
    return time.perf_counter() - t, r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kv-files", type=int, default=0,
                    help="run kubernetes-validate on the first N files only (0 = all)")
    ap.add_argument("--skip-kv", action="store_true", help="skip kubernetes-validate")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for parse and check")
    ap.add_argument("--skip-recommend", action="store_true",
                    help="skip the recommend section (bench/recommend.py)")
    ap.add_argument("--skip-sweep", action="store_true",
                    help="skip the sweep section (bench/sweep.py)")
    ap.add_argument("--skip-forecast", action="store_true",
                    help="skip the forecast section (bench/forecast_bench.py)")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    con = Console()
    files, count = generate()
    con.print(f"generated {count} objects in {len(files)} files under {OUT}")

    def parse() -> int:
        n = 0
        for p in files:
            with open(p, "rb") as fh:
                n += sum(1 for _ in yaml.load_all(fh, Loader=yaml.CSafeLoader))
        return n

    from provisor.check import run_check
    from provisor.manifests import load

    def check() -> object:
        return run_check(load([str(OUT)]))

    parse_t = min(_time(parse)[0] for _ in range(args.repeat))
    check_runs = [_time(check) for _ in range(args.repeat)]
    check_t = min(t for t, _ in check_runs)
    result = check_runs[0][1]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    table = Table("measure", "seconds", "ratio to parse", title=f"{count} objects")
    table.add_row("PyYAML C loader parse", f"{parse_t:.2f}", "1.00")
    table.add_row("provisor check (load + schema + rules)", f"{check_t:.2f}",
                  f"{check_t / parse_t:.2f}")
    if not args.skip_kv:
        kv = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent /
                                                        "kubernetes-validate")
        subset = files[: args.kv_files] if args.kv_files else files
        n_sub = sum(len(list(yaml.load_all(p.read_text(), Loader=yaml.CSafeLoader)))
                    for p in subset)
        con.print(f"kubernetes-validate --strict on {len(subset)} files ({n_sub} objects)...")
        t = time.perf_counter()
        subprocess.run([kv, "--strict", "--quiet", *map(str, subset)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        kv_t = time.perf_counter() - t
        label = "kubernetes-validate --strict CLI"
        if n_sub != count:
            kv_t = kv_t * count / n_sub
            label += f" (extrapolated from {n_sub} objects)"
        table.add_row(label, f"{kv_t:.2f}", f"{kv_t / parse_t:.2f}")
        table.add_row("check speed-up over kubernetes-validate", "", f"{kv_t / check_t:.1f}x")
    con.print(table)
    sev = result.summary["by_severity"]  # type: ignore[attr-defined]
    con.print(f"check findings: {sev}; peak RSS {rss_mb:.0f} MiB")
    ok = check_t <= 3 * parse_t
    con.print(f"target check <= 3x parse: {'met' if ok else 'NOT met'} "
              f"({check_t / parse_t:.2f}x)")
    if not args.skip_recommend:
        sys.path.insert(0, str(HERE))
        import recommend as recommend_bench

        ok = recommend_bench.run(con) and ok
    if not args.skip_sweep:
        sys.path.insert(0, str(HERE))
        import sweep as sweep_bench

        ok = sweep_bench.run(con) and ok
    if not args.skip_forecast:
        sys.path.insert(0, str(HERE))
        import forecast_bench

        forecast_bench.run(con)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
