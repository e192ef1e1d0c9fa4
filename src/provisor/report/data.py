"""The report's typed inputs: one data object per section, each optional. A section whose
data is ``None`` renders as "not computed", so work that lands later plugs in by filling one
field of :class:`ReportData`.

The ``from_*`` adapters read the objects the other packages return (``provisor.plan``'s
``PlanResult``, the twin's scorecard, the right-sizing reports, the alert scores) by their
documented attributes, so the report does not import those packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable


@dataclass(frozen=True)
class Departure:
    """A place where the policy departs from the spec: field path, spec value, policy value,
    why."""

    field: str
    spec: str
    policy: str
    why: str


@dataclass(frozen=True)
class FindingRow:
    """One check finding: severity (error | warning | info), rule id, file:line, object
    (kind/namespace/name), message."""

    severity: str
    rule: str
    where: str
    object: str
    message: str


@dataclass
class PlanData:
    """The plan section: objects by kind, departures from the spec, findings."""

    policy: str
    bundle: str
    objects: dict[str, int]
    departures: list[Departure] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)

    @property
    def by_severity(self) -> dict[str, int]:
        """Finding counts for error, warning and info (all three keys, in that order)."""
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out


@dataclass(frozen=True)
class MetricRow:
    """One scorecard metric: id, name, definition, value (None: not computed), unit
    (``ratio`` is a fraction 0..1), target (text such as ``0.6..0.8``), status
    (pass | fail | not-computed)."""

    id: str
    name: str
    definition: str
    value: float | None
    unit: str
    target: str
    status: str


@dataclass
class ScorecardData:
    """The twin's scorecard, in the spec's order, and the run's length (days) when known."""

    metrics: list[MetricRow]
    days: float | None = None


@dataclass(frozen=True)
class AdviceRow:
    """One recommendation: strategy, subject (namespace/class/container), current and
    recommended CPU request (cores) and memory request (bytes), savings per month (in
    ``currency``; NaN when unknown), savings in cores and GiB."""

    strategy: str
    subject: str
    cpu_current: float
    cpu_recommended: float
    mem_current: float
    mem_recommended: float
    savings_cores: float
    savings_gib: float
    savings_per_month: float


@dataclass(frozen=True)
class StrategyScore:
    """One strategy's backtest: CPU and memory slack (fraction of requests unused, 0..1) and
    the OOM rate (kills per container-day)."""

    strategy: str
    cpu_slack: float
    mem_slack: float
    oom_rate: float


@dataclass
class RecommendData:
    """The right-sizing section: advice rows and each strategy's backtest."""

    advice: list[AdviceRow]
    backtest: list[StrategyScore] = field(default_factory=list)
    currency: str = "USD"


@dataclass(frozen=True)
class AlertRow:
    """One alert's accuracy: precision and recall (0..1, None when undefined), TP/FP/FN."""

    alert: str
    precision: float | None
    recall: float | None
    tp: int
    fp: int
    fn: int


@dataclass
class AlertsData:
    """The alert accuracy section."""

    alerts: list[AlertRow]


@dataclass
class ReportData:
    """Everything the report can show; every field but ``title`` is optional.

    Attributes:
        title: the page title.
        plan: :class:`PlanData`.
        scorecard: :class:`ScorecardData`.
        series: a ``provisor.series.SeriesSet`` (HPA and queue sections).
        usage: ``provisor.forecast.Target`` list of cpu/memory usage and requests per
            namespace with their quota/allocatable limits (from series or Prometheus).
        recommend: :class:`RecommendData`.
        forecast: a ``provisor.forecast.ForecastResult``.
        alerts: :class:`AlertsData`.
        notes: lines shown under the title (where the data came from).
    """

    title: str = "provisor report"
    plan: PlanData | None = None
    scorecard: ScorecardData | None = None
    series: Any = None
    usage: Any = None
    recommend: RecommendData | None = None
    forecast: Any = None
    alerts: AlertsData | None = None
    notes: list[str] = field(default_factory=list)


def plan_data(result: Any, base: str | Path | None = None) -> PlanData:
    """:class:`PlanData` from a ``provisor.plan.PlanResult``.

    ``base``: the folder the report is written to when it is the bundle's own folder
    (``provisor plan``); then the bundle is ``.`` and the findings' files are named relative
    to it, so the report reads the same wherever the bundle was written and stays right
    when the folder is moved."""
    root = None if base is None else Path(base)

    def shown(file: Any) -> str:
        if root is not None:
            try:
                return Path(str(file)).relative_to(root).as_posix()
            except ValueError:
                pass
        return str(file)

    deps = [Departure(str(d.field), str(d.spec), str(d.policy), str(d.why))
            for d in getattr(result, "departures", [])]
    rows = []
    for f in getattr(result.check, "findings", []):
        obj = getattr(f, "object", None)
        parts = [getattr(obj, "kind", ""), getattr(obj, "namespace", ""), getattr(obj, "name", "")]
        rows.append(FindingRow(str(f.severity), str(f.rule),
                               f"{shown(f.file)}:{f.line}" if getattr(f, "line", 0)
                               else shown(f.file),
                               "/".join(p for p in parts if p), str(f.message)))
    order = {"error": 0, "warning": 1, "info": 2}
    rows.sort(key=lambda r: (order.get(r.severity, 3), r.rule, r.where, r.object))
    return PlanData(str(result.policy_name), "." if root is not None else str(result.out_dir),
                    dict(result.objects), deps, rows)


def scorecard_data(scorecard: Any, days: float | None = None) -> ScorecardData:
    """:class:`ScorecardData` from the twin's ``Scorecard`` (``.metrics`` with id, name,
    definition, value, unit, target, status)."""
    return ScorecardData([MetricRow(str(m.id), str(m.name), str(m.definition),
                                    None if m.value is None else float(m.value), str(m.unit),
                                    str(m.target), str(m.status))
                          for m in scorecard.metrics], days)


def recommend_data(report: Any, backtest: Any = None) -> RecommendData:
    """:class:`RecommendData` from ``provisor.recommend``'s ``RecommendReport`` (``advice``:
    strategy, key, rec, current_*, savings_*) and ``BacktestReport`` (``rows``: strategy,
    cpu_slack, mem_slack, oom_rate)."""
    rows = []
    for a in getattr(report, "advice", []):
        key = a.key
        subject = "/".join(str(x) for x in (getattr(key, "namespace", ""), getattr(key, "group", ""),
                                             getattr(key, "container", "")) if x)
        rows.append(AdviceRow(str(a.strategy), subject or str(key),
                              float(a.current_cpu_request), float(a.rec.cpu_request),
                              float(a.current_mem_request), float(a.rec.mem_request),
                              float(a.savings_cores), float(a.savings_gib),
                              float(a.savings_per_month)))
    bt = [StrategyScore(str(r.strategy), float(r.cpu_slack), float(r.mem_slack),
                        float(r.oom_rate)) for r in getattr(backtest, "rows", [])]
    return RecommendData(rows, bt, str(getattr(report, "currency", "USD")))


def alerts_data(scores: Iterable[Any]) -> AlertsData:
    """:class:`AlertsData` from per-alert scores (alert, precision, recall, tp, fp, fn)."""
    return AlertsData([AlertRow(str(a.alert), a.precision, a.recall, int(a.tp), int(a.fp),
                                int(a.fn)) for a in scores])


def fmt_value(v: float | None, unit: str) -> str:
    """A metric value for people: :func:`provisor.display.fmt_value`, the terminal's own."""
    from provisor.display import fmt_value as _fmt

    return _fmt(v, unit)


def fmt_target(target: str, unit: str) -> str:
    """A metric target for people: :func:`provisor.display.fmt_target`, the terminal's own."""
    from provisor.display import fmt_target as _fmt

    return _fmt(target, unit)
