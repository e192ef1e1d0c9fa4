"""Long-format CSV of container usage, read into a ``SeriesSet``.

Format (a header row is required; column order is free; extra columns are refused)::

    timestamp,namespace,pod,container,class,resource,value[,request][,limit]
    1700000000,agent-platform,rex-1,agent,implementation,cpu,0.35,2,4
    1700000000,agent-platform,rex-1,agent,implementation,memory,1.2e9,17179869184,17179869184

- ``timestamp``: Unix seconds (float) or RFC 3339 (``2026-12-07T08:00:00Z``).
- ``resource``: ``cpu`` (``value`` = usage in **cores**, the average over the interval ending at
  the timestamp), ``memory`` (working set, **bytes**), ``throttled`` (share 0..1 of CFS periods
  throttled in the interval), ``oom`` (number of OOM kills in the interval).
- ``request`` / ``limit`` (optional, may be empty): the container's request and limit of that
  resource at that time, cores or bytes. Empty ``value`` or ``nan`` = a missing sample.
- ``class``: the agent class; an optional ``model`` column names the model.

Each (namespace, pod, container, resource) becomes one series: ``cpu`` ->
``provisor:container_cpu_usage:cores``, ``memory`` -> ``container_memory_working_set_bytes``,
``throttled`` -> the pair ``container_cpu_cfs_periods_total`` /
``container_cpu_cfs_throttled_periods_total`` (as counters of 100 periods per interval), ``oom``
-> ``container_oom_events_total`` (cumulated), and request / limit ->
``kube_pod_container_resource_requests|limits{resource, unit}``. The class and model go on the
series as ``label_provisor_dev_tier`` / ``label_provisor_dev_model``.

Errors: ``SeriesFileError("FILE:LINE: field: what")``. Files larger than ``max_bytes`` (default
2 GiB) and binary files are refused before parsing.
"""

from __future__ import annotations

import csv as _csv
import datetime as _dt
import io
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from provisor.series import Series, SeriesSet

__all__ = ["REQUIRED_COLUMNS", "SeriesFileError", "read_csv", "read_text_guarded", "write_csv"]

REQUIRED_COLUMNS = ("timestamp", "namespace", "pod", "container", "class", "resource", "value")
OPTIONAL_COLUMNS = ("request", "limit", "model")
_RESOURCES = ("cpu", "memory", "throttled", "oom")
DEFAULT_MAX_BYTES = 2 * 1024**3


class SeriesFileError(ValueError):
    """A series file that cannot be read: the message is ``FILE:LINE: field: what``."""


def read_text_guarded(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of ``path`` through the same hardened open as the OpenMetrics reader (a
    regular file only, size checked before reading), then refused when binary (a NUL byte in
    the first 1,024 bytes) or not UTF-8.

    Raises:
        SeriesFileError: unreadable, not a regular file, too large, binary, or not UTF-8.
    """
    from provisor.series.openmetrics import SeriesFormatError, _open_regular

    p = str(path)
    try:
        with _open_regular(p, max_bytes) as fh:
            data = fh.read()
    except SeriesFormatError as exc:
        raise SeriesFileError(str(exc)) from None
    except OSError as exc:
        raise SeriesFileError(f"{p}: {exc.strerror or exc}") from None
    if b"\0" in data[:1024]:
        raise SeriesFileError(f"{p}: binary file (NUL byte)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SeriesFileError(f"{p}:{line}: not UTF-8 text") from None


def _timestamp(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    moment = _dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("an RFC 3339 time needs a time zone (Z or +hh:mm)")
    return moment.timestamp()


def _number(text: str) -> float:
    text = text.strip()
    if text == "":
        return math.nan
    v = float(text)
    if math.isinf(v):
        raise ValueError("infinite")
    return v


def read_csv(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SeriesSet:
    """Read a long-format usage CSV (see the module docstring) into a ``SeriesSet``.

    Raises:
        SeriesFileError: ``FILE:LINE: field: what`` for a missing column, a bad number, time
            or resource name, a negative value, or a duplicate (series, timestamp) row.
    """
    text = read_text_guarded(path, max_bytes)
    p = str(path)
    reader = _csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SeriesFileError(f"{p}:1: empty file (a header row is required)") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SeriesFileError(f"{p}:1: header: missing column(s) {', '.join(missing)}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise SeriesFileError(f"{p}:1: header: unknown column(s) {', '.join(unknown)}")
    col = {c: header.index(c) for c in header}
    rows: dict[tuple[str, ...], list[tuple[float, ...]]] = {}
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise SeriesFileError(f"{p}:{lineno}: row has {len(row)} fields, header has "
                                  f"{len(header)}")
        field = "timestamp"
        try:
            t = _timestamp(row[col["timestamp"]].strip())
            field = "resource"
            res = row[col["resource"]].strip()
            if res not in _RESOURCES:
                raise ValueError(f"{res!r} is not one of {', '.join(_RESOURCES)}")
            nums = []
            for field in ("value", "request", "limit"):
                v = _number(row[col[field]]) if field in col else math.nan
                if v < 0:
                    raise ValueError("negative")
                nums.append(v)
        except ValueError as exc:
            raise SeriesFileError(f"{p}:{lineno}: {field}: {exc}") from None
        ident = tuple(row[col[c]].strip() for c in ("namespace", "pod", "container", "class"))
        model = row[col["model"]].strip() if "model" in col else ""
        if not ident[1] or not ident[2]:
            raise SeriesFileError(f"{p}:{lineno}: {'pod' if not ident[1] else 'container'}: "
                                  "empty")
        rows.setdefault((*ident, model, res), []).append((t, *nums, float(lineno)))
    out = SeriesSet()
    for key in sorted(rows):
        ns, pod, container, cls, model, res = key
        arr = np.array(sorted(rows[key], key=lambda r: (r[0], r[4])), dtype=np.float64)
        times = arr[:, 0]
        dup = np.flatnonzero(np.diff(times) == 0)
        if len(dup):
            raise SeriesFileError(f"{p}:{int(arr[dup[0] + 1, 4])}: timestamp: duplicate row for "
                                  f"{ns}/{pod}/{container} {res} at {times[dup[0]]}")
        base = {"namespace": ns, "pod": pod, "container": container}
        if cls:
            base["label_provisor_dev_tier"] = cls
        if model:
            base["label_provisor_dev_model"] = model
        for s in _series_for(res, base, times, arr[:, 1], arr[:, 2], arr[:, 3]):
            out.add(s)
    return out


def _series_for(res: str, base: dict[str, str], t: np.ndarray, value: np.ndarray,
                request: np.ndarray, limit: np.ndarray) -> Iterable[Series]:
    if res == "cpu":
        yield Series({"__name__": "provisor:container_cpu_usage:cores", **base}, t, value)
    elif res == "memory":
        yield Series({"__name__": "container_memory_working_set_bytes", **base}, t, value)
    elif res in ("throttled", "oom"):
        # Counters start from 0 one second before the first row, so that the first row's
        # interval counts too.
        tc = np.concatenate(([t[0] - 1.0], t))
        if res == "throttled":
            periods = np.arange(0, len(t) + 1, dtype=np.float64) * 100.0
            thr = np.concatenate(([0.0], np.cumsum(np.nan_to_num(value) * 100.0)))
            yield Series({"__name__": "container_cpu_cfs_periods_total", **base}, tc, periods)
            yield Series({"__name__": "container_cpu_cfs_throttled_periods_total", **base}, tc,
                         thr)
        else:
            yield Series({"__name__": "container_oom_events_total", **base}, tc,
                         np.concatenate(([0.0], np.cumsum(np.nan_to_num(value)))))
    if res in ("cpu", "memory"):
        unit = "core" if res == "cpu" else "byte"
        for name, arr in (("kube_pod_container_resource_requests", request),
                          ("kube_pod_container_resource_limits", limit)):
            ok = ~np.isnan(arr)
            if ok.any():
                yield Series({"__name__": name, **base, "resource": res, "unit": unit},
                             t[ok], arr[ok])


def write_csv(usages: Iterable[object], path_or_io: str | Path | io.TextIOBase) -> None:
    """Write ``provisor.recommend.usage.ContainerUsage`` objects in the long format above
    (cpu, memory, throttled, oom rows; request and limit columns), sorted deterministically."""
    import math as _m

    lines = [",".join(REQUIRED_COLUMNS + ("request", "limit", "model"))]

    def num(x: float) -> str:
        return "" if _m.isnan(x) else repr(float(x))

    for u in usages:
        ident = [u.namespace, u.pod, u.container, u.group]  # type: ignore[attr-defined]
        model = u.model  # type: ignore[attr-defined]
        for res, tt, vv, rq, lm in (
            ("cpu", u.cpu_t, u.cpu, u.request_cpu, u.limit_cpu),  # type: ignore[attr-defined]
            ("memory", u.mem_t, u.mem, u.request_mem, u.limit_mem),  # type: ignore[attr-defined]
            ("throttled", u.thr_t, u.thr, _m.nan, _m.nan),  # type: ignore[attr-defined]
        ):
            for t, v in zip(tt.tolist(), vv.tolist()):
                lines.append(",".join([repr(t), *ident, res, repr(v), num(rq), num(lm), model]))
        oom_t: np.ndarray = u.oom_t  # type: ignore[attr-defined]
        if len(oom_t):
            kills, counts = np.unique(oom_t, return_counts=True)
            for t, c in zip(kills.tolist(), counts.tolist()):
                lines.append(",".join([repr(t), *ident, "oom", str(c), "", "", model]))
    text = "\n".join(lines) + "\n"
    if isinstance(path_or_io, (str, Path)):
        from provisor.fsutil import write_text_atomic

        write_text_atomic(path_or_io, text)
    else:
        path_or_io.write(text)

