"""The storage/* rules: claims (objects, volumeClaimTemplates, ephemeral volumes) against the
LimitRange's PersistentVolumeClaim bounds and the storage quotas.

Every rule with small inline inputs (positive and negative); the default StorageClass
choice (``GetDefaultClass``: newest first, then by name); the spec's seed manifests finding
by finding (rule, object, line).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from provisor.check import run_check
from provisor.check.config import Settings
from provisor.check.context import Context
from provisor.check.rules.quota._demand import default_storage_class
from provisor.manifests import load
from rulekit import check_text, only  # noqa: E402


_LR = """\
apiVersion: v1
kind: LimitRange
metadata: {name: pvc-bounds, namespace: ns}
spec:
  limits:
  - type: PersistentVolumeClaim
    min: {storage: 1Gi}
    max: {storage: 100Gi}
---
"""

_CLAIMS = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: huge, namespace: ns}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 200Gi}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ns}
spec:
  replicas: 2
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
      resources: {requests: {storage: 500Mi}}
---
apiVersion: v1
kind: PodTemplate
metadata: {name: agent, namespace: ns, annotations: {provisor.dev/max-concurrency: "4"}}
template:
  spec:
    restartPolicy: Never
    containers: [{name: a, image: x}]
    volumes:
    - name: workspace
      ephemeral:
        volumeClaimTemplate:
          spec:
            accessModes: [ReadWriteOnce]
            storageClassName: fast-ssd
            resources: {requests: {storage: 50Gi}}
"""


# -- storage/pvc-out-of-range ---------------------------------------------------------------


def test_pvc_out_of_range(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, _LR + _CLAIMS), "storage/pvc-out-of-range")
    assert [(f.severity, f.object.kind, f.object.name, f.line, f.message) for f in fs] == [
        ("error", "PersistentVolumeClaim", "huge", 15,
         'persistentvolumeclaims "huge" is forbidden: maximum storage usage per '
         'PersistentVolumeClaim is 100Gi, but request is 200Gi'),
        ("error", "StatefulSet", "db", 32,
         "volumeClaimTemplate data of StatefulSet ns/db: its claims are refused (403 "
         "Forbidden): minimum storage usage per PersistentVolumeClaim is 1Gi, but request is "
         "500Mi"),
    ]


def test_pvc_out_of_range_negative(tmp_path: Path) -> None:
    assert not only(check_text(tmp_path, _CLAIMS), "storage/pvc-out-of-range")  # no LimitRange
    fs = check_text(tmp_path, _LR + textwrap.dedent("""\
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: ok, namespace: ns}
        spec:
          resources: {requests: {storage: 10Gi}}
        """))
    assert not only(fs, "storage/pvc-out-of-range")


def test_pvc_out_of_range_ephemeral(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, _LR + textwrap.dedent("""\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: j, namespace: ns}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: a, image: x}]
              volumes:
              - name: scratch
                ephemeral:
                  volumeClaimTemplate:
                    spec:
                      accessModes: [ReadWriteOnce]
                      resources: {requests: {}}
        """)), "storage/pvc-out-of-range")
    assert [f.message for f in fs] == [
        "ephemeral volume scratch of Job ns/j: its claims are refused (403 Forbidden): "
        "[minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified, "
        "maximum storage usage per PersistentVolumeClaim is 100Gi.  No request is specified]"]


# -- storage/pvc-exceeds-quota --------------------------------------------------------------


def test_pvc_exceeds_quota(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, textwrap.dedent("""\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: storage, namespace: ns}
        spec:
          hard:
            requests.storage: 150Gi
            fast-ssd.storageclass.storage.k8s.io/requests.storage: 40Gi
            slow.storageclass.storage.k8s.io/persistentvolumeclaims: "0"
        ---
        """) + _CLAIMS + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: archive, namespace: ns}
        spec:
          storageClassName: slow
          resources: {requests: {storage: 1Gi}}
        """)), "storage/pvc-exceeds-quota")
    got = [(f.object.name, f.line, f.message) for f in fs]
    assert got == [
        ("huge", 15, "PersistentVolumeClaim ns/huge: ResourceQuota storage refuses it: it alone "
                     "charges requests.storage 200Gi > hard 150Gi"),
        ("agent", 48, "ephemeral volume workspace of PodTemplate ns/agent: ResourceQuota storage "
                      "refuses it: it alone charges fast-ssd.storageclass.storage.k8s.io/"
                      "requests.storage 50Gi > hard 40Gi"),
        ("archive", 55, "PersistentVolumeClaim ns/archive: ResourceQuota storage refuses it: "
                        "claims of StorageClass slow are not allowed at all (slow.storageclass."
                        "storage.k8s.io/persistentvolumeclaims: 0)"),
    ]


def test_pvc_exceeds_quota_negative(tmp_path: Path) -> None:
    fs = check_text(tmp_path, textwrap.dedent("""\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: storage, namespace: ns}
        spec:
          hard: {requests.storage: 1Ti}
        ---
        """) + _CLAIMS)
    assert not only(fs, "storage/pvc-exceeds-quota")


# -- storage/count-unreachable and storage/count-size-balance --------------------------------


def test_count_unreachable_both_ways(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard:
            persistentvolumeclaims: "20"
            requests.storage: 10Gi
            fast.storageclass.storage.k8s.io/persistentvolumeclaims: "2"
            fast.storageclass.storage.k8s.io/requests.storage: 1Ti
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: PersistentVolumeClaim
            min: {storage: 1Gi}
            max: {storage: 100Gi}
        """), "storage/count-unreachable")
    assert [(f.severity, f.line, f.message) for f in fs] == [
        ("warning", 6, "ResourceQuota q: persistentvolumeclaims 20 can never be reached for all "
                       "claims: every claim requests at least 1Gi (LimitRange min.storage), and "
                       "requests.storage 10Gi holds only 10 such claims (20 x 1Gi = 20Gi)"),
        ("warning", 9, "ResourceQuota q: fast.storageclass.storage.k8s.io/requests.storage 1Ti "
                       "can never be used by claims of StorageClass fast: at most 2 claims "
                       "(fast.storageclass.storage.k8s.io/persistentvolumeclaims) of at most "
                       "100Gi (LimitRange max.storage) hold 200Gi"),
    ]


def test_count_size_consistent_negative(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard: {persistentvolumeclaims: "10", requests.storage: 500Gi}
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - {type: PersistentVolumeClaim, min: {storage: 1Gi}, max: {storage: 50Gi}}
        """)
    assert not only(fs, "storage/count-unreachable")
    assert not only(fs, "storage/count-size-balance")  # 10 x 50Gi = 500Gi: both bind together


# -- storage/class-not-covered and storage/no-class-quota ----------------------------------


def test_class_not_covered_default_class(tmp_path: Path) -> None:
    fs = check_text(tmp_path, textwrap.dedent("""\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard:
            requests.storage: 1Ti
            fast-ssd.storageclass.storage.k8s.io/requests.storage: 300Gi
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata:
          name: standard
          annotations: {storageclass.kubernetes.io/is-default-class: "true"}
        provisioner: x
        ---
        """) + _CLAIMS)
    hits = only(fs, "storage/class-not-covered")
    assert [(f.object.name, f.line) for f in hits] == [("huge", 21), ("db", 38)]
    assert hits[0].message == (
        "PersistentVolumeClaim ns/huge uses StorageClass standard (the default class); "
        "ResourceQuota q limits claims per class for fast-ssd only, so these claims are "
        "bounded only by requests.storage")
    assert not only(fs, "storage/no-class-quota")


def test_no_class_quota(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, textwrap.dedent("""\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard: {requests.storage: 1Ti, requests.cpu: "4"}
        ---
        """) + _CLAIMS), "storage/no-class-quota")
    assert [(f.severity, f.line) for f in fs] == [("info", 5)]
    assert "(claims here use fast-ssd)" in fs[0].message
    assert not only(check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: ns}
        spec:
          hard: {requests.cpu: "4"}
        """), "storage/no-class-quota")


def _ctx(tmp_path: Path, text: str) -> Context:
    p = tmp_path / "sc.yaml"
    p.write_text(textwrap.dedent(text))
    return Context(list(load([str(p)])), Settings())


def test_default_storage_class_newest_then_name(tmp_path: Path) -> None:
    """GetDefaultClass (pkg/volume/util/storageclass.go): among default-annotated classes,
    the newest creationTimestamp, ties broken by name; the beta annotation counts too."""
    ann = "{storageclass.kubernetes.io/is-default-class: \"true\"}"
    beta = "{storageclass.beta.kubernetes.io/is-default-class: \"true\"}"
    ctx = _ctx(tmp_path, f"""\
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {{name: b, annotations: {ann}, creationTimestamp: "2024-01-01T00:00:00Z"}}
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {{name: a, annotations: {beta}, creationTimestamp: "2024-01-01T00:00:00Z"}}
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {{name: old, annotations: {ann}, creationTimestamp: "2023-01-01T00:00:00Z"}}
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {{name: z-not-default, creationTimestamp: "2025-01-01T00:00:00Z"}}
        """)
    assert default_storage_class(ctx) == "a"
    assert default_storage_class(_ctx(tmp_path, """\
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: x, annotations: {storageclass.kubernetes.io/is-default-class: "false"}}
        """)) is None


# -- the spec's seed manifests ------------------------------------------------------------


def test_seed_manifests(shared: Path) -> None:
    """spec-mistakes item 11 (count 20 vs 500Gi: at the LimitRange max 100Gi only 5 claims
    fit) and item 12 (no per-StorageClass keys)."""
    fs = [f for f in run_check(load([str(shared / "seed" / "manifests")]), schema=False).findings
          if f.rule.startswith("storage/")]
    got = sorted((f.rule, f.severity, Path(f.file).name, f.line, f.object.name) for f in fs)
    assert got == [
        ("storage/count-size-balance", "info", "resourcequota.yaml", 16, "agent-platform-quota"),
        ("storage/no-class-quota", "info", "resourcequota.yaml", 15, "agent-platform-quota"),
    ]
    msg = {f.rule: f.message for f in fs}
    assert ("persistentvolumeclaims 20 and requests.storage 500Gi balance at 25Gi per claim: "
            "larger claims exhaust requests.storage first; at the LimitRange max.storage 100Gi "
            "only 5 of the 20 claims fit") in msg["storage/count-size-balance"]
