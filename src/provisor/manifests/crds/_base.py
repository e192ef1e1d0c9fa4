"""Building blocks of our strict CRD models (pydantic v2): field types with the API server's
semantics for CRD schemas, and the translation of pydantic errors into :class:`SchemaError`.

API-server facts these follow (apiextensions-apiserver, structural schemas):

* unknown fields are errors: kubectl's default ``--validate=strict`` asks the server for strict
  field validation, which rejects them instead of pruning them -> ``extra="forbid"``;
* a ``null`` for a declared property that is not ``nullable`` is pruned before validation
  (``PruneNonNullableNullsWithoutDefaults``): it behaves as if absent -> :class:`K8sModel`
  drops ``None`` values of declared fields before validating (a required field given ``null`` is
  then missing);
* ``type: integer`` takes JSON integers; kubectl sends YAML ``2.0`` as the JSON number ``2``, so an
  integral float counts as an integer; booleans never do;
* ``anyOf: [integer, string]`` with ``x-kubernetes-int-or-string`` and a ``pattern``: an integer,
  or a string matching the pattern (the pattern does not apply to integers);
* patterns are RE2 (Go): ``$`` matches only at the end of the text, so a trailing newline does
  not match (Python's ``re`` ``$`` would let ``"5m\\n"`` through; we anchor with ``\\Z``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    StrictStr,
    ValidationError,
    model_validator,
)

from provisor.manifests.schema import SchemaError, field_path


def _integral(x: Any) -> Any:
    if type(x) is bool:
        raise ValueError(f"expected integer, got boolean {str(x).lower()}")
    if type(x) is float and x.is_integer():
        return int(x)
    return x


#: ``type: integer`` (int32 / int64 formats are not range-checked by the CRD validation).
Int = Annotated[int, BeforeValidator(_integral)]
Str = StrictStr


def re2(pattern: str) -> re.Pattern[str]:
    """Compile an OpenAPI ``pattern`` with RE2's end-of-text ``$`` (see the module docstring)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    # RE2 takes a flag group anywhere ("^(?i)(abort|warn)?$"); Python only at the start.
    flags = 0
    if "(?i)" in pattern:
        pattern = pattern.replace("(?i)", "")
        flags = re.IGNORECASE
    return re.compile(pattern, flags)


def pattern_check(pattern: str, min_length: int = 0) -> Callable[[Any], str]:
    """The validator of a string that must match ``pattern`` (searched, as OpenAPI ``pattern``
    is) and be at least ``min_length`` characters long, for
    ``Annotated[str, PlainValidator(pattern_check(...))]``. The validator raises ``ValueError``."""
    rx = re2(pattern)

    def check(x: Any) -> str:
        if type(x) is not str:
            raise ValueError(f"expected string, got {_describe(x)}")
        if len(x) < min_length:
            raise ValueError(f"Invalid value: {json.dumps(x)}: should be at least {min_length} "
                             "chars long")
        if rx.search(x) is None:
            raise ValueError(f"{json.dumps(x)} should match '{pattern}'")
        return x

    return check


def int_or_string_check(pattern: str | None = None) -> Callable[[Any], int | str]:
    """The validator of ``anyOf: [integer, string]`` (``x-kubernetes-int-or-string``), strings
    matching ``pattern`` when given, for ``Annotated[Any, PlainValidator(int_or_string_check())]``.
    The validator raises ``ValueError``."""
    rx = re2(pattern) if pattern else None

    def check(x: Any) -> int | str:
        t = type(x)
        if t is int:
            return x
        if t is float and x.is_integer():
            return int(x)
        if t is str:
            if rx is not None and rx.search(x) is None:
                raise ValueError(f"{json.dumps(x)} should match '{pattern}'")
            return x
        raise ValueError(f"expected integer or string, got {_describe(x)}")

    return check


#: The kubebuilder pattern of ``resource.Quantity`` in CRDs.
QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?"
    r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
IntOrQuantity = Annotated[Any, PlainValidator(int_or_string_check(QUANTITY_PATTERN))]


def _describe(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return f"boolean {str(x).lower()}"
    if isinstance(x, (int, float)):
        return f"number {x!r}"
    if isinstance(x, str):
        return f"string {json.dumps(x[:40])}"
    if isinstance(x, dict):
        return "object"
    if isinstance(x, list):
        return "array"
    return type(x).__name__


class K8sModel(BaseModel):
    """Base of every CRD model: strict types, unknown fields forbidden, field names by their
    JSON (camelCase) alias, ``null`` of declared fields pruned first."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _prune_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and None in data.values():
            declared = cls._aliases()
            return {k: v for k, v in data.items() if not (v is None and k in declared)}
        return data

    @classmethod
    def _aliases(cls) -> frozenset[str]:
        cached = cls.__dict__.get("_alias_cache")
        if cached is None:
            cached = frozenset((f.alias or name) for name, f in cls.model_fields.items())
            setattr(cls, "_alias_cache", cached)
        return cached


class PathValueError(ValueError):
    """A ``ValueError`` that knows the sub-path (below the validated field) it is about."""

    def __init__(self, message: str, sub_path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.sub_path = sub_path


def unique_by(items: list[Any] | None, key: str, alias: str) -> None:
    """``x-kubernetes-list-type: map`` with ``x-kubernetes-list-map-keys: [key]``: no two items
    share the key. Raises :class:`PathValueError` at the first duplicate's key."""
    if not items:
        return
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        k = getattr(item, key)
        if k in seen:
            raise PathValueError(
                f"Duplicate value: {{{json.dumps(alias)}: {json.dumps(k)}}} (also item {seen[k]})",
                (i, alias),
            )
        seen[k] = i


def errors_from(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[SchemaError]:
    """Pydantic errors -> :class:`SchemaError` with Kubernetes-style messages and paths."""
    out: list[SchemaError] = []
    for e in exc.errors(include_url=False):
        loc = prefix + tuple(e.get("loc", ()))
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, PathValueError):
            loc = loc + cause.sub_path
        typ = e.get("type", "")
        fp = field_path(loc)
        inp = e.get("input")
        if typ == "extra_forbidden":
            out.append(SchemaError(loc, f'unknown field "{fp}"', code="unknown"))
        elif typ == "missing":
            out.append(SchemaError(loc, f"{fp}: Required value", code="required"))
        elif typ == "literal_error":
            expected = e.get("ctx", {}).get("expected", "")
            supported = ", ".join(json.dumps(v.strip().strip("'")) for v in
                                  re.split(r",| or ", expected) if v.strip())
            out.append(SchemaError(loc, f"{fp}: Unsupported value: {json.dumps(inp)}: supported "
                                        f"values: {supported}", f"use one of {supported}"))
        elif typ in ("model_type", "dict_type", "model_attributes_type"):
            out.append(SchemaError(loc, f"{fp}: expected object, got {_describe(inp)}"))
        elif typ == "list_type":
            out.append(SchemaError(loc, f"{fp}: expected array, got {_describe(inp)}"))
        elif typ == "string_type":
            out.append(SchemaError(loc, f"{fp}: expected string, got {_describe(inp)}"))
        elif typ in ("int_type", "int_from_float", "int_parsing"):
            out.append(SchemaError(loc, f"{fp}: expected integer, got {_describe(inp)}"))
        elif typ == "greater_than_equal":
            limit = e.get("ctx", {}).get("ge")
            out.append(SchemaError(loc, f"{fp}: Invalid value: {json.dumps(inp)}: should be "
                                        f"greater than or equal to {limit}"))
        elif typ == "string_too_short":
            out.append(SchemaError(loc, f"{fp}: Invalid value: {json.dumps(inp)}: should be at "
                                        "least 1 chars long"))
        else:
            msg = str(e.get("msg", ""))
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            out.append(SchemaError(loc, f"{fp}: {msg}"))
    return out
