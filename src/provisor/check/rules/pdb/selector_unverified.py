"""pdb/selector-unverified: a PDB whose namespace has no workloads in the checked set."""

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


@rule("pdb/selector-unverified", "info",
      "A PDB's namespace has no workloads in the checked set: cannot verify what it selects.")
def unverified(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget in a namespace where the checked set has no
    workloads (Deployments, StatefulSets, Jobs, Pods, PodTemplates ...), or whose selector
    matches none of them while pods of the namespace may also come from controllers outside
    the set: custom resources that an operator turns into pods (a `Prometheus`, an
    `Alertmanager`, a database cluster ...) or PodTemplates that a controller reads (agent
    templates), so whether it matches any pod cannot be judged from the objects given.

    **Why.** A PDB that matches no pods protects nothing (see `pdb/selector-no-match`), and
    one whose minimum is too high blocks every drain (`pdb/zero-disruptions`); both need the
    workload. Cross-object rules read objects only.

    **Fix.** Check the PDB together with the workload it protects (e.g. `kustomize build |
    provisor check -`), or silence this rule on PDBs for workloads installed elsewhere.
    """
    from provisor.k8s.selectors import SelectorError

    idx = pod_index(ctx)
    for d in pdbs(ctx):
        ns = namespace_of(d.obj)
        sel = selector_of(d.obj)
        if sel is None:
            continue
        if not idx.has_workloads(ns):
            yield Hit(d, f"cannot verify selector {selector_text(sel)}: the checked set has no "
                         f"workloads {in_namespace_text(ns)}, so whether it matches any "
                         f"pod (and how many disruptions it allows) is unknown",
                      fix="check the PDB together with the workload it protects",
                      path=("spec", "selector"))
            continue
        crs = pod_making_custom_resources(ctx, ns)
        if not crs:
            continue
        try:
            if idx.select_pdb(d):
                continue
        except SelectorError:
            continue
        listed = ", ".join(crs[:5]) + (f" and {len(crs) - 5} more" if len(crs) > 5 else "")
        yield Hit(d, f"cannot verify selector {selector_text(sel)}: it matches none of the "
                     f"workloads {in_namespace_text(ns)}, but pods there may also come "
                     f"from controllers outside the checked set, through custom resources or "
                     f"PodTemplates ({listed})",
                  fix="check the PDB together with the workload it protects, or check that "
                      "the controller labels the pods it creates with these labels",
                  path=("spec", "selector"))
