"""alert/transient-state-for: `for:` on a container state that lasts seconds."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._oom import _scope
from provisor.check.rules.alert._states import TRANSIENT, needs
from provisor.check.rules.promql._exprs import analysed
from provisor.promql import ast as A


@rule("alert/transient-state-for", "error",
      "An alert holds (`for:`) a container's current terminated state, which lasts seconds "
      "for containers that restart: it never fires.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule with a non-zero `for:` whose every result needs a
    series of the container's *current* terminated state
    (`kube_pod_container_status_terminated_reason`, `..._terminated`, and the init-container
    ones), unless every workload it watches (its `namespace` matcher, among the checked
    manifests) has `restartPolicy: Never`.

    **Why.** kube-state-metrics exports these series from `state.terminated`, only while the
    container is terminated (kube-state-metrics `internal/store/pod.go`). A container of a
    `restartPolicy: Always` pod is restarted at once, or waits out the crash-loop back-off in
    state `waiting` (`CrashLoopBackOff`), so the terminated state lasts seconds: it is rarely
    caught by a scrape and never true for the whole `for:` duration, and the alert never
    fires (kubernetes/kube-state-metrics#570). For `restartPolicy: Never` pods the state is
    permanent, so the rule stays silent when every watched workload is one.

    **Fix.** Count the restarts over a window and read the reason from the last state,
    which then resolves on its own:
    `(increase(kube_pod_container_status_restarts_total[10m]) > 0) and on (namespace, pod,
    container) (kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1)`;
    or drop `for:`.
    """
    for site, an in analysed(ctx):
        if site.origin != "alert" or site.rule is None or an.node is None or an.empty:
            continue
        hold = A.parse_duration(site.rule.get("for"))
        if not hold or not needs(an.node, TRANSIENT):
            continue
        sels = [n for n in A.walk(an.node) if isinstance(n, A.Selector) and n.name in TRANSIENT]
        scope = _scope(an.shape.get("namespace").values if an.shape is not None else None, sels)
        covered = [w for w in (*ctx.workloads, *ctx.argo_workloads)
                   if scope is None or w.namespace in scope or w.namespace == ""]
        if covered and all(w.restart_policy == "Never" for w in covered):
            continue
        names = ", ".join(sorted({s.name or "" for s in sels}))
        yield Hit(site.doc,
                  f"{site.label}: `for: {site.rule.get('for')}` on {names}, the container's "
                  "current terminated state: a container that restarts (restartPolicy Always, "
                  "or OnFailure after a failure) is terminated only for the seconds before its "
                  "restart (then waiting in CrashLoopBackOff), so the series is never 1 for "
                  f"{site.rule.get('for')} and the alert never fires",
                  fix="alert on (increase(kube_pod_container_status_restarts_total[10m]) > 0) "
                      "and on (namespace, pod, container) the last-state reason "
                      "(kube_pod_container_status_last_terminated_reason{reason=...} == 1), "
                      "or drop `for:`",
                  path=(*(site.rule_path or ()), "for"), obj=site.obj)
