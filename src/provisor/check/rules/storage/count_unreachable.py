"""storage/count-unreachable: a claim-count limit that can never be reached at the
LimitRange's claim sizes, or a storage limit that can never be used."""

from __future__ import annotations

import math
from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import fmt
from provisor.check.rules.storage._count_size import cases


@rule("storage/count-unreachable", "warning",
      "A quota's claim count can never be reached at the LimitRange's minimum claim size, or "
      "its storage can never be used at the maximum size.")
def unreachable(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A ResourceQuota that limits both the number of claims
    (`persistentvolumeclaims`, `count/persistentvolumeclaims`, or the per-StorageClass
    `<class>.storageclass.storage.k8s.io/persistentvolumeclaims`) and their storage
    (`requests.storage` or the class's own), in a namespace whose LimitRange bounds claim
    sizes, when one limit can never be reached:

    - count x `min.storage` > storage: every claim requests at least the minimum, so the
      storage limit runs out first, always, and the count promises claims that never fit;
    - count x `max.storage` < storage: even the largest allowed claims, as many as the count
      allows, never use the storage limit.

    **Why.** The quota charges each claim one unit of count and its storage request
    (`pkg/quota/v1/evaluator/core/persistent_volume_claims.go`); the LimitRanger refuses
    claims outside `[min, max]` (`plugin/pkg/admission/limitranger/admission.go`). Two
    limits that can never both matter give a false sense of the namespace's capacity.

    **Fix.** Make count x min <= storage <= count x max; ideally size both from the claim
    sizes the namespace actually uses.
    """
    for qv, label, ck, sk, n, s, mn, mx, _sizes in cases(ctx):
        like = qv.hard[sk]
        if mn is not None and n * mn.value > s:
            fit = math.floor(s / mn.value)
            yield Hit(qv.doc,
                      f"ResourceQuota {qv.name}: {ck} {qv.hard[ck]} can never be reached for "
                      f"{label}: every claim requests at least {mn} (LimitRange min.storage), "
                      f"and {sk} {like} holds only {fit} such claims ({n} x {mn} = "
                      f"{fmt(n * mn.value, like)})",
                      fix=f"lower {ck} to {fit}, or raise {sk} to {fmt(n * mn.value, like)}",
                      path=("spec", "hard", ck))
        if mx is not None and n * mx.value < s:
            yield Hit(qv.doc,
                      f"ResourceQuota {qv.name}: {sk} {like} can never be used by {label}: at "
                      f"most {n} claims ({ck}) of at most {mx} (LimitRange max.storage) hold "
                      f"{fmt(n * mx.value, like)}",
                      fix=f"lower {sk} to {fmt(n * mx.value, like)}, or raise {ck} to "
                          f"{math.ceil(s / mx.value)}",
                      path=("spec", "hard", sk))
