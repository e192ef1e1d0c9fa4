"""promql/removed-metric: a selector of a metric its exporter no longer serves."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import REMOVED_METRIC


@rule("promql/removed-metric", "error",
      "A selector names a metric its exporter removed or renamed: always empty.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A selector (in an alerting or recording rule, or a dashboard panel)
    of a metric that its exporter removed or renamed, from a table kept by exporter version
    (`provisor.promql.exporters`):

    | exporter | since | removed | use instead |
    |---|---|---|---|
    | kube-state-metrics | v2.0.0 | `kube_pod_container_resource_{requests,limits}_{cpu_cores,memory_bytes}` | `kube_pod_container_resource_{requests,limits}{resource="cpu"\\|"memory"}` |
    | kube-state-metrics | v2.0.0 | `kube_node_status_{capacity,allocatable}_{pods,cpu_cores,memory_bytes}` | `kube_node_status_{capacity,allocatable}{resource=...}` |
    | kube-state-metrics | v2.0.0 | `kube_hpa_*` | `kube_horizontalpodautoscaler_*` |
    | kube-state-metrics | v2.0.0 | `kube_daemonset_updated_number_scheduled`, `kube_pod_deleted` | `kube_daemonset_status_updated_number_scheduled`, `kube_pod_deletion_timestamp` |
    | kube-state-metrics | v2.9.0 | `kube_verticalpodautoscaler_*` | CustomResourceStateMetrics |
    | kube-state-metrics | v1.0.0 | `kube_node_status_{ready,out_of_disk,memory_pressure,disk_pressure,network_unavailable}` | `kube_node_status_condition{condition=...}` |

    Severity: **error** when `.provisor.yaml` says the cluster runs that exporter at or after
    the removing release (`settings.exporter_versions: ["kube-state-metrics=2.13.0"]`),
    **warning** when the version is not set (the removal is assumed: it is years old); no
    finding when the configured version predates the removal.

    **Why.** A selector naming a metric that nothing exports is not an error in PromQL or
    in `promtool`: it selects nothing, so the expression is always empty, the alert stays
    inactive forever and the panel is blank (kube-state-metrics CHANGELOG v2.0.0, #1004
    "Remove deprecated stable metrics"). Other `promql/*` rules stay silent on an
    expression that cannot return a series: their diagnosis would be wrong.

    **Fix.** Use the replacement the message names (for the resource families: the generic
    series with a `resource` matcher, e.g.
    `kube_pod_container_resource_requests{resource="cpu"}`), or set
    `settings.exporter_versions` if the cluster really runs an older exporter.
    """
    return hits(ctx, REMOVED_METRIC)
