"""The body shared by the four ``workload/*-missing`` rules: which admitted containers lack
a request or a limit for one resource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from provisor.check.context import Hit
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.workload._basics import long_running_containers, where

if TYPE_CHECKING:
    from provisor.check.context import Context


def missing(ctx: "Context", part: str, resource: str, consequence: str,
            fix: str) -> Iterator[Hit]:
    """A hit for every long-running container whose admitted ``resources.<part>`` lacks
    ``resource`` while the pod states no pod-level ``spec.resources.<part>.<resource>``.
    ``part`` is ``requests`` or ``limits``."""
    noun = "request" if part == "requests" else "limit"
    for c in long_running_containers(ctx):
        have = c.requests() if part == "requests" else c.limits()
        if resource in have or c.pod_level(part, resource):
            continue
        w = c.workload
        why = ""
        if part == "requests" and resource in c.limits():
            continue  # defensive: API defaulting copies limits into requests
        lr = ctx.stored_limit_ranges(w.namespace)
        if lr:
            why = " (no LimitRange of the namespace defaults it)"
        yield Hit(w.doc,
                  f"{describe(w)}: {where(c)} has no {resource} {noun}{why}: {consequence}",
                  fix=fix.format(container=c.name), path=(*c.path, "resources")
                  if isinstance(c.sent.get("resources"), dict) else c.path)
