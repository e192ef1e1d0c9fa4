"""``make bench`` section ``recommend``: what a usage scan costs a Prometheus.

The cluster: 1,000 agent containers (one per pod) in ``agent-platform``, classes
implementation (500), quality (250) and testing (250), every series present for 14 days; the
scan asks for ``[now - 14 d, now]`` at a 5-minute step.

The server: a loopback ``http.server`` answering the Prometheus HTTP API v1 (label values,
``query_range``) in Prometheus' JSON layout, for the series a selector asks for (metric names,
namespace, pod regex, and the class filter through ``kube_pod_labels``), with as many points as
the range and step give. It is a *stand-in* for the transport: a real Prometheus holding 40
million samples does not fit this machine's benchmark budget; ``tests/test_recommend_prom.py``
checks the same queries against a real Prometheus.

Measured in the same run, on the same server, through the same ``provisor.prom.PromClient``:

* **provisor**: ``provisor.prom.scan_usage`` as ``provisor recommend --prometheus`` runs it
  (cAdvisor answers are streamed and counted, not kept, to keep the benchmark's memory low;
  the kube-state-metrics answer is parsed, since the plan depends on it);
* **one query per 50 pods** (KRR's way, krr#83): per metric that provisor reads, one range
  query per batch of 50 pods (``pod=~"p1|...|p50"``), split at 11,000 points the same way;
* **one query per 50 pods, all metrics at once**: the same batches, but each asks for every
  cAdvisor metric (and one for every kube-state-metrics metric) with one ``__name__`` regex.

Prints requests (the metadata lookup included) and response bytes of each and the ratios.
Target: >= 10x fewer queries than one query per 50 pods. A second provisor row shows the scan
with a larger sample budget per query (fewer, bigger answers: more memory on both sides).
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
import urllib.parse
from typing import Any, ClassVar

CONTAINERS = {"implementation": 500, "quality": 250, "testing": 250}
NS = "agent-platform"
DAYS = 14
STEP = 300.0
END = 1_765_000_000.0
START = END - DAYS * 86400


def _pods() -> list[tuple[str, str]]:
    out = []
    for cls, n in CONTAINERS.items():
        out += [(f"{cls[:4]}-{i:04d}", cls) for i in range(n)]
    return out


CADVISOR = ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
            "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total",
            "container_oom_events_total")
KSM = ("kube_pod_container_resource_requests", "kube_pod_container_resource_limits",
       "kube_pod_container_status_last_terminated_reason", "kube_pod_labels", "kube_pod_owner")


def _series_of(name: str, pod: str, cls: str) -> list[dict[str, str]]:
    base = {"namespace": NS, "pod": pod}
    if name == "kube_pod_labels":
        return [{**base, "__name__": name, "label_provisor_dev_tier": cls,
                 "label_provisor_dev_model": "claude-3-5-sonnet", "job": "kube-state-metrics",
                 "instance": "10.0.0.9:8080"}]
    if name == "kube_pod_owner":
        return [{**base, "__name__": name, "owner_kind": "Job", "owner_name": f"coderun-{pod}",
                 "owner_is_controller": "true", "job": "kube-state-metrics",
                 "instance": "10.0.0.9:8080"}]
    c = {**base, "container": "agent"}
    if name.startswith("kube_pod_container_resource"):
        return [{**c, "__name__": name, "resource": r, "unit": u, "node": "node-1",
                 "job": "kube-state-metrics", "instance": "10.0.0.9:8080"}
                for r, u in (("cpu", "core"), ("memory", "byte"))]
    if name.startswith("kube_"):
        return [{**c, "__name__": name, "reason": "OOMKilled", "job": "kube-state-metrics",
                 "instance": "10.0.0.9:8080"}]
    return [{**c, "__name__": name, "id": f"/kubepods/burstable/pod{pod}/abc0123456789",
             "image": "ghcr.io/example/agent:1.0", "name": f"k8s_agent_{pod}", "node": "node-1",
             "job": "kubelet", "metrics_path": "/metrics/cadvisor",
             "instance": "10.0.0.1:10250"}]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cache: ClassVar[dict[tuple[float, float, float], bytes]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, chunks: list[bytes]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
        self.end_headers()
        self.wfile.write(b"".join(chunks))

    def do_GET(self) -> None:
        names = sorted(CADVISOR + KSM)
        self._send([json.dumps({"status": "success", "data": names}).encode()])

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        expr = form["query"][0]
        start, end, step = (float(form[k][0]) for k in ("start", "end", "step"))
        key = (start, end, step)
        if key not in self.cache:
            pts = []
            t = start
            i = 0
            while t <= end:
                pts.append(f'[{t:.0f},"{0.1234567 + (i % 97) * 1e-4:.9g}"]')
                t += step
                i += 1
            self.cache[key] = ("[" + ",".join(pts) + "]").encode()
        values = self.cache[key]
        m = re.search(r'__name__=~?"([^"]+)"', expr)
        names = m.group(1).split("|") if m else []
        pm = re.search(r'pod=~"([^"]+)"', expr)
        pods_wanted = set(pm.group(1).split("|")) if pm else None
        cm = re.search(r'label_provisor_dev_tier="([^"]+)"', expr)
        cls_wanted = cm.group(1) if cm else None
        renamed = "provisor_metric" in expr
        chunks = [b'{"status":"success","data":{"resultType":"matrix","result":[']
        first = True
        for name in names:
            for pod, cls in _pods():
                if pods_wanted is not None and pod not in pods_wanted:
                    continue
                if cls_wanted is not None and cls != cls_wanted:
                    continue
                for labels in _series_of(name, pod, cls):
                    if renamed:
                        labels = {("provisor_metric" if k == "__name__" else k): v
                                  for k, v in labels.items()}
                    head = ('' if first else ',') + '{"metric":' + json.dumps(labels) + \
                        ',"values":'
                    chunks.append(head.encode())
                    chunks.append(values)
                    chunks.append(b"}")
                    first = False
        chunks.append(b"]}}")
        self._send(chunks)


def _client_class() -> Any:
    from provisor.prom import PromClient

    class CountingClient(PromClient):
        """Streams and counts cAdvisor answers instead of keeping them (benchmark memory)."""

        def _request(self, path: str, params: dict[str, str], method: str = "POST") -> Any:
            if "query" not in params or "provisor_metric" in params["query"]:
                # metadata and provisor's kube-state-metrics answer: parsed (the plan uses it)
                return super()._request(path, params, method)
            self.stats.queries += 1
            self.stats.attempts += 1
            with self._http.stream("POST", f"{self.url}{path}", data=params) as resp:
                for chunk in resp.iter_bytes():
                    self.stats.bytes += len(chunk)
            return {"resultType": "matrix", "result": []}

    return CountingClient


def _baseline(client: Any, per_metric: bool) -> None:
    pods = [p for p, _ in _pods()]
    batches = [pods[i:i + 50] for i in range(0, len(pods), 50)]
    groups = [[m] for m in CADVISOR + KSM] if per_metric else [list(CADVISOR), list(KSM)]
    for names in groups:
        for b in batches:
            sel = (f'{{__name__=~"{"|".join(names)}",namespace="{NS}",'
                   f'pod=~"{"|".join(b)}"}}')
            client.query_range(sel, START, END, STEP)


def run(con: Any) -> bool:
    """Run the section, print a table; True when the 10x query target is met."""
    from rich.table import Table

    from provisor.prom import scan_usage

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    cls = _client_class()
    rows = []
    try:
        for label, fn in (
            ("provisor scan (default budget: 10M samples per query)",
             lambda c: scan_usage(c, START, END, STEP)),
            ("provisor scan (--max-samples-per-query 25000000)",
             lambda c: scan_usage(c, START, END, STEP, max_samples=25_000_000)),
            ("one query per 50 pods, per metric (KRR)", lambda c: _baseline(c, True)),
            ("one query per 50 pods, all metrics per query", lambda c: _baseline(c, False)),
        ):
            with cls(url, timeout=600) as c:
                t = time.perf_counter()
                fn(c)
                rows.append((label, c.stats.queries, c.stats.bytes, time.perf_counter() - t))
    finally:
        httpd.shutdown()
        httpd.server_close()
        th.join(timeout=10)
    ours = rows[0]
    pods = sum(CONTAINERS.values())
    table = Table("scan", "requests", "MB", "seconds", "requests / provisor default",
                  title=f"recommend: {pods} containers x {DAYS} days at {STEP:.0f} s "
                        "(loopback stand-in server)")
    for label, q, b, s in rows:
        table.add_row(label, str(q), f"{b / 1e6:.1f}", f"{s:.1f}", f"{q / ours[1]:.1f}x")
    con.print(table)
    krr, lean = rows[2][1], rows[3][1]
    ok = krr >= 10 * ours[1]
    con.print(f"target >= 10x fewer queries than one query per 50 pods (per metric, as KRR "
              f"sends them): {'met' if ok else 'NOT met'} ({krr / ours[1]:.1f}x); against "
              f"batches asking every metric at once: {lean / ours[1]:.1f}x "
              f"({lean / rows[1][1]:.1f}x with a 25M-sample budget)")
    return ok


if __name__ == "__main__":
    from rich.console import Console

    raise SystemExit(0 if run(Console()) else 1)
