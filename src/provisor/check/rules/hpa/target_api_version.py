"""hpa/target-api-version: a scaleTargetRef whose apiVersion the HPA cannot resolve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule


def custom_groups(ctx: Context, kind: str) -> frozenset[str] | None:
    """The groups whose CustomResourceDefinitions among the checked objects define ``kind``,
    or None when none does (then the group cannot be judged)."""
    groups = {str(dig(d.obj, "spec", "group")) for d in ctx.kind("CustomResourceDefinition")
              if dig(d.obj, "spec", "names", "kind") == kind}
    return frozenset(groups) if groups else None


def minor(ctx: Context) -> int | None:
    """The Kubernetes minor version under check (``--kubernetes-version 1.15`` -> 15), None
    when not given (a current release)."""
    v = getattr(ctx, "kubernetes_version", None)
    if not v:
        return None
    parts = str(v).lstrip("v").split(".")
    try:
        return int(parts[1]) if len(parts) > 1 and parts[0] == "1" else None
    except ValueError:
        return None


def suggestion(kind: str) -> str:
    from provisor.k8s.apigroups import served_groups

    groups = served_groups(kind)
    if not groups:
        return "the apiVersion of the target object as written in its own manifest"
    g = groups[0]
    return f"apiVersion: {g + '/' if g else ''}v1"


@rule("hpa/target-api-version", "error",
      "An HPA's scaleTargetRef has no apiVersion or one whose group does not serve its kind "
      "(FailedGetScale).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A HorizontalPodAutoscaler whose `spec.scaleTargetRef` has no
    `apiVersion`, or one whose API group does not serve the target's kind in current
    Kubernetes: `extensions/v1beta1` for a Deployment, ReplicaSet or DaemonSet (no longer
    served since 1.16), the core group (no `apiVersion`, or `v1`) for a Deployment or any
    custom resource, or a group whose CRD (among the checked objects) does not define the
    kind. The object it names existing under that name does not help: the HPA looks it up by
    group and kind.

    **Why.** `scaleTargetRef.apiVersion` is optional in the schema, so the API server accepts
    the HPA. The controller parses it (`schema.ParseGroupVersion`: no apiVersion is the core
    group `""`), keeps the group only, and asks the REST mapper for the kind in that group
    (kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go`,
    `reconcileAutoscaler`). When the group has no such kind it gets
    `no matches for kind "Deployment" in group ""`, sets `AbleToScale=False` with reason
    `FailedGetScale`, shows `<unknown>` targets and never changes the replica count. The
    version is ignored, so `apps/v1beta2` still resolves. The facts are
    `provisor.k8s.apigroups`; `--kubernetes-version` picks the release (default: a current
    one, where `extensions` serves no workloads).

    **Fix.** Write the target's real `apiVersion` (`apps/v1` for Deployments, StatefulSets
    and ReplicaSets).
    """
    from provisor.k8s.apigroups import rest_mapping_error

    for d in ctx.kind("HorizontalPodAutoscaler"):
        ref = dig(d.obj, "spec", "scaleTargetRef")
        if not isinstance(ref, dict):
            continue
        kind, name, api = ref.get("kind"), ref.get("name"), ref.get("apiVersion", "")
        if not isinstance(kind, str) or not kind or not isinstance(api, str):
            continue
        yield from _judge(ctx, d, ("spec", "scaleTargetRef"), kind, str(name), api,
                          rest_mapping_error(api, kind, minor(ctx), custom_groups(ctx, kind)))


def _judge(ctx: Context, d: Any, base: tuple[str, ...], kind: str, name: str, api: str,
           err: str | None) -> Iterator[Hit]:
    if err is None:
        return
    what = "has no apiVersion, so the kind is looked up in the core group \"\"" if not api \
        else f"apiVersion {api!r} does not resolve"
    yield Hit(d, f"scaleTargetRef {kind}/{name} {what}: the HPA controller cannot get the "
                 f"target's scale ({err}; condition AbleToScale=False, reason "
                 "FailedGetScale) and never scales it",
              fix=f"set scaleTargetRef.{suggestion(kind)}",
              path=(*base, "apiVersion") if api else base)
