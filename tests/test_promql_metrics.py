"""``provisor.promql.metrics``: counter/gauge knowledge (cAdvisor's golden ``# TYPE`` lines,
kube-state-metrics' metric tables, node-exporter, naming conventions), units, scrape targets,
zero-when-unset series, and ``.provisor.yaml`` overrides."""

from __future__ import annotations

import pytest

from provisor.promql.ksm_metrics import KSM_METRICS
from provisor.promql.metrics import CADVISOR_TYPES, DEFAULT, Knowledge


@pytest.mark.parametrize("name, kind", [
    ("container_memory_working_set_bytes", "gauge"),
    ("container_spec_memory_limit_bytes", "gauge"),
    ("container_cpu_usage_seconds_total", "counter"),
    ("container_memory_failcnt", "counter"),            # a counter without _total
    ("container_network_tcp_usage_total", "gauge"),     # a gauge with _total
    ("kube_pod_container_status_restarts_total", "counter"),
    ("kube_pod_container_resource_requests", "gauge"),
    ("kube_resourcequota", "gauge"),
    ("kube_deployment_status_replicas_available", "gauge"),
    ("kube_some_future_metric", "gauge"),
    ("node_memory_MemAvailable_bytes", "gauge"),
    ("node_filesystem_avail_bytes", "gauge"),
    ("node_load1", "gauge"),
    ("node_cpu_seconds_total", "counter"),
    ("node_vmstat_pgmajfault", None),                   # untyped in node-exporter
    ("kubelet_volume_stats_used_bytes", "gauge"),
    ("process_resident_memory_bytes", "gauge"),
    ("http_requests_total", "counter"),
    ("http_request_duration_seconds_bucket", "counter"),
    ("http_request_duration_seconds_count", "counter"),
    ("http_request_duration_seconds_sum", "counter"),
    ("my_queue_depth", None),
    ("namespace:container_memory_usage_bytes:sum", None),
    ("up", "gauge"),
], ids=lambda v: str(v))
def test_kinds(name, kind):
    assert DEFAULT.kind(name) == kind


def test_every_cadvisor_type_is_known():
    for name, kind in CADVISOR_TYPES.items():
        assert DEFAULT.kind(name) == kind, name


def test_every_ksm_metric_is_typed():
    for name, row in KSM_METRICS.items():
        assert DEFAULT.kind(name) == row.split()[0], name
    assert sum(1 for r in KSM_METRICS.values() if r.startswith("counter")) == 2


def test_overrides_win():
    k = Knowledge.from_settings(counters=["my_*_events"], gauges=["http_inflight_total"])
    assert k.kind("my_app_events") == "counter"
    assert k.kind("http_inflight_total") == "gauge"
    assert "settings.gauges" in k.kind_reason("http_inflight_total")
    assert DEFAULT.kind("http_inflight_total") == "counter"


@pytest.mark.parametrize("name, resource, unit", [
    ("container_cpu_usage_seconds_total", None, "cpu-seconds"),
    ("process_cpu_seconds_total", None, "cpu-seconds"),
    ("container_memory_working_set_bytes", None, "bytes"),
    ("container_network_receive_bytes_total", None, "bytes"),
    ("kube_pod_container_resource_requests", "cpu", "cores"),
    ("kube_pod_container_resource_requests", "memory", "bytes"),
    ("kube_pod_container_resource_requests", None, None),
    ("kube_resourcequota", "requests.cpu", "cores"),
    ("kube_node_status_allocatable", "ephemeral-storage", "bytes"),
    ("machine_cpu_cores", None, "cores"),
    ("kube_pod_container_resource_requests_cpu_cores", None, "cores"),
    ("http_request_duration_seconds", None, "seconds"),
    ("node_memory_utilisation_ratio", None, "ratio"),
    ("node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate", None, "cores"),
    ("node_namespace_pod_container:container_memory_working_set_bytes", None, "bytes"),
    ("namespace_cpu:kube_pod_container_resource_requests:sum", None, "cores"),
    ("namespace_memory:kube_pod_container_resource_limits:sum", None, "bytes"),
    ("cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests", None, "cores"),
    ("instance:node_cpu_utilisation:rate5m", None, "ratio"),
    ("instance:node_network_receive_bytes_excluding_lo:rate5m", None, None),
    ("kube_pod_info", None, None),
], ids=lambda v: str(v))
def test_units(name, resource, unit):
    assert DEFAULT.unit(name, resource) == unit


def test_scrape_targets():
    assert DEFAULT.scrape_target("container_memory_usage_bytes") == "kubelet"
    assert DEFAULT.scrape_target("kubelet_volume_stats_used_bytes") == "kubelet"
    assert DEFAULT.scrape_target("kube_pod_info") == "kube-state-metrics"
    assert DEFAULT.scrape_target("node_load1") == "node-exporter"
    assert DEFAULT.scrape_target("kube_apiserver_foo") is None
    assert DEFAULT.scrape_target("namespace:kube_pod_info:count") is None
    assert DEFAULT.scrape_target("my_app_total") is None


def test_zero_when_unset():
    for name in ("container_spec_memory_limit_bytes", "container_spec_memory_swap_limit_bytes",
                 "container_spec_memory_reservation_limit_bytes"):
        assert "specMemoryValue" in DEFAULT.zero_when_unset(name)
    assert "hard" in DEFAULT.zero_when_unset("kube_resourcequota")
    # unset KSM limits have no series at all: no division by zero
    assert DEFAULT.zero_when_unset("kube_pod_container_resource_limits") is None
    assert DEFAULT.zero_when_unset("container_memory_usage_bytes") is None


def test_labels_from_ksm_docs():
    assert DEFAULT.present_labels("kube_resourcequota") >= {"namespace", "resource", "type",
                                                           "resourcequota"}
    assert "node" in DEFAULT.present_labels("kube_node_status_condition")
    # a pod's node is empty until it is scheduled: never claimed present
    assert "node" not in DEFAULT.present_labels("kube_pod_info")
    absent = DEFAULT.absent_labels("kube_pod_info")
    assert "container" not in absent and "namespace" not in absent  # target labels
    assert {"resource", "phase", "reason"} <= absent
    assert DEFAULT.present_labels("container_memory_usage_bytes") == frozenset()


def test_limit_and_cadvisor_series():
    assert DEFAULT.is_limit_series("kube_pod_container_resource_limits")
    assert not DEFAULT.is_limit_series("kube_pod_container_resource_requests")
    assert DEFAULT.is_cadvisor_per_container("container_memory_usage_bytes")
    assert not DEFAULT.is_cadvisor_per_container("container_network_receive_bytes_total")
