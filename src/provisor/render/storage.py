"""Workspace volumes: the PVC template of each workspace class.

Each agent run gets its own PVC from its class's template, as a generic ephemeral volume
(``spec.volumes[].ephemeral.volumeClaimTemplate``, Kubernetes >= 1.23): the ephemeral-volume
controller creates ``<pod>-<volume>`` with the pod as owner, and the garbage collector deletes
it with the pod. Why not a PVC reference: a run-to-completion pod would leave its claim behind,
and leftover claims count against the quota's ``persistentvolumeclaims`` and
``requests.storage`` until someone deletes them; the spec's "< 20% unused storage" goal wants
storage to live exactly as long as the run. The claim is created through the API server,
so the ResourceQuota and the LimitRange's PersistentVolumeClaim item apply to it.
(Upstream: ``pkg/controller/volume/ephemeral/controller.go``.)
"""

from __future__ import annotations

from typing import Any

from provisor.policy.model import Policy, WorkspaceClass
from provisor.render.common import qty

#: Name of the workspace volume in agent pods; the PVC is ``<pod name>-workspace``.
WORKSPACE_VOLUME = "workspace"


def pvc_spec(ws: WorkspaceClass) -> dict[str, Any]:
    """A PersistentVolumeClaimSpec for one workspace of class ``ws``."""
    return {
        "accessModes": [ws.access_mode],
        "storageClassName": ws.storage_class,
        "volumeMode": "Filesystem",
        "resources": {"requests": {"storage": qty(ws.size)}},
    }


def pvc_template(policy: Policy, class_name: str, agent: str | None = None) -> dict[str, Any]:
    """A PersistentVolumeClaimTemplate (metadata + spec) for ``class_name``; labels name the
    class and, when given, the agent."""
    labels = {
        "app.kubernetes.io/part-of": policy.name,
        "provisor.dev/workspace-class": class_name,
    }
    if agent is not None:
        labels["provisor.dev/agent"] = agent
    return {"metadata": {"labels": labels},
            "spec": pvc_spec(policy.workspace_classes[class_name])}


def pvc_templates(policy: Policy) -> dict[str, dict[str, Any]]:
    """class name -> PersistentVolumeClaimTemplate, for the tier ConfigMap."""
    return {name: pvc_template(policy, name) for name in sorted(policy.workspace_classes)}


def workspace_volume(policy: Policy, agent: str) -> dict[str, Any]:
    """The ``workspace`` volume of an agent's pod (generic ephemeral volume)."""
    a = policy.agents[agent]
    return {"name": WORKSPACE_VOLUME,
            "ephemeral": {"volumeClaimTemplate": pvc_template(policy, a.workspace, agent)}}
