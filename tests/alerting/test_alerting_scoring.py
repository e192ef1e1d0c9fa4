"""provisor.alerting.scoring: episodes matched to incidents (kind, labels, time), TP / FP /
FN, precision, recall, delay, and the resource-alert false-positive rate."""

from __future__ import annotations

import pytest

from provisor.alerting.engine import Firing
from provisor.alerting.scenarios import Incident
from provisor.alerting.scoring import FP_TARGET, grace_seconds, kinds_for_expr, score


def _f(alert: str, start: float, end: float, **labels: str) -> Firing:
    return Firing(alert, tuple(sorted(labels.items())), start, end)


KINDS = {"Mem": ("memory-high",), "Oom": ("oom-kill",), "Mystery": ()}
GRACE = {"Mem": 420.0, "Oom": 720.0}


def test_tp_fp_fn_precision_recall_delay():
    incidents = [
        Incident("memory-high", 1000, 3000, {"namespace": "ns", "pod": "a", "container": "agent"}),
        Incident("memory-high", 5000, 6000, {"namespace": "ns", "pod": "b"}),   # missed
        Incident("memory-high", 8000, 8100, {"namespace": "ns", "pod": "c"}),   # short
        Incident("oom-kill", 9000, 9000, {"namespace": "ns", "pod": "d"}),      # instant
    ]
    firings = [
        _f("Mem", 1300, 2900, namespace="ns", pod="a", container="agent"),   # TP, delay 300
        _f("Mem", 5100, 5200, namespace="ns", pod="zzz"),                     # FP: other pod
        _f("Mem", 8200, 8300, namespace="ns", pod="c"),                       # TP (short one)
        _f("Mem", 20000, 20100, namespace="ns", pod="a"),                     # FP: too late
        _f("Oom", 9060, 9600, namespace="ns", pod="d", container="agent"),    # TP, delay 60
    ]
    s = score(firings, incidents, KINDS, GRACE, min_incident_s=900)
    mem, oom, mystery = s.alerts["Mem"], s.alerts["Oom"], s.alerts["Mystery"]
    assert (mem.episodes, mem.tp, mem.fp, mem.fn, mem.detected) == (4, 2, 2, 1, 1)
    assert mem.precision == 0.5 and mem.recall == 0.5 and mem.delays_s == [300]
    assert (oom.tp, oom.fp, oom.fn, oom.recall, oom.delays_s) == (1, 0, 0, 1.0, [60])
    assert not mystery.scored and mystery.precision is None
    assert s.fp_rate == pytest.approx(2 / 5)
    j = s.to_json()
    assert j["fp_target"] == FP_TARGET and j["fp_pass"] is False and j["missed_incidents"] == 1
    assert [a["alert"] for a in j["alerts"]] == ["Mem", "Mystery", "Oom"]


def test_an_episode_that_began_before_the_incident_is_a_false_positive():
    # an alert that is always on was not caused by the incident: a false positive; it was
    # firing during the incident, so the incident is not missed (delay 0)
    inc = [Incident("cpu-high", 5000, 7000, {"pod": "a"})]
    s = score([_f("Cpu", 0, 9000, pod="a")], inc, {"Cpu": ("cpu-high",)}, {"Cpu": 600.0},
              eval_interval_s=60)
    a = s.alerts["Cpu"]
    assert (a.tp, a.fp, a.fn, a.delays_s) == (0, 1, 0, [0])
    # within two evaluation intervals before the start is the sampling grid: a detection
    s = score([_f("Cpu", 4900, 9000, pod="a")], inc, {"Cpu": ("cpu-high",)}, {"Cpu": 600.0},
              eval_interval_s=60)
    assert (s.alerts["Cpu"].tp, s.alerts["Cpu"].delays_s) == (1, [0])


def test_scores_accumulate_over_scenarios():
    inc = [Incident("oom-kill", 100, 100, {"pod": "a"})]
    s = score([_f("Oom", 160, 700, pod="a")], inc, KINDS, GRACE)
    s = score([], inc, KINDS, GRACE, into=s)
    assert (s.alerts["Oom"].tp, s.alerts["Oom"].fn, s.alerts["Oom"].recall) == (1, 1, 0.5)


def test_no_firings_no_rate():
    s = score([], [], KINDS, GRACE)
    assert s.fp_rate is None and s.to_json()["fp_pass"] is None


@pytest.mark.parametrize("expr,kinds", [
    ('kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1', ("oom-kill",)),
    ("container_memory_working_set_bytes / container_spec_memory_limit_bytes > 0.85",
     ("memory-high",)),
    ("rate(container_cpu_usage_seconds_total[5m]) > 0.8", ("cpu-high",)),
    ("increase(container_cpu_cfs_throttled_periods_total[5m]) / increase("
     "container_cpu_cfs_periods_total[5m]) > 0.25", ("cpu-throttled",)),
    ('kube_resourcequota{type="used"} / kube_resourcequota{type="hard"} > 0.8', ("quota-high",)),
    ("kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.9",
     ("pvc-full",)),
    ('kube_pod_status_phase{phase="Pending"} == 1', ("pod-pending",)),
    ("up == 0", ()),
])
def test_kinds_for_expr(expr, kinds):
    assert kinds_for_expr(expr) == kinds


def test_grace_is_hold_plus_longest_range_plus_two_evaluations():
    assert grace_seconds("max_over_time(x[10m]) or increase(y[1h5m])", "5m", 60) == \
        300 + 3900 + 120
    assert grace_seconds("x > 1", None, 30) == 60


def test_a_scenario_fault_window_credits_related_alerts_but_is_never_a_miss():
    inc = [Incident("scenario:quota-cut", 1000, 5000, {"namespace": "ns"})]
    ctx = {"scenario:quota-cut": ("quota-high", "quota-rejection")}
    kinds = {"Rej": ("quota-rejection",), "Pvc": ("pvc-full",)}
    s = score([_f("Rej", 2000, 2600, namespace="ns"), _f("Pvc", 2000, 2600, namespace="ns")],
              inc, kinds, {"Rej": 720.0, "Pvc": 300.0}, context_kinds=ctx)
    assert (s.alerts["Rej"].tp, s.alerts["Rej"].fp, s.alerts["Rej"].fn) == (1, 0, 0)
    assert (s.alerts["Pvc"].tp, s.alerts["Pvc"].fp) == (0, 1)


def test_derived_twin_truth_from_the_series():
    from provisor.alerting.harness import derived_incidents
    from provisor.series import Series, SeriesSet

    ts = [0.0, 60.0, 120.0, 180.0]
    pvc = {"namespace": "ns", "persistentvolumeclaim": "w"}
    ss = SeriesSet([
        Series({"__name__": "kubelet_volume_stats_used_bytes", **pvc}, ts, [1, 95, 96, 10]),
        Series({"__name__": "kubelet_volume_stats_capacity_bytes", **pvc}, ts, [100] * 4),
        Series({"__name__": "provisor_quota_rejections_total", "namespace": "ns"}, ts,
               [0, 0, 2, 2]),
    ])
    got = derived_incidents(ss, None)
    assert [(i.kind, i.start_s, i.end_s) for i in got] == [("pvc-full", 60.0, 120.0),
                                                           ("quota-rejection", 120.0, 120.0)]
