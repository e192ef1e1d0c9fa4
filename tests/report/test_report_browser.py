"""The report in a real browser (Debian's chromium, headless): no console message at all
(the page has no script, so any message is an error), and a screenshot in the test's tmp
folder."""

from __future__ import annotations

import re

import pytest
from browser import chromium, load
from fcdata import platform

from provisor.forecast import forecast
from provisor.report import ReportData, render_html, report_for_inputs

pytestmark = pytest.mark.skipif(chromium() is None,
                                reason="chromium not installed (make test installs it)")


def test_detector_sees_console_errors(tmp_path):
    """Positive control: the console parsing must see an error when there is one."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><script>console.error("marker-42");'
                   "notDefined();</script>")
    msgs = load(bad, tmp_path / "bad.png", tmp_path / "profile")
    assert any("marker-42" in m for m in msgs)
    assert any("Uncaught ReferenceError" in m for m in msgs)


def test_report_renders_clean(tmp_path):
    ss = platform(days=4, growth_pods_per_day=8.0, quota_pods=80)
    data = report_for_inputs(series=ss, horizon_s=7 * 86400, source="synthetic platform")
    page = tmp_path / "report.html"
    text = render_html(data)
    page.write_text(text)
    # offline: nothing to fetch (the only URLs are SVG/XLink namespace names)
    assert not re.search(r'(?:src|href)\s*=\s*"(?!#)', text)
    assert "<script" not in text
    shot = tmp_path / "report.png"
    msgs = load(page, shot, tmp_path / "profile", height=3000)
    assert msgs == []
    assert shot.stat().st_size > 10_000
    print(f"\nscreenshot: {shot}")


def test_empty_report_renders_clean(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(render_html(ReportData()))
    assert load(page, tmp_path / "empty.png", tmp_path / "profile") == []
    assert page.read_text().count("Not computed") == 8
