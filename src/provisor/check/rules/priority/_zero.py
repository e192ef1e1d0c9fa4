"""Shared by ``priority/class-not-set`` and ``priority/preemptible-at-zero``: the priority a
pod that names no class gets, and the classes that can preempt it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisor.check.context import name_of
from provisor.check.rules.priority._common import classes, value_of

if TYPE_CHECKING:
    from provisor.check.context import Context, Workload
    from provisor.manifests import Document


def relevant_classes(ctx: "Context", w: "Workload") -> list["Document"]:
    """The PriorityClasses of the set that apply to ``w`` (see ``Context.in_scope``)."""
    return [d for d in classes(ctx) if ctx.in_scope(w.namespace, d.file)]


def unnamed_priority(pcs: list["Document"]) -> tuple[int, str | None]:
    """(priority, class name) a pod without ``priorityClassName`` gets from the Priority
    admission plugin: the global default's value (the lowest of several), else 0
    (``getDefaultPriority``, plugin/pkg/admission/priority/admission.go)."""
    from provisor.k8s.priority import default_priority_class

    dpc = default_priority_class([d.obj for d in pcs])
    if dpc is None:
        return 0, None
    v = dpc.get("value")
    return (v if isinstance(v, int) and not isinstance(v, bool) else 0), name_of(dict(dpc))


def preemptors(pcs: list["Document"], priority: int) -> list[tuple[str, int]]:
    """(name, value) of the classes whose pods may preempt a pod of ``priority``: a higher
    value and ``preemptionPolicy`` other than ``Never`` (default ``PreemptLowerPriority``,
    pkg/apis/scheduling/v1/defaults.go; the scheduler's DefaultPreemption plugin skips
    ``Never``, pkg/scheduler/framework/plugins/defaultpreemption)."""
    out: list[tuple[str, int]] = []
    for d in pcs:
        v = value_of(d)
        pol: Any = d.obj.get("preemptionPolicy")
        if v is None or v <= priority or pol == "Never":
            continue
        out.append((name_of(d.obj), v))
    out.sort(key=lambda t: (-t[1], t[0]))
    return out
