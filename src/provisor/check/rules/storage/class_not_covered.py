"""storage/class-not-covered: claims of a StorageClass that a per-class quota does not
limit."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import class_of_key, demand

STORAGE_KEYS = ("requests.storage", "persistentvolumeclaims", "count/persistentvolumeclaims")


@rule("storage/class-not-covered", "warning",
      "A quota has per-StorageClass limits, but a claim in its namespace uses a class (or no "
      "class) it does not limit.")
def not_covered(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A claim (PersistentVolumeClaim, `volumeClaimTemplate`, ephemeral
    volume template) whose StorageClass, after the default class is applied, has no
    `<class>.storageclass.storage.k8s.io/...` key in a ResourceQuota of its namespace that
    does have such keys for other classes.

    **Why.** A per-class key limits only claims of that class
    (`pkg/quota/v1/evaluator/core/persistent_volume_claims.go` charges
    `<class>.storageclass.storage.k8s.io/requests.storage` only for the claim's own class).
    A quota written per class says which classes the namespace may use and how much of
    each; a claim of another class is bounded only by the class-blind totals, if any, so it
    can take expensive storage the quota meant to ration. A claim without a class when no
    default StorageClass is known gets whichever default the cluster has.

    **Fix.** Name a StorageClass the quota limits in the claim, or add the class's keys to
    the quota (`<class>.storageclass.storage.k8s.io/requests.storage: "0"` forbids it).
    """
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            if qv.scoped:
                continue
            classes = {ck[0] for k in qv.hard if (ck := class_of_key(k)) is not None}
            if not classes:
                continue
            for c in nd.claims:
                if c.storage_class in classes:
                    continue
                what = (f"StorageClass {c.storage_class}" if c.storage_class else "no StorageClass")
                if c.class_defaulted:
                    what += " (the default class)"
                totals = [k for k in STORAGE_KEYS if k in qv.hard]
                bound = (f"only by {', '.join(totals)}" if totals else "by nothing")
                yield Hit(c.doc,
                          f"{c.label} uses {what}; ResourceQuota {qv.name} limits claims per "
                          f"class for {', '.join(sorted(classes))} only, so these claims are "
                          f"bounded {bound}",
                          fix=f"use StorageClass {sorted(classes)[0]} (or another limited "
                              f"class), or add {c.storage_class or '<class>'}"
                              f".storageclass.storage.k8s.io/requests.storage to the quota",
                          path=c.path)
