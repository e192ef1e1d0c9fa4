"""quota/rollout-surge-blocked: a quota the steady state fills, and a rolling update that
must surge before it removes anything."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from provisor.check.context import Context, Hit, dig, object_text
from provisor.check.registry import rule
from provisor.check.rules.quota._demand import demand, fmt, frac


@rule("quota/rollout-surge-blocked", "error",
      "A Deployment's rolling update must create surge pods first (maxUnavailable resolves "
      "to 0), but its steady state leaves no room in the quota: every rollout hangs.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A Deployment with the `RollingUpdate` strategy (the default) whose
    `maxUnavailable` resolves to 0 pods, charged to a ResourceQuota that its namespace's
    steady state (every workload at its configured maximum: HPA `maxReplicas`, else
    `spec.replicas`, as the other `quota/*` rules count it) fits, but with less room left
    than `maxSurge` more of its pods need. `maxSurge` and `maxUnavailable` are resolved
    exactly as the Deployment controller does (`provisor.k8s.deployment.resolve_fenceposts`:
    surge rounds up, unavailable rounds down, both 0 gives unavailable 1; default 25% each,
    so 1 to 3 replicas resolve to surge 1, unavailable 0).

    **Why.** With `maxUnavailable` 0 the controller removes no old pod until a new one is
    Available (kubernetes/kubernetes `pkg/controller/deployment/rolling.go`,
    `reconcileOldReplicaSets`: it may scale old ReplicaSets down by at most
    `maxUnavailable`), and the new ReplicaSet's surge pods are refused by the quota
    (`exceeded quota`, `FailedCreate` on the ReplicaSet). Nothing moves: the rollout stops
    until `progressDeadlineSeconds` marks it `ProgressDeadlineExceeded`, every time. With an
    HPA the deadlock holds whenever it sits at `maxReplicas`.

    **Fix.** Leave room in the quota for `maxSurge` pods of the largest Deployment (a buffer,
    see `quota/headroom`), or let the rollout remove before it adds: `maxUnavailable: 1`
    (or a percentage that resolves to at least 1), or `maxSurge: 0`.
    """
    from provisor.k8s.deployment import IntOrStringError, rolling_update

    for nd in demand(ctx).values():
        for qv in nd.quotas:
            if not qv.entries:
                continue
            total = qv.total()
            hard = {k: frac(q) for k, q in qv.hard.items()}
            if any(total.get(k, Fraction(0)) > h for k, h in hard.items()):
                continue  # the steady state does not fit: quota/demand-exceeds-hard says so
            for e in qv.entries:
                w = e.workload
                if e.kind != "pod" or w is None or w.kind != "Deployment":
                    continue
                try:
                    ru = rolling_update(w.doc.obj, e.count)
                except IntOrStringError:
                    continue  # malformed: the schema check reports it
                if ru is None:
                    continue
                surge, unavailable = ru
                if unavailable > 0 or surge <= 0:
                    continue
                short = []
                for k, h in hard.items():
                    one = e.usage.get(k)
                    if not one:
                        continue
                    need = total.get(k, Fraction(0)) + one * surge
                    if need > h:
                        short.append(f"{k}: steady state {fmt(total.get(k, Fraction(0)), qv.hard[k])}"
                                     f" + {surge} x {fmt(one, qv.hard[k])} = "
                                     f"{fmt(need, qv.hard[k])} > hard {qv.hard[k]}")
                if not short:
                    continue
                ru_spec = dig(w.doc.obj, "spec", "strategy", "rollingUpdate")
                written = ("" if isinstance(ru_spec, dict) and ru_spec else
                           " (the defaults 25%/25%)")
                yield Hit(w.doc,
                          f"a rolling update of {object_text('Deployment', w.namespace, w.name)} "
                          f"at {e.count} replica(s) ({e.why}) resolves to maxSurge {surge}, "
                          f"maxUnavailable 0{written}: it must create {surge} surge pod(s) "
                          f"before removing any old one, but ResourceQuota {qv.name} has no "
                          f"room for them ({'; '.join(short)}): the surge pods are refused "
                          "(exceeded quota) and every rollout hangs until "
                          "ProgressDeadlineExceeded",
                          fix="set strategy.rollingUpdate.maxUnavailable: 1 (or maxSurge: 0), "
                              f"or leave room in ResourceQuota {qv.name} for {surge} more pod(s)",
                          path=("spec", "strategy") if dig(w.doc.obj, "spec", "strategy")
                          else ("spec",))
