"""vpa/capped-target-outside-bounds (issue 14, controller behaviour: capping to a Pod-level
LimitRange leaves a target outside its bounds, an eviction every loop)."""

from __future__ import annotations

from rulekit import check_text, only

BASE = """
apiVersion: v1
kind: LimitRange
metadata: {{name: pod-max, namespace: a}}
spec:
  limits:
  - type: Pod
    max: {{memory: {pod_max}}}
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
        resources: {{requests: {{memory: 512Mi}}, limits: {{memory: 512Mi}}}}
      - name: sidecar
        image: y
        resources: {{requests: {{memory: 512Mi}}, limits: {{memory: 512Mi}}}}
---
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {{name: api, namespace: a}}
spec:
  targetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  updatePolicy: {{updateMode: {mode}}}
status:
  recommendation:
    containerRecommendations:
    - containerName: app
      target: {{memory: 1Gi}}
      lowerBound: {{memory: 900Mi}}
      upperBound: {{memory: 1200Mi}}
    - containerName: sidecar
      target: {{memory: 1Gi}}
      lowerBound: {{memory: 50Mi}}
      upperBound: {{memory: 2Gi}}
"""


def test_target_below_lower_bound(tmp_path):
    fs = only(check_text(tmp_path, BASE.format(pod_max="1536Mi", mode="Recreate")),
              "vpa/capped-target-outside-bounds")
    # targets 2Gi in all scaled to 1536Mi: 768Mi each; the lower bounds (950Mi) fit, unscaled
    assert len(fs) == 1
    assert "container app" in fs[0].message and "768Mi is below its lowerBound 900Mi" \
        in fs[0].message


def test_room_for_the_targets(tmp_path):
    assert only(check_text(tmp_path, BASE.format(pod_max="3Gi", mode="Recreate")),
                "vpa/capped-target-outside-bounds") == []


def test_non_evicting_modes(tmp_path):
    assert only(check_text(tmp_path, BASE.format(pod_max="1536Mi", mode="Initial")),
                "vpa/capped-target-outside-bounds") == []
