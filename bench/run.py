"""``make bench``: speed and memory of ``provisor check`` on 10,000 and 100,000 generated
objects and on files of many tiny documents.

The sets: Deployments, HPAs, PDBs and ResourceQuotas across 50 namespaces (``generate``),
written as YAML files under ``bench/out/objects``; the same shape across 500 namespaces
(100,000 objects, ``bench/out/objects-100k``); and two files of tiny documents
(``generate_tiny``: 200,000 ``a: 1`` documents; a 10 MiB file of small ConfigMaps). Each
measurement runs in its own process, so the peak RSS printed is that run's own. Timings, all
measured in this run:

* **parse**: PyYAML's C loader (``yaml.load_all(..., CSafeLoader)``) over every file: the
  baseline the target is stated against (check <= 3x parse).
* **check**: ``provisor.manifests.load`` + ``provisor.check.run_check`` (schema validation
  and every rule) + the JSON report, on the full set. Targets: within 3x the parse on
  10,000 objects; within 2x and at most 1 GiB peak on 100,000; within 3x and 256 MiB on
  the tiny-document files.
* **kubernetes-validate**: the ``kubernetes-validate --strict`` CLI over the same files
  (it rebuilds its validator per object, so it is slow). ``--kv-files N`` limits it to the
  first N files and extrapolates per object, printed as such; the default is the full set.

Prints the ratios and the peak RSS of each run. Then the ``recommend`` section (``bench/recommend.py``):
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


def generate(out: Path = OUT, namespaces: int = NAMESPACES) -> tuple[list[Path], int]:
    """Write the set (``namespaces`` x 200 objects); return (files, object count).
    Deterministic."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files: list[Path] = []
    count = 0
    for n in range(namespaces):
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


def _peak_mib() -> float:
    """This process's peak resident set size (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, paths: list[str]) -> int:
    """One measurement in a fresh process (so its peak RSS is its own): ``parse`` (the C
    loader over every file) or ``check`` (load + schema + rules + the JSON report, as
    ``provisor check --format json`` does). Prints one JSON line."""
    import json

    if mode == "parse":
        files = []
        for p in paths:
            pp = Path(p)
            files.extend(sorted(pp.rglob("*.yaml")) if pp.is_dir() else [pp])

        def parse() -> int:
            n = 0
            for f in files:
                with open(f, "rb") as fh:
                    n += sum(1 for _ in yaml.load_all(fh, Loader=yaml.CSafeLoader))
            return n

        t, n = _time(parse)
        print(json.dumps({"seconds": t, "peak_mib": _peak_mib(), "documents": n}))
        return 0
    from provisor.check import run_check
    from provisor.check.output import render
    from provisor.manifests import load

    def check() -> tuple[object, int]:
        result = run_check(load(paths))
        return result, len(render(result, "json"))

    t, (result, size) = _time(check)  # type: ignore[misc]
    print(json.dumps({"seconds": t, "peak_mib": _peak_mib(),
                      "by_severity": result.summary["by_severity"],  # type: ignore[attr-defined]
                      "documents": result.summary["documents"],  # type: ignore[attr-defined]
                      "report_mib": size / 2**20}))
    return 0


def _measure(mode: str, paths: list[str], repeat: int) -> dict:
    """Best time and highest peak RSS of ``repeat`` child runs of ``_child``."""
    import json

    best: dict | None = None
    peak = 0.0
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", mode, *paths],
                             capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        peak = max(peak, r["peak_mib"])
        if best is None or r["seconds"] < best["seconds"]:
            best = r
    assert best is not None
    best["peak_mib"] = peak
    return best


TINY = HERE / "out" / "tiny"


def generate_tiny(out: Path = TINY) -> list[tuple[str, Path, int]]:
    """Two files of many tiny documents (issue 13): 200,000 ``---\\na: 1`` documents
    (each one unrecognized), and ConfigMaps filling a file up to just under the loader's
    10 MiB limit. Returns (label, file, documents)."""
    from provisor.manifests.limits import DEFAULT_LIMITS

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tiny = out / "tiny-200k.yaml"
    tiny.write_text("---\na: 1\n" * 200_000)
    parts: list[str] = []
    size = 0
    i = 0
    while True:
        s = (f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i:06d}, "
             f"namespace: ns}}\ndata: {{k: v}}\n")
        if size + len(s) >= DEFAULT_LIMITS.max_file_bytes:
            break
        parts.append(s)
        size += len(s)
        i += 1
    cms = out / "configmaps-10mib.yaml"
    cms.write_text("".join(parts))
    return [("200,000 documents `a: 1` in one file (1.7 MiB)", tiny, 200_000),
            (f"{i:,} tiny ConfigMaps in one 10 MiB file", cms, i)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kv-files", type=int, default=0,
                    help="run kubernetes-validate on the first N files only (0 = all)")
    ap.add_argument("--skip-kv", action="store_true", help="skip kubernetes-validate")
    ap.add_argument("--repeat", type=int, default=3,
                    help="best of N for parse and check (the 100,000-object set: once)")
    ap.add_argument("--skip-large", action="store_true", help="skip the 100,000-object set")
    ap.add_argument("--skip-recommend", action="store_true",
                    help="skip the recommend section (bench/recommend.py)")
    ap.add_argument("--skip-sweep", action="store_true",
                    help="skip the sweep section (bench/sweep.py)")
    ap.add_argument("--skip-forecast", action="store_true",
                    help="skip the forecast section (bench/forecast_bench.py)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child(args.child[0], args.child[1:])

    from rich.console import Console
    from rich.table import Table

    con = Console()
    files, count = generate()
    con.print(f"generated {count} objects in {len(files)} files under {OUT}")
    sets: list[tuple[str, list[str], int, float, float | None]] = [
        # label, paths, repeat, max time ratio, max peak MiB
        (f"{count:,} objects", [str(OUT)], args.repeat, 3.0, None),
    ]
    if not args.skip_large:
        large_out = HERE / "out" / "objects-100k"
        large_files, large_count = generate(large_out, NAMESPACES * 10)
        con.print(f"generated {large_count} objects in {len(large_files)} files under "
                  f"{large_out}")
        sets.append((f"{large_count:,} objects", [str(large_out)], 1, 2.0, 1024.0))
    for label, f, _n in generate_tiny():
        sets.append((label, [str(f)], args.repeat, 3.0, 256.0))

    table = Table("set", "parse s", "check s", "ratio", "target", "peak MiB (parse / check)",
                  "report MiB", title="provisor check against the PyYAML C loader "
                  "(each in its own process; check = load + schema + rules + JSON report)")
    ok = True
    ten_k: dict | None = None
    parse_10k = 0.0
    for label, paths, repeat, max_ratio, max_mib in sets:
        con.print(f"measuring {label}...")
        p = _measure("parse", paths, repeat)
        c = _measure("check", paths, repeat)
        ratio = c["seconds"] / p["seconds"]
        met = ratio <= max_ratio and (max_mib is None or c["peak_mib"] <= max_mib)
        ok = ok and met
        target = f"<= {max_ratio:g}x" + (f", <= {max_mib:.0f} MiB" if max_mib else "")
        table.add_row(label, f"{p['seconds']:.2f}", f"{c['seconds']:.2f}", f"{ratio:.2f}",
                      f"{target} {'met' if met else 'NOT met'}",
                      f"{p['peak_mib']:.0f} / {c['peak_mib']:.0f}", f"{c['report_mib']:.1f}")
        if ten_k is None:
            ten_k, parse_10k = c, p["seconds"]
    con.print(table)
    assert ten_k is not None
    con.print(f"check findings ({count:,} objects): {ten_k['by_severity']}")
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
        con.print(f"{label}: {kv_t:.2f} s ({kv_t / parse_10k:.2f}x parse); check is "
                  f"{kv_t / ten_k['seconds']:.1f}x faster")
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
