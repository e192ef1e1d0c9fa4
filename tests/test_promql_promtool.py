"""``provisor.promql.promtool``: the real ``promtool check rules`` (Debian's prometheus
package; ``make system-deps`` installs it), its errors mapped back to groups and rules, and a
clear result when it is missing."""

from __future__ import annotations

import pytest

from provisor.promql.promtool import INSTALL_HINT, check_rule_groups, find_promtool

needs_promtool = pytest.mark.skipif(find_promtool() is None,
                                    reason="promtool not installed (make system-deps)")


def test_missing_binary_is_a_result_not_an_error():
    r = check_rule_groups([{"name": "g", "rules": []}], promtool="no-such-promtool-binary")
    assert not r.available and not r.ok and r.problems == []
    assert "not installed" in r.message
    assert "apt-get install prometheus" in INSTALL_HINT


def test_disabled():
    r = check_rule_groups([{"name": "g", "rules": []}], promtool="")
    assert not r.available and "disabled" in r.message


def test_missing_path(tmp_path):
    assert find_promtool(str(tmp_path / "promtool")) is None


@needs_promtool
def test_valid_groups():
    r = check_rule_groups([{"name": "g", "interval": "1m", "rules": [
        {"record": "job:up:sum", "expr": "sum by (job) (up)"},
        {"alert": "Down", "expr": "up == 0", "for": "5m", "labels": {"severity": "page"},
         "annotations": {"summary": "{{ $labels.job }} is down: {{ $value | humanize }}"}},
    ]}])
    assert r.available and r.ok and r.problems == []


@needs_promtool
def test_rule_errors_map_to_rules():
    r = check_rule_groups([
        {"name": "a", "rules": [
            {"alert": "Ok", "expr": "up == 0"},
            {"alert": "BadExpr", "expr": "rate(x[5m]) >"},
        ]},
        {"name": "b", "rules": [
            {"alert": "BadTemplate", "expr": "up",
             "annotations": {"d": "{{ $value | humanizePercentage }"}},
            {"alert": "BadLabel", "expr": "up", "labels": {"bad-label": "x"}},
            {"alert": "Both", "record": "x", "expr": "up"},
        ]},
    ])
    assert r.available and not r.ok
    got = {(p.group, p.rule): p.message for p in r.problems}
    assert got[(0, 1)].startswith("could not parse expression")
    assert 'annotation "d": template' in got[(1, 0)]
    assert "invalid label name: bad-label" in got[(1, 1)]
    assert "only one of 'record' and 'alert' must be set" in got[(1, 2)]
    assert len(r.problems) == 4


@needs_promtool
def test_duration_error_located():
    r = check_rule_groups([{"name": "g", "rules": [
        {"alert": "A", "expr": "up"}, {"alert": "B", "expr": "up", "for": "5x"}]}])
    assert [(p.group, p.rule) for p in r.problems] == [(0, 1)]
    assert 'not a valid duration string: "5x"' in r.problems[0].message


@needs_promtool
def test_unknown_field_located_by_line():
    r = check_rule_groups([{"name": "g", "rules": [
        {"alert": "A", "expr": "up"}, {"alert": "B", "expr": "up", "bogus": 1}]}])
    assert [(p.group, p.rule) for p in r.problems] == [(0, 1)]
    assert "field bogus not found" in r.problems[0].message


@needs_promtool
def test_repeated_group_name():
    r = check_rule_groups([{"name": "x", "rules": [{"alert": "A", "expr": "up"}]},
                           {"name": "x", "rules": [{"alert": "B", "expr": "up"}]}])
    assert [(p.group, p.rule) for p in r.problems] == [(1, None)]
    assert 'groupname: "x" is repeated in the same file' == r.problems[0].message


@needs_promtool
def test_odd_values_survive_the_temp_file():
    """Multi-line expressions, quotes, unicode and numbers as label values."""
    r = check_rule_groups([{"name": "ünïcode \"g\"", "rules": [
        {"alert": "A", "expr": 'sum by (job) (\n  up{job="a\\"b"}\n) == 0',
         "labels": {"severity": "warning"},
         "annotations": {"description": "line 1\nline 2: {{ $labels.job }} ✓"}},
    ]}])
    assert r.ok, r.problems


@needs_promtool
def test_timeout_reported():
    r = check_rule_groups([{"name": "g", "rules": [{"alert": "A", "expr": "up"}]}],
                          timeout=0.000001)
    assert not r.available and "did not finish" in r.message
