"""The quota/* rules: what a ResourceQuota refuses and whether it holds the demand at the
configured maximum.

Every rule with small inline inputs (positive and negative), case-11 exactly as its header
says, the spec's seed manifests finding by finding (rule, object, line), and the real
manifests (no error of these families on any file of kube-prometheus, argo-workflows or the
Kubernetes website examples).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.manifests import load
from rulekit import check_text, only  # noqa: E402

FAMILIES = ("quota/", "limitrange/", "workload/", "storage/")


# -- case-11 and quota/requires-requests ---------------------------------------------------


def test_case_11(shared: Path) -> None:
    """case-11: QUOTA_REQUIRES_REQUESTS (error) on deployment/web, listing the missing keys
    [requests.cpu, requests.memory]; hint: add resources or a LimitRange with
    defaultRequest."""
    fs = run_check(load([str(shared / "cases" / "case-11.yaml")]), schema=False).findings
    hits = only(fs, "quota/requires-requests")
    assert [(f.severity, f.object.kind, f.object.namespace, f.object.name, f.line)
            for f in hits] == [("error", "Deployment", "team-a", "web", 37)]
    msg = hits[0].message
    assert ("failed quota: compute: must specify requests.cpu for: web; requests.memory for: "
            "web") in msg
    assert "missing after LimitRange defaults: requests.cpu, requests.memory" in msg
    assert "ResourceQuota compute" in msg
    assert "LimitRange with defaultRequest" in (hits[0].fix or "")
    # the demand (3 replicas of a pod that requests nothing) fits: no feasibility error
    assert not only(fs, "quota/demand-exceeds-hard")


_COMPUTE = """\
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: ns}
spec:
  hard: {requests.cpu: "2", limits.memory: 4Gi}
---
"""


def test_requires_requests_pod_message_and_limits(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, _COMPUTE + textwrap.dedent("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: ns}
        spec:
          initContainers:
          - {name: init, image: x, resources: {requests: {cpu: 100m}}}
          containers:
          - {name: main, image: x, resources: {requests: {cpu: 100m}, limits: {memory: 1Gi}}}
        """)), "quota/requires-requests")
    assert [f.message for f in fs] == [
        'pods "p" is forbidden: failed quota: compute: must specify limits.memory for: init '
        '(ResourceQuota compute; missing after LimitRange defaults: limits.memory)']
    assert fs[0].line == 12  # the init container


def test_requires_requests_filled_by_limit_range(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _COMPUTE + textwrap.dedent("""\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - {type: Container, default: {memory: 512Mi}, defaultRequest: {cpu: 100m}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d, namespace: ns}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
              - {name: a, image: x}
        """))
    assert not only(fs, "quota/requires-requests")


def test_requires_requests_respects_scopes(tmp_path: Path) -> None:
    """A NotBestEffort quota does not match a pod that states nothing (BestEffort): that
    pod is not refused. A PriorityClass-scoped quota refuses only its class's pods."""
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: not-best-effort, namespace: ns}
        spec:
          hard: {requests.cpu: "2"}
          scopes: [NotBestEffort]
        ---
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: high, namespace: ns}
        spec:
          hard: {requests.memory: 4Gi}
          scopeSelector:
            matchExpressions:
            - {scopeName: PriorityClass, operator: In, values: [high]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: best-effort, namespace: ns}
        spec:
          containers: [{name: a, image: x}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: important, namespace: ns}
        spec:
          priorityClassName: high
          containers: [{name: a, image: x}]
        """), "quota/requires-requests")
    assert [(f.object.name, "ResourceQuota high" in f.message) for f in fs] == [
        ("important", True)]


# -- feasibility -----------------------------------------------------------------------------

_NS = """\
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: ap}
spec:
  hard:
    requests.cpu: "20"
    limits.cpu: "40"
    requests.memory: 80Gi
    pods: "30"
    count/pods: "30"
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr, namespace: ap}
spec:
  limits:
  - {type: Container, default: {cpu: "2", memory: 8Gi}, defaultRequest: {cpu: "1", memory: 4Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctl, namespace: ap}
spec:
  selector: {matchLabels: {app: ctl}}
  template:
    metadata: {labels: {app: ctl}}
    spec:
      containers:
      - {name: ctl, image: x, resources: {requests: {cpu: 500m, memory: 1Gi}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ctl, namespace: ap}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ctl}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ap}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: x}]
---
"""


def _agent(name: str, conc: int, cpu: str, mem: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: PodTemplate
        metadata:
          name: {name}
          namespace: ap
          annotations: {{provisor.dev/max-concurrency: "{conc}"}}
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: agent
              image: x
              resources:
                requests: {{cpu: "{cpu}", memory: {mem}}}
                limits: {{cpu: "{cpu}", memory: {mem}}}
        ---
        """)


def test_demand_exceeds_hard(tmp_path: Path) -> None:
    """HPA 10 x 500m (limits 2 from the LimitRange default) + web 2 x 1 (defaults) +
    implementation 6 x 2 + quality 4 x 1 = 5 + 2 + 12 + 4 = 23 cpu requested > 20."""
    fs = check_text(tmp_path, _NS + _agent("implementation", 6, "2", "8Gi")
                    + _agent("quality", 4, "1", "4Gi"))
    hits = only(fs, "quota/demand-exceeds-hard")
    assert len(hits) == 1
    f = hits[0]
    assert (f.severity, f.object.kind, f.object.name, f.line) == ("error", "ResourceQuota",
                                                                   "q", 6)
    assert f.message.startswith(
        "ResourceQuota q: at the configured maximum namespace ap needs requests.cpu 23 of 20 "
        "(115%), requests.memory 82Gi of 80Gi (102%). requests.cpu binds first: it runs out at "
        "87% of the maximum load. Largest charges to requests.cpu: PodTemplate "
        "ap/implementation (provisor.dev/max-concurrency): 6 × 2 = 12; Deployment ap/ctl (HPA "
        "ctl maxReplicas): 10 × 500m = 5;")
    # pods 22 of 30 (73%) and limits.cpu 20+4+12+4=40 of 40 are within hard
    assert "pods" not in f.message.split(". ")[0]
    head = only(fs, "quota/headroom")
    assert len(head) == 1 and "limits.cpu 40 of 40 (100%)" in head[0].message
    assert head[0].line == 7


def test_demand_fits(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _NS + _agent("implementation", 2, "2", "8Gi"))
    assert not only(fs, "quota/demand-exceeds-hard")
    assert not only(fs, "quota/headroom")  # requests.cpu 11/20, limits.cpu 28/40 (70%)


def test_headroom_setting(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _NS + _agent("implementation", 2, "2", "8Gi"),
                    quota_buffer=1.0)
    hits = only(fs, "quota/headroom")
    assert len(hits) == 1
    assert "above the 50% line that a 100% buffer over the maximum allows" in hits[0].message
    assert "requests.cpu 11 of 20 (55%)" in hits[0].message
    assert "limits.cpu 28 of 40 (70%)" in hits[0].message
    assert "raise hard limits.cpu to at least 56" in (hits[0].fix or "")


def test_autoscaler_share_and_agent_fit(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _NS + _agent("implementation", 6, "2", "8Gi")
                    + _agent("quality", 4, "1", "4Gi"))
    share = only(fs, "quota/autoscaler-share")
    assert len(share) == 1 and share[0].severity == "info"
    assert ("the autoscalers at maxReplicas (1 workload, 10 pods: Deployment ap/ctl at 10 "
            "replicas (HPA ctl maxReplicas)) take limits.cpu 20 of 40 (50%), count/pods 10 of "
            "30 (33%), pods 10 of 30 (33%), requests.cpu 5 of 20 (25%), requests.memory 10Gi "
            "of 80Gi (12%)") in share[0].message
    fit = only(fs, "quota/agent-fit")
    assert len(fit) == 1
    m = fit[0].message
    # beside ctl (5 cpu) and web (2 cpu): 13 cpu left; limits.cpu 40 - 20 - 4 = 16 left
    assert "implementation: 6 fit (requests.cpu binds, 2 per pod; configured 6)" in m
    assert "quality: 13 fit (requests.cpu binds, 1 per pod; configured 4)" in m
    assert ("they need requests.cpu 16 of the 13 left: requests.cpu binds first and about 81% "
            "of the configured concurrency fits (implementation 4 of 6, quality 3 of 4)") in m


def test_demand_counts_claims_and_objects(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: objects, namespace: ns}
        spec:
          hard: {requests.storage: 100Gi, configmaps: "1", count/persistentvolumeclaims: "10"}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: ns}
        spec:
          replicas: 3
          serviceName: db
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers: [{name: db, image: x}]
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 40Gi}}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: a, namespace: ns}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: b, namespace: ns}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: pvc-templates, namespace: ns}
        data:
          workspace.yaml: |
            kind: PersistentVolumeClaim
            spec: {resources: {requests: {storage: 500Gi}}}
        """), "quota/demand-exceeds-hard")
    assert len(fs) == 1
    assert fs[0].message.startswith(
        "ResourceQuota objects: at the configured maximum namespace ns needs configmaps 3 of 1 "
        "(300%), requests.storage 120Gi of 100Gi (120%). configmaps binds first")


def test_scoped_quota_charges_matching_pods_only(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: high, namespace: ns}
        spec:
          hard: {pods: "2"}
          scopeSelector:
            matchExpressions:
            - {scopeName: PriorityClass, operator: In, values: [high]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: low, namespace: ns}
        spec:
          replicas: 5
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers: [{name: a, image: x}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: hi, namespace: ns}
        spec:
          replicas: 3
          selector: {matchLabels: {a: c}}
          template:
            metadata: {labels: {a: c}}
            spec:
              priorityClassName: high
              containers: [{name: a, image: x}]
        """), "quota/demand-exceeds-hard")
    assert len(fs) == 1 and "needs pods 3 of 2 (150%)" in fs[0].message
    assert "Deployment ns/hi (spec.replicas): 3 × 1 = 3" in fs[0].message


def test_single_pod_above_hard(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: small, namespace: ns}
        spec:
          hard: {cpu: "1"}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: big, namespace: ns}
        spec:
          containers: [{name: a, image: x, resources: {requests: {cpu: "2"}}}]
        """), "quota/demand-exceeds-hard")
    assert len(fs) == 1
    assert "one pod of Pod ns/big alone charges cpu 2 > 1: it can never be created" \
        in fs[0].message


# -- quota/pod-count-balance ------------------------------------------------------------


def test_pod_count_balance(tmp_path: Path) -> None:
    text = """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard: {pods: "10", requests.memory: 8Gi}
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - {type: Container, defaultRequest: {memory: %s}}
        """
    fs = only(check_text(tmp_path, text % "1Gi"), "quota/pod-count-balance")
    assert [(f.severity, f.line) for f in fs] == [("info", 5)]
    assert "requests.memory 8Gi holds 8 such pods" in fs[0].message
    assert "at most requests.memory 819Mi" in fs[0].message
    assert not only(check_text(tmp_path, text % "512Mi"), "quota/pod-count-balance")


# -- quota/cannot-verify ------------------------------------------------------------------


def test_cannot_verify(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard: {requests.cpu: "4"}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: ns}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers: [{name: a, image: x, resources: {requests: {cpu: 100m}}}]
        ---
        apiVersion: v1
        kind: PodTemplate
        metadata: {name: runner, namespace: ns}
        template:
          spec:
            containers: [{name: a, image: x}]
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: elsewhere, namespace: ns}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: missing}
          maxReplicas: 5
        """), "quota/cannot-verify")
    assert [(f.severity, f.object.kind, f.line) for f in fs] == [
        ("info", "DaemonSet", 12), ("info", "PodTemplate", 19),
        ("info", "HorizontalPodAutoscaler", 28)]
    assert "runs one pod per node, and no nodes are given" in fs[0].message
    assert "no provisor.dev/max-concurrency annotation" in fs[1].message
    assert "Deployment ns/missing up to maxReplicas 5" in fs[2].message


def test_cannot_verify_silent_without_quota_and_with_nodes(tmp_path: Path) -> None:
    text = """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: ns}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers: [{name: a, image: x, resources: {requests: {cpu: 100m}}}]
        """
    assert not only(check_text(tmp_path, text), "quota/cannot-verify")
    quota = """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard: {requests.cpu: "4"}
        ---
        """
    fs = check_text(tmp_path, quota + text, nodes=["cpu=4", "cpu=4", "cpu=4"])
    assert not only(fs, "quota/cannot-verify")
    assert not only(fs, "quota/demand-exceeds-hard")  # 3 nodes x 100m


# -- malformed input -----------------------------------------------------------------------

_MALFORMED = """\
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: ns}
spec:
  hard: [1, 2]
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q2, namespace: ns}
spec:
  hard: {requests.cpu: "abc", pods: "3", requests.storage: 1Gi, persistentvolumeclaims: "2"}
  scopeSelector:
    matchExpressions:
    - {scopeName: PriorityClass, operator: Bogus}
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr, namespace: ns}
spec:
  limits:
  - "nope"
  - {type: Container, default: {cpu: "xyz"}, max: [1]}
  - {type: PersistentVolumeClaim, min: {storage: "bad"}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers: ["string", {name: a, resources: [1]}]
  volumes: [{ephemeral: {volumeClaimTemplate: {spec: "x"}}}, 5]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: ns}
spec:
  replicas: "3"
  template: {spec: {containers: [{name: a, resources: {requests: {cpu: "1x"}}}]}}
  volumeClaimTemplates: [1, {metadata: {name: d}, spec: {resources: {requests: {storage: "?"}}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h, namespace: ns}
spec:
  scaleTargetRef: {kind: StatefulSet, name: s}
  maxReplicas: "ten"
---
apiVersion: v1
kind: Node
metadata: {name: n}
status: {allocatable: {cpu: "bad"}}
"""


def test_malformed_objects_never_crash_a_rule(tmp_path: Path) -> None:
    """Malformed shapes and quantities are the schema check's to report: no rule of these
    families crashes on them, and what is well formed is still judged."""
    fs = check_text(tmp_path, _MALFORMED, nodes=["cpu=zz", "garbage", "cpu=4,memory=1Gi"])
    assert not only(fs, "check/rule-crashed")
    assert [f.line for f in only(fs, "limitrange/no-ceiling")] == [22, 23]


# -- the spec's seed manifests ------------------------------------------------------------


def test_seed_manifests(shared: Path) -> None:
    """spec-mistakes item 13: the quota must hold coderun-controller's HPA at maxReplicas
    10, whose pods are not in the bundle: cannot verify, with the LimitRange-default
    estimate (50% of requests.cpu). Item 14: pods 30 is never the binding dimension for
    pods of the default size."""
    fs = [f for f in run_check(load([str(shared / "seed" / "manifests")]), schema=False).findings
          if f.rule.startswith("quota/")]
    got = [(f.rule, f.severity, Path(f.file).name, f.line, f.object.kind, f.object.name)
           for f in fs]
    assert got == [("quota/cannot-verify", "info", "hpa-coderun-controller.yaml", 10,
                    "HorizontalPodAutoscaler", "coderun-controller-hpa"),
                   ("quota/pod-count-balance", "info", "resourcequota.yaml", 19,
                    "ResourceQuota", "agent-platform-quota")]
    # spec-mistakes item 14: pods 30 is not the binding dimension
    assert ("pods 30 is reached only by pods smaller than the LimitRange defaults. A pod at "
            "the defaults (requests cpu 1000m, memory 4Gi; limits cpu 2000m, memory 8Gi) is "
            "charged limits.cpu 2, so limits.cpu 40 holds 20 such pods (limits.cpu 40: 20, "
            "limits.memory 160Gi: 20, requests.cpu 20: 20, requests.memory 80Gi: 20); the count "
            "binds only for pods charged at most limits.cpu 1333m, limits.memory 5461Mi, "
            "requests.cpu 666m, requests.memory 2730Mi") in fs[1].message
    assert ("At the LimitRange defaults (requests cpu 1000m, memory 4Gi; limits cpu 2000m, "
            "memory 8Gi), 10 pods of one container would charge requests.cpu 10 of 20 (50%), "
            "requests.memory 40Gi of 80Gi (50%), limits.cpu 20 of 40 (50%), limits.memory 80Gi "
            "of 160Gi (50%), pods 10 of 30 (33%)") in fs[0].message


# -- the real manifests --------------------------------------------------------------------


def _real_files(shared: Path) -> list[Path]:
    out: list[Path] = []
    for sub in ("kube-prometheus", "argo-workflows", "kubernetes-website-examples"):
        out.extend(p for p in sorted((shared / "real" / sub).rglob("*"))
                   if p.suffix in (".yaml", ".yml", ".json"))
    return out


@pytest.mark.slow
def test_real_manifests_no_errors(shared: Path) -> None:
    """Every file alone, and kube-prometheus and argo-workflows as whole directories: no
    error of the resource families (the real corpus has none of these mistakes)."""
    bad: list[str] = []
    for p in _real_files(shared):
        for f in run_check(load([str(p)]), schema=False).findings:
            if f.rule.startswith(FAMILIES) and f.severity == "error":
                bad.append(f"{p}: {f.rule} {f.message}")
    for sub in ("kube-prometheus", "argo-workflows"):
        for f in run_check(load([str(shared / "real" / sub)]), schema=False).findings:
            if f.rule.startswith(FAMILIES) and f.severity == "error":
                bad.append(f"{sub}: {f.rule} {f.message}")
    assert bad == []


@pytest.mark.parametrize("name", ["cpu-constraints"])
def test_real_website_example_rejection_is_found(shared: Path, name: str) -> None:
    """The Kubernetes docs' own rejection example: the LimitRange of cpu-constraints.yaml
    and the pod of cpu-constraints-pod-2.yaml (limit 1.5 > max 800m) together are refused
    with exactly the message the docs show. The docs apply both files with
    ``--namespace=constraints-cpu-example``; without it, unrelated files stand alone."""
    d = shared / "real" / "kubernetes-website-examples" / "admin" / "resource"
    docs = load([str(d / f"{name}.yaml"), str(d / f"{name}-pod-2.yaml")])
    assert not only(run_check(docs, schema=False).findings, "limitrange/out-of-range")
    fs = run_check(docs, schema=False, default_namespace="constraints-cpu-example").findings
    assert [f.message for f in only(fs, "limitrange/out-of-range")] == [
        'pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, '
        'but limit is 1500m']
