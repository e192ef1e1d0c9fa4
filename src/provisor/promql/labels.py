"""Output label-set inference: which labels the series of a (sub)expression can carry, and
what is known about each label's values.

Semantics followed (Prometheus ``promql/engine.go``):

* vector matching compares the *signature* of a series: all its labels except ``__name__``
  (or except the ``ignoring`` list), or only the ``on`` list (``signatureFunc``,
  ``labels.HashWithoutLabels`` always leaves out the metric name). A label that is missing and
  a label with an empty value are the same thing;
* ``resultMetric``: arithmetic drops ``__name__``; one-to-one matching with ``on(l...)`` keeps
  only those labels, with ``ignoring(l...)`` drops them; ``group_left(l...)`` /
  ``group_right(l...)`` keep the "many" side's labels and copy the listed ones from the "one"
  side (deleting them when the one side lacks them);
* set operators: ``and`` / ``unless`` return left-hand series, ``or`` both sides';
* aggregations: ``by (l...)`` keeps exactly those labels, ``without (l...)`` drops them (and
  ``__name__``), no clause keeps none; ``topk``/``bottomk``/``limitk``/``limit_ratio`` keep
  the input series' labels; ``count_values("l", ...)`` adds ``l``;
* functions (promql/functions.go): most keep the input labels (dropping the name);
  ``histogram_quantile`` drops ``le``; ``label_replace`` / ``label_join`` set their
  destination label; ``absent(sel)`` returns one series labelled by the selector's equality
  matchers; ``vector(s)``, ``time()``-style calls without arguments have no labels;
  ``scalar``, ``time`` return scalars.

What is known about a label is a :class:`Cons` (a constraint): a finite set of values it can
take (``""`` = absent), values it cannot take, and for ``instance`` the kind of scrape target
the series came from (raw series of kube-state-metrics and of node-level exporters never share
an ``instance``). Two sides of a binary operation can never match when some matching label's
constraints on the two sides have an empty intersection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from provisor.promql import ast as A
from provisor.promql.metrics import Knowledge

__all__ = ["Cons", "Shape", "ANY", "ABSENT", "PRESENT", "matcher_cons", "meet", "join",
           "disjoint", "literal_alternatives", "has_template_var", "ShapeBuilder"]


@dataclass(frozen=True, slots=True)
class Cons:
    """What is known about one label's value on every series of an expression.

    Attributes:
        allowed: the finite set of values it can take (``""`` means "absent"), or None for any.
        excluded: values it cannot take (``""`` in it means "always present").
        origin: for ``instance``: the scrape-target family of raw series ("kube-state-metrics"
            or "node" for the kubelet, cAdvisor and node-exporter), else None.
        single: the label has one value across all series (an ``=`` matcher, even one whose
            value is a Grafana variable).
        assumed: presence assumed because a ``by (...)`` clause names it.
        why: how it is known, for messages (e.g. ``type="used"``).
    """

    allowed: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()
    origin: str | None = None
    single: bool = False
    assumed: bool = False
    why: str = ""

    @property
    def present(self) -> bool:
        """Every series carries the label with a non-empty value."""
        if "" in self.excluded or self.origin is not None:
            return True
        return self.allowed is not None and "" not in self.allowed and bool(self.allowed)

    @property
    def absent(self) -> bool:
        """No series carries the label."""
        return self.allowed is not None and self.allowed <= {""} and bool(self.allowed)

    @property
    def values(self) -> frozenset[str] | None:
        """The finite set of possible values (excluded ones removed), or None."""
        if self.allowed is None:
            return None
        return self.allowed - self.excluded

    def describe(self) -> str:
        """Short text: ``"used"``, ``one of "a", "b"``, ``absent``, ``present``."""
        vals = self.values
        if vals is not None:
            if vals == {""}:
                return "absent"
            shown = sorted(v for v in vals if v)
            if len(shown) == 1 and "" not in vals:
                return f'"{shown[0]}"'
            return "one of " + ", ".join(f'"{v}"' if v else "absent" for v in sorted(vals))
        if self.present:
            return "present"
        return "unknown"


ANY = Cons()
ABSENT = Cons(allowed=frozenset({""}))
PRESENT = Cons(excluded=frozenset({""}))


def meet(a: Cons, b: Cons) -> Cons:
    """Both constraints hold (the label values a matched pair of series can have)."""
    if a is ANY:
        return b
    if b is ANY:
        return a
    if a.allowed is None:
        allowed = b.allowed
    elif b.allowed is None:
        allowed = a.allowed
    else:
        allowed = a.allowed & b.allowed
    origin = a.origin or b.origin
    if a.origin and b.origin and a.origin != b.origin:
        allowed = frozenset()
    why = a.why if not b.why or a.why == b.why else (f"{a.why}, {b.why}" if a.why else b.why)
    return Cons(allowed=allowed, excluded=a.excluded | b.excluded, origin=origin,
                single=a.single or b.single, assumed=a.assumed and b.assumed, why=why)


def join(a: Cons, b: Cons) -> Cons:
    """Either constraint holds (series from both sides of ``or``)."""
    if a == b:
        return a
    allowed = None if a.allowed is None or b.allowed is None else a.allowed | b.allowed
    single = a.single and b.single and allowed is not None and len(allowed) == 1
    return Cons(allowed=allowed, excluded=a.excluded & b.excluded,
                origin=a.origin if a.origin == b.origin else None, single=single,
                assumed=a.assumed or b.assumed)


def disjoint(a: Cons, b: Cons) -> bool:
    """No value satisfies both: a series pair can never agree on this label."""
    if a.origin and b.origin and a.origin != b.origin:
        return True
    m = meet(a, b)
    return m.allowed is not None and not (m.allowed - m.excluded)


_GRAFANA_VAR = re.compile(r"\$(?:\w+|\{[^}]+\})|\[\[[^\]]+\]\]")


def has_template_var(value: str) -> bool:
    """The text holds a Grafana template variable (``$x``, ``${x}``, ``[[x]]``)."""
    return bool(_GRAFANA_VAR.search(value))


_META = set(".^$*+?()[]{}|\\")


def literal_alternatives(regex: str) -> frozenset[str] | None:
    """The finite set of strings a fully anchored RE2 regex matches when it is an alternation
    of literals (``a|b``, ``(a|b)``, ``(?:a|b)``, escaped metacharacters allowed), else None."""
    r = regex
    for prefix in ("(?:", "("):
        if r.startswith(prefix) and r.endswith(")") and _balanced(r[len(prefix):-1]):
            r = r[len(prefix):-1]
            break
    alts: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(r):
        c = r[i]
        if c == "\\":
            if i + 1 < len(r) and not r[i + 1].isalnum():
                cur.append(r[i + 1])
                i += 2
                continue
            return None
        if c == "|":
            alts.append("".join(cur))
            cur = []
        elif c in _META:
            return None
        else:
            cur.append(c)
        i += 1
    alts.append("".join(cur))
    return frozenset(alts)


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _matches_empty(regex: str) -> bool | None:
    try:
        return re.fullmatch(regex, "") is not None
    except (re.error, RecursionError):
        return None


_ONE_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]")


def matcher_cons(op: str, value: str, templated: bool = False,
                 single_vars: frozenset[str] = frozenset()) -> Cons:
    """The constraint one label matcher puts on its label (Prometheus: ``l=""`` also selects
    series without ``l``; regexes are fully anchored). With ``templated``, values holding a
    Grafana variable are unknown: an ``=`` one still fixes a single value, and so does an
    ``=~"$var"`` whose variable is in ``single_vars`` (neither multi-value nor "All")."""
    why = f"{op}{_q(value)}"
    if templated and has_template_var(value):
        if op == "=":
            return Cons(single=True, why=why)
        m = _ONE_VAR.fullmatch(value)
        if op == "=~" and m and (m.group(1) or m.group(2) or m.group(3)) in single_vars:
            return Cons(single=True, why=why)
        return ANY
    if op == "=":
        return Cons(allowed=frozenset({value}), single=True, why=why)
    if op == "!=":
        return Cons(excluded=frozenset({value}), why=why)
    lits = literal_alternatives(value)
    if op == "=~":
        if lits is not None:
            return Cons(allowed=lits, single=len(lits) == 1, why=why)
        return Cons(excluded=frozenset({""}), why=why) if _matches_empty(value) is False else ANY
    if op == "!~":
        if lits is not None:
            return Cons(excluded=lits, why=why)
        return Cons(excluded=frozenset({""}), why=why) if _matches_empty(value) else ANY
    return ANY


def _q(v: str) -> str:
    return '"' + v.replace('"', '\\"') + '"'


@dataclass(slots=True)
class Shape:
    """The label sets the series of an expression can have.

    Attributes:
        type: "vector", "scalar", "matrix" or "string".
        closed: the only label names (besides ``__name__``) its series can carry, or None when
            the set is open (raw series: exporter and target labels are not all known).
        cons: known constraints per label name.
        metrics: the metric names selected underneath (for messages).
        grouping: how ``closed`` came about, for messages (e.g. ``by (namespace, pod)``).
    """

    type: str
    closed: frozenset[str] | None = None
    cons: dict[str, Cons] = field(default_factory=dict)
    metrics: frozenset[str] = frozenset()
    grouping: str = ""

    def get(self, label: str) -> Cons:
        """The constraint on ``label`` (ABSENT when the label set is closed without it)."""
        if self.closed is not None and label not in self.closed:
            c = self.cons.get(label)
            return c if c is not None and c.absent else ABSENT
        return self.cons.get(label, ANY)

    def labels(self) -> frozenset[str]:
        """Every label something is known about."""
        return (self.closed or frozenset()) | frozenset(self.cons)

    @property
    def is_vector(self) -> bool:
        return self.type in ("vector", "matrix")

    def describe(self) -> str:
        """Short text for messages."""
        if self.closed is not None:
            labels = ", ".join(sorted(self.closed)) or "no labels"
            return f"{{{labels}}}" + (f" ({self.grouping})" if self.grouping else "")
        names = ", ".join(sorted(self.metrics)) or "series"
        return f"series of {names}"


SCALAR = Shape("scalar")
STRING = Shape("string")

#: Functions whose result has no labels when called without a vector argument
#: (promql/functions.go: ``day_of_month()`` etc. default to ``vector(time())``).
_NO_LABEL_FUNCS = frozenset({
    "vector", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour",
    "minute", "month", "year",
})
_MATCH_ALL = frozenset({".*", "(.*)", "^(.*)$", "^.*$", ".*?", "(.*?)"})


class ShapeBuilder:
    """Computes :class:`Shape` values bottom-up, memoised per node.

    Args:
        knowledge: metric knowledge (present/absent labels, scrape targets).
        templated: label values may hold Grafana variables (dashboard panels).
        single_vars: Grafana variables that hold one value (see :func:`matcher_cons`).
    """

    def __init__(self, knowledge: Knowledge, templated: bool = False,
                 single_vars: frozenset[str] = frozenset()) -> None:
        self.k = knowledge
        self.templated = templated
        self.single_vars = single_vars
        self._memo: dict[int, Shape] = {}

    def shape(self, node: A.Node) -> Shape:
        key = id(node)
        s = self._memo.get(key)
        if s is None:
            s = self._shape(node)
            self._memo[key] = s
        return s

    # -- nodes -------------------------------------------------------------------------
    def _shape(self, n: A.Node) -> Shape:
        if isinstance(n, A.Selector):
            return self.selector(n)
        if isinstance(n, (A.Paren, A.Unary)):
            return self.shape(n.expr)
        if isinstance(n, A.Number):
            return SCALAR
        if isinstance(n, A.String):
            return STRING
        if isinstance(n, A.Subquery):
            return replace(self.shape(n.expr), type="matrix")
        if isinstance(n, A.Aggregate):
            return self._aggregate(n)
        if isinstance(n, A.Call):
            return self._call(n)
        if isinstance(n, A.Binary):
            return self._binary(n)
        return Shape("vector")  # pragma: no cover

    def selector(self, sel: A.Selector) -> Shape:
        """The shape of a selector: its matchers plus what is known about its metric."""
        cons = self._matcher_cons(sel.matchers)
        if sel.or_matchers:
            groups = [self._matcher_cons(sel.matchers + g) for g in sel.or_matchers]
            keys = set().union(*groups)
            cons = {}
            for k in keys:
                c = groups[0].get(k, ANY)
                for g in groups[1:]:
                    c = join(c, g.get(k, ANY))
                if c != ANY:
                    cons[k] = c
        name = sel.name
        if name and ":" not in name:
            for label in self.k.present_labels(name):
                cons[label] = meet(cons.get(label, ANY),
                                   Cons(excluded=frozenset({""}),
                                        why=f"every {name} series has it"))
            for label in self.k.absent_labels(name):
                cons[label] = meet(cons.get(label, ANY),
                                   Cons(allowed=frozenset({""}),
                                        why=f"{name} has no such label"))
            target = self.k.scrape_target(name)
            if target:
                origin = "kube-state-metrics" if target == "kube-state-metrics" else "node"
                cons["instance"] = meet(cons.get("instance", ANY), Cons(
                    excluded=frozenset({""}), origin=origin,
                    why=f"scraped from {self.k.target_name(target)}"))
        return Shape("matrix" if sel.range is not None else "vector", None, cons,
                     frozenset({name}) if name else frozenset())

    def _matcher_cons(self, matchers: tuple[A.Matcher, ...]) -> dict[str, Cons]:
        cons: dict[str, Cons] = {}
        for label, op, value in matchers:
            if label == "__name__":
                continue
            cons[label] = meet(cons.get(label, ANY),
                               matcher_cons(op, value, self.templated, self.single_vars))
        return cons

    def _aggregate(self, n: A.Aggregate) -> Shape:
        inner = self.shape(n.expr)
        if n.op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return replace(inner, type="vector")
        extra: dict[str, Cons] = {}
        if n.op == "count_values" and isinstance(n.param, A.String):
            extra[n.param.value] = Cons(excluded=frozenset({""}), why="count_values label")
        closed: frozenset[str] | None
        if n.by is not None:
            closed = frozenset(n.by) - {"__name__"}
            cons: dict[str, Cons] = {}
            for label in closed:
                c = inner.get(label)
                if not c.present and not c.absent:
                    c = meet(c, Cons(excluded=frozenset({""}), assumed=True,
                                     why=f"named in by ({', '.join(n.by)})"))
                cons[label] = c
            grouping = f"{n.op} by ({', '.join(n.by)})"
        elif n.without is not None:
            drop = frozenset(n.without) | {"__name__"}
            closed = None if inner.closed is None else inner.closed - drop
            cons = {k: v for k, v in inner.cons.items() if k not in drop}
            if closed is None:
                for label in n.without:
                    cons[label] = ABSENT
            grouping = f"{n.op} without ({', '.join(n.without)})"
        else:
            closed = frozenset()
            cons = {}
            grouping = f"{n.op} over all series"
        if extra:
            cons.update(extra)
            if closed is not None:
                closed = closed | frozenset(extra)
        return Shape("vector", closed, cons, inner.metrics, grouping)

    def _call(self, n: A.Call) -> Shape:
        f = n.func
        if n.returns == "scalar":
            return SCALAR
        if n.returns == "string":
            return STRING
        if f in ("absent", "absent_over_time"):
            arg = A.unparen(n.args[0]) if n.args else None
            if isinstance(arg, A.Selector):
                cons = {label: Cons(allowed=frozenset({v}), single=True, why=f'="{v}"')
                        for label, op, v in arg.matchers
                        if op == "=" and label != "__name__" and v
                        and not (self.templated and has_template_var(v))}
                return Shape("vector", frozenset(cons), cons, frozenset(), f"{f}()")
            return Shape("vector", frozenset(), {}, frozenset(), f"{f}()")
        base = None
        for a in n.args:
            s = self.shape(a)
            if s.is_vector:
                base = s
                break
        if base is None:
            if f in _NO_LABEL_FUNCS:
                return Shape("vector", frozenset(), {}, frozenset(), f"{f}()")
            return Shape(n.returns if n.returns in ("vector", "matrix") else "vector")
        out = replace(base, type="matrix" if n.returns == "matrix" else "vector",
                      cons=dict(base.cons))
        if f == "histogram_quantile":
            out.cons["le"] = ABSENT
            if out.closed is not None:
                out.closed = out.closed - {"le"}
            out.grouping = "histogram_quantile drops le"
        elif f == "label_replace" and len(n.args) == 5:
            dst, repl, src, regex = (_str(n.args[1]), _str(n.args[2]), _str(n.args[3]),
                                     _str(n.args[4]))
            if dst is not None:
                c = _label_replace(base, dst, repl, src, regex)
                if c == ANY:
                    out.cons.pop(dst, None)
                else:
                    out.cons[dst] = c
                if out.closed is not None:
                    out.closed = out.closed | {dst}
        elif f == "label_join" and len(n.args) >= 2:
            dst = _str(n.args[1])
            if dst is not None:
                out.cons.pop(dst, None)
                if out.closed is not None:
                    out.closed = out.closed | {dst}
        elif f == "info":
            out.closed = None
        return out

    def _binary(self, n: A.Binary) -> Shape:
        lhs, rhs = self.shape(n.lhs), self.shape(n.rhs)
        if not lhs.is_vector and not rhs.is_vector:
            return SCALAR
        if not rhs.is_vector:
            return replace(lhs, type="vector")
        if not lhs.is_vector:
            return replace(rhs, type="vector")
        if n.op == "or":
            return union(lhs, rhs)
        if n.op in ("and", "unless"):
            if n.op == "unless":
                return replace(lhs, type="vector")
            cons = dict(lhs.cons)
            for label in matching_labels(n, lhs, rhs):
                c = meet(lhs.get(label), rhs.get(label))
                if c != ANY:
                    cons[label] = c
            return Shape("vector", lhs.closed, cons, lhs.metrics, lhs.grouping)
        many, one = (rhs, lhs) if n.card == "one-to-many" else (lhs, rhs)
        cons = dict(many.cons)
        for label in matching_labels(n, lhs, rhs):
            c = meet(many.get(label), one.get(label))
            if c != ANY:
                cons[label] = c
        closed = many.closed
        if n.card == "one-to-one":
            if n.on is not None:
                closed = frozenset(n.on) - {"__name__"}
                cons = {k: v for k, v in cons.items() if k in closed}
            elif n.ignoring is not None:
                drop = frozenset(n.ignoring)
                closed = None if closed is None else closed - drop
                cons = {k: v for k, v in cons.items() if k not in drop}
                if closed is None:
                    for label in drop:
                        cons[label] = ABSENT
            elif closed is None and one.closed is not None:
                closed = one.closed
        else:
            for label in n.include:
                cons[label] = one.get(label)
            if closed is not None:
                closed = closed | frozenset(n.include)
        return Shape("vector", closed, cons, lhs.metrics | rhs.metrics, many.grouping)


def union(a: Shape, b: Shape) -> Shape:
    """The shape of series from either ``a`` or ``b``."""
    closed = None if a.closed is None or b.closed is None else a.closed | b.closed
    cons = {}
    for label in a.labels() | b.labels():
        c = join(a.get(label), b.get(label))
        if c != ANY:
            cons[label] = c
    return Shape("vector", closed, cons, a.metrics | b.metrics,
                 a.grouping if a.grouping == b.grouping else "")


def matching_labels(n: A.Binary, lhs: Shape, rhs: Shape) -> frozenset[str]:
    """The labels a vector-vector operation compares that anything is known about (all
    when ``on`` lists them; otherwise every known label except ``__name__`` and the
    ``ignoring`` list)."""
    if n.on is not None:
        return frozenset(n.on) - {"__name__"}
    drop = frozenset(n.ignoring or ()) | {"__name__"}
    return (lhs.labels() | rhs.labels()) - drop


_GO_GROUP = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _expand(repl: str, m: re.Match[str]) -> str:
    """Go's ``Regexp.ExpandString`` for ``$1``, ``${1}``, ``$name``, ``${name}`` (an unknown
    group expands to "")."""
    def sub(g: re.Match[str]) -> str:
        key = g.group(1) or g.group(2)
        try:
            val = m.group(int(key)) if key.isdigit() else m.group(key)
        except (IndexError, KeyError):
            val = None
        return val or ""

    return _GO_GROUP.sub(sub, repl.replace("$$", "\0")).replace("\0", "$")



def _label_replace(base: Shape, dst: str, repl: str | None, src: str | None,
                   regex: str | None) -> Cons:
    """The constraint on ``dst`` after ``label_replace(v, dst, repl, src, regex)``
    (promql/functions.go ``funcLabelReplace``: when the anchored regex matches the value of
    ``src``, ``dst`` becomes the expansion of ``repl`` (removed when empty); otherwise the
    series is unchanged)."""
    if repl is None or src is None or regex is None:
        return ANY
    try:
        rx = re.compile(regex)
    except (re.error, RecursionError):
        return ANY
    if "$" not in repl and (regex in _MATCH_ALL or (src == "" and rx.fullmatch(""))):
        return Cons(allowed=frozenset({repl}), single=True, why=f'label_replace to "{repl}"')
    values = base.get(src).values if src else frozenset({""})
    if values is None:
        return ANY
    old = base.get(dst)
    out: set[str] = set()
    for v in values:
        m = rx.fullmatch(v)
        if m is not None:
            out.add(_expand(repl, m))
        elif old.values is None:
            return ANY
        else:
            out |= old.values
    return Cons(allowed=frozenset(out), single=len(out) == 1, why="label_replace")


def _str(node: A.Node) -> str | None:
    node = A.unparen(node)
    return node.value if isinstance(node, A.String) else None
