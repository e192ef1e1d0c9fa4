"""quantity/milli-bytes-request: a memory or storage request written in milli-bytes."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quantity._typos import milli_bytes


@rule("quantity/milli-bytes-request", "warning",
      "A memory or storage request is written with the 'm' (milli) suffix or is below one "
      "byte: 256m requests 1 byte, not 256Mi.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A memory, ephemeral-storage or hugepages *request* (a container's or
    init container's `resources.requests`, a pod-level request, a LimitRange
    `defaultRequest` or `min`) written with the lower-case `m` suffix, or above 0 and
    below one byte. Caps with the same mistake are `quantity/milli-bytes` (an error).

    **Why.** `m` is milli for every resource, so `256m` of memory is 0.256 bytes, which the
    scheduler counts as 1 byte (`Quantity.Value` rounds up): it reserves nothing for the
    container, and under memory pressure the kubelet ranks pods by usage above their
    request (`pkg/kubelet/eviction/helpers.go`), so this pod is among the first evicted.
    The pod runs, so nothing tells the author.

    **Fix.** Write the intended unit: `256Mi` (or `256M`).
    """
    yield from milli_bytes(ctx, ("request",))
