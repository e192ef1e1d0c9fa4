"""``provisor report``: one offline HTML page (or Markdown) of the plan, the series, the
forecast (thin: parse, call :mod:`provisor.report`, write).

    provisor report [POLICY | PATH...] [--prometheus URL | --series FILE...]
                    [--horizon 30d] [--format html|md] [-o FILE] [--force]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from provisor.cli import _console, _fail, app


@app.command("report")
def report_cmd(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="A policy file, or manifests (files, folders) to check (default: the built-in "
        "agent-platform policy); with --series, more series files may follow here.",
        show_default=False)] = None,
    series: Annotated[Optional[list[Path]], typer.Option(
        "--series", help="OpenMetrics series file(s) (promtool tsdb dump-openmetrics, the "
        "twin's series).", show_default=False)] = None,
    prometheus: Annotated[Optional[str], typer.Option(
        "--prometheus", help="Prometheus base URL to read the forecast's series from.",
        show_default=False)] = None,
    lookback: Annotated[str, typer.Option(
        help="With --prometheus: how much history to read.")] = "60d",
    horizon: Annotated[str, typer.Option(help="Forecast horizon (30d, 2w).")] = "30d",
    fmt: Annotated[str, typer.Option("--format", "-f", help="html or md.")] = "html",
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write to this file (atomically); default: provisor-report.html "
        "(or .md).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file.")] = False,
) -> None:
    """Write the report: plan, scorecard, usage, HPA, queue, recommendations, forecast and
    alerts, each section shown when its data is given."""
    from provisor.forecast import ForecastError, parse_duration
    from provisor.forecast.sources import SourceError, series_from_files, targets_from_url
    from provisor.report import ReportError, render_html, render_markdown, report_for_inputs

    fmt = fmt.lower()
    if fmt not in ("html", "md"):
        raise _fail(f"--format must be html or md, not {fmt!r}")
    if series and prometheus:
        raise _fail("give one series source: --prometheus URL or --series FILE...")
    try:
        horizon_s, lookback_s = parse_duration(horizon), parse_duration(lookback)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    out = output or Path(f"provisor-report.{fmt}")
    if out.exists() and not force:
        raise _fail(f"{out}: exists (use --force to replace it)")
    err = _console(stderr=True)
    try:
        with err.status("building the report", spinner="dots") if err.is_terminal else _Null():
            ss = series_from_files(series) if series else None
            targets = targets_from_url(prometheus, lookback_s) if prometheus else None
            where = (f"Series: {', '.join(map(str, series))}." if series else
                     f"Series: Prometheus at {prometheus}, last {lookback}." if prometheus else "")
            data = report_for_inputs(paths=paths or (), series=ss, targets=targets,
                                     horizon_s=horizon_s, source=where)
    except (SourceError, ForecastError, ReportError) as exc:
        raise _fail(str(exc)) from None
    text = render_html(data) if fmt == "html" else render_markdown(data)
    from provisor.report import write_report

    try:
        write_report(text, out, force=force)
    except FileExistsError:
        raise _fail(f"{out}: exists (use --force to replace it)") from None
    except OSError as exc:
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}") from None
    sys.stdout.write(f"report: {out}\n")


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None
