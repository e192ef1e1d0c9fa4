"""pdb/unhealthy-eviction-policy: a PDB that lets unready pods block drains."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import (
    TooManyPods,
    budget,
    pdbs,
    pod_index,
    refusal,
    replicas_at,
)


@rule("pdb/unhealthy-eviction-policy", "warning",
      "A PDB leaves unhealthyPodEvictionPolicy unset: unready pods can block drains.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget without `spec.unhealthyPodEvictionPolicy`. When
    the checked set has the workload, the message shows, with `provisor.k8s.disruption`, how
    many unready pods make the eviction of an unready pod refused.

    **Why.** Unset means `IfHealthyBudget` (kubernetes/kubernetes `pkg/apis/policy/types.go`):
    a Running pod that is not Ready may be evicted without using the budget only while the
    application is undisrupted, `currentHealthy >= desiredHealthy > 0`
    (`pkg/registry/core/pod/storage/eviction.go`). Once enough pods are unready (a bad
    rollout, a crash loop, a dependency down) the unready pods themselves cannot be evicted:
    every eviction answers 429 and `kubectl drain` waits on pods that will never become
    healthy. `AlwaysAllow` (GA since Kubernetes 1.31) lets unready pods go, which is what a
    drain needs; the budget still protects the Ready ones.

    **Fix.** Set `spec.unhealthyPodEvictionPolicy: AlwaysAllow`, unless the application
    needs unready pods kept (e.g. a quorum member catching up); then set `IfHealthyBudget`
    explicitly and say so.
    """
    from provisor.k8s.selectors import SelectorError

    idx = pod_index(ctx)
    for d in pdbs(ctx):
        spec = d.obj.get("spec")
        if not isinstance(spec, dict) or spec.get("unhealthyPodEvictionPolicy") is not None:
            continue
        example = ""
        try:
            members = [w for w in idx.select_pdb(d)
                       if not w.run_to_completion and w.kind != "DaemonSet"]
        except SelectorError:
            members = []
        if members and (spec.get("minAvailable") is not None
                        or spec.get("maxUnavailable") is not None):
            counts = [(w, replicas_at(ctx, w)[0][0]) for w in members]
            try:
                healthy = budget(d.obj, counts)
            except TooManyPods:
                members = []
        if members and (spec.get("minAvailable") is not None
                        or spec.get("maxUnavailable") is not None):
            total = healthy.pods
            need = healthy.status.desired_healthy
            unready = total - need + 1
            w0, n0 = counts[0]
            if healthy.status.error is None and need > 0 and 1 <= unready <= n0:
                b = budget(d.obj, counts, unready=unready)
                if not b.eviction.allowed:
                    example = (f"; e.g. {w0.kind} {w0.name} at {n0} replica"
                               f"{'' if n0 == 1 else 's'} with {unready} of its pods not Ready: "
                               f"currentHealthy {b.status.current_healthy} < desiredHealthy "
                               f"{b.status.desired_healthy}, and evicting an unready pod is "
                               f"refused with {refusal(b.eviction)}")
        yield Hit(d, "unhealthyPodEvictionPolicy is unset, so IfHealthyBudget applies: a "
                     "Running pod that is not Ready (crash-looping, failing its readiness probe) "
                     "may be evicted only while currentHealthy >= desiredHealthy; once the "
                     "application is disrupted its unready pods cannot be evicted and node "
                     f"drains hang on them{example}",
                  fix="set spec.unhealthyPodEvictionPolicy: AlwaysAllow (or IfHealthyBudget "
                      "explicitly when unready pods must be kept)",
                  path=("spec",))
