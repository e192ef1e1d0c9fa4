"""Static analyses of one PromQL expression: no live Prometheus, only the AST, the label-set
inference of :mod:`provisor.promql.labels` and the metric knowledge of
:mod:`provisor.promql.metrics`.

Entry point::

    analyze(expr, knowledge=DEFAULT, templated=False) -> Analysis

cached on its arguments. ``Analysis.problems`` holds :class:`Problem` values, each with a
``kind`` (one of the ``KINDS`` below, which the ``promql/*`` check rules are named after), a
message, a fix and the offending sub-expression rendered as PromQL (``span``; the parser keeps
no source offsets). Parse failures never raise: they give one ``parse-error`` problem.

Kinds:

* ``vector-matching-never-matches``: a vector/vector operation whose sides cannot have equal
  matching label sets (arithmetic and comparisons: always empty; ``and``: always empty;
  ``unless``: never removes anything). ``or`` is a union by design and is not reported.
* ``rate-on-gauge``: ``rate``/``irate``/``increase``/``resets`` on a gauge.
* ``deriv-on-counter``: ``deriv``/``delta``/``idelta``/``predict_linear``/``holt_winters``
  on a counter.
* ``division-by-zero``: a divisor that is 0 where a limit is unset (or set to 0), unguarded.
* ``sum-mixes-unlimited``: a divisor that sums per-container limits over a pod's containers.
* ``cadvisor-pod-double-count``: a sum over containers of a cAdvisor series without a
  ``container!=""`` filter, which adds the pod-level cgroup to its own containers.
* ``cores-as-ratio``: a CPU-cores value compared with a threshold in (0, 1).
* ``join-drops-namespace``: a join or an aggregation that keeps ``pod`` (or another name of
  a namespaced object) but not ``namespace``.
* ``removed-metric``: a selector of a metric its exporter removed or renamed
  (:mod:`provisor.promql.exporters`), which selects nothing.
* ``removed-label``: a matcher, grouping or matching label that its exporter removed from the
  series (cAdvisor's ``pod_name``/``container_name``).
* ``join-duplicates``: a one-to-one or group_left/group_right operation whose "one" side is
  raw kube-state-metrics or cAdvisor series that can repeat for one match group (several
  containers or resources per pod; two exporter replicas differing only in ``instance``),
  which Prometheus refuses at run time ("many-to-many matching not allowed").
* ``dimension-mismatch``: a comparison between quantities of different dimensions: CPU
  cores against bytes, or a fraction of a resource against a fraction of a count of objects
  (requested CPU / allocatable CPU against (nodes - 1) / nodes).

**No diagnosis of an expression that cannot produce series.** A sub-expression whose
series cannot exist (it needs a removed metric, or a matcher that requires a removed label)
is always empty; every other problem found on it would be a wrong diagnosis with a fix that
changes nothing, so only the ``removed-*`` problems are reported for it
(:meth:`_Analyzer.dead`; ``Analysis.empty`` says why a whole expression is always empty).

The value *unit* of the expression (``Analysis.unit``: "cores", "bytes", "ratio", "percent",
...) is inferred too, for the alert and dashboard rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from provisor.promql import ast as A
from provisor.promql.labels import Cons, Shape, ShapeBuilder, disjoint, matching_labels
from provisor.promql.metrics import DEFAULT, Knowledge

if TYPE_CHECKING:
    from provisor.promql.exporters import LabelRemoval

__all__ = [
    "Problem", "Analysis", "analyze", "KINDS", "PARSE_ERROR", "NEVER_MATCHES", "RATE_ON_GAUGE",
    "DERIV_ON_COUNTER", "DIVISION_BY_ZERO", "SUM_MIXES_UNLIMITED", "CADVISOR_DOUBLE_COUNT",
    "CORES_AS_RATIO", "JOIN_DROPS_NAMESPACE", "NAMESPACED_OBJECT_LABELS", "UNIT_NAMES",
    "REMOVED_METRIC", "REMOVED_LABEL", "JOIN_DUPLICATES", "DIMENSION_MISMATCH",
]

PARSE_ERROR = "parse-error"
NEVER_MATCHES = "vector-matching-never-matches"
RATE_ON_GAUGE = "rate-on-gauge"
DERIV_ON_COUNTER = "deriv-on-counter"
DIVISION_BY_ZERO = "division-by-zero"
SUM_MIXES_UNLIMITED = "sum-mixes-unlimited"
CADVISOR_DOUBLE_COUNT = "cadvisor-pod-double-count"
CORES_AS_RATIO = "cores-as-ratio"
JOIN_DROPS_NAMESPACE = "join-drops-namespace"
REMOVED_METRIC = "removed-metric"
REMOVED_LABEL = "removed-label"
JOIN_DUPLICATES = "join-duplicates"
DIMENSION_MISMATCH = "dimension-mismatch"
KINDS = (PARSE_ERROR, NEVER_MATCHES, RATE_ON_GAUGE, DERIV_ON_COUNTER, DIVISION_BY_ZERO,
         SUM_MIXES_UNLIMITED, CADVISOR_DOUBLE_COUNT, CORES_AS_RATIO, JOIN_DROPS_NAMESPACE,
         REMOVED_METRIC, REMOVED_LABEL, JOIN_DUPLICATES, DIMENSION_MISMATCH)

#: Labels that name a namespaced Kubernetes object: the same name can exist in several
#: namespaces, so a join or grouping on one of them without ``namespace`` mixes objects.
NAMESPACED_OBJECT_LABELS = frozenset({
    "pod", "persistentvolumeclaim", "deployment", "statefulset", "daemonset", "replicaset",
    "job_name", "cronjob", "horizontalpodautoscaler", "poddisruptionbudget", "resourcequota",
})

#: Unit -> words for messages.
UNIT_NAMES = {
    "cores": "CPU cores", "cpu-seconds": "CPU seconds (a counter)", "bytes": "bytes",
    "bytes/s": "bytes per second", "seconds": "seconds", "ratio": "a ratio (0..1)",
    "percent": "a percentage (0..100)", "celsius": "degrees Celsius",
}

_RATE_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
_GAUGE_FUNCS = frozenset({"deriv", "delta", "idelta", "predict_linear", "holt_winters",
                          "double_exponential_smoothing"})
_VALUE_KEEPING_FUNCS = frozenset({
    "abs", "ceil", "floor", "round", "sort", "sort_desc", "sort_by_label",
    "sort_by_label_desc", "label_replace", "label_join", "last_over_time", "max_over_time",
    "min_over_time", "avg_over_time", "quantile_over_time", "clamp_max",
})
_UNIT_KEEPING_FUNCS = _VALUE_KEEPING_FUNCS | frozenset({
    "clamp", "clamp_min", "sum_over_time", "stddev_over_time", "stdvar_over_time",
    "predict_linear", "holt_winters", "double_exponential_smoothing", "mad_over_time",
    "first_over_time", "scalar", "vector", "histogram_avg", "histogram_sum",
})
_UNIT_KEEPING_AGGS = frozenset({"sum", "min", "max", "avg", "quantile", "topk", "bottomk",
                                "limitk", "limit_ratio", "stddev", "stdvar"})
_KNOWN_UNITS = frozenset(UNIT_NAMES)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of an analysis.

    Attributes:
        kind: one of ``KINDS``.
        message: what is wrong, naming the metric(s) and labels involved.
        fix: how to fix it, or None.
        span: the offending sub-expression as PromQL text (no offsets are available).
        severity: overrides the rule's default severity ("warning" for a removed metric when
            the exporter version is not known), or None.
    """

    kind: str
    message: str
    fix: str | None = None
    span: str | None = None
    severity: str | None = None


@dataclass(slots=True)
class Analysis:
    """The result of :func:`analyze`.

    Attributes:
        expr: the analysed text.
        node: the normalised AST, None when it did not parse.
        error: the parser's message, None when it parsed.
        problems: every problem found, in tree order.
        shape: the label shape of the whole expression (None when it did not parse).
        unit: the unit of the expression's value (see ``UNIT_NAMES``) or None when unknown.
        empty: why the whole expression can never return a series (a removed metric or
            label it needs), else None. Rules that judge what an expression *means* skip
            such expressions: ``promql/removed-*`` already says what is wrong.
    """

    expr: str
    node: A.Node | None
    error: str | None
    problems: tuple[Problem, ...] = ()
    shape: Shape | None = None
    unit: str | None = None
    metrics: frozenset[str] = field(default_factory=frozenset)
    empty: str | None = None

    def of(self, kind: str) -> list[Problem]:
        """The problems of one kind."""
        return [p for p in self.problems if p.kind == kind]


@lru_cache(maxsize=8192)
def analyze(expr: str, knowledge: Knowledge = DEFAULT, templated: bool = False,
            single_vars: frozenset[str] = frozenset()) -> Analysis:
    """Parse and analyse ``expr``; never raises.

    Args:
        expr: PromQL text (for dashboards: Grafana variables already interpolated where the
            grammar needs a value, see ``provisor.check.rules.dashboard._model``).
        knowledge: metric knowledge and user overrides.
        templated: label-matcher values may hold Grafana variables (``$namespace``), whose
            values are unknown.
        single_vars: the Grafana variables that hold a single value (not multi-value, no
            "All" option): ``=~"$var"`` then selects one value, like ``=``.
    """
    node, err = A.try_parse(expr)
    if node is None:
        return Analysis(expr, None, err, (Problem(PARSE_ERROR, f"cannot parse PromQL: {err}",
                                                  "fix the expression (promtool check rules "
                                                  "reports the same)"),))
    try:
        return _Analyzer(knowledge, templated, single_vars).run(expr, node)
    except RecursionError:
        return Analysis(expr, node, "expression too deeply nested to analyse")


class _Analyzer:
    def __init__(self, knowledge: Knowledge, templated: bool,
                 single_vars: frozenset[str]) -> None:
        self.k = knowledge
        self.shapes = ShapeBuilder(knowledge, templated, single_vars)
        self.problems: list[Problem] = []
        self._units: dict[int, str | None] = {}
        self._dead: dict[int, str | None] = {}

    def run(self, expr: str, root: A.Node) -> Analysis:
        self._removed(root)
        for n in A.walk(root):
            if isinstance(n, A.Binary):
                self._binary(n)
            elif isinstance(n, A.Call):
                self._call(n)
            elif isinstance(n, A.Aggregate):
                self._aggregate(n)
        metrics = frozenset(s.name for s in A.walk(root)
                            if isinstance(s, A.Selector) and s.name)
        unit = self.unit(root)
        if unit is not None and unit.startswith("metric:"):
            unit = None  # only used to recognise x / x as a ratio
        return Analysis(expr, root, None, tuple(self.problems), self.shapes.shape(root),
                        unit, metrics, self.dead(root))

    def add(self, kind: str, message: str, fix: str | None, node: A.Node) -> None:
        if self.dead(node) is not None:
            return  # its series cannot exist: only the removed-* problems say so
        self.problems.append(Problem(kind, message, fix, A.render(node)))

    # -- series that cannot exist ----------------------------------------------------------
    def _dead_selector(self, sel: A.Selector) -> str | None:
        from provisor.promql.exporters import removed_label, removed_metric

        versions = self.k.exporter_versions
        if sel.name:
            hit = removed_metric(sel.name, versions)
            if hit is not None:
                r, _known = hit
                return f"{sel.name} was removed in {r.exporter} v{r.version}"
        for label, op, value in sel.matchers:
            lhit = removed_label(sel.name, label, versions)
            if lhit is not None and _needs_value(op, value, self.shapes.templated):
                r2 = lhit[0]
                return (f"the series of {sel.name} have no `{label}` label since "
                        f"{'Kubernetes' if r2.exporter == 'kubelet' else r2.exporter} "
                        f"{r2.version}, so `{label}{op}\"{value}\"` matches none")
        return None

    def dead(self, n: A.Node) -> str | None:
        """Why ``n`` can never return a series (it needs a selector of a removed metric, or a
        matcher requiring a removed label), else None. ``absent()`` of such a selector is
        not dead (it is always 1), nor is a scalar."""
        key = id(n)
        if key in self._dead:
            return self._dead[key]
        out: str | None = None
        if isinstance(n, A.Selector):
            out = self._dead_selector(n)
        elif isinstance(n, (A.Paren, A.Unary, A.Subquery)):
            out = self.dead(n.expr)
        elif isinstance(n, A.Aggregate):
            out = self.dead(n.expr)
        elif isinstance(n, A.Call):
            if n.func not in ("absent", "absent_over_time") and n.returns in ("vector",
                                                                                "matrix"):
                for a in n.args:
                    if self.shapes.shape(a).is_vector:
                        out = self.dead(a)
                        break
        elif isinstance(n, A.Binary):
            lv, rv = self.shapes.shape(n.lhs).is_vector, self.shapes.shape(n.rhs).is_vector
            ld = self.dead(n.lhs) if lv else None
            rd = self.dead(n.rhs) if rv else None
            if n.op == "or":
                out = ld if ld is not None and rd is not None else None
            elif n.op == "unless":
                out = ld
            else:
                out = ld or rd
        self._dead[key] = out
        return out

    def _removed(self, root: A.Node) -> None:
        from provisor.promql.exporters import removed_label, removed_metric

        versions = self.k.exporter_versions
        seen: set[tuple[str, str]] = set()
        for n in A.walk(root):
            if isinstance(n, A.Selector):
                if n.name:
                    hit = removed_metric(n.name, versions)
                    if hit is not None and ("metric", n.name) not in seen:
                        seen.add(("metric", n.name))
                        r, known = hit
                        repl = r.replacement_for(n.name)
                        when = ("" if known else " (assumed: the exporter version is "
                                "not set in .provisor.yaml settings.exporter_versions)")
                        self.problems.append(Problem(
                            REMOVED_METRIC,
                            f"{n.name} is not exported by {r.exporter} since v{r.version}"
                            f"{when} ({r.note}): the selector matches nothing, so every "
                            "expression built on it is always empty (an alert on it can "
                            "never fire, a panel stays blank).",
                            (f"use {repl}" if repl else "read it from another source "
                             "(e.g. kube-state-metrics CustomResourceStateMetrics)")
                            + " (or set settings.exporter_versions if the cluster runs an "
                              "older exporter)",
                            A.render(n), None if known else "warning"))
                for label, op, value in n.matchers:
                    lhit = removed_label(n.name, label, versions)
                    if lhit is not None and ("label", label) not in seen:
                        seen.add(("label", label))
                        self._removed_label_problem(lhit, label, n, n.name or "",
                                                    f"`{label}{op}\"{value}\"`")
            elif isinstance(n, A.Aggregate):
                for label in (n.by or ()) + (n.without or ()):
                    for m in sorted(self.shapes.shape(n.expr).metrics):
                        lhit = removed_label(m, label, versions)
                        if lhit is not None and ("label", label) not in seen:
                            seen.add(("label", label))
                            self._removed_label_problem(lhit, label, n, m,
                                                        f"`{n.op}` grouping by `{label}`")
            elif isinstance(n, A.Binary):
                for label in (n.on or ()) + (n.ignoring or ()) + n.include:
                    for m in sorted(self.shapes.shape(n).metrics):
                        lhit = removed_label(m, label, versions)
                        if lhit is not None and ("label", label) not in seen:
                            seen.add(("label", label))
                            self._removed_label_problem(lhit, label, n, m,
                                                        f"matching on `{label}`")

    def _removed_label_problem(self, hit: "tuple[LabelRemoval, bool]", label: str,
                               node: A.Node, metric: str, where: str) -> None:
        r, known = hit
        who = "Kubernetes" if r.exporter == "kubelet" else r.exporter
        self.problems.append(Problem(
            REMOVED_LABEL,
            f"{where}: the {metric} series have no `{label}` label since {who} {r.version} "
            f"({r.note}); the value is in `{r.replacement}`. A matcher that needs "
            f"`{label}` selects nothing, and grouping or matching on it merges every series "
            "into one" + ("" if known else " (the kubelet version is not set in .provisor."
                          "yaml settings.exporter_versions)") + ".",
            f"use `{r.replacement}` instead of `{label}`", A.render(node),
            None if known else "warning"))

    # -- binary operations ---------------------------------------------------------------
    def _binary(self, n: A.Binary) -> None:
        lhs, rhs = self.shapes.shape(n.lhs), self.shapes.shape(n.rhs)
        if lhs.is_vector and rhs.is_vector:
            if n.op != "or":
                self._never_matches(n, lhs, rhs)
            self._join_namespace(n, lhs, rhs)
            if n.op not in A.SET_OPS:
                self._join_duplicates(n)
        if n.op == "/" and (lhs.is_vector or rhs.is_vector):
            self._division(n)
        if n.op in (">", ">=", "<", "<=") and not n.bool:
            self._cores_threshold(n, lhs, rhs)
        if n.op in A.COMPARISON:
            self._dimensions(n)

    def _never_matches(self, n: A.Binary, lhs: Shape, rhs: Shape) -> None:
        reasons: list[str] = []
        assumed: list[str] = []
        value_conflicts: list[str] = []
        presence: list[str] = []
        origin = False
        for label in sorted(matching_labels(n, lhs, rhs)):
            a, b = lhs.get(label), rhs.get(label)
            if not disjoint(a, b):
                continue
            if a.origin and b.origin and a.origin != b.origin:
                origin = True
                reasons.append(f"`{label}`: the left-hand series are {a.why or a.origin}, the "
                               f"right-hand ones {b.why or b.origin}; raw series of different "
                               "scrape targets never share an instance")
                continue
            if a.absent or b.absent:
                has, lacks, side = (b, a, "right") if a.absent else (a, b, "left")
                other = "left" if side == "right" else "right"
                how = f" ({has.why})" if has.why else ""
                lack_how = f" ({lacks.why})" if lacks.why and lacks.why != has.why else ""
                reasons.append(f"`{label}` is on every {side}-hand series{how} but on no "
                               f"{other}-hand series{lack_how}")
                presence.append(label)
                if has.assumed:
                    assumed.append(label)
            else:
                reasons.append(f"`{label}` is {a.describe()} on the left "
                               f"({a.why or 'known'}) and {b.describe()} on the right "
                               f"({b.why or 'known'})")
                value_conflicts.append(label)
        if not reasons:
            return
        op = n.op
        if op == "and":
            effect = "`and` with it is always empty"
        elif op == "unless":
            effect = "`unless` never removes anything (its result is the left-hand side as is)"
        elif op in A.COMPARISON:
            effect = f"the comparison `{op}` is always empty"
        else:
            effect = f"`{op}` always returns an empty result"
        if n.on is not None:
            how = f"on ({', '.join(n.on)})"
        elif n.ignoring is not None:
            how = f"ignoring ({', '.join(n.ignoring)})"
        else:
            how = "without on() or ignoring(), which compares every label but __name__"
        shown = reasons[:3]
        if len(reasons) > 3:
            shown.append(f"and {len(reasons) - 3} more label(s)")
        msg = (f"the two sides of `{op}` can never match ({how}): left {lhs.describe()}, right "
               f"{rhs.describe()}: " + "; ".join(shown) + f". So {effect}")
        if op not in ("and", "unless"):
            msg += " and an alert on it can never fire"
        if assumed:
            msg += f" (unless `{'`, `'.join(assumed)}` is empty on every series)"
        msg += "."
        self.add(NEVER_MATCHES, msg, self._matching_fix(n, lhs, rhs, value_conflicts,
                                                        presence, origin), n)

    @staticmethod
    def _matching_fix(n: A.Binary, lhs: Shape, rhs: Shape, values: list[str],
                      presence: list[str], origin: bool) -> str:
        if n.on is not None:
            bad = [x for x in values + presence if x in n.on]
            return (f"remove {', '.join(f'`{x}`' for x in bad)} from on(...): the two sides "
                    "select different values of it by design" if bad else
                    "match on labels both sides share")
        if values and not presence and not origin:
            ign = sorted(set(values) | set(n.ignoring or ()))
            return (f"add `ignoring({', '.join(ign)})` (or `on(...)` listing the labels that "
                    "identify a series on both sides)")
        if lhs.closed is not None and rhs.closed is not None:
            common = sorted(lhs.closed & rhs.closed)
            more = "right" if len(rhs.closed) > len(lhs.closed) else "left"
            group = "group_right" if more == "right" else "group_left"
            return (f"aggregate both sides by the same labels, or match with "
                    f"`on({', '.join(common)}) {group}` when the {more}-hand side has "
                    "several series per match")
        return ("match on the labels both sides share, e.g. `on(namespace, pod)` (plus "
                "`container` when both sides have it), with group_left(...) to copy labels "
                "from the one side; or aggregate both sides by the same labels")

    def _join_namespace(self, n: A.Binary, lhs: Shape, rhs: Shape) -> None:
        if n.on is not None:
            keys = set(n.on)
            if "namespace" in keys:
                return
            objs = sorted(keys & NAMESPACED_OBJECT_LABELS)
        elif n.ignoring is not None and "namespace" in n.ignoring:
            objs = sorted((lhs.labels() | rhs.labels()) & NAMESPACED_OBJECT_LABELS
                          - set(n.ignoring))
        else:
            return
        if not objs:
            return
        a, b = lhs.get("namespace"), rhs.get("namespace")
        if a.absent or b.absent:
            return
        if _same_single(a, b):
            return
        one = a if a.single else b if b.single else None
        if one is not None:
            side = "right" if one is a else "left"
            detail = (f"the {side}-hand side is not limited to namespace {one.describe()}, so a "
                      f"{objs[0]} of the same name in another namespace matches too")
        else:
            detail = (f"{objs[0]} names repeat across namespaces, so series of different "
                      "namespaces are joined")
        on_keys = ", ".join(["namespace", *sorted(n.on or objs)])
        self.add(JOIN_DROPS_NAMESPACE,
                 f"`{n.op}` matches on {', '.join(objs)} without namespace: {detail}.",
                 f"add namespace to the matching labels: on({on_keys})", n)

    # -- duplicate series on the "one" side of a join ---------------------------------------
    def _identity(self, sel: A.Selector) -> frozenset[str]:
        """Labels that tell apart the series of ``sel`` for one object: kube-state-metrics'
        documented identity labels (``unit`` goes with ``resource``), cAdvisor's
        ``namespace``, ``pod``, ``container``."""
        target = self.k.scrape_target(sel.name)
        if target == "kube-state-metrics":
            ids = set(self.k.present_labels(sel.name))
        elif target == "kubelet" and self.k.is_cadvisor_per_container(sel.name):
            ids = {"namespace", "pod", "container"}
        else:
            return frozenset()
        shape = self.shapes.shape(sel)
        fixed = {label for label in ids if shape.get(label).single}
        if "resource" in fixed:
            fixed.add("unit")
        return frozenset(ids - fixed)

    def _raw_one_side(self, n: A.Node) -> list[A.Selector]:
        """Raw (not aggregated) selectors whose series a side passes through as they are:
        through parentheses, unary minus, label-keeping functions and arithmetic with
        scalars; an aggregation (other than topk/bottomk/limitk) makes the side unique."""
        n = A.unparen(n)
        if isinstance(n, A.Selector):
            return [n] if n.name and self.k.scrape_target(n.name) in (
                "kube-state-metrics", "kubelet") else []
        if isinstance(n, (A.Unary, A.Subquery)):
            return self._raw_one_side(n.expr)
        if isinstance(n, A.Aggregate):
            return self._raw_one_side(n.expr) if n.op in ("topk", "bottomk", "limitk") else []
        if isinstance(n, A.Call):
            if n.func in ("absent", "absent_over_time", "vector", "scalar", "histogram_quantile",
                          "label_replace", "label_join"):
                return []
            for a in n.args:
                if self.shapes.shape(a).is_vector:
                    return self._raw_one_side(a)
            return []
        if isinstance(n, A.Binary):
            lv, rv = self.shapes.shape(n.lhs).is_vector, self.shapes.shape(n.rhs).is_vector
            if lv and not rv:
                return self._raw_one_side(n.lhs)
            if rv and not lv:
                return self._raw_one_side(n.rhs)
            if n.op in ("and", "unless"):
                return self._raw_one_side(n.lhs)
        return []

    def _join_duplicates(self, n: A.Binary) -> None:
        if n.on is None and not (n.ignoring and "instance" in n.ignoring):
            return  # every label is compared: the series of one side stay distinct
        sides = {"one-to-one": (n.lhs, n.rhs), "many-to-one": (n.rhs,),
                 "one-to-many": (n.lhs,)}.get(n.card, ())
        for side in sides:
            for sel in self._raw_one_side(side):
                reasons: list[str] = []
                if n.on is not None:
                    missing = sorted(self._identity(sel) - set(n.on))
                    if missing:
                        reasons.append(
                            f"{sel.name} has one series per {', '.join(missing)} for each match "
                            f"group (a pod with two containers gives two)")
                ha = ("instance" not in n.on) if n.on is not None else True
                if ha:
                    reasons.append(
                        f"two {self.k.target_name(self.k.scrape_target(sel.name) or '')} "
                        "replicas (an HA pair, or a second scrape job) export each series "
                        "twice, differing only in instance")
                if not reasons:
                    continue
                if n.card == "one-to-one":
                    role = "either side of a one-to-one match"
                    how = ("group_left/group_right makes one side 'many', and aggregating "
                           "the other")
                else:
                    role = "the 'one' side of " + (
                        "group_left" if n.card == "many-to-one" else "group_right")
                    how = "aggregating it"
                self.add(JOIN_DUPLICATES,
                         f"`{A.render(sel, 100)}` is {role} matched "
                         + (f"on ({', '.join(n.on)})" if n.on is not None else
                            f"ignoring ({', '.join(n.ignoring or ())})")
                         + ", but can hold several series per match group: "
                         + "; and ".join(reasons) + ". Prometheus then fails the whole "
                         "evaluation with \"many-to-many matching not allowed: matching labels "
                         "must be unique on one side\" (or \"multiple matches for labels\"), so "
                         "the rule or panel returns an error instead of a value.",
                         f"make it unique by {how}: e.g. `max by ({', '.join(n.on or ('namespace', 'pod'))}) "
                         f"({sel.name}{{...}})`, or match on fewer labels that the series are "
                         "unique by", n)
                return

    # -- division ------------------------------------------------------------------------
    def _division(self, n: A.Binary) -> None:
        for src, reason in self._zero_sources(n.rhs):
            if isinstance(src, A.Number):
                self.add(DIVISION_BY_ZERO, "divides by the literal 0: every result is +Inf, "
                         "-Inf or NaN.", "remove the division", n)
                continue
            name = src.name or "?"
            what = A.render(src, 120)
            self.add(DIVISION_BY_ZERO,
                     f"divides by {what} with no guard against 0: {reason}. x / 0 is +Inf in "
                     "PromQL, and +Inf passes every `>` threshold, so each such series "
                     "looks over its limit (and 0 / 0 gives NaN).",
                     f"filter the divisor: `/ ({what} > 0)`, or `/ on(...) ({name}{{...}} > 0)` "
                     "when matching on labels", n)
        for agg, sel in self._summed_limits(n.rhs):
            self.add(SUM_MIXES_UNLIMITED,
                     f"the divisor `{A.render(agg, 120)}` adds up {sel.name} over a pod's "
                     "containers: containers without a limit add 0 (cAdvisor) or nothing "
                     "(kube-state-metrics), so in a pod with a limited app and an unlimited "
                     "sidecar the usage of both is divided by the app's limit alone (e.g. "
                     "700Mi + 400Mi over 1Gi = 107% with no container near its limit).",
                     "compare per container: aggregate both sides by (namespace, pod, "
                     "container) and divide by the limit filtered with `> 0`", agg)

    def _zero_sources(self, n: A.Node) -> list[tuple[A.Number | A.Selector, str]]:
        """Series (or the literal 0) the value of ``n`` can be 0 because of, following paths
        that keep a 0 a 0, and stopping at guards (``> 0``, ``!= 0``, ``clamp_min(x, c>0)``,
        ``+ c``)."""
        n = A.unparen(n)
        if isinstance(n, A.Number):
            return [(n, "the literal 0")] if n.value == 0 else []
        if isinstance(n, A.Selector):
            reason = self.k.zero_when_unset(n.name)
            if reason is None:
                return []
            if n.name == "kube_resourcequota":
                t = self.shapes.shape(n).get("type")
                vals = t.values
                if vals is not None and "hard" not in vals:
                    return []
            return [(n, reason)]
        if isinstance(n, A.Unary):
            return self._zero_sources(n.expr)
        if isinstance(n, A.Aggregate):
            if n.op in ("count", "group", "count_values"):
                return []
            return self._zero_sources(n.expr)
        if isinstance(n, A.Call):
            if n.func in ("clamp_min", "clamp"):
                lo = A.const_value(n.args[1]) if len(n.args) > 1 else None
                if lo is not None and lo > 0:
                    return []
                return self._zero_sources(n.args[0]) if n.args else []
            if n.func in _VALUE_KEEPING_FUNCS and n.args:
                return self._zero_sources(n.args[0])
            return []
        if isinstance(n, A.Binary):
            lc, rc = A.const_value(n.lhs), A.const_value(n.rhs)
            if n.op in A.COMPARISON:
                if n.bool:  # 0 where the comparison fails, e.g. for the unset limits
                    return self._zero_sources(n.lhs if rc is not None else n.rhs)
                if rc is not None and _excludes_zero(n.op, rc):
                    return []
                if lc is not None and _excludes_zero(_flip(n.op), lc):
                    return []
                if rc is None and lc is None:
                    return []  # filtered by another vector: unknown, give it the benefit
                return self._zero_sources(n.lhs if rc is not None else n.rhs)
            if n.op == "*":
                return ([] if lc is not None and lc != 0 else self._zero_sources(n.lhs)) + (
                    [] if rc is not None and rc != 0 else self._zero_sources(n.rhs))
            if n.op == "/":
                return self._zero_sources(n.lhs)
            if n.op in ("and", "unless"):
                if _is_zero_guard(n.rhs):
                    return []
                return self._zero_sources(n.lhs)
            if n.op == "or":
                return self._zero_sources(n.lhs) + self._zero_sources(n.rhs)
            return []
        return []

    def _summed_limits(self, n: A.Node) -> list[tuple[A.Aggregate, A.Selector]]:
        """Sums over containers of per-container limit series on the value path of ``n``."""
        n = A.unparen(n)
        if isinstance(n, A.Aggregate):
            if n.op == "sum" and _drops(n, "container") and _per_object(n):
                for sel in _value_selectors(n.expr):
                    if self.k.is_limit_series(sel.name) and not self.shapes.shape(sel).get(
                            "container").single:
                        return [(n, sel)]
                return []
            if n.op in ("count", "group", "count_values"):
                return []
            return self._summed_limits(n.expr)
        if isinstance(n, (A.Unary, A.Subquery)):
            return self._summed_limits(n.expr)
        if isinstance(n, A.Call):
            return self._summed_limits(n.args[0]) if n.func in _UNIT_KEEPING_FUNCS and n.args \
                else []
        if isinstance(n, A.Binary):
            if n.op in A.SET_OPS or n.op in A.COMPARISON:
                return self._summed_limits(n.lhs)
            return self._summed_limits(n.lhs) + self._summed_limits(n.rhs)
        return []

    # -- comparisons -----------------------------------------------------------------------
    def _cores_threshold(self, n: A.Binary, lhs: Shape, rhs: Shape) -> None:
        if lhs.is_vector and not rhs.is_vector:
            side, c = n.lhs, A.const_value(n.rhs)
        elif rhs.is_vector and not lhs.is_vector:
            side, c = n.rhs, A.const_value(n.lhs)
        else:
            return
        if c is None or not 0 < c < 1 or self.unit(side) != "cores":
            return
        self.add(CORES_AS_RATIO,
                 f"`{A.render(side, 120)}` is a number of CPU cores (the per-second rate of a "
                 f"CPU-seconds counter), but it is compared with {c:g} as if it were a share "
                 f"of something: {c:g} means {c * 1000:g} millicores, whatever the container's "
                 "request or limit.",
                 "divide by the CPU request (or limit) per container, e.g. `/ on(namespace, "
                 "pod, container) kube_pod_container_resource_requests{resource=\"cpu\"}`, "
                 "or write the threshold in cores on purpose", n)

    def _quantity(self, n: A.Node) -> str | None:
        """What ``n`` measures, for dimension checks: a unit of :data:`UNIT_NAMES`, or
        "count" for a count of series (objects), optionally offset by a constant."""
        n = A.unparen(n)
        if isinstance(n, A.Aggregate) and n.op == "count":
            return "count"
        if isinstance(n, A.Binary) and n.op in ("+", "-"):
            if A.const_value(n.rhs) is not None:
                return self._quantity(n.lhs)
            if A.const_value(n.lhs) is not None:
                return self._quantity(n.rhs)
        u = self.unit(n)
        return u if u in _KNOWN_UNITS else None

    def _fraction_of(self, n: A.Node) -> str | None:
        """For ``x / y`` where both measure the same thing, what they measure."""
        n = A.unparen(n)
        if isinstance(n, A.Binary) and n.op == "/" and self.shapes.shape(n.lhs).is_vector \
                and self.shapes.shape(n.rhs).is_vector:
            a, b = self._quantity(n.lhs), self._quantity(n.rhs)
            if a is not None and a == b:
                return a
        return None

    def _dimensions(self, n: A.Binary) -> None:
        if A.const_value(n.lhs) is not None or A.const_value(n.rhs) is not None:
            return
        fl, fr = self._fraction_of(n.lhs), self._fraction_of(n.rhs)
        if fl and fr and fl != fr and "count" in (fl, fr):
            res = fr if fl == "count" else fl
            self.add(DIMENSION_MISMATCH,
                     f"compares a fraction of {UNIT_NAMES.get(res, res)} with a fraction of a "
                     "count of objects (e.g. (nodes - 1) / nodes): the two are equal only when "
                     "every object has the same size, so on nodes of different sizes the "
                     "threshold is wrong (losing the largest node removes more than 1/n of "
                     "the capacity).",
                     "compare like with like: e.g. `sum(requests) > sum(allocatable) - "
                     "max(allocatable)` (capacity minus the largest node)", n)
            return
        lu, ru = self._quantity(n.lhs), self._quantity(n.rhs)
        plain = {"cores", "bytes", "seconds", "bytes/s", "celsius"}
        if lu in plain and ru in plain and lu != ru:
            self.add(DIMENSION_MISMATCH,
                     f"compares {UNIT_NAMES[lu]} (`{A.render(n.lhs, 80)}`) with "
                     f"{UNIT_NAMES[ru]} (`{A.render(n.rhs, 80)}`): quantities of different "
                     "dimensions, so the comparison has no meaning.",
                     "compare each with a quantity of its own kind (e.g. CPU usage with the "
                     "CPU request, memory with the memory limit)", n)

    # -- calls ---------------------------------------------------------------------------------
    def _call(self, n: A.Call) -> None:
        if not n.args:
            return
        if n.func in _RATE_FUNCS:
            sel = _range_selector(n.args[0])
            if sel is not None and sel.name and self.k.kind(sel.name) == "gauge":
                alt = "deriv()" if n.func in ("rate", "irate") else "delta()"
                what = "per-second slope" if alt == "deriv()" else "change over the range"
                self.add(RATE_ON_GAUGE,
                         f"{n.func}() treats every decrease as a counter reset, but {sel.name} "
                         f"is a gauge ({self.k.kind_reason(sel.name)}): each drop is counted "
                         "as growth (samples 10, 8, 12 give an increase of 12, not 2).",
                         f"use {alt} for a gauge ({what}), or max_over_time / avg_over_time for "
                         "its level", n)
        elif n.func in _GAUGE_FUNCS:
            sel = _range_selector(n.args[0])
            if sel is not None and sel.name and self.k.kind(sel.name) == "counter":
                self.add(DERIV_ON_COUNTER,
                         f"{n.func}() on the counter {sel.name} "
                         f"({self.k.kind_reason(sel.name)}) does not handle counter resets: "
                         "after a restart the counter drops to 0 and the result swings "
                         "negative.",
                         "use rate() (or increase()) for a counter", n)

    # -- aggregations ------------------------------------------------------------------------
    def _aggregate(self, n: A.Aggregate) -> None:
        if n.op == "sum" and _drops(n, "container"):
            sels = [s for s in _cadvisor_unfiltered(self, n.expr)]
            if sels:
                names = ", ".join(sorted({s.name or "" for s in sels}))
                self.add(CADVISOR_DOUBLE_COUNT,
                         f"sums {names} over containers without `container!=\"\"`: cAdvisor also "
                         "exports the pod-level cgroup (container=\"\"), whose value already "
                         "includes every container of the pod, so the pod is counted twice.",
                         "select `{container!=\"\"}` on the cAdvisor series (and prefer "
                         "container_memory_working_set_bytes, which the OOM killer and the "
                         "kubelet's eviction act on, over usage_bytes, which counts page "
                         "cache)", n)
        grouping = n.by
        if n.op in ("topk", "bottomk", "limitk", "limit_ratio") and grouping is None:
            return
        inner = self.shapes.shape(n.expr)
        if grouping is not None:
            if "namespace" in grouping:
                return
            objs = sorted(set(grouping) & NAMESPACED_OBJECT_LABELS)
        elif n.without is not None and "namespace" in n.without:
            objs = sorted((inner.labels() & NAMESPACED_OBJECT_LABELS) - set(n.without))
            if inner.closed is None and not objs:
                return
        else:
            return
        if not objs:
            return
        ns = inner.get("namespace")
        if ns.absent or ns.single:
            return
        self.add(JOIN_DROPS_NAMESPACE,
                 f"`{n.op}` groups by {', '.join(objs)} without namespace: {objs[0]} names "
                 "repeat across namespaces, so objects of different namespaces with the same "
                 "name are merged into one series.",
                 f"group by namespace too: {n.op} by (namespace, {', '.join(objs)})", n)

    # -- units -------------------------------------------------------------------------------
    def unit(self, n: A.Node) -> str | None:
        key = id(n)
        if key in self._units:
            return self._units[key]
        u = self._unit(n)
        self._units[key] = u
        return u

    def _unit(self, n: A.Node) -> str | None:
        if isinstance(n, (A.Paren, A.Unary, A.Subquery)):
            return self.unit(n.expr)
        if isinstance(n, A.Selector):
            shape = self.shapes.shape(n)
            res = shape.get("resource").values
            resource = next(iter(res)) if res is not None and len(res) == 1 else None
            u = self.k.unit(n.name, resource)
            if u is None and n.name and self.k.kind(n.name) == "gauge":
                return f"metric:{n.name}"  # unknown unit, but the same as itself
            return u
        if isinstance(n, A.Aggregate):
            return self.unit(n.expr) if n.op in _UNIT_KEEPING_AGGS else None
        if isinstance(n, A.Call):
            if not n.args:
                return "seconds" if n.func == "time" else None
            f = n.func
            if f == "histogram_quantile" and len(n.args) == 2:
                for s in _value_selectors(n.args[1]):
                    if s.name and s.name.endswith("_bucket"):
                        return self.k.unit(s.name[: -len("_bucket")])
                return None
            arg = n.args[1] if f in ("quantile_over_time",) and len(n.args) > 1 else n.args[0]
            u = self.unit(arg)
            if f in ("rate", "irate", "deriv"):
                if u == "cpu-seconds":
                    return "cores"
                if u == "bytes":
                    return "bytes/s"
                return None
            if f in ("increase", "delta", "idelta"):
                return u if u in _KNOWN_UNITS else None
            if f == "timestamp":
                return "seconds"
            if f in _UNIT_KEEPING_FUNCS:
                return u
            return None
        if isinstance(n, A.Binary):
            lu, ru = self.unit(n.lhs), self.unit(n.rhs)
            lc, rc = A.const_value(n.lhs), A.const_value(n.rhs)
            if n.op in A.COMPARISON:
                if n.bool:
                    return None
                return lu if self.shapes.shape(n.lhs).is_vector or lc is None else ru
            if n.op in ("and", "unless"):
                return lu
            if n.op == "or":
                return lu if lu == ru else None
            if n.op == "/":
                if rc is not None:
                    if rc == 1:
                        return lu
                    if rc == 100 and lu == "percent":
                        return "ratio"
                    return None
                return "ratio" if lu is not None and lu == ru else None
            if n.op == "*":
                c, u = (rc, lu) if rc is not None else (lc, ru)
                if c is None:
                    return None
                if c == 1:
                    return u
                if c == 100 and u == "ratio":
                    return "percent"
                return None
            if n.op in ("+", "-"):
                if rc is not None:
                    return lu
                if lc is not None:
                    return ru
                return lu if lu == ru else None
            return None
        return None


def _needs_value(op: str, value: str, templated: bool) -> bool:
    """A matcher ``label <op> value`` selects no series that lack ``label``. A Grafana
    variable in an ``=``/``=~`` value counts as needing one: a variable filled from a label
    no series carries has no values to offer."""
    from provisor.promql.labels import has_template_var

    if templated and has_template_var(value):
        return op in ("=", "=~")
    if op == "=":
        return value != ""
    if op == "=~":
        import re

        try:
            return re.fullmatch(value, "") is None
        except (re.error, RecursionError):
            return False
    if op == "!~":
        import re

        try:
            return re.fullmatch(value, "") is not None
        except (re.error, RecursionError):
            return False
    return op == "!=" and value == ""


def _flip(op: str) -> str:
    return {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)


def _excludes_zero(op: str, c: float) -> bool:
    """``x <op> c`` keeps no sample whose value is 0."""
    if op == ">":
        return c >= 0
    if op == ">=":
        return c > 0
    if op == "<":
        return c <= 0
    if op == "<=":
        return c < 0
    if op == "!=":
        return c == 0
    if op == "==":
        return c != 0
    return False


def _is_zero_guard(n: A.Node) -> bool:
    n = A.unparen(n)
    return (isinstance(n, A.Binary) and n.op in A.COMPARISON and not n.bool and (
        (A.const_value(n.rhs) is not None and _excludes_zero(n.op, A.const_value(n.rhs) or 0.0))))


def _same_single(a: Cons, b: Cons) -> bool:
    if not (a.single and b.single):
        return False
    va, vb = a.values, b.values
    if va is None or vb is None:
        return True  # both fixed by (templated) equality matchers: the same selection
    return va == vb


def _drops(n: A.Aggregate, label: str) -> bool:
    """The aggregation merges series that differ in ``label``."""
    if n.by is not None:
        return label not in n.by
    if n.without is not None:
        return label in n.without
    return True


def _per_object(n: A.Aggregate) -> bool:
    """The aggregation keeps one series per pod or workload (so its result reads as "this
    object's limit"), rather than a namespace or cluster total."""
    if n.by is not None:
        return bool(set(n.by) & (NAMESPACED_OBJECT_LABELS | {"workload"}))
    if n.without is not None:
        return "pod" not in n.without
    return False


def _range_selector(n: A.Node) -> A.Selector | None:
    n = A.unparen(n)
    if isinstance(n, A.Selector):
        return n
    if isinstance(n, A.Subquery):
        inner = A.unparen(n.expr)
        return inner if isinstance(inner, A.Selector) else None
    return None


def _value_selectors(n: A.Node) -> list[A.Selector]:
    """Selectors on the value path of ``n``: not under a comparison's threshold side, a
    ``count``, or the right side of ``and``/``unless``."""
    n = A.unparen(n)
    if isinstance(n, A.Selector):
        return [n]
    if isinstance(n, (A.Unary, A.Subquery)):
        return _value_selectors(n.expr)
    if isinstance(n, A.Aggregate):
        return [] if n.op in ("count", "group", "count_values") else _value_selectors(n.expr)
    if isinstance(n, A.Call):
        out: list[A.Selector] = []
        for a in n.args:
            out.extend(_value_selectors(a))
        return out
    if isinstance(n, A.Binary):
        if n.op in ("and", "unless"):
            return _value_selectors(n.lhs)
        return _value_selectors(n.lhs) + _value_selectors(n.rhs)
    return []


def _cadvisor_unfiltered(an: _Analyzer, n: A.Node) -> list[A.Selector]:
    """cAdvisor per-container selectors under ``n`` that still include the pod-level cgroup
    (no ``container`` or ``image`` filter excluding the empty value), not already merged over
    containers by an inner aggregation and not filtered by a join on ``container``."""
    n = A.unparen(n)
    if isinstance(n, A.Selector):
        if not an.k.is_cadvisor_per_container(n.name):
            return []
        s = an.shapes.shape(n)
        if s.get("container").present or s.get("image").present:
            return []
        if s.get("container").values is not None:
            return []
        return [n]
    if isinstance(n, (A.Unary, A.Subquery)):
        return _cadvisor_unfiltered(an, n.expr)
    if isinstance(n, A.Aggregate):
        if _drops(n, "container"):
            return []
        return _cadvisor_unfiltered(an, n.expr)
    if isinstance(n, A.Call):
        out: list[A.Selector] = []
        for a in n.args:
            out.extend(_cadvisor_unfiltered(an, a))
        return out
    if isinstance(n, A.Binary):
        lhs, rhs = an.shapes.shape(n.lhs), an.shapes.shape(n.rhs)
        if lhs.is_vector and rhs.is_vector and n.op != "or":
            on_container = (n.on is not None and "container" in n.on) or (
                n.on is None and "container" not in (n.ignoring or ()))
            if on_container and (lhs.get("container").present or rhs.get("container").present):
                return []
        if n.op in ("and", "unless"):
            return _cadvisor_unfiltered(an, n.lhs)
        return _cadvisor_unfiltered(an, n.lhs) + _cadvisor_unfiltered(an, n.rhs)
    return []

