"""Source positions for JSON documents, computed lazily.

JSON files are parsed with the standard library's C decoder (``json.loads``), which keeps no
positions. When a finding needs the line of a field in a JSON document, this module scans the
same text once more and builds a *position tree* that mirrors the decoded value, in the one
format every document uses (:mod:`provisor.manifests.positions`; here with absolute lines,
base 0): an object becomes ``(line, key, key_line, child, ...)`` in the decoded ``dict``'s key
order (the last duplicate key giving the line, exactly as ``json.loads`` keeps the last
value), ``child`` being ``None`` for a scalar; an array becomes ``[line, item, ...]``; a scalar
its line.

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
from typing import Any, cast

from provisor.manifests.positions import PosTree, line_at, tree_line

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
                return (line,), i + 1
            while True:
                if text[i : i + 1] != '"':
                    raise ValueError(f"expected a string key at offset {i}")
                key_line = lines.line(i)
                key, i = scanstring(text, i + 1)
                i = ws(text, i).end()
                if text[i : i + 1] != ":":
                    raise ValueError(f"expected ':' at offset {i}")
                child, i = value(i + 1)
                members[key] = (key_line, child if child.__class__ is not int else None)
                i = ws(text, i).end()
                ch = text[i : i + 1]
                if ch == ",":
                    i = ws(text, i + 1).end()
                    continue
                if ch == "}":
                    flat: list[Any] = [line]
                    for k, (kl, c) in members.items():
                        flat += (k, kl, c)
                    return tuple(flat), i + 1
                raise ValueError(f"expected ',' or '}}' at offset {i}")
        if ch == "[":
            items: list[Any] = [line]
            i = ws(text, i + 1).end()
            if text[i : i + 1] == "]":
                return items, i + 1
            while True:
                child, i = value(i)
                items.append(child)
                i = ws(text, i).end()
                ch = text[i : i + 1]
                if ch == ",":
                    i += 1
                    continue
                if ch == "]":
                    return items, i + 1
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


def line_in_tree(tree: PosTree, path: tuple[str | int, ...], default: int) -> int:
    """Line of ``path`` inside a position tree with absolute lines
    (:func:`provisor.manifests.positions.line_at` with base 0)."""
    return line_at(tree, path, 0, default)


__all__ = ["LineIndex", "PosTree", "build_position_tree", "line_in_tree", "tree_line"]
