"""Loading at scale (issue 13: "a 10 MB file of tiny documents"; issue 14: memory at
100,000 objects): the right counts and the right lines, with per-document costs bounded.
Nothing here is timed: speed and memory are measured by ``make bench``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from provisor.check import run_check
from provisor.check.output import dumps_outline, render
from provisor.manifests import load
from provisor.manifests.limits import DEFAULT_LIMITS
from provisor.manifests.loader import UNRECOGNIZED_LISTED
from provisor.manifests.positions import line_at
from rulekit import check_text, only


def test_many_tiny_documents_load_with_the_right_count(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text("---\na: 1\n" * 200_000)
    docs = load([str(f)])
    assert len(docs) == 200_000 and not docs.bad_input
    assert docs[0].line == 2 and docs[-1].line == 2 * 200_000
    assert docs[123_456].obj == {"a": 1} and docs[123_456].index == 123_456
    unrec = [x for x in docs.findings if x.rule == "input/unrecognized"]
    # the first ones one by one, the rest counted in one finding at the first not listed
    assert len(unrec) == UNRECOGNIZED_LISTED + 1
    assert [x.line for x in unrec[:3]] == [2, 4, 6]
    rest = unrec[-1]
    assert rest.line == 2 * (UNRECOGNIZED_LISTED + 1)
    assert f"{200_000 - UNRECOGNIZED_LISTED:,} more documents" in rest.message
    assert "200,000 in all" in rest.message
    result = run_check(docs)
    assert result.summary["documents"] == 200_000
    assert result.summary["by_type"] == {"unrecognized": 200_000}


def test_ten_mib_of_tiny_configmaps(tmp_path: Path) -> None:
    one = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{:06d}}}\ndata: {{k: v}}\n"
    n = (DEFAULT_LIMITS.max_file_bytes - 1) // len(one.format(0))
    f = tmp_path / "cms.yaml"
    f.write_text("".join(one.format(i) for i in range(n)))
    assert f.stat().st_size < DEFAULT_LIMITS.max_file_bytes
    docs = load([str(f)])
    assert len(docs) == n and not docs.findings
    last = docs[-1]
    assert last.name == f"cm-{n - 1:06d}" and last.kind == "ConfigMap"
    assert last.line == 5 * (n - 1) + 2
    assert last.line_of(("data", "k")) == last.line + 3
    assert last.line_of(("metadata", "name")) == last.line + 2


def test_unrecognized_count_restarts_per_file(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("---\na: 1\n" * (UNRECOGNIZED_LISTED + 5))
    docs = load([str(a), str(a)])
    unrec = [x for x in docs.findings if x.rule == "input/unrecognized"]
    assert len(unrec) == 2 * (UNRECOGNIZED_LISTED + 1)
    assert all("5 more documents" in x.message for x in unrec if "more" in x.message)


def test_positions_follow_construction_merge_keys_duplicates_and_aliases(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(textwrap.dedent("""\
        base: &b
          x: 1
          w: 2
        other: &o
          w: 3
        m:
          <<: [*b, *o]
          z: 4
          x: 5
        dup:
          k: 1
          k: 2
        seq:
          - *b
          - 7
        """))
    (d,) = load([str(f)])
    assert d.obj["m"] == {"x": 5, "w": 2, "z": 4}
    assert d.line_of(("m", "x")) == 9  # the explicit key wins
    assert d.line_of(("m", "w")) == 3  # from the first merge source, as constructed
    assert d.line_of(("m", "z")) == 8
    assert d.line_of(("dup", "k")) == 12  # the last occurrence gave the value
    assert d.line_of(("seq", 0, "w")) == 3  # through the alias
    assert d.line_of(("seq", 1)) == 15
    assert d.line_of(("seq", -1)) == 15
    assert d.line_of(("seq", 2)) == 13  # absent: the deepest existing ancestor
    assert d.line_of(("m", "x", "deeper")) == 9
    assert d.line_of(()) == d.line == 1


def test_large_mapping_lookups_use_the_index(tmp_path: Path) -> None:
    n = 500
    f = tmp_path / "cm.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
                 + "".join(f"  k{i}: v\n" for i in range(n)))
    (d,) = load([str(f)])
    want = list(range(5, 5 + n))
    assert [d.line_of(("data", f"k{i}")) for i in range(n)] == want
    # the same answers without the index (a linear scan per lookup)
    assert [line_at(d._pos, ("data", f"k{i}"), d._base, d.line) for i in range(n)] == want


def test_json_report_is_valid_json_one_finding_per_line(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text("---\na: 1\n" * 3)
    result = run_check(load([str(f)]))
    text = render(result, "json")
    doc = json.loads(text)
    assert len(doc["findings"]) == 3
    lines = text.splitlines()
    assert sum(1 for ln in lines if ln.lstrip().startswith('{"rule"')) == 3
    value = {"a": [{"b": [1, {"c": "é"}]}], "e": {}, "f": []}
    assert json.loads(dumps_outline(value, 2)) == value
    assert dumps_outline(value, 0) == json.dumps(value)
    sarif = json.loads(render(result, "sarif"))
    assert len(sarif["runs"][0]["results"]) == 3


def test_cannot_verify_message_stays_bounded_with_many_quotas(tmp_path: Path) -> None:
    quotas = "".join(textwrap.dedent(f"""\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {{name: q{i:02d}, namespace: ns}}
        spec:
          hard: {{requests.cpu: "{10 + i}"}}
        ---
        """) for i in range(40))
    hpas = "".join(textwrap.dedent(f"""\
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {{name: h{i}, namespace: ns}}
        spec:
          scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: missing{i}}}
          maxReplicas: 5
        """) for i in range(3))
    limits = textwrap.dedent("""\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            defaultRequest: {cpu: 500m}
        """)
    fs = only(check_text(tmp_path, quotas + limits + hpas), "quota/cannot-verify")
    assert len(fs) == 3
    for f in fs:
        assert "q00, q01, q02 and 37 more (40 ResourceQuotas)" in f.message
        assert "q39" not in f.message.split("would charge")[0]
        # one estimate per resource, against the quota that binds first
        assert f.message.count("requests.cpu") == 1
        assert "requests.cpu 2500m of 10 (25%) in q00, the tightest of 40 quotas" in f.message
        assert len(f.message) < 600
