"""``provisor alerts test``: alert accuracy over scenarios with ground truth.

``run_alert_test(policy, rule_files=(), scenarios=(), seeds=1, ...) -> AlertTestReport``

For every scenario and seed: get the series and the ground truth (one call: the twin,
``provisor.sim``, when it is installed and the scenario is one of its own; else the
generated scenarios of :mod:`provisor.alerting.scenarios`), evaluate every rule set with the
real rule engine (:func:`provisor.alerting.engine.evaluate_alerts`), and score the firings
(:mod:`provisor.alerting.scoring`). Rule sets: the policy's rendered PrometheusRule, plus
each ``--rules`` file (a PrometheusRule, a list of them, or a Prometheus rule file).

The result is deterministic: scenarios in the order given (defaults sorted), seeds 0..N-1,
firings and alerts sorted.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisor.alerting import scenarios as gen
from provisor.alerting.engine import alert_names_of, evaluate_alerts
from provisor.alerting.scoring import FP_TARGET, Score, grace_seconds, kinds_for_expr, score
from provisor.policy.model import Policy, duration_seconds

__all__ = ["RuleSet", "AlertTestReport", "AlertTestError", "run_alert_test", "load_rule_file",
           "ScenarioRunner", "default_runner", "twin_available", "fill_scorecard"]

#: (policy, scenario name or file, seed) -> (series, incidents with epoch-second times)
ScenarioRunner = Callable[[Policy, str, int], tuple[Any, list[Any]]]


class AlertTestError(ValueError):
    """Bad input: an unknown scenario, a rule file that is not rules (``file``, ``line``)."""

    def __init__(self, message: str, file: str = "", line: int = 0) -> None:
        self.file, self.line = file, line
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message)


@dataclass
class RuleSet:
    """A named list of rule groups (``source``: the file, or ``rendered``)."""

    name: str
    groups: list[dict[str, Any]]
    source: str = ""


@dataclass
class AlertTestReport:
    """Scores per rule set (``scores[name]``), the scenarios run with their incident counts,
    and the parameters."""

    scores: dict[str, Score]
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    seeds: int = 1
    min_incident_s: float = 900.0
    eval_interval_s: float = 60.0

    def alert_accuracy(self, rule_set: str = "rendered") -> dict[str, Any]:
        """The twin scorecard's ``alert-accuracy`` line for ``rule_set``: 1 - the
        false-positive rate of its resource alerts (unit ratio, target >= 0.95)."""
        sc = self.scores.get(rule_set)
        fp = sc.fp_rate if sc is not None else None
        return {"id": "alert-accuracy", "rule_set": rule_set,
                "value": None if fp is None else round(1 - fp, 4), "unit": "ratio",
                "target": f">= {1 - FP_TARGET:g}",
                "status": "not-computed" if fp is None else
                ("pass" if fp < FP_TARGET else "fail")}

    def to_json(self) -> dict[str, Any]:
        first = next(iter(self.scores), "rendered")
        return {"scenarios": self.scenarios, "seeds": self.seeds,
                "scorecard": [self.alert_accuracy(first)],
                "min_incident_s": self.min_incident_s, "eval_interval_s": self.eval_interval_s,
                "fp_target": FP_TARGET,
                "rule_sets": {name: s.to_json() for name, s in self.scores.items()}}


def twin_available() -> bool:
    """``provisor.sim`` (the twin) is installed."""
    return importlib.util.find_spec("provisor.sim") is not None


def _twin_builtins() -> set[str]:
    if not twin_available():
        return set()
    from provisor.sim.scenarios import BUILTIN  # type: ignore[import-not-found]

    return set(BUILTIN)


def default_runner(days: float = 1.0, policy_path: Path | None = None) -> ScenarioRunner:
    """The scenario source: a generated scenario by name (:data:`scenarios.SCENARIOS`);
    ``twin:NAME`` (a twin built-in) or a scenario YAML file through the twin, for ``days``
    simulated days."""

    def run(policy: Policy, name: str, seed: int) -> tuple[Any, list[Any]]:
        if name in gen.SCENARIOS:
            return gen.generate(policy, name, seed)
        twin_name = check_scenario_name(name)
        return _twin(policy_path, twin_name, seed, days)

    return run


def _near(name: str, known: Sequence[str]) -> str:
    """``"; did you mean X?"`` for the closest of ``known`` (difflib), or ""."""
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def check_scenario_name(name: str) -> str:
    """Check a scenario name as :func:`default_runner` reads it, before anything runs: a
    generated scenario, ``twin:NAME`` or a twin scenario file. Returns the twin scenario
    (``NAME`` or the file) for the twin, ``name`` for a generated one.

    Raises:
        AlertTestError: unknown, with a "did you mean" for the closest known name.
    """
    if name in gen.SCENARIOS:
        return name
    twin_name = name[len("twin:"):] if name.startswith("twin:") else name
    if not twin_available():
        raise AlertTestError(f"unknown scenario {name!r}{_near(name, list(gen.SCENARIOS))} "
                             f"(generated: {', '.join(sorted(gen.SCENARIOS))}; the twin, "
                             "provisor.sim, is not installed)")
    if name.startswith("twin:") and twin_name not in _twin_builtins():
        raise AlertTestError(f"unknown twin scenario {twin_name!r}"
                             f"{_near(twin_name, list(_twin_builtins()))} (built-in: "
                             f"{', '.join(sorted(_twin_builtins()))})")
    if not name.startswith("twin:") and not Path(name).is_file():
        known = [*gen.SCENARIOS, *(f"twin:{n}" for n in _twin_builtins())]
        raise AlertTestError(f"unknown scenario {name!r}: not a generated scenario "
                             f"({', '.join(sorted(gen.SCENARIOS))}), not twin:NAME "
                             f"({', '.join(sorted(_twin_builtins()))}), not a file"
                             f"{_near(name, known)}")
    return twin_name


def expand_scenarios(names: Sequence[str]) -> list[str]:
    """``twin`` alone stands for every twin built-in (``twin:NAME``, sorted); the default
    (no names) is every generated scenario."""
    out: list[str] = []
    for n in names or sorted(gen.SCENARIOS):
        if n == "twin":
            out += [f"twin:{b}" for b in sorted(_twin_builtins())]
        else:
            out.append(n)
    return out


def _twin(policy_path: Path | None, name: str, seed: int, days: float
          ) -> tuple[Any, list[Any]]:
    import provisor.sim as sim  # type: ignore[import-not-found]

    inputs = sim.load_inputs(policy_path, scenarios=[name])
    result = sim.simulate(inputs, days=days, seed=seed)
    epoch = float(sim.START_EPOCH)
    incidents = [gen.Incident(i.kind, epoch + i.start_s, epoch + i.end_s, dict(i.labels),
                              i.detail) for i in result.ground_truth]
    incidents += derived_incidents(result.series(), policy_path)
    return result.series(), incidents


#: What a twin scenario's fault window stands for: an episode of an alert for one of these
#: kinds that starts inside the window is a true positive (the window never counts as a miss).
SCENARIO_KINDS: dict[str, tuple[str, ...]] = {
    "scenario:quota-cut": ("quota-high", "quota-rejection", "pod-pending"),
    "scenario:memory-leak": ("memory-high", "oom-kill"),
    "scenario:spike": ("hpa-maxed", "quota-high", "quota-rejection", "pod-pending",
                       "cpu-high", "cpu-throttled"),
    "scenario:node-loss": ("controller-unavailable", "pod-pending"),
    "scenario:drain": ("controller-unavailable", "pod-pending"),
    "scenario:rolling-upgrade": ("controller-unavailable", "pod-pending"),
}


def derived_incidents(series: Any, policy_path: Path | None) -> list[Any]:
    """Ground truth the twin does not record, read from its own series with the policy's
    thresholds (as the twin derives ``cpu-high`` and friends): ``pvc-full`` while a
    workspace's used / capacity is above ``alerts.pvc_usage.threshold``, and
    ``quota-rejection`` over each burst of increments of
    ``provisor_quota_rejections_total`` (the creations quota admission refused; increments
    less than ``alerts.quota_rejections.lookback`` apart are one burst)."""
    import numpy as np

    from provisor.policy import load_policy

    pol = load_policy(policy_path)
    out: list[Any] = []
    for used in series.select("kubelet_volume_stats_used_bytes"):
        cap = series.get({**used.labels, "__name__": "kubelet_volume_stats_capacity_bytes"})
        if cap is None or len(cap) != len(used):
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            over = (cap.values > 0) & (used.values / cap.values > pol.alerts.pvc_usage.threshold)
        labels = {"namespace": used.get("namespace"),
                  "persistentvolumeclaim": used.get("persistentvolumeclaim")}
        for i0, i1 in gen.spans(over):
            out.append(gen.Incident("pvc-full", float(used.timestamps[i0]),
                                    float(used.timestamps[i1]), labels, "derived: used > "
                                    f"{pol.alerts.pvc_usage.threshold:g} of capacity"))
    gap = duration_seconds(pol.alerts.quota_rejections.lookback)
    for rej in series.select("provisor_quota_rejections_total"):
        d = np.diff(rej.values)
        times = [float(rej.timestamps[i + 1]) for i in np.nonzero(d > 0)[0].tolist()]
        # one incident per burst: increments less than the alert's lookback apart
        bursts: list[list[float]] = []
        for t in times:
            if bursts and t - bursts[-1][1] < gap:
                bursts[-1][1] = t
            else:
                bursts.append([t, t])
        for t0, t1 in bursts:
            out.append(gen.Incident("quota-rejection", t0, t1,
                                    {"namespace": rej.get("namespace")},
                                    "derived: provisor_quota_rejections_total increased"))
    return out


def load_rule_file(path: str | Path) -> RuleSet:
    """The rule groups of a PrometheusRule file (or several, or a ``kind: List``) or of a
    Prometheus rule file (``groups:``), read with the hardened manifest loader.

    Raises:
        AlertTestError: unreadable, or no rule groups in it.
    """
    from provisor.manifests import load

    docs = load([str(path)])
    bad = [f for f in docs.findings if f.severity == "error"]
    if bad:
        raise AlertTestError(bad[0].message, bad[0].file or str(path), bad[0].line or 0)
    groups: list[dict[str, Any]] = []
    for d in docs:
        o = d.obj
        if not isinstance(o, dict):
            continue
        if o.get("kind") == "PrometheusRule":
            gs = (o.get("spec") or {}).get("groups")
        else:
            gs = o.get("groups")
        if isinstance(gs, list):
            for g in gs:
                if not isinstance(g, dict) or not isinstance(g.get("rules"), list):
                    raise AlertTestError("a rule group needs `name` and a `rules` list",
                                         str(path), getattr(d, "line", 0) or 0)
                groups.append({k: v for k, v in g.items() if k in ("name", "interval",
                                                                   "rules", "limit")})
    if not groups:
        raise AlertTestError("no Prometheus rule groups (a PrometheusRule or a rule file with "
                             "`groups:`)", str(path))
    return RuleSet(Path(path).name, groups, str(path))


def rendered_rules(policy: Policy) -> RuleSet:
    """The policy's rendered PrometheusRule groups."""
    from provisor.render.monitoring import rule_groups

    return RuleSet("rendered", rule_groups(policy), "rendered")


def _alert_meta(rs: RuleSet, policy: Policy, eval_s: float
                ) -> tuple[dict[str, tuple[str, ...]], dict[str, float]]:
    from provisor.render.monitoring import alert_specs

    known = {a.alert: a.incidents for a in alert_specs(policy)}
    kinds: dict[str, tuple[str, ...]] = {}
    grace: dict[str, float] = {}
    for g in rs.groups:
        for r in g.get("rules") or []:
            if not isinstance(r, dict) or "alert" not in r:
                continue
            name, expr = str(r["alert"]), str(r.get("expr", ""))
            kinds[name] = known.get(name) or kinds_for_expr(expr)
            try:
                grace[name] = max(grace.get(name, 0.0),
                                  grace_seconds(expr, r.get("for"), eval_s))
            except ValueError:
                grace[name] = grace.get(name, 0.0)
    return kinds, grace


def run_alert_test(policy: Policy, rule_files: Sequence[str | Path] = (),
                   scenario_names: Sequence[str] = (), seeds: int = 1, *,
                   include_rendered: bool = True, runner: ScenarioRunner | None = None,
                   min_incident_s: float = 900.0, promtool: str = "promtool",
                   progress: Callable[[str], None] | None = None) -> AlertTestReport:
    """Score the rendered alerts and the given rule files over scenarios x seeds.

    Args:
        policy: the policy (rendered rules, namespace, thresholds for generated truth).
        rule_files: user PrometheusRule / rule files to score beside the rendered rules.
        scenario_names: generated scenario names, ``twin:NAME``, ``twin`` (every twin
            built-in) or twin scenario files; default: every generated scenario.
        seeds: seeds 0..seeds-1 per scenario.
        runner: the scenario source (default: :func:`default_runner`).
        min_incident_s: shortest condition incident counted for recall.
        progress: called with a short text at the start of each step: each scenario run
            and each evaluation of a rule set on it (scenarios x seeds x (1 + rule sets)
            calls in all), so a caller can count them.

    Raises:
        AlertTestError: bad rule file or unknown scenario.
        provisor.alerting.engine.PromtoolEvalError: promtool missing or failing.
    """
    if seeds < 1:
        raise AlertTestError("--seeds must be at least 1")
    eval_s = duration_seconds(policy.alerts.evaluation_interval)
    sets = [rendered_rules(policy)] if include_rendered else []
    sets += [load_rule_file(p) for p in rule_files]
    names = [s.name for s in sets]
    for i, n in enumerate(names):
        if names.count(n) > 1:
            sets[i].name = f"{n} ({sets[i].source})"
    chosen = expand_scenarios(scenario_names)
    if runner is None:
        for name in chosen:   # an unknown name fails now, not after minutes of other runs
            check_scenario_name(name)
    run = runner or default_runner()
    report = AlertTestReport({rs.name: Score({}) for rs in sets}, seeds=seeds,
                             min_incident_s=min_incident_s, eval_interval_s=eval_s)
    metas = {rs.name: _alert_meta(rs, policy, eval_s) for rs in sets}
    for name in chosen:
        for seed in range(seeds):
            if progress:
                progress(f"{name} seed {seed}: running the scenario")
            series, incidents = run(policy, name, seed)
            report.scenarios.append({"scenario": name, "seed": seed,
                                     "incidents": len(incidents), "series": len(series)})
            for rs in sets:
                if progress:
                    progress(f"{name} seed {seed}: {rs.name}")
                result = evaluate_alerts(rs.groups, series, eval_interval=eval_s,
                                         promtool=promtool)
                kinds, grace = metas[rs.name]
                for a in alert_names_of(rs.groups):
                    kinds.setdefault(a, ())
                score(result.firings, incidents, kinds, grace, min_incident_s=min_incident_s,
                      eval_interval_s=eval_s, scenario=f"{name}/{seed}",
                      into=report.scores[rs.name], context_kinds=SCENARIO_KINDS)
    return report


def fill_scorecard(scorecard: Any, sc: Score) -> None:
    """Set the twin scorecard's ``alert-accuracy`` line: 1 - the false-positive rate of the
    resource alerts (target >= 0.95, the spec's "< 5% false positive rate")."""
    fp = sc.fp_rate
    if fp is None:
        scorecard.set("alert-accuracy", None, "not-computed")
    else:
        scorecard.set("alert-accuracy", 1 - fp, "pass" if fp < FP_TARGET else "fail")
