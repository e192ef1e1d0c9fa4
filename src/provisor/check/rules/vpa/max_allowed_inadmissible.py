"""vpa/max-allowed-inadmissible: a pod at the VPA's maxAllowed that admission refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, object_text
from provisor.check.registry import rule
from provisor.check.rules.vpa._common import vpas_at_max_allowed
from provisor.check.rules.vpa.max_allowed_capped import _path


@rule("vpa/max-allowed-inadmissible", "error",
      "A pod sized at the VPA's maxAllowed is refused by LimitRanger or by the namespace quota.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VPA (update mode not `Off`) whose target's pod, as the VPA admission
    controller would write it with the recommendation at `maxAllowed` (after the VPA's own
    LimitRange capping, with limits kept proportional under `RequestsAndLimits`), is refused
    by the API server although the pod as written is accepted: by request/limit validation,
    by the LimitRanger (`max`, `min`, `maxLimitRequestRatio` of `Container` and `Pod` items),
    or by a ResourceQuota of the namespace even when nothing else uses it (one pod above a
    `hard` value). Judged with `provisor.k8s.validation`, `provisor.k8s.limitranger` and
    `provisor.k8s.quota`.

    **Why.** The VPA admission webhook runs before the validating admission plugins: it
    sets requests and limits (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/admission-
    controller/resource/pod/recommendation/recommendation_provider.go`), then the LimitRanger
    and ResourceQuota validate the result (kubernetes/kubernetes `plugin/pkg/admission/
    limitranger/admission.go`, `staging/src/k8s.io/apiserver/pkg/admission/plugin/
    resourcequota/controller.go`). The VPA caps to LimitRange `max` but knows nothing of
    quotas, so once the recommendation grows that far, the workload's controller can no
    longer create pods (`FailedCreate`), and with `Recreate` the updater has already evicted
    the old ones.

    **Fix.** Lower `maxAllowed` so that one pod at the maximum (requests, and limits = the
    maximum × the limit/request ratio) fits every LimitRange item and quota `hard` value with
    room for the rest of the namespace; or raise the quota.
    """
    from provisor.k8s import AdmissionError
    from provisor.k8s.limitranger import aggregate_message, forbidden_message, pod_limit_errors
    from provisor.k8s.quota import admit
    from provisor.k8s.validation import invalid_message, validate_pod_resources
    from provisor.quantity import QuantityError

    for d, w, at in vpas_at_max_allowed(ctx):
        if not at.requests:
            continue
        sized = "; ".join(
            f"{c}: requests {_fmt(at.requests[c])}"
            + (f", limits {_fmt(at.limits[c])}" if c in at.limits else "")
            for c in at.requests)
        first = next(iter(at.requests))
        path = _path(d.obj, first, next(iter(at.requests[first])))
        where = object_text(w.kind, w.namespace, w.name)
        try:
            errs = [e for e in validate_pod_resources(at.pod)
                    if e not in validate_pod_resources(at.original)]
            if errs:
                yield Hit(d, f"a pod of {where} at maxAllowed ({sized}) is invalid: "
                             f"{invalid_message('Pod', at.pod, errs)}",
                          fix="lower maxAllowed", path=path)
                continue
            refused = None
            for lr in ctx.stored_limit_ranges(w.namespace):
                new = pod_limit_errors(lr, at.pod)
                if new and not pod_limit_errors(lr, at.original):
                    refused = forbidden_message("pods", at.pod, aggregate_message(new))
                    break
            if refused:
                yield Hit(d, f"a pod of {where} at maxAllowed ({sized}) is refused by the "
                             f"LimitRanger: {refused}",
                          fix="lower maxAllowed (or the limit/request ratio) to fit the "
                              "LimitRange", path=path)
                continue
            quotas = [q.obj for q in ctx.quotas.get(w.namespace, [])]
            if not quotas:
                continue
            ns = w.namespace or "default"
            try:
                admit(quotas, _copy(at.original), namespace=ns)
            except AdmissionError:
                continue  # refused as written: the quota rules say why
            try:
                admit(quotas, _copy(at.pod), namespace=ns)
            except AdmissionError as exc:
                yield Hit(d, f"a pod of {where} at maxAllowed ({sized}) does not fit the "
                             f"namespace quota even when nothing else uses it: "
                             f"{exc.message}",
                          fix="lower maxAllowed so one pod at the maximum fits the quota "
                              "with room for the rest of the namespace, or raise the quota",
                          path=path)
        except (QuantityError, ValueError, TypeError, KeyError, AttributeError):
            continue  # malformed objects: the schema check reports them


def _fmt(rl: dict) -> str:
    return ", ".join(f"{k}={rl[k]}" for k in sorted(rl))


def _copy(pod: dict) -> dict:
    """A copy whose metadata the quota plugin may fill in without touching the cached pod."""
    return {**pod, "metadata": dict(pod.get("metadata") or {})}
