"""Shared by the ``priority/*`` rules: PriorityClasses and the class names pods use.

The facts (built-in classes, limits, validation, the Priority admission plugin's refusals) are
:mod:`provisor.k8s.priority`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from provisor.check.context import dig
from provisor.k8s.priority import SYSTEM_PRIORITY_CLASSES

if TYPE_CHECKING:
    from provisor.check.context import Context, Workload
    from provisor.manifests import Document


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


def known_names(ctx: "Context", docs: "list[Document] | None" = None) -> set[str]:
    """The class names that exist: the built-in ones and those of ``docs`` (default: every
    PriorityClass of the checked set)."""
    out = set(SYSTEM_PRIORITY_CLASSES)
    for d in (classes(ctx) if docs is None else docs):
        n = dig(d.obj, "metadata", "name")
        if isinstance(n, str):
            out.add(n)
    return out
