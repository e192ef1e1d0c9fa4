"""What is known about a metric from its name: counter or gauge, which exporter (and so which
scrape target) produces it, which labels its series always or never carry, its unit, and
whether it reads 0 when the thing it measures is unset.

Sources (facts, restated):

* cAdvisor (served by the kubelet at ``/metrics/cadvisor``): the ``# TYPE`` of every series in
  google/cadvisor ``lib/metrics/testdata/prometheus_metrics`` (the collector's golden output),
  and ``lib/metrics/prometheus.go``: ``specMemoryValue`` exports a memory limit above 2^62
  (i.e. "unlimited") as **0**; ``container_spec_cpu_quota`` is only exported when a quota is
  set. The kubelet labels every cAdvisor series with ``container``, ``pod``, ``namespace``,
  ``id``, ``image``, ``name`` (``container=""`` for the pod-level and system cgroups).
* kube-state-metrics: ``docs/metrics/**`` (see :mod:`provisor.promql.ksm_metrics`): every
  series is a gauge except ``kube_pod_container_status_restarts_total`` and
  ``kube_pod_init_container_status_restarts_total``; an unset request or limit has no series.
* node-exporter: ``node_memory_*`` (meminfo), ``node_filesystem_*``, ``node_load*``,
  ``node_sockstat_*``, ... are gauges; its counters end in ``_total``; ``node_vmstat_*`` and
  ``node_netstat_*`` are untyped (so: unknown here).
* Prometheus naming conventions (docs/practices/naming.md): a counter's name ends in
  ``_total``; histograms and summaries expose ``_count``, ``_sum`` (counters) and ``_bucket``.
* The kubelet's volume stats (pkg/kubelet/metrics/collectors/volume_stats.go) are gauges.

Names with a colon are recording rules (level:metric:operations); nothing is assumed about
their type or labels, except units that their name spells out.

Everything here can be extended from ``.provisor.yaml``: ``settings.counters`` and
``settings.gauges`` (exact names or ``fnmatch`` globs) win over the built-in knowledge.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from provisor.promql.ksm_metrics import KSM_METRICS

__all__ = ["Knowledge", "DEFAULT", "CADVISOR_TYPES", "IDENTITY_LABELS"]

#: cAdvisor series and their types (lib/metrics/testdata/prometheus_metrics, ``# TYPE``).
#: Note the gauges that end in ``_total`` (``container_network_tcp_usage_total``, ...).
CADVISOR_TYPES: dict[str, str] = {
    name: kind
    for kind, names in (
        ("counter", """
            container_blkio_device_usage_total container_cpu_cfs_burst_periods_total
            container_cpu_cfs_burst_seconds_total container_cpu_cfs_periods_total
            container_cpu_cfs_throttled_periods_total container_cpu_cfs_throttled_seconds_total
            container_cpu_schedstat_run_periods_total container_cpu_schedstat_run_seconds_total
            container_cpu_schedstat_runqueue_seconds_total container_cpu_system_seconds_total
            container_cpu_usage_seconds_total container_cpu_user_seconds_total
            container_fs_io_cost_indebt_seconds_total container_fs_io_cost_indelay_seconds_total
            container_fs_io_cost_usage_seconds_total container_fs_io_cost_wait_seconds_total
            container_fs_io_time_seconds_total container_fs_io_time_weighted_seconds_total
            container_fs_read_seconds_total container_fs_reads_bytes_total
            container_fs_reads_merged_total container_fs_reads_total
            container_fs_sector_reads_total container_fs_sector_writes_total
            container_fs_write_seconds_total container_fs_writes_bytes_total
            container_fs_writes_merged_total container_fs_writes_total container_hugetlb_failcnt
            container_memory_events_high_total container_memory_events_max_total
            container_memory_failcnt container_memory_failures_total
            container_memory_pgscan_total container_memory_pgsteal_total
            container_memory_workingset_refault_anon_total
            container_memory_workingset_refault_file_total
            container_network_receive_bytes_total container_network_receive_errors_total
            container_network_receive_packets_dropped_total
            container_network_receive_packets_total container_network_transmit_bytes_total
            container_network_transmit_errors_total
            container_network_transmit_packets_dropped_total
            container_network_transmit_packets_total container_oom_events_total
            container_perf_events_total container_perf_uncore_events_total
            container_pressure_cpu_stalled_seconds_total
            container_pressure_cpu_waiting_seconds_total
            container_pressure_io_stalled_seconds_total container_pressure_io_waiting_seconds_total
            container_pressure_memory_stalled_seconds_total
            container_pressure_memory_waiting_seconds_total
        """),
        ("gauge", """
            container_cpu_load_average_10s container_cpu_load_d_average_10s
            container_creation_time_seconds container_file_descriptors container_fs_inodes_free
            container_fs_inodes_total container_fs_io_current container_fs_limit_bytes
            container_fs_usage_bytes container_health_state container_hugetlb_max_usage_bytes
            container_hugetlb_usage_bytes container_last_seen container_llc_occupancy_bytes
            container_memory_bandwidth_bytes container_memory_bandwidth_local_bytes
            container_memory_cache container_memory_file_dirty_bytes
            container_memory_file_writeback_bytes container_memory_kernel_usage
            container_memory_mapped_file container_memory_max_usage_bytes
            container_memory_migrate container_memory_numa_pages container_memory_rss
            container_memory_swap container_memory_total_active_file_bytes
            container_memory_total_inactive_file_bytes container_memory_usage_bytes
            container_memory_working_set_bytes container_network_advance_tcp_stats_total
            container_network_tcp6_usage_total container_network_tcp_usage_total
            container_network_udp6_usage_total container_network_udp_usage_total
            container_perf_events_scaling_ratio container_perf_uncore_events_scaling_ratio
            container_processes container_referenced_bytes container_scrape_error
            container_sockets container_spec_cpu_period container_spec_cpu_quota
            container_spec_cpu_shares container_spec_memory_limit_bytes
            container_spec_memory_reservation_limit_bytes container_spec_memory_swap_limit_bytes
            container_start_time_seconds container_tasks_state container_threads
            container_threads_max container_ulimits_soft
            machine_cpu_cores machine_cpu_physical_cores machine_cpu_sockets machine_memory_bytes
            machine_swap_bytes machine_nvm_avg_power_budget_watts machine_nvm_capacity
            machine_scrape_error
        """),
    )
    for name in names.split()
}

#: Series the kubelet, not cAdvisor, exports from the same target (same ``instance``).
_KUBELET_GAUGES = frozenset({
    "kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes",
    "kubelet_volume_stats_used_bytes", "kubelet_volume_stats_inodes",
    "kubelet_volume_stats_inodes_free", "kubelet_volume_stats_inodes_used",
    "kubelet_volume_stats_health_status_abnormal", "kubelet_running_pods",
    "kubelet_running_containers", "kubelet_node_name",
})

#: Gauges of the Go client library's process and runtime collectors
#: (prometheus/client_golang prometheus/process_collector.go, go_collector.go), and ``up``.
_CLIENT_GAUGES = frozenset({
    "up", "process_resident_memory_bytes", "process_virtual_memory_bytes",
    "process_virtual_memory_max_bytes", "process_open_fds", "process_max_fds",
    "process_start_time_seconds", "go_goroutines", "go_threads", "go_memstats_alloc_bytes",
    "go_memstats_heap_alloc_bytes", "go_memstats_heap_inuse_bytes", "go_memstats_sys_bytes",
    "go_memstats_heap_idle_bytes", "go_memstats_heap_released_bytes",
    "go_memstats_heap_sys_bytes", "go_memstats_stack_inuse_bytes",
    "go_memstats_next_gc_bytes", "go_memstats_last_gc_time_seconds",
    "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
    "scrape_samples_post_metric_relabeling",
})

_NODE_EXPORTER = re.compile(
    r"node_(memory_|filesystem_|load(1|5|15)$|sockstat_|nf_conntrack_|filefd_|procs_|hwmon_|"
    r"network_|disk_|cpu_|uname_info$|boot_time_seconds$|time_seconds$|timex_|textfile_|"
    r"systemd_|md_|edac_|entropy_|vmstat_|netstat_|context_switches_total$|intr_total$|"
    r"forks_total$|exporter_build_info$|os_info$|schedstat_|pressure_|arp_|softnet_|"
    r"scrape_collector_)")
_NODE_EXPORTER_GAUGE = re.compile(
    r"node_(memory_\w+|filesystem_\w+|load(1|5|15)|sockstat_\w+|nf_conntrack_entries(_limit)?|"
    r"filefd_(allocated|maximum)|procs_(running|blocked)|hwmon_\w+|boot_time_seconds|"
    r"time_seconds|network_(up|mtu_bytes|speed_bytes|info|carrier|iface_link|"
    r"transmit_queue_length)|uname_info|os_info|textfile_scrape_error|systemd_unit_state|"
    r"md_(disks|disks_required|state)|entropy_available_bits|exporter_build_info)")

#: Labels that name the object a kube-state-metrics series describes: when a metric's
#: documentation lists one, every series of that metric carries it, non-empty; when it does
#: not, no series of that metric has it. ``node`` counts only for ``kube_node_*`` (a pod's
#: node is empty until it is scheduled); ``uid`` is left out (older releases lack it).
IDENTITY_LABELS = frozenset({
    "namespace", "pod", "container", "resource", "unit", "type", "reason", "condition",
    "phase", "status", "resourcequota", "deployment", "statefulset", "daemonset",
    "replicaset", "replicationcontroller", "job_name", "cronjob", "horizontalpodautoscaler",
    "poddisruptionbudget", "persistentvolumeclaim", "persistentvolume", "service", "secret",
    "configmap", "serviceaccount", "ingress", "endpoint", "endpointslice", "networkpolicy",
    "limitrange", "lease", "role", "volumeattachment", "certificatesigningrequest",
})

#: cAdvisor series whose value is 0 when the container has no such limit (specMemoryValue).
_ZERO_WHEN_UNLIMITED = frozenset({
    "container_spec_memory_limit_bytes", "container_spec_memory_swap_limit_bytes",
    "container_spec_memory_reservation_limit_bytes",
})
#: Per-container limit series: summing them over a pod's containers mixes limited and
#: unlimited containers.
LIMIT_SERIES = frozenset({
    "container_spec_memory_limit_bytes", "container_spec_cpu_quota",
    "kube_pod_container_resource_limits", "kube_pod_init_container_resource_limits",
})
#: Counters of CPU time whose rate is a number of CPU cores in use (cAdvisor, client_golang).
CPU_SECONDS = frozenset({
    "container_cpu_usage_seconds_total", "container_cpu_user_seconds_total",
    "container_cpu_system_seconds_total", "process_cpu_seconds_total",
})
#: Series whose value is a number of CPU cores (a capacity or request).
_CORES = frozenset({"machine_cpu_cores", "machine_cpu_physical_cores"})
#: kube-state-metrics / kube-scheduler series whose unit follows their ``resource`` label.
RESOURCE_SERIES = frozenset({
    "kube_pod_container_resource_requests", "kube_pod_container_resource_limits",
    "kube_pod_init_container_resource_requests", "kube_pod_init_container_resource_limits",
    "kube_node_status_allocatable", "kube_node_status_capacity", "kube_resourcequota",
    "kube_pod_resource_request", "kube_pod_resource_limit", "kube_pod_overhead_cpu_cores",
})
_CADVISOR_PER_CONTAINER = re.compile(
    r"container_(memory_|cpu_|spec_|pressure_|threads|processes|file_descriptors|sockets|"
    r"oom_events_total)")


def _scrape_target(name: str) -> str | None:
    if name in CADVISOR_TYPES or name.startswith(("container_", "machine_", "kubelet_")):
        return "kubelet"
    if name.startswith("kube_") and not name.startswith(("kube_apiserver_", "kube_pod_resource_")):
        return "kube-state-metrics"
    if _NODE_EXPORTER.match(name):
        return "node-exporter"
    return None


_EXPORTER_NAMES = {
    "kubelet": "the kubelet (cAdvisor)", "kube-state-metrics": "kube-state-metrics",
    "node-exporter": "node-exporter",
}


@dataclass(frozen=True)
class Knowledge:
    """Built-in metric knowledge plus the user's overrides (hashable, so analyses can be
    cached per knowledge).

    Attributes:
        counters: names or ``fnmatch`` globs to treat as counters.
        gauges: names or globs to treat as gauges (counters win when both match).
        exporter_versions: ``(exporter, version)`` pairs the cluster runs (for the removed
            metric and label names of :mod:`provisor.promql.exporters`); empty = unknown.
    """

    counters: frozenset[str] = frozenset()
    gauges: frozenset[str] = frozenset()
    exporter_versions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, counters: list[str] | None, gauges: list[str] | None,
                      exporter_versions: list[str] | None = None) -> "Knowledge":
        """From ``Settings.counters`` / ``Settings.gauges`` / ``Settings.exporter_versions``
        (``exporter=version`` entries, see :mod:`provisor.promql.exporters`; malformed
        entries are ignored here, the config loader reports them)."""
        from provisor.promql.exporters import parse_exporter_versions

        try:
            versions = parse_exporter_versions(exporter_versions or [])
        except ValueError:
            versions = ()
        return cls(frozenset(counters or ()), frozenset(gauges or ()), versions)

    def kind(self, name: str | None) -> str | None:
        """"counter", "gauge" or None (unknown)."""
        return _kind(self, name)[0] if name else None

    def kind_reason(self, name: str) -> str:
        """Why :meth:`kind` says what it says (with its source)."""
        return _kind(self, name)[1]

    def scrape_target(self, name: str | None) -> str | None:
        """The kind of scrape target that exports ``name`` ("kubelet" for cAdvisor and the
        kubelet's own series, "kube-state-metrics", "node-exporter"), else None. Raw series of
        different targets always differ in ``instance`` (and ``job``)."""
        if not name or ":" in name:
            return None
        return _scrape_target(name)

    @staticmethod
    def target_name(target: str) -> str:
        return _EXPORTER_NAMES.get(target, target)

    def present_labels(self, name: str | None) -> frozenset[str]:
        """Labels every series of ``name`` carries with a non-empty value (from
        kube-state-metrics' documentation), excluding target labels."""
        return _labels(name)[0] if name else frozenset()

    def absent_labels(self, name: str | None) -> frozenset[str]:
        """Identity labels no series of ``name`` carries (kube-state-metrics), leaving out
        those a scrape may add as target labels (``TARGET_LABELS``)."""
        return _labels(name)[1] if name else frozenset()

    @staticmethod
    def zero_when_unset(name: str | None) -> str | None:
        """Why a series of ``name`` can be 0 where a limit is unset or 0, else None."""
        if name in _ZERO_WHEN_UNLIMITED:
            return (f"cAdvisor exports {name} = 0 for a container without that limit "
                    "(google/cadvisor lib/metrics/prometheus.go, specMemoryValue)")
        if name == "kube_resourcequota":
            return ('a ResourceQuota hard limit can be 0 (a zero quota forbids a resource, '
                    'e.g. services.loadbalancers: "0")')
        return None

    @staticmethod
    def is_limit_series(name: str | None) -> bool:
        """A per-container limit series (see ``LIMIT_SERIES``)."""
        return name in LIMIT_SERIES

    @staticmethod
    def is_cadvisor_per_container(name: str | None) -> bool:
        """A cAdvisor series exported per container AND for the pod-level cgroup
        (``container=""``), so summing it over a pod's series counts the pod twice."""
        return bool(name) and bool(_CADVISOR_PER_CONTAINER.match(name or ""))

    @staticmethod
    def unit(name: str | None, resource: str | None = None) -> str | None:
        """The unit of a gauge's value, or of a counter's increments: "cpu-seconds" (a CPU-time
        counter: its rate is in cores), "cores", "bytes", "seconds", "ratio", "percent",
        "celsius", or None (unknown). ``resource`` is the value the selector fixes for the
        ``resource`` label of kube-state-metrics resource series."""
        return _unit(name, resource) if name else None


@lru_cache(maxsize=8192)
def _kind(k: Knowledge, name: str) -> tuple[str | None, str]:
    for pat in k.counters:
        if name == pat or fnmatch.fnmatchcase(name, pat):
            return "counter", "listed as a counter in .provisor.yaml (settings.counters)"
    for pat in k.gauges:
        if name == pat or fnmatch.fnmatchcase(name, pat):
            return "gauge", "listed as a gauge in .provisor.yaml (settings.gauges)"
    if ":" in name:
        return None, "a recording rule (its type is not known)"
    t = CADVISOR_TYPES.get(name)
    if t:
        return t, f"cAdvisor exports it as a {t} (google/cadvisor lib/metrics/prometheus.go)"
    row = KSM_METRICS.get(name)
    if row:
        t = row.split(" ", 1)[0]
        return t, (f"kube-state-metrics exports it as a {t} "
                   "(kube-state-metrics docs/metrics)")
    if name.startswith("kube_") and not name.startswith("kube_apiserver_"):
        if name.endswith("_total"):
            return "counter", "a kube-state-metrics series ending in _total"
        return "gauge", ("kube-state-metrics exports every series as a gauge except the "
                         "restart counters (kube-state-metrics docs/metrics)")
    if name in _KUBELET_GAUGES:
        return "gauge", "the kubelet exports it as a gauge (pkg/kubelet/metrics/collectors)"
    if name in _CLIENT_GAUGES:
        return "gauge", "a gauge of the Prometheus client libraries"
    if name.startswith("node_") and _NODE_EXPORTER_GAUGE.fullmatch(name) and not name.endswith(
            "_total"):
        return "gauge", "node-exporter exports it as a gauge (node_exporter collector)"
    if name.endswith(("_total", "_count", "_sum", "_bucket")):
        return "counter", ("by the Prometheus naming convention a name ending in _total, _count, "
                           "_sum or _bucket is a counter (docs/practices/naming.md)")
    return None, "unknown"


#: Labels a scrape can attach to every series of a target (Prometheus' ``job`` and
#: ``instance``; the Prometheus Operator's ``namespace``, ``pod``, ``container``, ``service``
#: and ``endpoint`` target labels): never claimed absent.
TARGET_LABELS = frozenset({"job", "instance", "namespace", "pod", "container", "service",
                           "endpoint"})


@lru_cache(maxsize=4096)
def _labels(name: str) -> tuple[frozenset[str], frozenset[str]]:
    row = KSM_METRICS.get(name)
    if row is None:
        return frozenset(), frozenset()
    documented = frozenset(row.split()[1:])
    present = documented & IDENTITY_LABELS
    if name.startswith("kube_node_") and "node" in documented:
        present = present | {"node"}
    return present, IDENTITY_LABELS - TARGET_LABELS - documented


_BYTES_RESOURCES = frozenset({"memory", "storage", "ephemeral-storage", "requests.memory",
                              "limits.memory", "requests.storage",
                              "requests.ephemeral-storage", "limits.ephemeral-storage"})
_CPU_RESOURCES = frozenset({"cpu", "requests.cpu", "limits.cpu"})


@lru_cache(maxsize=8192)
def _unit(name: str, resource: str | None) -> str | None:
    if ":" in name:
        return _recording_unit(name)
    if name in CPU_SECONDS:
        return "cpu-seconds"
    if name in _CORES or name.endswith("_cpu_cores"):
        return "cores"
    if name in RESOURCE_SERIES:
        if resource in _CPU_RESOURCES:
            return "cores"
        if resource in _BYTES_RESOURCES or (resource or "").startswith("hugepages-"):
            return "bytes"
        return None
    if name.endswith(("_bytes", "_bytes_total")):
        return "bytes"
    if name.endswith(("_seconds", "_seconds_total")):
        return "seconds"
    if name.endswith("_ratio"):
        return "ratio"
    if name.endswith(("_percent", "_percentage")):
        return "percent"
    if name.endswith("_celsius"):
        return "celsius"
    return None


def _recording_unit(name: str) -> str | None:
    """The unit a recording rule's name (level:metric:operations) spells out."""
    parts = name.split(":")
    ops = parts[-1] if len(parts) >= 3 else ""
    joined = name.lower()
    if "utilisation" in joined or "utilization" in joined or ops == "ratio":
        return "ratio"
    if any(p in CPU_SECONDS for p in parts):
        return "cores" if "rate" in ops else None
    if any(p.startswith(("kube_pod_container_resource_", "kube_node_status_")) for p in parts):
        if any("cpu" in p for p in parts[:-1] if not p.startswith("kube_")):
            return "cores"
        if any("memory" in p for p in parts[:-1] if not p.startswith("kube_")):
            return "bytes"
        return None
    if any(p.endswith("_bytes") for p in parts) and "rate" not in ops:
        return "bytes"
    return None


#: The default knowledge (no overrides).
DEFAULT = Knowledge()
