"""Shared by the ``hpa/*`` rules: an HPA's numbers as the API server stores them, its scale
target, and synthetic pods for the replica calculator.

Defaults follow kubernetes/kubernetes ``pkg/apis/autoscaling/v2/defaults.go`` through
:mod:`provisor.k8s.hpa.defaults` (``minReplicas`` 1; a ``behavior`` direction left unset gets
the default rules). Validation and its texts are :mod:`provisor.k8s.hpa.validation` and
:mod:`provisor.k8s.validation`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeGuard

from provisor.check.context import Workload, dig, namespace_of

if TYPE_CHECKING:
    from provisor.check.context import Context
    from provisor.manifests import Document

# -- the numbers of an HPA -----------------------------------------------------------------


def is_int(v: object) -> TypeGuard[int]:
    """True for a JSON integer (an ``int`` that is not a ``bool``)."""
    return isinstance(v, int) and not isinstance(v, bool)


def min_replicas(obj: dict[str, Any]) -> int | None:
    """``spec.minReplicas`` as stored: 1 when unset (``SetDefaults_HorizontalPodAutoscaler``);
    None when it is not an integer (the schema check reports that)."""
    v = dig(obj, "spec", "minReplicas")
    if v is None:
        return 1
    return v if is_int(v) else None


def max_replicas(obj: dict[str, Any]) -> int | None:
    """``spec.maxReplicas`` (required; None when missing or not an integer)."""
    v = dig(obj, "spec", "maxReplicas")
    return v if is_int(v) else None


def behavior_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """``spec.behavior`` when it is a mapping whose directions are mappings or absent."""
    b = dig(obj, "spec", "behavior")
    if not isinstance(b, dict):
        return None
    for key in ("scaleUp", "scaleDown"):
        if b.get(key) is not None and not isinstance(b.get(key), dict):
            return None
    return b


def hpas(ctx: "Context") -> Iterator["Document"]:
    """The HorizontalPodAutoscaler documents (any autoscaling version)."""
    yield from ctx.kind("HorizontalPodAutoscaler")


def target_ref(obj: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, name) of ``spec.scaleTargetRef``, or None when it is not a usable mapping."""
    ref = dig(obj, "spec", "scaleTargetRef")
    if not isinstance(ref, dict):
        return None
    kind, name = ref.get("kind"), ref.get("name")
    if not isinstance(kind, str) or not isinstance(name, str) or not kind or not name:
        return None
    return kind, name


def target_workload(ctx: "Context", d: "Document") -> Workload | None:
    """The workload the HPA scales, when it is among the checked objects."""
    ref = target_ref(d.obj)
    if ref is None:
        return None
    return ctx.workload(ref[0], namespace_of(d.obj), ref[1], near=d.file)


def hpas_of_workload(ctx: "Context", w: Workload) -> list["Document"]:
    """The HPAs whose ``scaleTargetRef`` names ``w``, nearest to ``w``'s file first
    (:meth:`Context.nearest`)."""
    return ctx.nearest(ctx.hpas_by_target.get((w.kind, w.namespace, w.name), []), w.doc.file)


def metrics(obj: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """THE accessor for an HPA's metrics, whatever its version: ``(index, metric)`` in
    ``autoscaling/v2`` form as the API server stores it
    (:func:`provisor.k8s.hpa.conversion.v2_metrics`: ``autoscaling/v1``'s
    ``targetCPUUtilizationPercentage``, default 80; ``autoscaling/v2beta1``'s
    ``targetAverageUtilization`` and friends converted; no metrics -> the default CPU metric).
    A metric the server supplies has index ``DEFAULTED`` (-1); point at it with
    :func:`metric_path`."""
    from provisor.k8s.hpa.conversion import v2_metrics

    return v2_metrics(obj)


def metric_name(obj: dict[str, Any], i: int) -> str:
    """How messages name metric ``i`` of :func:`metrics`: ``metric 0``, or
    ``targetCPUUtilizationPercentage`` (autoscaling/v1), or ``the default metric (cpu at 80%
    utilization)`` when the HPA sets none."""
    if i >= 0:
        return f"metric {i}"
    from provisor.k8s.hpa.conversion import METRICS_ANNOTATION, annotation_index

    k = annotation_index(i)
    if k is not None:
        return f"metric {k} of annotation {METRICS_ANNOTATION}"
    if obj.get("apiVersion") == "autoscaling/v1":
        return "targetCPUUtilizationPercentage"
    return "the default metric (cpu at 80% utilization)"


def metric_path(obj: dict[str, Any], i: int, *inner: str) -> tuple[str | int, ...]:
    """The document path of ``inner`` (e.g. ``"resource", "target"``) inside metric ``i`` of
    :func:`metrics`, as far as the written manifest has it: ``spec.targetCPUUtilization
    Percentage`` (autoscaling/v1), ``spec`` for a defaulted metric, ``spec.metrics[i]`` for
    a converted ``autoscaling/v2beta1`` metric (its fields are named differently)."""
    if i <= -2:
        from provisor.k8s.hpa.conversion import METRICS_ANNOTATION

        return ("metadata", "annotations", METRICS_ANNOTATION)
    if i < 0:
        if obj.get("apiVersion") == "autoscaling/v1" and dig(
                obj, "spec", "targetCPUUtilizationPercentage") is not None:
            return ("spec", "targetCPUUtilizationPercentage")
        return ("spec",)
    if obj.get("apiVersion") == "autoscaling/v2beta1":
        return ("spec", "metrics", i)
    return ("spec", "metrics", i, *inner)


_SOURCE_FIELD = {"Resource": "resource", "ContainerResource": "containerResource",
                 "Pods": "pods", "Object": "object", "External": "external"}


def source_field(mtype: Any) -> str | None:
    """The MetricSpec member that holds a source of type ``mtype`` (``resource`` ...)."""
    return _SOURCE_FIELD.get(mtype) if isinstance(mtype, str) else None


# -- synthetic pods for the replica calculator --------------------------------------------


def running_pods(n: int, template: dict[str, Any], prefix: str = "pod") -> list[dict[str, Any]]:
    """``n`` Running, Ready pods sharing ``template``'s spec (names ``<prefix>-0`` ...), as the
    replica calculator reads them (``status.phase``, the ``Ready`` condition)."""
    spec = template.get("spec") or {}
    ns = (template.get("metadata") or {}).get("namespace", "")
    status = {"phase": "Running", "startTime": "2000-01-01T00:00:00Z",
              "conditions": [{"type": "Ready", "status": "True",
                              "lastTransitionTime": "2000-01-01T00:00:00Z"}]}
    return [{"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": f"{prefix}-{i}", "namespace": ns},
             "spec": spec, "status": status} for i in range(n)]
