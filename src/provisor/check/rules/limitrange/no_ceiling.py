"""limitrange/no-ceiling: a LimitRange that bounds nothing from above."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import (
    Context,
    Hit,
    in_namespace_text,
    list_at,
    map_at,
    name_of,
    namespace_of,
)
from provisor.check.registry import rule


@rule("limitrange/no-ceiling", "warning",
      "The namespace's LimitRanges set no max at all for cpu or memory (per Container or per "
      "Pod), or no max size for claims.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A LimitRange with `Container` or `Pod` items while no LimitRange of
    its namespace sets any `max` for `cpu` or `memory` in such an item (no ceiling at all; a
    namespace that bounds one of the two is left alone); and a
    `PersistentVolumeClaim` item while no LimitRange of the namespace sets `max.storage`.
    The finding names what is missing, including a `maxLimitRequestRatio` when there is none.

    **Why.** Without a `max`, the LimitRanger accepts any request and any limit
    (`plugin/pkg/admission/limitranger/admission.go` checks only the bounds it is given):
    one container can ask for a whole node, or a claim for terabytes. A ResourceQuota caps
    the namespace's sum, not one pod, so a single oversized pod can take the namespace's
    whole share and starve the rest; and a pod bigger than every node stays `Pending`
    forever. Defaults (`default`, `defaultRequest`) only apply to containers that set
    nothing.

    **Fix.** Add `max` for `cpu` and `memory` to the `Container` item (the largest tier the
    namespace runs), optionally `maxLimitRequestRatio`; give claims a `max.storage`.
    """
    by_ns: dict[str, list[Any]] = {}
    for d in ctx.kind("LimitRange"):
        if isinstance(d.obj, dict):
            by_ns.setdefault(namespace_of(d.obj), []).append(d)
    for ns, docs in by_ns.items():
        compute_max: set[str] = set()
        ratio: set[str] = set()
        pvc_max = False
        first_compute = first_pvc = None
        for d in docs:
            items = list_at(d.obj, "spec", "limits")
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                t = item.get("type")
                if t in ("Container", "Pod"):
                    compute_max.update(k for k in map_at(item, "max"))
                    ratio.update(k for k in (item.get("maxLimitRequestRatio") or {}))
                    if first_compute is None:
                        first_compute = (d, i)
                elif t == "PersistentVolumeClaim":
                    if "storage" in map_at(item, "max"):
                        pvc_max = True
                    if first_pvc is None:
                        first_pvc = (d, i)
        if first_compute is not None and not compute_max.intersection(("cpu", "memory")):
            d, i = first_compute
            extra = "" if ratio else " and no maxLimitRequestRatio"
            yield Hit(d, f"LimitRange {name_of(d.obj)}: no LimitRange "
                         f"{in_namespace_text(ns)} sets a max cpu or memory per Container or Pod{extra}: "
                         f"a single container may request and use any amount (up to a node, or "
                         f"the namespace's whole quota)",
                      fix="add max: {cpu: ..., memory: ...} to the Container item (the largest "
                          "tier this namespace runs)",
                      path=("spec", "limits", i))
        if first_pvc is not None and not pvc_max:
            d, i = first_pvc
            yield Hit(d, f"LimitRange {name_of(d.obj)}: no LimitRange "
                         f"{in_namespace_text(ns)} sets max.storage for PersistentVolumeClaims: a "
                         f"single claim may take the namespace's whole storage quota",
                      fix="add max: {storage: ...} to the PersistentVolumeClaim item",
                      path=("spec", "limits", i))
