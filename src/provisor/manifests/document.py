"""``Document``: one loaded manifest document with its source position.

A document is what the checker, the twin and the reports read: the decoded object (``obj``,
plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``, as JSON would give it), where
it came from (``file``, ``line``, ``index``), what it is (``type``) and a way back to the
source: :meth:`Document.line_of` gives the 1-based line of any field by its path.

Positions are kept cheaply: a YAML document keeps the node tree libyaml composed (each node's
start mark reduced to its 1-based line by the constructor), and :meth:`~Document.line_of` walks
it only when asked; a JSON document keeps the file
text and builds a position tree on first use (``provisor.manifests.jsonpos``), shared by every
document of that file. No per-document map of all lines is built up front.
"""

from __future__ import annotations

from typing import Any, Literal

from provisor.findings import ObjectRef

DocType = Literal["kubernetes", "prometheus-rules", "grafana-dashboard", "unrecognized"]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


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
        "obj", "file", "line", "index", "item", "type", "meta", "_node", "_json", "_start", "_prefix",
        "_index",
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
        node: Any = None,
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
        self._node = node
        self._json = json_source
        self._start = json_start
        self._prefix = prefix
        # Position index of the large mappings of ``_node``, built on first use (line_of).
        self._index: dict[int, dict[str, tuple[Any, Any]]] | None = None

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
            if self._node is not None:
                if self._index is None:
                    self._index = {}
                return _yaml_line(self._node, path, self.line, self._index)
            if self._json is not None:
                from provisor.manifests.jsonpos import line_in_tree

                tree = self._json.tree(self._start)
                return line_in_tree(tree, self._prefix + path, self.line)
        except (ValueError, RecursionError, TypeError):
            pass
        return self.line

    def __repr__(self) -> str:
        what = f"{self.kind} {self.name}".strip() if self.type == "kubernetes" else self.type
        return f"<Document {self.file}:{self.line} #{self.index} {what}>"


def _node_line(node: Any) -> int:
    mark = node.start_mark
    return mark if mark.__class__ is int else mark.line + 1


def _find_member(node: Any, key: str) -> tuple[Any, Any] | None:
    """The (key node, value node) of ``key`` in a YAML MappingNode: the last explicit
    occurrence wins (as when the mapping is constructed); keys brought in by merge keys
    (``<<: *anchor``) are searched only when no explicit key matches."""
    found = None
    merges = None
    for k, v in node.value:
        if k.tag == _MERGE_TAG:
            merges = (merges or []) + [v]
            continue
        if k.__class__.__name__ != "ScalarNode":
            continue
        if k.tag == _STR_TAG:
            if k.value == key:
                found = (k, v)
        else:  # a key such as 1, true or y: compare its JSON text, as the object has it
            from provisor.manifests.loader import _construct_scalar, _key_text

            if _key_text(_construct_scalar(k)) == key:
                found = (k, v)
    if found is None and merges:
        # Same precedence as construction: a later ``<<`` key overrides an earlier one; within
        # one ``<<: [*a, *b]`` the first source wins.
        for m in reversed(merges):
            sources = m.value if m.__class__.__name__ == "SequenceNode" else [m]
            for src in sources:
                if src.__class__.__name__ == "MappingNode":
                    hit = _find_member(src, key)
                    if hit is not None:
                        return hit
    return found


#: Mappings with more keys than this get a key -> (key node, value node) index the first time
#: a position inside them is asked for, so locating many findings in one large mapping is
#: linear overall instead of one scan of the mapping per finding.
_INDEX_MIN_KEYS = 16


def _member_index(node: Any) -> dict[str, tuple[Any, Any]]:
    """Explicit members of a MappingNode by their JSON key (the last occurrence wins, as in
    construction); merge-key (``<<``) members are left to :func:`_find_member`."""
    index: dict[str, tuple[Any, Any]] = {}
    for k, v in node.value:
        if k.tag == _MERGE_TAG or k.__class__.__name__ != "ScalarNode":
            continue
        if k.tag == _STR_TAG:
            index[k.value] = (k, v)
        else:
            from provisor.manifests.loader import _construct_scalar, _key_text

            index[_key_text(_construct_scalar(k))] = (k, v)
    return index


def _yaml_line(root: Any, path: tuple[str | int, ...], default: int,
               cache: dict[int, dict[str, tuple[Any, Any]]] | None = None) -> int:
    """Line of ``path`` in a composed YAML tree (see :meth:`Document.line_of`). ``cache``
    keeps the member index of large mappings between calls (keyed by node identity; the tree
    is kept alive by its document, so identities stay valid)."""
    line = default
    node = root
    for step in path:
        cname = node.__class__.__name__
        if cname == "MappingNode":
            if isinstance(step, bool):
                break
            key = str(step)
            if cache is not None and len(node.value) > _INDEX_MIN_KEYS:
                index = cache.get(id(node))
                if index is None:
                    index = cache[id(node)] = _member_index(node)
                hit = index.get(key)
                if hit is None:
                    hit = _find_member(node, key)  # merged members, or absent
            else:
                hit = _find_member(node, key)
            if hit is None:
                break
            line = _node_line(hit[0])
            node = hit[1]
        elif cname == "SequenceNode":
            items = node.value
            if not isinstance(step, int) or isinstance(step, bool) or not (-len(items) <= step < len(items)):
                break
            node = items[step]
            line = _node_line(node)
        else:
            break
    return line
