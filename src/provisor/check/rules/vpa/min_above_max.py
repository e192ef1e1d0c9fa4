"""vpa/min-above-max: a container policy whose maxAllowed is below its minAllowed."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, name_of
from provisor.check.registry import rule


@rule("vpa/min-above-max", "error",
      "A VPA container policy has maxAllowed below minAllowed: the VPA webhook refuses it.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `resourcePolicy.containerPolicies[]` entry where, for some resource,
    `maxAllowed` is below `minAllowed`.

    **Why.** The VPA admission webhook validates every VPA it sees and refuses this one
    (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/admission-controller/resource/vpa/
    validation.go`, `validateVPASpecResourcePolicy`): `admission webhook "vpa.k8s.io" denied
    the request: VerticalPodAutoscaler.autoscaling.k8s.io "x" is invalid:
    spec.resourcePolicy.containerPolicies[0].maxAllowed[cpu]: Invalid value: "100m": max
    resource for cpu is lower than min of "200m"`. Where the webhook is not running, the
    capping applies `minAllowed` then `maxAllowed`, so `maxAllowed` silently wins.

    **Fix.** Make `minAllowed <= maxAllowed` for every resource.
    """
    from provisor.quantity import Quantity, QuantityError

    for d in ctx.kind("VerticalPodAutoscaler"):
        pols = dig(d.obj, "spec", "resourcePolicy", "containerPolicies")
        if not isinstance(pols, list):
            continue
        for i, p in enumerate(pols):
            if not isinstance(p, dict):
                continue
            mn, mx = p.get("minAllowed"), p.get("maxAllowed")
            if not isinstance(mn, dict) or not isinstance(mx, dict):
                continue
            for res, lo in mn.items():
                if res not in mx:
                    continue
                try:
                    qlo, qhi = Quantity.parse(lo), Quantity.parse(mx[res])
                except QuantityError:
                    continue
                if qhi < qlo:
                    where = f"spec.resourcePolicy.containerPolicies[{i}].maxAllowed[{res}]"
                    yield Hit(d, f'admission webhook "vpa.k8s.io" denied the request: '
                                 f'VerticalPodAutoscaler.autoscaling.k8s.io "{name_of(d.obj)}" is '
                                 f'invalid: {where}: Invalid value: "{qhi}": max resource for '
                                 f'{res} is lower than min of "{qlo}"',
                              fix=f"raise maxAllowed.{res} to at least {qlo} or lower minAllowed",
                              path=("spec", "resourcePolicy", "containerPolicies", i,
                                    "maxAllowed", res))
