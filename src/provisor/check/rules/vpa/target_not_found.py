"""vpa/target-not-found: the pods a VPA acts on are not among the checked objects."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.vpa._common import targets


@rule("vpa/target-not-found", "info",
      "A VPA's target workload is not among the checked manifests: cannot verify it.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose target (its `targetRef`, or, when the
    targetRef is unusable, the workloads its `targetRef.selector` was meant to match) is not
    among the checked objects. It may exist in the cluster, so this is information: the
    rules that need the target's pods (`vpa/evicts-run-to-completion`, `vpa/hpa-conflict`,
    `vpa/max-allowed-*`, `vpa/unknown-container`) cannot judge it.

    **Why.** Cross-object rules read objects only; what is not given cannot be verified.

    **Fix.** Check the VPA together with its workload, or silence the rule for VPAs whose
    targets live elsewhere.
    """
    for d in ctx.kind("VerticalPodAutoscaler"):
        t = targets(ctx, d)
        if t.workloads or not t.lookup or t.lookup == "no targetRef":
            continue
        if t.lookup == "an incomplete targetRef":
            continue
        yield Hit(d, f"cannot verify the pods this VPA acts on: no {t.lookup} in the checked "
                     f"manifests, so eviction of run-to-completion pods, HPA conflicts and "
                     f"maxAllowed against LimitRange and quota cannot be judged",
                  fix="check the VPA together with the workload it targets",
                  path=("spec", "targetRef") if dig(d.obj, "spec", "targetRef") is not None
                  else ("spec",))
