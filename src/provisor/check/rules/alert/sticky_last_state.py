"""alert/sticky-last-state: an alert on a last-state series alone, which stays true for days."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._states import STICKY, sticky
from provisor.check.rules.promql._exprs import analysed
from provisor.promql import ast as A


@rule("alert/sticky-last-state", "warning",
      "An alert fires on a container's last terminated state alone: it stays firing until "
      "the next termination, for days.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule that can fire on
    `kube_pod_container_status_last_terminated_reason` (or `..._last_terminated_exitcode`)
    without being combined (`and`, arithmetic or comparison) with a windowed expression
    (`increase(...[10m])`, `rate`, `changes`, `time() - ...`).

    **Why.** These series come from the container's `lastState.terminated`, which keeps the
    last termination until the next one (kube-state-metrics docs/metrics/workload/
    pod-metrics.md): after one OOM kill the alert fires and stays firing for as long as the
    container then runs fine, days or weeks, and never resolves (Azure/prometheus-collector
    #888, kubernetes-sigs/kubernetes-mixin#510).

    **Fix.** Bound it with a window of restarts:
    `(increase(kube_pod_container_status_restarts_total[10m]) > 0) and on (namespace, pod,
    container) (kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1)`
    fires once per kill and resolves 10 minutes after it.
    """
    for site, an in analysed(ctx):
        if site.origin != "alert" or site.rule is None or an.node is None or an.empty:
            continue
        if not sticky(an.node):
            continue
        names = ", ".join(sorted({n.name or "" for n in A.walk(an.node)
                                  if isinstance(n, A.Selector) and n.name in STICKY}))
        yield Hit(site.doc,
                  f"{site.label}: fires on {names} alone: the last terminated state stays "
                  "until the container terminates again, so after one termination the alert "
                  "keeps firing for as long as the container then runs (days) and never "
                  "resolves",
                  fix="combine it with a window: (increase(kube_pod_container_status_restarts_"
                      "total[10m]) > 0) and on (namespace, pod, container) (... == 1)",
                  path=site.path, obj=site.obj)
