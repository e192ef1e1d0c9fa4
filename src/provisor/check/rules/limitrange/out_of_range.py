"""limitrange/out-of-range: a workload's pods fall outside the LimitRange's min, max or
maxLimitRequestRatio."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, Path
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe


@rule("limitrange/out-of-range", "error",
      "A workload's pods are refused by the namespace's LimitRange (min, max or "
      "maxLimitRequestRatio).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload (Pod, Deployment, StatefulSet, Job, CronJob, PodTemplate
    of an agent tier, ...) whose pods, after the LimitRange defaults are filled in, break a
    `min`, `max` or `maxLimitRequestRatio` of a LimitRange in their namespace, per container
    (`type: Container`) or for the pod's totals (`type: Pod`). The message is the API's:
    `pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2`.

    **Why.** The LimitRanger's validating phase
    (`plugin/pkg/admission/limitranger/admission.go`, `PodValidateLimitFunc`) refuses such a
    pod with 403 Forbidden. A `max` also *requires* a limit (`No limit is specified`), a
    `min` a request, and a ratio both. A controller is accepted and then fails to create
    every pod (`FailedCreate`), which nothing reports at apply time.

    **Fix.** Bring the container's requests and limits inside the range (a tier that needs
    more belongs in a namespace whose LimitRange allows it), or widen the LimitRange.
    """
    for w in ctx.workloads:
        adm = ctx.admitted(w)
        if adm.bad_quantity or adm.limitranger_error is None:
            continue
        containers = w.pod_spec.get("containers")
        path: Path = w.spec_path
        if isinstance(containers, list) and containers:
            path = (*w.spec_path, "containers", 0, "resources") if len(containers) == 1 \
                else (*w.spec_path, "containers")
        msg = (adm.limitranger_error if w.kind == "Pod" else
               f"{describe(w)}: its pods are refused (403 Forbidden): {adm.limitranger_detail}")
        yield Hit(w.doc, msg,
                  fix="set requests and limits inside the LimitRange's min/max (and the "
                      "limit/request ratio under maxLimitRequestRatio), or change the "
                      "LimitRange", path=path)
