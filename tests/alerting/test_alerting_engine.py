"""provisor.alerting.engine: rule groups evaluated over series by the real ``promtool test
rules`` (Prometheus' rule manager), the firing alerts parsed back exactly."""

from __future__ import annotations

import shutil

import pytest

from provisor.alerting.engine import (
    Firing,
    PromtoolEvalError,
    _input_series,
    _runs,
    evaluate_alerts,
    infer_scrape_interval,
    parse_failures,
)
from provisor.series import Series, SeriesSet

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="promtool not installed (make test installs it)")

T0 = 1_767_571_200.0
GROUPS = [{"name": "g", "interval": "1m", "rules": [
    {"record": "m:x:max", "expr": "max by (pod) (m)"},
    {"alert": "High", "expr": "m:x:max > 1", "for": "2m", "labels": {"severity": "warning"},
     "annotations": {"d": "{{ $labels.pod }} at {{ $value }}"}},
]}]


def _set(*rows: tuple[dict[str, str], list[float], list[float]]) -> SeriesSet:
    return SeriesSet(Series({"__name__": "m", **labels}, ts, vs) for labels, ts, vs in rows)


def test_runs_notation():
    assert _runs(["1", "1", "1", "2"]) == "1x2 2"
    assert _runs(["_", "_", "_", "3", "stale"]) == "_x3 3 stale"
    assert _runs(["0.5"]) == "0.5"


def test_input_series_marks_the_end_stale_and_pads_the_start():
    ss = _set(({"pod": 'a"b'}, [T0 + 120, T0 + 180], [1.0, 1.0]))
    (row,) = _input_series(ss, T0, 6, 60.0)
    assert row["series"] == 'm{pod="a\\"b"}'
    assert row["values"] == "_x2 1x1 stale"


def test_infer_scrape_interval():
    ss = _set(({"pod": "a"}, [0, 30, 60, 90], [1, 1, 1, 1]),
              ({"pod": "b"}, [0, 60], [1, 1]))
    assert infer_scrape_interval(ss) == 30.0
    assert infer_scrape_interval(SeriesSet()) == 60.0


PROMTOOL_OUTPUT = """Unit Testing:  tests.yaml
  FAILED:
    alertname: High, time: 3m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="High", pod="a\\"b", severity="warning"}
              Annotations:{d="a\\"b at 2"},
            1:
              Labels:{alertname="High", pod="c", severity="warning"}
              Annotations:{d="c at 2"}
            ]
    alertname: Other, time: 1h2m, 
        exp:[
            0:
              Labels:{alertname="Other", x="y"}
              Annotations:{}
            ], 
        got:[]
"""


def test_parse_failures_reads_every_got_alert():
    got = parse_failures(PROMTOOL_OUTPUT)
    assert got == [
        ("High", 180.0, (("pod", 'a"b'), ("severity", "warning")), (("d", 'a"b at 2'),)),
        ("High", 180.0, (("pod", "c"), ("severity", "warning")), (("d", "c at 2"),)),
    ]


@needs_promtool
def test_pending_firing_resolved_and_stale_exactly_as_prometheus():
    ts = [T0 + 60 * i for i in range(20)]
    ss = _set(({"pod": 'a"b'}, ts, [0, 2, 2, 2, 2, 2, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0]),
              ({"pod": "c"}, ts[:8], [2] * 8))
    r = evaluate_alerts(GROUPS, ss, verify=True)
    assert r.alerts == ["High"]
    assert r.firings == [
        # value > 1 from 1m: pending at 1m, firing from 3m (for: 2m) while it holds
        Firing("High", (("pod", 'a"b'), ("severity", "warning")), T0 + 180, T0 + 300,
               (("d", 'a"b at 2'),)),
        Firing("High", (("pod", 'a"b'), ("severity", "warning")), T0 + 600, T0 + 900,
               (("d", 'a"b at 2'),)),
        # the series ends at 7m: the stale marker at 8m ends the alert (no 5m lookback)
        Firing("High", (("pod", "c"), ("severity", "warning")), T0 + 120, T0 + 420,
               (("d", "c at 2"),)),
    ]


@needs_promtool
def test_nothing_fires():
    ts = [T0 + 60 * i for i in range(5)]
    r = evaluate_alerts(GROUPS, _set(({"pod": "a"}, ts, [0] * 5)))
    assert r.firings == [] and r.start_s == T0 and r.end_s == T0 + 240


@needs_promtool
def test_bad_rules_raise():
    bad = [{"name": "g", "rules": [{"alert": "X", "expr": "rate(m[5m]"}]}]
    with pytest.raises(PromtoolEvalError, match="promtool test rules failed"):
        evaluate_alerts(bad, _set(({"pod": "a"}, [T0, T0 + 60], [1, 1])))


def test_missing_promtool_raises():
    with pytest.raises(PromtoolEvalError, match="not installed"):
        evaluate_alerts(GROUPS, _set(({"pod": "a"}, [T0], [1])), promtool="no-such-promtool")
