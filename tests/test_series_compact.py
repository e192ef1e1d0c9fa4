"""The twin's series files stay a sensible size: numbers in their shortest round-trip form,
``.gz`` written and read back as it is (deterministically, with the decompressed size
bounded), and the recorder's scrape interval as an option of ``provisor simulate``.
(A real Prometheus reading the short numbers: tests/test_series.py's backfill test.)"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from clikit import invoke
from provisor.series import (
    MetricMeta,
    Series,
    SeriesFormatError,
    SeriesSet,
    read_openmetrics,
    write_openmetrics,
)
from provisor.series.openmetrics import _short

T0 = 1_780_000_000.0


def _set() -> SeriesSet:
    t = T0 + 30.0 * np.arange(500)
    return SeriesSet([
        Series({"__name__": "kube_pod_status_phase", "pod": "p", "phase": "Running"}, t,
               np.ones(500)),
        Series({"__name__": "container_cpu_usage_seconds_total", "pod": "p"}, t + 0.123,
               np.cumsum(np.linspace(0.1, 3.3, 500))),
        Series({"__name__": "odd", "pod": "p"}, t, np.array([np.nan, np.inf, -np.inf, -0.0,
                                                             1e22, 5e-324] * 83 + [0.0, 2.0])),
    ], {"container_cpu_usage_seconds_total": MetricMeta("counter", "cpu")})


def _same(a: SeriesSet, b: SeriesSet) -> None:
    la, lb = list(a), list(b)
    assert [s.key for s in la] == [s.key for s in lb]
    for x, y in zip(la, lb):
        assert np.array_equal(x.timestamps, y.timestamps)
        assert np.array_equal(x.values, y.values, equal_nan=True)
        assert np.array_equal(np.signbit(x.values), np.signbit(y.values))


def test_whole_numbers_are_written_without_a_trailing_point_zero(tmp_path):
    path = tmp_path / "s.om"
    write_openmetrics(_set(), path)
    text = path.read_text()
    assert f'kube_pod_status_phase{{phase="Running",pod="p"}} 1 {T0:.0f}\n' in text
    assert ".0 " not in text and not any(line.endswith(".0") for line in text.splitlines())
    _same(read_openmetrics(path), _set())


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False))
def test_short_numbers_round_trip(v):
    assert float(_short(v)) == v and np.signbit(float(_short(v))) == np.signbit(v)


def test_gz_round_trip_is_deterministic_and_much_smaller(tmp_path):
    plain, gz1, gz2 = tmp_path / "s.om", tmp_path / "a.om.gz", tmp_path / "b.om.gz"
    write_openmetrics(_set(), plain)
    write_openmetrics(_set(), gz1)
    write_openmetrics(_set(), gz2)
    assert gz1.read_bytes() == gz2.read_bytes()                 # no time stamp, no name
    assert gzip.decompress(gz1.read_bytes()) == plain.read_bytes()
    assert gz1.stat().st_size * 5 < plain.stat().st_size
    _same(read_openmetrics(gz1), _set())


def test_gz_decompressed_size_is_bounded_and_a_cut_file_is_an_error(tmp_path):
    bomb = tmp_path / "bomb.om.gz"
    bomb.write_bytes(gzip.compress(b"# " + b"x" * 5_000_000 + b"\n", mtime=0))
    assert bomb.stat().st_size < 50_000
    with pytest.raises(SeriesFormatError, match="more than 1000000 bytes"):
        read_openmetrics(bomb, max_bytes=1_000_000)
    good = tmp_path / "s.om.gz"
    write_openmetrics(_set(), good)
    cut = tmp_path / "cut.om.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(SeriesFormatError) as err:
        read_openmetrics(cut)
    assert str(cut) in str(err.value)


def test_simulate_scrape_interval_sets_the_sample_step(tmp_path):
    out30, out60 = tmp_path / "s30.om.gz", tmp_path / "s60.om.gz"
    assert invoke("simulate", "--days", "0.05", "--series", str(out30), "-f", "json",
                  "-o", str(tmp_path / "a.json"))[0] == 0
    assert invoke("simulate", "--days", "0.05", "--series", str(out60), "-f", "json",
                  "-o", str(tmp_path / "b.json"), "--scrape-interval", "60")[0] == 0
    for path, step in ((out30, 30.0), (out60, 60.0)):
        node = read_openmetrics(path).select("kube_node_status_allocatable")[0]
        assert set(np.diff(node.timestamps).tolist()) == {step}
    code, _out, err = invoke("simulate", "--days", "0.01", "--scrape-interval", "0.5")
    assert code == 2 and "--scrape-interval" in err
