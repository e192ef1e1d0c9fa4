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
    pods that state nothing, not a measurement).

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
        names = ", ".join(qv.name for qv in quotas)
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


def _estimate(quotas: list[QuotaView], per_pod: dict[str, Fraction], count: int) -> str:
    parts: list[str] = []
    for qv in quotas:
        for k, h in qv.hard.items():
            v = per_pod.get(k)
            if not v or k in ("count/pods",):
                continue
            total = v * count
            share = f" ({pct(total / h.value)})" if h.value > 0 else ""
            parts.append(f"{k} {fmt(total, h)} of {h}{share}")
    return ", ".join(dict.fromkeys(parts))
