"""priority/value-range: PriorityClass values and names the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.priority._common import classes, value_of
from provisor.k8s.priority import (
    HIGHEST_USER_DEFINABLE_PRIORITY, SYSTEM_PRIORITY_CLASS_PREFIX, priority_class_invalid_message,
    validate_priority_class)


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
        errs = validate_priority_class(d.obj)
        if errs:
            renamed = errs[0].field == "metadata.name"
            yield Hit(d, f"the API server refuses this class (422): "
                         f"{priority_class_invalid_message(d.obj, errs)}",
                      fix="rename the class without the system- prefix" if renamed
                      else f"use a value of at most {HIGHEST_USER_DEFINABLE_PRIORITY}",
                      path=errs[0].path)
            continue
        value = value_of(d)
        if name_of(d.obj).startswith(SYSTEM_PRIORITY_CLASS_PREFIX) or value is None:
            continue
        if value > ceiling:
            yield Hit(d, f"value {value} is above the configured ceiling for user classes "
                         f"(settings.max_user_priority = {ceiling})",
                      fix=f"use a value of at most {ceiling}", path=("value",))
