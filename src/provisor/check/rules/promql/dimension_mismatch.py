"""promql/dimension-mismatch: a comparison between quantities of different dimensions."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import DIMENSION_MISMATCH


@rule("promql/dimension-mismatch", "warning",
      "A comparison between quantities of different dimensions (a CPU fraction against a "
      "node-count fraction, cores against bytes).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A comparison whose two sides measure different things, from the
    units the analysis infers (`promql/cores-as-ratio` explains how):

    - a fraction of a resource against a fraction of a *count* of objects, as in the old
      overcommit alerts `sum(requests cpu) / sum(allocatable cpu) > (count(nodes) - 1) /
      count(nodes)`;
    - CPU cores against bytes (or seconds, bytes per second...).

    **Why.** `(n - 1) / n` is the share of capacity left after losing one node only when
    every node has the same allocatable; with mixed sizes, losing the largest node removes
    more than `1/n` of the capacity and the alert fires too late (the kubernetes-mixin
    replaced it with `sum(requests) - (sum(allocatable) - max(allocatable)) > 0`). Cores and
    bytes have no common scale: the comparison is true or false by accident of units.

    **Fix.** Compare like with like: capacity minus the largest node
    (`sum(allocatable) - max(allocatable)`), or each usage with its own request or limit.
    """
    return hits(ctx, DIMENSION_MISMATCH)
