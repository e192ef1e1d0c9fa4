"""workload/memory-request-missing: a container that requests no memory."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.workload._missing import missing


@rule("workload/memory-request-missing", "warning",
      "A container states no memory request (nor gets one from its limit or a LimitRange): "
      "nodes are overcommitted and it is among the first evicted under memory pressure.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container or restartable init container of any workload (the
    kinds of `workload/cpu-request-missing`) with no `resources.requests.memory` after API
    defaulting (a memory limit alone becomes the request) and LimitRange defaulting; a
    pod-level `spec.resources.requests.memory` covers its containers.

    **Why.** The scheduler reserves nothing for the container
    (`pkg/scheduler/framework/plugins/noderesources/fit.go` counts the request), so the
    node's memory is overcommitted by however much it really uses. Under memory pressure
    the kubelet evicts first the pods whose usage exceeds their request
    (`pkg/kubelet/eviction/helpers.go`, `rankMemoryPressure`): all of this container's use
    is "above request". With no limit either the pod is `BestEffort` and the kernel OOM
    killer prefers it (`oom_score_adj` 1000, `pkg/kubelet/qos/policy.go`).

    Profiles: on in `default` and `strict` (Polaris `memoryRequestsMissing`, kube-score
    `container-resources`).

    **Fix.** Set `resources.requests.memory` to the container's steady working set (with
    headroom), or give the namespace a LimitRange `defaultRequest.memory`.
    """
    yield from missing(
        ctx, "requests", "memory",
        "the scheduler reserves no memory for it, so its node is overcommitted, and under "
        "memory pressure it is evicted first (all its use is above its request)",
        "set resources.requests.memory on {container} (or a LimitRange "
        "defaultRequest.memory)")
