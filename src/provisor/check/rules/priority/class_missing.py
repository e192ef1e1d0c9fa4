"""priority/class-missing: pods name a PriorityClass that the set does not define."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of, object_text
from provisor.check.registry import rule
from provisor.check.rules.priority._common import classes, known_names, workloads_naming


@rule("priority/class-missing", "error",
      "Pods name a PriorityClass that is neither in the set (which has some) nor built in.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload whose pod template sets `priorityClassName` to a class
    that is not among the checked set's PriorityClasses that apply to it (the set defines
    the classes, so a missing one is a typo or a forgotten object), and that is not
    `system-cluster-critical` or `system-node-critical`. PriorityClasses are cluster-wide,
    but a workload that sets no namespace and is checked beside unrelated files is judged
    only with the classes of its own file or kustomization. With no such class, see
    `priority/class-unverified`.

    **Why.** The Priority admission plugin resolves the name when a pod is created and
    refuses the pod if no such class exists (kubernetes/kubernetes
    `plugin/pkg/admission/priority/admission.go`, `admitPod`): `pods "x" is forbidden: no
    PriorityClass with name y was found`. The controller keeps failing to create pods
    (`FailedCreate` events), so the workload never runs.

    **Fix.** Add the PriorityClass to the bundle, or fix the name.
    """
    from provisor.k8s import AdmissionError
    from provisor.k8s.priority import resolve_priority_class

    if not classes(ctx):
        return
    for w, name, path in workloads_naming(ctx):
        relevant = [d for d in classes(ctx) if ctx.in_scope(w.namespace, d.file)]
        if not relevant:
            continue  # priority/class-unverified
        names = known_names(ctx, relevant)
        by_name = {name_of(d.obj): d.obj for d in relevant}
        pod_name = w.name if w.kind == "Pod" else f"{w.name}-..."
        try:
            resolve_priority_class({"metadata": {"name": pod_name},
                                    "spec": {"priorityClassName": name}}, by_name)
            continue
        except AdmissionError as exc:
            refusal = exc.message
        have = ", ".join(sorted(n for n in names if not n.startswith("system-")))
        yield Hit(w.doc, f"pods of {object_text(w.kind, w.namespace, w.name)} are refused: "
                         f"{refusal} (the set defines: {have})",
                  fix=f"add PriorityClass {name} or use one of: {have}", path=path)
