"""hpa/target-api-version and vpa/target-api-version (issue 14: removed API versions
wherever they appear; case-29)."""

from __future__ import annotations

from rulekit import check_text, only

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: x
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
"""


def hpa(ref: str) -> str:
    return f"""
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: a}}
spec:
  scaleTargetRef: {ref}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
"""


def test_hpa_versions(tmp_path):
    for ref, bad in [("{kind: Deployment, name: web}", 'group ""'),
                     ("{apiVersion: v1, kind: Deployment, name: web}", 'group ""'),
                     ("{apiVersion: extensions/v1beta1, kind: Deployment, name: web}",
                      'group "extensions"'),
                     ("{apiVersion: apps/v1, kind: Deployment, name: web}", None),
                     ("{apiVersion: apps/v1beta2, kind: Deployment, name: web}", None)]:
        fs = only(check_text(tmp_path, DEPLOY + hpa(ref)), "hpa/target-api-version")
        if bad is None:
            assert fs == [], ref
        else:
            assert len(fs) == 1 and bad in fs[0].message and "FailedGetScale" in fs[0].message
            assert fs[0].severity == "error" and fs[0].fix.endswith("apps/v1")


def test_hpa_custom_resource(tmp_path):
    crd = """
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: rollouts.argoproj.io}
spec:
  group: argoproj.io
  names: {kind: Rollout, plural: rollouts}
  scope: Namespaced
  versions: [{name: v1alpha1, served: true, storage: true, subresources: {scale: {}}}]
"""
    fs = only(check_text(tmp_path, crd + hpa("{apiVersion: argo.io/v1, kind: Rollout, name: r}")),
              "hpa/target-api-version")
    assert len(fs) == 1 and 'in group "argo.io"' in fs[0].message
    fs = only(check_text(tmp_path, crd + hpa("{apiVersion: argoproj.io/v1alpha1, kind: Rollout, "
                                             "name: r}")), "hpa/target-api-version")
    assert fs == []


def test_vpa_kinds(tmp_path):
    def vpa(ref: str) -> str:
        return f"""
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {{name: v, namespace: a}}
spec:
  targetRef: {ref}
  updatePolicy: {{updateMode: "Off"}}
"""
    # well-known controllers are found by kind: no apiVersion is fine
    assert only(check_text(tmp_path, vpa("{kind: Deployment, name: web}")),
                "vpa/target-api-version") == []
    fs = only(check_text(tmp_path, vpa("{kind: Rollout, name: web}")), "vpa/target-api-version")
    assert len(fs) == 1 and 'no matches for kind "Rollout" in group ""' in fs[0].message


def test_minor_of_kubernetes_version():
    from provisor.check.rules.hpa.target_api_version import minor

    class C:
        kubernetes_version = "1.30"

    assert minor(C()) == 30  # type: ignore[arg-type]
    C.kubernetes_version = None  # type: ignore[assignment]
    assert minor(C()) is None  # type: ignore[arg-type]
