"""vpa/updates-blocked-min-replicas (issue 14, controller behaviour; case-31)."""

from __future__ import annotations

import pytest

from rulekit import check_text, only


def objs(replicas: str = "replicas: 1", policy: str = "updateMode: Recreate",
         hpa: str = "") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: a}}
spec:
  {replicas}
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
      - name: api
        image: x
        resources: {{requests: {{cpu: 100m, memory: 256Mi}}, limits: {{memory: 1Gi}}}}
---
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {{name: api, namespace: a}}
spec:
  targetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  updatePolicy: {{{policy}}}
  resourcePolicy:
    containerPolicies: [{{containerName: api, controlledResources: [memory]}}]
{hpa}"""


HPA = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: api, namespace: a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  minReplicas: {lo}
  maxReplicas: {hi}
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
"""


@pytest.mark.parametrize("replicas,policy,hpa,words", [
    ("replicas: 1", "updateMode: Recreate", "", ["runs 1 replica", "never evicts"]),
    ("", "updateMode: Auto", "", ["spec.replicas unset", "never evicts"]),
    ("replicas: 1", "updateMode: InPlaceOrRecreate", "", ["runs 1 replica"]),
    ("replicas: 2", "updateMode: Recreate, minReplicas: 3", "", ["minReplicas 3"]),
    ("", "updateMode: Recreate", HPA.format(lo=1, hi=1), ["at most", "never evicts"]),
    ("", "updateMode: Recreate", HPA.format(lo=1, hi=5), ["minReplicas", "sits at its minimum"]),
])
def test_blocked(tmp_path, replicas, policy, hpa, words):
    fs = only(check_text(tmp_path, objs(replicas, policy, hpa)), "vpa/updates-blocked-min-replicas")
    assert len(fs) == 1 and fs[0].severity == "warning"
    assert all(w in fs[0].message for w in words), fs[0].message


@pytest.mark.parametrize("replicas,policy,hpa", [
    ("replicas: 2", "updateMode: Recreate", ""),
    ("replicas: 1", "updateMode: Recreate, minReplicas: 1", ""),
    ("replicas: 1", "updateMode: Initial", ""),
    ("replicas: 1", 'updateMode: "Off"', ""),
    ("", "updateMode: Recreate", HPA.format(lo=2, hi=5)),
])
def test_not_blocked(tmp_path, replicas, policy, hpa):
    assert only(check_text(tmp_path, objs(replicas, policy, hpa)),
                "vpa/updates-blocked-min-replicas") == []


def test_setting(tmp_path):
    fs = check_text(tmp_path, objs("replicas: 2"), vpa_min_replicas=3)
    assert "(3, settings.vpa_min_replicas)" in only(fs, "vpa/updates-blocked-min-replicas")[0].message
