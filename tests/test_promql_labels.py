"""``provisor.promql.labels``: matcher constraints, and output label shapes of every kind of
expression (promql/engine.go ``resultMetric``, aggregations, promql/functions.go)."""

from __future__ import annotations

import pytest

from provisor.promql import ast as A
from provisor.promql.labels import (
    ABSENT, ANY, Cons, ShapeBuilder, disjoint, join, literal_alternatives, matcher_cons, meet,
)
from provisor.promql.metrics import DEFAULT


def shape(text: str, templated: bool = False, single=frozenset()):
    return ShapeBuilder(DEFAULT, templated, single).shape(A.parse(text))


@pytest.mark.parametrize("regex, alts", [
    ("a", {"a"}), ("a|b", {"a", "b"}), ("(a|b)", {"a", "b"}), ("(?:used|hard)", {"used", "hard"}),
    (r"kube\-system|default", {"kube-system", "default"}), ("", {""}), ("a|", {"a", ""}),
    (".*", None), (".+", None), ("a.*", None), ("[ab]", None), ("(a)|(b)", None), (r"\d", None),
], ids=["one", "two", "group", "noncapture", "escaped", "empty", "with-empty", "dotstar",
        "dotplus", "prefix", "class", "two-groups", "escape-class"])
def test_literal_alternatives(regex, alts):
    assert literal_alternatives(regex) == (frozenset(alts) if alts is not None else None)


@pytest.mark.parametrize("op, value, allowed, excluded, single", [
    ("=", "used", {"used"}, set(), True),
    ("=", "", {""}, set(), True),
    ("!=", "", None, {""}, False),
    ("!=", "x", None, {"x"}, False),
    ("=~", "a|b", {"a", "b"}, set(), False),
    ("=~", ".+", None, {""}, False),
    ("=~", ".*", None, set(), False),
    ("!~", "a|b", None, {"a", "b"}, False),
    ("!~", ".*", None, {""}, False),
    ("!~", "a.*", None, set(), False),
], ids=["eq", "eq-empty", "ne-empty", "ne", "re-alts", "re-nonempty", "re-any", "nre-alts",
        "nre-any", "nre-prefix"])
def test_matcher_cons(op, value, allowed, excluded, single):
    c = matcher_cons(op, value)
    assert c.allowed == (frozenset(allowed) if allowed is not None else None)
    assert c.excluded == frozenset(excluded)
    assert c.single is single


def test_templated_matchers():
    assert matcher_cons("=", "$namespace", templated=True).single
    assert matcher_cons("=", "$namespace", templated=True).allowed is None
    assert matcher_cons("=~", "$namespace", templated=True) == ANY
    assert matcher_cons("=~", "$namespace", templated=True,
                        single_vars=frozenset({"namespace"})).single
    assert matcher_cons("=~", "${namespace}", templated=True,
                        single_vars=frozenset({"namespace"})).single
    # not templated: "$namespace" is a literal value
    assert matcher_cons("=", "$namespace").allowed == {"$namespace"}


def test_meet_join_disjoint():
    used, hard = matcher_cons("=", "used"), matcher_cons("=", "hard")
    assert disjoint(used, hard)
    assert not disjoint(used, used)
    assert not disjoint(used, ANY)
    assert disjoint(ABSENT, matcher_cons("!=", ""))
    assert not disjoint(ABSENT, matcher_cons("!=", "x"))
    assert disjoint(matcher_cons("=~", "a|b"), matcher_cons("!~", "a|b"))
    assert not disjoint(matcher_cons("=~", "a|b"), matcher_cons("=~", "b|c"))
    assert disjoint(Cons(origin="kube-state-metrics"), Cons(origin="node"))
    assert not disjoint(Cons(origin="node"), Cons(origin="node"))
    assert meet(used, ANY) is used and meet(ANY, hard) is hard
    j = join(used, hard)
    assert j.allowed == {"used", "hard"} and not j.single
    assert join(used, ANY).allowed is None


def test_selector_shape_with_knowledge():
    s = shape('kube_pod_container_resource_requests{namespace="a", resource="cpu"}')
    assert s.type == "vector" and s.closed is None
    assert s.get("namespace").values == {"a"}
    assert s.get("container").present  # documented by kube-state-metrics
    assert s.get("phase").absent  # an identity label the metric does not have
    assert not s.get("namespace").absent  # target labels are never claimed absent
    assert s.get("instance").origin == "kube-state-metrics"
    assert shape("container_memory_working_set_bytes").get("instance").origin == "node"
    assert shape("node_memory_MemAvailable_bytes").get("instance").origin == "node"
    assert shape("my_app_requests_total").get("instance") == ANY
    assert shape("namespace:x:sum").get("instance") == ANY  # recording rules: unknown
    assert shape("x[5m]").type == "matrix"


def test_or_matchers_join():
    s = shape('x{a="1" or a="2"}')
    assert s.get("a").values == {"1", "2"}


@pytest.mark.parametrize("text, closed", [
    ("sum by (a, b) (x)", {"a", "b"}),
    ("sum(x)", set()),
    ("count_values(\"v\", x)", {"v"}),
    ("sum by (a) (x) / sum by (a) (y)", {"a"}),
    ("sum by (a, b) (x) / on (a) group_left sum by (a) (y)", {"a", "b"}),
    ("sum by (a) (x) * on (a) group_right (c) sum by (a, b) (y)", {"a", "b", "c"}),
    ("sum by (a, b) (x) / on (a) sum by (a, b) (y)", {"a"}),
    ("sum by (a, b) (x) / ignoring (b) sum by (a) (y)", {"a"}),
    ("sum by (a) (x) > 1", {"a"}),
    ("sum by (a) (x) or sum by (b) (y)", {"a", "b"}),
    ("sum by (a) (x) and sum by (a) (y)", {"a"}),
    ("histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))", {"job"}),
    ("vector(1)", set()),
    ("absent(up{job=\"x\", instance=~\"a.*\"})", {"job"}),
    ("absent(sum(x))", set()),
    ("label_replace(sum by (a) (x), \"b\", \"v\", \"\", \"\")", {"a", "b"}),
    ("topk(1, sum by (a) (x))", {"a"}),
    ("sum by (a) (x)[5m:]", {"a"}),
    ("-sum by (a) (x)", {"a"}),
], ids=["by", "none", "count-values", "one-to-one", "group-left", "group-right-include",
        "on-keeps-only-on", "ignoring-drops", "comparison", "or", "and", "histogram-drops-le",
        "vector", "absent-selector", "absent-expr", "label-replace-adds", "topk-keeps",
        "subquery", "unary"])
def test_closed_label_sets(text, closed):
    assert shape(text).closed == frozenset(closed)


def test_without_drops_labels_from_open_sets():
    s = shape('sum without (instance, job) (x{job="a"})')
    assert s.closed is None
    assert s.get("instance").absent and s.get("job").absent


def test_by_labels_assumed_present():
    s = shape("sum by (a) (x)")
    assert s.get("a").present and s.get("a").assumed
    assert s.get("z").absent


def test_constraints_flow_through_functions_and_aggregations():
    s = shape('max by (type) (rate(x{type="used"}[5m]))')
    assert s.get("type").values == {"used"}
    s = shape('x{a="1"} and on (a) y')
    assert s.get("a").values == {"1"}
    s = shape('label_replace(x{type="used"}, "type", "hard", "type", "used")')
    assert s.get("type").values == {"hard"}
    s = shape('label_replace(x{type="used"}, "type", "q-$1", "type", "(u.*)")')
    assert s.get("type").values == {"q-used"}
    s = shape('label_replace(x{type="used"}, "type", "$1", "other", "(.*)")')
    assert s.get("type") == ANY or s.get("type").values is None
    s = shape('label_join(x{a="1"}, "a", "-", "b", "c")')
    assert s.get("a").values is None


def test_scalars():
    assert shape("1 + 2").type == "scalar"
    assert shape("scalar(x)").type == "scalar"
    assert shape("time()").type == "scalar"
    assert shape("scalar(x) * sum by (a) (y)").closed == {"a"}
