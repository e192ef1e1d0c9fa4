"""PriorityClasses (scheduling.k8s.io/v1).

None of them is ``globalDefault`` unless the policy says so: a globalDefault class is given to
every pod created without a priorityClassName in the whole cluster (``pkg/apis/scheduling``,
admission plugin ``plugin/pkg/admission/priority/admission.go``), other teams' pods included.
``preemptionPolicy: Never`` keeps the class's place in the scheduling queue without evicting
running pods (KEP-902).
"""

from __future__ import annotations

from typing import Any

from provisor.policy.model import Policy
from provisor.render.common import base_labels, meta, obj


def priority_classes(policy: Policy) -> list[dict[str, Any]]:
    """One PriorityClass per ``policy.priority_classes`` entry, highest value first."""
    out = []
    for name, pc in sorted(policy.priority_classes.items(), key=lambda kv: (-kv[1].value, kv[0])):
        body: dict[str, Any] = {
            "value": pc.value,
            "globalDefault": pc.global_default,
            "preemptionPolicy": pc.preemption_policy,
        }
        if pc.description:
            body["description"] = pc.description
        out.append(obj("scheduling.k8s.io/v1", "PriorityClass",
                       meta(name, labels=base_labels(policy)), **body))
    return out
