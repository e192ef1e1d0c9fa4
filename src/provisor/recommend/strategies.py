"""Right-sizing strategies: each a small class with typed pydantic settings (the settings double
as CLI options, ``--set strategy.field=value``, and as documentation).

Every strategy takes the usage of one pod shape -- the containers of one agent class (and
model), ``{container name: [ContainerUsage of each pod]}`` -- and returns one ``Recommendation``
per container: CPU request and limit in **cores**, memory request and limit in **bytes** (a
limit of ``None`` means "no limit").

Strategies
----------
``vpa``        The Vertical Pod Autoscaler's recommender, exactly, through ``provisor.k8s.vpa``
               (kubernetes/autoscaler ``pkg/recommender``): decaying histograms, one memory peak
               per 24 h interval, OOM bump, p90 + 15 % target, lower/upper bounds, pod minimums;
               limits kept proportional to the current ones (``GetProportionalLimit``).
``percentile`` KRR's ``simple`` strategy (robusta-dev/krr ``strategies/simple.py``): CPU request
               at the pN of usage (default p95) and no CPU limit; memory request = limit = the
               peak plus a buffer (default 15 %).
``risk``       provisor's own: the smallest memory limit whose empirical, time-decayed
               probability of an OOM kill per container-hour stays under ``oom_probability``,
               and the smallest CPU limit whose time-decayed share of throttled time stays under
               ``throttled_share``. OOM kills seen in the history bump memory (x1.2, at least
               +100 MiB, as the VPA does); throttling seen in the history feeds back into CPU
               (observed usage is censored by the old limit: demand = usage / (1 - throttled)).

``STRATEGIES`` maps the names to the classes; ``make_strategy(name, overrides)`` builds one.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .usage import ContainerUsage

__all__ = [
    "STRATEGIES",
    "PercentileSettings",
    "PercentileStrategy",
    "Recommendation",
    "RiskSettings",
    "RiskStrategy",
    "Strategy",
    "StrategyError",
    "VpaSettings",
    "VpaStrategy",
    "decay_weights",
    "make_strategy",
    "tail_quantile",
    "weighted_quantile",
]

_MIB = 1024.0 * 1024.0


class StrategyError(ValueError):
    """An unknown strategy or a bad setting (the message names the setting)."""


@dataclass
class Recommendation:
    """One container's advice: cores and bytes; ``None`` limit = unlimited; ``notes`` say what
    was adjusted (LimitRange, quota) or why a value is missing."""

    cpu_request: float
    cpu_limit: float | None
    mem_request: float
    mem_limit: float | None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value ``v`` of ``values`` with weight(values <= v) >= q * total weight.

    ``q`` in [0, 1]; NaN when there are no values or the weights sum to 0.
    """
    if len(values) == 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    total = cum[-1]
    if not total > 0:
        return math.nan
    i = int(np.searchsorted(cum, q * total, side="left"))
    return float(v[min(i, len(v) - 1)])


def tail_quantile(values: np.ndarray, weights: np.ndarray, p: float, tail: float,
                  min_exceedances: int = 0) -> float:
    """The value exceeded with probability ``p``, extrapolated past the data.

    Peaks over threshold with an exponential excess (a generalised Pareto tail of shape 0):
    the threshold ``u`` is the weighted ``1 - tail`` quantile, ``sigma`` the weighted mean
    excess over ``u`` and ``zeta`` the weighted share above it; for ``p < zeta`` the answer is
    ``u + sigma * ln(zeta / p)``, else the empirical ``1 - p`` quantile. The tail holds at least
    ``min_exceedances`` values when there are that many (a mean excess of one or two values is
    noise: with few windows the tail widens to ``min_exceedances / n``). With few samples the
    empirical quantile stops at the maximum, whose own exceedance probability is about
    ``1 / n``, far above a small ``p``; the tail fit answers what the data cannot show.
    NaN without values.
    """
    if len(values) == 0:
        return math.nan
    total = float(weights.sum())
    if not total > 0:
        return math.nan
    if min_exceedances and len(values):
        tail = max(tail, min(min_exceedances / len(values), 1.0))
    u = weighted_quantile(values, weights, 1.0 - tail)
    over = values > u
    zeta = float(weights[over].sum()) / total
    if p >= zeta or not over.any():
        return weighted_quantile(values, weights, 1.0 - p)
    sigma = float(np.sum(weights[over] * (values[over] - u)) / weights[over].sum())
    return u + sigma * math.log(zeta / p)


def decay_weights(t: np.ndarray, ref: float, half_life: float) -> np.ndarray:
    """``0.5 ** ((ref - t) / half_life)``; all ones when ``half_life`` is 0 (no decay)."""
    if half_life <= 0:
        return np.ones_like(t)
    return np.power(0.5, (ref - t) / half_life)


def _latest(usages: Sequence[ContainerUsage]) -> float:
    ends = [float(u.cpu_t[-1]) for u in usages if len(u.cpu_t)]
    ends += [float(u.mem_t[-1]) for u in usages if len(u.mem_t)]
    return max(ends) if ends else 0.0


def _current(usages: Sequence[ContainerUsage], attr: str) -> float:
    vals = [getattr(u, attr) for u in usages if not math.isnan(getattr(u, attr))]
    return float(np.median(vals)) if vals else math.nan


class Strategy(ABC):
    """A right-sizing rule. Subclasses set ``name``, ``Settings`` and implement ``recommend``."""

    name: ClassVar[str]
    Settings: ClassVar[type[_Settings]]

    def __init__(self, settings: _Settings | None = None) -> None:
        self.settings = settings if settings is not None else self.Settings()

    @abstractmethod
    def recommend(
        self, containers: Mapping[str, Sequence[ContainerUsage]]
    ) -> dict[str, Recommendation]:
        """One recommendation per container name of the pod shape."""

    @classmethod
    def describe(cls) -> str:
        """The settings as documentation: ``name: type = default  description`` lines."""
        lines = [f"{cls.name}: {(cls.__doc__ or '').strip().splitlines()[0]}"]
        for fname, f in cls.Settings.model_fields.items():
            ann = getattr(f.annotation, "__name__", str(f.annotation))
            lines.append(f"  {cls.name}.{fname}: {ann} = {f.default!r}  {f.description or ''}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# vpa
# ------------------------------------------------------------------------------------------


class VpaSettings(_Settings):
    """The VPA recommender's flags (``pkg/recommender/config``); defaults are upstream's."""

    target_cpu_percentile: float = Field(0.9, gt=0, le=1, description="CPU target percentile")
    target_memory_percentile: float = Field(0.9, gt=0, le=1,
                                            description="memory target percentile")
    safety_margin_fraction: float = Field(0.15, ge=0, description="margin over the percentile")
    pod_min_cpu_millicores: float = Field(25.0, ge=0, description="pod minimum CPU, millicores")
    pod_min_memory_mb: float = Field(250.0, ge=0, description="pod minimum memory, MiB")
    memory_aggregation_interval_hours: float = Field(
        24.0, gt=0, description="one memory peak per container per interval")
    half_life_hours: float = Field(24.0, gt=0, description="histogram decay half-life")
    oom_bump_up_ratio: float = Field(1.2, ge=1, description="OOM: memory x this ...")
    oom_min_bump_up_mb: float = Field(100.0, ge=0, description="... or + this many MiB")
    bound: str = Field("target", pattern="^(target|lowerBound|upperBound)$",
                       description="which VPA bound becomes the request")


class VpaStrategy(Strategy):
    """The VPA recommender (kubernetes/autoscaler), faithful, through provisor.k8s.vpa."""

    name = "vpa"
    Settings = VpaSettings

    def recommend(
        self, containers: Mapping[str, Sequence[ContainerUsage]]
    ) -> dict[str, Recommendation]:
        from provisor.k8s import vpa
        from provisor.quantity import Quantity

        s: VpaSettings = self.settings  # type: ignore[assignment]
        cfg = vpa.AggregationsConfig(
            memory_aggregation_interval=s.memory_aggregation_interval_hours * 3600.0,
            memory_histogram_decay_half_life=s.half_life_hours * 3600.0,
            cpu_histogram_decay_half_life=s.half_life_hours * 3600.0,
            oom_bump_up_ratio=s.oom_bump_up_ratio,
            oom_min_bump_up=s.oom_min_bump_up_mb * _MIB,
        )
        states: dict[str, vpa.AggregateContainerState] = {}
        for cname in sorted(containers):
            agg = vpa.AggregateContainerState(cfg)
            _feed_vpa(agg, containers[cname])
            states[cname] = agg
        rec = vpa.create_pod_resource_recommender(vpa.RecommendationConfig(
            safety_margin_fraction=s.safety_margin_fraction,
            pod_min_cpu_millicores=s.pod_min_cpu_millicores,
            pod_min_memory_mb=s.pod_min_memory_mb,
            target_cpu_percentile=s.target_cpu_percentile,
            target_memory_percentile=s.target_memory_percentile,
        )).get_recommended_pod_resources(states)
        out: dict[str, Recommendation] = {}
        for cname, r in rec.items():
            chosen = {"target": r.target, "lowerBound": r.lower_bound,
                      "upperBound": r.upper_bound}[s.bound]
            cpu_m, mem_b = chosen.get("cpu", 0), chosen.get("memory", 0)
            us = containers[cname]

            def q_cpu(cores: float) -> Quantity | None:
                if math.isnan(cores):
                    return None
                return Quantity.from_value(Fraction(round(cores * 1000), 1000), "DecimalSI")

            def q_mem(b: float) -> Quantity | None:
                return None if math.isnan(b) else Quantity.from_value(Fraction(int(b)), "BinarySI")

            original_limit = {k: v for k, v in (("cpu", q_cpu(_current(us, "limit_cpu"))),
                                                ("memory", q_mem(_current(us, "limit_mem"))))
                              if v is not None}
            original_request = {k: v for k, v in (
                ("cpu", q_cpu(_current(us, "request_cpu"))),
                ("memory", q_mem(_current(us, "request_mem")))) if v is not None}
            recommended = {"cpu": Quantity.from_value(Fraction(cpu_m, 1000), "DecimalSI"),
                           "memory": Quantity.from_value(Fraction(mem_b), "BinarySI")}
            limits, notes = vpa.get_proportional_limit(
                original_limit, original_request, recommended, None)
            limits = limits or {}
            out[cname] = Recommendation(
                cpu_request=cpu_m / 1000.0,
                cpu_limit=float(limits["cpu"].value) if "cpu" in limits else None,
                mem_request=float(mem_b),
                mem_limit=float(limits["memory"].value) if "memory" in limits else None,
                notes=list(notes),
                extra={"cpu_lower": r.lower_bound.get("cpu", 0) / 1000.0,
                       "cpu_upper": r.upper_bound.get("cpu", 0) / 1000.0,
                       "mem_lower": float(r.lower_bound.get("memory", 0)),
                       "mem_upper": float(r.upper_bound.get("memory", 0))},
            )
        return out


def _feed_vpa(agg: Any, usages: Sequence[ContainerUsage]) -> None:
    """Feed every pod's samples to one aggregation in time order, as the live recommender's
    feeder would (CPU in millicores, memory bytes, OOM kills via ``record_oom``)."""
    from provisor.k8s import vpa

    ts: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    who: list[np.ndarray] = []
    for i, u in enumerate(usages):
        for tt, vv, k in ((u.cpu_t, u.cpu * 1000.0, 0), (u.mem_t, u.mem, 1),
                          (u.oom_t, np.zeros(len(u.oom_t)), 2)):
            ts.append(tt)
            vals.append(vv)
            kinds.append(np.full(len(tt), k, dtype=np.int8))
            who.append(np.full(len(tt), i, dtype=np.int64))
    if not ts:
        return
    t_all = np.concatenate(ts)
    k_all = np.concatenate(kinds)
    v_all = np.concatenate(vals)
    w_all = np.concatenate(who)
    order = np.lexsort((w_all, k_all, t_all))
    states = []
    for u in usages:
        req: dict[str, int] = {}
        if not math.isnan(u.request_cpu):
            req["cpu"] = round(u.request_cpu * 1000)
        if not math.isnan(u.request_mem):
            req["memory"] = int(u.request_mem)
        states.append(vpa.ContainerState(req, agg))
    sample = vpa.ContainerUsageSample
    for j in order.tolist():
        st = states[w_all[j]]
        k = k_all[j]
        t = float(t_all[j])
        if k == 0:
            st.add_sample(sample(t, int(v_all[j]), "cpu"))
        elif k == 1:
            st.add_sample(sample(t, int(v_all[j]), "memory"))
        else:
            try:
                st.record_oom(t, st.request.get("memory", 0))
            except vpa.OOMRecordError:
                pass


# ------------------------------------------------------------------------------------------
# percentile (KRR simple)
# ------------------------------------------------------------------------------------------


class PercentileSettings(_Settings):
    """KRR ``simple`` strategy settings (robusta-dev/krr ``strategies/simple.py``)."""

    cpu_percentile: float = Field(95.0, gt=0, le=100, description="CPU request percentile")
    memory_buffer_percentage: float = Field(15.0, ge=0,
                                            description="memory = peak x (1 + this / 100)")
    cpu_limit: bool = Field(False, description="set a CPU limit equal to the request")


class PercentileStrategy(Strategy):
    """KRR-like: CPU at the pN of usage, memory at the peak plus a buffer (flat window)."""

    name = "percentile"
    Settings = PercentileSettings

    def recommend(
        self, containers: Mapping[str, Sequence[ContainerUsage]]
    ) -> dict[str, Recommendation]:
        s: PercentileSettings = self.settings  # type: ignore[assignment]
        out: dict[str, Recommendation] = {}
        for cname in sorted(containers):
            us = containers[cname]
            cpu = np.concatenate([u.cpu for u in us]) if us else np.empty(0)
            mem = np.concatenate([u.mem for u in us]) if us else np.empty(0)
            notes = []
            cpu_req = float(np.percentile(cpu, s.cpu_percentile)) if len(cpu) else math.nan
            mem_req = float(mem.max()) * (1 + s.memory_buffer_percentage / 100) if len(mem) \
                else math.nan
            if math.isnan(cpu_req):
                notes.append("no CPU samples")
            if math.isnan(mem_req):
                notes.append("no memory samples")
            out[cname] = Recommendation(cpu_req, cpu_req if s.cpu_limit else None,
                                        mem_req, mem_req, notes)
        return out


# ------------------------------------------------------------------------------------------
# risk (ours)
# ------------------------------------------------------------------------------------------


class RiskSettings(_Settings):
    """Targets of the ``risk`` strategy."""

    oom_probability: float = Field(
        1e-5, gt=0, lt=1,
        description="highest accepted probability of an OOM kill per container-hour")
    throttled_share: float = Field(
        0.01, ge=0, lt=1, description="highest accepted share of time with CPU demand > limit")
    cpu_request_share: float = Field(
        0.05, ge=0, lt=1,
        description="share of time CPU usage may exceed the request (bursting into the limit)")
    half_life_hours: float = Field(
        168.0, ge=0, description="time decay of the history (0: no decay)")
    window_hours: float = Field(1.0, gt=0, description="memory peaks are taken per window")
    tail_fraction: float = Field(
        0.1, gt=0, lt=1,
        description="the top share of window peaks fitted with an exponential tail")
    min_tail_windows: int = Field(
        5, ge=1, description="... but at least this many peaks (short histories)")
    oom_bump_up_ratio: float = Field(1.2, ge=1, description="after an OOM kill: x this ...")
    oom_min_bump_up_mb: float = Field(100.0, ge=0, description="... or + this many MiB")
    min_cpu_millicores: float = Field(10.0, ge=0, description="floor for CPU, millicores")
    min_memory_mb: float = Field(16.0, ge=0, description="floor for memory, MiB")


def _window_peaks(t: np.ndarray, v: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Peak of ``v`` in each ``window``-second bucket that has samples: (bucket end, peak)."""
    if len(t) == 0:
        return t, v
    b = np.floor(t / window).astype(np.int64)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(b)) + 1))
    peaks = np.maximum.reduceat(v, starts)
    return (b[starts] + 1) * window, peaks


class RiskStrategy(Strategy):
    """Smallest request/limit keeping the OOM probability and throttled share under targets."""

    name = "risk"
    Settings = RiskSettings

    def recommend(
        self, containers: Mapping[str, Sequence[ContainerUsage]]
    ) -> dict[str, Recommendation]:
        s: RiskSettings = self.settings  # type: ignore[assignment]
        hl = s.half_life_hours * 3600.0
        window = s.window_hours * 3600.0
        out: dict[str, Recommendation] = {}
        for cname in sorted(containers):
            us = containers[cname]
            ref = _latest(us)
            notes: list[str] = []
            # -- CPU: demand = usage uncensored by throttling, decayed quantiles.
            ct, cd = [], []
            for u in us:
                d = u.cpu.copy()
                if len(u.thr):
                    share = np.interp(u.cpu_t, u.thr_t, u.thr, left=0.0, right=0.0)
                    d = d / np.maximum(1.0 - share, 0.05)
                ct.append(u.cpu_t)
                cd.append(d)
            cpu_t = np.concatenate(ct) if ct else np.empty(0)
            cpu_d = np.concatenate(cd) if cd else np.empty(0)
            if len(cpu_d):
                w = decay_weights(cpu_t, ref, hl)
                cpu_lim = weighted_quantile(cpu_d, w, 1.0 - s.throttled_share)
                cpu_req = weighted_quantile(cpu_d, w, 1.0 - s.cpu_request_share)
                floor = s.min_cpu_millicores / 1000.0
                cpu_req, cpu_lim = max(cpu_req, floor), max(cpu_lim, cpu_req, floor)
            else:
                cpu_req = cpu_lim = math.nan
                notes.append("no CPU samples")
            # -- memory: per-window peaks; P(peak > L) per window <= target.
            pt, pv = [], []
            for u in us:
                a, b = _window_peaks(u.mem_t, u.mem, window)
                pt.append(a)
                pv.append(b)
            peaks_t = np.concatenate(pt) if pt else np.empty(0)
            peaks = np.concatenate(pv) if pv else np.empty(0)
            if len(peaks):
                w = decay_weights(peaks_t, ref, hl)
                # Probability per container-hour -> per window of window_hours.
                p_window = 1.0 - (1.0 - s.oom_probability) ** s.window_hours
                mem = tail_quantile(peaks, w, p_window, s.tail_fraction, s.min_tail_windows)
                mem = max(mem, s.min_memory_mb * _MIB)
                n_oom = sum(len(u.oom_t) for u in us)
                if n_oom:
                    base = max(mem, _current(us, "limit_mem") if not math.isnan(
                        _current(us, "limit_mem")) else mem)
                    mem = max(base + s.oom_min_bump_up_mb * _MIB, base * s.oom_bump_up_ratio)
                    notes.append(f"{n_oom} OOM kill(s) in the history: memory bumped")
            else:
                mem = math.nan
                notes.append("no memory samples")
            out[cname] = Recommendation(cpu_req, cpu_lim, mem, mem, notes)
        return out


STRATEGIES: dict[str, type[Strategy]] = {
    c.name: c for c in (VpaStrategy, PercentileStrategy, RiskStrategy)
}


def make_strategy(name: str, overrides: Mapping[str, Any] | None = None) -> Strategy:
    """A strategy by name with settings overridden (``{"field": value}``).

    Raises:
        StrategyError: unknown name, or a setting that is unknown or out of range (the
            message names ``strategy.field``).
    """
    cls = STRATEGIES.get(name)
    if cls is None:
        raise StrategyError(f"unknown strategy {name!r} (known: {', '.join(sorted(STRATEGIES))})")
    try:
        settings = cls.Settings(**dict(overrides or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise StrategyError(f"{name}.{loc}: {err['msg']}") from None
    return cls(settings)
