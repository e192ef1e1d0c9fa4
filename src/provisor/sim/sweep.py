"""``provisor sweep``: a grid of policy variants x workloads x scenarios x seeds on the twin,
fanned out on dask.distributed.

The sweep file (YAML; documented in ``docs/sweep.md``; paths in it are relative to it)::

    policy: my-policy.yaml          # optional; the built-in policy when left out
    days: 1                         # simulated days per run
    seeds: 3                        # seeds 0..2, or a list such as [0, 7, 42]
    grid:                           # policy fields by dotted path, each a list of values
      quota.hard.requests.memory: [96Gi, 120Gi, 144Gi]
      agents.rex.max_concurrency: [1, 2, 3]
    workloads: {default: null}      # name -> workload file (null: the policy's own workload)
    scenarios: {steady: [steady], spike: [spike]}   # name -> scenarios combined in one run
    nodes: []                       # node pools ("6x cpu=16,memory=64Gi,pods=110"); [] = policy

Every run is independent and deterministic (a pure function of its inputs and seed). Its
identity is the SHA-256 of those inputs' content (the policy after the overrides, the bytes of
the workload and scenario files, the nodes, days, seed and provisor's version), which keys a
result cache: a second sweep over the same file reruns nothing that finished. A run that
fails is reported with its error, never dropped. Results arrive as runs finish (``progress``)
and are reported in grid order, so the output does not depend on which worker was fastest.

Aggregation across seeds, per variant x workload x scenario and metric: ``n``, ``mean``,
sample standard deviation and the 95% confidence interval of the mean (Student's t with
``n - 1`` degrees of freedom), and the share of seeds that passed the metric's target.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from provisor import __version__ as PROVISOR_VERSION

GridValue = str | int | float | bool


class SweepFileError(ValueError):
    """A sweep file that cannot be used; ``str()`` names the file, line (when known) and
    field."""


def _default_workloads() -> dict[str, str | None]:
    return {"default": None}


class SweepSpec(BaseModel):
    """The sweep file's model (see the module doc). Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    policy: str | None = None
    days: float = Field(1.0, gt=0, le=366)
    seeds: int | list[int] = Field(3)
    grid: dict[str, list[GridValue]] = Field(default_factory=dict)
    workloads: dict[str, str | None] = Field(default_factory=lambda: _default_workloads())
    scenarios: dict[str, list[str]] = Field(default_factory=lambda: {"steady": ["steady"]})
    nodes: list[str] = Field(default_factory=list)

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: int | list[int]) -> int | list[int]:
        if isinstance(v, int):
            if not 1 <= v <= 10_000:
                raise ValueError("a seed count is between 1 and 10000")
        else:
            if not v:
                raise ValueError("at least one seed")
            if len(set(v)) != len(v):
                raise ValueError("seeds repeat")
            if any(s < 0 or s >= 2**63 for s in v):
                raise ValueError("seeds are integers in [0, 2^63)")
        return v

    @field_validator("grid")
    @classmethod
    def _grid(cls, v: dict[str, list[GridValue]]) -> dict[str, list[GridValue]]:
        for path, values in v.items():
            if not values:
                raise ValueError(f"{path}: no values")
            if len({json.dumps(x) for x in values}) != len(values):
                raise ValueError(f"{path}: values repeat")
        return v

    @field_validator("workloads", "scenarios")
    @classmethod
    def _nonempty(cls, v: dict) -> dict:
        if not v:
            raise ValueError("at least one entry")
        return v

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


@dataclass(frozen=True)
class RunSpec:
    """One run of the sweep: what it varies and everything needed to run it on a worker.

    ``variant`` maps grid paths to values; ``policy_json`` is the full policy after the
    overrides (so a worker needs no file of the user's); ``workload_yaml`` holds the workload
    as JSON (read and validated here, ``empirical`` files resolved), ``trace_csv`` the text of
    a trace CSV (a workload file ending in ``.csv``: trace replay, docs/simulate.md), and
    ``scenario_files`` each scenario file's model as JSON (path -> JSON); builtin scenario
    names stay names.
    ``notes`` lists what a plan would refuse in this variant (its capacity problems: a quota
    below the planned load, say); such variants are simulated, to show what they do.
    """

    index: int
    variant: tuple[tuple[str, GridValue], ...]
    workload: str
    scenario: str
    seed: int
    days: float
    policy_json: str
    workload_yaml: str | None
    scenarios: tuple[str, ...]
    scenario_files: tuple[tuple[str, str], ...]
    nodes: tuple[str, ...]
    notes: tuple[str, ...] = ()
    trace_csv: str | None = None

    @property
    def key(self) -> str:
        """SHA-256 of the run's inputs' content (the cache key)."""
        blob = json.dumps({
            "provisor": PROVISOR_VERSION, "policy": self.policy_json,
            "workload": self.workload_yaml, "trace": self.trace_csv, "scenarios": self.scenarios,
            "scenario_files": self.scenario_files, "nodes": self.nodes, "days": self.days,
            "seed": self.seed}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class RunResult:
    """A finished (or failed) run: ``metrics`` maps metric id -> ``{"value", "unit",
    "target", "status"}``; ``summary`` the twin's flat numeric summary; ``error`` is set
    when the run failed (then both are empty). ``cached`` says it came from the cache."""

    spec: RunSpec
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    cached: bool = False

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"run": self.spec.index, **dict(self.spec.variant),
                               "workload": self.spec.workload, "scenario": self.spec.scenario,
                               "seed": self.spec.seed, "key": self.spec.key[:16],
                               "error": self.error or "", "notes": "; ".join(self.spec.notes)}
        for mid in sorted(self.metrics):
            out[mid] = self.metrics[mid].get("value")
            out[f"{mid}:status"] = self.metrics[mid].get("status")
        return out


# ----------------------------------------------------------------------------- loading


def load_sweep(path: str | Path) -> tuple[SweepSpec, list[RunSpec]]:
    """Read a sweep file and expand it into runs (grid order: variants in the product order
    of the grid's paths as written, then workloads, scenarios and seeds).

    Raises:
        SweepFileError: unreadable or invalid file, a grid path that does not resolve, a
            variant that is not a valid policy, a missing workload or scenario file.
    """
    from provisor.policy import PolicyError, dump_policy, load_policy
    from provisor.policy.overrides import apply_overrides
    from provisor.safeyaml import InputError, load_yaml_document

    path = Path(path)
    base = path.parent
    try:
        doc = load_yaml_document(path)
    except InputError as exc:
        raise SweepFileError(str(exc)) from None
    data = doc.value if doc is not None else None

    def line_of(loc: tuple[str, ...]) -> int:
        return _line_of(doc.node if doc is not None else None, loc)
    if not isinstance(data, dict):
        raise SweepFileError(f"{path}:1: a sweep file is a mapping (policy, days, seeds, grid, "
                             "workloads, scenarios, nodes)")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = tuple(str(p) for p in e["loc"])
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise SweepFileError(f"{path}:{line_of(loc)}: {'.'.join(loc)}: {e['msg']}{more}") from None

    try:
        policy = load_policy(_rel(base, spec.policy) if spec.policy else None)
    except (PolicyError, OSError) as exc:
        raise SweepFileError(f"{path}:{line_of(('policy',))}: policy: {exc}") from None

    workloads, scen = _resolve_inputs(path, doc.node if doc is not None else None,
                                      spec.workloads, spec.scenarios)

    paths = list(spec.grid)
    variants = [tuple(zip(paths, combo)) for combo in itertools.product(*spec.grid.values())]
    runs: list[RunSpec] = []
    for variant in variants:
        vname = ", ".join(f"{p}={v}" for p, v in variant) or "<base>"
        try:
            vp = apply_overrides(policy, dict(variant), name=vname, capacity_checks=False)
        except PolicyError as exc:
            raise SweepFileError(f"{path}:{line_of(('grid',))}: grid variant {vname}: "
                                 f"{exc.report()}") from None
        text = dump_policy(vp, "json")
        notes = tuple(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in vp.capacity_problems())
        for (wname, (wtext, trace)), (sname, (items, files)), seed in itertools.product(
                workloads.items(), scen.items(), spec.seed_list()):
            runs.append(RunSpec(len(runs), variant, wname, sname, seed, spec.days, text, wtext,
                                items, files, tuple(spec.nodes), notes, trace))
    return spec, runs


def _rel(base: Path, p: str) -> Path:
    q = Path(p)
    return q if q.is_absolute() else base / q


def _resolve_inputs(path: Path, node: Any, workloads: Mapping[str, str | None],
                    scenarios: Mapping[str, Sequence[str]]
                    ) -> tuple[dict[str, tuple[str | None, str | None]],
                               dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]]:
    """Read and validate the workload and scenario files a sweep or tune file names (relative
    to it): ``({name: (workload JSON or None, trace CSV text or None)}, {name: (items,
    ((file item, scenario JSON), ...))})``; built-in scenario names stay names. A workload
    file ending in ``.csv`` is a trace (docs/simulate.md, "Trace replay").

    Raises:
        SweepFileError: a file cannot be read or is not a valid workload, trace or scenario
            (its own file, line and field in the message, after the sweep file's), or a
            scenario is neither built in nor a file.
    """
    from provisor.sim.inputs import SimInputError, load_scenario, load_workload
    from provisor.sim.scenarios import BUILTIN
    from provisor.sim.trace import TraceError, load_trace

    def fail(what: tuple[str, ...], exc: Exception | str) -> SweepFileError:
        return SweepFileError(f"{path}:{_line_of(node, what)}: {'.'.join(what)}: {exc}")

    wl: dict[str, tuple[str | None, str | None]] = {}
    for name, p in workloads.items():
        if not p:
            wl[name] = (None, None)
            continue
        f = _rel(path.parent, p)
        try:
            if f.suffix.lower() == ".csv":
                from provisor.safeyaml import read_text_file

                load_trace(f)
                wl[name] = (None, read_text_file(f))
            else:
                wl[name] = (load_workload(f).model_dump_json(), None)
        except (SimInputError, TraceError) as exc:
            raise fail(("workloads", name), exc) from None
    sc: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {}
    for name, items in scenarios.items():
        files = []
        for i, s in enumerate(items):
            if s not in BUILTIN:
                f = _rel(path.parent, s)
                if not f.is_file():
                    raise fail(("scenarios", name, str(i)), f"{s!r} is neither a built-in "
                               f"scenario ({', '.join(sorted(BUILTIN))}) nor a file")
                try:
                    files.append((s, load_scenario(str(f)).model_dump_json()))
                except SimInputError as exc:
                    raise fail(("scenarios", name, str(i)), exc) from None
        sc[name] = (tuple(items), tuple(files))
    return wl, sc


def _line_of(node: Any, loc: Sequence[str]) -> int:
    """The line of the deepest node of ``loc`` that exists in the YAML node tree (1-based;
    0 when there is no tree)."""
    import yaml

    from provisor.manifests.loader import node_line

    if node is None:
        return 0
    best = node_line(node)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if getattr(k, "value", None) == part:
                    best, node = node_line(k), v
                    break
            else:
                return best
        elif isinstance(node, yaml.SequenceNode) and str(part).isdigit() \
                and int(part) < len(node.value):
            node = node.value[int(part)]
            best = node_line(node)
        else:
            return best
    return best


# ----------------------------------------------------------------------------- running


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run one simulation (on a Dask worker, or here). Pure: the result depends only on
    ``spec``. Returns ``{"metrics": ..., "summary": ..., "seconds": wall}``.

    Raises:
        whatever the twin raises for inputs it cannot use (reported by the sweep as the
        run's error).
    """
    import dataclasses

    from provisor import sim
    from provisor.policy.model import Policy
    from provisor.policy.workload import Scenario, Workload
    from provisor.sim.inputs import load_scenario

    t0 = time.perf_counter()
    policy = Policy.model_validate(json.loads(spec.policy_json),
                                   context={"capacity_checks": False})
    inputs = sim.load_inputs(policy, nodes=spec.nodes)
    files = dict(spec.scenario_files)
    scenarios = tuple(Scenario.model_validate_json(files[s]) if s in files else load_scenario(s)
                      for s in spec.scenarios)
    changes: dict[str, Any] = {"scenarios": scenarios}
    if spec.workload_yaml is not None:
        changes["workload"] = Workload.model_validate_json(spec.workload_yaml)
    if spec.trace_csv is not None:
        from provisor.sim.trace import parse_trace

        changes["extra"] = {**inputs.extra,
                            "trace": parse_trace(spec.trace_csv, f"workload {spec.workload}")}
    inputs = dataclasses.replace(inputs, **changes)
    result = sim.simulate(inputs, days=spec.days, seed=spec.seed)
    metrics = {m.id: {"value": _num(m.value), "unit": m.unit, "target": m.target,
                      "status": m.status} for m in result.scorecard.metrics}
    summary = {k: float(v) for k, v in _flatten(result.summary).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {"metrics": metrics, "summary": summary, "seconds": time.perf_counter() - t0}


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/provisor/sweep`` (``~/.cache/provisor/sweep``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "provisor" / "sweep"


def _cache_get(cache: Path | None, key: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    p = cache / f"{key}.json"
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def _cache_put(cache: Path | None, key: str, payload: dict[str, Any]) -> None:
    if cache is None:
        return
    from provisor.fsutil import write_text_atomic

    try:
        cache.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cache / f"{key}.json", json.dumps({"key": key, **payload},
                                                             sort_keys=True))
    except OSError:
        pass  # a cache that cannot be written only costs a rerun


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``dask.distributed.Client``: connected to ``scheduler`` (``tcp://host:8786``), or to
    a ``LocalCluster`` of ``workers`` single-threaded worker processes (default: the CPU
    count) started here; both are closed on exit.

    Raises:
        OSError: the scheduler cannot be reached (dask's timeout, 30 s).
    """
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        import logging

        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(runs: Sequence[RunSpec], *, scheduler: str | None = None,
              workers: int | None = None, cache_dir: Path | None = None,
              progress: Callable[[RunResult, int, int], None] | None = None,
              client: Any = None) -> list[RunResult]:
    """Run every spec on dask.distributed and return the results in ``runs`` order.

    Args:
        runs: from :func:`load_sweep`.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); ``None``
            starts a ``LocalCluster`` of ``workers`` single-threaded processes (default: the
            machine's CPU count) and closes it at the end.
        cache_dir: where finished results are kept by content key (``None``: no cache).
        progress: called as each run finishes: ``progress(result, done, total)``.
        client: an open ``dask.distributed.Client`` to use (and leave open) instead of
            ``scheduler``/``workers`` (``tune`` keeps one for its whole search).

    A run that raises is returned with ``error`` set (its exception type and message).
    """
    results: dict[int, RunResult] = {}
    todo: list[RunSpec] = []
    total = len(runs)
    for spec in runs:
        hit = _cache_get(cache_dir, spec.key)
        if hit is not None and not hit.get("error"):
            r = RunResult(spec, hit.get("metrics", {}), hit.get("summary", {}), None,
                          float(hit.get("seconds", 0.0)), cached=True)
            results[spec.index] = r
            if progress:
                progress(r, len(results), total)
        else:
            todo.append(spec)
    if todo:
        from contextlib import nullcontext

        from dask.distributed import as_completed

        ctx = nullcontext(client) if client is not None else dask_client(scheduler, workers)
        with ctx as cl:
            futures = {cl.submit(run_one, spec, key=f"provisor-run-{spec.key}-{spec.index}",
                                 pure=False): spec for spec in todo}
            for fut in as_completed(list(futures)):
                spec = futures[fut]
                if fut.status == "error":
                    exc = fut.exception()
                    r = RunResult(spec, error=f"{type(exc).__name__}: {exc}")
                else:
                    payload = fut.result()
                    r = RunResult(spec, payload["metrics"], payload["summary"], None,
                                  payload["seconds"])
                    _cache_put(cache_dir, spec.key, payload)
                results[spec.index] = r
                fut.release()
                if progress:
                    progress(r, len(results), total)
    return [results[s.index] for s in runs]


# ----------------------------------------------------------------------------- statistics


def t_quantile_975(df: int) -> float:
    """Student's t 97.5% quantile with ``df`` degrees of freedom (scipy.stats.t)."""
    from scipy.stats import t  # type: ignore[import-untyped]

    return float(t.ppf(0.975, df))


@dataclass(frozen=True)
class Aggregate:
    """One metric of one variant x workload x scenario across its seeds."""

    variant: tuple[tuple[str, GridValue], ...]
    workload: str
    scenario: str
    metric: str
    unit: str
    target: str
    n: int
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None
    pass_rate: float | None
    failed_runs: int

    def row(self) -> dict[str, Any]:
        return {**dict(self.variant), "workload": self.workload, "scenario": self.scenario,
                "metric": self.metric, "unit": self.unit, "target": self.target, "n": self.n,
                "mean": self.mean, "std": self.std, "ci95_low": self.ci_low,
                "ci95_high": self.ci_high, "pass_rate": self.pass_rate,
                "failed_runs": self.failed_runs}


def aggregate(results: Iterable[RunResult]) -> list[Aggregate]:
    """Mean, standard deviation, 95% CI of the mean and pass rate per group and metric (see
    the module doc). Groups come out in grid order; metrics sorted by id. A metric whose value
    is missing in a run ("not computed") is left out of ``n`` for that run."""
    import numpy as np

    groups: dict[tuple, list[RunResult]] = {}
    for r in results:
        groups.setdefault((r.spec.variant, r.spec.workload, r.spec.scenario), []).append(r)
    out: list[Aggregate] = []
    for (variant, wl, sc), rs in groups.items():
        failed = sum(1 for r in rs if r.error)
        metric_ids = sorted({m for r in rs for m in r.metrics})
        for mid in metric_ids:
            ms = [r.metrics[mid] for r in rs if mid in r.metrics]
            vals = np.array([m["value"] for m in ms if m.get("value") is not None], dtype=float)
            statuses = [m.get("status") for m in ms if m.get("status") in ("pass", "fail")]
            n = int(vals.size)
            mean = float(vals.mean()) if n else None
            std = float(vals.std(ddof=1)) if n > 1 else (0.0 if n == 1 else None)
            lo: float | None
            hi: float | None
            if n > 1 and mean is not None and std is not None:
                half = t_quantile_975(n - 1) * std / math.sqrt(n)
                lo, hi = mean - half, mean + half
            elif n == 1:
                lo = hi = mean
            else:
                lo = hi = None
            pr = (sum(s == "pass" for s in statuses) / len(statuses)) if statuses else None
            unit = str(ms[0].get("unit") or "") if ms else ""
            target = str(ms[0].get("target") or "") if ms else ""
            out.append(Aggregate(variant, wl, sc, mid, unit, target, n, mean, std, lo, hi, pr,
                                 failed))
    return out


# ----------------------------------------------------------------------------- outputs


def sweep_json(spec: SweepSpec, results: Sequence[RunResult], aggs: Sequence[Aggregate]) -> str:
    """The sweep as JSON: ``{"sweep": {...}, "runs": [...], "aggregates": [...]}``. Every run
    row holds its grid values, workload, scenario, seed, content key, error and each metric's
    value and status; aggregates as :meth:`Aggregate.row`. Deterministic."""
    doc = {"sweep": {"days": spec.days, "seeds": spec.seed_list(), "grid": spec.grid,
                     "workloads": sorted(spec.workloads), "scenarios": sorted(spec.scenarios)},
           "runs": [r.row() for r in results], "aggregates": [a.row() for a in aggs],
           "failed_runs": sum(1 for r in results if r.error)}
    return json.dumps(doc, indent=1, sort_keys=False, allow_nan=False, default=str) + "\n"


def sweep_csv(aggs: Sequence[Aggregate]) -> str:
    """The aggregates as CSV (one row per group and metric; header first)."""
    import csv
    import io

    rows = [a.row() for a in aggs]
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def _sort_key(v: GridValue) -> tuple[int, float, str]:
    from provisor.quantity import Quantity

    if isinstance(v, bool):
        return (1, float(v), str(v))
    if isinstance(v, (int, float)):
        return (0, float(v), "")
    try:
        return (0, float(Quantity.parse(str(v)).value), "")
    except Exception:  # noqa: BLE001 - any non-quantity string sorts as text
        return (2, 0.0, str(v))


def plot_sweep(spec: SweepSpec, results: Sequence[RunResult], dest: str | Path, *,
               overwrite: bool = False, metrics: Sequence[str] | None = None) -> None:
    """A grid of plots (matplotlib): one row per metric, one column per swept field; each
    point is the metric's mean over every run at that field value (all other fields, seeds,
    workloads and scenarios pooled) with its 95% confidence interval, and the metric's
    target as a band when it has a numeric range. PNG or SVG by ``dest``'s suffix, written
    atomically and deterministically (no timestamps in the file).

    Raises:
        FileExistsError: ``dest`` exists and ``overwrite`` is false.
        ValueError: the suffix is not .png or .svg, or the sweep has no grid.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from provisor.fsutil import atomic_writer

    dest = Path(dest)
    fmt = dest.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"{dest}: plots are .png or .svg")
    fields = list(spec.grid)
    if not fields:
        raise ValueError("the sweep has no grid: nothing to plot against")
    ok = [r for r in results if not r.error]
    mids = list(metrics) if metrics else sorted({m for r in ok for m, v in r.metrics.items()
                                                 if v.get("value") is not None})
    if not mids:
        raise ValueError("no metric has a value in any run")
    plt.rcParams["svg.hashsalt"] = "provisor"
    fig, axes = plt.subplots(len(mids), len(fields), squeeze=False,
                             figsize=(3.6 * len(fields) + 0.6, 2.4 * len(mids) + 0.6))
    for i, mid in enumerate(mids):
        unit = next((str(r.metrics[mid].get("unit") or "") for r in ok if mid in r.metrics), "")
        for j, fpath in enumerate(fields):
            ax = axes[i][j]
            values = sorted(spec.grid[fpath], key=_sort_key)
            means, lows, highs = [], [], []
            for v in values:
                xs = np.array([r.metrics[mid]["value"] for r in ok
                               if dict(r.spec.variant).get(fpath) == v and mid in r.metrics
                               and r.metrics[mid].get("value") is not None], dtype=float)
                if xs.size == 0:
                    means.append(np.nan); lows.append(np.nan); highs.append(np.nan)  # noqa: E702
                    continue
                m = float(xs.mean())
                half = (t_quantile_975(xs.size - 1) * float(xs.std(ddof=1)) / math.sqrt(xs.size)
                        if xs.size > 1 else 0.0)
                means.append(m); lows.append(m - half); highs.append(m + half)  # noqa: E702
            x = np.arange(len(values))
            ax.fill_between(x, lows, highs, alpha=0.25, color="tab:blue", linewidth=0)
            ax.plot(x, means, marker="o", color="tab:blue")
            ax.set_xticks(x, [str(v) for v in values], fontsize=8)
            if i == len(mids) - 1:
                ax.set_xlabel(fpath, fontsize=8)
            if j == 0:
                ax.set_ylabel(f"{mid}\n({unit})" if unit else mid, fontsize=8)
            ax.tick_params(axis="y", labelsize=8)
            ax.grid(True, alpha=0.3)
    fig.suptitle(f"provisor sweep: mean and 95% CI over {len(spec.seed_list())} seed(s)",
                 fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=100, metadata=meta)
    plt.close(fig)
    with atomic_writer(dest, overwrite=overwrite) as fh:
        fh.write(buf.getvalue())
