"""The namespace ResourceQuota and LimitRange (v1).

The LimitRange is written with its effective values (what the API server's defaulting,
``SetDefaults_LimitRangeItem`` in ``pkg/apis/core/v1/defaults.go``, would fill in), so the
object says exactly what the LimitRanger admission plugin
(``plugin/pkg/admission/limitranger/admission.go``) will apply.
"""

from __future__ import annotations

from typing import Any

from provisor.policy.model import Policy
from provisor.render.common import base_labels, meta, obj, resource_list

_QUOTA_ORDER = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def resource_quota(policy: Policy) -> dict[str, Any]:
    """The ResourceQuota ``policy.quota`` in the platform namespace."""
    q = policy.quota
    return obj("v1", "ResourceQuota",
               meta(q.name, policy.namespace.name, base_labels(policy)),
               spec={"hard": resource_list(sorted(q.hard.items()))})


def limit_range(policy: Policy) -> dict[str, Any]:
    """The LimitRange: a Container item (max, min, default, defaultRequest,
    maxLimitRequestRatio) and a PersistentVolumeClaim item (storage min/max)."""
    lr = policy.limit_range
    c = lr.container
    container: dict[str, Any] = {"type": "Container"}
    for key, values in (("max", c.max), ("min", c.min), ("default", c.effective_default()),
                        ("defaultRequest", c.effective_default_request()),
                        ("maxLimitRequestRatio", c.max_limit_request_ratio)):
        if values:
            container[key] = resource_list(sorted(values.items()))
    pvc = {"type": "PersistentVolumeClaim",
           "min": {"storage": str(lr.pvc.min)}, "max": {"storage": str(lr.pvc.max)}}
    return obj("v1", "LimitRange", meta(lr.name, policy.namespace.name, base_labels(policy)),
               spec={"limits": [container, pvc]})
