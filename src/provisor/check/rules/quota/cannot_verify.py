"""quota/cannot-verify: pods a quota will be charged for that the checked set cannot size."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import (
    QuotaView,
    default_pod_usage,
    demand,
    fmt,
    pct,
    tracks_pods,
)


@rule("quota/cannot-verify", "info",
      "A namespace with a ResourceQuota runs pods whose number or size the checked manifests "
      "do not give: the quota's feasibility is not verified for them.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** In a namespace with a ResourceQuota that charges pods: an HPA whose
    scale target is not among the checked manifests (or has no pod template this check
    reads), a DaemonSet when no nodes are given, a PodTemplate without the
    `provisor.dev/max-concurrency` annotation. The message says what is missing. For an HPA,
    when the namespace's LimitRange has defaults, it adds what `maxReplicas` pods would
    charge if each were one container that sets no resources of its own (a lower bound for
    pods that state nothing, not a measurement), per resource against the quota that
    binds first. A namespace with more than three quotas has the first three named and the
    rest counted, so messages stay short however many quotas and HPAs it holds.

    **Why.** The quota feasibility rules (`quota/demand-exceeds-hard`, `quota/headroom`)
    count only what they can size; a quota that looks sufficient may not hold the pods left
    out. Cross-object rules read objects only, so what is not given cannot be verified.

    **Fix.** Check the missing objects together (e.g. `kustomize build | provisor check -`),
    annotate agent PodTemplates with their maximum concurrency, give Node objects or
    `settings.nodes` for DaemonSets; or silence this rule for the object with a reason.
    """
    for nd in demand(ctx).values():
        quotas = [qv for qv in nd.quotas if tracks_pods(qv)]
        if not quotas:
            continue
        names = quota_names(quotas)
        per_pod = default_pod_usage(ctx, nd.name)
        for u in nd.unknown:
            msg = f"cannot verify ResourceQuota {names}: {u.message}"
            if u.count and per_pod is not None:
                est = _estimate(quotas, per_pod[1], u.count)
                if est:
                    msg += (f". At the LimitRange defaults ({per_pod[0]}), {u.count} pods of one "
                            f"container would charge {est}")
            yield Hit(u.doc, msg, fix="check the missing objects together with the quota",
                      path=u.path)


#: How many quota names a message spells out; more are counted, not listed, so that a
#: namespace with many quotas and many HPAs gives messages of bounded size.
NAMES_SHOWN = 3


def quota_names(quotas: list[QuotaView]) -> str:
    """``a, b`` for up to :data:`NAMES_SHOWN` quotas, else ``a, b, c and N more (M
    ResourceQuotas)`` (names in the order given)."""
    names = [qv.name for qv in quotas]
    if len(names) <= NAMES_SHOWN:
        return ", ".join(names)
    return (f"{', '.join(names[:NAMES_SHOWN])} and {len(names) - NAMES_SHOWN} more "
            f"({len(names)} ResourceQuotas)")


def _estimate(quotas: list[QuotaView], per_pod: dict[str, Fraction], count: int) -> str:
    """What ``count`` pods at ``per_pod`` would charge, per quota resource, against the quota
    that binds first for that resource (the largest share of its hard; the quota is named
    when several set the resource): one entry per resource, however many quotas there are."""
    best: dict[str, tuple[Fraction | float, str, str]] = {}  # resource -> share, text, quota
    setters: dict[str, int] = {}
    for qv in quotas:
        for k, h in qv.hard.items():
            v = per_pod.get(k)
            if not v or k in ("count/pods",):
                continue
            total = v * count
            share_v: Fraction | float = total / h.value if h.value > 0 else float("inf")
            share = f" ({pct(share_v)})" if h.value > 0 else ""
            setters[k] = setters.get(k, 0) + 1
            old = best.get(k)
            if old is None or share_v > old[0]:
                best[k] = (share_v, f"{k} {fmt(total, h)} of {h}{share}", qv.name)
    # dicts keep first-insertion order: resources in the order the quotas name them
    return ", ".join(text if setters[k] == 1 else
                     f"{text} in {name}, the tightest of {setters[k]} quotas"
                     for k, (_, text, name) in best.items())
