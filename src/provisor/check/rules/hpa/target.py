"""hpa/target-not-scalable and hpa/target-not-found: what an HPA's scaleTargetRef names."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, SCALABLE_KINDS, dig, namespace_of, object_text
from provisor.check.registry import rule

#: Built-in kinds that own pods but have no /scale subresource.
UNSCALABLE = frozenset({"Pod", "Job", "CronJob", "DaemonSet", "PodTemplate"})


@rule("hpa/target-not-scalable", "error",
      "An HPA's scaleTargetRef names a kind with no scale subresource.")
def not_scalable(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An HPA whose `spec.scaleTargetRef` names a kind with no `/scale`
    subresource: a Pod, Job, CronJob, DaemonSet or PodTemplate, or a custom resource whose
    CRD (when it is among the checked manifests) declares no `subresources.scale`.

    **Why.** The HPA controller reads and writes the target's `/scale` subresource
    (pkg/controller/podautoscaler/horizontal.go, `reconcileAutoscaler`); without one it
    reports `FailedGetScale` and never acts. Built-in kinds with `/scale`: Deployment,
    StatefulSet, ReplicaSet, ReplicationController.

    **Fix.** Point the HPA at the Deployment or StatefulSet that owns the pods.
    """
    for d in ctx.kind("HorizontalPodAutoscaler"):
        ref = dig(d.obj, "spec", "scaleTargetRef")
        if not isinstance(ref, dict):
            continue
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        api = str(ref.get("apiVersion", ""))
        if kind in UNSCALABLE:
            yield Hit(d, f"scaleTargetRef {kind}/{name} has no scale subresource; the HPA "
                         f"cannot scale it (FailedGetScale)",
                      fix="target the Deployment or StatefulSet that owns the pods",
                      path=("spec", "scaleTargetRef", "kind"))
        elif kind not in SCALABLE_KINDS and _crd_has_scale(ctx, api, kind) is False:
            yield Hit(d, f"{kind} ({api}) has no scale subresource in its CRD; the HPA "
                         f"cannot scale it", fix="add subresources.scale to the CRD",
                      path=("spec", "scaleTargetRef", "kind"))


@rule("hpa/target-not-found", "info",
      "An HPA's scale target is not among the checked manifests: cannot verify it.")
def not_found(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An HPA whose `spec.scaleTargetRef` names an object that is not among
    the checked manifests. It may well exist in the cluster, so this is information, not an
    error: the rules that need the target (requests for Utilization metrics, quota at
    `maxReplicas`, `spec.replicas` under an HPA) cannot judge it.

    **Why.** Cross-object rules read objects only; what is not given cannot be verified.

    **Fix.** Check the target together with the HPA (e.g. `kustomize build | provisor check
    -`), or silence the rule for HPAs whose targets live elsewhere.
    """
    for d in ctx.kind("HorizontalPodAutoscaler"):
        ref = dig(d.obj, "spec", "scaleTargetRef")
        if not isinstance(ref, dict):
            continue
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        if kind in UNSCALABLE:
            continue
        ns = namespace_of(d.obj)
        if ctx.get(kind, ns, name) is None:
            api = str(ref.get("apiVersion", ""))
            yield Hit(d, f"cannot verify scaleTargetRef {api} "
                         f"{object_text(kind, ns, name)}: it is not in the checked manifests",
                      fix="check the target together with the HPA",
                      path=("spec", "scaleTargetRef", "name"))


def _crd_has_scale(ctx: Context, api: str, kind: str) -> bool | None:
    """True/False when the CRD of ``kind`` in ``api`` is among the manifests, else None."""
    group, _, version = api.rpartition("/")
    for d in ctx.kind("CustomResourceDefinition"):
        spec = d.obj.get("spec") or {}
        if spec.get("group") != group or dig(spec, "names", "kind") != kind:
            continue
        for v in spec.get("versions") or []:
            if isinstance(v, dict) and v.get("name") == version:
                return dig(v, "subresources", "scale") is not None
    return None
