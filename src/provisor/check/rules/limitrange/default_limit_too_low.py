"""limitrange/default-limit-too-low: a default limit below max rejects every container that
requests more than the default without giving a limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, list_at, map_at, name_of
from provisor.check.registry import rule
from provisor.k8s.defaults import default_limit_range


@rule("limitrange/default-limit-too-low", "warning",
      "A LimitRange default limit is below its max: containers that request more than the "
      "default and set no limit are rejected.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `type: Container` item whose `default` (the limit filled into
    containers that set none) is below the highest request the namespace otherwise allows:
    its `max` for that resource (or the `max` of a `type: Pod` item, whichever is lower), or
    no bound at all. Every container whose request falls in that window, `(default, max]`,
    and that sets no limit of its own is refused.

    **Why.** The LimitRanger fills a missing limit with `default` during mutating admission
    (`plugin/pkg/admission/limitranger/admission.go`), and field validation then requires
    request <= limit (`pkg/apis/core/validation/validation.go`,
    `validateResourceRequirements`): `must be less than or equal to cpu limit of 10m`. So
    the effective bound on requests without a limit is the `default`, not the `max`, and a
    request that the LimitRange seems to allow is refused. Only a `default` equal to `max`
    (which the API server sets itself when `default` is left out, `SetDefaults_LimitRangeItem`
    in `pkg/apis/core/v1/defaults.go`) closes the window.

    **Fix.** Leave `default` out so that it defaults to `max`, set it equal to `max`, or make
    sure every workload in the namespace that requests more than the default also sets a
    limit (the tiers rendered by provisor always do).
    """
    from provisor.quantity import Quantity, QuantityError

    for d in ctx.kind("LimitRange"):
        if not isinstance(d.obj, dict):
            continue
        stored = default_limit_range(d.obj)
        items = list_at(stored, "spec", "limits")
        if not isinstance(items, list):
            continue
        pod_max: dict[str, Any] = {}
        for item in items:
            if isinstance(item, dict) and item.get("type") == "Pod":
                pod_max.update(map_at(item, "max"))
        written = list_at(d.obj, "spec", "limits")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or item.get("type") != "Container":
                continue
            for res_name, raw_default in map_at(item, "default").items():
                try:
                    default = Quantity.unmarshal(raw_default)
                    bounds = [Quantity.unmarshal(m) for m in
                              (map_at(item, "max").get(res_name), pod_max.get(res_name))
                              if m is not None]
                    req_min = map_at(item, "min").get(res_name)
                    req_min_q = Quantity.unmarshal(req_min) if req_min is not None else None
                except (QuantityError, ValueError, TypeError):
                    continue
                upper = min(bounds) if bounds else None
                if upper is not None and not default < upper:
                    continue
                if req_min_q is not None and req_min_q > default:
                    continue  # limitrange/invalid: min above default
                window = f"({default}, {upper}]" if upper is not None else f"({default}, ∞)"
                where = (f"max {upper}" if upper is not None else "no max")
                written_item = written[i] if i < len(written) and isinstance(written[i], dict) \
                    else {}
                from_written = res_name in map_at(written_item, "default")
                yield Hit(
                    d,
                    f"LimitRange {name_of(d.obj)}: default {res_name} limit {default} with "
                    f"{where}: any container with a {res_name} request in {window} and no "
                    f"{res_name} limit is rejected (the default limit {default} is filled in, "
                    f"then the request must be <= the limit)",
                    fix=(f"remove default.{res_name} (it then defaults to max) or set it to "
                         f"{upper}" if upper is not None else
                         f"set max.{res_name} and default.{res_name} to the same value, or "
                         f"give every container that requests more than {default} an explicit "
                         f"{res_name} limit"),
                    path=("spec", "limits", i, "default", res_name) if from_written
                    else ("spec", "limits", i))
