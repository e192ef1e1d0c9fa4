"""Readers for public usage traces, into a ``SeriesSet`` with the names ``provisor.recommend``
reads (``--series-format gwa|alibaba-genai``). The traces themselves are never shipped.

``read_gwa(paths)`` -- the GWA-T-12 Bitbrains format (Grid Workloads Archive): one file per VM
(``<id>.csv``; a folder is walked for ``*.csv``, e.g. one folder per month), rows every 300 s,
separator ``;`` followed by a tab, header::

    Timestamp [ms];	CPU cores;	CPU capacity provisioned [MHZ];	CPU usage [MHZ];	CPU usage [%];
    Memory capacity provisioned [KB];	Memory usage [KB];	...

The timestamp column is Unix **seconds** in the published files despite its header (values
above 1e11 are taken as milliseconds). Each VM becomes pod ``vm-<id>`` (container ``vm``,
class ``vm-<id>``, namespace ``gwa``): CPU usage in cores = usage MHz / (capacity MHz / cores);
working set = memory usage KB x 1024; the provisioned cores and memory play the current request
and limit. The same VM id in several folders (months) is one series.

``read_alibaba_genai(path, memory_limit_bytes)`` -- ``pod_memory_util_anon.csv`` of the Alibaba
GenAI trace 2026 (``value,timestamp_anon,container_ip``: memory utilisation as a fraction of the
container's limit). The limit is not published, so every container is given
``memory_limit_bytes`` (default 16 GiB) as request and limit, and working set = value x limit.
Each container is its own class (``c-<first 12 hex digits>``), namespace ``genai``.
Cite: "Alibaba Cluster Trace Program", github.com/alibaba/clusterdata.

Errors: ``SeriesFileError("FILE:LINE: field: what")``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from provisor.series import Series, SeriesSet
from provisor.series.csv import SeriesFileError, read_text_guarded

__all__ = ["SERIES_FORMATS", "read_alibaba_genai", "read_gwa"]

SERIES_FORMATS = ("openmetrics", "csv", "gwa", "alibaba-genai")
_GWA_COLS = {
    "cores": "CPU cores",
    "cap": "CPU capacity provisioned [MHZ]",
    "usage": "CPU usage [MHZ]",
    "memcap": "Memory capacity provisioned [KB]",
    "mem": "Memory usage [KB]",
}


def _walk(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, _dirs, files in os.walk(p):
                out.extend(Path(root) / f for f in files if f.endswith(".csv"))
        else:
            out.append(p)
    return sorted(out)


def _series(name: str, labels: dict[str, str], t: np.ndarray, v: np.ndarray,
            **extra: str) -> Series:
    return Series({"__name__": name, **labels, **extra}, t, v)


def read_gwa(paths: Sequence[str | Path]) -> SeriesSet:
    """Read GWA-T-12 VM files (or folders of them) into a ``SeriesSet`` (module docstring).

    Raises:
        SeriesFileError: a missing column, a malformed number, a non-positive CPU capacity.
    """
    per_vm: dict[str, list[np.ndarray]] = {}
    for path in _walk(paths):
        text = read_text_guarded(path)
        lines = text.splitlines()
        if not lines:
            raise SeriesFileError(f"{path}:1: empty file")
        header = [h.strip() for h in lines[0].split(";")]
        idx = {}
        for key, col in (("ts", None), *_GWA_COLS.items()):
            if col is None:
                cands = [i for i, h in enumerate(header) if h.lower().startswith("timestamp")]
            else:
                cands = [i for i, h in enumerate(header) if h == col]
            if not cands:
                raise SeriesFileError(f"{path}:1: header: missing column "
                                      f"{col or 'Timestamp'!r}")
            idx[key] = cands[0]
        rows = []
        for lineno, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            fields = line.split(";")
            if len(fields) != len(header):
                raise SeriesFileError(f"{path}:{lineno}: row has {len(fields)} fields, header "
                                      f"has {len(header)}")
            row = []
            for key in ("ts", "cores", "cap", "usage", "memcap", "mem"):
                try:
                    v = float(fields[idx[key]])
                except ValueError:
                    raise SeriesFileError(
                        f"{path}:{lineno}: {header[idx[key]]}: not a number: "
                        f"{fields[idx[key]].strip()!r}") from None
                if math.isnan(v) or v < 0:
                    raise SeriesFileError(f"{path}:{lineno}: {header[idx[key]]}: must be >= 0")
                row.append(v)
            rows.append(row)
        if rows:
            per_vm.setdefault(path.stem, []).append(np.array(rows, dtype=np.float64))
    out = SeriesSet()
    for vm in sorted(per_vm, key=lambda s: (len(s), s)):
        a = np.concatenate(per_vm[vm])
        a = a[np.argsort(a[:, 0], kind="stable")]
        t = np.where(a[:, 0] > 1e11, a[:, 0] / 1000.0, a[:, 0])
        keep = np.concatenate(([True], np.diff(t) > 0))
        a, t = a[keep], t[keep]
        cores, cap = a[:, 1], a[:, 2]
        mhz_per_core = np.divide(cap, cores, out=np.full_like(cap, np.nan), where=cores > 0)
        cpu = np.divide(a[:, 3], mhz_per_core, out=np.zeros_like(cap), where=mhz_per_core > 0)
        labels = {"namespace": "gwa", "pod": f"vm-{vm}", "container": "vm",
                  "label_provisor_dev_tier": f"vm-{vm}"}
        out.add(_series("provisor:container_cpu_usage:cores", labels, t, cpu))
        out.add(_series("container_memory_working_set_bytes", labels, t, a[:, 5] * 1024.0))
        for name in ("kube_pod_container_resource_requests", "kube_pod_container_resource_limits"):
            out.add(_series(name, labels, t, cores, resource="cpu", unit="core"))
            out.add(_series(name, labels, t, a[:, 4] * 1024.0, resource="memory", unit="byte"))
    return out


def read_alibaba_genai(path: str | Path, memory_limit_bytes: float = 16 * 1024**3) -> SeriesSet:
    """Read the GenAI trace's ``pod_memory_util_anon.csv`` (module docstring).

    Raises:
        SeriesFileError: a missing column, a malformed number, a utilisation outside 0..1.5 (values in
            [-0.01, 0) are rounding noise of the trace and read as 0).
    """
    text = read_text_guarded(path)
    lines = text.splitlines()
    if not lines:
        raise SeriesFileError(f"{path}:1: empty file")
    header = [h.strip() for h in lines[0].split(",")]
    try:
        iv, it, ic = (header.index(c) for c in ("value", "timestamp_anon", "container_ip"))
    except ValueError:
        raise SeriesFileError(f"{path}:1: header: expected value,timestamp_anon,container_ip, "
                              f"got {','.join(header)}") from None
    per: dict[str, list[tuple[float, float]]] = {}
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        f = line.split(",")
        if len(f) != len(header):
            raise SeriesFileError(f"{path}:{lineno}: row has {len(f)} fields, header has "
                                  f"{len(header)}")
        field = "value"
        try:
            v = float(f[iv])
            field = "timestamp_anon"
            t = float(f[it])
        except ValueError:
            raise SeriesFileError(f"{path}:{lineno}: {field}: not a number") from None
        if not -0.01 <= v <= 1.5:
            raise SeriesFileError(f"{path}:{lineno}: value: utilisation {v} outside 0..1.5")
        v = max(v, 0.0)  # the trace holds rounding noise like -1e-5
        cip = f[ic].strip()
        if cip in ("", "NULL"):
            continue
        per.setdefault(cip, []).append((t, v))
    out = SeriesSet()
    for cip in sorted(per):
        a = np.array(sorted(per[cip]), dtype=np.float64)
        keep = np.concatenate(([True], np.diff(a[:, 0]) > 0))
        a = a[keep]
        name = f"c-{cip[:12]}"
        labels = {"namespace": "genai", "pod": name, "container": "main",
                  "label_provisor_dev_tier": name}
        out.add(_series("container_memory_working_set_bytes", labels, a[:, 0],
                        a[:, 1] * memory_limit_bytes))
        lim = np.full(len(a), float(memory_limit_bytes))
        for n in ("kube_pod_container_resource_requests", "kube_pod_container_resource_limits"):
            out.add(_series(n, labels, a[:, 0], lim, resource="memory", unit="byte"))
    return out
