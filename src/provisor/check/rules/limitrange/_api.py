"""Shared by the limitrange, workload, quota and storage rules: how they name and point at
what the API server does to a workload's pod.

The Kubernetes semantics live in ``provisor.k8s``: API defaulting in
:mod:`provisor.k8s.defaults` (``default_limit_range``, ``default_pod``), the LimitRanger in
:mod:`provisor.k8s.limitranger`, field validation in :mod:`provisor.k8s.validation`. A
workload's pod as the API server admits it is ``ctx.admitted(w)``
(:class:`provisor.check.context.PodAdmission`), the LimitRanges of a namespace as stored are
``ctx.stored_limit_ranges(ns)``. This module only locates and describes: document paths,
labels, which LimitRange a default came from, and which admitted requests the API refuses
against their limits, with where each value came from.

Results are cached in ``ctx.cache`` per workload, so the rules stay O(objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisor.check.context import Path, PodAdmission, Workload, is_unset, list_at, object_text

if TYPE_CHECKING:
    from provisor.check.context import Context


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
    """``Deployment team-a/web`` (see :func:`provisor.check.context.object_text`)."""
    return object_text(w.kind, w.namespace, w.name)


def ns_label(ns: str) -> str:
    """``team-a``, or ``no namespace (judged with m.yaml)``."""
    return ns if is_unset(ns) else (ns or "default")


def default_source(ctx: "Context", namespace: str, resource: str,
                   which: str) -> tuple[str, Any] | None:
    """The LimitRange whose ``default`` (``which="limits"``) or ``defaultRequest``
    (``which="requests"``) fills ``resource`` into a container that names neither, and the
    value, as ``(name, value)``; None when no LimitRange of the namespace defaults it. The
    LimitRanger merges each LimitRange in turn into what is still missing, so the first one
    (in lister order) that has the resource wins."""
    key = "default" if which == "limits" else "defaultRequest"
    for lr in ctx.stored_limit_ranges(namespace):
        for item in list_at(lr, "spec", "limits"):
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


def requests_over_limits(ctx: "Context", w: Workload) -> list[RequestOverLimit]:
    """Every request the API refuses against its limit in ``w``'s admitted pod (request above
    limit, or unequal for resources that cannot be overcommitted), with where each value came
    from. Empty when the pod cannot be judged. Cached per workload in ``ctx.cache``."""
    store = ctx.cache.setdefault(("limitrange", "requests_over_limits"), {})
    hit = store.get(id(w))
    if hit is None:
        adm = ctx.admitted(w)
        hit = store[id(w)] = [] if adm.bad_quantity else _requests_over_limits(w, adm)
    return hit


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
