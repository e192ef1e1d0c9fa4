"""Strict model of the PrometheusRule CRD (``monitoring.coreos.com/v1``), written from the
upstream CRD ``example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml``
(prometheus-operator v0.93.0; the copy tested against is
``shared/real/crds/prometheusrule-crd.yaml``) and the Go types in
``pkg/apis/monitoring/v1/prometheusrule_types.go``.

Modelled: every ``spec`` field with the CRD's duration pattern (``interval``, ``query_offset``,
``for``, ``keep_firing_for``; ``keep_firing_for`` also ``minLength: 1``), ``name`` ``minLength: 1``,
``partial_response_strategy`` pattern ``^(?i)(abort|warn)?$``, ``expr`` as int-or-string, and
``spec.groups`` as ``x-kubernetes-list-type: map`` keyed by ``name`` (the API server rejects two
groups with the same name). What the CRD schema leaves to the operator's admission webhook
(exactly one of ``record``/``alert``, PromQL syntax, ``for`` only on alerts) is not part of this
model; the PromQL and alert rules of ``provisor check`` judge it.

``status`` is written through the status subresource and accepted as any object.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator, field_validator

from provisor.manifests.crds._base import (
    Int,
    K8sModel,
    Str,
    int_or_string_check,
    pattern_check,
    unique_by,
)

DURATION_PATTERN = (
    r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
)
Duration = Annotated[str, PlainValidator(pattern_check(DURATION_PATTERN))]
NonEmptyDuration = Annotated[str, PlainValidator(pattern_check(DURATION_PATTERN, min_length=1))]
NonEmptyStr = Annotated[Str, Field(min_length=1)]
Expr = Annotated[Any, PlainValidator(int_or_string_check())]
PartialResponseStrategy = Annotated[str, PlainValidator(pattern_check(r"^(?i)(abort|warn)?$"))]


class Rule(K8sModel):
    """``spec.groups[*].rules[*]``: an alerting or recording rule."""

    record: Str | None = None
    alert: Str | None = None
    expr: Expr
    for_: Duration | None = Field(None, alias="for")
    keep_firing_for: NonEmptyDuration | None = None
    labels: dict[str, Str] | None = None
    annotations: dict[str, Str] | None = None


class RuleGroup(K8sModel):
    """``spec.groups[*]``."""

    name: NonEmptyStr
    labels: dict[str, Str] | None = None
    interval: Duration | None = None
    query_offset: Duration | None = None
    rules: list[Rule] | None = None
    limit: Int | None = None
    partial_response_strategy: PartialResponseStrategy | None = None


class PrometheusRuleSpec(K8sModel):
    """``spec``."""

    groups: list[RuleGroup] | None = None

    @field_validator("groups")
    @classmethod
    def _unique_names(cls, groups: list[RuleGroup] | None) -> list[RuleGroup] | None:
        unique_by(groups, "name", "name")
        return groups


class PrometheusRule(K8sModel):
    """``monitoring.coreos.com/v1`` PrometheusRule (``spec`` required). ``metadata`` is validated
    separately against Kubernetes' ObjectMeta schema."""

    api_version: Str | None = Field(None, alias="apiVersion")
    kind: Str | None = None
    metadata: dict[str, Any] | None = None
    spec: PrometheusRuleSpec
    status: dict[str, Any] | None = None
