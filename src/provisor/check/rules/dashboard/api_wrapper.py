"""dashboard/api-wrapper: the HTTP API wrapper where a provisioning model is needed."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import dashboards


@rule("dashboard/api-wrapper", "error",
      "A provisioned dashboard is the HTTP API wrapper {\"dashboard\": ...}, not the model.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A dashboard file, or a dashboard in a ConfigMap (the Grafana sidecar's
    `grafana_dashboard` ConfigMaps, kube-prometheus' `grafana-dashboardDefinitions`), given as
    the body of Grafana's HTTP API `POST /api/dashboards/db`: `{"dashboard": {...},
    "overwrite": ..., "folderId": ...}`.

    **Why.** File provisioning (which the sidecar feeds) reads the whole file as the dashboard
    model (pkg/services/provisioning/dashboards/file_reader.go and types.go,
    `createDashboardJSON`): the wrapper has no top-level `title`, so provisioning fails with
    "Dashboard title cannot be empty" and the dashboard never appears. The wrapper is only
    for the HTTP API.

    **Fix.** Ship the inner object (the value of `"dashboard"`) as the file, with a stable
    `uid` and its `schemaVersion`.
    """
    for d in dashboards(ctx):
        if d.wrapped:
            where = d.where(()) if d.key else ""
            yield Hit(d.doc, f"dashboard {d.title!r}{where} is the HTTP API wrapper "
                             "{\"dashboard\": ...}: Grafana's file provisioning (and the "
                             "sidecar) read the whole file as the model, find no title, and "
                             "refuse it (\"Dashboard title cannot be empty\")",
                      fix="provision the inner object (the value of \"dashboard\") as the file",
                      path=d.path(("dashboard",)) if d.key is None else d.base, obj=d.ref)
