"""provisor.manifests.load: sources, document types, List expansion, positions, YAML typing.

Scalar typing follows go-yaml v2 ``resolve.go`` (what kubectl's sigs.k8s.io/yaml decodes with);
the cases below are facts of that resolver, not a port of an upstream test table.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from provisor.manifests import Document, Documents, Limits, classify, load

REPO = Path(__file__).resolve().parents[1]


def _one(text: str) -> Document:
    docs = load(["-"], stdin=io.StringIO(text))
    assert not docs.bad_input, docs.findings
    assert len(docs) == 1
    return docs[0]


# --------------------------------------------------------------------------------------------
# The real corpus and the seed
# --------------------------------------------------------------------------------------------


def test_real_corpus_loads_without_bad_input(shared: Path) -> None:
    docs = load([shared / "real"])
    # 379 files, of which 3 are LICENSE files that a directory walk does not pick up.
    assert len(docs.files) == 376
    assert not docs.bad_input
    assert [f.rule for f in docs.findings if f.severity != "info"] == []
    types = Counter(d.type for d in docs)
    assert types == {"kubernetes": 341, "grafana-dashboard": 76, "prometheus-rules": 11,
                     "unrecognized": 3}
    assert all(d.line >= 1 for d in docs)


def test_real_corpus_unrecognized_documents_are_info_findings(shared: Path) -> None:
    docs = load([shared / "real"])
    unrec = sorted((Path(f.file).name, f.line) for f in docs.findings
                   if f.rule == "input/unrecognized")
    assert all(f.severity == "info" for f in docs.findings if f.rule == "input/unrecognized")
    assert ("mixins.json", 1) in unrec
    assert len(unrec) == 3


def test_configmaplist_is_expanded(shared: Path) -> None:
    path = shared / "real/kube-prometheus/manifests/grafana-dashboardDefinitions.yaml"
    docs = load([path])
    assert len(docs) == 33
    assert {d.kind for d in docs} == {"ConfigMap"}
    assert [d.item for d in docs] == list(range(33))
    assert all(d.index == 0 and d.meta["list_kind"] == "ConfigMapList" for d in docs)
    # Each item starts where its "- apiVersion: v1" line is.
    lines = path.read_text().splitlines()
    for d in docs:
        assert lines[d.line - 1].lstrip().startswith("- apiVersion: v1")
    assert docs[0].line == 3 and docs[1].line == 366


def test_rolelist_is_expanded(shared: Path) -> None:
    path = shared / "real/kube-prometheus/manifests/prometheus-roleSpecificNamespaces.yaml"
    docs = load([path])
    assert {d.kind for d in docs} == {"Role"}
    assert len(docs) == 3
    assert docs[0].line == 3


def test_typed_list_items_inherit_kind_and_api_version() -> None:
    text = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n  data: {k: v}\n"
    docs = load(["-"], stdin=io.StringIO(text))
    assert len(docs) == 1
    d = docs[0]
    assert (d.api_version, d.kind, d.name) == ("v1", "ConfigMap", "a")
    assert d.meta["inferred"] == ["kind", "apiVersion"]
    assert d.line == 4 and d.line_of(("data", "k")) == 5


def test_kind_list_items_keep_their_own_kinds() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            "- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n"
            "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n")
    docs = load(["-"], stdin=io.StringIO(text))
    assert [(d.kind, d.line, d.item) for d in docs] == [("Service", 4, 0), ("Deployment", 7, 1)]


def test_kyaml_flow_files_parse(shared: Path) -> None:
    path = shared / "real/kubernetes-website-examples/admin/resource/quota-objects.yaml"
    docs = load([path])
    assert len(docs) == 1
    d = docs[0]
    assert d.kind == "ResourceQuota" and d.line == 2
    assert d.obj["spec"]["hard"] == {"persistentvolumeclaims": "1", "services.loadbalancers": "2",
                                     "services.nodeports": "0"}
    assert d.line_of(("spec", "hard", "services.nodeports")) == 12
    lim = load([shared / "real/kubernetes-website-examples/admin/resource/memory-constraints.yaml"])
    assert lim[0].obj["spec"]["limits"][0]["min"] == {"memory": "500Mi"}
    assert lim[0].line_of(("spec", "limits", 0)) == 9
    assert lim[0].line_of(("spec", "limits", 0, "min", "memory")) == 14


def test_seed_manifests(shared: Path) -> None:
    docs = load([shared / "seed/manifests"])
    assert not docs.bad_input
    by_type = Counter(d.type for d in docs)
    assert by_type == {"kubernetes": 11, "unrecognized": 2, "grafana-dashboard": 1}
    dash = next(d for d in docs if d.type == "grafana-dashboard")
    assert dash.wrapped is True and dash.meta == {"wrapped": True}
    assert dash.line_of(("dashboard", "panels", 1, "targets", 0, "expr")) == 20
    unrec = sorted((Path(f.file).name, f.line, f.severity) for f in docs.findings)
    assert unrec == [("agent-resource-specs.yaml", 2, "info"), ("pvc-specifications.yaml", 2, "info")]
    assert all(f.rule == "input/unrecognized" for f in docs.findings)
    assert "agent_resource_specs" in next(f.message for f in docs.findings
                                          if f.file.endswith("agent-resource-specs.yaml"))


def test_line_of_argo_hpa_type_custom(shared: Path) -> None:
    docs = load([shared / "seed/manifests/hpa-argo-workflows-server.yaml"])
    hpa = docs[0]
    assert hpa.line == 1
    assert hpa.line_of(("spec", "metrics", 1, "type")) == 20
    assert hpa.line_of(("spec", "metrics", 1)) == 20
    assert hpa.line_of(("spec", "metrics", 1, "custom")) == 21
    assert hpa.line_of(("spec", "metrics", 1, "custom", "target", "value")) == 26
    # Missing paths fall back to the deepest existing ancestor, then the document line.
    assert hpa.line_of(("spec", "metrics", 1, "nope", "deeper")) == 20
    assert hpa.line_of(("spec", "metrics", 7)) == 13
    assert hpa.line_of(("nope",)) == 1
    assert hpa.line_of(()) == 1


def test_multi_document_lines_and_indexes(shared: Path) -> None:
    docs = load([shared / "seed/manifests/priorityclasses.yaml"])
    assert [(d.name, d.line, d.index) for d in docs] == [
        ("agent-high-priority", 2, 0), ("agent-standard-priority", 12, 1),
        ("agent-low-priority", 22, 2)]
    assert docs[1].line_of(("globalDefault",)) == 17


def test_prometheus_rule_file_and_dashboard_types(shared: Path) -> None:
    rules = load([shared / "real/kube-prometheus/examples/existingrule.yaml"])
    assert [d.type for d in rules] == ["prometheus-rules"]
    dash = load([shared / "real/kube-prometheus/examples/example-grafana-dashboard.json"])
    assert [(d.type, d.wrapped) for d in dash] == [("grafana-dashboard", False)]


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def test_directory_walk_is_sorted_and_filtered(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "z.yml").write_text("kind: A\n")
    (tmp_path / "b" / "a.JSON").write_text('{"kind": "B"}')
    (tmp_path / "a.yaml").write_text("kind: C\n")
    (tmp_path / "notes.txt").write_text("kind: D\n")
    (tmp_path / ".provisor.yaml").write_text("kind: E\n")
    (tmp_path / ".hidden" / "x.yaml").write_text("kind: F\n")
    docs = load([tmp_path])
    assert [d.kind for d in docs] == ["C", "B", "A"]
    assert docs.files == [str(tmp_path / "a.yaml"), str(tmp_path / "b" / "a.JSON"),
                          str(tmp_path / "b" / "z.yml")]


def test_explicit_file_is_read_whatever_its_name(tmp_path: Path) -> None:
    f = tmp_path / "manifest.txt"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    docs = load([str(f)])
    assert [d.kind for d in docs] == ["Namespace"]
    assert docs[0].file == str(f)


def test_stdin_dash() -> None:
    docs = load(["-"], stdin=io.StringIO("---\napiVersion: v1\nkind: Namespace\n---\n---\n"))
    assert [(d.file, d.line, d.kind) for d in docs] == [("-", 2, "Namespace")]
    assert docs.files == ["-"]


def test_stdin_bytes_buffer() -> None:
    class Stream(io.TextIOWrapper):
        pass

    stream = io.TextIOWrapper(io.BytesIO(b"kind: Namespace\napiVersion: v1\n"), encoding="utf-8")
    docs = load(["-"], stdin=stream)
    assert docs[0].kind == "Namespace"


def test_documents_type_and_empty_documents_skipped() -> None:
    docs = load(["-"], stdin=io.StringIO("# only a comment\n---\n~\n---\n"))
    assert isinstance(docs, Documents) and isinstance(docs, list)
    assert list(docs) == [] and docs.findings == [] and not docs.bad_input


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def test_json_positions(tmp_path: Path) -> None:
    obj = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}, "data": {"k": "w"}},
    ]}
    f = tmp_path / "list.json"
    f.write_text(json.dumps(obj, indent=2))
    text_lines = f.read_text().splitlines()
    docs = load([f])
    assert [d.name for d in docs] == ["a", "b"]
    for d in docs:
        assert text_lines[d.line - 1].strip() == "{"
        kline = d.line_of(("data", "k"))
        assert text_lines[kline - 1].strip().startswith('"k"')
        assert d.line_of(("metadata", "nope")) == d.line_of(("metadata",))


def test_json_stream_and_duplicate_keys(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text('{"kind": "A", "apiVersion": "v1"}\n\n{"kind": "B",\n "apiVersion": "v1",\n "kind": "C"}\n')
    docs = load([f])
    assert [(d.kind, d.line, d.index) for d in docs] == [("A", 1, 0), ("C", 3, 1)]
    assert docs[1].line_of(("kind",)) == 5  # the last duplicate wins, as in json.loads


def test_json_number_types(tmp_path: Path) -> None:
    f = tmp_path / "n.json"
    f.write_text('{"kind": "X", "a": 1, "b": 1.5, "c": -0.0, "d": 1e3, "e": true, "f": null}')
    d = load([f])[0]
    assert d.obj == {"kind": "X", "a": 1, "b": 1.5, "c": -0.0, "d": 1000.0, "e": True, "f": None}
    assert type(d.obj["a"]) is int


# --------------------------------------------------------------------------------------------
# YAML typing (go-yaml v2 resolve.go)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y", True), ("Y", True), ("yes", True), ("Yes", True), ("YES", True), ("on", True),
        ("On", True), ("ON", True), ("true", True), ("True", True), ("TRUE", True),
        ("n", False), ("N", False), ("no", False), ("NO", False), ("off", False), ("Off", False),
        ("false", False), ("FALSE", False),
        ("yEs", "yEs"), ("tRue", "tRue"),
        ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
        ("0", 0), ("-17", -17), ("+5", 5), ("1_000", 1000), ("0x1F", 31), ("0o17", 15),
        ("017", 15), ("0b101", 5), ("-0b101", -5), ("9223372036854775807", 2**63 - 1),
        ("18446744073709551615", 2**64 - 1),
        ("1.5", 1.5), ("1.", 1.0), (".5", 0.5), ("1e3", 1000.0), ("-2.5E-3", -0.0025),
        (".inf", float("inf")), ("-.Inf", float("-inf")),
        ("1:30", "1:30"), ("2001-12-14", "2001-12-14"), ("2001-12-14T21:59:43.10-05:00",
                                                           "2001-12-14T21:59:43.10-05:00"),
        ("=", "="), ("0x", "0x"), ("08", 8.0), ("1.2.3", "1.2.3"), ("500m", "500m"),
        ("'1'", "1"), ('"true"', "true"), ("!!str 12", "12"), ("!!int '12'", 12),
    ],
)
def test_plain_scalar_resolution(text: str, expected: object) -> None:
    d = _one(f"kind: X\nv: {text}\n")
    got = d.obj["v"]
    assert got == expected and type(got) is type(expected)


def test_nan() -> None:
    v = _one("kind: X\nv: .nan\n").obj["v"]
    assert v != v


def test_non_string_keys_are_stringified() -> None:
    d = _one("kind: X\ndata:\n  1: a\n  true: b\n  ~: c\n  y: d\n  1.5: e\n")
    assert d.obj["data"] == {"1": "a", "true": "d", "null": "c", "1.5": "e"}
    assert d.line_of(("data", "1")) == 3
    assert d.line_of(("data", "true")) == 6  # y: is the boolean true, and the last one wins
    assert d.line_of(("data", "null")) == 5


def test_merge_keys() -> None:
    d = _one("kind: X\nbase: &b {x: 1, z: 2}\nother: &o {z: 3, w: 4}\n"
             "m:\n  <<: [*b, *o]\n  x: 9\n")
    assert d.obj["m"] == {"z": 2, "w": 4, "x": 9}
    assert d.line_of(("m", "x")) == 6
    assert d.line_of(("m", "z")) == 2  # found through the first merge source


def test_aliases_share_values() -> None:
    d = _one("kind: X\na: &r {cpu: 1}\nb: *r\n")
    assert d.obj["a"] == d.obj["b"] == {"cpu": 1}


def test_duplicate_key_is_an_error_finding_but_loads() -> None:
    docs = load(["-"], stdin=io.StringIO("kind: X\nspec:\n  a: 1\n  a: 2\n"))
    assert docs[0].obj["spec"] == {"a": 2}
    dup = [f for f in docs.findings if f.rule == "input/duplicate-key"]
    assert [(f.line, f.severity) for f in dup] == [(4, "error")]
    assert not docs.bad_input


def test_classify() -> None:
    assert classify({"kind": "Pod"}) == ("kubernetes", {})
    assert classify({"apiVersion": "v1", "metadata": {}}) == ("kubernetes", {})
    assert classify({"apiVersion": "v2", "name": "chart", "version": "1"}) == ("unrecognized", {})
    assert classify({"groups": []}) == ("prometheus-rules", {})
    assert classify({"dashboard": {"title": "t", "panels": []}}) == ("grafana-dashboard",
                                                                     {"wrapped": True})
    assert classify({"title": "t", "rows": []}) == ("grafana-dashboard", {"wrapped": False})
    assert classify([1, 2]) == ("unrecognized", {})


def test_kustomize_patches_are_marked(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [dep.yaml]\npatches:\n- path: overlays/patch.yaml\n")
    (tmp_path / "overlays").mkdir()
    (tmp_path / "overlays" / "patch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 2}\n")
    (tmp_path / "dep.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
    docs = load([tmp_path])
    marks = {Path(d.file).name: d.meta.get("kustomize_patch") for d in docs}
    assert marks == {"dep.yaml": None, "kustomization.yaml": None,
                     "patch.yaml": str(tmp_path / "kustomization.yaml")}


def test_limits_validation() -> None:
    with pytest.raises(ValueError):
        Limits(max_depth=0)
    assert Limits().max_file_bytes == 10 * 1024 * 1024


def test_import_is_lazy() -> None:
    code = (
        "import sys, io\n"
        "import provisor.manifests as m\n"
        "heavy = ('pydantic', 'jsonschema', 'fastjsonschema', 'kubernetes_validate', 'yaml')\n"
        "assert not [h for h in heavy if h in sys.modules], [h for h in heavy if h in sys.modules]\n"
        "docs = m.load(['-'], stdin=io.StringIO('apiVersion: v1\\nkind: Namespace\\n'))\n"
        "heavy = ('pydantic', 'jsonschema', 'fastjsonschema', 'kubernetes_validate')\n"
        "assert not [h for h in heavy if h in sys.modules], [h for h in heavy if h in sys.modules]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_all_lists_every_lazy_export() -> None:
    """``__all__`` is written out for linters; it must name exactly the lazy exports, and each
    must resolve."""
    import provisor.manifests as m

    assert m.__all__ == sorted(m._EXPORTS)
    for name in m.__all__:
        assert getattr(m, name) is not None, name
