"""README.md of the bundle: how to apply it and what it assumes about objects it does not own.

Not a kustomize resource. Generated from the policy (names, namespaces, assumed resources), so
it stays true for a user's own policy.
"""

from __future__ import annotations

from provisor.policy.model import ExternalWorkload, Policy
from provisor.render.autoscaling import ANNOTATION_ASSUMED_POD_RESOURCES, hpa_name, vpa_name
from provisor.render.disruption import pdb_name


def _res(w: ExternalWorkload) -> str:
    r = w.assumed_pod_resources
    parts = []
    for label, values in (("requests", r.requests), ("limits", r.limits)):
        if values:
            parts.append(f"{label} " + ", ".join(f"{k} {v}" for k, v in sorted(values.items())))
    return "; ".join(parts) or "none"


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"`{k}: {v}`" for k, v in sorted(labels.items()))


def readme(policy: Policy) -> str:
    """The bundle's README.md text."""
    ns = policy.namespace.name
    cc, argo = policy.coderun_controller, policy.argo_server
    vt = policy.agent_vpa.target
    agents = sorted(policy.agents)
    owners = ", ".join(f"`{vt.name_for(a)}`" for a in agents)
    templates = ", ".join(f"`{policy.pod_template_name(a)}`" for a in agents)
    vpas = ", ".join(f"`{vpa_name(policy, a)}`" for a in agents)
    ext = argo.autoscaling.external
    storage_classes = sorted({w.storage_class for w in policy.workspace_classes.values()})
    lines = [
        f"# {policy.name}: resource-management bundle",
        "",
        "Rendered by provisor from the policy "
        f"`{policy.name}`. Edit the policy and render again; do not edit these files.",
        "",
        "    kubectl apply -k .        # or: kubectl kustomize . | kubectl apply -f -",
        "",
        "Applying needs rights on cluster-scoped objects (Namespace, PriorityClass).",
        "",
        "## What the bundle creates",
        "",
        f"- Namespace `{ns}`, its ResourceQuota `{policy.quota.name}` and LimitRange "
        f"`{policy.limit_range.name}`.",
        "- PriorityClasses " + ", ".join(f"`{n}`" for n in sorted(policy.priority_classes))
        + " (cluster-scoped; none is globalDefault unless the policy says so).",
        f"- One PodTemplate per agent ({templates}) and the ConfigMap "
        "`agent-resource-tiers` (tier table, agent assignments, workspace PVC templates): "
        "what the coderun controller consumes.",
        f"- One VerticalPodAutoscaler per agent ({vpas}).",
        f"- HPA `{hpa_name(cc)}` and PDB `{pdb_name(cc)}` for `{cc.deployment.namespace}/"
        f"{cc.deployment.name}`; HPA `{hpa_name(argo)}` and PDB `{pdb_name(argo)}` for "
        f"`{argo.deployment.namespace}/{argo.deployment.name}`.",
        f"- PrometheusRule `{policy.alerts.rule_name}` (recording rules named "
        "`level:metric:operations` and the alerts) and the Grafana dashboard ConfigMap "
        f"`{policy.dashboard.namespace}/{policy.dashboard.configmap_name}` (built with "
        "grafana-foundation-sdk).",
        "- `runbooks/`: one page per alert (what it means, how to confirm it, what to do). "
        + (f"Each alert's `runbook_url` is `{policy.alerts.runbook_base_url}/<Alert>.md`: "
           "publish this folder there." if policy.alerts.runbook_base_url else
           "Each alert's `runbook_url` is the relative path `runbooks/<Alert>.md`; publish "
           "the folder where your team reads it (a wiki, a Git host) and set "
           "`alerts.runbook_base_url` in the policy to its URL."),
        "",
        "## What it assumes (objects it refers to but does not own)",
        "",
        f"### coderun controller (`{cc.deployment.namespace}/{cc.deployment.name}`)",
        "",
        f"- A Deployment `{cc.deployment.name}` in `{cc.deployment.namespace}` whose pods carry "
        f"{_labels(cc.deployment.pod_labels)} (the PDB selector), with "
        f"{cc.deployment.containers} container(s), each with {_res(cc)}. The HPA's CPU "
        "Utilization target needs a CPU request on every container of the pod. The same "
        f"values are on the HPA as the annotation `{ANNOTATION_ASSUMED_POD_RESOURCES}`.",
    ]
    if cc.deployment.namespace == ns:
        lines.append(
            f"- It runs in `{ns}`, so the LimitRange applies to it: its containers must satisfy "
            "`max` and `maxLimitRequestRatio` (see `limitrange.yaml`), or its pods are "
            f"rejected; and the quota holds its {cc.autoscaling.max_replicas} pods at "
            "maxReplicas (see the header of `resourcequota.yaml`).")
    lines += [
        "- If it uses leader election, only one replica works at a time; more replicas add "
        "availability, not throughput.",
        "- It starts each agent run from the agent's PodTemplate, never runs more than the "
        "PodTemplate's `provisor.dev/max-concurrency` pods of it at once, and may override "
        "the container image per run.",
        f"- **VPA target.** A VPA acts on a pod only when the pod's topmost well-known (or "
        f"/scale-capable) owner is the VPA's targetRef. The bundle assumes each agent's runs "
        f"are Jobs whose controller owner is a `{vt.kind}` ({vt.api_version}) named {owners} "
        "(one per agent, for example a suspended CronJob built from the PodTemplate of the "
        "same name, from which each run's Job is created as `kubectl create job --from=` "
        "does). A Job created on its own is its own topmost owner, and no VPA written in "
        "advance can name it. Without these owners the VPAs recommend nothing and change "
        "nothing; nothing breaks.",
        "",
        f"### Argo (`{argo.deployment.namespace}`)",
        "",
        f"- Namespace `{argo.deployment.namespace}` exists (created by the Argo Workflows "
        "install); this bundle writes an HPA and a PDB into it but does not create it.",
        f"- Deployment `{argo.deployment.name}` (the Argo server, stateless UI/API) with pods "
        f"labelled {_labels(argo.deployment.pod_labels)}, each container with {_res(argo)}. "
        "Upstream's manifest sets no resources on the argo-server container: the install must "
        "set the CPU request, or the HPA cannot compute CPU utilization. The "
        "workflow-controller is not autoscaled: it runs leader election, so more replicas "
        "add no throughput.",
    ]
    if ext is not None:
        sel = ", ".join(f'{k}="{v}"' for k, v in sorted(ext.selector.items())) or "none"
        adapter = ext.adapter or "e.g. prometheus-adapter or KEDA"
        lines.append(
            f"- An adapter serving `external.metrics.k8s.io` ({adapter}) exposes "
            f"`{ext.metric}` (selector {sel}) "
            f"in namespace `{argo.deployment.namespace}`: the number of running workflows, from "
            "the workflow-controller's metrics (Argo >= 3.6: `argo_workflows_gauge{phase=...}`;"
            " older: `argo_workflows_count{status=...}`). Take the max over "
            "workflow-controller replicas, not the sum. The HPA keeps one Argo server per "
            f"{ext.average_value_per_replica} running workflows (AverageValue).")
    lines += [
        "",
        "### Cluster add-ons",
        "",
        "- metrics-server (resource metrics for the HPAs).",
        "- Vertical Pod Autoscaler with its admission controller (CRD "
        "`verticalpodautoscalers.autoscaling.k8s.io`, v1); `Initial` mode sets resources when "
        "a pod is created.",
        "- Prometheus operator (CRD `prometheusrules.monitoring.coreos.com`), whose Prometheus "
        f"selects rules in `{ns}`"
        + (f" with labels {_labels(policy.alerts.labels)}" if policy.alerts.labels else
           " (check its `ruleSelector`/`ruleNamespaceSelector`)")
        + ". The operator loads a PrometheusRule only when its labels match the Prometheus' "
        "`ruleSelector`; kube-prometheus-stack selects on `release: <helm release name>` by "
        "default (`ruleSelectorNilUsesHelmValues: true`), so set `alerts.labels.release` in "
        "the policy to your release's name.",
        "- kube-state-metrics (with `--metric-labels-allowlist=pods=[provisor.dev/agent]`, so "
        "`kube_pod_labels` carries the agent class the per-agent recording rules group by; "
        "the VPA series under the prefix `alerts.vpa_metric_prefix`, from kube-state-metrics "
        "< 2.9 or a CustomResourceState config), the kubelet's cAdvisor and volume metrics, "
        "and the API server's metrics (quota rejections) scraped.",
        f"- Grafana with the dashboard sidecar watching `{policy.dashboard.namespace}` for "
        f"{_labels(policy.dashboard.labels)}.",
        "- StorageClass " + ", ".join(f"`{s}`" for s in storage_classes)
        + " (workspace volumes).",
        "",
        "## Departures from the spec",
        "",
        "`provisor plan` lists every place where the policy departs from the spec, and why.",
        "",
    ]
    return "\n".join(lines)
