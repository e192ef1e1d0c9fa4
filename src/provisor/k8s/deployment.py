"""The Deployment controller's rolling-update arithmetic.

Sources (kubernetes/kubernetes):

* ``staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go``,
  ``GetScaledValueFromIntOrPercent``: an integer is itself; a string must end in ``%``
  (else ``invalid value for IntOrString: invalid type: string is not a percentage``) and
  parse as an integer (else ``invalid value for IntOrString: invalid value "x": ...``); a
  percentage of ``total`` is rounded up (``math.Ceil``) or down (``math.Floor``).
* ``pkg/controller/deployment/util/deployment_util.go``, ``ResolveFenceposts``: ``maxSurge``
  (default 0 when nil) rounds **up**, ``maxUnavailable`` (default 0 when nil) rounds
  **down**; when both resolve to 0, ``maxUnavailable`` becomes 1 "to guarantee that the
  rollout will progress" (which a percentage rounding down to 0 next to ``maxSurge`` >= 1
  does not trigger).
* ``pkg/apis/apps/v1/defaults.go``, ``SetDefaults_Deployment``: strategy ``RollingUpdate``
  with ``maxUnavailable`` and ``maxSurge`` 25% when unset; ``replicas`` 1.
* ``pkg/controller/deployment/rolling.go``: the new ReplicaSet grows to at most
  ``replicas + maxSurge`` pods in total; old ReplicaSets shrink by at most what keeps
  ``replicas - maxUnavailable`` available. With ``maxUnavailable`` 0 nothing old is removed
  before a surge pod is Available, so a rollout needs room for ``maxSurge`` extra pods.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["IntOrStringError", "scaled_value", "resolve_fenceposts", "rolling_update",
           "DEFAULT_MAX_SURGE", "DEFAULT_MAX_UNAVAILABLE"]

DEFAULT_MAX_SURGE = "25%"
DEFAULT_MAX_UNAVAILABLE = "25%"


class IntOrStringError(ValueError):
    """An IntOrString that is neither an integer nor a percentage (upstream's message)."""


def _go_atoi(s: str) -> int:
    """``strconv.Atoi``: optional sign, ASCII digits only."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f'strconv.Atoi: parsing "{s}": invalid syntax')
    return int(s)


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """``GetScaledValueFromIntOrPercent(value, total, roundUp)``.

    Raises:
        IntOrStringError: ``value`` is None, a string that is not ``<int>%``, or another type.
    """
    if value is None:
        raise IntOrStringError("nil value for IntOrString")
    if isinstance(value, bool):
        raise IntOrStringError("invalid value for IntOrString: invalid type: neither int nor "
                               "percentage")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise IntOrStringError("invalid value for IntOrString: invalid type: neither int nor "
                               "percentage")
    if not value.endswith("%"):
        raise IntOrStringError("invalid value for IntOrString: invalid type: string is not a "
                               "percentage")
    try:
        v = _go_atoi(value[:-1])
    except ValueError as exc:
        raise IntOrStringError(
            f'invalid value for IntOrString: invalid value "{value}": {exc}') from None
    x = float(v) * float(total) / 100
    return int(math.ceil(x) if round_up else math.floor(x))


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None,
                       desired: int) -> tuple[int, int]:
    """``ResolveFenceposts``: (surge, unavailable) pods for ``desired`` replicas; a None
    field counts as 0.

    Raises:
        IntOrStringError: a field is not an integer or a percentage.
    """
    surge = scaled_value(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired,
                               False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _map(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def rolling_update(deployment: dict[str, Any], desired: int | None = None
                   ) -> tuple[int, int] | None:
    """(surge, unavailable) of a Deployment's rolling update after API defaulting, for
    ``desired`` replicas (default ``spec.replicas``, 1 when unset); None for the
    ``Recreate`` strategy.

    Raises:
        IntOrStringError: ``maxSurge`` or ``maxUnavailable`` is malformed.
    """
    spec = _map(deployment.get("spec"))
    strategy = _map(spec.get("strategy"))
    if strategy.get("type", "RollingUpdate") == "Recreate":
        return None
    ru = _map(strategy.get("rollingUpdate"))
    surge = ru.get("maxSurge", DEFAULT_MAX_SURGE)
    unavailable = ru.get("maxUnavailable", DEFAULT_MAX_UNAVAILABLE)
    if desired is None:
        r = spec.get("replicas", 1)
        desired = r if isinstance(r, int) and not isinstance(r, bool) else 1
    return resolve_fenceposts(surge, unavailable, desired)
