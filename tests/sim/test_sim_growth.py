"""Growing arrivals (``workload.arrivals.growth_per_day``) and the capacity forecast the twin
confirms (issue 12: "a growing arrival rate must produce a finite days-to-exhaustion that
the twin confirms when run that long")."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import ValidationError
from simkit import inputs, one_stage, pod_template

from provisor.policy.workload import Arrivals
from provisor.sim import SimInputError, load_inputs, simulate

GI = 2**30


def _objs(quota: dict[str, str] | None = None) -> list[dict]:
    objs = [pod_template("coderun-rex", cpu="500m", mem="4Gi", max_concurrency=100)]
    if quota:
        objs.append({"apiVersion": "v1", "kind": "ResourceQuota",
                     "metadata": {"name": "q", "namespace": "team"}, "spec": {"hard": quota}})
    return objs


def _wl(rate: float, growth: float | None, **extra) -> dict:
    wl = one_stage("coderun-rex", {"kind": "constant", "value": 1800}, rate=rate, **extra)
    if growth is not None:
        wl["arrivals"]["growth_per_day"] = growth
    return wl


def _daily_arrivals(r, days: int) -> np.ndarray:
    s = next(s for s in r.series()
             if dict(s.labels)["__name__"] == "provisor_runs_started_total")
    t = np.asarray(s.timestamps) - s.timestamps[0]
    v = np.asarray(s.values)
    ends = [v[t <= 86400 * (d + 1)][-1] for d in range(days)]
    return np.diff(np.concatenate(([0.0], ends)))


def test_growth_factor_is_linear_and_floored():
    a = Arrivals(rate_per_hour=3, growth_per_day=0.25)
    assert a.growth_factor(0) == 1.0
    assert a.growth_factor(4 * 86400) == pytest.approx(2.0)
    d = Arrivals(rate_per_hour=3, growth_per_day=-0.5)
    assert d.growth_factor(86400) == pytest.approx(0.5)
    assert d.growth_factor(3 * 86400) == 0.0
    assert Arrivals(rate_per_hour=3).growth_factor(1e9) == 1.0


@pytest.mark.parametrize("bad", [-1.5, 11, "fast", float("nan")])
def test_bad_growth_is_a_clear_error(tmp_path, bad):
    w = tmp_path / "wl.yaml"
    wl = _wl(2.0, None)
    wl["arrivals"]["growth_per_day"] = bad
    w.write_text(json.dumps(wl).replace("NaN", ".nan"))
    with pytest.raises(SimInputError) as e:
        load_inputs(workload=w)
    assert e.value.file == str(w) and "growth_per_day" in e.value.field
    with pytest.raises(ValidationError):
        Arrivals(rate_per_hour=1, growth_per_day=bad)


def test_zero_growth_is_the_old_workload_byte_for_byte():
    objs = _objs()
    a = simulate(inputs(objs, _wl(6.0, None)), days=1.5, seed=4)
    b = simulate(inputs(objs, _wl(6.0, 0.0)), days=1.5, seed=4)
    assert json.dumps(a.to_json(), sort_keys=True) == json.dumps(b.to_json(), sort_keys=True)
    sa, sb = list(a.series()), list(b.series())
    assert len(sa) == len(sb)
    for x, y in zip(sa, sb):
        assert dict(x.labels) == dict(y.labels)
        assert np.array_equal(x.timestamps, y.timestamps) and np.array_equal(x.values, y.values)


def test_arrivals_grow_linearly_per_day():
    """rate 10/h growing 50 %/day: day d brings about 240 x (1 + 0.5 (d + 0.5)) arrivals
    (Poisson: within 5 standard deviations), and a flat workload stays flat."""
    days = 3
    r = simulate(inputs(_objs(), _wl(10.0, 0.5)), days=days, seed=1)
    got = _daily_arrivals(r, days)
    want = np.array([240.0 * (1 + 0.5 * (d + 0.5)) for d in range(days)])
    assert np.all(np.abs(got - want) <= 5 * np.sqrt(want)), (got, want)
    assert got[2] > got[0] + 5 * np.sqrt(want[0] + want[2])
    flat = _daily_arrivals(simulate(inputs(_objs(), _wl(10.0, 0.0)), days=days, seed=1), days)
    assert np.all(np.abs(flat - 240.0) <= 5 * np.sqrt(240.0)), flat


def test_a_decline_reaches_zero_and_stays():
    r = simulate(inputs(_objs(), _wl(20.0, -0.5)), days=3, seed=2)
    got = _daily_arrivals(r, 3)
    assert got[0] > 0 and got[2] == 0


def test_a_short_run_is_the_start_of_a_longer_one():
    """The thinning bound does not depend on the run's length: N days of a growing workload
    are the first N days of a longer run with the same seed."""
    objs = _objs({"requests.memory": "40Gi"})
    short = simulate(inputs(objs, _wl(4.0, 1.0)), days=1.0, seed=5)
    long = simulate(inputs(objs, _wl(4.0, 1.0)), days=2.0, seed=5)
    end = next(iter(short.series())).timestamps[0] + 86400 - 600
    by = {tuple(sorted(dict(s.labels).items())): s for s in long.series()}
    for s in short.series():
        t = np.asarray(s.timestamps)
        keep = t < end
        o = by[tuple(sorted(dict(s.labels).items()))]
        ot = np.asarray(o.timestamps)
        assert np.array_equal(ot[ot < end], t[keep]), dict(s.labels)
        assert np.array_equal(np.asarray(o.values)[ot < end], np.asarray(s.values)[keep])


#: How much earlier than the twin the forecast may say the quota is full: a week, the lead
#: time of a capacity change (raise the quota, add nodes); over a 30-day horizon a warning
#: more than a week early is a false alarm.
EARLY_DAYS = 7.0
#: How much later than the twin's first full hour the forecast may say it: a day. The
#: forecast's day is where the upper 95 % bound of the hourly value crosses the quota (its
#: 97.5 % quantile); the twin's first full hour is the maximum of 24 hourly draws a day, and
#: P(some hour of a day above the 97.5 % quantile) = 1 - 0.975**24 = 45 %: the first
#: excursion comes up to about a day before a calibrated bound crosses.
LATE_DAYS = 1.0


def test_growing_arrivals_exhaust_the_quota_on_the_forecast_day():
    """Simulate 14 days of arrivals growing 30 %/day against a 40Gi requests.memory quota
    (agents request 4Gi: the quota holds 10), forecast 30 days with ``provisor.forecast`` on
    the twin's series exactly as ``provisor plan`` does (hourly targets from
    ``targets_from_series``), then run the twin with the same seed that long: the namespace's
    memory requests (the hourly average of the instantaneous total of Pending and Running
    pods, the quota's own measure) really reach the quota -- within one agent's request of
    ``hard``, no room for another agent, with pods rejected by quota admission -- between
    ``LATE_DAYS`` before and ``EARLY_DAYS`` after the forecast's day."""
    from provisor.forecast import forecast_targets, targets_from_series

    objs = _objs({"requests.memory": "40Gi"})
    wl = _wl(2.0, 0.3, queueing={"mode": "retry", "retry_initial_s": 60, "retry_max_s": 600})
    hist_days = 14.0        # two weekly seasons: the forecast extrapolates a trend from there
    short = simulate(inputs(objs, wl), days=hist_days, seed=3)
    tg = targets_from_series(short.series(), step_s=3600, quantities=["memory_requests"])
    assert [t.key for t in tg] == [("team", "memory_requests")]
    assert tg[0].values.max() < 36 * GI          # the history stays clear of the quota
    fc = forecast_targets(tg, 30 * 86400)
    ex = fc.forecasts[0].exhaustion
    assert ex is not None and ex.limit == "quota requests.memory" and ex.value == 40 * GI
    assert 0 < ex.days < 30

    long = simulate(inputs(objs, wl), days=hist_days + ex.days + EARLY_DAYS + 0.5, seed=3)
    m = targets_from_series(long.series(), step_s=3600, quantities=["memory_requests"])[0]
    n = len(tg[0].values) - 1                    # the last hour of the short run is partial
    assert np.array_equal(m.values[:n], tg[0].values[:n])   # the same seed: the same history
    end = tg[0].timestamps[-1] + 3600
    full = m.timestamps[(m.timestamps >= end) & (m.values >= 36 * GI)]
    assert len(full), "the quota was never full"
    true_days = (full[0] - end) / 86400
    print(f"forecast: quota full in {ex.days:.2f} days ({fc.forecasts[0].model}); "
          f"the twin: {true_days:.2f} days")
    assert ex.days - LATE_DAYS <= true_days <= ex.days + EARLY_DAYS, (ex.days, true_days)
    rej = [s for s in long.series()
           if dict(s.labels)["__name__"] == "provisor_quota_rejections_total"]
    assert rej and rej[0].timestamps[0] <= full[0]   # admission refused pods by then
    assert long.summary["quota_rejections"] > 0


def test_cli_arrival_growth(tmp_path):
    """``provisor simulate --arrival-growth G`` grows the workload it would simulate (more
    arrivals than without, the same as the workload file's field), and a bad value exits 2
    naming the option and the field."""
    from typer.testing import CliRunner

    from provisor.cli import app

    runner = CliRunner()
    w = tmp_path / "wl.yaml"
    w.write_text(json.dumps(_wl(10.0, None)))
    wg = tmp_path / "wl-grow.yaml"
    wg.write_text(json.dumps(_wl(10.0, 2.0)))
    args = ["simulate", "--days", "1", "--format", "json"]
    flat = runner.invoke(app, [*args, "--workload", str(w)])
    grown = runner.invoke(app, [*args, "--workload", str(w), "--arrival-growth", "2"])
    same = runner.invoke(app, [*args, "--workload", str(wg)])
    assert flat.exit_code == grown.exit_code == same.exit_code == 0, grown.output
    n_flat = json.loads(flat.output)["summary"]["workflows_arrived"]
    n_grown = json.loads(grown.output)["summary"]["workflows_arrived"]
    assert n_grown > 1.5 * n_flat
    assert grown.output == same.output
    bad = runner.invoke(app, [*args, "--arrival-growth", "-3"])
    assert bad.exit_code == 2
    assert "--arrival-growth" in bad.output and "growth_per_day" in bad.output


def test_forecast_requests_are_what_the_quota_charges():
    """The forecast's namespace requests on the twin's series (``targets_from_series``: the
    hourly average of the instantaneous total of Pending and Running pods, each pod's series
    stale one scrape after it ends) equal the quota's own ``used`` (``kube_resourcequota``)
    averaged the same way: short-lived pods neither linger for the 5-minute lookback nor
    count once they have Succeeded."""
    from provisor.forecast import targets_from_series
    from provisor.forecast.targets import Quantity, _aggregate, grid_for

    objs = _objs({"requests.memory": "40Gi", "requests.cpu": "100"})
    wl = one_stage("coderun-rex", {"kind": "lognormal", "median": 900, "p95": 2400}, rate=8.0)
    r = simulate(inputs(objs, wl), days=1.0, seed=6)
    ss = list(r.series())
    tg = {t.quantity: t for t in targets_from_series(ss, step_s=3600, quantities=[
        "cpu_requests", "memory_requests"])}
    t0, n = grid_for([s for s in ss if dict(s.labels)["__name__"] in (
        "kube_pod_container_resource_requests",)], 3600)
    for quantity, resource in (("memory_requests", "requests.memory"),
                               ("cpu_requests", "requests.cpu")):
        used = [s for s in ss if dict(s.labels)["__name__"] == "kube_resourcequota"
                and dict(s.labels)["type"] == "used" and dict(s.labels)["resource"] == resource]
        want = _aggregate(used, Quantity("u", "x", "kube_resourcequota"), t0, 3600, n)
        got = tg[quantity].values
        assert want is not None and want.max() > 0
        # the quota's used is sampled at the scrapes, the pods' series also when they end:
        # at most one scrape's share of one pod apart per hour
        tol = (4 * GI if quantity == "memory_requests" else 0.5) * 300 / 3600
        assert np.all(np.abs(got[:-1] - want[:-1]) <= tol + 1e-9), (quantity, got - want)


def test_prometheus_gives_the_same_quota_level_requests(prometheus_with, tmp_path):
    """The PromQL of ``promql_for`` (requests joined with ``kube_pod_status_phase`` of
    Pending/Running pods, as kubernetes-mixin's namespace request rules do) run by a real
    Prometheus on the twin's series backfilled: its instantaneous total equals the quota's
    ``used`` at every scrape, and its hourly values agree with ``targets_from_series`` on
    the files up to the averaging resolution (Prometheus' subquery every 60 s, the files at
    the scrape interval, 300 s here: each pod's start and end is placed up to a scrape
    apart, a 4Gi pod of ~15 minutes by up to a third of its request-hours)."""
    prom = pytest.importorskip("provisor.prom")
    from provisor.forecast import targets_from_series
    from provisor.forecast.targets import QUANTITIES, promql_for, targets_from_prometheus
    from provisor.series import SeriesSet, write_openmetrics

    objs = _objs({"requests.memory": "40Gi"})
    wl = one_stage("coderun-rex", {"kind": "lognormal", "median": 900, "p95": 2400}, rate=8.0)
    r = simulate(inputs(objs, wl), days=0.5, seed=6)
    keep = ("kube_pod_container_resource_requests", "kube_pod_status_phase",
            "kube_resourcequota")
    ss = SeriesSet([s for s in r.series() if dict(s.labels)["__name__"] in keep])
    used = next(s for s in ss if dict(s.labels).get("type") == "used"
                and dict(s.labels).get("resource") == "requests.memory")
    p = tmp_path / "twin.om"
    write_openmetrics(ss, p)
    server = prometheus_with(p)
    lo, hi = ss.time_range()
    expr = promql_for(next(q for q in QUANTITIES if q.key == "memory_requests"), 3600)
    instant = expr[len("sum_over_time(("):expr.rindex(")[")]
    with prom.PromClient(server.url) as client:
        for t, v in list(zip(used.timestamps.tolist(), used.values.tolist()))[::7]:
            got = client.query(instant, t)
            assert sum(float(g.values[-1]) for g in got) == v, t - lo
        prom_t = {t.key: t for t in targets_from_prometheus(client, lo, hi, 3600)}
    want = {t.key: t for t in targets_from_series(ss, step_s=3600)}
    for k in (("team", "memory_requests"), ("team", "cpu_requests")):
        n = min(len(prom_t[k].values), len(want[k].values)) - 1
        assert n >= 8
        got_v, want_v = prom_t[k].values[:n], want[k].values[:n]
        assert np.allclose(got_v, want_v, rtol=0.35), (k, got_v, want_v)
        assert abs(got_v.sum() / want_v.sum() - 1) < 0.15
