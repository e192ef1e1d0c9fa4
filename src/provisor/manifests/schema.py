"""Schema validation of Kubernetes objects: the strict OpenAPI schemas that kubernetes-validate
bundles, compiled once per kind, plus our own models for the CRDs we render.

Two entry points:

* :func:`validate` ``(doc, *, kubernetes_version=None) -> list[Finding]`` -- validate one
  :class:`~provisor.manifests.document.Document`; it uses a module-level
  :class:`SchemaValidator` per Kubernetes version, so every kind is compiled once per process.
* :class:`SchemaValidator` ``(kubernetes_version=None)`` with ``.validate(doc)`` and
  ``.validate_object(obj) -> list[SchemaError]`` -- hold one yourself to control the cache.

Where the schemas come from: ``kubernetes_validate/kubernetes-json-schema/v1.XX.0-local-strict/``
(``<kind>-<group first label>-<version>.json``, ``$ref`` into ``_definitions.json``), found
through the installed package's location without importing it (importing it pulls in
jsonschema). The default version is the newest one bundled; ``kubernetes_version`` ``"1.30"``,
``"v1.30"`` or ``"1.30.2"`` picks 1.30. The exact API group is taken from each kind's
``x-kubernetes-group-version-kind`` (kubernetes-validate's file names keep only the group's
first label, which would map ``autoscaling.k8s.io/v1`` VerticalPodAutoscaler onto the built-in
``autoscaling`` group).

How the schemas are compiled: they use only ``type`` (with ``null``), ``properties``,
``additionalProperties``, ``required``, ``items``, ``enum``, ``format``, ``oneOf`` and ``$ref``. Each
schema node becomes a pair: a fast ``check(value) -> bool`` closure, run on every object, and a
slow ``explain(value, path, errors)`` that lists every error with its path, run only on objects
that failed. A ``$ref`` target is compiled once per version and shared by every kind that uses
it (ObjectMeta, PodSpec, ...).

What is checked beyond the JSON schema, because the API server checks it while decoding:

* ``resource.Quantity`` fields: strings must parse as quantities (``provisor.quantity``;
  apimachinery ``ParseQuantity``); YAML numbers (``cpu: 0.5``, ``memory: 1``) are accepted, as
  ``Quantity.UnmarshalJSON`` accepts JSON numbers;
* ``IntOrString``: a string or an integer (an integral float such as ``8080.0`` counts, because
  kubectl sends YAML ``8080.0`` as the JSON number ``8080``);
* ``integer``: ``int`` or an integral ``float``, never ``bool``; ``format: int32`` / ``int64``
  ranges (Go's decoder rejects out-of-range numbers);
* ``format: byte``: standard base64 (Secret ``data``);
* ``format: date-time``: RFC 3339.

Findings (rules): ``schema/invalid`` (error; one per error, at the line of the offending field
via ``Document.line_of``; an unknown field points at its own key), ``schema/unknown-kind``
(info; a kind with no schema, e.g. a CRD other than ours: counted, not silently skipped),
``schema/unserved-api`` (error; a built-in API group/version that this Kubernetes version does
not serve, e.g. ``extensions/v1beta1`` Deployment, with the version to use instead),
``schema/deprecated-api`` (warning; VerticalPodAutoscaler ``autoscaling.k8s.io/v1beta2``).
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable

from provisor.findings import Finding, Severity

Path_ = tuple[Any, ...]
Check = Callable[[Any], bool]
Explain = Callable[[Any, Path_, list["SchemaError"]], None]

_QUANTITY_DEF = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_INT_OR_STRING_DEF = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_OBJECT_META_DEF = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_QUANTITY_REGEX_TEXT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_MAX_ERRORS_PER_OBJECT = 20

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


class UnsupportedVersionError(ValueError):
    """The requested Kubernetes version has no bundled schemas (message lists the bundled ones)."""


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation.

    Attributes:
        path: the field's path in the object, e.g. ``("spec", "metrics", 1, "custom")``;
            ``Document.line_of(path)`` gives its line.
        message: ``"<field path>: <problem>"``, e.g. ``'spec.replicas: expected integer, got
            string "two"'``.
        fix: a hint (for an unknown field: the valid field names there), or ``None``.
        code: ``"required"`` (a required field is missing), ``"unknown"`` (a field the schema
            does not have), or ``"other"`` (type, enum, format, pattern, CEL rule, ...).
    """

    path: Path_
    message: str
    fix: str | None = None
    code: str = "other"


def field_path(path: Path_) -> str:
    """Kubernetes field-path text: ``spec.metrics[1].type``, ``metadata.labels[app.kubernetes.io/name]``."""
    out = []
    for step in path:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif _IDENT.match(step):
            out.append(f".{step}" if out else step)
        else:
            out.append(f"[{step}]")
    return "".join(out) or "(root)"


def _describe_value(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return f"boolean {str(x).lower()}"
    if isinstance(x, int):
        return f"integer {x}"
    if isinstance(x, float):
        return f"number {x!r}"
    if isinstance(x, str):
        shown = x if len(x) <= 40 else x[:37] + "..."
        return f"string {json.dumps(shown)}"
    if isinstance(x, dict):
        return "object"
    if isinstance(x, list):
        return "array"
    return type(x).__name__


# --------------------------------------------------------------------------------------------
# Type predicates (JSON Schema semantics on JSON-decoded values)
# --------------------------------------------------------------------------------------------


def _is_integer(x: Any) -> bool:
    t = type(x)
    return t is int or (t is float and x.is_integer())


def _is_number(x: Any) -> bool:
    t = type(x)
    return t is int or t is float


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "string": lambda x: type(x) is str,
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda x: type(x) is bool,
    "object": lambda x: type(x) is dict,
    "array": lambda x: type(x) is list,
    "null": lambda x: x is None,
}

_FORMAT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _valid_base64(x: str) -> bool:
    try:
        base64.b64decode(x.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _format_ok(fmt: str, x: Any) -> bool:
    if fmt in _FORMAT_RANGES:
        if not _is_number(x):
            return True
        lo, hi = _FORMAT_RANGES[fmt]
        return lo <= x <= hi
    if fmt == "byte":
        return type(x) is not str or _valid_base64(x)
    if fmt == "date-time":
        return type(x) is not str or _RFC3339.match(x) is not None
    return True


def _format_message(fmt: str, x: Any) -> str:
    if fmt in _FORMAT_RANGES:
        return f"{x} is out of range for {fmt}"
    if fmt == "byte":
        return "illegal base64 data (a []byte field must hold standard base64)"
    return f"invalid RFC 3339 date-time {json.dumps(x)}"


_quantity_parse: Callable[[Any], Any] | None = None


def _quantity_ok(x: Any) -> bool:
    global _quantity_parse
    t = type(x)
    if t is str:
        if _quantity_parse is None:
            from provisor.quantity import Quantity

            _quantity_parse = Quantity.parse
        try:
            _quantity_parse(x)
        except ValueError:
            return False
        return True
    return t is int or t is float or x is None


def _int_or_string_ok(x: Any) -> bool:
    t = type(x)
    return t is str or t is int or (t is float and x.is_integer()) or x is None


# --------------------------------------------------------------------------------------------
# The compiler
# --------------------------------------------------------------------------------------------


class _Compiled:
    """A compiled schema node: ``check`` (fast, bool) and ``explain`` (slow, lists errors).
    ``fields`` is the sorted list of allowed property names for object nodes (for fix hints)."""

    __slots__ = ("check", "explain", "fields")

    def __init__(self, check: Check, explain: Explain, fields: tuple[str, ...] = ()) -> None:
        self.check = check
        self.explain = explain
        self.fields = fields


def _always(x: Any) -> bool:
    return True


def _no_errors(x: Any, path: Path_, errs: list[SchemaError]) -> None:
    return None


_ANY = _Compiled(_always, _no_errors)


class _Compiler:
    """Compiles schema nodes of one schema directory; ``$ref`` targets are compiled once."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.refs: dict[str, _Compiled] = {}
        self._lock = threading.RLock()

    def ref(self, name: str) -> _Compiled:
        hit = self.refs.get(name)
        if hit is not None:
            return hit
        with self._lock:
            hit = self.refs.get(name)
            if hit is not None:
                return hit
            if name == _QUANTITY_DEF:
                compiled = self._quantity()
            elif name == _INT_OR_STRING_DEF:
                compiled = self._int_or_string()
            else:
                # A placeholder that forwards to the real node breaks recursion
                # (JSONSchemaProps refers to itself).
                holder: list[_Compiled] = []
                self.refs[name] = _Compiled(
                    lambda x: holder[0].check(x),
                    lambda x, p, e: holder[0].explain(x, p, e),
                )
                compiled = self.compile(self.defs[name])
                holder.append(compiled)
            self.refs[name] = compiled
            return compiled

    @staticmethod
    def _quantity() -> _Compiled:
        def explain(x: Any, path: Path_, errs: list[SchemaError]) -> None:
            if _quantity_ok(x):
                return
            if type(x) is str:
                errs.append(SchemaError(
                    path,
                    f"{field_path(path)}: invalid quantity {json.dumps(x)}: quantities must match "
                    f"the regular expression '{_QUANTITY_REGEX_TEXT}'",
                    "write a quantity such as 500m, 2, 512Mi or 1Gi",
                ))
            else:
                errs.append(SchemaError(
                    path, f"{field_path(path)}: expected a quantity (string or number), got "
                    f"{_describe_value(x)}"))

        return _Compiled(_quantity_ok, explain)

    @staticmethod
    def _int_or_string() -> _Compiled:
        def explain(x: Any, path: Path_, errs: list[SchemaError]) -> None:
            if not _int_or_string_ok(x):
                errs.append(SchemaError(
                    path, f"{field_path(path)}: expected integer or string, got {_describe_value(x)}"))

        return _Compiled(_int_or_string_ok, explain)

    def compile(self, schema: dict[str, Any]) -> _Compiled:
        ref = schema.get("$ref")
        if ref is not None:
            return self.ref(ref.rsplit("/", 1)[-1])
        one_of = schema.get("oneOf")
        if one_of is not None:
            return self._one_of([self.compile(s) for s in one_of])
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        types = list(types) if types else []
        nullable = "null" in types
        base = [t for t in types if t != "null"]
        if "properties" in schema or "additionalProperties" in schema or base == ["object"]:
            return self._object(schema, nullable, bool(base))
        if base == ["array"]:
            return self._array(schema, nullable)
        return self._scalar(schema, base, nullable)

    # -- oneOf --------------------------------------------------------------------------------
    @staticmethod
    def _one_of(options: list[_Compiled]) -> _Compiled:
        checks = [o.check for o in options]

        def check(x: Any) -> bool:
            return sum(1 for c in checks if c(x)) == 1

        def explain(x: Any, path: Path_, errs: list[SchemaError]) -> None:
            n = sum(1 for c in checks if c(x))
            if n != 1:
                errs.append(SchemaError(path, f"{field_path(path)}: must match exactly one of "
                                              f"{len(checks)} schemas, matches {n}"))

        return _Compiled(check, explain)

    # -- scalars -------------------------------------------------------------------------------
    @staticmethod
    def _scalar(schema: dict[str, Any], base: list[str], nullable: bool) -> _Compiled:
        enum = schema.get("enum") or None
        fmt = schema.get("format")
        if fmt not in ("int32", "int64", "byte", "date-time"):
            fmt = None
        tests = [_TYPE_TESTS[t] for t in base if t in _TYPE_TESTS]
        enum_set = frozenset(v for v in enum if isinstance(v, str)) if enum else None
        enum_other = [v for v in enum if not isinstance(v, str)] if enum else []

        if len(tests) == 1 and enum_set is None and fmt is None:
            only = base[0]
            if only == "string":
                def check(x: Any) -> bool:
                    return type(x) is str or (nullable and x is None)
            elif only == "boolean":
                def check(x: Any) -> bool:
                    return type(x) is bool or (nullable and x is None)
            else:
                test = tests[0]

                def check(x: Any) -> bool:
                    return test(x) or (nullable and x is None)
        else:
            def check(x: Any) -> bool:
                if x is None:
                    return nullable or not tests
                if tests and not any(t(x) for t in tests):
                    return False
                if enum_set is not None and not (
                    (type(x) is str and x in enum_set) or x in enum_other
                ):
                    return False
                if fmt is not None and not _format_ok(fmt, x):
                    return False
                return True

        def explain(x: Any, path: Path_, errs: list[SchemaError]) -> None:
            if check(x):
                return
            fp = field_path(path)
            if x is None or (tests and not any(t(x) for t in tests)):
                want = " or ".join(base) if base else "a value"
                errs.append(SchemaError(path, f"{fp}: expected {want}, got {_describe_value(x)}"))
            elif enum is not None and x not in enum:
                supported = ", ".join(json.dumps(v) for v in enum)
                errs.append(SchemaError(
                    path, f"{fp}: Unsupported value: {json.dumps(x)}: supported values: {supported}",
                    f"use one of {supported}"))
            elif fmt is not None:
                errs.append(SchemaError(path, f"{fp}: {_format_message(fmt, x)}"))

        return _Compiled(check, explain)

    # -- arrays --------------------------------------------------------------------------------
    def _array(self, schema: dict[str, Any], nullable: bool) -> _Compiled:
        items_schema = schema.get("items")
        item = self.compile(items_schema) if isinstance(items_schema, dict) else _ANY
        item_check = item.check

        if item is _ANY:
            def check(x: Any) -> bool:
                return type(x) is list or (nullable and x is None)
        else:
            def check(x: Any) -> bool:
                if type(x) is not list:
                    return nullable and x is None
                for v in x:
                    if not item_check(v):
                        return False
                return True

        def explain(x: Any, path: Path_, errs: list[SchemaError]) -> None:
            if type(x) is not list:
                if not (nullable and x is None):
                    errs.append(SchemaError(path, f"{field_path(path)}: expected array, got "
                                                  f"{_describe_value(x)}"))
                return
            for i, v in enumerate(x):
                if not item_check(v):
                    item.explain(v, path + (i,), errs)

        return _Compiled(check, explain)

    # -- objects -------------------------------------------------------------------------------
    def _object(self, schema: dict[str, Any], nullable: bool, typed: bool) -> _Compiled:
        props_schema: dict[str, Any] = schema.get("properties") or {}
        props = {k: self.compile(v) for k, v in props_schema.items()}
        pchecks = {k: c.check for k, c in props.items()}
        addl_schema = schema.get("additionalProperties", True)
        addl: _Compiled | None  # None: closed (additionalProperties: false)
        if addl_schema is False:
            addl = None
        elif isinstance(addl_schema, dict) and addl_schema:
            addl = self.compile(addl_schema)
        else:
            addl = _ANY
        required = tuple(schema.get("required") or ())
        fields = tuple(sorted(props))

        if addl is None:
            def check(x: Any) -> bool:
                if type(x) is not dict:
                    return nullable and x is None
                get = pchecks.get
                for k, v in x.items():
                    c = get(k)
                    if c is None or not c(v):
                        return False
                for r in required:
                    if r not in x:
                        return False
                return True
        elif addl is _ANY:
            def check(x: Any) -> bool:
                if type(x) is not dict:
                    return (nullable and x is None) or not typed
                get = pchecks.get
                for k, v in x.items():
                    c = get(k)
                    if c is not None and not c(v):
                        return False
                for r in required:
                    if r not in x:
                        return False
                return True
        else:
            addl_check = addl.check

            def check(x: Any) -> bool:
                if type(x) is not dict:
                    return nullable and x is None
                get = pchecks.get
                for k, v in x.items():
                    c = get(k) or addl_check
                    if not c(v):
                        return False
                for r in required:
                    if r not in x:
                        return False
                return True

        def explain(x: Any, path: Path_, errs: list[SchemaError]) -> None:
            if type(x) is not dict:
                if not ((nullable and x is None) or (not typed and addl is _ANY)):
                    errs.append(SchemaError(path, f"{field_path(path)}: expected object, got "
                                                  f"{_describe_value(x)}"))
                return
            for k, v in x.items():
                sub = props.get(k)
                if sub is None:
                    if addl is None:
                        where = field_path(path + (k,))
                        hint = (f"valid fields of {field_path(path)}: {', '.join(fields)}"
                                if fields else None)
                        errs.append(SchemaError(path + (k,), f'unknown field "{where}"', hint,
                                                "unknown"))
                        continue
                    sub = addl
                if not sub.check(v):
                    sub.explain(v, path + (k,), errs)
            for r in required:
                if r not in x:
                    errs.append(SchemaError(
                        path, f"{field_path(path + (r,))}: Required value",
                        f"add the required field {r!r} to {field_path(path)}", "required"))

        return _Compiled(check, explain, fields)


# --------------------------------------------------------------------------------------------
# Bundled schema directories
# --------------------------------------------------------------------------------------------

_SCHEMA_ROOT: str | None = None


def _schema_root() -> str:
    """``.../kubernetes_validate/kubernetes-json-schema`` of the installed package (located, not
    imported)."""
    global _SCHEMA_ROOT
    if _SCHEMA_ROOT is None:
        spec = importlib.util.find_spec("kubernetes_validate")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("kubernetes-validate is not installed; it provides the Kubernetes schemas")
        _SCHEMA_ROOT = os.path.join(list(spec.submodule_search_locations)[0], "kubernetes-json-schema")
    return _SCHEMA_ROOT


_DIR_RE = re.compile(r"v(\d+)\.(\d+)\.(\d+)-local-strict\Z")


def bundled_versions() -> list[str]:
    """Kubernetes versions with bundled strict schemas, oldest first, as ``"1.37"``."""
    found = []
    for name in os.listdir(_schema_root()):
        m = _DIR_RE.match(name)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    return [f"{a}.{b}" for a, b in sorted(found)]


def default_version() -> str:
    """The newest bundled Kubernetes version, e.g. ``"1.37"``."""
    return bundled_versions()[-1]


_NORMALISED: dict[str | None, str] = {}


def _normalise_version(version: str | None) -> str:
    hit = _NORMALISED.get(version)
    if hit is None:
        hit = _NORMALISED[version] = _normalise_version_uncached(version)
    return hit


def _normalise_version_uncached(version: str | None) -> str:
    if version is None:
        return default_version()
    m = re.match(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?\Z", version.strip())
    if not m:
        raise UnsupportedVersionError(f"not a Kubernetes version: {version!r} (expected e.g. 1.30)")
    want = f"{int(m.group(1))}.{int(m.group(2))}"
    versions = bundled_versions()
    if want not in versions:
        raise UnsupportedVersionError(
            f"no bundled schemas for Kubernetes {want}; bundled: {versions[0]} to {versions[-1]}")
    return want


# --------------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------------

_REMOVED_GROUPS = frozenset({"", "extensions"})


_VERSION_RE = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?\Z")


def _version_rank(version: str) -> tuple[int, int, int]:
    """Sort key putting the preferred API version first: GA before beta before alpha, higher
    numbers first (Kubernetes' version priority, apimachinery ``version.CompareKubeAwareVersionStrings``)."""
    m = _VERSION_RE.match(version)
    if not m:
        return (3, 0, 0)
    stability = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (stability, -int(m.group(1)), -int(m.group(3) or 0))


def split_api_version(api_version: str) -> tuple[str, str]:
    """``"apps/v1"`` -> ``("apps", "v1")``; ``"v1"`` -> ``("", "v1")``."""
    group, sep, version = api_version.rpartition("/")
    return (group, version) if sep else ("", api_version)


class SchemaValidator:
    """Validates objects against one Kubernetes version's strict schemas (and our CRD models).

    Everything is lazy: ``_definitions.json`` is read on the first built-in object, each kind's
    schema file on the first object of that kind, and each compiled node is cached for the life
    of the validator. Thread-safe for reading (compilation takes a lock).

    Args:
        kubernetes_version: ``"1.30"``, ``"v1.30"`` or ``"1.30.2"``; ``None`` for the newest
            bundled. Raises :class:`UnsupportedVersionError` for a version with no schemas.
    """

    def __init__(self, kubernetes_version: str | None = None) -> None:
        self.version = _normalise_version(kubernetes_version)
        self._dir = os.path.join(_schema_root(), f"v{self.version}.0-local-strict")
        self._compiler: _Compiler | None = None
        self._gvk: dict[tuple[str, str, str], str] = {}
        self._kinds: dict[tuple[str, str, str], _Compiled | None] = {}
        self._lock = threading.RLock()

    # -- loading ---------------------------------------------------------------------------
    def _ensure_defs(self) -> _Compiler:
        if self._compiler is None:
            with self._lock:
                if self._compiler is None:
                    with open(os.path.join(self._dir, "_definitions.json"), encoding="utf-8") as f:
                        defs = json.load(f)["$defs"]
                    gvk: dict[tuple[str, str, str], str] = {}
                    for name, d in defs.items():
                        entries = d.get("x-kubernetes-group-version-kind")
                        # Only definitions with a single GVK are API kinds (the meta types
                        # DeleteOptions, WatchEvent, ... list every group).
                        if isinstance(entries, list) and len(entries) == 1:
                            e = entries[0]
                            gvk[(e.get("group", ""), e.get("version", ""), e.get("kind", ""))] = name
                    self._gvk = gvk
                    self._compiler = _Compiler(defs)
        return self._compiler

    def _kind_node(self, group: str, version: str, kind: str) -> _Compiled | None:
        key = (group, version, kind)
        if key in self._kinds:
            return self._kinds[key]
        compiler = self._ensure_defs()
        with self._lock:
            if key in self._kinds:
                return self._kinds[key]
            node: _Compiled | None = None
            if key in self._gvk:
                label = group.split(".", 1)[0]
                fname = f"{kind.lower()}-{label}-{version}.json" if group else f"{kind.lower()}-{version}.json"
                path = os.path.join(self._dir, fname)
                if os.path.exists(path):
                    with open(path, encoding="utf-8") as f:
                        schema = json.load(f)
                else:  # fall back to the definition itself
                    schema = compiler.defs[self._gvk[key]]
                node = compiler.compile(schema)
            self._kinds[key] = node
            return node

    def builtin_groups(self) -> frozenset[str]:
        """API groups this Kubernetes version serves ("" is the core group)."""
        self._ensure_defs()
        return frozenset(g for g, _, _ in self._gvk)

    def known(self, api_version: str, kind: str) -> bool:
        """True when ``api_version``/``kind`` is a built-in kind of this version."""
        self._ensure_defs()
        g, v = split_api_version(api_version)
        return (g, v, kind) in self._gvk

    def alternatives(self, group: str, kind: str) -> list[str]:
        """apiVersions of this Kubernetes version that serve ``kind`` (same group first)."""
        self._ensure_defs()
        found = [(g != group, _version_rank(v), g, v) for g, v, k in self._gvk if k == kind]
        found.sort()
        return [f"{g}/{v}" if g else v for _, _, g, v in found]

    def object_meta(self) -> _Compiled:
        """The compiled ObjectMeta schema (used for the metadata of our CRD kinds)."""
        return self._ensure_defs().ref(_OBJECT_META_DEF)

    # -- validation ------------------------------------------------------------------------
    def validate_object(self, obj: Any) -> tuple[str, list[SchemaError]]:
        """Validate a decoded object.

        Returns ``(status, errors)`` where status is ``"valid"``, ``"invalid"``,
        ``"unknown-kind"``, ``"unserved"`` or ``"deprecated"`` (the latter two carry their
        explanation as the first error; ``deprecated`` objects are validated too and may carry
        more errors)."""
        if not isinstance(obj, dict):
            return "invalid", [SchemaError((), f"expected an object, got {_describe_value(obj)}")]
        api_version = obj.get("apiVersion")
        kind = obj.get("kind")
        errs: list[SchemaError] = []
        if not (isinstance(api_version, str) and api_version and isinstance(kind, str) and kind):
            if not isinstance(api_version, str) or not api_version:
                errs.append(SchemaError(("apiVersion",), "apiVersion: Required value (a string such as apps/v1)"))
            if not isinstance(kind, str) or not kind:
                errs.append(SchemaError(("kind",), "kind: Required value (a string such as Deployment)"))
            return "invalid", errs
        group, version = split_api_version(api_version)
        from provisor.manifests.crds import crd_model_for

        model = crd_model_for(group, version, kind)
        if model is not None:
            return model.validate(obj, self)
        node = self._kind_node(group, version, kind)
        if node is None:
            if group in _REMOVED_GROUPS or group in self.builtin_groups():
                alts = self.alternatives(group, kind)
                use = f"; use {' or '.join(alts[:3])}" if alts else ""
                return "unserved", [SchemaError(
                    ("apiVersion",),
                    f"apiVersion {api_version} has no kind {kind} in Kubernetes {self.version} "
                    f"(not served or removed){use}",
                    f"change apiVersion to {alts[0]}" if alts else None,
                )]
            return "unknown-kind", []
        if node.check(obj):
            return "valid", []
        node.explain(obj, (), errs)
        if not errs:  # check and explain disagree only on a bug; say so rather than hide it
            errs.append(SchemaError((), "object does not match its schema"))
        return "invalid", errs[:_MAX_ERRORS_PER_OBJECT]

    def validate(self, doc: Any) -> list[Finding]:
        """Findings for one :class:`~provisor.manifests.document.Document` (none for documents
        that are not Kubernetes objects)."""
        if doc.type != "kubernetes":
            return []
        if doc.api_version.startswith("kustomize.config.k8s.io/"):
            # kustomize's own build configuration (Kustomization, Component): read by
            # `kubectl kustomize`, never sent to the API server, so no cluster schema applies;
            # only the shape kustomize's decoder needs is checked.
            return kustomization_findings(doc)
        status, errs = self.validate_object(doc.obj)
        if status == "invalid" and doc.meta.get("kustomize_patch"):
            errs = [e for e in errs if not _patch_tolerates(e)]
            if not errs:
                return []
        ref = doc.ref
        if status == "valid":
            return []
        what = f"{ref.kind or 'object'} {ref.name}".rstrip()
        if status == "unknown-kind":
            return [Finding(
                rule="schema/unknown-kind", severity="info", file=doc.file, line=doc.line,
                object=ref,
                message=f"no schema for {doc.api_version} {doc.kind} (a custom resource?) in "
                        f"Kubernetes {self.version}; not validated",
            )]
        out = []
        sev: Severity
        for i, e in enumerate(errs):
            if status == "unserved" and i == 0:
                rule, sev = "schema/unserved-api", "error"
            elif status == "deprecated" and i == 0:
                rule, sev = "schema/deprecated-api", "warning"
            else:
                rule, sev = "schema/invalid", "error"
            msg = e.message if rule != "schema/invalid" else f"{what} is invalid: {e.message}"
            out.append(Finding(rule=rule, severity=sev, file=doc.file,
                               line=doc.line_of(e.path), object=ref, message=msg, fix=e.fix))
        return out


def _patch_tolerates(e: SchemaError) -> bool:
    """A kustomize patch is a partial object merged into a base: its missing required fields
    come from the base, and ``$patch`` / ``$setElementOrder/...`` / ``$deleteFromPrimitiveList/...``
    keys are strategic-merge-patch directives (apimachinery ``strategicpatch``), not fields."""
    if e.code == "required":
        return True
    return e.code == "unknown" and bool(e.path) and isinstance(e.path[-1], str) and \
        e.path[-1].startswith("$")


_VALIDATORS: dict[str, SchemaValidator] = {}
_VALIDATORS_LOCK = threading.Lock()


def validator_for(kubernetes_version: str | None = None) -> SchemaValidator:
    """The shared :class:`SchemaValidator` of a Kubernetes version (created once)."""
    key = _normalise_version(kubernetes_version)
    v = _VALIDATORS.get(key)
    if v is None:
        with _VALIDATORS_LOCK:
            v = _VALIDATORS.get(key)
            if v is None:
                v = _VALIDATORS[key] = SchemaValidator(key)
    return v


def validate(doc: Any, *, kubernetes_version: str | None = None) -> list[Finding]:
    """Schema findings for one Document (see the module docstring for the rules).

    Args:
        doc: a :class:`~provisor.manifests.document.Document`; documents whose ``type`` is not
            ``"kubernetes"`` give ``[]``.
        kubernetes_version: e.g. ``"1.30"``; default the newest bundled.

    Raises:
        UnsupportedVersionError: no bundled schemas for ``kubernetes_version``.
    """
    return validator_for(kubernetes_version).validate(doc)


# Field types of kustomize's ``Kustomization`` (sigs.k8s.io/kustomize api/types/
# kustomization.go): its JSON decoder rejects a field of another type, so `kubectl kustomize`
# fails on such a file.
_KUSTOMIZE_STRINGS = ("namePrefix", "nameSuffix", "namespace")
_KUSTOMIZE_STRING_MAPS = ("commonLabels", "commonAnnotations", "openapi")
_KUSTOMIZE_STRING_LISTS = ("resources", "components", "crds", "bases", "configurations",
                           "generators", "transformers", "validators", "buildMetadata",
                           "patchesStrategicMerge")
_KUSTOMIZE_OBJECT_LISTS = ("labels", "patchesJson6902", "patches", "images", "imageTags",
                           "replacements", "replicas", "vars", "configMapGenerator",
                           "secretGenerator", "helmCharts", "helmChartInflationGenerator")
_KUSTOMIZE_OBJECTS = ("metadata", "sortOptions", "helmGlobals", "generatorOptions",
                      "inventory")


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "mapping"


def kustomization_errors(obj: Any) -> list[SchemaError]:
    """Type errors in a ``Kustomization``/``Component`` (fields of the wrong JSON type, as
    kustomize's decoder would reject them: ``patches: foo``, ``resources: [1]``). A missing
    or null field is fine (``omitempty``). Follows kustomize ``api/types/kustomization.go``."""
    if not isinstance(obj, dict):
        return []
    errs: list[SchemaError] = []

    def bad(path: Path_, want: str, got: Any) -> None:
        errs.append(SchemaError(path, f"{field_path(path)}: expected {want}, got "
                                      f"{_json_type(got)}"))

    for key in _KUSTOMIZE_STRINGS:
        v = obj.get(key)
        if v is not None and not isinstance(v, str):
            bad((key,), "string", v)
    for key in _KUSTOMIZE_STRING_MAPS:
        v = obj.get(key)
        if v is None:
            continue
        if not isinstance(v, dict):
            bad((key,), "a mapping of strings", v)
            continue
        for k, item in v.items():
            if item is not None and not isinstance(item, str):
                bad((key, k), "string", item)
    for key in _KUSTOMIZE_STRING_LISTS + _KUSTOMIZE_OBJECT_LISTS:
        v = obj.get(key)
        if v is None:
            continue
        if not isinstance(v, list):
            bad((key,), "a list", v)
            continue
        want_str = key in _KUSTOMIZE_STRING_LISTS
        for i, item in enumerate(v):
            if want_str and not isinstance(item, str):
                bad((key, i), "string", item)
            elif not want_str and not isinstance(item, dict):
                bad((key, i), "mapping", item)
    for key in _KUSTOMIZE_OBJECTS:
        v = obj.get(key)
        if v is not None and not isinstance(v, dict):
            bad((key,), "mapping", v)
    return errs[:_MAX_ERRORS_PER_OBJECT]


def kustomization_findings(doc: Any) -> list[Finding]:
    """``schema/invalid`` findings for :func:`kustomization_errors` of a document."""
    ref = doc.ref
    what = f"{ref.kind or 'Kustomization'} {ref.name or doc.file}".rstrip()
    return [Finding(rule="schema/invalid", severity="error", file=doc.file,
                    line=doc.line_of(e.path), object=ref,
                    message=f"{what} is invalid: {e.message} (kustomize cannot read it)")
            for e in kustomization_errors(doc.obj)]

