"""workload/limit-below-request: a container's own limit is below its own request."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe, requests_over_limits


@rule("workload/limit-below-request", "error",
      "A container's limit is below its request (or differs from it for a resource that "
      "cannot be overcommitted): the pod is refused.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container (or init container) of a workload whose own limit for a
    resource is below its own request, or, for a resource that cannot be overcommitted
    (`hugepages-*`, extended resources such as `nvidia.com/gpu`), differs from it. Limits
    that a LimitRange fills in are `limitrange/default-limit-below-request`.

    **Why.** Field validation of pods (`pkg/apis/core/validation/validation.go`,
    `validateResourceRequirements`) refuses such a pod with 422, e.g. `Pod "web" is invalid:
    spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal
    to cpu limit of 1`. A Deployment, StatefulSet or Job with that template is accepted,
    but none of its pods is ever created (`FailedCreate` events only). A container that
    gives only a limit gets its request from it (`SetDefaults_Pod`,
    `pkg/apis/core/v1/defaults.go`), which is always valid.

    **Fix.** Raise the limit to at least the request (equal for hugepages and extended
    resources), or lower the request.
    """
    for w in ctx.workloads:
        for e in requests_over_limits(ctx, w):
            if e.limit_defaulted:
                continue
            head = (f'Pod "{w.name}" is invalid: {e.message}' if w.kind == "Pod" else
                    f"{describe(w)}: its pods are refused (422 Invalid): {e.message}")
            yield Hit(w.doc, f"{head} (container {e.container!r}: request {e.request}, "
                             f"limit {e.limit})",
                      fix=f"raise resources.limits.{e.resource} of container {e.container!r} "
                          f"to at least {e.request}, or lower the request",
                      path=e.path)
