"""Strict models of the VerticalPodAutoscaler CRD (``autoscaling.k8s.io``), written from the
upstream CRD ``vertical-pod-autoscaler/deploy/vpa-v1-crd-gen.yaml`` (kubernetes/autoscaler; the
copy tested against is ``shared/real/crds/vpa-v1-crd-gen.yaml``, controller-gen v0.21.0) and the
Go types in ``vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1/types.go``.

* ``v1`` (served, storage): :class:`VerticalPodAutoscaler`, every ``spec`` field of the CRD
  with its enums (``updateMode``, ``mode``, ``controlledValues``, ``changeRequirement``,
  ``startupBoost.cpu.type``), minimums (``evictAfterOOMSeconds``,
  ``memoryAggregationIntervalCount``, ``memoryAggregationIntervalSeconds`` >= 1), quantity
  patterns, and the CRD's ``x-kubernetes-validations`` on ``startupBoost.cpu`` (both at
  ``spec.startupBoost.cpu`` and ``spec.resourcePolicy.containerPolicies[*].startupBoost.cpu``):
  ``(self.type == 'Factor') == has(self.factor)`` and
  ``(self.type == 'Quantity') == has(self.quantity)``.
* ``v1beta2`` (``deprecated: true``, and ``served: false`` in the current CRD):
  :class:`VerticalPodAutoscalerV1beta2`, its smaller schema.

``status`` is written by the recommender through the status subresource; what a manifest puts
there is ignored by the API server, so it is accepted as any object.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from provisor.manifests.crds._base import Int, IntOrQuantity, K8sModel, Str

PositiveInt = Annotated[Int, Field(ge=1)]
UpdateMode = Literal["Off", "Initial", "Recreate", "InPlaceOrRecreate", "InPlace", "Auto"]
ContainerScalingMode = Literal["Auto", "Off"]
ControlledValues = Literal["RequestsAndLimits", "RequestsOnly"]


class CrossVersionObjectReference(K8sModel):
    """``spec.targetRef``: the controller whose pods the VPA manages (kind and name required)."""

    api_version: Str | None = Field(None, alias="apiVersion")
    kind: Str
    name: Str


class EvictionRequirement(K8sModel):
    """``spec.updatePolicy.evictionRequirements[*]``."""

    resources: list[Str]
    change_requirement: Literal["TargetHigherThanRequests", "TargetLowerThanRequests"] = Field(
        alias="changeRequirement")


class PodUpdatePolicy(K8sModel):
    """``spec.updatePolicy``. ``updateMode`` defaults to ``Recreate`` in the updater when unset
    (``Auto`` is deprecated and behaves as ``Recreate``)."""

    update_mode: UpdateMode | None = Field(None, alias="updateMode")
    min_replicas: Int | None = Field(None, alias="minReplicas")
    eviction_requirements: list[EvictionRequirement] | None = Field(None, alias="evictionRequirements")
    evict_after_oom_seconds: PositiveInt | None = Field(None, alias="evictAfterOOMSeconds")


class StartupBoostCPU(K8sModel):
    """``startupBoost.cpu``: a Factor boost needs ``factor`` (and no ``quantity``); a Quantity
    boost needs ``quantity`` (and no ``factor``) -- the CRD's two CEL rules."""

    type: Literal["Factor", "Quantity"]
    factor: Int | None = None
    quantity: IntOrQuantity | None = None
    duration_seconds: Int | None = Field(None, alias="durationSeconds")

    @model_validator(mode="after")
    def _cel_rules(self) -> "StartupBoostCPU":
        # Both rules are evaluated, as the API server evaluates every rule and reports each.
        failed = []
        if (self.type == "Factor") != (self.factor is not None):
            failed.append("factor is required when type is Factor and forbidden otherwise")
        if (self.type == "Quantity") != (self.quantity is not None):
            failed.append("quantity is required when type is Quantity and forbidden otherwise")
        if failed:
            raise ValueError("; ".join(failed))
        return self


class StartupBoost(K8sModel):
    """``startupBoost``."""

    cpu: StartupBoostCPU | None = None


class ContainerResourcePolicy(K8sModel):
    """``spec.resourcePolicy.containerPolicies[*]``. Quantities are kept as given (``int`` or
    ``str``); use ``provisor.quantity`` to read them."""

    container_name: Str | None = Field(None, alias="containerName")
    mode: ContainerScalingMode | None = None
    min_allowed: dict[str, IntOrQuantity] | None = Field(None, alias="minAllowed")
    max_allowed: dict[str, IntOrQuantity] | None = Field(None, alias="maxAllowed")
    controlled_resources: list[Str] | None = Field(None, alias="controlledResources")
    controlled_values: ControlledValues | None = Field(None, alias="controlledValues")
    oom_bump_up_ratio: IntOrQuantity | None = Field(None, alias="oomBumpUpRatio")
    oom_min_bump_up: IntOrQuantity | None = Field(None, alias="oomMinBumpUp")
    memory_aggregation_interval_count: PositiveInt | None = Field(
        None, alias="memoryAggregationIntervalCount")
    memory_aggregation_interval_seconds: PositiveInt | None = Field(
        None, alias="memoryAggregationIntervalSeconds")
    startup_boost: StartupBoost | None = Field(None, alias="startupBoost")


class PodResourcePolicy(K8sModel):
    """``spec.resourcePolicy``."""

    container_policies: list[ContainerResourcePolicy] | None = Field(None, alias="containerPolicies")


class RecommenderSelector(K8sModel):
    """``spec.recommenders[*]``."""

    name: Str


class VerticalPodAutoscalerSpec(K8sModel):
    """``spec`` of ``autoscaling.k8s.io/v1`` VerticalPodAutoscaler."""

    target_ref: CrossVersionObjectReference = Field(alias="targetRef")
    update_policy: PodUpdatePolicy | None = Field(None, alias="updatePolicy")
    resource_policy: PodResourcePolicy | None = Field(None, alias="resourcePolicy")
    recommenders: list[RecommenderSelector] | None = None
    startup_boost: StartupBoost | None = Field(None, alias="startupBoost")


class VerticalPodAutoscaler(K8sModel):
    """``autoscaling.k8s.io/v1`` VerticalPodAutoscaler (``spec`` required). ``metadata`` is
    validated separately against Kubernetes' ObjectMeta schema."""

    api_version: Str | None = Field(None, alias="apiVersion")
    kind: Str | None = None
    metadata: dict[str, Any] | None = None
    spec: VerticalPodAutoscalerSpec
    status: dict[str, Any] | None = None


# -- v1beta2 ----------------------------------------------------------------------------------


class PodUpdatePolicyV1beta2(K8sModel):
    """``spec.updatePolicy`` of v1beta2."""

    update_mode: Literal["Off", "Initial", "Recreate", "Auto"] | None = Field(None, alias="updateMode")


class ContainerResourcePolicyV1beta2(K8sModel):
    """``spec.resourcePolicy.containerPolicies[*]`` of v1beta2."""

    container_name: Str | None = Field(None, alias="containerName")
    mode: ContainerScalingMode | None = None
    min_allowed: dict[str, IntOrQuantity] | None = Field(None, alias="minAllowed")
    max_allowed: dict[str, IntOrQuantity] | None = Field(None, alias="maxAllowed")


class PodResourcePolicyV1beta2(K8sModel):
    """``spec.resourcePolicy`` of v1beta2."""

    container_policies: list[ContainerResourcePolicyV1beta2] | None = Field(
        None, alias="containerPolicies")


class VerticalPodAutoscalerSpecV1beta2(K8sModel):
    """``spec`` of v1beta2."""

    target_ref: CrossVersionObjectReference = Field(alias="targetRef")
    update_policy: PodUpdatePolicyV1beta2 | None = Field(None, alias="updatePolicy")
    resource_policy: PodResourcePolicyV1beta2 | None = Field(None, alias="resourcePolicy")


class VerticalPodAutoscalerV1beta2(K8sModel):
    """``autoscaling.k8s.io/v1beta2`` VerticalPodAutoscaler (deprecated)."""

    api_version: Str | None = Field(None, alias="apiVersion")
    kind: Str | None = None
    metadata: dict[str, Any] | None = None
    spec: VerticalPodAutoscalerSpecV1beta2
    status: dict[str, Any] | None = None
