"""storage/no-class-quota: a storage quota that does not tell StorageClasses apart."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import class_of_key, demand

from provisor.check.rules.storage.class_not_covered import STORAGE_KEYS


@rule("storage/no-class-quota", "info",
      "A quota limits storage without telling StorageClasses apart.")
def no_class(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A ResourceQuota with `requests.storage` or a claim count
    (`persistentvolumeclaims`, `count/persistentvolumeclaims`) and no
    `<class>.storageclass.storage.k8s.io/...` key.

    **Why.** Class-blind limits let any claim draw from the whole pool, whatever its class
    costs (`pkg/quota/v1/evaluator/core/persistent_volume_claims.go` charges the class keys
    only when the quota names them). Where fast (SSD) and slow classes coexist, a few
    claims of the expensive class can take the namespace's entire storage budget.

    **Fix.** Add per-class limits for the classes the namespace uses, e.g.
    `fast-ssd.storageclass.storage.k8s.io/requests.storage: 300Gi`, or silence this for
    namespaces with a single class.
    """
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            if qv.scoped:
                continue
            tracked = [k for k in STORAGE_KEYS if k in qv.hard]
            if not tracked or any(class_of_key(k) is not None for k in qv.hard):
                continue
            used = sorted({c.storage_class for c in nd.claims if c.storage_class})
            extra = f" (claims here use {', '.join(used)})" if used else ""
            yield Hit(qv.doc,
                      f"ResourceQuota {qv.name} limits {', '.join(tracked)} for every "
                      f"StorageClass alike{extra}: claims of an expensive class can take the "
                      f"whole budget",
                      fix="add <class>.storageclass.storage.k8s.io/requests.storage (and "
                          "/persistentvolumeclaims) for the classes this namespace uses",
                      path=("spec", "hard", tracked[0]))
