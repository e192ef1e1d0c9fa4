"""priority/value-range: PriorityClass values and names the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.priority._common import (
    HIGHEST_USER_DEFINABLE_PRIORITY, SYSTEM_CLASSES, SYSTEM_PREFIX, classes, pc_invalid,
    value_of)


@rule("priority/value-range", "error",
      "A PriorityClass value above 1e9 (or the configured ceiling), or a reserved system- name.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PriorityClass whose `value` is above `HighestUserDefinablePriority`
    (1,000,000,000); one whose name starts with `system-` but is not one of the built-in
    classes with their exact value and `globalDefault`; and a value above
    `.provisor.yaml` `settings.max_user_priority` when that is set lower than the API's
    ceiling (a platform convention).

    **Why.** The API server validates PriorityClasses (kubernetes/kubernetes
    `pkg/apis/scheduling/validation/validation.go`, `ValidatePriorityClass`, with
    `IsKnownSystemPriorityClass` of `pkg/apis/scheduling/v1/helpers.go`) and answers 422:
    `value: Forbidden: maximum allowed value of a user defined priority is 1000000000`, or
    `metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for
    system use only. error: ...`. Values above the ceiling belong to `system-cluster-critical`
    (2,000,000,000) and `system-node-critical` (2,000,001,000), so that no workload outranks
    the node's own agents.

    **Fix.** Keep user classes at or below 1,000,000,000 (well below, to leave room), and do
    not name them `system-...`.
    """
    ceiling = ctx.settings.max_user_priority
    for d in classes(ctx):
        name = name_of(d.obj)
        value = value_of(d)
        if name.startswith(SYSTEM_PREFIX):
            known = SYSTEM_CLASSES.get(name)
            gd = d.obj.get("globalDefault") is True
            if known is None:
                err = f"{name} is not a known system priority class"
            elif value is not None and value != known[0]:
                err = f"value of {name} PriorityClass must be {known[0]}"
            elif gd != known[1]:
                err = f"globalDefault of {name} PriorityClass must be {str(known[1]).lower()}"
            else:
                continue
            msg = ("metadata.name: Forbidden: priority class names with 'system-' prefix are "
                   f"reserved for system use only. error: {err}")
            yield Hit(d, f"the API server refuses this class (422): {pc_invalid(d.obj, [msg])}",
                      fix="rename the class without the system- prefix",
                      path=("metadata", "name"))
            continue
        if value is None:
            continue
        if value > HIGHEST_USER_DEFINABLE_PRIORITY:
            msg = ("value: Forbidden: maximum allowed value of a user defined priority is "
                   f"{HIGHEST_USER_DEFINABLE_PRIORITY}")
            yield Hit(d, f"the API server refuses this class (422): {pc_invalid(d.obj, [msg])}",
                      fix=f"use a value of at most {HIGHEST_USER_DEFINABLE_PRIORITY}",
                      path=("value",))
        elif value > ceiling:
            yield Hit(d, f"value {value} is above the configured ceiling for user classes "
                         f"(settings.max_user_priority = {ceiling})",
                      fix=f"use a value of at most {ceiling}", path=("value",))
