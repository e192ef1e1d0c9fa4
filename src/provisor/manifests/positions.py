"""Source positions of a decoded document: one compact *position tree* format, and the one
lookup over it, for YAML and JSON alike.

A position tree mirrors the decoded value and holds only what line lookup needs. Lines are
stored as offsets from a *base* line (the document's start line for YAML, so that most
offsets are small integers, which Python shares; 0 for JSON, whose trees hold absolute
lines):

* a mapping is a ``tuple``: ``(line, key1, key_line1, child1, key2, key_line2, child2, ...)``,
  members in the decoded ``dict``'s key order with the line of the occurrence that gave the
  value (the last of duplicate keys; merge-key members carry the line in the merged source);
  ``child`` is ``None`` for a scalar value (a mapping member's position is its key's line);
* a sequence is a ``list``: ``[line, item1, item2, ...]``, an item being the line of a scalar
  (an ``int``) or the tree of a collection;
* a scalar at the top is its line (an ``int``).

Built once per document while it is constructed (``provisor.manifests.loader``), or on first
use for JSON (``provisor.manifests.jsonpos``). Per node this costs a few pointers, against
a whole libyaml node object (with its ``__dict__``, marks, tag and style) when node trees were
kept: on 10,000 objects the kept node trees were 74% of the loaded memory.

Lookup (:func:`line_at`) is linear in the path; in a mapping with more than
``INDEX_MIN_KEYS`` members the key is found through a key index built on first use and kept
in a per-document cache, so locating many findings in one large mapping is linear overall.
"""

from __future__ import annotations

from typing import Any

#: Mappings with more members than this get a key -> member-offset index on first lookup.
INDEX_MIN_KEYS = 16

PosTree = Any  # int | tuple (mapping) | list (sequence), see the module docstring


def tree_line(tree: PosTree) -> int:
    """The line offset where the value of a position tree starts."""
    return tree if tree.__class__ is int else tree[0]


def line_at(tree: PosTree, path: tuple[str | int, ...], base: int, default: int,
            cache: dict[int, dict[str, int]] | None = None) -> int:
    """1-based line of ``path`` in ``tree`` (offsets relative to ``base``).

    For a mapping member: the line of its key; for a sequence element: the line where the
    element starts. When the path does not exist: the line of its deepest existing ancestor;
    for an empty path: ``default``. ``cache`` (keyed by the identity of mapping tuples, which
    the caller keeps alive) holds the key indexes of large mappings between calls. Never
    raises for a path that does not fit the tree.
    """
    line = default
    node = tree
    for step in path:
        cls = node.__class__
        if cls is tuple:
            if isinstance(step, bool):
                break
            key = step if step.__class__ is str else str(step)
            n = len(node)
            if cache is not None and n > 3 * INDEX_MIN_KEYS:
                index = cache.get(id(node))
                if index is None:
                    index = cache[id(node)] = {node[i]: i for i in range(1, n, 3)}
                at = index.get(key, 0)
            else:
                at = 0
                for i in range(1, n, 3):
                    if node[i] == key:
                        at = i
                        break
            if not at:
                break
            line = base + node[at + 1]
            node = node[at + 2]
        elif cls is list:
            count = len(node) - 1
            if not isinstance(step, int) or isinstance(step, bool) or not -count <= step < count:
                break
            child = node[1 + (step if step >= 0 else step + count)]
            if child.__class__ is int:
                return base + child
            line = base + child[0]
            node = child
        else:
            break
    return line


__all__ = ["INDEX_MIN_KEYS", "PosTree", "line_at", "tree_line"]
