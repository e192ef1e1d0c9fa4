"""autoscaling/v2 HorizontalPodAutoscaler defaults and the HPA controller's flag defaults.

Follows kubernetes/kubernetes ``pkg/apis/autoscaling/v2/defaults.go``
(``SetDefaults_HorizontalPodAutoscaler``, ``SetDefaults_HorizontalPodAutoscalerBehavior``,
``GenerateHPAScaleUpRules``, ``GenerateHPAScaleDownRules``, ``copyHPAScalingRules``) and
``pkg/controller/podautoscaler/config/v1alpha1/defaults.go`` (the kube-controller-manager
``--horizontal-pod-autoscaler-*`` defaults).

Objects are JSON-form dicts; every function returns new dicts and never mutates its input.
Rules defaults:

* scale-up: ``stabilizationWindowSeconds: 0``, ``selectPolicy: Max``, policies
  ``[{Pods, 4, 15}, {Percent, 100, 15}]``;
* scale-down: no window (the controller's ``--horizontal-pod-autoscaler-downscale-
  stabilization``, 300 s by default, applies), ``selectPolicy: Max``, ``[{Percent, 100, 15}]``.

A field set in the spec (``policies`` even when empty, ``tolerance``) replaces the default.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

__all__ = [
    "DEFAULT_CPU_UTILIZATION",
    "DEFAULT_SYNC_PERIOD",
    "DEFAULT_UPSCALE_FORBIDDEN_WINDOW",
    "DEFAULT_DOWNSCALE_FORBIDDEN_WINDOW",
    "DEFAULT_DOWNSCALE_STABILIZATION_WINDOW",
    "DEFAULT_CPU_INITIALIZATION_PERIOD",
    "DEFAULT_INITIAL_READINESS_DELAY",
    "DEFAULT_TOLERANCE",
    "default_hpa_scale_up_rules",
    "default_hpa_scale_down_rules",
    "generate_hpa_scale_up_rules",
    "generate_hpa_scale_down_rules",
    "set_defaults_horizontal_pod_autoscaler_behavior",
    "set_defaults_horizontal_pod_autoscaler",
]

DEFAULT_CPU_UTILIZATION = 80  # pkg/apis/autoscaling DefaultCPUUtilization, percent

# kube-controller-manager flag defaults, seconds (tolerance is a fraction)
DEFAULT_SYNC_PERIOD = 15.0
DEFAULT_UPSCALE_FORBIDDEN_WINDOW = 180.0
DEFAULT_DOWNSCALE_FORBIDDEN_WINDOW = 300.0
DEFAULT_DOWNSCALE_STABILIZATION_WINDOW = 300.0
DEFAULT_CPU_INITIALIZATION_PERIOD = 300.0
DEFAULT_INITIAL_READINESS_DELAY = 30.0
DEFAULT_TOLERANCE = 0.1

_SCALE_UP_LIMIT_PERCENT = 100
_SCALE_UP_LIMIT_MINIMUM_PODS = 4
_SCALE_UP_PERIOD = 15
_SCALE_DOWN_LIMIT_PERCENT = 100
_SCALE_DOWN_PERIOD = 15


def default_hpa_scale_up_rules() -> dict[str, Any]:
    """A fresh copy of the default scale-up rules."""
    return {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [
            {"type": "Pods", "value": _SCALE_UP_LIMIT_MINIMUM_PODS, "periodSeconds": _SCALE_UP_PERIOD},
            {"type": "Percent", "value": _SCALE_UP_LIMIT_PERCENT, "periodSeconds": _SCALE_UP_PERIOD},
        ],
    }


def default_hpa_scale_down_rules() -> dict[str, Any]:
    """A fresh copy of the default scale-down rules (no ``stabilizationWindowSeconds``)."""
    return {
        "selectPolicy": "Max",
        "policies": [
            {"type": "Percent", "value": _SCALE_DOWN_LIMIT_PERCENT, "periodSeconds": _SCALE_DOWN_PERIOD},
        ],
    }


def _json_copy(v: Any) -> Any:
    """A deep copy of JSON-form data (dicts, lists, scalars): what ``copy.deepcopy`` gives for
    such trees, without its memo bookkeeping (the twin calls this on every HPA sync)."""
    if isinstance(v, dict):
        return {k: _json_copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_copy(x) for x in v]
    return v


def _copy_rules(src: Mapping[str, Any] | None, into: dict[str, Any]) -> dict[str, Any]:
    if src is None:
        return into
    for key in ("selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"):
        if src.get(key) is not None:
            into[key] = _json_copy(src[key])
    return into


def generate_hpa_scale_up_rules(scaling_rules: Mapping[str, Any] | None) -> dict[str, Any]:
    """``GenerateHPAScaleUpRules``: the defaults overlaid with the fields set in
    ``scaling_rules`` (``behavior.scaleUp`` in JSON form, or ``None``)."""
    return _copy_rules(scaling_rules, default_hpa_scale_up_rules())


def generate_hpa_scale_down_rules(scaling_rules: Mapping[str, Any] | None) -> dict[str, Any]:
    """``GenerateHPAScaleDownRules``: as for scale-up; ``stabilizationWindowSeconds`` stays
    unset unless given (the controller flag fills it)."""
    return _copy_rules(scaling_rules, default_hpa_scale_down_rules())


def set_defaults_horizontal_pod_autoscaler_behavior(hpa: Mapping[str, Any], *,
                                                    selection_strategy: bool = False) -> dict[str, Any]:
    """``SetDefaults_HorizontalPodAutoscalerBehavior`` on an HPA dict: when ``spec.behavior``
    is present, both directions are filled. Returns a new HPA dict.

    ``selection_strategy``: also default ``spec.selectionStrategy`` to ``LabelSelector``, as
    the newest upstream does; the field belongs to an alpha feature and the API server drops
    it while the feature gate is off, so it is off here by default.
    """
    out = copy.deepcopy(dict(hpa))
    spec = out.setdefault("spec", {})
    behavior = spec.get("behavior")
    if behavior is not None:
        spec["behavior"] = {
            **behavior,
            "scaleUp": generate_hpa_scale_up_rules(behavior.get("scaleUp")),
            "scaleDown": generate_hpa_scale_down_rules(behavior.get("scaleDown")),
        }
    if selection_strategy and spec.get("selectionStrategy") is None:
        spec["selectionStrategy"] = "LabelSelector"
    return out


def set_defaults_horizontal_pod_autoscaler(hpa: Mapping[str, Any], *,
                                           selection_strategy: bool = False) -> dict[str, Any]:
    """``SetDefaults_HorizontalPodAutoscaler``: ``minReplicas: 1``; without metrics, one
    Resource metric ``cpu`` at ``averageUtilization: 80``; then the behavior defaults.
    Returns a new HPA dict."""
    out = copy.deepcopy(dict(hpa))
    spec = out.setdefault("spec", {})
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [{
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION},
            },
        }]
    return set_defaults_horizontal_pod_autoscaler_behavior(out, selection_strategy=selection_strategy)
