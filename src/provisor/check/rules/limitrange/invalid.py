"""limitrange/invalid: a LimitRange the API server refuses (ValidateLimitRange)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, Path, name_of
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import stored_limit_range

_STANDARD_TYPES = ("Pod", "Container", "PersistentVolumeClaim")
_MAX_MILLI_VALUE = (2**63 - 1) // 1000  # resource.MaxMilliValue


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
        for path, err, fix in validate_limit_range(d.obj):
            yield Hit(d, f'LimitRange "{name}" is invalid: {err}', fix=fix, path=path)


def _json_value(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def validate_limit_range(lr: dict[str, Any], *, api_defaults: bool = True
                         ) -> list[tuple[Path, str, str]]:
    """The spec errors ``ValidateLimitRange`` returns for ``lr``: ``(document path, API error
    text, fix)``, in item order, then per item: type, duplicate type, Pod defaults, PVC
    bounds, then per resource (sorted) the value comparisons in upstream's order.

    ``api_defaults``: apply ``SetDefaults_LimitRangeItem`` first, as the API server does to
    what a client sends (default True); False judges the item exactly as given, as upstream's
    ``TestValidateLimitRange`` does. Object metadata (name, namespace) and resource names
    are not validated here."""
    from provisor.k8s.selectors import qualified_name_errors
    from provisor.k8s.validation import is_overcommit_allowed
    from provisor.quantity import Quantity, QuantityError

    out: list[tuple[Path, str, str]] = []
    stored = stored_limit_range(lr) if api_defaults else lr
    items = (stored.get("spec") or {}).get("limits") if isinstance(stored.get("spec"), dict) \
        else None
    if not isinstance(items, list):
        return out
    raw_spec = lr.get("spec")
    raw_items = raw_spec.get("limits") if isinstance(raw_spec, dict) else None
    seen_types: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(raw_items, list) \
                or not isinstance(raw_items[i], dict):
            continue  # not a mapping: the schema check reports it
        base = f"spec.limits[{i}]"
        ipath: Path = ("spec", "limits", i)
        ltype = item.get("type")
        ltype_s = ltype if isinstance(ltype, str) else ""
        type_errs = qualified_name_errors(ltype_s)
        for msg in type_errs:
            out.append(((*ipath, "type"), f"{base}.type: Invalid value: {_json_value(ltype_s)}: "
                                           f"{msg}", "use type Container, Pod or "
                                                     "PersistentVolumeClaim"))
        if not type_errs and "/" not in ltype_s and ltype_s not in _STANDARD_TYPES:
            out.append(((*ipath, "type"), f"{base}.type: Invalid value: {_json_value(ltype_s)}: "
                                           f"must be a standard limit type or fully qualified",
                        "use type Container, Pod or PersistentVolumeClaim"))
        if ltype_s in seen_types:
            out.append(((*ipath, "type"), f"{base}.type: Duplicate value: {_json_value(ltype_s)}",
                        f"merge the two {ltype_s} items into one"))
        seen_types.add(ltype_s)

        try:
            mins = _qmap(item.get("min"))
            maxs = _qmap(item.get("max"))
            ratios = _qmap(item.get("maxLimitRequestRatio"))
            defaults: dict[str, Quantity] = {}
            default_requests: dict[str, Quantity] = {}
            if ltype_s == "Pod":
                if item.get("default"):
                    out.append(((*ipath, "default"), f"{base}.default: Forbidden: may not be "
                                f"specified when `type` is 'Pod'",
                                "move default to a type: Container item"))
                if item.get("defaultRequest"):
                    out.append(((*ipath, "defaultRequest"), f"{base}.defaultRequest: Forbidden: "
                                f"may not be specified when `type` is 'Pod'",
                                "move defaultRequest to a type: Container item"))
            else:
                defaults = _qmap(item.get("default"))
                default_requests = _qmap(item.get("defaultRequest"))
        except (QuantityError, ValueError, TypeError, AttributeError):
            continue  # a malformed quantity: the schema check reports it
        if ltype_s == "PersistentVolumeClaim" and "storage" not in mins and "storage" not in maxs:
            out.append((ipath, f"{base}.limits: Required value: either minimum or maximum storage "
                               f"value is required, but neither was provided",
                        "set max.storage (and min.storage)"))
        keys = sorted(set(mins) | set(maxs) | set(defaults) | set(default_requests) | set(ratios))
        one = Quantity.from_value(1)
        for k in keys:
            mn, mx = mins.get(k), maxs.get(k)
            df, dr, ratio = defaults.get(k), default_requests.get(k), ratios.get(k)
            if mn is not None and mx is not None and mn > mx:
                out.append(((*ipath, "min", k), f"{base}.min[{k}]: Invalid value: "
                            f"{_json_value(str(mn))}: min value {mn} is greater than max value "
                            f"{mx}",
                            f"lower min.{k} or raise max.{k}"))
            if dr is not None and mn is not None and mn > dr:
                out.append(((*ipath, "defaultRequest", k), f"{base}.defaultRequest[{k}]: Invalid "
                            f"value: {_json_value(str(dr))}: min value {mn} is greater than "
                            f"default request value {dr}", f"set defaultRequest.{k} >= min.{k}"))
            if dr is not None and mx is not None and dr > mx:
                out.append(((*ipath, "defaultRequest", k), f"{base}.defaultRequest[{k}]: Invalid "
                            f"value: {_json_value(str(dr))}: default request value {dr} is greater "
                            f"than max value {mx}", f"set defaultRequest.{k} <= max.{k}"))
            if dr is not None and df is not None and dr > df:
                out.append(((*ipath, "defaultRequest", k), f"{base}.defaultRequest[{k}]: Invalid "
                            f"value: {_json_value(str(dr))}: default request value {dr} is greater "
                            f"than default limit value {df}", f"set defaultRequest.{k} <= "
                                                              f"default.{k}"))
            if df is not None and mn is not None and mn > df:
                out.append(((*ipath, "default", k), f"{base}.default[{k}]: Invalid value: "
                            f"{_json_value(str(mn))}: min value {mn} is greater than default value "
                            f"{df}", f"set default.{k} >= min.{k}"))
            if df is not None and mx is not None and df > mx:
                out.append(((*ipath, "default", k), f"{base}.default[{k}]: Invalid value: "
                            f"{_json_value(str(mx))}: default value {df} is greater than max value "
                            f"{mx}", f"set default.{k} <= max.{k}"))
            if ratio is not None and ratio < one:
                out.append(((*ipath, "maxLimitRequestRatio", k), f"{base}.maxLimitRequestRatio[{k}]"
                            f": Invalid value: {_json_value(str(ratio))}: ratio {ratio} is less "
                            f"than 1", f"set maxLimitRequestRatio.{k} >= 1"))
            if ratio is not None and mn is not None and mx is not None:
                limit = _max_over_min(ratio, mn, mx)
                if limit is not None:
                    ratio_value, max_over_min = limit
                    if ratio_value > max_over_min:
                        out.append(((*ipath, "maxLimitRequestRatio", k),
                                    f"{base}.maxLimitRequestRatio[{k}]: Invalid value: "
                                    f"{_json_value(str(ratio))}: ratio {ratio} is greater than "
                                    f"max/min = {max_over_min:.6f}",
                                    f"set maxLimitRequestRatio.{k} <= max/min"))
            if (not is_overcommit_allowed(k) and df is not None and dr is not None
                    and df != dr):
                out.append(((*ipath, "defaultRequest", k), f"{base}.defaultRequest[{k}]: Invalid "
                            f"value: {_json_value(str(dr))}: default value {df} must equal to "
                            f"defaultRequest value {dr} in {k}",
                            f"{k} cannot be overcommitted: make default and defaultRequest equal"))
    return out


def _qmap(raw: Any) -> dict[str, Any]:
    from provisor.quantity import Quantity

    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise TypeError("not a resource list")
    return {str(k): Quantity.unmarshal(v) for k, v in raw.items()}


def _max_over_min(ratio: Any, mn: Any, mx: Any) -> tuple[float, float] | None:
    """(ratio, max/min) as float64, the way the API compares them: milli-values when all three
    fit, whole values otherwise; None when min is 0 (Go would divide by zero: +Inf or NaN,
    never smaller than the ratio)."""
    ratio_v, min_v, max_v = ratio.int_value(), mn.int_value(), mx.int_value()
    ratio_f = float(ratio_v)
    if ratio_v < _MAX_MILLI_VALUE and min_v < _MAX_MILLI_VALUE and max_v < _MAX_MILLI_VALUE:
        ratio_f = float(ratio.milli_value()) / 1000
        min_v, max_v = mn.milli_value(), mx.milli_value()
    if min_v == 0:
        return None
    return ratio_f, float(max_v) / float(min_v)
