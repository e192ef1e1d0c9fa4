"""workload/no-containers: a pod template with no containers, which the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule


@rule("workload/no-containers", "error",
      "A pod or pod template has no containers: the API server refuses the object.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A Pod, or the pod template of a Deployment, StatefulSet, DaemonSet,
    ReplicaSet, ReplicationController, Job, CronJob or PodTemplate, whose `containers` is
    an empty list or null. The OpenAPI schema accepts `containers: []` (a template without the
    field at all is the schema's finding, `schema/invalid`, or a kustomize patch).

    **Why.** Pod spec validation (kubernetes/kubernetes
    `pkg/apis/core/validation/validation.go`, `validateContainers`) requires at least one
    container and refuses the object with 422: `spec.template.spec.containers: Required
    value`. Nothing is created; a CI pipeline that only lints the schema finds out at apply
    time. (Usually a templating mistake: a Helm `range` over an empty list.)

    **Fix.** Give the pod at least one container (check the values the template was rendered
    with).
    """
    from provisor.k8s.validation import FieldPath, invalid_message, pod_spec_containers_errors

    for w in ctx.workloads:
        if "containers" not in w.pod_spec:
            continue  # the schema requires the field; a kustomize patch may leave it out
        path = FieldPath(*(str(p) for p in w.spec_path))
        errs = pod_spec_containers_errors(w.pod_spec, path)
        if errs:
            yield Hit(w.doc, f"the API server refuses this {w.kind} (422): "
                             f"{invalid_message(w.kind, w.doc.obj, errs)}",
                      fix="give the pod at least one container",
                      path=(*w.spec_path, "containers"))
