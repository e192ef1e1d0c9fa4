"""Kubernetes name and resource-name predicates, in one place.

Follows k8s.io/apimachinery/pkg/util/validation/validation.go (``IsQualifiedName``,
``IsDNS1123Subdomain``, ``IsValidLabelValue``) and pkg/apis/core/v1/helper/helpers.go
(``IsNativeResource``, ``IsPrefixedNativeResource``, ``IsExtendedResourceName``,
``IsHugePageResourceName``, ``IsAttachableVolumeResourceName``, ``IsOvercommitAllowed``).

All functions take a ``str`` and are pure; the boolean ones are cached (they sit in the
scheduler's and the quota evaluator's hot loops). ``qualified_name_errors`` and
``label_value_errors`` return apimachinery's messages (empty list when valid).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "DNS1123_SUBDOMAIN_MAX", "QUALIFIED_NAME_MAX", "LABEL_VALUE_MAX",
    "qualified_name_errors", "is_qualified_name", "is_dns1123_subdomain",
    "label_value_errors", "is_valid_label_value",
    "is_native_resource", "is_prefixed_native_resource", "is_extended_resource_name",
    "is_hugepage_resource_name", "is_attachable_volume_resource_name",
    "is_overcommit_allowed",
]

QUALIFIED_NAME_MAX = 63
LABEL_VALUE_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253

_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_DNS1123_SUBDOMAIN_RE = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

_NATIVE_PREFIX = "kubernetes.io/"
_REQUESTS_PREFIX = "requests."
_HUGEPAGES_PREFIX = "hugepages-"
_ATTACHABLE_VOLUMES_PREFIX = "attachable-volumes-"


def qualified_name_errors(value: str) -> list[str]:
    """``IsQualifiedName``: an optional DNS-1123 subdomain prefix and ``/``, then a name of at
    most 63 characters of ``[A-Za-z0-9-_.]`` starting and ending alphanumeric. Returns
    apimachinery's messages for the problems (empty when valid)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > DNS1123_SUBDOMAIN_MAX:
                errs.append(f"prefix part must be no more than {DNS1123_SUBDOMAIN_MAX} characters")
            if not _DNS1123_SUBDOMAIN_RE.match(prefix):
                errs.append(
                    "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                    "alphanumeric characters, '-' or '.', and must start and end with an "
                    "alphanumeric character")
    else:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
                "and must start and end with an alphanumeric character with an optional DNS "
                "subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > QUALIFIED_NAME_MAX:
        errs.append(f"name part must be no more than {QUALIFIED_NAME_MAX} characters")
    if not _QUALIFIED_NAME_RE.match(name):
        errs.append("name part must consist of alphanumeric characters, '-', '_' or '.', and "
                    "must start and end with an alphanumeric character")
    return errs


@lru_cache(maxsize=4096, typed=True)
def is_qualified_name(value: str) -> bool:
    """``IsQualifiedName`` as a predicate."""
    return not qualified_name_errors(value)


def is_dns1123_subdomain(value: str) -> bool:
    """``IsDNS1123Subdomain``: at most 253 characters of lower-case alphanumerics, ``-`` and
    ``.``, each dot-separated part starting and ending alphanumeric."""
    return len(value) <= DNS1123_SUBDOMAIN_MAX and bool(_DNS1123_SUBDOMAIN_RE.match(value))


def label_value_errors(value: str) -> list[str]:
    """``IsValidLabelValue``: empty, or at most 63 characters of ``[A-Za-z0-9-_.]`` starting
    and ending alphanumeric. Returns apimachinery's messages (empty when valid)."""
    errs: list[str] = []
    if len(value) > LABEL_VALUE_MAX:
        errs.append(f"must be no more than {LABEL_VALUE_MAX} characters")
    if not _LABEL_VALUE_RE.match(value):
        errs.append("a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
    return errs


def is_valid_label_value(value: str) -> bool:
    """``IsValidLabelValue`` as a predicate."""
    return len(value) <= LABEL_VALUE_MAX and bool(_LABEL_VALUE_RE.match(value))


def is_prefixed_native_resource(name: str) -> bool:
    """``IsPrefixedNativeResource``: the name contains ``kubernetes.io/``."""
    return _NATIVE_PREFIX in name


def is_native_resource(name: str) -> bool:
    """``IsNativeResource``: no domain prefix, or a ``kubernetes.io/`` one."""
    return "/" not in name or _NATIVE_PREFIX in name


@lru_cache(maxsize=4096, typed=True)
def is_extended_resource_name(name: str) -> bool:
    """``IsExtendedResourceName``: not native, not starting with ``requests.``, and
    ``requests.<name>`` is a qualified name (e.g. ``nvidia.com/gpu``)."""
    if is_native_resource(name) or name.startswith(_REQUESTS_PREFIX):
        return False
    return is_qualified_name(_REQUESTS_PREFIX + name)


def is_hugepage_resource_name(name: str) -> bool:
    """``IsHugePageResourceName``: ``hugepages-<size>``."""
    return name.startswith(_HUGEPAGES_PREFIX)


def is_attachable_volume_resource_name(name: str) -> bool:
    """``IsAttachableVolumeResourceName``: ``attachable-volumes-*``."""
    return name.startswith(_ATTACHABLE_VOLUMES_PREFIX)


def is_overcommit_allowed(name: str) -> bool:
    """``IsOvercommitAllowed``: native resources other than hugepages may have limit >
    request."""
    return is_native_resource(name) and not is_hugepage_resource_name(name)
