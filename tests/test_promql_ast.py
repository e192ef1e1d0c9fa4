"""``provisor.promql.ast``: parsing into normalised nodes, rendering, constants, walking, and
parse errors that never crash."""

from __future__ import annotations

import pytest

from provisor.promql import ast as A


def test_selector_normalised():
    n = A.parse('http_requests_total{job="api", code=~"5..", method!="GET", path!~"/x"}'
                "[5m] offset 1m")
    assert isinstance(n, A.Selector)
    assert n.name == "http_requests_total"
    assert n.matchers == (("job", "=", "api"), ("code", "=~", "5.."), ("method", "!=", "GET"),
                          ("path", "!~", "/x"))
    assert n.range == 300.0 and n.offset == 60.0 and not n.at


def test_name_from_name_matcher():
    n = A.parse('{__name__="up", job="x"}')
    assert isinstance(n, A.Selector) and n.name == "up" and n.matchers == (("job", "=", "x"),)


def test_name_regex_is_not_a_name():
    n = A.parse('{__name__=~"up|down"}')
    assert isinstance(n, A.Selector) and n.name is None
    assert n.matchers == (("__name__", "=~", "up|down"),)


def test_binary_modifiers():
    n = A.parse("a / on (x, y) group_left (z) b")
    assert isinstance(n, A.Binary)
    assert (n.op, n.on, n.ignoring, n.card, n.include, n.bool) == (
        "/", ("x", "y"), None, "many-to-one", ("z",), False)
    n = A.parse("a > bool ignoring (x) group_right b")
    assert (n.op, n.on, n.ignoring, n.card, n.bool) == (">", None, ("x",), "one-to-many", True)
    n = A.parse("a and on () b")
    assert (n.op, n.on, n.card) == ("and", (), "many-to-many")
    n = A.parse("a + b")
    assert (n.on, n.ignoring, n.card) == (None, None, "one-to-one")


@pytest.mark.parametrize("text, op, by, without, param", [
    ("sum by (a, b) (x)", "sum", ("a", "b"), None, None),
    ("sum without (a) (x)", "sum", None, ("a",), None),
    ("sum(x)", "sum", None, None, None),
    ("sum without () (x)", "sum", None, (), None),
    ("topk(3, x)", "topk", None, None, 3.0),
    ("quantile by (a) (0.9, x)", "quantile", ("a",), None, 0.9),
], ids=["by", "without", "none", "without-empty", "topk", "quantile"])
def test_aggregations(text, op, by, without, param):
    n = A.parse(text)
    assert isinstance(n, A.Aggregate)
    assert (n.op, n.by, n.without) == (op, by, without)
    assert (A.const_value(n.param) if n.param is not None else None) == param


def test_count_values_param_is_string():
    n = A.parse('count_values("version", build_info)')
    assert isinstance(n.param, A.String) and n.param.value == "version"


def test_calls_subqueries_unary():
    n = A.parse("max_over_time(rate(x[5m])[1h:30s] offset 2m)")
    assert isinstance(n, A.Call) and n.func == "max_over_time" and n.returns == "vector"
    sub = n.args[0]
    assert isinstance(sub, A.Subquery) and sub.range == 3600 and sub.step == 30
    assert sub.offset == 120
    assert A.parse("scalar(x)").returns == "scalar"
    assert isinstance(A.parse("-x"), A.Unary)
    assert isinstance(A.parse("x @ start()"), A.Selector) and A.parse("x @ 100").at


def test_holt_winters_is_known():
    """Prometheus 2.x's name for double_exponential_smoothing (promql/functions.go)."""
    n = A.parse("holt_winters(x[5m], 0.1, 0.5)")
    assert isinstance(n, A.Call) and n.func == "holt_winters"


@pytest.mark.parametrize("text", [
    "sum(", "foo{", "rate(x)", "x + on(a) group_left y offset", "1 +", "x[5m", "",
    "sum by (a) b", "x{a=~}", "\x00", "a and 1",
], ids=["unclosed-paren", "unclosed-brace", "rate-of-vector", "offset-no-duration",
        "dangling-op", "unclosed-range", "empty", "by-without-parens", "matcher-no-value",
        "nul", "set-op-scalar"])
def test_parse_errors_never_raise_from_try_parse(text):
    node, err = A.try_parse(text)
    assert node is None and isinstance(err, str) and err
    with pytest.raises(A.PromQLParseError):
        A.parse(text)


def test_parse_error_message_is_the_parsers():
    assert A.try_parse("sum(")[1] == "unclosed left parenthesis"
    assert "expected type matrix" in A.try_parse("rate(x)")[1]


def test_parse_is_cached():
    assert A.parse("sum(rate(x[5m]))") is A.parse("sum(rate(x[5m]))")


@pytest.mark.parametrize("text, value", [
    ("0.8", 0.8), ("14.4 * 0.001", 14.4 * 0.001), ("-(2 + 3)", -5.0), ("2 ^ 10", 1024.0),
    ("1 / 0", None), ("x", None), ("1024 * x", None), ("(((3)))", 3.0),
], ids=["literal", "product", "unary", "power", "div-zero", "vector", "mixed", "parens"])
def test_const_value(text, value):
    got = A.const_value(A.parse(text))
    assert got == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize("text, rendered", [
    ('sum by (a) (rate(x{a="b"}[5m] offset 1m))', 'sum by (a) (rate(x{a="b"}[5m] offset 1m))'),
    ("a / on (x) group_left (y) b > bool 0.8", "a / on (x) group_left (y) b > bool 0.8"),
    ("topk(3, x)", "topk(3, x)"),
    ("x[1h:5m]", "x[1h:5m]"),
    ('{__name__=~"a.*"}', '{__name__=~"a.*"}'),
    ("(a + b) * 2", "(a + b) * 2"),
], ids=["aggregate", "binary", "topk", "subquery", "name-regex", "paren"])
def test_render_round_trips(text, rendered):
    assert A.render(A.parse(text)) == rendered
    assert A.render(A.parse(rendered)) == rendered


def test_render_limit():
    long = " + ".join(f"metric_{i}" for i in range(100))
    out = A.render(A.parse(long), limit=50)
    assert len(out) == 50 and out.endswith("...")


def test_walk_preorder_and_children():
    n = A.parse("sum(a) / b")
    kinds = [type(x).__name__ for x in A.walk(n)]
    assert kinds == ["Binary", "Aggregate", "Selector", "Selector"]
    assert A.children(A.parse("x")) == ()
