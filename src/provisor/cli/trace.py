"""``provisor trace convert``: shape a public cluster trace into twin inputs (a Node list and
a trace CSV for ``provisor simulate NODES.yaml --trace PODS.csv``; docs/simulate.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from provisor.cli import _console, _fail, app

trace_app = typer.Typer(help="Trace replay inputs (docs/simulate.md#trace-replay).",
                        no_args_is_help=True)
app.add_typer(trace_app, name="trace")

FORMATS = ("alibaba-gpu-v2023",)


@trace_app.command("convert")
def convert(
    nodes_csv: Annotated[Path, typer.Argument(help="The trace's node list (openb_node_list_*.csv).")],
    pods_csv: Annotated[Path, typer.Argument(help="The trace's pod list (openb_pod_list_*.csv).")],
    out: Annotated[Path, typer.Option(
        "--output", "-o", help="Folder to write nodes.yaml and pods.csv into.")],
    fmt: Annotated[str, typer.Option("--format", help="Trace format: alibaba-gpu-v2023.")
                   ] = "alibaba-gpu-v2023",
    start: Annotated[Optional[float], typer.Option(
        "--from", help="Window start in trace seconds (default: the first creation).",
        show_default=False)] = None,
    days: Annotated[Optional[float], typer.Option(
        help="Window length in days (default: to the last deletion).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing output files.")] = False,
) -> None:
    """Convert a cluster trace into a Node list (nodes.yaml) and a trace CSV (pods.csv).

    Then: provisor simulate OUT/nodes.yaml --trace OUT/pods.csv --days N.
    Exit codes: 0 written; 2 bad input or usage."""
    from rich.markup import escape

    from provisor.fsutil import write_text_atomic
    from provisor.sim.trace import TraceError, convert_alibaba_gpu_v2023

    if fmt not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if days is not None and not 0 < days <= 3650:
        raise _fail("--days must be > 0 and at most 3650")
    if start is not None and start < 0:
        raise _fail("--from must be >= 0")
    targets = (out / "nodes.yaml", out / "pods.csv")
    if out.exists() and not out.is_dir():
        raise _fail(f"{out}: exists and is not a folder")
    for t in targets:
        if t.exists() and not force:
            raise _fail(f"{t}: exists (use --force to replace it)")
    try:
        conv = convert_alibaba_gpu_v2023(nodes_csv, pods_csv, start_s=start, days=days)
    except TraceError as exc:
        raise _fail(str(exc)) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(targets[0], conv.nodes_yaml)
        write_text_atomic(targets[1], conv.pods_csv)
    except OSError as exc:
        raise _fail(f"{out}: {exc.strerror or exc}") from None
    _console(stderr=True).print(
        f"wrote {escape(str(targets[0]))} ({conv.nodes} nodes) and {escape(str(targets[1]))} "
        f"({conv.pods} pods over {conv.window_s / 86400:.2f} days; {conv.skipped} rows "
        f"without usable times skipped)", highlight=False)
