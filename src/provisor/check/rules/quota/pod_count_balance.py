"""quota/pod-count-balance: a pod-count limit that pods of the LimitRange's default size
never reach."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import default_pod_usage, demand, fmt
from provisor.quantity import Quantity

_COUNTS = ("pods", "count/pods")


@rule("quota/pod-count-balance", "info",
      "A quota's pod count is reached only by pods smaller than the LimitRange defaults: at "
      "the default size a compute limit runs out first.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An unscoped ResourceQuota with a pod count (`pods` or `count/pods`)
    and compute limits (`requests.cpu`, `limits.memory`, bare `cpu`, ...), in a namespace
    whose LimitRange gives containers default requests/limits, when pods of that default
    size (one container that states nothing) exhaust a compute limit before the count: the
    finding says how many such pods each limit holds and below which size the count binds.

    **Why.** Each pod is charged one unit of count and its requests and limits
    (`pkg/quota/v1/evaluator/core/pods.go`); the LimitRanger's defaults decide those for
    pods that state nothing (`plugin/pkg/admission/limitranger/admission.go`). A `pods:
    30` that default-sized pods can never reach (because `requests.cpu: 20` at 1 core each
    runs out at 20) is not the dimension that limits concurrency, whatever it promises;
    capacity planning that reads the count overestimates the namespace.

    **Fix.** Nothing to fix by itself; size the pod count from the compute limits and the
    typical pod (or the compute limits from the count), see `quota/agent-fit` for the
    classes that actually run.
    """
    for nd in demand(ctx).values():
        per_pod = None
        for qv in nd.quotas:
            if qv.scoped:
                continue
            counts = [k for k in _COUNTS if k in qv.hard and qv.hard[k].value > 0]
            if not counts:
                continue
            if per_pod is None:
                per_pod = default_pod_usage(ctx, nd.name) or ("", {})
            desc, usage = per_pod
            if not usage:
                continue
            n = math.floor(min(qv.hard[k].value for k in counts))
            holds = []
            for k, h in qv.hard.items():
                u = usage.get(k)
                if k in _COUNTS or not u:
                    continue
                holds.append((math.floor(h.value / u), k, h))
            if not holds:
                continue
            holds.sort(key=lambda t: (t[0], t[1]))
            fit, key, h = holds[0]
            if fit >= n:
                continue
            each = ", ".join(f"{k} {qv.hard[k]}: {m}" for m, k, _h in holds)
            below = ", ".join(f"{k} {_floor_text(k, qv.hard[k].value / n)}"
                              for m, k, _h in holds if m < n)
            yield Hit(qv.doc,
                      f"ResourceQuota {qv.name}: {counts[0]} {qv.hard[counts[0]]} is reached only "
                      f"by pods smaller than the LimitRange defaults. A pod at the defaults "
                      f"({desc}) is charged {key} {fmt(usage[key], h)}, so {key} {h} holds "
                      f"{fit} such pods ({each}); the count binds only for pods charged at most "
                      f"{below}",
                      fix=None, path=("spec", "hard", counts[0]))


_BYTES = ("memory", "storage", "ephemeral-storage")


def _floor_text(key: str, value: Fraction) -> str:
    """``value`` rounded down to a readable unit: millicores for cpu names, MiB for byte
    names, whole units otherwise."""
    base = key.rsplit(".", 1)[-1] if not key.startswith("hugepages-") else "memory"
    if base == "cpu":
        return str(Quantity.from_value(Fraction(math.floor(value * 1000), 1000)))
    if base in _BYTES or key.split(".")[-1].startswith("hugepages-"):
        return f"{math.floor(value / 2**20)}Mi"
    return str(math.floor(value))

