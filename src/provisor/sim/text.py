"""Text rendering of a ``SimResult`` (the CLI prints what this returns)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisor.display import fmt_target, fmt_value

__all__ = ["fmt_target", "fmt_value", "scorecard_table", "summary_lines"]

if TYPE_CHECKING:
    from rich.table import Table

    from provisor.sim import SimResult


def scorecard_table(result: "SimResult") -> "Table":
    """The scorecard as a rich table: metric, value, target, status, then each metric's
    definition (as computed) on the row below it."""
    from rich.table import Table

    t = Table("metric", "value", "target", "status", title="Scorecard", title_justify="left")
    colors = {"pass": "green", "fail": "red", "not-computed": "dim"}
    for m in result.scorecard.metrics:
        t.add_row(f"[bold]{m.name}[/]", fmt_value(m.value, m.unit), fmt_target(m.target, m.unit),
                  f"[{colors[m.status]}]{m.status}[/]")
        t.add_row(f"[dim]  {m.definition}[/]", "", "", "", end_section=True)
    return t


def summary_lines(result: "SimResult") -> list[str]:
    s: dict[str, Any] = result.summary
    return [
        f"workflows: {s['workflows_arrived']} arrived, {s['workflows_completed']} completed, "
        f"{s['workflows_failed']} failed",
        f"runs: {s['runs_completed']} completed, {s['runs_failed']} failed, "
        f"{s['runs_rejected']} rejected by quota ({s['quota_rejections']} quota rejections, "
        f"queueing: {s['queueing_mode']})",
        f"queue wait: mean {s['queue_wait_mean_s']:.0f} s, p95 {s['queue_wait_p95_s']:.0f} s",
        f"evictions: {s['evictions']} (drain {s['drain_evictions']}, 429 refusals "
        f"{s['drain_refusals_429']}, VPA {s['vpa_evictions']}), preemptions: {s['preemptions']}, "
        f"OOM kills: {s['oom_kills']}",
        f"throttled CFS periods: {s['throttled_share'] * 100:.2f}%; nodes ({s['nodes']}): CPU "
        f"requested {s['node_cpu_requested_ratio'] * 100:.1f}%, used "
        f"{s['node_cpu_used_ratio'] * 100:.1f}%, memory requested "
        f"{s['node_memory_requested_ratio'] * 100:.1f}% of allocatable",
    ]
