"""The ``alert/*`` rules through ``run_check``: the spec's PrometheusRule (spec-mistakes items
19, 21, 22, 24), OOM alerts against the workloads they watch, labels and annotations, and the
real ``promtool check rules`` (on inline files and on every real rule file)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from provisor.check import run_check
from provisor.check.config import Config, Settings
from provisor.check.registry import load_rules
from provisor.manifests import load
from provisor.promql.promtool import find_promtool

from conftest import SHARED  # noqa: E402
RULES = SHARED / "seed" / "manifests" / "prometheusrule-agent-resource-alerts.yaml"
MINE = ("promql", "alert", "dashboard")
needs_promtool = pytest.mark.skipif(find_promtool() is None,
                                    reason="promtool not installed (make system-deps)")


def config(**settings) -> Config:
    families = {r.family for r in load_rules().values()}
    return Config(disable=[f"{f}/*" for f in sorted(families) if f not in MINE],
                  settings=Settings(**settings))


def run(paths, **settings):
    return run_check(load([str(p) for p in paths]), schema=False, config=config(**settings))


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def of(findings, rule: str):
    return sorted(f.line for f in findings if f.rule == rule)


# -- the spec's PrometheusRule ---------------------------------------------------------------
@pytest.fixture(scope="module")
def seed():
    return run([RULES]).findings


def test_seed_missing_runbook_url(seed):
    """spec-mistakes item 24: all four alerts lack runbook_url (pointing at `annotations`)."""
    assert of(seed, "alert/missing-runbook-url") == [16, 26, 36, 46]
    assert {f.severity for f in seed if f.rule == "alert/missing-runbook-url"} == {"info"}


def test_seed_redundant_for_zero(seed):
    """spec-mistakes item 22: `for: 0m` on AgentOOMKilled."""
    assert of(seed, "alert/redundant-for-zero") == [33]


def test_seed_humanize_percentage_on_cores(seed):
    """spec-mistakes item 19: 0.8 cores printed as "80%"; the two ratio alerts are fine."""
    assert of(seed, "alert/humanize-percentage-not-ratio") == [18]
    f = next(f for f in seed if f.rule == "alert/humanize-percentage-not-ratio")
    assert "CPU cores" in f.message and "AgentHighCPUUsage" in f.message


def test_seed_oom_alert_without_workloads(seed):
    """spec-mistakes item 21: the OOM alert is built on restarts; with no workload of the
    namespace among the checked files it cannot be verified (warning)."""
    assert of(seed, "alert/oom-on-restarts") == [32]
    assert of(seed, "alert/oom-never-fires") == []
    f = next(f for f in seed if f.rule == "alert/oom-on-restarts")
    assert "namespace agent-platform" in f.message and "restartPolicy Never" in f.message
    assert "terminated_reason" in f.fix


def test_seed_has_severities(seed):
    assert of(seed, "alert/missing-severity") == []


# -- OOM alerts and workloads ---------------------------------------------------------------
def workload(kind: str, name: str, policy: str | None, ns: str = "agent-platform") -> str:
    spec = {"containers": [{"name": "c", "image": "x"}]}
    if policy:
        spec["restartPolicy"] = policy
    if kind == "PodTemplate":
        obj = {"apiVersion": "v1", "kind": "PodTemplate",
               "metadata": {"name": name, "namespace": ns}, "template": {"spec": spec}}
    else:
        obj = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "namespace": ns},
               "spec": {"selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}
    return yaml.safe_dump(obj)


def with_workloads(tmp_path: Path, *docs: str):
    p = write(tmp_path, "\n---\n".join(docs), "workloads.yaml")
    return run([RULES, p]).findings


def test_oom_never_fires_for_never_pods(tmp_path):
    fs = with_workloads(tmp_path, workload("PodTemplate", "agent-small", "Never"),
                        workload("PodTemplate", "agent-large", "Never"))
    assert of(fs, "alert/oom-never-fires") == [32]
    assert of(fs, "alert/oom-on-restarts") == []
    f = next(f for f in fs if f.rule == "alert/oom-never-fires")
    assert f.severity == "error"
    assert "PodTemplate/agent-small" in f.message and "can never fire" in f.message


def test_oom_on_restarts_mixed(tmp_path):
    fs = with_workloads(tmp_path, workload("PodTemplate", "agent", "Never"),
                        workload("Deployment", "controller", None))
    assert of(fs, "alert/oom-on-restarts") == [32]
    assert of(fs, "alert/oom-never-fires") == []
    f = next(f for f in fs if f.rule == "alert/oom-on-restarts")
    assert "1 of the 2 workloads" in f.message and "PodTemplate/agent" in f.message


@pytest.mark.parametrize("policy", [None, "OnFailure"], ids=["always", "on-failure"])
def test_oom_on_restarts_fine_when_pods_restart(tmp_path, policy):
    """OnFailure restarts an OOM-killed container (exit 137) in place."""
    fs = with_workloads(tmp_path, workload("PodTemplate", "agent", policy))
    assert of(fs, "alert/oom-on-restarts") == [] and of(fs, "alert/oom-never-fires") == []


def test_oom_workloads_of_other_namespaces_do_not_count(tmp_path):
    fs = with_workloads(tmp_path, workload("PodTemplate", "agent", "Never", ns="other"))
    assert of(fs, "alert/oom-on-restarts") == [32]
    assert of(fs, "alert/oom-never-fires") == []


def test_oom_workloads_without_a_namespace_may_land_in_the_alerts(tmp_path):
    """A workload that sets no namespace lands wherever it is applied: a namespace-scoped
    OOM alert may cover it (it was dropped once its namespace became the file's scope)."""
    text = workload("PodTemplate", "agent", "Never").replace("  namespace: agent-platform\n", "")
    assert "namespace" not in text
    fs = with_workloads(tmp_path, text)
    assert of(fs, "alert/oom-never-fires") == [32]


def test_not_an_oom_alert(tmp_path):
    p = write(tmp_path, """
    groups:
    - name: g
      rules:
      - alert: CrashLooping
        expr: increase(kube_pod_container_status_restarts_total[15m]) > 3
        labels: {severity: warning}
        annotations: {runbook_url: "https://x", summary: "restarting"}
    """)
    fs = run([p]).findings
    assert [f.rule for f in fs if f.rule.startswith("alert/")] == []


# -- labels, annotations, for ---------------------------------------------------------------
def test_missing_severity(tmp_path):
    p = write(tmp_path, """
    groups:
    - name: a
      rules:
      - alert: NoLabels
        expr: up == 0
      - alert: EmptySeverity
        expr: up == 0
        labels: {severity: ""}
      - alert: Fine
        expr: up == 0
        labels: {severity: critical}
      - record: job:up:sum
        expr: sum by (job) (up)
    - name: b
      labels: {severity: warning}
      rules:
      - alert: FromGroup
        expr: up == 0
    """)
    fs = run([p]).findings
    assert of(fs, "alert/missing-severity") == [5, 9]  # the alert, or its labels
    assert {f.severity for f in fs if f.rule == "alert/missing-severity"} == {"warning"}


@pytest.mark.parametrize("value, hit", [
    ("0m", True), ("0s", True), ("0", True), ("0h0m", True), ("0ms", True), ("1m", False),
    ("30s", False), ("10m", False),
], ids=lambda v: str(v))
def test_redundant_for_zero(tmp_path, value, hit):
    p = write(tmp_path, f"""
    groups:
    - name: g
      rules:
      - alert: A
        expr: up == 0
        for: {value}
        labels: {{severity: warning}}
    """)
    assert of(run([p]).findings, "alert/redundant-for-zero") == ([7] if hit else [])


@pytest.mark.parametrize("expr, annotation, hit", [
    ("rate(container_cpu_usage_seconds_total[5m]) > 0.8", "{{ $value | humanizePercentage }}",
     True),
    ("container_memory_working_set_bytes > 1e9", "{{ humanizePercentage $value }}", True),
    ("x_ratio * 100 > 80", "{{ $value | humanizePercentage }}", True),
    ("container_memory_working_set_bytes / container_spec_memory_limit_bytes > 0.9",
     "{{ $value | humanizePercentage }}", False),
    ("my_thing > 0.9", "{{ $value | humanizePercentage }}", False),
    ("rate(container_cpu_usage_seconds_total[5m]) > 0.8", "{{ $value | humanize }} cores",
     False),
], ids=["cores", "bytes", "percent", "ratio", "unknown", "other-formatter"])
def test_humanize_percentage(tmp_path, expr, annotation, hit):
    p = write(tmp_path, f"""
    groups:
    - name: g
      rules:
      - alert: A
        expr: {expr}
        labels: {{severity: warning}}
        annotations:
          runbook_url: https://example.com
          description: "value {annotation}"
    """)
    assert of(run([p]).findings, "alert/humanize-percentage-not-ratio") == ([10] if hit else [])


# -- promtool --------------------------------------------------------------------------------
@needs_promtool
def test_promtool_errors_point_at_the_rule(tmp_path):
    p = write(tmp_path, """
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: r, namespace: m}
    spec:
      groups:
      - name: g
        interval: 1m
        rules:
        - alert: BadTemplate
          expr: up == 0
          labels: {severity: warning}
          annotations:
            runbook_url: https://x
            description: "{{ $value | humanizePercentage }"
        - alert: BadLabel
          expr: up == 0
          labels: {severity: warning, bad-label: x}
          annotations: {runbook_url: https://x}
        - alert: BadExpr
          expr: sum(up
          labels: {severity: warning}
          annotations: {runbook_url: https://x}
    """)
    fs = run([p]).findings
    assert of(fs, "alert/promtool") == [15, 18]
    msgs = [f.message for f in fs if f.rule == "alert/promtool"]
    assert 'alert BadTemplate: annotation "description": template' in msgs[0]
    assert "alert BadLabel: invalid label name: bad-label" in msgs[1]
    assert {f.severity for f in fs if f.rule == "alert/promtool"} == {"error"}
    # the broken expression is reported once, by promql/parse-error
    assert of(fs, "promql/parse-error") == [21]


@needs_promtool
def test_promtool_yaml_level_error(tmp_path):
    """A bad duration stops promtool's YAML decoding: it is the only error reported."""
    p = write(tmp_path, """
    groups:
    - name: g
      rules:
      - alert: A
        expr: up == 0
        labels: {severity: warning}
      - alert: BadFor
        expr: up == 0
        for: 5x
    """)
    fs = run([p]).findings
    assert of(fs, "alert/promtool") == [10]
    assert 'alert BadFor: not a valid duration string: "5x"' in next(
        f.message for f in fs if f.rule == "alert/promtool")


@needs_promtool
def test_promtool_same_group_names_in_separate_objects(tmp_path):
    doc = """
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: NAME, namespace: m}
    spec:
      groups:
      - name: shared
        rules:
        - {record: "a:up:sum", expr: sum(up)}
    """
    p = write(tmp_path, textwrap.dedent(doc).replace("NAME", "one") + "---"
              + textwrap.dedent(doc).replace("NAME", "two"))
    assert of(run([p]).findings, "alert/promtool") == []


@needs_promtool
def test_promtool_repeated_group_in_one_object(tmp_path):
    p = write(tmp_path, """
    groups:
    - name: g
      rules: [{record: "a:up:sum", expr: sum(up)}]
    - name: g
      rules: [{record: "b:up:sum", expr: sum(up)}]
    """)
    fs = run([p]).findings
    assert of(fs, "alert/promtool") == [5]
    assert "repeated" in next(f.message for f in fs if f.rule == "alert/promtool")


def test_promtool_missing_reported_once(tmp_path):
    p = write(tmp_path, RULES.read_text(), "a.yaml")
    q = write(tmp_path, RULES.read_text(), "b.yaml")
    fs = run([p, q], promtool="no-such-promtool").findings
    miss = [f for f in fs if f.rule == "alert/promtool-missing"]
    assert len(miss) == 1 and miss[0].severity == "info"
    assert "apt-get install prometheus" in miss[0].fix
    assert of(fs, "alert/promtool") == []


def test_promtool_off(tmp_path):
    fs = run([RULES], promtool="").findings
    assert not any(f.rule.startswith("alert/promtool") for f in fs)


@needs_promtool
def test_promtool_passes_on_the_spec():
    assert of(run([RULES]).findings, "alert/promtool") == []


# -- the real corpus -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real():
    return run([SHARED / "real" / "kube-prometheus",
                SHARED / "real" / "monitoring-mixins-website"]).findings


def test_real_rules_no_errors(real):
    assert [f for f in real if f.rule.startswith("alert/") and f.severity == "error"] == []


def test_real_rules_known_findings(real):
    """KubeNodeEviction has `for: 0s` in both copies of the kubernetes mixin; the mixins'
    own alert files (alertmanager, kube-state-metrics, autoscaling, node-exporter,
    prometheus) carry no runbook_url (kube-prometheus adds them when it builds its
    PrometheusRules); every alert has a severity; no OOM alert is built on restarts."""
    assert sorted((Path(f.file).name, f.line) for f in real
                  if f.rule == "alert/redundant-for-zero") == [
        ("alerts.yaml", 852), ("kubernetesControlPlane-prometheusRule.yaml", 812)]
    assert not any(f.rule in ("alert/missing-severity", "alert/oom-on-restarts",
                              "alert/humanize-percentage-not-ratio") for f in real)
    runbook = {Path(f.file).parent.name for f in real if f.rule == "alert/missing-runbook-url"}
    assert runbook == {"alertmanager", "kube-state-metrics", "kubernetes-autoscaling",
                       "node-exporter", "prometheus", "examples"}


def test_oom_alert_with_a_terminated_reason_branch_covers_never_restarting_pods(tmp_path):
    """The rendered agent-platform alert: `terminated_reason` OR (restart-based): the first
    branch fires for restartPolicy Never containers, so neither OOM rule applies."""
    from provisor.check import run_check
    from provisor.manifests import load

    f = tmp_path / "oom.yaml"
    f.write_text("""\
apiVersion: v1
kind: PodTemplate
metadata: {name: agent, namespace: ns}
template:
  spec:
    restartPolicy: Never
    containers: [{name: agent, image: x}]
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: r, namespace: ns}
spec:
  groups:
  - name: g
    rules:
    - alert: AgentOOMKilled
      expr: |
        max by (namespace, pod, container) (max_over_time(kube_pod_container_status_terminated_reason{namespace="ns", reason="OOMKilled"}[10m])) == 1
        or
        (max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{namespace="ns", reason="OOMKilled"}) == 1
         and on (namespace, pod, container)
         max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{namespace="ns"}[10m])) > 0)
      labels: {severity: critical}
""")
    rules = {x.rule for x in run_check(load([f]), schema=False).findings}
    assert "alert/oom-never-fires" not in rules and "alert/oom-on-restarts" not in rules


def test_oom_alert_on_restarts_never_fires_for_argo_workflow_pods(tmp_path):
    """Argo creates every step pod with restartPolicy Never: an OOM alert on restarts in the
    workflows' namespace can never fire for them."""
    from provisor.check import run_check
    from provisor.manifests import load

    f = tmp_path / "wf.yaml"
    f.write_text("""\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: build, namespace: ci}
spec:
  templates:
  - name: compile
    container: {image: golang, command: [make]}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: r, namespace: ci}
spec:
  groups:
  - name: g
    rules:
    - alert: StepOOMKilled
      expr: increase(kube_pod_container_status_restarts_total{namespace="ci"}[5m]) > 0 and on (namespace, pod) kube_pod_container_status_last_terminated_reason{namespace="ci", reason="OOMKilled"} == 1
      labels: {severity: critical}
""")
    hits = [x for x in run_check(load([f]), schema=False).findings
            if x.rule == "alert/oom-never-fires"]
    assert hits and "WorkflowTemplate/build/compile" in hits[0].message
