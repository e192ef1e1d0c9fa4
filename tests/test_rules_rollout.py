"""quota/rollout-surge-blocked (issue 14, controller behaviour: a rolling update's surge
against a quota the steady state fills)."""

from __future__ import annotations

import pytest

from rulekit import check_text, only


def objs(replicas: int = 3, strategy: str = "", hard: str = 'requests.cpu: "1", pods: "3"',
         hpa: str = "") -> str:
    return f"""
apiVersion: v1
kind: ResourceQuota
metadata: {{name: compute, namespace: a}}
spec:
  hard: {{{hard}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: a}}
spec:
  replicas: {replicas}
  {strategy}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: x
        resources: {{requests: {{cpu: 300m, memory: 256Mi}}, limits: {{memory: 256Mi}}}}
{hpa}"""


@pytest.mark.parametrize("replicas,strategy,hard,blocked", [
    (3, "", 'requests.cpu: "1", pods: "3"', True),            # 25%/25% of 3: surge 1, unavail 0
    (3, "", 'requests.cpu: "2", pods: "4"', False),           # room for the surge pod
    (3, "strategy: {rollingUpdate: {maxUnavailable: 1}}", 'pods: "3"', False),
    (3, "strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}", 'pods: "3"', False),
    (3, "strategy: {type: Recreate}", 'pods: "3"', False),
    (4, "", 'pods: "4"', False),                               # 25% of 4: unavailable 1
    (4, "strategy: {rollingUpdate: {maxUnavailable: 10%}}", 'pods: "4"', True),
    (3, "", 'pods: "2"', False),                               # steady state does not fit
])
def test_rollout(tmp_path, replicas, strategy, hard, blocked):
    fs = only(check_text(tmp_path, objs(replicas, strategy, hard)), "quota/rollout-surge-blocked")
    assert bool(fs) is blocked
    if blocked:
        assert "maxUnavailable 0" in fs[0].message and "ProgressDeadlineExceeded" in fs[0].message
        assert fs[0].object.kind == "Deployment"


def test_hpa_at_max(tmp_path):
    hpa = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: a}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"""
    fs = only(check_text(tmp_path, objs(1, "", 'pods: "3"', hpa)), "quota/rollout-surge-blocked")
    assert len(fs) == 1 and "at 3 replica(s)" in fs[0].message and "maxReplicas" in fs[0].message
