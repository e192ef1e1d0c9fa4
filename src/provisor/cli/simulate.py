"""``provisor simulate``: run the digital twin and print its scorecard (thin: parse, call
``provisor.sim``, print)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from provisor.cli import _console, _fail, app


@app.command()
def simulate(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        help="A policy file, or manifest files/folders (default: the built-in policy).",
        show_default=False)] = None,
    days: Annotated[float, typer.Option(help="Simulated days.")] = 7.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same output).")] = 0,
    nodes: Annotated[Optional[list[str]], typer.Option(
        "--nodes", help='Node pool, repeatable: "6x cpu=16,memory=64Gi,pods=110".',
        show_default=False)] = None,
    workload: Annotated[Optional[Path], typer.Option(
        help="Workload YAML (docs/simulate.md).", show_default=False)] = None,
    scenario: Annotated[Optional[list[str]], typer.Option(
        "--scenario", help="Built-in scenario name or scenario YAML file, repeatable.",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    series: Annotated[Optional[Path], typer.Option(
        help="Write the simulated series as OpenMetrics text to this file (gzip-compressed "
        "when it ends in .gz; provisor reads both).", show_default=False)] = None,
    scrape_interval: Annotated[Optional[float], typer.Option(
        "--scrape-interval", metavar="SECONDS", help="Seconds between two samples of the "
        "recorded series, like a Prometheus scrape_interval (default: the workload's "
        "timings.scrape, 30 s; 60 halves --series).", show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write the report to this file instead of stdout.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
    compare: Annotated[Optional[Path], typer.Option(
        "--compare", help="Also run this policy file on the same workload, cluster, scenarios "
        "and seed, and print both scorecards side by side (docs/sweep.md).",
        show_default=False)] = None,
    trace: Annotated[Optional[Path], typer.Option(
        "--trace", help="Replay the pod records of this CSV instead of the synthetic workload "
        "(docs/simulate.md#trace-replay).", show_default=False)] = None,
    arrival_growth: Annotated[Optional[float], typer.Option(
        "--arrival-growth", help="Grow the workload's arrival rate linearly by this fraction "
        "of its starting rate per day (arrivals.growth_per_day; docs/simulate.md"
        "#growing-arrivals).", show_default=False)] = None,
) -> None:
    """Simulate the platform (a deterministic digital twin) and print the spec's scorecard."""
    from provisor.sim import SimInputError, load_inputs
    from provisor.sim import simulate as run_sim
    from provisor.sim.inputs import with_arrival_growth

    fmt = fmt.lower()
    if fmt not in ("text", "json"):
        raise _fail(f"--format must be text or json, not {fmt!r}")
    if not days > 0 or days > 3650:
        raise _fail("--days must be > 0 and at most 3650")
    for out in (series, output):
        if out is not None and out.exists() and not force:
            raise _fail(f"{out} exists (use --force to overwrite)")
        if out is not None and out.exists() and not out.is_file():
            raise _fail(f"{out} exists and is not a regular file")
    paths = list(inputs or [])
    policy = None
    if len(paths) == 1 and Path(paths[0]).is_file() and _is_policy(Path(paths[0])):
        policy, paths = Path(paths[0]), []
    try:
        sim_inputs = load_inputs(policy, paths, nodes=nodes or (), workload=workload,
                                 scenarios=scenario or (), trace=trace)
        if arrival_growth is not None:
            sim_inputs = with_arrival_growth(sim_inputs, arrival_growth)
        other = None
        if compare is not None:
            if not (compare.is_file() and _is_policy(compare)):
                raise _fail(f"--compare {compare}: not a policy file (top-level tiers: and "
                            "agents:)")
            other = load_inputs(compare, nodes=nodes or ())
            if arrival_growth is not None:
                other = with_arrival_growth(other, arrival_growth)
    except SimInputError as exc:
        raise _fail(str(exc)) from None
    if scrape_interval is not None:
        if not 1 <= scrape_interval <= 3600:
            raise _fail("--scrape-interval must be between 1 and 3600 seconds")
        sim_inputs = with_scrape_interval(sim_inputs, scrape_interval)
        if other is not None:
            other = with_scrape_interval(other, scrape_interval)
    if other is not None:
        _compare(sim_inputs, other, days, seed, fmt, output, force, str(compare))
        return
    result = _run_with_progress(run_sim, sim_inputs, days, seed)
    if series is not None:
        from provisor.series import write_openmetrics

        write_openmetrics(result.series(), series, overwrite=force)
    if fmt == "json":
        text = json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"
        if output is not None:
            from provisor.fsutil import write_text_atomic

            write_text_atomic(output, text)
        else:
            sys.stdout.write(text)
        return
    from rich.console import Console

    from provisor.sim.text import scorecard_table, summary_lines

    def emit(con: Console) -> None:
        con.print(f"[bold]provisor simulate[/] {result.source}: {result.days:g} days, seed "
                  f"{result.seed}" + (f", scenarios: {', '.join(s['name'] for s in result.scenarios)}"
                                      if result.scenarios else ""))
        con.print(scorecard_table(result))
        for line in summary_lines(result):
            con.print(line, markup=False, highlight=False)
        faults = [i for i in result.ground_truth if i.kind.startswith("scenario:")]
        for i in faults:
            con.print(f"ground truth: {i.kind} {i.start_s:.0f} s .. {i.end_s:.0f} s "
                      f"{dict(sorted(i.labels.items()))} {i.detail}", markup=False, highlight=False)

    if output is not None:
        import io

        buf = io.StringIO()
        emit(Console(file=buf, width=160, highlight=False, soft_wrap=True))
        from provisor.fsutil import write_text_atomic

        write_text_atomic(output, buf.getvalue())
    else:
        emit(_console())


def with_scrape_interval(inputs, seconds: float):  # type: ignore[no-untyped-def]
    """``inputs`` (``provisor.sim.SimInputs``) with the recorder's scrape interval set to
    ``seconds`` (the workload's ``timings.scrape``)."""
    import dataclasses

    wl = inputs.workload
    wl = wl.model_copy(update={"timings": wl.timings.model_copy(update={"scrape": seconds})})
    return dataclasses.replace(inputs, workload=wl)


def _is_policy(path: Path) -> bool:
    """A policy file has top-level ``tiers:`` and ``agents:`` keys (manifests have ``kind``)."""
    from provisor.safeyaml import InputError, read_text_file

    try:
        head = read_text_file(path)[:200000]
    except InputError:
        return False
    lines = {ln.split(":", 1)[0] for ln in head.splitlines() if ln and not ln[0].isspace() and ":" in ln}
    return "tiers" in lines and "agents" in lines and "kind" not in lines


@contextmanager
def progress_bar(days: float) -> Iterator[Callable[[float, float], None]]:
    """A rich progress bar on stderr (only on a terminal) fed with simulated seconds; yields the
    ``progress(done_s, total_s)`` callback."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    con = _console(stderr=True)
    start = time.monotonic()
    with Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.fields[done]}"),
                  TextColumn("{task.fields[speed]}"), TimeElapsedColumn(), console=con,
                  transient=True, disable=not con.is_terminal) as prog:
        task = prog.add_task("sim", total=max(days, 1e-9) * 86400.0, done="", speed="")

        def progress(done: float, total: float) -> None:
            el = max(time.monotonic() - start, 1e-6)
            prog.update(task, completed=done, done=f"{done / 86400:.2f}/{total / 86400:g} d",
                        speed=f"{done / el:,.0f} sim s/s")

        yield progress


class PlanProgress:
    """The phases of a long command on one transient rich progress line on stderr (shown only
    when stderr is a terminal, like every progress bar of the CLI; never on stdout):
    ``phase(name)`` starts the next phase ("[2/6] check"), ``sim(done_s, total_s)`` moves
    the bar through the simulated days, ``forecast(done, total, what)`` through the
    forecast's series."""

    def __init__(self, prog: Any, phases: tuple[str, ...], days: float) -> None:
        self.prog, self.phases, self.days = prog, phases, days
        self.task = prog.add_task("", total=None, info="")
        self.start = time.monotonic()

    def phase(self, name: str) -> None:
        k = self.phases.index(name) + 1 if name in self.phases else 0
        label = f"simulate {self.days:g} days" if name == "simulate" else name
        self.prog.update(self.task, description=f"[{k}/{len(self.phases)}] {label}",
                         total=self.days * 86400.0 if name == "simulate" else None,
                         completed=0, info="")
        self.start = time.monotonic()
        self.prog.refresh()

    def sim(self, done: float, total: float) -> None:
        el = max(time.monotonic() - self.start, 1e-6)
        self.prog.update(self.task, total=total, completed=done,
                         info=f"{done / 86400:.2f}/{total / 86400:g} d, {done / el:,.0f} sim s/s")

    def forecast(self, done: int, total: int, what: str = "") -> None:
        self.prog.update(self.task, total=max(total, 1), completed=done,
                         info=f"{done}/{total} series")


@contextmanager
def phase_progress(phases: tuple[str, ...], days: float = 0.0) -> Iterator[PlanProgress]:
    """A :class:`PlanProgress` on stderr for the duration of the ``with`` block (disabled
    when stderr is not a terminal; transient: the line is removed at the end)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    con = _console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=con, transient=True,
                  disable=not con.is_terminal) as prog:
        yield PlanProgress(prog, phases, days)


def _run_with_progress(run_sim, sim_inputs, days: float, seed: int):  # type: ignore[no-untyped-def]
    with progress_bar(days) as progress:
        return run_sim(sim_inputs, days=days, seed=seed, progress=progress)


def _compare(a, b, days: float, seed: int, fmt: str, output: Optional[Path], force: bool,  # type: ignore[no-untyped-def]
             label_b: str) -> None:
    """``--compare``: run both through ``provisor.sim.compare`` and print or write the result."""
    import io

    from rich.console import Console

    from provisor.fsutil import write_text_atomic
    from provisor.sim.compare import compare, comparison_table

    with progress_bar(2 * days) as progress:
        cmp = compare(a, b, days=days, seed=seed, progress=progress)
    if fmt == "json":
        text = json.dumps(cmp.to_json(), indent=2, sort_keys=True) + "\n"
    else:
        buf = io.StringIO()
        con = Console(file=buf, width=160, highlight=False, soft_wrap=True,
                      force_terminal=False)
        con.print(f"provisor simulate --compare: {days:g} days, seed {seed}, the same workload, "
                  f"cluster and scenarios for both")
        con.print(f"A: {cmp.a.source}", markup=False)
        con.print(f"B: {label_b}", markup=False)
        con.print(comparison_table(cmp, "A", "B"))
        flips = cmp.flips()
        con.print("flips: " + (", ".join(f"{f['metric']} ({f['from']} -> {f['to']})"
                                          for f in flips) if flips else "none"), markup=False)
        for r in cmp.summary_diff():
            if r["a"] != r["b"]:
                con.print(f"  {r['key']}: {r['a']} -> {r['b']}", markup=False)
        text = buf.getvalue()
    if output is not None:
        write_text_atomic(output, text)
    else:
        sys.stdout.write(text)
