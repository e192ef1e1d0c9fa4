"""workload/cpu-limit-missing: a container with no CPU limit (opt-in: strict profile)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.workload._missing import missing


@rule("workload/cpu-limit-missing", "info",
      "A container has no CPU limit (opt-in: CPU limits are a debated practice).",
      profile="strict")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container or restartable init container of any workload (the
    kinds of `workload/cpu-request-missing`) with no `resources.limits.cpu` after
    LimitRange defaulting; a pod-level `spec.resources.limits.cpu` is fine.

    **Opt-in.** This rule runs only under `--profile strict` (or `check.enable:
    [workload/cpu-limit-missing]` in `.provisor.yaml`), because **CPU limits are debated**:
    CPU is compressible, so a container above its request is merely slowed when the node
    is busy, while a limit enforces CFS quota (`cpu.cfs_quota_us`, 100 ms periods,
    `pkg/kubelet/cm/helpers_linux.go`) even when the node is idle, throttling
    latency-sensitive and multi-threaded processes (a runtime with 8 threads can use a
    1-core quota in 12.5 ms and then wait 87.5 ms). Many operators therefore set CPU
    requests and no CPU limits; others need limits for predictability, for chargeback, for
    `Guaranteed` QoS (static CPU manager pinning) or because a quota on `limits.cpu`
    requires them (`quota/requires-requests` covers that case).

    **Why.** Without a limit, a busy container may use the node's idle CPU; with a
    predictable-latency goal or a noisy neighbour policy you may want a ceiling.

    Profiles: `strict` only (Polaris `cpuLimitsMissing`, kube-score `container-resources`
    without `--ignore-container-cpu-limit`).

    **Fix.** Set `resources.limits.cpu` (equal to the request for `Guaranteed` QoS), or a
    LimitRange `default.cpu`; or leave this rule off.
    """
    yield from missing(
        ctx, "limits", "cpu",
        "it may use any idle CPU of its node (CPU limits are debated: they throttle by CFS "
        "quota even on an idle node)",
        "set resources.limits.cpu on {container} (or a LimitRange default.cpu), or leave "
        "this opt-in rule off")
