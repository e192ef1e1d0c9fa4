"""The ``provisor`` command line (typer + rich). Thin: it parses, calls one library
function, prints.

Commands::

    provisor plan [POLICY] [-o DIR] [--force]       render, check, simulate, forecast, report
    provisor forecast (--series FILE... | --prometheus URL) [--horizon 30d] [--backtest]
    provisor report [POLICY | PATH...] [--series FILE... | --prometheus URL] [-o FILE]
    provisor render [POLICY] -o DIR [--force]        write the bundle (a kustomize base)
    provisor --version | -h | --help                  (every command takes -h/--help)
    provisor check PATH... [--format text|json|sarif] [--fail-on error|warning|info]
                   [--kubernetes-version 1.33] [--config FILE] [--output FILE [--force]]
    provisor check --list-rules | --explain RULE | --explain FAMILY
    provisor policy show [POLICY]                    print the (default) policy
    provisor policy validate FILE                    errors by field path and line

POLICY is always a path to a policy file; left out, the built-in default ``agent-platform``
is used.

Exit codes: 0 success (for check: nothing at or above --fail-on); 1 findings at or above
--fail-on (check, plan); 2 bad input or usage (unreadable or malformed files, bad policy,
bad options, an output path that exists without --force); 3 internal error (a bug in
provisor: one line, the traceback only with ``--debug``); 4 the output could not be written
(standard output closed or full: EPIPE, ENOSPC); 130/143 interrupted by SIGINT/SIGTERM
(temporary files are removed first).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

#: Exit codes (also in README.md's table).
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OUTPUT = 0, 1, 2, 3, 4

_CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="provisor",
    help="Resource management for a multi-agent coding platform on Kubernetes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
)
policy_app = typer.Typer(help="Show or validate a policy file.", no_args_is_help=True,
                         context_settings=_CONTEXT)
app.add_typer(policy_app, name="policy")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("provisor")
    except PackageNotFoundError:  # running from a source tree without an install
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"provisor {_version()}\n")
        raise typer.Exit(0)


@app.callback()
def _main_options(
    version: Annotated[bool, typer.Option(
        "--version", help="Print provisor's version and exit.", is_eager=True,
        callback=_print_version)] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error, print the traceback (also PROVISOR_DEBUG=1; "
        "accepted anywhere on the command line).")] = False,
) -> None:
    """Resource management for a multi-agent coding platform on Kubernetes."""

PolicyArg = Annotated[
    Optional[Path],
    typer.Argument(help="Policy file (default: the built-in agent-platform policy).",
                   show_default=False),
]


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {9: "\\t", 10: "\\n", 13: "\\r", 127: "\\x7f"}


def _one_line(text: object) -> str:
    """``text`` with control characters (newlines in a file name or a YAML key) written as
    escapes, so one message is one line."""
    return str(text).translate(_CONTROL)


def _esc(text: object) -> str:
    """``text`` on one line (:func:`_one_line`) with rich markup escaped, so a path such as
    ``[abc].yaml`` prints as it is. The one escaping helper of the CLI (rich.markup.escape)."""
    from rich.markup import escape

    return escape(_one_line(text))


def _fail(message: str, code: int = 2) -> "typer.Exit":
    """Print a one-line error to stderr and return the Exit to raise. ``message`` is plain
    text (escaped here; it may hold file names with ``[`` and ``]``)."""
    _console(stderr=True).print(f"[bold red]error:[/] {_esc(message)}", markup=True,
                                highlight=False)
    return typer.Exit(code)


def _load_policy(path: Path | None):
    from provisor.policy import PolicyError, load_policy

    if path is not None and not os.path.lexists(path):
        raise _fail(f"{path}: no such policy file (POLICY is the path of a policy file; leave "
                    "it out to use the built-in agent-platform policy)")
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{path}: {exc.strerror or exc}") from None


def _print_bad_input(findings: list) -> None:
    """One stderr line per bad file (README: ``error: file:line: what``): the first bad-input
    finding of each file, with a count of the others."""
    err = _console(stderr=True)
    by_file: dict[str, list] = {}
    for f in findings:
        if f.severity == "error" and f.rule.startswith("input/") and \
                f.rule != "input/duplicate-key":
            by_file.setdefault(f.file, []).append(f)
    for file, fs in by_file.items():
        first = fs[0]
        where = f"{file}:{first.line}" if first.line else file
        more = f" (and {len(fs) - 1} more problems in this file)" if len(fs) > 1 else ""
        err.print(f"[bold red]error:[/] {_esc(where)}: {_esc(first.message)}{more}",
                  highlight=False)


def _write_output(output: Path, text: str, force: bool) -> None:
    """Write a report to ``output`` atomically; refuse an existing path without ``force``
    and never write through a symlink (provisor.fsutil)."""
    from provisor.fsutil import OutputExistsError, write_text_atomic

    try:
        write_text_atomic(output, text, replace=force)
    except OutputExistsError:
        what = "is a symbolic link" if output.is_symlink() else "exists"
        raise _fail(f"{output} {what}; use --force to replace it (the report was not "
                    "written)") from None
    except OSError as exc:
        raise _fail(f"{output}: cannot write the report: {exc.strerror or exc}") from None


@app.command()
def check(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Files, directories (walked for *.yaml, *.yml, *.json) or - for stdin.",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or sarif.")] = "text",
    fail_on: Annotated[str, typer.Option(
        help="Exit 1 when a finding is at or above this severity: error, warning, info.")] = "error",
    kubernetes_version: Annotated[Optional[str], typer.Option(
        help="Validate against this Kubernetes version's schemas (default: the newest bundled).",
        show_default=False)] = None,
    config: Annotated[Optional[Path], typer.Option(
        help="Settings file (default: the nearest .provisor.yaml).", show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write the report to this file (atomically) instead of stdout; "
        "an existing file needs --force. Nothing is written on exit 2 (bad input).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the --output file when it exists (a symlink is replaced "
        "itself, never written through).")] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List every rule.")] = False,
    explain: Annotated[Optional[str], typer.Option(
        help="Print the documentation of one rule, or list the rules of a family "
        "(e.g. --explain pdb).", show_default=False)] = None,
    no_schema: Annotated[bool, typer.Option(
        "--no-schema", help="Skip Kubernetes schema validation.")] = False,
    namespace: Annotated[Optional[str], typer.Option(
        "--namespace", "-n", help="Judge objects without a namespace as if applied to this "
        "one (kubectl apply -n); by default each file (or kustomization) stands alone.",
        show_default=False)] = None,
    profile: Annotated[Optional[str], typer.Option(
        help="Which rules run: minimal (what Kubernetes refuses or cannot work), default "
        "(adds the availability and resource basics), strict (adds debated practices such as "
        "CPU limits). Overrides check.profile in .provisor.yaml.", show_default=False)] = None,
) -> None:
    """Check manifests for schema errors and cross-object mistakes."""
    if list_rules or explain:
        _rules_doc(list_rules, explain)
        return
    if not paths:
        raise _fail("give at least one PATH (or - for stdin); see provisor check --help")
    fmt, fail_on = fmt.lower(), fail_on.lower()
    if fmt not in ("text", "json", "sarif"):
        raise _fail(f"--format must be text, json or sarif, not {fmt!r}")
    if fail_on not in ("error", "warning", "info"):
        raise _fail(f"--fail-on must be error, warning or info, not {fail_on!r}")

    from provisor.check import run_check
    from provisor.check.config import ConfigError, find_config, load_config
    from provisor.check.output import render
    from provisor.check.registry import all_docs
    from provisor.manifests import UnsupportedVersionError, load

    try:
        cfg_path = config or find_config()  # the catalogue is imported only to validate one
        cfg = load_config(cfg_path, known_rules=set(all_docs()) if cfg_path else None)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if profile is not None:
        from provisor.check.registry import PROFILES

        if profile.lower() not in PROFILES:
            raise _fail(f"--profile must be one of {', '.join(PROFILES)}, not {profile!r}")
        cfg.profile = profile.lower()
    docs = load(paths)
    if not docs and not docs.findings:
        raise _fail(f"no manifests found in {', '.join(paths)} (a folder is walked for "
                    f"*.yaml, *.yml and *.json)")
    if docs.bad_input:
        _print_bad_input(docs.findings)
    if output is not None and not force and os.path.lexists(output):
        raise _fail(f"{output} {'is a symbolic link' if output.is_symlink() else 'exists'}; "
                    "use --force to replace it (the report was not written)")
    try:
        result = run_check(docs, config=cfg, kubernetes_version=kubernetes_version,
                           schema=not no_schema, default_namespace=namespace)
    except UnsupportedVersionError as exc:
        raise _fail(str(exc)) from None
    color = output is None and fmt == "text" and sys.stdout.isatty()
    text = render(result, fmt, color=color)
    code = result.exit_code(fail_on)
    if output is not None:
        if code == EXIT_BAD_INPUT:
            # Bad input: the report is incomplete, so no file a CI step might trust is written.
            sys.stdout.write(text)
            _console(stderr=True).print(
                f"[bold red]error:[/] bad input: the report was not written to "
                f"{_esc(output)} (it went to standard output instead)", highlight=False)
        else:
            _write_output(output, text, force)
    else:
        sys.stdout.write(text)
    raise typer.Exit(code)


def _rules_doc(list_rules: bool, explain: str | None) -> None:
    from provisor.check.registry import all_docs, explain as explain_rule

    docs = all_docs()
    if explain:
        family = explain.rstrip("/*")
        if explain not in docs and any(rid.split("/", 1)[0] == family for rid in docs):
            # A family: list its rules (then --explain FAMILY/NAME for one of them).
            docs = {rid: d for rid, d in docs.items() if rid.split("/", 1)[0] == family}
        else:
            try:
                sys.stdout.write(explain_rule(explain))
            except KeyError:
                import difflib

                families = sorted({rid.split("/", 1)[0] for rid in docs})
                close = difflib.get_close_matches(explain, list(docs) + families, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise _fail(f"no rule or family {explain!r}{hint} (see provisor check "
                            "--list-rules)") from None
            return
    if not sys.stdout.isatty():
        # Piped: one rule a line, tab-separated, never wrapped or cut.
        for rid, (sev, summary, _doc) in docs.items():
            sys.stdout.write(f"{rid}\t{sev}\t{summary}\n")
        return
    from rich.table import Table

    table = Table("rule", "severity", "summary", box=None, pad_edge=False)
    table.columns[0].no_wrap = True
    for rid, (sev, summary, _doc) in docs.items():
        table.add_row(_esc(rid), sev, _esc(summary))
    _console().print(table)


@app.command()
def render(
    policy: PolicyArg = None,
    out: Annotated[Path, typer.Option("--output", "-o", help="Bundle folder to write.")] = Path(
        "provisor-out"),
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the output folder when it exists and is not empty.")] = False,
) -> None:
    """Render the policy into a kustomize base (kubectl apply -k DIR)."""
    from provisor.render import BundleExistsError, render as do_render, write_bundle

    pol = _load_policy(policy)
    bundle = do_render(pol)
    try:
        write_bundle(bundle, out, force=force)
    except BundleExistsError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{out}: cannot write the bundle: {exc.strerror or exc}") from None
    _console().print(_one_line(f"wrote {len(bundle.contents())} files ({len(bundle.files)} "
                               f"resource files) to {out}/"), markup=False, highlight=False)


@app.command()
def plan(
    policy: PolicyArg = None,
    out: Annotated[Path, typer.Option("--output", "-o", help="Bundle folder to write.")] = Path(
        "provisor-out"),
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the output folder when it exists and is not empty.")] = False,
    fail_on: Annotated[str, typer.Option(
        help="Exit 1 when the render has a finding at or above this severity.")] = "error",
    days: Annotated[float, typer.Option(
        help="Days of the policy's workload to simulate for the scorecard (0: skip).")] = 7.0,
    fail_on_scorecard: Annotated[bool, typer.Option(
        "--fail-on-scorecard", help="Also exit 1 when a scorecard target fails (for CI).")
    ] = False,
) -> None:
    """The main job: render the policy into DIR, check the render, simulate N days of its
    workload for the spec's scorecard, right-size and forecast 30 days from the simulated
    series, and write DIR/report.html and report.md (the path is the last line printed).

    Exit 1 when the render has a finding at or above --fail-on (error, warning or info);
    a failing scorecard target is reported, and is an exit code (1) only with
    --fail-on-scorecard."""
    from provisor.cli.simulate import phase_progress
    from provisor.plan import PLAN_PHASES, PlanError, print_plan, run_plan

    if fail_on not in ("error", "warning", "info"):
        raise _fail(f"--fail-on must be error, warning or info, not {fail_on!r}")
    if days < 0 or days > 3650:
        raise _fail("--days must be between 0 and 3650")
    pol = _load_policy(policy)
    phases = (*PLAN_PHASES, "report") if days > 0 else ("render", "check", "report")
    try:
        with phase_progress(phases, days) as bar:
            result = run_plan(pol, out, force=force, policy_path=policy, simulate_days=days,
                              progress=bar.sim, phase=bar.phase)
    except PlanError as exc:
        raise _fail(str(exc)) from None
    print_plan(result, _console())
    with phase_progress(phases, days) as bar:
        bar.phase("report")
        path = _plan_report(result, bar.forecast)
    _console().print(f"report: [bold]{_esc(str(path))}[/] (open it in a browser; report.md beside it)")
    code = result.check.exit_code(fail_on)
    if fail_on_scorecard and result.simulation is not None and any(
            m.status == "fail" for m in result.simulation.scorecard.metrics):
        code = max(code, 1)
    raise typer.Exit(code)


def _plan_report(result, progress=None) -> Path:  # type: ignore[no-untyped-def]
    """The plan's last step: the report beside the bundle (its path is printed last)."""
    from provisor.report import write_plan_report

    try:
        return write_plan_report(result, progress=progress)
    except OSError as exc:
        raise _fail(f"{result.out_dir}: cannot write the report: {exc.strerror or exc}") from None


@policy_app.command("show")
def policy_show(
    policy: PolicyArg = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml or json.")] = "yaml",
    source: Annotated[bool, typer.Option(
        "--source", help="Print the file as written, comments included (start your own "
        "policy from the built-in one with: provisor policy show --source > my-policy.yaml)."
    )] = False,
) -> None:
    """Print the policy (validated, with defaults filled in), or its file as written."""
    from provisor.policy import default_policy_path, dump_policy

    pol = _load_policy(policy)
    if source:
        from provisor.policy.load import _read

        sys.stdout.write(_read(policy) if policy is not None else
                         default_policy_path().read_text(encoding="utf-8"))
        return
    fmt = fmt.lower()
    if fmt not in ("yaml", "json"):
        raise _fail(f"--format must be yaml or json, not {fmt!r}")
    sys.stdout.write(dump_policy(pol, fmt))


@policy_app.command("validate")
def policy_validate(
    file: Annotated[Path, typer.Argument(help="Policy file to validate.")],
) -> None:
    """Report policy errors by field path and line (exit 2 when there are any); a policy
    validates only when its render also checks clean."""
    from provisor.plan import validate_policy

    problems = validate_policy(file)
    con = _console()
    if not problems:
        con.print(_one_line(f"{file}: ok"), markup=False, highlight=False)
        return
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line else str(p.file)
        con.print(_one_line(f"{where}: {p.field}: {p.message}"), markup=False, highlight=False)
    raise typer.Exit(2)


# Commands kept in their own modules register themselves on ``app`` when imported.
from provisor.cli import recommend as _recommend  # noqa: E402,F401
from provisor.cli import simulate as _simulate  # noqa: E402,F401
from provisor.cli import alerts as _alerts  # noqa: E402,F401
from provisor.cli import sweep as _sweep  # noqa: E402,F401
from provisor.cli import trace as _trace  # noqa: E402,F401


class _Interrupted(SystemExit):
    """Raised by the SIGTERM/SIGINT handler: unwinds the stack (so ``with`` blocks remove
    their temporary folders, and a running promtool is killed by ``subprocess.run``), then
    exits 128 + the signal number."""


def _on_signal(signum: int, _frame: object) -> None:
    raise _Interrupted(128 + signum)


_WRITE_ERRNOS = frozenset({32, 28, 5, 122, 27})  # EPIPE, ENOSPC, EIO, EDQUOT, EFBIG


class _OutputError(Exception):
    """A write to standard output failed (``cause`` is the OSError). Not an OSError itself,
    so no layer in between (click turns EPIPE into exit 1) can mistake it for another."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _GuardedStdout:
    """``sys.stdout`` while a command runs: the same stream, but a failed write or flush
    raises :class:`_OutputError`."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _OutputError(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise _OutputError(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _stdout_failed(exc: OSError) -> None:
    """Report a failed write to standard output on one stderr line; silence the interpreter's
    own flush of the broken stream at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    try:
        sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the typer app and turns what escapes it into exit
    codes (see the module docstring): an internal error is one line and exit 3 (traceback
    with ``--debug`` or ``PROVISOR_DEBUG=1``), a failed write to standard output exit 4,
    SIGTERM/SIGINT 143/130 after cleanup."""
    import signal

    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get("PROVISOR_DEBUG", "") not in ("", "0")
    if "--debug" in args[: args.index("--") if "--" in args else len(args)]:
        debug = True
        args.remove("--debug")
    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[sig] = signal.signal(sig, _on_signal)
        except (ValueError, OSError):  # not the main thread
            pass
    try:
        code = _run(args, debug)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.exit(code)


def _run(args: list[str], debug: bool) -> int | str | None:
    """Run the app on ``args``; the exit code (see :func:`main`)."""
    try:  # typer >= 0.24 vendors click
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover - older typer on real click
        from click.exceptions import ClickException  # type: ignore[no-redef,import-not-found,assignment]
    from typer import Abort

    code: int | str | None = 0
    real_stdout = sys.stdout
    sys.stdout = _GuardedStdout(real_stdout)  # type: ignore[assignment]
    try:
        try:
            # Not click's standalone mode: it turns EPIPE into exit 1 (the code of "findings").
            rv = app(args=args, prog_name="provisor", standalone_mode=False)
            code = rv if isinstance(rv, int) else 0
        except ClickException as exc:  # usage errors: click's own message, exit 2
            try:
                from typer import rich_utils

                rich_utils.rich_format_error(exc)
            except Exception:  # noqa: BLE001
                exc.show()
            code = exc.exit_code
        except Abort:
            code = EXIT_BAD_INPUT
        except SystemExit as exc:
            if isinstance(exc, _Interrupted):
                raise
            code = exc.code
        sys.stdout.flush()
    except _Interrupted as exc:
        code = exc.code
        try:
            sys.stderr.write("error: interrupted; temporary files removed\n")
        except (OSError, ValueError):
            pass
    except _OutputError as exc:
        sys.stdout = real_stdout
        _stdout_failed(exc.cause)
        code = EXIT_OUTPUT
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:
            sys.stdout = real_stdout
            _stdout_failed(exc)
            code = EXIT_OUTPUT
        else:
            code = _internal_error(exc, debug)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 3
        code = _internal_error(exc, debug)
    finally:
        if isinstance(sys.stdout, _GuardedStdout):
            sys.stdout = real_stdout
    return code


def _internal_error(exc: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    first = (str(exc).splitlines() or [""])[0][:300]
    hint = "" if debug else "; run with --debug for the traceback"
    try:
        sys.stderr.write(f"error: internal error ({type(exc).__name__}: {first}){hint}; "
                         "this is a bug in provisor, please report it\n")
    except (OSError, ValueError):
        pass
    return EXIT_INTERNAL


__all__ = ["app", "main"]


# Commands in their own modules register themselves on ``app`` when imported.
from provisor.cli import forecast as _forecast_cmd  # noqa: E402,F401
from provisor.cli import report as _report_cmd  # noqa: E402,F401
