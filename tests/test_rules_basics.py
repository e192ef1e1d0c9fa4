"""The basics every linter has (issue 14, section 1) and the profiles that choose them.

Each test is a small manifest written for provisor that stands for one *kind* of expectation
in the fixtures of Polaris (test/checks/), kube-score (score/testdata + score/*_test.go) and
kube-linter (tests/checks + e2etests/bats-tests.sh); ``tools/compare_linter_fixtures.py``
runs the real fixtures when their mirrors are present. Kubernetes semantics that change the
answer are tested beside each: requests defaulted from limits, LimitRange defaults,
pod-level resources, restartable init containers, HPA defaults, PDB namespaces and
selectors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from provisor.check.config import Config, ConfigError, load_config
from provisor.check.registry import PROFILES, explain, load_rules
from rulekit import check_text, only

RESOURCE_RULES = ("workload/cpu-request-missing", "workload/memory-request-missing",
                  "workload/memory-limit-missing", "workload/cpu-limit-missing")


def rules_on(findings, name: str | None = None) -> set[str]:
    return {f.rule for f in findings if name is None or f.object.name == name}


def deployment(name: str = "web", ns: str = "a", replicas: int | None = 3,
               resources: str = "{}", extra: str = "") -> str:
    rep = f"  replicas: {replicas}\n" if replicas is not None else ""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
{rep}  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
{extra}      containers:
      - {{name: app, image: x, resources: {resources}}}
"""


# -- container resources ---------------------------------------------------------------------


def test_no_resources_gives_three_default_findings_and_cpu_limit_only_in_strict(
        tmp_path: Path) -> None:
    fs = check_text(tmp_path, deployment())
    assert rules_on(fs) & set(RESOURCE_RULES) == {
        "workload/cpu-request-missing", "workload/memory-request-missing",
        "workload/memory-limit-missing"}
    f = only(fs, "workload/memory-request-missing")[0]
    assert (f.severity, f.object.kind, f.line) == ("warning", "Deployment", 11)
    assert "container 'app' has no memory request" in f.message
    strict = check_text(tmp_path, deployment(), config=Config(profile="strict"))
    assert only(strict, "workload/cpu-limit-missing")[0].severity == "info"
    minimal = check_text(tmp_path, deployment(), config=Config(profile="minimal"))
    assert not rules_on(minimal) & set(RESOURCE_RULES)


def test_limits_only_means_requests_are_defaulted(tmp_path: Path) -> None:
    # kube-score's pod-test-resources-only-limits kind: the API copies limits into requests
    fs = check_text(tmp_path, deployment(resources="{limits: {cpu: 200m, memory: 1Gi}}"),
                    config=Config(profile="strict"))
    assert not rules_on(fs) & set(RESOURCE_RULES)


@pytest.mark.parametrize("resources, missing", [
    ("{requests: {memory: 128Mi}}", {"workload/cpu-request-missing",
                                     "workload/memory-limit-missing"}),   # Polaris cpuRequests
    ("{limits: {memory: 128Mi}}", {"workload/cpu-request-missing"}),      # Polaris cpuLimits
    ("{limits: {cpu: 100m}}", {"workload/memory-request-missing",
                               "workload/memory-limit-missing"}),         # memoryLimits.cpu
    ("{limits: null}", {"workload/cpu-request-missing", "workload/memory-request-missing",
                        "workload/memory-limit-missing"}),
    ("{requests: {cpu: 1, memory: 1Gi}, limits: {memory: 1Gi}}", set()),
])
def test_each_missing_value(tmp_path: Path, resources: str, missing: set[str]) -> None:
    fs = check_text(tmp_path, deployment(resources=resources))
    assert rules_on(fs) & set(RESOURCE_RULES) == missing


def test_misplaced_requests_key_is_no_request(tmp_path: Path) -> None:
    # kube-linter's unset-cpu-requirements kind: `requests:` beside, not under, `resources:`
    fs = check_text(tmp_path, """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app1}
        spec:
          replicas: 3
          template:
            spec:
              containers:
              - name: app
                requests: {memory: 1Gi}
        """)
    assert {"workload/cpu-request-missing", "workload/memory-limit-missing"} <= rules_on(fs)


def test_limitrange_defaults_supply_requests_and_limits(tmp_path: Path) -> None:
    lr = """\
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: a}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 100m, memory: 256Mi}
"""
    fs = check_text(tmp_path, deployment() + lr, config=Config(profile="strict"))
    assert not rules_on(fs) & set(RESOURCE_RULES)
    # a LimitRange in another namespace does not
    fs = check_text(tmp_path, deployment(ns="b") + lr)
    assert "workload/memory-request-missing" in rules_on(fs)
    assert "no LimitRange of the namespace defaults it" not in \
        only(fs, "workload/memory-request-missing")[0].message
    # a LimitRange of the namespace that defaults only memory
    fs = check_text(tmp_path, deployment() + """\
---
apiVersion: v1
kind: LimitRange
metadata: {name: mem, namespace: a}
spec:
  limits:
  - {type: Container, defaultRequest: {memory: 256Mi}, default: {memory: 512Mi}}
""")
    assert rules_on(fs) & set(RESOURCE_RULES) == {"workload/cpu-request-missing"}
    assert "no LimitRange of the namespace defaults it" in \
        only(fs, "workload/cpu-request-missing")[0].message


def test_pod_level_resources_cover_containers(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: a}
        spec:
          resources:
            requests: {cpu: "1", memory: 1Gi}
            limits: {cpu: "1", memory: 1Gi}
          containers:
          - {name: a, image: x}
          - {name: b, image: x}
        """, config=Config(profile="strict"))
    assert not rules_on(fs) & set(RESOURCE_RULES)


def test_sidecars_are_judged_plain_init_containers_are_not(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly, namespace: a}
        spec:
          schedule: "0 0 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  initContainers:
                  - {name: fetch, image: x}
                  - {name: proxy, image: x, restartPolicy: Always}
                  containers:
                  - {name: main, image: x, resources: {limits: {cpu: "1", memory: 1Gi}}}
        """)
    fs = only(fs, "workload/memory-request-missing")
    assert [f.message.split(": ")[1] for f in fs] == [
        "restartable init container 'proxy' has no memory request"]
    assert fs[0].line == 13


@pytest.mark.parametrize("doc", [
    """\
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: d, namespace: a}
    spec:
      selector: {matchLabels: {a: b}}
      template:
        metadata: {labels: {a: b}}
        spec:
          containers: [{name: c, image: x}]
    """,
    """\
    apiVersion: v1
    kind: ReplicationController
    metadata: {name: d, namespace: a}
    spec:
      replicas: 2
      template:
        metadata: {labels: {a: b}}
        spec:
          containers: [{name: c, image: x}]
    """,
    """\
    apiVersion: apps.openshift.io/v1
    kind: DeploymentConfig
    metadata: {name: d, namespace: a}
    spec:
      replicas: 3
      template:
        spec:
          containers: [{name: c, image: x}]
    """,
    """\
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: d, namespace: a}
    spec:
      entrypoint: main
      templates:
      - name: main
        container: {image: x}
    """,
])
def test_every_workload_kind(tmp_path: Path, doc: str) -> None:
    fs = only(check_text(tmp_path, doc), "workload/cpu-request-missing")
    assert len(fs) == 1 and fs[0].line > 0


def test_argo_template_defaults_and_pod_spec_patch(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: w, namespace: a}
        spec:
          templateDefaults:
            container:
              resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
          templates:
          - {name: a, container: {image: x}}
          - {name: b, container: {image: x, resources: {limits: {memory: 1Gi}}}}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: patched, namespace: a}
        spec:
          podSpecPatch: '{"containers":[{"name":"main","resources":{"limits":{"cpu":"1"}}}]}'
          templates:
          - {name: a, container: {image: x}}
        """)
    assert not rules_on(fs) & set(RESOURCE_RULES)


# -- availability ------------------------------------------------------------------------------


@pytest.mark.parametrize("replicas, hpa, want", [
    (None, False, True), (1, False, True), (2, False, False), (0, False, False),
    (1, True, False),
])
def test_single_replica(tmp_path: Path, replicas: int | None, hpa: bool, want: bool) -> None:
    text = deployment(replicas=replicas)
    if hpa:
        text += """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: a}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
"""
    fs = only(check_text(tmp_path, text), "workload/single-replica")
    assert bool(fs) == want
    if fs:
        assert ("unset (default 1)" in fs[0].message) == (replicas is None)


def test_single_replica_threshold_setting_and_kinds(tmp_path: Path) -> None:
    # kube-linter's minimum-three-replicas kind, with settings.min_replicas 3; a Deployment
    # without a pod template still has a replica count
    text = """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: a}
        spec: {replicas: 2}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: a}
        spec:
          selector: {matchLabels: {a: b}}
          template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: x}]}}
        """
    assert not only(check_text(tmp_path, text), "workload/single-replica")
    fs = only(check_text(tmp_path, text, min_replicas=3), "workload/single-replica")
    assert [(f.object.kind, f.object.name) for f in fs] == [("StatefulSet", "db")]


@pytest.mark.parametrize("min_replicas, want", [(None, "unset (default 1)"), (1, "is 1"),
                                                (2, None), (0, "zero pods")])
def test_hpa_min_replicas(tmp_path: Path, min_replicas: int | None, want: str | None) -> None:
    line = f"  minReplicas: {min_replicas}\n" if min_replicas is not None else ""
    fs = only(check_text(tmp_path, f"""\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: h, namespace: a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
{line}  maxReplicas: 10
"""), "hpa/min-replicas-low")
    assert bool(fs) == (want is not None)
    if want:
        assert want in fs[0].message and fs[0].severity == "warning"


def test_hpa_min_replicas_setting(tmp_path: Path) -> None:
    text = """\
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: h}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 2
          maxReplicas: 10
        """
    assert not only(check_text(tmp_path, text), "hpa/min-replicas-low")
    assert only(check_text(tmp_path, text, min_replicas=3), "hpa/min-replicas-low")


PDB = """\
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: pdb, namespace: {ns}}}
spec:
  maxUnavailable: 1
  selector: {selector}
"""


@pytest.mark.parametrize("ns, selector, want", [
    ("a", "{matchLabels: {app: web}}", False),
    ("a", "{matchExpressions: [{key: app, operator: In, values: [web, api]}]}", False),
    ("b", "{matchLabels: {app: web}}", True),       # kube-score different-namespace kind
    ("a", "{matchLabels: {app: other}}", True),     # Polaris bad-name kind
    ("a", "{matchExpressions: [{key: app, operator: NotIn, values: [web]}]}", True),
])
def test_pdb_missing(tmp_path: Path, ns: str, selector: str, want: bool) -> None:
    fs = only(check_text(tmp_path, deployment() + PDB.format(ns=ns, selector=selector)),
              "pdb/missing")
    assert bool(fs) == want
    if fs:
        assert "runs up to 3 pods" in fs[0].message and "app=web" in fs[0].message


def test_pdb_missing_labels_on_the_deployment_do_not_count(tmp_path: Path) -> None:
    # Polaris' failure.wrong-place kind: the labels are on the Deployment, not its pods
    fs = check_text(tmp_path, """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: zk, namespace: a, labels: {app: zk}}
        spec:
          replicas: 3
          template:
            spec: {containers: [{name: zk, image: x}]}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: zk, namespace: a}
        spec: {maxUnavailable: 1, selector: {matchLabels: {app: zk}}}
        """)
    assert only(fs, "pdb/missing")


def test_pdb_missing_counts_the_hpa_maximum_and_skips_single_pods(tmp_path: Path) -> None:
    hpa = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: a}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
"""
    fs = only(check_text(tmp_path, deployment(replicas=None) + hpa), "pdb/missing")
    assert len(fs) == 1 and "up to 6 pods" in fs[0].message
    fs = check_text(tmp_path, deployment(replicas=1))
    assert not only(fs, "pdb/missing") and only(fs, "workload/single-replica")


def test_pdb_no_policy_and_both_set(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: none, namespace: a}
        spec: {selector: {matchLabels: {app: x}}}
        ---
        apiVersion: policy/v1beta1
        kind: PodDisruptionBudget
        metadata: {name: old, namespace: a}
        spec: {selector: {matchLabels: {app: x}}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: both, namespace: a}
        spec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {app: x}}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: ok, namespace: a}
        spec: {maxUnavailable: 0%, selector: {matchLabels: {app: x}}}
        """)
    nop = only(fs, "pdb/no-policy")
    assert [f.object.name for f in nop] == ["none", "old"]
    assert "allows every disruption" in nop[0].message
    assert "defaults it to minAvailable: 1" in nop[1].message
    both = only(fs, "pdb/invalid")
    assert [(f.object.name, f.severity) for f in both] == [("both", "error")]
    assert "cannot be both set" in both[0].message


# -- priority ----------------------------------------------------------------------------------

CLASSES = """\
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: high}}
value: 1000
{policy}---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: low}}
value: {low}
globalDefault: {default}
"""


@pytest.mark.parametrize("policy, low, default, want", [
    ("", -10, "false", "priority/preemptible-at-zero"),      # 0 < 1000, preempts
    ("preemptionPolicy: Never\n", -10, "false", "priority/class-not-set"),
    ("", 2000, "true", "priority/class-not-set"),            # default 2000 > high
    ("", 10, "true", "priority/class-not-set"),              # a deliberate default (10)
])
def test_priority_of_pods_without_a_class(tmp_path: Path, policy: str, low: int,
                                          default: str, want: str) -> None:
    fs = check_text(tmp_path, deployment(ns="a") + CLASSES.format(
        policy=policy, low=low, default=default))
    got = rules_on(fs) & {"priority/preemptible-at-zero", "priority/class-not-set"}
    assert got == {want}
    f = only(fs, want)[0]
    assert f.object.name == "web"
    if want == "priority/preemptible-at-zero":
        assert "high (1000)" in f.message


def test_class_not_set_without_classes_only_in_strict(tmp_path: Path) -> None:
    # Polaris priorityClassNotSet: a bare pod in a set without PriorityClasses
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: nginx}
        spec: {containers: [{name: nginx, image: nginx}]}
        """
    assert not only(check_text(tmp_path, text), "priority/class-not-set")
    fs = only(check_text(tmp_path, text, config=Config(profile="strict")),
              "priority/class-not-set")
    assert len(fs) == 1 and fs[0].severity == "info"
    named = text.replace("spec: {", "spec: {priorityClassName: high, ")
    assert not only(check_text(tmp_path, named, config=Config(profile="strict")),
                    "priority/class-not-set")


def test_critical_class_outside_kube_system(tmp_path: Path) -> None:
    ds = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{a: b}}}}
  template:
    metadata: {{labels: {{a: b}}}}
    spec:
      priorityClassName: system-node-critical
      containers: [{{name: c, image: x, resources: {{limits: {{cpu: 1, memory: 1Gi}}}}}}]
"""
    fs = only(check_text(tmp_path, ds.format(ns="monitoring")),
              "priority/critical-outside-kube-system")
    assert len(fs) == 1 and fs[0].line == 9
    assert "insufficient quota to match these scopes: [{PriorityClass In " \
           "[system-node-critical system-cluster-critical]}]" in fs[0].message
    assert not only(check_text(tmp_path, ds.format(ns="kube-system")),
                    "priority/critical-outside-kube-system")
    unset = ds.format(ns="x").replace(", namespace: x", "")
    assert not only(check_text(tmp_path, unset), "priority/critical-outside-kube-system")
    quota = """\
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: critical, namespace: monitoring}
spec:
  hard: {pods: "100"}
  scopeSelector:
    matchExpressions:
    - {scopeName: PriorityClass, operator: In, values: [system-node-critical]}
"""
    assert not only(check_text(tmp_path, ds.format(ns="monitoring") + quota),
                    "priority/critical-outside-kube-system")


# -- profiles, configuration, docs -------------------------------------------------------------


def test_profiles_nest() -> None:
    rules = load_rules()
    for r in rules.values():
        runs = [p for p in PROFILES if r.in_profile(p)]
        assert runs == list(PROFILES[PROFILES.index(r.profile):])
    assert rules["workload/cpu-limit-missing"].profile == "strict"
    assert rules["workload/memory-limit-missing"].profile == "default"
    assert rules["quota/requires-requests"].profile == "minimal"
    assert "Profiles: `strict` (opt-in)" in explain("workload/cpu-limit-missing")
    assert "Profiles: `default`, `strict`." in explain("workload/single-replica")


def test_config_profile_and_enable(tmp_path: Path) -> None:
    p = tmp_path / ".provisor.yaml"
    p.write_text("check:\n  profile: minimal\n  enable: [workload/cpu-limit-missing]\n")
    cfg = load_config(p, known_rules=set(load_rules()))
    assert cfg.profile == "minimal" and cfg.enable == ["workload/cpu-limit-missing"]
    fs = check_text(tmp_path, deployment(), config=cfg)
    assert rules_on(fs) & set(RESOURCE_RULES) == {"workload/cpu-limit-missing"}
    p.write_text("check:\n  profile: paranoid\n")
    with pytest.raises(ConfigError, match=r"\.provisor\.yaml:2: check\.profile: profile must "
                                          r"be one of minimal, default, strict"):
        load_config(p)


def test_cli_profile(tmp_path: Path) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(deployment())
    out = {}
    for prof in PROFILES:
        r = run_cli("check", str(m), "--no-schema", "--format", "json", "--profile", prof)
        assert r.returncode == 0, r.stderr
        out[prof] = {f["rule"] for f in json.loads(r.stdout)["findings"]}
    assert out["minimal"] < out["default"] < out["strict"]
    assert "workload/cpu-limit-missing" in out["strict"] - out["default"]
    bad = run_cli("check", str(m), "--profile", "loose")
    assert bad.returncode == 2 and "--profile must be one of" in bad.stderr


def test_builtin_policy_bundle_stays_clean_of_the_basics(tmp_path: Path) -> None:
    """The rendered agent-platform bundle states every request and limit, runs its
    controllers' HPAs at minReplicas >= 2 with PDBs, and names a class on every template."""
    out = tmp_path / "bundle"
    r = run_cli("render", "-o", str(out))
    assert r.returncode == 0, r.stderr
    r = run_cli("check", str(out), "--format", "json", "--profile", "default")
    got = {f["rule"] for f in json.loads(r.stdout)["findings"]}
    assert not got & {*RESOURCE_RULES, "workload/single-replica", "pdb/missing",
                      "pdb/no-policy", "priority/class-not-set",
                      "priority/preemptible-at-zero"}, got


MIRRORS = Path("/work/.mirror")


@pytest.mark.skipif(not all((MIRRORS / n / "repo").exists() for n in (
    "FairwindsOps+polaris", "zegl+kube-score", "stackrox+kube-linter")),
    reason="the linters' fixture mirrors are not on this machine (CI)")
def test_linter_fixture_expectations() -> None:
    """tools/compare_linter_fixtures.py on the real Polaris, kube-score and kube-linter
    fixtures: every expectation matched or a listed disagreement, no false positive."""
    import subprocess
    import sys

    from conftest import REPO

    p = subprocess.run([sys.executable, str(REPO / "tools" / "compare_linter_fixtures.py"),
                        "--mirrors", str(MIRRORS)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "missed 0, false positives 0" in p.stdout


def test_new_rules_do_not_depend_on_file_order(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(deployment(name="web", replicas=3) + PDB.format(
        ns="a", selector="{matchLabels: {app: other}}") + CLASSES.format(
        policy="", low=-1, default="false"))
    b.write_text(deployment(name="api", replicas=1, resources="{requests: {memory: 512m}}")
                 + "---\n" + deployment(name="db", ns="b"))
    outs = []
    for order in ([a, b], [b, a], [a, b]):
        r = run_cli("check", *map(str, order), "--no-schema", "--format", "json",
                    "--profile", "strict")
        outs.append(json.dumps(json.loads(r.stdout)["findings"], sort_keys=True))
    assert outs[0] == outs[1] == outs[2]
    assert '"pdb/missing"' in outs[0] and '"quantity/milli-bytes-request"' in outs[0]


@pytest.mark.parametrize("min_available, want", [(10, True), (5, True), (2, False)])
def test_unnamespaced_pdb_is_judged_with_its_workloads(tmp_path: Path, min_available: int,
                                                       want: bool) -> None:
    """Polaris' pdbMinAvailableGreaterThanHPAMinReplicas kind, in one file without
    namespaces: the PDB, the Deployment and the HPA land in the same namespace, so the
    budget counts the HPA's minimum of pods (5 - minAvailable disruptions)."""
    fs = only(check_text(tmp_path, f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: zk}}
        spec:
          selector: {{matchLabels: {{app: zk}}}}
          template:
            metadata: {{labels: {{app: zk}}}}
            spec: {{containers: [{{name: zk, image: x}}]}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {{name: zk}}
        spec: {{minAvailable: {min_available}, selector: {{matchLabels: {{app: zk}}}}}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {{name: zk}}
        spec:
          scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: zk}}
          minReplicas: 5
          maxReplicas: 7
        """), "pdb/zero-disruptions")
    assert bool(fs) == want
    if fs:
        assert "currentHealthy 5" in fs[0].message, fs[0].message


def test_pdb_missing_unnamespaced_pdb_in_another_file_counts(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(deployment(ns="x").replace(", namespace: x", ""))
    (tmp_path / "p.yaml").write_text(PDB.format(ns="x", selector="{matchLabels: {app: web}}")
                                     .replace(", namespace: x", ""))
    r = run_cli("check", str(tmp_path), "--no-schema", "--format", "json")
    assert "pdb/missing" not in {f["rule"] for f in json.loads(r.stdout)["findings"]}
    (tmp_path / "p.yaml").write_text(PDB.format(ns="x", selector="{matchLabels: {app: db}}")
                                     .replace(", namespace: x", ""))
    r = run_cli("check", str(tmp_path), "--no-schema", "--format", "json")
    assert "pdb/missing" in {f["rule"] for f in json.loads(r.stdout)["findings"]}
