"""Objects that controllers generate from the checked ones, judged like written ones.

A KEDA ``ScaledObject`` makes the KEDA operator write a HorizontalPodAutoscaler
(:func:`provisor.k8s.keda.hpa_for_scaled_object`): the Context adds that HPA to what the
``hpa/*``, ``pdb/*``, ``quota/*`` and ``vpa/*`` rules see, so two autoscalers on one workload,
a PDB against the generated ``minReplicas`` and the quota at ``maxReplicaCount`` are all
judged. A ``ScaledJob`` runs up to ``maxReplicaCount`` Jobs of its ``jobTargetRef`` at once: it
is added as one Job whose ``parallelism`` is that many Jobs' pods, so the quota rules count
the peak. An HPA the checked set already holds under the generated name (an export of the
cluster) is not generated twice.

Findings on a generated object point at the ScaledObject's or ScaledJob's file and at the
corresponding line (``spec.minReplicas`` -> ``spec.minReplicaCount``...). Silencing
annotations apply to the objects as written only.
"""

from __future__ import annotations

from typing import Any

from provisor.manifests import Document

__all__ = ["GeneratedDocument", "generate"]

#: Generated-object path prefix -> source path prefix, per source kind (longest first).
_HPA_PATHS: tuple[tuple[tuple[str | int, ...], tuple[str | int, ...]], ...] = (
    (("spec", "behavior"), ("spec", "advanced", "horizontalPodAutoscalerConfig", "behavior")),
    (("spec", "minReplicas"), ("spec", "minReplicaCount")),
    (("spec", "maxReplicas"), ("spec", "maxReplicaCount")),
    (("spec", "scaleTargetRef"), ("spec", "scaleTargetRef")),
    (("spec", "metrics"), ("spec", "triggers")),
    (("metadata",), ("metadata",)),
)
_JOB_PATHS: tuple[tuple[tuple[str | int, ...], tuple[str | int, ...]], ...] = (
    (("spec", "parallelism"), ("spec", "maxReplicaCount")),
    (("spec",), ("spec", "jobTargetRef")),
    (("metadata",), ("metadata",)),
)


class GeneratedDocument(Document):
    """A document a controller writes from ``source``; positions map onto the source.

    Attributes:
        source: the written document (the ScaledObject or ScaledJob).
        paths: generated path prefix -> source path prefix.
    """

    __slots__ = ("source", "paths")

    def __init__(self, obj: dict[str, Any], source: Document,
                 paths: tuple[tuple[tuple[str | int, ...], tuple[str | int, ...]], ...]) -> None:
        super().__init__(obj, source.file, source.line, source.index, "kubernetes",
                         meta={"generated_from": f"{source.kind}/{source.name}"})
        self.source = source
        self.paths = paths

    def line_of(self, path: tuple[str | int, ...] | list[str | int]) -> int:
        """The line of the source field the generated field comes from (the metric of a
        trigger maps to the trigger), else of the source document."""
        path = tuple(path)
        for gen, src in self.paths:
            if path[:len(gen)] == gen:
                rest = path[len(gen):]
                if gen == ("spec", "metrics"):
                    rest = rest[:1]
                return self.source.line_of(src + rest)
        return self.source.line


def _keda(d: Document) -> bool:
    return str(d.obj.get("apiVersion", "")).startswith("keda.sh/")


def generate(by_kind: dict[str, list[Document]], namespace_of: Any
             ) -> list[tuple[Document, str]]:
    """(generated document, effective namespace) for every KEDA ScaledObject and ScaledJob
    in ``by_kind``, in load order, leaving out HPAs the set already holds by name."""
    from provisor.k8s.keda import hpa_for_scaled_object, scaled_job_max

    out: list[tuple[Document, str]] = []
    existing = {(namespace_of(h.obj), h.name) for h in by_kind.get("HorizontalPodAutoscaler", [])}
    for d in by_kind.get("ScaledObject", []):
        if not _keda(d):
            continue
        hpa = hpa_for_scaled_object(d.obj)
        if hpa is None:
            continue
        ns = namespace_of(d.obj)
        if (ns, hpa["metadata"]["name"]) in existing:
            continue
        out.append((GeneratedDocument(hpa, d, _HPA_PATHS), ns))
    for d in by_kind.get("ScaledJob", []):
        if not _keda(d):
            continue
        spec = d.obj.get("spec")
        job_spec = spec.get("jobTargetRef") if isinstance(spec, dict) else None
        if not isinstance(job_spec, dict) or not isinstance(job_spec.get("template"), dict):
            continue
        per_job = job_spec.get("parallelism", 1)
        per_job = per_job if isinstance(per_job, int) and not isinstance(per_job, bool) else 1
        comp = job_spec.get("completions")
        if isinstance(comp, int) and not isinstance(comp, bool):
            per_job = min(per_job, comp)
        meta = dict(d.obj.get("metadata") or {}) if isinstance(d.obj.get("metadata"), dict) else {}
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {k: v for k, v in meta.items() if k in ("name", "namespace",
                                                                     "labels")},
               "spec": {**{k: v for k, v in job_spec.items() if k != "completions"},
                        "parallelism": per_job * scaled_job_max(d.obj)}}
        out.append((GeneratedDocument(job, d, _JOB_PATHS), namespace_of(d.obj)))
    return out
