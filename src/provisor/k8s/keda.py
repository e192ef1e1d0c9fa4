"""The HorizontalPodAutoscaler a KEDA ScaledObject creates, and the Jobs a ScaledJob runs.

KEDA is not Kubernetes, but its operator writes a plain ``autoscaling/v2`` HPA that the
Kubernetes HPA controller then runs; this module writes that HPA from the ScaledObject as a
pure function, so that every HPA rule judges it. Sources (kedacore/keda):

* ``apis/keda/v1alpha1/scaledobject_types.go``: ``GetHPAMinReplicas`` is
  ``minReplicaCount`` when set and > 0, else 1 (a ScaledObject with ``minReplicaCount: 0``
  gets an HPA with ``minReplicas: 1``; KEDA itself scales between 0 and 1);
  ``GetHPAMaxReplicas`` is ``maxReplicaCount`` when set, else 100.
* ``controllers/keda/hpa.go`` (``newHPAForScaledObject``, ``getHPAName``): the HPA is named
  ``advanced.horizontalPodAutoscalerConfig.name`` or ``keda-hpa-<scaledobject name>``, lives
  in the ScaledObject's namespace, targets ``scaleTargetRef`` (``apiVersion`` default
  ``apps/v1``, ``kind`` default ``Deployment``: ``ParseGVKR``), and takes
  ``advanced.horizontalPodAutoscalerConfig.behavior`` as its ``behavior``.
* the scalers' ``GetMetricSpecForScaling``: the ``cpu`` and ``memory`` triggers give a
  ``Resource`` metric (``ContainerResource`` with ``metadata.containerName``) whose target
  type is the trigger's ``metricType`` (default ``Utilization``) and value
  ``metadata.value``; every other trigger gives an ``External`` metric named
  ``s<index>-<trigger type>`` whose target type is ``metricType`` (default
  ``AverageValue``), selected by the label ``scaledobject.keda.sh/name``.
* ``apis/keda/v1alpha1/scaledjob_types.go``: a ScaledJob runs at most ``maxReplicaCount``
  Jobs (default 100) of its ``jobTargetRef`` (a Job spec) at once.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_MIN_REPLICAS", "DEFAULT_MAX_REPLICAS", "hpa_name", "hpa_for_scaled_object",
           "scaled_job_max", "TRIGGER_VALUE_KEYS"]

DEFAULT_MIN_REPLICAS = 1
DEFAULT_MAX_REPLICAS = 100
#: Trigger metadata keys that hold a scaler's target value (the common scalers' names).
TRIGGER_VALUE_KEYS = ("value", "threshold", "targetValue", "queueLength", "lagThreshold",
                      "listLength", "targetQueueLength", "messageCount", "desiredReplicas",
                      "activationThreshold")


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _map(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _dig(obj: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def hpa_name(so: dict[str, Any]) -> str:
    """``getHPAName``: the configured name or ``keda-hpa-<name>``."""
    custom = _dig(so, "spec", "advanced", "horizontalPodAutoscalerConfig", "name")
    if isinstance(custom, str) and custom:
        return custom
    return "keda-hpa-" + str(_dig(so, "metadata", "name") or "")


def _metric(i: int, trigger: dict[str, Any]) -> dict[str, Any] | None:
    ttype = trigger.get("type")
    if not isinstance(ttype, str) or not ttype:
        return None
    meta = _map(trigger.get("metadata"))
    mtype = trigger.get("metricType")
    if ttype in ("cpu", "memory"):
        mtype = mtype if mtype in ("Utilization", "AverageValue") else "Utilization"
        raw = meta.get("value")
        target: dict[str, Any] = {"type": mtype}
        if mtype == "Utilization":
            try:
                target["averageUtilization"] = int(str(raw))
            except (TypeError, ValueError):
                return None
        else:
            if raw is None:
                return None
            target["averageValue"] = str(raw)
        container = meta.get("containerName")
        if isinstance(container, str) and container:
            return {"type": "ContainerResource", "containerResource": {
                "name": ttype, "container": container, "target": target}}
        return {"type": "Resource", "resource": {"name": ttype, "target": target}}
    mtype = mtype if mtype in ("AverageValue", "Value") else "AverageValue"
    raw = next((meta[k] for k in TRIGGER_VALUE_KEYS if k in meta and k != "activationThreshold"),
               None)
    if raw is None:
        return None
    field = "averageValue" if mtype == "AverageValue" else "value"
    return {"type": "External", "external": {
        "metric": {"name": f"s{i}-{ttype}", "selector": {"matchLabels": {
            "scaledobject.keda.sh/name": str(_dig(trigger, "name") or "")}}},
        "target": {"type": mtype, field: str(raw)}}}


def hpa_for_scaled_object(so: dict[str, Any]) -> dict[str, Any] | None:
    """The ``autoscaling/v2`` HorizontalPodAutoscaler KEDA creates for ``so`` (a
    ScaledObject dict), or None when it has no usable ``scaleTargetRef.name``. Triggers whose
    target value cannot be read are left out of ``metrics``."""
    spec = so.get("spec")
    if not isinstance(spec, dict):
        return None
    ref = spec.get("scaleTargetRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or not ref["name"]:
        return None
    meta = _map(so.get("metadata"))
    lo = _int(spec.get("minReplicaCount"))
    hi = _int(spec.get("maxReplicaCount"))
    hpa_spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": ref.get("apiVersion") or "apps/v1",
                           "kind": ref.get("kind") or "Deployment", "name": ref["name"]},
        "minReplicas": lo if lo is not None and lo > 0 else DEFAULT_MIN_REPLICAS,
        "maxReplicas": hi if hi is not None else DEFAULT_MAX_REPLICAS,
    }
    metrics = []
    triggers = spec.get("triggers")
    for i, t in enumerate(triggers if isinstance(triggers, list) else []):
        if isinstance(t, dict):
            m = _metric(i, {**t, "name": meta.get("name")})
            if m is not None:
                metrics.append(m)
    if metrics:
        hpa_spec["metrics"] = metrics
    behavior = _dig(spec, "advanced", "horizontalPodAutoscalerConfig", "behavior")
    if isinstance(behavior, dict):
        hpa_spec["behavior"] = behavior
    hmeta: dict[str, Any] = {"name": hpa_name(so),
                             "labels": {"scaledobject.keda.sh/name": str(meta.get("name", ""))}}
    if isinstance(meta.get("namespace"), str) and meta["namespace"]:
        hmeta["namespace"] = meta["namespace"]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": hmeta, "spec": hpa_spec}


def scaled_job_max(sj: dict[str, Any]) -> int:
    """How many Jobs a ScaledJob runs at most at once: ``maxReplicaCount``, default 100."""
    v = _int(_dig(sj, "spec", "maxReplicaCount"))
    return v if v is not None else DEFAULT_MAX_REPLICAS
