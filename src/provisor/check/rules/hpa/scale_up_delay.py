"""hpa/scale-up-delay: the scale-up stabilization window makes the HPA react later than the
responsiveness goal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import (
    behavior_of, hpas, is_int, max_replicas, min_replicas)


class StepResponse(NamedTuple):
    """How the behavior normalizer answers a load step (seconds after the first sync whose
    recommendation is the higher count)."""

    first_change: float | None
    first_size: int | None
    reached: float | None
    horizon: float


def step_response(behavior: dict[str, Any], start: int, target: int, lo: int, hi: int,
                  sync: float, horizon: float) -> StepResponse:
    """Drive :func:`provisor.k8s.hpa.normalize_desired_replicas_with_behaviors` as the HPA
    controller does, one call per sync period: first ``start`` replicas recommended long
    enough to fill every window, then ``target`` from time 0 on. Returns when the replica
    count first changes and when it reaches ``target`` (None when not within ``horizon``
    seconds). Scale events are stored with ``store_scale_event``, as after each rescale."""
    from provisor.k8s.hpa import HPAState, normalize_desired_replicas_with_behaviors, \
        store_scale_event

    up = behavior.get("scaleUp") or {}
    down = behavior.get("scaleDown") or {}
    windows = [w for w in (up.get("stabilizationWindowSeconds"),
                           down.get("stabilizationWindowSeconds"), 300) if is_int(w)]
    state = HPAState()
    current = start
    t = -(max(windows) + 2 * sync)
    first: float | None = None
    first_size: int | None = None
    reached: float | None = None
    while t <= horizon:
        desired = start if t < 0 else target
        res = normalize_desired_replicas_with_behaviors(state, behavior, current, desired,
                                                        lo, hi, t)
        state = res.state
        if res.desired_replicas != current:
            state = store_scale_event(state, behavior, current, res.desired_replicas, t)
            if t >= 0 and first is None:
                first, first_size = t, res.desired_replicas
            current = res.desired_replicas
        if t >= 0 and current == target:
            reached = t
            break
        t += sync
    return StepResponse(first, first_size, reached, horizon)


@rule("hpa/scale-up-delay", "warning",
      "An HPA's scale-up stabilization window delays scale-ups beyond the responsiveness goal.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An HPA whose `behavior.scaleUp.stabilizationWindowSeconds` makes the
    time from a load increase to the first scale-up longer than the responsiveness goal
    (`.provisor.yaml` `settings.responsiveness_seconds`, 300 s by default). The delay is the
    metrics window (`settings.metrics_window_seconds`), plus up to one controller sync period
    (`settings.hpa_sync_period_seconds`, `--horizontal-pod-autoscaler-sync-period`), plus the
    time the behavior normalizer holds the old count, found by running
    `provisor.k8s.hpa.normalize_desired_replicas_with_behaviors` sync by sync on a load step
    from `minReplicas` to `maxReplicas`.

    **Why.** With a scale-up window the controller scales to the *lowest* recommendation of
    the window (kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go`,
    `stabilizeRecommendationWithBehaviors`): a burst is answered only once every
    recommendation in the window asks for more pods. The upstream default scale-up window is
    0 (`pkg/apis/autoscaling/v2/defaults.go`), because flapping is handled on the way down.

    **Fix.** Drop the scale-up window (or keep it well under the goal minus the metrics lag)
    and damp scale-ups with rate policies instead (`policies` with `periodSeconds`); keep the
    long window on `scaleDown`.
    """
    s = ctx.settings
    sync = float(s.hpa_sync_period_seconds) or 15.0
    lag = float(s.metrics_window_seconds) + sync
    goal = float(s.responsiveness_seconds)
    for d in hpas(ctx):
        b = behavior_of(d.obj)
        if b is None:
            continue
        up = b.get("scaleUp") or {}
        window = up.get("stabilizationWindowSeconds")
        if not is_int(window) or window <= 0 or window > 3600:
            continue
        if up.get("selectPolicy") == "Disabled":
            continue  # hpa/scaling-disabled
        if window + lag <= goal:
            continue  # the normalizer never holds longer than the window
        lo, hi = min_replicas(d.obj), max_replicas(d.obj)
        if lo is None or hi is None or not 1 <= lo < hi:
            continue
        try:
            r = step_response(b, lo, hi, lo, hi, sync, horizon=window + 2 * goal)
        except (TypeError, ValueError, KeyError, AttributeError):
            continue  # malformed policies: hpa/behavior-invalid and the schema check say so
        if r.first_change is None:
            continue
        delay = lag + r.first_change
        if delay <= goal:
            continue
        reach = (f"; it reaches {hi} replicas {lag + r.reached:.0f} s after the load change"
                 if r.reached is not None else
                 f"; it has not reached {hi} replicas {lag + r.horizon:.0f} s after it")
        yield Hit(
            d,
            f"scale-up stabilization window {window} s: a load increase is acted on only "
            f"{delay:.0f} s later (metrics window {s.metrics_window_seconds:.0f} s + up to one "
            f"sync period {sync:.0f} s + {r.first_change:.0f} s in which the normalizer keeps "
            f"the lowest recommendation of the last {window} s), above the responsiveness goal "
            f"of {goal:.0f} s; on a step from {lo} to {hi} replicas the first scale-up goes to "
            f"{r.first_size}{reach}",
            fix=f"set behavior.scaleUp.stabilizationWindowSeconds to at most "
                f"{max(0, int(goal - lag))} (upstream default 0) and limit the scale-up rate with "
                f"policies instead; keep the long window on scaleDown",
            path=("spec", "behavior", "scaleUp", "stabilizationWindowSeconds"))
