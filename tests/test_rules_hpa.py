"""The ``hpa/*`` rules: inline inputs (positive and negative), cases 01 and 02, the spec's
seed manifests, and the exact API texts they quote
(``pkg/apis/autoscaling/validation/validation.go``,
``pkg/controller/podautoscaler/horizontal.go``, ``replica_calculator.go``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.check.config import Config, Settings
from provisor.manifests import load

from conftest import SHARED  # noqa: E402
from rulekit import check_text as check, only  # noqa: E402


DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: x
        resources: {requests: {cpu: 200m, memory: 1Gi}, limits: {memory: 1Gi}}
"""


def hpa(spec: str, name: str = "web") -> str:
    return textwrap.dedent(f"""
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {{name: {name}, namespace: team-a}}
    spec:
      scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
    """) + textwrap.indent(textwrap.dedent(spec), "  ")


CPU = """
metrics:
- type: Resource
  resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"""


# -- hpa/replica-bounds ---------------------------------------------------------------------

@pytest.mark.parametrize("bounds, errors", [
    ("minReplicas: 5\nmaxReplicas: 3",
     "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"),
    ("minReplicas: 0\nmaxReplicas: 3",
     "[spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.metrics: "
     "Forbidden: must specify at least one Object or External metric to support scaling to "
     "zero replicas]"),
    ("maxReplicas: 0",
     "[spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.maxReplicas: Invalid "
     "value: 0: must be greater than or equal to `minReplicas`]"),
    ("minReplicas: -1\nmaxReplicas: 2",
     "spec.minReplicas: Invalid value: -1: must be greater than or equal to 1"),
], ids=["min-above-max", "min-zero-resource-only", "max-zero-min-defaulted", "min-negative"])
def test_replica_bounds(tmp_path, bounds, errors):
    f = only(check(tmp_path, DEPLOY + "---" + hpa(bounds + CPU)), "hpa/replica-bounds")
    assert len(f) == 1 and f[0].severity == "error"
    assert f[0].message == ('the API server refuses this HPA (422): HorizontalPodAutoscaler'
                            f'.autoscaling "web" is invalid: {errors}')


def test_replica_bounds_scale_to_zero_with_external_metric(tmp_path):
    spec = """
    minReplicas: 0
    maxReplicas: 3
    metrics:
    - type: External
      external:
        metric: {name: queue}
        target: {type: AverageValue, averageValue: "5"}
    """
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/replica-bounds")
    assert len(f) == 1
    assert f[0].message.endswith(
        "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1")
    assert "HPAScaleToZero" in f[0].fix


@pytest.mark.parametrize("bounds", ["minReplicas: 2\nmaxReplicas: 5", "maxReplicas: 1",
                                    "minReplicas: 3\nmaxReplicas: 3"])
def test_replica_bounds_accepted(tmp_path, bounds):
    assert not only(check(tmp_path, DEPLOY + "---" + hpa(bounds + CPU)), "hpa/replica-bounds")


# -- hpa/behavior-invalid ---------------------------------------------------------------------

@pytest.mark.parametrize("rules, error, marker", [
    ("scaleUp:\n  policies: [{type: Pods, value: 4, periodSeconds: 3600}]",
     "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or "
     "equal to 1800", "periodSeconds: 3600"),
    ("scaleDown:\n  policies: [{type: Percent, value: 10, periodSeconds: 0}]",
     "spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 0: must be greater than "
     "zero", "periodSeconds: 0"),
    ("scaleDown:\n  stabilizationWindowSeconds: 4000",
     "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than "
     "or equal to 3600", "stabilizationWindowSeconds: 4000"),
    ("scaleUp:\n  stabilizationWindowSeconds: -5",
     "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -5: must be greater than "
     "or equal to zero", "stabilizationWindowSeconds: -5"),
    ("scaleUp:\n  selectPolicy: Fastest",
     'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: '
     '"Disabled", "Max", "Min"', "selectPolicy: Fastest"),
    ("scaleDown:\n  policies: []",
     "spec.behavior.scaleDown.policies: Required value: must specify at least one Policy",
     "policies: []"),
    ("scaleUp:\n  policies: [{type: Replicas, value: 4, periodSeconds: 15}]",
     'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Replicas": supported values: '
     '"Percent", "Pods"', "type: Replicas"),
    ("scaleUp:\n  policies: [{type: Pods, value: 0, periodSeconds: 15}]",
     "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
     "value: 0"),
], ids=["period-above-1800", "period-zero", "window-above-3600", "window-negative",
        "select-policy-unknown", "no-policies", "policy-type-unknown", "policy-value-zero"])
def test_behavior_invalid(tmp_path, rules, error, marker):
    spec = "minReplicas: 2\nmaxReplicas: 5\nbehavior:\n" + textwrap.indent(rules, "  ") + CPU
    text = DEPLOY + "---" + hpa(spec)
    f = only(check(tmp_path, text), "hpa/behavior-invalid")
    assert len(f) == 1 and f[0].severity == "error"
    assert f[0].message == ('the API server refuses this HPA (422): HorizontalPodAutoscaler'
                            f'.autoscaling "web" is invalid: {error}')
    lines = textwrap.dedent(text).splitlines()
    assert f[0].line == 1 + next(i for i, ln in enumerate(lines) if marker in ln)


def test_behavior_valid(tmp_path):
    spec = textwrap.dedent("""
    minReplicas: 2
    maxReplicas: 5
    behavior:
      scaleUp: {stabilizationWindowSeconds: 0, selectPolicy: Max,
                policies: [{type: Pods, value: 4, periodSeconds: 1800}]}
      scaleDown: {stabilizationWindowSeconds: 3600, policies: [{type: Percent, value: 100, periodSeconds: 15}]}
    """) + CPU
    assert not only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/behavior-invalid")


# -- hpa/scale-up-delay -------------------------------------------------------------------------

def test_scale_up_delay_spec_window(tmp_path):
    spec = textwrap.dedent("""
    minReplicas: 2
    maxReplicas: 10
    behavior:
      scaleUp:
        stabilizationWindowSeconds: 300
        policies: [{type: Percent, value: 100, periodSeconds: 60}]
    """) + CPU
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/scale-up-delay")
    assert len(f) == 1 and f[0].severity == "warning"
    # 30 s metrics window + 15 s sync + 285 s: the first sync whose window no longer holds
    # the low recommendation recorded 15 s before the load (strictly-after cut-off)
    assert "acted on only 330 s later" in f[0].message
    assert "+ 285 s in which the normalizer keeps the lowest recommendation" in f[0].message
    assert "first scale-up goes to 4" in f[0].message
    assert "above the responsiveness goal of 300 s" in f[0].message
    assert "at most 255" in f[0].fix


@pytest.mark.parametrize("window, goal, expected", [
    # first scale-up at the first 15 s sync t >= window - 15 (the low recommendation made
    # 15 s before the load leaves the window), plus 30 s metrics window + 15 s sync
    (120, 300.0, False),   # 105 + 45 = 150
    (255, 300.0, False),   # 240 + 45 = 285
    (270, 300.0, False),   # 255 + 45 = 300: not above the goal
    (285, 300.0, True),    # 270 + 45 = 315
    (100, 120.0, True),    # 90 + 45 = 135
    (60, 120.0, False),    # 45 + 45 = 90
])
def test_scale_up_delay_against_settings(tmp_path, window, goal, expected):
    spec = textwrap.dedent(f"""
    minReplicas: 1
    maxReplicas: 4
    behavior:
      scaleUp: {{stabilizationWindowSeconds: {window}}}
    """) + CPU
    cfg = Config(settings=Settings(responsiveness_seconds=goal))
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec), config=cfg), "hpa/scale-up-delay")
    assert bool(f) is expected


def test_scale_up_delay_needs_behavior(tmp_path):
    assert not only(check(tmp_path, DEPLOY + "---" + hpa("maxReplicas: 5" + CPU)),
                    "hpa/scale-up-delay")


# -- hpa/scaling-disabled ---------------------------------------------------------------------

@pytest.mark.parametrize("extra, needle", [
    ("behavior:\n  scaleUp: {selectPolicy: Disabled}", "never adds pods"),
    ("behavior:\n  scaleDown: {selectPolicy: Disabled}", "never removes pods"),
], ids=["scale-up", "scale-down"])
def test_scaling_disabled(tmp_path, extra, needle):
    spec = "minReplicas: 2\nmaxReplicas: 6\n" + extra + CPU
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/scaling-disabled")
    assert len(f) == 1 and f[0].severity == "warning" and needle in f[0].message


def test_scaling_disabled_fixed_range(tmp_path):
    f = only(check(tmp_path, DEPLOY + "---" + hpa("minReplicas: 3\nmaxReplicas: 3" + CPU)),
             "hpa/scaling-disabled")
    assert len(f) == 1 and "minReplicas = maxReplicas = 3" in f[0].message


def test_scaling_enabled(tmp_path):
    spec = "minReplicas: 2\nmaxReplicas: 6\nbehavior:\n  scaleUp: {selectPolicy: Max}\n" + CPU
    assert not only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/scaling-disabled")


# -- hpa/memory-target ------------------------------------------------------------------------

def test_memory_target_scenario_b_numbers(tmp_path):
    """case-02 scenario B: request 200Mi, target 100%: at 4 pods a scale-down needs an average
    of 150Mi or less (ratio 0.75); 160Mi (0.8) keeps 4."""
    dep = DEPLOY.replace("memory: 1Gi}, limits: {memory: 1Gi}", "memory: 200Mi}, limits: {memory: 400Mi}")
    spec = """
    minReplicas: 2
    maxReplicas: 4
    metrics:
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 100}}
    """
    f = only(check(tmp_path, dep + "---" + hpa(spec)), "hpa/memory-target")
    assert len(f) == 1 and f[0].severity == "warning"
    m = f[0].message
    assert "at 4 replicas it removes a pod only when the average falls to 150Mi (75% of the " \
           "200Mi request) or less" in m
    assert "with each pod at 222Mi (111% of the 200Mi request) or more it proposes 2 → 3 → 4 " \
           "(maxReplicas)" in m


@pytest.mark.parametrize("metric", [
    "- type: Resource\n  resource: {name: memory, target: {type: AverageValue, averageValue: 800Mi}}",
    "- type: ContainerResource\n  containerResource: {name: memory, container: web, "
    "target: {type: Utilization, averageUtilization: 75}}",
], ids=["average-value", "container-resource"])
def test_memory_target_other_forms(tmp_path, metric):
    spec = "minReplicas: 2\nmaxReplicas: 5\nmetrics:\n" + metric
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/memory-target")
    assert len(f) == 1 and "ratchet" in f[0].message and "2 → 3" in f[0].message


def test_memory_target_average_value_thresholds(tmp_path):
    spec = ("minReplicas: 2\nmaxReplicas: 4\nmetrics:\n- type: Resource\n  resource: "
            "{name: memory, target: {type: AverageValue, averageValue: 128Mi}}")
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/memory-target")
    # up: above 1.1 x 128Mi = 140.8Mi; down from 4: ceil(4 x r) <= 3 -> r <= 0.75 -> 96Mi
    assert "with each pod at 141Mi or more it proposes 2 → 3 → 4 (maxReplicas)" in f[0].message
    assert "the average falls to 96Mi or less" in f[0].message


def test_memory_target_not_on_cpu(tmp_path):
    assert not only(check(tmp_path, DEPLOY + "---" + hpa("maxReplicas: 5" + CPU)),
                    "hpa/memory-target")


# -- hpa/spec-replicas --------------------------------------------------------------------------

def test_spec_replicas(tmp_path):
    dep = DEPLOY.replace("spec:\n  selector", "spec:\n  replicas: 4\n  selector")
    f = only(check(tmp_path, dep + "---" + hpa("minReplicas: 2\nmaxReplicas: 8" + CPU)),
             "hpa/spec-replicas")
    assert len(f) == 1 and f[0].severity == "warning"
    assert f[0].object.kind == "Deployment" and f[0].line == 6
    assert "resets the replica count to 4" in f[0].message


def test_spec_replicas_negative(tmp_path):
    assert not only(check(tmp_path, DEPLOY + "---" + hpa("maxReplicas: 5" + CPU)),
                    "hpa/spec-replicas")
    dep = DEPLOY.replace("spec:\n  selector", "spec:\n  replicas: 4\n  selector")
    assert not only(check(tmp_path, dep), "hpa/spec-replicas")


# -- hpa/metrics-adapter ------------------------------------------------------------------------

EXTERNAL = """
maxReplicas: 5
metrics:
- type: External
  external:
    metric: {name: argo_workflows_running}
    target: {type: Value, value: "20"}
"""
PODS = """
maxReplicas: 5
metrics:
- type: Pods
  pods:
    metric: {name: http_requests}
    target: {type: AverageValue, averageValue: "10"}
"""


@pytest.mark.parametrize("spec, api", [(EXTERNAL, "external.metrics.k8s.io"),
                                       (PODS, "custom.metrics.k8s.io")], ids=["external", "pods"])
def test_metrics_adapter_missing(tmp_path, spec, api):
    f = only(check(tmp_path, DEPLOY + "---" + hpa(spec)), "hpa/metrics-adapter")
    assert len(f) == 1 and f[0].severity == "info" and api in f[0].message


@pytest.mark.parametrize("spec, service", [
    (EXTERNAL, "metadata: {name: v1beta1.external.metrics.k8s.io}\nspec: {group: "
               "external.metrics.k8s.io, version: v1beta1}"),
    (PODS, "metadata: {name: v1beta2.custom.metrics.k8s.io}\nspec: {version: v1beta2}"),
], ids=["external-by-group", "custom-by-name"])
def test_metrics_adapter_present(tmp_path, spec, service):
    svc = "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\n" + service + "\n"
    assert not only(check(tmp_path, DEPLOY + "---" + hpa(spec) + "---\n" + svc),
                    "hpa/metrics-adapter")


def test_metrics_adapter_not_for_resource_metrics(tmp_path):
    assert not only(check(tmp_path, DEPLOY + "---" + hpa("maxReplicas: 5" + CPU)),
                    "hpa/metrics-adapter")


# -- hpa/ambiguous-selector ---------------------------------------------------------------------

def test_two_hpas_on_one_target(tmp_path):
    text = DEPLOY + "---" + hpa("maxReplicas: 5" + CPU, "a") + "---" + hpa("maxReplicas: 9" + CPU, "b")
    f = only(check(tmp_path, text), "hpa/ambiguous-selector")
    assert sorted(x.object.name for x in f) == ["a", "b"]
    assert all(x.severity == "error" for x in f)
    assert f[0].message.endswith(
        "pods by selector app=web are controlled by multiple HPAs: [team-a/a team-a/b]")


def test_overlapping_selectors_of_two_targets(tmp_path):
    canary = DEPLOY.replace("name: web,", "name: web-canary,").replace(
        "{matchLabels: {app: web}}", "{matchLabels: {app: web, track: canary}}").replace(
        "labels: {app: web}", "labels: {app: web, track: canary}")
    other = hpa("maxReplicas: 5" + CPU, "canary").replace("name: web}", "name: web-canary}")
    text = DEPLOY + "---" + canary + "---" + hpa("maxReplicas: 5" + CPU, "stable") + "---" + other
    f = only(check(tmp_path, text), "hpa/ambiguous-selector")
    assert sorted(x.object.name for x in f) == ["canary", "stable"]
    assert "[team-a/canary team-a/stable]" in f[0].message


def test_distinct_targets_and_same_object_twice(tmp_path):
    other = DEPLOY.replace("name: web,", "name: api,").replace("app: web", "app: api")
    text = DEPLOY + "---" + other + "---" + hpa("maxReplicas: 5" + CPU, "a") + "---" + \
        hpa("maxReplicas: 5" + CPU, "b").replace("name: web}", "name: api}")
    assert not only(check(tmp_path, text), "hpa/ambiguous-selector")
    # the same HPA twice (two versions of one object) is one HPA
    text = DEPLOY + "---" + hpa("maxReplicas: 5" + CPU, "a") + "---" + hpa("maxReplicas: 7" + CPU, "a")
    assert not only(check(tmp_path, text), "hpa/ambiguous-selector")


# -- hpa/utilization-requests (lead's rule, now on the API-admitted pod) ---------------------

def test_utilization_requests_limit_only_container_gets_request(tmp_path):
    dep = DEPLOY.replace("      - name: web", "      - name: proxy\n        image: p\n"
                         "        resources: {limits: {cpu: 100m, memory: 64Mi}}\n      - name: web")
    assert not only(check(tmp_path, dep + "---" + hpa("maxReplicas: 5" + CPU)),
                    "hpa/utilization-requests")


def test_utilization_requests_sidecar_init_container(tmp_path):
    dep = DEPLOY.replace("      containers:", "      initContainers:\n      - name: mesh\n"
                         "        image: m\n        restartPolicy: Always\n      containers:")
    f = only(check(tmp_path, dep + "---" + hpa("maxReplicas: 5" + CPU)), "hpa/utilization-requests")
    assert len(f) == 1 and "missing request for cpu in container mesh of Pod web" in f[0].message


# -- cases ------------------------------------------------------------------------------------

def _case(name: str):
    return run_check(load([str(SHARED / "cases" / name)]), schema=False).findings


def test_case_01():
    """HPA_MISSING_RESOURCE_REQUEST (error) on team-a/hpa/web: container "proxy" has no cpu
    request (FailedGetResourceMetric)."""
    fs = [f for f in _case("case-01.yaml") if f.rule.startswith("hpa/")]
    got = sorted((f.rule, f.object.kind, f.object.namespace, f.object.name, f.severity, f.line)
                 for f in fs)
    assert got == [
        ("hpa/spec-replicas", "Deployment", "team-a", "web", "warning", 17),
        ("hpa/utilization-requests", "HorizontalPodAutoscaler", "team-a", "web", "error", 46),
    ]
    req = only(fs, "hpa/utilization-requests")[0]
    assert '"proxy"' in req.message and "FailedGetResourceMetric" in req.message
    assert "ContainerResource" in req.fix


def test_case_02():
    """A memory-utilization HPA ratchets to maxReplicas: a warning on the HPA's memory
    Utilization target (the baseline is in no object)."""
    fs = [f for f in _case("case-02.yaml") if f.rule.startswith("hpa/")]
    got = sorted((f.rule, f.object.kind, f.object.name, f.severity, f.line) for f in fs)
    assert got == [
        ("hpa/memory-target", "HorizontalPodAutoscaler", "web", "warning", 50),
        ("hpa/spec-replicas", "Deployment", "web", "warning", 23),
    ]
    m = only(fs, "hpa/memory-target")[0].message
    # request 1Gi, target 80%: scale-up above 88% (tolerance 0.1); from 10 pods a scale-down
    # needs ceil(10 x u/80) <= 9 outside the tolerance: u <= 71%
    assert "with each pod at 911Mi (89% of the 1.00Gi request) or more it proposes 2 → 3 → 4 → " \
           "5 → 6 → 7 → 8 → 9 → 10 (maxReplicas)" in m
    assert "at 10 replicas it removes a pod only when the average falls to 727Mi (71% of the " \
           "1.00Gi request) or less" in m


# -- the spec's seed manifests ---------------------------------------------------------------

def test_seed_manifests():
    docs = load([str(SHARED / "seed" / "manifests")])
    fs = [f for f in run_check(docs, schema=False).findings if f.rule.startswith("hpa/")]
    got = sorted((Path(f.file).name, f.line, f.rule, f.object.name, f.severity) for f in fs)
    assert got == [
        ("hpa-argo-workflows-server.yaml", 10, "hpa/target-not-found",
         "argo-workflows-server-hpa", "info"),
        ("hpa-argo-workflows-server.yaml", 20, "hpa/metric-source",
         "argo-workflows-server-hpa", "error"),
        ("hpa-coderun-controller.yaml", 10, "hpa/target-not-found", "coderun-controller-hpa",
         "info"),
        ("hpa-coderun-controller.yaml", 23, "hpa/memory-target", "coderun-controller-hpa",
         "warning"),
        ("hpa-coderun-controller.yaml", 28, "hpa/scale-up-delay", "coderun-controller-hpa",
         "warning"),
    ]
    src = only(fs, "hpa/metric-source")[0].message
    assert src.endswith('HorizontalPodAutoscaler.autoscaling "argo-workflows-server-hpa" is '
                        'invalid: spec.metrics[1].type: Unsupported value: "Custom": supported '
                        'values: "ContainerResource", "External", "Object", "Pods", "Resource"')
    mem = only(fs, "hpa/memory-target")[0].message
    assert mem.startswith("metric 1: Resource memory Utilization target 80%")
    assert "89% of its request" in mem and "71% of its request" in mem
    delay = only(fs, "hpa/scale-up-delay")[0].message
    assert "stabilization window 300 s" in delay and "330 s later" in delay


# -- robustness: fields of the wrong type never crash a rule of these families ---------------

def test_malformed_fields_do_not_crash_rules(tmp_path):
    """Seeded mutations of the cases and seed manifests (wrong types, missing keys) go through
    the hpa/, vpa/, pdb/ and priority/ rules without a check/rule-crashed finding: malformed
    objects are the schema check's to report."""
    import copy
    import random

    import yaml

    rng = random.Random(20240601)
    objs = []
    for f in [*(SHARED / "cases").glob("case-0[129].yaml"),
              *(SHARED / "seed" / "manifests").glob("*.yaml")]:
        objs += [o for o in yaml.safe_load_all(f.read_text()) if isinstance(o, dict) and "kind" in o]
    bad = [None, 0, -3, 1.5, "x", "50%", [], {}, [1], {"a": 1}, True, "0%"]

    def mutate(o):
        if isinstance(o, dict):
            for k in list(o):
                r = rng.random()
                if r < 0.08:
                    o[k] = rng.choice(bad)
                elif r < 0.1:
                    del o[k]
                else:
                    mutate(o[k])
        elif isinstance(o, list):
            for i in range(len(o)):
                if rng.random() < 0.08:
                    o[i] = rng.choice(bad)
                else:
                    mutate(o[i])

    for i in range(30):
        batch = copy.deepcopy(objs)
        for o in batch:
            mutate(o)
        p = tmp_path / f"m{i}.yaml"
        p.write_text(yaml.safe_dump_all(batch))
        crashed = [f.message for f in run_check(load([str(p)]), schema=False).findings
                   if f.rule == "check/rule-crashed"
                   and any(f"rule {fam}/" in f.message for fam in ("hpa", "vpa", "pdb", "priority"))]
        assert not crashed, crashed


# -- older API versions are judged by their own fields (issue 13) -------------------------

_TARGET = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: x, resources: {requests: {cpu: 100m, memory: 128Mi}}}
---
"""


@pytest.mark.parametrize("api, metrics", [
    ("autoscaling/v2beta1", "- type: Resource\n    resource: {name: cpu, targetAverageUtilization: 70}"),
    ("autoscaling/v2beta2", "- type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}"),
])
def test_older_versions_have_their_targets(tmp_path, api, metrics):
    p = tmp_path / "m.yaml"
    p.write_text(_TARGET + f"""\
apiVersion: {api}
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  {metrics}
""")
    found = run_check(load([str(p)])).findings
    # the unserved API is the one error; the metric has its target
    assert [f.rule for f in found if f.severity == "error"] == ["schema/unserved-api"]
    assert not [f for f in found if f.rule == "hpa/metric-source"]


@pytest.mark.parametrize("api, spec, name", [
    ("autoscaling/v1", "targetCPUUtilizationPercentage: 70", "targetCPUUtilizationPercentage"),
    ("autoscaling/v2beta1", "metrics:\n  - type: Resource\n    resource: {name: cpu, targetAverageUtilization: 70}",
     "metric 0"),
    ("autoscaling/v2", "behavior: {}", "the default metric (cpu at 80% utilization)"),
])
def test_every_version_read_through_one_accessor(tmp_path, api, spec, name):
    """A cpu Utilization target on a pod without a cpu request: hpa/utilization-requests
    sees it whatever the version it is written in (or when it is the default metric)."""
    found = check(tmp_path, _TARGET.replace("cpu: 100m, ", "") + f"""\
apiVersion: {api}
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  maxReplicas: 10
  {spec}
""")
    bad = only(found, "hpa/utilization-requests")
    assert len(bad) == 1 and bad[0].message.startswith(name)


def test_v1_annotation_metrics_are_read(tmp_path):
    found = check(tmp_path, _TARGET + """\
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: a
  annotations:
    autoscaling.alpha.kubernetes.io/metrics: '[{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"10"}}]'
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
""")
    hits = only(found, "hpa/metrics-adapter")
    assert len(hits) == 1
    assert hits[0].message.startswith(
        "metric 0 of annotation autoscaling.alpha.kubernetes.io/metrics: cannot verify that "
        "the Pods metric 'rps' can be read")
    assert hits[0].line == 18  # the annotation (the Deployment takes lines 1-11)
