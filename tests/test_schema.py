"""provisor.manifests.schema: the compiled strict Kubernetes schemas.

The verdicts are checked against kubernetes-validate itself (its ``validate(..., strict=True)``
builds a jsonschema validator from the same bundled files): on every built-in object of the
real corpus and the seed, and on mutations of real objects (a wrong type at every leaf, an
unknown field in every mapping, each required field removed).
"""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provisor.manifests import (
    SchemaValidator,
    UnsupportedVersionError,
    bundled_versions,
    default_version,
    load,
    validate,
)
from provisor.manifests.schema import field_path

REPO = Path(__file__).resolve().parents[1]
from conftest import SHARED  # noqa: E402


def _doc(text: str):  # type: ignore[no-untyped-def]
    docs = load(["-"], stdin=io.StringIO(text))
    assert len(docs) == 1 and not docs.bad_input, docs.findings
    return docs[0]


def _schema_findings(paths: list[Path]) -> list[tuple[str, int, str, str, str]]:
    docs = load(paths)
    out = []
    for d in docs:
        for f in validate(d):
            out.append((os.path.relpath(f.file, SHARED), f.line, f.rule, str(f.object), f.message))
    return sorted(out)


# --------------------------------------------------------------------------------------------
# The seed and the real corpus
# --------------------------------------------------------------------------------------------


def test_seed_schema_mistakes(shared: Path) -> None:
    found = _schema_findings([shared / "seed/manifests"])
    assert found == [
        ("seed/manifests/hpa-argo-workflows-server.yaml", 21, "schema/invalid",
         "HorizontalPodAutoscaler/argo/argo-workflows-server-hpa",
         'HorizontalPodAutoscaler argo-workflows-server-hpa is invalid: unknown field '
         '"spec.metrics[1].custom"'),
        ("seed/manifests/vpa-agent-pods.yaml", 7, "schema/invalid",
         "VerticalPodAutoscaler/agent-platform/agent-pods-vpa",
         "VerticalPodAutoscaler agent-pods-vpa is invalid: spec.targetRef.name: Required value"),
        ("seed/manifests/vpa-agent-pods.yaml", 10, "schema/invalid",
         "VerticalPodAutoscaler/agent-platform/agent-pods-vpa",
         'VerticalPodAutoscaler agent-pods-vpa is invalid: unknown field "spec.targetRef.selector"'),
    ]


def test_seed_argo_hpa_fix_names_the_valid_fields(shared: Path) -> None:
    doc = load([shared / "seed/manifests/hpa-argo-workflows-server.yaml"])[0]
    (f,) = validate(doc)
    assert f.severity == "error"
    assert f.fix == ("valid fields of spec.metrics[1]: containerResource, external, object, pods, "
                     "resource, type")


def test_real_corpus_findings(shared: Path) -> None:
    found = [x for x in _schema_findings([shared / "real"]) if x[2] != "schema/unknown-kind"]
    vpa = "real/kubernetes-autoscaler-vpa-examples/"
    assert found == [
        (vpa + "hamster-labelselectors.yaml", 12, "schema/invalid",
         "VerticalPodAutoscaler/hamster-vpa",
         "VerticalPodAutoscaler hamster-vpa is invalid: spec.targetRef: Required value"),
        (vpa + "hamster-labelselectors.yaml", 18, "schema/invalid",
         "VerticalPodAutoscaler/hamster-vpa",
         'VerticalPodAutoscaler hamster-vpa is invalid: unknown field "spec.podLabelSelector"'),
        (vpa + "hamster.old-2a13bbf-v1beta2-extensions.yaml", 8, "schema/deprecated-api",
         "VerticalPodAutoscaler/hamster-vpa",
         "autoscaling.k8s.io/v1beta2 VerticalPodAutoscaler is deprecated (the VPA CRD marks it "
         "deprecated, and since VPA 1.0 no longer serves it: served: false); use "
         "autoscaling.k8s.io/v1"),
        (vpa + "hamster.old-2a13bbf-v1beta2-extensions.yaml", 18, "schema/unserved-api",
         "Deployment/hamster",
         "apiVersion extensions/v1beta1 has no kind Deployment in Kubernetes 1.37 (not served or "
         "removed); use apps/v1"),
        (vpa + "redis.yaml", 2, "schema/deprecated-api", "VerticalPodAutoscaler/redis-vpa",
         "autoscaling.k8s.io/v1beta2 VerticalPodAutoscaler is deprecated (the VPA CRD marks it "
         "deprecated, and since VPA 1.0 no longer serves it: served: false); use "
         "autoscaling.k8s.io/v1"),
    ]


def test_real_corpus_unknown_kinds_are_counted(shared: Path) -> None:
    docs = load([shared / "real"])
    kinds: dict[str, int] = {}
    for d in docs:
        for f in validate(d):
            if f.rule == "schema/unknown-kind":
                assert f.severity == "info" and f.line == d.line
                key = f"{d.api_version} {d.kind}"
                kinds[key] = kinds.get(key, 0) + 1
    # 72 custom resources, of which 41 are kustomize's own build configuration
    # (Kustomization 32, Component 9): never sent to the API server, so not validated and
    # not counted as unknown kinds.
    assert sum(kinds.values()) == 31
    assert kinds["argoproj.io/v1alpha1 Workflow"] >= 1
    assert kinds["monitoring.coreos.com/v1 ServiceMonitor"] >= 1
    assert not any(k.startswith("kustomize.config.k8s.io/") for k in kinds)
    assert not any(k.startswith(("apps/", "v1 ", "autoscaling/", "policy/")) for k in kinds)


@pytest.mark.slow
def test_verdicts_agree_with_kubernetes_validate_on_corpus(shared: Path) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    v = SchemaValidator()
    docs = load([shared / "real", shared / "seed/manifests"])
    compared = 0
    for d in docs:
        if d.type != "kubernetes":
            continue
        status, errs = v.validate_object(d.obj)
        if status not in ("valid", "invalid") or not v.known(d.api_version, d.kind):
            continue
        try:
            kv.validate(d.obj, v.version, strict=True)
            theirs = "valid"
        except kv.ValidationError:
            theirs = "invalid"
        assert status == theirs, (d, errs)
        compared += 1
    assert compared > 250


# --------------------------------------------------------------------------------------------
# Mutations of real objects, judged by kubernetes-validate too
# --------------------------------------------------------------------------------------------


def _leaves(x: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(x, dict):
        for k, v in x.items():
            out.extend(_leaves(v, path + (k,)))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out.extend(_leaves(v, path + (i,)))
    else:
        out.append((path, x))
    return out


def _mappings(x: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(x, dict):
        out.append(path)
        for k, v in x.items():
            out.extend(_mappings(v, path + (k,)))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out.extend(_mappings(v, path + (i,)))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    obj = copy.deepcopy(obj)
    cur = obj
    for step in path[:-1]:
        cur = cur[step]
    cur[path[-1]] = value
    return obj


def _del(obj: Any, path: tuple[Any, ...]) -> Any:
    obj = copy.deepcopy(obj)
    cur = obj
    for step in path[:-1]:
        cur = cur[step]
    del cur[path[-1]]
    return obj


_OTHER_TYPE = {str: 7, int: "7", float: "7", bool: "true", type(None): None}

MUTATION_SOURCES = [
    "seed/manifests/hpa-coderun-controller.yaml",
    "seed/manifests/pdb-argo-workflows.yaml",
    "seed/manifests/limitrange.yaml",
    "seed/manifests/resourcequota.yaml",
    "seed/manifests/priorityclasses.yaml",
    "real/kubernetes-website-examples/application/php-apache.yaml",
    "real/kube-prometheus/manifests/prometheusAdapter-deployment.yaml",
]


def _mutations() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    for rel in MUTATION_SOURCES:
        for d in load([SHARED / rel]):
            obj = d.obj
            name = f"{Path(rel).stem}/{d.kind}"
            for path, value in _leaves(obj):
                if path[:1] in (("apiVersion",), ("kind",)):
                    continue
                new = _OTHER_TYPE.get(type(value))
                if new is not None:
                    cases.append((f"{name}:type:{field_path(path)}", _set(obj, path, new)))
            for path in _mappings(obj):
                if path[:2] == ("metadata", "labels") or path[:2] == ("metadata", "annotations"):
                    continue
                cases.append((f"{name}:unknown:{field_path(path)}",
                              _set(obj, path + ("zzUnknownField",), 1)))
                cur = obj
                for step in path:
                    cur = cur[step]
                for k in list(cur)[:6]:
                    if path == () and k in ("apiVersion", "kind"):
                        continue
                    cases.append((f"{name}:drop:{field_path(path + (k,))}", _del(obj, path + (k,))))
    return cases


@pytest.mark.slow
def test_mutations_agree_with_kubernetes_validate() -> None:
    kv = pytest.importorskip("kubernetes_validate")
    v = SchemaValidator()
    disagreements = []
    cases = _mutations()
    assert len(cases) > 300
    invalid = 0
    for case_id, obj in cases:
        status, errs = v.validate_object(obj)
        try:
            kv.validate(obj, v.version, strict=True)
            theirs = "valid"
        except kv.ValidationError:
            theirs = "invalid"
        invalid += status == "invalid"
        if status != theirs:
            disagreements.append((case_id, status, theirs, [e.message for e in errs]))
    assert disagreements == []
    assert invalid > 200


# --------------------------------------------------------------------------------------------
# Semantics the API server applies while decoding
# --------------------------------------------------------------------------------------------

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: busybox
    ports:
    - containerPort: {port}
    resources:
      requests:
        cpu: {cpu}
        memory: {memory}
"""


@pytest.mark.parametrize(
    ("cpu", "memory", "port"),
    [("0.5", "1", "8080"), ("500m", "512Mi", "8080.0"), ("2", "1e9", "80"), ('"1.5"', '"1Gi"', "1"),
     ("1e3", "+1Ki", "65535")],
)
def test_bare_numbers_and_quantities_pass(cpu: str, memory: str, port: str) -> None:
    assert validate(_doc(POD.format(cpu=cpu, memory=memory, port=port))) == []


def test_invalid_quantity_is_reported_at_its_line() -> None:
    doc = _doc(POD.format(cpu='"2 cores"', memory="1Gi", port="80"))
    (f,) = validate(doc)
    assert (f.rule, f.line) == ("schema/invalid", 13)
    assert f.message == (
        'Pod p is invalid: spec.containers[0].resources.requests.cpu: invalid quantity "2 cores": '
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ('"80"', 'spec.containers[0].ports[0].containerPort: expected integer, got string "80"'),
        ("true", "spec.containers[0].ports[0].containerPort: expected integer, got boolean true"),
        ("80.5", "spec.containers[0].ports[0].containerPort: expected integer, got number 80.5"),
        ("3000000000", "spec.containers[0].ports[0].containerPort: 3000000000 is out of range for int32"),
    ],
)
def test_integer_fields(port: str, message: str) -> None:
    (f,) = validate(_doc(POD.format(cpu="1", memory="1Gi", port=port)))
    assert f.message == f"Pod p is invalid: {message}" and f.line == 10


def test_int_or_string() -> None:
    base = ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\n"
            "spec:\n  maxUnavailable: %s\n")
    for ok in ("1", '"25%"', "2.0"):
        assert validate(_doc(base % ok)) == []
    (f,) = validate(_doc(base % "1.5"))
    assert f.message.endswith("spec.maxUnavailable: expected integer or string, got number 1.5")
    assert f.line == 5


def test_secret_data_must_be_base64() -> None:
    base = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: %s\n"
    assert validate(_doc(base % "aGVsbG8=")) == []
    (f,) = validate(_doc(base % "not base64!"))
    assert f.line == 5 and "base64" in f.message


def test_date_time_format() -> None:
    base = ("apiVersion: v1\nkind: Event\nmetadata: {name: e}\ninvolvedObject: {}\n"
            "firstTimestamp: %s\n")
    assert validate(_doc(base % "2024-01-02T03:04:05Z")) == []
    (f,) = validate(_doc(base % "yesterday"))
    assert "RFC 3339" in f.message and f.line == 5


def test_unknown_field_points_at_its_key_and_hints_the_fields() -> None:
    doc = _doc("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labelz: {a: b}\ndata: {}\n")
    (f,) = validate(doc)
    assert f.line == 5 and f.message == 'ConfigMap c is invalid: unknown field "metadata.labelz"'
    assert f.fix is not None and "labels" in f.fix


def test_required_field_points_at_the_parent() -> None:
    doc = _doc("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
               "spec:\n  maxReplicas: 3\n  scaleTargetRef:\n    kind: Deployment\n")
    (f,) = validate(doc)
    assert f.line == 6
    assert f.message == ("HorizontalPodAutoscaler h is invalid: spec.scaleTargetRef.name: "
                         "Required value")


def test_all_errors_are_listed() -> None:
    doc = _doc("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, bogus: 1}\n"
               "spec:\n  replicas: two\n  template: {}\n")
    msgs = sorted((f.line, f.message.split(": ", 1)[1]) for f in validate(doc))
    assert msgs == [(3, 'unknown field "metadata.bogus"'),
                    (4, "spec.selector: Required value"),
                    (5, 'spec.replicas: expected integer, got string "two"')]


def test_yaml_n_is_false_as_kubectl_reads_it() -> None:
    # go-yaml v2 (kubectl's YAML decoder) resolves plain y/n/yes/no/on/off as booleans.
    (f,) = validate(_doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n"))
    assert f.line == 3 and f.message.endswith("metadata.name: expected string, got boolean false")
    assert validate(_doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: 'n'}\n")) == []


def test_missing_kind_and_api_version() -> None:
    doc = _doc("apiVersion: v1\nmetadata: {name: x}\n")
    (f,) = validate(doc)
    assert f.rule == "schema/invalid" and "kind: Required value" in f.message


def test_unknown_kind_is_info() -> None:
    doc = _doc("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec: {}\n")
    (f,) = validate(doc)
    assert (f.rule, f.severity, f.line) == ("schema/unknown-kind", "info", 1)
    assert "argoproj.io/v1alpha1 Workflow" in f.message


@pytest.mark.parametrize(
    ("api_version", "kind", "version", "use"),
    [
        ("extensions/v1beta1", "Deployment", None, "apps/v1"),
        ("policy/v1beta1", "PodDisruptionBudget", None, "policy/v1"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", None, "autoscaling/v2"),
        ("batch/v1beta1", "CronJob", "1.25", "batch/v1"),
    ],
)
def test_unserved_builtin_api(api_version: str, kind: str, version: str | None, use: str) -> None:
    doc = _doc(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{}}\n")
    (f,) = validate(doc, kubernetes_version=version)
    assert (f.rule, f.severity, f.line) == ("schema/unserved-api", "error", 1)
    assert f"use {use}" in f.message


def test_kubernetes_version_selection() -> None:
    versions = bundled_versions()
    assert default_version() == versions[-1] and "1.25" in versions
    hpa = _doc("apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
               "spec:\n  maxReplicas: 2\n  scaleTargetRef: {kind: Deployment, name: d}\n")
    assert validate(hpa, kubernetes_version="v1.25.3") == []
    assert [f.rule for f in validate(hpa)] == ["schema/unserved-api"]
    assert SchemaValidator("1.30").version == "1.30"
    with pytest.raises(UnsupportedVersionError):
        SchemaValidator("1.10")
    with pytest.raises(UnsupportedVersionError):
        SchemaValidator("latest")


def test_kustomize_patch_tolerates_missing_fields_and_directives(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "patches:\n- path: patch.yaml\n")
    (tmp_path / "patch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: c\n        $patch: delete\n        bogus: 1\n")
    docs = load([tmp_path])
    patch = next(d for d in docs if d.kind == "Deployment")
    (f,) = validate(patch)
    assert f.line == 10 and "spec.template.spec.containers[0].bogus" in f.message


def test_non_kubernetes_documents_are_not_validated(shared: Path) -> None:
    docs = load([shared / "seed/manifests/grafana-dashboard.json",
                 shared / "seed/manifests/pvc-specifications.yaml"])
    assert [validate(d) for d in docs] == [[], []]


def test_builtin_validation_does_not_import_pydantic() -> None:
    code = (
        "import sys, io\n"
        "from provisor.manifests import load, validate\n"
        "d = load(['-'], stdin=io.StringIO('apiVersion: v1\\nkind: Namespace\\nmetadata: {name: ns}\\n'))\n"
        "assert validate(d[0]) == []\n"
        "heavy = [m for m in ('pydantic', 'jsonschema', 'fastjsonschema', 'kubernetes_validate') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
