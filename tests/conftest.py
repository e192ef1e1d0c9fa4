"""Shared test fixtures.

``SHARED`` is the read-only ``../shared`` folder beside the repository (the spec, real
manifests, incident cases, traces). Tests may read it; the product never does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _find_shared() -> Path:
    """$PROVISOR_SHARED, else ``shared/`` beside the repository or beside one of its parents
    (a clone in a sub-folder), else the workplace's ``/work/shared``."""
    env = os.environ.get("PROVISOR_SHARED")
    if env:
        return Path(env).resolve()
    marker = Path("seed") / "resource-management-spec.md"
    for d in REPO.parents:
        if (d / "shared" / marker).is_file():
            return (d / "shared").resolve()
    return Path("/work/shared")


SHARED = _find_shared()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED} (set PROVISOR_SHARED)")
    return SHARED


def run_cli(*args: str, input: str | None = None, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m provisor`` in a subprocess (bounded by ``timeout`` seconds)."""
    return subprocess.run(
        [sys.executable, "-m", "provisor", *args], input=input, capture_output=True,
        text=True, cwd=cwd, timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def prometheus_with(tmp_path):
    """Factory: ``prometheus_with(openmetrics_path=None, rule_files=(), **kw)`` backfills and
    starts a real Prometheus on loopback (see ``tests/promserver.py``); all servers started
    are stopped at teardown. Skips when Debian's prometheus is not installed."""
    import promserver

    if not promserver.have_prometheus():
        pytest.skip("prometheus/promtool not installed (make test installs them)")
    started: list = []

    def start(openmetrics=None, rule_files=(), **kw):
        server = promserver.start_prometheus(tmp_path / f"prom{len(started)}",
                                             openmetrics=openmetrics, rule_files=rule_files, **kw)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under ``tests/fuzz/`` is a fuzz test (``make fuzz`` runs ``-m fuzz``)."""
    fuzz_dir = Path(__file__).resolve().parent / "fuzz"
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(fuzz_dir):
            item.add_marker(pytest.mark.fuzz)
