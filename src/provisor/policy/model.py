"""The platform resource policy: a pydantic v2 model.

The policy is the authoring front-end of provisor (see DESIGN.md): ``provisor.render`` turns
it into plain Kubernetes objects. Every field that ends up in an object is validated here with
the same rules the API server applies to that object, so a policy that loads renders objects
the API server accepts:

* quantities: ``provisor.quantity.Quantity`` (apimachinery ``resource.Quantity``);
* LimitRange: ``ValidateLimitRange`` in ``pkg/apis/core/validation/validation.go``
  (min <= defaultRequest <= default <= max, maxLimitRequestRatio >= 1 and <= max/min), with
  the API server's defaulting of missing values (``SetDefaults_LimitRangeItem`` in
  ``pkg/apis/core/v1/defaults.go``: default <- max, defaultRequest <- default, then <- min);
* LimitRanger admission (``plugin/pkg/admission/limitranger/admission.go``): every agent tier
  and the assumed controller pods must pass max and maxLimitRequestRatio;
* PriorityClass: user classes have value <= 1,000,000,000 (``HighestUserDefinablePriority``
  in ``pkg/apis/scheduling/types.go``), names may not start with ``system-``, at most one
  ``globalDefault``;
* HPA behavior: stabilization window 0..3600 s, policy period 1..1800 s, value > 0
  (``validateScalingRules`` in ``pkg/apis/autoscaling/validation/validation.go``);
* PDB: allowed disruptions at the HPA's minReplicas, computed like the disruption controller
  (``pkg/controller/disruption/disruption.go``: percentages of minAvailable and
  maxUnavailable are rounded up).

Cross-field problems (an agent naming an unknown tier, a concurrency that does not fit the
quota, ...) are collected by the root model and raised together as ``CrossFieldErrors``, a
``ValueError`` that carries each problem's own field path, so ``provisor.policy.load`` can
report each at its line.

Units inside: CPU in integer millicores, memory and storage in integer bytes (DESIGN.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from provisor.policy.workload import Workload
from provisor.quantity import Quantity, QuantityError

# --------------------------------------------------------------------------------------
# Scalar types
# --------------------------------------------------------------------------------------


def _to_quantity(value: Any) -> Quantity:
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a quantity such as '500m' or '8Gi', got {value!r}")
    try:
        return Quantity.parse(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from None


#: A Kubernetes quantity; YAML strings and numbers are accepted, dumped as the canonical string.
Qty = Annotated[
    Quantity,
    PlainValidator(_to_quantity),
    PlainSerializer(lambda q: str(q), return_type=str),
    WithJsonSchema({"type": "string", "description": "Kubernetes quantity"}),
]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PROM_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_PROM_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_PROM_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _dns_label(value: str) -> str:
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label (lower case alphanumerics and '-', "
            "starting and ending with an alphanumeric, at most 63 characters)")
    return value


def _dns_subdomain(value: str) -> str:
    if not isinstance(value, str) or len(value) > 253 or not _DNS_SUBDOMAIN.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 subdomain")
    return value


def _label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise ValueError(f"label key {key!r}: the prefix must be a DNS-1123 subdomain")
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        raise ValueError(f"label key {key!r} is not a qualified name")
    return key


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of label keys to string values")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise ValueError(f"label {k!r}: keys and values must be strings (quote {v!r})")
        _label_key(k)
        if len(v) > 63 or not _LABEL_VALUE.match(v):
            raise ValueError(f"label {k}: {v!r} is not a valid label value")
        out[k] = v
    return out


def _duration(value: Any) -> str:
    if not isinstance(value, str) or not value or not _PROM_DURATION.match(value):
        raise ValueError(f"{value!r} is not a Prometheus duration such as '5m' or '1h30m'")
    return value


def duration_seconds(text: str) -> float:
    """Seconds in a Prometheus duration string (``"1h30m"`` -> 5400.0)."""
    m = _PROM_DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a Prometheus duration")
    y, w, d, h, mi, s, ms = (int(g) if g else 0 for g in m.groups())
    return (((y * 365 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s + ms / 1000


DnsLabel = Annotated[str, PlainValidator(_dns_label), WithJsonSchema({"type": "string"})]
DnsSubdomain = Annotated[str, PlainValidator(_dns_subdomain), WithJsonSchema({"type": "string"})]
Labels = Annotated[dict[str, str], PlainValidator(_labels),
                   WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}})]
Duration = Annotated[str, PlainValidator(_duration), WithJsonSchema({"type": "string"})]


#: Largest value of a Kubernetes int32 field (replicas, utilization targets, scaling policy
#: values, IntOrString integers): the API server rejects anything above it.
INT32_MAX = 2**31 - 1


def _int_or_percent(value: Any) -> int | str:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer or a percentage such as '50%', got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must be >= 0")
        if value > INT32_MAX:
            raise ValueError(f"must be <= {INT32_MAX} (an int32 field in Kubernetes)")
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+%", value):
        if int(value[:-1]) > 100:
            raise ValueError("a percentage must be <= 100%")
        return value
    raise ValueError(f"expected an integer or a percentage such as '50%', got {value!r}")


IntOrPercent = Annotated[
    int | str, PlainValidator(_int_or_percent),
    WithJsonSchema({"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\d+%$"}]})]

ResourceName = Literal["cpu", "memory", "ephemeral-storage"]
ResourceMap = dict[ResourceName, Qty]


class CrossFieldErrors(ValueError):
    """Problems between fields; each has its own field path (relative to the model that
    raised it). ``str()`` lists them all, so a bare ``ValidationError`` stays readable."""

    def __init__(self, problems: Sequence[tuple[tuple[str | int, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(
            f"{'.'.join(str(p) for p in loc) or '<policy>'}: {msg}" for loc, msg in problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              arbitrary_types_allowed=True)


def _q(value: Quantity, resource: str) -> int:
    """millicores for cpu, bytes (rounded up) for everything else."""
    return value.milli_value() if resource == "cpu" else value.int_value()


def _fmt(amount: int | Fraction, resource: str) -> str:
    """Canonical quantity string of an internal amount (millicores for cpu, else bytes or a
    count), rounded up to a whole internal unit."""
    whole = math.ceil(amount)
    if resource == "cpu":
        return str(Quantity.from_value(Fraction(whole, 1000), "DecimalSI"))
    if resource in ("memory", "storage", "ephemeral-storage"):
        return str(Quantity.from_value(Fraction(whole), "BinarySI"))
    return str(whole)


def _fmt_units(value: Fraction, resource: str) -> str:
    """Canonical quantity string of a value in base units (cores, bytes)."""
    return _fmt(value * 1000 if resource == "cpu" else value, resource)


# --------------------------------------------------------------------------------------
# Leaves
# --------------------------------------------------------------------------------------


class CpuMemory(_Model):
    """A resource list with both cpu and memory."""

    cpu: Qty
    memory: Qty

    @field_validator("cpu", "memory")
    @classmethod
    def _positive(cls, v: Quantity) -> Quantity:
        if v.sign() <= 0:
            raise ValueError("must be greater than zero")
        return v

    def get(self, resource: str) -> Quantity:
        return self.cpu if resource == "cpu" else self.memory


class Tier(_Model):
    """Container resources of one agent class running one model.

    Attributes:
        requests: what the scheduler and the quota reserve per run.
        limits: the ceiling (CPU: throttling; memory: OOM kill).
    """

    requests: CpuMemory
    limits: CpuMemory

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> "Tier":
        problems = []
        for r in ("cpu", "memory"):
            if self.limits.get(r) < self.requests.get(r):
                problems.append((("limits", r),
                                 f"limit {self.limits.get(r)} is below the request "
                                 f"{self.requests.get(r)} (the API server rejects "
                                 "request > limit)"))
        if problems:
            raise CrossFieldErrors(problems)
        return self

    def ratio(self, resource: str) -> Fraction:
        """limit / request for ``resource`` (exact)."""
        return self.limits.get(resource).value / self.requests.get(resource).value


class WorkspaceClass(_Model):
    """A workspace volume: one PVC per run, created from this template."""

    size: Qty
    storage_class: DnsSubdomain
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"]
    mount_path: str = "/workspace"

    @field_validator("size")
    @classmethod
    def _positive(cls, v: Quantity) -> Quantity:
        if v.sign() <= 0:
            raise ValueError("must be greater than zero")
        return v

    @field_validator("mount_path")
    @classmethod
    def _absolute(cls, v: str) -> str:
        if not v.startswith("/") or ":" in v:
            raise ValueError("must be an absolute path without ':'")
        return v


class PriorityClassPolicy(_Model):
    """A PriorityClass. ``preemption_policy: Never`` lets a pending pod of this class go
    first in the scheduling queue without evicting running pods."""

    value: int = Field(ge=-2147483648, le=1_000_000_000)
    global_default: bool = False
    preemption_policy: Literal["PreemptLowerPriority", "Never"] = "PreemptLowerPriority"
    description: str = ""


class Agent(_Model):
    """One agent: which tier row sizes it, its workspace and priority, its concurrency.

    Attributes:
        tier: key of ``tiers`` (the agent class: implementation, quality, testing).
        model: key under ``tiers[tier]`` (the model the agent runs).
        workspace: key of ``workspace_classes``.
        priority_class: key of ``priority_classes``.
        max_concurrency: most runs (pods) of this agent at once; the controller honours the
            PodTemplate annotation ``provisor.dev/max-concurrency``.
        image: container image of the ``agent`` container (the controller may override it
            per run).
        description: free text, copied to the PodTemplate.
    """

    tier: str
    model: str
    workspace: str
    priority_class: str
    max_concurrency: int = Field(ge=1, le=10_000)
    image: str = Field(min_length=1)
    description: str = ""

    @field_validator("image")
    @classmethod
    def _image(cls, v: str) -> str:
        if v != v.strip() or any(c.isspace() for c in v):
            raise ValueError("must not contain whitespace")
        return v


class NamespacePolicy(_Model):
    name: DnsLabel
    labels: Labels = Field(default_factory=dict)


class NodePool(_Model):
    """``count`` identical nodes for the digital twin (``provisor simulate``).

    ``cpu``/``memory``/``pods``: the node's capacity; ``reserved``: what kube-reserved,
    system-reserved and the hard eviction threshold keep back, so allocatable = capacity -
    reserved (``kubectl get node -o yaml`` shows both). ``labels`` are added to each node;
    nodes are named ``<name>-<i>``.
    """

    name: DnsLabel = "node"
    count: int = Field(default=1, ge=1, le=100000)
    cpu: Qty
    memory: Qty
    pods: int = Field(default=110, ge=1)
    reserved: CpuMemory | None = None
    labels: Labels = Field(default_factory=dict)


class ClusterPolicy(_Model):
    """The cluster the namespace lives in (spec: "40 CPU cores, 160GB memory").

    ``nodes`` (optional): node pools for ``provisor simulate``; unset, the twin uses 5 equal
    nodes that add up to ``capacity``.
    """

    capacity: CpuMemory
    nodes: list[NodePool] | None = None


# --------------------------------------------------------------------------------------
# Quota and LimitRange
# --------------------------------------------------------------------------------------

_STANDARD_QUOTA = frozenset({
    "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    "ephemeral-storage", "requests.ephemeral-storage", "limits.ephemeral-storage",
    "requests.storage", "persistentvolumeclaims", "pods", "services", "services.loadbalancers",
    "services.nodeports", "configmaps", "secrets", "replicationcontrollers", "resourcequotas",
})
_COUNT_QUOTA = frozenset({
    "pods", "services", "services.loadbalancers", "services.nodeports", "configmaps", "secrets",
    "replicationcontrollers", "resourcequotas", "persistentvolumeclaims"})
_SC_QUOTA = re.compile(
    r"^(?P<sc>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)"
    r"\.storageclass\.storage\.k8s\.io/(?P<res>requests\.storage|persistentvolumeclaims)$")
_OTHER_QUOTA = re.compile(
    r"^(count/[a-z0-9.-]+|hugepages-[A-Za-z0-9]+|requests\.hugepages-[A-Za-z0-9]+"
    r"|requests\.[a-z0-9.-]+/[A-Za-z0-9._-]+)$")

STORAGE_CLASS_KEY = "{sc}.storageclass.storage.k8s.io/{res}"


def quota_key_is_count(key: str) -> bool:
    """Object-count keys (``pods``, ``count/...``, per-class ``persistentvolumeclaims``)."""
    return (key in _COUNT_QUOTA or key.startswith("count/")
            or key.endswith(".storageclass.storage.k8s.io/persistentvolumeclaims"))


def _quota_resource(key: str) -> str:
    """The resource family of a quota key, for formatting: cpu, memory, storage or count."""
    if quota_key_is_count(key):
        return "count"
    if key.endswith("cpu"):
        return "cpu"
    if key.endswith("memory"):
        return "memory"
    return "storage"


class QuotaPolicy(_Model):
    """The namespace ResourceQuota.

    Attributes:
        name: object name.
        buffer: the headroom the spec's Risk Mitigation asks for ("buffer capacity 20% over
            expected usage"): every planned total times (1 + buffer) must fit ``hard``.
        hard: ``spec.hard`` (quota resource name -> quantity).
    """

    name: DnsSubdomain
    buffer: float = Field(ge=0, le=10)
    hard: dict[str, Qty]

    @field_validator("hard")
    @classmethod
    def _keys(cls, v: dict[str, Quantity]) -> dict[str, Quantity]:
        problems = []
        for key, q in v.items():
            if not (key in _STANDARD_QUOTA or _SC_QUOTA.match(key) or _OTHER_QUOTA.match(key)):
                problems.append(((key,), f"{key!r} is not a ResourceQuota resource name"))
                continue
            if q.sign() < 0:
                problems.append(((key,), "must be greater than or equal to 0"))
            elif quota_key_is_count(key) and q.value.denominator != 1:
                problems.append(((key,), f"{q} is not a whole number of objects"))
        if problems:
            raise CrossFieldErrors(problems)
        return v


class ContainerLimits(_Model):
    """The ``type: Container`` item of the LimitRange. Missing default / default_request are
    filled as the API server does (``effective_default`` / ``effective_default_request``)."""

    max: ResourceMap = Field(default_factory=dict)
    min: ResourceMap = Field(default_factory=dict)
    default: ResourceMap = Field(default_factory=dict)
    default_request: ResourceMap = Field(default_factory=dict)
    max_limit_request_ratio: ResourceMap = Field(default_factory=dict)

    def effective_default(self) -> dict[ResourceName, Quantity]:
        """``default`` after ``SetDefaults_LimitRangeItem``: a resource with a max and no
        default gets default = max."""
        out = dict(self.max)
        out.update(self.default)
        return out

    def effective_default_request(self) -> dict[ResourceName, Quantity]:
        """``defaultRequest`` after defaulting: <- default (effective), then <- min."""
        out = dict(self.min)
        out.update(self.effective_default())
        out.update(self.default_request)
        return out

    @model_validator(mode="after")
    def _consistent(self) -> "ContainerLimits":
        problems: list[tuple[tuple[str | int, ...], str]] = []
        default = self.effective_default()
        default_req = self.effective_default_request()
        names = set(self.max) | set(self.min) | set(default) | set(default_req) | set(
            self.max_limit_request_ratio)
        for r in sorted(names):
            mx, mn = self.max.get(r), self.min.get(r)
            d, dr = default.get(r), default_req.get(r)
            ratio = self.max_limit_request_ratio.get(r)
            if mx is not None and mn is not None and mn > mx:
                problems.append((("min", r), f"min {mn} is greater than max {mx}"))
            if d is not None and mx is not None and d > mx:
                problems.append((("default", r), f"default {d} is greater than max {mx}"))
            if dr is not None and d is not None and dr > d:
                problems.append((("default_request", r),
                                 f"default request {dr} is greater than default limit {d}"))
            if dr is not None and mn is not None and dr < mn:
                problems.append((("default_request", r),
                                 f"default request {dr} is below min {mn}"))
            if d is not None and mn is not None and d < mn:
                problems.append((("default", r), f"default {d} is below min {mn}"))
            if ratio is not None:
                if ratio.value < 1:
                    problems.append((("max_limit_request_ratio", r),
                                     f"ratio {ratio} is less than 1"))
                if mx is not None and mn is not None and mn.sign() > 0 and \
                        ratio.value > mx.value / mn.value:
                    problems.append((("max_limit_request_ratio", r),
                                     f"ratio {ratio} is greater than max/min = "
                                     f"{float(mx.value / mn.value):f}"))
                if d is not None and dr is not None and dr.sign() > 0 and \
                        d.value / dr.value > ratio.value:
                    problems.append((("default", r),
                                     f"default / default_request = {float(d.value / dr.value):g}"
                                     f" exceeds max_limit_request_ratio {ratio}: a container "
                                     "that sets no resources would be rejected"))
            # case-10: the defaulted limit must not fall below an explicit request. Requests
            # are admitted up to max, so the default limit must be max itself.
            if mx is not None and d is not None and d < mx:
                problems.append((("default", r),
                                 f"default limit {d} is below max {mx}: a container that "
                                 f"sets only a {r} request in ({d}, {mx}] gets limit {d} "
                                 "< request and is rejected; set default to max"))
        if problems:
            raise CrossFieldErrors(problems)
        return self


class PvcLimits(_Model):
    """The ``type: PersistentVolumeClaim`` item of the LimitRange (storage requests)."""

    min: Qty
    max: Qty

    @model_validator(mode="after")
    def _order(self) -> "PvcLimits":
        if self.min > self.max:
            raise CrossFieldErrors([(("min",), f"min {self.min} is greater than max {self.max}")])
        return self


class LimitRangePolicy(_Model):
    name: DnsSubdomain
    container: ContainerLimits
    pvc: PvcLimits


# --------------------------------------------------------------------------------------
# Autoscaling, disruption, external workloads
# --------------------------------------------------------------------------------------


class ScalingPolicy(_Model):
    type: Literal["Pods", "Percent"]
    value: int = Field(gt=0, le=INT32_MAX)
    period_seconds: int = Field(gt=0, le=1800)


class ScalingRules(_Model):
    """One direction of ``spec.behavior`` of an autoscaling/v2 HPA."""

    stabilization_window_seconds: int = Field(ge=0, le=3600)
    select_policy: Literal["Max", "Min", "Disabled"] = "Max"
    policies: list[ScalingPolicy] = Field(min_length=1)


class ExternalMetricTarget(_Model):
    """An External metric (external.metrics.k8s.io, served by an adapter such as
    prometheus-adapter or KEDA) with an ``AverageValue`` target: desired replicas =
    ceil(metric / average_value_per_replica)."""

    metric: str
    selector: Labels = Field(default_factory=dict)
    average_value_per_replica: Qty
    adapter: str = ""

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        if not _PROM_METRIC.match(v):
            raise ValueError(f"{v!r} is not a metric name")
        return v

    @field_validator("average_value_per_replica")
    @classmethod
    def _positive(cls, v: Quantity) -> Quantity:
        if v.sign() <= 0:
            raise ValueError("must be greater than zero")
        return v


class HpaPolicy(_Model):
    """A HorizontalPodAutoscaler (autoscaling/v2) on an external Deployment.

    Attributes:
        cpu_utilization / memory_utilization: Resource metric targets in percent of the
            pods' requests (None: no such metric).
        external: an External metric target, or None.
        responsiveness_goal_seconds: the spec's "HPA scaling decisions within 5 minutes of
            load changes"; the scale-up stabilization window plus the HPA sync period
            (15 s, kube-controller-manager ``--horizontal-pod-autoscaler-sync-period``) plus
            ``metrics_delay_seconds`` must fit in it.
        metrics_delay_seconds: how old the metric can be when the HPA reads it (scrape
            interval plus the metrics pipeline).
    """

    min_replicas: int = Field(ge=1, le=INT32_MAX)
    max_replicas: int = Field(ge=1, le=INT32_MAX)
    cpu_utilization: int | None = Field(default=None, gt=0, le=INT32_MAX)
    memory_utilization: int | None = Field(default=None, gt=0, le=INT32_MAX)
    external: ExternalMetricTarget | None = None
    scale_up: ScalingRules | None = None
    scale_down: ScalingRules | None = None
    responsiveness_goal_seconds: int = Field(default=300, gt=0, le=INT32_MAX)
    metrics_delay_seconds: int = Field(default=60, ge=0, le=INT32_MAX)

    @model_validator(mode="after")
    def _consistent(self) -> "HpaPolicy":
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.max_replicas < self.min_replicas:
            problems.append((("max_replicas",),
                             f"max_replicas {self.max_replicas} is below min_replicas "
                             f"{self.min_replicas}"))
        if self.cpu_utilization is None and self.memory_utilization is None and \
                self.external is None:
            problems.append(((), "no metric: set cpu_utilization, memory_utilization or external"))
        window = self.scale_up.stabilization_window_seconds if self.scale_up else 0
        worst = window + 15 + self.metrics_delay_seconds
        if worst > self.responsiveness_goal_seconds:
            problems.append((("scale_up", "stabilization_window_seconds"),
                             f"a scale-up can take {window} s (window) + 15 s (HPA sync) + "
                             f"{self.metrics_delay_seconds} s (metrics) = {worst} s, more than "
                             f"the {self.responsiveness_goal_seconds} s responsiveness goal"))
        if problems:
            raise CrossFieldErrors(problems)
        return self


class PdbPolicy(_Model):
    """A PodDisruptionBudget (policy/v1): exactly one of min_available / max_unavailable."""

    min_available: IntOrPercent | None = None
    max_unavailable: IntOrPercent | None = None
    unhealthy_pod_eviction_policy: Literal["AlwaysAllow", "IfHealthyBudget"] = "AlwaysAllow"

    @model_validator(mode="after")
    def _one(self) -> "PdbPolicy":
        if (self.min_available is None) == (self.max_unavailable is None):
            raise CrossFieldErrors([((), "set exactly one of min_available and max_unavailable")])
        return self

    def allowed_disruptions(self, replicas: int) -> int:
        """Disruptions allowed with ``replicas`` healthy pods (disruption controller:
        percentages are scaled with round-up)."""
        if self.min_available is not None:
            v = self.min_available
            desired = math.ceil(int(v[:-1]) * replicas / 100) if isinstance(v, str) else v
            return max(0, replicas - desired)
        mu = self.max_unavailable
        assert mu is not None
        unavailable = math.ceil(int(mu[:-1]) * replicas / 100) if isinstance(mu, str) else mu
        return max(0, min(replicas, unavailable))


class PodResources(_Model):
    """Per-container resources assumed for a Deployment the bundle does not own."""

    requests: ResourceMap = Field(default_factory=dict)
    limits: ResourceMap = Field(default_factory=dict)

    @model_validator(mode="after")
    def _order(self) -> "PodResources":
        problems = [(("limits", r), f"limit {self.limits[r]} is below the request "
                     f"{self.requests[r]}")
                    for r in sorted(set(self.requests) & set(self.limits))
                    if self.limits[r] < self.requests[r]]
        if problems:
            raise CrossFieldErrors(problems)
        return self


class DeploymentRef(_Model):
    """A Deployment outside the bundle: where it is and which labels its pods carry."""

    name: DnsSubdomain
    namespace: DnsLabel
    pod_labels: Labels = Field(min_length=1)
    containers: int = Field(default=1, ge=1, le=INT32_MAX)


class ExternalWorkload(_Model):
    """A Deployment the bundle autoscales and protects but does not render.

    Attributes:
        deployment: its name, namespace and pod labels (the PDB selector).
        assumed_pod_resources: what each of its containers requests (the HPA's Utilization
            targets need requests; the quota must hold max_replicas of them when it shares
            the namespace).
        autoscaling: the HPA.
        disruption_budget: the PDB.
    """

    deployment: DeploymentRef
    assumed_pod_resources: PodResources
    autoscaling: HpaPolicy
    disruption_budget: PdbPolicy

    @model_validator(mode="after")
    def _consistent(self) -> "ExternalWorkload":
        problems: list[tuple[tuple[str | int, ...], str]] = []
        hpa = self.autoscaling
        for metric, res in (("cpu_utilization", "cpu"), ("memory_utilization", "memory")):
            if getattr(hpa, metric) is not None and res not in self.assumed_pod_resources.requests:
                problems.append((("assumed_pod_resources", "requests"),
                                 f"autoscaling.{metric} needs a {res} request on every "
                                 "container of the target (else the HPA cannot compute "
                                 "utilization)"))
        allowed = self.disruption_budget.allowed_disruptions(hpa.min_replicas)
        if allowed <= 0:
            problems.append((("disruption_budget",),
                             f"allows {allowed} disruptions at min_replicas "
                             f"{hpa.min_replicas}: node drains would block"))
        if problems:
            raise CrossFieldErrors(problems)
        return self


# --------------------------------------------------------------------------------------
# VPA
# --------------------------------------------------------------------------------------

#: Controllers the VPA reads without a /scale subresource
#: (vertical-pod-autoscaler/pkg/target/controller_fetcher/controller_fetcher.go).
VPA_WELL_KNOWN = frozenset({"CronJob", "DaemonSet", "Deployment", "Job", "ReplicaSet",
                            "ReplicationController", "StatefulSet"})


class VpaTarget(_Model):
    """What the per-agent VPA's targetRef names: the topmost well-known (or /scale-capable)
    controller that owns every run of the agent. ``name`` may contain ``{agent}``."""

    api_version: str
    kind: str
    name: str
    scale_subresource: bool = False

    @model_validator(mode="after")
    def _kind(self) -> "VpaTarget":
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.kind in ("Pod", "Node"):
            problems.append((("kind",), f"a VPA cannot target a {self.kind}: targetRef must "
                             "name the controller that owns the pods"))
        elif self.kind not in VPA_WELL_KNOWN and not self.scale_subresource:
            problems.append((("kind",), f"{self.kind} is not a controller the VPA knows "
                             f"({', '.join(sorted(VPA_WELL_KNOWN))}); set scale_subresource: "
                             "true only if the kind serves /scale with a selector"))
        try:
            _dns_subdomain(self.name.replace("{agent}", "a"))
        except ValueError:
            problems.append((("name",), f"{self.name!r} does not give a DNS-1123 name"))
        if problems:
            raise CrossFieldErrors(problems)
        return self

    def name_for(self, agent: str) -> str:
        return self.name.replace("{agent}", agent)


class VpaPolicy(_Model):
    """One VerticalPodAutoscaler per agent (a VPA has one targetRef, and agents of different
    tiers must not share one recommendation).

    Attributes:
        update_mode: ``Initial`` (set resources when a run's pod is created) or ``Off``
            (recommend only). Modes that evict (Recreate, InPlaceOrRecreate, Auto) are
            refused: agents run to completion and an eviction loses the run.
        controlled_values: ``RequestsAndLimits`` scales the limit with the request (keeps the
            tier's limit/request ratio, so the LimitRange ratio still holds);
            ``RequestsOnly`` moves only requests.
        controlled_resources: resources the VPA sets.
        min_allowed: floor of the recommendation.
        max_allowed: ceiling of the recommendation; None = each agent's tier requests
            (the VPA may right-size down, never above what the quota arithmetic planned).
        target: the controller that owns agent pods.
    """

    update_mode: Literal["Off", "Initial"]
    controlled_values: Literal["RequestsAndLimits", "RequestsOnly"]
    controlled_resources: list[Literal["cpu", "memory"]] = Field(min_length=1)
    min_allowed: ResourceMap = Field(default_factory=dict)
    max_allowed: ResourceMap | None = None
    target: VpaTarget

    @field_validator("update_mode", mode="before")
    @classmethod
    def _no_eviction(cls, v: Any) -> Any:
        if v in ("Auto", "Recreate", "InPlaceOrRecreate", "InPlace"):
            raise ValueError(f"{v!r} updates running pods (eviction or in-place resize); "
                             "agent pods run to completion: use 'Initial' or 'Off'")
        return v

    @field_validator("controlled_resources")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("resources must be unique")
        return v

    def max_allowed_for(self, tier: Tier) -> dict[ResourceName, Quantity]:
        """The maxAllowed of an agent's VPA (explicit, or the tier's requests)."""
        if self.max_allowed is not None:
            return dict(self.max_allowed)
        return {r: tier.requests.get(r) for r in self.controlled_resources}


# --------------------------------------------------------------------------------------
# Monitoring
# --------------------------------------------------------------------------------------


class RatioAlert(_Model):
    """An alert on a ratio (0..1) held for a duration."""

    threshold: float = Field(gt=0, le=1)
    for_: Duration = Field(alias="for")
    severity: Literal["info", "warning", "critical"]


class CpuAlert(RatioAlert):
    """CPU usage as a fraction of the container's CPU ``limit`` (throttling is near) or
    ``request``."""

    relative_to: Literal["limit", "request"] = "limit"


class OomAlert(_Model):
    """OOM kills, from kube-state-metrics' terminated reason (a run-to-completion container
    that is OOM-killed never restarts). ``lookback`` keeps a short-lived pod's kill visible
    after the pod is gone."""

    lookback: Duration
    severity: Literal["info", "warning", "critical"]


class HeldAlert(_Model):
    """An alert on a condition that must hold for a duration (no threshold of its own)."""

    for_: Duration = Field(alias="for")
    severity: Literal["info", "warning", "critical"]


class CpuRequestAlert(_Model):
    """CPU usage relative to the container's CPU request: a threshold above 1 means the
    container uses CPU it did not reserve (it competes with its neighbours for it)."""

    threshold: float = Field(gt=0, le=100)
    for_: Duration = Field(alias="for")
    severity: Literal["info", "warning", "critical"]


class LookbackAlert(_Model):
    """An alert on events counted over a lookback window (fires while an event is inside
    the window)."""

    lookback: Duration
    severity: Literal["info", "warning", "critical"]


class PvcFillAlert(_Model):
    """A workspace PVC that will be full within ``horizon``, extrapolated by
    ``predict_linear`` over ``window`` of free-bytes samples, once it is at least
    ``min_usage`` used (an almost empty volume being written fast is normal)."""

    window: Duration
    horizon: Duration
    min_usage: float = Field(ge=0, lt=1)
    for_: Duration = Field(alias="for")
    severity: Literal["info", "warning", "critical"]


def _default_alert(cls: type[_Model], **kw: Any) -> Any:
    return Field(default_factory=lambda: cls.model_validate(kw))


class AlertPolicy(_Model):
    """The PrometheusRule.

    Attributes:
        rule_name: PrometheusRule object name.
        group: name of the alerting rule group (the recording rules are in
            ``<group>.recording``).
        labels: labels of the PrometheusRule object, for the Prometheus operator's
            ``ruleSelector`` (kube-prometheus-stack selects ``release: <helm release>``).
        runbook_base_url: each alert's ``runbook_url`` is this plus ``/<Alert>.md``; None
            (the default) points at the runbooks shipped in the bundle, ``runbooks/<Alert>.md``.
        evaluation_interval: the rule groups' ``interval`` (how often Prometheus evaluates
            them).
        cpu, memory, oom, quota: the spec's four alerts.
        quota_rejections, throttling, cpu_request, pvc_usage, pvc_filling, hpa_maxed,
        hpa_inactive, vpa_capped, pod_pending, controller_availability: the alerts the spec
            needs but does not have (see ``provisor.render.monitoring``).
        vpa_metric_prefix: name prefix of the VPA series: kube-state-metrics >= 2.9 exports
            them only through a CustomResourceState config, whose default prefix gives
            ``kube_customresource_verticalpodautoscaler`` (the default here);
            kube-state-metrics < 2.9: ``kube_verticalpodautoscaler``.
    """

    rule_name: DnsSubdomain
    group: str = Field(min_length=1)
    labels: Labels = Field(default_factory=dict)
    runbook_base_url: str | None = None
    evaluation_interval: Duration = "1m"
    cpu: CpuAlert
    memory: RatioAlert
    oom: OomAlert
    quota: RatioAlert
    quota_rejections: LookbackAlert = _default_alert(
        LookbackAlert, lookback="10m", severity="warning")
    throttling: RatioAlert = _default_alert(
        RatioAlert, threshold=0.25, **{"for": "15m"}, severity="warning")
    cpu_request: CpuRequestAlert = _default_alert(
        CpuRequestAlert, threshold=1.0, **{"for": "30m"}, severity="info")
    pvc_usage: RatioAlert = _default_alert(
        RatioAlert, threshold=0.9, **{"for": "5m"}, severity="warning")
    pvc_filling: PvcFillAlert = _default_alert(
        PvcFillAlert, window="30m", horizon="1h", min_usage=0.75, **{"for": "10m"},
        severity="warning")
    hpa_maxed: HeldAlert = _default_alert(HeldAlert, **{"for": "15m"}, severity="warning")
    hpa_inactive: HeldAlert = _default_alert(HeldAlert, **{"for": "10m"}, severity="warning")
    vpa_capped: HeldAlert = _default_alert(HeldAlert, **{"for": "1h"}, severity="info")
    pod_pending: HeldAlert = _default_alert(HeldAlert, **{"for": "10m"}, severity="warning")
    controller_availability: HeldAlert = _default_alert(
        HeldAlert, **{"for": "5m"}, severity="critical")
    vpa_metric_prefix: str = "kube_customresource_verticalpodautoscaler"

    @field_validator("runbook_base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not re.match(r"^https?://[^\s]+$", v):
            raise ValueError("must be an http(s) URL")
        return v.rstrip("/")

    @field_validator("vpa_metric_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not _PROM_METRIC.match(v):
            raise ValueError(f"{v!r} is not a metric name prefix")
        return v


class DashboardPolicy(_Model):
    """The Grafana dashboard, provisioned by the Grafana sidecar from a ConfigMap.

    Attributes:
        configmap_name / namespace: the ConfigMap (the sidecar must watch this namespace).
        labels: ConfigMap labels; the sidecar's default selector is ``grafana_dashboard: "1"``.
        folder: value of the ``grafana_folder`` annotation (sidecar ``folderAnnotation``), or
            empty for none.
        uid, title, refresh, time_from: dashboard model fields.
    """

    configmap_name: DnsSubdomain
    namespace: DnsLabel
    labels: Labels
    folder: str = ""
    uid: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    title: str = Field(min_length=1)
    refresh: Duration = "30s"
    time_from: str = "now-6h"


class Prices(_Model):
    """What capacity costs, for the savings ``provisor recommend`` reports (money in the
    user's currency; the defaults are *examples* close to on-demand public-cloud list prices
    in 2025 -- about USD 0.03 per vCPU-hour, 0.004 per GiB-hour of memory and 0.10 per
    GiB-month of SSD storage -- set your own).

    Attributes:
        cpu_core_hour: price of one core (vCPU) requested for one hour.
        memory_gib_hour: price of one GiB of memory requested for one hour.
        storage_gib_month: price of one GiB of persistent storage for one month (730 h).
        currency: label printed next to the amounts.
    """

    cpu_core_hour: float = Field(default=0.031611, ge=0)
    memory_gib_hour: float = Field(default=0.004237, ge=0)
    storage_gib_month: float = Field(default=0.10, ge=0)
    currency: str = "USD"


# --------------------------------------------------------------------------------------
# The policy
# --------------------------------------------------------------------------------------

#: Quota keys the planned demand fills.
_COMPUTE_KEYS = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu",
                 "memory")


class Policy(_Model):
    """The whole resource policy of one agent platform (see ``agent-platform.yaml``).

    The model is immutable. ``planned_demand()`` gives the totals the quota must hold when
    every agent runs at its max concurrency and the in-namespace controller sits at its HPA
    maxReplicas.
    """

    name: DnsLabel
    description: str = ""
    namespace: NamespacePolicy
    cluster: ClusterPolicy
    tiers: dict[DnsLabel, dict[str, Tier]] = Field(min_length=1)
    workspace_classes: dict[DnsLabel, WorkspaceClass] = Field(min_length=1)
    priority_classes: dict[DnsSubdomain, PriorityClassPolicy] = Field(min_length=1)
    agents: dict[DnsLabel, Agent] = Field(min_length=1)
    quota: QuotaPolicy
    limit_range: LimitRangePolicy
    coderun_controller: ExternalWorkload
    argo_server: ExternalWorkload
    agent_vpa: VpaPolicy
    alerts: AlertPolicy
    dashboard: DashboardPolicy
    #: what ``provisor simulate`` runs on this platform (optional; see provisor.policy.workload)
    workload: Workload | None = None
    prices: Prices = Field(default_factory=Prices)

    # -- derived --------------------------------------------------------------------
    def tier_of(self, agent: str) -> Tier:
        """The tier row sizing ``agent`` (KeyError when the agent is unknown)."""
        a = self.agents[agent]
        return self.tiers[a.tier][a.model]

    def pod_template_name(self, agent: str) -> str:
        """Name of the agent's PodTemplate (and, by default, of its owning CronJob)."""
        return f"coderun-{agent}"

    def external_workloads(self) -> Iterator[tuple[str, ExternalWorkload]]:
        yield "coderun_controller", self.coderun_controller
        yield "argo_server", self.argo_server

    def effective_container_resources(
        self, res: PodResources
    ) -> tuple[dict[ResourceName, Quantity], dict[ResourceName, Quantity]]:
        """(requests, limits) of a container after the LimitRanger's defaults (a missing
        limit <- default, a missing request <- defaultRequest; the API server first defaults
        a missing request to the limit)."""
        lr = self.limit_range.container
        limits = dict(lr.effective_default())
        limits.update(res.limits)
        requests = dict(lr.effective_default_request())
        requests.update({r: q for r, q in res.limits.items() if r not in res.requests})
        requests.update(res.requests)
        return requests, limits

    def planned_demand(self) -> dict[str, int]:
        """Totals in the namespace at full planned load, per quota key: compute keys in
        millicores (cpu) or bytes; ``pods``, ``persistentvolumeclaims`` and their per-class
        variants in objects; storage in bytes. Agents count at max_concurrency (one pod
        and one workspace PVC per run); an external Deployment in the same namespace counts
        at its HPA maxReplicas."""
        out: dict[str, int] = {k: 0 for k in (*_COMPUTE_KEYS, "pods", "persistentvolumeclaims",
                                              "requests.storage")}

        def add_compute(requests: Mapping[ResourceName, Quantity],
                        limits: Mapping[ResourceName, Quantity], n: int) -> None:
            for r in ("cpu", "memory"):
                if r in requests:
                    out[f"requests.{r}"] += n * _q(requests[r], r)
                    out[r] += n * _q(requests[r], r)
                if r in limits:
                    out[f"limits.{r}"] += n * _q(limits[r], r)

        for name, a in self.agents.items():
            tier = self.tiers.get(a.tier, {}).get(a.model)
            ws = self.workspace_classes.get(a.workspace)
            if tier is None or ws is None:
                continue
            n = a.max_concurrency
            add_compute({"cpu": tier.requests.cpu, "memory": tier.requests.memory},
                        {"cpu": tier.limits.cpu, "memory": tier.limits.memory}, n)
            out["pods"] += n
            out["persistentvolumeclaims"] += n
            size = ws.size.int_value()
            out["requests.storage"] += n * size
            for res, amount in (("requests.storage", n * size), ("persistentvolumeclaims", n)):
                key = STORAGE_CLASS_KEY.format(sc=ws.storage_class, res=res)
                out[key] = out.get(key, 0) + amount
        for _, w in self.external_workloads():
            if w.deployment.namespace != self.namespace.name:
                continue
            n = w.autoscaling.max_replicas
            requests, limits = self.effective_container_resources(w.assumed_pod_resources)
            add_compute(requests, limits, n * w.deployment.containers)
            out["pods"] += n
        return out

    def format_amount(self, key: str, amount: int | Fraction) -> str:
        """A planned amount of quota key ``key`` for people: the canonical quantity when it
        is one exactly (``98.5Gi`` prints as ``100859904Ki``, so memory and storage that are
        not whole Gi print as ``98.5Gi``-style decimals)."""
        fam = _quota_resource(key)
        if fam in ("memory", "storage"):
            gib = Fraction(amount) / 2**30
            if gib.denominator != 1:
                return f"{float(gib):.2f}".rstrip("0").rstrip(".") + "Gi"
        if fam == "cpu":
            cores = Fraction(math.ceil(amount), 1000)
            if cores.denominator != 1 and (cores * 10).denominator == 1:
                return f"{float(cores):g}"
        if fam == "count" and Fraction(amount).denominator != 1:
            return f"{float(amount):g}"
        return _fmt(amount, fam)

    # -- validation ----------------------------------------------------------------------
    @model_validator(mode="after")
    def _cross_field(self) -> "Policy":
        problems = list(self._problems())
        if problems:
            raise CrossFieldErrors(problems)
        return self

    def _problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:  # noqa: C901
        lr = self.limit_range
        cmax = lr.container.max
        cratio = lr.container.max_limit_request_ratio
        cmin = lr.container.min
        loc: tuple[str, ...]  # the field path of the problems of one object

        # tiers must pass the LimitRanger (max, min, ratio)
        for tname, models in self.tiers.items():
            if not models:
                yield ("tiers", tname), "a tier needs at least one model"
            for mname, tier in models.items():
                loc = ("tiers", tname, mname)
                for r in ("cpu", "memory"):
                    if r in cmax and tier.limits.get(r) > cmax[r]:
                        yield (*loc, "limits", r), (
                            f"limit {tier.limits.get(r)} is above the LimitRange container max "
                            f"{cmax[r]} (limit_range.container.max.{r}): pods are rejected")
                    if r in cmin and tier.requests.get(r) < cmin[r]:
                        yield (*loc, "requests", r), (
                            f"request {tier.requests.get(r)} is below the LimitRange container "
                            f"min {cmin[r]}")
                    if r in cratio and tier.ratio(r) > cratio[r].value:
                        yield (*loc, "limits", r), (
                            f"limit/request = {float(tier.ratio(r)):g} exceeds the LimitRange "
                            f"max_limit_request_ratio {cratio[r]}: pods are rejected")

        # agents refer to existing rows
        for aname, a in self.agents.items():
            loc = ("agents", aname)
            if a.tier not in self.tiers:
                yield (*loc, "tier"), (f"unknown tier {a.tier!r} (tiers: "
                                       f"{', '.join(sorted(self.tiers))})")
            elif a.model not in self.tiers[a.tier]:
                yield (*loc, "model"), (f"tier {a.tier!r} has no model {a.model!r} (models: "
                                        f"{', '.join(sorted(self.tiers[a.tier]))})")
            if a.workspace not in self.workspace_classes:
                yield (*loc, "workspace"), (f"unknown workspace class {a.workspace!r} (classes: "
                                            f"{', '.join(sorted(self.workspace_classes))})")
            if a.priority_class not in self.priority_classes:
                yield (*loc, "priority_class"), (
                    f"unknown priority class {a.priority_class!r} (classes: "
                    f"{', '.join(sorted(self.priority_classes))})")
            if self.agent_vpa.target.kind == "CronJob" and \
                    len(self.agent_vpa.target.name_for(aname)) > 52:
                yield (*loc,), (f"the owning CronJob {self.agent_vpa.target.name_for(aname)!r} "
                                "would exceed 52 characters (the CronJob name limit)")

        # workspace sizes fit the PVC LimitRange item
        for wname, ws in self.workspace_classes.items():
            if ws.size > lr.pvc.max:
                yield ("workspace_classes", wname, "size"), (
                    f"{ws.size} is above the LimitRange PVC max {lr.pvc.max}: the PVC is rejected")
            if ws.size < lr.pvc.min:
                yield ("workspace_classes", wname, "size"), (
                    f"{ws.size} is below the LimitRange PVC min {lr.pvc.min}: the PVC is rejected")

        # priority classes
        defaults = [n for n, pc in self.priority_classes.items() if pc.global_default]
        if len(defaults) > 1:
            yield ("priority_classes",), (f"at most one class may be globalDefault "
                                          f"({', '.join(defaults)})")
        for n in self.priority_classes:
            if n.startswith("system-"):
                yield ("priority_classes", n), "names starting with 'system-' are reserved"

        # external workloads in the namespace must pass the LimitRanger too
        for field, w in self.external_workloads():
            if w.deployment.namespace != self.namespace.name:
                continue
            requests, limits = self.effective_container_resources(w.assumed_pod_resources)
            for r in sorted(set(requests) | set(limits)):
                loc = (field, "assumed_pod_resources")
                if r in cmax and r in limits and limits[r] > cmax[r]:
                    yield (*loc, "limits", r), (f"limit {limits[r]} is above the LimitRange "
                                                f"container max {cmax[r]}")
                if r in requests and r in limits and limits[r] < requests[r]:
                    yield (*loc, "requests", r), (
                        f"request {requests[r]} is above the limit {limits[r]} it gets from "
                        "the LimitRange default")
                if r in cratio and r in requests and r in limits and requests[r].sign() > 0:
                    ratio = limits[r].value / requests[r].value
                    if ratio > cratio[r].value:
                        yield (*loc,), (
                            f"{r} limit/request = {float(ratio):g} exceeds the LimitRange "
                            f"max_limit_request_ratio {cratio[r]}: the Deployment's pods "
                            "would be rejected")

        # VPA bounds: inside the LimitRange, consistent with controlledValues
        vpa = self.agent_vpa
        if len(self.agents) > 1 and "{agent}" not in vpa.target.name:
            yield ("agent_vpa", "target", "name"), (
                "needs '{agent}': each agent's runs have their own owning controller")
        for r, q in vpa.min_allowed.items():
            if vpa.max_allowed is not None and r in vpa.max_allowed and q > vpa.max_allowed[r]:
                yield ("agent_vpa", "min_allowed", r), (f"{q} is above max_allowed "
                                                        f"{vpa.max_allowed[r]}")
        for aname in self.agents:
            try:
                tier = self.tier_of(aname)
            except KeyError:
                continue
            mx = vpa.max_allowed_for(tier)
            for r in vpa.controlled_resources:
                loc = ("agent_vpa", "max_allowed" if vpa.max_allowed else "controlled_resources")
                if r not in mx:
                    continue
                lo = vpa.min_allowed.get(r)
                if lo is not None and lo > mx[r]:
                    yield ("agent_vpa", "min_allowed", r), (
                        f"{lo} is above the {aname} ceiling {mx[r]}")
                if vpa.controlled_values == "RequestsAndLimits":
                    # the limit follows the request at the tier's ratio
                    top_limit = mx[r].value * tier.ratio(r)
                    if r in cmax and top_limit > cmax[r].value:
                        yield (*loc,), (
                            f"{aname}: maxAllowed {r} {mx[r]} x limit/request "
                            f"{float(tier.ratio(r)):g} = {_fmt_units(top_limit, r)} limit, above "
                            f"the LimitRange max {cmax[r]}")
                    if lo is not None and r in cmin and lo.value < cmin[r].value:
                        yield ("agent_vpa", "min_allowed", r), (
                            f"{lo} is below the LimitRange min {cmin[r]}")
                else:
                    # requests move, limits stay: the request may not pass the limit, and the
                    # ratio grows as the request falls
                    if mx[r] > tier.limits.get(r):
                        yield (*loc,), (f"{aname}: maxAllowed {r} {mx[r]} is above the limit "
                                        f"{tier.limits.get(r)} (RequestsOnly keeps limits)")
                    if r in cratio:
                        floor = lo.value if lo is not None else Fraction(0)
                        if floor == 0 or tier.limits.get(r).value / floor > cratio[r].value:
                            yield ("agent_vpa", "min_allowed", r), (
                                f"{aname}: with RequestsOnly the {r} request can fall to "
                                f"{lo or 0} under limit {tier.limits.get(r)}, past the "
                                f"LimitRange max_limit_request_ratio {cratio[r]}: pods would "
                                "be rejected")

        # the planned load fits the quota with the buffer, and in the cluster
        planned = self.planned_demand()
        buffer = Fraction(str(self.quota.buffer))
        worst_ratio, worst_key = Fraction(0), ""
        for key, hard in self.quota.hard.items():
            amount = planned.get(key)
            if amount is None:
                continue
            fam = _quota_resource(key)
            hard_amount = _q(hard, "cpu" if fam == "cpu" else "x")
            need = amount * (1 + buffer)
            if need > hard_amount:
                yield ("quota", "hard", key), (
                    f"planned {self.format_amount(key, amount)} x {1 + float(buffer):g} "
                    f"(buffer) = {self.format_amount(key, need)} exceeds the quota {hard}; "
                    "lower agents' max_concurrency or raise the quota")
            if hard_amount > 0 and Fraction(amount, hard_amount) > worst_ratio:
                worst_ratio, worst_key = Fraction(amount, hard_amount), key
        if worst_key and worst_ratio >= Fraction(str(self.alerts.quota.threshold)):
            yield ("alerts", "quota", "threshold"), (
                f"{self.alerts.quota.threshold:g} is reached by the planned load itself "
                f"({worst_key} at {float(worst_ratio):.1%} of hard): the alert would fire in "
                "normal operation")
        cap = self.cluster.capacity
        for key, res in (("requests.cpu", "cpu"), ("requests.memory", "memory"),
                         ("limits.memory", "memory")):
            if key in self.quota.hard and self.quota.hard[key] > cap.get(res):
                yield ("quota", "hard", key), (
                    f"{self.quota.hard[key]} is more than the cluster has "
                    f"({cap.get(res)}, cluster.capacity.{res})")
