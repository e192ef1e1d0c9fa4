"""storage/count-size-balance: which of a quota's claim count and storage binds first."""

from __future__ import annotations

import math
from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import fmt
from provisor.check.rules.storage._count_size import cases


@rule("storage/count-size-balance", "info",
      "Which of a quota's claim count and storage limits binds first at the LimitRange's "
      "claim sizes.")
def balance(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A ResourceQuota limiting both the number of claims and their storage
    (as for `storage/count-unreachable`), in a namespace whose LimitRange allows claims
    larger than storage / count: then which limit binds depends on the claim size. The
    finding gives the break-even size, how many claims fit at the LimitRange's `max.storage`,
    and the sizes the namespace's claims actually request.

    **Why.** Claims of at most storage/count run out of count first; larger ones run out of
    storage first, and at `max.storage` only `storage / max` claims fit, fewer than the
    count suggests (`pkg/quota/v1/evaluator/core/persistent_volume_claims.go` charges both).
    Capacity planning that reads only the count overestimates how many workspaces fit.

    **Fix.** Nothing to fix by itself; size the count from storage / the typical claim size,
    or lower `max.storage`.
    """
    for qv, label, ck, sk, n, s, mn, mx, sizes in cases(ctx):
        like = qv.hard[sk]
        if mx is None or not n * mx.value > s or (mn is not None and n * mn.value > s):
            continue
        used = f"; the claims in this namespace request {', '.join(sizes)}" if sizes else ""
        yield Hit(qv.doc,
                  f"ResourceQuota {qv.name}: for {label}, {ck} {qv.hard[ck]} and {sk} {like} "
                  f"balance at {fmt(s / n, like)} per claim: larger claims exhaust {sk} first; "
                  f"at the LimitRange max.storage {mx} only {math.floor(s / mx.value)} of the "
                  f"{n} claims fit{used}",
                  fix=None, path=("spec", "hard", ck))
