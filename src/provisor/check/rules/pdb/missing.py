"""pdb/missing: a multi-replica workload that no PodDisruptionBudget protects."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import SCALABLE_KINDS, Context, Hit, namespace_of, is_unset
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.pdb._common import pod_index, replicas_at


@rule("pdb/missing", "warning",
      "A workload that runs several replicas has no PodDisruptionBudget selecting its pods: "
      "a node drain may evict all of them at once.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A Deployment, StatefulSet, ReplicaSet or ReplicationController that
    runs 2 or more pods (its `spec.replicas`, or the `maxReplicas` of the HPA that scales
    it) while no PodDisruptionBudget *of its namespace* selects its pod template's labels.
    A PDB in another namespace, or whose selector does not match the template labels
    (labels on the Deployment's own metadata do not count), does not protect it. For a
    workload that sets no namespace, a PDB that sets none either counts even from another
    file: applied together, they land in the same namespace.
    Workloads with fewer than 2 pods are `workload/single-replica` / `hpa/min-replicas-low`
    (a PDB cannot protect a single pod without blocking drains); DaemonSets (drains skip
    them), Jobs and bare Pods are not flagged.

    **Why.** `kubectl drain`, cluster-autoscaler scale-down and node upgrades evict pods
    through the eviction API, which consults only PodDisruptionBudgets
    (`pkg/registry/core/pod/storage/eviction.go`). Without one, every replica on the
    drained nodes can be evicted at the same moment (several replicas often share a node,
    and surge upgrades drain many nodes at once), and the service is down until the
    replacements are Ready.

    Profiles: on in `default` and `strict` (Polaris `missingPodDisruptionBudget`,
    kube-score `deployment-has-poddisruptionbudget` / `statefulset-has-poddisruptionbudget`).

    **Fix.** Add a PodDisruptionBudget in the workload's namespace whose selector matches
    its pod labels, with `maxUnavailable: 1` (or a `minAvailable` below the replica count;
    see `pdb/zero-disruptions`).
    """
    from provisor.k8s.selectors import SelectorError

    from provisor.check.rules.pdb._common import compiled

    idx = pod_index(ctx)
    covered: set[int] = set()
    # PDBs that set no namespace either, from other files: applied together with the
    # workload they would protect it, so they count for workloads without a namespace
    loose = []
    for d in ctx.kind("PodDisruptionBudget"):  # an invalid one is pdb/invalid's finding
        spec = d.obj.get("spec")
        sel = spec.get("selector") if isinstance(spec, dict) else None
        try:
            for w in idx.select(namespace_of(d.obj), sel):
                covered.add(id(w))
            if is_unset(namespace_of(d.obj)):
                loose.append(compiled(sel))
        except (SelectorError, TypeError, ValueError):
            continue
    for w in ctx.workloads:
        if w.kind not in SCALABLE_KINDS or id(w) in covered:
            continue
        if is_unset(w.namespace) and any(
                not c.nothing and c.matches(w.pod_labels) for c in loose):
            continue
        counts = replicas_at(ctx, w)
        top = max(n for n, _how in counts)
        if top < 2:
            continue
        how = next(h for n, h in counts if n == top)
        labels = ", ".join(f"{k}={v}" for k, v in sorted(w.pod_labels.items())) or "no labels"
        yield Hit(w.doc,
                  f"{describe(w)} runs up to {top} pods ({how}) and no PodDisruptionBudget in "
                  f"namespace {w.namespace or '(default)'} selects its pods "
                  f"({labels}): a node drain may evict all of them at once",
                  fix="add a PodDisruptionBudget with maxUnavailable: 1 whose selector matches "
                      "the pod template's labels, in the same namespace",
                  path=(*w.spec_path[:-1], "metadata"))
