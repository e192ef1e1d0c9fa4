"""API-server field validation: the field-error texts, pod resources (requests against
limits) and LimitRanges.

Follows kubernetes/kubernetes:

* ``staging/src/k8s.io/apimachinery/pkg/util/validation/field/{path,errors}.go`` for field
  paths and error texts (:class:`FieldPath`, :class:`FieldError`, :func:`invalid`,
  :func:`required`, :func:`forbidden`, :func:`not_supported`, :func:`duplicate`), and
  ``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go`` (``NewInvalid``) for the 422
  message (:func:`invalid_message`). The validation functions here, in
  :mod:`provisor.k8s.hpa.validation` and in :mod:`provisor.k8s.priority` word their errors
  through these (``provisor.k8s.selectors`` keeps its own informative texts, as it is imported
  here).
* ``pkg/apis/core/validation/validation.go``: ``ValidateContainerResourceRequirements`` /
  ``validatePodResourceRequirements`` (both ``validateResourceRequirements``),
  ``ValidateResourceQuantityValue``, ``ValidateNonnegativeQuantity`` and
  ``validateResourceQuantityHugePageValue``. This is the check that runs after admission
  mutation (LimitRanger defaulting), so a defaulted limit below an explicit request is refused
  here with 422, not by the LimitRanger.
* ``pkg/apis/core/validation/limit_ranges.go`` (formerly in ``validation.go``):
  ``ValidateLimitRange``, on the item after ``SetDefaults_LimitRangeItem``
  (:func:`provisor.k8s.defaults.default_limit_range`).

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
* ``validate_limit_range(lr, *, api_defaults=True) -> list[FieldError]`` -- the spec errors of
  ``ValidateLimitRange``.
* ``invalid_message(kind, obj, errors) -> str`` -- ``apierrors.NewInvalid``'s message.
* ``validate_pdb_spec(spec) -> list[FieldError]`` -- ``ValidatePodDisruptionBudgetSpec``
  (``pkg/apis/policy/validation/validation.go``): min and max both set, a negative or
  malformed value, a percentage above 100%, an unsupported unhealthyPodEvictionPolicy.
* ``pod_spec_containers_errors(pod_spec, path) -> list[FieldError]`` -- a pod spec without
  containers (``validateContainers``, ``pkg/apis/core/validation/validation.go``).

Field-error texts (``field.Error.Error()``): ``<field>: <type>[: <value>][: <detail>]`` where
``<type>`` is ``Invalid value``, ``Required value``, ``Forbidden``, ``Unsupported value`` or
``Duplicate value``; ``Required`` and ``Forbidden`` print no value; a value prints as Go's
``%q`` for strings, bare for integers, floats and booleans (``true``/``false``), ``null`` for
None. ``<field>`` is the path text: children joined by ``.``, indices and map keys in brackets
(``spec.limits[0].min[cpu]``).

Resource rules (per ``ResourceRequirements``; limits first, then requests, each in key order):

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

Message of the 422 (``apierrors.NewInvalid``): ``<Kind> "<name>" is invalid: <errors>``, where
``<errors>`` is the single error or ``[e1, e2, ...]`` (duplicates dropped); ``<name>`` is
``metadata.name`` (else ``metadata.generateName``: the server would have generated a random
suffix by then). Quantities print canonically (``str(Quantity)``). A malformed quantity raises
``provisor.quantity.QuantityError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from provisor.k8s import AdmissionError
from provisor.k8s.names import (
    is_extended_resource_name,
    is_overcommit_allowed,
    qualified_name_errors,
)
from provisor.quantity import Quantity, QuantityError

__all__ = [
    "DUPLICATE",
    "FORBIDDEN",
    "INVALID",
    "NOT_SUPPORTED",
    "REQUIRED",
    "PERCENT_ERROR",
    "UNHEALTHY_POD_EVICTION_POLICIES",
    "FieldError",
    "FieldPath",
    "check_pod_resources",
    "duplicate",
    "field_value",
    "forbidden",
    "int_or_percent_errors",
    "invalid",
    "invalid_message",
    "is_extended_resource_name",
    "is_overcommit_allowed",
    "not_supported",
    "pod_spec_containers_errors",
    "required",
    "resource_requirements_errors",
    "validate_limit_range",
    "validate_pdb_spec",
    "validate_pod_resources",
]

# -- field paths and field errors (apimachinery pkg/util/validation/field) ----------------------

#: ``field.ErrorType`` texts.
REQUIRED = "Required value"
INVALID = "Invalid value"
FORBIDDEN = "Forbidden"
NOT_SUPPORTED = "Unsupported value"
DUPLICATE = "Duplicate value"

Path = tuple[str | int, ...]


class FieldPath:
    """A field path (``field.Path``): its text, e.g. ``spec.limits[0].min[cpu]``, and the same
    path as a document path, e.g. ``("spec", "limits", 0, "min", "cpu")`` (children and map
    keys as strings, indices as ints), for pointing at the field in a manifest.

    ``FieldPath("spec", "behavior")`` is ``spec.behavior``; ``child``, ``index`` and ``key``
    return new paths (the object is immutable)."""

    __slots__ = ("parts", "text")

    def __init__(self, *names: str) -> None:
        self.text = ".".join(names)
        self.parts: Path = tuple(names)

    @classmethod
    def _of(cls, text: str, parts: Path) -> FieldPath:
        new = cls.__new__(cls)
        new.text = text
        new.parts = parts
        return new

    def child(self, name: str, *more: str) -> FieldPath:
        """``path.name[.more...]``."""
        text = self.text
        for n in (name, *more):
            text = f"{text}.{n}" if text else n
        return FieldPath._of(text, (*self.parts, name, *more))

    def index(self, i: int) -> FieldPath:
        """``path[i]`` (a list element)."""
        return FieldPath._of(f"{self.text}[{i}]", (*self.parts, i))

    def key(self, k: str) -> FieldPath:
        """``path[k]`` (a map member)."""
        return FieldPath._of(f"{self.text}[{k}]", (*self.parts, k))

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"FieldPath({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldPath) and other.parts == self.parts \
            and other.text == self.text

    def __hash__(self) -> int:
        return hash((self.text, self.parts))


def field_value(value: Any) -> str:
    """A bad value as ``field.Error`` prints it: strings quoted (Go ``%q``), integers and floats
    bare, booleans ``true``/``false``, None as ``null``; anything else as ``str()``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_NO_VALUE = object()


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field error (``field.Error``).

    Attributes:
        type: the error type text (:data:`INVALID`, :data:`REQUIRED`, :data:`FORBIDDEN`,
            :data:`NOT_SUPPORTED`, :data:`DUPLICATE`).
        field: the field path text, e.g. ``spec.maxReplicas``.
        bad_value: the offending value (not printed for Required and Forbidden).
        detail: the explanation (may be empty).
        path: the same field as a document path (``()`` when built from a plain string).

    ``str(err)`` is the API's text, e.g. ``spec.maxReplicas: Invalid value: 0: must be greater
    than 0``.
    """

    type: str
    field: str
    bad_value: Any = None
    detail: str = ""
    path: Path = ()

    @property
    def body(self) -> str:
        """The text after ``<field>: `` (``field.Error.ErrorBody``)."""
        if self.type in (REQUIRED, FORBIDDEN) or self.bad_value is _NO_VALUE:
            head = self.type
        else:
            head = f"{self.type}: {field_value(self.bad_value)}"
        return f"{head}: {self.detail}" if self.detail else head

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"


def _where(path: FieldPath | str) -> tuple[str, Path]:
    if isinstance(path, FieldPath):
        return path.text, path.parts
    return path, ()


def invalid(path: FieldPath | str, value: Any, detail: str) -> FieldError:
    """``field.Invalid``: ``<path>: Invalid value: <value>: <detail>``."""
    text, parts = _where(path)
    return FieldError(INVALID, text, value, detail, parts)


def required(path: FieldPath | str, detail: str = "") -> FieldError:
    """``field.Required``: ``<path>: Required value`` (``: <detail>`` when given)."""
    text, parts = _where(path)
    return FieldError(REQUIRED, text, _NO_VALUE, detail, parts)


def forbidden(path: FieldPath | str, detail: str) -> FieldError:
    """``field.Forbidden``: ``<path>: Forbidden: <detail>``."""
    text, parts = _where(path)
    return FieldError(FORBIDDEN, text, _NO_VALUE, detail, parts)


def not_supported(path: FieldPath | str, value: Any, supported: Iterable[str]) -> FieldError:
    """``field.NotSupported``: ``<path>: Unsupported value: "<v>": supported values: "a",
    "b"`` (the supported values in the order given)."""
    text, parts = _where(path)
    quoted = ", ".join(json.dumps(s, ensure_ascii=False) for s in supported)
    return FieldError(NOT_SUPPORTED, text, value, f"supported values: {quoted}", parts)


def duplicate(path: FieldPath | str, value: Any) -> FieldError:
    """``field.Duplicate``: ``<path>: Duplicate value: <value>``."""
    text, parts = _where(path)
    return FieldError(DUPLICATE, text, value, "", parts)


def invalid_message(kind: str, obj: Any, errors: Iterable[str | FieldError]) -> str:
    """``apierrors.NewInvalid(kind, name, errs)``'s message: ``<Kind> "<name>" is invalid:
    <errors>`` (one error as is, several as ``[e1, e2]``, duplicates dropped).

    ``kind`` is the qualified kind (``Pod``, ``HorizontalPodAutoscaler.autoscaling``...);
    ``obj`` an object whose ``metadata.name`` (else ``metadata.generateName``) names it; when
    ``obj`` or its metadata is not a mapping, or the name is not a string, the name is empty.
    ``errors`` are field-error texts or :class:`FieldError` values."""
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    name: Any = ""
    if isinstance(meta, Mapping):
        name = meta.get("name") or meta.get("generateName") or ""
    if not isinstance(name, str):
        name = ""
    head = f"{kind} {json.dumps(name, ensure_ascii=False)} is invalid"
    seen: list[str] = []
    for e in errors:
        text = str(e)
        if text not in seen:
            seen.append(text)
    if not seen:
        return head
    body = seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
    return f"{head}: {body}"


# -- pod resources --------------------------------------------------------------------------------

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



def _quantity_value_errors(name: str, q: Quantity, field_path: str, errs: list[str]) -> None:
    if q.sign() < 0:
        errs.append(str(invalid(field_path, str(q), "must be greater than or equal to 0")))
    integer = name in _INTEGER_RESOURCES or is_extended_resource_name(name)
    if integer and q.milli_value() % 1000 != 0:
        errs.append(str(invalid(field_path, str(q), "must be an integer")))


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
        errs.append(str(invalid(field_path, str(q),
                                f"{q} is not positive integer multiple of {name}")))


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
                errs.append(str(invalid(req_path, str(q),
                                        f"must be equal to {name} limit of {lim}")))
            elif q > lim:
                errs.append(str(invalid(req_path, str(q),
                                        f"must be less than or equal to {name} limit of {lim}")))
        elif not is_overcommit_allowed(name):
            errs.append(str(required(lim_path,
                                     "Limit must be set for non overcommitable resources")))
        if name.startswith(_HUGEPAGES):
            req_huge = True
            _hugepage_errors(name, q, fp, errs)
        if name in _QOS_COMPUTE:
            req_cpu_mem = True
    if not lim_cpu_mem and not req_cpu_mem and (req_huge or lim_huge):
        errs.append(str(forbidden(path, "HugePages require cpu or memory")))
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


def check_pod_resources(pod: Mapping[str, Any], *, pod_level_resources: bool = True) -> None:
    """Raise ``AdmissionError(code=422, reason="Invalid")`` with the API's message
    (``Pod "<name>" is invalid: ...``) when ``validate_pod_resources`` finds errors."""
    errs = validate_pod_resources(pod, pod_level_resources=pod_level_resources)
    if errs:
        raise AdmissionError(invalid_message("Pod", pod, errs), code=422, reason="Invalid")


# -- LimitRange (ValidateLimitRange) ---------------------------------------------------------------

_STANDARD_LIMIT_TYPES = ("Pod", "Container", "PersistentVolumeClaim")
_MAX_MILLI_VALUE = (2**63 - 1) // 1000  # resource.MaxMilliValue
_ONE = Quantity.from_value(1)


def _qmap(raw: Any) -> dict[str, Quantity]:
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise TypeError("not a resource list")
    return {str(k): Quantity.unmarshal(v) for k, v in raw.items()}


def _max_over_min(ratio: Quantity, mn: Quantity, mx: Quantity) -> tuple[float, float] | None:
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


def validate_limit_range(lr: Mapping[str, Any], *, api_defaults: bool = True) -> list[FieldError]:
    """The spec errors ``ValidateLimitRange`` (``pkg/apis/core/validation/limit_ranges.go``)
    returns for ``lr`` (a LimitRange, JSON form), in item order, then per item: type,
    duplicate type, ``default``/``defaultRequest`` on a ``Pod`` item (Forbidden), a
    ``PersistentVolumeClaim`` item without ``min.storage`` or ``max.storage`` (Required), then
    per resource (sorted by name; upstream walks a Go map, so its order among resources is
    random) the value comparisons in upstream's order: ``min > max``; ``defaultRequest`` below
    ``min``, above ``max``, above ``default``; ``default`` below ``min``, above ``max``;
    ``maxLimitRequestRatio`` below 1, above ``max/min`` (compared as float64, printed with six
    decimals); ``default != defaultRequest`` for a resource that cannot be overcommitted.

    Each :class:`FieldError` carries the field (``spec.limits[0].min[cpu]``) and its document
    path. Values print as ``str(Quantity)``; for ``default value X is greater than max value
    Y`` the bad value shown is the max, as upstream passes it.

    ``api_defaults``: apply ``SetDefaults_LimitRangeItem`` first
    (:func:`provisor.k8s.defaults.default_limit_range`), as the API server does to what a
    client sends (default True); False judges the items exactly as given, as upstream's
    ``TestValidateLimitRange`` does.

    Not validated: object metadata (name, namespace) and resource names. Items that are not
    mappings are skipped, and an item with a resource list that is not a mapping or a
    quantity that does not parse gets only its type checks (the API would refuse to decode
    such an object; the schema check reports it). Never raises for malformed input.
    """
    from provisor.k8s.defaults import default_limit_range

    out: list[FieldError] = []
    stored = default_limit_range(lr) if api_defaults else lr
    spec = stored.get("spec")
    items = spec.get("limits") if isinstance(spec, Mapping) else None
    if not isinstance(items, list):
        return out
    raw_spec = lr.get("spec")
    raw_items = raw_spec.get("limits") if isinstance(raw_spec, Mapping) else None
    seen_types: set[str] = set()
    limits_path = FieldPath("spec", "limits")
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(raw_items, list) \
                or not isinstance(raw_items[i], Mapping):
            continue
        ip = limits_path.index(i)
        ltype = item.get("type")
        ltype_s = ltype if isinstance(ltype, str) else ""
        type_errs = qualified_name_errors(ltype_s)
        for msg in type_errs:
            out.append(invalid(ip.child("type"), ltype_s, msg))
        if not type_errs and "/" not in ltype_s and ltype_s not in _STANDARD_LIMIT_TYPES:
            out.append(invalid(ip.child("type"), ltype_s,
                               "must be a standard limit type or fully qualified"))
        if ltype_s in seen_types:
            out.append(duplicate(ip.child("type"), ltype_s))
        seen_types.add(ltype_s)

        try:
            mins = _qmap(item.get("min"))
            maxs = _qmap(item.get("max"))
            ratios = _qmap(item.get("maxLimitRequestRatio"))
            defaults: dict[str, Quantity] = {}
            default_requests: dict[str, Quantity] = {}
            if ltype_s == "Pod":
                if item.get("default"):
                    out.append(forbidden(ip.child("default"),
                                         "may not be specified when `type` is 'Pod'"))
                if item.get("defaultRequest"):
                    out.append(forbidden(ip.child("defaultRequest"),
                                         "may not be specified when `type` is 'Pod'"))
            else:
                defaults = _qmap(item.get("default"))
                default_requests = _qmap(item.get("defaultRequest"))
        except (QuantityError, ValueError, TypeError, AttributeError):
            continue
        if ltype_s == "PersistentVolumeClaim" and "storage" not in mins and "storage" not in maxs:
            e = required(ip.child("limits"), "either minimum or maximum storage value is "
                                             "required, but neither was provided")
            out.append(e)
        keys = sorted(set(mins) | set(maxs) | set(defaults) | set(default_requests) | set(ratios))
        for k in keys:
            mn, mx = mins.get(k), maxs.get(k)
            df, dr, ratio = defaults.get(k), default_requests.get(k), ratios.get(k)
            if mn is not None and mx is not None and mn > mx:
                out.append(invalid(ip.child("min").key(k), str(mn),
                                   f"min value {mn} is greater than max value {mx}"))
            if dr is not None and mn is not None and mn > dr:
                out.append(invalid(ip.child("defaultRequest").key(k), str(dr),
                                   f"min value {mn} is greater than default request value {dr}"))
            if dr is not None and mx is not None and dr > mx:
                out.append(invalid(ip.child("defaultRequest").key(k), str(dr),
                                   f"default request value {dr} is greater than max value {mx}"))
            if dr is not None and df is not None and dr > df:
                out.append(invalid(ip.child("defaultRequest").key(k), str(dr),
                                   f"default request value {dr} is greater than default limit "
                                   f"value {df}"))
            if df is not None and mn is not None and mn > df:
                out.append(invalid(ip.child("default").key(k), str(mn),
                                   f"min value {mn} is greater than default value {df}"))
            if df is not None and mx is not None and df > mx:
                out.append(invalid(ip.child("default").key(k), str(mx),
                                   f"default value {df} is greater than max value {mx}"))
            if ratio is not None and ratio < _ONE:
                out.append(invalid(ip.child("maxLimitRequestRatio").key(k), str(ratio),
                                   f"ratio {ratio} is less than 1"))
            if ratio is not None and mn is not None and mx is not None:
                limit = _max_over_min(ratio, mn, mx)
                if limit is not None and limit[0] > limit[1]:
                    out.append(invalid(ip.child("maxLimitRequestRatio").key(k), str(ratio),
                                       f"ratio {ratio} is greater than max/min = "
                                       f"{limit[1]:.6f}"))
            if not is_overcommit_allowed(k) and df is not None and dr is not None and df != dr:
                out.append(invalid(ip.child("defaultRequest").key(k), str(dr),
                                   f"default value {df} must equal to defaultRequest value {dr} "
                                   f"in {k}"))
    return out


# -- PodDisruptionBudget spec ---------------------------------------------------------------

#: ``IsValidPercent`` (``staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go``):
#: ``RegexError(percentErrMsg, "[0-9]+%", "1%", "93%")``, with RegexError's double space.
PERCENT_ERROR = ("a valid percent string must be a numeric string followed by an ending '%' "
                 "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
#: ``supportedUnhealthyPodEvictionPolicies.List()`` (sorted).
UNHEALTHY_POD_EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")


def _is_json_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_valid_percent(text: str) -> bool:
    return len(text) >= 2 and text.endswith("%") and text[:-1].isascii() \
        and text[:-1].isdigit()


def int_or_percent_errors(value: Any, path: FieldPath) -> list[FieldError]:
    """``ValidatePositiveIntOrPercent`` then ``IsNotMoreThan100Percent``
    (``pkg/apis/apps/validation/validation.go``) for one ``IntOrString`` as written in JSON:
    a string must match ``[0-9]+%`` and be at most ``100%``; an integer must be >= 0. A value
    of another type is not an IntOrString at all (the schema's finding): no error here."""
    if isinstance(value, str):
        if not _is_valid_percent(value):
            return [invalid(path, value, PERCENT_ERROR)]
        if int(value[:-1]) > 100:
            return [invalid(path, value, "must not be greater than 100%")]
        return []
    if _is_json_int(value) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


class _GoStruct:
    """A bad value that ``field.Error`` prints as JSON of an internal Go struct (field
    names as in Go, in declaration order)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def _internal_pdb_spec(spec: Mapping[str, Any]) -> _GoStruct:
    fields = (("MinAvailable", "minAvailable"), ("Selector", "selector"),
              ("MaxUnavailable", "maxUnavailable"),
              ("UnhealthyPodEvictionPolicy", "unhealthyPodEvictionPolicy"))
    parts = [f"{json.dumps(go)}:{json.dumps(spec.get(js), separators=(',', ':'))}"
             for go, js in fields]
    return _GoStruct("{" + ",".join(parts) + "}")


def validate_pdb_spec(spec: Mapping[str, Any], path: FieldPath | None = None
                      ) -> list[FieldError]:
    """The errors ``ValidatePodDisruptionBudgetSpec``
    (``pkg/apis/policy/validation/validation.go``) gives a PDB's ``spec`` (JSON form), in
    upstream's order: ``minAvailable`` and ``maxUnavailable`` both set (``spec: Invalid
    value: {...}: minAvailable and maxUnavailable cannot be both set``, the value being the
    internal spec as JSON with Go field names); each of them a valid non-negative integer or a
    ``[0-9]+%`` percentage of at most 100% (:func:`int_or_percent_errors`); an
    ``unhealthyPodEvictionPolicy`` other than ``AlwaysAllow``/``IfHealthyBudget``. The label
    selector is judged by :mod:`provisor.k8s.selectors` (``SelectorError``), not here.

    ``path`` defaults to ``spec``. Fields of the wrong JSON type are left to the schema."""
    p = path or FieldPath("spec")
    out: list[FieldError] = []
    ma, mu = spec.get("minAvailable"), spec.get("maxUnavailable")
    if ma is not None and mu is not None:
        out.append(invalid(p, _internal_pdb_spec(spec),
                           "minAvailable and maxUnavailable cannot be both set"))
    if ma is not None:
        out.extend(int_or_percent_errors(ma, p.child("minAvailable")))
    if mu is not None:
        out.extend(int_or_percent_errors(mu, p.child("maxUnavailable")))
    policy = spec.get("unhealthyPodEvictionPolicy")
    if isinstance(policy, str) and policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        out.append(not_supported(p.child("unhealthyPodEvictionPolicy"), policy,
                                 UNHEALTHY_POD_EVICTION_POLICIES))
    return out


def pod_spec_containers_errors(pod_spec: Mapping[str, Any], path: FieldPath
                               ) -> list[FieldError]:
    """``validateContainers``' first check (``pkg/apis/core/validation/validation.go``): a pod
    spec with no containers, ``<path>.containers: Required value``. ``path`` is the pod spec's
    (``spec.template.spec`` for a Deployment). A ``containers`` of the wrong type is the
    schema's finding (no error here)."""
    containers = pod_spec.get("containers")
    if containers is None or (isinstance(containers, list) and not containers):
        return [required(path.child("containers"), "")]
    return []
