"""workload/memory-limit-missing: a container with no memory limit."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.workload._missing import missing


@rule("workload/memory-limit-missing", "warning",
      "A container has no memory limit (nor a LimitRange default): a leak takes the node's "
      "memory and the kernel kills other pods' processes.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container or restartable init container of any workload (the
    kinds of `workload/cpu-request-missing`) with no `resources.limits.memory` after
    LimitRange defaulting (`default.memory` fills it); a pod-level
    `spec.resources.limits.memory` bounds the pod's cgroup as a whole and is fine.
    Run-to-completion pods are also judged by `workload/memory-overcommit`.

    **Why.** Memory is not compressible: without a limit the container's cgroup is bounded
    only by the node, so a leak grows until the node runs out and the kernel's OOM killer
    picks a victim by `oom_score_adj` (`pkg/kubelet/qos/policy.go`), often in another pod,
    or the kubelet evicts pods under memory pressure. Unlike CPU limits (see
    `workload/cpu-limit-missing`), memory limits are recommended by nearly every guide.

    Profiles: on in `default` and `strict` (Polaris `memoryLimitsMissing`, kube-score
    `container-resources`, kube-linter `unset-memory-requirements`).

    **Fix.** Set `resources.limits.memory` (often equal to the request, which makes the
    memory part of the pod `Guaranteed`), or a LimitRange `default.memory`.
    """
    yield from missing(
        ctx, "limits", "memory",
        "a leak grows until the node runs out of memory, and then the kernel OOM-kills or the "
        "kubelet evicts pods that may not be this one",
        "set resources.limits.memory on {container} (or a LimitRange default.memory)")
