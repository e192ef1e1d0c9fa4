"""hpa/external-target-semantics (issue 14; case-05 and its Value variant)."""

from __future__ import annotations

from conftest import SHARED  # noqa: E402
from rulekit import check_text, only

CASE = (SHARED / "cases" / "case-05.yaml").read_text()


def test_average_value_is_per_pod(tmp_path):
    fs = only(check_text(tmp_path, CASE), "hpa/external-target-semantics")
    assert len(fs) == 1 and fs[0].severity == "warning"
    # 20% above the target at the Deployment's 2 pods: ceil(90 / 75) = 2, no scale-up
    assert "At 2 pod(s) a total of 90 (above 75) reads as 45 per pod and gives 2 replica(s)" \
        in fs[0].message


def test_value_runs_to_max_replicas(tmp_path):
    text = CASE.replace("type: AverageValue", "type: Value").replace(
        'averageValue: "75"', 'value: "75"')
    fs = only(check_text(tmp_path, text), "hpa/external-target-semantics")
    assert len(fs) == 1
    # the replica calculator's ceil(pods x 1.2), clamped at maxReplicas 10
    assert "2 -> 3 -> 4 -> 5 -> 6 -> 8 -> 10, ending at 10 (maxReplicas)" in fs[0].message


def test_milli_targets_and_other_sources(tmp_path):
    text = CASE.replace('averageValue: "75"', 'averageValue: 500m')
    fs = only(check_text(tmp_path, text), "hpa/external-target-semantics")
    assert "AverageValue 500m" in fs[0].message
    text = CASE.replace("type: External", "type: Pods").replace("external:", "pods:")
    assert only(check_text(tmp_path, text), "hpa/external-target-semantics") == []


def test_object_metric(tmp_path):
    text = CASE.replace("type: External", "type: Object").replace("external:", "object:").replace(
        "        metric:\n", "        describedObject: {apiVersion: v1, kind: Service, name: q}\n"
        "        metric:\n")
    fs = only(check_text(tmp_path, text), "hpa/external-target-semantics")
    assert len(fs) == 1 and "Object metric queue_messages_ready with target AverageValue 75" \
        in fs[0].message and "gives 2 replica(s)" in fs[0].message
