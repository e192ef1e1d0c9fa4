"""workload/memory-overcommit: run-to-completion pods whose memory limit exceeds their
request."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, map_at
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe


@rule("workload/memory-overcommit", "info",
      "A run-to-completion pod (agent, Job) may use more memory than it requests: it is "
      "evicted or OOM-killed first under node memory pressure, losing its work.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container of a run-to-completion workload (a Job, a CronJob, a Pod
    or PodTemplate with `restartPolicy` Never or OnFailure, such as an agent tier) whose
    memory limit, after LimitRange defaults, is above its memory request, or that has no
    memory limit.

    **Why.** Such a pod is `Burstable`, not `Guaranteed` (`pkg/apis/core/helper/qos/qos.go`).
    Under node memory pressure the kubelet evicts first the pods whose memory use exceeds
    their request (`pkg/kubelet/eviction/helpers.go`, `rankMemoryPressure`), and the kernel
    OOM killer prefers Burstable pods to Guaranteed ones (`oom_score_adj` 2..999 against
    -997, `pkg/kubelet/qos/policy.go`). A service pod is restarted and loses little; an
    agent run killed mid-task loses everything it did. A memory limit 2x the request (a
    common tier shape) means the node's memory is overcommitted by design.

    **Fix.** Set the memory request equal to the limit for run-to-completion pods (the
    request is what the scheduler reserves), or accept and document the risk.
    """
    from provisor.quantity import Quantity

    for w in ctx.workloads:
        if not w.run_to_completion:
            continue
        adm = ctx.admitted(w)
        if adm.bad_quantity:
            continue
        spec = adm.pod.get("spec") or {}
        for key in ("containers", "initContainers"):
            for i, c in enumerate(spec.get(key) or ()):
                if not isinstance(c, dict):
                    continue
                if key == "initContainers" and c.get("restartPolicy") != "Always":
                    continue  # a plain init container ends before the main work starts
                res = c.get("resources") or {}
                req = map_at(res, "requests").get("memory")
                lim = map_at(res, "limits").get("memory")
                try:
                    rq = Quantity.unmarshal(req) if req is not None else None
                    lq = Quantity.unmarshal(lim) if lim is not None else None
                except (ValueError, TypeError):
                    continue
                if lq is not None and rq is not None and not lq > rq:
                    continue
                name = c.get("name", "")
                if lq is None:
                    what = (f"has no memory limit (request {rq})" if rq is not None
                            else "has neither a memory request nor a limit")
                else:
                    what = f"has memory limit {lq} above its request {rq}"
                yield Hit(w.doc,
                          f"{describe(w)} runs to completion, and container {name!r} {what} "
                          f"(after LimitRange defaults): the pod is Burstable; under node "
                          f"memory pressure it is evicted or OOM-killed before Guaranteed "
                          f"pods, losing the run",
                          fix=f"set requests.memory equal to limits.memory on container "
                              f"{name!r}",
                          path=(*w.spec_path, key, i, "resources"))
