"""limitrange/default-limit-below-request: a LimitRange default limit below a container's own
request makes the API refuse the pod."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import default_source, describe, requests_over_limits


@rule("limitrange/default-limit-below-request", "error",
      "A LimitRange default limit is below a container's own request: the pod is refused.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload (Pod, Deployment, StatefulSet, Job, PodTemplate, ...) with a
    container that sets a request and no limit for a resource, in a namespace whose
    LimitRange fills in a `default` limit *below* that request. The finding is on the
    workload, at the request, with the API server's own error.

    **Why.** The LimitRanger admission plugin fills a missing limit with the LimitRange's
    `default` during *mutating* admission
    (`plugin/pkg/admission/limitranger/admission.go`, `mergeContainerResources`), before
    field validation. Validation then requires every request to be at most its limit
    (`pkg/apis/core/validation/validation.go`, `validateResourceRequirements`) and refuses
    the pod with 422: `Pod "web" is invalid: spec.containers[0].resources.requests: Invalid
    value: "700m": must be less than or equal to cpu limit of 10m`. For a controller the
    object itself is accepted; its pods are never created (`FailedCreate` events on the
    ReplicaSet / Job, `ReplicaFailure=True`), so nothing fails on `kubectl apply`.

    **Fix.** Set the limit explicitly on the container (at least its request), or raise the
    LimitRange `default` (and `max`) so that the requests used in the namespace fit under it.
    """
    for w in ctx.workloads:
        for e in requests_over_limits(ctx, w):
            if not e.limit_defaulted or e.request_defaulted:
                continue  # both defaulted: the LimitRange itself is invalid (limitrange/invalid)
            src = default_source(ctx, w.namespace, e.resource, "limits")
            lr_name = src[0] if src else "?"
            head = (f'Pod "{w.name}" is invalid: {e.message}' if w.kind == "Pod" else
                    f"{describe(w)}: its pods are refused (422 Invalid): {e.message}")
            yield Hit(
                w.doc,
                f"{head}. Container {e.container!r} sets a {e.resource} request and no "
                f"{e.resource} limit, so LimitRange {lr_name} fills in its default limit "
                f"{e.limit}: effective limit {e.limit} < request {e.request}",
                fix=f"set resources.limits.{e.resource} on container {e.container!r} "
                    f"(>= {e.request}), or raise the default {e.resource} limit of LimitRange "
                    f"{lr_name}",
                path=e.path)
