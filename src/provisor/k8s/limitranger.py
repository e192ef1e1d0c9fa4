"""The LimitRanger admission plugin: defaulting and validation of pods and claims.

Follows ``plugin/pkg/admission/limitranger/admission.go`` in kubernetes/kubernetes (the
current stored upstream, with the exact, overflow-safe constraint comparisons of
``admission_overflow_test.go``).

Public functions (objects in and out are Kubernetes JSON-form dicts, quantities as strings):

* ``admit_pod(limit_ranges, pod, *, operation="CREATE", subresource="", old=None,
  pod_level_resources=True) -> dict`` -- what the plugin does to a pod request: the mutating
  phase (defaults from *every* LimitRange, in the order given) and then the validating phase
  (each LimitRange in turn; the first one with violations refuses the request). Returns a new
  pod; the input is never mutated.
* ``admit_pvc(limit_ranges, pvc, *, operation="CREATE", subresource="", old=None) -> dict`` --
  ``PersistentVolumeClaim`` ``min``/``max`` on ``spec.resources.requests``; claims are never
  defaulted, so the result equals the input (a new top-level dict).
* ``create_pod(limit_ranges, pod) -> dict`` -- the API server's order for a pod CREATE:
  LimitRanger mutation, then field validation of requests against limits
  (``provisor.k8s.validation``, 422 Invalid), then LimitRanger validation (403 Forbidden).
* ``default_pod(limit_ranges, pod) -> dict`` -- the mutating phase alone.
* ``pod_limit_errors(limit_range, pod, old=None, *, pod_level_resources=True) -> list[str]``,
  ``pvc_limit_errors(limit_range, pvc, old=None) -> list[str]`` -- one LimitRange's violations
  (upstream ``PodValidateLimitFunc`` / ``PersistentVolumeClaimValidateLimitFunc``), unwrapped.
* ``default_container_requirements(limit_range) -> dict`` -- ``{"requests": {...},
  "limits": {...}}`` a container without values receives (``defaultRequest`` / ``default`` of the
  ``Container`` items, later items winning).

Only the LimitRanges of the object's namespace apply; the caller passes exactly those.

Which requests the plugin looks at: pods on CREATE and pods on UPDATE of the ``resize``
subresource (then values the resize leaves unchanged are not checked again); claims on CREATE
and UPDATE (an unchanged request is not checked again). Any other subresource, pod UPDATE,
DELETE and CONNECT are passed through untouched. An UPDATE whose ``old`` object has a
``deletionTimestamp`` is passed through.

Defaulting: for each LimitRange, ``defaultRequest`` / ``default`` of its ``Container`` items are
copied into every container and init container (restartable sidecars included) that does not
name the resource; values are copied verbatim (the string of the LimitRange). When that
LimitRange set anything, ``metadata.annotations["kubernetes.io/limit-ranger"]`` becomes
``"LimitRanger plugin set: " + "; ".join(parts)`` with, per container in order (containers, then
init containers), ``"<sorted names joined ', '> request for container <name>"`` and then
``"... limit for container <name>"`` (``"init container"`` for init containers), e.g.
``LimitRanger plugin set: cpu, memory request for container foo-0; cpu, memory limit for
container foo-0``. A later LimitRange that sets something replaces the annotation.

Validation, per LimitRange item:

* ``Container``: every container and init container against ``min`` (request required,
  request and limit >= min), ``max`` (limit required, limit and request <= max) and
  ``maxLimitRequestRatio`` (request and limit required and non-zero, limit/request <= ratio).
* ``Pod``: the same three rules on the pod totals: containers summed, restartable init
  containers added to that sum and to every later init container, then per resource the larger
  of the sum and the largest init step; no pod overhead; with ``pod_level_resources`` (the
  PodLevelResources feature gate, on by default since 1.34) pod-level ``spec.resources``
  replace the totals for ``cpu`` and ``memory`` only.
* ``PersistentVolumeClaim``: ``spec.resources.requests`` against ``min`` (request required) and
  ``max`` (request required).

Comparisons are exact and overflow-safe (``Quantity`` comparisons; the ratio rule tests
``|limit| > |request| * ratio`` in whole nano units), as in the stored upstream with
``admission_overflow_test.go``. Releases before that fix compared ``MilliValue()`` projections
(rounded up, int64) and printed the ratio with ``%f`` of a float; verdicts and texts differ only
for sub-milli fractions, values beyond 2^63/1000 and ratios whose seventh decimal is an exact
tie.

Messages are upstream's, e.g. ``maximum cpu usage per Container is 1, but limit is 2``,
``minimum memory usage per Pod is 100Mi.  No request is specified`` (two spaces),
``cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000``
(limit/request of the magnitudes, rounded half-even to six decimals; when the operands'
decimal exponents are more than 40 apart, a mantissa in [1, 10) and ``e<exponent>``, e.g.
``1.000000e50``; the exponents are read from the canonical text, so at that 40 boundary the
choice of form can differ from Go's internal representation). Quantities print as
``str(Quantity)`` (``String()``: the canonical form, or the input text when it already is).
A value that is not a multiple of 1n is rounded by parsing, as the API does.

Errors: a refusal raises ``provisor.k8s.AdmissionError`` (code 403, reason ``Forbidden``)
whose message is exactly the API's ``Status.message``::

    <resource> "<name>" is forbidden: <violations>

``<resource>`` is ``pods`` or ``persistentvolumeclaims``; ``<name>`` is ``metadata.name``, else
``metadata.generateName``, else ``Unknown``; ``<violations>`` is the single message, or, when
one LimitRange yields several distinct messages, ``[m1, m2, ...]`` (apimachinery's
``utilerrors.NewAggregate``; duplicates removed, first occurrence kept). E.g.
``pods "web" is forbidden: [minimum cpu usage per Container is 50m, but request is 40m,
maximum memory usage per Container is 1Gi, but limit is 2Gi]``. Upstream walks Go maps, so its
order among several messages is random; here it is the order of the LimitRange's keys and the
object's containers. A malformed quantity raises ``provisor.quantity.QuantityError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from provisor.k8s import AdmissionError
from provisor.quantity import Quantity

__all__ = [
    "LIMIT_RANGER_ANNOTATION",
    "admit_pod",
    "admit_pvc",
    "aggregate_message",
    "create_pod",
    "default_container_requirements",
    "default_pod",
    "forbidden_message",
    "pod_limit_errors",
    "pvc_limit_errors",
]

LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"

LIMIT_TYPE_CONTAINER = "Container"
LIMIT_TYPE_POD = "Pod"
LIMIT_TYPE_PVC = "PersistentVolumeClaim"

_POD_LEVEL_SUPPORTED = ("cpu", "memory")

QList = dict[str, Quantity]


# --- quantities -------------------------------------------------------------------------------


def _q(value: Any) -> Quantity:
    """A quantity field as the API decodes it (``UnmarshalJSON``: spaces trimmed, null is 0)."""
    if isinstance(value, Quantity):
        return value
    return Quantity.unmarshal(value)


def _qlist(raw: Mapping[str, Any] | None) -> QList:
    if not raw:
        return {}
    return {name: _q(v) for name, v in raw.items()}


def _add(into: QList, other: Mapping[str, Quantity]) -> None:
    for name, q in other.items():
        cur = into.get(name)
        into[name] = q if cur is None else cur + q


def _max(into: QList, other: Mapping[str, Quantity]) -> None:
    for name, q in other.items():
        cur = into.get(name)
        if cur is None or q > cur:
            into[name] = q


# --- messages ---------------------------------------------------------------------------------


def _go_quote(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def aggregate_message(messages: Sequence[str]) -> str:
    """apimachinery ``utilerrors.NewAggregate(errs).Error()``: one message as is, several
    distinct ones as ``[a, b]`` (duplicates dropped, first occurrence kept)."""
    seen: list[str] = []
    for m in messages:
        if m not in seen:
            seen.append(m)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


def forbidden_message(resource: str, obj: Mapping[str, Any], detail: str) -> str:
    """The ``Status.message`` of ``admission.NewForbidden``: ``<resource> "<name>" is
    forbidden: <detail>`` with the name taken as the admission chain does (name, else
    generateName, else ``Unknown``)."""
    meta = obj.get("metadata") or {}
    name = meta.get("name") or meta.get("generateName") or "Unknown"
    return f"{resource} {_go_quote(name)} is forbidden: {detail}"


_SUFFIX_EXP = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_SUFFIX_BIN = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_RATIO_SCALE = 10**6
_RATIO_FOLD_LIMIT = 40


def _decompose(q: Quantity) -> tuple[int, int]:
    """``|q|`` as ``(mantissa, exponent)`` with ``|q| = mantissa * 10**exponent``, read from the
    canonical text (never materialising ``10**exponent``)."""
    text = abs(q).canonical()
    i = 0
    while i < len(text) and text[i].isdigit():
        i += 1
    digits, suffix = text[:i], text[i:]
    if "." in suffix:  # canonical text has no fraction; keep the reader total anyway
        frac_digits = suffix.split(".", 1)[1]
        j = 0
        while j < len(frac_digits) and frac_digits[j].isdigit():
            j += 1
        digits, suffix = digits + frac_digits[:j], frac_digits[j:]
        shift = -j
    else:
        shift = 0
    mantissa = int(digits or "0")
    if suffix in _SUFFIX_BIN:
        return mantissa * 1024 ** _SUFFIX_BIN[suffix], shift
    if suffix[:1] in ("e", "E"):
        return mantissa, shift + int(suffix[1:])
    return mantissa, shift + _SUFFIX_EXP[suffix]


def _six_decimals(scaled: int) -> str:
    whole, frac = divmod(scaled, _RATIO_SCALE)
    return f"{whole}.{frac:06d}"


def _ratio_string(limit: Quantity, request: Quantity) -> str:
    """``|limit| / |request|`` rounded half-even to six decimals; when the two exponents are
    more than 40 apart, as ``<mantissa in [1, 10) to six decimals>e<exponent>``."""
    lm, le = _decompose(limit)
    rm, re_ = _decompose(request)
    exp = le - re_
    if -_RATIO_FOLD_LIMIT <= exp <= _RATIO_FOLD_LIMIT:
        ratio = Fraction(lm, rm) * Fraction(10) ** exp
        return _six_decimals(round(ratio * _RATIO_SCALE))  # Fraction rounding is half-even
    num, den = lm, rm
    shift = len(str(den)) - len(str(num))
    if shift >= 0:
        num *= 10**shift
    else:
        den *= 10**-shift
    if num < den:
        num *= 10
        shift += 1
    mantissa = round(Fraction(num * _RATIO_SCALE, den))
    if mantissa >= 10 * _RATIO_SCALE:
        mantissa = round(Fraction(mantissa, 10))
        shift -= 1
    exp -= shift
    text = _six_decimals(mantissa)
    return text if exp == 0 else f"{text}e{exp}"


def _exceeds_ratio(limit: Quantity, request: Quantity, ratio: Quantity) -> bool:
    """``|limit| > |request| * ratio``, exactly (quantities are whole multiples of 1n)."""
    nano_ratio = ratio.scaled_value(-9)
    return abs(limit) * 1_000_000_000 > abs(request) * nano_ratio


# --- the three constraints --------------------------------------------------------------------


def _min_constraint(
    limit_type: str,
    name: str,
    enforced: Quantity,
    requests: Mapping[str, Quantity],
    limits: Mapping[str, Quantity],
) -> str | None:
    req = requests.get(name)
    if req is None:
        return f"minimum {name} usage per {limit_type} is {enforced}.  No request is specified"
    if enforced > req:
        return f"minimum {name} usage per {limit_type} is {enforced}, but request is {req}"
    lim = limits.get(name)
    if lim is not None and enforced > lim:
        return f"minimum {name} usage per {limit_type} is {enforced}, but limit is {lim}"
    return None


def _max_request_constraint(
    limit_type: str, name: str, enforced: Quantity, requests: Mapping[str, Quantity]
) -> str | None:
    req = requests.get(name)
    if req is None:
        return f"maximum {name} usage per {limit_type} is {enforced}.  No request is specified"
    if req > enforced:
        return f"maximum {name} usage per {limit_type} is {enforced}, but request is {req}"
    return None


def _max_constraint(
    limit_type: str,
    name: str,
    enforced: Quantity,
    requests: Mapping[str, Quantity],
    limits: Mapping[str, Quantity],
) -> str | None:
    lim = limits.get(name)
    if lim is None:
        return f"maximum {name} usage per {limit_type} is {enforced}.  No limit is specified"
    if lim > enforced:
        return f"maximum {name} usage per {limit_type} is {enforced}, but limit is {lim}"
    req = requests.get(name)
    if req is not None and req > enforced:
        return f"maximum {name} usage per {limit_type} is {enforced}, but request is {req}"
    return None


def _ratio_constraint(
    limit_type: str,
    name: str,
    enforced: Quantity,
    requests: Mapping[str, Quantity],
    limits: Mapping[str, Quantity],
) -> str | None:
    req = requests.get(name)
    if req is None or req.is_zero():
        return (
            f"{name} max limit to request ratio per {limit_type} is {enforced}, "
            "but no request is specified or request is 0"
        )
    lim = limits.get(name)
    if lim is None or lim.is_zero():
        return (
            f"{name} max limit to request ratio per {limit_type} is {enforced}, "
            "but no limit is specified or limit is 0"
        )
    if _exceeds_ratio(lim, req, enforced):
        return (
            f"{name} max limit to request ratio per {limit_type} is {enforced}, "
            f"but provided ratio is {_ratio_string(lim, req)}"
        )
    return None


def _same(name: str, a: Mapping[str, Quantity], b: Mapping[str, Quantity]) -> bool:
    qa, qb = a.get(name), b.get(name)
    if (qa is None) != (qb is None):
        return False
    return qa is None or qa == qb


def _check_item(
    limit_type: str,
    item: Mapping[str, Any],
    requests: QList,
    limits: QList,
    old: tuple[QList, QList] | None,
    errs: list[str],
) -> None:
    def unchanged(name: str) -> bool:
        return old is not None and _same(name, requests, old[0]) and _same(name, limits, old[1])

    for name, v in (item.get("min") or {}).items():
        if not unchanged(name):
            e = _min_constraint(limit_type, name, _q(v), requests, limits)
            if e:
                errs.append(e)
    for name, v in (item.get("max") or {}).items():
        if not unchanged(name):
            e = _max_constraint(limit_type, name, _q(v), requests, limits)
            if e:
                errs.append(e)
    for name, v in (item.get("maxLimitRequestRatio") or {}).items():
        if not unchanged(name):
            e = _ratio_constraint(limit_type, name, _q(v), requests, limits)
            if e:
                errs.append(e)


# --- pod totals (the plugin's own podRequests / podLimits) ------------------------------------


def _container_list(c: Mapping[str, Any], key: str) -> QList:
    return _qlist((c.get("resources") or {}).get(key))


def _pod_totals(pod: Mapping[str, Any], key: str, pod_level_resources: bool) -> QList:
    spec = pod.get("spec") or {}
    total: QList = {}
    for c in spec.get("containers") or ():
        _add(total, _container_list(c, key))
    sidecars: QList = {}
    init_peak: QList = {}
    for c in spec.get("initContainers") or ():
        own = _container_list(c, key)
        if c.get("restartPolicy") == "Always":
            _add(total, own)
            _add(sidecars, own)
            step = sidecars
        else:
            step = dict(own)
            _add(step, sidecars)
        _max(init_peak, step)
    _max(total, init_peak)
    if pod_level_resources:
        pod_res = spec.get("resources")
        if pod_res is not None:
            for name, q in (pod_res.get(key) or {}).items():
                if name in _POD_LEVEL_SUPPORTED:
                    total[name] = _q(q)
    return total


# --- validation of one LimitRange -------------------------------------------------------------


def _by_name(containers: Iterable[Mapping[str, Any]]) -> dict[Any, Mapping[str, Any]]:
    out: dict[Any, Mapping[str, Any]] = {}
    for c in containers:
        out.setdefault(c.get("name"), c)
    return out


def _containers_errors(
    item: Mapping[str, Any],
    containers: Sequence[Mapping[str, Any]],
    old_containers: Sequence[Mapping[str, Any]] | None,
    errs: list[str],
) -> None:
    old_index = _by_name(old_containers) if old_containers is not None else None
    limit_type = str(item.get("type"))
    for c in containers:
        reqs, lims = _container_list(c, "requests"), _container_list(c, "limits")
        old = None
        if old_index is not None:
            oc = old_index.get(c.get("name"))
            if oc is not None:
                old = (_container_list(oc, "requests"), _container_list(oc, "limits"))
        _check_item(limit_type, item, reqs, lims, old, errs)


def pod_limit_errors(
    limit_range: Mapping[str, Any],
    pod: Mapping[str, Any],
    old: Mapping[str, Any] | None = None,
    *,
    pod_level_resources: bool = True,
) -> list[str]:
    """The violations of one LimitRange by ``pod`` (upstream ``PodValidateLimitFunc``).

    ``pod`` is taken as it is (already defaulted, or not). ``old`` is the stored pod of a resize
    (then a resource whose request and limit are both unchanged, per container or for the pod
    totals, is skipped); ``None`` on create. Returns the messages in order (empty when the pod
    conforms). Raises ``QuantityError`` on a malformed quantity.
    """
    errs: list[str] = []
    spec = pod.get("spec") or {}
    old_spec = (old.get("spec") or {}) if old is not None else None
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        limit_type = item.get("type")
        if limit_type == LIMIT_TYPE_CONTAINER:
            _containers_errors(
                item,
                spec.get("containers") or (),
                (old_spec.get("containers") or []) if old_spec is not None else None,
                errs,
            )
            _containers_errors(
                item,
                spec.get("initContainers") or (),
                (old_spec.get("initContainers") or []) if old_spec is not None else None,
                errs,
            )
        if limit_type == LIMIT_TYPE_POD:
            reqs = _pod_totals(pod, "requests", pod_level_resources)
            lims = _pod_totals(pod, "limits", pod_level_resources)
            old_totals = None
            if old is not None:
                old_totals = (
                    _pod_totals(old, "requests", pod_level_resources),
                    _pod_totals(old, "limits", pod_level_resources),
                )
            _check_item(LIMIT_TYPE_POD, item, reqs, lims, old_totals, errs)
    return errs


def pvc_limit_errors(
    limit_range: Mapping[str, Any], pvc: Mapping[str, Any], old: Mapping[str, Any] | None = None
) -> list[str]:
    """The violations of one LimitRange by a PersistentVolumeClaim (upstream
    ``PersistentVolumeClaimValidateLimitFunc``): ``min`` and ``max`` of the
    ``PersistentVolumeClaim`` items against ``spec.resources.requests`` (limits are not user
    input for claims). With ``old`` (an UPDATE), a request equal to the stored one is skipped.
    """
    errs: list[str] = []
    requests = _qlist(((pvc.get("spec") or {}).get("resources") or {}).get("requests"))
    old_requests = None
    if old is not None:
        old_requests = _qlist(((old.get("spec") or {}).get("resources") or {}).get("requests"))

    def unchanged(name: str) -> bool:
        if old_requests is None:
            return False
        a, b = requests.get(name), old_requests.get(name)
        return a is not None and b is not None and a == b

    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") != LIMIT_TYPE_PVC:
            continue
        for name, v in (item.get("min") or {}).items():
            if not unchanged(name):
                e = _min_constraint(LIMIT_TYPE_PVC, name, _q(v), requests, {})
                if e:
                    errs.append(e)
        for name, v in (item.get("max") or {}).items():
            if not unchanged(name):
                e = _max_request_constraint(LIMIT_TYPE_PVC, name, _q(v), requests)
                if e:
                    errs.append(e)
    return errs


# --- defaulting -------------------------------------------------------------------------------


def default_container_requirements(limit_range: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"requests": defaultRequest, "limits": default}`` of the LimitRange's ``Container``
    items (upstream ``defaultContainerResourceRequirements``); with several ``Container`` items
    a later one overrides an earlier one per resource. Values are the LimitRange's own (strings
    as written)."""
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") == LIMIT_TYPE_CONTAINER:
            requests.update(item.get("defaultRequest") or {})
            limits.update(item.get("default") or {})
    return {"requests": requests, "limits": limits}


def _copy_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``pod`` in which metadata, annotations, spec, the container lists, each
    container, its resources and their request/limit maps are new objects (the parts
    defaulting writes to); other subtrees are shared with the input."""
    new = dict(pod)
    meta = pod.get("metadata")
    if meta is not None:
        new_meta = dict(meta)
        if meta.get("annotations") is not None:
            new_meta["annotations"] = dict(meta["annotations"])
        new["metadata"] = new_meta
    spec = pod.get("spec")
    if spec is not None:
        new_spec = dict(spec)
        for key in ("containers", "initContainers"):
            if spec.get(key) is not None:
                new_spec[key] = [_copy_container(c) for c in spec[key]]
        new["spec"] = new_spec
    return new


def _copy_container(c: Mapping[str, Any]) -> dict[str, Any]:
    new = dict(c)
    res = c.get("resources")
    if res is not None:
        new_res = dict(res)
        for key in ("requests", "limits"):
            if res.get(key) is not None:
                new_res[key] = dict(res[key])
        new["resources"] = new_res
    return new


def _merge_container(
    c: dict[str, Any], defaults: Mapping[str, Mapping[str, Any]], prefix: str, notes: list[str]
) -> None:
    res = c.get("resources")
    current_lims = (res or {}).get("limits") or {}
    current_reqs = (res or {}).get("requests") or {}
    set_lims = [k for k in defaults["limits"] if k not in current_lims]
    set_reqs = [k for k in defaults["requests"] if k not in current_reqs]
    if set_lims or set_reqs:
        if res is None:
            res = c["resources"] = {}
        if set_lims:
            lims = res["limits"] = dict(current_lims)
            for k in set_lims:
                lims[k] = defaults["limits"][k]
        if set_reqs:
            reqs = res["requests"] = dict(current_reqs)
            for k in set_reqs:
                reqs[k] = defaults["requests"][k]
    name = c.get("name", "")
    if set_reqs:
        notes.append(", ".join(sorted(set_reqs)) + f" request for {prefix} {name}")
    if set_lims:
        notes.append(", ".join(sorted(set_lims)) + f" limit for {prefix} {name}")


def _mutate_in_place(limit_ranges: Iterable[Mapping[str, Any]], pod: dict[str, Any]) -> None:
    spec = pod.get("spec") or {}
    for lr in limit_ranges:
        defaults = default_container_requirements(lr)
        notes: list[str] = []
        if defaults["requests"] or defaults["limits"]:
            for c in spec.get("containers") or ():
                _merge_container(c, defaults, "container", notes)
            for c in spec.get("initContainers") or ():
                _merge_container(c, defaults, "init container", notes)
        if notes:
            meta = pod.get("metadata")
            if meta is None:
                meta = pod["metadata"] = {}
            ann: dict[str, str] | None = meta.get("annotations")
            if ann is None:
                ann = meta["annotations"] = {}
            ann[LIMIT_RANGER_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def default_pod(
    limit_ranges: Iterable[Mapping[str, Any]], pod: Mapping[str, Any]
) -> dict[str, Any]:
    """The LimitRanger's mutating phase alone (upstream ``PodMutateLimitFunc`` for each
    LimitRange in order): a new pod with defaults filled in and the
    ``kubernetes.io/limit-ranger`` annotation set. Never refuses, never mutates ``pod``."""
    new = _copy_pod(pod)
    _mutate_in_place(limit_ranges, new)
    return new


# --- the plugin -------------------------------------------------------------------------------


def _deleting(old: Mapping[str, Any] | None) -> bool:
    return old is not None and bool((old.get("metadata") or {}).get("deletionTimestamp"))


def _pod_supported(operation: str, subresource: str) -> bool:
    if operation not in ("CREATE", "UPDATE"):
        return False
    if subresource == "resize":
        return operation == "UPDATE"
    if subresource:
        return False
    return operation == "CREATE"


def _validate_pod(
    limit_ranges: Sequence[Mapping[str, Any]],
    pod: Mapping[str, Any],
    old: Mapping[str, Any] | None,
    pod_level_resources: bool,
) -> None:
    for lr in limit_ranges:
        errs = pod_limit_errors(lr, pod, old, pod_level_resources=pod_level_resources)
        if errs:
            raise AdmissionError(forbidden_message("pods", pod, aggregate_message(errs)))


def admit_pod(
    limit_ranges: Iterable[Mapping[str, Any]],
    pod: Mapping[str, Any],
    *,
    operation: str = "CREATE",
    subresource: str = "",
    old: Mapping[str, Any] | None = None,
    pod_level_resources: bool = True,
) -> dict[str, Any]:
    """Run the LimitRanger on a pod request and return the admitted (defaulted) pod.

    Args:
        limit_ranges: the LimitRange objects of the pod's namespace, in lister order.
        pod: the Pod (JSON form); never mutated.
        operation: ``CREATE`` (default), ``UPDATE``, ``DELETE`` or ``CONNECT``.
        subresource: ``""`` or the subresource (only ``resize`` on UPDATE is handled).
        old: the stored pod for an UPDATE (resize), else ``None``.
        pod_level_resources: the PodLevelResources feature gate (pod-level ``spec.resources``
            replace the pod totals for ``cpu``/``memory`` under ``type: Pod``).

    Returns a new pod dict (defaults and annotation applied; subtrees defaulting does not touch
    are shared with ``pod``). Raises ``AdmissionError`` (403 Forbidden, message
    ``pods "<name>" is forbidden: ...``) when a LimitRange refuses it, ``QuantityError`` on a
    malformed quantity.
    """
    new = _copy_pod(pod)
    if not _pod_supported(operation, subresource) or _deleting(old):
        return new
    lrs = list(limit_ranges)
    _mutate_in_place(lrs, new)
    _validate_pod(lrs, new, old, pod_level_resources)
    return new


def create_pod(
    limit_ranges: Iterable[Mapping[str, Any]],
    pod: Mapping[str, Any],
    *,
    pod_level_resources: bool = True,
) -> dict[str, Any]:
    """A pod CREATE as the API server runs it, for the parts that depend on resources:
    LimitRanger defaulting, then field validation of requests against limits (422
    ``Pod "<name>" is invalid: ...``, see ``provisor.k8s.validation.check_pod_resources``),
    then LimitRanger validation (403). Returns the defaulted pod; raises ``AdmissionError``.
    """
    from provisor.k8s.validation import check_pod_resources

    lrs = list(limit_ranges)
    new = _copy_pod(pod)
    _mutate_in_place(lrs, new)
    check_pod_resources(new)
    _validate_pod(lrs, new, None, pod_level_resources)
    return new


def admit_pvc(
    limit_ranges: Iterable[Mapping[str, Any]],
    pvc: Mapping[str, Any],
    *,
    operation: str = "CREATE",
    subresource: str = "",
    old: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the LimitRanger on a PersistentVolumeClaim request.

    ``limit_ranges`` are the LimitRanges of the claim's namespace; ``operation`` is ``CREATE``
    or ``UPDATE`` (``old`` = stored claim; unchanged requests are not rechecked); any
    subresource, DELETE and CONNECT pass through. Returns a new top-level dict equal to
    ``pvc`` (claims are never defaulted). Raises ``AdmissionError`` (403,
    ``persistentvolumeclaims "<name>" is forbidden: ...``) for a request below ``min``, above
    ``max`` or missing while a ``min``/``max`` names it.
    """
    new = dict(pvc)
    if operation not in ("CREATE", "UPDATE") or subresource or _deleting(old):
        return new
    for lr in limit_ranges:
        errs = pvc_limit_errors(lr, pvc, old if operation == "UPDATE" else None)
        if errs:
            raise AdmissionError(
                forbidden_message("persistentvolumeclaims", pvc, aggregate_message(errs))
            )
    return new
