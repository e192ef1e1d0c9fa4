"""API-server field validation of pod resources (requests against limits).

Follows ``pkg/apis/core/validation/validation.go`` in kubernetes/kubernetes:
``ValidateContainerResourceRequirements`` / ``validatePodResourceRequirements`` (both
``validateResourceRequirements``), ``ValidateResourceQuantityValue``,
``ValidateNonnegativeQuantity`` and ``validateResourceQuantityHugePageValue``, and
``k8s.io/apimachinery/pkg/util/validation/field`` for the error text. This is the check that
runs after admission mutation (LimitRanger defaulting), so a defaulted limit below an explicit
request is refused here with 422, not by the LimitRanger.

Public functions:

* ``resource_requirements_errors(resources, path) -> list[str]`` -- the field errors of one
  ``ResourceRequirements`` (JSON form, ``{"requests": ..., "limits": ...}``) at ``path``
  (e.g. ``spec.containers[0].resources``).
* ``validate_pod_resources(pod, *, pod_level_resources=True) -> list[str]`` -- the errors of
  every container (``spec.containers[i].resources``), then every init container
  (``spec.initContainers[i].resources``), then pod-level ``spec.resources`` (with
  ``pod_level_resources``, the PodLevelResources gate).
* ``check_pod_resources(pod, *, pod_level_resources=True) -> None`` -- raises
  ``AdmissionError(code=422, reason="Invalid")`` with the API's message when there are errors.
* ``invalid_message(kind, obj, errors) -> str`` -- ``apierrors.NewInvalid``'s message.

Rules (per ``ResourceRequirements``; limits first, then requests, each in key order):

* a negative quantity: ``<path>.limits[cpu]: Invalid value: "-1": must be greater than or equal
  to 0`` (``requests[...]`` likewise);
* an extended resource (a name with ``/`` outside ``kubernetes.io/``) that is not a whole number:
  ``... Invalid value: "1500m": must be an integer``;
* ``hugepages-<size>`` not a multiple of the page size:
  ``... Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi``;
* a request above its limit:
  ``<path>.requests: Invalid value: "700m": must be less than or equal to cpu limit of 10m``;
* for resources that cannot be overcommitted (extended resources and ``hugepages-*``): a request
  different from its limit, ``<path>.requests: Invalid value: "1": must be equal to
  example.com/gpu limit of 2``, or a request without a limit, ``<path>.limits: Required value:
  Limit must be set for non overcommitable resources``;
* ``hugepages-*`` without ``cpu`` or ``memory`` in requests or limits:
  ``<path>: Forbidden: HugePages require cpu or memory``.

Not covered (other parts of pod validation): resource-name validation, resource claims, the
pod-level rules that compare ``spec.resources`` with the container aggregates, and every
non-resource field.

Message of the 422 (``apierrors.NewInvalid``): ``Pod "<name>" is invalid: <errors>``, where
``<errors>`` is the single error or ``[e1, e2, ...]`` (duplicates dropped); ``<name>`` is
``metadata.name`` (else ``metadata.generateName``: the server would have generated a random
suffix by then). Quantities print canonically (``str(Quantity)``). A malformed quantity raises
``provisor.quantity.QuantityError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from provisor.k8s import AdmissionError
from provisor.k8s.selectors import qualified_name_errors
from provisor.quantity import Quantity, QuantityError

__all__ = [
    "check_pod_resources",
    "invalid_message",
    "is_extended_resource_name",
    "is_overcommit_allowed",
    "resource_requirements_errors",
    "validate_pod_resources",
]

_HUGEPAGES = "hugepages-"
_DEFAULT_NAMESPACE_PREFIX = "kubernetes.io/"
_REQUESTS_PREFIX = "requests."
_QOS_COMPUTE = ("cpu", "memory")
_INTEGER_RESOURCES = frozenset(
    (
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    )
)


def _q(value: Any) -> Quantity:
    if isinstance(value, Quantity):
        return value
    return Quantity.unmarshal(value)


def _quote(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _is_native(name: str) -> bool:
    return "/" not in name or _DEFAULT_NAMESPACE_PREFIX in name


def is_extended_resource_name(name: str) -> bool:
    """``helper.IsExtendedResourceName``: a fully-qualified name outside ``kubernetes.io/``,
    not starting with ``requests.``, such that ``requests.<name>`` is a qualified name."""
    if _is_native(name) or name.startswith(_REQUESTS_PREFIX):
        return False
    return not qualified_name_errors(_REQUESTS_PREFIX + name)


def is_overcommit_allowed(name: str) -> bool:
    """``helper.IsOvercommitAllowed``: native resources except ``hugepages-*``."""
    return _is_native(name) and not name.startswith(_HUGEPAGES)


def _quantity_value_errors(name: str, q: Quantity, field_path: str, errs: list[str]) -> None:
    if q.sign() < 0:
        errs.append(
            f"{field_path}: Invalid value: {_quote(str(q))}: must be greater than or equal to 0"
        )
    integer = name in _INTEGER_RESOURCES or is_extended_resource_name(name)
    if integer and q.milli_value() % 1000 != 0:
        errs.append(f"{field_path}: Invalid value: {_quote(str(q))}: must be an integer")


def _hugepage_divisible(name: str, q: Quantity) -> bool:
    try:
        page = Quantity.parse(name[len(_HUGEPAGES) :])
    except QuantityError:
        return False
    if page.sign() <= 0 or page.milli_value() % 1000 != 0:
        return False
    return q.int_value() % page.int_value() == 0


def _hugepage_errors(name: str, q: Quantity, field_path: str, errs: list[str]) -> None:
    if not _hugepage_divisible(name, q):
        errs.append(
            f"{field_path}: Invalid value: {_quote(str(q))}: "
            f"{q} is not positive integer multiple of {name}"
        )


def resource_requirements_errors(resources: Mapping[str, Any] | None, path: str) -> list[str]:
    """Field errors of one ``ResourceRequirements`` at ``path`` (upstream
    ``validateResourceRequirements``), as the API server words them (see module doc).
    ``resources`` may be ``None`` (no errors)."""
    errs: list[str] = []
    if not resources:
        return errs
    raw_limits = resources.get("limits") or {}
    raw_requests = resources.get("requests") or {}
    limits = {n: _q(v) for n, v in raw_limits.items()}
    lim_path, req_path = f"{path}.limits", f"{path}.requests"
    lim_cpu_mem = req_cpu_mem = lim_huge = req_huge = False
    for name, q in limits.items():
        fp = f"{lim_path}[{name}]"
        _quantity_value_errors(name, q, fp, errs)
        if name.startswith(_HUGEPAGES):
            lim_huge = True
            _hugepage_errors(name, q, fp, errs)
        if name in _QOS_COMPUTE:
            lim_cpu_mem = True
    for name, raw in raw_requests.items():
        q = _q(raw)
        fp = f"{req_path}[{name}]"
        _quantity_value_errors(name, q, fp, errs)
        lim = limits.get(name)
        if lim is not None:
            if q != lim and not is_overcommit_allowed(name):
                errs.append(
                    f"{req_path}: Invalid value: {_quote(str(q))}: "
                    f"must be equal to {name} limit of {lim}"
                )
            elif q > lim:
                errs.append(
                    f"{req_path}: Invalid value: {_quote(str(q))}: "
                    f"must be less than or equal to {name} limit of {lim}"
                )
        elif not is_overcommit_allowed(name):
            errs.append(
                f"{lim_path}: Required value: Limit must be set for non overcommitable resources"
            )
        if name.startswith(_HUGEPAGES):
            req_huge = True
            _hugepage_errors(name, q, fp, errs)
        if name in _QOS_COMPUTE:
            req_cpu_mem = True
    if not lim_cpu_mem and not req_cpu_mem and (req_huge or lim_huge):
        errs.append(f"{path}: Forbidden: HugePages require cpu or memory")
    return errs


def validate_pod_resources(
    pod: Mapping[str, Any], *, pod_level_resources: bool = True
) -> list[str]:
    """All resource field errors of ``pod``: containers, then init containers, then pod-level
    ``spec.resources`` (when ``pod_level_resources``). Empty when valid."""
    spec = pod.get("spec") or {}
    errs: list[str] = []
    for key in ("containers", "initContainers"):
        for i, c in enumerate(spec.get(key) or ()):
            errs.extend(
                resource_requirements_errors(c.get("resources"), f"spec.{key}[{i}].resources")
            )
    if pod_level_resources and spec.get("resources") is not None:
        errs.extend(resource_requirements_errors(spec["resources"], "spec.resources"))
    return errs


def invalid_message(kind: str, obj: Mapping[str, Any], errors: list[str]) -> str:
    """``apierrors.NewInvalid(kind, name, errs)``'s message: ``<Kind> "<name>" is invalid:
    <errors>`` (one error as is, several as ``[e1, e2]``, duplicates dropped)."""
    meta = obj.get("metadata") or {}
    name = meta.get("name") or meta.get("generateName") or ""
    head = f"{kind} {_quote(name)} is invalid"
    if not errors:
        return head
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    body = seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
    return f"{head}: {body}"


def check_pod_resources(pod: Mapping[str, Any], *, pod_level_resources: bool = True) -> None:
    """Raise ``AdmissionError(code=422, reason="Invalid")`` with the API's message
    (``Pod "<name>" is invalid: ...``) when ``validate_pod_resources`` finds errors."""
    errs = validate_pod_resources(pod, pod_level_resources=pod_level_resources)
    if errs:
        raise AdmissionError(invalid_message("Pod", pod, errs), code=422, reason="Invalid")
