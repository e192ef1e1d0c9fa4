"""``provisor tune``: the cheapest policy that still meets every scorecard target.

The tune file (YAML; ``docs/sweep.md``; paths relative to it)::

    policy: null                    # the policy to start from (null: the built-in one)
    days: 1                         # simulated days per run
    seeds: 3                        # every candidate runs on every seed ...
    workloads: {default: null}      # ... every workload ...
    scenarios: {steady: [steady]}   # ... and every scenario
    search:                         # the dimensions, each within bounds the user gives:
      tiers.implementation.claude-3-5-sonnet.requests.cpu: {min: 500m, max: "2", step: 250m}
      tiers.implementation.claude-3-5-sonnet.requests.memory: {min: 8Gi, max: 16Gi, step: 2Gi}
      agents.rex.max_concurrency: [1, 2, 3]          # or an explicit list of values
    limits: keep-ratio              # a tier's limit follows its request at the starting
                                    # limit/request ratio ("keep": limits stay as they are)
    quota: fit                      # fit: each quota `hard` the plan fills is set to the
                                    # planned demand x (1 + quota.buffer); keep: as written
    targets: all                    # or a list of scorecard metric ids that must pass
    budget: 40                      # most candidates evaluated

**Cost** (per 730-hour month, in the policy's ``prices`` currency): what the quota reserves,
``requests.cpu`` cores x ``cpu_core_hour`` + ``requests.memory`` GiB x ``memory_gib_hour``, x
730, plus ``requests.storage`` GiB x ``storage_gib_month``; where the quota does not set one of
these keys, the planned demand at full concurrency counts instead (what the tiers reserve).

**Feasible**: every target metric passes in *every* run of the candidate (all seeds,
workloads and scenarios: a lucky seed cannot win) and the candidate's render checks with no
error finding (``provisor check``'s rules on the rendered bundle).

**Search**: a lattice per dimension (its ``min..max`` by ``step``, or its list), started from
the base policy's values snapped to the lattice (the top corner when those do not make a valid
policy). Candidates are ordered by (feasible first, fewer violations -- failed target metrics
counted per run, plus run and check errors --, lower cost). Each round evaluates, in parallel
on one Dask client, every neighbour one stride away in one dimension (up or down; once the
current point is feasible, only neighbours that cost less), and moves to the best one when it
beats the current point; when none does, the stride halves (a grid refined around the
frontier), down to one lattice step, then the search stops (or when ``budget`` candidates were
evaluated). While infeasible the search first repairs (a memory request too small for the
OOM target moves up), then descends in cost. Candidates are cached by content like sweep
runs, so a second tune costs nothing. This finds a local optimum; the report lists every
candidate tried, so the frontier can be read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from provisor.sim.sweep import (
    GridValue,
    RunResult,
    RunSpec,
    SweepFileError,
    _default_workloads,
    _line_of,
    run_sweep,
)

HOURS_PER_MONTH = 730


class Range(BaseModel):
    """``{min, max, step}`` of a numeric or quantity dimension (quantities as strings)."""

    model_config = ConfigDict(extra="forbid")
    min: str | int | float
    max: str | int | float
    step: str | int | float


class TuneSpec(BaseModel):
    """The tune file's model (see the module doc). Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    policy: str | None = None
    days: float = Field(1.0, gt=0, le=366)
    seeds: int | list[int] = 3
    workloads: dict[str, str | None] = Field(default_factory=lambda: _default_workloads())
    scenarios: dict[str, list[str]] = Field(default_factory=lambda: {"steady": ["steady"]})
    nodes: list[str] = Field(default_factory=list)
    search: dict[str, Range | list[GridValue]] = Field(min_length=1)
    limits: Literal["keep-ratio", "keep"] = "keep-ratio"
    quota: Literal["fit", "keep"] = "fit"
    targets: Literal["all"] | list[str] = "all"
    budget: int = Field(40, ge=1, le=10_000)

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: int | list[int]) -> int | list[int]:
        if isinstance(v, int) and not 1 <= v <= 1000:
            raise ValueError("a seed count is between 1 and 1000")
        if isinstance(v, list) and (not v or len(set(v)) != len(v)):
            raise ValueError("seeds: a non-empty list without repeats")
        return v

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


def _lattice(path: str, dim: Range | list[GridValue]) -> list[GridValue]:
    """The sorted values of one dimension. Quantity ranges keep the unit of ``step``."""
    from provisor.quantity import Quantity

    if isinstance(dim, list):
        if not dim:
            raise ValueError(f"{path}: no values")
        return dim
    try:
        lo, hi, st = (Quantity.parse(str(x)).value for x in (dim.min, dim.max, dim.step))
    except Exception as exc:  # noqa: BLE001 - reported as the field's error
        raise ValueError(f"{path}: min/max/step must be numbers or quantities ({exc})") from None
    if st <= 0 or hi < lo:
        raise ValueError(f"{path}: needs step > 0 and min <= max")
    n = int((hi - lo) / st) + 1
    if n > 1000:
        raise ValueError(f"{path}: {n} values; at most 1000 per dimension")
    ints = all(isinstance(x, int) for x in (dim.min, dim.max, dim.step))
    out: list[GridValue] = []
    for i in range(n):
        v = lo + st * i
        out.append(int(v) if ints else _format_like(v, str(dim.step)))
    return out


def _format_like(v: Fraction, step: str) -> str:
    """A quantity string for ``v`` in the suffix family of ``step`` (``250m`` -> millicores,
    ``2Gi`` -> binary bytes)."""
    from provisor.quantity import Quantity

    q = Quantity.parse(step)
    if any(step.endswith(s) for s in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")):
        for suffix, mult in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
            if (v / mult).denominator == 1:
                return f"{int(v / mult)}{suffix}"
        return str(int(v))
    if step.endswith("m") or q.value.denominator != 1:
        if v.denominator == 1:
            return str(int(v))
        return f"{int(v * 1000)}m" if (v * 1000).denominator == 1 else str(float(v))
    return str(int(v)) if v.denominator == 1 else str(float(v))


@dataclass
class Candidate:
    """One point of the search: its grid ``point`` (dimension path -> value), the overrides
    it applies to the base policy, its monthly ``cost``, and once evaluated whether it is
    ``feasible``, which targets failed, and its runs."""

    point: tuple[tuple[str, GridValue], ...]
    overrides: dict[str, Any]
    cost: float
    cost_detail: dict[str, float]
    feasible: bool | None = None
    failed_targets: list[str] = field(default_factory=list)
    check_errors: list[str] = field(default_factory=list)
    violation_count: int = 0
    runs: list[RunResult] = field(default_factory=list)


def monthly_cost(policy: Any) -> tuple[float, dict[str, float]]:
    """The policy's monthly cost (see the module doc): ``(total, {"cpu", "memory",
    "storage"})`` in the policy's ``prices.currency``."""
    planned = policy.planned_demand()
    hard = policy.quota.hard
    prices = policy.prices

    def amount(key: str, per_unit: int) -> float:
        # quota values are Quantities in base units (cores, bytes); the plan counts CPU in
        # millicores and memory/storage in bytes
        if key in hard:
            return float(hard[key].value) * (1000 if key.endswith("cpu") else 1) / per_unit
        return planned.get(key, 0) / per_unit

    cores = amount("requests.cpu", 1000)
    gib = amount("requests.memory", 2**30)
    storage_gib = amount("requests.storage", 2**30)
    detail = {"cpu": cores * prices.cpu_core_hour * HOURS_PER_MONTH,
              "memory": gib * prices.memory_gib_hour * HOURS_PER_MONTH,
              "storage": storage_gib * prices.storage_gib_month}
    return sum(detail.values()), detail


class Tuner:
    """Runs the search of one tune file. Build with :func:`load_tune`, then :meth:`run`."""

    def __init__(self, spec: TuneSpec, base: Any, dims: dict[str, list[GridValue]],
                 workloads: dict[str, tuple[str | None, str | None]],
                 scenarios: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]):
        self.spec, self.base, self.dims = spec, base, dims
        self.workloads, self.scenarios = workloads, scenarios
        self.evaluated: dict[tuple, Candidate] = {}
        #: points whose overrides do not make a valid policy, with the reason (reported)
        self.invalid: dict[tuple[tuple[str, GridValue], ...], str] = {}

    # -- building candidates ------------------------------------------------------------
    def start_index(self) -> tuple[int, ...]:
        """The base policy's value of each dimension snapped to the lattice (the nearest
        value at or above it; the top when above every value)."""
        from provisor.policy.overrides import get_path

        data = self.base.model_dump(mode="json", by_alias=True)
        idx = []
        for path, values in self.dims.items():
            cur = get_path(data, path)
            keys = [_key(v) for v in values]
            ck = _key(cur)
            above = [i for i, k in enumerate(keys) if k >= ck]
            idx.append(above[0] if above else len(values) - 1)
        return tuple(idx)

    def candidate(self, index: Sequence[int]) -> Candidate | None:
        """The candidate at lattice ``index``, or ``None`` when its overrides do not make a
        valid policy (a limit above the LimitRange max, say)."""
        from provisor.policy import PolicyError
        from provisor.policy.overrides import apply_overrides, get_path

        point = tuple((p, self.dims[p][i]) for p, i in zip(self.dims, index))
        overrides: dict[str, Any] = dict(point)
        data = self.base.model_dump(mode="json", by_alias=True)
        if self.spec.limits == "keep-ratio":
            for path, value in point:
                parts = path.split(".")
                if "requests" in parts:
                    k = len(parts) - 1 - parts[::-1].index("requests")
                    lim_path = ".".join(parts[:k] + ["limits"] + parts[k + 1:])
                    if lim_path in overrides:
                        continue
                    try:
                        old_req, old_lim = get_path(data, path), get_path(data, lim_path)
                    except (KeyError, IndexError, TypeError, ValueError):
                        continue
                    overrides[lim_path] = _scale(value, old_req, old_lim)
        try:
            pol = apply_overrides(self.base, overrides, name="<candidate>",
                                  capacity_checks=False)
            if self.spec.quota == "fit":
                overrides.update(fit_quota(pol))
            # the result must be a policy `policy validate` accepts (capacity checks on)
            pol = apply_overrides(self.base, overrides, name="<candidate>")
        except PolicyError as exc:
            self.invalid[point] = exc.report()
            return None
        cost, detail = monthly_cost(pol)
        return Candidate(point, overrides, cost, detail)

    def run_specs(self, cand: Candidate, start_index: int) -> list[RunSpec]:
        import itertools

        from provisor.policy import dump_policy
        from provisor.policy.overrides import apply_overrides

        pol = apply_overrides(self.base, cand.overrides, name="<candidate>",
                              capacity_checks=False)
        text = dump_policy(pol, "json")
        out: list[RunSpec] = []
        for (wname, (wtext, trace)), (sname, (items, files)), seed in itertools.product(
                self.workloads.items(), self.scenarios.items(), self.spec.seed_list()):
            out.append(RunSpec(start_index + len(out), cand.point, wname, sname, seed,
                               self.spec.days, text, wtext, items, files, tuple(self.spec.nodes),
                               trace_csv=trace))
        return out

    # -- judging --------------------------------------------------------------------------
    def judge(self, cand: Candidate) -> None:
        """Set ``feasible`` and ``failed_targets`` from the candidate's runs and its render's
        check."""
        from provisor.policy.overrides import apply_overrides

        failed: set[str] = set()
        count = 0
        for r in cand.runs:
            if r.error:
                failed.add(f"run error: {r.error}")
                count += 1
                continue
            for mid, m in r.metrics.items():
                wanted = self.spec.targets == "all" or mid in self.spec.targets
                if wanted and m.get("status") == "fail":
                    failed.add(mid)
                    count += 1
        cand.violation_count = count
        pol = apply_overrides(self.base, cand.overrides, name="<candidate>",
                              capacity_checks=False)
        cand.check_errors = render_check_errors(pol)
        cand.failed_targets = sorted(failed)
        cand.feasible = not failed and not cand.check_errors

    def evaluate(self, cands: list[Candidate], *, client: Any, cache_dir: Path | None,
                 progress: Callable[[str], None] | None) -> None:
        specs: list[RunSpec] = []
        owner: list[Candidate] = []
        for c in cands:
            for s in self.run_specs(c, len(specs)):
                specs.append(s)
                owner.append(c)
        results = run_sweep(specs, client=client, cache_dir=cache_dir)
        for c in cands:
            c.runs = []
        for r, c in zip(results, owner):
            c.runs.append(r)
        for c in cands:
            self.judge(c)
            if progress:
                progress(f"{'feasible' if c.feasible else 'infeasible'} cost {c.cost:.2f}: "
                         + ", ".join(f"{p}={v}" for p, v in c.point))

    def run(self, *, scheduler: str | None = None, workers: int | None = None,
            cache_dir: Path | None = None, progress: Callable[[str], None] | None = None
            ) -> "TuneResult":
        """Search (see the module doc) and return the best feasible candidate with the
        baseline's evaluation. One Dask client serves the whole search."""
        from provisor.sim.sweep import dask_client

        with dask_client(scheduler, workers) as client:
            result = self._search(client, cache_dir, progress)
        result.invalid = [(dict(p), why) for p, why in sorted(self.invalid.items(),
                                                               key=lambda x: repr(x[0]))]
        return result

    def _search(self, client: Any, cache_dir: Path | None,
                progress: Callable[[str], None] | None) -> "TuneResult":
        from provisor.policy.overrides import apply_overrides

        def ev(cands: list[Candidate]) -> None:
            self.evaluate(cands, client=client, cache_dir=cache_dir, progress=progress)

        budget = self.spec.budget
        # the baseline: the policy as given (its own quota), for the comparison
        baseline = Candidate((), {}, *monthly_cost(self.base))
        start = self.start_index()
        top = tuple(len(v) - 1 for v in self.dims.values())
        first = self.candidate(start)
        current_idx = start
        if first is None and top != start:
            first, current_idx = self.candidate(top), top
        batch = [baseline] + ([first] if first is not None else [])
        ev(batch)
        used = len(batch)
        tried: list[Candidate] = batch[1:]
        if first is None:
            return TuneResult(self.spec, self.base, baseline, None, tried)
        current = first
        stride = max(1, max(len(v) for v in self.dims.values()) // 2)
        seen = {current_idx}
        while used < budget:
            neigh: list[tuple[tuple[int, ...], Candidate]] = []
            for d, values in enumerate(self.dims.values()):
                for step in (-stride, stride):
                    idx = list(current_idx)
                    idx[d] = min(max(idx[d] + step, 0), len(values) - 1)
                    t = tuple(idx)
                    if t == current_idx or t in seen:
                        continue
                    cand = self.candidate(t)
                    if cand is None:
                        seen.add(t)
                        continue
                    if current.feasible and cand.cost >= current.cost:
                        continue            # cannot improve on a feasible point
                    neigh.append((t, cand))
            neigh = neigh[: max(0, budget - used)]
            if neigh:
                seen.update(t for t, _ in neigh)
                ev([c for _, c in neigh])
                used += len(neigh)
                tried += [c for _, c in neigh]
                better = sorted((_score(c), t, i) for i, (t, c) in enumerate(neigh)
                                if _score(c) < _score(current))
                if better:
                    _, current_idx, i = better[0]
                    current = neigh[i][1]
                    continue
            if stride == 1:
                break
            stride = max(1, stride // 2)
        if not current.feasible:
            return TuneResult(self.spec, self.base, baseline, None, tried)
        best_policy = apply_overrides(self.base, current.overrides, name="<best>")
        return TuneResult(self.spec, self.base, baseline, current, tried, best_policy)


def _score(c: Candidate) -> tuple[int, int, float]:
    """The search's order: feasible first, then fewer violations (failed target metrics
    counted per run, run errors and check errors), then lower cost."""
    return (0 if c.feasible else 1, violations(c), round(c.cost, 9))


def violations(c: Candidate) -> int:
    """How far a candidate is from feasible: its failed (run, target metric) pairs, failed
    runs and check errors."""
    return c.violation_count + len(c.check_errors)


def _key(v: Any) -> float:
    from provisor.quantity import Quantity

    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(Quantity.parse(str(v)).value)
    except Exception:  # noqa: BLE001
        return math.nan


def _scale(new_req: Any, old_req: Any, old_lim: Any) -> Any:
    """The limit that keeps ``old_lim / old_req`` at request ``new_req`` (quantity string,
    in the request's format)."""
    from provisor.quantity import Quantity

    r0, l0 = Quantity.parse(str(old_req)).value, Quantity.parse(str(old_lim)).value
    r1 = Quantity.parse(str(new_req)).value
    if r0 == 0:
        return old_lim
    return _format_like(r1 * l0 / r0, str(new_req))


def fit_quota(policy: Any) -> dict[str, str]:
    """Overrides that set every quota ``hard`` key the plan fills to the planned demand x
    (1 + ``quota.buffer``), rounded up (CPU to 100m, memory and storage to 1Gi, counts to
    1)."""
    planned = policy.planned_demand()
    buf = Fraction(str(policy.quota.buffer))
    out: dict[str, str] = {}
    for key in sorted(policy.quota.hard):
        if key not in planned or planned[key] == 0:
            continue
        need = Fraction(planned[key]) * (1 + buf)
        if key in ("requests.cpu", "limits.cpu", "cpu"):
            out[f"quota.hard.{key}"] = f"{math.ceil(need / 100) * 100}m"
        elif key in ("requests.memory", "limits.memory", "memory") or key.endswith("storage"):
            out[f"quota.hard.{key}"] = f"{math.ceil(need / 2**30)}Gi"
        else:
            out[f"quota.hard.{key}"] = str(math.ceil(need))
    return out


def render_check_errors(policy: Any) -> list[str]:
    """Error findings of ``provisor check`` on the policy's render (rule: message)."""
    import tempfile

    from provisor.check import run_check
    from provisor.manifests import load
    from provisor.render import render, write_bundle

    with tempfile.TemporaryDirectory(prefix="provisor-tune-") as tmp:
        out = Path(tmp) / "bundle"
        write_bundle(render(policy), out)
        result = run_check(load([str(out)]))
    return sorted(f"{f.rule}: {f.message}" for f in result.findings if f.severity == "error")


@dataclass
class TuneResult:
    """The search's outcome: ``best`` is ``None`` when no candidate within the bounds met
    every target (``tried`` then shows what failed)."""

    spec: TuneSpec
    base: Any
    baseline: Candidate
    best: Candidate | None
    tried: list[Candidate]
    best_policy: Any = None
    #: lattice points skipped because they do not make a valid policy: (point, reason)
    invalid: list[tuple[dict[str, Any], str]] = field(default_factory=list)

    @property
    def saving(self) -> float | None:
        """The best candidate's saving against the baseline, as a fraction of the
        baseline's monthly cost."""
        if self.best is None or self.baseline.cost <= 0:
            return None
        return 1.0 - self.best.cost / self.baseline.cost


def load_tune(path: str | Path) -> Tuner:
    """Read a tune file.

    Raises:
        SweepFileError: unreadable or invalid file (file, line and field in the message).
    """
    from provisor.policy import PolicyError, load_policy
    from provisor.safeyaml import InputError, load_yaml_document
    from provisor.sim.sweep import _resolve_inputs

    path = Path(path)
    try:
        doc = load_yaml_document(path)
    except InputError as exc:
        raise SweepFileError(str(exc)) from None
    data = doc.value if doc is not None else None
    node = doc.node if doc is not None else None
    if not isinstance(data, dict):
        raise SweepFileError(f"{path}:1: a tune file is a mapping (policy, days, seeds, search, "
                             "...)")
    try:
        spec = TuneSpec.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = tuple(str(p) for p in e["loc"])
        raise SweepFileError(f"{path}:{_line_of(node, loc)}: {'.'.join(loc)}: {e['msg']}") from None
    base_dir = path.parent
    try:
        base = load_policy((base_dir / spec.policy) if spec.policy else None)
    except (PolicyError, OSError) as exc:
        raise SweepFileError(f"{path}:{_line_of(node, ('policy',))}: policy: {exc}") from None
    from provisor.policy.overrides import OverrideError, get_path

    data = base.model_dump(mode="json", by_alias=True)
    dims: dict[str, list[GridValue]] = {}
    for p, dim in spec.search.items():
        try:
            get_path(data, p)
        except OverrideError as exc:
            raise SweepFileError(f"{path}:{_line_of(node, ('search', p))}: search: {exc}") from None
        try:
            dims[p] = sorted(_lattice(p, dim), key=_key)
        except ValueError as exc:
            raise SweepFileError(f"{path}:{_line_of(node, ('search', p))}: search: {exc}") from None
    workloads, scenarios = _resolve_inputs(path, node, spec.workloads, spec.scenarios)
    return Tuner(spec, base, dims, workloads, scenarios)


def mean_metrics(cand: Candidate) -> dict[str, tuple[float | None, str, str]]:
    """Per metric over the candidate's runs: ``(mean value or None, unit, status)`` where
    status is ``pass`` when every run passed, ``fail`` when any failed, else
    ``not-computed``."""
    acc: dict[str, list[dict[str, Any]]] = {}
    for r in cand.runs:
        for mid, m in r.metrics.items():
            acc.setdefault(mid, []).append(m)
    out: dict[str, tuple[float | None, str, str]] = {}
    for mid, ms in sorted(acc.items()):
        vals = [m["value"] for m in ms if m.get("value") is not None]
        st = [m.get("status") for m in ms]
        status = "fail" if "fail" in st else ("pass" if st and all(s == "pass" for s in st)
                                              else "not-computed")
        out[mid] = (sum(vals) / len(vals) if vals else None, str(ms[0].get("unit") or ""), status)
    return out


def tune_json(result: TuneResult) -> dict[str, Any]:
    """The tune result as JSON-ready data: baseline and best (cost in the currency per month,
    overrides, mean metrics), the saving (fraction), and every candidate tried."""
    def cand(c: Candidate | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {"point": dict(c.point), "overrides": dict(sorted(c.overrides.items())),
                "cost_per_month": round(c.cost, 6),
                "cost_detail": {k: round(v, 6) for k, v in sorted(c.cost_detail.items())},
                "feasible": c.feasible, "failed_targets": c.failed_targets,
                "violations": violations(c),
                "check_errors": c.check_errors,
                "metrics": {k: {"mean": v[0], "unit": v[1], "status": v[2]}
                            for k, v in mean_metrics(c).items()}}

    return {"currency": result.base.prices.currency, "baseline": cand(result.baseline),
            "best": cand(result.best), "saving": result.saving,
            "tried": [cand(c) for c in result.tried],
            "invalid": [{"point": p, "reason": why} for p, why in result.invalid]}
