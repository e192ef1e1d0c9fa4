"""What the coderun controller consumes: one PodTemplate per agent and the tier ConfigMap.

PodTemplate (v1) per agent, named ``coderun-<agent>``: one container ``agent`` with the
resources of the agent's tier row, ``priorityClassName``, ``restartPolicy: Never`` (a run is
run to completion; the controller decides about retries), the workspace volume (a generic
ephemeral volume, see ``storage``), labels ``app.kubernetes.io/*`` plus ``provisor.dev/agent``
and ``provisor.dev/tier``, and the annotation ``provisor.dev/max-concurrency``: how many pods
of this template may run at once. Checks and the twin read the demand from these objects.

The pod template also carries ``cluster-autoscaler.kubernetes.io/safe-to-evict: "false"``:
the cluster autoscaler does not drain a node to remove it while an agent run is on it
(a drain of a run-to-completion pod loses the run).

ConfigMap ``agent-resource-tiers``: the whole tier table (every model, not only the ones the
agents use today), the agent assignments and the PVC templates, as YAML documents in ``data``.
"""

from __future__ import annotations

from typing import Any

from provisor.conventions import ANNOTATION_MAX_CONCURRENCY
from provisor.policy.model import Policy
from provisor.render.common import base_labels, block, meta, obj, resource_list
from provisor.render.storage import WORKSPACE_VOLUME, pvc_templates, workspace_volume

AGENT_CONTAINER = "agent"
TIERS_CONFIGMAP = "agent-resource-tiers"


def agent_labels(policy: Policy, agent: str) -> dict[str, str]:
    """Labels of an agent's PodTemplate and of its pods."""
    a = policy.agents[agent]
    return base_labels(policy, **{
        "app.kubernetes.io/name": "coderun-agent",
        "app.kubernetes.io/instance": agent,
        "app.kubernetes.io/component": a.tier,
        "provisor.dev/agent": agent,
        "provisor.dev/tier": a.tier,
    })


def pod_template(policy: Policy, agent: str) -> dict[str, Any]:
    """The PodTemplate of ``agent``."""
    a = policy.agents[agent]
    tier = policy.tier_of(agent)
    ws = policy.workspace_classes[a.workspace]
    labels = agent_labels(policy, agent)
    pod_labels = {k: v for k, v in labels.items() if k != "app.kubernetes.io/managed-by"}
    annotations = {
        ANNOTATION_MAX_CONCURRENCY: str(a.max_concurrency),
        "provisor.dev/model": a.model,
        "provisor.dev/workspace-class": a.workspace,
    }
    if a.description:
        annotations["provisor.dev/description"] = a.description
    container = {
        "name": AGENT_CONTAINER,
        "image": a.image,
        "resources": {
            "requests": resource_list([("cpu", tier.requests.cpu),
                                       ("memory", tier.requests.memory)]),
            "limits": resource_list([("cpu", tier.limits.cpu), ("memory", tier.limits.memory)]),
        },
        "volumeMounts": [{"name": WORKSPACE_VOLUME, "mountPath": ws.mount_path}],
    }
    template = {
        "metadata": {
            "labels": pod_labels,
            "annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
        },
        "spec": {
            "restartPolicy": "Never",
            "priorityClassName": a.priority_class,
            "containers": [container],
            "volumes": [workspace_volume(policy, agent)],
        },
    }
    return obj("v1", "PodTemplate",
               meta(policy.pod_template_name(agent), policy.namespace.name, labels, annotations),
               template=template)


def pod_templates(policy: Policy) -> list[dict[str, Any]]:
    """One PodTemplate per agent, in agent-name order."""
    return [pod_template(policy, a) for a in sorted(policy.agents)]


def tier_table(policy: Policy) -> dict[str, Any]:
    """tier -> model -> {requests, limits} (canonical quantity strings)."""
    return {
        t: {m: {"requests": resource_list([("cpu", row.requests.cpu),
                                           ("memory", row.requests.memory)]),
                "limits": resource_list([("cpu", row.limits.cpu),
                                         ("memory", row.limits.memory)])}
            for m, row in sorted(models.items())}
        for t, models in sorted(policy.tiers.items())
    }


def agent_table(policy: Policy) -> dict[str, Any]:
    """agent -> its assignments (tier, model, workspace class, priority class, concurrency,
    PodTemplate name)."""
    return {
        name: {"tier": a.tier, "model": a.model, "workspaceClass": a.workspace,
               "priorityClassName": a.priority_class, "maxConcurrency": a.max_concurrency,
               "podTemplate": policy.pod_template_name(name)}
        for name, a in sorted(policy.agents.items())
    }


def tiers_configmap(policy: Policy) -> dict[str, Any]:
    """The ConfigMap with ``tiers.yaml``, ``agents.yaml`` and ``pvc-templates.yaml``."""
    data = {
        "agents.yaml": block(agent_table(policy)),
        "pvc-templates.yaml": block(pvc_templates(policy)),
        "tiers.yaml": block(tier_table(policy)),
    }
    return obj("v1", "ConfigMap",
               meta(TIERS_CONFIGMAP, policy.namespace.name,
                    base_labels(policy, **{"app.kubernetes.io/name": "coderun-agent",
                                           "app.kubernetes.io/component": "resource-tiers"})),
               data=data)
