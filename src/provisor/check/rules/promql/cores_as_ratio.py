"""promql/cores-as-ratio: CPU cores compared with a threshold below 1 as if a ratio."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import CORES_AS_RATIO


@rule("promql/cores-as-ratio", "warning",
      "An absolute CPU-cores value compared with a threshold in (0, 1) as if it were a ratio.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A comparison between a number of CPU cores and a constant between 0 and
    1, where the cores are the per-second rate of a CPU-time counter
    (`container_cpu_usage_seconds_total`, `process_cpu_seconds_total`, or a recording rule
    named after one with a rate) not divided by a request, limit or capacity:
    `rate(container_cpu_usage_seconds_total[5m]) > 0.8`.

    **Why.** The rate of a CPU-seconds counter is CPU-seconds per second, i.e. cores
    (cAdvisor `container_cpu_usage_seconds_total`: "Cumulative cpu time consumed in seconds").
    `> 0.8` then means "more than 800 millicores", the same for a container requesting 250m
    as for one requesting 4 cores: the alert fires on healthy large agents and never on a
    small one at its limit. Thresholds like 0.8 or 0.9 read as "80%/90% of something".

    **Fix.** Divide by the CPU request or limit of the same container
    (`/ on(namespace, pod, container) kube_pod_container_resource_requests{resource="cpu"}`),
    or, if cores were meant, silence the rule for this object with the reason.
    """
    return hits(ctx, CORES_AS_RATIO)
