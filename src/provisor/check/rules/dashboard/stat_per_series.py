"""dashboard/stat-per-series: a stat panel showing one number per pod or container."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import analysed

_PER_OBJECT = ("pod",)


@rule("dashboard/stat-per-series", "info",
      "A stat panel shows per-pod series: one number per pod.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `stat` (or legacy `singlestat`) panel whose query returns one series
    per pod: the series keep a `pod` label that the query neither aggregates away nor fixes to
    one value (an `=` matcher or a single-value variable).

    **Why.** A stat panel reduces each series to one number (the last value by default) and
    draws one stat per series side by side (Grafana docs, Stat panel). Pods come and go
    (run-to-completion agents above all): the panel becomes a shifting grid of numbers named
    after pods, where a pod that ended is simply gone and its peak is never seen. It answers
    neither "how much in total" nor "which pod, when".

    **Fix.** Use a time series panel (or a table with the legend) for per-pod values, or
    aggregate (`sum`, `max`) to the one number the stat should show.
    """
    seen: set[int] = set()
    for site, an in analysed(ctx):
        t = site.target
        if t is None or an.shape is None or t.panel.type not in ("stat", "singlestat") \
                or an.empty is not None:
            continue
        if id(t.panel.obj) in seen:
            continue
        s = an.shape
        per = [label for label in _PER_OBJECT if not s.get(label).absent
               and not s.get(label).single
               and (s.get(label).present or (s.closed is None and _pod_level(an.metrics)))]
        if per:
            seen.add(id(t.panel.obj))
            yield Hit(site.doc, f"{site.label}: a {t.panel.type} panel over series with a "
                                f"`{per[0]}` label: it shows one number per {per[0]} (the last "
                                "value), and ended pods disappear from it",
                      fix="use a time series panel, or aggregate to the one number the stat "
                          "should show",
                      path=site.path, obj=site.obj)


def _pod_level(metrics: frozenset[str]) -> bool:
    return any(m.startswith(("container_", "kube_pod_")) for m in metrics)
