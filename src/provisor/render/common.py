"""Helpers shared by the render modules: labels, object skeletons, quantities, YAML text.

Determinism: objects are plain dicts built in a fixed order; ``to_yaml`` orders keys
canonically (``apiVersion``, ``kind``, ``metadata``, then ``name``/``namespace``/``type`` first
where present, the rest sorted), never wraps lines, and writes multi-line strings (PromQL,
the dashboard JSON) as literal blocks. Same policy -> byte-identical text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import yaml

from provisor.quantity import Quantity

MANAGED_BY = "provisor"

#: Keys written first, in this order, in every mapping that has them.
_FIRST_KEYS = ("apiVersion", "kind", "metadata", "name", "namespace", "type")
_RANK = {k: i for i, k in enumerate(_FIRST_KEYS)}


def base_labels(policy: Any, **extra: str) -> dict[str, str]:
    """The labels every rendered object carries, plus ``extra``."""
    out = {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/part-of": policy.name,
    }
    out.update(extra)
    return out


def meta(name: str, namespace: str | None = None, labels: Mapping[str, str] | None = None,
         annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An ObjectMeta dict (no empty maps)."""
    m: dict[str, Any] = {"name": name}
    if namespace is not None:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    return m


def obj(api_version: str, kind: str, metadata: dict[str, Any], **body: Any) -> dict[str, Any]:
    """A Kubernetes object dict."""
    out: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    out.update(body)
    return out


def qty(q: Quantity) -> str:
    """Canonical quantity string (what the API server prints)."""
    return str(q)


def resource_list(items: Mapping[str, Quantity] | Iterable[tuple[str, Quantity]]) -> dict[str, str]:
    """A ResourceList: resource name -> canonical quantity string."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return {k: str(v) for k, v in pairs}


def _order(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_RANK.get(k, len(_RANK)), str(k)))
        return {k: _order(value[k]) for k in keys}
    if isinstance(value, (list, tuple)):
        return [_order(v) for v in value]
    return value


if TYPE_CHECKING:
    _BaseDumper = yaml.SafeDumper
else:  # libyaml's emitter when PyYAML was built with it (same representer API)
    _BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    # PyYAML quotes what its own YAML 1.1 resolver would not read back as a string; kubectl
    # reads with go-yaml v2, which also takes ``1e3``, ``0o17`` or ``0x1F`` for numbers. Quote
    # every string go-yaml would not read as a string, so a label value "1e3" stays a string.
    from provisor.manifests.loader import _STR, _resolve_plain

    if _resolve_plain(data) != _STR:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def to_yaml(documents: Iterable[dict[str, Any]], header: str = "") -> str:
    """YAML text of several documents (``---`` between them), with ``header`` as leading
    ``#`` comment lines."""
    parts = []
    for doc in documents:
        parts.append(yaml.dump(_order(doc), Dumper=_Dumper, sort_keys=False,
                               default_flow_style=False, allow_unicode=True, width=10_000,
                               indent=2))
    head = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) if header else ""
    return head + "---\n".join(parts)


def block(data: Any) -> str:
    """YAML text of a plain value, for ConfigMap data (sorted keys, no header)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=10_000, indent=2)
