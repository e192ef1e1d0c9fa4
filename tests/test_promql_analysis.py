"""``provisor.promql.analysis``: each analysis on small expressions, positive and negative,
and the expressions of cases 13, 15, 16 and the spec's PrometheusRule."""

from __future__ import annotations

import pytest

from provisor.promql.analysis import (
    CADVISOR_DOUBLE_COUNT, CORES_AS_RATIO, DERIV_ON_COUNTER, DIVISION_BY_ZERO,
    JOIN_DROPS_NAMESPACE, KINDS, NEVER_MATCHES, PARSE_ERROR, RATE_ON_GAUGE, SUM_MIXES_UNLIMITED,
    analyze,
)
from provisor.promql.metrics import Knowledge


def kinds(expr: str, **kw) -> list[str]:
    return [p.kind for p in analyze(expr, **kw).problems]


# -- vector matching -----------------------------------------------------------------------
NEVER = [
    ('kube_resourcequota{type="used"} / kube_resourcequota{type="hard"}', "type"),
    ('sum by (namespace, pod) (container_memory_working_set_bytes{container!=""}) / '
     'sum by (namespace, pod, container) (kube_pod_container_resource_requests)', "container"),
    ('sum by (a, b) (x) / sum by (a, b, c) (y)', "`c`"),
    ('container_memory_working_set_bytes / kube_pod_container_resource_limits', "instance"),
    ('slo:ratio:rate5m{window="5m"} > 0.01 and slo:ratio:rate1h{window="1h"} > 0.01',
     "window"),
    ('x{type="a"} > x{type="b"}', "comparison"),
    ('x{type="a"} > bool x{type="b"}', "comparison"),
    ('x{type="a"} unless x{type="b"}', "never removes"),
    ('x{type="a"} / on (pod, type) x{type="b"}', "on (pod, type)"),
    ('x{type=~"a|b"} / x{type=~"c|d"}', "type"),
    ('x{type="a"} / x{type!~"a|b"}', "type"),
    ('x{container=""} / y{container!=""}', "container"),
    ('topk(1, x{type="a"}) / x{type="b"}', "type"),
    ('max_over_time(rate(x{type="a"}[5m])[1h:]) / x{type="b"} offset 5m', "type"),
    ('histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) / '
     'sum by (le) (rate(x_bucket[5m]))', "le"),
    ('sum(x) / kube_pod_info', "instance"),
    ('vector(1) and kube_pod_info', "and"),
    ('label_replace(x{type="used"}, "type", "q-$1", "type", "(u.*)") / x{type="used"}', "type"),
    ('kube_node_status_allocatable{resource="cpu"} - '
     'sum by (node) (kube_pod_container_resource_requests{resource="cpu"})', "resource"),
    ('count_values("v", x) / sum by (w) (y)', "v"),
    ('sum without (instance) (kube_pod_info) / kube_pod_info', "instance"),
    ('absent(up{job="a"}) / up{job="b"}', "job"),
]


@pytest.mark.parametrize("expr, mention", NEVER, ids=[
    "quota-used-vs-hard", "case15-by-sets", "by-sets-unknown-metrics", "cadvisor-vs-ksm",
    "case15-and-window", "comparison", "comparison-bool", "unless", "on-list-conflict",
    "regex-alternatives", "eq-vs-negative-regex", "absent-vs-present", "topk-keeps-labels",
    "subquery-offset", "histogram-quantile-drops-le", "aggregate-vs-raw-ksm", "vector-and",
    "label-replace", "ksm-resource-vs-by-node", "count-values-label", "without-instance",
    "absent-labels"])
def test_never_matches(expr, mention):
    a = analyze(expr)
    probs = a.of(NEVER_MATCHES)
    assert len(probs) == 1, a.problems
    assert mention in probs[0].message + (probs[0].fix or "")
    assert probs[0].fix


MATCHES = [
    'kube_resourcequota{type="used"} / ignoring (type) kube_resourcequota{type="hard"}',
    'kube_resourcequota{type="used"} / on (namespace, resource, resourcequota) '
    'kube_resourcequota{type="hard"}',
    'sum by (a) (x) / sum by (a) (y)',
    'sum(x) / sum(y)',
    'rate(a_sum[5m]) / rate(a_count[5m])',
    'x / y',
    'x{type="a"} or x{type="b"}',
    'sum by (a) (x) or vector(0)',
    'x{a="1"} / on (b) y{a="2"}',
    'x{t="1"} * on (pod) group_left (node) y{t="2"}',
    'container_memory_working_set_bytes / on (namespace, pod, container) '
    'kube_pod_container_resource_limits',
    'container_memory_working_set_bytes / container_spec_memory_limit_bytes',
    'kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes',
    'absent(up{job="a"}) * on () group_left up',
    'up{job="a"} == 0 or absent(up{job="a"})',
    'label_replace(x{type="used"}, "type", "hard", "type", "used") / x{type="hard"}',
    'x{type="a"} > 0.5',
    'scalar(x{type="a"}) * y{type="b"}',
    'node_memory_MemAvailable_bytes / container_memory_usage_bytes',
    'sum by (namespace) (kube_pod_info) / on (namespace) group_left sum by (namespace, pod) (y)',
    'x{type="$a"} / x{type="$b"}',
    '{__name__="a", t="1"} / {__name__="b", t="1"}',
]


@pytest.mark.parametrize("expr", MATCHES, ids=[
    "ignoring-type", "on-identity", "same-by", "both-summed", "sum-over-count",
    "unknown-raw", "or-is-union", "or-vector", "on-other-label", "group-left",
    "cadvisor-ksm-on", "cadvisor-same-target", "kubelet-volume-stats", "absent-on",
    "or-absent", "label-replace-to-match", "vector-scalar", "scalar-func",
    "node-exporter-and-kubelet-may-share-instance", "many-to-one-on", "templated-values",
    "names-are-not-matched"])
def test_can_match(expr):
    assert analyze(expr, templated=True).of(NEVER_MATCHES) == []


# -- rate on gauge / deriv on counter ---------------------------------------------------------
@pytest.mark.parametrize("expr", [
    'rate(container_memory_working_set_bytes{container!=""}[30m])',
    "increase(kube_deployment_status_replicas[1h])",
    "irate(node_memory_MemAvailable_bytes[5m])",
    "resets(kubelet_volume_stats_used_bytes[1h])",
    "rate(container_memory_usage_bytes[5m:1m])",
    "sum(rate(container_spec_memory_limit_bytes[5m]))",
], ids=["case16", "increase-ksm", "irate-node", "resets", "subquery", "nested"])
def test_rate_on_gauge(expr):
    probs = analyze(expr).of(RATE_ON_GAUGE)
    assert len(probs) == 1 and "gauge" in probs[0].message
    assert "deriv()" in probs[0].fix or "delta()" in probs[0].fix


@pytest.mark.parametrize("expr", [
    "rate(container_cpu_usage_seconds_total[5m])",
    "rate(http_requests_total[5m])",
    "rate(my_unknown_metric[5m])",
    "rate(namespace:foo:sum[5m])",
    "rate(container_memory_failcnt[5m])",
    "deriv(container_memory_working_set_bytes[30m])",
], ids=["cadvisor-counter", "convention", "unknown", "recording-rule", "counter-no-suffix",
        "deriv-gauge"])
def test_rate_on_counter_ok(expr):
    assert analyze(expr).of(RATE_ON_GAUGE) == []


def test_overridden_gauge():
    k = Knowledge.from_settings([], ["my_queue_depth"])
    assert [p.kind for p in analyze("rate(my_queue_depth[5m])", k).problems] == [RATE_ON_GAUGE]


@pytest.mark.parametrize("expr, n", [
    ("deriv(http_requests_total[10m])", 1),
    ("delta(container_cpu_usage_seconds_total[10m])", 1),
    ("predict_linear(node_cpu_seconds_total[1h], 3600)", 1),
    ("holt_winters(http_requests_total[10m], 0.1, 0.1)", 1),
    ("predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600)", 0),
    ("delta(my_gauge[1h])", 0),
], ids=["deriv", "delta", "predict-linear", "holt-winters", "gauge-ok", "unknown-ok"])
def test_deriv_on_counter(expr, n):
    assert len(analyze(expr).of(DERIV_ON_COUNTER)) == n


# -- division by zero ------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    'container_memory_working_set_bytes{container="agent"} / container_spec_memory_limit_bytes '
    '> 0.85',
    'sum by (namespace, pod) (container_memory_usage_bytes) / sum by (namespace, pod) '
    '(container_spec_memory_limit_bytes) > 0.9',
    'kube_resourcequota{type="used"} / ignoring (type) kube_resourcequota{type="hard"}',
    'kube_resourcequota{type="used"} / ignoring (type) kube_resourcequota',
    'x / (container_spec_memory_limit_bytes * 1024)',
    'x / max_over_time(container_spec_memory_limit_bytes[5m])',
    'x / (container_spec_memory_limit_bytes > bool 0)',
    "x / 0",
], ids=["seed-item-20", "case13", "quota-hard", "quota-any-type", "scaled", "over-time",
        "bool-is-no-guard", "literal"])
def test_division_by_zero(expr):
    assert len(analyze(expr).of(DIVISION_BY_ZERO)) == 1


@pytest.mark.parametrize("expr", [
    'x / (container_spec_memory_limit_bytes > 0)',
    'x / (container_spec_memory_limit_bytes != 0)',
    'x / (container_spec_memory_limit_bytes >= 1)',
    'x / clamp_min(container_spec_memory_limit_bytes, 1)',
    'x / (container_spec_memory_limit_bytes + 1)',
    'x / (0 < container_spec_memory_limit_bytes)',
    'kube_resourcequota{type="used"} / ignoring (type) (kube_resourcequota{type="hard"} > 0)',
    'kube_resourcequota{type="used"} / ignoring (type) kube_resourcequota{type="used"}',
    'x / kube_pod_container_resource_limits',
    'x / count(container_spec_memory_limit_bytes)',
    'container_spec_memory_limit_bytes / x',
    'x / (container_spec_memory_limit_bytes and container_spec_memory_limit_bytes > 0)',
], ids=["gt-zero", "ne-zero", "ge-one", "clamp-min", "plus-one", "flipped", "quota-guarded",
        "quota-used", "ksm-limit-absent-when-unset", "count", "numerator", "and-guard"])
def test_division_guarded(expr):
    assert analyze(expr).of(DIVISION_BY_ZERO) == []


# -- sums of limits / cAdvisor double count ------------------------------------------------------
def test_case13_sum_mixes_unlimited_and_double_count():
    a = analyze('sum by (namespace, pod) (container_memory_usage_bytes{namespace="team-a"}) '
                '/ sum by (namespace, pod) (container_spec_memory_limit_bytes'
                '{namespace="team-a"}) > 0.9')
    assert [p.kind for p in a.problems] == [DIVISION_BY_ZERO, SUM_MIXES_UNLIMITED,
                                            CADVISOR_DOUBLE_COUNT, CADVISOR_DOUBLE_COUNT]
    assert "107%" in a.of(SUM_MIXES_UNLIMITED)[0].message


def test_case13_corrected_expression_is_clean():
    """The corrected expression given in case 13."""
    a = analyze('max by (namespace, pod, container) (container_memory_working_set_bytes'
                '{container!=""}) / on (namespace, pod, container) (max by (namespace, pod, '
                'container) (container_spec_memory_limit_bytes{container!=""}) > 0) > 0.9')
    assert a.problems == ()


@pytest.mark.parametrize("expr, n", [
    ("x / sum by (namespace, pod) (kube_pod_container_resource_limits)", 1),
    ("x / sum by (workload) (kube_pod_container_resource_limits)", 1),
    ("x / sum by (namespace, pod, container) (kube_pod_container_resource_limits)", 0),
    ("x / sum by (namespace) (kube_pod_container_resource_limits)", 0),
    ('x / sum by (pod) (kube_pod_container_resource_limits{container="app"})', 0),
    ("sum by (pod) (kube_pod_container_resource_limits) / x", 0),
    ("x / sum by (pod) (kube_pod_container_resource_requests)", 0),
], ids=["by-pod", "by-workload", "by-container", "namespace-total", "one-container",
        "numerator", "requests"])
def test_sum_mixes_unlimited(expr, n):
    assert len(analyze(expr).of(SUM_MIXES_UNLIMITED)) == n


@pytest.mark.parametrize("expr, n", [
    ("sum by (pod) (container_memory_working_set_bytes)", 1),
    ("sum(rate(container_cpu_usage_seconds_total[5m]))", 1),
    ('sum by (pod) (container_memory_working_set_bytes{container!=""})', 0),
    ('sum by (pod) (container_memory_working_set_bytes{image!=""})', 0),
    ('sum by (pod) (container_memory_working_set_bytes{container="app"})', 0),
    ('sum by (pod) (container_memory_working_set_bytes{container=~".+"})', 0),
    ("sum by (pod, container) (container_memory_working_set_bytes)", 0),
    ("sum by (pod) (container_network_receive_bytes_total)", 0),
    ("max by (pod) (container_memory_working_set_bytes)", 0),
    ("sum by (pod) (container_memory_working_set_bytes * on (namespace, pod, container) "
     "group_left kube_pod_container_info)", 0),
], ids=["sum-by-pod", "sum-all", "container-ne-empty", "image-ne-empty", "one-container",
        "regex-nonempty", "keeps-container", "network-pod-level", "max", "joined-on-container"])
def test_cadvisor_double_count(expr, n):
    assert len(analyze(expr).of(CADVISOR_DOUBLE_COUNT)) == n


# -- cores as ratio ------------------------------------------------------------------------------
@pytest.mark.parametrize("expr, n", [
    ('rate(container_cpu_usage_seconds_total{container="agent"}[5m]) > 0.8', 1),
    ("sum by (pod) (rate(container_cpu_usage_seconds_total[5m])) >= 0.9", 1),
    ("0.8 < rate(process_cpu_seconds_total[5m])", 1),
    ("node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate > 0.5", 1),
    ("rate(container_cpu_usage_seconds_total[5m]) > 2", 0),
    ("rate(container_cpu_usage_seconds_total[5m]) > 1", 0),
    ("sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total[5m])) / on "
     "(namespace, pod, container) kube_pod_container_resource_requests{resource=\"cpu\"} > 0.8",
     0),
    ("rate(node_cpu_seconds_total{mode=\"idle\"}[5m]) < 0.1", 0),
    ("rate(container_cpu_usage_seconds_total[5m]) > bool 0.8", 0),
], ids=["seed-item-19", "summed", "flipped", "recording-rule", "two-cores", "one-core",
        "divided-by-request", "node-cpu-per-cpu", "bool"])
def test_cores_as_ratio(expr, n):
    assert len(analyze(expr).of(CORES_AS_RATIO)) == n


# -- join drops namespace ------------------------------------------------------------------------
@pytest.mark.parametrize("expr, n, mention", [
    ('increase(kube_pod_container_status_restarts_total{namespace="agent-platform"}[5m]) > 0 '
     'and on (pod) kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
     1, "not limited to namespace"),
    ("x * on (pod) group_left (node) kube_pod_info", 1, "pod"),
    ("x / ignoring (namespace) y{pod!=\"\"}", 1, "pod"),
    ("sum by (pod) (container_memory_working_set_bytes{container!=\"\"})", 1, "groups by pod"),
    ("sum without (namespace) (kube_pod_info)", 1, "pod"),
    ("topk by (pod) (1, kube_pod_info)", 1, "pod"),
    ("x * on (namespace, pod) group_left (node) kube_pod_info", 0, ""),
    ('x{namespace="a"} * on (pod) y{namespace="a"}', 0, ""),
    ('sum by (pod) (container_memory_working_set_bytes{namespace="a"})', 0, ""),
    ("sum by (namespace, pod) (x)", 0, ""),
    ("sum by (node) (x)", 0, ""),
    ("x * on (node) group_left kube_node_info", 0, ""),
], ids=["seed-item-21", "on-pod", "ignoring-namespace", "by-pod", "without-namespace",
        "topk-by-pod", "on-namespace-pod", "same-namespace", "one-namespace", "by-ns-pod",
        "by-node", "on-node"])
def test_join_drops_namespace(expr, n, mention):
    probs = analyze(expr).of(JOIN_DROPS_NAMESPACE)
    assert len(probs) == n
    if n:
        assert mention in probs[0].message and "namespace" in probs[0].fix


def test_join_namespace_with_single_value_variable():
    expr = 'sum by (pod) (container_memory_working_set_bytes{namespace=~"$namespace"})'
    assert len(analyze(expr, templated=True).of(JOIN_DROPS_NAMESPACE)) == 1
    assert analyze(expr, templated=True, single_vars=frozenset({"namespace"})).of(
        JOIN_DROPS_NAMESPACE) == []
    assert analyze(expr.replace("=~", "="), templated=True).of(JOIN_DROPS_NAMESPACE) == []


# -- units -------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr, unit", [
    ("rate(container_cpu_usage_seconds_total[5m]) > 0.8", "cores"),
    ("container_memory_working_set_bytes / container_spec_memory_limit_bytes > 0.85", "ratio"),
    ('kube_resourcequota{type="used"} / ignoring (type) kube_resourcequota{type="hard"}',
     "ratio"),
    ("kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes * 100", "percent"),
    ("(a_ratio * 100) / 100", "ratio"),
    ("container_memory_working_set_bytes / 1024 / 1024", None),
    ("sum(container_memory_working_set_bytes)", "bytes"),
    ("count(container_memory_working_set_bytes)", None),
    ("rate(container_network_receive_bytes_total[5m])", "bytes/s"),
    ("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
     "seconds"),
    ('kube_pod_container_resource_requests{resource="memory"}', "bytes"),
    ("time() - process_start_time_seconds", "seconds"),
    ("kube_deployment_status_replicas", None),
    ("kube_deployment_status_replicas / kube_deployment_status_replicas offset 1h", "ratio"),
], ids=["cores", "ratio", "same-metric-ratio", "percent", "percent-back-to-ratio",
        "scaled-unknown", "sum-keeps", "count-drops", "bytes-rate", "histogram",
        "ksm-resource", "timestamps", "gauge-of-unknown-unit", "same-gauge-ratio"])
def test_units(expr, unit):
    assert analyze(expr).unit == unit


# -- robustness ---------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", ["sum(", "rate(x)", "foo{bar=}", "1 +", "x[5m", "{}"],
                         ids=["unclosed", "type-error", "bad-matcher", "dangling", "range",
                              "empty-selector"])
def test_parse_error_is_a_problem(expr):
    a = analyze(expr)
    assert a.node is None and a.error
    assert [p.kind for p in a.problems] == [PARSE_ERROR]
    assert a.error in a.problems[0].message


def test_package_exports():
    import provisor.promql as P

    assert P.analyze is analyze and P.parse("x") is not None


def test_analysis_cached_and_kinds_listed():
    assert analyze("sum(x)") is analyze("sum(x)")
    assert len(set(KINDS)) == len(KINDS) == 13


def test_deep_expression_does_not_crash():
    expr = " + ".join(f"m{i}" for i in range(400))
    a = analyze(expr)
    assert a.node is not None or a.error
