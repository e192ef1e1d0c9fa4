"""``Document``: one loaded manifest document with its source position.

A document is what the checker, the twin and the reports read: the decoded object (``obj``,
plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``, as JSON would give it), where
it came from (``file``, ``line``, ``index``), what it is (``type``) and a way back to the
source: :meth:`Document.line_of` gives the 1-based line of any field by its path.

Positions are kept cheaply, in one format for YAML and JSON: a *position tree*
(:mod:`provisor.manifests.positions`), a few pointers per node mirroring the decoded value.
A YAML document gets its tree while it is constructed (the libyaml node tree is dropped at
once); a JSON document keeps the file text and builds its tree on first use
(``provisor.manifests.jsonpos``), shared by every document of that file. :meth:`Document.line_of`
looks a path up in it.
"""

from __future__ import annotations

from typing import Any, Literal

from provisor.findings import ObjectRef
from provisor.manifests.positions import line_at

DocType = Literal["kubernetes", "prometheus-rules", "grafana-dashboard", "unrecognized"]

class JsonSource:
    """The text of one JSON file and, once built, the position tree of each JSON value in it
    (keyed by the value's start offset; shared by every ``Document`` that came from that value,
    e.g. the items of a ``kind: List``)."""

    __slots__ = ("text", "_trees")

    def __init__(self, text: str) -> None:
        self.text = text
        self._trees: dict[int, Any] = {}

    def tree(self, start: int = 0) -> Any:
        tree = self._trees.get(start)
        if tree is None:
            from provisor.manifests.jsonpos import build_position_tree

            tree = self._trees[start] = build_position_tree(self.text, start)
        return tree


class Document:
    """One manifest document (or one item of a ``kind: List`` / ``*List`` document).

    Attributes:
        obj: the decoded value, usually a ``dict``.
        file: the path as the user gave it (a file inside a given directory is
            ``os.path.join(dir, relative)``; ``"-"`` for stdin).
        line: 1-based line where the document starts (for a List item: where the item starts).
        index: 0-based index of the document in its file (a List item carries its List's index).
        item: index of the item in its List's ``items``, or ``None`` when not a List item.
        type: ``"kubernetes"``, ``"prometheus-rules"``, ``"grafana-dashboard"`` or
            ``"unrecognized"``.
        meta: extra facts about the document; for a dashboard ``{"wrapped": bool}`` (``True``
            for the HTTP API wrapper ``{"dashboard": {...}}``); for a List item
            ``{"list_kind": "ConfigMapList"}`` and, when the item lacked them,
            ``{"inferred": ["apiVersion", "kind"]}``.
    """

    __slots__ = (
        "obj", "file", "line", "index", "item", "type", "meta", "_pos", "_base", "_json",
        "_start", "_prefix", "_index",
    )

    def __init__(
        self,
        obj: Any,
        file: str,
        line: int,
        index: int,
        type: DocType,
        *,
        item: int | None = None,
        meta: dict[str, Any] | None = None,
        positions: Any = None,
        base: int | None = None,
        json_source: JsonSource | None = None,
        json_start: int = 0,
        prefix: tuple[str | int, ...] = (),
    ) -> None:
        self.obj = obj
        self.file = file
        self.line = line
        self.index = index
        self.item = item
        self.type: DocType = type
        self.meta: dict[str, Any] = meta if meta is not None else {}
        # The position tree of a YAML document (offsets from ``_base``, the line of the
        # document's root; a List item shares its List's tree and base).
        self._pos = positions
        self._base = line if base is None else base
        self._json = json_source
        self._start = json_start
        self._prefix = prefix
        # Key indexes of the large mappings of the position tree, built on first use.
        self._index: dict[int, dict[str, int]] | None = None

    # -- convenience -----------------------------------------------------------------------
    @property
    def wrapped(self) -> bool:
        """``True`` for a Grafana dashboard given as the HTTP API wrapper ``{"dashboard": ...}``."""
        return bool(self.meta.get("wrapped", False))

    @property
    def api_version(self) -> str:
        v = self.obj.get("apiVersion") if isinstance(self.obj, dict) else None
        return v if isinstance(v, str) else ""

    @property
    def kind(self) -> str:
        v = self.obj.get("kind") if isinstance(self.obj, dict) else None
        return v if isinstance(v, str) else ""

    @property
    def name(self) -> str:
        meta = self.obj.get("metadata") if isinstance(self.obj, dict) else None
        v = meta.get("name") if isinstance(meta, dict) else None
        return v if isinstance(v, str) else ""

    @property
    def namespace(self) -> str:
        meta = self.obj.get("metadata") if isinstance(self.obj, dict) else None
        v = meta.get("namespace") if isinstance(meta, dict) else None
        return v if isinstance(v, str) else ""

    @property
    def ref(self) -> ObjectRef:
        """The ``ObjectRef`` findings about this document carry."""
        return ObjectRef.of(self.obj)

    @property
    def location(self) -> str:
        """``file:line``, as findings print it."""
        return f"{self.file}:{self.line}"

    # -- positions -------------------------------------------------------------------------
    def line_of(self, path: tuple[str | int, ...] | list[str | int]) -> int:
        """1-based line of the field at ``path`` (e.g. ``("spec", "metrics", 1, "type")``).

        For a mapping member this is the line of its KEY; for a sequence element, the line
        where the element starts. When the path does not exist, the line of its deepest
        existing ancestor; for an empty path, or when no position is known (an object built in
        memory), the document's line. Never raises.
        """
        path = tuple(path)
        try:
            if self._pos is not None:
                if self._index is None:
                    self._index = {}
                return line_at(self._pos, path, self._base, self.line, self._index)
            if self._json is not None:
                if self._index is None:
                    self._index = {}
                tree = self._json.tree(self._start)
                return line_at(tree, self._prefix + path, 0, self.line, self._index)
        except (ValueError, RecursionError, TypeError):
            pass
        return self.line

    def __repr__(self) -> str:
        what = f"{self.kind} {self.name}".strip() if self.type == "kubernetes" else self.type
        return f"<Document {self.file}:{self.line} #{self.index} {what}>"
