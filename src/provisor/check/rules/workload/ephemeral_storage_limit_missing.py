"""workload/ephemeral-storage-limit-missing: a container with no ephemeral-storage limit
(opt-in: strict profile)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.workload._missing import missing


@rule("workload/ephemeral-storage-limit-missing", "info",
      "A container has no ephemeral-storage limit (opt-in): it may fill its node's disk.",
      profile="strict")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container or restartable init container (the kinds of
    `workload/cpu-request-missing`) with no `resources.limits.ephemeral-storage` after
    LimitRange defaulting. Runs under `--profile strict` only.

    **Why.** Without a limit, a container that writes logs or scratch files without bound
    fills the node's disk; the kubelet then evicts pods under `DiskPressure`, not
    necessarily this one. With a limit, the kubelet evicts just the offending pod
    (`pkg/kubelet/eviction/eviction_manager.go`, `localStorageEviction`).

    Profiles: `strict` only (kube-score `container-ephemeral-storage-request-and-limit`).

    **Fix.** Set `resources.limits.ephemeral-storage`, or a LimitRange `default`.
    """
    yield from missing(
        ctx, "limits", "ephemeral-storage",
        "it may fill the node's disk, and then the kubelet evicts pods under DiskPressure",
        "set resources.limits.ephemeral-storage on {container}")
