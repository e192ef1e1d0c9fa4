"""priority/multiple-global-default: a second globalDefault PriorityClass."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.priority._common import classes, is_global_default


@rule("priority/multiple-global-default", "error",
      "More than one PriorityClass has globalDefault: true; the API refuses all but the first.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** Every PriorityClass with `globalDefault: true` after the first one in
    the checked set (in load order, the order `kubectl apply` creates them).

    **Why.** The Priority admission plugin refuses a PriorityClass marked as default while
    another default exists (kubernetes/kubernetes `plugin/pkg/admission/priority/
    admission.go`, `validatePriorityClass`): `priorityclasses.scheduling.k8s.io "b" is
    forbidden: PriorityClass a is already marked as default. Only one default can exist`.
    The apply fails part-way; and if a race lets two exist, pods get the one with the lowest
    value (`getDefaultPriorityClass`).

    **Fix.** Keep at most one `globalDefault: true` in the cluster (a platform bundle should
    normally set none: see `priority/global-default`).
    """
    first = None
    for d in classes(ctx):
        if not is_global_default(d):
            continue
        if first is None:
            first = d
            continue
        if name_of(d.obj) == name_of(first.obj):
            continue  # the same class again: an update of it, which the plugin allows
        yield Hit(d, f'the API server refuses this class: priorityclasses.scheduling.k8s.io '
                     f'"{name_of(d.obj)}" is forbidden: PriorityClass {name_of(first.obj)} is '
                     f'already marked as default. Only one default can exist',
                  fix=f"set globalDefault: false here (or on {name_of(first.obj)})",
                  path=("globalDefault",))
