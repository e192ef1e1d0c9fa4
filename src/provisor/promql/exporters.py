"""Metric and label names that exporters removed or renamed, by exporter version.

A PromQL selector naming a series no exporter serves any more is valid PromQL (and passes
``promtool``): it selects nothing, so every expression built on it is empty and an alert on
it can never fire. This module holds the facts as a table keyed by exporter and version;
:func:`removed_metric` and :func:`removed_label` answer for the versions a cluster runs
(``.provisor.yaml`` ``settings.exporter_versions``, e.g. ``["kube-state-metrics=2.13.0",
"kubelet=1.30"]``); with the version unknown, every removal is assumed to have happened
(the removals below are years old).

Sources (facts, restated):

* kube-state-metrics ``CHANGELOG.md``:

  - v1.0.0-rc.1: ``kube_node_status_ready``, ``_out_of_disk``, ``_memory_pressure``,
    ``_disk_pressure`` and ``_network_unavailable`` removed in favour of
    ``kube_node_status_condition``;
  - v2.0.0-alpha (#1004 "Remove deprecated stable metrics"):
    ``kube_pod_container_resource_{requests,limits}_{cpu_cores,memory_bytes}`` replaced by
    ``kube_pod_container_resource_{requests,limits}{resource=..., unit=...}``;
    ``kube_node_status_{capacity,allocatable}_{pods,cpu_cores,memory_bytes}`` replaced by
    ``kube_node_status_{capacity,allocatable}{resource=..., unit=...}``;
    (#1003) every ``kube_hpa_*`` metric renamed ``kube_horizontalpodautoscaler_*``;
    (#1181) ``kube_daemonset_updated_number_scheduled`` renamed
    ``kube_daemonset_status_updated_number_scheduled``; (#1079) ``kube_pod_deleted`` renamed
    ``kube_pod_deletion_timestamp``;
  - v2.7.0 note: the experimental ``kube_verticalpodautoscaler_*`` metrics are deprecated
    and removed in v2.9.0 (use CustomResourceStateMetrics).
* Kubernetes 1.16 (kubelet, cAdvisor endpoint): the ``pod_name`` and ``container_name``
  labels of the cAdvisor series, duplicated as ``pod`` and ``container`` since 1.14, were
  removed (CHANGELOG-1.16, "Removed cadvisor metric labels pod_name and container_name").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Removal", "LabelRemoval", "EXPORTERS", "METRIC_REMOVALS", "LABEL_REMOVALS",
           "parse_version", "parse_exporter_versions", "removed_metric", "removed_label"]

#: Exporter names the versions setting accepts (``kubelet`` covers its cAdvisor endpoint).
EXPORTERS = ("kube-state-metrics", "kubelet")

Version = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Removal:
    """A metric name an exporter stopped serving.

    Attributes:
        exporter: ``kube-state-metrics`` or ``kubelet``.
        version: the first release without it, as text (``"2.0.0"``).
        name: the metric name (or the prefix, when ``prefix`` is set).
        replacement: what to use instead, as PromQL text (for a prefix: the new prefix), or
            "" when there is none.
        note: where the fact comes from.
        prefix: ``name`` is a name prefix (``kube_hpa_``).
    """

    exporter: str
    version: str
    name: str
    replacement: str
    note: str
    prefix: bool = False

    def replacement_for(self, metric: str) -> str:
        """The replacement for ``metric`` (prefix removals rename the prefix)."""
        if self.prefix and self.replacement.endswith("_"):
            return self.replacement + metric[len(self.name):]
        return self.replacement


@dataclass(frozen=True, slots=True)
class LabelRemoval:
    """A label an exporter stopped attaching to a family of series.

    Attributes:
        exporter, version, note: as in :class:`Removal`.
        label: the removed label.
        replacement: the label that carries the value now.
        family: a regex the metric names of the family match (fully).
    """

    exporter: str
    version: str
    label: str
    replacement: str
    family: str
    note: str


_KSM2 = "kube-state-metrics v2.0.0 CHANGELOG (#1004, remove deprecated stable metrics)"
_RES = ("kube_pod_container_resource_{kind}{{resource=\"{res}\", unit=\"{unit}\"}}")

METRIC_REMOVALS: tuple[Removal, ...] = (
    *(Removal("kube-state-metrics", "1.0.0", f"kube_node_status_{c}",
              f'kube_node_status_condition{{condition="{cond}", status="true"}}',
              "kube-state-metrics v1.0.0-rc.1 CHANGELOG")
      for c, cond in (("ready", "Ready"), ("out_of_disk", "OutOfDisk"),
                      ("memory_pressure", "MemoryPressure"), ("disk_pressure", "DiskPressure"),
                      ("network_unavailable", "NetworkUnavailable"))),
    *(Removal("kube-state-metrics", "2.0.0", f"kube_pod_container_resource_{kind}_{suffix}",
              _RES.format(kind=kind, res=res, unit=unit), _KSM2)
      for kind in ("requests", "limits")
      for suffix, res, unit in (("cpu_cores", "cpu", "core"), ("memory_bytes", "memory", "byte"))),
    *(Removal("kube-state-metrics", "2.0.0", f"kube_node_status_{kind}_{suffix}",
              f'kube_node_status_{kind}{{resource="{res}", unit="{unit}"}}', _KSM2)
      for kind in ("capacity", "allocatable")
      for suffix, res, unit in (("pods", "pods", "integer"), ("cpu_cores", "cpu", "core"),
                                ("memory_bytes", "memory", "byte"))),
    Removal("kube-state-metrics", "2.0.0", "kube_hpa_", "kube_horizontalpodautoscaler_",
            "kube-state-metrics v2.0.0 CHANGELOG (#1003, kube_hpa_* renamed)", prefix=True),
    Removal("kube-state-metrics", "2.0.0", "kube_daemonset_updated_number_scheduled",
            "kube_daemonset_status_updated_number_scheduled",
            "kube-state-metrics v2.0.0 CHANGELOG (#1181)"),
    Removal("kube-state-metrics", "2.0.0", "kube_pod_deleted", "kube_pod_deletion_timestamp",
            "kube-state-metrics v2.0.0 CHANGELOG (#1079)"),
    Removal("kube-state-metrics", "2.9.0", "kube_verticalpodautoscaler_", "",
            "kube-state-metrics v2.7.0 CHANGELOG: VerticalPodAutoscaler metrics deprecated, "
            "removed in v2.9.0 (use CustomResourceStateMetrics)", prefix=True),
)

_CADVISOR_FAMILY = r"container_\w+"
LABEL_REMOVALS: tuple[LabelRemoval, ...] = (
    LabelRemoval("kubelet", "1.16", "pod_name", "pod", _CADVISOR_FAMILY,
                 "Kubernetes 1.16 CHANGELOG: cAdvisor labels pod_name and container_name "
                 "removed (pod and container since 1.14)"),
    LabelRemoval("kubelet", "1.16", "container_name", "container", _CADVISOR_FAMILY,
                 "Kubernetes 1.16 CHANGELOG: cAdvisor labels pod_name and container_name "
                 "removed (pod and container since 1.14)"),
)

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$")


def parse_version(text: str) -> Version:
    """``"v2.10.1"`` -> ``(2, 10, 1)``; ``"1.30"`` -> ``(1, 30, 0)``.

    Raises:
        ValueError: not a version number.
    """
    m = _VERSION.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a version (expected e.g. 2.13.0 or v1.30)")
    return tuple(int(g or 0) for g in m.groups())


def parse_exporter_versions(entries: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``["kube-state-metrics=2.13.0", "kubelet=1.30"]`` -> sorted ``((exporter, version),)``.
    ``kubernetes`` is accepted as another name for ``kubelet``.

    Raises:
        ValueError: an entry is not ``exporter=version``, names an unknown exporter or gives
            a bad version.
    """
    out: dict[str, str] = {}
    for e in entries:
        name, sep, ver = e.partition("=")
        name = name.strip()
        if name == "kubernetes":
            name = "kubelet"
        if not sep or name not in EXPORTERS:
            raise ValueError(f"{e!r}: expected exporter=version with exporter one of "
                             f"{', '.join(EXPORTERS)} (or kubernetes)")
        parse_version(ver)
        out[name] = ver.strip()
    return tuple(sorted(out.items()))


def _applies(exporter: str, since: str, versions: tuple[tuple[str, str], ...]) -> bool | None:
    """True when the cluster's ``exporter`` is at or after ``since``, False when before,
    None when its version is not given."""
    for name, ver in versions:
        if name == exporter:
            return parse_version(ver) >= parse_version(since)
    return None


@lru_cache(maxsize=4096)
def removed_metric(name: str, versions: tuple[tuple[str, str], ...] = ()
                   ) -> tuple[Removal, bool] | None:
    """The removal of metric ``name`` and whether the cluster's version is known to be past
    it (False: assumed, the version is not given); None when ``name`` is served (or was
    removed only after the version the cluster runs)."""
    for r in METRIC_REMOVALS:
        if name == r.name or (r.prefix and name.startswith(r.name)):
            known = _applies(r.exporter, r.version, versions)
            if known is False:
                return None
            return r, known is True
    return None


@lru_cache(maxsize=4096)
def removed_label(metric: str | None, label: str, versions: tuple[tuple[str, str], ...] = ()
                  ) -> tuple[LabelRemoval, bool] | None:
    """The removal of ``label`` from the series of ``metric`` (see :func:`removed_metric`)."""
    if not metric:
        return None
    for r in LABEL_REMOVALS:
        if r.label == label and re.fullmatch(r.family, metric):
            known = _applies(r.exporter, r.version, versions)
            if known is False:
                return None
            return r, known is True
    return None
