"""The PrometheusRule (monitoring.coreos.com/v1): recording rules and alerting rules.

Two groups:

* ``<group>.recording``: recording rules named by the Prometheus convention
  ``level:metric:operations`` (docs/practices/rules.md), per pod and container of the
  platform namespace (what the alerts read), and per agent class and container (what the
  dashboards and the right-sizing work read): CPU usage rate (cores), working set (bytes),
  throttling ratio, CPU and memory requests and limits. The agent class comes from the pod
  label ``provisor.dev/agent`` as kube-state-metrics exports it (``kube_pod_labels``,
  ``label_provisor_dev_agent``: needs ``--metric-labels-allowlist=pods=[provisor.dev/agent]``).
* ``<group>``: the spec's four alerts (corrected) and the ones the spec needs but lacks.

Facts the expressions rest on:

* CPU: ``rate(container_cpu_usage_seconds_total[5m])`` is in cores. cAdvisor also exports a
  pod-level cgroup series (``container=""``) and the pause container (``container="POD"``):
  both are excluded before any sum.
* Memory: ``container_memory_working_set_bytes`` is what the kubelet and the OOM killer act
  on; a limit series can be 0 or absent for a container without a limit, so every division
  by a limit is guarded with ``> 0`` (x/0 = +Inf would fire).
* OOM kills: a run-to-completion container (restartPolicy Never) that is OOM-killed never
  restarts, so its restart counter and ``last_terminated_reason`` never move; its *current*
  state is terminated with reason OOMKilled (kube-state-metrics
  ``kube_pod_container_status_terminated_reason``, ``internal/store/pod.go``).
  ``max_over_time`` keeps the kill visible for the lookback after the pod is deleted.
  Containers that restart are caught by the second arm.
* Quota: ``kube_resourcequota`` ``type="used"`` and ``type="hard"`` differ only in ``type``
  (``ignoring(type)``); a hard limit of 0 is excluded. Quota rejections: the API server's
  admission histogram ``apiserver_admission_controller_admission_duration_seconds`` has a
  ``rejected`` label per admission plugin (``name="ResourceQuota"``;
  staging/src/k8s.io/apiserver/pkg/admission/metrics/metrics.go). It has no namespace label:
  the alert is cluster-wide.
* Throttling: cAdvisor's ``container_cpu_cfs_throttled_periods_total`` over
  ``container_cpu_cfs_periods_total`` (CFS periods of 100 ms), both counters.
* Workspace volumes: the kubelet's ``kubelet_volume_stats_*`` gauges
  (pkg/kubelet/metrics/collectors/volume_stats.go); ``predict_linear`` on the used bytes
  (a gauge) against the capacity gives the time-to-full.
* HPA: kube-state-metrics ``kube_horizontalpodautoscaler_status_current_replicas``,
  ``..._spec_max_replicas`` and ``..._status_condition{condition="ScalingActive"}``.
* VPA: the recommendation series of kube-state-metrics < 2.9 (or a CustomResourceState
  config reproducing them; prefix in the policy): the uncapped target above the (capped)
  target means maxAllowed holds the recommendation back.
* PDB: ``kube_poddisruptionbudget_status_current_healthy`` below ``..._desired_healthy``.

Every alert has a ``severity`` label and ``summary`` / ``description`` / ``runbook_url``
annotations; ``for`` is omitted when zero (the default). Thresholds and holds come from the
policy (``alerts``), with their reasons in the policy file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from provisor.policy.model import ExternalWorkload, Policy, duration_seconds
from provisor.render.common import base_labels, meta, obj
from provisor.render.tiers import AGENT_CONTAINER

_POD = "namespace, pod"
_PC = "namespace, pod, container"
_ON = f"on ({_PC})"
_BY = f"by ({_PC})"
_REAL = 'container!="", container!="POD"'

# -- recording rule names (level:metric:operations) ------------------------------------------
CPU_RATE = "namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"
WORKING_SET = "namespace_pod_container:container_memory_working_set_bytes:max"
THROTTLED = "namespace_pod_container:container_cpu_cfs_throttled_periods:ratio"
CPU_REQUESTS = "namespace_pod_container_cpu:kube_pod_container_resource_requests:sum"
MEMORY_REQUESTS = "namespace_pod_container_memory:kube_pod_container_resource_requests:sum"
CPU_LIMITS = "namespace_pod_container_cpu:kube_pod_container_resource_limits:sum"
MEMORY_LIMITS = "namespace_pod_container_memory:kube_pod_container_resource_limits:sum"
#: per agent class and container
AGENT_CPU_RATE = "namespace_agent_container:container_cpu_usage_seconds_total:sum_rate5m"
AGENT_WORKING_SET = "namespace_agent_container:container_memory_working_set_bytes:max"
AGENT_THROTTLED = "namespace_agent_container:container_cpu_cfs_throttled_periods:ratio"
AGENT_CPU_REQUESTS = "namespace_agent_container_cpu:kube_pod_container_resource_requests:sum"
AGENT_MEMORY_REQUESTS = (
    "namespace_agent_container_memory:kube_pod_container_resource_requests:sum")
AGENT_CPU_LIMITS = "namespace_agent_container_cpu:kube_pod_container_resource_limits:sum"
AGENT_MEMORY_LIMITS = "namespace_agent_container_memory:kube_pod_container_resource_limits:sum"

#: kube-state-metrics label carrying the pod label ``provisor.dev/agent``.
AGENT_POD_LABEL = "label_provisor_dev_agent"


def _eq(label: str, value: str) -> str:
    return f'{label}="{value}"'


_NONEMPTY_AGENT = f'{AGENT_POD_LABEL}!=""'
_AGENT_C = _eq("container", AGENT_CONTAINER)
_QUOTA_RES = 'resource=~"requests.cpu|requests.memory"'


def _sel(*matchers: str) -> str:
    return "{" + ", ".join(m for m in matchers if m) + "}"


def _ns(policy: Policy) -> str:
    return f'namespace="{policy.namespace.name}"'


def agent_join(ns_matcher: str) -> str:
    """``* on(namespace, pod) group_left(agent)`` with the pod's agent class (from
    ``kube_pod_labels`` selected by ``ns_matcher``, e.g. ``namespace="agent-platform"``)."""
    return (f"* on ({_POD}) group_left (agent)\n"
            f"  max by ({_POD}, agent) (\n"
            f"    label_replace(kube_pod_labels{_sel(ns_matcher, _NONEMPTY_AGENT)},"
            f' "agent", "$1", "{AGENT_POD_LABEL}", "(.+)")\n'
            f"  )")


def recording_rules(policy: Policy) -> list[dict[str, Any]]:
    """The recording rules, per pod and container, then per agent class and container."""
    ns = _ns(policy)
    per_pod = [
        (CPU_RATE, f"sum {_BY} (\n"
                   f"  rate(container_cpu_usage_seconds_total{_sel(ns, _REAL)}[5m])\n)\n"),
        (WORKING_SET, f"max {_BY} (\n"
                      f"  container_memory_working_set_bytes{_sel(ns, _REAL)}\n)\n"),
        (THROTTLED, f"sum {_BY} (\n"
                    f"  increase(container_cpu_cfs_throttled_periods_total{_sel(ns, _REAL)}[5m])"
                    f"\n)\n/ {_ON}\n(\n  sum {_BY} (\n"
                    f"    increase(container_cpu_cfs_periods_total{_sel(ns, _REAL)}[5m])\n"
                    f"  ) > 0\n)\n"),
    ]
    for name, series, res in ((CPU_REQUESTS, "requests", "cpu"),
                              (MEMORY_REQUESTS, "requests", "memory"),
                              (CPU_LIMITS, "limits", "cpu"), (MEMORY_LIMITS, "limits", "memory")):
        per_pod.append((name, f"sum {_BY} (\n  kube_pod_container_resource_{series}"
                              f"{_sel(ns, _eq('resource', res))}\n)\n"))
    join = agent_join(ns)
    by_agent = "by (namespace, agent, container)"
    per_agent = [
        (AGENT_CPU_RATE, f"sum {by_agent} (\n  {CPU_RATE}\n  {join}\n)\n"),
        (AGENT_WORKING_SET, f"max {by_agent} (\n  {WORKING_SET}\n  {join}\n)\n"),
        (AGENT_THROTTLED,
         f"sum {by_agent} (\n"
         f"  sum {_BY} (increase(container_cpu_cfs_throttled_periods_total{_sel(ns, _REAL)}[5m]))"
         f"\n  {join}\n)\n/ on (namespace, agent, container)\n(\n  sum {by_agent} (\n"
         f"    sum {_BY} (increase(container_cpu_cfs_periods_total{_sel(ns, _REAL)}[5m]))\n"
         f"    {join}\n  ) > 0\n)\n"),
        (AGENT_CPU_REQUESTS, f"sum {by_agent} (\n  {CPU_REQUESTS}\n  {join}\n)\n"),
        (AGENT_MEMORY_REQUESTS, f"sum {by_agent} (\n  {MEMORY_REQUESTS}\n  {join}\n)\n"),
        (AGENT_CPU_LIMITS, f"sum {by_agent} (\n  {CPU_LIMITS}\n  {join}\n)\n"),
        (AGENT_MEMORY_LIMITS, f"sum {by_agent} (\n  {MEMORY_LIMITS}\n  {join}\n)\n"),
    ]
    return [{"record": name, "expr": expr} for name, expr in (*per_pod, *per_agent)]


# -- alert expressions -------------------------------------------------------------------------

def _agent(metric: str) -> str:
    return f'{metric}{{container="{AGENT_CONTAINER}"}}'


def cpu_expr(policy: Policy) -> str:
    """CPU usage as a fraction of the agent container's CPU limit (or request)."""
    a = policy.alerts.cpu
    divisor = CPU_LIMITS if a.relative_to == "limit" else CPU_REQUESTS
    return (f"{_agent(CPU_RATE)}\n/ {_ON}\n({_agent(divisor)} > 0)\n> {a.threshold:g}\n")


def cpu_request_expr(policy: Policy) -> str:
    """CPU usage as a multiple of the agent container's CPU request."""
    a = policy.alerts.cpu_request
    return (f"{_agent(CPU_RATE)}\n/ {_ON}\n({_agent(CPU_REQUESTS)} > 0)\n> {a.threshold:g}\n")


def memory_expr(policy: Policy) -> str:
    """Working set as a fraction of the agent container's memory limit (cAdvisor's limit:
    0 for a container without one, hence ``> 0``)."""
    a = policy.alerts.memory
    ns = _ns(policy)
    return (f"{_agent(WORKING_SET)}\n/ {_ON}\n(\n"
            f"  max {_BY} (container_spec_memory_limit_bytes"
            f"{_sel(ns, _AGENT_C)}) > 0\n)\n"
            f"> {a.threshold:g}\n")


def throttling_expr(policy: Policy) -> str:
    """Throttled CFS periods / periods per container of the namespace."""
    return f"{THROTTLED}\n> {policy.alerts.throttling.threshold:g}\n"


def oom_expr(policy: Policy) -> str:
    """An OOM kill in the namespace within the lookback (any container)."""
    ns, lb = _ns(policy), policy.alerts.oom.lookback
    oom = 'reason="OOMKilled"'
    return (
        f"(\n"
        f"  max {_BY} (\n"
        f"    max_over_time(kube_pod_container_status_terminated_reason{_sel(ns, oom)}[{lb}])\n"
        f"  ) == 1\n"
        f")\n"
        f"or\n"
        f"(\n"
        f"  max {_BY} (kube_pod_container_status_last_terminated_reason{_sel(ns, oom)}) == 1\n"
        f"  and {_ON}\n"
        f"  max {_BY} (increase(kube_pod_container_status_restarts_total{_sel(ns)}[{lb}])) > 0\n"
        f")\n")


def quota_expr(policy: Policy) -> str:
    """Used / hard of every quota resource in the namespace."""
    ns, a = _ns(policy), policy.alerts.quota
    return (
        f"kube_resourcequota{_sel(ns, _eq('type', 'used'))}\n"
        f"/ ignoring (type)\n"
        f"(kube_resourcequota{_sel(ns, _eq('type', 'hard'))} > 0)\n"
        f"> {a.threshold:g}\n")


def quota_rejections_expr(policy: Policy) -> str:
    """Object creations the ResourceQuota admission plugin rejected within the lookback
    (cluster-wide, from the API server), or pod creations the coderun controller counted as
    refused by quota in the namespace (``provisor_quota_rejections_total``, which the twin
    records too)."""
    lb = policy.alerts.quota_rejections.lookback
    return (
        "sum by (resource) (\n"
        "  increase(apiserver_admission_controller_admission_duration_seconds_count"
        '{name="ResourceQuota", operation="CREATE", rejected="true"}'
        f"[{lb}])\n"
        ") > 0\n"
        "or\n"
        f"sum by (namespace) (increase(provisor_quota_rejections_total{_sel(_ns(policy))}[{lb}]))"
        " > 0\n")


def pvc_usage_expr(policy: Policy) -> str:
    """Used / capacity of every PVC in the namespace."""
    ns = _ns(policy)
    by = "by (namespace, persistentvolumeclaim)"
    return (f"max {by} (kubelet_volume_stats_used_bytes{_sel(ns)})\n"
            f"/ on (namespace, persistentvolumeclaim)\n"
            f"(max {by} (kubelet_volume_stats_capacity_bytes{_sel(ns)}) > 0)\n"
            f"> {policy.alerts.pvc_usage.threshold:g}\n")


def pvc_filling_expr(policy: Policy) -> str:
    """A PVC at least ``min_usage`` used whose used bytes, extrapolated ``horizon`` ahead
    by ``predict_linear`` over the last ``window``, reach its capacity (the kubelet's used
    and capacity gauges; ``available`` is left out: it also counts filesystem reserve)."""
    ns, a = _ns(policy), policy.alerts.pvc_filling
    by = "by (namespace, persistentvolumeclaim)"
    on = "on (namespace, persistentvolumeclaim)"
    horizon = int(duration_seconds(a.horizon))
    return (f"(\n"
            f"  max {by} (kubelet_volume_stats_used_bytes{_sel(ns)})\n"
            f"  / {on}\n"
            f"  (max {by} (kubelet_volume_stats_capacity_bytes{_sel(ns)}) > 0)\n"
            f") > {a.min_usage:g}\n"
            f"and {on}\n"
            f"(\n"
            f"  max {by} (\n"
            f"    predict_linear(kubelet_volume_stats_used_bytes{_sel(ns)}[{a.window}], "
            f"{horizon})\n"
            f"  )\n"
            f"  >= {on}\n"
            f"  max {by} (kubelet_volume_stats_capacity_bytes{_sel(ns)})\n"
            f")\n")


def _hpa_sel(policy: Policy, w: ExternalWorkload, *extra: str) -> str:
    from provisor.render.autoscaling import hpa_name

    return _sel(f'namespace="{w.deployment.namespace}"',
                f'horizontalpodautoscaler="{hpa_name(w)}"', *extra)


def hpa_maxed_expr(policy: Policy) -> str:
    """The platform's HPAs running at their maxReplicas."""
    on = "on (namespace, horizontalpodautoscaler)"
    by = "max by (namespace, horizontalpodautoscaler)"
    parts = [f"(\n  {by} (kube_horizontalpodautoscaler_status_current_replicas"
             f"{_hpa_sel(policy, w)})\n"
             f"  >= {on}\n"
             f"  {by} (kube_horizontalpodautoscaler_spec_max_replicas{_hpa_sel(policy, w)})\n)"
             for _, w in policy.external_workloads()]
    return "\nor\n".join(parts) + "\n"


def hpa_inactive_expr(policy: Policy) -> str:
    """The platform's HPAs whose ScalingActive condition is False."""
    cond = ('condition="ScalingActive"', 'status="false"')
    parts = [f"kube_horizontalpodautoscaler_status_condition{_hpa_sel(policy, w, *cond)} == 1"
             for _, w in policy.external_workloads()]
    return "\nor\n".join(parts) + "\n"


def _vpa(policy: Policy, what: str) -> str:
    return (f"{policy.alerts.vpa_metric_prefix}_status_recommendation_containerrecommendations_"
            f"{what}")


def vpa_capped_expr(policy: Policy) -> str:
    """An agent VPA whose uncapped target is above its target: maxAllowed caps it."""
    from provisor.render.autoscaling import vpa_name

    names = "|".join(sorted(vpa_name(policy, a) for a in policy.agents))
    sel = _sel(_ns(policy), f'verticalpodautoscaler=~"{names}"',
               f'container="{AGENT_CONTAINER}"')
    key = "namespace, verticalpodautoscaler, container, resource"
    return (f"max by ({key}) ({_vpa(policy, 'uncappedtarget')}{sel})\n"
            f"> on ({key})\n"
            f"max by ({key}) ({_vpa(policy, 'target')}{sel})\n")


def vpa_quota_expr(policy: Policy) -> str:
    """The agents' VPA targets times their max concurrency, summed, above the quota's
    ``requests.<resource>`` hard limit less what the rest of the planned load (the
    controller at maxReplicas) takes."""
    from provisor.render.autoscaling import vpa_name

    planned = policy.planned_demand()
    terms = []
    for agent in sorted(policy.agents):
        n = policy.agents[agent].max_concurrency
        sel = _sel(_ns(policy), f'verticalpodautoscaler="{vpa_name(policy, agent)}"',
                   f'container="{AGENT_CONTAINER}"', 'resource=~"cpu|memory"')
        terms.append(f"    max by (namespace, verticalpodautoscaler, resource) "
                     f"({_vpa(policy, 'target')}{sel}) * {n}")
    others = []
    for res in ("cpu", "memory"):
        agents_part = 0
        for agent in policy.agents:
            tier = policy.tier_of(agent)
            q = tier.requests.get(res)
            amount = q.milli_value() if res == "cpu" else q.int_value()
            agents_part += amount * policy.agents[agent].max_concurrency
        rest = planned.get(f"requests.{res}", 0) - agents_part
        value = rest / 1000 if res == "cpu" else rest
        others.append(f'label_replace(vector({value:g}), "resource", "requests.{res}", "", "")')
    return ("sum by (namespace, resource) (\n"
            "  label_replace(\n"
            + "\n    or\n".join(terms) + ",\n"
            '    "resource", "requests.$1", "resource", "(.*)")\n'
            ")\n"
            "> on (namespace, resource)\n"
            "(\n"
            f"  max by (namespace, resource) (kube_resourcequota"
            f"{_sel(_ns(policy), _eq('type', 'hard'), _QUOTA_RES)})"
            "\n  - ignoring (namespace) group_left ()\n"
            "  (\n    " + "\n    or\n    ".join(others) + "\n  )\n"
            ")\n")


def pod_pending_expr(policy: Policy) -> str:
    """Agent pods (pods with an ``agent`` container) in phase Pending."""
    ns = _ns(policy)
    return (f"max by ({_POD}) (kube_pod_status_phase{_sel(ns, _eq('phase', 'Pending'))}) == 1\n"
            f"and on ({_POD})\n"
            f"max by ({_POD}) (kube_pod_container_resource_requests"
            f"{_sel(ns, _AGENT_C)})\n")


def controller_availability_expr(policy: Policy) -> str:
    """The platform's PDBs with fewer healthy pods than they require."""
    from provisor.render.disruption import pdb_name

    on = "on (namespace, poddisruptionbudget)"
    parts = []
    for _, w in policy.external_workloads():
        sel = _sel(f'namespace="{w.deployment.namespace}"',
                   f'poddisruptionbudget="{pdb_name(w)}"')
        by = "min by (namespace, poddisruptionbudget)"
        parts.append(f"(\n  {by} (kube_poddisruptionbudget_status_current_healthy{sel})\n"
                     f"  < {on}\n  max by (namespace, poddisruptionbudget) "
                     f"(kube_poddisruptionbudget_status_desired_healthy{sel})\n)")
    return "\nor\n".join(parts) + "\n"


# -- the alerts --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertSpec:
    """One rendered alert: name, expression, hold, severity, annotations, and the incident
    kinds (the twin's ground truth) it is meant to catch."""

    alert: str
    expr: str
    for_: str | None
    severity: str
    summary: str
    description: str
    incidents: tuple[str, ...]


#: The spec's original alert names (kept).
SPEC_ALERTS = ("AgentHighCPUUsage", "AgentHighMemoryUsage", "AgentOOMKilled",
               "NamespaceResourceQuotaHigh")


def alert_specs(policy: Policy) -> list[AlertSpec]:
    """Every alert, the spec's four first."""
    al = policy.alerts
    basis = al.cpu.relative_to
    return [
        AlertSpec("AgentHighCPUUsage", cpu_expr(policy), al.cpu.for_, al.cpu.severity,
                  f"Agent container CPU usage is close to its CPU {basis}",
                  f"Agent {{{{ $labels.pod }}}} uses {{{{ $value | humanizePercentage }}}} of "
                  f"its CPU {basis}" + ("; at 100% it is throttled." if basis == "limit" else
                                        "; above 100% it uses CPU it did not reserve."),
                  ("cpu-high",)),
        AlertSpec("AgentHighMemoryUsage", memory_expr(policy), al.memory.for_,
                  al.memory.severity, "Agent container memory is close to its limit",
                  "Agent {{ $labels.pod }} working set is {{ $value | humanizePercentage }} of "
                  "its memory limit; above the limit the container is OOM-killed.",
                  ("memory-high",)),
        AlertSpec("AgentOOMKilled", oom_expr(policy), None, al.oom.severity,
                  "A container was killed for running out of memory",
                  "Container {{ $labels.container }} of pod {{ $labels.pod }} in "
                  "{{ $labels.namespace }} was OOM-killed (within the last "
                  f"{al.oom.lookback}).", ("oom-kill",)),
        AlertSpec("NamespaceResourceQuotaHigh", quota_expr(policy), al.quota.for_,
                  al.quota.severity, "Namespace resource quota usage is high",
                  "{{ $labels.resource }} quota usage is {{ $value | humanizePercentage }} in "
                  "namespace {{ $labels.namespace }}; new pods fail admission at 100%.",
                  ("quota-high",)),
        AlertSpec("ResourceQuotaRejections", quota_rejections_expr(policy), None,
                  al.quota_rejections.severity,
                  "The ResourceQuota admission plugin rejected object creations",
                  "{{ $value | humanize }} creation(s) exceeded a ResourceQuota in the last "
                  f"{al.quota_rejections.lookback}; the runs they belong to failed or wait.",
                  ("quota-rejection",)),
        AlertSpec("AgentCPUThrottlingHigh", throttling_expr(policy), al.throttling.for_,
                  al.throttling.severity, "A container is CPU-throttled",
                  "Container {{ $labels.container }} of pod {{ $labels.pod }} was throttled in "
                  "{{ $value | humanizePercentage }} of its CFS periods; it runs slower than "
                  "its demand.", ("cpu-throttled",)),
        AlertSpec("AgentCPUAboveRequest", cpu_request_expr(policy), al.cpu_request.for_,
                  al.cpu_request.severity, "Agent container CPU usage is above its request",
                  "Agent {{ $labels.pod }} uses {{ $value | humanize }} times its CPU request; "
                  "it relies on CPU nobody reserved for it.", ("cpu-above-request",)),
        AlertSpec("WorkspacePVCUsageHigh", pvc_usage_expr(policy), al.pvc_usage.for_,
                  al.pvc_usage.severity, "A workspace volume is almost full",
                  "PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is "
                  "{{ $value | humanizePercentage }} full; writes fail at 100%.",
                  ("pvc-full",)),
        AlertSpec("WorkspacePVCFillingUp", pvc_filling_expr(policy), al.pvc_filling.for_,
                  al.pvc_filling.severity, "A workspace volume will be full soon",
                  "PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is "
                  "{{ $value | humanizePercentage }} full and, at the rate of the last "
                  f"{al.pvc_filling.window}, full within {al.pvc_filling.horizon}.",
                  ("pvc-full",)),
        AlertSpec("PlatformHPAMaxedOut", hpa_maxed_expr(policy), al.hpa_maxed.for_,
                  al.hpa_maxed.severity, "An HPA of the platform runs at its maxReplicas",
                  "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run "
                  f"at maxReplicas ({{{{ $value }}}}) for {al.hpa_maxed.for_}; more load is "
                  "not absorbed.", ("hpa-maxed",)),
        AlertSpec("PlatformHPAScalingInactive", hpa_inactive_expr(policy),
                  al.hpa_inactive.for_, al.hpa_inactive.severity,
                  "An HPA of the platform cannot scale",
                  "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} reports "
                  "ScalingActive=False: it cannot compute its metrics and does not scale.",
                  ("hpa-inactive",)),
        AlertSpec("AgentVPARecommendationCapped", vpa_capped_expr(policy), al.vpa_capped.for_,
                  al.vpa_capped.severity, "An agent VPA recommendation is capped by maxAllowed",
                  "VPA {{ $labels.verticalpodautoscaler }} recommends more "
                  "{{ $labels.resource }} than its maxAllowed lets it set.",
                  ("vpa-capped",)),
        AlertSpec("AgentVPARecommendationExceedsQuota", vpa_quota_expr(policy),
                  al.vpa_capped.for_, al.vpa_capped.severity,
                  "The agents' VPA recommendations do not fit the quota",
                  "At max concurrency the VPA targets need {{ $value | humanize }} "
                  "{{ $labels.resource }} more than the quota leaves for agents in "
                  "{{ $labels.namespace }}.", ("vpa-over-quota",)),
        AlertSpec("AgentPodPendingTooLong", pod_pending_expr(policy), al.pod_pending.for_,
                  al.pod_pending.severity, "An agent pod has been Pending too long",
                  "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Pending for more "
                  f"than {al.pod_pending.for_}: no node has room, or it waits for a volume.",
                  ("pod-pending",)),
        AlertSpec("ControllerAvailabilityBelowPDB", controller_availability_expr(policy),
                  al.controller_availability.for_, al.controller_availability.severity,
                  "A platform controller has fewer healthy pods than its PDB requires",
                  "PDB {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} has "
                  "{{ $value }} healthy pods, fewer than it requires.",
                  ("controller-unavailable",)),
    ]


def runbook_url(policy: Policy, alert: str) -> str:
    """``<runbook_base_url>/<Alert>.md``, or ``runbooks/<Alert>.md`` (the bundle's copy)."""
    base = policy.alerts.runbook_base_url
    return f"{base}/{alert}.md" if base else f"runbooks/{alert}.md"


def _rule(policy: Policy, a: AlertSpec) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": a.alert, "expr": a.expr}
    if a.for_ and duration_seconds(a.for_) > 0:
        rule["for"] = a.for_
    rule["labels"] = {"severity": a.severity}
    rule["annotations"] = {"summary": a.summary, "description": a.description,
                           "runbook_url": runbook_url(policy, a.alert)}
    return rule


def alert_rules(policy: Policy) -> list[dict[str, Any]]:
    """The alerting rules, the spec's four first."""
    return [_rule(policy, a) for a in alert_specs(policy)]


def rule_groups(policy: Policy) -> list[dict[str, Any]]:
    """The two rule groups (recording first: the alerts read what it records)."""
    interval = policy.alerts.evaluation_interval
    return [
        {"name": f"{policy.alerts.group}.recording", "interval": interval,
         "rules": recording_rules(policy)},
        {"name": policy.alerts.group, "interval": interval, "rules": alert_rules(policy)},
    ]


def prometheus_rule(policy: Policy) -> dict[str, Any]:
    """The PrometheusRule with the recording and the alerting group."""
    labels = base_labels(policy)
    labels.update(policy.alerts.labels)
    return obj("monitoring.coreos.com/v1", "PrometheusRule",
               meta(policy.alerts.rule_name, policy.namespace.name, labels),
               spec={"groups": rule_groups(policy)})


def alert_names(policy: Policy) -> Iterator[str]:
    for a in alert_specs(policy):
        yield a.alert
