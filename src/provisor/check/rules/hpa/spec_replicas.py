"""hpa/spec-replicas: a workload sets spec.replicas while an HPA manages its replica count."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, SCALABLE_KINDS, name_of, object_text
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import hpas_of_workload, max_replicas, min_replicas


@rule("hpa/spec-replicas", "warning",
      "A workload sets spec.replicas while an HPA scales it: every apply resets the count.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A Deployment, StatefulSet, ReplicaSet or ReplicationController with
    `spec.replicas` set in the manifest while a HorizontalPodAutoscaler in the checked set
    names it as its `scaleTargetRef`.

    **Why.** The HPA owns the replica count: it writes `spec.replicas` through the `/scale`
    subresource. A manifest that also sets it puts the count back on every
    `kubectl apply` (client-side apply patches the field whenever the live value differs;
    server-side apply reports a conflict with the HPA's field manager), so each deploy
    drops a scaled-out workload to the manifest's value until the HPA's next syncs raise it
    again. The Kubernetes documentation ("Horizontal Pod Autoscaling", *Migrating
    Deployments and StatefulSets to horizontal autoscaling*) says to remove `spec.replicas`
    from the manifest when an HPA is enabled.

    **Fix.** Delete `spec.replicas` from the workload's manifest (the HPA's `minReplicas`
    sets the floor). When migrating a live object, first
    `kubectl apply edit-last-applied` to drop the field so the next apply does not remove it
    (which would reset the count to 1).
    """
    for w in ctx.workloads:
        if w.kind not in SCALABLE_KINDS or w.replicas is None:
            continue
        owners = hpas_of_workload(ctx, w)
        if not owners:
            continue
        h = owners[0]
        lo, hi = min_replicas(h.obj), max_replicas(h.obj)
        rng = f" (minReplicas {lo}, maxReplicas {hi})" if lo is not None and hi is not None else ""
        yield Hit(w.doc,
                  f"spec.replicas: {w.replicas} is set while "
                  f"{object_text('HorizontalPodAutoscaler', w.namespace, name_of(h.obj))}{rng} scales this {w.kind}: every "
                  f"apply of this manifest resets the replica count to {w.replicas}, undoing the "
                  f"HPA's scale-out until its next syncs",
                  fix="remove spec.replicas from the manifest; the HPA's minReplicas is the floor",
                  path=("spec", "replicas"))
