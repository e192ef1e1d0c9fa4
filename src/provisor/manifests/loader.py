"""Load manifests: YAML (multi-document, block and flow style / KYAML) and JSON, from files,
directories and stdin, with source positions and input limits.

Entry point: :func:`load`. Bad input never raises; it becomes a finding on the returned
:class:`Documents` (rules below, all severity ``error`` unless noted, each with file, line and a
one-line message):

========================  =================================================================
``input/not-found``       a path that does not exist
``input/unreadable``      a path that exists but cannot be read (permissions, I/O error)
``input/too-large``       a file above ``Limits.max_file_bytes``, or a document above
                          ``Limits.max_nodes`` nodes without aliases
``input/binary``          NUL bytes or invalid UTF-8 in the first ``Limits.binary_probe`` bytes
``input/parse-error``     YAML/JSON syntax error (line of the parser's error mark), invalid
                          UTF-8 further in, a non-scalar mapping key, a recursive alias
``input/alias-bomb``      a document whose alias expansion exceeds ``Limits.max_nodes``
``input/too-deep``        nesting beyond ``Limits.max_depth`` (or libyaml's own 1,000 levels)
``input/duplicate-key``   a mapping key given twice (the last wins when loading, as PyYAML and
                          go-yaml do; ``kubectl apply`` with its default strict field
                          validation rejects such an object). Not "bad input": the file loads.
``input/unrecognized``    (info) a document that is not a Kubernetes object, a Prometheus rule
                          file or a Grafana dashboard; it is kept with ``type="unrecognized"``.
                          One finding per document for the first ``UNRECOGNIZED_LISTED`` (20)
                          of a file, then one finding counting the rest
========================  =================================================================

How values are typed. Kubernetes reads YAML with ``sigs.k8s.io/yaml``, which decodes with
go-yaml v2 and hands JSON to the API server. To judge objects as the API server sees them, plain
(unquoted) scalars are resolved with go-yaml v2's rules (``resolve.go``), not PyYAML's YAML 1.1
resolver: ``y``/``Y``/``n``/``N``/``yes``/``no``/``on``/``off``/``true``/``false`` (three casings) are
booleans; ``~``/``null``/empty are null; integers are Go ``strconv.ParseInt(s, 0, 64)`` after
removing ``_`` (so ``0x1F``, ``0o17``, ``0b101`` and leading-zero octal ``017`` are integers), then
unsigned 64-bit, then floats matching ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$``
(so ``1e3`` is the float 1000.0, as kubectl sends it; ``1e400``, beyond float64, stays a
string, as go-yaml's failed ``ParseFloat`` leaves it); ``.inf``/``.nan`` forms are floats;
timestamps stay strings (go-yaml v2 keeps a timestamp decoded into ``interface{}`` as its text);
YAML 1.1 base-60 numbers (``1:30``) stay strings. Quoted scalars are strings. ``<<`` merge keys
are honoured with PyYAML's/go-yaml's precedence (explicit keys win; in ``<<: [*a, *b]`` the
first source wins). Mapping keys that are not strings are converted the way a JSON encoder
would print them (``1`` -> ``"1"``, ``true`` -> ``"true"``, ``null`` -> ``"null"``).

Garbage collection: ``load`` pauses the cyclic collector while loading and then calls
``gc.freeze()``, moving everything alive (the loaded objects among it) to the permanent
generation. Without this, collections rescan the ever-growing heap of small containers; on
10,000 objects that cost 3.6 s during loading and 1.3 s more in the schema validation after
it. Frozen objects are still freed by reference counting; only cyclic garbage that already
exists when ``load`` returns is never collected.

Speed: documents are composed by libyaml (PyYAML's C ``CParser``, which keeps line marks) and
constructed by one small recursive function from the same nodes, so a document is parsed once;
the node tree is kept on the :class:`Document` for :meth:`Document.line_of`. JSON is decoded by
the standard library's C decoder and gets positions only when asked
(``provisor.manifests.jsonpos``).

Upstream facts followed: go-yaml v2 ``resolve.go`` (scalar resolution) and ``decode.go``
(timestamps into ``interface{}`` stay strings, merge keys); sigs.k8s.io/yaml ``yaml.go``
(YAML -> JSON, key stringification); kubectl's ``List`` handling
(``k8s.io/cli-runtime/pkg/resource/visitor.go``: items of ``kind: List`` and ``*List`` kinds are
visited as objects).
"""

from __future__ import annotations

import codecs
import gc
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO, cast

from provisor.findings import Finding, ObjectRef, Severity
from provisor.manifests.document import Document, DocType, JsonSource
from provisor.manifests.limits import DEFAULT_LIMITS, Limits
from provisor.manifests.positions import tree_line

#: File name endings a directory walk picks up (compared case-insensitively).
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

#: Rules that make ``Documents.bad_input`` true (exit code 2 in the CLI).
BAD_INPUT_RULES = frozenset(
    {
        "input/not-found",
        "input/unreadable",
        "input/too-large",
        "input/binary",
        "input/parse-error",
        "input/alias-bomb",
        "input/too-deep",
    }
)


class Documents(list):
    """``list[Document]`` plus what went wrong while loading.

    Attributes:
        findings: ``list[Finding]`` from loading (rules ``input/*``), in input order.
        files: every file that was read (or tried), as given/joined, in order.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.findings: list[Finding] = []
        self.files: list[str] = []
        # file -> (unrecognized documents, line of the first one not reported on its own)
        self._unrecognized: dict[str, tuple[int, int]] = {}

    @property
    def bad_input(self) -> bool:
        """True when some input could not be read or parsed, or was refused as hostile."""
        return any(f.rule in BAD_INPUT_RULES for f in self.findings)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def load(
    paths: Iterable[str | Path],
    *,
    limits: Limits | None = None,
    stdin: TextIO | None = None,
) -> Documents:
    """Load every manifest document under ``paths``.

    Args:
        paths: files, directories and ``"-"`` (standard input). A directory is walked
            recursively for ``*.yaml``, ``*.yml`` and ``*.json`` (case-insensitive), in sorted
            order, skipping names that start with ``.`` (``.git``, ``.provisor.yaml``); a file
            named explicitly is read whatever its name. Symlinked files are followed, symlinked
            directories are not (no cycles).
        limits: input limits (default :data:`provisor.manifests.limits.DEFAULT_LIMITS`).
        stdin: the stream ``"-"`` reads (default ``sys.stdin``); its buffer is read as bytes when
            it has one.

    Returns:
        :class:`Documents`, a list of :class:`Document` in input order (files in the order
        given, directory entries sorted, documents in file order, List items expanded in
        place), with ``.findings`` and ``.bad_input``. Empty documents (``---`` alone, comments
        only) are skipped. Never raises for bad input.
    """
    lim = limits or DEFAULT_LIMITS
    out = Documents()
    # The loaded node trees and objects are many small, acyclic containers: with the cyclic
    # garbage collector running, its repeated full scans of the growing heap cost several
    # times the parse itself (measured 4.4 s against 0.8 s on 10,000 objects). Nothing here
    # creates reference cycles that must be collected promptly, so it is paused while loading.
    # Afterwards everything alive is moved to the collector's permanent generation
    # (``gc.freeze()``): otherwise every later collection (while compiling schemas, running
    # checks) rescans the loaded objects, which cost 1.3 s more on the same 10,000 objects.
    # Frozen objects are still freed by reference counting when dropped.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _load_paths(paths, lim, stdin, out)
        _mark_kustomize_patches(out)
    finally:
        gc.freeze()
        if gc_was_enabled:
            gc.enable()
    return out


def _mark_kustomize_patches(docs: Documents) -> None:
    """Mark documents that a loaded ``kustomization.yaml`` (kind ``Kustomization`` or
    ``Component``) uses as patches
    (``patches[].path``, ``patchesStrategicMerge[]``): they are partial objects, so schema
    validation does not require their missing fields. ``meta["kustomize_patch"]`` is set to the
    kustomization file. Only files among the loaded inputs are marked (paths are resolved
    relative to the kustomization's directory)."""
    patch_files: dict[str, str] = {}
    for d in docs:
        if d.type != "kubernetes" or d.kind not in ("Kustomization", "Component") or d.file == "-":
            continue
        if not d.api_version.startswith("kustomize.config.k8s.io/"):
            continue
        base = os.path.dirname(d.file)
        refs: list[Any] = []
        # A field of the wrong type (``patches: foo``) is the schema's finding
        # (schema.kustomization_errors); here it simply names no patch file.
        patches = d.obj.get("patches")
        for p in patches if isinstance(patches, list) else ():
            if isinstance(p, dict) and isinstance(p.get("path"), str):
                refs.append(p["path"])
        psm = d.obj.get("patchesStrategicMerge")
        for p in psm if isinstance(psm, list) else ():
            if isinstance(p, str) and "\n" not in p:
                refs.append(p)
        for r in refs:
            patch_files[os.path.normpath(os.path.join(base, r))] = d.file
    if not patch_files:
        return
    for d in docs:
        k = patch_files.get(os.path.normpath(d.file))
        if k is not None:
            d.meta["kustomize_patch"] = k


def _load_paths(paths: Iterable[str | Path], lim: Limits, stdin: TextIO | None,
                out: Documents) -> None:
    for p in paths:
        given = os.fspath(p)
        if given == "-":
            out.files.append("-")
            _load_stdin(stdin if stdin is not None else sys.stdin, lim, out)
            continue
        if os.path.isdir(given):
            files, errors = _walk(given)
            for f in files:
                out.files.append(f)
                _load_file(f, lim, out)
            out.findings.extend(errors)
            continue
        out.files.append(given)
        if not os.path.lexists(given):
            out.findings.append(_finding("input/not-found", given, 0, "no such file or directory"))
            continue
        _load_file(given, lim, out)


def _walk(top: str) -> tuple[list[str], list[Finding]]:
    """The manifest files under ``top`` (sorted by path components) and an
    ``input/unreadable`` finding for every folder that could not be listed (never skipped
    without a word). Files that are not regular (FIFOs, sockets, devices) are listed too: the
    reader refuses them without blocking."""
    found: list[tuple[tuple[str, ...], str]] = []
    errors: list[Finding] = []

    def onerror(e: OSError) -> None:
        where = e.filename if isinstance(e.filename, str) else top
        errors.append(_finding("input/unreadable", where, 0,
                               f"cannot list this folder: {e.strerror or e}; its files were "
                               "not checked"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = os.path.relpath(dirpath, top)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(MANIFEST_SUFFIXES):
                continue
            found.append((parts + (name,), os.path.join(dirpath, name)))
    found.sort()
    errors.sort(key=lambda f: f.file)
    return [f for _, f in found], errors


def _finding(rule: str, file: str, line: int, message: str, severity: Severity = "error",
             obj: ObjectRef | None = None) -> Finding:
    return Finding(rule=rule, severity=severity, file=file, line=line,
                   object=obj or ObjectRef(), message=message)


# --------------------------------------------------------------------------------------------
# Reading and decoding bytes
# --------------------------------------------------------------------------------------------


def _load_file(path: str, lim: Limits, out: Documents) -> None:
    from provisor.safeyaml import InputError, read_file_bytes

    try:
        data = read_file_bytes(path, limits=lim)
    except InputError as e:
        out.findings.append(e.finding())
        return
    _load_bytes(data, path, lim, out)


def _load_stdin(stream: TextIO, lim: Limits, out: Documents) -> None:
    try:
        buf = getattr(stream, "buffer", None)
        if buf is not None:
            data = buf.read(lim.max_file_bytes + 1)
        else:
            text = stream.read(lim.max_file_bytes + 1)
            data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    except (OSError, ValueError) as e:
        out.findings.append(_finding("input/unreadable", "-", 0, f"cannot read standard input: {e}"))
        return
    if len(data) > lim.max_file_bytes:
        out.findings.append(_too_large_file("-", len(data), lim))
        return
    _load_bytes(data, "-", lim, out)


def _too_large_file(path: str, size: int, lim: Limits) -> Finding:
    more = "more than " if size > lim.max_file_bytes and path == "-" else ""
    return _finding(
        "input/too-large", path, 0,
        f"file is {more}{size:,} bytes, above the limit of {lim.max_file_bytes:,} bytes "
        f"(Limits.max_file_bytes); refused",
    )


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, path: str, lim: Limits) -> str | Finding:
    """Bytes -> text. UTF-8 (an optional BOM is dropped); UTF-16/32 only with a BOM (YAML allows
    them). NUL or invalid UTF-8 within the probe -> ``input/binary``; invalid UTF-8 later ->
    ``input/parse-error`` at its line."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as e:
                return _finding("input/parse-error", path, 0, f"invalid {enc.upper()} text: {e.reason}")
    probe = data[: lim.binary_probe]
    nul = probe.find(b"\x00")
    if nul >= 0:
        return _finding(
            "input/binary", path, probe.count(b"\n", 0, nul) + 1,
            f"binary file (NUL byte at offset {nul}); not a YAML or JSON manifest",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        if e.start < lim.binary_probe:
            return _finding(
                "input/binary", path, line,
                f"binary file (byte 0x{data[e.start]:02x} at offset {e.start} is not UTF-8); "
                "not a YAML or JSON manifest",
            )
        return _finding(
            "input/parse-error", path, line,
            f"invalid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _load_bytes(data: bytes, path: str, lim: Limits, out: Documents) -> None:
    text = _decode(data, path, lim)
    if isinstance(text, Finding):
        out.findings.append(text)
        return
    out._unrecognized.pop(path, None)  # counted per reading of a file
    stripped = text.lstrip(" \t\r\n")
    is_json_name = path.lower().endswith(".json")
    first = len(out.findings)
    if not ((is_json_name or stripped[:1] in ("{", "[")) and
            _load_json(text, path, lim, out, final=is_json_name)):
        _load_yaml(text, path, lim, out)
    _unrecognized_rest(path, out)
    if "{{" in text:
        _template_hint(out, first)


#: Appended to a parse error of a file that holds ``{{ ... }}``: an unrendered Helm chart
#: template (or another Go template) rather than a manifest.
TEMPLATE_HINT = ("; the file holds unrendered template syntax ({{ }}): render it first "
                 "(helm template CHART | provisor check -) and check the output")


def _template_hint(out: Documents, first: int) -> None:
    for i in range(first, len(out.findings)):
        f = out.findings[i]
        if f.rule == "input/parse-error":
            out.findings[i] = Finding(rule=f.rule, severity=f.severity, file=f.file,
                                      line=f.line, object=f.object,
                                      message=f.message + TEMPLATE_HINT, fix=f.fix)
            return


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

_JSON_WS = re.compile(r"[ \t\n\r]*")
# The pattern matches the empty string, so its ``match`` never returns None.
_json_ws_match = cast(Callable[[str, int], "re.Match[str]"], _JSON_WS.match)


def _load_json(text: str, path: str, lim: Limits, out: Documents, *, final: bool) -> bool:
    """Decode a JSON file (one value, or several concatenated as a JSON stream). Returns False
    when the text is not JSON and ``final`` is false (the caller then tries YAML)."""
    decoder = json.JSONDecoder()
    values: list[tuple[Any, int]] = []
    ws = _json_ws_match
    i = ws(text, 0).end()
    try:
        while i < len(text):
            obj, end = decoder.raw_decode(text, i)
            values.append((obj, i))
            i = ws(text, end).end()
    except json.JSONDecodeError as e:
        if not final:
            return False
        out.findings.append(_finding(
            "input/parse-error", path, e.lineno,
            f"invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})",
        ))
        if not values:
            return True
    except RecursionError:
        if not final:
            return False
        out.findings.append(_finding(
            "input/too-deep", path, 0,
            "JSON nested deeper than the decoder allows; refused (Limits.max_depth)",
        ))
        return True
    source = JsonSource(text)
    line_of_offset = None
    for index, (obj, start) in enumerate(values):
        if line_of_offset is None:
            from provisor.manifests.jsonpos import LineIndex

            line_of_offset = LineIndex(text).line
        line = line_of_offset(start)
        problem = _measure(obj, lim)
        if problem is not None:
            rule, msg = problem
            out.findings.append(_finding(rule, path, line, f"document {index + 1}: {msg}"))
            continue
        doc = Document(obj, path, line, index, "unrecognized", json_source=source, json_start=start)
        _emit(doc, out)
    return True


def _measure(obj: Any, lim: Limits) -> tuple[str, str] | None:
    """Depth and node count of a decoded JSON value against the limits."""
    max_depth, max_nodes = lim.max_depth, lim.max_nodes
    count = 0

    def walk(x: Any, depth: int) -> None:
        nonlocal count
        if depth > max_depth:
            raise _TooDeep(None)
        values = x.values() if type(x) is dict else x
        if type(x) is dict:
            count += len(x)  # the keys
        for v in values:
            if type(v) is dict or type(v) is list:
                walk(v, depth + 1)
            else:
                count += 1
        count += 1
        if count > max_nodes:
            raise _TooMany(None)

    if type(obj) is not dict and type(obj) is not list:
        return None
    try:
        walk(obj, 1)
    except _TooDeep:
        return "input/too-deep", f"nested deeper than {max_depth} levels (Limits.max_depth); refused"
    except _TooMany:
        return "input/too-large", f"more than {max_nodes:,} nodes (Limits.max_nodes); refused"
    except RecursionError:
        return "input/too-deep", "nested too deeply; refused"
    return None


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------

_yaml: Any = None


def _yaml_module() -> Any:
    global _yaml
    if _yaml is None:
        import yaml

        _yaml = yaml
    return _yaml


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BINARY = "tag:yaml.org,2002:binary"

# go-yaml v2 resolve.go: the first character decides which resolutions are tried.
_HINT: dict[str, str] = {c: "D" for c in "0123456789"}
_HINT.update({"+": "S", "-": "S", ".": "."})
_HINT.update({c: "M" for c in "yYnNtTfFoO~"})

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {}
for _vals, _tag, _v in (
    (("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), _BOOL, True),
    (("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), _BOOL, False),
    (("", "~", "null", "Null", "NULL"), _NULL, None),
    ((".nan", ".NaN", ".NAN"), _FLOAT, float("nan")),
    ((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), _FLOAT, float("inf")),
    (("-.inf", "-.Inf", "-.INF"), _FLOAT, float("-inf")),
):
    for _s in _vals:
        _RESOLVE_MAP[_s] = (_tag, _v)

_GO_INT = re.compile(
    r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z"
)
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _go_int(plain: str) -> int | None:
    """Go ``strconv.ParseInt(plain, 0, 64)``, then ``ParseUint(plain, 0, 64)``; None when
    neither accepts ``plain`` (underscores already removed)."""
    if not _GO_INT.match(plain):
        return None
    sign = 1
    body = plain
    if body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    low = body[:2].lower()
    if low == "0x":
        v = int(body[2:], 16)
    elif low == "0o":
        v = int(body[2:], 8)
    elif low == "0b":
        v = int(body[2:], 2)
    elif len(body) > 1 and body[0] == "0":
        v = int(body[1:], 8)
    else:
        v = int(body)
    v *= sign
    if _INT64_MIN <= v <= _INT64_MAX:
        return v
    if plain[0] not in "+-" and 0 <= v <= _UINT64_MAX:  # ParseUint takes no sign
        return v
    return None


def _resolve_plain(value: str) -> str:
    """Tag of a plain scalar under go-yaml v2's resolution (see the module docstring)."""
    if not value:
        return _NULL
    hint = _HINT.get(value[0])
    if hint is None:
        return _STR
    hit = _RESOLVE_MAP.get(value)
    if hit is not None:
        return hit[0]
    if hint == "M":
        return _STR
    if hint == ".":
        return _FLOAT if _DOT_FLOAT.match(value) else _STR
    plain = value.replace("_", "") if "_" in value else value
    if _go_int(plain) is not None:
        return _INT
    if _YAML_STYLE_FLOAT.match(plain) and not math.isinf(float(plain)):
        # Go's ParseFloat fails with ErrRange beyond float64 (``1e400``); go-yaml v2 then
        # falls through to a string (resolve.go), so such a scalar stays text.
        return _FLOAT
    return _STR


def _construct_scalar(node: Any) -> Any:
    """Value of a non-``str``-tagged scalar node (plain scalars were resolved by
    :func:`_resolve_plain`; explicit core tags are honoured, unknown tags give the text)."""
    tag = node.tag
    value = node.value
    if tag == _NULL:
        return None
    hit = _RESOLVE_MAP.get(value)
    if tag == _BOOL:
        if hit is not None and hit[0] == _BOOL:
            return hit[1]
        return value
    if tag == _INT:
        plain = value.replace("_", "")
        v = _go_int(plain)
        if v is not None:
            return v
        if _YAML_STYLE_FLOAT.match(plain):
            return float(plain)
        return value
    if tag == _FLOAT:
        if hit is not None and hit[0] == _FLOAT:
            return hit[1]
        plain = value.replace("_", "")
        try:
            return float(plain)
        except ValueError:
            return value
    if tag == _BINARY:
        import base64
        import binascii

        try:
            raw = base64.b64decode("".join(value.split()), validate=True)
            return raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return value
    return value  # str, timestamp (kept as text), value ("="), unknown tags


def node_line(node: Any) -> int:
    """1-based line where a composed YAML node starts (its mark, or the int the constructor
    left in its place)."""
    mark = node.start_mark
    return mark if mark.__class__ is int else mark.line + 1


class _LoadError(Exception):
    def __init__(self, node: Any, message: str = "") -> None:
        super().__init__(message)
        self.node = node
        self.message = message


class _TooDeep(_LoadError):
    pass


class _TooMany(_LoadError):
    pass


class _Recursive(_LoadError):
    pass


def _key_text(k: Any) -> str:
    """A JSON object key for a constructed YAML key (sigs.k8s.io/yaml prints non-string keys)."""
    if isinstance(k, str):
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, float):
        return repr(k) if not k.is_integer() else str(int(k))
    return str(k)


def _make_loader_class() -> Any:
    yaml = _yaml_module()
    from yaml import CSafeLoader

    scalar_node = yaml.ScalarNode
    mapping_node = yaml.MappingNode
    hints = _HINT

    class _Loader(CSafeLoader):
        """libyaml's composer with go-yaml v2 scalar resolution."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: D102
            if kind is scalar_node:
                if implicit[0] and value and value[0] in hints:
                    return _resolve_plain(value)
                if implicit[0] and value == "<<":
                    return _MERGE
                if implicit[0] and not value:
                    return _NULL
                return _STR
            if kind is mapping_node:
                return _MAP
            return _SEQ

    return _Loader


_LOADER: Any = None


def _build(root: Any, lim: Limits, aliases_possible: bool, dups: list[tuple[Any, str]],
           strings: dict[str, str] | None = None) -> tuple[Any, Any]:
    """Construct the Python value of a composed YAML document and its position tree
    (:mod:`provisor.manifests.positions`, line offsets from the root's line), enforcing the
    node and depth limits. Returns ``(value, positions)``; the node tree is not referenced
    afterwards, so it is freed as soon as the caller drops it.

    With ``aliases_possible`` every collection is memoised by identity, so an alias costs the
    size of its target without being walked again, and a recursive alias is detected.
    Duplicate keys are appended to ``dups`` as ``(key node, key)``. ``strings`` (shared by the
    documents of one stream) makes equal mapping keys and short scalar strings one object:
    objects of one kind repeat the same keys and values thousands of times."""
    yaml = _yaml_module()
    scalar_node = yaml.ScalarNode
    mapping_node = yaml.MappingNode
    max_depth = lim.max_depth
    max_nodes = lim.max_nodes
    str_tag = _STR
    merge_tag = _MERGE
    max_chars = lim.max_expanded_chars
    count = 0
    chars = 0
    memo: dict[int, tuple[Any, int, int, int, Any]] | None = {} if aliases_possible else None
    active: set[int] = set()
    deepest = 0
    share = (strings if strings is not None else {}).setdefault
    base = root.start_mark.line  # offsets from the root's line (marks are 0-based)
    pos: Any = 0  # the position tree of the node built last

    def merged_pairs(node: Any) -> list[tuple[Any, Any]]:
        # PyYAML flatten_mapping / go-yaml merge: pairs from << sources first, explicit keys after.
        merge: list[tuple[Any, Any]] = []
        rest: list[tuple[Any, Any]] = []
        for k, v in node.value:
            if k.tag == merge_tag:
                if v.__class__ is mapping_node:
                    merge.extend(merged_pairs(v))
                elif v.__class__ is yaml.SequenceNode:
                    sub: list[list[tuple[Any, Any]]] = []
                    for s in v.value:
                        if s.__class__ is not mapping_node:
                            raise _LoadError(s, "a merge key (<<) must refer to mappings")
                        sub.append(merged_pairs(s))
                    for pairs in reversed(sub):
                        merge.extend(pairs)
                else:
                    raise _LoadError(v, "a merge key (<<) must refer to a mapping")
            else:
                rest.append((k, v))
        return merge + rest

    def build(node: Any, depth: int) -> Any:
        nonlocal count, deepest, chars, pos
        cls = node.__class__
        if cls is scalar_node:
            count += 1
            pos = node.start_mark.line - base
            value = node.value
            if memo is not None:
                # An alias to a scalar shares the string: count its text once per use, so a
                # few aliases to a megabyte string cannot expand to terabytes of JSON.
                chars += len(value)
                if chars > max_chars:
                    raise _TooMany(node, "chars")
            if node.tag == str_tag:
                return share(value, value) if len(value) <= 64 else value
            return _construct_scalar(node)
        if depth > max_depth:
            raise _TooDeep(node)
        if memo is not None:
            key = id(node)
            hit = memo.get(key)
            if hit is not None:
                obj, size, height, text, pos = hit
                count += size
                chars += text
                if chars > max_chars:
                    raise _TooMany(node, "chars")
                if depth + height > max_depth:
                    raise _TooDeep(node)
                if depth + height > deepest:
                    deepest = depth + height
                if count > max_nodes:
                    raise _TooMany(node)
                return obj
            if key in active:
                raise _Recursive(node)
            active.add(key)
            before, before_chars, outer_deepest = count, chars, deepest
            deepest = depth
        line = node.start_mark.line - base
        if cls is mapping_node:
            pairs = node.value
            has_merge = False
            for k, _ in pairs:
                if k.tag == merge_tag:
                    has_merge = True
                    break
            if has_merge:
                pairs = merged_pairs(node)
            d: dict[str, Any] = {}
            members: list[Any] = [line]
            for k, v in pairs:
                if k.__class__ is scalar_node:
                    count += 1
                    if memo is not None:
                        chars += len(k.value)
                    kt = share(k.value, k.value) if k.tag == str_tag else \
                        _key_text(_construct_scalar(k))
                else:
                    raise _LoadError(k, "a mapping key must be a scalar (JSON has only string keys)")
                d[kt] = build(v, depth + 1)
                members.append(kt)
                members.append(k.start_mark.line - base)
                members.append(pos if pos.__class__ is not int else None)
            if len(d) != len(pairs):
                if not has_merge:
                    seen: set[str] = set()
                    for k, _ in pairs:
                        kt = k.value if k.tag == str_tag else _key_text(_construct_scalar(k))
                        if kt in seen:
                            dups.append((k, kt))
                        seen.add(kt)
                # The last occurrence of a key gave its value; the dict keeps the first's place.
                last = {members[i]: i for i in range(1, len(members), 3)}
                kept: list[Any] = [line]
                for kt in d:
                    i = last[kt]
                    kept += members[i:i + 3]
                members = kept
            result: Any = d
            pos = tuple(members)
        else:
            items: list[Any] = [line]
            result = []
            for n in node.value:
                result.append(build(n, depth + 1))
                items.append(pos)
            pos = items
        count += 1
        if count > max_nodes:
            raise _TooMany(node)
        if memo is not None:
            memo[key] = (result, count - before, deepest - depth, chars - before_chars, pos)
            active.discard(key)
            deepest = max(outer_deepest, deepest)
        return result

    try:
        obj = build(root, 1)
    finally:
        # ``build`` and ``merged_pairs`` refer to themselves through their closure cells: a
        # reference cycle holding ``memo`` (a tuple per collection). ``load`` pauses the cyclic
        # collector and then freezes what is alive, so such garbage would never be freed
        # (measured: 4 KB per object, half of the loaded memory). Clearing the cells breaks
        # the cycle and reference counting frees it at once.
        build = merged_pairs = None  # type: ignore[assignment]
    return obj, pos


def _mark_line(err: Any) -> int:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    return mark.line + 1 if mark is not None else 0


def _yaml_message(err: Any) -> str:
    parts = []
    ctx = getattr(err, "context", None)
    prob = getattr(err, "problem", None)
    if ctx:
        parts.append(str(ctx))
    if prob:
        parts.append(str(prob))
    msg = " ".join(parts) if parts else str(err).splitlines()[0]
    mark = getattr(err, "problem_mark", None)
    if mark is not None:
        msg += f" (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(msg.split())


class RawYamlDocument:
    """One YAML document as :func:`iter_yaml` yields it: ``obj`` (the decoded value, ``None``
    for an empty document), ``node`` (the composed libyaml node tree, or ``None`` unless
    asked for), ``positions`` (its position tree, :mod:`provisor.manifests.positions`, line
    offsets from ``line``), ``line`` (1-based start line) and ``index`` (0-based position in
    the stream)."""

    __slots__ = ("obj", "node", "positions", "line", "index")

    def __init__(self, obj: Any, node: Any, line: int, index: int,
                 positions: Any = None) -> None:
        self.obj = obj
        self.node = node
        self.positions = positions
        self.line = line
        self.index = index


def _reader_error_line(err: Any, text: str) -> int:
    """1-based line of a libyaml reader error (a control character, invalid text): its
    ``position`` is an offset into the UTF-8 encoding of the text."""
    pos = getattr(err, "position", None)
    if not isinstance(pos, int) or pos < 0:
        return 0
    return text.encode("utf-8", "surrogatepass")[:pos].count(b"\n") + 1


def iter_yaml(text: str, path: str, lim: Limits, *, keep_nodes: bool = False
              ) -> Iterator["RawYamlDocument | Finding"]:
    """Compose and construct the YAML stream ``text`` document by document with every input
    limit enforced; yields a :class:`RawYamlDocument` per document (empty ones included, with
    ``obj=None``) and a :class:`~provisor.findings.Finding` (rules ``input/*``) per problem.
    A syntax error ends the stream (nothing after it can be trusted); a document over a limit
    is skipped and the next one is read. Never raises for bad input.

    Each document carries its position tree; its libyaml node tree only with ``keep_nodes``
    (node trees cost several times the decoded value)."""
    strings: dict[str, str] = {}
    global _LOADER
    yaml = _yaml_module()
    if _LOADER is None:
        _LOADER = _make_loader_class()
    aliases_possible = "*" in text
    try:
        loader = _LOADER(text)
    except yaml.YAMLError as e:  # the reader checks the first buffer on construction
        yield _finding("input/parse-error", path, _reader_error_line(e, text),
                       f"invalid YAML: {_yaml_message(e)}")
        return
    index = 0
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.reader.ReaderError as e:
                line = _reader_error_line(e, text)
                msg = _yaml_message(e)
                yield _finding("input/parse-error", path, line, f"invalid YAML: {msg}")
                return
            except yaml.YAMLError as e:
                msg = _yaml_message(e)
                rule = "input/too-deep" if "maximum nesting depth" in msg else "input/parse-error"
                if rule == "input/too-deep":
                    msg = f"nested deeper than libyaml's limit of 1000 levels; refused ({msg})"
                else:
                    msg = f"invalid YAML: {msg}"
                yield _finding(rule, path, _mark_line(e), msg)
                return
            except RecursionError:
                yield _finding("input/too-deep", path, 0,
                               f"document {index + 1} is nested too deeply to parse; refused")
                return
            if node is None:
                yield RawYamlDocument(None, None, 0, index)
                index += 1
                continue
            line = node_line(node)
            dups: list[tuple[Any, str]] = []
            try:
                obj, positions = _build(node, lim, aliases_possible, dups, strings)
            except _TooDeep as e:
                yield _finding(
                    "input/too-deep", path, node_line(e.node),
                    f"document {index + 1} is nested deeper than {lim.max_depth} levels "
                    "(Limits.max_depth); refused",
                )
                index += 1
                continue
            except _TooMany as e:
                if e.message == "chars":
                    yield _finding(
                        "input/alias-bomb", path, node_line(e.node),
                        f"document {index + 1} expands through YAML aliases to more than "
                        f"{lim.max_expanded_chars:,} characters of text "
                        "(Limits.max_expanded_chars): an alias bomb; refused",
                    )
                elif aliases_possible and _has_alias_growth(node):
                    yield _finding(
                        "input/alias-bomb", path, node_line(e.node),
                        f"document {index + 1} expands through YAML aliases to more than "
                        f"{lim.max_nodes:,} nodes (Limits.max_nodes): an alias bomb; refused",
                    )
                else:
                    yield _finding(
                        "input/too-large", path, line,
                        f"document {index + 1} has more than {lim.max_nodes:,} nodes "
                        "(Limits.max_nodes); refused",
                    )
                index += 1
                continue
            except _Recursive as e:
                yield _finding(
                    "input/parse-error", path, node_line(e.node),
                    f"document {index + 1}: an alias refers to a node that contains it "
                    "(recursive YAML); refused",
                )
                index += 1
                continue
            except _LoadError as e:
                yield _finding(
                    "input/parse-error", path, node_line(e.node),
                    f"document {index + 1}: {e.message}",
                )
                index += 1
                continue
            except RecursionError:
                yield _finding(
                    "input/too-deep", path, line,
                    f"document {index + 1} is nested too deeply to load; refused",
                )
                index += 1
                continue
            for knode, key in dups:
                yield _finding(
                    "input/duplicate-key", path, node_line(knode),
                    f"key {key!r} is given more than once in the same mapping; the last one wins "
                    "here, and kubectl's strict field validation rejects the object",
                )
            yield RawYamlDocument(obj, node if keep_nodes else None, line, index, positions)
            index += 1
    finally:
        loader.dispose()


def _load_yaml(text: str, path: str, lim: Limits, out: Documents) -> None:
    for item in iter_yaml(text, path, lim):
        if isinstance(item, Finding):
            out.findings.append(item)
        elif item.obj is not None:  # None: an empty document ("---" alone, or only comments)
            _emit(Document(item.obj, path, item.line, item.index, "unrecognized",
                           positions=item.positions), out)


def _has_alias_growth(root: Any) -> bool:
    """True when some collection node is reachable twice (an alias), i.e. the expanded tree is
    larger than the composed graph."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        v = n.value
        if isinstance(v, str):
            continue
        if id(n) in seen:
            return True
        seen.add(id(n))
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            for k, val in v:
                stack.append(k)
                stack.append(val)
        else:
            stack.extend(v)
    return False


# --------------------------------------------------------------------------------------------
# Classification and List expansion
# --------------------------------------------------------------------------------------------


def _looks_like_dashboard(d: dict[str, Any]) -> bool:
    """A Grafana dashboard JSON model: ``panels`` (or the pre-5.0 ``rows``) as a list, with a
    ``title``, ``uid`` or ``schemaVersion``."""
    return (isinstance(d.get("panels"), list) or isinstance(d.get("rows"), list)) and (
        "title" in d or "schemaVersion" in d or "uid" in d
    )


def classify(obj: Any) -> tuple[DocType, dict[str, Any]]:
    """What a decoded document is.

    * ``kubernetes``: a mapping with a ``kind``, or with ``apiVersion`` and ``metadata`` (an
      object missing its kind is still judged as a Kubernetes object, and schema validation
      reports the missing field; a Helm ``Chart.yaml`` has ``apiVersion`` but neither, and is
      not one);
    * ``prometheus-rules``: a mapping whose ``groups`` is a list (a Prometheus rule file);
    * ``grafana-dashboard``: a dashboard JSON model (``meta["wrapped"] = False``) or the HTTP
      API wrapper ``{"dashboard": {...}}`` (``meta["wrapped"] = True``);
    * ``unrecognized``: anything else.
    """
    if not isinstance(obj, dict):
        return "unrecognized", {}
    if "kind" in obj or ("apiVersion" in obj and "metadata" in obj):
        return "kubernetes", {}
    if isinstance(obj.get("groups"), list):
        return "prometheus-rules", {}
    inner = obj.get("dashboard")
    if isinstance(inner, dict) and _looks_like_dashboard(inner):
        return "grafana-dashboard", {"wrapped": True}
    if _looks_like_dashboard(obj):
        return "grafana-dashboard", {"wrapped": False}
    return "unrecognized", {}


def _is_list(obj: dict[str, Any]) -> bool:
    kind = obj.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list)


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        keys = list(obj)
        shown = ", ".join(str(k) for k in keys[:5]) + (", ..." if len(keys) > 5 else "")
        return f"a mapping with keys {shown}" if keys else "an empty mapping"
    if isinstance(obj, list):
        return f"a list of {len(obj)} items"
    return f"a {type(obj).__name__} value"


def _emit(doc: Document, out: Documents) -> None:
    """Classify ``doc``; expand Lists into their items; record unrecognized documents."""
    obj = doc.obj
    dtype, meta = classify(obj)
    if dtype == "kubernetes" and _is_list(obj):
        _expand_list(doc, out)
        return
    doc.type = dtype
    if meta:
        doc.meta.update(meta)
    out.append(doc)
    if dtype == "unrecognized":
        n, first_unlisted = out._unrecognized.get(doc.file, (0, 0))
        n += 1
        if n > UNRECOGNIZED_LISTED:
            out._unrecognized[doc.file] = (n, first_unlisted or doc.line)
            return
        out._unrecognized[doc.file] = (n, 0)
        where = f"item {doc.item} of document {doc.index + 1}" if doc.item is not None else \
            f"document {doc.index + 1}"
        out.findings.append(_finding(
            "input/unrecognized", doc.file, doc.line,
            f"{where} is not a Kubernetes object, a Prometheus rule file or a Grafana dashboard "
            f"({_describe(obj)}); not checked",
            severity="info",
        ))


#: Unrecognized documents of one file that get a finding each; the others are counted in one
#: finding (a file of 200,000 tiny documents otherwise gave 200,000 identical findings).
UNRECOGNIZED_LISTED = 20


def _unrecognized_rest(path: str, out: Documents) -> None:
    """One ``input/unrecognized`` finding for the unrecognized documents of ``path`` beyond
    the first :data:`UNRECOGNIZED_LISTED` (they are kept and counted all the same)."""
    n, first = out._unrecognized.get(path, (0, 0))
    if n <= UNRECOGNIZED_LISTED:
        return
    more = n - UNRECOGNIZED_LISTED
    out.findings.append(_finding(
        "input/unrecognized", path, first,
        f"{more:,} more documents of this file (from this line on; {n:,} in all) are not "
        "Kubernetes objects, Prometheus rule files or Grafana dashboards; not checked",
        severity="info",
    ))


def _expand_list(doc: Document, out: Documents) -> None:
    obj = doc.obj
    list_kind: str = obj["kind"]
    items: list[Any] = obj["items"]
    item_kind = list_kind[: -len("List")]
    api_version = obj.get("apiVersion")
    items_pos = None
    if doc._pos is not None:
        items_pos = _member_positions(doc._pos, "items")
        if items_pos.__class__ is not list or len(items_pos) != len(items) + 1:
            items_pos = None
    for i, item in enumerate(items):
        meta: dict[str, Any] = {"list_kind": list_kind}
        if isinstance(item, dict) and item_kind and list_kind != "List":
            inferred = []
            if "kind" not in item:
                item["kind"] = item_kind
                inferred.append("kind")
            if "apiVersion" not in item and isinstance(api_version, str):
                item["apiVersion"] = api_version
                inferred.append("apiVersion")
            if inferred:
                meta["inferred"] = inferred
        if items_pos is not None:
            pos = items_pos[1 + i]
            child = Document(item, doc.file, doc._base + tree_line(pos), doc.index,
                             "unrecognized", item=i, meta=meta,
                             positions=pos if pos.__class__ is not int else None,
                             base=doc._base)
        elif doc._json is not None:
            from provisor.manifests.jsonpos import line_in_tree

            prefix = doc._prefix + ("items", i)
            line = line_in_tree(doc._json.tree(doc._start), prefix, doc.line)
            child = Document(item, doc.file, line, doc.index, "unrecognized", item=i, meta=meta,
                             json_source=doc._json, json_start=doc._start, prefix=prefix)
        else:
            child = Document(item, doc.file, doc.line, doc.index, "unrecognized", item=i, meta=meta)
        _emit(child, out)


def _member_positions(tree: Any, key: str) -> Any:
    """The position tree of member ``key`` of a mapping's position tree, or None."""
    if tree.__class__ is not tuple:
        return None
    for i in range(1, len(tree), 3):
        if tree[i] == key:
            return tree[i + 2]
    return None
