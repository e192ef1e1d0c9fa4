"""Every resource quantity written in the checked objects, with its resource and its role.

Sources: the containers (all of them, init containers included) and pod-level resources of
every workload (:func:`provisor.check.rules.workload._basics.all_workloads`), ``emptyDir``
``sizeLimit``, LimitRange ``min``/``max``/``default``/``defaultRequest``, ResourceQuota
``spec.hard``, PersistentVolumeClaim and StatefulSet ``volumeClaimTemplates`` storage
requests, HorizontalPodAutoscaler Resource and ContainerResource ``averageValue`` targets,
and VerticalPodAutoscaler ``minAllowed``/``maxAllowed``.

Parsing is :class:`provisor.quantity.Quantity` (Kubernetes ``resource.Quantity``); the
written suffix is read from the text as the API server reads it
(``staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go``, ``parseQuantityString``):
``m`` is milli (10^-3) for *every* resource, the binary suffixes are ``Ki``..``Ei``, the
decimal ones ``n u m "" k M G T P E``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from provisor.check.context import dig, name_of, namespace_of
from provisor.findings import ObjectRef

if TYPE_CHECKING:
    from provisor.check.context import Context
    from provisor.manifests import Document

Path = tuple[str | int, ...]

_TEXT = re.compile(r"^([+-]?)([0-9]*\.?[0-9]*)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$")
BINARY = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")

MEMORY_LIKE_QUOTA = re.compile(
    r"^(requests\.|limits\.)?(memory|ephemeral-storage|storage)$|"
    r"\.storageclass\.storage\.k8s\.io/requests\.storage$|^(requests\.)?hugepages-")
CPU_QUOTA = re.compile(r"^(requests\.|limits\.)?cpu$")


def kind_of_resource(name: str) -> str | None:
    """``"bytes"`` for memory, storage, ephemeral-storage and hugepages; ``"cpu"`` for cpu;
    None otherwise."""
    if name in ("memory", "storage", "ephemeral-storage") or name.startswith("hugepages-"):
        return "bytes"
    if name == "cpu":
        return "cpu"
    return None


@dataclass(slots=True)
class Field:
    """One written quantity.

    Attributes:
        doc: the document; path: its field path (for the line).
        resource: ``memory``, ``cpu``, ``storage``... (for a quota key, the resource part).
        measure: ``bytes`` or ``cpu``.
        role: ``request`` (a container or pod request, a LimitRange ``defaultRequest`` or
            ``min``), ``target`` (an HPA Resource/ContainerResource ``averageValue``),
            ``limit`` (a container limit, LimitRange ``max``/``default``, an
            ``emptyDir`` sizeLimit, a VPA bound), ``quota`` (ResourceQuota hard) or
            ``size`` (a volume claim's storage).
        where: e.g. ``Deployment team-a/web container 'app' requests.memory``.
        raw: the value as written (str, int or float).
        text: ``raw`` as text; sign, number, exponent, suffix: its parts (suffix "" when none).
        value: the exact value in the resource's unit (bytes, cores), or None when the
            text does not parse (the schema check reports that).
    """

    doc: "Document"
    path: Path
    resource: str
    measure: str
    role: str
    where: str
    raw: Any
    text: str
    number: str
    exponent: str
    suffix: str
    value: Fraction | None
    obj: ObjectRef | None = None


def _field(doc: "Document", path: Path, resource: str, role: str, where: str,
           raw: Any, measure: str | None = None) -> Field | None:
    from provisor.quantity import Quantity

    measure = measure or kind_of_resource(resource)
    if measure is None or raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        text = repr(raw) if isinstance(raw, float) else str(raw)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        return None
    m = _TEXT.match(text)
    if not m or not m.group(2) or m.group(2) == ".":
        return None
    try:
        value: Fraction | None = Quantity.unmarshal(raw).value
    except (ValueError, TypeError):
        value = None
    return Field(doc=doc, path=path, resource=resource, measure=measure, role=role,
                 where=where, raw=raw, text=text, number=m.group(1) + m.group(2),
                 exponent=m.group(3) or "", suffix=m.group(4) or "", value=value)


def _resources(doc: "Document", base: Path, res: Any, who: str,
               roles: dict[str, str]) -> Iterator[Field]:
    if not isinstance(res, dict):
        return
    for part, role in roles.items():
        items = res.get(part)
        if not isinstance(items, dict):
            continue
        for rname, raw in items.items():
            if isinstance(rname, str):
                f = _field(doc, (*base, part, rname), rname, role,
                           f"{who} {part}.{rname}", raw)
                if f is not None:
                    yield f


def fields(ctx: "Context") -> list[Field]:
    """Every quantity of the checked set (cached per run), in document order."""
    hit = ctx.cache.get(("quantity", "fields"))
    if hit is not None:
        return hit
    from provisor.check.rules.limitrange._api import describe
    from provisor.check.rules.workload._basics import all_workloads, container_path

    out: list[Field] = []
    pod_roles = {"requests": "request", "limits": "limit"}
    for w in all_workloads(ctx):
        spec = w.pod_spec
        for key in ("initContainers", "containers"):
            items = spec.get(key)
            if not isinstance(items, list):
                continue
            for i, c in enumerate(items):
                if not isinstance(c, dict):
                    continue
                label = "init container" if key == "initContainers" else "container"
                who = f"{describe(w)} {label} {str(c.get('name', i))!r}"
                out.extend(_resources(w.doc, (*container_path(w, key, i), "resources"),
                                      c.get("resources"), who, pod_roles))
        out.extend(_resources(w.doc, (*w.spec_path, "resources"), spec.get("resources"),
                              f"{describe(w)} pod", pod_roles))
        vols = spec.get("volumes")
        for i, v in enumerate(vols if isinstance(vols, list) else ()):
            ed = v.get("emptyDir") if isinstance(v, dict) else None
            if isinstance(ed, dict) and ed.get("sizeLimit") is not None:
                f = _field(w.doc, (*w.spec_path, "volumes", i, "emptyDir", "sizeLimit"),
                           "ephemeral-storage", "limit",
                           f"{describe(w)} emptyDir {v.get('name')!r} sizeLimit",
                           ed.get("sizeLimit"))
                if f is not None:
                    out.append(f)
        if w.kind == "StatefulSet":
            vcts = dig(w.doc.obj, "spec", "volumeClaimTemplates")
            for i, t in enumerate(vcts if isinstance(vcts, list) else ()):
                raw = dig(t, "spec", "resources", "requests", "storage")
                if raw is not None:
                    f = _field(w.doc, ("spec", "volumeClaimTemplates", i, "spec", "resources",
                                       "requests", "storage"), "storage", "size",
                               f"{describe(w)} volumeClaimTemplate "
                               f"{dig(t, 'metadata', 'name')!r} storage", raw)
                    if f is not None:
                        out.append(f)
    for d in ctx.kind("LimitRange"):
        items = dig(d.obj, "spec", "limits")
        for i, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, dict):
                continue
            who = f"LimitRange {namespace_of(d.obj) or '(default)'}/{name_of(d.obj)} " \
                  f"{item.get('type', '')}"
            out.extend(_resources(d, ("spec", "limits", i), item, who,
                                  {"defaultRequest": "request", "min": "request",
                                   "default": "limit", "max": "limit"}))
    for d in ctx.kind("ResourceQuota"):
        hard = dig(d.obj, "spec", "hard")
        if not isinstance(hard, dict):
            continue
        for key, raw in hard.items():
            if not isinstance(key, str):
                continue
            measure = "bytes" if MEMORY_LIKE_QUOTA.search(key) else (
                "cpu" if CPU_QUOTA.match(key) else None)
            if measure is None:
                continue
            f = _field(d, ("spec", "hard", key), key, "quota",
                       f"ResourceQuota {namespace_of(d.obj) or '(default)'}/{name_of(d.obj)} "
                       f"hard[{key}]", raw, measure)
            if f is not None:
                out.append(f)
    for d in ctx.kind("PersistentVolumeClaim"):
        raw = dig(d.obj, "spec", "resources", "requests", "storage")
        if raw is not None:
            f = _field(d, ("spec", "resources", "requests", "storage"), "storage", "size",
                       f"PersistentVolumeClaim {namespace_of(d.obj) or '(default)'}/"
                       f"{name_of(d.obj)} storage", raw)
            if f is not None:
                out.append(f)
    for d in ctx.kind("HorizontalPodAutoscaler"):
        ms = dig(d.obj, "spec", "metrics")
        for i, m in enumerate(ms if isinstance(ms, list) else ()):
            if not isinstance(m, dict) or m.get("type") not in ("Resource", "ContainerResource"):
                continue
            key = "resource" if m.get("type") == "Resource" else "containerResource"
            src = m.get(key)
            if not isinstance(src, dict) or not isinstance(src.get("name"), str):
                continue
            raw = dig(src, "target", "averageValue")
            if raw is None:
                continue
            f = _field(d, ("spec", "metrics", i, key, "target", "averageValue"), src["name"],
                       "target", f"HorizontalPodAutoscaler {namespace_of(d.obj) or '(default)'}/"
                       f"{name_of(d.obj)} metric {src['name']} averageValue", raw)
            if f is not None:
                out.append(f)
    for d in ctx.kind("VerticalPodAutoscaler"):
        pols = dig(d.obj, "spec", "resourcePolicy", "containerPolicies")
        for i, p in enumerate(pols if isinstance(pols, list) else ()):
            if not isinstance(p, dict):
                continue
            who = f"VerticalPodAutoscaler {name_of(d.obj)} container " \
                  f"{p.get('containerName', '*')!r}"
            for part in ("minAllowed", "maxAllowed"):
                items = p.get(part)
                if not isinstance(items, dict):
                    continue
                for rname, raw in items.items():
                    if isinstance(rname, str):
                        f = _field(d, ("spec", "resourcePolicy", "containerPolicies", i, part,
                                       rname), rname, "limit", f"{who} {part}.{rname}", raw)
                        if f is not None:
                            out.append(f)
    ctx.cache[("quantity", "fields")] = out
    return out


def show_bytes(v: Fraction) -> str:
    """``0.512 bytes``, ``1 byte``, ``512 bytes``."""
    if v.denominator == 1:
        n = v.numerator
        return f"{n} byte" if n == 1 else f"{n} bytes"
    return f"{float(v):g} bytes"


def binary(number: str, suffix: str) -> str:
    """``512`` + ``Mi`` -> ``512Mi``."""
    return f"{number}{suffix}"
