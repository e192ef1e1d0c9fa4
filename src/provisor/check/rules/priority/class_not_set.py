"""priority/class-not-set: a pod template that names no PriorityClass."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.priority._common import class_name_of
from provisor.check.rules.priority._zero import preemptors, relevant_classes, unnamed_priority
from provisor.check.rules.workload._basics import ARGO_KINDS, all_workloads


@rule("priority/class-not-set", "info",
      "A pod template names no priorityClassName although the set defines PriorityClasses "
      "(under --profile strict: always).",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload (every pod-producing kind; Argo templates are not judged,
    their pods take the workflow's `podPriorityClassName`) whose pod template sets no
    `priorityClassName`, when the checked set defines PriorityClasses that apply to it: the
    author has a priority scheme and this workload is outside it. Under `--profile strict`
    it is flagged even when the set defines no class (Polaris `priorityClassNotSet`). When
    a class can preempt the pod at the priority it gets, the stronger
    `priority/preemptible-at-zero` reports it instead.

    **Why.** The Priority admission plugin gives a pod without a class the value of the
    `globalDefault` class, else 0 (`plugin/pkg/admission/priority/admission.go`,
    `getDefaultPriority`). Its place in the scheduling queue and in preemption is then
    decided by whatever the cluster's default is, not by the author; the message says
    which classes may preempt it.

    Profiles: on in `default` (when the set defines classes) and `strict` (always).

    **Fix.** Set `priorityClassName` on the pod template to one of the set's classes.
    """
    strict = getattr(ctx, "profile", "default") == "strict"
    for w in all_workloads(ctx):
        if w.kind in ARGO_KINDS:
            continue
        name, _path = class_name_of(w)
        if name is not None:
            continue
        pcs = relevant_classes(ctx, w)
        if not pcs and not strict:
            continue
        prio, dflt = unnamed_priority(pcs)
        if pcs and dflt is None and preemptors(pcs, prio):
            continue  # priority/preemptible-at-zero
        over = preemptors(pcs, prio) if pcs else []
        gets = (f"the globalDefault class {dflt} (priority {prio})"
                + (f", below {', '.join(n for n, _v in over[:3])}, which may preempt them"
                   if over else "") if dflt else
                "priority 0 (no globalDefault class in the set)" if pcs else
                "the cluster's globalDefault class, or priority 0")
        have = ", ".join(sorted({name_of(d.obj) for d in pcs} - {""}))
        yield Hit(w.doc,
                  f"{describe(w)}: its pods name no priorityClassName"
                  f"{f' while the set defines {have}' if have else ''}; they get {gets}",
                  fix="set priorityClassName on the pod template"
                      f"{f' (one of: {have})' if have else ''}",
                  path=w.spec_path)
