"""The HPA behavior normalizer: stabilization windows, rate policies, min/max clamps.

Follows the pure parts of kubernetes/kubernetes ``pkg/controller/podautoscaler/horizontal.go``:
``stabilizeRecommendation`` and ``normalizeDesiredReplicas`` (no ``behavior``: downscale
stabilization window, scale-up limit ``max(scaleUpLimitFactor * current, scaleUpLimitMinimum)``),
``stabilizeRecommendationWithBehaviors``, ``convertDesiredReplicasWithBehaviorRate``,
``calculateScaleUpLimitWithScalingRules``, ``calculateScaleDownLimitWithBehaviors``,
``getReplicasChangePerPeriod``, ``markScaleEventsOutdated``, ``storeScaleEvent`` and
``normalizeDesiredReplicasWithBehaviors``, with the condition reasons and messages upstream sets.

The controller keeps, per HPA, its recent unstabilized recommendations and its scale-up and
scale-down events. Here that memory is the immutable value ``HPAState``: every function takes
one and returns the next, so a simulator can hold it, copy it and replay it. Times are float
seconds on the caller's clock (``now``); periods and windows are whole seconds as in the API.
Comparisons keep Go's strictness (``After`` is ``>``, ``Before`` is ``<``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple, Sequence

from provisor.k8s.hpa.defaults import generate_hpa_scale_down_rules, generate_hpa_scale_up_rules
from provisor.k8s.hpa.replica_calculator import MAX_INT32, MIN_INT32

__all__ = [
    "SCALE_UP_LIMIT_FACTOR",
    "SCALE_UP_LIMIT_MINIMUM",
    "DEFAULT_DOWNSCALE_STABILIZATION_WINDOW",
    "PODS_SCALING_POLICY",
    "PERCENT_SCALING_POLICY",
    "MAX_CHANGE_POLICY_SELECT",
    "MIN_CHANGE_POLICY_SELECT",
    "DISABLED_POLICY_SELECT",
    "ScalingPolicy",
    "ScalingRules",
    "Behavior",
    "TimestampedRecommendation",
    "ScaleEvent",
    "HPAState",
    "NormalizationArg",
    "Normalization",
    "record_initial_recommendation",
    "stabilize_recommendation",
    "normalize_desired_replicas",
    "convert_desired_replicas_with_rules",
    "calculate_scale_up_limit",
    "stabilize_recommendation_with_behaviors",
    "convert_desired_replicas_with_behavior_rate",
    "normalize_desired_replicas_with_behaviors",
    "get_replicas_change_per_period",
    "mark_scale_events_outdated",
    "get_longest_policy_period",
    "calculate_scale_up_limit_with_scaling_rules",
    "calculate_scale_down_limit_with_behaviors",
    "store_scale_event",
]

SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
DEFAULT_DOWNSCALE_STABILIZATION_WINDOW = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization

PODS_SCALING_POLICY = "Pods"
PERCENT_SCALING_POLICY = "Percent"
MAX_CHANGE_POLICY_SELECT = "Max"
MIN_CHANGE_POLICY_SELECT = "Min"
DISABLED_POLICY_SELECT = "Disabled"

_MSG_UP_STABILIZED = "recent recommendations were lower than current one, applying the lowest recent recommendation"
_MSG_DOWN_STABILIZED = "recent recommendations were higher than current one, applying the highest recent recommendation"
_MSG_READY = "recommended size matches current size"
_MSG_UP_LIMIT = "the desired replica count is increasing faster than the maximum scale rate"
_MSG_DOWN_LIMIT = "the desired replica count is decreasing faster than the maximum scale rate"
_MSG_TOO_MANY = "the desired replica count is more than the maximum replica count"
_MSG_TOO_FEW = "the desired replica count is less than the minimum replica count"
_MSG_WITHIN = "the desired count is within the acceptable range"


# ---------------------------------------------------------------------------------------------
# spec values


@dataclass(frozen=True, slots=True)
class ScalingPolicy:
    """``HPAScalingPolicy``: ``type`` ``Pods`` or ``Percent``, ``value``, ``period_seconds``."""

    type: str
    value: int
    period_seconds: int

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ScalingPolicy":
        return cls(d.get("type", ""), int(d.get("value", 0)), int(d.get("periodSeconds", 0)))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "periodSeconds": self.period_seconds}


@dataclass(frozen=True, slots=True)
class ScalingRules:
    """``HPAScalingRules`` of one direction. ``None`` marks an unset field, as a nil pointer
    does upstream (``tolerance`` keeps the quantity text of the spec)."""

    stabilization_window_seconds: int | None = None
    select_policy: str | None = None
    policies: tuple[ScalingPolicy, ...] | None = None
    tolerance: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "ScalingRules | None":
        """From the JSON form (``stabilizationWindowSeconds``, ``selectPolicy``, ``policies``,
        ``tolerance``); ``None`` stays ``None``."""
        if d is None:
            return None
        pol = d.get("policies")
        tol = d.get("tolerance")
        return cls(
            None if d.get("stabilizationWindowSeconds") is None else int(d["stabilizationWindowSeconds"]),
            d.get("selectPolicy"),
            None if pol is None else tuple(ScalingPolicy.from_dict(p) for p in pol),
            None if tol is None else str(tol),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.stabilization_window_seconds is not None:
            out["stabilizationWindowSeconds"] = self.stabilization_window_seconds
        if self.select_policy is not None:
            out["selectPolicy"] = self.select_policy
        if self.policies is not None:
            out["policies"] = [p.to_dict() for p in self.policies]
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        return out


@dataclass(frozen=True, slots=True)
class Behavior:
    """``HorizontalPodAutoscalerBehavior``: rules for each direction (``None`` when unset)."""

    scale_up: ScalingRules | None = None
    scale_down: ScalingRules | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None, *, defaults: bool = True) -> "Behavior | None":
        """From ``spec.behavior``; with ``defaults`` (as the API server stores it) the unset
        fields of each direction are filled by ``GenerateHPAScale{Up,Down}Rules``."""
        if d is None:
            return None
        if defaults:
            return cls(ScalingRules.from_dict(generate_hpa_scale_up_rules(d.get("scaleUp"))),
                       ScalingRules.from_dict(generate_hpa_scale_down_rules(d.get("scaleDown"))))
        return cls(ScalingRules.from_dict(d.get("scaleUp")), ScalingRules.from_dict(d.get("scaleDown")))


def _as_rules(rules: ScalingRules | Mapping[str, Any] | None) -> ScalingRules | None:
    if rules is None or isinstance(rules, ScalingRules):
        return rules
    return ScalingRules.from_dict(rules)


def _as_behavior(behavior: Behavior | Mapping[str, Any] | None) -> Behavior | None:
    if behavior is None or isinstance(behavior, Behavior):
        return behavior
    return Behavior.from_dict(behavior)


# ---------------------------------------------------------------------------------------------
# state


@dataclass(frozen=True, slots=True)
class TimestampedRecommendation:
    """An unstabilized recommendation (replicas) and when it was made (seconds)."""

    recommendation: int
    timestamp: float


@dataclass(frozen=True, slots=True)
class ScaleEvent:
    """A rescale: ``replica_change`` (absolute, >= 0), when (seconds), and whether it is
    outdated (older than the longest policy period, so its slot may be reused)."""

    replica_change: int
    timestamp: float
    outdated: bool = False


@dataclass(frozen=True, slots=True)
class HPAState:
    """What the controller remembers about one HPA between syncs.

    ``recommendations`` is ``None`` until the first sync records one (upstream's nil slice,
    which ``record_initial_recommendation`` fills with the current size); an empty tuple is a
    history that exists but is empty. Order matters: upstream reuses the last outdated slot.
    """

    recommendations: tuple[TimestampedRecommendation, ...] | None = None
    scale_up_events: tuple[ScaleEvent, ...] = ()
    scale_down_events: tuple[ScaleEvent, ...] = ()


class NormalizationArg(NamedTuple):
    """Inputs of the behavior normalizer (upstream ``NormalizationArg`` minus the key)."""

    scale_up_behavior: ScalingRules
    scale_down_behavior: ScalingRules
    min_replicas: int
    max_replicas: int
    current_replicas: int
    desired_replicas: int


class Normalization(NamedTuple):
    """A normalizer's answer: the replicas to set, the next state and the two conditions it
    decides: ``AbleToScale`` (status True; reason ``ReadyForNewScale``, ``ScaleDownStabilized``
    or ``ScaleUpStabilized``) and ``ScalingLimited`` (``limited`` is its status; reason
    ``DesiredWithinRange``, ``ScaleUpLimit``, ``ScaleDownLimit``, ``TooManyReplicas`` or
    ``TooFewReplicas``), each with upstream's message."""

    desired_replicas: int
    state: HPAState
    able_to_scale_reason: str
    able_to_scale_message: str
    limited: bool
    limited_reason: str
    limited_message: str


# ---------------------------------------------------------------------------------------------
# without behavior


def record_initial_recommendation(state: HPAState, current_replicas: int, now: float) -> HPAState:
    """First sync of an HPA: remember the current size as a recommendation made ``now``
    (only while ``state.recommendations`` is ``None``)."""
    if state.recommendations is None:
        return HPAState((TimestampedRecommendation(current_replicas, now),),
                        state.scale_up_events, state.scale_down_events)
    return state


def _record(recs: Sequence[TimestampedRecommendation] | None, old_index: int | None,
            rec: TimestampedRecommendation) -> tuple[TimestampedRecommendation, ...]:
    items = list(recs or ())
    if old_index is None:
        items.append(rec)
    else:
        items[old_index] = rec
    return tuple(items)


def stabilize_recommendation(state: HPAState, prenormalized_desired_replicas: int, now: float,
                             downscale_stabilization_window: float = DEFAULT_DOWNSCALE_STABILIZATION_WINDOW
                             ) -> tuple[int, HPAState]:
    """The highest recommendation of the last ``downscale_stabilization_window`` seconds
    (the new one included); the new one is stored, reusing the last slot older than the
    window if any (``stabilizeRecommendation``)."""
    max_rec = prenormalized_desired_replicas
    old_index: int | None = None
    cutoff = now - downscale_stabilization_window
    recs = state.recommendations or ()
    for i, rec in enumerate(recs):
        if rec.timestamp < cutoff:
            old_index = i
        elif rec.recommendation > max_rec:
            max_rec = rec.recommendation
    new_recs = _record(recs, old_index, TimestampedRecommendation(prenormalized_desired_replicas, now))
    return max_rec, HPAState(new_recs, state.scale_up_events, state.scale_down_events)


def calculate_scale_up_limit(current_replicas: int, scale_up_limit_factor: float = SCALE_UP_LIMIT_FACTOR,
                             scale_up_limit_minimum: float = SCALE_UP_LIMIT_MINIMUM) -> int:
    """``int32(max(factor * current, minimum))`` - the legacy scale-up cap (2x, at least 4)."""
    return int(max(scale_up_limit_factor * float(current_replicas), scale_up_limit_minimum))


def convert_desired_replicas_with_rules(current_replicas: int, desired_replicas: int, hpa_min_replicas: int,
                                        hpa_max_replicas: int, *,
                                        scale_up_limit_factor: float = SCALE_UP_LIMIT_FACTOR,
                                        scale_up_limit_minimum: float = SCALE_UP_LIMIT_MINIMUM
                                        ) -> tuple[int, str, str]:
    """Clamp without behavior: (replicas, condition reason, message) with reasons
    ``TooFewReplicas``, ``ScaleUpLimit``, ``TooManyReplicas`` or ``DesiredWithinRange``
    (``convertDesiredReplicasWithRules``)."""
    minimum_allowed = hpa_min_replicas
    scale_up_limit = calculate_scale_up_limit(current_replicas, scale_up_limit_factor, scale_up_limit_minimum)
    if hpa_max_replicas > scale_up_limit:
        maximum_allowed = scale_up_limit
        reason, message = "ScaleUpLimit", _MSG_UP_LIMIT
    else:
        maximum_allowed = hpa_max_replicas
        reason, message = "TooManyReplicas", _MSG_TOO_MANY
    if desired_replicas < minimum_allowed:
        return minimum_allowed, "TooFewReplicas", _MSG_TOO_FEW
    if desired_replicas > maximum_allowed:
        return maximum_allowed, reason, message
    return desired_replicas, "DesiredWithinRange", _MSG_WITHIN


def normalize_desired_replicas(state: HPAState, current_replicas: int, prenormalized_desired_replicas: int,
                               min_replicas: int, max_replicas: int, now: float, *,
                               downscale_stabilization_window: float = DEFAULT_DOWNSCALE_STABILIZATION_WINDOW,
                               scale_up_limit_factor: float = SCALE_UP_LIMIT_FACTOR,
                               scale_up_limit_minimum: float = SCALE_UP_LIMIT_MINIMUM) -> Normalization:
    """The normalizer for an HPA without ``behavior`` (``normalizeDesiredReplicas``):
    downscale stabilization, then the min/max and legacy scale-up clamps."""
    stabilized, new_state = stabilize_recommendation(state, prenormalized_desired_replicas, now,
                                                     downscale_stabilization_window)
    if stabilized != prenormalized_desired_replicas:
        able_reason, able_msg = "ScaleDownStabilized", _MSG_DOWN_STABILIZED
    else:
        able_reason, able_msg = "ReadyForNewScale", _MSG_READY
    desired, reason, message = convert_desired_replicas_with_rules(
        current_replicas, stabilized, min_replicas, max_replicas,
        scale_up_limit_factor=scale_up_limit_factor, scale_up_limit_minimum=scale_up_limit_minimum)
    return Normalization(desired, new_state, able_reason, able_msg, desired != stabilized, reason, message)


# ---------------------------------------------------------------------------------------------
# with behavior


def stabilize_recommendation_with_behaviors(args: NormalizationArg, state: HPAState, now: float
                                            ) -> tuple[int, str, str, HPAState]:
    """Keep the recommendation between the lowest one of the scale-up window and the highest
    one of the scale-down window, measured from the current size; store the new one, reusing
    the last slot older than both windows (``stabilizeRecommendationWithBehaviors``).

    Returns (replicas, reason, message, state); reason is ``ScaleUpStabilized`` when the
    desired count is not below the current one, else ``ScaleDownStabilized``. An unset window
    counts as 0 seconds.
    """
    up_window = args.scale_up_behavior.stabilization_window_seconds or 0
    down_window = args.scale_down_behavior.stabilization_window_seconds or 0
    up_rec = args.desired_replicas
    down_rec = args.desired_replicas
    up_cutoff = now - up_window
    down_cutoff = now - down_window
    old_index: int | None = None
    recs = state.recommendations or ()
    for i, rec in enumerate(recs):
        ts = rec.timestamp
        r = rec.recommendation
        if ts > up_cutoff and r < up_rec:
            up_rec = r
        if ts > down_cutoff and r > down_rec:
            down_rec = r
        if ts < up_cutoff and ts < down_cutoff:
            old_index = i
    recommendation = args.current_replicas
    if recommendation < up_rec:
        recommendation = up_rec
    if recommendation > down_rec:
        recommendation = down_rec
    new_recs = _record(recs, old_index, TimestampedRecommendation(args.desired_replicas, now))
    if args.desired_replicas >= args.current_replicas:
        reason, message = "ScaleUpStabilized", _MSG_UP_STABILIZED
    else:
        reason, message = "ScaleDownStabilized", _MSG_DOWN_STABILIZED
    return recommendation, reason, message, HPAState(new_recs, state.scale_up_events, state.scale_down_events)


def get_replicas_change_per_period(period_seconds: int, scale_events: Sequence[ScaleEvent], now: float) -> int:
    """Sum of the replica changes of the events strictly newer than ``now - period_seconds``."""
    cutoff = now - period_seconds
    total = 0
    for ev in scale_events:
        if ev.timestamp > cutoff:
            total += ev.replica_change
    return total


def _policies(rules: ScalingRules | None) -> tuple[ScalingPolicy, ...]:
    if rules is None or rules.policies is None:
        return ()
    return rules.policies


def calculate_scale_up_limit_with_scaling_rules(current_replicas: int, scale_up_events: Sequence[ScaleEvent],
                                                scale_down_events: Sequence[ScaleEvent],
                                                scaling_rules: ScalingRules | Mapping[str, Any], now: float) -> int:
    """Highest replica count the scale-up policies allow now
    (``calculateScaleUpLimitWithScalingRules``).

    Each policy starts from the size at the beginning of its period (current minus recent
    scale-ups plus recent scale-downs) and adds ``value`` pods or ``value`` percent (rounded
    up); ``selectPolicy`` ``Max`` (default) takes the largest, ``Min`` the smallest,
    ``Disabled`` returns the current size. A policy of unknown type repeats the previous
    proposal (0 for the first), as upstream's loop does.
    """
    rules = _as_rules(scaling_rules)
    select = (rules.select_policy if rules is not None else None) or MAX_CHANGE_POLICY_SELECT
    if select == DISABLED_POLICY_SELECT:
        return current_replicas
    use_min = select == MIN_CHANGE_POLICY_SELECT
    result = MAX_INT32 if use_min else MIN_INT32
    proposed = 0
    for policy in _policies(rules):
        added = get_replicas_change_per_period(policy.period_seconds, scale_up_events, now)
        deleted = get_replicas_change_per_period(policy.period_seconds, scale_down_events, now)
        period_start = current_replicas - added + deleted
        if policy.type == PODS_SCALING_POLICY:
            proposed = period_start + policy.value
        elif policy.type == PERCENT_SCALING_POLICY:
            proposed = int(math.ceil(float(period_start) * (1 + float(policy.value) / 100)))
        result = min(result, proposed) if use_min else max(result, proposed)
    return result


def calculate_scale_down_limit_with_behaviors(current_replicas: int, scale_up_events: Sequence[ScaleEvent],
                                              scale_down_events: Sequence[ScaleEvent],
                                              scaling_rules: ScalingRules | Mapping[str, Any], now: float) -> int:
    """Lowest replica count the scale-down policies allow now
    (``calculateScaleDownLimitWithBehaviors``): from the size at the start of each period,
    minus ``value`` pods or ``value`` percent (truncated toward zero); ``Max`` (default)
    picks the lowest limit (the biggest change), ``Min`` the highest, ``Disabled`` the
    current size."""
    rules = _as_rules(scaling_rules)
    select = (rules.select_policy if rules is not None else None) or MAX_CHANGE_POLICY_SELECT
    if select == DISABLED_POLICY_SELECT:
        return current_replicas
    use_max = select == MIN_CHANGE_POLICY_SELECT
    result = MIN_INT32 if use_max else MAX_INT32
    proposed = 0
    for policy in _policies(rules):
        added = get_replicas_change_per_period(policy.period_seconds, scale_up_events, now)
        deleted = get_replicas_change_per_period(policy.period_seconds, scale_down_events, now)
        period_start = current_replicas - added + deleted
        if policy.type == PODS_SCALING_POLICY:
            proposed = period_start - policy.value
        elif policy.type == PERCENT_SCALING_POLICY:
            proposed = int(float(period_start) * (1 - float(policy.value) / 100))
        result = max(result, proposed) if use_max else min(result, proposed)
    return result


def convert_desired_replicas_with_behavior_rate(args: NormalizationArg, state: HPAState, now: float
                                                ) -> tuple[int, str, str]:
    """Apply the rate policies and the min/max clamps to a stabilized recommendation
    (``convertDesiredReplicasWithBehaviorRate``). Returns (replicas, reason, message) with
    reason ``ScaleUpLimit``, ``TooManyReplicas``, ``ScaleDownLimit``, ``TooFewReplicas`` or
    ``DesiredWithinRange``. A limit beyond the current size in the wrong direction is held at
    the current size."""
    if args.desired_replicas > args.current_replicas:
        limit = calculate_scale_up_limit_with_scaling_rules(args.current_replicas, state.scale_up_events,
                                                            state.scale_down_events, args.scale_up_behavior, now)
        if limit < args.current_replicas:
            limit = args.current_replicas
        maximum_allowed = args.max_replicas
        if maximum_allowed > limit:
            maximum_allowed = limit
            reason, message = "ScaleUpLimit", _MSG_UP_LIMIT
        else:
            reason, message = "TooManyReplicas", _MSG_TOO_MANY
        if args.desired_replicas > maximum_allowed:
            return maximum_allowed, reason, message
    elif args.desired_replicas < args.current_replicas:
        limit = calculate_scale_down_limit_with_behaviors(args.current_replicas, state.scale_up_events,
                                                          state.scale_down_events, args.scale_down_behavior, now)
        if limit > args.current_replicas:
            limit = args.current_replicas
        minimum_allowed = args.min_replicas
        if minimum_allowed < limit:
            minimum_allowed = limit
            reason, message = "ScaleDownLimit", _MSG_DOWN_LIMIT
        else:
            reason, message = "TooFewReplicas", _MSG_TOO_FEW
        if args.desired_replicas < minimum_allowed:
            return minimum_allowed, reason, message
    return args.desired_replicas, "DesiredWithinRange", _MSG_WITHIN


def normalize_desired_replicas_with_behaviors(
    state: HPAState,
    behavior: Behavior | Mapping[str, Any],
    current_replicas: int,
    prenormalized_desired_replicas: int,
    min_replicas: int,
    max_replicas: int,
    now: float,
    *,
    downscale_stabilization_window: float = DEFAULT_DOWNSCALE_STABILIZATION_WINDOW,
) -> Normalization:
    """The normalizer for an HPA with ``behavior`` (``normalizeDesiredReplicasWithBehaviors``):
    stabilization windows, then rate policies and min/max.

    ``behavior`` is a ``Behavior`` or the ``spec.behavior`` dict (API defaults applied; a
    direction left ``None`` in a ``Behavior`` gets the API default rules). An unset scale-down
    window takes ``downscale_stabilization_window`` (the controller flag), as
    ``maybeInitScaleDownStabilizationWindow`` does.
    """
    b = _as_behavior(behavior) or Behavior()
    if b.scale_up is None or b.scale_down is None:
        b = Behavior(b.scale_up or ScalingRules.from_dict(generate_hpa_scale_up_rules(None)),
                     b.scale_down or ScalingRules.from_dict(generate_hpa_scale_down_rules(None)))
    up = b.scale_up
    down = b.scale_down
    assert up is not None and down is not None
    if down.stabilization_window_seconds is None:
        down = ScalingRules(int(downscale_stabilization_window), down.select_policy, down.policies, down.tolerance)
    args = NormalizationArg(up, down, min_replicas, max_replicas, current_replicas, prenormalized_desired_replicas)
    stabilized, reason, message, new_state = stabilize_recommendation_with_behaviors(args, state, now)
    if stabilized != prenormalized_desired_replicas:
        able_reason, able_msg = reason, message
    else:
        able_reason, able_msg = "ReadyForNewScale", _MSG_READY
    desired, lim_reason, lim_msg = convert_desired_replicas_with_behavior_rate(
        args._replace(desired_replicas=stabilized), new_state, now)
    return Normalization(desired, new_state, able_reason, able_msg, desired != stabilized, lim_reason, lim_msg)


def get_longest_policy_period(scaling_rules: ScalingRules | Mapping[str, Any] | None) -> int:
    """The longest ``periodSeconds`` among the rules' policies (0 without policies)."""
    longest = 0
    for policy in _policies(_as_rules(scaling_rules)):
        if policy.period_seconds > longest:
            longest = policy.period_seconds
    return longest


def mark_scale_events_outdated(scale_events: Sequence[ScaleEvent], longest_policy_period: int,
                               now: float) -> tuple[ScaleEvent, ...]:
    """Flag the events older than ``now - longest_policy_period`` as outdated (flags are
    sticky); returns the new sequence."""
    cutoff = now - longest_policy_period
    return tuple(ScaleEvent(e.replica_change, e.timestamp, True) if e.timestamp < cutoff and not e.outdated else e
                 for e in scale_events)


def _store(events: Sequence[ScaleEvent], longest: int, change: int, now: float) -> tuple[ScaleEvent, ...]:
    marked = list(mark_scale_events_outdated(events, longest, now))
    old_index: int | None = None
    for i, ev in enumerate(marked):
        if ev.outdated:
            old_index = i
    new_event = ScaleEvent(change, now, False)
    if old_index is None:
        marked.append(new_event)
    else:
        marked[old_index] = new_event
    return tuple(marked)


def store_scale_event(state: HPAState, behavior: Behavior | Mapping[str, Any] | None, prev_replicas: int,
                      new_replicas: int, now: float) -> HPAState:
    """Record a rescale from ``prev_replicas`` to ``new_replicas`` (``storeScaleEvent``).

    Nothing is stored without ``behavior``. Events older than the direction's longest policy
    period are marked outdated and the last outdated slot is reused; otherwise the event is
    appended. A change of zero is stored as a scale-down event, as upstream does.
    """
    b = _as_behavior(behavior)
    if b is None:
        return state
    if new_replicas > prev_replicas:
        longest = get_longest_policy_period(b.scale_up)
        ups = _store(state.scale_up_events, longest, new_replicas - prev_replicas, now)
        return HPAState(state.recommendations, ups, state.scale_down_events)
    longest = get_longest_policy_period(b.scale_down)
    downs = _store(state.scale_down_events, longest, prev_replicas - new_replicas, now)
    return HPAState(state.recommendations, state.scale_up_events, downs)
