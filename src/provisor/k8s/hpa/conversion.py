"""An HorizontalPodAutoscaler's metrics in ``autoscaling/v2`` form, whatever version it was
written in: what the API server stores (it converts every served version to the internal
one, which is ``autoscaling/v2``'s) and the controller reads.

Follows kubernetes/kubernetes:

* ``pkg/apis/autoscaling/v1/conversion.go`` and ``pkg/apis/autoscaling/v1/defaults.go``:
  ``spec.targetCPUUtilizationPercentage`` (default 80) is one ``Resource`` ``cpu``
  ``Utilization`` metric, after the metrics of the ``autoscaling.alpha.kubernetes.io/metrics``
  annotation (JSON, v2beta1-shaped ``MetricSpec`` list) when it parses
  (``Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler``);
* ``pkg/apis/autoscaling/v2beta1/conversion.go`` (``Convert_v2beta1_*MetricSource_To_
  autoscaling_*MetricSource``): ``targetAverageUtilization`` / ``targetAverageValue`` /
  ``targetValue`` / ``averageValue`` and ``metricName`` / ``selector`` /
  ``metricSelector`` / ``target`` become ``target: {type, ...}``, ``metric: {name,
  selector}`` and ``describedObject``. The target type is ``Utilization`` when
  ``targetAverageUtilization`` is set, else ``AverageValue`` (Resource, ContainerResource);
  ``AverageValue`` when ``averageValue`` is set, else ``Value`` (Object); ``Value`` when
  ``targetValue`` is set, else ``AverageValue`` (External); always ``AverageValue`` (Pods).
  Only the values written are carried (upstream's converted Object target also holds a zero
  ``value`` when none was written, which nothing reads);
* ``autoscaling/v2beta2`` has ``autoscaling/v2``'s metric shape;
* ``SetDefaults_HorizontalPodAutoscaler`` (``pkg/apis/autoscaling/v2*/defaults.go``): no
  metrics (absent or empty) is one ``Resource`` ``cpu`` metric at ``averageUtilization: 80``.

Pure functions over JSON-form dicts; inputs are never mutated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provisor.k8s.hpa.defaults import DEFAULT_CPU_UTILIZATION

__all__ = ["DEFAULTED", "METRICS_ANNOTATION", "annotation_index", "metric_from_v2beta1",
           "v2_metrics"]

#: The index :func:`v2_metrics` gives a metric the API server supplies (the v1 CPU target, the
#: default metric); it is not an index of ``spec.metrics``.
DEFAULTED = -1
#: ``autoscaling.MetricSpecsAnnotation``: autoscaling/v1's other metrics.
METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"


def annotation_index(i: int) -> int | None:
    """For an index :func:`v2_metrics` gave: the position of the metric in the
    :data:`METRICS_ANNOTATION` list (indices ``-2, -3, ...``), or None."""
    return -i - 2 if i <= -2 else None


def _annotation_metrics(hpa: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    import json

    meta = hpa.get("metadata")
    ann = meta.get("annotations") if isinstance(meta, Mapping) else None
    raw = ann.get(METRICS_ANNOTATION) if isinstance(ann, Mapping) else None
    if not isinstance(raw, str):
        return []
    try:
        items = json.loads(raw)
    except ValueError:  # upstream ignores an annotation that does not unmarshal
        return []
    if not isinstance(items, list) or not all(isinstance(m, dict) for m in items):
        return []
    return [(-k - 2, metric_from_v2beta1(m)) for k, m in enumerate(items)]


def _cpu(pct: Any) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": pct}}}


def _some(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _resource(src: Mapping[str, Any], container: bool) -> dict[str, Any]:
    util, avg = src.get("targetAverageUtilization"), src.get("targetAverageValue")
    out = _some(name=src.get("name"), container=src.get("container") if container else None)
    out["target"] = _some(type="AverageValue" if util is None else "Utilization",
                          averageUtilization=util, averageValue=avg)
    return out


def metric_from_v2beta1(m: Mapping[str, Any]) -> dict[str, Any]:
    """One ``autoscaling/v2beta1`` MetricSpec in ``autoscaling/v2`` form (see the module
    docstring). A source field that is not a mapping, or an unknown type, is kept as it is
    (the schema and ``hpa/metric-source`` judge it)."""
    mtype = m.get("type")
    field = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
             "Object": "object", "External": "external"}.get(mtype) if isinstance(
        mtype, str) else None
    src = m.get(field) if field else None
    if field is None or not isinstance(src, Mapping):
        return dict(m)
    if mtype in ("Resource", "ContainerResource"):
        conv = _resource(src, mtype == "ContainerResource")
    elif mtype == "Pods":
        conv = {"metric": _some(name=src.get("metricName"), selector=src.get("selector")),
                "target": _some(type="AverageValue", averageValue=src.get("targetAverageValue"))}
    elif mtype == "Object":
        avg = src.get("averageValue")
        conv = _some(describedObject=src.get("target"))
        conv["metric"] = _some(name=src.get("metricName"), selector=src.get("selector"))
        conv["target"] = _some(type="Value" if avg is None else "AverageValue",
                               value=src.get("targetValue"), averageValue=avg)
    else:  # External
        value = src.get("targetValue")
        conv = {"metric": _some(name=src.get("metricName"), selector=src.get("metricSelector")),
                "target": _some(type="AverageValue" if value is None else "Value", value=value,
                                averageValue=src.get("targetAverageValue"))}
    return {"type": mtype, field: conv}


def v2_metrics(hpa: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(index in spec.metrics, metric in autoscaling/v2 form)`` for every metric the HPA
    scales on, as the API server stores it (module docstring); a metric the server supplies
    (``autoscaling/v1``'s CPU target, the default CPU metric) has index :data:`DEFAULTED`;
    one of autoscaling/v1's annotation has a negative index :func:`annotation_index` maps
    back to its position.
    Entries of ``spec.metrics`` that are not mappings are skipped (the schema's finding)."""
    api = hpa.get("apiVersion")
    spec = hpa.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if api == "autoscaling/v1":
        pct = spec.get("targetCPUUtilizationPercentage")
        return [*_annotation_metrics(hpa),
                (DEFAULTED, _cpu(DEFAULT_CPU_UTILIZATION if pct is None else pct))]
    ms = spec.get("metrics")
    if ms is None or (isinstance(ms, list) and not ms):
        return [(DEFAULTED, _cpu(DEFAULT_CPU_UTILIZATION))]
    if not isinstance(ms, list):
        return []
    if api == "autoscaling/v2beta1":
        return [(i, metric_from_v2beta1(m)) for i, m in enumerate(ms) if isinstance(m, Mapping)]
    return [(i, m) for i, m in enumerate(ms) if isinstance(m, dict)]
