"""Which objects are judged together: the effective namespace of objects that set none
(provisor.check.context module docstring)."""

from __future__ import annotations

from pathlib import Path

from provisor.check import run_check
from provisor.manifests import load

LIMITRANGE = """\
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
  - type: Container
    max: {cpu: 500m}
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers:
  - name: c
    image: x
    resources: {requests: {cpu: "1"}, limits: {cpu: "1"}}
"""


def _refused(docs, **kw) -> bool:
    return any(f.rule == "limitrange/out-of-range"
               for f in run_check(docs, schema=False, **kw).findings)


def test_unrelated_files_without_namespace_stand_alone(tmp_path: Path) -> None:
    (tmp_path / "lr.yaml").write_text(LIMITRANGE)
    (tmp_path / "pod.yaml").write_text(POD)
    docs = load([tmp_path])
    assert not _refused(docs)
    assert _refused(docs, default_namespace="team-a")   # kubectl apply -n team-a


def test_one_file_is_one_namespace(tmp_path: Path) -> None:
    (tmp_path / "both.yaml").write_text(LIMITRANGE + "---\n" + POD)
    assert _refused(load([tmp_path]))


def test_a_kustomization_groups_its_folder(tmp_path: Path) -> None:
    (tmp_path / "lr.yaml").write_text(LIMITRANGE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pod.yaml").write_text(POD)
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [lr.yaml, sub/pod.yaml]\n")
    assert _refused(load([tmp_path]))


def test_kustomization_namespace_meets_explicit_namespace(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "pod.yaml").write_text(POD)
    (tmp_path / "base" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: team-a\nresources: [pod.yaml]\n")
    (tmp_path / "lr.yaml").write_text(LIMITRANGE.replace("{name: lr}",
                                                         "{name: lr, namespace: team-a}"))
    assert _refused(load([tmp_path]))
    (tmp_path / "lr.yaml").write_text(LIMITRANGE.replace("{name: lr}",
                                                         "{name: lr, namespace: team-b}"))
    assert not _refused(load([tmp_path]))


def test_findings_keep_the_objects_own_namespace(tmp_path: Path) -> None:
    (tmp_path / "both.yaml").write_text(LIMITRANGE + "---\n" + POD)
    hits = [f for f in run_check(load([tmp_path]), schema=False).findings
            if f.rule == "limitrange/out-of-range"]
    assert hits and all(f.object.namespace == "" for f in hits)
