"""``provisor plan``: the main job. Render the policy, write the bundle, check what was
written, and summarise.

    run_plan(policy, out_dir, *, force=False, policy_path=None, simulate_days=7.0,
             progress=None) -> PlanResult
    print_plan(result, console) -> None
    validate_policy(path) -> list[PolicyProblem]     # `provisor policy validate FILE`

The check reads the bundle back from disk (``provisor.manifests.load``), so findings point at
the files a user applies, and the plan judges exactly what ``kubectl apply -k`` would get.

Errors: :class:`PlanError` (the output folder exists and is not empty without ``force``, or
cannot be written); the CLI prints it on one line and exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from provisor.check import CheckResult
    from provisor.policy import Policy, PolicyProblem
    from provisor.render import Bundle, Departure
    from provisor.sim import SimResult


class PlanError(Exception):
    """The plan could not write its output; ``str(err)`` is a one-line reason."""


@dataclass
class PlanResult:
    """What ``run_plan`` did.

    Attributes:
        policy_name: the policy's name (``agent-platform`` for the default).
        policy_source: the policy file, or "built-in" for the default.
        out_dir: where the bundle is.
        bundle: the rendered bundle.
        objects: objects by kind (sorted).
        check: the check of the written bundle.
        departures: where the policy departs from the spec, and why.
    """

    policy_name: str
    policy_source: str
    out_dir: Path
    bundle: "Bundle"
    objects: dict[str, int]
    check: "CheckResult"
    departures: list["Departure"] = field(default_factory=list)
    #: the digital twin's run of the policy's workload (``provisor.sim``), or None
    simulation: "SimResult | None" = None
    #: the policy (prices, LimitRange, quota for the right-sizing)
    policy: Any = None
    #: ``provisor.recommend`` on the twin's series (every strategy), and its backtest
    recommendation: Any = None
    recommendation_backtest: Any = None
    #: ``provisor.forecast`` on the twin's series, ``FORECAST_HORIZON_S`` ahead
    forecast: Any = None


def run_plan(policy: "Policy", out_dir: str | Path, *, force: bool = False,
             policy_path: str | Path | None = None, simulate_days: float = 7.0,
             progress: "Callable[[float, float], None] | None" = None,
             phase: "Callable[[str], None] | None" = None) -> PlanResult:
    """Render ``policy`` into ``out_dir`` (atomically), check the written bundle, list the
    departures from the spec, and (``simulate_days`` > 0) simulate the policy's workload on its
    cluster for that many days with seed 0 (``provisor.sim``; ``progress`` as for
    ``provisor.sim.simulate``). ``phase`` is called with the name of each phase as it starts
    (:data:`PLAN_PHASES`; the CLI shows it).

    Raises:
        PlanError: ``out_dir`` exists and is not empty and ``force`` is False, or it cannot
            be written (the message names the folder).
    """
    from provisor.check import run_check
    from provisor.manifests import load
    from provisor.render import BundleExistsError, departures, render, summary, write_bundle

    def step(name: str) -> None:
        if phase is not None:
            phase(name)

    step("render")
    bundle = render(policy)
    out = Path(out_dir)
    try:
        write_bundle(bundle, out, force=force)
    except BundleExistsError as exc:
        raise PlanError(str(exc)) from None
    except OSError as exc:
        raise PlanError(f"{out}: cannot write the bundle: {exc.strerror or exc}") from None
    step("check")
    docs = load([str(out)])
    result = run_check(docs)
    sim = None
    if simulate_days > 0:
        step("simulate")
        from provisor.sim import simulate
        from provisor.sim.inputs import inputs_from_policy

        src = str(policy_path) if policy_path else "built-in policy agent-platform"
        sim = simulate(inputs_from_policy(policy, src), days=simulate_days, seed=0,
                       progress=progress)
    rec = backtest = fc = None
    if sim is not None:
        step("recommend")
        series = sim.series()
        rec, backtest = _recommend(series, policy)
        step("forecast")
        fc = _forecast(series)
        fill_scorecard(sim.scorecard, rec, fc, policy, backtest=backtest)
    return PlanResult(
        policy_name=_policy_name(policy),
        policy_source=str(policy_path) if policy_path else "built-in",
        out_dir=out,
        bundle=bundle,
        objects=summary(bundle),
        check=result,
        departures=departures(policy),
        simulation=sim,
        policy=policy,
        recommendation=rec,
        recommendation_backtest=backtest,
        forecast=fc,
    )


#: The phases of ``run_plan`` in order, as passed to its ``phase`` callback (the CLI adds
#: ``report``, which it writes after printing the plan).
PLAN_PHASES = ("render", "check", "simulate", "recommend", "forecast")

#: The forecast horizon of the plan's capacity metric (30 days, the spec's).
FORECAST_HORIZON_S = 30 * 86400.0
#: The strategy whose requests the plan's "Cost reduction" prices when there is no backtest
#: to choose by: the upstream VPA recommender's (``provisor recommend --write-policy`` writes
#: the first strategy, ``vpa``). With a backtest, :func:`cost_strategy` chooses.
COST_STRATEGY = "vpa"
#: How much more throttled time than the current requests a strategy may cause and still
#: count as safe (the ``risk`` strategy's own default target, ``throttled_share``).
SAFE_EXTRA_THROTTLED_SHARE = 0.01
#: What the plan forecasts: usage and requests of CPU and memory per namespace (the quota
#: and allocatable limits that run out first); pods, PVCs and storage are left to
#: ``provisor forecast`` to keep the plan fast (each series costs a model selection).
PLAN_FORECAST_QUANTITIES = ("cpu_usage", "cpu_requests", "memory_usage", "memory_requests")


def _recommend(series: Any, policy: Any) -> tuple[Any, Any]:
    """Every strategy's advice on the twin's series, and the backtest (fit on the first two
    thirds of the time, replay on the rest); (None, None) without container usage."""
    from provisor.recommend import (
        STRATEGIES,
        make_strategy,
        run_backtest,
        run_recommend,
        usage_from_series,
    )

    try:
        usages = usage_from_series(series)
    except ValueError:
        return None, None
    if not usages:
        return None, None
    strategies = [make_strategy(name) for name in STRATEGIES]
    report = run_recommend(usages, strategies, policy=policy)
    backtest = None
    rng = series.time_range() if hasattr(series, "time_range") else None
    if rng:
        try:
            backtest = run_backtest(usages, strategies, rng[0] + (rng[1] - rng[0]) * 2 / 3,
                                    policy=policy)
        except ValueError:
            backtest = None
    return report, backtest


def _forecast(series: Any) -> Any:
    """``provisor.forecast`` of :data:`PLAN_FORECAST_QUANTITIES` on the twin's series,
    :data:`FORECAST_HORIZON_S` ahead (None when the series hold none of them)."""
    from provisor.forecast import ForecastError, forecast_targets, targets_from_series
    from provisor.forecast.targets import grid_for

    series = list(series)
    try:
        _, n = grid_for(series, 300.0)
        step = 3600.0 if n * 300.0 >= 2 * 86400.0 else 300.0
        targets = targets_from_series(series, step_s=step,
                                      quantities=list(PLAN_FORECAST_QUANTITIES))
        if not targets:
            return None
        return forecast_targets(targets, FORECAST_HORIZON_S)
    except ForecastError:
        return None


def cost_reduction(report: Any, policy: Any = None,
                   strategy: str = COST_STRATEGY) -> float | None:
    """The monthly cost saving of ``strategy``'s recommended requests against the current
    requests, as a fraction of the current cost (0..1; negative when the advice costs more):
    sum over the strategy's classes of ``savings_per_month`` / sum of (current CPU request
    (cores) x CPU price + current memory request (GiB) x memory price) x average running
    containers x 730 h, at ``policy``'s ``prices`` (the defaults without a policy), as
    ``provisor.recommend.run_recommend`` prices the savings. None when no class of the
    strategy has a known current request."""
    import math

    from provisor.recommend.engine import GIB, HOURS_PER_MONTH, _prices

    if report is None:
        return None
    cpu_price, mem_price, _ = _prices(policy)
    current = saved = 0.0
    for a in report.advice:
        if a.strategy != strategy or math.isnan(a.savings_per_month):
            continue
        cost = 0.0
        if not math.isnan(a.current_cpu_request):
            cost += a.current_cpu_request * a.replicas * cpu_price
        if not math.isnan(a.current_mem_request):
            cost += a.current_mem_request / GIB * a.replicas * mem_price
        current += cost * HOURS_PER_MONTH
        saved += a.savings_per_month
    return saved / current if current > 0 else None


def cost_strategy(backtest: Any) -> tuple[str, str]:
    """The strategy whose advice the plan prices and recommends, and why (one clause).

    The cheapest strategy on the backtest's replay window (``BacktestRow.cost``) among those
    no less safe than the current requests there: no more OOM kills than the current
    requests had, and a throttled share at most :data:`SAFE_EXTRA_THROTTLED_SHARE` above
    theirs. Advice that trades money for OOM kills is not a right-sizing the plan can
    recommend (the spec's goal is zero OOM kills). Without a backtest, or when no strategy
    is as safe, :data:`COST_STRATEGY`."""
    rows = list(getattr(backtest, "rows", None) or [])
    cur = next((r for r in rows if r.strategy == "current"), None)
    if cur is None:
        return COST_STRATEGY, f"{COST_STRATEGY} (no backtest to choose by)"
    safe = [r for r in rows if r.strategy != "current" and r.oom_events <= cur.oom_events
            and r.throttled_share <= cur.throttled_share + SAFE_EXTRA_THROTTLED_SHARE]
    unsafe = sorted(f"{r.strategy} ({r.oom_events} OOM kills)" for r in rows
                    if r.strategy != "current" and r.oom_events > cur.oom_events)
    if not safe:
        return COST_STRATEGY, (f"{COST_STRATEGY} (no strategy was as safe as the current "
                               f"requests in the backtest)")
    order = {r.strategy: i for i, r in enumerate(rows)}
    best = min(safe, key=lambda r: (r.cost, order[r.strategy]))
    why = (f"{best.strategy}: the cheapest strategy with no more OOM kills or throttling than "
           f"the current requests in the backtest")
    if unsafe:
        why += f" (left out: {', '.join(unsafe)} on the replay window)"
    return best.strategy, why


def request_findings(report: Any, strategy: str) -> str:
    """A plain sentence on where ``strategy``'s advice moves the agents' requests: the
    classes whose recommended CPU (memory) request is above the current one, with the
    current and recommended values; "" when nothing rises. What the plan states when
    right-sizing costs more than it saves (the usage is above the requests: the policy
    under-requests, not an artefact)."""
    import math

    from provisor.recommend.engine import GIB

    if report is None:
        return ""
    cpu, mem = [], []
    for a in report.advice:
        if a.strategy != strategy:
            continue
        name = a.key.group
        if not math.isnan(a.current_cpu_request) and a.rec.cpu_request > a.current_cpu_request * 1.05:
            cpu.append(f"{name} {a.current_cpu_request:g} -> {a.rec.cpu_request:.2f}")
        if not math.isnan(a.current_mem_request) and a.rec.mem_request > a.current_mem_request * 1.05:
            mem.append(f"{name} {a.current_mem_request / GIB:.1f} -> {a.rec.mem_request / GIB:.1f}")
    parts = []
    if cpu:
        parts.append("CPU use is above the request (cores, current -> recommended): "
                     + ", ".join(sorted(cpu)))
    if mem:
        parts.append("memory peaks are above the request (GiB): " + ", ".join(sorted(mem)))
    return "; ".join(parts)


def fill_scorecard(scorecard: Any, report: Any, fc: Any, policy: Any = None, *,
                   backtest: Any = None) -> None:
    """Fill the twin's scorecard (``provisor.sim.model.Scorecard``) with what the plan
    computed on the twin's series: ``cost-reduction`` from ``report`` (the recommend
    result; :func:`cost_reduction` of the strategy :func:`cost_strategy` picks from
    ``backtest``, target >= 20 %; when the advice costs more, the definition says which
    requests it raises, :func:`request_findings`) and ``forecast-30d`` from ``fc`` (the
    ``ForecastResult``: the number of forecast series whose upper 95 % bound reaches a quota
    ``hard`` or the nodes' allocatable within the 30-day horizon; passes at 0, i.e. every
    days-to-exhaustion is beyond the horizon). Each metric's definition states this;
    ``alert-accuracy`` says which command computes it (``provisor alerts test``)."""
    strategy, why = cost_strategy(backtest)
    cr = cost_reduction(report, policy, strategy)
    finding = request_findings(report, strategy) if cr is not None and cr < 0 else ""
    scorecard.set("cost-reduction", cr,
                  "not-computed" if cr is None else ("pass" if cr >= 0.2 else "fail"),
                  definition=f"monthly cost of the current requests minus that of the "
                  f"{strategy} strategy's recommended requests (provisor recommend on the "
                  f"twin's series, per agent class; CPU and memory at the policy's prices, x "
                  f"average running containers x 730 h), as a fraction of the current cost; "
                  f"strategy: {why}" + (f". Costs more: {finding}" if finding else ""))
    if fc is None:
        scorecard.set("forecast-30d", None, "not-computed",
                      definition="no CPU/memory usage or requests series to forecast")
    else:
        hit = [f for f in fc.forecasts if f.exhaustion is not None]
        first = min((f.exhaustion.days for f in hit), default=None)
        scorecard.set("forecast-30d", float(len(hit)), "pass" if not hit else "fail",
                      definition=f"forecast series (CPU and memory usage and requests per "
                      f"namespace, {len(fc.forecasts)} series, provisor forecast on the twin's "
                      f"series) whose upper 95% bound reaches a quota hard or the nodes' "
                      f"allocatable within {fc.horizon_s / 86400:g} days; passes when every "
                      f"days-to-exhaustion is beyond the horizon"
                      + (f" (first: {first:.1f} days)" if first is not None else ""),
                      unit="count", target="= 0")
    m = scorecard.get("alert-accuracy")
    if m.value is None:
        scorecard.set("alert-accuracy", None, "not-computed",
                      definition="not run by plan (it starts Prometheus's rule engine): "
                      "provisor alerts test computes it on scenarios with ground truth")


def _policy_name(policy: Any) -> str:
    for attr in ("name",):
        v = getattr(policy, attr, None)
        if isinstance(v, str):
            return v
    meta = getattr(policy, "metadata", None)
    return str(getattr(meta, "name", "policy"))


def print_plan(result: PlanResult, console: "Console") -> None:
    """Print the plan: departures, objects by kind, findings, and where the bundle is."""
    from rich.markup import escape
    from rich.table import Table

    from provisor.check.output import render as render_findings

    console.print(f"[bold]provisor plan[/] policy [cyan]{escape(result.policy_name)}[/] "
                  f"({escape(result.policy_source)})", highlight=False)
    if result.departures:
        console.print(f"[bold]Departures from the spec[/] ({len(result.departures)}): where "
                      f"this policy differs from the spec's values, and why")
        for d in result.departures:
            console.print(f"  [cyan]{escape(d.field)}[/]: {escape(d.spec)} [dim]->[/] "
                          f"{escape(d.policy)}", highlight=False)
            console.print(f"      [dim]{escape(d.why)}[/]", highlight=False)
    kinds = Table("kind", "objects", title="Objects", title_justify="left")
    for kind, n in result.objects.items():
        kinds.add_row(escape(kind), str(n))
    kinds.add_row("[bold]total[/]", f"[bold]{sum(result.objects.values())}[/]")
    console.print(kinds)
    findings = result.check.findings
    if findings:
        console.print("[bold]Findings on the rendered bundle[/]")
    # The text report ends with the check's summary line (files, documents, findings).
    console.print(render_findings(result.check, "text", color=console.is_terminal),
                  markup=False, highlight=False, end="")
    if result.simulation is not None:
        from provisor.sim.text import scorecard_table, summary_lines

        sim = result.simulation
        console.print(f"[bold]Simulation[/] ({sim.days:g} days of the policy's workload on its "
                      f"cluster, seed {sim.seed}; provisor simulate for scenarios)")
        console.print(scorecard_table(sim))
        for line in summary_lines(sim):
            console.print(f"  {line}", markup=False, highlight=False)
    out = escape(str(result.out_dir))
    console.print(f"bundle: [bold]{out}/[/] ({len(result.bundle.files)} resource "
                  f"files; apply with kubectl apply -k {out})", highlight=False)
    if result.simulation is not None:
        # The verdict last, just before the report's path: what a reader scrolls down for.
        ms = result.simulation.scorecard.metrics
        fail = [m.name for m in ms if m.status == "fail"]
        nc = [m.name for m in ms if m.status == "not-computed"]
        line = f"scorecard: {len(ms) - len(fail) - len(nc)} of {len(ms)} targets pass"
        if fail:
            line += f"; [bold red]{len(fail)} fail[/]: " + escape(", ".join(fail))
        if nc:
            line += f"; {len(nc)} not computed: " + escape(", ".join(nc))
        console.print(line, highlight=False)


#: Rule families of the check whose findings on a render point at one policy field.
_FAMILY_FIELD: dict[str, tuple[str, ...]] = {
    "quota": ("quota", "hard"),
    "limitrange": ("limit_range",),
    "vpa": ("agent_vpa",),
    "alert": ("alerts",),
    "promql": ("alerts",),
    "dashboard": ("dashboard",),
    "priority": ("priority_classes",),
    "storage": ("workspace_classes",),
}


def validate_policy(path: str | Path) -> list["PolicyProblem"]:
    """Every problem of a policy file, as ``provisor policy validate`` reports them: the
    model's problems (field path and line), and when there are none, every error finding of
    provisor's own check on the policy's render, so that whatever validates also renders
    and checks clean (the render is written to a private temporary folder, checked as
    ``plan`` checks it, and removed).

    Returns:
        The problems, empty when the policy is valid. A render finding is reported at the
        policy field it comes from where the rule family says so (``quota/*`` at
        ``quota.hard``, the quota key itself when the message names it), else at
        ``<render>``.
    """
    import tempfile

    from provisor.check import run_check
    from provisor.manifests import load
    from provisor.policy import PolicyProblem, load_policy, validate_policy_file
    from provisor.policy.load import _line_of
    from provisor.render import render, write_bundle
    from provisor.safeyaml import InputError, load_yaml_document

    problems = validate_policy_file(path)
    if problems:
        return problems
    policy = load_policy(path)
    bundle = render(policy)
    with tempfile.TemporaryDirectory(prefix="provisor-validate-") as tmp:
        out = Path(tmp) / "bundle"
        write_bundle(bundle, out)
        result = run_check(load([str(out)]))
        errors = [f for f in result.findings if f.severity == "error"]
        prefix = str(out) + "/"
        try:
            source = load_yaml_document(Path(path))
        except InputError:
            source = None
        hard = [str(k) for k in getattr(policy.quota, "hard", {})]
        out_problems = []
        for f in errors:
            family = f.rule.split("/", 1)[0]
            loc = _FAMILY_FIELD.get(family)
            if loc == ("quota", "hard"):
                named = [k for k in hard if f" {k} " in f" {f.message} "]
                if named:
                    loc = ("quota", "hard", max(named, key=len))
            file = f.file[len(prefix):] if f.file.startswith(prefix) else f.file
            what = f"{f.object.kind}/{f.object.name}" if f.object.kind else file
            msg = (f"the render of this policy fails provisor check ({f.rule} on {what} in "
                   f"{file}): {f.message}")
            out_problems.append(PolicyProblem(".".join(loc) if loc else "<render>", str(path),
                                              _line_of(source, loc) if loc else 0, msg))
    return out_problems

