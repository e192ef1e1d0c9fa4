"""Shared by the limitrange, workload, quota and storage rules: objects as the API server
stores them, and workload pods as the API server admits them.

The manifests under check are what a user *sends*. Before any admission plugin runs, the API
server decodes the request and applies the v1 defaulting functions
(``pkg/apis/core/v1/defaults.go``); two of them change what LimitRanger and quota see:

* ``SetDefaults_LimitRangeItem`` (``Container`` items only): a resource with ``max`` and no
  ``default`` gets ``default = max``; then a resource with ``default`` and no
  ``defaultRequest`` gets ``defaultRequest = default``; then a resource with ``min`` and still
  no ``defaultRequest`` gets ``defaultRequest = min``. The stored LimitRange, which the
  LimitRanger reads, carries those values.
* ``SetDefaults_Pod``: a container (or init container) with a limit and no request for the
  same resource gets ``request = limit``. This runs on Pods only, not on pod templates, so a
  controller's pods get it when the controller creates them.

Pod admission, in the API server's order (``staging/.../apiserver/pkg/endpoints/handlers/
create.go``): decoding and defaulting, mutating admission (LimitRanger fills
``defaultRequest``/``default`` into containers that name neither,
``plugin/pkg/admission/limitranger/admission.go``), field validation (a request above its
limit is refused with 422, ``pkg/apis/core/validation``), then validating admission
(LimitRanger ``min``/``max``/``maxLimitRequestRatio``, 403; ResourceQuota, 403).

Not applied: the pod-level (``spec.resources``) part of ``SetDefaults_Pod`` (the
PodLevelResources defaulting of pod requests/limits from the containers); pods that set
``spec.resources`` are judged as written.

Everything here is computed once per check run and cached on the ``Context``
(:func:`cache`), per namespace or per workload, so the rules stay O(objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisor.check.context import Path, Workload, dig, namespace_of

if TYPE_CHECKING:
    from provisor.check.context import Context

_CACHE_ATTR = "_resource_rules_cache"


def cache(ctx: "Context") -> dict[Any, Any]:
    """A dict living as long as ``ctx`` (one check run), shared by the resource rule families
    for per-namespace and per-workload results."""
    store = ctx.__dict__.get(_CACHE_ATTR)
    if store is None:
        store = ctx.__dict__[_CACHE_ATTR] = {}
    return store


# -- API defaulting ------------------------------------------------------------------------


_RESOURCE_LISTS = ("min", "max", "default", "defaultRequest", "maxLimitRequestRatio")


def _well_formed_item(item: Any) -> dict[str, Any] | None:
    """The item with only its well-formed resource lists (mappings of names to scalars), or
    None when it is not a mapping. Malformed parts are the schema check's to report; here
    they are left out so that the rules never trip over them."""
    if not isinstance(item, dict):
        return None
    out = dict(item)
    for key in _RESOURCE_LISTS:
        v = out.get(key)
        if v is None:
            continue
        if not isinstance(v, dict) or not all(
                isinstance(k, str) and isinstance(q, (str, int, float)) and not isinstance(q, bool)
                for k, q in v.items()):
            del out[key]
    return out


def stored_limit_range(lr: Mapping[str, Any]) -> dict[str, Any]:
    """``lr`` after ``SetDefaults_LimitRangeItem`` (see module doc): a new dict in which every
    ``Container`` item has ``default`` and ``defaultRequest`` completed from ``max``,
    ``default`` and ``min``. Items that are not mappings become ``{}`` (indices are kept),
    and resource lists that are not mappings of names to quantities (what the API would
    refuse to decode) are left out, so the result is always well formed; other parts are
    shared with ``lr``."""
    spec = lr.get("spec")
    items = spec.get("limits") if isinstance(spec, dict) else None
    if not isinstance(items, list):
        new = dict(lr)
        new["spec"] = {**spec, "limits": []} if isinstance(spec, dict) else {"limits": []}
        return new
    new_items: list[Any] = []
    for raw in items:
        item = _well_formed_item(raw)
        if item is None:
            new_items.append({})  # keeps the indices; an item without a type limits nothing
            continue
        if item.get("type") == "Container":
            default = dict(item.get("default") or {})
            default_request = dict(item.get("defaultRequest") or {})
            for key, value in (item.get("max") or {}).items():
                default.setdefault(key, value)
            for key, value in default.items():
                default_request.setdefault(key, value)
            for key, value in (item.get("min") or {}).items():
                default_request.setdefault(key, value)
            item["default"] = default
            item["defaultRequest"] = default_request
        new_items.append(item)
    new = dict(lr)
    new["spec"] = dict(spec)
    new["spec"]["limits"] = new_items
    return new


def pod_api_defaults(pod: Mapping[str, Any]) -> dict[str, Any]:
    """``pod`` after the container part of ``SetDefaults_Pod``: every container and init
    container with limits gets a request equal to the limit for each limited resource it has
    no request for. Returns a new pod; only the containers it changes are copied."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return dict(pod)
    new_spec: dict[str, Any] | None = None
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        new_items: list[Any] | None = None
        for i, c in enumerate(items):
            res = c.get("resources") if isinstance(c, dict) else None
            limits = res.get("limits") if isinstance(res, dict) else None
            if not isinstance(limits, dict) or not limits:
                continue
            requests = res.get("requests")
            requests = requests if isinstance(requests, dict) else {}
            missing = [k for k in limits if k not in requests]
            if not missing:
                continue
            new_requests = dict(requests)
            for k in missing:
                new_requests[k] = limits[k]
            new_c = dict(c)
            new_c["resources"] = {**res, "requests": new_requests}
            if new_items is None:
                new_items = list(items)
            new_items[i] = new_c
        if new_items is not None:
            if new_spec is None:
                new_spec = dict(spec)
            new_spec[key] = new_items
    new = dict(pod)
    if new_spec is not None:
        new["spec"] = new_spec
    return new


def limit_ranges(ctx: "Context", namespace: str) -> list[dict[str, Any]]:
    """The LimitRanges of ``namespace`` as stored (:func:`stored_limit_range`), in load order."""
    store = cache(ctx)
    by_ns = store.get("limit_ranges")
    if by_ns is None:
        by_ns = store["limit_ranges"] = {
            ns: [stored_limit_range(lr) for lr in lrs if isinstance(lr, dict)]
            for ns, lrs in ctx.limit_ranges.items()
        }
    return by_ns.get(namespace, [])


# -- pods of a workload, admitted --------------------------------------------------------


@dataclass(slots=True)
class PodAdmission:
    """A workload's pod as the API server would admit it.

    Attributes:
        pod: after API defaulting and LimitRanger defaulting (what validation, the
            LimitRanger's validation and quota judge).
        sent: after API defaulting only (what the user's template yields).
        limitranger_error: the LimitRanger's refusal (``pods "x" is forbidden: ...``), or None.
        limitranger_detail: the same without the ``pods "x" is forbidden: `` prefix.
        bad_quantity: a malformed quantity made the pod impossible to judge (its text).
    """

    pod: dict[str, Any]
    sent: dict[str, Any]
    limitranger_error: str | None = None
    limitranger_detail: str | None = None
    bad_quantity: str | None = None
    over: "list[RequestOverLimit] | None" = None


def workload_pod(w: Workload) -> dict[str, Any]:
    """The Pod a workload's controller sends (before API defaulting): the template's labels
    and annotations, the pod spec, the workload's namespace, named after the workload."""
    ann = dig(w.doc.obj, *w.spec_path[:-1], "metadata", "annotations") if w.kind != "Pod" \
        else dig(w.doc.obj, "metadata", "annotations")
    meta: dict[str, Any] = {"name": w.name, "namespace": w.namespace,
                            "labels": dict(w.pod_labels)}
    if isinstance(ann, dict):
        meta["annotations"] = dict(ann)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": w.pod_spec}


def admission(ctx: "Context", w: Workload) -> PodAdmission:
    """The admission of ``w``'s pod in its namespace (cached per workload)."""
    store = cache(ctx).setdefault("admission", {})
    key = id(w)
    hit = store.get(key)
    if hit is None:
        hit = store[key] = _admit(ctx, w)
    return hit


def _admit(ctx: "Context", w: Workload) -> PodAdmission:
    from provisor.k8s.limitranger import aggregate_message, default_pod, forbidden_message, \
        pod_limit_errors
    from provisor.quantity import QuantityError

    problem = _malformed(w.pod_spec)
    if problem:
        pod = workload_pod(w)
        return PodAdmission(pod=pod, sent=pod, bad_quantity=problem)
    sent = pod_api_defaults(workload_pod(w))
    lrs = limit_ranges(ctx, w.namespace)
    try:
        pod = default_pod(lrs, sent) if lrs else sent
        out = PodAdmission(pod=pod, sent=sent)
        for lr in lrs:
            errs = pod_limit_errors(lr, pod)
            if errs:
                detail = aggregate_message(errs)
                out.limitranger_detail = detail
                out.limitranger_error = forbidden_message("pods", pod, detail)
                break
        return out
    except (QuantityError, ValueError, TypeError, AttributeError) as exc:
        return PodAdmission(pod=sent, sent=sent, bad_quantity=str(exc))


def _scalar_map(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(q, (str, int, float)) and not isinstance(q, bool)
        for k, q in v.items())


def _malformed(spec: Mapping[str, Any]) -> str | None:
    """Why a pod spec cannot be judged for resources (a container that is not a mapping,
    resources or requests/limits of the wrong shape), or None. The schema check reports
    these; the rules skip such workloads."""
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            return f"{key} is not a list"
        for c in items:
            if not isinstance(c, dict):
                return f"a {key} entry is not a mapping"
            res = c.get("resources")
            if res is None:
                continue
            if not isinstance(res, dict):
                return "resources is not a mapping"
            for part in ("requests", "limits"):
                if res.get(part) is not None and not _scalar_map(res[part]):
                    return f"resources.{part} is not a mapping of quantities"
    for part in ("resources", "overhead"):
        v = spec.get(part)
        if v is None:
            continue
        if part == "overhead":
            if not _scalar_map(v):
                return "overhead is not a mapping of quantities"
        elif not isinstance(v, dict) or any(
                v.get(x) is not None and not _scalar_map(v[x]) for x in ("requests", "limits")):
            return "spec.resources is malformed"
    return None


def _res(c: Any) -> Any:
    if not isinstance(c, dict):
        return None
    r = c.get("resources")
    return r if isinstance(r, dict) else None


def container_path(w: Workload, pod: Mapping[str, Any], name: str) -> Path:
    """The document path of the container called ``name`` in ``w`` (containers first, then
    init containers); the pod spec's path when there is none."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers"):
        for i, c in enumerate(spec.get(key) or ()):
            if isinstance(c, dict) and c.get("name") == name:
                return (*w.spec_path, key, i)
    return w.spec_path


def describe(w: Workload) -> str:
    """``Deployment team-a/web`` (namespace ``(default)`` when unset)."""
    return f"{w.kind} {w.namespace or '(default)'}/{w.name}"


def ns_label(ns: str) -> str:
    return ns or "(default)"


def same_namespace(obj: Mapping[str, Any], ns: str) -> bool:
    return namespace_of(obj) == ns


def default_source(ctx: "Context", namespace: str, resource: str,
                   which: str) -> tuple[str, Any] | None:
    """The LimitRange whose ``default`` (``which="limits"``) or ``defaultRequest``
    (``which="requests"``) fills ``resource`` into a container that names neither, and the
    value, as ``(name, value)``; None when no LimitRange of the namespace defaults it. The
    LimitRanger merges each LimitRange in turn into what is still missing, so the first one
    (in lister order) that has the resource wins."""
    key = "default" if which == "limits" else "defaultRequest"
    for lr in limit_ranges(ctx, namespace):
        for item in (lr.get("spec") or {}).get("limits") or ():
            if isinstance(item, dict) and item.get("type") == "Container":
                values = item.get(key) or {}
                if resource in values:
                    return name_of_obj(lr), values[resource]
    return None


def name_of_obj(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, dict) else ""


@dataclass(slots=True)
class RequestOverLimit:
    """A container whose request the API refuses against its limit (422), after defaulting.

    Attributes:
        path: document path of the container's ``resources.requests.<resource>`` (or
            ``resources`` when the request itself was defaulted).
        container: its name; ``resource``: e.g. ``cpu``; ``request``/``limit``: the values
            after defaulting (strings as the objects hold them).
        limit_defaulted / request_defaulted: the value was filled in by a LimitRange.
        message: the field error, e.g. ``spec.containers[0].resources.requests: Invalid
            value: "700m": must be less than or equal to cpu limit of 10m``.
    """

    path: Path
    container: str
    resource: str
    request: Any
    limit: Any
    limit_defaulted: bool
    request_defaulted: bool
    message: str


def requests_over_limits(w: Workload, adm: PodAdmission) -> list[RequestOverLimit]:
    """Every request the API refuses against its limit in ``adm`` (request above limit, or
    unequal for resources that cannot be overcommitted), with where each value came from.
    Computed once per admission."""
    if adm.over is None:
        adm.over = _requests_over_limits(w, adm)
    return adm.over


def _requests_over_limits(w: Workload, adm: PodAdmission) -> list[RequestOverLimit]:
    from provisor.k8s.resources import parse_quantity
    from provisor.k8s.validation import is_overcommit_allowed, resource_requirements_errors

    out: list[RequestOverLimit] = []
    sent_spec, pod_spec = adm.sent.get("spec") or {}, adm.pod.get("spec") or {}
    for key in ("containers", "initContainers"):
        before, after = sent_spec.get(key), pod_spec.get(key)
        if not isinstance(before, list) or not isinstance(after, list):
            continue
        for i, (c0, c1) in enumerate(zip(before, after)):
            r1 = _res(c1)
            if not r1:
                continue
            r0 = _res(c0) or {}
            reqs, lims = r1.get("requests") or {}, r1.get("limits") or {}
            reqs0, lims0 = r0.get("requests") or {}, r0.get("limits") or {}
            where = f"spec.{key}[{i}].resources"
            for res_name, raw_req in reqs.items():
                if res_name not in lims:
                    continue
                try:
                    if is_overcommit_allowed(res_name) and \
                            parse_quantity(raw_req) <= parse_quantity(lims[res_name]):
                        continue  # the common case, decided without building messages
                except (ValueError, TypeError):
                    pass
                single = {"requests": {res_name: raw_req}, "limits": {res_name: lims[res_name]}}
                errs = [e for e in resource_requirements_errors(single, where)
                        if e.startswith(f"{where}.requests: ")]
                if not errs:
                    continue
                req_defaulted = res_name not in reqs0
                path: Path = (*w.spec_path, key, i, "resources") if req_defaulted else \
                    (*w.spec_path, key, i, "resources", "requests", res_name)
                out.append(RequestOverLimit(
                    path=path, container=str(c1.get("name", "")), resource=res_name,
                    request=raw_req, limit=lims[res_name],
                    limit_defaulted=res_name not in lims0, request_defaulted=req_defaulted,
                    message=errs[0]))
    return out


def default_container_requirements_of(
        lrs: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(requests, limits) a container that names no resource gets from these LimitRanges
    (each in turn fills what is still missing, so the first one wins per resource)."""
    from provisor.k8s.limitranger import default_container_requirements

    reqs: dict[str, Any] = {}
    lims: dict[str, Any] = {}
    for lr in lrs:
        d = default_container_requirements(lr)
        for k, v in d["requests"].items():
            reqs.setdefault(k, v)
        for k, v in d["limits"].items():
            lims.setdefault(k, v)
    return reqs, lims
