"""alert/missing-severity: an alerting rule without a severity label."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._alerts import alerts, group_of


@rule("alert/missing-severity", "warning", "An alerting rule has no `severity` label.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule with no non-empty `severity` label, in its own
    `labels` or in its group's `labels`.

    **Why.** Alertmanager routes, inhibits and silences on labels
    (alertmanager config `route.matchers`, `inhibit_rules`); the kube-prometheus and
    kubernetes-mixin conventions route on `severity` (`critical` pages, `warning` tickets,
    `info` is inhibited). An alert without it falls through to the default receiver, and an
    `inhibit_rules` entry keyed on severity never applies to it.

    **Fix.** Add `labels: {severity: critical|warning|info}`.
    """
    for doc, path, r, ref in alerts(ctx):
        labels = r.get("labels")
        sev = labels.get("severity") if isinstance(labels, dict) else None
        if not sev:
            glabels = group_of(doc, path).get("labels")
            sev = glabels.get("severity") if isinstance(glabels, dict) else None
        if not sev:
            where = (*path, "labels") if isinstance(labels, dict) else (*path, "alert")
            yield Hit(doc, f"alert {r.get('alert')}: no `severity` label; Alertmanager routes "
                           "and inhibition rules keyed on severity do not apply to it",
                      fix="add labels: {severity: warning} (or critical / info)",
                      path=where, obj=ref)
