"""quantity/cpu-without-milli: CPU written as hundreds of cores where millicores were
meant."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quantity._typos import cpu_without_milli


@rule("quantity/cpu-without-milli", "warning",
      "A container's CPU is a plain number of 100 cores or more (cpu: 500): 'm' for "
      "millicores was probably left out.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A CPU request or limit of a container or pod, a LimitRange value or
    a VPA bound written as a plain integer of at least 100 (`cpu: 500`, `cpu: "250"`),
    unless a Node object or `settings.nodes` entry of the check has that many cores.
    ResourceQuota values are not judged (a namespace may own hundreds of cores).

    **Why.** A CPU number without a suffix is cores: `500` is five hundred cores, not half
    a core (`500m`). As a request no ordinary node holds the pod, which stays Pending
    ("Insufficient cpu"); as a limit it does not limit. Values such as `100`, `250` and
    `500` are the usual millicore amounts, so the missing `m` is the likely mistake.

    **Fix.** Write millicores with `m` (`500m`), or cores as a small number (`0.5`).
    """
    yield from cpu_without_milli(ctx)
