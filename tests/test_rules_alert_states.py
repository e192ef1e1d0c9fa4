"""alert/transient-state-for and alert/sticky-last-state (issue 14, PromQL meaning; case-14)."""

from __future__ import annotations

import json

import pytest

from rulekit import check_text, only


def alert(expr: str, hold: str | None = "5m", extra: str = "") -> str:
    f = f"\n          for: {hold}" if hold is not None else ""
    return f"""
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {{name: r, namespace: a}}
    spec:
      groups:
      - name: g
        rules:
        - alert: X
          expr: {json.dumps(expr)}{f}
          labels: {{severity: warning}}
    {extra}"""


@pytest.mark.parametrize("expr,hold,fires", [
    ('kube_pod_container_status_terminated_reason{reason="OOMKilled"} == 1', "5m", True),
    ('kube_pod_container_status_terminated_reason{reason="OOMKilled"} == 1', "0m", False),
    ('kube_pod_container_status_terminated_reason{reason="OOMKilled"} == 1', None, False),
    ('sum by (namespace) (kube_pod_init_container_status_terminated) > 0', "1m", True),
    # a branch that does not need the transient series can hold for 5m
    ('kube_pod_container_status_terminated_reason == 1 or kube_pod_container_status_waiting_reason'
     '{reason="CrashLoopBackOff"} == 1', "5m", False),
    ('kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"} == 1', "15m", False),
])
def test_transient(tmp_path, expr, hold, fires):
    fs = only(check_text(tmp_path, alert(expr, hold)), "alert/transient-state-for")
    assert bool(fs) is fires
    if fires:
        assert fs[0].severity == "error" and "never fires" in fs[0].message


def test_transient_silent_when_every_watched_pod_never_restarts(tmp_path):
    job = """---
    apiVersion: batch/v1
    kind: Job
    metadata: {name: j, namespace: a}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: x}]
    """
    expr = 'kube_pod_container_status_terminated_reason{namespace="a", reason="OOMKilled"} == 1'
    assert only(check_text(tmp_path, alert(expr, "5m", job)), "alert/transient-state-for") == []


@pytest.mark.parametrize("expr,fires", [
    ('kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1', True),
    ('max by (namespace, pod) (kube_pod_container_status_last_terminated_reason'
     '{reason="OOMKilled"}) > 0', True),
    ('kube_pod_container_status_last_terminated_exitcode == 137', True),
    # the fix the header suggests: bounded by a window of restarts
    ('(increase(kube_pod_container_status_restarts_total[10m]) > 0) and on (namespace, pod, '
     'container) (kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1)',
     False),
    ('kube_pod_container_status_last_terminated_reason == 1 unless on (pod) '
     'changes(kube_pod_container_status_restarts_total[10m]) == 0', False),
    ('kube_pod_container_status_last_terminated_reason == 1 unless on (pod) '
     'kube_pod_labels{label_oncall="none"}', True),
    ('(time() - kube_pod_container_status_last_terminated_timestamp < 600) and on (pod) '
     'kube_pod_container_status_last_terminated_reason == 1', False),
])
def test_sticky(tmp_path, expr, fires):
    fs = only(check_text(tmp_path, alert(expr, None)), "alert/sticky-last-state")
    assert bool(fs) is fires
    if fires:
        assert fs[0].severity == "warning" and "never resolves" in fs[0].message
