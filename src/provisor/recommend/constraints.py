"""Hold recommendations to the policy's LimitRange and quota, and write a patched policy.

Public API
----------
``round_recommendation(rec)``: CPU up to whole millicores, memory up to whole MiB (in place).
``apply_policy_constraints(policy, recs) -> list[str]``
    For every recommendation whose class is a policy tier (``GroupKey.group`` = tier name; the
    model is the tier's model, or its only one), in place: requests and limits are raised to
    the LimitRange ``min`` and the agent VPA's ``minAllowed``, lowered to ``max``, and the
    request raised so that
    ``limit / request <= maxLimitRequestRatio``; the result is checked with
    ``provisor.k8s.limitranger.pod_limit_errors`` against the rendered LimitRange. Then the
    quota: the planned demand of the policy with the new sizes (``Policy.planned_demand`` with
    the tiers' requests and limits replaced, agents at max concurrency) against
    ``quota.hard``. Returns one note per change, per quota key that cannot hold the demand
    ("cannot fit the quota: ...") and per key left without the policy's buffer.
``patch_policy(policy, recs) -> Policy``
    The policy with every matching tier's requests and limits replaced (containers named
    ``agent``, or a class's only container). Raises ``PolicyError`` when the result is invalid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from .strategies import Recommendation
from .usage import GroupKey

__all__ = ["apply_policy_constraints", "patch_policy", "round_recommendation", "tier_for"]

_MIB = 1024 * 1024


def round_recommendation(rec: Recommendation) -> Recommendation:
    """CPU up to whole millicores, memory up to whole MiB; NaN stays NaN (in place)."""

    def cpu(x: float | None) -> float | None:
        return x if x is None or math.isnan(x) else math.ceil(x * 1000 - 1e-9) / 1000

    def mem(x: float | None) -> float | None:
        return x if x is None or math.isnan(x) else float(math.ceil(x / _MIB - 1e-9) * _MIB)

    rec.cpu_request = cpu(rec.cpu_request)  # type: ignore[assignment]
    rec.cpu_limit = cpu(rec.cpu_limit)
    rec.mem_request = mem(rec.mem_request)  # type: ignore[assignment]
    rec.mem_limit = mem(rec.mem_limit)
    return rec


def tier_for(policy: Any, key: GroupKey) -> tuple[str, str] | None:
    """(tier, model) of the policy that ``key`` stands for, or None."""
    models = policy.tiers.get(key.group)
    if not models:
        return None
    if key.model in models:
        return key.group, key.model
    if not key.model and len(models) == 1:
        return key.group, next(iter(models))
    return None


def _agent_container(recs: Mapping[GroupKey, Recommendation]) -> dict[tuple[str, str, str], GroupKey]:
    """Per (namespace, class, model): the key of its ``agent`` container or its only one."""
    by: dict[tuple[str, str, str], list[GroupKey]] = {}
    for k in recs:
        by.setdefault((k.namespace, k.group, k.model), []).append(k)
    out = {}
    for shape, keys in by.items():
        named = [k for k in keys if k.container == "agent"]
        if named or len(keys) == 1:
            out[shape] = (named or keys)[0]
    return out


def _clamp(rec: Recommendation, c: Any, vpa_min: Mapping[str, Any]) -> list[str]:
    notes = []
    for res, req_attr, lim_attr, scale in (("cpu", "cpu_request", "cpu_limit", 1.0),
                                           ("memory", "mem_request", "mem_limit", 1.0)):
        req = getattr(rec, req_attr)
        lim = getattr(rec, lim_attr)
        if req is None or math.isnan(req):
            continue

        def unit(q: Any) -> float:  # cores for cpu, bytes for memory
            return float(q.value)

        mn = c.min.get(res)
        mx = c.max.get(res)
        ratio = c.max_limit_request_ratio.get(res)
        if lim is None and res in c.effective_default():
            lim = unit(c.effective_default()[res])
            notes.append(f"{res} limit: none recommended, the LimitRange default {lim:g} applies")
        if mn is not None and req < unit(mn):
            notes.append(f"{res} request raised to the LimitRange min {mn}")
            req = unit(mn)
        vmin = vpa_min.get(res)
        if vmin is not None and req < unit(vmin):
            # The policy's VPA would raise it anyway, and the policy requires tier requests
            # to be at least the VPA's minAllowed.
            notes.append(f"{res} request raised to the agent VPA minAllowed {vmin}")
            req = unit(vmin)
        if mx is not None and lim is not None and lim > unit(mx):
            notes.append(f"{res} limit lowered to the LimitRange max {mx}")
            lim = unit(mx)
        if mx is not None and req > unit(mx):
            notes.append(f"{res} request lowered to the LimitRange max {mx} (cannot fit the "
                         "usage: raise the max)")
            req = unit(mx)
        if lim is not None and lim < req:
            lim = req
        if ratio is not None and lim is not None and lim / req > float(ratio.value) * scale:
            req = lim / float(ratio.value)
            notes.append(f"{res} request raised to keep limit/request <= {ratio}")
        setattr(rec, req_attr, req)
        setattr(rec, lim_attr, lim)
    return notes


def _quantities(rec: Recommendation) -> tuple[dict[str, str], dict[str, str]]:
    from provisor.quantity import Quantity

    def qc(x: float) -> str:
        return str(Quantity.from_value(Fraction(math.ceil(x * 1000 - 1e-9), 1000), "DecimalSI"))

    def qm(x: float) -> str:
        return str(Quantity.from_value(Fraction(math.ceil(x / _MIB - 1e-9) * _MIB), "BinarySI"))

    req = {"cpu": qc(rec.cpu_request), "memory": qm(rec.mem_request)}
    lim = {"cpu": qc(rec.cpu_limit if rec.cpu_limit is not None else rec.cpu_request),
           "memory": qm(rec.mem_limit if rec.mem_limit is not None else rec.mem_request)}
    return req, lim


def patch_policy(policy: Any, recs: Mapping[GroupKey, Recommendation]) -> Any:
    """The policy with the tiers of the recommended classes resized (module docstring).

    A missing limit becomes the request (the policy's tiers always carry both). Raises
    ``provisor.policy.PolicyError`` when the patched policy does not validate.
    """
    from provisor.policy import dump_policy, parse_policy_text

    data = __import__("yaml").safe_load(dump_policy(policy))
    for shape, key in sorted(_agent_container(recs).items()):
        tm = tier_for(policy, key)
        rec = recs[key]
        if tm is None or math.isnan(rec.cpu_request) or math.isnan(rec.mem_request):
            continue
        req, lim = _quantities(rec)
        data["tiers"][tm[0]][tm[1]] = {"requests": req, "limits": lim}
    text = __import__("yaml").safe_dump(data, sort_keys=False)
    return parse_policy_text(text, f"{policy.name} (patched)")


def _demand_with(policy: Any, recs: Mapping[GroupKey, Recommendation],
                 targets: Mapping[tuple[str, str, str], GroupKey]) -> dict[str, int] | None:
    """``Policy.planned_demand()`` with the recommended tiers in place of the policy's
    (millicores for CPU keys, bytes for memory); None when no class is a policy tier."""
    new: dict[tuple[str, str], Recommendation] = {}
    for key in targets.values():
        tm = tier_for(policy, key)
        rec = recs[key]
        if tm is not None and not math.isnan(rec.cpu_request) and not math.isnan(rec.mem_request):
            new[tm] = rec
    if not new:
        return None
    demand = dict(policy.planned_demand())
    for a in policy.agents.values():
        sized = new.get((a.tier, a.model))
        tier = policy.tiers.get(a.tier, {}).get(a.model)
        if sized is None or tier is None:
            continue
        n = a.max_concurrency
        req, lim = _quantities(sized)
        from provisor.quantity import Quantity

        for res in ("cpu", "memory"):
            def amount(q: Any, r: str = res) -> int:
                return int(q.milli_value()) if r == "cpu" else int(q.int_value())

            d_req = amount(Quantity.parse(req[res])) - amount(tier.requests.get(res))
            d_lim = amount(Quantity.parse(lim[res])) - amount(tier.limits.get(res))
            for k, d in ((f"requests.{res}", d_req), (res, d_req), (f"limits.{res}", d_lim)):
                if k in demand:
                    demand[k] += n * d
    return demand


def apply_policy_constraints(policy: Any, recs: dict[GroupKey, Recommendation]) -> list[str]:
    """Clamp to the LimitRange and check the quota (module docstring); returns notes."""
    from provisor.k8s.limitranger import pod_limit_errors
    from provisor.render.quota import limit_range

    notes: list[str] = []
    lr_obj = limit_range(policy)
    c = policy.limit_range.container
    targets = _agent_container(recs)
    for key in sorted(recs):
        rec = round_recommendation(recs[key])
        if key.namespace not in ("", policy.namespace.name) and tier_for(policy, key) is None:
            continue
        if tier_for(policy, key) is None:
            continue
        changed = _clamp(rec, c, policy.agent_vpa.min_allowed)
        round_recommendation(rec)
        for n in changed:
            rec.notes.append(n)
            notes.append(f"{key.group}/{key.container}: {n}")
        if math.isnan(rec.cpu_request) or math.isnan(rec.mem_request):
            continue
        req, lim = _quantities(rec)
        pod = {"spec": {"containers": [{"name": key.container,
                                        "resources": {"requests": req, "limits": lim}}]}}
        for err in pod_limit_errors(lr_obj, pod):
            msg = f"cannot fit the LimitRange: {err}"
            rec.notes.append(msg)
            notes.append(f"{key.group}/{key.container}: {msg}")
    demand = _demand_with(policy, recs, targets)
    if demand is not None:
        buffer = policy.quota.buffer
        for qkey, hard in sorted(policy.quota.hard.items()):
            if qkey not in demand:
                continue
            cpu_key = qkey in ("cpu", "requests.cpu", "limits.cpu")
            hard_amount = hard.milli_value() if cpu_key else hard.int_value()
            shown = (f"{demand[qkey]}m" if cpu_key else
                     f"{demand[qkey] / 2**30:.1f}Gi" if "memory" in qkey or "storage" in qkey
                     else str(demand[qkey]))
            if demand[qkey] > hard_amount:
                msg = (f"cannot fit the quota: {qkey} planned demand {shown} > hard {hard} at "
                       "max concurrency")
            elif demand[qkey] * (1 + buffer) > hard_amount:
                msg = (f"quota {qkey}: planned demand {shown} leaves less than the policy's "
                       f"{buffer:.0%} buffer under {hard}")
            else:
                continue
            notes.append(msg)
            for k in targets.values():
                if tier_for(policy, k) is not None:
                    recs[k].notes.append(msg)
    return notes
