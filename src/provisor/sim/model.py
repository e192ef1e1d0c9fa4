"""Result types of the twin: ``Metric``, ``Scorecard``, ``Incident``, ``SimResult``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "not-computed"]


@dataclass
class Metric:
    """One success metric of the spec.

    ``value`` is in ``unit`` (``ratio`` = a fraction 0..1, ``seconds``, ``count``), or None when
    not computed; ``target`` is text such as ``"0.6..0.8"``, ``"< 0.1"``, ``"= 0"``."""

    id: str
    name: str
    definition: str
    value: float | None
    unit: str
    target: str
    status: Status


@dataclass
class Scorecard:
    """The spec's success metrics, in the spec's order."""

    metrics: list[Metric] = field(default_factory=list)

    def get(self, metric_id: str) -> Metric:
        """The metric ``metric_id`` (KeyError when absent)."""
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)

    def set(self, metric_id: str, value: float | None, status: Status) -> None:
        """Fill a metric computed elsewhere (alert accuracy, forecast, cost reduction)."""
        if status not in ("pass", "fail", "not-computed"):
            raise ValueError(f"status must be pass, fail or not-computed, not {status!r}")
        m = self.get(metric_id)
        m.value = value
        m.status = status

    def to_json(self) -> list[dict[str, Any]]:
        return [{"id": m.id, "name": m.name, "definition": m.definition,
                 "value": _num(m.value), "unit": m.unit, "target": m.target,
                 "status": m.status} for m in self.metrics]


@dataclass(frozen=True)
class Incident:
    """Ground truth: something that happened (a scenario's fault, an OOM kill, a condition an
    alert should catch), from ``start_s`` to ``end_s`` (equal for an instant) on the simulated
    clock. ``labels`` name what it concerns (namespace, pod, container, node, ...)."""

    kind: str
    start_s: float
    end_s: float
    labels: dict[str, str]
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "start_s": _num(self.start_s), "end_s": _num(self.end_s),
                "labels": dict(sorted(self.labels.items())), "detail": self.detail}


def _num(v: float | int | None) -> float | int | None:
    """JSON-safe, stable number: ints stay ints, floats rounded to 9 significant digits."""
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if math.isnan(v) or math.isinf(v):
        return None
    if v == int(v) and abs(v) < 2**53:
        return float(int(v))
    return float(f"{v:.9g}")


def stable(obj: Any) -> Any:
    """Recursively make numbers stable for JSON (see ``_num``), dict keys sorted."""
    if isinstance(obj, dict):
        return {str(k): stable(obj[k]) for k in sorted(obj, key=str)}
    if isinstance(obj, (list, tuple)):
        return [stable(x) for x in obj]
    if isinstance(obj, float):
        return _num(obj)
    return obj


def incidents_json(items: Iterable[Incident]) -> list[dict[str, Any]]:
    return [i.to_json() for i in items]
