"""A Prometheus HTTP API client (httpx) and the batched usage scan ``recommend`` runs.

``PromClient(url, *, token_env=None, token_file=None, basic_auth=None, ca_file=None,
verify=True, timeout=30.0, retries=3, backoff=0.5)``
    Bearer token from an environment variable or a file (read once; never printed, never in an
    error message or ``repr``), HTTP basic auth, TLS verified by default (``ca_file`` adds a CA
    bundle), a timeout per request (seconds), retries with exponential backoff
    (``backoff * 2**attempt`` seconds) on 5xx answers, timeouts and connection errors.
    ``query(expr, at)`` and ``query_range(expr, start, end, step)`` (seconds) return
    ``PromSeries(labels, timestamps, values)`` lists (float64 arrays; ``NaN`` samples kept as
    NaN). A range with more than ``max_points`` (11,000, Prometheus' limit) points per series is
    split into consecutive sub-ranges and the pieces joined per label set. ``warnings`` holds
    the ``warnings`` of partial answers; ``stats`` counts queries and response bytes.
    Errors: ``PromError`` naming the URL and the HTTP status or the failure.

``scan_usage(client, start, end, step, *, namespaces=None, group_label=..., max_samples=...,
progress=None) -> list[PromSeries]``
    The series ``provisor.recommend`` needs, batched: one metadata lookup (is the
    kube-prometheus recording rule
    ``node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m`` there? then it
    replaces the CPU counter, renamed ``provisor:container_cpu_usage:cores``), one range query
    for the kube-state-metrics series of all the namespaces (requests, limits, last terminated
    reason, pod labels -- which also give each pod's class), then one range query per
    namespace for every cAdvisor series of its containers (usage, working set, CFS periods, OOM
    events, as one ``__name__`` regex), split per class (``and on(namespace, pod)
    kube_pod_labels{class}``) and then in time only when a query would ask for more than
    ``max_samples`` samples. The classes are joined locally from ``kube_pod_labels``. The number
    of queries depends on the namespaces, classes and range, never on the number of pods.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

__all__ = [
    "CADVISOR_METRICS",
    "CPU_RECORDING_RULE",
    "DEFAULT_MAX_SAMPLES_PER_QUERY",
    "KSM_METRICS",
    "KSM_STEP",
    "MAX_POINTS",
    "PromClient",
    "PromError",
    "PromSeries",
    "ScanPlan",
    "cadvisor_query",
    "ksm_query",
    "plan_cadvisor",
    "scan_usage",
]

#: Prometheus refuses range queries of more than 11,000 points per series
#: (prometheus/prometheus web/api/v1/api.go: "exceeded maximum resolution of 11,000 points").
MAX_POINTS = 11_000
CADVISOR_METRICS = (
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_cpu_cfs_periods_total",
    "container_cpu_cfs_throttled_periods_total",
    "container_oom_events_total",
)
KSM_METRICS = (
    "kube_pod_container_resource_requests",
    "kube_pod_container_resource_limits",
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_labels",
    "kube_pod_owner",
)
CPU_RECORDING_RULE = "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"


class PromError(RuntimeError):
    """Prometheus could not answer: the message names the URL and the status or the cause."""


@dataclass
class PromSeries:
    """One series of an answer: labels (with ``__name__`` when kept), float64 arrays."""

    labels: dict[str, str]
    timestamps: np.ndarray
    values: np.ndarray


@dataclass
class PromStats:
    """Queries sent (``queries``, retries included as ``attempts``) and response ``bytes``."""

    queries: int = 0
    attempts: int = 0
    bytes: int = 0


class _Secret:
    """Holds a credential; its ``repr``/``str`` never show it."""

    __slots__ = ("_v",)

    def __init__(self, v: str) -> None:
        self._v = v

    def get(self) -> str:
        return self._v

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class PromClient:
    """Prometheus HTTP API v1 client (module docstring). Use as a context manager or call
    ``close()``."""

    def __init__(
        self,
        url: str,
        *,
        token_env: str | None = None,
        token_file: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        ca_file: str | None = None,
        verify: bool = True,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_points: int = MAX_POINTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        if not url.startswith(("http://", "https://")):
            raise PromError(f"{url}: the Prometheus URL must start with http:// or https://")
        self.url = url.rstrip("/")
        headers = {"Accept": "application/json"}
        token: _Secret | None = None
        if token_env:
            v = os.environ.get(token_env)
            if not v:
                raise PromError(f"{self.url}: environment variable {token_env} is not set")
            token = _Secret(v.strip())
        if token_file:
            try:
                with open(token_file, encoding="utf-8") as fh:
                    token = _Secret(fh.read().strip())
            except OSError as exc:
                raise PromError(f"{self.url}: cannot read the token file {token_file}: "
                                f"{exc.strerror}") from None
        self._token = token
        auth = httpx.BasicAuth(basic_auth[0], basic_auth[1]) if basic_auth else None
        verify_arg: Any = verify
        if ca_file:
            import ssl

            try:
                verify_arg = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise PromError(f"{self.url}: cannot load the CA file {ca_file}: {exc}") from None
        self._http = httpx.Client(headers=headers, auth=auth, verify=verify_arg,
                                  timeout=timeout)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_points = max_points
        self.warnings: list[str] = []
        self.stats = PromStats()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"PromClient({self.url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ------------------------------------------------------------------------

    def _request(self, path: str, params: dict[str, str], method: str = "POST") -> Any:
        import httpx

        url = f"{self.url}{path}"
        headers = {}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get()}"
        self.stats.queries += 1
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            self.stats.attempts += 1
            try:
                if method == "GET":
                    resp = self._http.get(url, params=params, headers=headers)
                else:
                    resp = self._http.post(url, data=params, headers=headers)
            except httpx.TimeoutException:
                last = f"no answer within {self.timeout:g} s"
                continue
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__})"
                continue
            self.stats.bytes += len(resp.content)
            if resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
                continue
            if resp.status_code == 200:
                fast = _fast_matrix(resp.content)
                if fast is not None:
                    series, warnings = fast
                    self.warnings.extend(warnings)
                    return {"resultType": "matrix", "series": series}
            try:
                body = resp.json()
            except ValueError:
                raise PromError(f"{url}: HTTP {resp.status_code}: the answer is not JSON") \
                    from None
            if resp.status_code != 200 or body.get("status") != "success":
                raise PromError(f"{url}: HTTP {resp.status_code}: "
                                f"{body.get('errorType', 'error')}: {body.get('error', '')}")
            for w in body.get("warnings") or ():
                self.warnings.append(str(w))
            return body.get("data")
        raise PromError(f"{url}: gave up after {self.retries + 1} attempt(s): {last}")

    # -- API --------------------------------------------------------------------------------

    def label_values(self, label: str) -> list[str]:
        """``GET /api/v1/label/<label>/values`` (sorted)."""
        data = self._request(f"/api/v1/label/{label}/values", {}, "GET")
        return sorted(str(v) for v in data or ())

    def query(self, expr: str, at: float) -> list[PromSeries]:
        """Instant query at ``at`` (seconds); vectors and matrices both become series."""
        data = self._request("/api/v1/query", {"query": expr, "time": repr(float(at))})
        return _parse_result(data)

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[PromSeries]:
        """Range query; split when a series would exceed ``max_points`` points."""
        if step <= 0 or end < start:
            raise PromError(f"{self.url}: bad range {start}..{end} step {step}")
        per = self.max_points - 1
        pieces: dict[tuple[tuple[str, str], ...], list[PromSeries]] = {}
        s = start
        while s <= end:
            e = min(end, s + per * step)
            data = self._request("/api/v1/query_range", {
                "query": expr, "start": repr(float(s)), "end": repr(float(e)),
                "step": repr(float(step))})
            for ser in _parse_result(data):
                pieces.setdefault(tuple(sorted(ser.labels.items())), []).append(ser)
            s = e + step
        out = []
        for key in sorted(pieces):
            parts = pieces[key]
            out.append(PromSeries(dict(key), np.concatenate([p.timestamps for p in parts]),
                                  np.concatenate([p.values for p in parts])))
        return out


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


_MATRIX_HEAD = b'{"status":"success","data":{"resultType":"matrix","result":['
_METRIC = b'{"metric":'
_VALUES = b',"values":['


def _fast_matrix(content: bytes) -> tuple[list[PromSeries], list[str]] | None:
    """Parse a matrix answer laid out as Prometheus writes it without building a Python
    object per sample (``json.loads`` of 10 million samples takes gigabytes): the label sets
    go through ``json``, each ``values`` array straight into numpy. Returns None when the
    answer is laid out otherwise (then the caller parses it with ``json``)."""
    if not content.startswith(_MATRIX_HEAD):
        return None
    out: list[PromSeries] = []
    pos = len(_MATRIX_HEAD)
    n = len(content)
    while pos < n and content[pos:pos + 1] != b"]":
        if content[pos:pos + 1] == b",":
            pos += 1
        if not content.startswith(_METRIC, pos):
            return None
        # Inside a JSON string '"' is escaped, so ',"values":[' cannot occur in a label.
        vpos = content.find(_VALUES, pos)
        if vpos < 0:
            return None
        try:
            labels = json.loads(content[pos + len(_METRIC):vpos])
        except ValueError:
            return None
        start = vpos + len(_VALUES)
        if content.startswith(b"]}", start):
            out.append(PromSeries({str(k): str(v) for k, v in labels.items()},
                                  np.empty(0), np.empty(0)))
            pos = start + 2
            continue
        end = content.find(b"]]}", start)
        if end < 0:
            return None
        seg = content[start:end + 1].translate(None, b'[]"')
        flat = np.fromstring(seg.decode("ascii"), sep=",")  # noqa: NPY201 (text mode)
        if len(flat) != seg.count(b",") + 1 or len(flat) % 2:
            return None
        out.append(PromSeries({str(k): str(v) for k, v in labels.items()},
                              flat[0::2].copy(), flat[1::2].copy()))
        pos = end + 3
    try:
        tail = json.loads(b'{"data":{"result":[' + content[pos:])
    except ValueError:
        return None
    if tail.get("status", "success") != "success":
        return None
    return out, [str(w) for w in tail.get("warnings") or ()]


def _parse_result(data: Any) -> list[PromSeries]:
    if not isinstance(data, dict):
        return []
    if "series" in data:
        return list(data["series"])
    kind = data.get("resultType")
    out = []
    for item in data.get("result") or ():
        labels = {str(k): str(v) for k, v in (item.get("metric") or {}).items()}
        if kind == "matrix":
            vals = item.get("values") or []
        elif kind == "vector":
            vals = [item.get("value")] if item.get("value") else []
        else:
            continue
        t = np.array([_float(p[0]) for p in vals], dtype=np.float64)
        v = np.array([_float(p[1]) for p in vals], dtype=np.float64)
        out.append(PromSeries(labels, t, v))
    return out


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


#: Default most samples (series x points) one range query may ask for; above it a scan splits
#: the namespace by class, then the range in time. Prometheus' own ``--query.max-samples``
#: default is 50,000,000 samples in memory at once.
DEFAULT_MAX_SAMPLES_PER_QUERY = 10_000_000


def _ns_matcher(namespaces: Sequence[str] | None) -> str:
    if namespaces:
        return f"namespace=~{_quote('|'.join(sorted(namespaces)))}"
    return 'namespace!=""'


#: Label that carries the metric name through ``max_over_time`` in the kube-state-metrics query.
KSM_NAME_LABEL = "provisor_metric"
#: Resolution of the kube-state-metrics query: requests, limits and pod labels change rarely.
KSM_STEP = 3600.0


def ksm_query(namespaces: Sequence[str] | None = None, step: float = 0.0,
              ksm_step: float = KSM_STEP) -> str:
    """The kube-state-metrics query of a scan (all namespaces, or a regex of them).

    With ``step`` (the scan's resolution) and ``ksm_step > step``: the per-window maximum
    through a subquery at ``step``, so a pod that lived only minutes is still seen, while the
    answer holds ``step / ksm_step`` as many points; the metric name travels in the
    ``provisor_metric`` label (functions drop ``__name__``).
    """
    sel = f"{{__name__=~{_quote('|'.join(KSM_METRICS))},{_ns_matcher(namespaces)}}}"
    if step <= 0 or ksm_step <= step:
        return sel
    return (f'max_over_time(label_replace({sel}, "{KSM_NAME_LABEL}", "$1", "__name__", "(.+)")'
            f"[{int(ksm_step)}s:{int(step)}s])")


def cadvisor_query(namespace: str, group_label: str = "", group: str = "",
                   use_recording_rule: bool = False) -> str:
    """The cAdvisor selector of one namespace (and, with ``group``, one class through
    ``and on(namespace, pod) kube_pod_labels{group_label="group"}``)."""
    metrics = [m for m in CADVISOR_METRICS
               if not (use_recording_rule and m == "container_cpu_usage_seconds_total")]
    if use_recording_rule:
        metrics.append(CPU_RECORDING_RULE)
    from provisor.recommend.usage import CPU_RATE_NAME

    metrics.append(CPU_RATE_NAME)
    sel = (f"{{__name__=~{_quote('|'.join(metrics))},namespace={_quote(namespace)},"
           'container!="",container!="POD"}')
    if group:
        sel += (f" and on(namespace, pod) kube_pod_labels{{namespace={_quote(namespace)},"
                f"{group_label}={_quote(group)}}}")
    return sel


@dataclass
class ScanPlan:
    """The cAdvisor range queries of one scan: ``(namespace, class or "", expr, chunk
    seconds)``; the class is ``""`` when the namespace is fetched whole."""

    queries: list[tuple[str, str, str, float]] = field(default_factory=list)


def plan_cadvisor(containers: dict[tuple[str, str], int], start: float, end: float,
                  step: float, group_label: str, use_recording_rule: bool,
                  max_samples: int = DEFAULT_MAX_SAMPLES_PER_QUERY) -> ScanPlan:
    """Batch the cAdvisor queries: ``containers`` counts containers per (namespace, class).

    A namespace is one query when ``containers x metrics x points`` fits ``max_samples``;
    else one query per class; a class still too large is fetched in shorter time chunks (the
    chunk length is part of each entry; ``PromClient.query_range`` also splits at 11,000
    points). Never one query per pod or container.
    """
    n_metrics = len(CADVISOR_METRICS)
    points = int((end - start) // step) + 1
    plan = ScanPlan()
    by_ns: dict[str, dict[str, int]] = {}
    for (ns, cls), n in containers.items():
        by_ns.setdefault(ns, {})[cls] = by_ns.setdefault(ns, {}).get(cls, 0) + n
    for ns in sorted(by_ns):
        total = sum(by_ns[ns].values())
        if total * n_metrics * points <= max_samples or set(by_ns[ns]) <= {""}:
            chunk = _chunk(total * n_metrics, step, max_samples)
            plan.queries.append((ns, "", cadvisor_query(ns, use_recording_rule=
                                                        use_recording_rule), chunk))
            continue
        for cls in sorted(by_ns[ns]):
            n = by_ns[ns][cls]
            plan.queries.append((ns, cls, cadvisor_query(ns, group_label, cls,
                                                         use_recording_rule),
                                 _chunk(n * n_metrics, step, max_samples)))
    return plan


def _chunk(series: int, step: float, max_samples: int) -> float:
    """Longest range (seconds) whose points x series stay within ``max_samples``."""
    pts = max(1, min(MAX_POINTS, max_samples // max(series, 1)))
    return (pts - 1) * step if pts > 1 else step


def scan_usage(
    client: PromClient,
    start: float,
    end: float,
    step: float,
    *,
    namespaces: Sequence[str] | None = None,
    group_label: str = "label_provisor_dev_tier",
    max_samples: int = DEFAULT_MAX_SAMPLES_PER_QUERY,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[PromSeries]:
    """Fetch the usage series of ``[start, end]`` at ``step`` seconds (module docstring).

    Requests: one metadata lookup (``/api/v1/label/__name__/values``: is the CPU recording
    rule there?), one kube-state-metrics range query over the namespaces (requests, limits,
    OOMKilled, pod labels: this also tells the classes and their sizes), then the cAdvisor
    range queries of ``plan_cadvisor``.

    Raises:
        PromError: Prometheus failed (after retries) or holds no container usage.
    """
    from provisor.recommend.usage import CPU_RATE_NAME

    names = set(client.label_values("__name__"))
    usage_names = set(CADVISOR_METRICS) | {CPU_RECORDING_RULE, CPU_RATE_NAME}
    if not names & usage_names:
        raise PromError(f"{client.url}: no container usage series "
                        f"({', '.join(CADVISOR_METRICS[:2])}, ...) in this Prometheus")
    use_rule = CPU_RECORDING_RULE in names
    out: list[PromSeries] = []
    ksm_step = max(step, min(KSM_STEP, end - start)) if end > start else step
    ksm = client.query_range(ksm_query(namespaces, step, ksm_step), start, end, ksm_step)
    for s in ksm:
        name = s.labels.pop(KSM_NAME_LABEL, None)
        if name:
            s.labels["__name__"] = name
    out.extend(ksm)
    containers: dict[tuple[str, str], int] = {}
    pod_class: dict[tuple[str, str], str] = {}
    for s in ksm:
        if s.labels.get("__name__") == "kube_pod_labels":
            pod_class[(s.labels.get("namespace", ""), s.labels.get("pod", ""))] = \
                s.labels.get(group_label, "")
    seen: set[tuple[str, str, str]] = set()
    for s in ksm:
        if s.labels.get("__name__") == "kube_pod_container_resource_requests":
            ns, pod, c = (s.labels.get(k, "") for k in ("namespace", "pod", "container"))
            if (ns, pod, c) not in seen:
                seen.add((ns, pod, c))
                key = (ns, pod_class.get((ns, pod), ""))
                containers[key] = containers.get(key, 0) + 1
    if not containers:
        # No kube-state-metrics: one query per namespace that has usage.
        found = client.query(
            "count by (namespace) (last_over_time(container_memory_working_set_bytes"
            f"{{{_ns_matcher(namespaces)}}}[{max(int(end - start), 1)}s]))", end)
        containers = {(s.labels.get("namespace", ""), ""): int(_float(s.values[0]))
                      for s in found if len(s.values)}
    plan = plan_cadvisor(containers, start, end, step, group_label, use_rule, max_samples)
    for i, (ns, cls, expr, chunk) in enumerate(plan.queries, start=1):
        s0 = start
        while s0 <= end:
            e0 = min(end, s0 + chunk)
            for s in client.query_range(expr, s0, e0, step):
                if s.labels.get("__name__") == CPU_RECORDING_RULE:
                    s.labels["__name__"] = CPU_RATE_NAME
                out.append(s)
            s0 = e0 + step
        if progress is not None:
            progress(f"{ns}/{cls or '*'}", i, len(plan.queries))
    return _join_chunks(out)


def _join_chunks(series: list[PromSeries]) -> list[PromSeries]:
    """Join pieces of the same label set (time chunks) into one series, sorted."""
    by: dict[tuple[tuple[str, str], ...], list[PromSeries]] = {}
    for s in series:
        by.setdefault(tuple(sorted(s.labels.items())), []).append(s)
    out = []
    for key in sorted(by):
        parts = sorted(by[key], key=lambda p: float(p.timestamps[0]) if len(p.timestamps) else 0)
        out.append(PromSeries(dict(key), np.concatenate([p.timestamps for p in parts]),
                              np.concatenate([p.values for p in parts])))
    return out
