"""alert/oom-never-fires: an OOM alert on restarts whose workloads never restart."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._oom import oom_alerts


@rule("alert/oom-never-fires", "error",
      "An OOM alert built on restarts watches only workloads that never restart.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An OOM alert built on `kube_pod_container_status_restarts_total` or
    `kube_pod_container_status_last_terminated_reason` (see `alert/oom-on-restarts`) when
    every workload of the namespaces it watches, among the checked manifests, has
    `restartPolicy: Never` (PodTemplates of run-to-completion agents, Jobs and CronJobs
    written with Never, bare Pods).

    **Why.** Those pods are never restarted in place (pkg/kubelet/container/helpers.go,
    `ShouldContainerBeRestarted`): an OOM kill ends the pod, the restart counter stays at 0
    and no `lastState.terminated` is recorded. The alert can never fire for the workloads it
    was written for.

    **Fix.** Use `kube_pod_container_status_terminated_reason{reason="OOMKilled"} == 1`
    (and `container_oom_events_total` for OOM kills of processes inside a container that
    survives).
    """
    for a in oom_alerts(ctx):
        if not a.covered or len(a.never) != len(a.covered):
            continue
        names = ", ".join(f"{w.kind}/{w.name}" for w in a.never[:5])
        more = f" and {len(a.never) - 5} more" if len(a.never) > 5 else ""
        yield Hit(a.site.doc,
                  f"{a.site.label}: OOM alert built on {', '.join(a.series)}, but every "
                  f"workload in {a.scope()} ({names}{more}) has restartPolicy Never: an "
                  "OOM-killed container is never restarted, so the restart counter never "
                  "moves and no last-terminated reason is recorded; the alert can never fire",
                  fix='alert on kube_pod_container_status_terminated_reason{reason='
                      '"OOMKilled"} == 1 instead',
                  path=a.site.path, obj=a.site.obj)
