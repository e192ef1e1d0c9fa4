"""HorizontalPodAutoscalers (autoscaling/v2) and the agents' VerticalPodAutoscalers
(autoscaling.k8s.io/v1).

HPAs: the targets are Deployments the bundle does not render. Each HPA carries the annotation
``provisor.dev/assumed-pod-resources`` (JSON: ``{"requests": {...}, "limits": {...}}``, per
container) so that checks and the twin, which read objects only, can account the target's pods
(Utilization targets, quota at maxReplicas). Metric sources follow
``k8s.io/api/autoscaling/v2`` (Object, Pods, Resource, ContainerResource, External); a count
of running workflows is an External metric with an ``AverageValue`` target
(desired = ceil(total / averageValue), ``GetExternalPerPodMetricReplicas`` in
``pkg/controller/podautoscaler/replica_calculator.go``). A ``Value`` target on a total that
does not fall when replicas are added scales by usage/target x current replicas on every sync,
running away to maxReplicas.

VPAs: one per agent. The VPA assigns a pod to the VPA whose targetRef names the pod's topmost
well-known or /scale-capable owner (``FindTopMostWellKnownOrScalable`` in
``vertical-pod-autoscaler/pkg/target/controller_fetcher/controller_fetcher.go``, used by
``GetControllingVPAForPod`` in ``pkg/utils/vpa/api.go``); the pod set is read from that
controller (for a CronJob: the labels of ``jobTemplate.spec.template``,
``pkg/target/fetcher.go``). The policy names that owner (default: a suspended CronJob per
agent, see the bundle README).
"""

from __future__ import annotations

import json
from typing import Any

from provisor.policy.model import ExternalWorkload, HpaPolicy, Policy, ScalingRules
from provisor.render.common import base_labels, meta, obj, resource_list
from provisor.render.tiers import AGENT_CONTAINER

#: Annotation on a rendered HPA: the per-container resources assumed for its target's pods.
from provisor.conventions import ANNOTATION_ASSUMED_POD_RESOURCES, SILENCE_PREFIX  # noqa: E402


def hpa_name(w: ExternalWorkload) -> str:
    return f"{w.deployment.name}-hpa"


def _rules(r: ScalingRules) -> dict[str, Any]:
    return {
        "stabilizationWindowSeconds": r.stabilization_window_seconds,
        "selectPolicy": r.select_policy,
        "policies": [{"type": p.type, "value": p.value, "periodSeconds": p.period_seconds}
                     for p in r.policies],
    }


def _metrics(h: HpaPolicy) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for res, pct in (("cpu", h.cpu_utilization), ("memory", h.memory_utilization)):
        if pct is not None:
            out.append({"type": "Resource", "resource": {
                "name": res, "target": {"type": "Utilization", "averageUtilization": pct}}})
    if h.external is not None:
        metric: dict[str, Any] = {"name": h.external.metric}
        if h.external.selector:
            metric["selector"] = {"matchLabels": dict(sorted(h.external.selector.items()))}
        out.append({"type": "External", "external": {
            "metric": metric,
            "target": {"type": "AverageValue",
                       "averageValue": str(h.external.average_value_per_replica)}}})
    return out


def hpa(policy: Policy, w: ExternalWorkload) -> dict[str, Any]:
    """The HPA of one external Deployment."""
    h = w.autoscaling
    res = w.assumed_pod_resources
    assumed = {"requests": resource_list(sorted(res.requests.items())),
               "limits": resource_list(sorted(res.limits.items()))}
    annotations = {ANNOTATION_ASSUMED_POD_RESOURCES: json.dumps(assumed, sort_keys=True,
                                                                separators=(",", ":"))}
    if h.external is not None:
        # AverageValue is the intent (one replica per N of the external count); say so, so
        # that `provisor check` does not explain it as a possible mistake.
        annotations[SILENCE_PREFIX + "hpa.external-target-semantics"] = (
            f"AverageValue on purpose: one replica per {h.external.average_value_per_replica} "
            f"of {h.external.metric}")
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                           "name": w.deployment.name},
        "minReplicas": h.min_replicas,
        "maxReplicas": h.max_replicas,
        "metrics": _metrics(h),
    }
    behavior: dict[str, Any] = {}
    if h.scale_up is not None:
        behavior["scaleUp"] = _rules(h.scale_up)
    if h.scale_down is not None:
        behavior["scaleDown"] = _rules(h.scale_down)
    if behavior:
        spec["behavior"] = behavior
    return obj("autoscaling/v2", "HorizontalPodAutoscaler",
               meta(hpa_name(w), w.deployment.namespace, base_labels(policy), annotations),
               spec=spec)


def vpa_name(policy: Policy, agent: str) -> str:
    return f"{policy.pod_template_name(agent)}-vpa"


def vpa(policy: Policy, agent: str) -> dict[str, Any]:
    """The VPA of one agent: targetRef = the owner of the agent's runs; only the ``agent``
    container is managed (any other container, e.g. an injected sidecar, is ``Off``)."""
    v = policy.agent_vpa
    tier = policy.tier_of(agent)
    policy_agent: dict[str, Any] = {
        "containerName": AGENT_CONTAINER,
        "mode": "Auto",
        "controlledResources": list(v.controlled_resources),
        "controlledValues": v.controlled_values,
    }
    if v.min_allowed:
        policy_agent["minAllowed"] = resource_list(sorted(v.min_allowed.items()))
    policy_agent["maxAllowed"] = resource_list(sorted(v.max_allowed_for(tier).items()))
    labels = base_labels(policy, **{"provisor.dev/agent": agent})
    return obj("autoscaling.k8s.io/v1", "VerticalPodAutoscaler",
               meta(vpa_name(policy, agent), policy.namespace.name, labels),
               spec={
                   "targetRef": {"apiVersion": v.target.api_version, "kind": v.target.kind,
                                 "name": v.target.name_for(agent)},
                   "updatePolicy": {"updateMode": v.update_mode},
                   "resourcePolicy": {"containerPolicies": [
                       policy_agent, {"containerName": "*", "mode": "Off"}]},
               })


def vpas(policy: Policy) -> list[dict[str, Any]]:
    """One VPA per agent, in agent-name order."""
    return [vpa(policy, a) for a in sorted(policy.agents)]
