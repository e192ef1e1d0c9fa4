"""quota/agent-fit: how many agents of each class a quota holds."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import Entry, QuotaView, demand, fmt, pct

_NON_AGENT = ("hpa", "replicas", "claim", "object")


@rule("quota/agent-fit", "info",
      "How many pods of each agent class (PodTemplate with provisor.dev/max-concurrency) a "
      "ResourceQuota holds, alone and together, and which dimension binds.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** For every ResourceQuota charged by agent pods (PodTemplates annotated
    with `provisor.dev/max-concurrency`): beside everything else in the namespace at its
    configured maximum (HPAs at `maxReplicas`, replicas, claims, objects), how many pods of
    each agent class fit *alone* and which quota dimension stops them; and whether all
    classes fit *together* at their configured concurrency, and if not, which dimension
    binds first and what share of the configured concurrency fits. Pods are sized after the
    LimitRange defaults, charged as the quota evaluator charges them.

    **Why.** Each agent run is a pod charged to the quota
    (`pkg/quota/v1/evaluator/core/pods.go`); once a dimension is used up the API refuses
    the next run (`exceeded quota`). The binding dimension is often not the one the quota
    seems to be about (a `pods: 30` that can never be reached because `requests.cpu` runs
    out at 10 agents).

    **Fix.** Nothing to fix by itself; align the agent concurrency annotations and the quota
    so that the configured concurrency fits with headroom (see `quota/demand-exceeds-hard`).
    """
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            agents = [e for e in qv.entries if e.source == "agent"]
            if not agents:
                continue
            base = qv.total(_NON_AGENT)
            avail = {k: h.value - base.get(k, Fraction(0)) for k, h in qv.hard.items()}
            alone = [_alone(qv, e, avail) for e in agents]
            together = _together(qv, agents, avail)
            yield Hit(qv.doc,
                      f"ResourceQuota {qv.name}: beside the other workloads at their maximum, "
                      f"alone: {'; '.join(alone)}. {together}",
                      fix=None, path=("spec", "hard"))


def _alone(qv: QuotaView, e: Entry, avail: dict[str, Fraction]) -> str:
    best: tuple[int, str] | None = None
    for k, left in avail.items():
        u = e.usage.get(k)
        if not u:
            continue
        n = max(0, math.floor(left / u))
        if best is None or n < best[0]:
            best = (n, k)
    if best is None:
        return f"{e.agent}: not limited by this quota (configured {e.count})"
    n, k = best
    return (f"{e.agent}: {n} fit ({k} binds, {fmt(e.usage[k], qv.hard[k])} per pod; "
            f"configured {e.count})")


def _together(qv: QuotaView, agents: list[Entry], avail: dict[str, Fraction]) -> str:
    need = {k: sum((e.usage.get(k, Fraction(0)) * e.count for e in agents), Fraction(0))
            for k in qv.hard}
    config = ", ".join(f"{e.agent} {e.count}" for e in agents)
    scale: tuple[Fraction, str] | None = None
    for k, n in need.items():
        if n <= 0:
            continue
        f = max(Fraction(0), avail[k]) / n
        if scale is None or f < scale[0]:
            scale = (f, k)
    if scale is None:
        return f"Together at their configured concurrency ({config}) they charge nothing it limits."
    f, k = scale
    if f >= 1:
        return (f"Together at their configured concurrency ({config}) they fit; the tightest "
                f"dimension is {k} ({fmt(need[k], qv.hard[k])} of the "
                f"{fmt(max(avail[k], Fraction(0)), qv.hard[k])} left)")
    fits = ", ".join(f"{e.agent} {math.floor(f * e.count)} of {e.count}" for e in agents)
    return (f"Together at their configured concurrency ({config}) they need {k} "
            f"{fmt(need[k], qv.hard[k])} of the {fmt(max(avail[k], Fraction(0)), qv.hard[k])} "
            f"left: {k} binds first and about {pct(f)} of the configured concurrency fits "
            f"({fits})")
