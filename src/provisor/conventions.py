"""Names that the rendered bundle, the checker and the twin agree on.

These are the contract between ``render`` (which writes them) and ``check`` / ``sim`` (which
read them from objects alone, never from the policy file).
"""

from __future__ import annotations

#: Annotation on an agent ``PodTemplate``: the maximum number of concurrent runs (pods) the
#: controller starts from it. Value: a decimal integer >= 0.
ANNOTATION_MAX_CONCURRENCY = "provisor.dev/max-concurrency"

#: Annotation on an HPA whose scale target is not part of the bundle (a Deployment installed
#: by someone else): what each container of the target's pods requests and is limited to, so
#: that the quota check and the twin can count the target's pods at ``maxReplicas`` from
#: objects alone. Value: JSON ``{"requests": {"cpu": "200m", ...}, "limits": {...},
#: "containers": 1}`` (quantities as strings; ``containers`` defaults to 1).
ANNOTATION_ASSUMED_POD_RESOURCES = "provisor.dev/assumed-pod-resources"

#: Annotation prefix that silences one check rule on one object; the rule id's slash becomes
#: a dot: ``ignore.provisor.dev/quota.hpa-max-exceeds: "<reason>"``. The reason is required.
SILENCE_PREFIX = "ignore.provisor.dev/"

#: Label that the Grafana sidecar uses to find dashboard ConfigMaps (kube-prometheus-stack's
#: default ``sidecar.dashboards.label``).
GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"
