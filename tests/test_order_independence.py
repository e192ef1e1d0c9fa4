"""The report of ``check`` does not depend on the order of the paths nor of the files inside
folders, and no memo is keyed more loosely than what it holds (issue 13, section 1).

The corpus is ``../shared/real`` + ``../shared/cases`` + ``../shared/seed/manifests``: many
files define the same objects (every case is a ``team-a/web``), so any look-up that keeps
"the first one loaded" shows up here.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.check.context import Context, exact_key, namespace_of
from provisor.check.output import json as json_out
from provisor.manifests import load
from conftest import SHARED, run_cli

ROOTS = ("real", "cases", "seed/manifests")


def _files() -> list[str]:
    out: list[str] = []
    for root in ROOTS:
        for p in sorted((SHARED / root).rglob("*")):
            if p.is_file() and p.suffix in (".yaml", ".yml", ".json"):
                out.append(str(p))
    return out


def _report(paths: list[str]) -> str:
    """The JSON report of every rule but alert/promtool (a subprocess per rule file, 2-3 s a
    run: the CLI test below runs it, in two orders, with the schemas)."""
    from provisor.check.config import Config

    cfg = Config()
    cfg.disable = ["alert/promtool"]
    return json_out.render(run_check(load(paths), schema=False, config=cfg))


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], str]:
    if not (SHARED / "real").is_dir():
        pytest.fail(f"../shared/real not found at {SHARED}")
    files = _files()
    return files, _report(files)


@pytest.mark.parametrize("order", [*(f"seed{i}" for i in range(6)), "reversed"])
def test_report_is_byte_identical_for_every_order_of_the_files(corpus, order):
    files, want = corpus
    assert len(files) > 300
    shuffled = list(reversed(files))
    if order != "reversed":
        random.Random(int(order[4:])).shuffle(shuffled)
    assert _report(shuffled) == want


def test_report_is_byte_identical_for_every_order_of_the_folders(corpus):
    _files_, want = corpus
    roots = [str(SHARED / r) for r in ROOTS]
    for seed in range(2):
        order = roots[:]
        random.Random(seed).shuffle(order)
        assert _report(order[::-1] if seed else order) == want


def test_cli_json_is_byte_identical_for_two_orders(tmp_path: Path):
    a = run_cli("check", "--format", "json", *ROOTS, cwd=SHARED)
    b = run_cli("check", "--format", "json", *reversed(ROOTS), cwd=SHARED)
    assert a.returncode == b.returncode
    assert a.stdout and a.stdout == b.stdout
    assert '"seconds"' not in a.stdout  # nothing from the clock in a report
    # text output too
    c = run_cli("check", *ROOTS, cwd=SHARED)
    d = run_cli("check", *reversed(ROOTS), cwd=SHARED)
    assert c.stdout == d.stdout


HPA_CASE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: team-a}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {{requests: {{cpu: 100m, memory: 64Mi}}, limits: {{memory: 64Mi}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: team-a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: {lo}
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
"""


def test_same_object_in_two_files_is_judged_with_its_own_file(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(HPA_CASE.format(replicas=3, lo=3))
    (tmp_path / "b.yaml").write_text(HPA_CASE.format(replicas=2, lo=2))
    for order in (["a.yaml", "b.yaml"], ["b.yaml", "a.yaml"]):
        res = run_check(load([str(tmp_path / f) for f in order]), schema=False)
        msgs = {Path(f.file).name: f.message for f in res.findings
                if f.rule == "hpa/spec-replicas"}
        assert "(minReplicas 3," in msgs["a.yaml"]
        assert "(minReplicas 2," in msgs["b.yaml"]


def test_two_contexts_keep_their_own_effective_namespaces(tmp_path: Path):
    p = tmp_path / "m.yaml"
    p.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    docs = load([str(p)])
    from provisor.check.config import Settings

    first = Context(list(docs), Settings(), default_namespace="x")
    second = Context(list(docs), Settings(), default_namespace="y")
    obj = docs[0].obj
    assert namespace_of(obj) == "y"
    with first.active():
        assert namespace_of(obj) == "x"
    with second.active():
        assert namespace_of(obj) == "y"


def test_exact_key_tells_apart_what_json_text_does_not():
    assert exact_key({"a": 1}) == exact_key({"a": 1})
    assert exact_key({"a": 1}) != exact_key({"a": "1"})
    assert exact_key({"a": 1}) != exact_key({"a": 1.0})
    assert exact_key({"a": True}) != exact_key({"a": 1})
    # json.dumps writes these alike: no key at all, so nothing is memoised for them
    assert exact_key({1: "x"}) is None
    assert exact_key({True: "x"}) is None
    assert exact_key({"m": {"k": object()}}) is None


def test_selector_memo_does_not_confuse_integer_and_string_keys():
    from provisor.check.rules.pdb._common import compiled
    from provisor.k8s.selectors import SelectorError

    good = compiled({"matchLabels": {"1": "a"}})
    assert good.matches({"1": "a"})
    with pytest.raises((SelectorError, TypeError, AttributeError)):
        compiled({"matchLabels": {1: "a"}}).matches({"1": "a"})
