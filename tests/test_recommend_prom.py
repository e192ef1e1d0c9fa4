"""provisor.prom against a real Prometheus on loopback (backfilled with promtool), and against
small local HTTP servers that are down, slow, failing with 5xx or answering NaN."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import threading
import time
from pathlib import Path
from typing import Self

import numpy as np
import pytest
from typer.testing import CliRunner

from provisor.cli import app
from provisor.prom import MAX_POINTS, PromClient, PromError, plan_cadvisor, scan_usage
from provisor.recommend import make_strategy, run_recommend, usage_from_series
from provisor.recommend.output import render
from provisor.recommend.sources import FileSource
from provisor.series import Series, SeriesSet, write_openmetrics

T0 = 1_700_000_040.0
STEP = 60.0
N = 240  # 4 hours at 60 s
GIB = 1024.0**3

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _series() -> list[Series]:
    """Twin-like series: 2 classes x 3 pods, cAdvisor + kube-state-metrics names."""
    rng = np.random.default_rng(11)
    t = T0 + STEP * np.arange(N)
    out: list[Series] = []
    for cls, model, scale in (("implementation", "claude-3-5-sonnet", 2.0),
                              ("quality", "claude-3-5-sonnet", 1.0)):
        for i in range(3):
            pod = f"{cls[:4]}-{i}"
            base = {"namespace": "agent-platform", "pod": pod, "container": "agent"}
            cpu = rng.uniform(0.05, 0.5, N) * scale
            cpu[-1] = np.nan if cls == "quality" and i == 0 else cpu[-1]
            counter = np.cumsum(np.nan_to_num(cpu) * STEP)
            out.append(Series({"__name__": "container_cpu_usage_seconds_total", **base}, t,
                              counter))
            mem = rng.uniform(1, 3, N) * GIB * scale
            if cls == "quality" and i == 0:
                mem[5] = np.nan  # a NaN sample: dropped, never a crash
            out.append(Series({"__name__": "container_memory_working_set_bytes", **base}, t,
                              mem))
            out.append(Series({"__name__": "container_cpu_cfs_periods_total", **base}, t,
                              600.0 * np.arange(N)))
            out.append(Series({"__name__": "container_cpu_cfs_throttled_periods_total", **base},
                              t, 6.0 * np.arange(N)))
            for name, res, v in (("kube_pod_container_resource_requests", "cpu", scale),
                                 ("kube_pod_container_resource_requests", "memory",
                                  8 * GIB * scale),
                                 ("kube_pod_container_resource_limits", "cpu", 2 * scale),
                                 ("kube_pod_container_resource_limits", "memory",
                                  8 * GIB * scale)):
                out.append(Series({"__name__": name, **base, "resource": res,
                                   "unit": "core" if res == "cpu" else "byte"}, t,
                                  np.full(N, float(v))))
            out.append(Series({"__name__": "kube_pod_labels", "namespace": "agent-platform",
                               "pod": pod, "label_provisor_dev_tier": cls,
                               "label_provisor_dev_model": model}, t, np.ones(N)))
    return out


def _write(series: list[Series], path: Path) -> Path:
    write_openmetrics(SeriesSet(series), path)
    return path


@pytest.fixture()
def prometheus(prometheus_with, tmp_path: Path) -> str:
    """A real Prometheus on loopback serving the backfilled ``_series()``."""
    return prometheus_with(_write(_series(), tmp_path / "twin.om")).url


def _key(rep):
    return json.loads(render(rep, "json"))


def test_scan_gives_the_same_answer_as_the_files(prometheus: str, tmp_path: Path) -> None:
    end = T0 + STEP * (N - 1)
    with PromClient(prometheus) as c:
        got = scan_usage(c, T0, end, STEP)
        # 1 label-values lookup + 1 kube-state-metrics query + 1 cAdvisor query (one namespace).
        assert c.stats.queries == 3
        assert c.stats.bytes > 0
    prom_usage = usage_from_series(got)
    file_usage = FileSource([tmp_path / "twin.om"]).load()
    assert [u.key for u in prom_usage] == [u.key for u in file_usage]
    for a, b in zip(prom_usage, file_usage):
        assert np.array_equal(a.mem_t, b.mem_t) and np.allclose(a.mem, b.mem)
        assert np.allclose(a.cpu, b.cpu) and np.allclose(a.thr, b.thr)
        assert (a.request_cpu, a.limit_mem) == (b.request_cpu, b.limit_mem)
    # Prometheus' own layout takes the numpy path of the client's parser.
    import httpx

    from provisor.prom import _fast_matrix

    raw = httpx.post(f"{prometheus}/api/v1/query_range", data={
        "query": "container_memory_working_set_bytes", "start": T0, "end": end, "step": STEP},
        timeout=30).content
    assert _fast_matrix(raw) is not None
    strategies = [make_strategy(n) for n in ("vpa", "percentile", "risk")]
    assert _key(run_recommend(prom_usage, strategies)) == \
        _key(run_recommend(file_usage, strategies))


def test_range_split_at_the_point_limit(prometheus: str) -> None:
    end = T0 + STEP * (N - 1)
    expr = 'container_memory_working_set_bytes{pod="qual-1"}'
    with PromClient(prometheus) as whole:
        one = whole.query_range(expr, T0, end, STEP)
    with PromClient(prometheus, max_points=50) as split:
        many = split.query_range(expr, T0, end, STEP)
        assert split.stats.queries == -(-N // 50)
    assert len(one) == len(many) == 1
    assert np.array_equal(one[0].timestamps, many[0].timestamps)
    assert np.array_equal(one[0].values, many[0].values)
    assert MAX_POINTS == 11_000


def test_cli_against_prometheus_matches_files(prometheus: str, tmp_path: Path) -> None:
    end = T0 + STEP * (N - 1)
    r = CliRunner().invoke(app, ["recommend", "--prometheus", prometheus, "--start", str(T0),
                                 "--end", str(end), "--step", "60s", "-f", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    classes = {a["class"] for a in data["recommendations"]}
    assert classes == {"implementation", "quality"}
    assert "Prometheus scan: 3 requests" in r.stderr


def test_queries_do_not_grow_with_pods() -> None:
    day = 86400.0
    small = plan_cadvisor({("ns", "a"): 10, ("ns", "b"): 20}, 0, 14 * day, 300, "label_x", False)
    big = plan_cadvisor({("ns", "a"): 10_000, ("ns", "b"): 20_000}, 0, 14 * day, 300,
                        "label_x", False)
    assert len(small.queries) == 1 and small.queries[0][1] == ""  # the namespace whole
    assert [q[1] for q in big.queries] == ["a", "b"]  # split per class, not per pod
    assert all('container!="POD"' in q[2] for q in big.queries)
    assert "kube_pod_labels" in big.queries[0][2]
    # samples per query stay within the budget through shorter time chunks
    for _ns, cls, _expr, chunk in big.queries:
        n = {"a": 10_000, "b": 20_000}[cls]
        assert (chunk / 300 + 1) * n * 5 <= 10_000_000
    rule = plan_cadvisor({("ns", ""): 5}, 0, day, 60, "label_x", True)
    assert "sum_rate5m" in rule.queries[0][2]
    assert "container_cpu_usage_seconds_total|" not in rule.queries[0][2]


# -- failing servers ------------------------------------------------------------------------


class _Server:
    """A tiny loopback HTTP server whose handler answers from ``plan`` (a list of
    ``(status, body, delay)``, the last repeated)."""

    def __init__(self, plan: list[tuple[int, str, float]]) -> None:
        self.plan = plan
        self.hits = 0
        self.auth: list[str] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                status, body, delay = outer.plan[min(outer.hits, len(outer.plan) - 1)]
                outer.hits += 1
                outer.auth.append(self.headers.get("Authorization", ""))
                time.sleep(delay)
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


_OK = json.dumps({"status": "success", "warnings": ["partial: one store timed out"],
                  "data": {"resultType": "matrix", "result": [
                      {"metric": {"__name__": "x"}, "values": [[1, "1"], [2, "NaN"]]}]}})


def test_down_prometheus_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with PromClient(url, retries=2, backoff=0.0) as c:
        with pytest.raises(PromError) as exc:
            c.query("up", 0)
        assert c.stats.attempts == 3
    assert url in str(exc.value) and "connection failed" in str(exc.value)


def test_5xx_is_retried_then_reported() -> None:
    sleeps: list[float] = []
    with _Server([(503, "busy", 0.0), (200, _OK, 0.0)]) as srv:
        with PromClient(srv.url, retries=3, backoff=0.25, sleep=sleeps.append) as c:
            got = c.query_range("x", 1, 2, 1)
        assert srv.hits == 2 and sleeps == [0.25]
        assert c.warnings == ["partial: one store timed out"]
        assert np.isnan(got[0].values[1])  # NaN comes through as NaN
    with _Server([(502, "bad gateway", 0.0)]) as srv:
        with PromClient(srv.url, retries=2, sleep=sleeps.append) as c, \
                pytest.raises(PromError, match=r"HTTP 502") as exc:
            c.query("x", 0)
        assert srv.hits == 3 and srv.url in str(exc.value)
    with _Server([(400, json.dumps({"status": "error", "errorType": "bad_data",
                                    "error": "parse error"}), 0.0)]) as srv:
        with PromClient(srv.url, retries=2) as c, pytest.raises(PromError, match="bad_data"):
            c.query("x(", 0)
        assert srv.hits == 1  # 4xx: not retried


def test_slow_prometheus_times_out() -> None:
    with _Server([(200, _OK, 1.5)]) as srv:
        with PromClient(srv.url, timeout=0.3, retries=1, sleep=lambda s: None) as c, \
                pytest.raises(PromError, match="no answer within 0.3 s"):
            c.query("x", 0)


def test_token_is_sent_but_never_shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = "s3cr3t-t0ken-value"
    monkeypatch.setenv("PROM_TOKEN", secret)
    with _Server([(500, "no", 0.0)]) as srv:
        c = PromClient(srv.url, token_env="PROM_TOKEN", retries=0)
        with pytest.raises(PromError) as exc:
            c.query("x", 0)
        c.close()
        assert srv.auth == [f"Bearer {secret}"]
        assert secret not in str(exc.value) and secret not in repr(c) and \
            secret not in repr(vars(c))
        tok = tmp_path / "token"
        tok.write_text(secret + "\n")
        out = tmp_path / "report.json"
        r = CliRunner().invoke(app, ["recommend", "--prometheus", srv.url, "--token-file",
                                     str(tok), "--retries", "0", "-o", str(out)])
        assert r.exit_code == 2 and secret not in r.output and srv.url in r.output
        assert not out.exists()  # no half-written output


def test_recording_rule_is_used_when_present(prometheus_with, tmp_path: Path) -> None:
    series = _series()
    rule = "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"
    extra = [Series({**s.labels, "__name__": rule}, s.timestamps[1:],
                    np.diff(s.values) / STEP)
             for s in series if s.labels["__name__"] == "container_cpu_usage_seconds_total"]
    url = prometheus_with(_write(series + extra, tmp_path / "rule.om")).url
    with PromClient(url) as c:
        got = scan_usage(c, T0, T0 + STEP * (N - 1), STEP)
    names = {s.labels["__name__"] for s in got}
    assert "provisor:container_cpu_usage:cores" in names
    assert "container_cpu_usage_seconds_total" not in names  # the rule replaced the counter
    a = usage_from_series(got)
    b = usage_from_series(series)
    assert all(np.allclose(x.cpu, y.cpu, equal_nan=True) for x, y in zip(a, b))


def test_trace_converted_to_openmetrics_backtests_the_same(prometheus_with, tmp_path: Path,
                                                           shared: Path) -> None:
    from provisor.recommend import run_backtest
    from provisor.series.traces import read_gwa

    gwa = shared / "traces" / "bitbrains-gwa-t-12-rnd"
    files = [gwa / m / f"{vm}.csv" for m in ("2013-8", "2013-9") for vm in (3, 5)]
    fit = dt.datetime(2013, 9, 1, tzinfo=dt.UTC).timestamp()
    # Four days around the cut: promtool writes 2 h blocks, so months would be slow to backfill.
    ss = SeriesSet(s.slice(fit - 2 * 86400, fit + 2 * 86400) for s in read_gwa(files))
    url = prometheus_with(_write(list(ss), tmp_path / "gwa.om")).url
    first, last = ss.time_range()  # type: ignore[misc]
    with PromClient(url) as c:
        got = scan_usage(c, first, last, 300.0)
    strategies = [make_strategy(n) for n in ("vpa", "percentile", "risk")]
    from_prom = run_backtest(usage_from_series(got), strategies, fit)
    from_files = run_backtest(usage_from_series(ss), strategies, fit)
    # Prometheus answers on the 300 s grid from the first sample; the trace's own times drift
    # by a few seconds, so values are compared, not bytes.
    for x, y in zip(from_prom.rows, from_files.rows):
        assert x.strategy == y.strategy and x.oom_events == y.oom_events
        assert x.mem_slack == pytest.approx(y.mem_slack, rel=0.02)


def test_basic_auth_and_ca_file(tmp_path: Path) -> None:
    import base64

    with _Server([(200, _OK, 0.0)]) as srv:
        with PromClient(srv.url, basic_auth=("ops", "pa:ss")) as c:
            c.query_range("x", 1, 2, 1)
        assert srv.auth == ["Basic " + base64.b64encode(b"ops:pa:ss").decode()]
    with pytest.raises(PromError, match="cannot load the CA file"):
        PromClient("https://127.0.0.1:1", ca_file=str(tmp_path / "missing.pem"))
    with pytest.raises(PromError, match="must start with http"):
        PromClient("127.0.0.1:9090")
    with pytest.raises(PromError, match="PROVISOR_NO_SUCH_VAR is not set"):
        PromClient("http://127.0.0.1:1", token_env="PROVISOR_NO_SUCH_VAR")


@pytest.mark.parametrize("body", [
    {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "a", "pod": 'p"]]},"values":[x'},
         "values": [[1, "1"], [2.5, "NaN"]]},
        {"metric": {}, "values": [[3, "+Inf"], [4, "-Inf"], [5, "1e-300"]]},
        {"metric": {"x": "é"}, "values": []}]}},
    {"status": "success", "data": {"resultType": "matrix", "result": []},
     "warnings": ["w1", "w2"]},
    {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"a": "b"}, "value": [1, "2"]}]}},
])
def test_fast_matrix_parse_equals_json(body: dict) -> None:
    from provisor.prom import _fast_matrix, _parse_result

    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    fast = _fast_matrix(raw)
    slow = _parse_result(body["data"])
    if body["data"]["resultType"] != "matrix":
        assert fast is None
        return
    assert fast is not None
    series, warnings = fast
    assert warnings == body.get("warnings", [])
    assert [s.labels for s in series] == [s.labels for s in slow]
    for a, b in zip(series, slow):
        assert np.array_equal(a.timestamps, b.timestamps)
        assert np.array_equal(a.values, b.values, equal_nan=True)
