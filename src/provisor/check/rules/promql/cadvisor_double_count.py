"""promql/cadvisor-pod-double-count: a sum over containers that includes the pod cgroup."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import CADVISOR_DOUBLE_COUNT


@rule("promql/cadvisor-pod-double-count", "warning",
      "A sum over containers of a cAdvisor series without container!=\"\" counts the pod "
      "twice.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `sum` that merges containers (no `container` in its `by` list) of a
    cAdvisor per-container series (`container_memory_*`, `container_cpu_*`,
    `container_spec_*`, ...) selected without a filter that drops the empty container name
    (`container!=""`, `container=~".+"`, `container="app"`, `image!=""`), and not joined on
    `container` with a series that always has one.

    **Why.** The kubelet's cAdvisor exports a series for every cgroup: each container, and the
    pod-level cgroup with `container=""` (and the node's system cgroups, with empty pod and
    namespace). The pod cgroup's usage already includes its containers', so summing all of a
    pod's series counts it twice. (The kube-prometheus recording rules select
    `container!=""` or `image!=""` for this reason.)

    **Fix.** Select `{container!=""}` on the cAdvisor series. For memory, prefer
    `container_memory_working_set_bytes` (what the kubelet evicts on) to
    `container_memory_usage_bytes`, which includes reclaimable page cache.
    """
    return hits(ctx, CADVISOR_DOUBLE_COUNT)
