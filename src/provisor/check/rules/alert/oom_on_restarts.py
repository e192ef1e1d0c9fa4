"""alert/oom-on-restarts: an OOM alert built on restart counters."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.alert._oom import oom_alerts


@rule("alert/oom-on-restarts", "warning",
      "An OOM alert built on restart counters, for workloads that may never restart.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alert about OOM kills (a `reason="OOMKilled"` matcher, or "OOM" /
    "out of memory" in its name or summary) whose expression reads
    `kube_pod_container_status_restarts_total` or
    `kube_pod_container_status_last_terminated_reason`, when the workloads it watches (by its
    `namespace` matcher, or all) either are not among the checked manifests, so the
    question cannot be answered, or include some with `restartPolicy: Never`. When every
    watched workload has `restartPolicy: Never`, `alert/oom-never-fires` reports it instead.

    **Why.** The kubelet restarts a container in place only under `restartPolicy: Always`, or
    `OnFailure` after a failure (pkg/kubelet/container/helpers.go,
    `ShouldContainerBeRestarted`). A `Never` pod that is OOM-killed just ends: the restart
    counter does not move and `lastState.terminated` (the source of
    `..._last_terminated_reason`) is never set, so run-to-completion agents and Jobs that die
    of OOM never trigger the alert.

    **Fix.** Alert on the current state too:
    `kube_pod_container_status_terminated_reason{reason="OOMKilled"} == 1` (joined
    `on(namespace, pod, container)`), or on cAdvisor's `container_oom_events_total`.
    """
    for a in oom_alerts(ctx):
        if a.covered and len(a.never) == len(a.covered):
            continue  # alert/oom-never-fires
        series = ", ".join(a.series)
        if not a.covered:
            why = (f"no workload in {a.scope()} is among the checked manifests, so whether "
                   "the watched pods restart cannot be verified; pods with restartPolicy "
                   "Never (Jobs, run-to-completion agents) never restart, so their OOM kills "
                   "never show in it")
        elif a.never:
            names = ", ".join(f"{w.kind}/{w.name}" for w in a.never[:5])
            why = (f"{len(a.never)} of the {len(a.covered)} workloads it watches have "
                   f"restartPolicy Never ({names}) and never restart, so their OOM kills "
                   "never show in it")
        else:
            continue
        yield Hit(a.site.doc, f"{a.site.label}: OOM alert built on {series}: {why}",
                  fix='also alert on kube_pod_container_status_terminated_reason{reason='
                      '"OOMKilled"} == 1 (the current state), which Never pods do report',
                  path=a.site.path, obj=a.site.obj)
