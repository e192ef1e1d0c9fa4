"""``provisor alerts test``: alert precision, recall and delay over scenarios with ground
truth, evaluated with the real Prometheus rule engine (``promtool test rules``).

    provisor alerts test [POLICY] [--rules PATH]... [--scenario NAME|FILE]... [--seeds N]
                         [--days D] [--min-incident SECONDS] [--format text|json]

Exit codes: 0 done; 2 bad input (policy, rule file, scenario, promtool missing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from provisor.cli import PolicyArg, _console, _fail, _load_policy, app

alerts_app = typer.Typer(help="Measure alert accuracy on scenarios with ground truth.",
                         no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def _secs(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 60:.1f} min" if abs(v) >= 60 else f"{v:.0f} s"


@alerts_app.command("test")
def test(
    policy: PolicyArg = None,
    rules: Annotated[Optional[list[Path]], typer.Option(
        "--rules", help="A PrometheusRule or rule file to score beside the rendered rules "
        "(repeatable).", show_default=False)] = None,
    scenario: Annotated[Optional[list[str]], typer.Option(
        "--scenario", help="A generated scenario (steady, memory-leak, cpu-saturation, "
        "quota-pressure, pvc-fill, hpa-maxed, controller-outage, pending, vpa-capped), a twin "
        "scenario (twin:NAME, or twin for all of them) or a twin scenario file (repeatable; "
        "default: every generated scenario).",
        show_default=False)] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per scenario (0..N-1).")] = 1,
    days: Annotated[float, typer.Option(help="Simulated days per twin scenario.")] = 1.0,
    min_incident: Annotated[float, typer.Option(
        help="Shortest condition incident (seconds) counted for recall.")] = 900.0,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Run the scenarios, evaluate the rendered alerts (and --rules files) with the real
    rule engine, and report per alert TP/FP/FN, precision, recall and delay, and the
    false-positive rate of all resource alerts against the spec's 5% target."""
    from provisor.alerting.engine import PromtoolEvalError
    from provisor.alerting.harness import AlertTestError, default_runner, run_alert_test

    if fmt not in ("text", "json"):
        raise _fail(f"--format must be text or json, not {fmt!r}")
    if seeds < 1:
        raise _fail("--seeds must be at least 1")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.progress import TimeElapsedColumn

    from provisor.alerting.harness import expand_scenarios

    pol = _load_policy(policy)
    err = _console(stderr=True)
    # One step per scenario run and per evaluation of a rule set on it (run_alert_test).
    steps = len(expand_scenarios(scenario or [])) * seeds * (2 + len(rules or []))
    try:
        with Progress(TextColumn("alerts test"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                      transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("", total=steps)
            done = [0]

            def progress(text: str) -> None:
                bar.update(task, completed=done[0], description=text)
                done[0] += 1
                bar.refresh()

            report = run_alert_test(
                pol, rule_files=rules or [], scenario_names=scenario or [], seeds=seeds,
                runner=default_runner(days, policy), min_incident_s=min_incident,
                progress=progress)
    except AlertTestError as exc:
        raise _fail(str(exc)) from None
    except PromtoolEvalError as exc:
        raise _fail(str(exc)) from None
    data = report.to_json()
    if fmt == "json":
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return
    _print_text(data)


def _print_text(data: dict[str, Any]) -> None:
    from rich.table import Table

    from rich.console import Console

    con = _console()
    if not con.is_terminal:
        con = Console(highlight=False, soft_wrap=True, width=130)
    runs = ", ".join(f"{s['scenario']}/{s['seed']} ({s['incidents']} incidents)"
                     for s in data["scenarios"])
    con.print(f"scenarios: {runs}", markup=False)
    con.print(f"an incident counts for recall when it lasts >= {data['min_incident_s']:g} s "
              "(instant events always); delay = first firing - incident start", markup=False)
    for name, rs in data["rule_sets"].items():
        t = Table(title=f"rule set: {name}", title_justify="left")
        for col in ("alert", "fired", "TP", "FP", "FN", "precision", "recall", "delay mean",
                    "delay max"):
            t.add_column(col, justify="left" if col == "alert" else "right",
                         no_wrap=col == "alert")
        for a in rs["alerts"]:
            if not a["scored"]:
                t.add_row(a["alert"], str(a["episodes"]), "-", "-", "-", "not scored", "-",
                          "-", "-")
                continue
            t.add_row(a["alert"], str(a["episodes"]), str(a["tp"]), str(a["fp"]), str(a["fn"]),
                      _pct(a["precision"]), _pct(a["recall"]), _secs(a["delay_mean_s"]),
                      _secs(a["delay_max_s"]))
        con.print(t)
        fp = rs["fp_rate"]
        verdict = "-" if fp is None else ("pass" if rs["fp_pass"] else "FAIL")
        con.print(f"false-positive rate of resource alerts: {_pct(fp)} (target < "
                  f"{data['fp_target']:.0%}): {verdict}; incidents missed: "
                  f"{rs['missed_incidents']}", markup=False)
    for line in data.get("scorecard", []):
        value = "-" if line["value"] is None else f"{line['value']:.1%}"
        con.print(f"scorecard: alert accuracy ({line['rule_set']}) = {value}, target "
                  f"{line['target']}: {line['status']}", markup=False)
