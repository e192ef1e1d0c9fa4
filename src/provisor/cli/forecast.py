"""``provisor forecast``: 30-day capacity forecasts per namespace (thin: parse, call
:func:`provisor.forecast.forecast`, print).

    provisor forecast (--prometheus URL | --series FILE...) [--horizon 30d] [--backtest]
                      [--engine batch|statsforecast] [--format table|json|csv] [-o FILE]
                      [--force]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from provisor.cli import _console, _fail, app


def write_output(path: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``path`` atomically; refuse an existing file without ``force``.
    Raises typer.Exit(2) with a one-line error."""
    from provisor.fsutil import atomic_writer

    try:
        with atomic_writer(path, overwrite=force) as fh:
            fh.write(text.encode("utf-8"))
    except FileExistsError:
        raise _fail(f"{path}: exists (use --force to replace it)") from None
    except OSError as exc:
        raise _fail(f"{path}: cannot write: {exc.strerror or exc}") from None


@app.command("forecast")
def forecast_cmd(
    more: Annotated[Optional[list[Path]], typer.Argument(
        help="More --series files (--series a.om b.om).", show_default=False)] = None,
    series: Annotated[Optional[list[Path]], typer.Option(
        "--series", help="OpenMetrics file(s) (promtool tsdb dump-openmetrics, the twin's "
        "series); more may follow as arguments.", show_default=False)] = None,
    prometheus: Annotated[Optional[str], typer.Option(
        "--prometheus", help="Prometheus base URL to read from.", show_default=False)] = None,
    horizon: Annotated[str, typer.Option(help="How far ahead (30d, 2w, 12h).")] = "30d",
    lookback: Annotated[str, typer.Option(
        help="With --prometheus: how much history to read.")] = "60d",
    step: Annotated[Optional[str], typer.Option(
        help="Grid step (default 1h; 5m when the history is shorter than two days).",
        show_default=False)] = None,
    backtest: Annotated[bool, typer.Option(
        "--backtest", help="Hold out the last HORIZON of history, forecast it from the rest "
        "and score the forecast against what happened.")] = False,
    engine: Annotated[str, typer.Option(
        help="batch (our vectorised models, all series at once) or statsforecast (one "
        "series at a time).")] = "batch",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write to this file (atomically) instead of stdout.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing -o file.")] = False,
) -> None:
    """Forecast usage, requests, pods, PVCs and storage per namespace, and the nodes'
    allocatable, with 80%/95% intervals and the day each runs out of quota or allocatable."""
    from provisor.forecast import ForecastError, forecast, forecast_targets, parse_duration
    from provisor.forecast.output import FORMATS, render_csv, render_json, render_table
    from provisor.forecast.sources import SourceError, series_from_files, targets_from_url

    from provisor.forecast import ENGINES

    if engine not in ENGINES:
        raise _fail(f"--engine must be {' or '.join(ENGINES)}, not {engine!r}")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise _fail(f"--format must be table, json or csv, not {fmt!r}")
    if more:
        if not series:
            raise _fail("FILE arguments follow --series (provisor forecast --series a.om b.om)")
        series = [*series, *more]
    if bool(series) == bool(prometheus):
        raise _fail("give exactly one source: --prometheus URL or --series FILE...")
    try:
        horizon_s = parse_duration(horizon)
        step_s = parse_duration(step) if step else None
        lookback_s = parse_duration(lookback)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if output is not None and output.exists() and not force:
        raise _fail(f"{output}: exists (use --force to replace it)")

    from rich.progress import Progress

    err = _console(stderr=True)
    try:
        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("forecasting", total=None)

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=label)

            if prometheus:
                targets = targets_from_url(prometheus, lookback_s, step_s or 3600.0)
                result = forecast_targets(targets, horizon_s, backtest=backtest,
                                          progress=progress, engine=engine)
            else:
                data = series_from_files(series or [])
                result = forecast(data, horizon_s, step_s=step_s, backtest=backtest,
                                  progress=progress, engine=engine)
    except (SourceError, ForecastError) as exc:
        raise _fail(str(exc)) from None

    if fmt == "table":
        if output is not None:
            import io

            from rich.console import Console

            con = Console(record=True, width=160, file=io.StringIO())
            con.print(render_table(result))
            write_output(output, con.export_text(), force)
        else:
            con = _console()
            if not con.is_terminal:
                con.width = 180          # piped: never squeeze the columns
            con.print(render_table(result))
        return
    text = render_json(result) if fmt == "json" else render_csv(result)
    if output is not None:
        write_output(output, text, force)
    else:
        sys.stdout.write(text)
