"""vpa/evicts-run-to-completion: a VPA that may evict pods that run to completion."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, object_text
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import concurrent_pods
from provisor.check.rules.vpa._common import targets, update_mode

#: Update modes in which the updater may evict (InPlaceOrRecreate falls back to eviction).
EVICTING = ("Recreate", "Auto", "InPlaceOrRecreate")
#: The updater's ``--min-replicas`` default (pkg/updater/main.go).
DEFAULT_MIN_REPLICAS = 2


@rule("vpa/evicts-run-to-completion", "error",
      "A VPA in Recreate/Auto/InPlaceOrRecreate mode targets pods that run to completion.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler whose update mode lets the updater evict
    (`Recreate`, the default when `updatePolicy` is absent; the deprecated `Auto`, which is
    `Recreate`; `InPlaceOrRecreate`, which evicts when an in-place resize is infeasible) and
    whose target runs to completion: a Job or CronJob, or pods with `restartPolicy: Never`
    or `OnFailure` (agent pods). The target is the `targetRef`, or, when the targetRef is
    unusable, the workloads its `targetRef.selector` was meant to match.

    **Why.** The updater evicts a running pod whose requests fall outside the recommended
    range (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/updater/`), from any group of
    pods sharing a controller that has at least `updatePolicy.minReplicas` live pods (the
    updater's `--min-replicas`, 2 by default; each Job is its own group, sized by its
    `parallelism`: `pkg/updater/restriction/pods_restriction_factory.go`). A run-to-completion
    pod does not resume: the work in progress is lost, the Job counts the eviction as a
    failed attempt toward `backoffLimit` (unless a `podFailurePolicy` ignores
    `DisruptionTarget`), and the replacement starts over. `Initial` gives the same sizing
    benefit at pod creation without ever evicting (`types.go`, `UpdateModeInitial`).

    **Fix.** Use `updateMode: Initial` for run-to-completion pods (or `Off` to only read the
    recommendations); keep `Recreate`/`InPlaceOrRecreate` for long-running services.
    """
    for d in ctx.kind("VerticalPodAutoscaler"):
        mode = update_mode(d.obj)
        if mode not in EVICTING:
            continue
        t = targets(ctx, d)
        explicit = dig(d.obj, "spec", "updatePolicy", "updateMode") is not None
        mode_text = f"updateMode {mode}" if explicit else "updateMode Recreate (the default)"
        required = dig(d.obj, "spec", "updatePolicy", "minReplicas")
        if not isinstance(required, int) or isinstance(required, bool) or required < 1:
            required = None
        floor = required or DEFAULT_MIN_REPLICAS
        floor_text = (f"updatePolicy.minReplicas {required}" if required else
                      f"the updater's --min-replicas (default {DEFAULT_MIN_REPLICAS})")
        path = ("spec", "updatePolicy", "updateMode") if explicit else ("spec",)
        rtc = [w for w in t.workloads if w.run_to_completion]
        if not rtc and not t.workloads and t.kind in ("Job", "CronJob"):
            yield Hit(d, f"{mode_text} on {t.via}: a {t.kind}'s pods run to completion, and the "
                         f"updater evicts running pods to resize them once a Job runs "
                         f"{floor} or more pods at once ({floor_text}), losing the work in "
                         f"progress; Initial sizes pods at creation without evicting",
                      fix="use updateMode: Initial (or Off) for run-to-completion pods",
                      path=path)
            continue
        for w in rtc:
            n = concurrent_pods(w)
            why = (f"{w.kind}" if w.kind in ("Job", "CronJob")
                   else f"{w.kind} with restartPolicy {w.restart_policy}")
            if w.kind in ("Job", "CronJob"):
                group = (f"each Job runs up to {n} pod(s) at once (parallelism), "
                         + ("so the updater may evict them" if n is not None and n >= floor else
                            f"below {floor_text}, which spares them only until parallelism "
                            f"or minReplicas changes"))
            elif w.kind == "Pod":
                group = ("a bare Pod is not updated by the VPA (no controller), but the "
                         "same mode on its controller would evict it")
            else:
                group = (f"up to {n} run at once" if n else "its concurrency is unknown") + \
                        (f"; the updater evicts from a group of {floor} or more live pods "
                         f"sharing a controller ({floor_text})")
            intended = (" (as intended: the targetRef itself is unusable, see vpa/target-ref)"
                        if t.intended else "")
            where = object_text(w.kind, w.namespace, w.name)
            yield Hit(d, f"{mode_text} on {where}, found via "
                         f"{t.via}{intended}: its pods run to completion ({why}), and the updater "
                         f"evicts a running pod to apply a new recommendation, losing the work "
                         f"in progress; {group}; Initial sizes pods at creation without evicting",
                      fix="use updateMode: Initial (or Off) for run-to-completion pods",
                      path=path)
