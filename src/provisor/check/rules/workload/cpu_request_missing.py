"""workload/cpu-request-missing: a container that requests no CPU."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.workload._missing import missing


@rule("workload/cpu-request-missing", "warning",
      "A container states no CPU request (nor gets one from its limit or a LimitRange): the "
      "scheduler reserves no CPU for it and it is starved under contention.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container, or a restartable init container (a sidecar with
    `restartPolicy: Always`), of any workload (Deployment, StatefulSet, DaemonSet,
    ReplicaSet, ReplicationController, Job, CronJob, Pod, PodTemplate, OpenShift
    DeploymentConfig, Argo Workflow templates) with no `resources.requests.cpu` after the
    API server's defaulting: a container that sets only `limits.cpu` gets the limit as its
    request (`SetDefaults_Pod`, `pkg/apis/core/v1/defaults.go`), and a LimitRange of the
    namespace with `defaultRequest.cpu` or `default.cpu` fills it in
    (`plugin/pkg/admission/limitranger/admission.go`); both are fine. A pod-level
    `spec.resources.requests.cpu` (pod-level resources, KEP-2837) covers its containers.
    Plain init containers are not flagged: they finish before the app starts.

    **Why.** The scheduler counts a missing request as 0 when it fits pods to nodes
    (`pkg/scheduler/framework/plugins/noderesources/fit.go`), so such pods pile onto nodes
    that have no CPU left for them; the kubelet gives the container the minimum CPU weight
    (`cpu.shares` 2, `pkg/kubelet/cm/helpers_linux.go`, `MilliCPUToShares`), so under
    contention it gets almost nothing. A pod with no requests or limits at all is
    `BestEffort`, the first evicted under node pressure. An HPA on CPU utilization cannot
    compute it (`hpa/utilization-requests`); a quota on `requests.cpu` refuses the pod
    (`quota/requires-requests`).

    Profiles: on in `default` and `strict` (Polaris `cpuRequestsMissing`, kube-score
    `container-resources`, kube-linter `unset-cpu-requirements`).

    **Fix.** Set `resources.requests.cpu` to the container's typical use (the 50th to 90th
    percentile of its measured CPU), or give the namespace a LimitRange `defaultRequest`.
    """
    yield from missing(
        ctx, "requests", "cpu",
        "the scheduler reserves no CPU for it and under contention it gets the minimum CPU "
        "weight (cpu.shares 2)",
        "set resources.requests.cpu on {container} (or a LimitRange defaultRequest.cpu)")
