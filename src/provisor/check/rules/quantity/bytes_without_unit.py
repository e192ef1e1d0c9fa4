"""quantity/bytes-without-unit: memory or storage written as a small plain number."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quantity._typos import bytes_without_unit


@rule("quantity/bytes-without-unit", "warning",
      "A memory or storage quantity is a plain number below 1 MiB (memory: 512 is 512 "
      "bytes): a unit was left out.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A memory, storage, ephemeral-storage or hugepages quantity written
    without a suffix (`512`, `128`, `1e3`) whose value is between 1 byte and 1 MiB
    (1,048,576 bytes), anywhere `quantity/milli-bytes` looks. Plain byte counts of 1 MiB
    and more (`134217728`) are a legitimate style and are not flagged.

    **Why.** A quantity without a suffix is in the resource's base unit, bytes. No process
    runs in 512 bytes and no volume or quota is that small on purpose: the author meant
    `512Mi`. As a limit the container is OOM-killed at start; as a request the scheduler
    reserves nothing; as a quota every pod is refused.

    **Fix.** Add the unit: `512Mi` (mebibytes) or `512Gi`.
    """
    yield from bytes_without_unit(ctx)
