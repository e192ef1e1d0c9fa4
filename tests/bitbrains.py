"""Reader for the GWA-T-12 Bitbrains "Rnd" trace in ../shared (tests only).

Each ``<month>/<vm>.csv`` has a header line and rows separated by ``;\\t``: timestamp
(seconds since the epoch, although the header says ms), CPU cores, CPU capacity provisioned
[MHz], CPU usage [MHz], CPU usage [%], memory capacity provisioned [KB], memory usage [KB],
then I/O. One row per 300 s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MONTHS = ("2013-7", "2013-8", "2013-9")
VMS = tuple(range(1, 7))


def read_vm(root: Path, vm: int, months=MONTHS) -> dict[str, np.ndarray]:
    """Columns of one VM over ``months``: ``t`` (s), ``cpu_cores`` (cores used: usage MHz /
    capacity MHz x provisioned cores), ``mem_bytes`` (memory used, bytes), sorted by time."""
    parts = []
    for m in months:
        p = root / m / f"{vm}.csv"
        lines = p.read_text(encoding="ascii").splitlines()[1:]
        rows = [ln.split(";\t") for ln in lines if ln.strip()]
        parts.append(np.array([[float(r[i]) for i in (0, 1, 2, 3, 6)] for r in rows]))
    a = np.concatenate(parts)
    a = a[np.argsort(a[:, 0], kind="stable")]
    cores = np.where(a[:, 2] > 0, a[:, 3] / a[:, 2] * a[:, 1], 0.0)
    return {"t": a[:, 0], "cpu_cores": cores, "mem_bytes": a[:, 4] * 1024.0}
