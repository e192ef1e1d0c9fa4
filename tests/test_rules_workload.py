"""The workload/* rules.

Every rule with small inline inputs (positive and negative), and the seed manifests (none of
the workload rules fires there: the spec's manifests contain no workload). The pod defaulting
they rely on (``TestSetDefaultRequestsPod``) is tested in ``tests/k8s/test_defaults.py``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from provisor.check import run_check
from provisor.manifests import load
from rulekit import check_text, only  # noqa: E402


# -- workload/limit-below-request -----------------------------------------------------------


def test_limit_below_request(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: build, namespace: ci}
        spec:
          template:
            spec:
              restartPolicy: Never
              initContainers:
              - name: fetch
                image: x
                resources:
                  requests: {memory: 2Gi}
                  limits: {memory: 1Gi}
              containers:
              - name: gpu
                image: x
                resources:
                  requests: {example.com/gpu: "1"}
                  limits: {example.com/gpu: "2"}
        """), "workload/limit-below-request")
    assert [(f.severity, f.object.kind, f.line) for f in fs] == [
        ("error", "Job", 12), ("error", "Job", 18)]
    assert fs[0].message.startswith(
        'Job ci/build: its pods are refused (422 Invalid): spec.initContainers[0].resources.'
        'requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi')
    assert 'spec.containers[0].resources.requests: Invalid value: "1": must be equal to ' \
           'example.com/gpu limit of 2' in fs[1].message


def test_limit_below_request_pod_message(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
          - {name: web, image: x, resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}}
        """), "workload/limit-below-request")
    assert [f.message for f in fs] == [
        'Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must '
        "be less than or equal to cpu limit of 1 (container 'web': request 2, limit 1)"]


def test_limit_below_request_negative(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
              - {name: a, image: x, resources: {requests: {cpu: "1"}, limits: {cpu: "1"}}}
              - {name: b, image: x, resources: {limits: {memory: 1Gi}}}
              - {name: c, image: x, resources: {requests: {example.com/gpu: "1"},
                                                limits: {example.com/gpu: "1"}}}
        """)
    assert not only(fs, "workload/limit-below-request")


# -- workload/exceeds-node --------------------------------------------------------------

_BIG_POD = """\
apiVersion: v1
kind: PodTemplate
metadata: {name: big, namespace: agents, annotations: {provisor.dev/max-concurrency: "2"}}
template:
  spec:
    restartPolicy: Never
    containers:
    - name: agent
      image: x
      resources:
        requests: {cpu: "6", memory: 8Gi}
        limits: {cpu: "6", memory: 8Gi}
"""


def test_exceeds_node_with_node_objects(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, _BIG_POD + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: n1}
        status:
          allocatable: {cpu: "4", memory: 32Gi, pods: "110"}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: n2}
        status:
          capacity: {cpu: "5", memory: 16Gi, pods: "110"}
        """)), "workload/exceeds-node")
    assert len(fs) == 1
    f = fs[0]
    assert (f.severity, f.object.kind, f.object.name, f.line) == (
        "error", "PodTemplate", "big", 7)
    assert "requests more than any node can allocate: cpu 6 > 5 (Node n2, the largest)" \
        in f.message


def test_exceeds_node_with_settings_and_combination(tmp_path: Path) -> None:
    """No single node has both the cpu and the memory."""
    fs = only(check_text(tmp_path, _BIG_POD, nodes=["cpu=8,memory=4Gi", "cpu=2,memory=64Gi"]),
              "workload/exceeds-node")
    assert len(fs) == 1
    assert "fits no single node" in fs[0].message
    assert "settings.nodes[0] lacks memory (8Gi > 4Gi)" in fs[0].message
    assert "settings.nodes[1] lacks cpu (6 > 2)" in fs[0].message


def test_exceeds_node_negative(tmp_path: Path) -> None:
    assert not only(check_text(tmp_path, _BIG_POD, nodes=["cpu=8,memory=16Gi,pods=110"]),
                    "workload/exceeds-node")
    assert not only(check_text(tmp_path, _BIG_POD), "workload/exceeds-node")  # no nodes given


def test_exceeds_node_after_limit_range_defaults(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - {type: Container, defaultRequest: {memory: 64Gi}}
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
        """, nodes=["cpu=8,memory=32Gi"]), "workload/exceeds-node")
    assert len(fs) == 1 and "memory 64Gi > 32Gi" in fs[0].message


# -- workload/requests-missing ----------------------------------------------------------

_EPH_QUOTA = """\
apiVersion: v1
kind: ResourceQuota
metadata: {name: disk, namespace: ns}
spec:
  hard: {requests.ephemeral-storage: 100Gi}
---
"""


def test_requests_missing_positive(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, _EPH_QUOTA + textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d, namespace: ns}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
              - {name: a, image: x, resources: {requests: {cpu: 100m}}}
        """)), "workload/requests-missing")
    assert [(f.severity, f.object.name, f.line) for f in fs] == [("warning", "d", 15)]
    assert "ResourceQuota disk tracks requests.ephemeral-storage" in fs[0].message


def test_requests_missing_negative(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _EPH_QUOTA + textwrap.dedent("""\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - {type: Container, defaultRequest: {ephemeral-storage: 1Gi}}
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
    assert not only(fs, "workload/requests-missing")


# -- workload/memory-overcommit ----------------------------------------------------------


def test_memory_overcommit(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: PodTemplate
        metadata: {name: quality, namespace: agents}
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: agent
              image: x
              resources:
                requests: {cpu: "1", memory: 4Gi}
                limits: {cpu: "2", memory: 8Gi}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: j, namespace: agents}
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
              - {name: a, image: x, resources: {requests: {memory: 1Gi}}}
        ---
        apiVersion: v1
        kind: PodTemplate
        metadata: {name: guaranteed, namespace: agents}
        template:
          spec:
            restartPolicy: Never
            containers:
            - {name: a, image: x, resources: {limits: {cpu: "1", memory: 4Gi}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: service, namespace: agents}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
              - {name: a, image: x, resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}}
        """), "workload/memory-overcommit")
    assert [(f.severity, f.object.name, f.line) for f in fs] == [
        ("info", "quality", 10), ("info", "j", 22)]
    assert "has memory limit 8Gi above its request 4Gi" in fs[0].message
    assert "has no memory limit (request 1Gi)" in fs[1].message


# -- seed ------------------------------------------------------------------------------------


def test_seed_manifests_have_no_workload_findings(shared: Path) -> None:
    """The spec's manifests hold no Deployment, Pod, Job or PodTemplate (the agent tiers are
    a table, agent-resource-specs.yaml, not objects): nothing for these rules to judge."""
    fs = run_check(load([str(shared / "seed" / "manifests")]), schema=False).findings
    assert not [f for f in fs if f.rule.startswith("workload/")]
