"""storage/pvc-exceeds-quota: one claim alone is above a quota's hard limit."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import demand, fmt


@rule("storage/pvc-exceeds-quota", "error",
      "A single PersistentVolumeClaim charges more than a ResourceQuota allows in total "
      "(requests.storage, per-class storage or claim count): it can never be created.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A claim (PersistentVolumeClaim object, `volumeClaimTemplate`,
    ephemeral volume template) that on its own charges more than a `hard` limit of a
    ResourceQuota in its namespace: a storage request above `requests.storage`, above
    `<class>.storageclass.storage.k8s.io/requests.storage` for its StorageClass, or a class
    whose claim count is limited to 0.

    **Why.** The quota evaluator charges a claim its storage request, rounded up to whole
    bytes, under `requests.storage` and under the keys of its StorageClass (the default
    class when it names none) (`pkg/quota/v1/evaluator/core/persistent_volume_claims.go`);
    the admission plugin refuses a create that takes `used` above `hard`, even into an
    empty namespace (`exceeded quota: ...`).

    **Fix.** Request less storage, use a StorageClass the quota allows, or raise the quota.
    """
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            if qv.scoped:
                continue  # scoped quotas never charge claims
            claim_entries = [e for e in qv.entries if e.source == "claim"]
            for e in claim_entries:
                for k, v in e.usage.items():
                    h = qv.hard.get(k)
                    if h is None or not v > h.value:
                        continue
                    what = (f"claims of StorageClass {k.split('.storageclass', 1)[0]} are not "
                            f"allowed at all ({k}: {h})" if h.value == 0 else
                            f"it alone charges {k} {fmt(v, h)} > hard {h}")
                    yield Hit(e.doc, f"{e.label}: ResourceQuota {qv.name} "
                                     f"refuses it: {what}",
                              fix=f"request less, use another StorageClass, or raise {k} in "
                                  f"ResourceQuota {qv.name}", path=e.path)
