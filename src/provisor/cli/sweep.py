"""``provisor sweep``: the what-if grid on the twin (see :mod:`provisor.sim.sweep`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from provisor.cli import _console, _fail, app

# the Dask and cache options sweep and tune share
SchedulerOpt = Annotated[Optional[str], typer.Option(
    help="Address of an existing Dask scheduler (default: a LocalCluster on this machine).",
    show_default=False)]
WorkersOpt = Annotated[Optional[int], typer.Option(
    help="LocalCluster worker processes (default: the CPU count).", min=1, show_default=False)]
CacheOpt = Annotated[Optional[Path], typer.Option(
    help="Result cache folder (default: $XDG_CACHE_HOME/provisor/sweep).", show_default=False)]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Rerun every run.")]


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="Sweep file (YAML; see docs/sweep.md).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
    out: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write the report here (atomically) instead of stdout.",
        show_default=False)] = None,
    plot: Annotated[Optional[Path], typer.Option(
        help="Also plot each metric against each swept field (.png or .svg).",
        show_default=False)] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace existing --output/--plot files.")] = False,
) -> None:
    """Run a grid of policy variants x workloads x scenarios x seeds on the twin (Dask).

    Exit codes: 0 every run finished; 1 some run failed (each is listed with its error);
    2 bad input or usage."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from provisor.sim.sweep import (
        SweepFileError,
        aggregate,
        default_cache_dir,
        load_sweep,
        plot_sweep,
        run_sweep,
        sweep_csv,
        sweep_json,
    )

    fmt = fmt.lower()
    if fmt not in ("text", "json", "csv"):
        raise _fail(f"--format must be text, json or csv, not {fmt!r}")
    for target in (out, plot):
        if target is not None and target.exists() and not force:
            raise _fail(f"{target}: exists (use --force to replace it)")
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise _fail(f"{plot}: --plot takes a .png or .svg file")
    try:
        spec, runs = load_sweep(file)
    except SweepFileError as exc:
        raise _fail(str(exc)) from None
    cache_dir = None if no_cache else (cache or default_cache_dir())
    err = _console(stderr=True)
    with Progress(TextColumn("[bold]sweep[/]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=err,
                  transient=True) as prog:
        task = prog.add_task("runs", total=len(runs), last="")

        def tick(r, done, total):
            tag = "cached" if r.cached else ("failed" if r.error else f"{r.seconds:.1f}s")
            prog.update(task, completed=done, last=f"run {r.spec.index} {tag}")

        try:
            results = run_sweep(runs, scheduler=scheduler, workers=workers,
                                cache_dir=cache_dir, progress=tick)
        except OSError as exc:
            raise _fail(f"dask scheduler {scheduler or '(local)'}: {exc}") from None
    aggs = aggregate(results)
    failed = [r for r in results if r.error]
    if fmt == "json":
        text = sweep_json(spec, results, aggs)
    elif fmt == "csv":
        text = sweep_csv(aggs)
    else:
        text = None
    if out is not None:
        from provisor.fsutil import atomic_writer

        body = text if text is not None else sweep_csv(aggs)
        try:
            with atomic_writer(out, overwrite=force) as fh:
                fh.write(body.encode())
        except (OSError, FileExistsError) as exc:
            raise _fail(f"{out}: {getattr(exc, 'strerror', None) or exc}") from None
    elif text is not None:
        typer.echo(text, nl=False)
    else:
        con = _console()
        fields = list(spec.grid)
        table = Table(title=f"sweep: {len(runs)} runs ({sum(r.cached for r in results)} cached, "
                            f"{len(failed)} failed)", show_lines=False)
        for f in fields:
            table.add_column(f, overflow="fold")
        for c in ("workload", "scenario", "metric", "mean", "95% CI", "pass", "n"):
            table.add_column(c, justify="right" if c in ("mean", "95% CI", "pass", "n") else "left")
        for a in aggs:
            v = dict(a.variant)
            ci = (f"{a.ci_low:.3g} .. {a.ci_high:.3g}" if a.ci_low is not None
                  and a.ci_high is not None else "-")
            table.add_row(*[escape(str(v.get(f, ""))) for f in fields], escape(a.workload),
                          escape(a.scenario), escape(a.metric),
                          "-" if a.mean is None else f"{a.mean:.4g} {escape(a.unit)}", ci,
                          "-" if a.pass_rate is None else f"{a.pass_rate:.0%}", str(a.n))
        con.print(table)
    if plot is not None:
        try:
            plot_sweep(spec, results, plot, overwrite=force)
        except (ValueError, FileExistsError, OSError) as exc:
            raise _fail(f"{plot}: {exc}") from None
    for r in failed:
        err.print(f"[bold red]run {r.spec.index} failed:[/] "
                  f"{escape(', '.join(f'{p}={v}' for p, v in r.spec.variant))} "
                  f"{escape(r.spec.workload)}/{escape(r.spec.scenario)} seed {r.spec.seed}: "
                  f"{escape(r.error or '')}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def tune(
    file: Annotated[Path, typer.Argument(help="Tune file (YAML; see docs/sweep.md).")],
    out: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write the best policy here (a policy file).",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing -o file.")] = False,
) -> None:
    """Search the cheapest policy that meets every scorecard target (see docs/sweep.md).

    Exit codes: 0 a feasible policy was found; 1 none within the bounds; 2 bad input."""
    import json

    from rich.markup import escape
    from rich.table import Table

    from provisor.policy import dump_policy
    from provisor.sim.sweep import SweepFileError, default_cache_dir
    from provisor.sim.tune import load_tune, tune_json

    fmt = fmt.lower()
    if fmt not in ("text", "json"):
        raise _fail(f"--format must be text or json, not {fmt!r}")
    if out is not None and out.exists() and not force:
        raise _fail(f"{out}: exists (use --force to replace it)")
    try:
        tuner = load_tune(file)
    except SweepFileError as exc:
        raise _fail(str(exc)) from None
    err = _console(stderr=True)
    with err.status("tune: evaluating candidates") as status:
        result = tuner.run(scheduler=scheduler, workers=workers,
                           cache_dir=None if no_cache else (cache or default_cache_dir()),
                           progress=lambda msg: status.update(f"tune: {escape(msg)}"))
    if fmt == "json":
        typer.echo(json.dumps(tune_json(result), indent=1, allow_nan=False))
    else:
        con = _console()
        cur = result.base.prices.currency
        if result.best is None:
            con.print("[bold red]no candidate within the bounds meets every target[/]")
            for point, why in result.invalid[:3]:
                con.print(f"  not a valid policy: {escape(str(point))}: {escape(why)}",
                          highlight=False)
        table = Table(title="tune: baseline against best")
        table.add_column("metric")
        table.add_column("baseline", justify="right")
        table.add_column("best", justify="right")
        for mid, (a, b) in sorted(_metric_pairs(result).items()):
            table.add_row(escape(mid), a, b)
        table.add_row("cost / month", f"{result.baseline.cost:,.2f} {cur}",
                      "-" if result.best is None else f"{result.best.cost:,.2f} {cur}")
        con.print(table)
        if result.best is not None:
            for p, v in sorted(result.best.overrides.items()):
                con.print(f"  {escape(p)}: {escape(str(v))}")
            if result.saving is not None:
                con.print(f"saving: [bold]{result.saving:.1%}[/] against the starting policy "
                          f"({len(result.tried)} candidates tried)")
    if result.best is not None and out is not None:
        from provisor.fsutil import atomic_writer

        head = "".join(f"#   {p}: {v}\n" for p, v in sorted(result.best.overrides.items()))
        text = (f"# written by provisor tune from {file}: the cheapest policy found that meets "
                f"every target\n# changes against the starting policy:\n{head}"
                + dump_policy(result.best_policy))
        try:
            with atomic_writer(out, overwrite=force) as fh:
                fh.write(text.encode())
        except (OSError, FileExistsError) as exc:
            raise _fail(f"{out}: {getattr(exc, 'strerror', None) or exc}") from None
        err.print(f"wrote {escape(str(out))}")
    raise typer.Exit(0 if result.best is not None else 1)


def _metric_pairs(result) -> dict[str, tuple[str, str]]:
    from provisor.sim.tune import mean_metrics

    a = mean_metrics(result.baseline)
    b = mean_metrics(result.best) if result.best is not None else {}
    out = {}
    for mid in sorted(set(a) | set(b)):
        fa, fb = a.get(mid), b.get(mid)
        out[mid] = (_fmt_metric(fa), _fmt_metric(fb))
    return out


def _fmt_metric(m) -> str:
    if m is None:
        return "-"
    value, unit, status = m
    v = "not computed" if value is None else f"{value:.4g} {unit}".strip()
    mark = {"pass": " ✓", "fail": " ✗"}.get(status, "")
    return v + mark
