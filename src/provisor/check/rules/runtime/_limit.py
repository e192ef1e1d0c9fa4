"""The memory limit a runtime inside a container lives under."""

from __future__ import annotations

from provisor.check.rules.workload._basics import AdmittedContainer


def memory_limit(c: AdmittedContainer) -> tuple[int, str] | None:
    """(bytes, text) of the container's memory limit after LimitRange defaulting, else the
    pod-level limit; None when there is none or it does not parse."""
    from provisor.quantity import Quantity

    raw = c.limits().get("memory")
    if raw is None:
        pl = c.pod_resources.get("limits")
        raw = pl.get("memory") if isinstance(pl, dict) else None
    if raw is None:
        return None
    try:
        q = Quantity.unmarshal(raw)
    except (ValueError, TypeError):
        return None
    v = q.value
    if v <= 0:
        return None
    return int(v), str(raw)
