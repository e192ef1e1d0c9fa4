"""priority/multiple-global-default: a second globalDefault PriorityClass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.priority._common import classes


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
    from provisor.k8s import AdmissionError
    from provisor.k8s.priority import admit_priority_class

    stored: dict[str, dict[str, Any]] = {}  # name -> the class as applied so far
    for d in classes(ctx):
        name = name_of(d.obj)
        try:
            admit_priority_class(d.obj, stored.values(),
                                 operation="UPDATE" if name in stored else "CREATE")
        except AdmissionError as exc:
            yield Hit(d, f"the API server refuses this class: {exc.message}",
                      fix=f"set globalDefault: false here (or on {_default_name(stored)})",
                      path=("globalDefault",))
            continue
        stored[name] = d.obj


def _default_name(stored: dict[str, dict[str, Any]]) -> str:
    from provisor.k8s.priority import default_priority_class

    dpc = default_priority_class(stored.values())
    return name_of(dict(dpc)) if dpc is not None else ""
