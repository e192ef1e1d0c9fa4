"""Headless Debian Chromium for the report tests: load a page, collect its console
messages, save a screenshot. Bounded in time; a fresh profile folder every run.

Console messages come from Chromium's own log (``--enable-logging=stderr --v=0``), where
each one is a line ``...:INFO:CONSOLE:<line>] "<message>", source: <url> (<line>)``; an
uncaught exception is logged the same way ("Uncaught ...")."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
CONSOLE = re.compile(r':CONSOLE(?::\d+)?\]\s*"(?P<msg>.*)", source: (?P<src>\S*)')


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def load(page: Path, screenshot: Path, profile: Path, *, width: int = 1280,
         height: int = 2400, timeout: float = 90) -> list[str]:
    """Open ``page`` headless, save a ``width`` x ``height`` screenshot, return the console
    messages ("message (source)"). Raises RuntimeError when Chromium fails or no screenshot
    was written; subprocess.TimeoutExpired after ``timeout`` seconds."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium not installed (make test installs it)")
    profile.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}",
                        f"--window-size={width},{height}", f"--screenshot={screenshot}",
                        "--virtual-time-budget=5000", page.resolve().as_uri()],
                       capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if not screenshot.is_file() or screenshot.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no screenshot (exit {r.returncode}): "
                           f"{r.stderr[-2000:]}")
    return [f"{m['msg']} ({m['src']})" for m in CONSOLE.finditer(r.stderr)]
