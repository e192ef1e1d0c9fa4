"""quantity/cpu-suffix: CPU written with a byte suffix or a large decimal multiplier."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quantity._typos import cpu_suffix


@rule("quantity/cpu-suffix", "error",
      "A CPU quantity has a binary suffix (2Gi cores) or a multiplier such as k or M: "
      "thousands or billions of cores, not what was meant.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A CPU quantity (container or pod `requests`/`limits`, LimitRange,
    ResourceQuota `cpu`/`requests.cpu`/`limits.cpu`, VPA bounds, HPA `averageValue`
    targets) written with a binary
    suffix (`Ki`, `Mi`, `Gi`...) or with a decimal multiplier `k`, `M`, `G`, `T`, `P`,
    `E` (a quota of `1k` cores is left alone: a namespace may own a thousand cores). The
    message gives the number of cores the value means and the likely intent (`2Gi` -> `2`,
    `500M` -> `500m`).

    **Why.** CPU is counted in cores; every suffix is a plain multiplier
    (`staging/src/k8s.io/apimachinery/pkg/api/resource/suffix.go`), so `cpu: 2Gi` is
    2,147,483,648 cores and `500M` is 500,000,000 cores. As a request no node can hold the
    pod (Pending, "Insufficient cpu"); as a limit or quota it bounds nothing. The API
    accepts both without a warning. Usually a memory unit was copied onto CPU, or `M` was
    typed for `m`.

    **Fix.** Write cores as a plain number (`2`, `0.5`) or millicores with `m` (`500m`).
    """
    yield from cpu_suffix(ctx)
