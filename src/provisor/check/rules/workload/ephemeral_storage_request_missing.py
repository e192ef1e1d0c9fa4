"""workload/ephemeral-storage-request-missing: a container with no ephemeral-storage request
(opt-in: strict profile)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.workload._missing import missing


@rule("workload/ephemeral-storage-request-missing", "info",
      "A container states no ephemeral-storage request (opt-in).", profile="strict")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container or restartable init container (the kinds of
    `workload/cpu-request-missing`) with no `resources.requests.ephemeral-storage` after
    API and LimitRange defaulting. Runs under `--profile strict` only: most workloads write
    little to local disk, and `workload/requests-missing` already reports the case that
    matters, a quota tracking ephemeral storage.

    **Why.** The scheduler reserves no node disk for the container; under disk pressure the
    kubelet evicts first the pods whose local storage use exceeds their request
    (`pkg/kubelet/eviction/helpers.go`, `rankDiskPressureFunc`).

    Profiles: `strict` only (kube-score `container-ephemeral-storage-request-and-limit`).

    **Fix.** Set `resources.requests.ephemeral-storage` (logs, `emptyDir` without a medium,
    the writable layer), or a LimitRange `defaultRequest`.
    """
    yield from missing(
        ctx, "requests", "ephemeral-storage",
        "the scheduler reserves no local disk for it and it is evicted first under disk "
        "pressure",
        "set resources.requests.ephemeral-storage on {container}")
