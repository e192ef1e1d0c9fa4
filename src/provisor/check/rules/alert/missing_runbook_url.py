"""alert/missing-runbook-url: an alerting rule without a runbook_url annotation."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._alerts import alerts


@rule("alert/missing-runbook-url", "info",
      "An alerting rule has no `runbook_url` annotation.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule without a non-empty `runbook_url` annotation.

    **Why.** The annotation is where the person paged finds what the alert means and what to
    do (Prometheus docs, alerting rules: annotations carry "longer additional information
    such as ... runbook links"; every kube-prometheus and kubernetes-mixin alert carries one,
    and Alertmanager templates and Grafana link to it).

    **Fix.** Add `annotations: {runbook_url: https://...}` pointing at the runbook.
    """
    for doc, path, r, ref in alerts(ctx):
        ann = r.get("annotations")
        if not (isinstance(ann, dict) and ann.get("runbook_url")):
            where = (*path, "annotations") if isinstance(ann, dict) else (*path, "alert")
            yield Hit(doc, f"alert {r.get('alert')}: no `runbook_url` annotation",
                      fix="add annotations.runbook_url with the link to the runbook",
                      path=where, obj=ref)
