"""The PrometheusRule (monitoring.coreos.com/v1) and the Grafana dashboard ConfigMap.

Alert semantics (each expression is a ratio 0..1 compared with a threshold):

* CPU: ``rate(container_cpu_usage_seconds_total[5m])`` is in cores; it is divided by the
  container's CPU limit (or request) from kube-state-metrics
  (``kube_pod_container_resource_limits{resource="cpu"}``), joined ``on(namespace, pod,
  container)`` and guarded with ``> 0`` (a container without a limit has no series or 0).
* Memory: ``container_memory_working_set_bytes`` (what the OOM killer and the kubelet act on)
  over ``container_spec_memory_limit_bytes`` guarded with ``> 0``: cAdvisor reports 0 for a
  container without a limit and x/0 = +Inf would fire.
* OOM kills: a run-to-completion container (restartPolicy Never) that is OOM-killed never
  restarts, so its restart counter and ``last_terminated_reason`` (which reflects
  ``lastState``, set only on a restart) never move. Its *current* state is terminated with
  reason OOMKilled: kube-state-metrics' ``kube_pod_container_status_terminated_reason``
  (pod collector, ``internal/store/pod.go``). ``max_over_time`` keeps the kill visible for the
  lookback after a short-lived pod is deleted. Containers that do restart are caught by the
  second arm: last termination OOMKilled and a restart within the lookback.
* Quota: ``kube_resourcequota`` has ``type="used"`` and ``type="hard"`` series that differ only
  in ``type``: the division needs ``ignoring(type)``, and ``hard > 0`` (a zero hard limit).

Every alert has a ``severity`` label and ``summary`` / ``description`` / ``runbook_url``
annotations; ``for`` is omitted when zero (the default).

The dashboard is the bare dashboard model (what the Grafana sidecar provisions from a
ConfigMap labelled ``grafana_dashboard: "1"``), with a ``datasource`` variable used by every
panel and query, a ``namespace`` variable, and timeseries panels with units.
"""

from __future__ import annotations

import json
from typing import Any

from provisor.conventions import GRAFANA_DASHBOARD_LABEL
from provisor.policy.model import Policy, duration_seconds
from provisor.render.common import base_labels, meta, obj
from provisor.render.tiers import AGENT_CONTAINER

#: Grafana dashboard JSON schema version written (Grafana 10.4 / 11.x).
SCHEMA_VERSION = 39

_ON = "on (namespace, pod, container)"
_CPU = 'resource="cpu"'
_USED = 'type="used"'
_HARD = 'type="hard"'
_BY = "by (namespace, pod, container)"


def _sel(ns: str, *extra: str) -> str:
    return "{" + ", ".join((f'namespace="{ns}"', *extra)) + "}"


def cpu_expr(policy: Policy) -> str:
    """CPU usage as a fraction of the agent container's CPU limit (or request)."""
    ns, a = policy.namespace.name, policy.alerts.cpu
    series = ("kube_pod_container_resource_limits" if a.relative_to == "limit"
              else "kube_pod_container_resource_requests")
    c = f'container="{AGENT_CONTAINER}"'
    return (
        f"sum {_BY} (\n"
        f"  rate(container_cpu_usage_seconds_total{_sel(ns, c)}[5m])\n"
        f")\n"
        f"/ {_ON}\n"
        f"(\n"
        f"  max {_BY} ({series}{_sel(ns, c, _CPU)}) > 0\n"
        f")\n"
        f"> {a.threshold:g}\n")


def memory_expr(policy: Policy) -> str:
    """Working set as a fraction of the agent container's memory limit."""
    ns, a = policy.namespace.name, policy.alerts.memory
    c = f'container="{AGENT_CONTAINER}"'
    return (
        f"max {_BY} (container_memory_working_set_bytes{_sel(ns, c)})\n"
        f"/ {_ON}\n"
        f"(\n"
        f"  max {_BY} (container_spec_memory_limit_bytes{_sel(ns, c)}) > 0\n"
        f")\n"
        f"> {a.threshold:g}\n")


def oom_expr(policy: Policy) -> str:
    """An OOM kill in the namespace within the lookback (any container)."""
    ns, lb = policy.namespace.name, policy.alerts.oom.lookback
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
    ns, a = policy.namespace.name, policy.alerts.quota
    return (
        f"kube_resourcequota{_sel(ns, _USED)}\n"
        f"/ ignoring (type)\n"
        f"(kube_resourcequota{_sel(ns, _HARD)} > 0)\n"
        f"> {a.threshold:g}\n")


def _runbook(policy: Policy, alert: str) -> str:
    return f"{policy.alerts.runbook_base_url}/{alert.lower()}"


def _rule(policy: Policy, alert: str, expr: str, for_: str | None, severity: str,
          summary: str, description: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": alert, "expr": expr}
    if for_ and duration_seconds(for_) > 0:
        rule["for"] = for_
    rule["labels"] = {"severity": severity}
    rule["annotations"] = {"summary": summary, "description": description,
                           "runbook_url": _runbook(policy, alert)}
    return rule


def alert_rules(policy: Policy) -> list[dict[str, Any]]:
    """The four alerting rules, in the spec's order."""
    al = policy.alerts
    basis = al.cpu.relative_to
    return [
        _rule(policy, "AgentHighCPUUsage", cpu_expr(policy), al.cpu.for_, al.cpu.severity,
              f"Agent container CPU usage is close to its CPU {basis}",
              f"Agent {{{{ $labels.pod }}}} uses {{{{ $value | humanizePercentage }}}} of its "
              f"CPU {basis}" + ("; at 100% it is throttled." if basis == "limit" else
                                "; above 100% it uses CPU it did not reserve.")),
        _rule(policy, "AgentHighMemoryUsage", memory_expr(policy), al.memory.for_,
              al.memory.severity, "Agent container memory is close to its limit",
              "Agent {{ $labels.pod }} working set is {{ $value | humanizePercentage }} of its "
              "memory limit; above the limit the container is OOM-killed."),
        _rule(policy, "AgentOOMKilled", oom_expr(policy), None, al.oom.severity,
              "A container was killed for running out of memory",
              "Container {{ $labels.container }} of pod {{ $labels.pod }} in "
              "{{ $labels.namespace }} was OOM-killed (within the last "
              f"{al.oom.lookback})."),
        _rule(policy, "NamespaceResourceQuotaHigh", quota_expr(policy), al.quota.for_,
              al.quota.severity, "Namespace resource quota usage is high",
              "{{ $labels.resource }} quota usage is {{ $value | humanizePercentage }} in "
              "namespace {{ $labels.namespace }}; new pods fail admission at 100%."),
    ]


def prometheus_rule(policy: Policy) -> dict[str, Any]:
    """The PrometheusRule with one group of alerting rules."""
    labels = base_labels(policy)
    labels.update(policy.alerts.labels)
    return obj("monitoring.coreos.com/v1", "PrometheusRule",
               meta(policy.alerts.rule_name, policy.namespace.name, labels),
               spec={"groups": [{"name": policy.alerts.group, "rules": alert_rules(policy)}]})


# -- dashboard --------------------------------------------------------------------------

_DS = {"type": "prometheus", "uid": "${datasource}"}


def _panel(pid: int, title: str, unit: str, targets: list[tuple[str, str]], x: int, y: int,
           description: str, max_: float | None = None) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": unit, "min": 0}
    if max_ is not None:
        defaults["max"] = max_
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": dict(_DS),
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                       "calcs": ["max", "lastNotNull"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "targets": [{"refId": chr(ord("A") + i), "datasource": dict(_DS), "expr": expr,
                     "legendFormat": legend}
                    for i, (expr, legend) in enumerate(targets)],
    }


def dashboard_model(policy: Policy) -> dict[str, Any]:
    """The bare Grafana dashboard model (no ``{"dashboard": ...}`` wrapper)."""
    d = policy.dashboard
    ns = "$namespace"
    c = f'container="{AGENT_CONTAINER}"'
    sel = f'{{namespace="{ns}", {c}}}'
    by_pod = "by (namespace, pod, container)"
    panels = [
        _panel(1, "Agent CPU usage", "suffix: cores", [
            (f"sum by (pod) (rate(container_cpu_usage_seconds_total{sel}[$__rate_interval]))",
             "{{pod}}"),
            (f'max by (pod) (kube_pod_container_resource_requests{{namespace="{ns}", {c}, '
             f'resource="cpu"}})', "{{pod}} request"),
        ], 0, 0, "CPU used by each agent container, in cores, with its request."),
        _panel(2, "Agent CPU usage / limit", "percentunit", [
            (f"sum {by_pod} (rate(container_cpu_usage_seconds_total{sel}[$__rate_interval]))\n"
             f"/ on (namespace, pod, container)\n"
             f'(max {by_pod} (kube_pod_container_resource_limits{{namespace="{ns}", {c}, '
             f'resource="cpu"}}) > 0)', "{{pod}}"),
        ], 12, 0, "CPU used as a fraction of the CPU limit; at 100% the container is "
                  "throttled."),
        _panel(3, "Agent memory working set", "bytes", [
            (f"max by (pod) (container_memory_working_set_bytes{sel})", "{{pod}}"),
            (f"max by (pod) (container_spec_memory_limit_bytes{sel}) > 0", "{{pod}} limit"),
        ], 0, 8, "Working set of each agent container, with its memory limit."),
        _panel(4, "Agent memory working set / limit", "percentunit", [
            (f"max {by_pod} (container_memory_working_set_bytes{sel})\n"
             f"/ on (namespace, pod, container)\n"
             f"(max {by_pod} (container_spec_memory_limit_bytes{sel}) > 0)", "{{pod}}"),
        ], 12, 8, "Working set as a fraction of the memory limit; at 100% the container is "
                  "OOM-killed.", max_=1),
        _panel(5, "Workspace PVC usage", "percentunit", [
            (f'max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{{namespace="{ns}"}})\n'
             f"/ on (persistentvolumeclaim)\n"
             f'(max by (persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes'
             f'{{namespace="{ns}"}}) > 0)', "{{persistentvolumeclaim}}"),
        ], 0, 16, "Used bytes of each PVC as a fraction of its capacity.", max_=1),
        _panel(6, "Resource quota usage", "percentunit", [
            (f'kube_resourcequota{{namespace="{ns}", type="used"}}\n'
             f"/ ignoring (type)\n"
             f'(kube_resourcequota{{namespace="{ns}", type="hard"}} > 0)', "{{resource}}"),
        ], 12, 16, "Used / hard of every ResourceQuota resource in the namespace.", max_=1),
    ]
    return {
        "uid": d.uid,
        "title": d.title,
        "tags": ["agent-platform", "provisor"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": False,
        "graphTooltip": 1,
        "refresh": d.refresh,
        "time": {"from": d.time_from, "to": "now"},
        "timezone": "browser",
        "annotations": {"list": []},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "regex": "", "hide": 0, "refresh": 1,
             "current": {}, "options": []},
            {"name": "namespace", "label": "Namespace", "type": "query", "datasource": dict(_DS),
             "query": "label_values(kube_pod_info, namespace)",
             "definition": "label_values(kube_pod_info, namespace)",
             "current": {"selected": True, "text": policy.namespace.name,
                         "value": policy.namespace.name},
             "hide": 0, "refresh": 2, "sort": 1, "includeAll": False, "multi": False,
             "regex": "", "options": []},
        ]},
        "panels": panels,
    }


def dashboard_configmap(policy: Policy) -> dict[str, Any]:
    """The ConfigMap the Grafana sidecar provisions the dashboard from."""
    d = policy.dashboard
    labels = base_labels(policy)
    labels.update(d.labels)
    labels.setdefault(GRAFANA_DASHBOARD_LABEL, "1")
    annotations = {"grafana_folder": d.folder} if d.folder else None
    text = json.dumps(dashboard_model(policy), indent=2, sort_keys=True) + "\n"
    return obj("v1", "ConfigMap", meta(d.configmap_name, d.namespace, labels, annotations),
               data={f"{d.uid}.json": text})
