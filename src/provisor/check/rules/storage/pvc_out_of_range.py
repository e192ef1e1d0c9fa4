"""storage/pvc-out-of-range: a claim outside the LimitRange's PersistentVolumeClaim bounds."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import demand


@rule("storage/pvc-out-of-range", "error",
      "A PersistentVolumeClaim (object, volumeClaimTemplate or ephemeral volume) is below "
      "the LimitRange's min.storage or above its max.storage: it is refused.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A claim whose `spec.resources.requests.storage` is missing, below
    `min.storage` or above `max.storage` of a `type: PersistentVolumeClaim` LimitRange item
    in its namespace: PersistentVolumeClaim objects, a StatefulSet's `volumeClaimTemplates`
    and generic ephemeral volumes (`volumes[].ephemeral.volumeClaimTemplate`, including
    those of agent PodTemplates). The message is the API's, e.g. `persistentvolumeclaims
    "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 100Gi, but
    request is 200Gi`.

    **Why.** The LimitRanger validates claims on create
    (`plugin/pkg/admission/limitranger/admission.go`,
    `PersistentVolumeClaimValidateLimitFunc`) and refuses them with 403. For a StatefulSet
    the refused claim blocks its pod, so the StatefulSet never gets past that ordinal; for
    an ephemeral volume the pod stays `Pending` until the claim exists, which it never will.

    **Fix.** Request a size inside the LimitRange's range, or widen the range.
    """
    from provisor.k8s import AdmissionError
    from provisor.k8s.limitranger import admit_pvc

    for nd in demand(ctx).values():
        lrs = ctx.stored_limit_ranges(nd.name)
        if not lrs:
            continue
        for c in nd.claims:
            try:
                admit_pvc(lrs, c.pvc)
                continue
            except AdmissionError as exc:
                message = exc.message
            except (ValueError, TypeError, AttributeError):
                continue  # a malformed quantity: the schema check reports it
            if c.source != "object":
                detail = message.split(" is forbidden: ", 1)[-1]
                message = f"{c.label}: its claims are refused (403 Forbidden): {detail}"
            yield Hit(c.doc, message,
                      fix="request a storage size inside the LimitRange's min/max, or change "
                          "the LimitRange", path=c.path)
