"""KEDA ScaledObjects and ScaledJobs as the objects their operator writes
(provisor.k8s.keda, provisor.check.generated): every HPA rule applies to the generated HPA."""

from __future__ import annotations

from provisor.k8s.keda import hpa_for_scaled_object, hpa_name, scaled_job_max

from rulekit import check_text, only

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: a}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
      - name: worker
        image: x
        resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {memory: 512Mi}}
"""


def so(extra: str = "", triggers: str = '[{type: rabbitmq, metadata: {queueName: jobs, value: "20"}}]') -> str:
    return f"""---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {{name: worker, namespace: a}}
spec:
  scaleTargetRef: {{name: worker}}
  {extra}
  triggers: {triggers}
"""


def test_defaults_from_keda_source():
    h = hpa_for_scaled_object({"metadata": {"name": "w", "namespace": "a"},
                               "spec": {"scaleTargetRef": {"name": "w"}, "minReplicaCount": 0,
                                        "triggers": [{"type": "cpu", "metricType": "Utilization",
                                                      "metadata": {"value": "60"}}]}})
    assert h["metadata"] == {"name": "keda-hpa-w", "namespace": "a",
                             "labels": {"scaledobject.keda.sh/name": "w"}}
    assert h["spec"]["minReplicas"] == 1 and h["spec"]["maxReplicas"] == 100
    assert h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                           "name": "w"}
    assert h["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]
    assert hpa_name({"metadata": {"name": "w"}, "spec": {"advanced": {
        "horizontalPodAutoscalerConfig": {"name": "custom"}}}}) == "custom"
    h = hpa_for_scaled_object({"metadata": {"name": "w"}, "spec": {
        "scaleTargetRef": {"name": "w", "kind": "StatefulSet"}, "minReplicaCount": 3,
        "maxReplicaCount": 7, "advanced": {"horizontalPodAutoscalerConfig": {
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
        "triggers": [{"type": "prometheus", "metricType": "Value",
                      "metadata": {"threshold": "5", "query": "x"}}]}})
    assert (h["spec"]["minReplicas"], h["spec"]["maxReplicas"]) == (3, 7)
    assert h["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 60}}
    assert h["spec"]["metrics"][0]["external"]["target"] == {"type": "Value", "value": "5"}
    assert scaled_job_max({"spec": {}}) == 100


def test_two_autoscalers_on_one_workload(tmp_path):
    hpa = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker, namespace: a}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"""
    fs = only(check_text(tmp_path, DEPLOY + so() + hpa), "hpa/ambiguous-selector")
    names = sorted(f.object.name for f in fs)
    assert names == ["keda-hpa-worker", "worker"]
    gen = next(f for f in fs if f.object.name == "keda-hpa-worker")
    text = DEPLOY + so() + hpa
    want = next(i for i, ln in enumerate(text.splitlines(), 1) if "scaleTargetRef: {name" in ln)
    assert gen.line == want  # the ScaledObject's scaleTargetRef
    # an exported cluster holding the generated HPA too is not doubled
    fs = only(check_text(tmp_path, DEPLOY + so() + hpa.replace("name: worker, namespace",
                                                            "name: keda-hpa-worker, namespace")),
              "hpa/ambiguous-selector")
    assert len(fs) == 0


def test_pdb_against_generated_min_replicas(tmp_path):
    pdb = """---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: worker, namespace: a}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: worker}}
"""
    fs = only(check_text(tmp_path, DEPLOY + so("minReplicaCount: 0") + pdb), "pdb/zero-disruptions")
    assert fs and any("keda-hpa-worker" in f.message for f in fs)


def test_quota_at_max_replica_count(tmp_path):
    quota = """---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: a}
spec:
  hard: {requests.cpu: "10"}
"""
    fs = only(check_text(tmp_path, DEPLOY + so() + quota), "quota/demand-exceeds-hard")
    # maxReplicaCount defaults to 100: 100 x 500m = 50 cores
    assert fs and "requests.cpu 50 of 10" in fs[0].message and "keda-hpa-worker" in fs[0].message
    fs = only(check_text(tmp_path, DEPLOY + so("maxReplicaCount: 10") + quota),
              "quota/demand-exceeds-hard")
    assert fs == []
    assert only(check_text(tmp_path, DEPLOY + so() + quota), "hpa/metrics-adapter") == []


def test_scaled_job_against_quota(tmp_path):
    sj = """
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: render, namespace: a}
spec:
  maxReplicaCount: 30
  jobTargetRef:
    parallelism: 2
    template:
      spec:
        restartPolicy: Never
        containers:
        - name: r
          image: x
          resources: {requests: {cpu: "1", memory: 1Gi}, limits: {memory: 1Gi}}
  triggers: [{type: rabbitmq, metadata: {queueName: r, value: "1"}}]
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: a}
spec:
  hard: {requests.cpu: "20"}
"""
    fs = only(check_text(tmp_path, sj), "quota/demand-exceeds-hard")
    # 30 Jobs x parallelism 2 x 1 CPU = 60
    assert fs and "requests.cpu 60 of 20" in fs[0].message


def test_order_independent(tmp_path):
    """The generated objects and their findings do not depend on the order of the input."""
    hpa = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: other, namespace: a}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"""
    docs = [DEPLOY, so().lstrip("-\n"), hpa.lstrip("-\n")]
    a = check_text(tmp_path, "\n---\n".join(docs), name="a.yaml")
    b = check_text(tmp_path, "\n---\n".join(reversed(docs)), name="a.yaml")
    assert any(f.object.name == "keda-hpa-worker" for f in a)

    def key(fs):
        return sorted((f.rule, f.object.kind, f.object.name, f.message) for f in fs)

    assert key(a) == key(b)


def test_keda_average_value_is_information(tmp_path):
    fs = only(check_text(tmp_path, DEPLOY + so()), "hpa/external-target-semantics")
    assert [f.severity for f in fs] == ["info"] and "per pod" in fs[0].message
