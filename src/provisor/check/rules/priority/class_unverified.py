"""priority/class-unverified: pods name a PriorityClass and the set defines none."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, object_text
from provisor.check.registry import rule
from provisor.check.rules.priority._common import classes, workloads_naming
from provisor.k8s.priority import SYSTEM_PRIORITY_CLASSES


@rule("priority/class-unverified", "info",
      "Pods name a PriorityClass and no checked PriorityClass applies to them: cannot verify.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload whose pods name a `priorityClassName` (other than the
    built-in `system-cluster-critical` / `system-node-critical`) when no PriorityClass of the
    checked set applies to them (none at all, or only ones from unrelated files: see the
    namespace rules in `provisor check --help`). The class may exist in the cluster.

    **Why.** A pod naming a class that does not exist is refused at creation (`no
    PriorityClass with name ... was found`, kubernetes/kubernetes
    `plugin/pkg/admission/priority/admission.go`); whether it exists cannot be judged from
    the objects given.

    **Fix.** Check the workloads together with the PriorityClasses they use, or silence this
    rule for classes managed elsewhere.
    """
    for w, name, path in workloads_naming(ctx):
        if name in SYSTEM_PRIORITY_CLASSES:
            continue
        if any(ctx.in_scope(w.namespace, d.file) for d in classes(ctx)):
            continue  # priority/class-missing judges it
        yield Hit(w.doc, f"cannot verify priorityClassName {name}: no PriorityClass among "
                         f"the checked manifests applies to it; if the cluster lacks it, pods of "
                         f"{object_text(w.kind, w.namespace, w.name)} are refused at creation",
                  fix="check the workload together with its PriorityClass", path=path)
