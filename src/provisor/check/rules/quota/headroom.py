"""quota/headroom: the demand at the configured maximum leaves less headroom than asked."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import contributors, demand, fmt, loads, pct
from provisor.quantity import Quantity


@rule("quota/headroom", "warning",
      "At the configured maximum a ResourceQuota dimension fits under hard but without the "
      "buffer settings.quota_buffer asks for (default 20% over the maximum).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A ResourceQuota dimension whose demand at the configured maximum
    (computed as for `quota/demand-exceeds-hard`) fits under `hard` but leaves less than
    `settings.quota_buffer` over it: demand x (1 + buffer) > hard. The default 0.2 is the
    spec's "buffer capacity (20% over expected usage)": the demand may take up to 83.3% of
    hard.

    **Why.** The quota is also charged for what the maximum does not show: a Deployment
    rollout's surge pods (`maxSurge`, 25% by default, exist next to the old ones,
    `pkg/controller/deployment/rolling.go`), pods still terminating (charged until they are
    gone, `pkg/quota/v1/evaluator/core/pods.go` `QuotaV1Pod`), Jobs retried after a
    failure, and anything created by hand. A quota that the maximum fills to the brim
    refuses those (`exceeded quota`), and the failure shows at the worst time: at peak load,
    during a deploy.

    **Fix.** Raise the named limits to the maximum demand x (1 + buffer), or lower the
    maxima. Tune the buffer with `settings.quota_buffer` in `.provisor.yaml`.
    """
    buffer = ctx.settings.quota_buffer
    share = 1 / (1 + buffer)
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            if not qv.entries:
                continue
            near = [ld for ld in loads(qv) if ld.ratio is not None and ld.ratio != float("inf")
                    and ld.demand <= ld.hard.value and ld.ratio > share and ld.demand > 0]
            if not near:
                continue
            first = near[0]
            yield Hit(
                qv.doc,
                f"ResourceQuota {qv.name}: at the configured maximum "
                f"{', '.join(ld.text for ld in near)}: above the {pct(share)} line that a "
                f"{pct(buffer)} buffer over the maximum allows (settings.quota_buffer); no room "
                f"left for rollout surge, terminating pods "
                f"or retries. Largest charges to {first.key}: {contributors(qv, first.key)}",
                fix=f"raise hard {first.key} to at least "
                    f"{_needed(first.demand, share, first.key, first.hard)}, or lower the maxima",
                path=("spec", "hard", first.key))


def _needed(demand: Fraction, share: float, key: str, like: Quantity) -> str:
    """``demand / share``, rounded up to a millicore for cpu names and to a whole unit
    otherwise, printed in the hard limit's format."""
    if share <= 0:
        return fmt(demand, like)
    need = demand / Fraction(share).limit_denominator(10**6)
    unit = Fraction(1, 1000) if key.split(".")[-1] == "cpu" else Fraction(1)
    return fmt(math.ceil(need / unit) * unit, like)
