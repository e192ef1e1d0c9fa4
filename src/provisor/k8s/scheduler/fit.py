"""The NodeResourcesFit plugin: PreFilter, Filter, queueing hints, PreScore / Score.

Follows kubernetes/kubernetes ``pkg/scheduler/framework/plugins/noderesources/fit.go``
(``computePodResourceRequest``, ``fitsRequest``, ``Fits``, ``isFit``,
``haveAnyRequestedResourcesIncreased``, ``shouldDelegateResourceToDRA``,
``isSchedulableAfterNodeChange``, ``isSchedulableAfterPodEvent``,
``isSchedulableAfterPodScaleDown``) and ``validation_pluginargs.go``
(``ValidateNodeResourcesFitArgs``).

The rule: a pod fits when ``len(pods) + 1 <= allocatable pods`` and, for every resource the
pod requests with a non-zero amount, ``request <= allocatable - requested``. An insufficiency
is *unresolvable* (no preemption can fix it) when the request alone exceeds the allocatable
amount. The "Too many pods" reason is always resolvable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from provisor.k8s.resources import PodResourcesOptions, pod_requests
from provisor.k8s.scheduler.framework import (
    DEFAULT_FEATURES,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    Features,
    NodeInfo,
    Resource,
    Status,
    _SUCCESS_STATUS,
    is_extended_resource_name,
    is_scalar_resource_name,
)
from provisor.k8s.scheduler.score import ArgsError, ScoringStrategy, scorer_for_strategy, validate_scoring_strategy

__all__ = [
    "QUEUE",
    "QUEUE_SKIP",
    "InsufficientResource",
    "FitArgs",
    "NodeResourcesFit",
    "compute_pod_resource_request",
    "has_restartable_init_container",
    "should_delegate_resource_to_dra",
    "fits_request",
    "fits",
    "is_fit",
    "have_any_requested_resources_increased",
    "is_schedulable_after_node_change",
    "is_schedulable_after_pod_event",
    "is_schedulable_after_pod_scale_down",
    "SIDECAR_DISABLED_MESSAGE",
]

QUEUE = "Queue"
QUEUE_SKIP = "QueueSkip"
SIDECAR_DISABLED_MESSAGE = "Pod has a restartable init container and the SidecarContainers feature is disabled"


@dataclass(frozen=True, slots=True)
class InsufficientResource:
    """One reason a pod does not fit (``noderesources.InsufficientResource``).

    ``resource_name``; ``reason`` (``"Too many pods"``, ``"Insufficient cpu"``,
    ``"Insufficient <name>"``); ``requested`` (the pod's amount: millicores for cpu, bytes or
    units otherwise, 1 for pods); ``used`` (the node's requested total); ``capacity`` (its
    allocatable); ``unresolvable`` (the request exceeds the allocatable amount by itself).
    """

    resource_name: str
    reason: str
    requested: int
    used: int
    capacity: int
    unresolvable: bool = False


def compute_pod_resource_request(pod: Mapping[str, Any], *, pod_level_resources: bool = True) -> Resource:
    """The pod's requests as a ``Resource`` (``computePodResourceRequest``): upstream
    ``PodRequests`` (init max rule, sidecars, overhead; pod-level resources unless
    ``pod_level_resources`` is False), converted with ``SetMaxResource`` (cpu in millicores
    rounded up, the rest in integer units rounded up; ``pods`` and unknown names dropped).
    Raises ``QuantityError`` on a malformed quantity."""
    r = Resource()
    r.set_max_list(pod_requests(pod, skip_pod_level_resources=not pod_level_resources))
    return r


def has_restartable_init_container(pod: Mapping[str, Any]) -> bool:
    """True when some init container has ``restartPolicy: Always`` (a sidecar)."""
    return any(c.get("restartPolicy") == "Always" for c in (pod.get("spec") or {}).get("initContainers") or ())


def should_delegate_resource_to_dra(
    name: str,
    node_info: NodeInfo,
    *,
    dra_extended_resource: bool,
    dra_resources: frozenset[str] | None,
) -> bool:
    """``shouldDelegateResourceToDRA``: with the DRAExtendedResource gate on, an extended
    resource the node does not advertise (allocatable 0 or absent) is left to the DRA plugin
    when a DeviceClass maps it -- ``dra_resources`` is the set of such names (explicit
    ``extendedResourceName`` and implicit ``deviceclass.resource.kubernetes.io/<class>``) -- or,
    with ``dra_resources=None`` (no DRA manager, the kubelet's path), always."""
    if not dra_extended_resource:
        return False
    if node_info.allocatable.scalar.get(name, 0) > 0:
        return False
    if dra_resources is not None:
        return name in dra_resources
    return True


def fits_request(
    req: Resource,
    node_info: NodeInfo,
    *,
    ignored_resources: frozenset[str] | set[str] = frozenset(),
    ignored_resource_groups: frozenset[str] | set[str] = frozenset(),
    dra_extended_resource: bool = False,
    dra_resources: frozenset[str] | None = None,
) -> list[InsufficientResource]:
    """Every reason the pod with requests ``req`` does not fit ``node_info`` (``fitsRequest``);
    empty when it fits. Order: pods, cpu, memory, ephemeral-storage, then scalar resources in
    ``req.scalar`` order. ``ignored_resources`` (full names) and ``ignored_resource_groups``
    (the part before ``/``) skip extended resources only; zero requests are never checked."""
    out: list[InsufficientResource] = []
    alloc = node_info.allocatable
    used = node_info.requested
    n = node_info.num_pods
    if n + 1 > alloc.allowed_pod_number:
        out.append(InsufficientResource("pods", "Too many pods", 1, n, alloc.allowed_pod_number))
    cpu, mem, eph, scalar = req.milli_cpu, req.memory, req.ephemeral_storage, req.scalar
    if cpu == 0 and mem == 0 and eph == 0 and not scalar:
        return out
    if cpu > 0 and cpu > alloc.milli_cpu - used.milli_cpu:
        out.append(InsufficientResource("cpu", "Insufficient cpu", cpu, used.milli_cpu, alloc.milli_cpu, cpu > alloc.milli_cpu))
    if mem > 0 and mem > alloc.memory - used.memory:
        out.append(InsufficientResource("memory", "Insufficient memory", mem, used.memory, alloc.memory, mem > alloc.memory))
    if eph > 0 and eph > alloc.ephemeral_storage - used.ephemeral_storage:
        out.append(
            InsufficientResource(
                "ephemeral-storage",
                "Insufficient ephemeral-storage",
                eph,
                used.ephemeral_storage,
                alloc.ephemeral_storage,
                eph > alloc.ephemeral_storage,
            )
        )
    for name, q in scalar.items():
        if q == 0:
            continue
        if (ignored_resources or ignored_resource_groups) and is_extended_resource_name(name):
            if name in ignored_resources or (ignored_resource_groups and name.split("/")[0] in ignored_resource_groups):
                continue
        if dra_extended_resource and should_delegate_resource_to_dra(
            name, node_info, dra_extended_resource=True, dra_resources=dra_resources
        ):
            continue
        a = alloc.scalar.get(name, 0)
        u = used.scalar.get(name, 0)
        if q > a - u:
            out.append(InsufficientResource(name, f"Insufficient {name}", q, u, a, q > a))
    return out


def _status_of(insufficient: Sequence[InsufficientResource]) -> Status:
    if not insufficient:
        return _SUCCESS_STATUS
    code = UNSCHEDULABLE
    for r in insufficient:
        if r.unresolvable:
            code = UNSCHEDULABLE_AND_UNRESOLVABLE
            break
    return Status(code, tuple(r.reason for r in insufficient))


def fits(
    pod: Mapping[str, Any],
    node_info: NodeInfo,
    *,
    features: Features = DEFAULT_FEATURES,
    dra_resources: frozenset[str] | None = None,
) -> list[InsufficientResource]:
    """``Fits``: ``fits_request`` of the pod's requests, with no ignored resources."""
    return fits_request(
        compute_pod_resource_request(pod, pod_level_resources=features.pod_level_resources),
        node_info,
        dra_extended_resource=features.dra_extended_resource,
        dra_resources=dra_resources,
    )


def is_fit(
    pod: Mapping[str, Any],
    node: Mapping[str, Any] | None,
    *,
    features: Features = DEFAULT_FEATURES,
    dra_resources: frozenset[str] | None = None,
) -> bool:
    """``isFit``: whether ``pod`` fits an empty copy of ``node`` (False for ``None``)."""
    if node is None:
        return False
    return not fits(pod, NodeInfo(node, features=features), features=features, dra_resources=dra_resources)


def have_any_requested_resources_increased(
    pod: Mapping[str, Any],
    original_node: Mapping[str, Any],
    modified_node: Mapping[str, Any],
    *,
    features: Features = DEFAULT_FEATURES,
    dra_resources: frozenset[str] | None = None,
) -> bool:
    """``haveAnyRequestedResourcesIncreased``: True when allocatable pods grew, or when the
    allocatable amount of a resource the pod requests (non-zero) grew, or (DRA gate on) a
    requested extended resource would be delegated to DRA on the modified node."""
    req = compute_pod_resource_request(pod, pod_level_resources=features.pod_level_resources)
    orig = NodeInfo(original_node, features=features).allocatable
    mod_info = NodeInfo(modified_node, features=features)
    mod = mod_info.allocatable
    if mod.allowed_pod_number > orig.allowed_pod_number:
        return True
    if req.milli_cpu == 0 and req.memory == 0 and req.ephemeral_storage == 0 and not req.scalar:
        return False
    if (
        (req.milli_cpu > 0 and mod.milli_cpu > orig.milli_cpu)
        or (req.memory > 0 and mod.memory > orig.memory)
        or (req.ephemeral_storage > 0 and mod.ephemeral_storage > orig.ephemeral_storage)
    ):
        return True
    for name, q in req.scalar.items():
        if q == 0:
            continue
        if mod.scalar.get(name, 0) > orig.scalar.get(name, 0):
            return True
        if should_delegate_resource_to_dra(
            name, mod_info, dra_extended_resource=features.dra_extended_resource, dra_resources=dra_resources
        ):
            return True
    return False


def _check_obj(obj: Any, what: str) -> Mapping[str, Any] | None:
    if obj is not None and not isinstance(obj, Mapping):
        raise TypeError(f"expected {what} object, got {type(obj).__name__}")
    return obj


def is_schedulable_after_node_change(
    pod: Mapping[str, Any],
    old_node: Any,
    new_node: Any,
    *,
    features: Features = DEFAULT_FEATURES,
    dra_resources: frozenset[str] | None = None,
) -> str:
    """Queueing hint for a Node add (``old_node=None``) or update
    (``isSchedulableAfterNodeChange``): ``"Queue"`` when the pod fits the new node and the node
    is new or grew in something the pod requests, else ``"QueueSkip"``. Raises ``TypeError``
    when an object is not a dict (upstream returns an error)."""
    old = _check_obj(old_node, "Node")
    new = _check_obj(new_node, "Node")
    dra = dra_resources if features.dra_extended_resource else None
    if new is None or not is_fit(pod, new, features=features, dra_resources=dra):
        return QUEUE_SKIP  # (is_fit is False for no node)
    if old is None:
        return QUEUE
    if not have_any_requested_resources_increased(pod, old, new, features=features, dra_resources=dra):
        return QUEUE_SKIP
    return QUEUE


def is_schedulable_after_pod_scale_down(
    target: Mapping[str, Any],
    original: Mapping[str, Any],
    modified: Mapping[str, Any],
    *,
    features: Features = DEFAULT_FEATURES,
) -> bool:
    """``isSchedulableAfterPodScaleDown``: True when ``modified`` is the target pod itself
    (same UID), or a scheduled pod whose requests of a resource the target requests went
    down."""
    if ((modified.get("metadata") or {}).get("uid") or "") == ((target.get("metadata") or {}).get("uid") or ""):
        return True
    if not (modified.get("spec") or {}).get("nodeName"):
        return False
    opts = PodResourcesOptions(
        use_status_resources=features.in_place_pod_vertical_scaling,
        in_place_pod_level_resources_vertical_scaling_enabled=features.in_place_pod_level_resources_vertical_scaling,
    )
    before = Resource()
    before.set_max_list(pod_requests(original, **opts))
    after = Resource()
    after.set_max_list(pod_requests(modified, **opts))
    for name, q in pod_requests(target, **opts).items():
        if q.is_zero():
            continue
        if name == "cpu":
            if before.milli_cpu > after.milli_cpu:
                return True
        elif name == "memory":
            if before.memory > after.memory:
                return True
        elif name == "ephemeral-storage":
            if before.ephemeral_storage > after.ephemeral_storage:
                return True
        elif is_scalar_resource_name(name) and before.scalar.get(name, 0) > after.scalar.get(name, 0):
            return True
    return False


def is_schedulable_after_pod_event(
    pod: Mapping[str, Any],
    old_pod: Any,
    new_pod: Any,
    *,
    features: Features = DEFAULT_FEATURES,
) -> str:
    """Queueing hint for a Pod deletion (``new_pod=None``) or scale-down
    (``isSchedulableAfterPodEvent``): a deleted pod that was bound or nominated -> ``"Queue"``;
    an update -> ``"Queue"`` only with in-place resize on and
    ``is_schedulable_after_pod_scale_down``. Raises ``TypeError`` for a non-dict object."""
    old = _check_obj(old_pod, "Pod")
    new = _check_obj(new_pod, "Pod")
    if new is None:
        o = old or {}
        if not (o.get("spec") or {}).get("nodeName") and not (o.get("status") or {}).get("nominatedNodeName"):
            return QUEUE_SKIP
        return QUEUE
    if not features.in_place_pod_vertical_scaling:
        return QUEUE_SKIP
    if not is_schedulable_after_pod_scale_down(pod, old or {}, new, features=features):
        return QUEUE_SKIP
    return QUEUE


@dataclass(frozen=True, slots=True)
class FitArgs:
    """``NodeResourcesFitArgs``: ``ignored_resources`` (extended resource names the filter
    skips), ``ignored_resource_groups`` (prefixes before ``/`` it skips), ``scoring_strategy``."""

    ignored_resources: frozenset[str] = frozenset()
    ignored_resource_groups: frozenset[str] = frozenset()
    scoring_strategy: ScoringStrategy = field(default_factory=ScoringStrategy)

    def validate(self) -> None:
        """Raise ``ArgsError`` as ``ValidateNodeResourcesFitArgs`` would: a group containing
        ``/``, or an invalid scoring strategy (see ``validate_scoring_strategy``)."""
        errs: list[tuple[str, str, str]] = []
        for i, g in enumerate(sorted(self.ignored_resource_groups)):
            if "/" in g:
                errs.append(("Invalid", f"ignoredResourceGroups[{i}]", f"{g!r}: resource group name can't contain '/'"))
        errs.extend(validate_scoring_strategy(self.scoring_strategy))
        if errs:
            raise ArgsError(errs)


class NodeResourcesFit:
    """The NodeResourcesFit plugin.

    ``NodeResourcesFit(args=FitArgs(), features=Features(), dra_resources=None)`` validates
    ``args`` (``ArgsError``). Then, per pending pod:

    * ``pre_filter(pod) -> (Status, Resource | None)``: the pod's requests, or
      UnschedulableAndUnresolvable when it has a sidecar and the SidecarContainers gate is off;
    * ``filter(request, node_info) -> Status``: Success, or Unschedulable /
      UnschedulableAndUnresolvable with the reasons of ``fits_request`` in order;
    * ``insufficient(request, node_info)``: the ``InsufficientResource`` list itself;
    * ``pre_score(pod) -> list[int]`` and ``score(pod_requests, node_info) -> int``: the
      configured scoring strategy (``ScoreError`` when it has no resources).
    """

    __slots__ = ("args", "features", "dra_resources", "scorer", "_ignored", "_groups")

    def __init__(
        self,
        args: FitArgs | None = None,
        features: Features = DEFAULT_FEATURES,
        dra_resources: frozenset[str] | None = None,
    ) -> None:
        self.args = args if args is not None else FitArgs()
        self.args.validate()
        self.features = features
        self.dra_resources = dra_resources
        self.scorer = scorer_for_strategy(self.args.scoring_strategy)
        self._ignored = frozenset(self.args.ignored_resources)
        self._groups = frozenset(self.args.ignored_resource_groups)

    def pre_filter(self, pod: Mapping[str, Any]) -> tuple[Status, Resource | None]:
        if not self.features.sidecar_containers and has_restartable_init_container(pod):
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (SIDECAR_DISABLED_MESSAGE,)), None
        return _SUCCESS_STATUS, compute_pod_resource_request(pod, pod_level_resources=self.features.pod_level_resources)

    def insufficient(self, request: Resource, node_info: NodeInfo) -> list[InsufficientResource]:
        return fits_request(
            request,
            node_info,
            ignored_resources=self._ignored,
            ignored_resource_groups=self._groups,
            dra_extended_resource=self.features.dra_extended_resource,
            dra_resources=self.dra_resources,
        )

    def filter(self, request: Resource, node_info: NodeInfo) -> Status:
        return _status_of(self.insufficient(request, node_info))

    def filter_pod(self, pod: Mapping[str, Any], node_info: NodeInfo) -> Status:
        """``pre_filter`` then ``filter`` (the PreFilter status when it rejects)."""
        st, req = self.pre_filter(pod)
        if req is None:
            return st
        return self.filter(req, node_info)

    def pre_score(self, pod: Mapping[str, Any]) -> list[int]:
        return self.scorer.pod_requests(pod)

    def score(self, pod_requests: Sequence[int], node_info: NodeInfo) -> int:
        return self.scorer.score(pod_requests, node_info)

