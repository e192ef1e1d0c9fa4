"""pdb/overlap: pods selected by more than one PodDisruptionBudget cannot be evicted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from provisor.check.context import (
    Context,
    Hit,
    Workload,
    exact_key,
    in_namespace_text,
    name_of,
    namespace_of,
    object_text,
)
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import (
    as_created,
    fleet,
    identity,
    pdbs,
    pod_index,
    selector_of,
    selector_text,
)


@rule("pdb/overlap", "error",
      "Several PDBs select the same pods: the eviction API refuses to evict them at all.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** Two or more PodDisruptionBudgets of one namespace whose selectors
    match the pods of the same workload in the checked set, or that carry the same selector.
    Documents with the same name are one object (the later apply replaces the earlier) and
    do not count twice.

    **Why.** The eviction handler looks up every PDB of the pod's namespace that matches the
    pod and refuses outright when there is more than one: HTTP 500, `This pod has more than
    one PodDisruptionBudget, which the eviction subresource does not support.`
    (kubernetes/kubernetes `pkg/registry/core/pod/storage/eviction.go`; answer computed with
    `provisor.k8s.disruption.evict`). Such pods can never be evicted, so every drain of
    their nodes hangs, whatever the budgets allow.

    **Fix.** Keep one PDB per set of pods: narrow the selectors so they do not overlap (add
    the distinguishing label), or merge the budgets.
    """
    from provisor.k8s.disruption import evict
    from provisor.k8s.selectors import SelectorError

    idx = pod_index(ctx)
    by_workload: dict[int, list[Any]] = defaultdict(list)
    workloads: dict[int, Workload] = {}
    by_selector: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for d in pdbs(ctx):
        sel = selector_of(d.obj)
        if sel is None:
            continue
        ns = namespace_of(d.obj)
        try:
            matched = idx.select_pdb(d)
        except SelectorError:
            continue
        for w in matched:
            by_workload[id(w)].append(d)
            workloads[id(w)] = w
        if not matched:
            by_selector[(ns, exact_key(sel) or repr(sel))].append(d)

    reported: set[tuple[int, int]] = set()
    for key, group in by_workload.items():
        if len(group) < 2:
            continue
        group = _distinct(group)
        if len(group) < 2:
            continue
        w = workloads[key]
        pods, _ = fleet(w, 1)
        decision = evict(pods[0], [as_created(g) for g in group])
        names = ", ".join(name_of(g.obj) for g in group)
        for g in group:
            if (id(g), key) in reported:
                continue
            reported.add((id(g), key))
            others = ", ".join(name_of(o.obj) for o in group if o is not g)
            yield Hit(g, f"the pods of {object_text(w.kind, w.namespace, w.name)} are selected "
                         f"by {len(group)} PodDisruptionBudgets ({names}): every eviction of them "
                         f"is refused with HTTP {decision.code} \"{decision.message}\", so drains "
                         f"of their nodes never finish",
                      fix=f"keep one PDB for these pods: narrow this selector or {others}'s, or "
                          f"merge them", path=("spec", "selector"))
    for (ns, _key), group in by_selector.items():
        if len(group) < 2:
            continue
        group = _distinct(group)
        if len(group) < 2:
            continue
        names = ", ".join(name_of(g.obj) for g in group)
        for g in group:
            yield Hit(g, f"PodDisruptionBudgets {names} {in_namespace_text(ns)} have the "
                         f"same selector {selector_text(selector_of(g.obj))}: every pod they "
                         f"select has more than one PDB, and the eviction API refuses to evict "
                         f"such pods at all (HTTP 500)",
                      fix="keep one PDB per set of pods", path=("spec", "selector"))


def _distinct(group: list[Any]) -> list[Any]:
    """One document per object: documents with the same namespace and name are the same PDB
    (the later apply replaces the earlier), so they do not overlap each other."""
    return list({identity(g): g for g in group}.values())
