"""Issue 13, section 3 ("The CLI as people expect it"): --version, -h, --explain FAMILY,
did-you-mean for unknown fields and rule ids, the helm-template hint, and "this file is not
a policy"."""

from __future__ import annotations

import json
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest

from clikit import invoke


def test_version() -> None:
    code, out, err = invoke("--version")
    assert code == 0 and out == f"provisor {version('provisor')}\n"


@pytest.mark.parametrize("args", [["-h"], ["check", "-h"], ["policy", "-h"],
                                  ["policy", "validate", "-h"], ["plan", "-h"], ["render", "-h"]])
def test_short_help(args: list[str]) -> None:
    code, out, err = invoke(*args)
    assert code == 0, err
    assert "Usage:" in out
    code2, out2, _ = invoke(*args[:-1], "--help")
    assert code2 == 0 and out2 == out


def test_explain_family_lists_its_rules() -> None:
    from provisor.check.registry import all_docs

    code, out, err = invoke("check", "--explain", "pdb")
    assert code == 0, err
    listed = [line.split("\t")[0] for line in out.splitlines()]
    expected = sorted(r for r in all_docs() if r.startswith("pdb/"))
    assert sorted(listed) == expected and expected
    code, out2, _ = invoke("check", "--explain", "pdb/*")
    assert code == 0 and out2 == out
    # one rule still prints its documentation
    code, out, _ = invoke("check", "--explain", expected[0])
    assert code == 0 and "What it flags" in out


@pytest.mark.parametrize("given,suggested", [("pbd", "pdb"), ("pdb/zero-disruption",
                                                             "pdb/zero-disruptions"),
                                             ("quota/demand-exceed-hard", "quota/demand-exceeds-hard")])
def test_explain_unknown_suggests(given: str, suggested: str) -> None:
    code, out, err = invoke("check", "--explain", given)
    assert code == 2
    assert f"did you mean {suggested}?" in err
    assert len(err.strip().splitlines()) == 1


def _policy(tmp_path: Path, old: str, new: str) -> Path:
    code, text, _ = invoke("policy", "show", "--source")
    assert code == 0 and old in text
    p = tmp_path / "policy.yaml"
    p.write_text(text.replace(old, new, 1))
    return p


@pytest.mark.parametrize("old,new,expect", [
    ("\nquota:", "\nquotas:", "quotas: unknown field; did you mean 'quota'?"),
    ("    tier: implementation", "    teir: implementation",
     "agents.rex.teir: unknown field; did you mean 'tier'?"),
    ("    max_replicas: 10", "    max_replica: 10",
     "coderun_controller.autoscaling.max_replica: unknown field; did you mean 'max_replicas'?"),
])
def test_unknown_policy_field_did_you_mean(tmp_path: Path, old: str, new: str,
                                           expect: str) -> None:
    code, out, err = invoke("policy", "validate", str(_policy(tmp_path, old, new)))
    assert code == 2
    assert expect in out


def test_unknown_rule_in_config_did_you_mean(tmp_path: Path) -> None:
    cfg = tmp_path / ".provisor.yaml"
    cfg.write_text("check:\n  disable: [pdb/zero-disruption]\n")
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    code, out, err = invoke("check", str(pod), "--config", str(cfg))
    assert code == 2
    assert "pdb/zero-disruptions" in err


HELM = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {{ include "app.fullname" . }}
    {{- if .Values.replicas }}
    spec:
      replicas: {{ .Values.replicas }}
    {{- end }}
    """)


def test_helm_template_hint_in_check(tmp_path: Path) -> None:
    f = tmp_path / "deployment.yaml"
    f.write_text(HELM)
    code, out, err = invoke("check", str(f), "--format", "json")
    assert code == 2
    assert "helm template" in err and len(err.strip().splitlines()) == 1
    (finding,) = [x for x in json.loads(out)["findings"] if x["rule"] == "input/parse-error"]
    assert "helm template" in finding["message"]
    code, out, err = invoke("check", "-", "--format", "json", stdin=HELM.encode())
    assert code == 2 and "helm template" in err
    # a plain parse error gets no such hint
    g = tmp_path / "plain.yaml"
    g.write_text("a: [\n")
    code, out, err = invoke("check", str(g))
    assert code == 2 and "helm template" not in err


def test_helm_template_hint_in_policy(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text("name: {{ .Values.name }}\n")
    code, out, err = invoke("policy", "validate", str(f))
    assert code == 2 and "template" in out


@pytest.mark.parametrize("text,what", [
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: 2}\n",
     "it looks like a Kubernetes Deployment manifest"),
    ("apiVersion: v1\nkind: List\nitems: []\n", "it looks like a Kubernetes List manifest"),
    ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
     "it looks like a kustomization"),
    ("groups:\n- name: g\n  rules: []\n", "it looks like a Prometheus rule file"),
    ('{"title": "d", "panels": [], "schemaVersion": 39}\n', "it looks like a Grafana dashboard"),
])
def test_not_a_policy_comes_before_field_errors(tmp_path: Path, text: str, what: str) -> None:
    f = tmp_path / "x.yaml"
    f.write_text(text)
    code, out, err = invoke("policy", "validate", str(f))
    assert code == 2
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert "this file is not a policy" in lines[0] and what in lines[0]
    code, out, err = invoke("plan", str(f), "-o", str(tmp_path / "out"))
    assert code == 2 and "this file is not a policy" in err
