"""priority/global-default: a PriorityClass that applies to every pod of the cluster."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.priority._common import class_name_of, classes, is_global_default, \
    value_of


@rule("priority/global-default", "warning",
      "A PriorityClass is globalDefault: it applies to every pod in every namespace.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PriorityClass with `globalDefault: true`.

    **Why.** The Priority admission plugin gives the global default's value (and name) to
    *every* pod created without `priorityClassName`, in every namespace of the cluster: other
    teams' workloads, add-ons, monitoring (kubernetes/kubernetes
    `plugin/pkg/admission/priority/admission.go`, `admitPod` / `getDefaultPriority`). A
    platform bundle that ships one changes the scheduling and preemption order of pods it
    does not own: with a low default, they are preempted first; with a high one, they
    preempt others. Only one default can exist (`priority/multiple-global-default`), so it
    also collides with any the cluster already has. Existing pods are not changed; every
    new pod is.

    **Fix.** Set `globalDefault: false` and give the platform's own pods an explicit
    `priorityClassName`. Leave the cluster default to the cluster's owners.
    """
    for d in classes(ctx):
        if not is_global_default(d):
            continue
        value = value_of(d)
        unnamed = [w for w in ctx.workloads if class_name_of(w)[0] is None]
        here = (f"; {len(unnamed)} workload(s) in the checked set name no class and would get "
                f"it too" if unnamed else "")
        yield Hit(d, f"globalDefault: true: every pod created without priorityClassName, in "
                     f"every namespace of the cluster (other teams, add-ons, monitoring), gets "
                     f"priority {value if value is not None else '?'} from "
                     f"{name_of(d.obj)}, which changes who preempts whom far beyond this "
                     f"bundle{here}",
                  fix="set globalDefault: false and give your pods an explicit priorityClassName",
                  path=("globalDefault",))
