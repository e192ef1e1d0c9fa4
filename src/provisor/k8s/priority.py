"""PriorityClasses: the built-in classes, API validation, and the Priority admission plugin's
refusals.

Follows kubernetes/kubernetes:

* ``pkg/apis/scheduling/types.go``: ``HighestUserDefinablePriority`` = 1,000,000,000,
  ``SystemCriticalPriority`` = 2 × that, ``SystemPriorityClassPrefix`` = ``system-``;
* ``pkg/apis/scheduling/v1/helpers.go``: the two classes the API server creates at bootstrap,
  ``system-node-critical`` (2,000,001,000) and ``system-cluster-critical`` (2,000,000,000),
  neither a global default, and ``IsKnownSystemPriorityClass``;
* ``pkg/apis/scheduling/validation/validation.go``: ``ValidatePriorityClass`` (the value and
  name rules; 422);
* ``plugin/pkg/admission/priority/admission.go``: resolving a pod's ``priorityClassName``
  (``admitPod``; an unknown name is refused with 403), and ``validatePriorityClass`` with
  ``getDefaultPriorityClass`` (only one ``globalDefault`` class may exist; 403).

PriorityClasses are JSON-form dicts (``metadata.name``, ``value``, ``globalDefault``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from provisor.k8s import AdmissionError
from provisor.k8s.validation import FieldError, FieldPath, forbidden, invalid_message

__all__ = [
    "HIGHEST_USER_DEFINABLE_PRIORITY",
    "PRIORITY_CLASS_GROUP_KIND",
    "PRIORITY_CLASS_RESOURCE",
    "SYSTEM_CRITICAL_PRIORITY",
    "SYSTEM_PRIORITY_CLASSES",
    "SYSTEM_PRIORITY_CLASS_PREFIX",
    "admit_priority_class",
    "default_priority_class",
    "known_system_priority_class_error",
    "priority_class_invalid_message",
    "resolve_priority_class",
    "validate_priority_class",
]

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
#: name -> (value, globalDefault) of the classes the API server creates at bootstrap.
SYSTEM_PRIORITY_CLASSES: dict[str, tuple[int, bool]] = {
    "system-node-critical": (SYSTEM_CRITICAL_PRIORITY + 1000, False),
    "system-cluster-critical": (SYSTEM_CRITICAL_PRIORITY, False),
}
#: ``apierrors.NewInvalid``'s qualified kind, and the resource admission errors name.
PRIORITY_CLASS_GROUP_KIND = "PriorityClass.scheduling.k8s.io"
PRIORITY_CLASS_RESOURCE = "priorityclasses.scheduling.k8s.io"


def _name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    n = meta.get("name") if isinstance(meta, Mapping) else None
    return n if isinstance(n, str) else ""


def _value(obj: Mapping[str, Any]) -> int | None:
    v = obj.get("value")
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _global_default(obj: Mapping[str, Any]) -> bool:
    return obj.get("globalDefault") is True


def known_system_priority_class_error(name: str, value: int | None,
                                      global_default: bool) -> str | None:
    """``IsKnownSystemPriorityClass``: None when ``name`` is a built-in class with exactly its
    value and ``globalDefault``, else the error text: ``<name> is not a known system priority
    class``, ``value of <name> PriorityClass must be <v>`` or ``globalDefault of <name>
    PriorityClass must be false``. ``value`` None (not an integer) skips the value check."""
    known = SYSTEM_PRIORITY_CLASSES.get(name)
    if known is None:
        return f"{name} is not a known system priority class"
    if value is not None and value != known[0]:
        return f"value of {name} PriorityClass must be {known[0]}"
    if global_default != known[1]:
        return f"globalDefault of {name} PriorityClass must be {str(known[1]).lower()}"
    return None


def validate_priority_class(pc: Mapping[str, Any]) -> list[FieldError]:
    """The value and name errors ``ValidatePriorityClass`` returns for ``pc`` (at most one):

    * a name starting with ``system-`` that is not a built-in class with its exact value and
      ``globalDefault``: ``metadata.name: Forbidden: priority class names with 'system-'
      prefix are reserved for system use only. error: <IsKnownSystemPriorityClass error>``;
    * otherwise a ``value`` above 1,000,000,000: ``value: Forbidden: maximum allowed value of
      a user defined priority is 1000000000``.

    A ``value`` that is not an integer is not judged. Object metadata, ``preemptionPolicy``
    and immutability on update are not covered. Never raises."""
    name = _name(pc)
    value = _value(pc)
    if name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        err = known_system_priority_class_error(name, value, _global_default(pc))
        if err is None:
            return []
        return [forbidden(FieldPath("metadata", "name"),
                          f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix "
                          f"are reserved for system use only. error: {err}")]
    if value is not None and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        return [forbidden(FieldPath("value"), f"maximum allowed value of a user defined "
                                              f"priority is {HIGHEST_USER_DEFINABLE_PRIORITY}")]
    return []


def priority_class_invalid_message(pc: Mapping[str, Any],
                                   errors: Iterable[str | FieldError]) -> str:
    """The 422 message: ``PriorityClass.scheduling.k8s.io "<name>" is invalid: <errors>``."""
    return invalid_message(PRIORITY_CLASS_GROUP_KIND, {"metadata": {"name": _name(pc)}}, errors)


def default_priority_class(classes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """``getDefaultPriorityClass``: among the classes with ``globalDefault: true``, the one
    with the lowest value (the first of equal ones); None when there is none."""
    best: Mapping[str, Any] | None = None
    best_value = 0
    for pc in classes:
        if not _global_default(pc):
            continue
        v = _value(pc) or 0
        if best is None or best_value > v:
            best, best_value = pc, v
    return best


def _forbidden(resource: str, obj_name: str, detail: str) -> AdmissionError:
    from provisor.k8s.limitranger import forbidden_message

    return AdmissionError(forbidden_message(resource, {"metadata": {"name": obj_name}}, detail))


def admit_priority_class(pc: Mapping[str, Any], existing: Iterable[Mapping[str, Any]], *,
                         operation: str = "CREATE") -> None:
    """The Priority plugin on a PriorityClass request (``validatePriorityClass``): a class with
    ``globalDefault: true`` is refused while another default exists among ``existing`` (the
    stored classes), on CREATE always, on UPDATE when the default is another class.

    Raises ``AdmissionError`` (403): ``priorityclasses.scheduling.k8s.io "<name>" is
    forbidden: PriorityClass <default> is already marked as default. Only one default can
    exist``. Other operations pass."""
    if not _global_default(pc) or operation not in ("CREATE", "UPDATE"):
        return
    dpc = default_priority_class(existing)
    if dpc is None:
        return
    if operation == "CREATE" or _name(dpc) != _name(pc):
        raise _forbidden(PRIORITY_CLASS_RESOURCE, _name(pc) or "Unknown",
                         f"PriorityClass {_name(dpc)} is already marked as default. "
                         f"Only one default can exist")


def resolve_priority_class(pod: Mapping[str, Any],
                           classes: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The class a pod CREATE names in ``spec.priorityClassName``, looked up in ``classes``
    (name -> class; the built-in ``system-*`` classes exist even when not given). None when
    the pod names no class (the plugin then uses the global default).

    Raises ``AdmissionError`` (403) for an unknown name: ``pods "<name>" is forbidden: no
    PriorityClass with name <class> was found`` (``<name>``: ``metadata.name``, else
    ``generateName``, else ``Unknown``)."""
    from provisor.k8s.limitranger import forbidden_message

    spec = pod.get("spec")
    name = spec.get("priorityClassName") if isinstance(spec, Mapping) else None
    if not isinstance(name, str) or not name:
        return None
    pc = classes.get(name)
    if pc is not None:
        return pc
    builtin = SYSTEM_PRIORITY_CLASSES.get(name)
    if builtin is not None:
        return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": {"name": name}, "value": builtin[0], "globalDefault": builtin[1]}
    raise AdmissionError(forbidden_message(
        "pods", pod, f"no PriorityClass with name {name} was found"))
