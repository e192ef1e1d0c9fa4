"""``provisor.series``: the types, the OpenMetrics reader and writer (round trips, hostile
input, determinism) and the counter functions, held to a real Prometheus: what we write, the
real ``promtool`` backfills and the real server serves back sample for sample, and our
``rate``/``increase`` equal PromQL's on the same data."""

from __future__ import annotations

import io
import math
import os
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from provisor.series import (
    MetricMeta,
    Series,
    SeriesFormatError,
    SeriesSet,
    deltas,
    increase,
    rate,
    read_openmetrics,
    write_openmetrics,
)
from provisor.series.openmetrics import read_openmetrics_text

T0 = 1_780_000_000.0   # 2026-05-28, inside any default retention


def _text(ss: SeriesSet) -> str:
    buf = io.StringIO()
    write_openmetrics(ss, buf)
    return buf.getvalue()


def _sample_set() -> SeriesSet:
    ts = T0 + np.arange(0, 600, 15.0)
    cpu = np.cumsum(np.full(ts.size, 0.25 * 15))
    return SeriesSet([
        Series({"__name__": "container_cpu_usage_seconds_total", "namespace": "agent-platform",
                "pod": "rex-1", "container": "agent"}, ts, cpu),
        Series({"__name__": "container_memory_working_set_bytes", "namespace": "agent-platform",
                "pod": "rex-1", "container": "agent"}, ts, np.linspace(1e9, 2e9, ts.size)),
        Series({"__name__": "kube_pod_labels", "namespace": "agent-platform", "pod": "rex-1",
                "label_app": 'we"ird\\va\nlue'}, ts[:3], [1, 1, 1]),
    ], {"container_cpu_usage_seconds_total": MetricMeta("counter", "Cumulative cpu time"),
        "container_memory_working_set_bytes": MetricMeta("gauge", "Working set\nbytes")})


# ------------------------------------------------------------------ types


def test_series_validates_shapes_and_order():
    with pytest.raises(ValueError, match="strictly increasing"):
        Series({"__name__": "x"}, [2, 1], [0, 0])
    with pytest.raises(ValueError, match="timestamps but"):
        Series({"__name__": "x"}, [1, 2], [0])
    with pytest.raises(ValueError, match="__name__"):
        Series({"a": "b"}, [1], [0])
    s = Series({"__name__": "x", "empty": ""}, [1, 2], [3, 4])
    assert s.labels == {"__name__": "x"}           # empty label = no label, as in Prometheus
    with pytest.raises(ValueError):
        s.values[0] = 1                              # read-only arrays


def test_set_iterates_sorted_whatever_the_insertion_order():
    series = list(_sample_set())
    for seed in range(5):
        random.Random(seed).shuffle(series)
        assert [s.key for s in SeriesSet(series)] == sorted(s.key for s in series)
    with pytest.raises(ValueError, match="duplicate"):
        SeriesSet(series + series[:1])


def test_select_and_slice():
    ss = _sample_set()
    assert [s.name for s in ss.select("container_memory_working_set_bytes", pod="rex-1")] == [
        "container_memory_working_set_bytes"]
    assert ss.select(pod="nope") == []
    assert len(ss.select(container="")) == 1          # "" matches a missing label
    s = ss.select("container_memory_working_set_bytes")[0]
    assert len(s.slice(T0, T0 + 60)) == 4


# ------------------------------------------------------------------ OpenMetrics


def test_writer_format_is_openmetrics():
    text = _text(_sample_set())
    assert text.endswith("# EOF\n")
    assert "# TYPE container_cpu_usage_seconds counter\n" in text
    assert "# HELP container_memory_working_set_bytes Working set\\nbytes\n" in text
    assert 'label_app="we\\"ird\\\\va\\nlue"' in text
    assert f"container_cpu_usage_seconds_total{{container=\"agent\",namespace=\"agent-platform\",pod=\"rex-1\"}} 3.75 {T0:.0f}\n" in text  # whole seconds: no ".0"


def test_round_trip_exact():
    ss = _sample_set()
    back = read_openmetrics_text(_text(ss))
    assert [s.key for s in back] == [s.key for s in ss]
    for a, b in zip(ss, back):
        assert np.array_equal(a.timestamps, b.timestamps)
        assert np.array_equal(a.values, b.values)
    assert back.meta("container_cpu_usage_seconds_total") == MetricMeta("counter", "Cumulative cpu time")
    assert back.meta("container_memory_working_set_bytes").type == "gauge"
    assert _text(back) == _text(ss)                   # byte-identical second generation


def test_special_values_round_trip():
    ss = SeriesSet([Series({"__name__": "g"}, [T0, T0 + 1, T0 + 2], [math.nan, math.inf, -math.inf])])
    text = _text(ss)
    assert " NaN " in text and " +Inf " in text and " -Inf " in text
    back = list(read_openmetrics_text(text))[0].values
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf


_label_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a_total", "b", "c_bytes"]),
                          st.dictionaries(st.sampled_from(["pod", "ns", "x"]), _label_values, max_size=3),
                          st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=20)),
                max_size=8))
def test_round_trip_property(items):
    ss = SeriesSet()
    for name, labels, values in items:
        s = Series({**labels, "__name__": name}, T0 + np.arange(len(values)) * 0.5, values)
        if s not in ss:
            ss.add(s)
    back = read_openmetrics_text(_text(ss))
    assert [s.key for s in back] == [s.key for s in ss]
    for a, b in zip(ss, back):
        assert np.array_equal(a.values, b.values) and np.array_equal(a.timestamps, b.timestamps)


@pytest.mark.parametrize("text,line,what", [
    ("x 1\n# EOF\n", 1, "no timestamp"),
    ("x 1 10\nx 2 10\n# EOF\n", 2, "not after"),
    ("x 1 10\n# EOF\nx 2 11\n", 3, "after '# EOF'"),
    ('x{a="b} 1 2\n', 1, "label"),
    ('x{a="b",a="c"} 1 2\n', 1, "twice"),
    ("x one 2\n", 1, "not a number"),
    ("x 1 inf\n", 1, "not finite"),
    ("x 1 2 3\n", 1, "unexpected"),
    ("{} 1 2\n", 1, "metric name"),
])
def test_malformed_input_names_the_line(text, line, what):
    with pytest.raises(SeriesFormatError) as exc:
        read_openmetrics_text(text, name="f.om")
    assert exc.value.line == line and exc.value.file == "f.om"
    assert what in str(exc.value) and str(exc.value).startswith(f"f.om:{line}:")


def test_hostile_files(tmp_path):
    fifo = tmp_path / "fifo.om"
    os.mkfifo(fifo)
    with pytest.raises(SeriesFormatError, match="not a regular file"):
        read_openmetrics(fifo)                         # never blocks
    big = tmp_path / "big.om"
    big.write_text("x 1 2\n" * 100)
    with pytest.raises(SeriesFormatError, match="above the limit"):
        read_openmetrics(big, max_bytes=10)
    nul = tmp_path / "nul.om"
    nul.write_bytes(b"x 1 2\n\x00\n")
    with pytest.raises(SeriesFormatError, match=r"nul.om:2: binary"):
        read_openmetrics(nul)
    latin = tmp_path / "latin.om"
    latin.write_bytes(b'x{a="\xe9"} 1 2\n')
    with pytest.raises(SeriesFormatError, match=r"latin.om:1: not UTF-8"):
        read_openmetrics(latin)
    with pytest.raises(SeriesFormatError, match="No such file"):
        read_openmetrics(tmp_path / "missing.om")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_reader_never_crashes_on_bytes(data):
    try:
        read_openmetrics_text(data.decode("utf-8", "replace"))
    except SeriesFormatError:
        pass


def test_write_file_atomic_and_refuses_existing(tmp_path):
    out = tmp_path / "s.om"
    write_openmetrics(_sample_set(), out)
    first = out.read_bytes()
    with pytest.raises(FileExistsError):
        write_openmetrics(SeriesSet(), out)
    assert out.read_bytes() == first                   # untouched
    write_openmetrics(_sample_set(), out, overwrite=True)
    assert out.read_bytes() == first                   # deterministic
    assert [p.name for p in tmp_path.iterdir()] == ["s.om"]   # no temp file left
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


# ------------------------------------------------------------------ counter functions


def test_deltas_count_resets_as_prometheus():
    s = Series({"__name__": "c_total"}, [0, 1, 2, 3], [5, 7, 2, 4])
    t, d = deltas(s)
    assert list(t) == [1, 2, 3] and list(d) == [2, 2, 2]


def test_rate_hand_computed():
    # 5 samples 15 s apart rising 1.5/sample, range 60 s ending on the last sample:
    # sampled 60 s (first sample exactly at the range start), no extrapolation needed.
    s = Series({"__name__": "c_total"}, T0 + np.arange(0, 75, 15.0), np.arange(5) * 1.5 + 10)
    assert rate(s, T0 + 60, 60)[0] == pytest.approx(0.1)
    assert increase(s, T0 + 60, 60)[0] == pytest.approx(6.0)
    assert math.isnan(rate(s, T0 + 5, 60)[0])          # one sample in range: no result


# ------------------------------------------------------------------ a real Prometheus


@pytest.mark.slow
def test_real_prometheus_serves_back_what_we_wrote(tmp_path, prometheus_with):
    rng = np.random.default_rng(7)
    ts = T0 + np.arange(0, 4 * 3600, 30.0)
    incr = rng.exponential(0.3, ts.size) * 30
    incr[ts.size // 2] = 0
    counter = np.cumsum(incr)
    counter[ts.size // 2:] -= counter[ts.size // 2]     # a reset half way
    counter[ts.size // 2:] += 1.0
    jitter = ts + rng.uniform(0, 5, ts.size)              # irregular scrapes
    jitter[0] = ts[0]
    ss = SeriesSet([
        Series({"__name__": "container_cpu_usage_seconds_total", "pod": "p", "namespace": "n"},
               jitter, counter),
        Series({"__name__": "container_memory_working_set_bytes", "pod": "p", "namespace": "n"},
               ts, rng.uniform(1e8, 4e9, ts.size).round()),
    ], {"container_cpu_usage_seconds_total": MetricMeta("counter", "cpu")})
    path = tmp_path / "in.om"
    write_openmetrics(ss, path)
    prom = prometheus_with(path)

    ws = ss.select("container_memory_working_set_bytes")[0]
    got = prom.query_range("container_memory_working_set_bytes", ws.timestamps[0],
                           ws.timestamps[-1], 30)
    assert len(got) == 1
    assert [v for _, v in got[0]["values"]] == list(ws.values)

    cpu = read_openmetrics(path).select("container_cpu_usage_seconds_total")[0]
    assert np.array_equal(cpu.timestamps * 1000, np.round(jitter * 1000))   # ms resolution
    for rng_s in (60, 300, 1800):
        at = T0 + np.arange(rng_s, 4 * 3600, 613.0)
        ours_rate = rate(cpu, at, rng_s)
        ours_inc = increase(cpu, at, rng_s)
        for i, t in enumerate(at):
            r = prom.query(f"rate(container_cpu_usage_seconds_total[{rng_s}s])", t)
            inc = prom.query(f"increase(container_cpu_usage_seconds_total[{rng_s}s])", t)
            if math.isnan(ours_rate[i]):
                assert r == []
                continue
            assert r[0]["value"] == pytest.approx(ours_rate[i], rel=1e-12)
            assert inc[0]["value"] == pytest.approx(ours_inc[i], rel=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 4_102_444_800_000), min_size=1, max_size=50, unique=True))
def test_written_timestamps_truncate_to_the_intended_millisecond(ms):
    """Prometheus stores ``int64(ts * 1000)`` of the text it reads; what we write must land on
    the intended millisecond (and read back to it)."""
    from provisor.series.openmetrics import ms_timestamps

    ms = np.array(sorted(ms), dtype=np.float64)
    x = ms_timestamps(ms / 1000.0)
    for m, xi in zip(ms, x):
        parsed = float(repr(float(xi)))
        assert math.trunc(parsed * 1000.0) == m
        assert round(parsed * 1000.0) == m
