"""vpa/target-api-version: a targetRef to a custom controller whose group does not resolve."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa.target_api_version import custom_groups, minor


@rule("vpa/target-api-version", "error",
      "A VPA's targetRef names a custom controller with no apiVersion, or one whose group "
      "does not serve the kind.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose `spec.targetRef` names a kind that is
    not one of the well-known controllers (an Argo Rollout, a custom resource with a
    `/scale` subresource) and has no `apiVersion`, or an `apiVersion` whose group does not
    serve that kind (judged against its CRD when it is among the checked objects).

    **Why.** The VPA finds the well-known controllers (CronJob, DaemonSet, Deployment, Job,
    ReplicaSet, ReplicationController, StatefulSet) by kind alone, so their `apiVersion` does
    not matter (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/target/fetcher.go`,
    `Fetch`). Any other kind is resolved like an HPA target: group from `apiVersion`, then
    the REST mapper's `RESTMappings(GroupKind)`; no `apiVersion` is the core group, which has
    no custom kinds, so the VPA reports "Unhandled targetRef ... no matches for kind" and
    recommends nothing (condition `ConfigUnsupported`).

    **Fix.** Write the target's `apiVersion` as in its own manifest (e.g.
    `argoproj.io/v1alpha1` for a Rollout).
    """
    from provisor.k8s.apigroups import VPA_WELL_KNOWN, rest_mapping_error

    for d in ctx.kind("VerticalPodAutoscaler"):
        ref = dig(d.obj, "spec", "targetRef")
        if not isinstance(ref, dict):
            continue
        kind, name, api = ref.get("kind"), ref.get("name"), ref.get("apiVersion", "")
        if not isinstance(kind, str) or not kind or kind in VPA_WELL_KNOWN \
                or not isinstance(api, str) or kind in ("Pod", "PodTemplate"):
            continue
        err = rest_mapping_error(api, kind, minor(ctx), custom_groups(ctx, kind))
        if err is None:
            continue
        what = "has no apiVersion" if not api else f"apiVersion {api!r} does not resolve"
        yield Hit(d, f"targetRef {kind}/{name} {what}: the VPA resolves kinds other than "
                     f"the well-known controllers by API group and gets \"{err}\", so it "
                     "recommends nothing for it",
                  fix="set targetRef.apiVersion to the target's own apiVersion",
                  path=("spec", "targetRef", "apiVersion") if api else ("spec", "targetRef"))
