"""vpa/target-ref: a VPA's targetRef names a controller the VPA can follow."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, namespace_of
from provisor.check.registry import rule

#: The controllers the VPA knows without a scale subresource
#: (vertical-pod-autoscaler/pkg/target/controller_fetcher/controller_fetcher.go).
WELL_KNOWN = frozenset({"CronJob", "DaemonSet", "Deployment", "Job", "ReplicaSet",
                        "ReplicationController", "StatefulSet"})
#: Kinds that are certainly not controllers of pods.
NOT_CONTROLLERS = frozenset({"Pod", "PodTemplate", "Service", "ConfigMap", "Namespace",
                             "Node", "PersistentVolumeClaim"})


@rule("vpa/target-ref", "error",
      "A VPA's targetRef names something that is not the topmost controller of its pods.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose `spec.targetRef` names something that
    is not a controller of pods (a Pod, a PodTemplate, a Service, ...), or a controller owned
    by another well-known controller (a ReplicaSet of a Deployment, a Job of a CronJob). A
    targetRef that lacks `kind` or `name`, or has fields of its own such as `selector`, is a
    schema error (`schema/invalid`).

    **Why.** The VPA finds its pods through the target's label selector: the well-known
    controllers (CronJob, DaemonSet, Deployment, Job, ReplicaSet, ReplicationController,
    StatefulSet) or any resource with a `/scale` subresource
    (vertical-pod-autoscaler/pkg/target/controller_fetcher/controller_fetcher.go). The
    target must also be the *topmost* such controller
    (pkg/recommender/input/cluster_feeder.go `validateTargetRef`). Otherwise the recommender
    sets `ConfigUnsupported` ("Cannot read targetRef") and recommends nothing. A
    `targetRef` is a CrossVersionObjectReference: `apiVersion`, `kind`, `name`, and no
    `selector`.

    **Fix.** Point `targetRef` at the topmost controller that owns the pods: a Deployment
    rather than its ReplicaSet, a CronJob rather than its Job. Pods that no such controller
    owns cannot be followed by a VPA.
    """
    # A missing targetRef, or one without kind or name or with unknown fields (the spec's
    # `selector`), is a schema error (schema/invalid): this rule judges what it names.
    for d in ctx.kind("VerticalPodAutoscaler"):
        ref = dig(d.obj, "spec", "targetRef")
        if not isinstance(ref, dict):
            continue
        kind, name = ref.get("kind"), ref.get("name")
        if not isinstance(kind, str):
            kind = None if kind is None else str(kind)
        if not isinstance(name, str):
            name = None if name is None else str(name)
        if kind in NOT_CONTROLLERS:
            yield Hit(d, f"targetRef kind {kind} is not a controller of pods; the VPA follows "
                         f"only well-known controllers ({', '.join(sorted(WELL_KNOWN))}) or "
                         f"resources with a /scale subresource",
                      fix="point targetRef at the controller that owns the pods",
                      path=("spec", "targetRef", "kind"))
            continue
        if not kind or not name:
            continue
        target = ctx.get(str(kind), namespace_of(d.obj), str(name))
        if target is not None:
            owners = dig(target.obj, "metadata", "ownerReferences")
            if isinstance(owners, list):
                for o in owners:
                    if isinstance(o, dict) and o.get("controller") and o.get("kind") in WELL_KNOWN:
                        yield Hit(d, f"targetRef {kind}/{name} is controlled by "
                                     f"{o.get('kind')}/{o.get('name')}; the VPA needs the topmost "
                                     f"controller", fix=f"target {o.get('kind')}/{o.get('name')}",
                                  path=("spec", "targetRef", "kind"))
