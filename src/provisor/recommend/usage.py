"""Per-container usage histories, built from series (``provisor.series``) of cAdvisor and
kube-state-metrics names, whatever produced them (Prometheus, files, the twin).

Public API
----------
``ContainerUsage``
    One container of one pod: CPU usage in **cores** (``cpu_t``/``cpu``, the average over the
    interval ending at ``cpu_t``), working set in **bytes** (``mem_t``/``mem``), the throttled
    share of CFS periods per interval (``thr_t``/``thr``, 0..1, empty when unknown), OOM-kill
    times (seconds), and the container's requests and limits (cores, bytes; NaN when unknown).
``GroupKey(namespace, group, model, container)``
    What a recommendation is for: one container name of one agent class (and model).
``usage_from_series(series, group_labels=..., model_labels=...) -> list[ContainerUsage]``
    Joins the series by (namespace, pod, container); the class comes from a label on the
    usage series themselves or from ``kube_pod_labels`` (``label_provisor_dev_tier``,
    then ``label_provisor_dev_agent``, ...); without one, the workload: the owner from
    ``kube_pod_owner`` (``workload_of_owner``), else what the pod name says
    (``workload_of_pod``). Counters are turned into per-interval rates with
    Prometheus' counter-reset rule (a decrease means the counter restarted from 0).
``group_usages(usages) -> dict[GroupKey, list[ContainerUsage]]`` (sorted keys).
``clip(usage, start, end)`` keeps the samples with ``start <= t < end``.

Metric names read (the names of cAdvisor and kube-state-metrics v2):
``container_cpu_usage_seconds_total`` (counter, seconds), ``container_memory_working_set_bytes``
(gauge, bytes), ``container_cpu_cfs_periods_total`` / ``container_cpu_cfs_throttled_periods_total``
(counters), ``container_oom_events_total`` (counter), ``kube_pod_container_resource_requests`` /
``kube_pod_container_resource_limits`` (``resource=cpu|memory``, cores / bytes),
``kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}`` (gauge 0/1),
``kube_pod_labels`` and ``kube_pod_owner``. Series named ``provisor:container_cpu_usage:cores`` hold CPU usage already as
a rate in cores (what the Prometheus source asks for when a recording rule gives it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CPU_RATE_NAME",
    "DEFAULT_GROUP_LABELS",
    "DEFAULT_MODEL_LABELS",
    "ContainerUsage",
    "GroupKey",
    "UsageError",
    "clip",
    "counter_deltas",
    "group_usages",
    "usage_from_series",
    "workload_of_owner",
    "workload_of_pod",
]

#: A series of CPU usage already in cores (a rate), e.g. from a recording rule.
CPU_RATE_NAME = "provisor:container_cpu_usage:cores"
#: Pod labels (as kube-state-metrics exposes them, and as plain labels) naming the agent class.
DEFAULT_GROUP_LABELS: tuple[str, ...] = (
    "label_provisor_dev_tier", "provisor_dev_tier", "class",
    "label_provisor_dev_agent", "provisor_dev_agent",
)
#: Pod labels naming the model the agent runs.
DEFAULT_MODEL_LABELS: tuple[str, ...] = ("label_provisor_dev_model", "provisor_dev_model", "model")
_NO_GROUP = "-"


class UsageError(ValueError):
    """Series that cannot be turned into usage (no usage series at all, bad values)."""


class GroupKey(NamedTuple):
    """One recommendation's subject: a container name of one class (and model) in a namespace."""

    namespace: str
    group: str
    model: str
    container: str


@dataclass
class ContainerUsage:
    """Usage history of one container of one pod; arrays are float64, times in seconds."""

    namespace: str
    pod: str
    container: str
    group: str = _NO_GROUP
    model: str = ""
    cpu_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    cpu: np.ndarray = field(default_factory=lambda: np.empty(0))
    mem_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    mem: np.ndarray = field(default_factory=lambda: np.empty(0))
    thr_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    thr: np.ndarray = field(default_factory=lambda: np.empty(0))
    oom_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    request_cpu: float = math.nan
    request_mem: float = math.nan
    limit_cpu: float = math.nan
    limit_mem: float = math.nan

    @property
    def key(self) -> GroupKey:
        return GroupKey(self.namespace, self.group, self.model, self.container)


def counter_deltas(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-interval increases of a counter: ``(t_end, increase, dt)`` for consecutive samples.

    NaN samples are dropped first; then ``provisor.series.deltas`` (a decrease is a counter
    reset, as Prometheus' ``rate``/``increase`` count it: the increase is the new value).
    """
    from types import SimpleNamespace

    from provisor.series import deltas

    ok = ~np.isnan(v)
    t, v = t[ok], v[ok]
    te, d = deltas(SimpleNamespace(timestamps=t, values=v))
    return te, d, np.diff(t)


def _label(labels: Mapping[str, str], names: Sequence[str]) -> str:
    for n in names:
        v = labels.get(n)
        if v:
            return v
    return ""


_RS_HASH = re.compile(r"-[0-9a-f]{6,10}$")
_CRON_SUFFIX = re.compile(r"-\d{8,10}$")
_POD_SUFFIX = re.compile(r"-[a-z0-9]{5}$")


def workload_of_owner(kind: str, name: str) -> str:
    """The workload behind a pod owner (``kube_pod_owner``): a ReplicaSet's Deployment (the
    pod-template hash removed), a Job's CronJob (the scheduled-time suffix removed), else the
    owner itself; ``""`` without an owner."""
    if not name or name == "<none>":
        return ""
    if kind == "ReplicaSet":
        return _RS_HASH.sub("", name)
    if kind == "Job":
        return _CRON_SUFFIX.sub("", name)
    return name


def workload_of_pod(pod: str) -> str:
    """The workload a pod name suggests when nothing else says (the names controllers give):
    ``<deployment>-<hash>-<5>`` -> deployment, ``<cronjob>-<minutes>-<5>`` -> cronjob,
    ``<job>-<5>`` -> job; ``<statefulset>-<ordinal>`` -> statefulset; else the pod."""
    base = _POD_SUFFIX.sub("", pod)
    if base != pod:
        return _CRON_SUFFIX.sub("", _RS_HASH.sub("", base)) or base
    m = re.match(r"^(.+)-\d+$", pod)
    return m.group(1) if m else pod


def _last_value(v: np.ndarray) -> float:
    ok = v[~np.isnan(v)]
    return float(ok[-1]) if len(ok) else math.nan


def usage_from_series(
    series: Iterable[Any],
    *,
    group_labels: Sequence[str] = DEFAULT_GROUP_LABELS,
    model_labels: Sequence[str] = DEFAULT_MODEL_LABELS,
) -> list[ContainerUsage]:
    """Container usages from series objects with ``labels``, ``timestamps``, ``values``.

    Series of other names are ignored; containers named ``""`` or ``POD`` (the pause container
    and cgroup totals) are skipped. Returns the usages sorted by (namespace, pod, container),
    so the result does not depend on the order of the input.

    Raises:
        UsageError: a timestamp array and value array of different lengths.
    """
    pod_meta: dict[tuple[str, str], tuple[str, str]] = {}
    pod_owner: dict[tuple[str, str], str] = {}
    by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
    for s in series:
        labels = s.labels
        name = labels.get("__name__", "")
        t = np.asarray(s.timestamps, dtype=np.float64)
        v = np.asarray(s.values, dtype=np.float64)
        if t.shape != v.shape:
            raise UsageError(f"series {name}: {len(t)} timestamps but {len(v)} values")
        ns, pod = labels.get("namespace", ""), labels.get("pod", "")
        if name == "kube_pod_labels":
            pod_meta[(ns, pod)] = (_label(labels, group_labels), _label(labels, model_labels))
            continue
        if name == "kube_pod_owner":
            owner = workload_of_owner(labels.get("owner_kind", ""), labels.get("owner_name", ""))
            if owner:
                pod_owner[(ns, pod)] = owner
            continue
        container = labels.get("container", "")
        if not container or container == "POD":
            continue
        entry = by_key.setdefault((ns, pod, container), {"group": "", "model": "", "parts": {}})
        entry["group"] = entry["group"] or _label(labels, group_labels)
        entry["model"] = entry["model"] or _label(labels, model_labels)
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
        parts: dict[str, Any] = entry["parts"]
        if name == "kube_pod_container_resource_requests" or \
                name == "kube_pod_container_resource_limits":
            res = labels.get("resource", "")
            if res in ("cpu", "memory"):
                kind = "req" if name.endswith("requests") else "lim"
                parts[f"{kind}_{res}"] = _last_value(v)
        elif name == "kube_pod_container_status_last_terminated_reason":
            if labels.get("reason") == "OOMKilled":
                # A 0 -> 1 step is one new OOM kill.
                ok = ~np.isnan(v)
                tt, vv = t[ok], v[ok] > 0
                rises = vv & ~np.concatenate(([False], vv[:-1]))
                parts.setdefault("oom_ksm", []).append(tt[rises])
        else:
            parts.setdefault(name, []).append((t, v))
    out: list[ContainerUsage] = []
    for (ns, pod, container) in sorted(by_key):
        entry = by_key[(ns, pod, container)]
        parts = entry["parts"]
        meta = pod_meta.get((ns, pod), ("", ""))
        group = entry["group"] or meta[0] or pod_owner.get((ns, pod)) or workload_of_pod(pod)
        u = ContainerUsage(ns, pod, container, group or _NO_GROUP, entry["model"] or meta[1])
        cpu_t: list[np.ndarray] = []
        cpu_v: list[np.ndarray] = []
        for t, v in parts.get("container_cpu_usage_seconds_total", []):
            te, inc, dt = counter_deltas(t, v)
            good = dt > 0
            cpu_t.append(te[good])
            cpu_v.append(inc[good] / dt[good])
        for t, v in parts.get(CPU_RATE_NAME, []):
            ok = ~np.isnan(v)
            cpu_t.append(t[ok])
            cpu_v.append(v[ok])
        if cpu_t:
            u.cpu_t, u.cpu = _merge(cpu_t, cpu_v)
        mem = parts.get("container_memory_working_set_bytes", [])
        if mem:
            mt, mv = _merge([t for t, _ in mem], [v for _, v in mem])
            ok = ~np.isnan(mv)
            u.mem_t, u.mem = mt[ok], mv[ok]
        periods = parts.get("container_cpu_cfs_periods_total", [])
        throttled = parts.get("container_cpu_cfs_throttled_periods_total", [])
        if periods and throttled:
            pt, pd, _ = counter_deltas(*_merge([t for t, _ in periods], [v for _, v in periods]))
            tt, td, _ = counter_deltas(
                *_merge([t for t, _ in throttled], [v for _, v in throttled]))
            common, ip, it = np.intersect1d(pt, tt, return_indices=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(pd[ip] > 0, td[it] / pd[ip], 0.0)
            u.thr_t, u.thr = common, np.clip(share, 0.0, 1.0)
        # OOM kills: cAdvisor's counter when there is one (exact times, every kill); else the
        # 0 -> 1 steps of kube-state-metrics' last terminated reason (a kill that follows
        # another without a different termination in between is not seen there).
        ooms: list[np.ndarray] = []
        for t, v in parts.get("container_oom_events_total", []):
            te, inc, _ = counter_deltas(t, v)
            # k kills in one interval count k times, at the interval's end.
            ooms.append(np.repeat(te, np.maximum(np.rint(inc), 0).astype(np.int64)))
        if not ooms:
            ooms = list(parts.get("oom_ksm", []))
        if ooms:
            u.oom_t = np.sort(np.concatenate(ooms))
        u.request_cpu = parts.get("req_cpu", math.nan)
        u.request_mem = parts.get("req_memory", math.nan)
        u.limit_cpu = parts.get("lim_cpu", math.nan)
        u.limit_mem = parts.get("lim_memory", math.nan)
        if len(u.cpu) or len(u.mem):
            out.append(u)
    return out


def _merge(ts: list[np.ndarray], vs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate pieces of one quantity, sorted by time, keeping the last of equal times."""
    t = np.concatenate(ts)
    v = np.concatenate(vs)
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    if len(t) > 1:
        keep = np.concatenate((t[1:] != t[:-1], [True]))
        t, v = t[keep], v[keep]
    return t, v


def group_usages(usages: Iterable[ContainerUsage]) -> dict[GroupKey, list[ContainerUsage]]:
    """Usages by ``GroupKey``, keys sorted, members sorted by pod."""
    out: dict[GroupKey, list[ContainerUsage]] = {}
    for u in usages:
        out.setdefault(u.key, []).append(u)
    return {k: sorted(out[k], key=lambda u: u.pod) for k in sorted(out)}


def clip(u: ContainerUsage, start: float, end: float) -> ContainerUsage:
    """A copy of ``u`` with only the samples and OOM kills in ``[start, end)`` (seconds)."""

    def win(t: np.ndarray) -> np.ndarray:
        return (t >= start) & (t < end)

    c, m, h, o = win(u.cpu_t), win(u.mem_t), win(u.thr_t), win(u.oom_t)
    return ContainerUsage(
        u.namespace, u.pod, u.container, u.group, u.model,
        u.cpu_t[c], u.cpu[c], u.mem_t[m], u.mem[m], u.thr_t[h], u.thr[h], u.oom_t[o],
        u.request_cpu, u.request_mem, u.limit_cpu, u.limit_mem,
    )
