"""The ``pdb/*`` rules: inline inputs (positive and negative), case 09 and its whole kind, the
spec's seed manifests. Budgets and eviction answers come from ``provisor.k8s.disruption``
(``pkg/controller/disruption/disruption.go``, ``pkg/registry/core/pod/storage/eviction.go``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.manifests import load

from conftest import SHARED  # noqa: E402
from rulekit import check_text as check, only  # noqa: E402

REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."


def deploy(replicas: int | None = 1, name: str = "web", labels: str = "{app: web}",
           kind: str = "Deployment") -> str:
    reps = "" if replicas is None else f"  replicas: {replicas}\n"
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: team-a}}\n"
            f"spec:\n{reps}  selector: {{matchLabels: {labels}}}\n  template:\n"
            f"    metadata: {{labels: {labels}}}\n    spec:\n      containers:\n"
            f"      - {{name: web, image: x, resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}\n")


def pdb(body: str, name: str = "web", selector: str = "{matchLabels: {app: web}}") -> str:
    return (f"apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
            f"metadata: {{name: {name}, namespace: team-a}}\nspec:\n  selector: {selector}\n"
            + textwrap.indent(body, "  ") + "\n")


def hpa(lo: int, hi: int, target: str = "web") -> str:
    return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
            f"metadata: {{name: {target}, namespace: team-a}}\nspec:\n"
            f"  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}\n"
            f"  minReplicas: {lo}\n  maxReplicas: {hi}\n")


def join(*docs: str) -> str:
    return "---\n".join(docs)


# -- pdb/zero-disruptions -----------------------------------------------------------------------

@pytest.mark.parametrize("replicas, body, numbers", [
    (1, "minAvailable: 1", "expectedPods 1, desiredHealthy 1, currentHealthy 1"),
    (3, "minAvailable: 3", "expectedPods 3, desiredHealthy 3, currentHealthy 3"),
    (3, "minAvailable: 5", "expectedPods 3, desiredHealthy 5, currentHealthy 3"),
    (4, 'minAvailable: "100%"', "expectedPods 4, desiredHealthy 4, currentHealthy 4"),
    (4, "maxUnavailable: 0", "expectedPods 4, desiredHealthy 4, currentHealthy 4"),
    (4, 'maxUnavailable: "0%"', "expectedPods 4, desiredHealthy 4, currentHealthy 4"),
    (3, 'minAvailable: "90%"', "expectedPods 3, desiredHealthy 3, currentHealthy 3"),
], ids=["min1-of-1", "min3-of-3", "min5-of-3", "min100pct", "maxunavail0", "maxunavail0pct",
        "min90pct-rounds-up"])
def test_zero_disruptions(tmp_path, replicas, body, numbers):
    f = only(check(tmp_path, join(deploy(replicas), pdb(body))), "pdb/zero-disruptions")
    assert len(f) == 1 and f[0].severity == "error"
    assert numbers in f[0].message
    assert f"HTTP 429 \"{REFUSED}\"" in f[0].message
    assert f[0].line == 18  # the minAvailable / maxUnavailable key of the second document


@pytest.mark.parametrize("replicas, body", [
    (2, "minAvailable: 1"), (3, "maxUnavailable: 1"), (4, 'minAvailable: "50%"'),
    (1, "maxUnavailable: 1"), (None, "minAvailable: 0"),
], ids=["min1-of-2", "maxunavail1", "min50pct-of-4", "maxunavail1-of-1", "min0"])
def test_disruptions_allowed(tmp_path, replicas, body):
    assert not only(check(tmp_path, join(deploy(replicas), pdb(body))), "pdb/zero-disruptions")


def test_zero_at_hpa_min(tmp_path):
    """case-09's "an HPA whose minReplicas equals minAvailable": blocked whenever the HPA sits
    at its minimum, although spec.replicas (ignored under the HPA) is higher."""
    f = only(check(tmp_path, join(deploy(5), hpa(2, 6), pdb("minAvailable: 2"))),
             "pdb/zero-disruptions")
    assert len(f) == 1
    m = f[0].message
    assert "at 2 replicas (the minReplicas of HPA web)" in m
    assert "desiredHealthy 2" in m and "at the HPA's maxReplicas it allows 4" in m
    assert "The disruption budget web needs 2 healthy pods and has 2 currently" in m


def test_hpa_min_above_min_available(tmp_path):
    assert not only(check(tmp_path, join(deploy(None), hpa(3, 6), pdb("minAvailable: 2"))),
                    "pdb/zero-disruptions")


@pytest.mark.parametrize("body", ["maxUnavailable: 0", 'minAvailable: "100%"'])
def test_zero_without_workloads(tmp_path, body):
    f = only(check(tmp_path, pdb(body)), "pdb/zero-disruptions")
    assert len(f) == 1 and "at every replica count" in f[0].message


def test_zero_unknown_without_workloads(tmp_path):
    assert not only(check(tmp_path, pdb("minAvailable: 1")), "pdb/zero-disruptions")


def test_two_workloads_under_one_pdb(tmp_path):
    text = join(deploy(1), deploy(1, name="web2", labels="{app: web, v: two}"),
                pdb("minAvailable: 2"))
    f = only(check(tmp_path, text), "pdb/zero-disruptions")
    assert len(f) == 1 and "expectedPods 2, desiredHealthy 2, currentHealthy 2" in f[0].message


# -- pdb/selector-no-match, pdb/selector-unverified -----------------------------------------

def test_selector_matches_nothing_here(tmp_path):
    f = check(tmp_path, join(deploy(2), pdb("minAvailable: 1", selector="{matchLabels: {app: webb}}")))
    hit = only(f, "pdb/selector-no-match")
    assert len(hit) == 1 and hit[0].severity == "warning"
    assert "matches the pods of none of the 1 workload(s) in namespace team-a (Deployment/web)" \
        in hit[0].message
    assert not only(f, "pdb/selector-unverified")


def test_selector_missing_and_invalid(tmp_path):
    text = ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: a, namespace: "
            "team-a}\nspec: {minAvailable: 1}\n---\n"
            + pdb("minAvailable: 1", name="b",
                  selector="{matchExpressions: [{key: app, operator: In, values: []}]}"))
    f = only(check(tmp_path, text), "pdb/selector-no-match")
    assert [x.object.name for x in f] == ["a", "b"]
    assert "selects no pods" in f[0].message
    assert "values set can't be empty" in f[1].message


def test_selector_empty_selects_everything(tmp_path):
    f = check(tmp_path, join(deploy(3), pdb("maxUnavailable: 1", selector="{}")))
    assert not only(f, "pdb/selector-no-match") and not only(f, "pdb/selector-unverified")


def test_selector_unverified_no_workloads(tmp_path):
    f = check(tmp_path, pdb("minAvailable: 1"))
    hit = only(f, "pdb/selector-unverified")
    assert len(hit) == 1 and hit[0].severity == "info"
    assert "no workloads in namespace team-a" in hit[0].message
    assert not only(f, "pdb/selector-no-match")


def test_selector_unverified_operator_resources(tmp_path):
    """kube-prometheus: the Prometheus operator makes the pods of a Prometheus object."""
    cr = ("apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, "
          "namespace: team-a}\nspec: {replicas: 2}\n")
    f = check(tmp_path, join(deploy(1), cr, pdb("minAvailable: 1",
                                                selector="{matchLabels: {app: prometheus}}")))
    assert not only(f, "pdb/selector-no-match")
    hit = only(f, "pdb/selector-unverified")
    assert len(hit) == 1 and "Prometheus/k8s" in hit[0].message


# -- pdb/unhealthy-eviction-policy ------------------------------------------------------------

def test_unhealthy_policy_unset(tmp_path):
    f = only(check(tmp_path, join(deploy(2), pdb("minAvailable: 1"))), "pdb/unhealthy-eviction-policy")
    assert len(f) == 1 and f[0].severity == "warning"
    assert "with 2 of its pods not Ready: currentHealthy 0 < desiredHealthy 1" in f[0].message
    assert "needs 1 healthy pods and has 0 currently" in f[0].message
    assert "AlwaysAllow" in f[0].fix


@pytest.mark.parametrize("policy", ["AlwaysAllow", "IfHealthyBudget"])
def test_unhealthy_policy_set(tmp_path, policy):
    body = f"minAvailable: 1\nunhealthyPodEvictionPolicy: {policy}"
    assert not only(check(tmp_path, join(deploy(2), pdb(body))), "pdb/unhealthy-eviction-policy")


# -- pdb/overlap ----------------------------------------------------------------------------------

def test_overlap(tmp_path):
    text = join(deploy(3), pdb("maxUnavailable: 1", name="a"),
                pdb("minAvailable: 1", name="b", selector="{matchExpressions: [{key: app, "
                                                          "operator: Exists}]}"))
    f = only(check(tmp_path, text), "pdb/overlap")
    assert sorted(x.object.name for x in f) == ["a", "b"]
    assert all(x.severity == "error" for x in f)
    assert ("HTTP 500 \"This pod has more than one PodDisruptionBudget, which the eviction "
            "subresource does not support.\"") in f[0].message


def test_overlap_same_selector_without_workloads(tmp_path):
    f = only(check(tmp_path, join(pdb("maxUnavailable: 1", name="a"),
                                  pdb("minAvailable: 1", name="b"))), "pdb/overlap")
    assert sorted(x.object.name for x in f) == ["a", "b"]


def test_no_overlap(tmp_path):
    # disjoint selectors; and two versions of one PDB (same name) are one object
    text = join(deploy(3), deploy(3, name="api", labels="{app: api}"),
                pdb("maxUnavailable: 1", name="a"),
                pdb("maxUnavailable: 1", name="b", selector="{matchLabels: {app: api}}"),
                pdb("minAvailable: 1", name="a"))
    assert not only(check(tmp_path, text), "pdb/overlap")


# -- pdb/run-to-completion ---------------------------------------------------------------------

JOB = """apiVersion: batch/v1
kind: Job
metadata: {name: agent, namespace: team-a}
spec:
  parallelism: 3
  template:
    metadata: {labels: {app: web}}
    spec:
      restartPolicy: Never
      containers: [{name: a, image: x}]
"""


def test_pdb_on_job_percent(tmp_path):
    f = check(tmp_path, join(JOB, pdb("maxUnavailable: 1")))
    hit = only(f, "pdb/run-to-completion")
    assert len(hit) == 1 and hit[0].severity == "warning"
    assert "jobs.batch does not implement the scale subresource" in hit[0].message
    assert not only(f, "pdb/zero-disruptions")


def test_pdb_on_job_integer(tmp_path):
    hit = only(check(tmp_path, join(JOB, pdb("minAvailable: 2"))), "pdb/run-to-completion")
    assert len(hit) == 1
    assert "with 3 running pod(s): expectedPods 3, desiredHealthy 2, disruptionsAllowed 1" in \
        hit[0].message


def test_pdb_on_service_is_not_run_to_completion(tmp_path):
    assert not only(check(tmp_path, join(deploy(3), pdb("maxUnavailable: 1"))),
                    "pdb/run-to-completion")


# -- case 09 and the seed ---------------------------------------------------------------------

def test_case_09():
    """PDB_ZERO_DISRUPTIONS (error) on pdb/web: minAvailable (1) >= replicas (1)."""
    fs = run_check(load([str(SHARED / "cases" / "case-09.yaml")]), schema=False).findings
    fs = [f for f in fs if f.rule.startswith("pdb/")]
    got = sorted((f.rule, f.object.kind, f.object.namespace, f.object.name, f.severity, f.line)
                 for f in fs)
    assert got == [
        ("pdb/unhealthy-eviction-policy", "PodDisruptionBudget", "team-a", "web", "warning", 35),
        ("pdb/zero-disruptions", "PodDisruptionBudget", "team-a", "web", "error", 36),
    ]
    m = only(fs, "pdb/zero-disruptions")[0].message
    assert m.startswith("minAvailable 1 with Deployment team-a/web at 1 replica (spec.replicas): "
                        "expectedPods 1, desiredHealthy 1, currentHealthy 1: disruptionsAllowed "
                        "1 - 1 -> 0")
    assert ("HTTP 429 \"Cannot evict pod as it would violate the pod's disruption budget.\" "
            "(The disruption budget web needs 1 healthy pods and has 1 currently)") in m


def test_seed_manifests():
    docs = load([str(SHARED / "seed" / "manifests")])
    fs = [f for f in run_check(docs, schema=False).findings if f.rule.startswith("pdb/")]
    got = sorted((Path(f.file).name, f.line, f.rule, f.object.name, f.severity) for f in fs)
    assert got == [
        ("pdb-argo-workflows.yaml", 6, "pdb/unhealthy-eviction-policy", "argo-workflows-pdb",
         "warning"),
        ("pdb-argo-workflows.yaml", 7, "pdb/selector-unverified", "argo-workflows-pdb", "info"),
        ("pdb-coderun-controller.yaml", 6, "pdb/unhealthy-eviction-policy",
         "coderun-controller-pdb", "warning"),
        ("pdb-coderun-controller.yaml", 7, "pdb/selector-unverified", "coderun-controller-pdb",
         "info"),
    ]
    argo = [f for f in fs if f.rule == "pdb/selector-unverified" and "argo" in f.file][0]
    assert "app=argo-workflows-server" in argo.message and "namespace argo" in argo.message


# -- pdb/invalid: what the API server refuses and the schema accepts -----------------------

@pytest.mark.parametrize("body, text", [
    ("minAvailable: 1\nmaxUnavailable: 1", "minAvailable and maxUnavailable cannot be both set"),
    ('minAvailable: "150%"', 'spec.minAvailable: Invalid value: "150%": must not be greater '
                             'than 100%'),
    ("maxUnavailable: -1", "spec.maxUnavailable: Invalid value: -1: must be greater than or "
                           "equal to 0"),
    ('maxUnavailable: "1.5%"', "a valid percent string must be a numeric string"),
], ids=["both", "over-100pct", "negative", "fraction-pct"])
def test_pdb_invalid(tmp_path, body, text):
    found = check(tmp_path, join(deploy(3), pdb(body)))
    bad = only(found, "pdb/invalid")
    assert bad and text in bad[0].message
    assert 'PodDisruptionBudget "web" is invalid' in bad[0].message
    # a PDB the API refuses is never created: no other pdb/* rule judges it
    assert not [f for f in found if f.rule.startswith("pdb/") and f.rule not in (
        "pdb/invalid", "pdb/unhealthy-eviction-policy")]


def test_pod_template_without_containers(tmp_path):
    found = check(tmp_path, """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: []
""")
    bad = only(found, "workload/no-containers")
    assert len(bad) == 1 and bad[0].line == 9
    assert bad[0].message.endswith(
        'Deployment "web" is invalid: spec.template.spec.containers: Required value')


# -- objects without a namespace (issue 13) --------------------------------------------------

def _unnamespaced(text: str) -> str:
    return text.replace(", namespace: team-a}", "}")


@pytest.mark.parametrize("layout", ["one-file", "two-files-n", "one-file-n", "kustomization"])
def test_unnamespaced_deployment_and_pdb_get_kubernetes_numbers(tmp_path, layout):
    """A Deployment of 3 and a PDB minAvailable 1, neither with metadata.namespace: the
    disruption controller allows 2 disruptions (it was judged in two different namespaces,
    expectedPods 0 and "HTTP 201")."""
    dep, budget = _unnamespaced(deploy(3)), _unnamespaced(pdb("minAvailable: 1"))
    ns = None
    if layout == "one-file":
        paths = [tmp_path / "m.yaml"]
        paths[0].write_text(join(dep, budget))
    elif layout == "one-file-n":
        paths = [tmp_path / "m.yaml"]
        paths[0].write_text(join(dep, budget))
        ns = "x"
    elif layout == "two-files-n":
        paths = [tmp_path / "d.yaml", tmp_path / "p.yaml"]
        paths[0].write_text(dep)
        paths[1].write_text(budget)
        ns = "x"
    else:
        (tmp_path / "d.yaml").write_text(dep)
        (tmp_path / "p.yaml").write_text(budget)
        (tmp_path / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources: [d.yaml, p.yaml]\n")
        paths = [tmp_path]
    res = run_check(load([str(p) for p in paths]), schema=False, default_namespace=ns)
    assert not [f for f in res.findings if f.rule in (
        "pdb/zero-disruptions", "pdb/selector-no-match", "pdb/selector-unverified")], \
        [f.message for f in res.findings]
    # and at minAvailable 3 it is 0 with the numbers Kubernetes computes
    budget3 = _unnamespaced(pdb("minAvailable: 3"))
    (tmp_path / "z.yaml").write_text(join(dep, budget3))
    res = run_check(load([str(tmp_path / "z.yaml")]), schema=False, default_namespace=ns)
    zero = only(res.findings, "pdb/zero-disruptions")
    assert len(zero) == 1
    m = zero[0].message
    assert "expectedPods 3, desiredHealthy 3, currentHealthy 3" in m and "HTTP 429" in m
    where = "x/web" if ns else "Deployment web (no namespace, judged with "
    assert where in m
    assert "(unset:" not in m and "(default)" not in m


def test_unnamespaced_messages_never_show_a_placeholder(tmp_path):
    budget = _unnamespaced(pdb("minAvailable: 1"))
    for fmt in ("text", "json", "sarif"):
        from provisor.check.output import render

        (tmp_path / "p.yaml").write_text(budget)
        res = run_check(load([str(tmp_path / "p.yaml")]), schema=False)
        out = render(res, fmt)
        assert "(unset:" not in out
        assert "no namespace (judged with" in out


def test_namespace_flag_reports_the_namespace_objects_land_in(tmp_path):
    (tmp_path / "p.yaml").write_text(_unnamespaced(pdb("minAvailable: 1")))
    res = run_check(load([str(tmp_path / "p.yaml")]), schema=False, default_namespace="x")
    assert {f.object.namespace for f in res.findings} == {"x"}
    res = run_check(load([str(tmp_path / "p.yaml")]), schema=False)
    assert {f.object.namespace for f in res.findings} == {""}


def test_kustomization_namespace_and_mixed_files(tmp_path):
    """A kustomization's namespace: is where its unnamespaced objects land (messages and the
    object reference say so); in a mixed file with -n, an object that names the namespace
    and one that sets none are judged together."""
    dep, budget = _unnamespaced(deploy(3)), _unnamespaced(pdb("minAvailable: 3"))
    k = tmp_path / "k"
    k.mkdir()
    (k / "d.yaml").write_text(dep)
    (k / "p.yaml").write_text(budget)
    (k / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: prod\nresources: [d.yaml, p.yaml]\n")
    res = run_check(load([str(k)]), schema=False)
    zero = only(res.findings, "pdb/zero-disruptions")
    assert len(zero) == 1 and "Deployment prod/web at 3 replicas" in zero[0].message
    assert zero[0].object.namespace == "prod"
    # mixed: the Deployment names team-a, the PDB sets none; -n team-a puts them together
    m = tmp_path / "mixed.yaml"
    m.write_text(join(deploy(3), budget))
    res = run_check(load([str(m)]), schema=False, default_namespace="team-a")
    zero = only(res.findings, "pdb/zero-disruptions")
    assert len(zero) == 1 and "expectedPods 3, desiredHealthy 3" in zero[0].message
    # without -n the PDB's namespace is unknown: it is not judged with team-a's Deployment
    res = run_check(load([str(m)]), schema=False)
    assert not only(res.findings, "pdb/zero-disruptions")
    assert only(res.findings, "pdb/selector-unverified")


def test_overlap_without_a_namespace_gets_the_eviction_answer(tmp_path):
    """Two unnamespaced PDBs over one unnamespaced Deployment: the eviction API answers 500
    (it matched the PDBs in "default" and the pods elsewhere, and answered 201)."""
    text = join(_unnamespaced(deploy(3)), _unnamespaced(pdb("maxUnavailable: 1", name="a")),
                _unnamespaced(pdb("maxUnavailable: 1", name="b")))
    hits = only(check(tmp_path, text), "pdb/overlap")
    assert len(hits) == 2
    assert all("HTTP 500" in h.message and "more than one PodDisruptionBudget" in h.message
               for h in hits), hits[0].message


def test_kustomization_namespace_replaces_the_objects_own(tmp_path):
    """kustomize's namespace: is written over every namespaced resource's own namespace, so a
    Deployment that says team-a and a PDB that says nothing both land in prod."""
    k = tmp_path / "k"
    k.mkdir()
    (k / "d.yaml").write_text(deploy(3))  # namespace: team-a
    (k / "p.yaml").write_text(_unnamespaced(pdb("minAvailable: 3")))
    (k / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: prod\nresources: [d.yaml, p.yaml]\n")
    res = run_check(load([str(k)]), schema=False)
    zero = only(res.findings, "pdb/zero-disruptions")
    assert len(zero) == 1 and "Deployment prod/web at 3 replicas" in zero[0].message
    assert {f.object.namespace for f in res.findings if f.object.kind} == {"prod"}


@pytest.mark.parametrize("args", [["m.yaml"], ["-n", "x", "m.yaml"], ["-n", "x", "d.yaml", "p.yaml"],
                                  ["p.yaml", "d.yaml", "-n", "x"]])
def test_cli_unnamespaced_deployment_and_pdb(tmp_path, args):
    """The reported run: exit 0 (only the unhealthyPodEvictionPolicy warning), no
    zero-disruptions error, in every layout and order."""
    from conftest import run_cli

    dep, budget = _unnamespaced(deploy(3)), _unnamespaced(pdb("minAvailable: 1"))
    (tmp_path / "m.yaml").write_text(join(dep, budget))
    (tmp_path / "d.yaml").write_text(dep)
    (tmp_path / "p.yaml").write_text(budget)
    r = run_cli("check", "--no-schema", "--format", "json", *args, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    import json

    rules = {f["rule"] for f in json.loads(r.stdout)["findings"] if f["rule"].startswith("pdb/")}
    assert rules == {"pdb/unhealthy-eviction-policy"}
