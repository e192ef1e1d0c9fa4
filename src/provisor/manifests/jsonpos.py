"""Source positions for JSON documents, computed lazily.

JSON files are parsed with the standard library's C decoder (``json.loads``), which keeps no
positions. When a finding needs the line of a field in a JSON document, this module scans the
same text once more and builds a *position tree* that mirrors the decoded value:

* an object becomes ``(line, {key: (key_line, child)})`` -- a ``dict``, in source order, the
  last duplicate key winning exactly as ``json.loads`` does;
* an array becomes ``(line, [child, ...])`` -- a ``list``;
* a scalar becomes its ``line`` (an ``int``).

Lines are 1-based. The scanner accepts exactly what ``json.loads`` accepts (it reuses the
decoder's own string scanner, ``json.decoder.scanstring``, and the JSON number grammar, plus
the ``NaN`` / ``Infinity`` / ``-Infinity`` extensions ``json.loads`` allows); it is only run on
text that ``json.loads`` has already accepted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]  # missing from typeshed
from typing import Any, Union, cast

PosTree = Union[int, tuple[int, dict[str, tuple[int, Any]]], tuple[int, list[Any]]]

_WS = re.compile(r"[ \t\n\r]*")
# The pattern matches the empty string, so its ``match`` never returns None.
_ws_match = cast(Callable[[str, int], "re.Match[str]"], _WS.match)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


class LineIndex:
    """Maps a character offset in a text to its 1-based line number (binary search over the
    offsets of the newlines, built once)."""

    __slots__ = ("_newlines",)

    def __init__(self, text: str) -> None:
        nl: list[int] = []
        find = text.find
        i = find("\n")
        while i >= 0:
            nl.append(i)
            i = find("\n", i + 1)
        self._newlines = nl

    def line(self, offset: int) -> int:
        """1-based line of character ``offset``."""
        return bisect.bisect_left(self._newlines, offset) + 1


def build_position_tree(text: str, start: int = 0) -> PosTree:
    """Scan the JSON value that begins at or after ``start`` in ``text`` and return its
    position tree (see the module docstring). Raises ``ValueError`` on text that is not JSON
    (callers only pass text that ``json.loads`` accepted)."""
    lines = LineIndex(text)
    ws = _ws_match
    number = _NUMBER.match

    def value(i: int) -> tuple[PosTree, int]:
        i = ws(text, i).end()
        ch = text[i : i + 1]
        line = lines.line(i)
        if ch == "{":
            members: dict[str, tuple[int, Any]] = {}
            i = ws(text, i + 1).end()
            if text[i : i + 1] == "}":
                return (line, members), i + 1
            while True:
                if text[i : i + 1] != '"':
                    raise ValueError(f"expected a string key at offset {i}")
                key_line = lines.line(i)
                key, i = scanstring(text, i + 1)
                i = ws(text, i).end()
                if text[i : i + 1] != ":":
                    raise ValueError(f"expected ':' at offset {i}")
                child, i = value(i + 1)
                members.pop(key, None)  # a duplicate key moves to its last position
                members[key] = (key_line, child)
                i = ws(text, i).end()
                ch = text[i : i + 1]
                if ch == ",":
                    i = ws(text, i + 1).end()
                    continue
                if ch == "}":
                    return (line, members), i + 1
                raise ValueError(f"expected ',' or '}}' at offset {i}")
        if ch == "[":
            items: list[Any] = []
            i = ws(text, i + 1).end()
            if text[i : i + 1] == "]":
                return (line, items), i + 1
            while True:
                child, i = value(i)
                items.append(child)
                i = ws(text, i).end()
                ch = text[i : i + 1]
                if ch == ",":
                    i += 1
                    continue
                if ch == "]":
                    return (line, items), i + 1
                raise ValueError(f"expected ',' or ']' at offset {i}")
        if ch == '"':
            _, i = scanstring(text, i + 1)
            return line, i
        m = number(text, i)
        if m is not None and m.end() > i:
            # "-Infinity" starts with "-": the number pattern does not match it (no digit).
            return line, m.end()
        for lit in _LITERALS:
            if text.startswith(lit, i):
                return line, i + len(lit)
        raise ValueError(f"unexpected character {ch!r} at offset {i}")

    tree, _ = value(start)
    return tree


def tree_line(tree: PosTree) -> int:
    """The line where the value of a position tree node starts."""
    return tree if isinstance(tree, int) else tree[0]


def line_in_tree(tree: PosTree, path: tuple[str | int, ...], default: int) -> int:
    """Line of ``path`` inside a position tree: the key's line for an object member, the
    item's line for an array element; the deepest existing ancestor's line when the path does
    not exist; ``default`` for an empty path."""
    line = default
    node: Any = tree
    for step in path:
        if isinstance(node, int):
            break
        container = node[1]
        if isinstance(container, dict):
            entry = container.get(str(step)) if not isinstance(step, bool) else None
            if entry is None:
                break
            line, node = entry
        else:
            if not isinstance(step, int) or isinstance(step, bool) or not (
                -len(container) <= step < len(container)
            ):
                break
            node = container[step]
            line = tree_line(node)
    return line
