"""The Namespace the bundle owns.

Only the platform namespace is rendered. Argo's namespace belongs to the Argo install: the
bundle puts an HPA and a PDB in it and assumes it exists (see the bundle README).
"""

from __future__ import annotations

from typing import Any

from provisor.policy.model import Policy
from provisor.render.common import base_labels, meta, obj


def namespaces(policy: Policy) -> list[dict[str, Any]]:
    """``[Namespace]`` for ``policy.namespace``."""
    labels = base_labels(policy)
    labels.update(policy.namespace.labels)
    # kubernetes.io/metadata.name is set by the API server itself; writing it is harmless
    # but would be noise.
    return [obj("v1", "Namespace", meta(policy.namespace.name, labels=labels))]
