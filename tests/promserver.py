"""A real Prometheus for the tests: backfilled with ``promtool``, served on loopback.

``start_prometheus(workdir, openmetrics=..., rule_files=...)`` backfills a fresh TSDB from an
OpenMetrics file with the real ``promtool tsdb create-blocks-from openmetrics``, starts
Debian's ``prometheus`` on a free 127.0.0.1 port with that data directory (retention long
enough that old blocks, e.g. a 2013 trace, are not deleted at start-up) and the given rule
files, waits for ``/-/ready``, and returns a :class:`PromServer`. Every step is bounded in
time; :meth:`PromServer.stop` (called by the fixture at teardown) terminates the server, then
kills it if it does not exit.

The pytest fixture ``prometheus_with`` (registered in ``conftest.py``) is a factory:
``prom = prometheus_with(path_to_openmetrics, rule_files=[...])``; every server it started is
stopped at the end of the test. Tests using it skip when ``prometheus``/``promtool`` are not
installed (``make test`` installs them).

No network beyond loopback; no scrape jobs are configured.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

BACKFILL_TIMEOUT_S = 300
READY_TIMEOUT_S = 60
QUERY_TIMEOUT_S = 30


def have_prometheus() -> bool:
    return bool(shutil.which("prometheus") and shutil.which("promtool"))


def backfill(openmetrics: Path, data_dir: Path, *, timeout: float = BACKFILL_TIMEOUT_S) -> None:
    """``promtool tsdb create-blocks-from openmetrics FILE DIR``; raises on failure."""
    data_dir.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(data_dir)],
        capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"promtool backfill failed ({r.returncode}): {r.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PromServer:
    """A running Prometheus. ``url`` is ``http://127.0.0.1:PORT``."""

    url: str
    proc: subprocess.Popen
    data_dir: Path
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def api(self, path: str, params: dict[str, Any] | None = None,
            timeout: float = QUERY_TIMEOUT_S) -> Any:
        """GET ``/api/v1/<path>``; returns ``data`` or raises ``RuntimeError`` with the
        server's error."""
        q = urllib.parse.urlencode(params or {})
        url = f"{self.url}/api/v1/{path}" + (f"?{q}" if q else "")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
            raise RuntimeError(f"{path}: HTTP {exc.code}: {body.get('error')}") from None
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, time: float) -> list[dict[str, Any]]:
        """Instant query at ``time`` (seconds): ``[{"metric": {...}, "value": float}]``,
        sorted by label set."""
        data = self.api("query", {"query": expr, "time": repr(float(time))})
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": float(data["result"][1])}]
        out = [{"metric": r["metric"], "value": float(r["value"][1])} for r in data["result"]]
        return sorted(out, key=lambda r: sorted(r["metric"].items()))

    def query_range(self, expr: str, start: float, end: float, step: float
                    ) -> list[dict[str, Any]]:
        """Range query: ``[{"metric": {...}, "values": [(t, v), ...]}]`` sorted by labels."""
        data = self.api("query_range", {"query": expr, "start": repr(float(start)),
                                        "end": repr(float(end)), "step": repr(float(step))})
        out = [{"metric": r["metric"], "values": [(float(t), float(v)) for t, v in r["values"]]}
               for r in data["result"]]
        return sorted(out, key=lambda r: sorted(r["metric"].items()))

    def rules(self) -> list[dict[str, Any]]:
        """The loaded rule groups (``/api/v1/rules``)."""
        return self.api("rules")["groups"]

    def stop(self, timeout: float = 10) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)


def start_prometheus(workdir: Path, *, openmetrics: Path | None = None,
                     rule_files: Sequence[Path] = (), evaluation_interval: str = "15s",
                     extra_args: Iterable[str] = ()) -> PromServer:
    """Backfill (when ``openmetrics`` is given) and start a Prometheus; see the module doc.

    Raises:
        RuntimeError: the backfill failed, or the server did not become ready within
            ``READY_TIMEOUT_S`` seconds (its log tail is in the message).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    if openmetrics is not None:
        backfill(openmetrics, data_dir)
    cfg = workdir / "prometheus.yml"
    lines = ["global:", f"  evaluation_interval: {evaluation_interval}"]
    if rule_files:
        lines.append("rule_files:")
        lines += [f"  - {json.dumps(str(Path(p).resolve()))}" for p in rule_files]
    cfg.write_text("\n".join(lines) + "\n")
    log_path = workdir / "prometheus.log"
    last_err = ""
    for _attempt in range(3):
        port = _free_port()
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={data_dir}",
             f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=100y",
             "--web.enable-admin-api", *extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        server = PromServer(f"http://127.0.0.1:{port}", proc, data_dir, log_path)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return server
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        server.stop()
        last_err = log_path.read_text(errors="replace")[-3000:]
        if "address already in use" not in last_err:
            break
    raise RuntimeError(f"prometheus did not become ready:\n{last_err}")
