"""HorizontalPodAutoscaler spec validation: the replica bounds and ``spec.behavior``.

Follows kubernetes/kubernetes ``pkg/apis/autoscaling/validation/validation.go``
(``ValidateHorizontalPodAutoscaler`` -> ``validateHorizontalPodAutoscalerSpec``: the
``minReplicas``/``maxReplicas`` checks, then ``validateMetrics``' scale-to-zero rule, then
``validateBehavior`` -> ``validateScalingRules`` / ``validateScalingPolicy``, with
``MaxPeriodSeconds`` = 1800 and ``MaxStabilizationWindowSeconds`` = 3600). Validation runs on
the object after ``SetDefaults_HorizontalPodAutoscaler`` (``pkg/apis/autoscaling/v2/
defaults.go``), so an unset ``minReplicas`` counts as 1; behavior ``policies`` are judged as
sent (defaulting fills them only when the field is absent).

Errors are :class:`provisor.k8s.validation.FieldError` values (``str(err)`` is the API's text,
e.g. ``spec.maxReplicas: Invalid value: 0: must be greater than 0``), each with its document
path; the 422 message is :func:`hpa_invalid_message` (``HorizontalPodAutoscaler.autoscaling
"<name>" is invalid: ...``).

Not covered: object metadata, ``scaleTargetRef``, the metric specs themselves (sources,
targets, selectors) and ``tolerance``. Fields of the wrong JSON type are not judged (the
schema check reports them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from provisor.k8s.validation import (
    FieldError,
    FieldPath,
    forbidden,
    invalid,
    invalid_message,
    not_supported,
    required,
)

__all__ = [
    "HPA_GROUP_KIND",
    "MAX_PERIOD_SECONDS",
    "MAX_STABILIZATION_WINDOW_SECONDS",
    "POLICY_TYPES",
    "SELECT_POLICIES",
    "behavior_errors",
    "hpa_invalid_message",
    "replica_bounds_errors",
    "scaling_rules_errors",
]

#: ``apierrors.NewInvalid``'s qualified kind for HPAs (``autoscaling.Kind(...)``).
HPA_GROUP_KIND = "HorizontalPodAutoscaler.autoscaling"
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600
#: ``validSelectPolicyTypesList`` and ``validPolicyTypesList`` (sorted, as upstream lists them).
SELECT_POLICIES = ("Disabled", "Max", "Min")
POLICY_TYPES = ("Percent", "Pods")

_SPEC = FieldPath("spec")
_MIN_REPLICAS = _SPEC.child("minReplicas")
_MAX_REPLICAS = _SPEC.child("maxReplicas")
_METRICS = _SPEC.child("metrics")
_DIRECTIONS = tuple((key, _SPEC.child("behavior", key)) for key in ("scaleUp", "scaleDown"))


def _is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def replica_bounds_errors(
    spec: Mapping[str, Any], *, api_version: str = "autoscaling/v2", scale_to_zero: bool = False
) -> list[FieldError]:
    """The replica-bound errors of an HPA ``spec`` (JSON form), in upstream order:

    1. ``spec.minReplicas: Invalid value: <n>: must be greater than or equal to <lower>`` when
       ``minReplicas`` is below 1 (below 0 with ``scale_to_zero``, the alpha HPAScaleToZero
       gate);
    2. ``spec.maxReplicas: Invalid value: <n>: must be greater than 0``;
    3. ``spec.maxReplicas: Invalid value: <n>: must be greater than or equal to
       `minReplicas``` (an unset ``minReplicas`` defaults to 1 first);
    4. ``spec.metrics: Forbidden: must specify at least one Object or External metric to
       support scaling to zero replicas`` when ``minReplicas`` is 0 and no metric has type
       ``Object`` or ``External``. ``autoscaling/v1`` (``api_version``) has no ``metrics``
       field: its one implied metric is a Resource metric.

    Values that are not integers are not judged. Never raises."""
    out: list[FieldError] = []
    lo, hi = spec.get("minReplicas"), spec.get("maxReplicas")
    lower = 0 if scale_to_zero else 1
    if _is_int(lo) and lo < lower:
        out.append(invalid(_MIN_REPLICAS, lo,
                           f"must be greater than or equal to {lower}"))
    if _is_int(hi) and hi < 1:
        out.append(invalid(_MAX_REPLICAS, hi, "must be greater than 0"))
    eff_lo = lo if _is_int(lo) else (1 if lo is None else None)
    if _is_int(hi) and eff_lo is not None and hi < eff_lo:
        out.append(invalid(_MAX_REPLICAS, hi,
                           "must be greater than or equal to `minReplicas`"))
    if eff_lo == 0:
        metrics = spec.get("metrics") if api_version != "autoscaling/v1" else None
        types = {m.get("type") for m in metrics if isinstance(m, dict)} \
            if isinstance(metrics, list) else set()
        if "Object" not in types and "External" not in types:
            out.append(forbidden(_METRICS, "must specify at least one Object or "
                                                         "External metric to support scaling "
                                                         "to zero replicas"))
    return out


def scaling_rules_errors(rules: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """The errors of one ``HPAScalingRules`` (JSON form) at ``path`` (e.g.
    ``spec.behavior.scaleUp``), in upstream ``validateScalingRules`` order:
    ``stabilizationWindowSeconds`` outside 0..3600; ``selectPolicy`` not ``Disabled``, ``Max``
    or ``Min``; an empty ``policies`` list (Required); then per policy: ``type`` not
    ``Percent``/``Pods``, ``value`` <= 0, ``periodSeconds`` <= 0 or > 1800. Never raises."""
    out: list[FieldError] = []
    w = rules.get("stabilizationWindowSeconds")
    if _is_int(w) and w < 0:
        out.append(invalid(path.child("stabilizationWindowSeconds"), w,
                           "must be greater than or equal to zero"))
    if _is_int(w) and w > MAX_STABILIZATION_WINDOW_SECONDS:
        out.append(invalid(path.child("stabilizationWindowSeconds"), w,
                           f"must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"))
    sel = rules.get("selectPolicy")
    if sel is not None and sel not in SELECT_POLICIES:
        out.append(not_supported(path.child("selectPolicy"), sel, SELECT_POLICIES))
    policies = rules.get("policies")
    if isinstance(policies, list) and not policies:
        out.append(required(path.child("policies"), "must specify at least one Policy"))
    for i, p in enumerate(policies if isinstance(policies, list) else ()):
        if not isinstance(p, dict):
            continue
        t, v, period = p.get("type"), p.get("value"), p.get("periodSeconds")
        bad_value = _is_int(v) and v <= 0
        period_too_low = _is_int(period) and period <= 0
        period_too_high = _is_int(period) and period > MAX_PERIOD_SECONDS
        if t in POLICY_TYPES and not bad_value and not period_too_low and not period_too_high:
            continue  # the common case, decided without building paths
        pp = path.child("policies").index(i)
        if t not in POLICY_TYPES:
            out.append(not_supported(pp.child("type"), t or "", POLICY_TYPES))
        if bad_value:
            out.append(invalid(pp.child("value"), v, "must be greater than zero"))
        if period_too_low:
            out.append(invalid(pp.child("periodSeconds"), period, "must be greater than zero"))
        if period_too_high:
            out.append(invalid(pp.child("periodSeconds"), period,
                               f"must be less than or equal to {MAX_PERIOD_SECONDS}"))
    return out


def behavior_errors(behavior: Mapping[str, Any]) -> list[FieldError]:
    """The errors of ``spec.behavior`` (``validateBehavior``): ``scaleUp``, then
    ``scaleDown``, each by :func:`scaling_rules_errors`; a direction that is absent or not a
    mapping is skipped. Never raises."""
    out: list[FieldError] = []
    for key, path in _DIRECTIONS:
        rules = behavior.get(key)
        if isinstance(rules, dict):
            out.extend(scaling_rules_errors(rules, path))
    return out


def hpa_invalid_message(hpa: Mapping[str, Any], errors: Iterable[str | FieldError]) -> str:
    """The API server's 422 message for ``hpa`` with ``errors``:
    ``HorizontalPodAutoscaler.autoscaling "<name>" is invalid: <errors>``."""
    meta = hpa.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return invalid_message(HPA_GROUP_KIND,
                           {"metadata": {"name": name if isinstance(name, str) else ""}}, errors)
