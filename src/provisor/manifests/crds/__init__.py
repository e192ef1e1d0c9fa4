"""Our own strict models of the CRDs provisor renders, and their dispatch.

=================================  ==========  =======================================
apiVersion / kind                  model        status
=================================  ==========  =======================================
autoscaling.k8s.io/v1              ``vpa.VerticalPodAutoscaler``            served
VerticalPodAutoscaler
autoscaling.k8s.io/v1beta2         ``vpa.VerticalPodAutoscalerV1beta2``     deprecated (warning
VerticalPodAutoscaler                                                       ``schema/deprecated-api``)
monitoring.coreos.com/v1           ``prometheusrule.PrometheusRule``        served
PrometheusRule
=================================  ==========  =======================================

Any other version of these two kinds is reported as ``schema/unserved-api``. The model modules
import pydantic, so they are imported only when an object of their kind is validated.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from provisor.manifests.schema import SchemaError


@dataclass(frozen=True)
class CRDModel:
    """How to validate one served (group, version, kind) of our CRDs.

    Attributes:
        group, version, kind: the API group, version and kind.
        module, cls: where the pydantic model lives (imported on first use).
        deprecated: a deprecation message, or ``None``.
        served: every served apiVersion of this kind (for messages).
    """

    group: str
    version: str
    kind: str
    module: str | None
    cls: str | None
    deprecated: str | None = None
    served: tuple[str, ...] = ()

    def model(self) -> Any:
        """The pydantic model class. Raises ``ValueError`` for a version the CRD does not
        serve (no model)."""
        if self.module is None or self.cls is None:
            raise ValueError(f"{self.group}/{self.version} {self.kind} is not served: no model")
        return getattr(importlib.import_module(self.module), self.cls)

    def validate(self, obj: dict[str, Any], validator: Any) -> tuple[str, list[SchemaError]]:
        """``(status, errors)`` as :meth:`SchemaValidator.validate_object` returns them."""
        if self.module is None:
            return "unserved", [SchemaError(
                ("apiVersion",),
                f"apiVersion {self.group}/{self.version} of {self.kind} is not served by its CRD "
                f"(served: {', '.join(self.served)})",
                f"change apiVersion to {self.served[0]}" if self.served else None,
            )]
        from pydantic import ValidationError

        from provisor.manifests.crds._base import errors_from

        errs: list[SchemaError] = []
        if self.deprecated:
            errs.append(SchemaError(("apiVersion",), self.deprecated,
                                    f"change apiVersion to {self.served[0]}"))
        meta = obj.get("metadata")
        if meta is not None:
            node = validator.object_meta()
            if not node.check(meta):
                node.explain(meta, ("metadata",), errs)
        try:
            self.model().model_validate(obj)
        except ValidationError as e:
            errs.extend(errors_from(e))
        if self.deprecated:
            return "deprecated", errs
        return ("invalid" if errs else "valid"), errs


_V1BETA2_NOTE = (
    "autoscaling.k8s.io/v1beta2 VerticalPodAutoscaler is deprecated (the VPA CRD marks it "
    "deprecated, and since VPA 1.0 no longer serves it: served: false); use autoscaling.k8s.io/v1"
)

_TABLE: dict[tuple[str, str], dict[str, CRDModel]] = {
    ("autoscaling.k8s.io", "VerticalPodAutoscaler"): {
        "v1": CRDModel("autoscaling.k8s.io", "v1", "VerticalPodAutoscaler",
                       "provisor.manifests.crds.vpa", "VerticalPodAutoscaler",
                       served=("autoscaling.k8s.io/v1",)),
        "v1beta2": CRDModel("autoscaling.k8s.io", "v1beta2", "VerticalPodAutoscaler",
                            "provisor.manifests.crds.vpa", "VerticalPodAutoscalerV1beta2",
                            deprecated=_V1BETA2_NOTE, served=("autoscaling.k8s.io/v1",)),
    },
    ("monitoring.coreos.com", "PrometheusRule"): {
        "v1": CRDModel("monitoring.coreos.com", "v1", "PrometheusRule",
                       "provisor.manifests.crds.prometheusrule", "PrometheusRule",
                       served=("monitoring.coreos.com/v1",)),
    },
}


def crd_model_for(group: str, version: str, kind: str) -> CRDModel | None:
    """The :class:`CRDModel` for an object of one of our CRD kinds (an unserved version gets a
    model whose ``validate`` reports ``unserved``), or ``None`` for any other kind."""
    versions = _TABLE.get((group, kind))
    if versions is None:
        return None
    hit = versions.get(version)
    if hit is not None:
        return hit
    served = next(iter(versions.values())).served
    return CRDModel(group, version, kind, None, None, served=served)
