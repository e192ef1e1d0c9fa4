"""Recommendations per agent class (and model) and container, and the backtest.

Public API
----------
``run_recommend(usages, strategies, *, policy=None, progress=None) -> RecommendReport``
    For every strategy and every ``GroupKey`` (namespace, class, model, container): the
    recommendation (cores, bytes), the current request/limit (median over the pods), the
    average number of running containers, and the savings per running container and for the
    class: cores, GiB and money per month (730 h) at the policy's ``prices``. With a policy,
    a class that is a policy tier is held to the LimitRange (min, max, maxLimitRequestRatio,
    checked again with ``provisor.k8s.limitranger.pod_limit_errors``) and the quota (the
    policy's planned demand with the new sizes against ``quota.hard``); a note says when a
    recommendation had to be changed or cannot fit.
``run_backtest(usages, strategies, fit_until, *, policy=None) -> BacktestReport``
    Fits every strategy on the samples before ``fit_until`` (seconds) and replays the advice on
    the samples from ``fit_until`` on. Per strategy (and for the current requests): memory and
    CPU slack ``sum(request - usage) / sum(request)`` over all samples, OOM events (runs of
    samples whose working set is above the memory limit; one run = one kill) and their rate
    per container-day, throttled share (share of CPU samples whose demand is above the CPU
    limit), and cost over the scored window against the current requests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .strategies import Recommendation, Strategy
from .usage import ContainerUsage, GroupKey, clip, group_usages

__all__ = [
    "BacktestReport",
    "BacktestRow",
    "ClassAdvice",
    "RecommendReport",
    "run_backtest",
    "run_recommend",
]

GIB = 1024.0**3
HOURS_PER_MONTH = 730.0
Progress = Callable[[str, int, int], None]


@dataclass
class ClassAdvice:
    """One strategy's advice for one ``GroupKey`` with the current sizes and the savings.

    ``current_*`` are medians over the pods (NaN when unknown); ``replicas`` is the average
    number of running containers over the history; ``savings_*`` are for the whole class
    (per container x replicas): ``savings_cores``, ``savings_gib``, ``savings_per_month``.
    """

    strategy: str
    key: GroupKey
    rec: Recommendation
    current_cpu_request: float
    current_cpu_limit: float
    current_mem_request: float
    current_mem_limit: float
    replicas: float
    pods: int
    savings_cores: float = math.nan
    savings_gib: float = math.nan
    savings_per_month: float = math.nan


@dataclass
class RecommendReport:
    """All advice, sorted by (strategy order, key); totals per strategy."""

    advice: list[ClassAdvice]
    totals: dict[str, dict[str, float]]
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)


def _median(vals: Sequence[float]) -> float:
    ok = [v for v in vals if not math.isnan(v)]
    return float(np.median(ok)) if ok else math.nan


def _replicas(us: Sequence[ContainerUsage]) -> float:
    """Average number of these containers running: sum of lifetimes / span of the history."""
    starts, ends, life = [], [], 0.0
    for u in us:
        t = u.mem_t if len(u.mem_t) >= len(u.cpu_t) else u.cpu_t
        if len(t):
            step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
            starts.append(float(t[0]) - step)
            ends.append(float(t[-1]))
            life += float(t[-1] - t[0]) + step
    if not starts:
        return 0.0
    span = max(ends) - min(starts)
    return life / span if span > 0 else float(len(starts))


def _prices(policy: Any) -> tuple[float, float, str]:
    from provisor.policy.model import Prices

    p = getattr(policy, "prices", None) or Prices()
    return p.cpu_core_hour, p.memory_gib_hour, p.currency


def _pods_by_class(groups: Mapping[GroupKey, Sequence[ContainerUsage]]
                   ) -> dict[tuple[str, str, str], dict[str, Sequence[ContainerUsage]]]:
    out: dict[tuple[str, str, str], dict[str, Sequence[ContainerUsage]]] = {}
    for k, us in groups.items():
        out.setdefault((k.namespace, k.group, k.model), {})[k.container] = us
    return out


def _fit(strategies: Sequence[Strategy], groups: Mapping[GroupKey, Sequence[ContainerUsage]],
         progress: Progress | None) -> dict[str, dict[GroupKey, Recommendation]]:
    shapes = _pods_by_class(groups)
    out: dict[str, dict[GroupKey, Recommendation]] = {}
    total = len(shapes) * len(strategies)
    done = 0
    for s in strategies:
        recs: dict[GroupKey, Recommendation] = {}
        for (ns, grp, model), containers in sorted(shapes.items()):
            for cname, r in s.recommend(containers).items():
                recs[GroupKey(ns, grp, model, cname)] = r
            done += 1
            if progress is not None:
                progress(f"{s.name}: {ns}/{grp}", done, total)
        out[s.name] = recs
    return out


def run_recommend(
    usages: Sequence[ContainerUsage],
    strategies: Sequence[Strategy],
    *,
    policy: Any = None,
    progress: Progress | None = None,
) -> RecommendReport:
    """Advice per strategy and ``GroupKey`` (see the module docstring).

    ``policy`` (a ``provisor.policy.Policy`` or None) gives the prices, the LimitRange and the
    quota. Raises nothing on thin data: a group without samples gets NaN and a note.
    """
    from .constraints import apply_policy_constraints

    groups = group_usages(usages)
    fitted = _fit(strategies, groups, progress)
    cpu_price, mem_price, currency = _prices(policy)
    advice: list[ClassAdvice] = []
    totals: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for s in strategies:
        recs = fitted[s.name]
        if policy is not None:
            notes.extend(f"{s.name}: {n}" for n in apply_policy_constraints(policy, recs))
        tot = {"savings_cores": 0.0, "savings_gib": 0.0, "savings_per_month": 0.0}
        for key in sorted(recs):
            us = groups[key]
            r = recs[key]
            a = ClassAdvice(
                s.name, key, r,
                _median([u.request_cpu for u in us]), _median([u.limit_cpu for u in us]),
                _median([u.request_mem for u in us]), _median([u.limit_mem for u in us]),
                _replicas(us), len(us),
            )
            d_cpu = a.current_cpu_request - r.cpu_request
            d_mem = (a.current_mem_request - r.mem_request) / GIB
            a.savings_cores = d_cpu * a.replicas
            a.savings_gib = d_mem * a.replicas
            a.savings_per_month = (
                (0.0 if math.isnan(a.savings_cores) else a.savings_cores * cpu_price)
                + (0.0 if math.isnan(a.savings_gib) else a.savings_gib * mem_price)
            ) * HOURS_PER_MONTH
            for k in tot:
                v = getattr(a, k)
                if not math.isnan(v):
                    tot[k] += v
            advice.append(a)
        totals[s.name] = tot
    return RecommendReport(advice, totals, currency, notes)


# ------------------------------------------------------------------------------------------
# Backtest
# ------------------------------------------------------------------------------------------


@dataclass
class BacktestRow:
    """Scores of one strategy (or ``current``) on the replay window.

    ``cpu_slack`` / ``mem_slack``: sum(request - usage) / sum(request) over all samples (NaN
    without samples or requests); ``oom_events``: kills (runs of working set > limit);
    ``oom_rate``: kills per container-day; ``throttled_share``: share of CPU samples with usage
    above the limit; ``cost``: requests x time x prices over the window; ``cost_vs_current``:
    cost / the current requests' cost; ``containers``: containers scored.
    """

    strategy: str
    cpu_slack: float
    mem_slack: float
    oom_events: int
    oom_rate: float
    throttled_share: float
    cost: float
    cost_vs_current: float
    containers: int


@dataclass
class BacktestReport:
    """Rows (``current`` first, then the strategies in the order given), the windows
    (seconds) and notes (e.g. containers without a fitted recommendation)."""

    rows: list[BacktestRow]
    fit_start: float
    fit_until: float
    score_end: float
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)


def _oom_runs(over: np.ndarray) -> int:
    """Number of runs of True (each a kill)."""
    if not len(over):
        return 0
    return int(over[0]) + int(np.count_nonzero(over[1:] & ~over[:-1]))


def _dt(t: np.ndarray) -> np.ndarray:
    if len(t) < 2:
        return np.ones(len(t))
    d = np.diff(t)
    return np.concatenate(([np.median(d)], d))


def _score(name: str, pairs: Sequence[tuple[ContainerUsage, Recommendation | None]],
           cpu_price: float, mem_price: float) -> BacktestRow:
    cs_num = cs_den = ms_num = ms_den = 0.0
    ooms = 0
    thr_n = thr_d = 0
    cost = 0.0
    days = 0.0
    for u, r in pairs:
        if r is None:
            continue
        if len(u.cpu) and not math.isnan(r.cpu_request):
            dt = _dt(u.cpu_t)
            cs_num += float(np.sum((r.cpu_request - u.cpu) * dt))
            cs_den += float(np.sum(r.cpu_request * dt))
            cost += r.cpu_request * float(dt.sum()) / 3600.0 * cpu_price
            if r.cpu_limit is not None and not math.isnan(r.cpu_limit):
                demand = u.cpu
                if len(u.thr):
                    share = np.interp(u.cpu_t, u.thr_t, u.thr, left=0.0, right=0.0)
                    demand = u.cpu / np.maximum(1.0 - share, 0.05)
                thr_n += int(np.count_nonzero(demand > r.cpu_limit * (1 + 1e-9)))
            thr_d += len(u.cpu)
        if len(u.mem) and not math.isnan(r.mem_request):
            dt = _dt(u.mem_t)
            ms_num += float(np.sum((r.mem_request - u.mem) * dt))
            ms_den += float(np.sum(r.mem_request * dt))
            cost += r.mem_request / GIB * float(dt.sum()) / 3600.0 * mem_price
            if r.mem_limit is not None and not math.isnan(r.mem_limit):
                ooms += _oom_runs(u.mem > r.mem_limit)
            days += float(dt.sum()) / 86400.0
    return BacktestRow(
        name,
        cs_num / cs_den if cs_den > 0 else math.nan,
        ms_num / ms_den if ms_den > 0 else math.nan,
        ooms,
        ooms / days if days > 0 else math.nan,
        thr_n / thr_d if thr_d else math.nan,
        cost,
        math.nan,
        sum(1 for _, r in pairs if r is not None),
    )


def run_backtest(
    usages: Sequence[ContainerUsage],
    strategies: Sequence[Strategy],
    fit_until: float,
    *,
    policy: Any = None,
    progress: Progress | None = None,
) -> BacktestReport:
    """Fit on ``[start, fit_until)``, replay on ``[fit_until, end]`` (module docstring).

    Only containers (by ``GroupKey``) with history in the fit window are scored; the others are
    counted in a note. Raises ``ValueError`` when either window holds no samples.
    """
    times = [float(t) for u in usages for t in (u.cpu_t[:1], u.mem_t[:1], u.cpu_t[-1:],
                                                   u.mem_t[-1:]) for t in t]
    if not times:
        raise ValueError("no usage samples")
    start, end = min(times), max(times)
    fit = [c for c in (clip(u, -math.inf, fit_until) for u in usages) if len(c.cpu) or len(c.mem)]
    score = [c for c in (clip(u, fit_until, math.inf) for u in usages)
             if len(c.cpu) or len(c.mem)]
    if not fit:
        raise ValueError(f"no samples before --fit-until ({fit_until:.0f})")
    if not score:
        raise ValueError(f"no samples after --fit-until ({fit_until:.0f})")
    groups = group_usages(fit)
    fitted = _fit(strategies, groups, progress)
    cpu_price, mem_price, currency = _prices(policy)
    notes: list[str] = []
    if policy is not None:
        from .constraints import apply_policy_constraints

        for s in strategies:
            notes.extend(f"{s.name}: {n}" for n in apply_policy_constraints(policy, fitted[s.name]))
    unseen = sorted({u.key for u in score if u.key not in groups})
    if unseen:
        notes.append(f"{len(unseen)} container group(s) appear only in the scored window and "
                     "are not scored")
    current_pairs = []
    for u in score:
        if u.key not in groups:
            continue
        lim_c = None if math.isnan(u.limit_cpu) else u.limit_cpu
        lim_m = None if math.isnan(u.limit_mem) else u.limit_mem
        current_pairs.append((u, Recommendation(u.request_cpu, lim_c, u.request_mem, lim_m)))
    rows = [_score("current", current_pairs, cpu_price, mem_price)]
    for s in strategies:
        recs = fitted[s.name]
        rows.append(_score(s.name, [(u, recs.get(u.key)) for u in score if u.key in groups],
                           cpu_price, mem_price))
    base = rows[0].cost
    for r in rows:
        r.cost_vs_current = r.cost / base if base > 0 else math.nan
    return BacktestReport(rows, start, fit_until, end, currency, notes)
