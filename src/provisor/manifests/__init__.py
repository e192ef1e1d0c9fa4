"""``provisor.manifests``: load manifests with source positions and input limits, and validate
them against the Kubernetes schemas and our own CRD models.

Public API, imported lazily: ``import provisor.manifests`` imports none of its submodules;
loading imports PyYAML (only for YAML input); validating a built-in kind reads the bundled
schemas without importing kubernetes-validate or jsonschema; pydantic is imported only when a
VerticalPodAutoscaler or PrometheusRule is validated. fastjsonschema is not used.

* :func:`load` ``(paths, *, limits=None, stdin=None) -> Documents``
* :class:`Documents` (``list[Document]`` with ``.findings``, ``.files``, ``.bad_input``)
* :class:`Document` (``.obj``, ``.file``, ``.line``, ``.index``, ``.item``, ``.type``, ``.meta``,
  ``.wrapped``, ``.line_of(path)``)
* :class:`Limits`, :data:`DEFAULT_LIMITS`
* :func:`classify` ``(obj) -> (type, meta)``
* :func:`validate` ``(doc, *, kubernetes_version=None) -> list[Finding]`` and
  :class:`SchemaValidator` (per-version, per-kind validators compiled once and cached)
* :func:`bundled_versions`, :func:`default_version`
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisor.manifests.document import Document
    from provisor.manifests.limits import DEFAULT_LIMITS, Limits
    from provisor.manifests.loader import Documents, classify, load
    from provisor.manifests.schema import (
        SchemaValidator,
        UnsupportedVersionError,
        bundled_versions,
        default_version,
        validate,
    )

_EXPORTS = {
    "Document": "provisor.manifests.document",
    "Limits": "provisor.manifests.limits",
    "DEFAULT_LIMITS": "provisor.manifests.limits",
    "Documents": "provisor.manifests.loader",
    "load": "provisor.manifests.loader",
    "classify": "provisor.manifests.loader",
    "SchemaValidator": "provisor.manifests.schema",
    "UnsupportedVersionError": "provisor.manifests.schema",
    "validate": "provisor.manifests.schema",
    "bundled_versions": "provisor.manifests.schema",
    "default_version": "provisor.manifests.schema",
}

# Written out (sorted, the same names as ``_EXPORTS``) so that linters see the re-exports of
# the TYPE_CHECKING block above.
__all__ = [
    "DEFAULT_LIMITS",
    "Document",
    "Documents",
    "Limits",
    "SchemaValidator",
    "UnsupportedVersionError",
    "bundled_versions",
    "classify",
    "default_version",
    "load",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'provisor.manifests' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
