"""The ``provisor`` command line (typer + rich). Thin: it parses, calls one library
function, prints.

Commands::

    provisor plan [POLICY] [-o DIR] [--force]       render, check the render, summarise
    provisor render [POLICY] -o DIR [--force]        write the bundle (a kustomize base)
    provisor check PATH... [--format text|json|sarif] [--fail-on error|warning|info]
                   [--kubernetes-version 1.33] [--config FILE] [--output FILE]
    provisor check --list-rules | --explain RULE
    provisor policy show [POLICY]                    print the (default) policy
    provisor policy validate FILE                    errors by field path and line

POLICY is always a path to a policy file; left out, the built-in default ``agent-platform``
is used.

Exit codes: 0 success (for check: nothing at or above --fail-on); 1 findings at or above
--fail-on (check, plan); 2 bad input or usage (unreadable or malformed files, bad policy,
bad options, an output folder that exists without --force).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="provisor",
    help="Resource management for a multi-agent coding platform on Kubernetes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="Show or validate a policy file.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

PolicyArg = Annotated[
    Optional[Path],
    typer.Argument(help="Policy file (default: the built-in agent-platform policy).",
                   show_default=False),
]


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> "typer.Exit":
    """Print a one-line error to stderr and return the Exit to raise."""
    _console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True)
    return typer.Exit(code)


def _load_policy(path: Path | None):
    from provisor.policy import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{path}: {exc.strerror or exc}") from None


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
        "--output", "-o", help="Write the report to this file (atomically) instead of stdout.",
        show_default=False)] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List every rule.")] = False,
    explain: Annotated[Optional[str], typer.Option(
        help="Print the documentation of one rule.", show_default=False)] = None,
    no_schema: Annotated[bool, typer.Option(
        "--no-schema", help="Skip Kubernetes schema validation.")] = False,
    namespace: Annotated[Optional[str], typer.Option(
        "--namespace", "-n", help="Judge objects without a namespace as if applied to this "
        "one (kubectl apply -n); by default each file (or kustomization) stands alone.",
        show_default=False)] = None,
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
        cfg = load_config(config or find_config(), known_rules=set(all_docs()))
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    docs = load(paths)
    if not docs and not docs.findings:
        raise _fail(f"no manifests found in {', '.join(paths)} (a folder is walked for "
                    f"*.yaml, *.yml and *.json)")
    if docs.bad_input:
        err = _console(stderr=True)
        for f in docs.findings:
            if f.severity == "error" and f.rule.startswith("input/") and f.rule != "input/duplicate-key":
                where = f"{f.file}:{f.line}" if f.line else f.file
                err.print(f"[bold red]error:[/] {where}: {f.message}", highlight=False)
    try:
        result = run_check(docs, config=cfg, kubernetes_version=kubernetes_version,
                           schema=not no_schema, default_namespace=namespace)
    except UnsupportedVersionError as exc:
        raise _fail(str(exc)) from None
    color = output is None and fmt == "text" and sys.stdout.isatty()
    text = render(result, fmt, color=color)
    if output is not None:
        from provisor.fsutil import write_text_atomic

        try:
            write_text_atomic(output, text)
        except OSError as exc:
            raise _fail(f"{output}: cannot write the report: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    raise typer.Exit(result.exit_code(fail_on))


def _rules_doc(list_rules: bool, explain: str | None) -> None:
    from provisor.check.registry import all_docs, explain as explain_rule

    if explain:
        try:
            sys.stdout.write(explain_rule(explain))
        except KeyError:
            import difflib

            close = difflib.get_close_matches(explain, list(all_docs()), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise _fail(f"no rule {explain!r}{hint} (see provisor check --list-rules)") from None
        return
    docs = all_docs()
    if not sys.stdout.isatty():
        # Piped: one rule a line, tab-separated, never wrapped or cut.
        for rid, (sev, summary, _doc) in docs.items():
            sys.stdout.write(f"{rid}\t{sev}\t{summary}\n")
        return
    from rich.table import Table

    table = Table("rule", "severity", "summary", box=None, pad_edge=False)
    table.columns[0].no_wrap = True
    for rid, (sev, summary, _doc) in docs.items():
        table.add_row(rid, sev, summary)
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
    _console().print(f"wrote {len(bundle.contents())} files ({len(bundle.files)} resource files) to {out}/")


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
) -> None:
    """The main job: render the policy, check the render, simulate it, and summarise."""
    from provisor.cli.simulate import progress_bar
    from provisor.plan import PlanError, print_plan, run_plan

    if fail_on not in ("error", "warning", "info"):
        raise _fail(f"--fail-on must be error, warning or info, not {fail_on!r}")
    if days < 0 or days > 3650:
        raise _fail("--days must be between 0 and 3650")
    pol = _load_policy(policy)
    try:
        with progress_bar(days) as progress:
            result = run_plan(pol, out, force=force, policy_path=policy, simulate_days=days,
                              progress=progress)
    except PlanError as exc:
        raise _fail(str(exc)) from None
    print_plan(result, _console())
    raise typer.Exit(result.check.exit_code(fail_on))


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
        sys.stdout.write((policy or default_policy_path()).read_text(encoding="utf-8"))
        return
    fmt = fmt.lower()
    if fmt not in ("yaml", "json"):
        raise _fail(f"--format must be yaml or json, not {fmt!r}")
    sys.stdout.write(dump_policy(pol, fmt))


@policy_app.command("validate")
def policy_validate(
    file: Annotated[Path, typer.Argument(help="Policy file to validate.")],
) -> None:
    """Report policy errors by field path and line (exit 2 when there are any)."""
    from provisor.policy import validate_policy_file

    problems = validate_policy_file(file)
    con = _console()
    if not problems:
        con.print(f"{file}: ok")
        return
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line else str(p.file)
        con.print(f"{where}: {p.field}: {p.message}", markup=False, highlight=False)
    raise typer.Exit(2)


# Commands kept in their own modules register themselves on ``app`` when imported.
from provisor.cli import recommend as _recommend  # noqa: E402,F401
from provisor.cli import simulate as _simulate  # noqa: E402,F401
from provisor.cli import sweep as _sweep  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
