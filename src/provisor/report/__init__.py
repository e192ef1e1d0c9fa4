"""The report: one self-contained HTML page (inline CSS and SVG plots, no script, no
network) and a Markdown summary of the plan, the twin's scorecard, usage against requests
and quota, HPA replicas, the queue, right-sizing, the capacity forecast and alert accuracy.

    ReportData(...)                                   the typed inputs (provisor.report.data)
    report_for_plan(plan_result, horizon_s, ...)      everything ``provisor plan`` computed
    report_for_inputs(policy=, paths=, series=, targets=, horizon_s=)   ``provisor report``
    render_html(data) -> str / render_markdown(data) -> str
    write_report(text, path, force=False)             atomic, refuses an existing file

Each section takes one field of :class:`ReportData` and renders "not computed" when it is
``None``: a new producer plugs in by filling its field (see :mod:`provisor.report.render`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from provisor.report.data import (
    AlertsData,
    PlanData,
    RecommendData,
    ReportData,
    ScorecardData,
    alerts_data,
    plan_data,
    recommend_data,
    scorecard_data,
)
from provisor.report.render import SECTIONS, Section, render_html, render_markdown

__all__ = [
    "AlertsData", "PlanData", "RecommendData", "ReportData", "ScorecardData", "SECTIONS",
    "Section", "ReportError", "alerts_data", "plan_data", "recommend_data", "render_html",
    "recommend_series", "render_markdown", "report_for_inputs", "report_for_plan", "scorecard_data",
    "write_plan_report", "write_report",
]

Progress = Callable[[int, int, str], None]


class ReportError(ValueError):
    """The report's inputs cannot be used; ``str`` names the file or the cause."""


def _forecast_series(series: Any, horizon_s: float, progress: Progress | None) -> Any:
    from provisor.forecast import ForecastError, forecast

    try:
        return forecast(series, horizon_s, progress=progress)
    except ForecastError:
        return None


def _usage_targets(series: Any) -> Any:
    from provisor.forecast import ForecastError, targets_from_series
    from provisor.report.render import _step_for

    try:
        return targets_from_series(series, step_s=_step_for(series),
                                   quantities=["cpu_usage", "cpu_requests", "memory_usage",
                                               "memory_requests"])
    except ForecastError:
        return None


def recommend_series(series: Any, policy: Any = None) -> RecommendData | None:
    """Right-sizing of the containers in ``series`` with every ``provisor.recommend``
    strategy, and their backtest (fit on the first two thirds of the time, replay on the
    rest); None when the series hold no container usage."""
    from provisor.recommend import STRATEGIES, make_strategy, run_backtest, run_recommend
    from provisor.recommend import usage_from_series

    try:
        usages = usage_from_series(series)
    except ValueError:
        return None
    if not usages:
        return None
    strategies = [make_strategy(name) for name in STRATEGIES]
    report = run_recommend(usages, strategies, policy=policy)
    rng = series.time_range() if hasattr(series, "time_range") else None
    backtest = None
    if rng:
        try:
            backtest = run_backtest(usages, strategies, rng[0] + (rng[1] - rng[0]) * 2 / 3,
                                    policy=policy)
        except ValueError:
            backtest = None
    return recommend_data(report, backtest)


def report_for_plan(result: Any, horizon_s: float = 30 * 86400.0, *,
                    progress: Progress | None = None) -> ReportData:
    """The report of a ``provisor.plan.PlanResult``: the plan; when the plan simulated
    (``result.simulation``, the twin's ``SimResult``), its scorecard, its series, and the
    forecast on those series (``result.forecast`` when the plan computed it, else computed
    here); ``result.recommendation`` / ``result.alerts`` when present."""
    sim = getattr(result, "simulation", None)
    # The report is written into the bundle's folder: name the bundle and its files from
    # there, so two plans of one policy give the same report wherever they were written.
    data = ReportData(title=f"provisor plan: {result.policy_name}",
                      plan=plan_data(result, base=result.out_dir))
    data.notes.append(f"Policy: {result.policy_source}. Bundle: the folder of this report "
                      f"(kubectl apply -k .).")
    if sim is not None:
        data.scorecard = scorecard_data(sim.scorecard, getattr(sim, "days", None))
        series = sim.series()
        data.series = series
        data.usage = _usage_targets(series)
        fc = getattr(result, "forecast", None)
        data.forecast = fc if fc is not None else _forecast_series(series, horizon_s, progress)
        if getattr(result, "recommendation", None) is None:
            data.recommend = recommend_series(series, getattr(result, "policy", None))
        data.notes.append(f"Series, scorecard and forecast from the twin's "
                          f"{getattr(sim, 'days', 0):g}-day run (seed {getattr(sim, 'seed', 0)}).")
    else:
        data.notes.append("No simulation in this plan: the twin's sections are not computed.")
    rec = getattr(result, "recommendation", None)
    if rec is not None:
        data.recommend = rec if isinstance(rec, RecommendData) else recommend_data(
            rec, getattr(result, "recommendation_backtest", None))
    alerts = getattr(result, "alerts", None)
    if alerts is not None:
        data.alerts = alerts if isinstance(alerts, AlertsData) else alerts_data(alerts)
    return data


def _is_policy(path: Path) -> bool:
    """A single file that holds no Kubernetes object is read as a policy."""
    from provisor.manifests import load

    if not path.is_file():
        return False
    docs = load([str(path)])
    return not any(getattr(d, "kind", "") for d in docs) and not docs.bad_input


def report_for_inputs(*, paths: Sequence[str] = (), series: Any = None, targets: Any = None,
                      horizon_s: float = 30 * 86400.0, forecast: bool = True,
                      progress: Progress | None = None, source: str = "") -> ReportData:
    """The report of ``provisor report``: ``paths`` is a policy file (rendered in memory and
    checked) or manifests (checked); without ``paths``, the built-in policy (as every command
    reads a left-out POLICY); ``series`` a ``SeriesSet`` (usage, HPA, queue sections
    and the forecast); ``targets`` forecast targets read from Prometheus.

    Raises:
        ReportError: a policy file is invalid, or no manifest was found in ``paths``.
    """
    data = ReportData(title="provisor report")
    if paths:
        data.plan = _plan_for_paths(paths)
    else:
        # POLICY left out: the built-in policy, as every other command reads it (README).
        from provisor.policy import load_policy

        data.plan = _plan_for_policy(load_policy(None))
        data.notes.append("Plan: the built-in agent-platform policy (no POLICY or PATH "
                          "given; give one to report on your own policy or manifests).")
    data.title = f"provisor report: {data.plan.policy}"
    if series is not None:
        data.series = series
        data.usage = _usage_targets(series)
        if forecast:
            data.forecast = _forecast_series(series, horizon_s, progress)
        data.recommend = recommend_series(series)
    if targets is not None:
        from provisor.forecast import forecast_targets

        data.usage = [t for t in targets if t.quantity in ("cpu_usage", "cpu_requests",
                                                            "memory_usage", "memory_requests")]
        if forecast:
            data.forecast = forecast_targets(targets, horizon_s, progress=progress)
    if source:
        data.notes.append(source)
    return data


def _plan_for_paths(paths: Sequence[str]) -> PlanData:
    from provisor.check import run_check
    from provisor.manifests import load

    if len(paths) == 1 and _is_policy(Path(paths[0])):
        from provisor.policy import PolicyError, load_policy

        try:
            pol = load_policy(Path(paths[0]))
        except PolicyError as exc:
            raise ReportError(str(exc)) from None
        return _plan_for_policy(pol)
    docs = load(list(paths))
    if not len(docs) and not docs.findings:
        raise ReportError(f"no manifests found in {', '.join(paths)}")
    result = run_check(docs)
    kinds: dict[str, int] = {}
    for d in docs:
        if getattr(d, "kind", ""):
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
    return plan_data(_Shim(", ".join(paths), ", ".join(paths), dict(sorted(kinds.items())),
                           result, []))


def _plan_for_policy(pol: Any) -> PlanData:
    """The plan section of a loaded policy: rendered into a private temporary folder,
    checked as ``provisor plan`` checks it, and the folder removed."""
    import tempfile

    from provisor.check import run_check
    from provisor.manifests import load
    from provisor.render import departures, render, summary, write_bundle

    bundle = render(pol)
    with tempfile.TemporaryDirectory(prefix="provisor-report-") as tmp:
        out = Path(tmp) / "bundle"
        write_bundle(bundle, out)
        result = run_check(load([str(out)]))
        pd = plan_data(_Shim(getattr(pol, "name", "policy"), "(rendered in memory)",
                             summary(bundle), result, departures(pol)))
        for f in pd.findings:   # findings point into the temp folder: show file names only
            object.__setattr__(f, "where", f.where.replace(str(out) + "/", ""))
    return pd


class _Shim:
    """The attributes :func:`plan_data` reads, for a check without a written bundle."""

    def __init__(self, name: str, out: str, objects: dict[str, int], check: Any,
                 deps: list[Any]) -> None:
        self.policy_name, self.out_dir, self.objects = name, out, objects
        self.check, self.departures = check, deps


def write_plan_report(result: Any, horizon_s: float = 30 * 86400.0, *,
                      progress: Progress | None = None) -> Path:
    """Write ``report.html`` and ``report.md`` into the plan's output folder (beside the
    bundle's files; ``kubectl apply -k`` reads only what ``kustomization.yaml`` lists) and
    return the HTML's path. The folder was just written by the plan, so both are replaced.

    Raises:
        OSError: the folder is not writable.
    """
    from provisor.report.render import render_both

    data = report_for_plan(result, horizon_s, progress=progress)
    out = Path(result.out_dir)
    html, md = render_both(data)
    write_report(md, out / "report.md", force=True)
    path = out / "report.html"
    write_report(html, path, force=True)
    return path


def write_report(text: str, path: str | Path, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically.

    Raises:
        FileExistsError: ``path`` exists and ``force`` is false.
        OSError: the folder is missing or not writable.
    """
    from provisor.fsutil import atomic_writer

    with atomic_writer(path, overwrite=force) as fh:
        fh.write(text.encode("utf-8"))
