"""promql/removed-label: a label its exporter removed (cAdvisor's pod_name/container_name)."""

from __future__ import annotations

from collections.abc import Iterator

import re

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import dashboards
from provisor.check.rules.promql._exprs import hits, knowledge
from provisor.promql.analysis import REMOVED_LABEL

#: Grafana's ``label_values(metric, label)`` / ``label_values(metric{...}, label)``.
_LABEL_VALUES = re.compile(r"label_values\(\s*([A-Za-z_:][\w:]*)[^,]*,\s*([A-Za-z_]\w*)\s*\)")


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

    Dashboard variables whose query is `label_values(<cAdvisor metric>, pod_name)` are
    flagged too: such a variable has no values, so every panel that uses it is empty.

    **Fix.** Use `pod` for `pod_name` and `container` for `container_name` (also in the
    dashboard's variable queries, e.g. `label_values(container_cpu_usage_seconds_total, pod)`).
    """
    yield from hits(ctx, REMOVED_LABEL)
    from provisor.promql.exporters import removed_label

    versions = knowledge(ctx).exporter_versions
    for dash in dashboards(ctx):
        for i, v in enumerate(dash.model.get("templating", {}).get("list") or []
                              if isinstance(dash.model.get("templating"), dict) else []):
            if not isinstance(v, dict):
                continue
            q = v.get("query")
            text = q.get("query") if isinstance(q, dict) else q
            if not isinstance(text, str):
                continue
            for m in _LABEL_VALUES.finditer(text):
                hit = removed_label(m.group(1), m.group(2), versions)
                if hit is None:
                    continue
                r, known = hit
                inner = ("templating", "list", i, "query")
                yield Hit(dash.doc,
                          f"dashboard '{dash.model.get('title', '')}' variable "
                          f"'{v.get('name')}': `{m.group(0)}` lists a label the {m.group(1)} "
                          f"series have not had since Kubernetes {r.version} ({r.note}): the "
                          "variable has no values and every panel using it is empty"
                          + dash.where(inner),
                          fix=f"use label_values({m.group(1)}, {r.replacement})",
                          path=dash.path(inner), obj=dash.ref,
                          severity=None if known else "warning")
