"""Trace replay: pod records from a CSV drive the twin instead of the synthetic workload.

The trace CSV (header row first; columns in any order; documented in docs/simulate.md,
section "Trace replay")::

    start,end,class,name,namespace,priority_class,cpu_request,memory_request,cpu_limit,memory_limit,cpu_usage,memory_usage
    0,3600,rex,run-1,,,"1","4Gi","2","8Gi","500m;1500m;800m","1Gi;3Gi;5Gi"

* ``start`` (required): when the pod is created, seconds from the start of the simulation
  (float, >= 0).
* ``end`` (required, may be empty): when its work is done at full speed; ``end - start`` is
  the work in seconds (CPU throttling, restarts and a late start make the pod take longer,
  exactly as for synthetic runs). Empty: the pod runs to the end of the simulation.
* ``class`` (required): the agent class. When it names a class of the simulated objects (a
  PodTemplate with ``provisor.dev/max-concurrency``, by name or agent name as the workload's
  ``agent``), the pod is created from that template, in its namespace, under its concurrency
  (the coderun controller queues the record); otherwise the class is a bare pod class of its
  own: a one-container pod ``restartPolicy: Never`` in ``namespace`` (default ``default``)
  with no concurrency limit.
* ``name``, ``namespace``, ``priority_class`` (optional): the pod's name (for the report),
  namespace (bare classes only) and ``priorityClassName``.
* ``cpu_request``, ``memory_request``, ``cpu_limit``, ``memory_limit`` (optional): Kubernetes
  quantities (``500m``, ``2``, ``8Gi``; a bare number is cores for CPU and bytes for memory,
  as in a manifest). A value given replaces the template's; empty keeps the template's (and
  then the LimitRange defaults apply at admission as usual).
* ``cpu_usage``, ``memory_usage`` (optional): the pod's usage series, quantities separated by
  ``;``, spread evenly over its work (sample i of n covers the fraction [i/n, (i+1)/n) of the
  work done); CPU demand in cores/millicores, working set in bytes. One value is a constant.
  Empty: the pod uses its requests (CPU demand = CPU request; working set = memory request).

Rows are replayed in (start, name, row) order, so the file's row order does not change the
result. Files are read through :func:`provisor.safeyaml.read_text_file` (regular files only,
size limit, binary detection); every error names the file, the line and the column.

The engine hook is small (``provisor.sim.engine``): the engine asks :class:`Trace` for the
arrivals (``schedule``/``arrive``), the pod template (``pod_template``), the container's
start (``started``) and, each kubelet tick, the usage of trace pods (``usage``, numpy over
the running slots).

``convert_alibaba_gpu_v2023`` shapes the Alibaba GPU cluster trace 2023
(``openb_node_list_*.csv`` and ``openb_pod_list_*.csv``; "Alibaba Cluster Trace Program",
github.com/alibaba/clusterdata) into a Node list and a trace CSV.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from provisor.quantity import Quantity, QuantityError

if TYPE_CHECKING:
    from provisor.manifests.limits import Limits
    from provisor.sim.engine import Engine, Run

#: Columns of the trace CSV (``start``, ``end`` and ``class`` are required).
COLUMNS = ("start", "end", "class", "name", "namespace", "priority_class", "cpu_request",
           "memory_request", "cpu_limit", "memory_limit", "cpu_usage", "memory_usage")
REQUIRED = ("start", "end", "class")
MAX_ROWS = 1_000_000
MAX_SERIES = 100_000
#: concurrency of a bare pod class (no PodTemplate): unlimited, as pods created directly
UNLIMITED = 2**62


class TraceError(ValueError):
    """A trace file that cannot be replayed. ``file``, ``line`` (1-based, 0 when none),
    ``column`` ("" when none); ``str()`` is ``file:line: column: message``."""

    def __init__(self, file: str, line: int, column: str, message: str) -> None:
        self.file, self.line, self.column, self.message = file, line, column, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {column}: {message}" if column else f"{where}: {message}")


@dataclass(frozen=True)
class Trace:
    """Pod records, replay-ordered (see the module doc). Plain data (picklable).

    Attributes:
        source: the file it came from.
        start_s, end_s: float64 arrays (seconds; ``end_s`` is ``nan`` when open).
        classes, names, namespaces, priority_classes: one string per record ("" = not given).
        resources: per record ``{"requests": {...}, "limits": {...}}`` of canonical
            quantity strings (only the keys given).
        cpu_flat, cpu_off, cpu_len: the CPU usage series (millicores) of every record,
            concatenated; a record's series is ``cpu_flat[off:off+len]`` (len 0: none).
        mem_flat, mem_off, mem_len: the same for the working set (bytes).
    """

    source: str
    start_s: np.ndarray
    end_s: np.ndarray
    classes: tuple[str, ...]
    names: tuple[str, ...]
    namespaces: tuple[str, ...]
    priority_classes: tuple[str, ...]
    resources: tuple[dict[str, dict[str, str]], ...]
    cpu_flat: np.ndarray
    cpu_off: np.ndarray
    cpu_len: np.ndarray
    mem_flat: np.ndarray
    mem_off: np.ndarray
    mem_len: np.ndarray
    _bare: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return int(self.start_s.size)

    # -- the engine hook -------------------------------------------------------------------
    def schedule(self, eng: "Engine") -> None:
        """Put every record's creation on the engine's event heap (records starting after
        the simulated span are left out)."""
        for i in range(len(self)):
            t = float(self.start_s[i])
            if t <= eng.T:
                eng.at(t, "trace-arrival", i)

    def _class(self, eng: "Engine", i: int) -> Any:
        from provisor.sim.engine import AgentClass

        name = self.classes[i]
        cls = eng._class_for(name)
        if cls is not None:
            return cls
        ns = self.namespaces[i] or "default"
        key = f"{ns}/{name}"
        cls = self._bare.get(key)
        if cls is None:
            tmpl = {"metadata": {"labels": {"app.kubernetes.io/name": name,
                                            "provisor.dev/trace-class": name}},
                    "spec": {"restartPolicy": "Never",
                             "containers": [{"name": "main", "image": "trace"}]}}
            cls = AgentClass(name, ns, tmpl, UNLIMITED)
            self._bare[key] = cls
        return cls

    def arrive(self, eng: "Engine", i: int) -> None:
        """Record ``i`` is created: a run of its class, queued under the class's
        concurrency."""
        from provisor.sim.engine import Run, Workflow

        cls = self._class(eng, i)
        end = float(self.end_s[i])
        work = (end - float(self.start_s[i])) if math.isfinite(end) else eng.T + 1.0
        eng.wf_id += 1
        eng.arrival_count += 1
        wf = Workflow(eng.wf_id, -1, eng.t)
        eng.run_id += 1
        run = Run(eng.run_id, wf, TRACE_STAGE, cls, eng.t, work=max(work, 1e-3), peak=0.0,
                  written=0.0, trace=i)
        cls.waiting.append(run)
        eng._dispatch(cls)

    def pod_template(self, pod: dict[str, Any], i: int) -> dict[str, Any]:
        """The pod object for record ``i``: the class template's, with the record's requests,
        limits, name and priority class."""
        spec = dict(pod.get("spec") or {})
        containers = [dict(c) for c in (spec.get("containers") or [{"name": "main"}])]
        c0 = containers[0]
        res = dict(c0.get("resources") or {})
        for kind in ("requests", "limits"):
            given = self.resources[i].get(kind)
            if given:
                res[kind] = {**dict(res.get(kind) or {}), **given}
        c0["resources"] = res
        spec["containers"] = containers
        if self.priority_classes[i]:
            spec["priorityClassName"] = self.priority_classes[i]
        pod = dict(pod)
        pod["spec"] = spec
        if self.names[i]:
            meta = dict(pod.get("metadata") or {})
            meta["annotations"] = {**dict(meta.get("annotations") or {}),
                                   "provisor.dev/trace-pod": self.names[i]}
            pod["metadata"] = meta
        return pod

    def started(self, eng: "Engine", s: int, run: "Run") -> None:
        """The container of record ``run.trace`` started in slot ``s``: no synthetic bursts or
        noise; its usage comes from :meth:`usage`."""
        eng.s_trace[s] = run.trace + 1
        eng.s_base[s] = eng.s_burst[s] = 0.0
        eng.s_p_on[s] = 0.0
        eng.s_p_off[s] = 1.0
        eng.s_noise[s] = 0.0

    def usage(self, eng: "Engine", run_idx: np.ndarray) -> None:
        """Set the CPU demand and working set of the running trace pods among ``run_idx``
        (slot indices) from their series at the fraction of work done (vectorised)."""
        rec = eng.s_trace[run_idx]
        sel = run_idx[rec > 0]
        if sel.size == 0:
            return
        r = eng.s_trace[sel] - 1
        frac = np.clip(eng.s_progress[sel] / np.maximum(eng.s_work[sel], 1e-9), 0.0, 1.0)
        cpu = _at(self.cpu_flat, self.cpu_off[r], self.cpu_len[r], frac, eng.s_cpu_req[sel])
        mem = _at(self.mem_flat, self.mem_off[r], self.mem_len[r], frac, eng.s_mem_req[sel])
        eng.s_demand[sel] = cpu
        eng.s_base[sel] = cpu
        eng.s_burst[sel] = cpu
        eng.s_ws_start[sel] = mem
        eng.s_ws_peak[sel] = mem


def _at(flat: np.ndarray, off: np.ndarray, n: np.ndarray, frac: np.ndarray,
        default: np.ndarray) -> np.ndarray:
    """Series value at fraction ``frac`` of each record (``default`` where a record has no
    series)."""
    has = n > 0
    k = np.minimum((frac * n).astype(np.int64), np.maximum(n - 1, 0))
    idx = np.where(has, off + k, 0)
    vals = flat[idx] if flat.size else np.zeros(idx.size)
    return np.where(has, vals, default)


def _trace_stage() -> Any:
    from provisor.policy.workload import Constant, CpuProfile, MemoryProfile, Stage

    return Stage(name="trace", agent="trace", duration=Constant(value=1.0),
                 cpu=CpuProfile(base=0), memory=MemoryProfile(start=0, peak=Constant(value=0.0),
                                                              noise=0.0))


#: The stage every trace run carries (its usage comes from the trace, not from here).
TRACE_STAGE = _trace_stage()


# ------------------------------------------------------------------------------- reading


def _quantity(v: str, what: str) -> Quantity:
    try:
        q = Quantity.parse(v)
    except QuantityError as exc:
        raise ValueError(f"not a quantity: {v!r} ({exc})") from None
    if q.value < 0:
        raise ValueError(f"must be >= 0: {v!r}")
    return q


def _series(text: str, cpu: bool) -> list[float]:
    parts = [p.strip() for p in text.split(";")]
    if any(not p for p in parts):
        raise ValueError(f"empty value in the series {text!r}")
    if len(parts) > MAX_SERIES:
        raise ValueError(f"{len(parts)} samples; at most {MAX_SERIES}")
    out = []
    for p in parts:
        q = _quantity(p, "usage")
        out.append(float(q.milli_value()) if cpu else float(q.int_value()))
    return out


def _seconds(v: str) -> float:
    try:
        f = float(v)
    except ValueError:
        raise ValueError(f"not a number of seconds: {v!r}") from None
    if not math.isfinite(f) or f < 0:
        raise ValueError(f"must be a finite number >= 0: {v!r}")
    return f


def parse_trace(text: str, source: str = "<trace>") -> Trace:
    """Parse trace CSV text (see the module doc).

    Raises:
        TraceError: a missing required column, an unknown column, a bad value (file, line and
            column named), ``end < start``, more than ``MAX_ROWS`` rows, no rows.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise TraceError(source, 0, "", "empty file (a header row is required)") from None
    except csv.Error as exc:
        raise TraceError(source, 1, "", f"CSV: {exc}") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise TraceError(source, 1, unknown[0], f"unknown column (columns: {', '.join(COLUMNS)})")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TraceError(source, 1, missing[0], "required column missing")
    if len(set(header)) != len(header):
        raise TraceError(source, 1, "", "a column is named twice")
    col = {h: i for i, h in enumerate(header)}
    rows: list[tuple[float, str, int, dict[str, Any]]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(x.strip() for x in row):
                continue
            if len(row) != len(header):
                raise TraceError(source, line, "", f"{len(row)} fields, the header has "
                                 f"{len(header)}")
            if len(rows) >= MAX_ROWS:
                raise TraceError(source, line, "", f"more than {MAX_ROWS:,} rows")
            get = {h: row[i].strip() for h, i in col.items()}
            rec: dict[str, Any] = {"line": line}
            name = "start"
            try:
                rec["start"] = _seconds(get["start"])
                name = "end"
                rec["end"] = _seconds(get["end"]) if get["end"] else math.nan
                if get["end"] and rec["end"] < rec["start"]:
                    raise ValueError(f"end {get['end']} is before start {get['start']}")
                name = "class"
                if not get["class"]:
                    raise ValueError("required")
                res: dict[str, dict[str, str]] = {}
                for name, kind, rname in (("cpu_request", "requests", "cpu"),
                                          ("memory_request", "requests", "memory"),
                                          ("cpu_limit", "limits", "cpu"),
                                          ("memory_limit", "limits", "memory")):
                    v = get.get(name, "")
                    if v:
                        res.setdefault(kind, {})[rname] = str(_quantity(v, name))
                rec["res"] = res
                name = "cpu_usage"
                rec["cpu"] = _series(get["cpu_usage"], True) if get.get("cpu_usage") else []
                name = "memory_usage"
                rec["mem"] = _series(get["memory_usage"], False) if get.get("memory_usage") else []
            except ValueError as exc:
                raise TraceError(source, line, name, str(exc)) from None
            for k in ("class", "name", "namespace", "priority_class"):
                rec[k] = get.get(k, "")
            rows.append((rec["start"], rec["name"], line, rec))
    except csv.Error as exc:
        raise TraceError(source, reader.line_num, "", f"CSV: {exc}") from None
    if not rows:
        raise TraceError(source, 0, "", "no pod records")
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    recs = [r[3] for r in rows]

    def flat(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lens = np.array([len(r[key]) for r in recs], np.int64)
        offs = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        data = np.array([v for r in recs for v in r[key]], np.float64)
        return data, offs, lens

    cf, co, cl = flat("cpu")
    mf, mo, ml = flat("mem")
    return Trace(source=source,
                 start_s=np.array([r["start"] for r in recs], np.float64),
                 end_s=np.array([r["end"] for r in recs], np.float64),
                 classes=tuple(r["class"] for r in recs), names=tuple(r["name"] for r in recs),
                 namespaces=tuple(r["namespace"] for r in recs),
                 priority_classes=tuple(r["priority_class"] for r in recs),
                 resources=tuple(r["res"] for r in recs),
                 cpu_flat=cf, cpu_off=co, cpu_len=cl, mem_flat=mf, mem_off=mo, mem_len=ml)


def load_trace(path: str | Path, *, limits: "Limits | None" = None) -> Trace:
    """Read a trace CSV through the hardened reader (``provisor.safeyaml.read_text_file``).

    Raises:
        TraceError: unreadable file (not found, not a regular file, too large, binary) or bad
            content (see :func:`parse_trace`).
    """
    from provisor.safeyaml import InputError, read_text_file

    try:
        text = read_text_file(path, limits=limits)
    except InputError as exc:
        raise TraceError(exc.file, exc.line, "", exc.message) from None
    return parse_trace(text, str(path))


# ------------------------------------------------------------------------------- Alibaba


def _csv_rows(path: Path, need: tuple[str, ...],
              limits: "Limits | None") -> list[tuple[int, dict[str, str]]]:
    from provisor.safeyaml import InputError, read_text_file

    try:
        text = read_text_file(path, limits=limits)
    except InputError as exc:
        raise TraceError(exc.file, exc.line, "", exc.message) from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    for n in need:
        if n not in fields:
            raise TraceError(str(path), 1, n, f"required column missing (has: {', '.join(fields)})")
    out = []
    try:
        for row in reader:
            out.append((reader.line_num, {(k or "").strip(): (v or "").strip()
                                          for k, v in row.items()}))
    except csv.Error as exc:
        raise TraceError(str(path), reader.line_num, "", f"CSV: {exc}") from None
    return out


def _int(path: Path, line: int, col: str, v: str, *, allow_empty: bool = False) -> int | None:
    if v == "" and allow_empty:
        return None
    try:
        f = float(v)
    except ValueError:
        raise TraceError(str(path), line, col, f"not a number: {v!r}") from None
    if not math.isfinite(f) or f < 0 or f != int(f):
        raise TraceError(str(path), line, col, f"must be an integer >= 0: {v!r}")
    return int(f)


def _fmt_s(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Converted:
    """What :func:`convert_alibaba_gpu_v2023` produced: ``nodes_yaml`` (a ``v1`` ``List`` of
    Node objects), ``pods_csv`` (a trace CSV), and counts for the report."""

    nodes_yaml: str
    pods_csv: str
    nodes: int
    pods: int
    skipped: int
    window_s: float


def convert_alibaba_gpu_v2023(nodes_csv: str | Path, pods_csv: str | Path, *,
                              start_s: float | None = None, days: float | None = None,
                              limits: "Limits | None" = None) -> Converted:
    """The Alibaba GPU cluster trace 2023 as a Node list and a trace CSV.

    Nodes (``sn, cpu_milli, memory_mib, gpu, model``): one Node each, capacity = allocatable
    = ``cpu_milli`` millicores, ``memory_mib`` MiB, 110 pods; ``gpu`` and ``model`` become
    the labels ``provisor.dev/gpu-count`` and ``provisor.dev/gpu-model`` (the twin fits CPU,
    memory and pod count, not GPUs: docs/simulate.md).

    Pods (``name, cpu_milli, memory_mib, ..., qos, creation_time, deletion_time,
    scheduled_time``): ``start`` = creation time, ``end`` = start + (deletion time - the
    scheduled time, or the creation time when never scheduled): the time the pod ran;
    ``class`` = the QoS (``LS``, ``BE``, ``Burstable``, ... lower-cased), requests =
    ``cpu_milli`` and ``memory_mib``, no limits, no usage series (usage = requests). Times
    are shifted so the window starts at 0: ``start_s`` (trace seconds; default the first
    creation) for ``days`` (default: to the last deletion). Pods alive at the window's start
    start at 0 with the work they have left; pods created after its end are left out.
    Rows without a creation or deletion time, or whose deletion precedes their creation,
    are skipped (counted in ``skipped``).

    Raises:
        TraceError: a file cannot be read, a required column is missing, a bad number.
    """
    nodes_csv, pods_csv = Path(nodes_csv), Path(pods_csv)
    nrows = _csv_rows(nodes_csv, ("sn", "cpu_milli", "memory_mib"), limits)
    if not nrows:
        raise TraceError(str(nodes_csv), 0, "", "no nodes")
    items = []
    for line, r in sorted(nrows, key=lambda x: x[1]["sn"]):
        cpu = _int(nodes_csv, line, "cpu_milli", r["cpu_milli"])
        mem = _int(nodes_csv, line, "memory_mib", r["memory_mib"])
        if not r["sn"]:
            raise TraceError(str(nodes_csv), line, "sn", "empty node name")
        labels = {"kubernetes.io/hostname": r["sn"]}
        gpu = _int(nodes_csv, line, "gpu", r.get("gpu", ""), allow_empty=True)
        if gpu:
            labels["provisor.dev/gpu-count"] = str(gpu)
        if r.get("model") and r["model"].lower() != "nan":
            labels["provisor.dev/gpu-model"] = r["model"]
        res = {"cpu": f"{cpu}m", "memory": f"{mem}Mi", "pods": "110"}
        items.append({"apiVersion": "v1", "kind": "Node",
                      "metadata": {"name": r["sn"], "labels": labels},
                      "status": {"capacity": dict(res), "allocatable": dict(res)}})
    import yaml

    nodes_yaml = ("# Nodes of the Alibaba GPU cluster trace 2023 (Alibaba Cluster Trace Program,\n"
                  "# github.com/alibaba/clusterdata), converted by provisor trace convert\n"
                  + yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items},
                                   sort_keys=False))
    prows = _csv_rows(pods_csv, ("name", "cpu_milli", "memory_mib", "creation_time",
                                 "deletion_time"), limits)
    recs = []
    skipped = 0
    for line, r in prows:
        c = _int(pods_csv, line, "creation_time", r["creation_time"], allow_empty=True)
        d = _int(pods_csv, line, "deletion_time", r["deletion_time"], allow_empty=True)
        s = _int(pods_csv, line, "scheduled_time", r.get("scheduled_time", ""), allow_empty=True)
        if c is None or d is None or d < c:
            skipped += 1
            continue
        ran = d - (s if s is not None and c <= s <= d else c)
        recs.append((c, c + ran, line, r))
    if not recs:
        raise TraceError(str(pods_csv), 0, "", "no pod with creation and deletion times")
    t0 = float(start_s) if start_s is not None else float(min(x[0] for x in recs))
    t_end = t0 + days * 86400.0 if days is not None else float(max(x[1] for x in recs))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["start", "end", "class", "name", "cpu_request", "memory_request"])
    n = 0
    for c, e, line, r in sorted(recs, key=lambda x: (x[0], x[3]["name"], x[2])):
        if c > t_end or e <= t0:
            continue
        start = max(c - t0, 0.0)
        end = e - t0
        cpu = _int(pods_csv, line, "cpu_milli", r["cpu_milli"])
        mem = _int(pods_csv, line, "memory_mib", r["memory_mib"])
        qos = (r.get("qos") or "unknown").lower()
        w.writerow([_fmt_s(start), _fmt_s(end), qos, r["name"], f"{cpu}m", f"{mem}Mi"])
        n += 1
    return Converted(nodes_yaml, out.getvalue(), len(items), n, skipped, t_end - t0)
