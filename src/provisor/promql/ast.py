"""Parse PromQL with promql-parser and normalise its AST into small Python nodes.

The parser is the Python binding of the Rust ``promql-parser`` crate (``import
promql_parser``); it follows the grammar of Prometheus' ``promql/parser/generated_parser.y``
and type-checks function arguments as ``promql/parser/parse.go`` (``checkAST``) does. Its
nodes are converted once into the plain dataclasses below, which the analyses walk: names as
``str``, label matchers as ``(name, op, value)`` tuples, durations in seconds.

The parser keeps no source offsets, so analyses point at a sub-expression by rendering it
back to PromQL (:func:`render`).

Public API:

* :func:`parse` ``(expr) -> Node``: cached on the text; raises :class:`PromQLParseError` (a
  ``ValueError``) carrying the parser's message.
* :func:`try_parse` ``(expr) -> (Node | None, error | None)``: cached, never raises.
* :func:`render` ``(node) -> str``: compact PromQL text.
* :func:`walk` ``(node)``: every node, pre-order. :func:`children`.
* :func:`const_value` ``(node) -> float | None``: the value of a constant scalar expression.
* :func:`unparen` ``(node)``.

Prometheus 2.x knew ``holt_winters`` (renamed ``double_exponential_smoothing`` in 3.0,
promql/functions.go); the parser only knows the new name, so the old one is registered with
the same signature (matrix, scalar, scalar -> vector).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

import promql_parser as pp

__all__ = [
    "PromQLParseError", "Node", "Selector", "Subquery", "Call", "Aggregate", "Binary", "Unary",
    "Paren", "Number", "String", "Matcher", "parse", "try_parse", "render", "walk", "children",
    "const_value", "unparen", "ARITHMETIC", "COMPARISON", "SET_OPS", "parse_duration",
]


class PromQLParseError(ValueError):
    """The expression is not valid PromQL; ``str(err)`` is the parser's message."""


def _register_prometheus2_functions() -> None:
    try:
        pp.register_extra_functions([
            pp.Function("holt_winters",
                        [pp.ValueType.Matrix, pp.ValueType.Scalar, pp.ValueType.Scalar],
                        pp.ValueType.Vector),
        ])
    except ValueError:  # already registered
        pass


_register_prometheus2_functions()

#: Binary operators by class (promql/parser/lex.go: ``IsComparisonOperator``,
#: ``IsSetOperator``; the rest are arithmetic).
ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^", "atan2"})
COMPARISON = frozenset({"==", "!=", ">", "<", ">=", "<="})
SET_OPS = frozenset({"and", "or", "unless"})

#: A label matcher: (label name, "=" | "!=" | "=~" | "!~", value).
Matcher = tuple[str, str, str]

# The binding's enums are not hashable: look them up by their text.
_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~",
              "MatchOp.NotRe": "!~"}


@dataclass(slots=True, eq=False)
class Selector:
    """A vector selector, or a matrix selector when ``range`` is set.

    Attributes:
        name: the metric name (from the name or a ``__name__="..."`` matcher), or None.
        matchers: every label matcher except the ``__name__`` equality that gave ``name``.
        or_matchers: alternatives of ``{a="1" or b="2"}`` (empty for the usual form).
        range: the range of a matrix selector in seconds, None for an instant vector.
        offset: seconds (negative for a negative offset), None when absent.
        at: True when an ``@`` modifier is present.
    """

    name: str | None
    matchers: tuple[Matcher, ...]
    or_matchers: tuple[tuple[Matcher, ...], ...] = ()
    range: float | None = None
    offset: float | None = None
    at: bool = False


@dataclass(slots=True, eq=False)
class Subquery:
    """``expr[range:step]`` (seconds; ``step`` None for the default)."""

    expr: "Node"
    range: float
    step: float | None = None
    offset: float | None = None
    at: bool = False


@dataclass(slots=True, eq=False)
class Call:
    """A function call; ``returns`` is "vector", "scalar", "matrix" or "string"."""

    func: str
    args: tuple["Node", ...]
    returns: str = "vector"


@dataclass(slots=True, eq=False)
class Aggregate:
    """An aggregation. ``by`` / ``without`` are the grouping labels (at most one is not None;
    both None means no grouping clause). ``param`` is topk's k, quantile's phi,
    count_values' label, ... (a node) or None."""

    op: str
    expr: "Node"
    param: "Node | None" = None
    by: tuple[str, ...] | None = None
    without: tuple[str, ...] | None = None


@dataclass(slots=True, eq=False)
class Binary:
    """A binary operation.

    Attributes:
        op: ``+ - * / % ^ atan2 == != > < >= <= and or unless``.
        on / ignoring: the vector-matching label list (at most one is not None).
        card: "one-to-one", "many-to-one" (group_left), "one-to-many" (group_right) or
            "many-to-many" (set operators).
        include: the group_left / group_right label list.
        bool: the ``bool`` modifier of a comparison.
    """

    op: str
    lhs: "Node"
    rhs: "Node"
    on: tuple[str, ...] | None = None
    ignoring: tuple[str, ...] | None = None
    card: str = "one-to-one"
    include: tuple[str, ...] = ()
    bool: bool = False


@dataclass(slots=True, eq=False)
class Unary:
    """``-expr`` (or ``+expr``)."""

    op: str
    expr: "Node"


@dataclass(slots=True, eq=False)
class Paren:
    """``(expr)``."""

    expr: "Node"


@dataclass(slots=True, eq=False)
class Number:
    """A number literal."""

    value: float


@dataclass(slots=True, eq=False)
class String:
    """A string literal."""

    value: str


Node = Union[Selector, Subquery, Call, Aggregate, Binary, Unary, Paren, Number, String]

_CARD = {
    "VectorMatchCardinality.OneToOne": "one-to-one",
    "VectorMatchCardinality.ManyToOne": "many-to-one",
    "VectorMatchCardinality.OneToMany": "one-to-many",
    "VectorMatchCardinality.ManyToMany": "many-to-many",
}
_VALUE_TYPES = {"ValueType.Vector": "vector", "ValueType.Scalar": "scalar",
                "ValueType.Matrix": "matrix", "ValueType.String": "string"}


def _secs(td: Any) -> float | None:
    return None if td is None else td.total_seconds()


def _matchers(ms: Any) -> tuple[Matcher, ...]:
    return tuple((str(m.name), _MATCH_OPS[str(m.op)], str(m.value)) for m in ms)


def _selector(vs: Any, rng: float | None) -> Selector:
    ms = _matchers(vs.matchers.matchers)
    name = str(vs.name) if vs.name else None
    if name is None:
        for i, (n, op, v) in enumerate(ms):
            if n == "__name__" and op == "=":
                name = v
                ms = ms[:i] + ms[i + 1:]
                break
    ors = tuple(_matchers(g) for g in (vs.matchers.or_matchers or ()))
    return Selector(name=name, matchers=ms, or_matchers=ors, range=rng,
                    offset=_secs(vs.offset), at=vs.at is not None)


def _convert(n: Any) -> Node:
    if isinstance(n, pp.ParenExpr):
        return Paren(_convert(n.expr))
    if isinstance(n, pp.BinaryExpr):
        m = n.modifier
        on = ign = None
        card = "one-to-one"
        include: tuple[str, ...] = ()
        is_bool = False
        if m is not None:
            card = _CARD.get(str(m.card), "one-to-one")
            is_bool = bool(m.return_bool)
            if m.matching is not None:
                labels = tuple(str(x) for x in m.matching.labels)
                if str(m.matching.type) == "LabelModifierType.Include":
                    on = labels
                else:
                    ign = labels
            if m.group_labels:
                include = tuple(str(x) for x in m.group_labels)
        op = str(n.op).strip()
        if op in SET_OPS:
            card = "many-to-many"
        return Binary(op=op, lhs=_convert(n.lhs), rhs=_convert(n.rhs), on=on, ignoring=ign,
                      card=card, include=include, bool=is_bool)
    if isinstance(n, pp.AggregateExpr):
        by = without = None
        if n.modifier is not None:
            labels = tuple(str(x) for x in n.modifier.labels)
            if str(n.modifier.type) == "AggModifierType.By":
                by = labels
            else:
                without = labels
        param = _convert(n.param) if isinstance(n.param, pp.Expr) else None
        return Aggregate(op=str(n.op).strip(), expr=_convert(n.expr), param=param, by=by,
                         without=without)
    if isinstance(n, pp.Call):
        return Call(func=str(n.func.name), args=tuple(_convert(a) for a in n.args),
                    returns=_VALUE_TYPES.get(str(n.func.return_type), "vector"))
    if isinstance(n, pp.VectorSelector):
        return _selector(n, None)
    if isinstance(n, pp.MatrixSelector):
        return _selector(n.vector_selector, _secs(n.range))
    if isinstance(n, pp.SubqueryExpr):
        return Subquery(expr=_convert(n.expr), range=_secs(n.range) or 0.0,
                        step=_secs(n.step), offset=_secs(n.offset), at=n.at is not None)
    if isinstance(n, pp.UnaryExpr):
        return Unary("-", _convert(n.expr))
    if isinstance(n, pp.NumberLiteral):
        return Number(float(n.val))
    if isinstance(n, pp.StringLiteral):
        return String(str(n.val))
    raise PromQLParseError(f"unsupported PromQL node {type(n).__name__}")


@lru_cache(maxsize=8192)
def try_parse(expr: str) -> tuple[Node | None, str | None]:
    """``(node, None)`` or ``(None, message)``; cached on the expression text."""
    try:
        return _convert(pp.parse(expr)), None
    except PromQLParseError as exc:
        return None, str(exc)
    except ValueError as exc:
        return None, str(exc) or "invalid PromQL"
    except Exception as exc:  # the binding must never crash a check run
        return None, f"{type(exc).__name__}: {exc}"


def parse(expr: str) -> Node:
    """Parse ``expr`` into a :data:`Node` tree.

    Raises:
        PromQLParseError: the expression is not valid PromQL (the parser's message).
    """
    node, err = try_parse(expr)
    if node is None:
        raise PromQLParseError(err or "invalid PromQL")
    return node


def unparen(node: Node) -> Node:
    """``node`` without enclosing parentheses."""
    while isinstance(node, Paren):
        node = node.expr
    return node


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in source order."""
    if isinstance(node, Binary):
        return (node.lhs, node.rhs)
    if isinstance(node, Aggregate):
        return (node.expr,) if node.param is None else (node.param, node.expr)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, (Paren, Unary, Subquery)):
        return (node.expr,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree rooted at ``node``, pre-order."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def const_value(node: Node) -> float | None:
    """The value of a constant scalar expression (number literals combined with arithmetic,
    unary minus and parentheses), else None."""
    node = unparen(node)
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Unary):
        v = const_value(node.expr)
        return None if v is None else -v
    if isinstance(node, Binary) and node.op in ("+", "-", "*", "/", "^"):
        a, b = const_value(node.lhs), const_value(node.rhs)
        if a is None or b is None:
            return None
        try:
            if node.op == "+":
                return a + b
            if node.op == "-":
                return a - b
            if node.op == "*":
                return a * b
            if node.op == "/":
                return a / b if b else None
            return float(a ** b)
        except (OverflowError, ZeroDivisionError, TypeError, ValueError):
            return None
    return None


# -- rendering ---------------------------------------------------------------------------
def _dur(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    out = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000),
                       ("ms", 1)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return sign + "".join(out)


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _num(v: float) -> str:
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if math.isnan(v):
        return "NaN"
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)


def _mods(offset: float | None, at: bool) -> str:
    s = ""
    if offset is not None:
        s += f" offset {_dur(offset)}"
    if at:
        s += " @ ..."
    return s


def render(node: Node, limit: int = 240) -> str:
    """``node`` as compact PromQL text, cut to ``limit`` characters (``...`` marks a cut).
    ``@`` timestamps are shown as ``@ ...``."""
    text = _render(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(n: Node) -> str:
    if isinstance(n, Selector):
        parts = [f"{a}{op}{_quote(v)}" for a, op, v in n.matchers]
        if n.or_matchers:
            parts = [" or ".join(",".join(f"{a}{op}{_quote(v)}" for a, op, v in g)
                                 for g in n.or_matchers)]
        body = (n.name or "") + ("{" + ",".join(parts) + "}" if parts or not n.name else "")
        if n.range is not None:
            body += f"[{_dur(n.range)}]"
        return body + _mods(n.offset, n.at)
    if isinstance(n, Paren):
        return f"({_render(n.expr)})"
    if isinstance(n, Number):
        return _num(n.value)
    if isinstance(n, String):
        return _quote(n.value)
    if isinstance(n, Unary):
        return f"-{_render(n.expr)}"
    if isinstance(n, Call):
        return f"{n.func}({', '.join(_render(a) for a in n.args)})"
    if isinstance(n, Subquery):
        step = _dur(n.step) if n.step else ""
        return f"{_render(n.expr)}[{_dur(n.range)}:{step}]" + _mods(n.offset, n.at)
    if isinstance(n, Aggregate):
        grp = ""
        if n.by is not None:
            grp = f" by ({', '.join(n.by)})"
        elif n.without is not None:
            grp = f" without ({', '.join(n.without)})"
        args = _render(n.expr) if n.param is None else f"{_render(n.param)}, {_render(n.expr)}"
        return f"{n.op}{grp} ({args})" if grp else f"{n.op}({args})"
    if isinstance(n, Binary):
        mod = ""
        if n.bool:
            mod += " bool"
        if n.on is not None:
            mod += f" on ({', '.join(n.on)})"
        elif n.ignoring is not None:
            mod += f" ignoring ({', '.join(n.ignoring)})"
        if n.card == "many-to-one":
            mod += " group_left" + (f" ({', '.join(n.include)})" if n.include else "")
        elif n.card == "one-to-many":
            mod += " group_right" + (f" ({', '.join(n.include)})" if n.include else "")
        return f"{_render(n.lhs)} {n.op}{mod} {_render(n.rhs)}"
    return str(n)  # pragma: no cover - every node type is handled above


_PROM_DURATION = __import__("re").compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_DURATION_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


def parse_duration(value: object) -> float | None:
    """Seconds of a Prometheus duration (``5m``, ``1h30m``, ``0``; prometheus/common
    model.ParseDuration: units y w d h m s ms, each at most once, in that order), or None
    when ``value`` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == 0 else None
    if not isinstance(value, str) or not value:
        return None
    if value == "0":
        return 0.0
    m = _PROM_DURATION.match(value.strip())
    if m is None or not any(m.groups()):
        return None
    return float(sum(int(g) * u for g, u in zip(m.groups(), _DURATION_UNITS) if g))
