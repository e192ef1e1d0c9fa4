"""provisor.forecast.targets: per-namespace aggregation from cAdvisor/kube-state-metrics
series, limits from the quota and the allocatable."""

from __future__ import annotations

import random

import numpy as np
import pytest
from fcdata import T0, platform

from provisor.forecast import ForecastError, targets_from_series
from provisor.forecast.targets import QUANTITIES, promql_for
from provisor.series import Series, SeriesSet, rate


def _by(targets):
    return {(t.namespace, t.quantity): t for t in targets}


def test_platform_targets_values_and_limits():
    ss = platform(days=3)
    tg = _by(targets_from_series(ss, step_s=3600))
    assert set(tg) == {(ns, q) for ns in ("team-a", "team-b") for q in
                       ("cpu_usage", "cpu_requests", "memory_usage", "memory_requests", "pods")
                       } | {("", "allocatable_cpu"), ("", "allocatable_memory"),
                            ("", "allocatable_pods")}
    b = tg[("team-b", "pods")]
    assert np.all(b.values == 4) and b.unit == "count"
    assert np.all(tg[("team-b", "cpu_requests")].values == 2.0)
    assert np.all(tg[("team-b", "memory_requests")].values == 4 * 2.0**30)
    assert np.all(tg[("", "allocatable_cpu")].values == 48)
    a = tg[("team-a", "pods")]
    assert [(lim.name, lim.value) for lim in a.limits] == [("quota pods", 60.0),
                                                           ("allocatable pods", 330.0)]
    assert [lim.name for lim in tg[("team-a", "cpu_usage")].limits] == ["allocatable cpu"]
    assert [lim.name for lim in tg[("team-b", "cpu_requests")].limits] == ["allocatable cpu"]
    # requests follow the pod count: 0.5 cores a pod (pods present at any time in the hour)
    assert np.allclose(tg[("team-a", "cpu_requests")].values, 0.5 * a.values, atol=0.5)
    assert len(a.timestamps) == 72 and np.all(np.diff(a.timestamps) == 3600)


def test_counter_rate_is_prometheus_rate_summed():
    ss = platform(days=1)
    tg = _by(targets_from_series(ss, step_s=3600))["team-b", "cpu_usage"]
    want = np.zeros(len(tg.timestamps))
    for s in ss.select("container_cpu_usage_seconds_total", namespace="team-b"):
        r = rate(s, tg.timestamps + 3600, 3600)
        want += np.where(np.isfinite(r), r, 0)
    assert np.allclose(tg.values[:-1], want[:-1])
    assert 4 * 0.25 <= tg.values[3] <= 4 * 0.31


def test_counter_reset_and_pause_container_and_missing_namespace():
    t = T0 + 60 * np.arange(120)
    v = np.cumsum(np.full(120, 30.0))
    v[60:] -= v[59]                                   # restart from zero
    ss = SeriesSet([
        Series({"__name__": "container_cpu_usage_seconds_total", "namespace": "n",
                "pod": "p", "container": "c"}, t, v),
        Series({"__name__": "container_cpu_usage_seconds_total", "namespace": "n",
                "pod": "p", "container": "POD"}, t, v * 100),
        Series({"__name__": "container_cpu_usage_seconds_total", "pod": "q",
                "container": "c"}, t, v * 100),
    ])
    tg = targets_from_series(ss, step_s=3600)
    assert [(x.namespace, x.quantity) for x in tg] == [("n", "cpu_usage")]
    assert tg[0].values[0] == pytest.approx(0.5, rel=0.05)   # 30 CPU-s a minute


def test_quota_smallest_of_several_and_cpu_alias():
    t = T0 + 3600 * np.arange(5)
    ss = SeriesSet([
        Series({"__name__": "kube_pod_container_resource_requests", "namespace": "n",
                "pod": "p", "container": "c", "resource": "cpu"}, t, np.ones(5)),
        Series({"__name__": "kube_resourcequota", "namespace": "n", "resourcequota": "a",
                "resource": "cpu", "type": "hard"}, t, np.full(5, 8.0)),
        Series({"__name__": "kube_resourcequota", "namespace": "n", "resourcequota": "b",
                "resource": "cpu", "type": "hard"}, t, np.full(5, 6.0)),
        Series({"__name__": "kube_resourcequota", "namespace": "n", "resourcequota": "b",
                "resource": "cpu", "type": "used"}, t, np.full(5, 1.0)),
    ])
    (tg,) = targets_from_series(ss, step_s=3600)
    assert [(x.name, x.value) for x in tg.limits] == [("quota cpu", 6.0)]


def test_order_independent():
    ss = platform(days=2)
    items = list(ss)
    random.Random(3).shuffle(items)
    a = targets_from_series(ss, step_s=3600)
    b = targets_from_series(SeriesSet(items, ss.metadata), step_s=3600)
    assert [(x.key, x.values.tobytes(), x.limits) for x in a] == \
        [(x.key, x.values.tobytes(), x.limits) for x in b]


def test_no_forecast_metric():
    ss = SeriesSet([Series({"__name__": "up"}, [T0], [1.0])])
    with pytest.raises(ForecastError, match="none of the forecast's metrics"):
        targets_from_series(ss)


def test_promql_is_valid_and_aggregates_by_namespace():
    import promql_parser

    for q in QUANTITIES:
        expr = promql_for(q, 3600)
        promql_parser.parse(expr)
        assert ("by (namespace)" in expr) != q.cluster


def test_exhaustion_confirmed_when_the_platform_runs_longer():
    """A growing arrival of pods (the synthetic platform, 2 pods/day, quota 60 pods):
    forecast from 14 days, then run the same generator 30 days: the quota is really reached
    on a day at or after the forecast's (the upper 95 % bound is conservative), and the
    forecast is not more than a week early."""
    from provisor.forecast import forecast

    short = platform(days=14, growth_pods_per_day=2.0, quota_pods=60, step=600.0)
    r = forecast(short, 30 * 86400)
    pods = next(f for f in r.forecasts if (f.namespace, f.quantity) == ("team-a", "pods"))
    ex = pods.exhaustion
    assert ex is not None and ex.limit == "quota pods"
    long = platform(days=44, growth_pods_per_day=2.0, quota_pods=60, step=600.0)
    tg = _by(targets_from_series(long, step_s=3600))[("team-a", "pods")]
    end_short = pods.history_t[-1]
    hit = tg.timestamps[(tg.values >= 60) & (tg.timestamps > end_short)]
    assert len(hit)
    true_days = (hit[0] - end_short) / 86400
    assert ex.days <= true_days + 0.05
    assert ex.days >= true_days - 7


def test_a_bucket_the_data_covers_in_part_is_not_pulled_towards_zero():
    """The twin's runs end inside the grid's last bucket: avg_over_time of the subquery
    averages the points that have a value (after the last sample + 5 min lookback the sum is
    absent, not 0), so constant requests stay constant in the last bucket (the report's
    usage charts and the forecast's last value once dropped to 1/12 of them there)."""
    t = T0 + 30.0 * np.arange(2 * 120 + 1)          # 2 h of 30 s scrapes, ends at a bucket start
    ss = SeriesSet([Series({"__name__": "kube_pod_container_resource_requests", "namespace": "ns",
                            "pod": "p", "container": "c", "resource": "cpu", "unit": "core"},
                           t, np.full(t.size, 0.2))])
    tg = _by(targets_from_series(ss, step_s=3600, quantities=["cpu_requests"]))
    v = tg[("ns", "cpu_requests")].values
    assert len(v) == 3 and np.allclose(v, 0.2), v
