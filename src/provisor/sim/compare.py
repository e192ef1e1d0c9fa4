"""``provisor simulate A --compare B``: two policies on the same load, side by side.

Both policies run on the *same* workload, cluster, scenarios, trace and seed: those of A (or
of the command line's ``--workload``, ``--nodes``, ``--scenario``, ``--trace``), so the only
difference between the two runs is the policy's objects (tiers, quota, LimitRange, HPAs,
PDBs, priority classes, VPA). The comparison lists every scorecard metric with both values,
``delta = b - a`` (in the metric's unit) and both statuses, the metrics that *flip* between
pass and fail, and the numeric summary values side by side.

JSON shape (docs/sweep.md)::

    {"a": <simulate JSON of A>, "b": <simulate JSON of B>,
     "diff": [{"metric", "name", "unit", "target", "a", "b", "delta", "status_a",
               "status_b"}, ...],                       # scorecard order
     "flips": [{"metric", "from", "to"}, ...],          # pass <-> fail only
     "summary_diff": [{"key", "a", "b", "delta"}, ...]} # numeric summary keys, sorted
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from provisor.sim import SimInputs, SimResult


def align(a: "SimInputs", b: "SimInputs") -> "SimInputs":
    """``b``'s objects with ``a``'s nodes, workload, scenarios and trace (``extra``)."""
    return dataclasses.replace(b, nodes=a.nodes, workload=a.workload, scenarios=a.scenarios,
                               extra=dict(a.extra))


@dataclass
class Comparison:
    """Two results on the same load: ``a``, ``b`` and what differs (see the module doc)."""

    a: "SimResult"
    b: "SimResult"

    def diff(self) -> list[dict[str, Any]]:
        """One row per scorecard metric (A's order; metrics only B has come last)."""
        mb = {m.id: m for m in self.b.scorecard.metrics}
        ids = [m.id for m in self.a.scorecard.metrics]
        ids += [i for i in mb if i not in ids]
        ma = {m.id: m for m in self.a.scorecard.metrics}
        rows = []
        for mid in ids:
            x, y = ma.get(mid), mb.get(mid)
            ref = x or y
            assert ref is not None
            va = x.value if x is not None else None
            vb = y.value if y is not None else None
            rows.append({"metric": mid, "name": ref.name, "unit": ref.unit, "target": ref.target,
                         "a": va, "b": vb,
                         "delta": (vb - va) if va is not None and vb is not None else None,
                         "status_a": x.status if x is not None else "not-computed",
                         "status_b": y.status if y is not None else "not-computed"})
        return rows

    def flips(self) -> list[dict[str, str]]:
        """Metrics whose status changes between ``pass`` and ``fail``."""
        return [{"metric": r["metric"], "from": r["status_a"], "to": r["status_b"]}
                for r in self.diff()
                if {r["status_a"], r["status_b"]} == {"pass", "fail"}]

    def summary_diff(self) -> list[dict[str, Any]]:
        """Numeric summary values of both runs (keys in either, sorted)."""
        sa, sb = self.a.summary, self.b.summary
        out = []
        for k in sorted(set(sa) | set(sb)):
            va, vb = sa.get(k), sb.get(k)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in (va, vb) if v is not None):
                continue
            out.append({"key": k, "a": va, "b": vb,
                        "delta": (vb - va) if va is not None and vb is not None else None})
        return out

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (module doc)."""
        from provisor.sim.model import stable

        return stable({"a": self.a.to_json(), "b": self.b.to_json(), "diff": self.diff(),
                       "flips": self.flips(), "summary_diff": self.summary_diff()})


def compare(a: "SimInputs", b: "SimInputs", *, days: float = 7.0, seed: int = 0,
            progress: Callable[[float, float], None] | None = None) -> Comparison:
    """Simulate ``a`` and ``b`` (aligned on ``a``'s load, :func:`align`) with the same seed.
    ``progress(done_s, total_s)`` counts both runs (total = 2 x the simulated span).

    Raises:
        ValueError: ``days`` is not positive.
    """
    from provisor.sim import simulate

    span = float(days) * 86400.0

    def shifted(offset: float) -> Callable[[float, float], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(offset + done, 2 * span)

    ra = simulate(a, days=days, seed=seed, progress=shifted(0.0))
    rb = simulate(align(a, b), days=days, seed=seed, progress=shifted(span))
    return Comparison(ra, rb)


def comparison_table(cmp: Comparison, label_a: str = "A", label_b: str = "B") -> Any:
    """The comparison as a rich table: metric, A, B, B - A, status A -> B (flips marked)."""
    from rich.markup import escape
    from rich.table import Table

    from provisor.sim.text import fmt_target, fmt_value

    t = Table(title=f"scorecard: {escape(label_a)} (A) against {escape(label_b)} (B)")
    for c, j in (("metric", "left"), ("target", "left"), ("A", "right"), ("B", "right"),
                 ("B - A", "right"), ("status", "left")):
        t.add_column(c, justify=j)  # type: ignore[arg-type]
    for r in cmp.diff():
        unit = r["unit"]
        if r["delta"] is None:
            delta = "-"
        elif unit == "ratio":
            delta = f"{r['delta'] * 100:+.2f} pp"
        else:
            delta = f"{r['delta']:+.4g}" + (" s" if unit == "seconds" else "")
        flip = {r["status_a"], r["status_b"]} == {"pass", "fail"}
        status = f"{r['status_a']} -> {r['status_b']}" if r["status_a"] != r["status_b"] \
            else r["status_a"]
        t.add_row(escape(r["metric"]), escape(fmt_target(r["target"], unit)),
                  fmt_value(r["a"], unit), fmt_value(r["b"], unit), delta,
                  f"[bold]{escape(status)}[/]" if flip else escape(status))
    return t
