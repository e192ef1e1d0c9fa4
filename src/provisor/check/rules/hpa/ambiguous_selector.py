"""hpa/ambiguous-selector: pods scaled by more than one HPA."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from provisor.check.context import (
    Context,
    Hit,
    Workload,
    is_unset,
    name_of,
    namespace_of,
    object_text,
)
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import hpas, target_ref


@rule("hpa/ambiguous-selector", "error",
      "Two or more HPAs control the same pods: each reports AmbiguousSelector and stops.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** HorizontalPodAutoscalers of one namespace that name the same
    `scaleTargetRef`, or whose targets' selectors pick the pods of one workload in the
    checked set.

    **Why.** Before computing anything, the HPA controller lists the pods under its target's
    selector and checks which HPAs control them (kubernetes/kubernetes
    `pkg/controller/podautoscaler/horizontal.go`, `validateAndParseSelector`); with more than
    one it sets `ScalingActive=False`, reason `AmbiguousSelector`, `pods by selector <sel>
    are controlled by multiple HPAs: [<ns>/<a> <ns>/<b>]`, and does not scale. None of the
    HPAs act: the workload stays at its current size whatever the load.

    **Fix.** Keep one HPA per workload and put all its metrics in that HPA (it takes the
    largest proposal); make the selectors of different workloads disjoint.
    """
    from provisor.check.rules.pdb._common import identity, pod_index
    from provisor.k8s.selectors import SelectorError

    idx = pod_index(ctx)
    by_ns: dict[str, list[tuple[Any, Workload | None, tuple[str, str]]]] = defaultdict(list)
    for d in hpas(ctx):
        ref = target_ref(d.obj)
        if ref is None:
            continue
        ns = namespace_of(d.obj)
        by_ns[ns].append((d, ctx.workload(ref[0], ns, ref[1], near=d.file), ref))

    for ns, entries in by_ns.items():
        if len(entries) < 2:
            continue
        # pods (workload id) -> HPAs whose target selector matches them
        controllers: dict[Any, list[Any]] = defaultdict(list)
        pods_of: dict[Any, str] = {}
        selectors: dict[int, Any] = {}
        for d, w, ref in entries:
            if w is None or not isinstance(w.selector, dict):
                key = ("ref", ref)  # same target named twice, target not in the set
                controllers[key].append(d)
                pods_of[key] = object_text(ref[0], ns, ref[1])
                selectors[id(d)] = f"the selector of {ref[0]} {ref[1]}"
                continue
            selectors[id(d)] = w.selector
            try:
                matched = idx.select(ns, w.selector)
            except SelectorError:
                continue
            for pw in matched or [w]:
                controllers[id(pw)].append(d)
                pods_of[id(pw)] = object_text(pw.kind, ns, pw.name)
        seen: set[int] = set()
        for key, group in controllers.items():
            if len(group) < 2:
                continue
            uniq = list({identity(g): g for g in group}.values())  # same name: one object
            if len(uniq) < 2:
                continue
            # the controller's keys are namespace/name; without a namespace, the name alone
            listing = "[" + " ".join(sorted(
                name_of(g.obj) if is_unset(ns) else f"{ns or 'default'}/{name_of(g.obj)}"
                for g in uniq)) + "]"
            for g in uniq:
                if id(g) in seen:
                    continue
                seen.add(id(g))
                yield Hit(g, f"the pods of {pods_of[key]} are controlled by {len(uniq)} HPAs: the "
                             f"controller sets ScalingActive=False (AmbiguousSelector) and scales "
                             f"nothing: pods by selector {_sel(selectors[id(g)])} are "
                             f"controlled by "
                             f"multiple HPAs: {listing}",
                          fix="keep one HPA per workload (merge the metrics into it)",
                          path=("spec", "scaleTargetRef"))


def _sel(selector: Any) -> str:
    from provisor.check.rules.pdb._common import selector_text

    return selector if isinstance(selector, str) else selector_text(selector)
