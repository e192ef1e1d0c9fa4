"""vpa/max-allowed-exceeds-quota (issue 14, controller behaviour: RequestsAndLimits keeps the
limit/request ratio, so maxAllowed memory 32Gi at 2:1 is a 64Gi limit)."""

from __future__ import annotations

from rulekit import check_text, only

TEXT = """
apiVersion: v1
kind: ResourceQuota
metadata: {{name: q, namespace: a}}
spec:
  hard: {{limits.memory: {hard}, requests.memory: 200Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: a}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
      - name: app
        image: x
        resources: {{requests: {{memory: 4Gi}}, limits: {{memory: 8Gi}}}}
---
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {{name: api, namespace: a}}
spec:
  targetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  updatePolicy: {{updateMode: Recreate}}
  resourcePolicy:
    containerPolicies:
    - containerName: app
      maxAllowed: {{memory: 32Gi}}
      {values}
"""


def test_limit_in_proportion(tmp_path):
    fs = only(check_text(tmp_path, TEXT.format(hard="80Gi", values="")),
              "vpa/max-allowed-exceeds-quota")
    assert len(fs) == 1
    m = fs[0].message
    assert "limits memory=64Gi" in m and "limits.memory 192Gi > hard 80Gi" in m
    # (80Gi - 24Gi) // (64Gi - 8Gi) = 1 pod can be resized
    assert "1 of 3 can be resized" in m


def test_requests_only_keeps_limits(tmp_path):
    assert only(check_text(tmp_path, TEXT.format(hard="80Gi", values="controlledValues: "
                                                 "RequestsOnly")),
                "vpa/max-allowed-exceeds-quota") == []


def test_room_enough(tmp_path):
    assert only(check_text(tmp_path, TEXT.format(hard="200Gi", values="")),
                "vpa/max-allowed-exceeds-quota") == []
