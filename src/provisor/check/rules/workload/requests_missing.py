"""workload/requests-missing: pods that a quota tracking ephemeral storage cannot bound."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.quota._demand import demand

_EPHEMERAL = ("requests.ephemeral-storage", "ephemeral-storage", "limits.ephemeral-storage")


@rule("workload/requests-missing", "warning",
      "A quota tracks ephemeral-storage while a workload's pods state none: the quota charges "
      "them nothing and does not bound their disk use.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload whose pods, after LimitRange defaults, state no
    `ephemeral-storage` request (or limit) while a ResourceQuota of the namespace, whose
    scopes they match, tracks `requests.ephemeral-storage`, `ephemeral-storage` or
    `limits.ephemeral-storage`.

    Requests needed elsewhere have their own rules: cpu/memory values a quota tracks are
    `quota/requires-requests` (the pods are refused), requests an HPA Utilization metric
    needs are `hpa/utilization-requests`.

    **Why.** Unlike cpu and memory, the quota evaluator does not require ephemeral-storage
    to be stated (`pkg/quota/v1/evaluator/core/pods.go`: only cpu and memory are in the
    validation set); a pod that states none is admitted and charged 0, so the quota limits
    nothing about it while the pod still writes to the node's disk (logs, `emptyDir`,
    the writable layer). Node-pressure eviction then picks such pods first
    (`pkg/kubelet/eviction/helpers.go` ranks pods by usage above their request).

    **Fix.** State `ephemeral-storage` requests and limits on the containers, or add them as
    LimitRange `defaultRequest` / `default`.
    """
    from provisor.k8s.quota import PodEvaluator

    ev = PodEvaluator()
    for nd in demand(ctx).values():
        for qv in nd.quotas:
            keys = [k for k in _EPHEMERAL if k in qv.hard]
            if not keys:
                continue
            for e in nd.entries:
                if e.kind != "pod" or e.workload is None:
                    continue
                missing = [k for k in keys if k not in e.usage]
                if not missing:
                    continue
                try:
                    if not ev.matches(qv.norm, e.obj):
                        continue
                except Exception:
                    continue  # an invalid scope selector: the API refuses the quota itself
                w = e.workload
                yield Hit(w.doc,
                          f"{describe(w)}: ResourceQuota {qv.name} tracks "
                          f"{', '.join(missing)}, but its pods state no ephemeral-storage "
                          f"{'limit' if missing == ['limits.ephemeral-storage'] else 'request'}"
                          f" (after LimitRange defaults): they are charged nothing and their "
                          f"disk use is not bounded by the quota",
                          fix="set resources.requests/limits.ephemeral-storage on every "
                              "container, or a LimitRange defaultRequest/default for it",
                          path=(*w.spec_path, "containers"))
