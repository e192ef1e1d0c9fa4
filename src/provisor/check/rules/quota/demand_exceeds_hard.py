"""quota/demand-exceeds-hard: the namespace's demand at the configured maximum does not fit
its ResourceQuota."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, namespace_text
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import contributors, demand, fmt, loads, pct


@rule("quota/demand-exceeds-hard", "error",
      "At the configured maximum (HPA maxReplicas, replicas, agent concurrency, claims) the "
      "namespace needs more than a ResourceQuota's hard limit.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A ResourceQuota some of whose `hard` limits are below what the
    namespace's objects need at their configured maximum: every workload under an HPA at
    `maxReplicas`, other workloads at `spec.replicas`, Jobs at `parallelism`, agent
    PodTemplates at their `provisor.dev/max-concurrency`, every claim (objects,
    `volumeClaimTemplates` x replicas, ephemeral volumes x pods) and every other object's
    count. Pods are charged as the API server admits them: after the LimitRange's defaults,
    with exactly the keys the quota evaluator charges (`requests.cpu` and bare `cpu`,
    `limits.memory`, `pods`, `count/pods`, storage-class keys...), and only to quotas whose
    scopes they match. The finding names every exceeded dimension, the one that binds first,
    and the largest contributors to it.

    **Why.** The ResourceQuota admission plugin refuses any create that would take `used`
    above `hard` (`staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/
    controller.go`, `CheckRequest`: `exceeded quota: ..., requested: ..., used: ...,
    limited: ...`). The HPA then asks for replicas its ReplicaSet cannot create
    (`FailedCreate`), agent runs fail to start, and a StatefulSet stops at the first claim
    that does not fit. Nothing fails at apply time: the shortfall shows only at peak load.

    **Fix.** Raise the quota's limit for the named dimensions (with headroom, see
    `quota/headroom`), or lower the maxima: `maxReplicas`, replicas, agent concurrency, or
    the per-pod requests and limits (the LimitRange defaults count for pods that set none).
    """
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            if not qv.entries:
                continue
            ls = loads(qv)
            over = [ld for ld in ls if ld.ratio is not None and ld.demand > ld.hard.value]
            if not over:
                continue
            first = ls[0]
            parts = ", ".join(ld.text for ld in over)
            if first.ratio == float("inf"):
                bind = f"{first.key} binds first: its hard limit is 0, nothing that charges it fits"
            else:
                assert first.ratio is not None
                bind = (f"{first.key} binds first: it runs out at {pct(1 / first.ratio)} of the "
                        f"maximum load")
            single = []
            for ld in over:
                for e in qv.entries:
                    v = e.usage.get(ld.key)
                    if v and v > ld.hard.value:
                        single.append(f"one {'pod' if e.kind == 'pod' else 'copy'} of "
                                      f"{e.label} alone charges {ld.key} "
                                      f"{fmt(v, ld.hard)} > {ld.hard}: it can never be created")
            msg = (f"ResourceQuota {qv.name}: at the configured maximum "
                   f"{namespace_text(nd.name)} needs {parts}. {bind}. Largest charges to "
                   f"{first.key}: {contributors(qv, first.key)}")
            if single:
                msg += ". " + "; ".join(dict.fromkeys(single))
            yield Hit(qv.doc, msg,
                      fix=f"raise hard {', '.join(ld.key for ld in over)} to at least "
                          f"{', '.join(fmt(ld.demand, ld.hard) for ld in over)} (plus headroom), "
                          f"or lower maxReplicas / replicas / agent concurrency / per-pod "
                          f"requests and limits",
                      path=("spec", "hard", first.key))
