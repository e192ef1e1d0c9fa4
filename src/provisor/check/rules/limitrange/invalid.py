"""limitrange/invalid: a LimitRange the API server refuses (ValidateLimitRange)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.k8s.validation import (
    DUPLICATE, FORBIDDEN, REQUIRED, FieldError, validate_limit_range)


@rule("limitrange/invalid", "error",
      "The API server refuses this LimitRange: its default, defaultRequest, min, max or "
      "maxLimitRequestRatio contradict each other.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A LimitRange that `kubectl apply` fails on with `422 Invalid`, judged
    after the API server's own defaulting of the item, with the API's message for each
    error:

    - `min value 2 is greater than max value 1`;
    - `default value 2 is greater than max value 1`, `min value 1 is greater than default
      value 500m` (for `default`), and the same three comparisons for `defaultRequest`
      (`default request value 2 is greater than max value 1`, `min value 1 is greater than
      default request value 500m`, `default request value 1 is greater than default limit
      value 500m`);
    - `ratio 500m is less than 1`, and `ratio 8 is greater than max/min = 4.000000` for a
      `maxLimitRequestRatio` that `min` and `max` make unreachable;
    - for resources that cannot be overcommitted (hugepages, extended resources): `default
      value 2 must equal to defaultRequest value 1 in example.com/gpu`;
    - `default` or `defaultRequest` on a `type: Pod` item (Forbidden), a
      `PersistentVolumeClaim` item with neither `min.storage` nor `max.storage` (Required), a
      `type` given twice (Duplicate), a `type` that is neither `Pod`, `Container`,
      `PersistentVolumeClaim` nor a qualified name with a prefix.

    **Why.** `ValidateLimitRange` (kubernetes/kubernetes
    `pkg/apis/core/validation/limit_ranges.go`, formerly in `validation.go`) runs on the item
    *after* `SetDefaults_LimitRangeItem` (`pkg/apis/core/v1/defaults.go`) has filled a
    `Container` item's missing `default` from `max`, then a missing `defaultRequest` from
    `default`, then from `min`. So a `Container` item with `min: {cpu: 1}` and `default:
    {cpu: 500m}` fails twice: the default itself, and the `defaultRequest` copied from it.
    A refused LimitRange is not created, and the namespace keeps no bounds and no defaults
    at all. Resource-name validation is left to the schema check; with several resources the
    API's order among them is random (it walks a Go map), here it is sorted by name.

    **Fix.** Keep `min <= defaultRequest <= default <= max` for every resource, a
    `maxLimitRequestRatio` between 1 and `max/min`, and put `default`/`defaultRequest` only
    on `Container` items.
    """
    for d in ctx.kind("LimitRange"):
        name = name_of(d.obj)
        for e in validate_limit_range(d.obj):
            # the storage Required error names `spec.limits[i].limits`; point at the item
            path = e.path[:3] if e.type == REQUIRED else e.path
            yield Hit(d, f'LimitRange "{name}" is invalid: {e}', fix=_fix(e), path=path)


def _fix(e: FieldError) -> str:
    """How to fix one ``ValidateLimitRange`` error, from its field and detail. Item fields
    have paths ``spec.limits[i].<field>``, resource values ``spec.limits[i].<list>[<name>]``."""
    if len(e.path) == 4:
        field = e.path[3]
        if field == "type":
            if e.type == DUPLICATE:
                return f"merge the two {e.bad_value} items into one"
            return "use type Container, Pod or PersistentVolumeClaim"
        if e.type == FORBIDDEN:
            return f"move {field} to a type: Container item"
        return "set max.storage (and min.storage)"
    lst, k, d = e.path[3], e.path[4], e.detail
    if lst == "min":
        return f"lower min.{k} or raise max.{k}"
    if lst == "maxLimitRequestRatio":
        return (f"set maxLimitRequestRatio.{k} >= 1" if d.endswith("is less than 1")
                else f"set maxLimitRequestRatio.{k} <= max/min")
    if lst == "default":
        return (f"set default.{k} >= min.{k}" if d.startswith("min value")
                else f"set default.{k} <= max.{k}")
    if d.startswith("min value"):
        return f"set defaultRequest.{k} >= min.{k}"
    if "must equal to defaultRequest value" in d:
        return f"{k} cannot be overcommitted: make default and defaultRequest equal"
    if "greater than default limit value" in d:
        return f"set defaultRequest.{k} <= default.{k}"
    return f"set defaultRequest.{k} <= max.{k}"
