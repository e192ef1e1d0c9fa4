"""vpa/unknown-container: a container policy naming no container of the target."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, object_text
from provisor.check.registry import rule
from provisor.check.rules.vpa._common import targets


@rule("vpa/unknown-container", "warning",
      "A VPA container policy names a container that the target's pods do not have.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `resourcePolicy.containerPolicies[].containerName` (other than `*`)
    that matches no container of the target workload's pod template.

    **Why.** Policies are looked up by container name, falling back to the `*` entry
    (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/utils/vpa/api.go`
    `GetContainerResourcePolicy`). A misspelt name is never used: the container it meant
    gets the `*` policy or none at all (no `minAllowed`/`maxAllowed`, `mode: Auto`, cpu and
    memory controlled), so the bounds you wrote do not apply.

    **Fix.** Use the container's exact name from the pod template, or `*`.
    """
    for d in ctx.kind("VerticalPodAutoscaler"):
        pols = dig(d.obj, "spec", "resourcePolicy", "containerPolicies")
        if not isinstance(pols, list):
            continue
        t = targets(ctx, d)
        if not t.workloads:
            continue
        for w in t.workloads:
            names = {c.get("name") for _path, c in w.containers()
                     if isinstance(c.get("name"), str)}
            for i, p in enumerate(pols):
                cname = p.get("containerName") if isinstance(p, dict) else None
                if not isinstance(cname, str) or cname == "*" or cname in names:
                    continue
                have = ", ".join(sorted(n for n in names if isinstance(n, str))) or "none"
                yield Hit(d, f"containerPolicies[{i}] names container {cname!r}, which "
                             f"{object_text(w.kind, w.namespace, w.name)} (found via {t.via}) "
                             f"does not have (containers: {have}): the policy is never used",
                          fix="use an existing container name or '*'",
                          path=("spec", "resourcePolicy", "containerPolicies", i,
                                "containerName"))
