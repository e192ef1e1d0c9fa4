"""Where a policy departs from the spec, and why.

The spec's values (``resource-management-spec.md`` and its manifests) are embedded below as
data; the product never reads the spec at run time. ``departures(policy)`` compares the policy
(and, for what the policy does not parameterise, the rendered objects) with them, so a user's
policy gets its own list: a value equal to the spec's is not listed.

Each fact carries the reason the spec's value is wrong or risky; a fact where the spec is
fine and a user's policy simply chose otherwise gets the generic reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from provisor.policy.model import ExternalWorkload, Policy
from provisor.quantity import Quantity
from provisor.render import dashboard, monitoring
from provisor.render.autoscaling import hpa_name
from provisor.render.disruption import pdb_name


@dataclass(frozen=True, slots=True)
class Departure:
    """One departure.

    Attributes:
        field: what differs (a policy field path, or ``Kind name: field`` for object
            structure the policy does not parameterise).
        spec: the spec's value, as text.
        policy: the policy's (rendered) value, as text.
        why: why the policy's value is used.
    """

    field: str
    spec: str
    policy: str
    why: str


_GENERIC = "the policy sets a value different from the spec's"
_ABSENT = "(absent)"

# ---------------------------------------------------------------------------------------
# The spec's values
# ---------------------------------------------------------------------------------------

class _SpecRules(TypedDict):
    window: int
    policies: str


class _SpecControllerHpa(TypedDict):
    deployment: str
    namespace: str
    min_replicas: int
    max_replicas: int
    cpu_utilization: int
    memory_utilization: int
    scale_up: _SpecRules
    scale_down: _SpecRules


class _SpecPdb(TypedDict):
    name: NotRequired[str]
    selector: dict[str, str]
    min_available: int | str


class _SpecVpa(TypedDict):
    name: str
    target: str
    update_mode: str
    controlled_values: str
    controlled_resources: list[str]
    min_allowed: dict[str, str]
    max_allowed: dict[str, str]


SPEC_TIERS: dict[str, dict[str, dict[str, dict[str, str]]]] = {
    "implementation": {"claude-3-5-sonnet": {
        "requests": {"cpu": "2000m", "memory": "8Gi"}, "limits": {"cpu": "4000m", "memory": "16Gi"}}},
    "quality": {"claude-3-5-sonnet": {
        "requests": {"cpu": "1000m", "memory": "4Gi"}, "limits": {"cpu": "2000m", "memory": "8Gi"}}},
    "testing": {"claude-3-5-sonnet": {
        "requests": {"cpu": "2000m", "memory": "8Gi"}, "limits": {"cpu": "4000m", "memory": "16Gi"}}},
}
SPEC_WORKSPACES = {
    "standard": {"size": "10Gi", "storage_class": "fast-ssd", "access_mode": "ReadWriteOnce"},
    "large": {"size": "25Gi", "storage_class": "fast-ssd", "access_mode": "ReadWriteOnce"},
    "testing": {"size": "50Gi", "storage_class": "fast-ssd", "access_mode": "ReadWriteOnce"},
}
SPEC_QUOTA = {
    "requests.cpu": "20", "requests.memory": "80Gi", "limits.cpu": "40",
    "limits.memory": "160Gi", "requests.storage": "500Gi", "persistentvolumeclaims": "20",
    "pods": "30", "services": "10", "configmaps": "50", "secrets": "30",
}
SPEC_PRIORITY = {
    "agent-high-priority": {"value": 1000, "global_default": False,
                            "description": "High priority for critical agent workflows"},
    "agent-standard-priority": {"value": 500, "global_default": True,
                                "description": "Standard priority for normal agent operations"},
    "agent-low-priority": {"value": 100, "global_default": False,
                           "description": "Low priority for testing and development workflows"},
}
SPEC_CONTROLLER_HPA: _SpecControllerHpa = {
    "deployment": "coderun-controller", "namespace": "agent-platform", "min_replicas": 2,
    "max_replicas": 10, "cpu_utilization": 70, "memory_utilization": 80,
    "scale_up": {"window": 300, "policies": "Percent 100/60s"},
    "scale_down": {"window": 900, "policies": "Percent 50/60s"},
}
SPEC_ARGO_HPA = {
    "name": "argo-workflows-server-hpa", "namespace": "argo",
    "deployment": "argo-workflows-server", "min_replicas": 2, "max_replicas": 8,
    "cpu_utilization": 60, "metric_type": "Custom", "metric": "argo_workflows_running_total",
    "target": "Value 20",
}
SPEC_PDB: dict[str, _SpecPdb] = {
    "coderun_controller": {"selector": {"app": "coderun-controller"}, "min_available": 1},
    "argo_server": {"name": "argo-workflows-pdb", "selector": {"app": "argo-workflows-server"},
                    "min_available": "50%"},
}
SPEC_PDB_UNHEALTHY_POD_EVICTION_POLICY = "IfHealthyBudget (unset)"
SPEC_VPA: _SpecVpa = {
    "name": "agent-pods-vpa", "target": "v1 Pod (selector app=coderun, no name)",
    "update_mode": "Auto", "controlled_values": "RequestsAndLimits (default)",
    "controlled_resources": ["cpu", "memory"], "min_allowed": {"cpu": "100m", "memory": "128Mi"},
    "max_allowed": {"cpu": "8000m", "memory": "32Gi"},
}
SPEC_LIMITRANGE_CONTAINER: dict[str, dict[str, str]] = {
    "max": {}, "max_limit_request_ratio": {},
    "default": {"cpu": "2000m", "memory": "8Gi"},
    "default_request": {"cpu": "1000m", "memory": "4Gi"},
}
SPEC_LIMITRANGE_PVC = {"min": "1Gi", "max": "100Gi"}
SPEC_ALERTS = {
    "AgentHighCPUUsage": (
        'rate(container_cpu_usage_seconds_total{namespace="agent-platform",container="agent"}'
        "[5m]) > 0.8", "10m"),
    "AgentHighMemoryUsage": (
        'container_memory_working_set_bytes{namespace="agent-platform",container="agent"} / '
        "container_spec_memory_limit_bytes > 0.85", "5m"),
    "AgentOOMKilled": (
        'increase(kube_pod_container_status_restarts_total{namespace="agent-platform"}[5m]) > 0 '
        'and on(pod) kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
        "0m"),
    "NamespaceResourceQuotaHigh": (
        'kube_resourcequota{namespace="agent-platform",type="used"} / '
        'kube_resourcequota{namespace="agent-platform",type="hard"} > 0.8', "5m"),
}
SPEC_DASHBOARD = {
    "format": 'HTTP API wrapper {"dashboard": {...}}, no uid, no schemaVersion',
    "variables": "none (namespace hard-coded, default data source)",
    "panels": "stat, stat, bargauge; no units (memory divided by 1024^3, PVC usage x 100)",
}

# ---------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------

WHY = {
    "tier_memory": (
        "memory is incompressible: with the request below the limit the scheduler packs "
        "agents by their request while each may grow to its limit, so a node can run out of "
        "memory and agents are OOM-killed or evicted mid-run (the spec's goal is zero OOM "
        "kills). Request = limit at the spec's limit (the size it says large codebases need) "
        "removes memory overcommit; right-size from measured peaks"),
    "quota_memory": (
        "with memory request = limit, requests.memory and limits.memory measure the same "
        "amount. The spec let the namespace use 160Gi (more than the cluster's 160GB = 149Gi) "
        "while reserving 80Gi; the policy reserves what it allows, sized as planned load x "
        "1.2 (the spec's 20% buffer) and leaving the cluster headroom"),
    "quota_pvc": (
        "persistentvolumeclaims 20 and requests.storage 500Gi disagree: 20 workspaces of "
        "50Gi need 1000Gi, and at the LimitRange's 100Gi only 5 fit. With PVCs capped at "
        "50Gi, 10 x 50Gi = 500Gi: each limit is reachable and neither contradicts the other; "
        "the planned 7 workspaces x 1.2 fit"),
    "quota_sc": (
        "the spec's storage quota did not name the storage class: per-class keys bound the "
        "fast-ssd budget on their own, so a cheaper class added later cannot take from it"),
    "global_default": (
        "a globalDefault PriorityClass applies to every pod created without a "
        "priorityClassName in the whole cluster (other teams, monitoring), and only one may "
        "exist cluster-wide; a platform bundle must not set one"),
    "preemption": (
        "agents run to completion: with PreemptLowerPriority a pending higher-priority run "
        "evicts a running lower-priority run and all its work is lost, and any agent class "
        "(values 100..1000) may preempt other teams' pods of priority 0 anywhere in the "
        "cluster. Never keeps the priority order in the scheduling queue without evictions"),
    "low_description": (
        "'testing and development' reads as the testing agent (Tess), whose runs are "
        "production work; the low class is for ad-hoc/development runs and each agent's class "
        "is chosen explicitly"),
    "memory_hpa": (
        "a controller's memory (caches, informers) does not fall when replicas are added, so "
        "a memory Utilization target keeps asking for more replicas and ratchets the HPA up to "
        "maxReplicas"),
    "scale_up_window": (
        "a 300s scale-up stabilization window delays every scale-up by up to 5 minutes on "
        "top of the HPA sync and metric delay, defeating 'HPA scaling decisions within 5 "
        "minutes of load changes'; upstream's scale-up default is 0"),
    "argo_target": (
        "upstream Argo names the server Deployment argo-server (pods app: argo-server); "
        "argo-workflows-server matches nothing. The server is the component that scales "
        "horizontally: the workflow-controller uses leader election, extra replicas are "
        "standbys"),
    "argo_metric_type": (
        "'Custom' is not an HPA metric source type (Object, Pods, Resource, ContainerResource, "
        "External) and 'custom' is not a field: the API server rejects the object. A count of "
        "running workflows is an External metric served by an adapter"),
    "argo_metric_name": (
        "Argo exports no argo_workflows_running_total; running workflows are "
        "argo_workflows_gauge{phase=\"Running\"} (Argo >= 3.6; argo_workflows_count"
        "{status=\"Running\"} before)"),
    "argo_target_type": (
        "a Value target on a total that does not fall when replicas are added multiplies the "
        "replica count by total/target on every sync and runs away to maxReplicas; "
        "AverageValue sizes the server fleet to the load (one replica per N running "
        "workflows). 10 per replica keeps the spec's intent: at the 2-replica minimum a third "
        "starts above 20 running workflows"),
    "pdb_unhealthy": (
        "with the default IfHealthyBudget a crash-looping (running, not Ready) pod counts "
        "against the budget and can block node drains; AlwaysAllow lets it be evicted"),
    "pdb_argo_selector": (
        "upstream argo-server pods are labelled app: argo-server; app: argo-workflows-server "
        "selects nothing, and an empty PDB protects nothing"),
    "vpa_target": (
        "a VPA targetRef names a controller (apiVersion, kind, name), never a Pod, and has no "
        "selector field. The VPA matches a pod to the VPA naming the pod's topmost well-known "
        "or /scale-capable owner, so each agent needs a stable owner of its run Jobs (assumed: "
        "a CronJob per agent) and its own VPA: one VPA over all agents would also give "
        "every tier the same recommendation"),
    "vpa_mode": (
        "'Auto' is deprecated (treated as Recreate) and evicts running pods to apply "
        "recommendations: an agent run is run-to-completion and an eviction loses it. "
        "'Initial' applies recommendations only when a run's pod is created"),
    "vpa_max": (
        "maxAllowed 8 CPU / 32Gi is above every tier; with RequestsAndLimits the limit scales "
        "with the request (x2 for CPU), so limits could reach 16 CPU / 64Gi, above the "
        "LimitRange max and a large share of the quota. The ceiling is each agent's tier "
        "request: the VPA may right-size down, never above what the quota plan counts"),
    "vpa_resources": (
        "with memory request = limit, the VPA (RequestsAndLimits) would set the memory limit "
        "to its recommendation (a high percentile of past peaks): the runs above it would be "
        "OOM-killed. Memory is right-sized from measured peaks by changing the tier; the VPA "
        "manages CPU, which is compressible"),
    "vpa_min": (
        "a CPU floor of 100m (limit 200m at the tier's 2x) would throttle an agent that idles "
        "while waiting for the model and then builds or tests; 500m keeps a usable burst"),
    "lr_max": (
        "without a Container max there is no ceiling: one container can take the whole quota; "
        "the max is the largest tier limit"),
    "lr_ratio": (
        "without maxLimitRequestRatio nothing bounds overcommit; the ratio is the tiers' own "
        "(CPU 2x, memory 1x: no memory overcommit)"),
    "lr_default": (
        "LimitRanger fills a missing limit with the default before validation: a container "
        "that sets only a request above 2 CPU / 8Gi got a limit below its request and was "
        "rejected. Default = max admits every request up to max"),
    "lr_default_request": (
        "the default request must keep default/defaultRequest within maxLimitRequestRatio, or "
        "a container that sets nothing is rejected; a container that declares nothing is "
        "charged a large share on purpose: declare resources"),
    "lr_pvc_max": (
        "100Gi admits PVCs the quota cannot hold many of (5 x 100Gi = the whole 500Gi); the "
        "largest workspace class is 50Gi"),
    "alert_cpu": (
        "rate(container_cpu_usage_seconds_total) is in cores: '> 0.8' fires at 0.8 of a core "
        "whatever the container's size, and humanizePercentage prints 0.8 cores as 80%. The "
        "expression divides by the container's CPU limit, joined on namespace, pod, container"),
    "alert_memory": (
        "container_spec_memory_limit_bytes is 0 for a container without a limit: x/0 = +Inf "
        "and the alert fires; the divisor is now guarded with > 0, both sides are aggregated "
        "by namespace, pod, container and the right side is filtered too"),
    "alert_oom": (
        "built on restarts, the alert can never fire for agent pods: they run to completion "
        "(restartPolicy Never) and an OOM-killed agent never restarts; on(pod) also dropped "
        "the namespace from the join. The rule reads the current terminated reason, keeps it "
        "for a lookback, and uses restarts only for containers that do restart"),
    "alert_oom_for": "'for: 0m' is the default; it is omitted",
    "alert_quota": (
        "used and hard series differ in the type label: without ignoring(type) no pair matches "
        "and the alert can never fire; a hard limit of 0 would divide by zero"),
    "alert_quota_threshold": (
        "the quota is sized at planned load x 1.2, so planned peak load reaches up to 1/1.2 = "
        "83% of hard: an 80% alert fires in normal operation (the spec wants < 5% false "
        "positives); 90% still warns before admission failures"),
    "runbook": "every alert needs a runbook_url annotation for the on-call",
    "dashboard_format": (
        "the Grafana sidecar provisions the bare dashboard model; the HTTP-API wrapper "
        "{\"dashboard\": ...} is not a dashboard file. A uid keeps links stable, a "
        "schemaVersion avoids migration guesses"),
    "dashboard_vars": (
        "a data source variable lets the dashboard work on any Prometheus; a namespace "
        "variable replaces the hard-coded namespace"),
    "dashboard_panels": (
        "stat panels show one number per pod with no history; timeseries panels with units "
        "(cores, bytes, percentunit) replace the manual /1024^3 and *100 conversions"),
    "tables": (
        "the spec's tier and PVC tables are not Kubernetes objects: the bundle renders what "
        "a controller consumes, a PodTemplate per agent and a ConfigMap with the tier table "
        "and PVC templates"),
}


# ---------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------


def _qeq(a: Any, b: Any) -> bool:
    try:
        return Quantity.parse(a) == Quantity.parse(b)
    except (ValueError, TypeError):
        return a == b


def _show(v: Any) -> str:
    if v is None:
        return _ABSENT
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}" if v else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


class _Collector:
    def __init__(self) -> None:
        self.out: list[Departure] = []

    def cmp(self, field: str, spec: Any, policy: Any, why: str | None,
            eq: Callable[[Any, Any], bool] | None = None) -> None:
        if spec is None or policy is None:
            same = spec is None and policy is None
        else:
            same = (eq or (lambda a, b: a == b))(spec, policy)
        if not same:
            self.out.append(Departure(field, _show(spec), _show(policy), why or _GENERIC))

    def always(self, field: str, spec: Any, policy: Any, why: str) -> None:
        self.out.append(Departure(field, _show(spec), _show(policy), why))


def _rules_str(w: ExternalWorkload, direction: str) -> tuple[Any, Any]:
    r = getattr(w.autoscaling, direction)
    if r is None:
        return None, None
    pol = ", ".join(f"{p.type} {p.value}/{p.period_seconds}s" for p in r.policies)
    return r.stabilization_window_seconds, pol


def departures(policy: Policy) -> list[Departure]:
    """Every place where ``policy`` (rendered) departs from the spec, with the reason."""
    c = _Collector()

    # tiers
    for tname, models in SPEC_TIERS.items():
        for mname, row in models.items():
            mine = policy.tiers.get(tname, {}).get(mname)
            for kind in ("requests", "limits"):
                for res, spec_v in row[kind].items():
                    val = str(getattr(getattr(mine, kind), res)) if mine else None
                    why = None
                    if res == "memory":
                        req = mine.requests.memory if mine else None
                        lim = mine.limits.memory if mine else None
                        if req is not None and req == lim:
                            why = WHY["tier_memory"]
                    c.cmp(f"tiers.{tname}.{mname}.{kind}.{res}", spec_v, val, why, _qeq)

    # workspaces
    for wname, ws in SPEC_WORKSPACES.items():
        ws_mine = policy.workspace_classes.get(wname)
        for key, spec_v in ws.items():
            val = None if ws_mine is None else (
                str(ws_mine.size) if key == "size" else getattr(ws_mine, key))
            c.cmp(f"workspace_classes.{wname}.{key}", spec_v, val, None, _qeq)

    # quota
    hard = policy.quota.hard
    for key, spec_v in SPEC_QUOTA.items():
        why = {"requests.memory": WHY["quota_memory"], "limits.memory": WHY["quota_memory"],
               "persistentvolumeclaims": WHY["quota_pvc"]}.get(key)
        c.cmp(f"quota.hard.{key}", spec_v, str(hard[key]) if key in hard else None, why, _qeq)
    for key in sorted(set(hard) - set(SPEC_QUOTA)):
        c.always(f"quota.hard.{key}", None, str(hard[key]),
                 WHY["quota_sc"] if ".storageclass.storage.k8s.io/" in key else _GENERIC)

    # priority classes
    for name, spec_pc in SPEC_PRIORITY.items():
        pc_mine = policy.priority_classes.get(name)
        if pc_mine is None:
            c.always(f"priority_classes.{name}", "defined", _ABSENT, _GENERIC)
            continue
        c.cmp(f"priority_classes.{name}.value", spec_pc["value"], pc_mine.value, None)
        c.cmp(f"priority_classes.{name}.global_default", spec_pc["global_default"],
              pc_mine.global_default, WHY["global_default"] if spec_pc["global_default"] else None)
        c.cmp(f"priority_classes.{name}.preemption_policy", "PreemptLowerPriority (default)",
              pc_mine.preemption_policy,
              WHY["preemption"] if pc_mine.preemption_policy == "Never" else None,
              lambda a, b: b == "PreemptLowerPriority")
        c.cmp(f"priority_classes.{name}.description", spec_pc["description"], pc_mine.description,
              WHY["low_description"] if name == "agent-low-priority" else None)

    # coderun controller HPA
    cc = policy.coderun_controller
    s = SPEC_CONTROLLER_HPA
    c.cmp("coderun_controller.deployment.name", s["deployment"], cc.deployment.name, None)
    c.cmp("coderun_controller.deployment.namespace", s["namespace"], cc.deployment.namespace,
          None)
    c.cmp("coderun_controller.autoscaling.min_replicas", s["min_replicas"],
          cc.autoscaling.min_replicas, None)
    c.cmp("coderun_controller.autoscaling.max_replicas", s["max_replicas"],
          cc.autoscaling.max_replicas, None)
    c.cmp("coderun_controller.autoscaling.cpu_utilization", s["cpu_utilization"],
          cc.autoscaling.cpu_utilization, None)
    c.cmp("coderun_controller.autoscaling.memory_utilization", s["memory_utilization"],
          cc.autoscaling.memory_utilization,
          WHY["memory_hpa"] if cc.autoscaling.memory_utilization is None else None)
    for direction, spec_rules in (("scale_up", s["scale_up"]), ("scale_down", s["scale_down"])):
        window, pols = _rules_str(cc, direction)
        c.cmp(f"coderun_controller.autoscaling.{direction}.stabilization_window_seconds",
              spec_rules["window"], window,
              WHY["scale_up_window"] if direction == "scale_up" else None)
        c.cmp(f"coderun_controller.autoscaling.{direction}.policies", spec_rules["policies"],
              pols, None)

    # Argo HPA
    argo = policy.argo_server
    a = SPEC_ARGO_HPA
    c.cmp("argo_server.deployment.name", a["deployment"], argo.deployment.name,
          WHY["argo_target"])
    c.cmp("argo_server.deployment.namespace", a["namespace"], argo.deployment.namespace, None)
    c.cmp(f"HorizontalPodAutoscaler {a['namespace']}/{a['name']}: metadata.name", a["name"],
          hpa_name(argo), "named after the Deployment it scales (argo-server)")
    for key in ("min_replicas", "max_replicas", "cpu_utilization"):
        c.cmp(f"argo_server.autoscaling.{key}", a[key], getattr(argo.autoscaling, key), None)
    ext = argo.autoscaling.external
    c.cmp("argo_server.autoscaling.external (metric source type)", a["metric_type"],
          "External" if ext else None, WHY["argo_metric_type"])
    if ext is not None:
        sel = ",".join(f'{k}="{v}"' for k, v in sorted(ext.selector.items()))
        c.cmp("argo_server.autoscaling.external.metric", a["metric"],
              ext.metric + (f"{{{sel}}}" if sel else ""), WHY["argo_metric_name"])
        c.cmp("argo_server.autoscaling.external.average_value_per_replica", a["target"],
              f"AverageValue {ext.average_value_per_replica}", WHY["argo_target_type"])

    # PDBs
    for key, w in policy.external_workloads():
        sp = SPEC_PDB[key]
        c.cmp(f"{key}.deployment.pod_labels (PDB selector)", sp["selector"],
              dict(w.deployment.pod_labels),
              WHY["pdb_argo_selector"] if key == "argo_server" else None)
        c.cmp(f"{key}.disruption_budget.min_available", sp["min_available"],
              w.disruption_budget.min_available, None)
        c.cmp(f"{key}.disruption_budget.unhealthy_pod_eviction_policy",
              SPEC_PDB_UNHEALTHY_POD_EVICTION_POLICY,
              w.disruption_budget.unhealthy_pod_eviction_policy,
              WHY["pdb_unhealthy"]
              if w.disruption_budget.unhealthy_pod_eviction_policy == "AlwaysAllow" else None,
              lambda s_, p_: p_ == "IfHealthyBudget")
        if "name" in sp:
            c.cmp(f"PodDisruptionBudget {w.deployment.namespace}/{sp['name']}: metadata.name",
                  sp["name"], pdb_name(w), "named after the Deployment it protects")

    # VPA
    v = policy.agent_vpa
    v_spec = SPEC_VPA
    c.always("agent_vpa (VerticalPodAutoscaler agent-pods-vpa)", "one VPA, " + v_spec["target"],
             f"one VPA per agent, targetRef {v.target.api_version} {v.target.kind} "
             f"{v.target.name}", WHY["vpa_target"])
    c.cmp("agent_vpa.update_mode", v_spec["update_mode"], v.update_mode, WHY["vpa_mode"])
    c.cmp("agent_vpa.controlled_values", "RequestsAndLimits", v.controlled_values, None)
    c.cmp("agent_vpa.controlled_resources", v_spec["controlled_resources"],
          list(v.controlled_resources),
          WHY["vpa_resources"] if "memory" not in v.controlled_resources else None)
    c.cmp("agent_vpa.min_allowed", v_spec["min_allowed"],
          {k: str(q) for k, q in sorted(v.min_allowed.items())},
          WHY["vpa_min"], lambda s_, p_: set(s_) == set(p_) and all(
              _qeq(s_[k], p_[k]) for k in s_))
    mx = "each agent's tier requests" if v.max_allowed is None else {
        k: str(q) for k, q in sorted(v.max_allowed.items())}
    c.cmp("agent_vpa.max_allowed", v_spec["max_allowed"], mx, WHY["vpa_max"],
          lambda s_, p_: isinstance(p_, dict) and set(s_) == set(p_) and all(
              _qeq(s_[k], p_[k]) for k in s_))

    # LimitRange
    lr = policy.limit_range
    ct = lr.container
    for key, values, why in (
            ("max", ct.max, WHY["lr_max"]),
            ("max_limit_request_ratio", ct.max_limit_request_ratio, WHY["lr_ratio"]),
            ("default", ct.effective_default(), WHY["lr_default"]),
            ("default_request", ct.effective_default_request(), WHY["lr_default_request"])):
        spec_lr = SPEC_LIMITRANGE_CONTAINER[key]
        lr_mine = {k: str(q) for k, q in sorted(values.items())}
        c.cmp(f"limit_range.container.{key}", spec_lr or None, lr_mine or None, why,
              lambda s_, p_: set(s_) == set(p_) and all(_qeq(s_[k], p_[k]) for k in s_))
    c.cmp("limit_range.pvc.min", SPEC_LIMITRANGE_PVC["min"], str(lr.pvc.min), None, _qeq)
    c.cmp("limit_range.pvc.max", SPEC_LIMITRANGE_PVC["max"], str(lr.pvc.max),
          WHY["lr_pvc_max"], _qeq)

    # alerts
    al = policy.alerts
    exprs = {"AgentHighCPUUsage": (monitoring.cpu_expr(policy), al.cpu.for_, WHY["alert_cpu"]),
             "AgentHighMemoryUsage": (monitoring.memory_expr(policy), al.memory.for_,
                                      WHY["alert_memory"]),
             "AgentOOMKilled": (monitoring.oom_expr(policy), None, WHY["alert_oom"]),
             "NamespaceResourceQuotaHigh": (monitoring.quota_expr(policy), al.quota.for_,
                                            WHY["alert_quota"])}
    for alert, (expr, for_, why) in exprs.items():
        spec_expr, spec_for = SPEC_ALERTS[alert]
        c.cmp(f"PrometheusRule {al.rule_name}: {alert}.expr", spec_expr,
              " ".join(expr.split()), why, lambda s_, p_: " ".join(s_.split()) == p_)
        if alert == "AgentOOMKilled":
            c.always(f"PrometheusRule {al.rule_name}: {alert}.for", spec_for, _ABSENT,
                     WHY["alert_oom_for"])
        else:
            c.cmp(f"PrometheusRule {al.rule_name}: {alert}.for", spec_for, for_, None)
    c.cmp("alerts.quota.threshold", 0.8, al.quota.threshold,
          WHY["alert_quota_threshold"])
    c.cmp("alerts.cpu.threshold", 0.8, al.cpu.threshold, None)
    c.cmp("alerts.memory.threshold", 0.85, al.memory.threshold, None)
    c.always(f"PrometheusRule {al.rule_name}: annotations.runbook_url", None,
             monitoring.runbook_url(policy, "<Alert>"), WHY["runbook"])

    # dashboard and tables: structure the policy does not parameterise
    c.always("Grafana dashboard: format", SPEC_DASHBOARD["format"],
             f"bare model in ConfigMap {policy.dashboard.namespace}/"
             f"{policy.dashboard.configmap_name}, uid {policy.dashboard.uid}, schemaVersion "
             f"{dashboard.SCHEMA_VERSION} (built with grafana-foundation-sdk)",
             WHY["dashboard_format"])
    c.always("Grafana dashboard: variables", SPEC_DASHBOARD["variables"],
             "datasource and namespace variables", WHY["dashboard_vars"])
    c.always("Grafana dashboard: panels", SPEC_DASHBOARD["panels"],
             "rows of timeseries and stat panels with units (cores, bytes, percentunit, s): "
             "the spec's three plus quota, throttling, OOM kills, HPA, VPA, PDB, queue and "
             "the spec's success metrics", WHY["dashboard_panels"])
    c.always("agent_resource_specs / pvc_specifications", "YAML tables (not objects)",
             "PodTemplate per agent + ConfigMap agent-resource-tiers", WHY["tables"])
    return c.out
