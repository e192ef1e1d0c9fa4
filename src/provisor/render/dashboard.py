"""The Grafana dashboard, built with grafana-foundation-sdk's Python builders, and the
ConfigMap the Grafana sidecar provisions it from.

The model is provisioning-ready (the bare dashboard model, not the HTTP API wrapper): a
stable ``uid`` from the policy, a ``datasource`` variable that every panel and query uses,
a ``namespace`` variable, a unit on every panel, ``$__rate_interval`` in every ``rate`` /
``increase`` a panel computes itself (Grafana docs, "Prometheus query editor": at least four
scrape intervals), and panel ids assigned in order so the JSON is the same on every render.

Panels, in rows: the spec's three (CPU and memory by agent, PVC usage), then quota used
against hard per resource, throttling, OOM kills, HPA replicas against min and max, VPA
target against requests, queue length and wait, and the spec's success metrics that
Prometheus can compute (CPU utilization of requests, share of pods under memory pressure,
unused PVC storage, controller availability). Per-agent-class panels read the recording
rules of :mod:`provisor.render.monitoring`.

Queue series are the coderun controller's (and the twin's): ``provisor_queue_length`` (gauge,
runs waiting), ``provisor_queue_wait_seconds_total`` (counter: seconds runs waited) and
``provisor_runs_started_total``.
"""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as dm

from provisor.conventions import GRAFANA_DASHBOARD_LABEL
from provisor.policy.model import Policy
from provisor.render import monitoring as m
from provisor.render.autoscaling import hpa_name, vpa_name
from provisor.render.common import base_labels, meta, obj
from provisor.render.disruption import pdb_name
from provisor.render.tiers import AGENT_CONTAINER

__all__ = ["dashboard_model", "dashboard_configmap", "DS", "SCHEMA_VERSION"]

#: Every panel and query: the dashboard's datasource variable.
DS = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")

_NS = 'namespace="$namespace"'
_AC = f'container="{AGENT_CONTAINER}"'
_RI = "$__rate_interval"


def _q(expr: str, legend: str, ref: str) -> prometheus.Dataquery:
    return (prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref)
            .datasource(DS))


def _ts(title: str, unit: str, description: str, targets: list[tuple[str, str]],
        max_: float | None = None, width: int = 12) -> timeseries.Panel:
    p = (timeseries.Panel().title(title).description(description).datasource(DS).unit(unit)
         .min(0).height(8).span(width)
         .legend(cb.VizLegendOptions().display_mode(common.LegendDisplayMode.TABLE)
                 .placement(common.LegendPlacement.BOTTOM).show_legend(True)
                 .calcs(["max", "lastNotNull"]))
         .tooltip(cb.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI)
                  .sort(common.SortOrder.DESCENDING)))
    if max_ is not None:
        p = p.max(max_)
    for i, (expr, legend) in enumerate(targets):
        p = p.with_target(_q(expr, legend, chr(ord("A") + i)))
    return p


def _stat(title: str, unit: str, description: str, expr: str, max_: float | None = None,
          width: int = 6) -> stat.Panel:
    p = (stat.Panel().title(title).description(description).datasource(DS).unit(unit)
         .min(0).height(5).span(width)
         .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
         .with_target(_q(expr, title, "A")))
    if max_ is not None:
        p = p.max(max_)
    return p


def _platform_hpas(policy: Policy) -> str:
    return "|".join(sorted(hpa_name(w) for _, w in policy.external_workloads()))


def _platform_pdbs(policy: Policy) -> str:
    return "|".join(sorted(pdb_name(w) for _, w in policy.external_workloads()))


def dashboard_model(policy: Policy) -> dict[str, Any]:
    """The bare Grafana dashboard model (a JSON-ready dict, keys sorted on output)."""
    d = policy.dashboard
    sel = f"{{{_NS}, {_AC}}}"
    byp = "by (namespace, pod, container)"
    hpas = _platform_hpas(policy)
    vpas = "|".join(sorted(vpa_name(policy, a) for a in policy.agents))
    pdbs = _platform_pdbs(policy)
    ns_sel = "{" + _NS + "}"
    agent_sel = f"{{{_NS}, {_AC}}}"

    agents_row = [
        _ts("CPU usage by agent", "suffix: cores",
            "CPU used by each agent container (cores), with its request.", [
                (f"sum by (pod) (rate(container_cpu_usage_seconds_total{sel}[{_RI}]))",
                 "{{pod}}"),
                (f"sum by (pod) ({m.CPU_REQUESTS}{agent_sel})", "{{pod}} request"),
            ]),
        _ts("CPU usage / limit", "percentunit",
            "CPU used as a fraction of the CPU limit; at 100% the container is throttled.", [
                (f"sum {byp} (rate(container_cpu_usage_seconds_total{sel}[{_RI}]))\n"
                 f"/ on (namespace, pod, container)\n({m.CPU_LIMITS}{agent_sel} > 0)",
                 "{{pod}}"),
            ]),
        _ts("Memory usage by agent", "bytes",
            "Working set of each agent container, with its memory limit.", [
                (f"max by (pod) (container_memory_working_set_bytes{sel})", "{{pod}}"),
                (f"max by (pod) (container_spec_memory_limit_bytes{sel}) > 0", "{{pod}} limit"),
            ]),
        _ts("Memory working set / limit", "percentunit",
            "Working set as a fraction of the memory limit; at 100% the container is "
            "OOM-killed.", [
                (f"{m.WORKING_SET}{agent_sel}\n/ on (namespace, pod, container)\n"
                 f"(max {byp} (container_spec_memory_limit_bytes{sel}) > 0)", "{{pod}}"),
            ], max_=1),
        _ts("CPU by agent class", "suffix: cores",
            "CPU used, requested and limited per agent class (recording rules).", [
                (f"{m.AGENT_CPU_RATE}{agent_sel}", "{{agent}} used"),
                (f"{m.AGENT_CPU_REQUESTS}{agent_sel}", "{{agent}} requests"),
                (f"{m.AGENT_CPU_LIMITS}{agent_sel}", "{{agent}} limits"),
            ]),
        _ts("Memory by agent class", "bytes",
            "Largest working set, and the requests and limits, per agent class.", [
                (f"{m.AGENT_WORKING_SET}{agent_sel}", "{{agent}} max working set"),
                (f"{m.AGENT_MEMORY_REQUESTS}{agent_sel}", "{{agent}} requests"),
                (f"{m.AGENT_MEMORY_LIMITS}{agent_sel}", "{{agent}} limits"),
            ]),
        _ts("CPU throttling", "percentunit",
            "Throttled CFS periods / periods per container: the share of 100 ms periods in "
            "which the container wanted more CPU than its limit.", [
                (f"sum {byp} (increase(container_cpu_cfs_throttled_periods_total"
                 f"{{{_NS}, container!=\"\", container!=\"POD\"}}[{_RI}]))\n"
                 f"/ on (namespace, pod, container)\n"
                 f"(sum {byp} (increase(container_cpu_cfs_periods_total"
                 f"{{{_NS}, container!=\"\", container!=\"POD\"}}[{_RI}])) > 0)",
                 "{{pod}}/{{container}}"),
            ], max_=1),
        _ts("OOM kills", "short",
            "Containers whose last or current termination is OOMKilled (1 while it lasts).", [
                (f"max {byp} (kube_pod_container_status_terminated_reason"
                 f"{{{_NS}, reason=\"OOMKilled\"}})", "{{pod}}/{{container}} terminated"),
                (f"max {byp} (kube_pod_container_status_last_terminated_reason"
                 f"{{{_NS}, reason=\"OOMKilled\"}})", "{{pod}}/{{container}} last"),
            ]),
    ]
    quota_row = [
        _ts("Resource quota used / hard", "percentunit",
            "Used / hard of every ResourceQuota resource; at 100% creations are rejected.", [
                (f'kube_resourcequota{{{_NS}, type="used"}}\n/ ignoring (type)\n'
                 f'(kube_resourcequota{{{_NS}, type="hard"}} > 0)', "{{resource}}"),
            ], max_=1),
        _ts("Quota rejections", "short",
            "Object creations the ResourceQuota admission plugin rejected (cluster-wide).", [
                ("sum by (resource) (increase(apiserver_admission_controller_admission_"
                 'duration_seconds_count{name="ResourceQuota", operation="CREATE", '
                 f'rejected="true"}}[{_RI}]))', "{{resource}}"),
            ]),
        _ts("PVC usage", "percentunit",
            "Used bytes of each PVC as a fraction of its capacity.", [
                (f"max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{ns_sel})\n"
                 f"/ on (persistentvolumeclaim)\n"
                 f"(max by (persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes"
                 f"{ns_sel}) > 0)", "{{persistentvolumeclaim}}"),
            ], max_=1),
        _ts("PVC time to full", "s",
            "Seconds until each PVC is full at the write rate of the last 30 minutes (shown "
            "only while it is filling).", [
                (f"(max by (persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes"
                 f"{ns_sel})\n- on (persistentvolumeclaim)\n"
                 f"max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{ns_sel}))\n"
                 f"/ on (persistentvolumeclaim)\n"
                 f"(max by (persistentvolumeclaim) (deriv(kubelet_volume_stats_used_bytes"
                 f"{ns_sel}[30m])) > 0)", "{{persistentvolumeclaim}}"),
            ]),
    ]
    scale_row = [
        _ts("HPA replicas against min and max", "short",
            "Current and desired replicas of the platform's HPAs, with minReplicas and "
            "maxReplicas.", [
                (f'kube_horizontalpodautoscaler_status_current_replicas'
                 f'{{horizontalpodautoscaler=~"{hpas}"}}', "{{horizontalpodautoscaler}} current"),
                (f'kube_horizontalpodautoscaler_status_desired_replicas'
                 f'{{horizontalpodautoscaler=~"{hpas}"}}', "{{horizontalpodautoscaler}} desired"),
                (f'kube_horizontalpodautoscaler_spec_min_replicas'
                 f'{{horizontalpodautoscaler=~"{hpas}"}}', "{{horizontalpodautoscaler}} min"),
                (f'kube_horizontalpodautoscaler_spec_max_replicas'
                 f'{{horizontalpodautoscaler=~"{hpas}"}}', "{{horizontalpodautoscaler}} max"),
            ]),
        _ts("VPA CPU target against requests", "suffix: cores",
            "Each agent VPA's CPU target (and uncapped target) against the agent class's "
            "CPU request per pod.", [
                (f'max by (verticalpodautoscaler) ('
                 f'{m._vpa(policy, "target")}{{{_NS}, verticalpodautoscaler=~"{vpas}", '
                 f'resource="cpu"}})', "{{verticalpodautoscaler}} target"),
                (f'max by (verticalpodautoscaler) ('
                 f'{m._vpa(policy, "uncappedtarget")}{{{_NS}, verticalpodautoscaler=~"{vpas}", '
                 f'resource="cpu"}})', "{{verticalpodautoscaler}} uncapped"),
                (f"max by (agent) ({m.AGENT_CPU_REQUESTS}{agent_sel}\n"
                 f"/ on (namespace, agent, container)\n"
                 f"count by (namespace, agent, container) ({m.CPU_REQUESTS}{agent_sel}\n"
                 f"  {m.agent_join(_NS).replace(chr(10), ' ')}))",
                 "{{agent}} request per pod"),
            ]),
        _ts("Controller healthy pods against the PDB minimum", "short",
            "Healthy pods of the platform's controllers and the minimum their PDB requires.", [
                (f'kube_poddisruptionbudget_status_current_healthy'
                 f'{{poddisruptionbudget=~"{pdbs}"}}', "{{poddisruptionbudget}} healthy"),
                (f'kube_poddisruptionbudget_status_desired_healthy'
                 f'{{poddisruptionbudget=~"{pdbs}"}}', "{{poddisruptionbudget}} required"),
            ]),
        _ts("Agent pods pending", "short", "Agent pods in phase Pending.", [
            (f'sum (kube_pod_status_phase{{{_NS}, phase="Pending"}}\n'
             f"and on (namespace, pod)\n"
             f"max by (namespace, pod) (kube_pod_container_resource_requests{agent_sel}))",
             "pending"),
        ]),
    ]
    queue_row = [
        _ts("Queue length", "short", "Agent runs waiting for admission (quota or capacity).", [
            (f"sum (provisor_queue_length{ns_sel})", "waiting runs"),
        ]),
        _ts("Queue wait", "s", "Mean wait (enqueue to container start) of the runs started "
            "in the interval.", [
                (f"sum (increase(provisor_queue_wait_seconds_total{ns_sel}[{_RI}]))\n"
                 f"/ (sum (increase(provisor_runs_started_total{ns_sel}[{_RI}])) > 0)",
                 "mean wait"),
            ]),
    ]
    score_row = [
        _stat("CPU utilization of requests (target 60-80%)", "percentunit",
              "Spec success metric: agent CPU usage / CPU requests, over the namespace.",
              f"sum ({m.CPU_RATE}{agent_sel})\n/ (sum ({m.CPU_REQUESTS}{agent_sel}) > 0)"),
        _stat("Pods under memory pressure (target < 10%)", "percentunit",
              "Spec success metric: share of agent containers whose working set is above "
              "90% of the memory limit.",
              f"count (({m.WORKING_SET}{agent_sel}\n/ on (namespace, pod, container)\n"
              f"(max {byp} (container_spec_memory_limit_bytes{sel}) > 0)) > 0.9)\n"
              f"/ count ({m.WORKING_SET}{agent_sel})", max_=1),
        _stat("Unused PVC storage (target < 20%)", "percentunit",
              "Spec success metric: free bytes / capacity over all PVCs of the namespace.",
              f"sum (kubelet_volume_stats_available_bytes{ns_sel})\n"
              f"/ (sum (kubelet_volume_stats_capacity_bytes{ns_sel}) > 0)", max_=1),
        _stat("Controller availability (target 99.9%)", "percentunit",
              "Spec success metric: share of the range in which every platform PDB had its "
              "minimum of healthy pods.",
              f"avg_over_time((\n  min (min by (namespace, poddisruptionbudget) ("
              f'kube_poddisruptionbudget_status_current_healthy{{poddisruptionbudget=~"{pdbs}"}})'
              f"\n  - on (namespace, poddisruptionbudget)\n"
              f"  max by (namespace, poddisruptionbudget) ("
              f"kube_poddisruptionbudget_status_desired_healthy"
              f'{{poddisruptionbudget=~"{pdbs}"}})) >= bool 0\n)[$__range:])', max_=1),
    ]

    builder = (
        db.Dashboard(d.title).uid(d.uid).tags(["agent-platform", "provisor"])
        .refresh(d.refresh).time(d.time_from, "now").timezone("browser")
        .tooltip(dm.DashboardCursorSync.CROSSHAIR).readonly()
        .with_variable(db.DatasourceVariable("datasource").label("Data source")
                       .type("prometheus"))
        .with_variable(db.QueryVariable("namespace").label("Namespace").datasource(DS)
                       .query("label_values(kube_pod_info, namespace)")
                       .current(dm.VariableOption(selected=True, text=policy.namespace.name,
                                                  value=policy.namespace.name))
                       .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
                       .sort(dm.VariableSort.ALPHABETICAL_ASC))
    )
    for title, panels in (("Spec success metrics", score_row), ("Agents", agents_row),
                          ("Quota and storage", quota_row),
                          ("Autoscaling and availability", scale_row),
                          ("Queue", queue_row)):
        builder = builder.with_row(db.Row(title))
        for p in panels:
            builder = builder.with_panel(p)
    model = json.loads(json.dumps(builder.build(), cls=JSONEncoder, sort_keys=True))
    _number(model)
    return model


#: Grafana dashboard JSON schema version the SDK writes.
SCHEMA_VERSION: int = dm.Dashboard().schema_version


def _number(model: dict[str, Any]) -> None:
    """Panel ids 1, 2, ... in layout order (the SDK leaves them 0)."""
    for i, p in enumerate(model.get("panels", []), start=1):
        p["id"] = i


def dashboard_configmap(policy: Policy) -> dict[str, Any]:
    """The ConfigMap the Grafana sidecar provisions the dashboard from (data key
    ``<uid>.json``)."""
    d = policy.dashboard
    labels = base_labels(policy)
    labels.update(d.labels)
    labels.setdefault(GRAFANA_DASHBOARD_LABEL, "1")
    annotations = {"grafana_folder": d.folder} if d.folder else None
    text = json.dumps(dashboard_model(policy), indent=2, sort_keys=True) + "\n"
    return obj("v1", "ConfigMap", meta(d.configmap_name, d.namespace, labels, annotations),
               data={f"{d.uid}.json": text})
