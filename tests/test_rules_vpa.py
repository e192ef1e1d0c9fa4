"""The ``vpa/*`` rules: inline inputs (positive and negative) and the spec's seed manifests.
Capping and proportional limits come from ``provisor.k8s.vpa.capping``
(kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/utils/vpa/capping.go``); admission from
``provisor.k8s.limitranger`` and ``provisor.k8s.quota``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from provisor.check import run_check
from provisor.manifests import load

from conftest import SHARED  # noqa: E402
from rulekit import check_text as check, only  # noqa: E402


def join(*docs: str) -> str:
    return "---\n".join(textwrap.dedent(d).lstrip("\n") for d in docs)


JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: agent, namespace: agents}
spec:
  parallelism: 3
  template:
    metadata: {labels: {app: coderun}}
    spec:
      restartPolicy: Never
      containers:
      - name: agent
        image: x
        resources: {requests: {cpu: "1", memory: 4Gi}, limits: {cpu: "2", memory: 8Gi}}
"""

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agents}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: x
        resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "1", memory: 2Gi}}
"""


def vpa(target: str, mode: str | None = "Recreate", policy: str = "", name: str = "v") -> str:
    up = f"  updatePolicy: {{updateMode: '{mode}'}}\n" if mode else ""
    return (f"apiVersion: autoscaling.k8s.io/v1\nkind: VerticalPodAutoscaler\n"
            f"metadata: {{name: {name}, namespace: agents}}\nspec:\n  targetRef: {target}\n"
            + up + textwrap.indent(textwrap.dedent(policy), "  "))


JOB_REF = "{apiVersion: batch/v1, kind: Job, name: agent}"
DEP_REF = "{apiVersion: apps/v1, kind: Deployment, name: web}"


# -- vpa/update-mode-auto ------------------------------------------------------------------

def test_update_mode_auto(tmp_path):
    f = only(check(tmp_path, join(DEPLOY, vpa(DEP_REF, "Auto"))), "vpa/update-mode-auto")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].line == 19
    assert ('spec.updatePolicy: "Auto" mode is deprecated and will be removed in a future API '
            'version. Use explicit update modes like: [InPlace InPlaceOrRecreate Initial Off '
            'Recreate]. See https://github.com/kubernetes/autoscaler/issues/8424 for more '
            'details.') in f[0].message


@pytest.mark.parametrize("mode", ["Recreate", "Initial", "Off", "InPlaceOrRecreate", None])
def test_update_mode_not_auto(tmp_path, mode):
    assert not only(check(tmp_path, join(DEPLOY, vpa(DEP_REF, mode))), "vpa/update-mode-auto")


# -- vpa/evicts-run-to-completion ---------------------------------------------------------

@pytest.mark.parametrize("mode, text", [
    ("Recreate", "updateMode Recreate"), ("Auto", "updateMode Auto"),
    ("InPlaceOrRecreate", "updateMode InPlaceOrRecreate"),
    (None, "updateMode Recreate (the default)"),
])
def test_evicts_job_pods(tmp_path, mode, text):
    f = only(check(tmp_path, join(JOB, vpa(JOB_REF, mode))), "vpa/evicts-run-to-completion")
    assert len(f) == 1 and f[0].severity == "error"
    assert f[0].message.startswith(f"{text} on Job agents/agent, found via targetRef Job/agent")
    assert "each Job runs up to 3 pod(s) at once (parallelism), so the updater may evict them" \
        in f[0].message
    assert "Initial" in f[0].fix


@pytest.mark.parametrize("mode", ["Initial", "Off", "InPlace"])
def test_safe_modes_on_job(tmp_path, mode):
    assert not only(check(tmp_path, join(JOB, vpa(JOB_REF, mode))), "vpa/evicts-run-to-completion")


def test_single_pod_jobs_spared_by_min_replicas(tmp_path):
    job = JOB.replace("  parallelism: 3\n", "")
    f = only(check(tmp_path, join(job, vpa(JOB_REF, "Recreate"))), "vpa/evicts-run-to-completion")
    assert len(f) == 1
    assert "below the updater's --min-replicas (default 2)" in f[0].message


def test_intended_selector_target(tmp_path):
    """The spec's VPA: targetRef kind Pod with a (bogus) selector: judged against what the
    selector was meant to match."""
    target = "{apiVersion: v1, kind: Pod, selector: {matchLabels: {app: coderun}}}"
    f = only(check(tmp_path, join(JOB, vpa(target, "Auto"))), "vpa/evicts-run-to-completion")
    assert len(f) == 1
    assert "found via the workloads whose pods its targetRef.selector (app=coderun) was meant " \
           "to match (as intended: the targetRef itself is unusable" in f[0].message


def test_target_kind_alone(tmp_path):
    f = only(check(tmp_path, vpa("{apiVersion: batch/v1, kind: CronJob, name: nightly}")),
             "vpa/evicts-run-to-completion")
    assert len(f) == 1 and "CronJob's pods run to completion" in f[0].message


def test_service_is_not_run_to_completion(tmp_path):
    assert not only(check(tmp_path, join(DEPLOY, vpa(DEP_REF))), "vpa/evicts-run-to-completion")


# -- vpa/hpa-conflict ----------------------------------------------------------------------

def hpa(metric: str) -> str:
    return ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
            "metadata: {name: web, namespace: agents}\nspec:\n"
            f"  scaleTargetRef: {DEP_REF}\n  maxReplicas: 5\n  metrics:\n  - {metric}\n")


CPU_UTIL = "{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}"
MEM_AVG = "{type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 1Gi}}}"


@pytest.mark.parametrize("metric, res, needle", [
    (CPU_UTIL, "cpu", "moves the HPA's utilization"),
    (MEM_AVG, "memory", "both react to the same per-pod usage"),
])
def test_hpa_conflict(tmp_path, metric, res, needle):
    f = only(check(tmp_path, join(DEPLOY, hpa(metric), vpa(DEP_REF))), "vpa/hpa-conflict")
    assert len(f) == 1 and f[0].severity == "error"
    assert f"HPA web scales Deployment agents/web on {res}" in f[0].message and needle in f[0].message


@pytest.mark.parametrize("mode, policy", [
    ("Off", ""),
    ("Recreate", "resourcePolicy:\n  containerPolicies:\n  - {containerName: '*', "
                 "controlledResources: [memory]}\n"),
    ("Recreate", "resourcePolicy:\n  containerPolicies:\n  - {containerName: web, mode: 'Off'}\n"),
], ids=["vpa-off", "vpa-memory-only", "container-off"])
def test_no_hpa_conflict(tmp_path, mode, policy):
    assert not only(check(tmp_path, join(DEPLOY, hpa(CPU_UTIL), vpa(DEP_REF, mode, policy))),
                    "vpa/hpa-conflict")


def test_no_conflict_with_custom_metric_hpa(tmp_path):
    metric = ("{type: Pods, pods: {metric: {name: rps}, target: {type: AverageValue, "
              "averageValue: '10'}}}")
    assert not only(check(tmp_path, join(DEPLOY, hpa(metric), vpa(DEP_REF))), "vpa/hpa-conflict")


# -- vpa/max-allowed-capped, vpa/max-allowed-inadmissible -----------------------------------

LR = """
apiVersion: v1
kind: LimitRange
metadata: {name: lr, namespace: agents}
spec:
  limits:
  - type: Container
    max: {cpu: "8", memory: 32Gi}
"""

POLICY = """
resourcePolicy:
  containerPolicies:
  - containerName: agent
    minAllowed: {cpu: 100m, memory: 128Mi}
    maxAllowed: {cpu: 8000m, memory: 32Gi}
"""


def test_max_allowed_capped_by_limitrange(tmp_path):
    """limit/request ratio 2: maxAllowed 8 CPU / 32Gi would give limits 16 / 64Gi, above the
    LimitRange max 8 / 32Gi, so the VPA caps the recommendation at 4 / 16Gi."""
    f = only(check(tmp_path, join(LR, JOB, vpa(JOB_REF, "Initial", POLICY))),
             "vpa/max-allowed-capped")
    assert [x.severity for x in f] == ["info", "info"]
    msgs = sorted(x.message for x in f)
    assert ("maxAllowed cpu 8000m for container agent of Job agents/agent is unreachable: the VPA "
            "caps the recommendation to request 4 and limit 8 (cpu capped to fit Max in container "
            "LimitRange)") in msgs[0]
    assert ("maxAllowed memory 32Gi for container agent of Job agents/agent is unreachable: the "
            "VPA caps the recommendation to request 16Gi and limit 32Gi (memory capped to fit "
            "Max in container LimitRange)") in msgs[1]


def test_max_allowed_reachable(tmp_path):
    lr = LR.replace('max: {cpu: "8", memory: 32Gi}', 'max: {cpu: "16", memory: 64Gi}')
    f = check(tmp_path, join(lr, JOB, vpa(JOB_REF, "Initial", POLICY)))
    assert not only(f, "vpa/max-allowed-capped")
    assert not only(f, "vpa/max-allowed-inadmissible")


QUOTA = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: agents}
spec:
  hard: {requests.cpu: "20", requests.memory: 80Gi, limits.cpu: "12", limits.memory: 160Gi}
"""


def test_max_allowed_above_quota(tmp_path):
    f = only(check(tmp_path, join(QUOTA, JOB, vpa(JOB_REF, "Initial", POLICY))),
             "vpa/max-allowed-inadmissible")
    assert len(f) == 1 and f[0].severity == "error"
    assert "agent: requests cpu=8, memory=32Gi, limits cpu=16, memory=64Gi" in f[0].message
    assert ('pods "agent" is forbidden: exceeded quota: q, requested: limits.cpu=16, used: '
            'limits.cpu=0, limited: limits.cpu=12') in f[0].message


def test_pod_limitrange_respected_by_capping(tmp_path):
    """A Pod LimitRange max: the VPA scales the recommendation so the pod's limits fit
    (capping.go applyPodLimitRange), so the pod is admitted, and maxAllowed is reported as
    unreachable instead."""
    lr = LR.replace("type: Container", "type: Pod").replace('max: {cpu: "8", memory: 32Gi}',
                                                           'max: {memory: 48Gi}')
    f = check(tmp_path, join(lr, JOB, vpa(JOB_REF, "Initial", POLICY)))
    assert not only(f, "vpa/max-allowed-inadmissible")
    capped = only(f, "vpa/max-allowed-capped")
    assert len(capped) == 1
    assert "memory 32Gi" in capped[0].message and "request 24Gi and limit 48Gi" in capped[0].message


def test_max_allowed_inadmissible_off_mode(tmp_path):
    assert not only(check(tmp_path, join(QUOTA, JOB, vpa(JOB_REF, "Off", POLICY))),
                    "vpa/max-allowed-inadmissible")


# -- vpa/min-above-max, vpa/unknown-container, vpa/target-not-found --------------------------

def test_min_above_max(tmp_path):
    policy = ("resourcePolicy:\n  containerPolicies:\n  - containerName: web\n"
              "    minAllowed: {cpu: 200m}\n    maxAllowed: {cpu: 100m, memory: 1Gi}\n")
    f = only(check(tmp_path, join(DEPLOY, vpa(DEP_REF, "Off", policy))), "vpa/min-above-max")
    assert len(f) == 1 and f[0].severity == "error"
    assert f[0].message == (
        'admission webhook "vpa.k8s.io" denied the request: '
        'VerticalPodAutoscaler.autoscaling.k8s.io "v" is invalid: '
        'spec.resourcePolicy.containerPolicies[0].maxAllowed[cpu]: Invalid value: "100m": max '
        'resource for cpu is lower than min of "200m"')


def test_min_below_max(tmp_path):
    policy = ("resourcePolicy:\n  containerPolicies:\n  - containerName: web\n"
              "    minAllowed: {cpu: 100m}\n    maxAllowed: {cpu: 100m}\n")
    assert not only(check(tmp_path, join(DEPLOY, vpa(DEP_REF, "Off", policy))), "vpa/min-above-max")


def test_unknown_container(tmp_path):
    policy = ("resourcePolicy:\n  containerPolicies:\n  - containerName: wbe\n"
              "  - containerName: '*'\n  - containerName: web\n")
    f = only(check(tmp_path, join(DEPLOY, vpa(DEP_REF, "Off", policy))), "vpa/unknown-container")
    assert len(f) == 1 and f[0].severity == "warning"
    assert "containerPolicies[0] names container 'wbe'" in f[0].message
    assert "(containers: web)" in f[0].message


def test_target_not_found(tmp_path):
    f = only(check(tmp_path, vpa(DEP_REF)), "vpa/target-not-found")
    assert len(f) == 1 and f[0].severity == "info"
    assert "no Deployment agents/web in the checked manifests" in f[0].message
    assert not only(check(tmp_path, join(DEPLOY, vpa(DEP_REF))), "vpa/target-not-found")


# -- the spec's seed manifests -------------------------------------------------------------

def test_seed_manifests():
    docs = load([str(SHARED / "seed" / "manifests")])
    fs = [f for f in run_check(docs, schema=False).findings if f.rule.startswith("vpa/")]
    got = sorted((Path(f.file).name, f.line, f.rule, f.object.name, f.severity) for f in fs)
    assert got == [
        ("vpa-agent-pods.yaml", 7, "vpa/target-not-found", "agent-pods-vpa", "info"),
        ("vpa-agent-pods.yaml", 9, "vpa/target-ref", "agent-pods-vpa", "error"),
        ("vpa-agent-pods.yaml", 14, "vpa/update-mode-auto", "agent-pods-vpa", "warning"),
    ]
    nf = only(fs, "vpa/target-not-found")[0]
    assert "workloads in namespace agent-platform with pods labelled app=coderun" in nf.message


def test_seed_vpa_with_its_agent_pods(tmp_path):
    """The seed's VPA together with an agent Job labelled as its selector intends: Auto
    evicts mid-run (error), and maxAllowed 8 / 32Gi at the tiers' 2x limit/request ratio is
    judged against the seed's quota (limits.cpu 40, limits.memory 160Gi: fits)."""
    seed = SHARED / "seed" / "manifests"
    job = JOB.replace("namespace: agents", "namespace: agent-platform")
    (tmp_path / "job.yaml").write_text(textwrap.dedent(job))
    docs = load([str(seed / "vpa-agent-pods.yaml"), str(seed / "resourcequota.yaml"),
                 str(seed / "limitrange.yaml"), str(tmp_path / "job.yaml")])
    fs = [f for f in run_check(docs, schema=False).findings if f.rule.startswith("vpa/")]
    rules = sorted(f.rule for f in fs)
    assert "vpa/evicts-run-to-completion" in rules
    assert "vpa/target-not-found" not in rules and "vpa/max-allowed-inadmissible" not in rules


# -- the pod at maxAllowed (vpa/_common.pod_at_max_allowed) ----------------------------------

def test_pod_at_max_allowed_with_a_pod_limit_range(tmp_path):
    """With a Pod LimitRange the VPA also resizes containers that have no recommendation
    (capping.go insertRequestsForMissingRecommendations); they come after the containers
    that have a maxAllowed, and the pod written keeps everything else."""
    from provisor.check.config import Settings
    from provisor.check.context import Context
    from provisor.check.rules.vpa._common import pod_at_max_allowed

    two = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: agents}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: proxy
            image: x
            resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "1", memory: 1Gi}}
          - name: web
            image: x
            resources: {requests: {cpu: "1", memory: 2Gi}, limits: {cpu: "2", memory: 2Gi}}
    """
    lr = """
    apiVersion: v1
    kind: LimitRange
    metadata: {name: pods, namespace: agents}
    spec:
      limits:
      - type: Pod
        max: {cpu: "16", memory: 16Gi}
    """
    policy = """
    resourcePolicy:
      containerPolicies:
      - containerName: web
        maxAllowed: {cpu: "4", memory: 8Gi}
    """
    p = tmp_path / "m.yaml"
    p.write_text(join(two, lr, vpa(DEP_REF, "Initial", policy)))
    ctx = Context(list(load([str(p)])), Settings())
    v = ctx.kind("VerticalPodAutoscaler")[0]
    at = pod_at_max_allowed(ctx, v.obj, ctx.workload("Deployment", "agents", "web"))
    assert at is not None
    assert list(at.requests) == ["web", "proxy"]
    assert {k: str(q) for k, q in at.requests["web"].items()} == {"cpu": "4", "memory": "8Gi"}
    assert {k: str(q) for k, q in at.limits["web"].items()} == {"cpu": "8", "memory": "8Gi"}
    assert {k: str(q) for k, q in at.requests["proxy"].items()} == {"cpu": "500m",
                                                                      "memory": "1Gi"}
    assert at.max_allowed == {"web": {"cpu": "4", "memory": "8Gi"}}
    web = at.pod["spec"]["containers"][1]
    assert web["resources"] == {"requests": {"cpu": "4", "memory": "8Gi"},
                                "limits": {"cpu": "8", "memory": "8Gi"}}
    assert at.original["spec"]["containers"][1]["resources"]["requests"] == {
        "cpu": "1", "memory": "2Gi"}
