"""Shared by the ``priority/*`` rules: PriorityClasses and the class names pods use.

Facts from kubernetes/kubernetes: ``pkg/apis/scheduling/types.go``
(``HighestUserDefinablePriority`` = 1,000,000,000, ``SystemCriticalPriority`` = 2 × that,
``SystemPriorityClassPrefix`` = ``system-``) and ``pkg/apis/scheduling/v1/helpers.go`` (the two
built-in classes: ``system-node-critical`` = 2,000,001,000 and ``system-cluster-critical`` =
2,000,000,000, neither a global default).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from provisor.check.context import dig

if TYPE_CHECKING:
    from provisor.check.context import Context, Workload
    from provisor.manifests import Document

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
SYSTEM_PREFIX = "system-"
#: name -> (value, globalDefault) of the classes the API server creates at bootstrap.
SYSTEM_CLASSES: dict[str, tuple[int, bool]] = {
    "system-node-critical": (SYSTEM_CRITICAL_PRIORITY + 1000, False),
    "system-cluster-critical": (SYSTEM_CRITICAL_PRIORITY, False),
}


def classes(ctx: "Context") -> list["Document"]:
    return ctx.kind("PriorityClass")


def is_global_default(d: "Document") -> bool:
    return d.obj.get("globalDefault") is True


def value_of(d: "Document") -> int | None:
    v = d.obj.get("value")
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def class_name_of(w: "Workload") -> tuple[str | None, tuple[str | int, ...]]:
    """The pod template's ``priorityClassName`` (None when unset) and its document path."""
    name = w.pod_spec.get("priorityClassName")
    return (name if isinstance(name, str) and name else None,
            (*w.spec_path, "priorityClassName"))


def workloads_naming(ctx: "Context") -> Iterator[tuple["Workload", str, tuple[str | int, ...]]]:
    """(workload, class name, path) for every workload whose pods name a class."""
    for w in ctx.workloads:
        name, path = class_name_of(w)
        if name is not None:
            yield w, name, path


def known_names(ctx: "Context") -> set[str]:
    out = set(SYSTEM_CLASSES)
    for d in classes(ctx):
        n = dig(d.obj, "metadata", "name")
        if isinstance(n, str):
            out.add(n)
    return out


def pc_invalid(obj: dict[str, Any], errors: list[str]) -> str:
    from provisor.check.context import name_of
    from provisor.k8s.validation import invalid_message

    return invalid_message("PriorityClass.scheduling.k8s.io", {"metadata": {"name": name_of(obj)}},
                           errors)
