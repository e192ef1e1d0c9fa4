"""vpa/updates-blocked-min-replicas: an evicting VPA on a workload with too few pods."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, object_text
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import hpas_of_workload, max_replicas, min_replicas
from provisor.check.rules.vpa._common import targets, update_mode
from provisor.check.rules.vpa.evicts_run_to_completion import DEFAULT_MIN_REPLICAS, EVICTING


@rule("vpa/updates-blocked-min-replicas", "warning",
      "An evicting VPA on a workload that runs fewer pods than the updater's minimum: "
      "recommendations are never applied.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose update mode evicts to apply a
    recommendation (`Recreate`, the default; `Auto`; `InPlaceOrRecreate`) on a Deployment,
    StatefulSet, ReplicaSet or ReplicationController that runs fewer pods than the updater
    requires: `spec.replicas` (1 when unset) or, under an HPA, its `maxReplicas` below the
    requirement (always blocked) or its `minReplicas` below it (blocked whenever the HPA sits
    at its minimum). The requirement is `spec.updatePolicy.minReplicas`, else the updater's
    `--min-replicas` (default 2; `.provisor.yaml` `settings.vpa_min_replicas`).
    Run-to-completion targets are `vpa/evicts-run-to-completion`'s.

    **Why.** The updater evicts pods of a controller only when at least that many of its
    pods are alive; with fewer it logs "too few replicas for ReplicaSet ... Found 1 live pods"
    and moves on (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/updater/restriction/
    pods_restriction_factory.go`; kubernetes/autoscaler#1665, #2388, #9157). The VPA status
    shows a recommendation, so users assume it is applied; the new requests land only when
    something else re-creates the pod (a rollout, a drain). The VPA then works like
    `Initial`.

    **Fix.** If a short outage per resize is acceptable, set
    `updatePolicy.minReplicas: 1`; otherwise say `updateMode: Initial` explicitly (or run two
    replicas).
    """
    floor_default = int(getattr(ctx.settings, "vpa_min_replicas", DEFAULT_MIN_REPLICAS))
    for d in ctx.kind("VerticalPodAutoscaler"):
        mode = update_mode(d.obj)
        if mode not in EVICTING:
            continue
        required = dig(d.obj, "spec", "updatePolicy", "minReplicas")
        if isinstance(required, int) and not isinstance(required, bool) and required >= 1:
            floor, floor_text = required, f"updatePolicy.minReplicas {required}"
        else:
            floor, floor_text = floor_default, (
                f"the updater's --min-replicas (default {DEFAULT_MIN_REPLICAS})"
                if floor_default == DEFAULT_MIN_REPLICAS else
                f"the updater's --min-replicas ({floor_default}, settings.vpa_min_replicas)")
        if floor <= 1:
            continue
        explicit = dig(d.obj, "spec", "updatePolicy", "updateMode") is not None
        mode_text = f"updateMode {mode}" if explicit else "updateMode Recreate (the default)"
        path = ("spec", "updatePolicy", "updateMode") if explicit else ("spec",)
        for w in targets(ctx, d).workloads:
            if w.run_to_completion or not w.scalable:
                continue
            where = object_text(w.kind, w.namespace, w.name)
            hpas = hpas_of_workload(ctx, w)
            if hpas:
                h = hpas[0]
                lo, hi = min_replicas(h.obj), max_replicas(h.obj)
                hname = dig(h.obj, "metadata", "name")
                if hi is not None and hi < floor:
                    count = f"HPA {hname} keeps it at {hi} replica(s) at most (maxReplicas)"
                    when = "never evicts"
                elif lo is not None and lo < floor:
                    count = f"HPA {hname} can scale it down to {lo} replica(s) (minReplicas)"
                    when = "evicts nothing while the HPA sits at its minimum"
                else:
                    continue
            else:
                n = w.replicas if w.replicas is not None else 1
                if n >= floor:
                    continue
                count = (f"it runs {n} replica(s)" + ("" if w.replicas is not None
                                                      else " (spec.replicas unset)"))
                when = "never evicts"
            yield Hit(d, f"{mode_text} on {where}: {count}, and the VPA updater evicts only "
                         f"from controllers with at least {floor} live pods ({floor_text}), "
                         f"so it {when} (\"too few replicas\"): recommendations are computed "
                         "but not applied until something else re-creates the pod, as with "
                         "updateMode Initial",
                      fix="set updatePolicy.minReplicas: 1 if a short outage per resize is "
                          "acceptable; else say updateMode: Initial explicitly (or run "
                          f"{floor} replicas)",
                      path=path)
