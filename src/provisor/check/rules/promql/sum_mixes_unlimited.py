"""promql/sum-mixes-unlimited: a divisor that sums per-container limits over a pod."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import SUM_MIXES_UNLIMITED


@rule("promql/sum-mixes-unlimited", "warning",
      "A ratio's divisor sums container limits over a pod, mixing limited and unlimited "
      "containers.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A division whose divisor is a `sum` per pod or per workload (`by`
    names `pod`, `workload`, `deployment`, ... but not `container`) of a per-container limit
    series: `container_spec_memory_limit_bytes`, `container_spec_cpu_quota`,
    `kube_pod_container_resource_limits` (or the init-container one). Namespace and cluster
    totals are not flagged: they do not claim to be any object's limit.

    **Why.** A container without a limit contributes 0 to cAdvisor's limit series
    (lib/metrics/prometheus.go, `specMemoryValue`) and no series at all to
    kube-state-metrics' (docs/metrics/workload/pod-metrics.md: a sample per set limit), while
    its usage still counts on the other side. In a pod with an app limited to 1Gi using 700Mi
    and a sidecar without a limit using 400Mi, `sum by (pod)` usage over `sum by (pod)` limits
    is 1100Mi / 1Gi = 107%, although no container is near its limit; and the OOM killer acts
    per container, not per pod.

    **Fix.** Compare per container: aggregate both sides `by (namespace, pod, container)` and
    divide by the limit filtered with `> 0`.
    """
    return hits(ctx, SUM_MIXES_UNLIMITED)
