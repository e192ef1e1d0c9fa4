"""``provisor forecast`` end to end on OpenMetrics files; a real Prometheus for --prometheus."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fcdata import platform

from provisor.series import write_openmetrics


@pytest.fixture(scope="module")
def om(tmp_path_factory):
    p = tmp_path_factory.mktemp("fc") / "platform.om"
    write_openmetrics(platform(days=5, growth_pods_per_day=8.0, quota_pods=80), p)
    return p


def test_json_finds_the_pod_quota_running_out(cli, om):
    r = cli("forecast", "--series", str(om), "--horizon", "7d", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["horizon_seconds"] == 7 * 86400 and doc["levels"] == [80, 95]
    fc = {(f["namespace"], f["quantity"]): f for f in doc["forecasts"]}
    pods = fc[("team-a", "pods")]
    assert pods["exhaustion"]["limit"] == "quota pods"
    # 10 + 8/day for 5 days = 50 pods (+-3 daily swing); quota 80 -> about 3.4 days
    assert 0.5 < pods["exhaustion"]["days"] < 4.5
    assert len(pods["forecast"]["t"]) == 7 * 24
    assert pods["score"]["coverage95"] is not None
    assert doc["summary"]["first_exhaustion"]["namespace"] == "team-a"
    assert fc[("team-b", "pods")]["exhaustion"] is None


def test_same_bytes_twice(cli, om):
    a = cli("forecast", "--series", str(om), "--horizon", "2d", "--format", "json")
    b = cli("forecast", "--series", str(om), "--horizon", "2d", "--format", "json")
    assert a.returncode == 0 and a.stdout == b.stdout


def test_csv_and_table_and_output_file(cli, om, tmp_path):
    r = cli("forecast", "--series", str(om), "--horizon", "1d", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["quantity"] for row in rows} >= {"pods", "cpu_usage", "allocatable_cpu"}
    assert all(float(row["lo95"]) <= float(row["mean"]) <= float(row["hi95"]) for row in rows)
    r = cli("forecast", "--series", str(om), "--horizon", "1d")
    assert r.returncode == 0 and "team-a" in r.stdout and "MASE" in r.stdout
    out = tmp_path / "fc.json"
    r = cli("forecast", "--series", str(om), "--horizon", "1d", "-f", "json", "-o", str(out))
    assert r.returncode == 0 and json.loads(out.read_text())["forecasts"]
    out.write_text("mine")
    r = cli("forecast", "--series", str(om), "--horizon", "1d", "-f", "json", "-o", str(out))
    assert r.returncode == 2 and "exists" in r.stderr and out.read_text() == "mine"
    r = cli("forecast", "--series", str(om), "--horizon", "1d", "-f", "csv", "-o", str(out),
            "--force")
    assert r.returncode == 0 and out.read_text().startswith("namespace,")


def test_files_after_series_flag(cli, om, tmp_path):
    other = tmp_path / "empty.om"
    other.write_text("# EOF\n")
    r = cli("forecast", "--series", str(om), str(other), "--horizon", "1d", "-f", "json")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("args, msg", [
    ((), "exactly one source"),
    (("--series", "NOPE.om"), "NOPE.om"),
    (("--series", "{om}", "--horizon", "soon"), "not a duration"),
    (("--series", "{om}", "--format", "xml"), "--format"),
    (("--series", "{om}", "--prometheus", "http://127.0.0.1:1"), "exactly one source"),
    (("--series", "{bad}"), "bad.om:2"),
])
def test_bad_input_exits_2(cli, om, tmp_path, args, msg):
    bad = tmp_path / "bad.om"
    bad.write_text("# TYPE x gauge\nx{a=\"1\" 1 2\n# EOF\n")
    args = tuple(a.format(om=om, bad=bad) for a in args)
    r = cli("forecast", *args)
    assert r.returncode == 2, r.stdout
    assert msg in r.stderr and "Traceback" not in r.stderr


def test_prometheus_source(prometheus_with, tmp_path):
    """The same series backfilled into a real Prometheus give the same targets as the file."""
    prom = pytest.importorskip("provisor.prom")
    import numpy as np

    from provisor.forecast import targets_from_series
    from provisor.forecast.targets import targets_from_prometheus

    ss = platform(days=2)
    p = tmp_path / "p.om"
    write_openmetrics(ss, p)
    server = prometheus_with(p)
    lo, hi = ss.time_range()
    with prom.PromClient(server.url) as client:
        got = {t.key: t for t in targets_from_prometheus(client, lo, hi, 3600)}
    want = {t.key: t for t in targets_from_series(ss, step_s=3600)}
    assert set(got) == set(want)
    for k in want:
        assert got[k].limits == want[k].limits
        n = min(len(got[k].values), len(want[k].values)) - 1
        assert np.allclose(got[k].values[1:n], want[k].values[1:n], rtol=0.1), k
