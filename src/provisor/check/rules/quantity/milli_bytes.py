"""quantity/milli-bytes: a memory or storage cap written in milli-bytes."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.quantity._typos import milli_bytes


@rule("quantity/milli-bytes", "error",
      "A memory or storage limit, quota or size is written with the 'm' (milli) suffix or "
      "is below one byte: 512m is 0.512 bytes, not 512Mi.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A memory, storage, ephemeral-storage or hugepages quantity that is
    written with the lower-case `m` suffix, or whose value is above 0 and below one byte
    (`0.5`), in a *cap*: a container or pod limit, a LimitRange `max` or `default`, a
    ResourceQuota `hard` value (`memory`, `requests.memory`, `limits.memory`,
    `requests.storage`, `<class>.storageclass.storage.k8s.io/requests.storage`,
    ephemeral-storage), a PersistentVolumeClaim or `volumeClaimTemplates` size, an
    `emptyDir.sizeLimit`, a VerticalPodAutoscaler `minAllowed`/`maxAllowed`, an HPA
    `Resource`/`ContainerResource` memory target's `averageValue` (the HPA then scales to
    `maxReplicas` and stays there). The same
    mistake in a request is `quantity/milli-bytes-request`. The message says what the value
    is in bytes and what was probably meant (`512m` -> `512Mi` or `512M`).

    **Why.** Quantity suffixes are case-sensitive and `m` is milli (10^-3) for every
    resource (`staging/src/k8s.io/apimachinery/pkg/api/resource/suffix.go`); the API
    server accepts `memory: 512m` without a warning and stores 0.512 bytes (rounded up to
    1 byte where an integer is needed, `Quantity.Value`). A quota of `requests.memory:
    512m` refuses every pod that states memory ("exceeded quota ... limited:
    requests.memory=512m"); a container limit of 1 byte cannot run.

    **Fix.** Write the intended unit: `Mi`/`Gi` (powers of 2) or `M`/`G` (powers of 10).
    """
    yield from milli_bytes(ctx, ("limit", "quota", "size", "target"))
