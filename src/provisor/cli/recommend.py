"""``provisor recommend``: right-sizing per agent class from Prometheus or series files.

    provisor recommend (--prometheus URL | --series FILE...) [--strategy vpa|percentile|risk]...
                       [--backtest --fit-until TIME] [--format table|json|yaml|csv] [-o FILE]
                       [--patch POLICY] [--policy POLICY] [--set STRATEGY.FIELD=VALUE]...

Thin: parses, builds a source and the strategies, calls ``provisor.recommend``, prints.
Exit codes: 0 ok, 2 bad input or usage (also: Prometheus unreachable after retries, an output
file that exists without --force).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from provisor.cli import _console, _fail, _load_policy, app


def _parse_time(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"{what}: {text!r} is neither Unix seconds nor an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.timestamp()


def _parse_duration(text: str, what: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    t = text.strip()
    try:
        if t and t[-1] in units:
            return float(t[:-1]) * units[t[-1]]
        return float(t)
    except ValueError:
        raise _fail(f"{what}: {text!r} is not a duration like 14d, 6h, 300s") from None


def _settings(sets: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        strat, dot, fld = key.partition(".")
        if not sep or not dot or not fld:
            raise _fail(f"--set {item!r}: expected STRATEGY.FIELD=VALUE")
        out.setdefault(strat.strip(), {})[fld.strip()] = value.strip()
    return out


_SOURCE, _STRATEGY, _PROM = "Usage source", "Strategies", "Prometheus"


@app.command()
def recommend(
    prometheus: Annotated[str | None, typer.Option(
        "--prometheus", metavar="URL", help="Prometheus base URL (http or https://host:9090).",
        show_default=False, rich_help_panel=_SOURCE)] = None,
    series: Annotated[list[Path] | None, typer.Option(
        "--series", metavar="FILE", help="Series files or folders (repeatable).",
        show_default=False, rich_help_panel=_SOURCE)] = None,
    series_format: Annotated[str, typer.Option(
        "--series-format", metavar="FMT", rich_help_panel=_SOURCE,
        help="auto, openmetrics, csv, gwa (GWA-T-12 Bitbrains) or alibaba-genai.")] = "auto",
    trace_memory_limit: Annotated[str, typer.Option(
        "--trace-memory-limit", metavar="BYTES", rich_help_panel=_SOURCE,
        help="alibaba-genai: the container memory limit the utilisation is relative to.")]
    = "16Gi",
    strategy: Annotated[list[str] | None, typer.Option(
        "--strategy", "-s", metavar="NAME", rich_help_panel=_STRATEGY,
        help="vpa, percentile or risk (repeatable; default all three).",
        show_default=False)] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="S.F=V", rich_help_panel=_STRATEGY,
        help="A strategy setting, STRATEGY.FIELD=VALUE (see --list-settings).",
        show_default=False)] = None,
    list_settings: Annotated[bool, typer.Option(
        "--list-settings", rich_help_panel=_STRATEGY,
        help="Print every strategy's settings with defaults and exit.")] = False,
    backtest: Annotated[bool, typer.Option(
        "--backtest", rich_help_panel=_STRATEGY,
        help="Fit before --fit-until, replay after, and score every strategy.")] = False,
    fit_until: Annotated[str | None, typer.Option(
        "--fit-until", metavar="TIME", rich_help_panel=_STRATEGY,
        help="End of the fit window (Unix seconds or RFC 3339).", show_default=False)] = None,
    start: Annotated[str | None, typer.Option(
        "--start", metavar="TIME", rich_help_panel=_PROM,
        help="Start of the scan (default: --range before --end).",
        show_default=False)] = None,
    end: Annotated[str | None, typer.Option(
        "--end", metavar="TIME", rich_help_panel=_PROM,
        help="End of the scan (default: now).", show_default=False)] = None,
    range_: Annotated[str, typer.Option("--range", metavar="DUR", rich_help_panel=_PROM,
                                        help="Scan length.")] = "14d",
    step: Annotated[str, typer.Option("--step", metavar="DUR", rich_help_panel=_PROM,
                                      help="Resolution of the scan.")] = "5m",
    namespace: Annotated[list[str] | None, typer.Option(
        "--namespace", "-n", metavar="NS", rich_help_panel=_PROM,
        help="Only these namespaces (repeatable).", show_default=False)] = None,
    group_label: Annotated[str, typer.Option(
        "--group-label", metavar="LABEL", rich_help_panel=_PROM,
        help="kube_pod_labels label naming the agent class.")] = "label_provisor_dev_tier",
    max_samples_per_query: Annotated[int, typer.Option(
        "--max-samples-per-query", metavar="N", rich_help_panel=_PROM,
        help="Most samples one query may ask for; above it a namespace is split per class, "
             "then in time.")] = 10_000_000,
    token_env: Annotated[str | None, typer.Option(
        "--token-env", metavar="VAR", rich_help_panel=_PROM,
        help="Environment variable holding a bearer token.", show_default=False)] = None,
    token_file: Annotated[Path | None, typer.Option(
        "--token-file", metavar="FILE", rich_help_panel=_PROM,
        help="File holding a bearer token.", show_default=False)] = None,
    basic_auth_env: Annotated[str | None, typer.Option(
        "--basic-auth-env", metavar="VAR", rich_help_panel=_PROM,
        help="Environment variable holding USER:PASSWORD for basic auth.",
        show_default=False)] = None,
    ca_file: Annotated[Path | None, typer.Option(
        "--ca-file", metavar="FILE", rich_help_panel=_PROM,
        help="CA bundle to verify the Prometheus TLS certificate.", show_default=False)] = None,
    insecure_skip_verify: Annotated[bool, typer.Option(
        "--insecure-skip-verify", rich_help_panel=_PROM,
        help="Do not verify TLS certificates.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS",
                                           rich_help_panel=_PROM,
                                           help="Seconds per Prometheus request.")] = 30.0,
    retries: Annotated[int, typer.Option("--retries", metavar="N", rich_help_panel=_PROM,
                                         help="Retries on 5xx and connection errors.")] = 3,
    policy: Annotated[Path | None, typer.Option(
        "--policy", metavar="FILE",
        help="Policy for prices, LimitRange and quota (default: the built-in one).",
        show_default=False)] = None,
    patch: Annotated[Path | None, typer.Option(
        "--patch", metavar="FILE",
        help="Write the policy resized by the first strategy to this file.",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FMT",
                                     help="table, json, yaml or csv.")] = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to FILE (atomically).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force",
                                        help="Overwrite an existing -o / --patch file.")] = False,
) -> None:
    """Recommend requests and limits per agent class (and model) and container."""
    from provisor.recommend import StrategyError, make_strategy, run_backtest, run_recommend
    from provisor.recommend.output import FORMATS, render
    from provisor.recommend.strategies import STRATEGIES

    if list_settings:
        for cls in STRATEGIES.values():
            _console().print(cls.describe(), markup=False)
        return
    if (prometheus is None) == (not series):
        raise _fail("give exactly one of --prometheus URL or --series FILE...")
    if fmt not in FORMATS:
        raise _fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if backtest and fit_until is None:
        raise _fail("--backtest needs --fit-until TIME")
    for target, flag in ((output, "-o"), (patch, "--patch")):
        if target is not None and target.exists() and not force:
            raise _fail(f"{flag} {target}: the file exists (use --force to replace it)")
    if patch is not None and policy is not None and patch.resolve() == policy.resolve() \
            and not force:
        raise _fail("--patch would overwrite the policy in place (use --force)")
    names = strategy or ["vpa", "percentile", "risk"]
    overrides = _settings(set_ or [])
    for unknown in sorted(set(overrides) - set(STRATEGIES)):
        raise _fail(f"--set: unknown strategy {unknown!r}")
    try:
        strategies = [make_strategy(n, overrides.get(n)) for n in names]
    except StrategyError as exc:
        raise _fail(str(exc)) from None
    pol = _load_policy(policy)
    source = _make_source(prometheus, series, series_format, trace_memory_limit, start, end,
                          range_, step, namespace, group_label, token_env, token_file,
                          basic_auth_env, ca_file, insecure_skip_verify, timeout, retries,
                          max_samples_per_query)
    err = _console(stderr=True)
    from rich.progress import Progress

    from provisor.prom import PromError
    from provisor.recommend.usage import UsageError
    from provisor.series.csv import SeriesFileError

    try:
        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("reading usage", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            usages = source.load(progress)
            if not usages:
                raise _fail("no container usage found in the input")
            if backtest:
                report: Any = run_backtest(usages, strategies,
                                           _parse_time(fit_until or "", "--fit-until"),
                                           policy=pol, progress=progress)
            else:
                report = run_recommend(usages, strategies, policy=pol, progress=progress)
    except (PromError, SeriesFileError, UsageError, ValueError) as exc:
        raise _fail(str(exc)) from None
    finally:
        client = getattr(source, "client", None)
        if client is not None:
            for w in client.warnings:
                err.print(f"warning: Prometheus: {w}", markup=False)
            err.print(f"Prometheus scan: {client.stats.queries} requests "
                      f"({client.stats.attempts} attempts), "
                      f"{client.stats.bytes / 1e6:.1f} MB received", markup=False)
            client.close()
    text = render(report, fmt)
    from provisor.fsutil import write_text_atomic

    if patch is not None:
        if backtest:
            raise _fail("--patch goes with a recommendation, not with --backtest")
        from provisor.policy import PolicyError, dump_policy
        from provisor.recommend.constraints import patch_policy

        first = names[0]
        recs = {a.key: a.rec for a in report.advice if a.strategy == first}
        try:
            patched = patch_policy(pol, recs)
        except PolicyError as exc:
            raise _fail(f"--patch: the resized policy is invalid: {exc}") from None
        write_text_atomic(patch, dump_policy(patched))
    if output is not None:
        write_text_atomic(output, text)
    else:
        typer.echo(text, nl=False)


def _make_source(prometheus: str | None, series: list[Path] | None, series_format: str,
                 trace_memory_limit: str, start: str | None, end: str | None, range_: str,
                 step: str, namespace: list[str] | None, group_label: str,
                 token_env: str | None, token_file: Path | None, basic_auth_env: str | None,
                 ca_file: Path | None, insecure: bool, timeout: float, retries: int,
                 max_samples: int = 10_000_000) -> Any:
    from provisor.recommend.sources import FileSource, PrometheusSource

    if series:
        from provisor.quantity import Quantity, QuantityError

        try:
            limit = float(Quantity.parse(trace_memory_limit).value)
        except (QuantityError, ValueError):
            raise _fail(f"--trace-memory-limit: {trace_memory_limit!r} is not a quantity") \
                from None
        return FileSource(series, series_format, limit)
    from provisor.prom import MAX_POINTS, PromClient, PromError

    t_end = _parse_time(end, "--end") if end else _dt.datetime.now(_dt.UTC).timestamp()
    t_start = _parse_time(start, "--start") if start else t_end - _parse_duration(range_, "--range")
    st = _parse_duration(step, "--step")
    if st <= 0 or t_start >= t_end:
        raise _fail("--start must be before --end and --step positive")
    basic = None
    if basic_auth_env:
        raw = os.environ.get(basic_auth_env, "")
        user, sep, pw = raw.partition(":")
        if not sep:
            raise _fail(f"--basic-auth-env: {basic_auth_env} must hold USER:PASSWORD")
        basic = (user, pw)
    try:
        client = PromClient(prometheus or "", token_env=token_env,
                            token_file=str(token_file) if token_file else None,
                            basic_auth=basic, ca_file=str(ca_file) if ca_file else None,
                            verify=not insecure, timeout=timeout, retries=retries,
                            max_points=MAX_POINTS)
    except PromError as exc:
        raise _fail(str(exc)) from None
    if math.isnan(st):
        raise _fail("--step: NaN")
    if max_samples < 1:
        raise _fail("--max-samples-per-query must be at least 1")
    return PrometheusSource(client, t_start, t_end, st, namespace, group_label, max_samples)
