"""dashboard/missing-uid: a provisioned dashboard without a uid."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import dashboards


@rule("dashboard/missing-uid", "warning", "A dashboard has no `uid`.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A dashboard model without a non-empty `uid`.

    **Why.** The uid is the dashboard's identity in URLs (`/d/<uid>/...`) and in links
    between dashboards. For a provisioned dashboard without one, Grafana generates a random uid
    when it first inserts it (pkg/services/dashboards, `SaveProvisionedDashboard`): every new
    Grafana instance, or a reset database, gets a different one, so bookmarks and dashboard
    links break, and the same dashboard provisioned twice is not recognised as one
    (Grafana docs, provisioning: "Reusable dashboard URLs").

    **Fix.** Add a stable `"uid"` (up to 40 characters: letters, digits, `-`, `_`).
    """
    for d in dashboards(ctx):
        if not d.model.get("uid"):
            yield Hit(d.doc, f"dashboard {d.title!r}{d.where(())} has no uid: Grafana "
                             "generates a random one at provisioning, so its URL and the "
                             "links to it change from one Grafana to the next",
                      fix="add a stable \"uid\" to the model",
                      path=d.path(()) if d.key is None else d.base, obj=d.ref)
