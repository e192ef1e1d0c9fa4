"""Scheduler framework types: resource vectors, per-pod cached requests, per-node bookkeeping.

Follows, in kubernetes/kubernetes:

* ``pkg/scheduler/framework/types.go`` -- ``Resource`` (``NewResource``, ``Add``,
  ``SetMaxResource``), ``NodeInfo`` (``SetNode``, ``AddPod``, ``RemovePod``, ``update``),
  ``PodInfo.CalculateResource`` and ``getNonMissingContainerRequests``;
* ``pkg/scheduler/util/utils.go`` -- ``IsScalarResourceName``, ``GetPodStartTime``,
  ``MoreImportantPod``; ``pkg/scheduler/util/pod_resources.go`` -- the non-zero defaults
  ``DefaultMilliCPURequest`` (100m) and ``DefaultMemoryRequest`` (200Mi);
* ``pkg/apis/core/v1/helper/helpers.go`` -- ``IsExtendedResourceName``,
  ``IsPrefixedNativeResource``, ``IsNativeResource``, ``IsHugePageResourceName``,
  ``IsAttachableVolumeResourceName``;
* ``staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go`` -- ``PodPriority``;
* ``pkg/scheduler/framework/interface.go`` -- status codes.

Units inside: CPU in integer millicores, memory / ephemeral storage / hugepages in integer
bytes, extended resources in integer units, time in integer nanoseconds since the epoch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping

from provisor.k8s.resources import is_pod_level_requests_set, parse_quantity, pod_requests
from provisor.quantity import Quantity

__all__ = [
    "SUCCESS",
    "ERROR",
    "UNSCHEDULABLE",
    "UNSCHEDULABLE_AND_UNRESOLVABLE",
    "SKIP",
    "Status",
    "Features",
    "DEFAULT_FEATURES",
    "DEFAULT_MILLI_CPU_REQUEST",
    "DEFAULT_MEMORY_REQUEST",
    "MAX_NODE_SCORE",
    "is_native_resource",
    "is_prefixed_native_resource",
    "is_extended_resource_name",
    "is_hugepage_resource_name",
    "is_attachable_volume_resource_name",
    "is_scalar_resource_name",
    "Resource",
    "PodInfo",
    "NodeInfo",
    "pod_priority",
    "pod_start_time_ns",
    "more_important_pod",
    "pod_key",
]

# --- status ----------------------------------------------------------------------------------

SUCCESS = "Success"
ERROR = "Error"
UNSCHEDULABLE = "Unschedulable"
UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
SKIP = "Skip"

MAX_NODE_SCORE = 100
"""``framework.MaxNodeScore``: the highest score a Score plugin returns."""

DEFAULT_MILLI_CPU_REQUEST = 100
"""``schedutil.DefaultMilliCPURequest``: millicores counted for a container without a CPU request."""

DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
"""``schedutil.DefaultMemoryRequest``: bytes counted for a container without a memory request."""


@dataclass(frozen=True, slots=True)
class Status:
    """A plugin result (``framework.Status``).

    ``code``: one of ``"Success"``, ``"Error"``, ``"Unschedulable"``,
    ``"UnschedulableAndUnresolvable"``, ``"Skip"``. ``reasons``: the messages, in order.
    ``message`` joins them with ``", "`` as upstream ``Status.Message()`` does.
    """

    code: str = SUCCESS
    reasons: tuple[str, ...] = ()

    @property
    def is_success(self) -> bool:
        return self.code == SUCCESS

    @property
    def is_rejected(self) -> bool:
        """Unschedulable or UnschedulableAndUnresolvable (``Status.IsRejected``)."""
        return self.code in (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)


_SUCCESS_STATUS = Status()


# --- feature gates ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Features:
    """The scheduler feature gates this package honours (``plugins/feature.Features``).

    Defaults are Kubernetes 1.35's defaults: ``PodLevelResources`` (beta, on),
    ``InPlacePodVerticalScaling`` (GA), ``SidecarContainers`` (GA), ``SchedulingQueueHint``
    (on); ``InPlacePodLevelResourcesVerticalScaling`` and ``DRAExtendedResource`` (alpha, off).
    Upstream's unit tests mostly run with every gate off (``Features{}``); the ported tests
    pass the flags their upstream case uses.
    """

    pod_level_resources: bool = True
    in_place_pod_vertical_scaling: bool = True
    in_place_pod_level_resources_vertical_scaling: bool = False
    sidecar_containers: bool = True
    scheduling_queue_hint: bool = True
    dra_extended_resource: bool = False


DEFAULT_FEATURES = Features()

# --- resource names --------------------------------------------------------------------------

from provisor.k8s.names import (  # noqa: E402  (re-exported for the scheduler's callers)
    is_attachable_volume_resource_name,
    is_extended_resource_name,
    is_hugepage_resource_name,
    is_native_resource,
    is_prefixed_native_resource,
)


@lru_cache(maxsize=1024, typed=True)
def is_scalar_resource_name(name: str) -> bool:
    """True for the names kept in ``Resource.scalar``: extended resources, hugepages,
    ``kubernetes.io/``-prefixed native resources and attachable volumes
    (``schedutil.IsScalarResourceName``)."""
    return (
        is_extended_resource_name(name)
        or name.startswith("hugepages-")
        or "kubernetes.io/" in name
        or name.startswith("attachable-volumes-")
    )


# --- Resource ----------------------------------------------------------------------------------


class Resource:
    """A resource vector (``framework.Resource``), integers only.

    ``milli_cpu`` (millicores), ``memory`` (bytes), ``ephemeral_storage`` (bytes),
    ``allowed_pod_number`` (pods; meaningful for a node's allocatable), ``scalar``
    (name -> integer value, for the names ``is_scalar_resource_name`` accepts).
    """

    __slots__ = ("milli_cpu", "memory", "ephemeral_storage", "allowed_pod_number", "scalar")

    def __init__(
        self,
        milli_cpu: int = 0,
        memory: int = 0,
        ephemeral_storage: int = 0,
        allowed_pod_number: int = 0,
        scalar: dict[str, int] | None = None,
    ) -> None:
        self.milli_cpu = milli_cpu
        self.memory = memory
        self.ephemeral_storage = ephemeral_storage
        self.allowed_pod_number = allowed_pod_number
        self.scalar: dict[str, int] = scalar if scalar is not None else {}

    @classmethod
    def from_list(cls, rl: Mapping[str, Any] | None) -> "Resource":
        """``NewResource``: a ``ResourceList`` (name -> Quantity or quantity string) summed in.
        Raises ``QuantityError`` on a malformed quantity."""
        r = cls()
        r.add_list(rl)
        return r

    def add_list(self, rl: Mapping[str, Any] | None) -> None:
        """``Resource.Add``: cpu by ``MilliValue``, memory / ephemeral-storage / pods / scalar
        names by ``Value`` (both round up); other names are ignored."""
        if not rl:
            return
        for name, q in rl.items():
            q = parse_quantity(q)
            if name == "cpu":
                self.milli_cpu += q.milli_value()
            elif name == "memory":
                self.memory += q.int_value()
            elif name == "pods":
                self.allowed_pod_number += q.int_value()
            elif name == "ephemeral-storage":
                self.ephemeral_storage += q.int_value()
            elif is_scalar_resource_name(name):
                self.scalar[name] = self.scalar.get(name, 0) + q.int_value()

    def set_max_list(self, rl: Mapping[str, Any] | None) -> None:
        """``Resource.SetMaxResource``: per name, the larger of the current value and the list's
        (cpu, memory, ephemeral-storage and scalar names; ``pods`` is not read)."""
        if not rl:
            return
        for name, q in rl.items():
            q = parse_quantity(q)
            if name == "memory":
                v = q.int_value()
                if v > self.memory:
                    self.memory = v
            elif name == "cpu":
                v = q.milli_value()
                if v > self.milli_cpu:
                    self.milli_cpu = v
            elif name == "ephemeral-storage":
                v = q.int_value()
                if v > self.ephemeral_storage:
                    self.ephemeral_storage = v
            elif is_scalar_resource_name(name):
                v = q.int_value()
                cur = self.scalar.get(name, 0)
                self.scalar[name] = v if v > cur else cur

    def copy(self) -> "Resource":
        return Resource(self.milli_cpu, self.memory, self.ephemeral_storage, self.allowed_pod_number, dict(self.scalar))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resource):
            return NotImplemented
        return (
            self.milli_cpu == other.milli_cpu
            and self.memory == other.memory
            and self.ephemeral_storage == other.ephemeral_storage
            and self.allowed_pod_number == other.allowed_pod_number
            and self.scalar == other.scalar
        )

    def __repr__(self) -> str:
        return (
            f"Resource(milli_cpu={self.milli_cpu}, memory={self.memory}, "
            f"ephemeral_storage={self.ephemeral_storage}, allowed_pod_number={self.allowed_pod_number}, "
            f"scalar={self.scalar!r})"
        )


# --- pods ----------------------------------------------------------------------------------------

_NON_MISSING_BOTH = {
    "cpu": Quantity.from_value(Fraction(DEFAULT_MILLI_CPU_REQUEST, 1000)),
    "memory": Quantity.from_value(DEFAULT_MEMORY_REQUEST, "BinarySI"),
}
_NON_MISSING_CPU = {"cpu": _NON_MISSING_BOTH["cpu"]}
_NON_MISSING_MEMORY = {"memory": _NON_MISSING_BOTH["memory"]}

_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$"
)
_NO_START_TIME = (1 << 63) - 1  # "now": later than every recorded start time


def _parse_time_ns(value: Any) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(Fraction(value) * 1_000_000_000)
    m = _TIME_RE.match(str(value))
    if not m:
        raise ValueError(f"invalid RFC 3339 time: {value!r}")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    tzinfo = timezone.utc
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        tzinfo = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
    dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=tzinfo)
    whole = int(dt.timestamp())
    ns = int((frac or "0")[:9].ljust(9, "0"))
    return whole * 1_000_000_000 + ns


def _has_status_resources(pod: Mapping[str, Any]) -> bool:
    """Whether in-place resize state can change the pod's requests: a container status with
    ``allocatedResources`` or ``resources``, pod-level ``status.allocatedResources`` /
    ``status.resources``, or a ``PodResizePending`` condition. Without any of these,
    ``UseStatusResources`` gives the spec's requests, so the cheaper path is taken."""
    status = pod.get("status")
    if not status:
        return False
    if status.get("allocatedResources") is not None or status.get("resources") is not None:
        return True
    for key in ("containerStatuses", "initContainerStatuses"):
        for cs in status.get(key) or ():
            if cs.get("allocatedResources") is not None or cs.get("resources") is not None:
                return True
    for c in status.get("conditions") or ():
        if c.get("type") == "PodResizePending":
            return True
    return False


def _all_containers_name_cpu_and_memory(pod: Mapping[str, Any]) -> bool:
    """True when every container and init container names both a cpu and a memory request,
    so the non-zero defaults cannot apply (``NonMissingContainerRequests`` is a no-op)."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or ():
            req = (c.get("resources") or {}).get("requests")
            if not req or "cpu" not in req or "memory" not in req:
                return False
    return True


def pod_priority(pod: Mapping[str, Any]) -> int:
    """``spec.priority``, or 0 when unset (``corev1helpers.PodPriority``)."""
    p = (pod.get("spec") or {}).get("priority")
    return 0 if p is None else int(p)


def pod_start_time_ns(pod: Mapping[str, Any]) -> int | None:
    """``status.startTime`` in nanoseconds since the epoch, or ``None`` when unset.

    Accepts RFC 3339 text (fractional seconds kept to the nanosecond) or a number of
    seconds. Raises ``ValueError`` on malformed text.
    """
    st = (pod.get("status") or {}).get("startTime")
    return None if st is None else _parse_time_ns(st)


def pod_key(pod: Mapping[str, Any]) -> Any:
    """The identity used by ``NodeInfo``: ``metadata.uid``; else ``namespace/name``; else the
    dict's ``id()`` (upstream keys by UID)."""
    meta = pod.get("metadata") or {}
    uid = meta.get("uid")
    if uid:
        return uid
    name = meta.get("name")
    if name:
        return f"{meta.get('namespace') or ''}/{name}"
    return id(pod)


class PodInfo:
    """A pod plus what the scheduler derives from it once (``framework.PodInfo``).

    Attributes: ``pod`` (the JSON dict, not copied), ``key`` (``pod_key``), ``requests``
    (``Resource``: the pod's effective requests, upstream ``PodRequests`` -- init max rule,
    sidecars, pod-level resources, overhead), ``non0_cpu`` (millicores) and ``non0_mem``
    (bytes): the same with 100m / 200Mi counted for every container that names no CPU /
    memory request (``CalculateResource``), ``priority`` (int), ``start_ns`` (int
    nanoseconds; ``None`` when ``status.startTime`` is unset).

    Build it with ``PodInfo(pod, features)``; raises ``QuantityError`` on a malformed quantity.
    """

    __slots__ = ("pod", "key", "requests", "non0_cpu", "non0_mem", "priority", "start_ns")

    def __init__(self, pod: Mapping[str, Any], features: Features = DEFAULT_FEATURES) -> None:
        self.pod = pod
        self.key = pod_key(pod)
        use_status = features.in_place_pod_vertical_scaling and _has_status_resources(pod)
        in_place_pod_level = features.in_place_pod_level_resources_vertical_scaling
        skip_pod_level = not features.pod_level_resources
        reqs = pod_requests(
            pod,
            use_status_resources=use_status,
            in_place_pod_level_resources_vertical_scaling_enabled=in_place_pod_level,
            skip_pod_level_resources=skip_pod_level,
        )
        if _all_containers_name_cpu_and_memory(pod):
            non_missing: dict[str, Quantity] | None = None
        elif features.pod_level_resources and is_pod_level_requests_set(pod):
            if "cpu" not in reqs and "memory" not in reqs:
                non_missing = _NON_MISSING_BOTH
            elif "cpu" not in reqs:
                non_missing = _NON_MISSING_CPU
            elif "memory" not in reqs:
                non_missing = _NON_MISSING_MEMORY
            else:
                non_missing = None
        else:
            non_missing = _NON_MISSING_BOTH
        non0 = pod_requests(
            pod,
            non_missing_container_requests=non_missing,
            use_status_resources=use_status,
            in_place_pod_level_resources_vertical_scaling_enabled=in_place_pod_level,
            skip_pod_level_resources=skip_pod_level,
        ) if non_missing else reqs
        self.requests = Resource.from_list(reqs)
        cpu = non0.get("cpu")
        mem = non0.get("memory")
        self.non0_cpu = cpu.milli_value() if cpu is not None else 0
        self.non0_mem = mem.int_value() if mem is not None else 0
        self.priority = pod_priority(pod)
        self.start_ns = pod_start_time_ns(pod)

    @property
    def name(self) -> str:
        return (self.pod.get("metadata") or {}).get("name") or ""

    def __repr__(self) -> str:
        return f"PodInfo({self.key!r}, priority={self.priority})"


def more_important_pod(a: PodInfo, b: PodInfo) -> bool:
    """True when ``a`` is more important than ``b`` (``util.MoreImportantPod``): higher
    priority; at equal priority, the earlier start time (an unset start time counts as
    "now", i.e. later than any recorded one)."""
    if a.priority != b.priority:
        return a.priority > b.priority
    sa = _NO_START_TIME if a.start_ns is None else a.start_ns
    sb = _NO_START_TIME if b.start_ns is None else b.start_ns
    return sa < sb


def importance_sort_key(pi: PodInfo) -> tuple[int, int]:
    """Sort key giving ``more_important_pod`` order (most important first) with ``sorted``."""
    return (-pi.priority, _NO_START_TIME if pi.start_ns is None else pi.start_ns)


# --- NodeInfo ------------------------------------------------------------------------------------


class NodeInfo:
    """A node and the pods bound to it, with running totals (``framework.NodeInfo``).

    * ``node``: the Node dict (``None`` before ``set_node``); ``name``: its ``metadata.name``.
    * ``allocatable``: ``Resource`` from ``status.allocatable`` (``pods`` into
      ``allowed_pod_number``).
    * ``requested``: sum of the pods' ``PodInfo.requests`` (cpu, memory, ephemeral-storage,
      scalar); ``non_zero_requested``: sum of ``non0_cpu`` / ``non0_mem`` (only ``milli_cpu``
      and ``memory`` are kept), as the LeastAllocated / MostAllocated scores read it.
    * ``pods``: the ``PodInfo`` values in insertion order; ``num_pods``.

    ``add_pod`` / ``remove_pod`` are O(1) in the number of pods (per-pod requests are computed
    once, in ``PodInfo``). ``features`` decides how pods' requests are computed.
    """

    __slots__ = ("node", "allocatable", "requested", "non_zero_requested", "_pods", "features")

    def __init__(
        self,
        node: Mapping[str, Any] | None = None,
        pods: Iterable[Mapping[str, Any] | PodInfo] = (),
        *,
        features: Features = DEFAULT_FEATURES,
    ) -> None:
        self.features = features
        self.node: Mapping[str, Any] | None = None
        self.allocatable = Resource()
        self.requested = Resource()
        self.non_zero_requested = Resource()
        self._pods: dict[Any, PodInfo] = {}
        if node is not None:
            self.set_node(node)
        for p in pods:
            self.add_pod(p)

    def set_node(self, node: Mapping[str, Any]) -> None:
        """Set the node; ``allocatable`` is rebuilt from ``status.allocatable``."""
        self.node = node
        self.allocatable = Resource.from_list((node.get("status") or {}).get("allocatable"))

    @property
    def name(self) -> str:
        return ((self.node or {}).get("metadata") or {}).get("name") or ""

    @property
    def pods(self) -> list[PodInfo]:
        return list(self._pods.values())

    def iter_pods(self) -> Iterator[PodInfo]:
        return iter(self._pods.values())

    @property
    def num_pods(self) -> int:
        return len(self._pods)

    def __contains__(self, key: Any) -> bool:
        return key in self._pods

    def pod_info(self, pod: Mapping[str, Any] | PodInfo) -> PodInfo:
        """``pod`` as a ``PodInfo`` computed with this node's ``features`` (returned as is when
        it already is one)."""
        return pod if isinstance(pod, PodInfo) else PodInfo(pod, self.features)

    def add_pod(self, pod: Mapping[str, Any] | PodInfo) -> PodInfo:
        """Add a pod (dict or ``PodInfo``); returns its ``PodInfo``. A pod with the same key
        replaces the previous one."""
        pi = self.pod_info(pod)
        old = self._pods.get(pi.key)
        if old is not None:
            self._update(old, -1)
        self._pods[pi.key] = pi
        self._update(pi, 1)
        return pi

    def remove_pod(self, pod: Mapping[str, Any] | PodInfo | Any) -> PodInfo:
        """Remove a pod given as dict, ``PodInfo`` or key. Raises ``KeyError`` when absent."""
        if isinstance(pod, PodInfo):
            key = pod.key
        elif isinstance(pod, Mapping):
            key = pod_key(pod)
        else:
            key = pod
        pi = self._pods.pop(key)
        self._update(pi, -1)
        return pi

    def _update(self, pi: PodInfo, sign: int) -> None:
        req = self.requested
        r = pi.requests
        req.milli_cpu += sign * r.milli_cpu
        req.memory += sign * r.memory
        req.ephemeral_storage += sign * r.ephemeral_storage
        if r.scalar:
            sc = req.scalar
            for name, v in r.scalar.items():
                sc[name] = sc.get(name, 0) + sign * v
        nz = self.non_zero_requested
        nz.milli_cpu += sign * pi.non0_cpu
        nz.memory += sign * pi.non0_mem

    def snapshot(self) -> "NodeInfo":
        """A copy whose pod set and totals can change independently (``NodeInfo.Snapshot``);
        pods and ``PodInfo`` objects are shared, not copied."""
        c = NodeInfo.__new__(NodeInfo)
        c.features = self.features
        c.node = self.node
        c.allocatable = self.allocatable
        c.requested = self.requested.copy()
        c.non_zero_requested = self.non_zero_requested.copy()
        c._pods = dict(self._pods)
        return c

    def __repr__(self) -> str:
        return f"NodeInfo({self.name!r}, pods={len(self._pods)})"
