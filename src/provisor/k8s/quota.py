"""ResourceQuota: what an object is charged, and what the quota admission plugin decides.

Follows, from kubernetes/kubernetes:

* ``pkg/quota/v1/evaluator/core/pods.go`` (pod usage, scopes, the cpu/memory "must specify"
  constraint), ``persistent_volume_claims.go`` (claims, storage, storage-class keys, rounding),
  ``services.go`` (services, load balancers, node ports), ``registry.go`` (legacy object-count
  names) and ``pkg/quota/v1/install/registry.go`` (resources quota ignores);
* ``staging/src/k8s.io/apiserver/pkg/quota/v1/resources.go`` (resource-list arithmetic),
  ``.../quota/v1/generic/evaluator.go`` (object counts, quota matching);
* ``staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go``
  (``CheckRequest``: scopes, ``limitedResources``, deltas on update, the refusal messages) and
  ``admission.go`` (namespaced requests only).

Public functions:

``usage(obj, *, now=None, feature_gates=None) -> dict[str, Quantity]``
    The exact keys Kubernetes charges for one object (see ``usage``).

``admit(quotas, obj, *, operation="CREATE", old=None, limited_resources=None, ...) -> list[dict]``
    The quota admission decision: the ResourceQuota objects with ``status.used`` charged, or
    ``provisor.k8s.AdmissionError`` with the API server's message (see ``admit``).

Resource-list helpers (dicts name -> ``Quantity``), as in ``resources.go``: ``equals``,
``less_than_or_equal``, ``maximum``, ``add``, ``subtract``,
``subtract_with_non_negative_result``, ``mask``, ``resource_names``, ``contains``,
``contains_prefix``, ``intersection``, ``difference``, ``is_zero``, ``remove_zeros``,
``is_negative``.

Feature gates: ``feature_gates`` maps a gate name to a bool; the defaults are those of current
Kubernetes: ``PodLevelResources``, ``InPlacePodVerticalScaling`` and
``RecoverVolumeExpansionFailure`` all on. (``ServiceLBNodePortControl`` is GA and always on.)

Not covered: the DRA ``resourceclaims`` evaluator (``resource.k8s.io`` ResourceClaims are
charged their object count only, and pods are not charged ``requests.deviceclass...`` from
claims), and the quota controller's retry and batching machinery (nothing here does I/O).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import copy
import math
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from provisor.k8s import AdmissionError
from provisor.k8s import resources as _res
from provisor.quantity import Quantity

ResourceList = dict[str, Quantity]

__all__ = [
    "usage",
    "usage_stats",
    "admit",
    "evaluator_for",
    "object_count_resource_name",
    "PodEvaluator",
    "PersistentVolumeClaimEvaluator",
    "ServiceEvaluator",
    "ObjectCountEvaluator",
    "equals",
    "less_than_or_equal",
    "maximum",
    "add",
    "subtract",
    "subtract_with_non_negative_result",
    "mask",
    "resource_names",
    "contains",
    "contains_prefix",
    "intersection",
    "difference",
    "is_zero",
    "remove_zeros",
    "is_negative",
    "pretty_print",
    "has_usage_stats",
]

_ZERO = Quantity.from_value(0)
_ONE = Quantity.from_value(1)

DEFAULT_FEATURE_GATES: Mapping[str, bool] = {
    "PodLevelResources": True,
    "InPlacePodVerticalScaling": True,
    "RecoverVolumeExpansionFailure": True,
}


def _gate(feature_gates: Mapping[str, bool] | None, name: str) -> bool:
    if feature_gates is not None and name in feature_gates:
        return bool(feature_gates[name])
    return DEFAULT_FEATURE_GATES[name]


# =============================================================================================
# resources.go: resource-list helpers
# =============================================================================================


def _rl(raw: Mapping[str, Any] | None) -> ResourceList:
    return _res.resource_list(raw) or {}


def equals(a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> bool:
    """Same names, each with an equal amount (``quota.Equals``)."""
    if len(a) != len(b):
        return False
    for k, v in a.items():
        o = b.get(k)
        if o is None or o != v:
            return False
    return True


def less_than_or_equal(a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> tuple[bool, list[str]]:
    """``(ok, exceeded)``: for every name of ``b`` that ``a`` also has, ``a[name] <= b[name]``;
    ``exceeded`` lists the names where it is not (``quota.LessThanOrEqual``)."""
    exceeded = [k for k, v in b.items() if k in a and a[k] > v]
    return (not exceeded), exceeded


def maximum(a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> ResourceList:
    """Per name, the larger amount; names of either list (``quota.Max``)."""
    out: ResourceList = {}
    for k, v in a.items():
        o = b.get(k)
        out[k] = o if (o is not None and v <= o) else v
    for k, v in b.items():
        if k not in out:
            out[k] = v
    return out


def add(a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> ResourceList:
    """``a + b`` per name, names of either list (``quota.Add``)."""
    out: ResourceList = {}
    for k, v in a.items():
        o = b.get(k)
        out[k] = v if o is None else v + o
    for k, v in b.items():
        if k not in out:
            out[k] = v
    return out


def subtract(a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> ResourceList:
    """``a - b`` per name; a name only in ``b`` gives ``-b`` (``quota.Subtract``)."""
    out: ResourceList = {}
    for k, v in a.items():
        o = b.get(k)
        out[k] = v if o is None else v - o
    for k, v in b.items():
        if k not in out:
            out[k] = -v
    return out


def subtract_with_non_negative_result(a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> ResourceList:
    """``max(a - b, 0)`` per name; a name only in ``b`` gives 0
    (``quota.SubtractWithNonNegativeResult``)."""
    out: ResourceList = {}
    for k, v in a.items():
        o = b.get(k)
        q = v if o is None else v - o
        out[k] = q if q > _ZERO else _ZERO
    for k in b:
        if k not in out:
            out[k] = _ZERO
    return out


def mask(resources: Mapping[str, Quantity], names: Iterable[str]) -> ResourceList:
    """Only the entries whose name is in ``names`` (``quota.Mask``)."""
    keep = set(names)
    return {k: v for k, v in resources.items() if k in keep}


def resource_names(resources: Mapping[str, Any]) -> list[str]:
    """The names of a resource list (``quota.ResourceNames``; order not significant)."""
    return list(resources)


def contains(items: Sequence[str], item: str) -> bool:
    """``item in items`` (``quota.Contains``)."""
    return item in items


def contains_prefix(prefixes: Sequence[str], item: str) -> bool:
    """True if ``item`` starts with one of ``prefixes`` (``quota.ContainsPrefix``)."""
    return any(item.startswith(p) for p in prefixes)


def intersection(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """Sorted, de-duplicated names of ``a`` that are in ``b`` (``quota.Intersection``)."""
    bs = set(b)
    return sorted({x for x in a if x in bs})


def difference(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """Sorted, de-duplicated names of ``a`` not in ``b`` (``quota.Difference``)."""
    bs = set(b)
    return sorted({x for x in a if x not in bs})


def is_zero(a: Mapping[str, Quantity]) -> bool:
    """Every amount is zero (an empty list is zero) (``quota.IsZero``)."""
    return all(v.is_zero() for v in a.values())


def remove_zeros(a: Mapping[str, Quantity]) -> ResourceList:
    """The entries with a non-zero amount (``quota.RemoveZeros``)."""
    return {k: v for k, v in a.items() if not v.is_zero()}


def is_negative(a: Mapping[str, Quantity]) -> list[str]:
    """The names whose amount is below zero (``quota.IsNegative``)."""
    return [k for k, v in a.items() if v.sign() < 0]


# =============================================================================================
# names and helpers from k8s.io/api and pkg/apis/core/v1/helper
# =============================================================================================

REQUESTS_PREFIX = "requests."
HUGEPAGES_PREFIX = "hugepages-"
REQUESTS_HUGEPAGES_PREFIX = "requests.hugepages-"
DEVICE_CLASS_PREFIX = "deviceclass.resource.kubernetes.io/"
_STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
_BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"

from provisor.k8s.names import (  # noqa: E402
    is_valid_label_value,
    is_extended_resource_name as _is_extended_resource_name,
    is_native_resource as _is_native_resource,
)


def _is_dra_extended_resource_name(name: str) -> bool:
    return _is_extended_resource_name(name) or name.startswith(DEVICE_CLASS_PREFIX)


def _is_extended_resource_name_for_quota(name: str) -> bool:
    non_native = not _is_native_resource(name)
    implicit = name.startswith(REQUESTS_PREFIX + DEVICE_CLASS_PREFIX)
    return (non_native or implicit) and name.startswith(REQUESTS_PREFIX)


def object_count_resource_name(group: str, resource: str) -> str:
    """``count/<resource>`` for the core group, ``count/<resource>.<group>`` otherwise
    (``generic.ObjectCountQuotaResourceNameFor``)."""
    return f"count/{resource}" if not group else f"count/{resource}.{group}"


def _scope_selectors(quota: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = quota.get("spec") or {}
    out: list[dict[str, Any]] = [{"scopeName": s, "operator": "Exists"} for s in spec.get("scopes") or ()]
    sel = spec.get("scopeSelector")
    if sel is not None:
        out.extend(sel.get("matchExpressions") or ())
    return out


def _format_scopes(selectors: Sequence[Mapping[str, Any]]) -> str:
    # Go's %v of []ScopedResourceSelectorRequirement
    parts = []
    for s in selectors:
        values = " ".join(s.get("values") or ())
        parts.append(f"{{{s.get('scopeName', '')} {s.get('operator', '')} [{values}]}}")
    return "[" + " ".join(parts) + "]"


class _ScopeError(Exception):
    pass


# =============================================================================================
# evaluators
# =============================================================================================


class _Evaluator(ABC):
    """Shared shape of the quota evaluators (upstream ``quota.Evaluator``)."""

    group = ""
    resource = ""

    def constraints(self, required: Sequence[str], obj: Mapping[str, Any]) -> str | None:
        """The constraint error text (``None`` when satisfied)."""
        return None

    @abstractmethod
    def handles(self, operation: str, obj: Any, old: Any, subresource: str) -> bool:
        """Whether this evaluator charges ``operation`` on ``obj`` (``Handles``)."""

    @abstractmethod
    def matching_resources(self, names: Sequence[str]) -> list[str]:
        """The quota resource names among ``names`` that this evaluator tracks."""

    def matches_scope(self, selector: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
        return False

    def matching_scopes(self, obj: Mapping[str, Any], selectors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The selectors ``obj`` matches (only pods have scopes)."""
        return [dict(s) for s in selectors if self.matches_scope(s, obj)]

    def uncovered_quota_scopes(
        self, limited: Sequence[Mapping[str, Any]], matched: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        return []

    def matches(self, quota: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
        """``generic.Matches``: the quota's hard names include one this evaluator tracks, and
        ``obj`` matches every scope of the quota."""
        hard = ((quota.get("status") or {}).get("hard")) or {}
        if not self.matching_resources(list(hard)):
            return False
        return all(self.matches_scope(s, obj) for s in _scope_selectors(quota))

    @abstractmethod
    def usage(self, obj: Mapping[str, Any], *, now: datetime | float | None = None,
              feature_gates: Mapping[str, bool] | None = None) -> ResourceList:
        """What ``obj`` charges (``Usage``)."""


class ObjectCountEvaluator(_Evaluator):
    """``count/<resource>[.<group>]`` (and a legacy alias such as ``configmaps``) for any
    resource without a dedicated evaluator (``generic.objectCountEvaluator``). Charged on
    CREATE only; never scoped."""

    def __init__(self, group: str, resource: str, alias: str | None = None) -> None:
        self.group = group
        self.resource = resource
        self.names = [object_count_resource_name(group, resource)] + ([alias] if alias else [])

    def handles(self, operation: str, obj: Any, old: Any, subresource: str) -> bool:
        return not subresource and operation == "CREATE"

    def matching_resources(self, names: Sequence[str]) -> list[str]:
        return intersection(names, self.names)

    def usage(self, obj: Mapping[str, Any], *, now: datetime | float | None = None,
              feature_gates: Mapping[str, bool] | None = None) -> ResourceList:
        return {n: _ONE for n in self.names}


_POD_RESOURCES = (
    "count/pods", "cpu", "memory", "ephemeral-storage",
    "requests.cpu", "requests.memory", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
)
_POD_RESOURCE_PREFIXES = (HUGEPAGES_PREFIX, REQUESTS_HUGEPAGES_PREFIX)
_VALIDATION_SET = frozenset(("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"))
_QOS_RESOURCES = ("cpu", "memory")


def _pod_compute_usage(requests: Mapping[str, Quantity], limits: Mapping[str, Quantity]) -> ResourceList:
    out: ResourceList = {"pods": _ONE}
    for name in ("cpu", "memory", "ephemeral-storage"):
        r = requests.get(name)
        if r is not None:
            out[name] = r
            out["requests." + name] = r
        lim = limits.get(name)
        if lim is not None:
            out["limits." + name] = lim
    for name, r in requests.items():
        if name.startswith(HUGEPAGES_PREFIX):
            out[name] = r
            out[REQUESTS_PREFIX + name] = r
        if _is_dra_extended_resource_name(name):
            out[REQUESTS_PREFIX + name] = r
    return out


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def _now(now: datetime | float | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if isinstance(now, (int, float)):
        return datetime.fromtimestamp(now, timezone.utc)
    return _parse_time(now)


def is_terminating(pod: Mapping[str, Any]) -> bool:
    """``spec.activeDeadlineSeconds`` is set and >= 0 (``core.IsTerminating``)."""
    ads = (pod.get("spec") or {}).get("activeDeadlineSeconds")
    return ads is not None and int(ads) >= 0


def _qos_is_best_effort(pod: Mapping[str, Any], feature_gates: Mapping[str, bool] | None) -> bool:
    qos = (pod.get("status") or {}).get("qosClass")
    if qos:
        return qos == "BestEffort"
    spec = pod.get("spec") or {}
    lists: list[Mapping[str, Any]] = []
    if _gate(feature_gates, "PodLevelResources") and _res.is_pod_level_resources_set(pod):
        pr = spec.get("resources") or {}
        lists = [pr.get("requests") or {}, pr.get("limits") or {}]
    else:
        for key in ("containers", "initContainers"):
            for c in spec.get(key) or ():
                r = c.get("resources") or {}
                lists.append(r.get("requests") or {})
                lists.append(r.get("limits") or {})
    for rl in lists:
        for name in _QOS_RESOURCES:
            q = rl.get(name)
            if q is not None and _res.parse_quantity(q).sign() > 0:
                return False
    return True


def _uses_cross_namespace_affinity(pod: Mapping[str, Any]) -> bool:
    aff = (pod.get("spec") or {}).get("affinity")
    if not aff:
        return False

    def cross(term: Mapping[str, Any]) -> bool:
        return bool(term.get("namespaces")) or term.get("namespaceSelector") is not None

    for key in ("podAffinity", "podAntiAffinity"):
        a = aff.get(key)
        if not a:
            continue
        if any(cross(t) for t in a.get("requiredDuringSchedulingIgnoredDuringExecution") or ()):
            return True
        if any(cross(t.get("podAffinityTerm") or {})
               for t in a.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            return True
    return False


def _priority_class_selector_matches(pod: Mapping[str, Any], sel: Mapping[str, Any]) -> bool:
    # helper.ScopedResourceSelectorRequirementsAsSelector + labels.Requirement.Matches on
    # the one-label set {"PriorityClass": spec.priorityClassName}
    op = sel.get("operator")
    values = list(sel.get("values") or ())
    if op in ("In", "NotIn"):
        if not values:
            raise _ScopeError("for 'in', 'notin' operators, values set can't be empty")
        for v in values:
            if not is_valid_label_value(v):
                raise _ScopeError(f"invalid label value: {v!r}")
    elif op in ("Exists", "DoesNotExist"):
        if values:
            raise _ScopeError("values set must be empty for exists and does not exist")
    else:
        raise _ScopeError(f"{op!r} is not a valid scope selector operator")
    pc = (pod.get("spec") or {}).get("priorityClassName") or ""
    has = bool(pc)
    if op == "In":
        return has and pc in values
    if op == "NotIn":
        return not has or pc not in values
    if op == "Exists":
        return has
    return not has


class PodEvaluator(_Evaluator):
    """Pods (``core.podEvaluator``): compute resources, ``pods``, ``count/pods``, scopes."""

    group = ""
    resource = "pods"

    def __init__(self, feature_gates: Mapping[str, bool] | None = None) -> None:
        self.feature_gates = feature_gates

    def constraints(self, required: Sequence[str], obj: Mapping[str, Any]) -> str | None:
        """When a quota tracks cpu or memory (bare, ``requests.*`` or ``limits.*``), every
        container and init container must name it; the error text is
        ``must specify <res> for: <containers>; ...`` (sorted). Skipped when pod-level
        resources are set (PodLevelResources gate)."""
        if _gate(self.feature_gates, "PodLevelResources") and _res.is_pod_level_resources_set(obj):
            return None
        required_set = set(required) & _VALIDATION_SET
        if not required_set:
            return None
        missing: dict[str, set[str]] = {}
        spec = obj.get("spec") or {}
        for key in ("containers", "initContainers"):
            for c in spec.get(key) or ():
                r = c.get("resources") or {}
                have = set(_pod_compute_usage(_rl(r.get("requests")), _rl(r.get("limits"))))
                for name in required_set - have:
                    missing.setdefault(name, set()).add(c.get("name") or "")
        if not missing:
            return None
        parts = [f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing)]
        return "must specify " + "; ".join(parts)

    def handles(self, operation: str, obj: Any, old: Any, subresource: str) -> bool:
        """CREATE; an UPDATE that changes the Terminating scope; UPDATE of ``resize``."""
        if subresource == "":
            if operation == "UPDATE":
                if not isinstance(obj, Mapping) or not isinstance(old, Mapping):
                    return False
                if is_terminating(old) != is_terminating(obj):
                    return True
            return operation == "CREATE"
        if subresource == "resize":
            return operation == "UPDATE"
        return False

    def matching_resources(self, names: Sequence[str]) -> list[str]:
        out = intersection(names, _POD_RESOURCES)
        for n in names:
            if contains_prefix(_POD_RESOURCE_PREFIXES, n):
                out.append(n)
            if _is_extended_resource_name_for_quota(n):
                out.append(n)
        return out

    def matches_scope(self, selector: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
        scope = selector.get("scopeName")
        if scope == "Terminating":
            return is_terminating(obj)
        if scope == "NotTerminating":
            return not is_terminating(obj)
        if scope == "BestEffort":
            return _qos_is_best_effort(obj, self.feature_gates)
        if scope == "NotBestEffort":
            return not _qos_is_best_effort(obj, self.feature_gates)
        if scope == "PriorityClass":
            if selector.get("operator") == "Exists":
                return bool((obj.get("spec") or {}).get("priorityClassName"))
            return _priority_class_selector_matches(obj, selector)
        if scope == "CrossNamespacePodAffinity":
            return _uses_cross_namespace_affinity(obj)
        return False

    def uncovered_quota_scopes(
        self, limited: Sequence[Mapping[str, Any]], matched: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        names = {m.get("scopeName") for m in matched}
        return [dict(s) for s in limited if s.get("scopeName") not in names]

    def usage(self, obj: Mapping[str, Any], *, now: datetime | float | None = None,
              feature_gates: Mapping[str, bool] | None = None) -> ResourceList:
        gates = feature_gates if feature_gates is not None else self.feature_gates
        out: ResourceList = {"count/pods": _ONE}
        if not quota_v1_pod(obj, now=now):
            return out
        opts = _res.PodResourcesOptions(
            use_status_resources=_gate(gates, "InPlacePodVerticalScaling"),
            skip_pod_level_resources=not _gate(gates, "PodLevelResources"),
        )
        requests = _res.pod_requests(obj, **opts)
        limits = _res.pod_limits(obj, **opts)
        return add(out, _pod_compute_usage(requests, limits))


def quota_v1_pod(pod: Mapping[str, Any], *, now: datetime | float | None = None) -> bool:
    """True when a pod is charged compute resources (``core.QuotaV1Pod``): not in phase
    Succeeded/Failed, and not past ``deletionTimestamp + deletionGracePeriodSeconds`` at
    ``now`` (a datetime, epoch seconds, or ``None`` for the wall clock)."""
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Failed", "Succeeded"):
        return False
    meta = pod.get("metadata") or {}
    ts = meta.get("deletionTimestamp")
    grace = meta.get("deletionGracePeriodSeconds")
    if ts is not None and grace is not None:
        deadline = _parse_time(ts).timestamp() + int(grace)
        if _now(now).timestamp() > deadline:
            return False
    return True


_PVC_RESOURCES = ("persistentvolumeclaims", "requests.storage")


def _round_up_integer(q: Quantity) -> Quantity:
    if q.value.denominator == 1:
        return q
    return Quantity.from_value(math.ceil(q.value), q.format)


def storage_class_of_claim(pvc: Mapping[str, Any]) -> str:
    """The claim's class: the beta annotation first, then ``spec.storageClassName``
    (``storagehelpers.GetPersistentVolumeClaimClass``)."""
    ann = (pvc.get("metadata") or {}).get("annotations") or {}
    if _BETA_STORAGE_CLASS_ANNOTATION in ann:
        return ann[_BETA_STORAGE_CLASS_ANNOTATION]
    return (pvc.get("spec") or {}).get("storageClassName") or ""


class PersistentVolumeClaimEvaluator(_Evaluator):
    """PersistentVolumeClaims (``core.pvcEvaluator``): ``persistentvolumeclaims``,
    ``count/persistentvolumeclaims``, ``requests.storage`` and the
    ``<class>.storageclass.storage.k8s.io/`` variants. Charged on CREATE and UPDATE."""

    group = ""
    resource = "persistentvolumeclaims"

    def __init__(self, feature_gates: Mapping[str, bool] | None = None) -> None:
        self.feature_gates = feature_gates

    def handles(self, operation: str, obj: Any, old: Any, subresource: str) -> bool:
        return operation in ("CREATE", "UPDATE")

    def matching_resources(self, names: Sequence[str]) -> list[str]:
        out = []
        for n in names:
            if n == "count/persistentvolumeclaims" or n in _PVC_RESOURCES:
                out.append(n)
                continue
            if any(n.endswith(_STORAGE_CLASS_SUFFIX + r) for r in _PVC_RESOURCES):
                out.append(n)
        return out

    def _storage(self, pvc: Mapping[str, Any], gates: Mapping[str, bool] | None) -> Quantity | None:
        reqs = ((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}
        if "storage" not in reqs:
            return None
        result = _round_up_integer(_res.parse_quantity(reqs["storage"]))
        if _gate(gates, "RecoverVolumeExpansionFailure"):
            allocated = (pvc.get("status") or {}).get("allocatedResources") or {}
            if "storage" in allocated:
                a = _res.parse_quantity(allocated["storage"])
                if a > result:
                    result = _round_up_integer(a)
        return result

    def usage(self, obj: Mapping[str, Any], *, now: datetime | float | None = None,
              feature_gates: Mapping[str, bool] | None = None) -> ResourceList:
        """Storage is rounded up to whole bytes (``1001m`` -> ``2``); with
        RecoverVolumeExpansionFailure a larger ``status.allocatedResources.storage`` wins."""
        gates = feature_gates if feature_gates is not None else self.feature_gates
        out: ResourceList = {"persistentvolumeclaims": _ONE, "count/persistentvolumeclaims": _ONE}
        sc = storage_class_of_claim(obj)
        if sc:
            out[sc + _STORAGE_CLASS_SUFFIX + "persistentvolumeclaims"] = _ONE
        storage = self._storage(obj, gates)
        if storage is not None:
            out["requests.storage"] = storage
            if sc:
                out[sc + _STORAGE_CLASS_SUFFIX + "requests.storage"] = storage
        return out


_SERVICE_RESOURCES = ("count/services", "services", "services.nodeports", "services.loadbalancers")


class ServiceEvaluator(_Evaluator):
    """Services (``core.serviceEvaluator``): ``services``, ``count/services``,
    ``services.loadbalancers`` and ``services.nodeports``. Charged on CREATE and UPDATE."""

    group = ""
    resource = "services"

    def handles(self, operation: str, obj: Any, old: Any, subresource: str) -> bool:
        return operation in ("CREATE", "UPDATE")

    def matching_resources(self, names: Sequence[str]) -> list[str]:
        return intersection(names, _SERVICE_RESOURCES)

    def usage(self, obj: Mapping[str, Any], *, now: datetime | float | None = None,
              feature_gates: Mapping[str, bool] | None = None) -> ResourceList:
        """A NodePort service charges one node port per port; a LoadBalancer one load balancer
        and one node port per port, or, with ``allocateLoadBalancerNodePorts: false``, only
        the ports that name a ``nodePort``."""
        spec = obj.get("spec") or {}
        ports = spec.get("ports") or ()
        out: ResourceList = {
            "count/services": _ONE,
            "services": _ONE,
            "services.loadbalancers": _ZERO,
            "services.nodeports": _ZERO,
        }
        stype = spec.get("type")
        if stype == "NodePort":
            out["services.nodeports"] = Quantity.from_value(len(ports))
        elif stype == "LoadBalancer":
            if spec.get("allocateLoadBalancerNodePorts") is False:
                n = sum(1 for p in ports if p.get("nodePort"))
            else:
                n = len(ports)
            out["services.nodeports"] = Quantity.from_value(n)
            out["services.loadbalancers"] = _ONE
        return out


_LEGACY_OBJECT_COUNT_ALIASES = {
    "configmaps": "configmaps",
    "resourcequotas": "resourcequotas",
    "replicationcontrollers": "replicationcontrollers",
    "secrets": "secrets",
}

IGNORED_RESOURCES = frozenset({
    ("", "bindings"),
    ("", "componentstatuses"),
    ("", "securitycontextconstraints"),
    ("authentication.k8s.io", "tokenreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "localsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("", "events"),
    ("events.k8s.io", "events"),
})


def evaluator_for(group: str, resource: str, *, feature_gates: Mapping[str, bool] | None = None) -> _Evaluator | None:
    """The evaluator the admission plugin uses for ``<resource>.<group>``; ``None`` for the
    resources quota ignores (events, bindings, reviews, ...)."""
    if (group, resource) in IGNORED_RESOURCES:
        return None
    if group == "":
        if resource == "pods":
            return PodEvaluator(feature_gates)
        if resource == "services":
            return ServiceEvaluator()
        if resource == "persistentvolumeclaims":
            return PersistentVolumeClaimEvaluator(feature_gates)
        alias = _LEGACY_OBJECT_COUNT_ALIASES.get(resource)
        if alias:
            return ObjectCountEvaluator("", resource, alias)
    return ObjectCountEvaluator(group, resource)


_IRREGULAR_PLURALS = {"endpoints": "endpoints"}


def _group_resource(obj: Mapping[str, Any], resource: str | None) -> tuple[str, str]:
    api_version = obj.get("apiVersion") or "v1"
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    if resource:
        if "." in resource:
            res, grp = resource.split(".", 1)
            return grp, res
        return group, resource
    kind = (obj.get("kind") or "").lower()
    if not kind:
        raise ValueError("object has no kind; pass resource=")
    if kind in _IRREGULAR_PLURALS:
        plural = _IRREGULAR_PLURALS[kind]
    elif kind.endswith("s"):
        plural = kind + "es"
    elif kind.endswith("y"):
        plural = kind[:-1] + "ies"
    else:
        plural = kind + "s"
    return group, plural


def usage(
    obj: Mapping[str, Any],
    *,
    resource: str | None = None,
    now: datetime | float | None = None,
    feature_gates: Mapping[str, bool] | None = None,
) -> ResourceList:
    """What Kubernetes charges a quota for ``obj`` (a JSON-form object with ``kind``).

    Pods: ``count/pods`` always; unless the pod is terminal (Succeeded/Failed) or past its
    deletion grace period, also ``pods`` and, from the effective requests/limits (init max
    rule, sidecars, overhead, pod-level resources, in-place resize status), ``cpu``,
    ``requests.cpu``, ``limits.cpu``, the same for ``memory`` and ``ephemeral-storage``,
    ``hugepages-<size>`` and ``requests.hugepages-<size>``, and ``requests.<extended>`` for
    extended resources (e.g. ``requests.nvidia.com/gpu``). PersistentVolumeClaims, Services:
    see their evaluators. Any other kind: ``count/<resource>[.<group>]`` plus the legacy name
    for configmaps, secrets, resourcequotas and replicationcontrollers.

    ``resource`` (``"deployments.apps"`` or ``"pods"``) overrides the plural guessed from
    ``kind``/``apiVersion``; ``now`` is a datetime or epoch seconds (default: wall clock).
    Returns ``{}`` for resources quota ignores (events, ...). Quantities are exact.
    """
    group, res = _group_resource(obj, resource)
    ev = evaluator_for(group, res, feature_gates=feature_gates)
    if ev is None:
        return {}
    return ev.usage(obj, now=now, feature_gates=feature_gates)


def usage_stats(
    objs: Sequence[Mapping[str, Any]],
    *,
    resource: str = "pods",
    scopes: Sequence[str] = (),
    scope_selector: Mapping[str, Any] | None = None,
    resources: Sequence[str] = (),
    now: datetime | float | None = None,
    feature_gates: Mapping[str, bool] | None = None,
) -> ResourceList:
    """What a quota with ``scopes``/``scope_selector`` has used across ``objs``, all of one
    ``resource`` (``"pods"``, ``"persistentvolumeclaims"``, ``"deployments.apps"``...)
    (``generic.CalculateUsageStats``): the sum of ``usage`` over the objects matching every
    scope, starting from zero for each name in ``resources``. An invalid scope selector
    stops the sum where it is, as upstream does. Only pods have scopes; for any other
    resource a scoped quota matches nothing."""
    group, res = _group_resource({"apiVersion": "v1"}, resource)
    ev = evaluator_for(group, res, feature_gates=feature_gates)
    out: ResourceList = {n: _ZERO for n in resources}
    if ev is None:
        return out
    selectors = [{"scopeName": s, "operator": "Exists"} for s in scopes]
    if scope_selector is not None:
        selectors.extend(scope_selector.get("matchExpressions") or ())
    for o in objs:
        try:
            ok = all([ev.matches_scope(s, o) for s in selectors])
        except _ScopeError:
            return out
        if ok:
            out = add(out, ev.usage(o, now=now, feature_gates=feature_gates))
    return out


# =============================================================================================
# admission (controller.go CheckRequest)
# =============================================================================================


def pretty_print(rl: Mapping[str, Quantity]) -> str:
    """``name=qty`` pairs sorted by name, joined by ``,`` (controller.go ``prettyPrint``)."""
    return ",".join(f"{k}={rl[k]}" for k in sorted(rl))


def has_usage_stats(quota: Mapping[str, Any], names: Iterable[str]) -> bool:
    """Every ``status.hard`` name among ``names`` has a ``status.used`` entry
    (controller.go ``hasUsageStats``)."""
    status = quota.get("status") or {}
    used = status.get("used") or {}
    wanted = set(names)
    return all(k in used for k in (status.get("hard") or {}) if k in wanted)


def _pretty_names(names: Iterable[str]) -> str:
    return ",".join(sorted(names))


def _normalized_quota(quota: Mapping[str, Any]) -> dict[str, Any]:
    q = copy.deepcopy(dict(quota))
    if "status" not in q or q["status"] is None:
        hard = dict(((q.get("spec") or {}).get("hard")) or {})
        q["status"] = {"hard": hard, "used": {k: "0" for k in hard}}
    return q


def admit(
    quotas: Sequence[Mapping[str, Any]],
    obj: dict[str, Any],
    *,
    operation: str = "CREATE",
    old: Mapping[str, Any] | None = None,
    limited_resources: Sequence[Mapping[str, Any]] | None = None,
    subresource: str = "",
    namespace: str | None = None,
    resource: str | None = None,
    now: datetime | float | None = None,
    feature_gates: Mapping[str, bool] | None = None,
) -> list[dict[str, Any]]:
    """Run the ResourceQuota admission plugin on one request.

    Args:
        quotas: ResourceQuota objects (``spec.hard``, ``spec.scopes``, ``spec.scopeSelector``,
            ``status.hard``, ``status.used``). Only those in the request's namespace apply (a
            quota without ``metadata.namespace`` is taken to be in it). A quota without
            ``status`` is treated as after the controller's first sync: ``status.hard =
            spec.hard`` and nothing used.
        obj: the object being written (JSON form). As upstream, a missing
            ``metadata.namespace`` is filled in from ``namespace``.
        operation: ``CREATE``, ``UPDATE``, ``DELETE`` or ``CONNECT``.
        old: the stored object on UPDATE. With a ``metadata.resourceVersion`` only the delta
            ``max(new - old, 0)`` is charged (to quotas that also matched the old object);
            without one the update is charged as a create.
        limited_resources: the admission configuration's ``limitedResources`` (each
            ``{"apiGroup", "resource", "matchContains", "matchScopes"}``): consuming a matching
            resource, or matching one of the scopes, needs a covering quota.
        subresource: e.g. ``"status"`` or ``"resize"``; a ``status`` write is charged but
            never refused for exceeding ``hard``.
        namespace: the request namespace (default: the object's). Non-namespaced requests and
            namespace creation are not evaluated.
        resource: ``"<plural>[.<group>]"``; default guessed from ``kind``/``apiVersion``.
        now, feature_gates: as for ``usage``.

    Returns:
        New dicts for every quota passed in, in order; those charged have ``status.used``
        updated (quantity strings). Deletes change nothing (the controller recalculates).

    Raises:
        AdmissionError: with the API server's message, e.g.
            ``pods "web" is forbidden: exceeded quota: q, requested: limits.cpu=2,
            used: limits.cpu=1, limited: limits.cpu=2``;
            ``... is forbidden: failed quota: q: must specify limits.cpu for: web``;
            ``... is forbidden: status unknown for quota: q, resources: cpu``;
            ``... is forbidden: quota usage is negative for resource(s): requests.storage``;
            ``... is forbidden: insufficient quota to consume: requests.cpu`` (all 403
            Forbidden); and ``insufficient quota to match these scopes: [{BestEffort Exists
            []}]``, which upstream returns as a plain error (500, reason ``""``).
    """
    out_quotas = [_normalized_quota(q) for q in quotas]
    meta = obj.setdefault("metadata", {}) if isinstance(obj, dict) else {}
    ns = namespace if namespace is not None else meta.get("namespace") or ""
    group, res = _group_resource(obj, resource)
    if not ns:
        return out_quotas
    if operation == "CREATE" and group == "" and res == "namespaces":
        return out_quotas
    evaluator = evaluator_for(group, res, feature_gates=feature_gates)
    if evaluator is None:
        return out_quotas
    if not evaluator.handles(operation, obj, old, subresource):
        return out_quotas
    ns_indexes = [
        i for i, q in enumerate(out_quotas)
        if ((q.get("metadata") or {}).get("namespace") or ns) == ns
    ]
    limited = list(limited_resources or ())
    if not ns_indexes and not limited:
        return out_quotas
    resource_str = res if not group else f"{res}.{group}"
    name = meta.get("name") or ""

    def forbidden(msg: str) -> AdmissionError:
        if name:
            return AdmissionError(f'{resource_str} "{name}" is forbidden: {msg}')
        return AdmissionError(f"{resource_str} is forbidden: {msg}")

    ns_quotas = [out_quotas[i] for i in ns_indexes]
    checked = _check_request(
        ns_quotas, obj, old, evaluator, limited, operation, subresource, ns, group, res,
        now, feature_gates, forbidden,
    )
    for i, q in zip(ns_indexes, checked):
        out_quotas[i] = q
    return out_quotas


def _check_request(
    quotas: list[dict[str, Any]],
    obj: dict[str, Any],
    old: Mapping[str, Any] | None,
    evaluator: _Evaluator,
    limited: list[Mapping[str, Any]],
    operation: str,
    subresource: str,
    namespace: str,
    group: str,
    res: str,
    now: datetime | float | None,
    feature_gates: Mapping[str, bool] | None,
    forbidden: Any,
) -> list[dict[str, Any]]:
    def ev_usage(o: Mapping[str, Any]) -> ResourceList:
        return evaluator.usage(o, now=now, feature_gates=feature_gates)

    try:
        limited_scopes: list[dict[str, Any]] = []
        for lr in limited:
            limited_scopes.extend(evaluator.matching_scopes(obj, lr.get("matchScopes") or ()))
    except _ScopeError:
        return quotas

    limited_names: set[str] = set()
    limited_here = [
        lr for lr in limited
        if (lr.get("apiGroup") or "") == group and lr.get("resource") == res
    ]
    if limited_here:
        delta = ev_usage(obj)
        for lr in limited_here:
            for k, v in delta.items():
                if v.sign() == 1 and any(m in k for m in lr.get("matchContains") or ()):
                    limited_names.add(k)

    interesting: list[int] = []
    restricted_resources: set[str] = set()
    restricted_scopes: list[dict[str, Any]] = []
    for i, q in enumerate(quotas):
        qname = (q.get("metadata") or {}).get("name") or ""
        try:
            restricted_scopes.extend(evaluator.matching_scopes(obj, _scope_selectors(q)))
            match = evaluator.matches(q, obj)
        except _ScopeError as scope_err:
            raise AdmissionError(f"error matching scopes of quota {qname}, err: {scope_err}", code=500, reason="")
        if not match:
            continue
        status = q.get("status") or {}
        hard = status.get("hard") or {}
        restricted = evaluator.matching_resources(list(hard))
        err = evaluator.constraints(restricted, obj)
        if err is not None:
            raise forbidden(f"failed quota: {qname}: {err}")
        rset = set(restricted)
        if not has_usage_stats(q, rset):
            raise forbidden(f"status unknown for quota: {qname}, resources: {_pretty_names(restricted)}")
        interesting.append(i)
        restricted_resources |= rset

    meta = obj.setdefault("metadata", {})
    if not meta.get("namespace"):
        meta["namespace"] = namespace

    input_usage = ev_usage(obj)
    negative = is_negative(input_usage)
    if negative:
        raise forbidden(f"quota usage is negative for resource(s): {_pretty_names(negative)}")

    delta_by_index: dict[int, ResourceList] = {i: input_usage for i in interesting}
    delta_no_quota: ResourceList = {}
    if operation == "CREATE" and not interesting:
        delta_no_quota = input_usage
    if operation == "UPDATE":
        if old is None:
            raise forbidden("unable to get previous usage since prior version of object was not found")
        if (old.get("metadata") or {}).get("resourceVersion"):
            prev = ev_usage(old)
            delta = subtract_with_non_negative_result(input_usage, prev)
            if not interesting:
                delta_no_quota = delta
            for i in interesting:
                try:
                    old_match = evaluator.matches(quotas[i], old)
                except _ScopeError as err:
                    raise AdmissionError(str(err), code=500, reason="")
                if old_match:
                    delta_by_index[i] = delta
        elif not interesting:
            delta_no_quota = input_usage

    for i in list(delta_by_index):
        nz = remove_zeros(delta_by_index[i])
        if nz:
            delta_by_index[i] = nz
        else:
            del delta_by_index[i]
    if interesting:
        if not delta_by_index:
            return quotas
    elif not remove_zeros(delta_no_quota):
        return quotas

    uncovered = sorted(limited_names - restricted_resources)
    if uncovered:
        raise forbidden(f"insufficient quota to consume: {','.join(uncovered)}")
    uncovered_scopes = evaluator.uncovered_quota_scopes(limited_scopes, restricted_scopes)
    if uncovered_scopes:
        raise AdmissionError(
            f"insufficient quota to match these scopes: {_format_scopes(uncovered_scopes)}", code=500, reason=""
        )
    if not interesting:
        return quotas

    out = list(quotas)
    for i in interesting:
        quota_delta = delta_by_index.get(i)
        if quota_delta is None:
            continue
        q = out[i]
        qname = (q.get("metadata") or {}).get("name") or ""
        status = q["status"]
        hard = _rl(status.get("hard"))
        used = _rl(status.get("used"))
        requested = mask(quota_delta, hard)
        new_used = add(used, requested)
        if subresource != "status":
            ok, exceeded = less_than_or_equal(mask(new_used, requested), hard)
            if not ok:
                raise forbidden(
                    f"exceeded quota: {qname}, requested: {pretty_print(mask(requested, exceeded))}, "
                    f"used: {pretty_print(mask(used, exceeded))}, limited: {pretty_print(mask(hard, exceeded))}"
                )
        q = dict(q)
        q["status"] = dict(status)
        q["status"]["used"] = {k: str(v) for k, v in new_used.items()}
        out[i] = q
    return out
