"""The kubelet's (and the Job controller's) resource semantics the digital twin needs. Pure.

Upstream (kubernetes/kubernetes):

* ``pkg/kubelet/cm/helpers_linux.go``: ``QuotaPeriod = 100000`` (the CFS period, 100 ms),
  ``MinQuotaPeriod = 1000``, ``MilliCPUToQuota`` (quota = milliCPU x period / 1000, at least
  1 ms), ``MilliCPUToShares`` (shares = milliCPU x 1024 / 1000, clamped to [2, 262144]; a
  container without a CPU request gets the minimum 2 shares).
* ``pkg/kubelet/kubelet.go``: ``backOffPeriod = 10 * time.Second`` and
  ``MaxContainerBackOff = 300 * time.Second``: the CrashLoopBackOff delay of a container that
  restarts in place (restartPolicy Always / OnFailure) starts at 10 s and doubles per restart
  up to 300 s (``k8s.io/client-go/util/flowcontrol/backoff.go``); the entry is reset when the
  container has run without failing for ``2 x MaxContainerBackOff``.
* ``pkg/controller/job/job_controller.go``: ``DefaultJobPodFailureBackOff = 10 * time.Second``,
  ``MaxJobPodFailureBackOff = 10 * time.Minute``: a Job whose pod failed creates the next one
  after 10 s x 2^(failures - 1), at most 10 min; the Job fails when its failed pods exceed
  ``backoffLimit`` (default 6).
* ``pkg/kubelet/eviction/helpers.go``: ``rankMemoryPressure`` orders pods for node-pressure
  eviction by ``exceedMemoryRequests`` (working set above the pod's memory request first), then
  ``priority`` (lower first), then ``memory`` (larger working set minus request first); the
  default hard threshold is ``memory.available<100Mi``
  (``pkg/kubelet/apis/config/v1beta1/defaults_linux.go``), and the manager evicts at most one
  pod per synchronize pass (``pkg/kubelet/eviction/eviction_manager.go``, every 10 s).

Units: CPU in millicores, memory in bytes, time in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: The CFS period, seconds (``QuotaPeriod`` = 100000 us).
CFS_PERIOD_SECONDS = 0.1
#: ``MinQuotaPeriod`` in microseconds.
MIN_QUOTA_PERIOD_US = 1000
MIN_SHARES = 2
MAX_SHARES = 262144
SHARES_PER_CPU = 1024
MILLI_CPU_TO_CPU = 1000

#: CrashLoopBackOff (kubelet.go ``backOffPeriod`` / ``MaxContainerBackOff``), seconds.
CONTAINER_BACKOFF_INITIAL = 10.0
CONTAINER_BACKOFF_MAX = 300.0
#: Job pod-failure backoff (job_controller.go), seconds.
JOB_BACKOFF_INITIAL = 10.0
JOB_BACKOFF_MAX = 600.0
#: Job ``spec.backoffLimit`` default (``pkg/apis/batch/v1/defaults.go``).
JOB_DEFAULT_BACKOFF_LIMIT = 6

#: ``memory.available<100Mi`` (hard eviction default), bytes.
EVICTION_HARD_MEMORY_AVAILABLE = 100 * 1024 * 1024
#: The eviction manager's monitoring interval, seconds.
EVICTION_MONITORING_INTERVAL = 10.0
#: Default ``terminationGracePeriodSeconds``.
DEFAULT_TERMINATION_GRACE_PERIOD = 30.0
#: ``DefaultTolerationSeconds`` admission plugin: not-ready / unreachable toleration, seconds.
DEFAULT_NOT_READY_TOLERATION_SECONDS = 300.0


def milli_cpu_to_quota(milli_cpu: int, period_us: int = 100000) -> int:
    """``MilliCPUToQuota``: the CFS quota in microseconds per ``period_us`` for a CPU limit
    (0 when ``milli_cpu`` is 0: no limit)."""
    if milli_cpu == 0:
        return 0
    quota = (milli_cpu * period_us) // MILLI_CPU_TO_CPU
    return max(quota, MIN_QUOTA_PERIOD_US)


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """``MilliCPUToShares``: cpu.shares for a CPU request in millicores."""
    if milli_cpu == 0:
        return MIN_SHARES
    shares = (milli_cpu * SHARES_PER_CPU) // MILLI_CPU_TO_CPU
    return min(max(shares, MIN_SHARES), MAX_SHARES)


def container_backoff(restarts: int) -> float:
    """CrashLoopBackOff delay (seconds) before restart number ``restarts`` + 1 of a container
    that has already restarted ``restarts`` times since its backoff entry was reset:
    10, 20, 40, ... capped at 300."""
    if restarts <= 0:
        return CONTAINER_BACKOFF_INITIAL
    return min(CONTAINER_BACKOFF_INITIAL * (2.0 ** restarts), CONTAINER_BACKOFF_MAX)


def job_pod_failure_backoff(failures: int) -> float:
    """Delay (seconds) before a Job creates its next pod after ``failures`` (>= 1) failed pods:
    10 s x 2^(failures - 1), at most 600 s; 0 when nothing failed."""
    if failures <= 0:
        return 0.0
    return min(JOB_BACKOFF_INITIAL * (2.0 ** (failures - 1)), JOB_BACKOFF_MAX)


def job_failed(failures: int, backoff_limit: int = JOB_DEFAULT_BACKOFF_LIMIT) -> bool:
    """The Job has failed (``BackoffLimitExceeded``): more failed pods than ``backoffLimit``."""
    return failures > backoff_limit


@dataclass(frozen=True, slots=True)
class PodMemoryStats:
    """What ``rank_memory_pressure`` reads of one pod: its working set (bytes) and memory
    request (bytes, the pod's total), its priority, and whether stats were found."""

    key: int
    working_set: int
    request: int
    priority: int = 0
    found: bool = True


def rank_memory_pressure(pods: Sequence[PodMemoryStats]) -> list[PodMemoryStats]:
    """``rankMemoryPressure``: pods in eviction order (first = evicted first).

    Order: pods without stats first; then pods whose working set exceeds their request; then
    lower priority; then larger ``working_set - request``. Ties keep input order (Go's
    ``sort.Sort`` is not stable; callers pass pods in a deterministic order).
    """

    def key(p: PodMemoryStats) -> tuple[int, int, int, int]:
        if not p.found:
            return (0, 0, 0, 0)
        exceeds = p.working_set > p.request
        return (1, 0 if exceeds else 1, p.priority, -(p.working_set - p.request))

    return sorted(pods, key=key)


def node_memory_available(capacity: int, working_sets: int, system_usage: int = 0) -> int:
    """``memory.available`` as the eviction manager computes it from the node summary:
    capacity - working set of the node (pods plus system), bytes."""
    return capacity - working_sets - system_usage


def under_memory_pressure(available: int,
                          threshold: int = EVICTION_HARD_MEMORY_AVAILABLE) -> bool:
    """The hard threshold ``memory.available<threshold`` is met."""
    return available < threshold


__all__ = [
    "CFS_PERIOD_SECONDS",
    "CONTAINER_BACKOFF_INITIAL",
    "CONTAINER_BACKOFF_MAX",
    "DEFAULT_NOT_READY_TOLERATION_SECONDS",
    "DEFAULT_TERMINATION_GRACE_PERIOD",
    "EVICTION_HARD_MEMORY_AVAILABLE",
    "EVICTION_MONITORING_INTERVAL",
    "JOB_BACKOFF_INITIAL",
    "JOB_BACKOFF_MAX",
    "JOB_DEFAULT_BACKOFF_LIMIT",
    "PodMemoryStats",
    "container_backoff",
    "job_failed",
    "job_pod_failure_backoff",
    "milli_cpu_to_quota",
    "milli_cpu_to_shares",
    "node_memory_available",
    "rank_memory_pressure",
    "under_memory_pressure",
]
