"""alert/threshold-mismatch (issue 14, PromQL meaning (d))."""

from __future__ import annotations

import json

import pytest

from rulekit import check_text, only

RATIO = ('kube_resourcequota{type="used"} / ignoring(type) '
         '(kube_resourcequota{type="hard"} > 0)')


def rule(name: str, expr: str, summary: str) -> str:
    return f"""
groups:
- name: g
  rules:
  - alert: {name}
    expr: {json.dumps(expr)}
    labels: {{severity: warning}}
    annotations: {{summary: {json.dumps(summary)}}}
"""


@pytest.mark.parametrize("name,expr,summary,words", [
    ("KubeQuotaExceeded", f"{RATIO} > 0.9", "Quota in use", ['"Exceeded"', "(90%)"]),
    ("QuotaUsage", f"{RATIO} > 0.9", "Namespace quota exceeded", ['"exceeded"']),
    ("QuotaUsage", f"{RATIO} > 0.9", "Quota usage above 80%", ["say 80%", "(90%)"]),
    ("QuotaUsage", f"{RATIO} * 100 > 90", "Quota usage above 80%", ["say 80%", "`> 90`"]),
    ("QuotaUsage", f"0.9 < {RATIO}", "Quota usage above 80%", ["say 80%"]),
])
def test_flagged(tmp_path, name, expr, summary, words):
    fs = only(check_text(tmp_path, rule(name, expr, summary), name="r.yaml"),
              "alert/threshold-mismatch")
    assert len(fs) == 1 and all(w in fs[0].message for w in words), fs


@pytest.mark.parametrize("name,expr,summary", [
    ("KubeQuotaExceeded", f"{RATIO} > 1", "Namespace quota has exceeded the limits."),
    ("KubeQuotaAlmostFull", f"{RATIO} > 0.9", "Namespace quota is going to be full."),
    ("QuotaUsage", f"{RATIO} > 0.9", "Quota usage above 90%"),
    ("QuotaUsage", f"{RATIO} > 0.9", "{{ $value | humanizePercentage }} of the quota"),
    ("QuotaUsage", f"{RATIO} > 0.9", "between 10% and 90%"),   # ambiguous: two numbers
    ("QuotaUsage", f"{RATIO} > 0.9", "usage is high; pods fail at 100%"),  # the limit itself
    # the unit is unknown: no claim about percentages
    ("QueueExceeded", "my_queue_depth > 0.9", "Queue exceeded"),
])
def test_not_flagged(tmp_path, name, expr, summary):
    assert only(check_text(tmp_path, rule(name, expr, summary), name="r.yaml"),
                "alert/threshold-mismatch") == []
