"""pdb/selector-no-match: a PDB whose selector protects nothing."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, in_namespace_text, namespace_of
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import (
    pdbs,
    pod_index,
    pod_making_custom_resources,
    selector_of,
    selector_text,
)


@rule("pdb/selector-no-match", "warning",
      "A PDB's selector matches no pods of the workloads in its namespace (or is missing).")
def no_match(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget whose `spec.selector` is missing or invalid, or
    matches the pod labels of none of the workloads that the checked set has in its
    namespace (when it has some, and no custom resources or PodTemplates through which a
    controller outside the set could make pods: see `pdb/selector-unverified` otherwise).

    **Why.** A `policy/v1` PDB selects pods by `spec.selector` only: a missing selector
    selects no pods, `{}` selects every pod of the namespace, and an invalid one makes the
    disruption controller fail its sync (kubernetes/kubernetes
    `pkg/controller/disruption/disruption.go` `getPodsForPdb`,
    `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go` `LabelSelectorAsSelector`).
    A PDB that selects nothing protects nothing: drains evict the pods it was written for.
    A typo in a label, or a label that the chart renders differently (`app:
    argo-workflows-server` versus upstream Argo's `app: argo-server`), is the usual cause.

    **Fix.** Copy the selector from the workload's `spec.selector.matchLabels`.
    """
    from provisor.k8s.selectors import SelectorError

    idx = pod_index(ctx)
    for d in pdbs(ctx):
        ns = namespace_of(d.obj)
        sel = selector_of(d.obj)
        if sel is None:
            yield Hit(d, "no spec.selector: a policy/v1 PodDisruptionBudget without a selector "
                         "selects no pods, so it protects nothing",
                      fix="set spec.selector to the workload's spec.selector", path=("spec",))
            continue
        try:
            matched = idx.select_pdb(d)
        except SelectorError as exc:
            yield Hit(d, f"spec.selector is invalid ({exc}): the disruption controller cannot "
                         f"sync this PDB (disruptionsAllowed stays 0) and the eviction API "
                         f"treats it as matching nothing",
                      fix="fix the selector", path=("spec", "selector"))
            continue
        if matched or not idx.has_workloads(ns) or pod_making_custom_resources(ctx, ns):
            continue  # nothing to compare with, or an operator may make the pods: unverified
        names = ", ".join(f"{w.kind}/{w.name}" for w in idx.by_ns[ns][:5])
        more = "" if len(idx.by_ns[ns]) <= 5 else f" and {len(idx.by_ns[ns]) - 5} more"
        yield Hit(d, f"selector {selector_text(sel)} matches the pods of none of the "
                     f"{len(idx.by_ns[ns])} workload(s) {in_namespace_text(ns)} "
                     f"({names}{more}): the PDB protects nothing here",
                  fix="use the labels of the workload's pod template (its spec.selector)",
                  path=("spec", "selector"))
