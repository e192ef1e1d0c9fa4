"""pdb/no-policy: a PodDisruptionBudget with neither minAvailable nor maxUnavailable."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import pdbs


@rule("pdb/no-policy", "warning",
      "A PodDisruptionBudget sets neither minAvailable nor maxUnavailable: in policy/v1 it "
      "allows every disruption.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget whose spec has neither `minAvailable` nor
    `maxUnavailable`.

    **Why.** In `policy/v1` nothing is defaulted, and the disruption controller's
    `getExpectedPodCount` (`pkg/controller/disruption/disruption.go`) then wants 0 healthy
    pods: `disruptionsAllowed` equals the number of healthy pods, so the budget protects
    nothing while looking like protection. In the removed `policy/v1beta1` (not served
    since Kubernetes 1.25) the API server defaulted `minAvailable: 1`
    (`pkg/apis/policy/v1beta1/defaults.go`): moving such a manifest to `policy/v1` silently
    drops that protection.

    Profiles: on in `default` and `strict` (kube-score `poddisruptionbudget-has-policy`).

    **Fix.** Set `maxUnavailable: 1` (or a `minAvailable` below the replica count).
    """
    for d in pdbs(ctx):
        spec = d.obj.get("spec")
        if not isinstance(spec, dict):
            spec = {}
        if spec.get("minAvailable") is not None or spec.get("maxUnavailable") is not None:
            continue
        api = str(d.obj.get("apiVersion", ""))
        if api == "policy/v1beta1":
            what = ("policy/v1beta1 defaults it to minAvailable: 1 (that version is not "
                    "served since Kubernetes 1.25; under policy/v1 the same spec allows "
                    "every disruption)")
        else:
            what = ("so the disruption controller wants 0 healthy pods and allows every "
                    "disruption: it protects nothing")
        yield Hit(d, f"PodDisruptionBudget {name_of(d.obj)} sets neither minAvailable nor "
                     f"maxUnavailable, {what}",
                  fix="set spec.maxUnavailable: 1 (or a minAvailable below the replica count)",
                  path=("spec",) if "spec" in d.obj else ())
