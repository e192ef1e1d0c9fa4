"""PodDisruptionBudgets (policy/v1) for the Deployments the bundle protects but does not own.

``unhealthyPodEvictionPolicy: AlwaysAllow`` (GA in Kubernetes 1.31): a pod that is running but
not Ready may always be evicted. With the default (IfHealthyBudget) a crash-looping replica
counts against the budget and can block a node drain forever
(``pkg/registry/core/pod/storage/eviction.go``).
"""

from __future__ import annotations

from typing import Any

from provisor.policy.model import ExternalWorkload, Policy
from provisor.render.common import base_labels, meta, obj


def pdb_name(w: ExternalWorkload) -> str:
    return f"{w.deployment.name}-pdb"


def pdb(policy: Policy, w: ExternalWorkload) -> dict[str, Any]:
    """The PDB of one external Deployment (selector: its pod labels)."""
    b = w.disruption_budget
    spec: dict[str, Any] = {"selector": {"matchLabels": dict(sorted(w.deployment.pod_labels.items()))},
                            "unhealthyPodEvictionPolicy": b.unhealthy_pod_eviction_policy}
    if b.min_available is not None:
        spec["minAvailable"] = b.min_available
    else:
        spec["maxUnavailable"] = b.max_unavailable
    return obj("policy/v1", "PodDisruptionBudget",
               meta(pdb_name(w), w.deployment.namespace, base_labels(policy)), spec=spec)
