"""priority/preemptible-at-zero: pods left at the default priority that the set's classes
preempt."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.priority._common import class_name_of
from provisor.check.rules.priority._zero import preemptors, relevant_classes, unnamed_priority
from provisor.check.rules.workload._basics import ARGO_KINDS, all_workloads


@rule("priority/preemptible-at-zero", "warning",
      "Pods that name no PriorityClass get priority 0 (no globalDefault) while a class of the "
      "set may preempt them: they are the scheduler's first victims.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload whose pod template names no `priorityClassName`, in a set
    whose PriorityClasses (those that apply to it) include no `globalDefault` class, so its
    pods get priority 0, while some class has a higher value and a `preemptionPolicy` other than `Never` (the default is
    `PreemptLowerPriority`, `pkg/apis/scheduling/v1/defaults.go`).

    **Why.** When a pod of the higher class cannot be scheduled, the scheduler's
    DefaultPreemption plugin (`pkg/scheduler/framework/plugins/defaultpreemption`) deletes
    lower-priority pods to make room, lowest priority first: the pods left at 0 are the
    first victims, ahead of everything the author did classify. A PodDisruptionBudget is
    respected only on a best-effort basis by preemption. Usually the author forgot the
    class on this workload (a service, a controller) rather than chose to make it the
    cheapest thing in the cluster.

    **Fix.** Give the workload a `priorityClassName`; or, if it is meant to be preemptible,
    say so with an explicit low class (and silence this rule on it with the reason).
    """
    for w in all_workloads(ctx):
        if w.kind in ARGO_KINDS:
            continue
        name, _path = class_name_of(w)
        if name is not None:
            continue
        pcs = relevant_classes(ctx, w)
        if not pcs:
            continue
        prio, dflt = unnamed_priority(pcs)
        if dflt is not None:
            continue  # a deliberate cluster default: priority/class-not-set
        over = preemptors(pcs, prio)
        if not over:
            continue
        at = "priority 0 (no class is globalDefault)"
        shown = ", ".join(f"{n} ({v})" for n, v in over[:4]) + (
            f" and {len(over) - 4} more" if len(over) > 4 else "")
        yield Hit(w.doc,
                  f"{describe(w)}: its pods name no priorityClassName, so they get {at}; "
                  f"pods of {shown} may preempt them (preemptionPolicy is not Never): they "
                  f"are the first evicted when those cannot be scheduled",
                  fix="set priorityClassName on the pod template (an explicit low class if "
                      "it is meant to be preemptible)",
                  path=w.spec_path)
