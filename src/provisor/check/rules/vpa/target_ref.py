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
      "A VPA's targetRef does not name a controller of pods (kind, apiVersion, name).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose `spec.targetRef` is missing, lacks
    `kind` or `name`, or names something that is not a controller of pods (a Pod, a
    PodTemplate, a Service, ...). A targetRef that names a controller owned by another
    well-known controller (a ReplicaSet of a Deployment, a Job of a CronJob) is flagged too.

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
    for d in ctx.kind("VerticalPodAutoscaler"):
        ref = dig(d.obj, "spec", "targetRef")
        if not isinstance(ref, dict):
            yield Hit(d, "VPA has no spec.targetRef: it selects no pods",
                      fix="set targetRef to the controller (e.g. Deployment) owning the pods",
                      path=("spec",))
            continue
        kind, name = ref.get("kind"), ref.get("name")
        if not isinstance(kind, str):
            kind = None if kind is None else str(kind)
        if not isinstance(name, str):
            name = None if name is None else str(name)
        if "selector" in ref:
            yield Hit(d, "targetRef has a `selector`: a targetRef names one object "
                         "(apiVersion, kind, name); it does not select pods by label",
                      fix="name the controller that owns the pods",
                      path=("spec", "targetRef", "selector"))
        if not kind or not name:
            missing = " and ".join(k for k in ("kind", "name") if not ref.get(k))
            yield Hit(d, f"targetRef has no {missing}: the recommender cannot read it "
                         f"(ConfigUnsupported)", fix="set apiVersion, kind and name",
                      path=("spec", "targetRef"))
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
