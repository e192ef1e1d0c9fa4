"""promql/division-by-zero: division by a limit series that is 0 where unset."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import DIVISION_BY_ZERO


@rule("promql/division-by-zero", "error",
      "Division by a series that is 0 where the limit is unset, with no `> 0` guard.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A division whose divisor, along a path that keeps a 0 a 0 (`sum`,
    `max`, `min`, `avg`, `*`, value-keeping functions), reaches one of:

    - `container_spec_memory_limit_bytes` (and the swap and reservation limits): cAdvisor
      exports 0 for a container without a memory limit;
    - `kube_resourcequota` with `type="hard"` (or no type filter): a quota of 0 is how a
      namespace forbids a resource;
    - the literal 0;

    with no guard on the way: `> 0`, `!= 0`, `>= c` with c > 0, `clamp_min(x, c)` with c > 0.

    **Why.** cAdvisor turns an unlimited memory limit (a value above 2^62) into 0
    (google/cadvisor lib/metrics/prometheus.go, `specMemoryValue`). PromQL divides as IEEE 754
    floats (promql/engine.go `vectorElemBinop`): x / 0 is +Inf and 0 / 0 is NaN, and +Inf is
    greater than any threshold, so "memory above 90% of the limit" fires for every container
    that has no limit at all.

    kube-state-metrics' request and limit series are not flagged: a request or limit that is
    not set has no series at all (the division then yields nothing for that container; see
    `promql/sum-mixes-unlimited` for what that does to sums).

    **Fix.** Filter the divisor: `/ (container_spec_memory_limit_bytes{container!=""} > 0)`
    (with `on(namespace, pod, container)` when the sides come from different selectors), or
    `/ ignoring(type) (kube_resourcequota{type="hard"} > 0)`.
    """
    return hits(ctx, DIVISION_BY_ZERO)
