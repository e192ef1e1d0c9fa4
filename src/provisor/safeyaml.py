"""The one hardened reader for every YAML and JSON file provisor reads.

Manifests (``provisor.manifests.load``), policies (``provisor.policy``) and every later file
reader (series, workloads, scenarios, sweep files) read files through this module, so hostile
input gets the same treatment everywhere:

* only regular files are read: a FIFO, socket or device named ``*.yaml`` is refused without
  being opened for a blocking read (it is opened with ``O_NONBLOCK`` and checked with
  ``fstat``), so a named pipe can never hang a command;
* size limit (``Limits.max_file_bytes``, 10 MiB) checked before reading, and reads are capped;
* binary detection (NUL bytes or invalid UTF-8 in the first ``Limits.binary_probe`` bytes);
* UTF-8 (optional BOM), UTF-16/32 with a BOM; invalid UTF-8 later is an error at its line;
* YAML composed by libyaml with alias-expansion limits (node count and expanded text), a
  nesting-depth limit, recursive-alias detection, and control characters reported with their
  line;
* plain scalars typed as Kubernetes reads them (go-yaml v2 ``resolve.go``, see
  :mod:`provisor.manifests.loader`): ``1e3`` is a number, ``1e400`` (beyond float64) is text,
  so no reader ever raises ``OverflowError``; timestamps stay text.

Public API::

    read_file_bytes(path, *, limits=None) -> bytes
    read_text_file(path, *, limits=None) -> str
    decode_text(data, *, source, limits=None) -> str
    load_yaml_documents(text_or_path, *, source=None, limits=None,
                        allow_duplicate_keys=False) -> list[YamlDocument]
    load_yaml_document(text_or_path, *, source=None, limits=None) -> YamlDocument | None
    InputError(ValueError): .rule, .file, .line, .message; str() is "file:line: message"

Every function raises :class:`InputError` (never ``yaml.YAMLError``, ``RecursionError``,
``OverflowError``, ``UnicodeDecodeError`` or a bare ``OSError``) for input it refuses; its
``rule`` is one of the loader's ``input/*`` rules (``input/not-found``, ``input/unreadable``,
``input/too-large``, ``input/binary``, ``input/parse-error``, ``input/alias-bomb``,
``input/too-deep``, ``input/duplicate-key``), so a caller can print one line per bad file
(``str(err)``) or turn it into a finding (:meth:`InputError.finding`).

The limits are :class:`provisor.manifests.limits.Limits` (defaults in
:data:`~provisor.manifests.limits.DEFAULT_LIMITS`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisor.manifests.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from provisor.findings import Finding

__all__ = [
    "InputError",
    "YamlDocument",
    "decode_text",
    "load_yaml_document",
    "load_yaml_documents",
    "read_file_bytes",
    "read_text_file",
]


class InputError(ValueError):
    """A file provisor refuses to read or cannot parse.

    Attributes:
        rule: the ``input/*`` rule id (see the module docstring).
        file: the path as given (``"-"`` for standard input, or the ``source`` name).
        line: 1-based line of the problem, 0 when there is none.
        message: one line saying what is wrong (no file name, no line).
    """

    def __init__(self, rule: str, file: str, line: int, message: str) -> None:
        self.rule = rule
        self.file = file
        self.line = line
        self.message = message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")

    @classmethod
    def from_finding(cls, f: "Finding") -> "InputError":
        """The error for a loader finding."""
        return cls(f.rule, f.file, f.line, f.message)

    def finding(self) -> "Finding":
        """This error as an error :class:`~provisor.findings.Finding` (object left empty)."""
        from provisor.findings import Finding, ObjectRef

        return Finding(rule=self.rule, severity="error", file=self.file, line=self.line,
                       object=ObjectRef(), message=self.message)


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One document of a YAML (or JSON) stream.

    Attributes:
        value: the decoded value (``dict``/``list``/``str``/``int``/``float``/``bool``/
            ``None``, JSON-shaped: mapping keys are strings).
        line: 1-based line where the document starts.
        index: 0-based position of the document in the stream (empty documents count).
        node: the composed libyaml node tree (:func:`provisor.manifests.loader.node_line`
            gives a node's 1-based line).
        positions: the document's position tree (:mod:`provisor.manifests.positions`, line
            offsets from ``line``); :meth:`line_of` reads it.
    """

    value: Any
    line: int
    index: int
    node: Any
    positions: Any = None

    def line_of(self, path: tuple[str | int, ...]) -> int:
        """1-based line of the field at ``path`` (the key's line for a mapping member, the
        element's for a sequence item; the deepest existing ancestor's when the path does not
        exist; ``line`` for an empty path), as ``Document.line_of`` gives it."""
        from provisor.manifests.positions import line_at

        if self.positions is None:
            return self.line
        return line_at(self.positions, tuple(path), self.line, self.line)


_KIND_NAMES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, name in _KIND_NAMES:
        if test(mode):
            return name
    return "not a regular file"


def _size_error(file: str, size: int, lim: Limits, more: bool = False) -> InputError:
    return InputError(
        "input/too-large", file, 0,
        f"file is {'more than ' if more else ''}{size:,} bytes, above the limit of "
        f"{lim.max_file_bytes:,} bytes (Limits.max_file_bytes); refused",
    )


def read_file_bytes(path: str | os.PathLike[str], *, limits: Limits | None = None) -> bytes:
    """The bytes of a regular file, at most ``limits.max_file_bytes`` of them.

    The file is opened with ``O_NONBLOCK`` and checked with ``fstat`` before anything is read,
    so a FIFO, socket or device is refused at once instead of blocking.

    Raises:
        InputError: ``input/not-found`` (no such file), ``input/unreadable`` (a folder, FIFO,
            socket or device; permissions; an I/O error), ``input/too-large`` (above
            ``max_file_bytes``, by ``stat`` or by what was read).
    """
    lim = limits or DEFAULT_LIMITS
    file = os.fspath(path)
    try:
        st = os.stat(file)
    except FileNotFoundError:
        raise InputError("input/not-found", file, 0, "no such file or directory") from None
    except OSError as e:
        raise InputError("input/unreadable", file, 0, f"cannot read: {e.strerror or e}") from None
    what = _not_regular(st.st_mode)
    if what is not None:
        raise InputError("input/unreadable", file, 0,
                         f"{what}, not a regular file; refused (it is never read)")
    if st.st_size > lim.max_file_bytes:
        raise _size_error(file, st.st_size, lim)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file, flags)
    except OSError as e:
        raise InputError("input/unreadable", file, 0, f"cannot read: {e.strerror or e}") from None
    try:
        # The path may have been swapped for a FIFO between stat and open: check what was opened.
        what = _not_regular(os.fstat(fd).st_mode)
        if what is not None:
            raise InputError("input/unreadable", file, 0,
                             f"{what}, not a regular file; refused (it is never read)")
        chunks: list[bytes] = []
        left = lim.max_file_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as e:
        raise InputError("input/unreadable", file, 0, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > lim.max_file_bytes:
        raise _size_error(file, len(data), lim, more=True)
    return data


def decode_text(data: bytes, *, source: str, limits: Limits | None = None) -> str:
    """Bytes -> text: UTF-8 (an optional BOM dropped), or UTF-16/32 with a BOM.

    Raises:
        InputError: ``input/binary`` (NUL or invalid UTF-8 within ``limits.binary_probe``
            bytes), ``input/parse-error`` (invalid UTF-8 further in, with its line).
    """
    from provisor.findings import Finding
    from provisor.manifests.loader import _decode

    text = _decode(data, source, limits or DEFAULT_LIMITS)
    if isinstance(text, Finding):
        raise InputError.from_finding(text)
    return text


def read_text_file(path: str | os.PathLike[str], *, limits: Limits | None = None) -> str:
    """The text of a regular file: :func:`read_file_bytes` then :func:`decode_text`.

    Raises:
        InputError: as those two functions.
    """
    data = read_file_bytes(path, limits=limits)
    return decode_text(data, source=os.fspath(path), limits=limits)


def load_yaml_documents(text_or_path: str | bytes | os.PathLike[str], *,
                        source: str | None = None, limits: Limits | None = None,
                        allow_duplicate_keys: bool = False) -> list[YamlDocument]:
    """Every document of a YAML stream (JSON is YAML), hardened.

    Args:
        text_or_path: the text (``str``), raw bytes (decoded with :func:`decode_text`), or a
            path (``pathlib.Path`` or another ``os.PathLike``; a plain ``str`` is always text)
            read with :func:`read_text_file`.
        source: the name used in errors (default: the path, else ``"<string>"``).
        limits: input limits (default :data:`~provisor.manifests.limits.DEFAULT_LIMITS`).
        allow_duplicate_keys: when False (the default) a key given twice in one mapping is an
            ``input/duplicate-key`` error; when True the last one wins silently.

    Returns:
        The documents in stream order, empty ones included (``value=None``).

    Raises:
        InputError: the first problem found (see the module docstring for the rules).
    """
    lim = limits or DEFAULT_LIMITS
    if isinstance(text_or_path, os.PathLike):
        name = source or os.fspath(text_or_path)
        text = read_text_file(text_or_path, limits=lim)
    elif isinstance(text_or_path, bytes):
        name = source or "<string>"
        if len(text_or_path) > lim.max_file_bytes:
            raise _size_error(name, len(text_or_path), lim)
        text = decode_text(text_or_path, source=name, limits=lim)
    else:
        name = source or "<string>"
        size = len(text_or_path.encode("utf-8", "surrogatepass"))
        if size > lim.max_file_bytes:
            raise _size_error(name, size, lim)
        text = text_or_path
        if "\x00" in text:
            raise InputError("input/binary", name, text.count("\n", 0, text.index("\x00")) + 1,
                             "binary text (NUL character); not YAML or JSON")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InputError("input/parse-error", name, text.count("\n", 0, e.start) + 1,
                         "invalid text (a lone surrogate character)") from None
    from provisor.findings import Finding
    from provisor.manifests.loader import iter_yaml

    out: list[YamlDocument] = []
    for item in iter_yaml(text, name, lim, keep_nodes=True):
        if isinstance(item, Finding):
            if item.severity != "error":
                continue
            if item.rule == "input/duplicate-key" and allow_duplicate_keys:
                continue
            raise InputError.from_finding(item)
        out.append(YamlDocument(item.obj, item.line, item.index, item.node, item.positions))
    return out


def load_yaml_document(text_or_path: str | bytes | os.PathLike[str], *,
                       source: str | None = None, limits: Limits | None = None,
                       allow_duplicate_keys: bool = False) -> YamlDocument | None:
    """The single document of a one-document YAML file (None when the file is empty).

    Raises:
        InputError: as :func:`load_yaml_documents`, or ``input/parse-error`` when the stream
            holds more than one non-empty document.
    """
    docs = [d for d in load_yaml_documents(text_or_path, source=source, limits=limits,
                                           allow_duplicate_keys=allow_duplicate_keys)
            if d.value is not None]
    if not docs:
        return None
    if len(docs) > 1:
        name = source or (os.fspath(text_or_path) if isinstance(text_or_path, os.PathLike)
                          else "<string>")
        raise InputError("input/parse-error", name, docs[1].line,
                         f"expected one YAML document, found {len(docs)}")
    return docs[0]

