"""dashboard/missing-schema-version: a dashboard model without schemaVersion."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import dashboards


@rule("dashboard/missing-schema-version", "info", "A dashboard has no `schemaVersion`.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A dashboard model without `schemaVersion`.

    **Why.** Grafana migrates a dashboard model from its `schemaVersion` up to the current one
    when it loads it (public/app/features/dashboard/state/DashboardMigrator.ts); a missing
    version counts as 0, so every migration since the oldest format is applied to a model
    that was probably written for a recent one, which can rewrite panels, units and
    datasource references in ways the author did not intend.

    **Fix.** Export the dashboard from the Grafana it was written for (Share -> Export), which
    sets `schemaVersion`, or add the version it was written against.
    """
    for d in dashboards(ctx):
        if "schemaVersion" not in d.model:
            yield Hit(d.doc, f"dashboard {d.title!r}{d.where(())} has no schemaVersion: "
                             "Grafana treats it as version 0 and runs every schema migration "
                             "on it",
                      fix="set \"schemaVersion\" to the version the dashboard was written for",
                      path=d.path(()) if d.key is None else d.base, obj=d.ref)
