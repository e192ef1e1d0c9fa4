"""promql/removed-label: a label its exporter removed (cAdvisor's pod_name/container_name)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import REMOVED_LABEL


@rule("promql/removed-label", "error",
      "A matcher, grouping or join uses a label its exporter removed (pod_name, "
      "container_name).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A label matcher, `by`/`without` grouping or `on`/`ignoring`/`group_*`
    list that uses a label the exporter no longer attaches to the series: cAdvisor's
    `pod_name` and `container_name` (on the `container_*` series the kubelet serves), which
    Kubernetes 1.16 removed in favour of `pod` and `container`.

    Severity: **error** when `settings.exporter_versions` gives `kubelet` (or `kubernetes`)
    1.16 or later, **warning** when it is not set; no finding for older clusters.

    **Why.** A missing label reads as the empty value (promql/engine.go): a matcher that
    needs a value (`pod_name="x"`, `pod_name=~"$pod"`) selects nothing, and grouping or
    matching on the label merges every pod into one series. Other `promql/*` rules are
    silenced on a sub-expression that cannot return series (for example
    `promql/cadvisor-pod-double-count` would suggest `container!=""`, which leaves such a
    panel just as empty).

    **Fix.** Use `pod` for `pod_name` and `container` for `container_name` (also in the
    dashboard's variable queries, e.g. `label_values(container_cpu_usage_seconds_total, pod)`).
    """
    return hits(ctx, REMOVED_LABEL)
