"""Shared by storage/count-unreachable and storage/count-size-balance: the quota pairs that
limit claim count and claim storage together, and the LimitRange's claim-size bounds."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from provisor.check.context import Context, list_at, map_at
from provisor.check.rules.quota._demand import STORAGE_CLASS_INFIX, QuotaView, demand

_COUNT_KEYS = ("persistentvolumeclaims", "count/persistentvolumeclaims")


def _bounds(ctx: Context, ns: str) -> tuple[Any, Any]:
    """(largest min.storage, smallest max.storage) over the namespace's PVC items, as
    Quantities (None when unset)."""
    from provisor.quantity import Quantity

    mn = mx = None
    for lr in ctx.stored_limit_ranges(ns):
        for item in list_at(lr, "spec", "limits"):
            if not isinstance(item, dict) or item.get("type") != "PersistentVolumeClaim":
                continue
            try:
                lo = map_at(item, "min").get("storage")
                hi = map_at(item, "max").get("storage")
                if lo is not None:
                    q = Quantity.unmarshal(lo)
                    mn = q if mn is None or q > mn else mn
                if hi is not None:
                    q = Quantity.unmarshal(hi)
                    mx = q if mx is None or q < mx else mx
            except (ValueError, TypeError):
                continue
    return mn, mx


def _pairs(qv: QuotaView) -> list[tuple[str, str, str]]:
    """(label, count key, storage key) pairs the quota limits together."""
    out: list[tuple[str, str, str]] = []
    if "requests.storage" in qv.hard:
        for k in _COUNT_KEYS:
            if k in qv.hard:
                out.append(("all claims", k, "requests.storage"))
    for k in qv.hard:
        if k.endswith(STORAGE_CLASS_INFIX + "persistentvolumeclaims"):
            sc = k.split(STORAGE_CLASS_INFIX, 1)[0]
            sk = f"{sc}{STORAGE_CLASS_INFIX}requests.storage"
            if sk in qv.hard:
                out.append((f"claims of StorageClass {sc}", k, sk))
    return out


Case = tuple[QuotaView, str, str, str, int, Fraction, Any, Any, list[Any]]


def cases(ctx: Context) -> Iterator[Case]:
    """Per unscoped quota and (count, storage) pair with both limits above 0: (quota, label,
    count key, storage key, count, storage, LimitRange min, LimitRange max, the storage
    sizes the namespace's claims request)."""
    for nd in demand(ctx).values():
        if not nd.quotas:
            continue
        mn, mx = _bounds(ctx, nd.name)
        for qv in nd.quotas:
            if qv.scoped:
                continue
            for label, ck, sk in _pairs(qv):
                n_q, s_q = qv.hard[ck], qv.hard[sk]
                if n_q.value <= 0 or s_q.value <= 0:
                    continue
                n = math.floor(n_q.value)
                sizes = sorted({str(c.pvc["spec"]["resources"]["requests"]["storage"])
                                for c in nd.claims if _has_storage(c.pvc)})
                yield qv, label, ck, sk, n, s_q.value, mn, mx, sizes


def _has_storage(pvc: dict[str, Any]) -> bool:
    r = ((pvc.get("spec") or {}).get("resources") or {}).get("requests")
    return isinstance(r, dict) and "storage" in r
