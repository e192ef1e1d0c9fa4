"""PodDisruptionBudget semantics: the disruption controller's status and the eviction decision.

Follows, in kubernetes/kubernetes:

* ``pkg/controller/disruption/disruption.go`` -- ``getExpectedPodCount``, ``getExpectedScale``
  and the controller finders, ``countHealthyPods``, ``buildDisruptedPodMap``,
  ``updatePdbStatus``, ``failSafe``, ``nonTerminatingPodHasStaleDisruptionCondition``;
* ``staging/src/k8s.io/component-helpers/apps/poddisruptionbudget/helpers.go`` -- the
  ``DisruptionAllowed`` condition;
* ``pkg/registry/core/pod/storage/eviction.go`` -- ``EvictionREST.Create``, ``canIgnorePDB``,
  ``checkAndDecrement``, ``getPodDisruptionBudgets``;
* ``staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go`` --
  ``GetScaledValueFromIntOrPercent``;
* ``pkg/apis/policy/types.go`` -- field meanings (``minAvailable``, ``maxUnavailable``,
  ``unhealthyPodEvictionPolicy``).

Public functions (objects are Kubernetes JSON-form dicts; times are float seconds since the
epoch on the caller's clock; timestamps inside objects may be RFC 3339 strings or numbers):

* ``pdb_status(pdb, pods, controllers=(), *, now=0.0) -> PDBStatus`` -- what the disruption
  controller computes for one PDB: ``expected_pods``, ``desired_healthy``,
  ``current_healthy``, ``disruptions_allowed``, the pruned ``disrupted_pods`` and the
  ``DisruptionAllowed`` condition; ``PDBStatus.apply(pdb, now=...)`` returns the PDB with that
  status written as the controller writes it.
* ``evict(pod, pdbs, *, now=0.0, dry_run=False) -> EvictionDecision`` -- what
  ``POST pods/<name>/eviction`` answers for ``pod`` given the PDBs of the cluster.
* ``scaled_value(int_or_percent, total, round_up) -> int`` -- ``GetScaledValueFromIntOrPercent``.
* ``expected_count(pdb, pods, controllers) -> ExpectedCount`` -- ``getExpectedPodCount``.
* ``controller_scale(pod, index) -> ControllerScale | None`` and the individual finders
  ``find_replication_controller``, ``find_deployment``, ``find_replica_set``,
  ``find_stateful_set``, ``find_scale`` (tried in that order, as upstream);
  ``ControllerIndex(controllers)`` indexes workload objects once for repeated calls.
* ``pods_for_pdb(pdb, pods) -> list[dict]``, ``pdbs_for_pod(pod, pdbs) -> list[dict]`` --
  selector matching (``provisor.k8s.selectors``: a missing selector selects nothing, ``{}``
  selects every pod of the namespace; an invalid selector matches nothing).
* ``is_pod_ready(pod) -> bool`` -- the ``Ready`` condition is ``True`` (the meaning of
  "healthy" for PDBs).
* ``stale_disruption_condition(pod, now) -> tuple[bool, float]`` -- whether a pod carries a
  stale ``DisruptionTarget`` condition and how many seconds remain before the controller resets
  it to ``False``.

The numbers (``pdb_status``):

* ``maxUnavailable`` (int or percent): ``expected`` = the sum of ``spec.replicas`` of the
  controllers of the selected pods (each controller once; pods without a controller are
  listed in ``unmanaged_pods`` and ignored); ``desired = max(0, expected - value)``, a percent
  scaled on ``expected`` and **rounded up**.
* ``minAvailable`` as an int: ``expected`` = the number of selected pods (every phase, including
  terminating ones), ``desired`` = the int.
* ``minAvailable`` as a percent: ``expected`` from the controllers as above, ``desired`` = the
  percent of ``expected`` rounded up (``34%`` of 3 is 2).
* neither set: ``expected = desired = 0``.
* ``current_healthy`` = selected pods that are Ready, have no ``deletionTimestamp`` and are not
  in ``status.disruptedPods`` with a time less than 120 s old.
* ``disruptions_allowed = current - desired``, but 0 when negative or when ``expected <= 0``.
* A controller is found from the pod's controller ``ownerReference``: a ReplicationController
  (group ``""``); a ReplicaSet (``apps``/``extensions``) owned by a Deployment -> the Deployment's
  replicas; a ReplicaSet not owned by a Deployment; a StatefulSet (``apps``); otherwise any
  object with that group, kind and name whose ``/scale`` gives ``spec.replicas``. The uid must
  match at each step. Replicas default to 1 for the built-in workloads and to 0 for others.
* An error (invalid selector, a percent that is not ``N%``, a controller that cannot be found or
  has no scale subresource: ``found no controllers for pod "x"``,
  ``daemonsets.apps does not implement the scale subresource``) is the controller's
  ``failSafe``: the previous status is kept, ``disruptionsAllowed`` becomes 0 and the condition
  is ``False``/``SyncFailed`` with the error text. The error texts of the API's RESTMapper and
  discovery (an unknown kind) are not reproduced; such kinds give the "found no controllers"
  text.

The eviction decision (``evict``), in upstream order:

1. a pod in phase ``Succeeded``, ``Failed`` or ``Pending``, or with a ``deletionTimestamp``, is
   deleted without looking at PDBs (``outcome="ignore-pdb"``);
2. PDBs of the pod's namespace whose selector matches it: more than one -> refused, HTTP 500,
   ``This pod has more than one PodDisruptionBudget, which the eviction subresource does not
   support.`` (no reason); none -> allowed (``no-pdb``);
3. an unready pod is deleted without using the budget (``unhealthy-pod``) when the PDB's
   ``unhealthyPodEvictionPolicy`` is ``AlwaysAllow``, or (``IfHealthyBudget``, the default)
   when ``currentHealthy >= desiredHealthy > 0``;
4. otherwise the budget (``checkAndDecrement``): ``status.observedGeneration <
   metadata.generation`` -> 429 TooManyRequests ``Cannot evict pod as it would violate the
   pod's disruption budget.`` with cause ``The disruption budget <pdb> is still being processed
   by the server.`` (retry after 10 s); ``disruptionsAllowed < 0`` -> 403
   ``poddisruptionbudget.policy "<pdb>" is forbidden: pdb disruptions allowed is negative``;
   more than 2000 ``disruptedPods`` -> 403 ``... is forbidden: DisruptedPods map too big - too
   many evictions not confirmed by PDB controller``; ``disruptionsAllowed == 0`` -> 429 with
   cause ``The disruption budget <pdb> needs <desiredHealthy> healthy pods and has
   <currentHealthy> currently``; else allowed (``budget``): ``disruptionsAllowed`` is
   decremented (condition ``InsufficientPods`` when it reaches 0) and, unless ``dry_run``, the pod
   is recorded in ``status.disruptedPods`` at ``now`` (``EvictionDecision.updated_pdb``).

For ``unhealthy-pod`` (and for a ``Pending`` pod) the API deletes with a ``resourceVersion``
precondition; if the pod changed meanwhile, the unhealthy path answers 429 with the "still being
processed" cause (``EvictionDecision.on_conflict()``). The refused decisions map to
``provisor.k8s.AdmissionError`` via ``EvictionDecision.error()``; the error's message is the
API's ``Status.message``, the causes are on the decision.

Timestamps written by ``PDBStatus.apply`` and ``evict`` are RFC 3339 UTC with whole seconds, as
``metav1.Time`` serialises them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from provisor.k8s import AdmissionError
from provisor.k8s.selectors import SelectorError, compile_selector

__all__ = [
    "DELETION_TIMEOUT",
    "FINDERS",
    "MAX_DISRUPTED_POD_SIZE",
    "STALE_POD_DISRUPTION_TIMEOUT",
    "ControllerIndex",
    "ControllerScale",
    "DisruptionError",
    "EvictionDecision",
    "ExpectedCount",
    "PDBStatus",
    "controller_ref",
    "controller_scale",
    "evict",
    "expected_count",
    "find_deployment",
    "find_replica_set",
    "find_replication_controller",
    "find_scale",
    "find_stateful_set",
    "is_pod_ready",
    "pdb_status",
    "pdbs_for_pod",
    "pods_for_pdb",
    "scaled_value",
    "stale_disruption_condition",
]

DELETION_TIMEOUT = 120.0
"""Seconds an entry of ``status.disruptedPods`` keeps a pod out of ``currentHealthy``."""

STALE_POD_DISRUPTION_TIMEOUT = 120.0
"""Seconds after which a ``DisruptionTarget=True`` condition on a non-terminating pod is reset."""

MAX_DISRUPTED_POD_SIZE = 2000
"""Above this many ``disruptedPods`` entries the eviction handler refuses (403)."""

EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_PDBS = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."

CONDITION_DISRUPTION_ALLOWED = "DisruptionAllowed"
REASON_SYNC_FAILED = "SyncFailed"
REASON_SUFFICIENT_PODS = "SufficientPods"
REASON_INSUFFICIENT_PODS = "InsufficientPods"

_BUILTIN_REPLICA_KINDS = frozenset(
    (
        ("", "ReplicationController"),
        ("apps", "ReplicaSet"),
        ("extensions", "ReplicaSet"),
        ("apps", "Deployment"),
        ("extensions", "Deployment"),
        ("apps", "StatefulSet"),
    )
)
# Built-in resources that own pods but have no /scale subresource.
_NO_SCALE = {
    ("apps", "DaemonSet"): "daemonsets.apps",
    ("extensions", "DaemonSet"): "daemonsets.extensions",
    ("batch", "Job"): "jobs.batch",
    ("batch", "CronJob"): "cronjobs.batch",
    ("", "Node"): "nodes",
    ("", "Pod"): "pods",
}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")


class DisruptionError(ValueError):
    """The disruption controller cannot compute a PDB's status (its sync error)."""


# --- small helpers ----------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _ns(obj: Mapping[str, Any]) -> str:
    return _meta(obj).get("namespace") or "default"


def _time(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    raise DisruptionError(f"invalid timestamp {value!r}")


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(math.floor(seconds), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _group(api_version: Any) -> str:
    """``schema.ParseGroupVersion(apiVersion).Group``; raises on more than one ``/``."""
    gv = api_version or ""
    if gv in ("", "/"):
        return ""
    n = gv.count("/")
    if n == 0:
        return ""
    if n == 1:
        return gv.split("/", 1)[0]
    raise DisruptionError(f"unexpected GroupVersion string: {gv}")


def is_pod_ready(pod: Mapping[str, Any]) -> bool:
    """True when the pod's ``Ready`` condition has status ``True`` (``podutil.IsPodReady``)."""
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def controller_ref(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``ownerReference`` with ``controller: true`` (``metav1.GetControllerOf``), or None."""
    for ref in _meta(obj).get("ownerReferences") or ():
        if ref.get("controller") is True:
            return ref
    return None


def scaled_value(int_or_percent: Any, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int as is; ``"N%"`` as
    ``ceil(N * total / 100)`` (``floor`` when not ``round_up``).

    Raises ``DisruptionError`` for ``None``, a string without ``%`` (``invalid value for
    IntOrString: invalid type: string is not a percentage``) or a non-integer percent.
    """
    if int_or_percent is None:
        raise DisruptionError("nil value for IntOrString")
    if isinstance(int_or_percent, bool):
        raise DisruptionError(
            "invalid value for IntOrString: invalid type: neither int nor percentage"
        )
    if isinstance(int_or_percent, int):
        return int_or_percent
    if isinstance(int_or_percent, str):
        if not int_or_percent.endswith("%"):
            raise DisruptionError(
                "invalid value for IntOrString: invalid type: string is not a percentage"
            )
        digits = int_or_percent[:-1]
        if not _INT_RE.match(digits):
            raise DisruptionError(
                f'invalid value for IntOrString: invalid value "{int_or_percent}": '
                f'strconv.Atoi: parsing "{digits}": invalid syntax'
            )
        value = int(digits)
        scaled = float(value) * float(total) / 100
        return int(math.ceil(scaled) if round_up else math.floor(scaled))
    raise DisruptionError("invalid value for IntOrString: invalid type: neither int nor percentage")


# --- controllers and their scale --------------------------------------------------------------


@dataclass(frozen=True)
class ControllerScale:
    """A controller found for a pod: its uid and its desired replicas."""

    uid: str
    scale: int


class ControllerIndex:
    """Workload objects (ReplicationControllers, ReplicaSets, Deployments, StatefulSets, or any
    object with a ``/scale``, e.g. a custom resource) indexed by namespace, kind and name.

    Build it once from the cluster's objects and pass it to ``pdb_status`` / ``expected_count``
    for many PDBs. Objects without ``metadata.namespace`` are in ``default``.
    """

    __slots__ = ("_by_key",)

    def __init__(self, controllers: Iterable[Mapping[str, Any]] = ()) -> None:
        self._by_key: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
        for obj in controllers:
            key = (_ns(obj), obj.get("kind") or "", _meta(obj).get("name") or "")
            self._by_key.setdefault(key, []).append(obj)

    def get(
        self, namespace: str, kind: str, name: str, groups: Sequence[str]
    ) -> Mapping[str, Any] | None:
        """The object of that namespace, kind and name whose API group is one of ``groups``."""
        for obj in self._by_key.get((namespace, kind, name), ()):
            try:
                if _group(obj.get("apiVersion")) in groups:
                    return obj
            except DisruptionError:
                continue
        return None


def _replicas(obj: Mapping[str, Any], builtin: bool) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    if value is None:
        return 1 if builtin else 0
    return int(value)


def _uid(obj: Mapping[str, Any]) -> str:
    return str(_meta(obj).get("uid") or "")


def _verify_group_kind(ref: Mapping[str, Any], kind: str, groups: Sequence[str]) -> bool:
    group = _group(ref.get("apiVersion"))
    return ref.get("kind") == kind and group in groups


Finder = Callable[[Mapping[str, Any], str, ControllerIndex], "ControllerScale | None"]


def find_replica_set(
    ref: Mapping[str, Any], namespace: str, index: ControllerIndex
) -> ControllerScale | None:
    """``getPodReplicaSet``: a ReplicaSet (``apps``/``extensions``) not controlled by a Deployment."""
    if not _verify_group_kind(ref, "ReplicaSet", ("apps", "extensions")):
        return None
    rs = index.get(namespace, "ReplicaSet", ref.get("name") or "", ("apps", "extensions"))
    if rs is None or _uid(rs) != str(ref.get("uid") or ""):
        return None
    owner = controller_ref(rs)
    if owner is not None and owner.get("kind") == "Deployment":
        return None
    return ControllerScale(_uid(rs), _replicas(rs, True))


def find_stateful_set(
    ref: Mapping[str, Any], namespace: str, index: ControllerIndex
) -> ControllerScale | None:
    """``getPodStatefulSet``: a StatefulSet (``apps``)."""
    if not _verify_group_kind(ref, "StatefulSet", ("apps",)):
        return None
    ss = index.get(namespace, "StatefulSet", ref.get("name") or "", ("apps",))
    if ss is None or _uid(ss) != str(ref.get("uid") or ""):
        return None
    return ControllerScale(_uid(ss), _replicas(ss, True))


def find_deployment(
    ref: Mapping[str, Any], namespace: str, index: ControllerIndex
) -> ControllerScale | None:
    """``getPodDeployment``: the Deployment (``apps``/``extensions``) controlling the pod's
    ReplicaSet; the uid must match at both steps."""
    if not _verify_group_kind(ref, "ReplicaSet", ("apps", "extensions")):
        return None
    rs = index.get(namespace, "ReplicaSet", ref.get("name") or "", ("apps", "extensions"))
    if rs is None or _uid(rs) != str(ref.get("uid") or ""):
        return None
    owner = controller_ref(rs)
    if owner is None or not _verify_group_kind(owner, "Deployment", ("apps", "extensions")):
        return None
    dep = index.get(_ns(rs), "Deployment", owner.get("name") or "", ("apps", "extensions"))
    if dep is None or _uid(dep) != str(owner.get("uid") or ""):
        return None
    return ControllerScale(_uid(dep), _replicas(dep, True))


def find_replication_controller(
    ref: Mapping[str, Any], namespace: str, index: ControllerIndex
) -> ControllerScale | None:
    """``getPodReplicationController``: a ReplicationController (core group)."""
    if not _verify_group_kind(ref, "ReplicationController", ("",)):
        return None
    rc = index.get(namespace, "ReplicationController", ref.get("name") or "", ("",))
    if rc is None or _uid(rc) != str(ref.get("uid") or ""):
        return None
    return ControllerScale(_uid(rc), _replicas(rc, True))


def find_scale(
    ref: Mapping[str, Any], namespace: str, index: ControllerIndex
) -> ControllerScale | None:
    """``getScaleController``: any object of the reference's group, kind and name, read through
    its ``/scale`` subresource (``spec.replicas``). Raises ``DisruptionError`` for the built-in
    owners without a scale subresource (DaemonSet, Job, CronJob, Node, Pod)."""
    group = _group(ref.get("apiVersion"))
    kind = ref.get("kind") or ""
    no_scale = _NO_SCALE.get((group, kind))
    if no_scale is not None:
        raise DisruptionError(f"{no_scale} does not implement the scale subresource")
    obj = index.get(namespace, kind, ref.get("name") or "", (group,))
    if obj is None or _uid(obj) != str(ref.get("uid") or ""):
        return None
    return ControllerScale(_uid(obj), _replicas(obj, (group, kind) in _BUILTIN_REPLICA_KINDS))


FINDERS: tuple[Finder, ...] = (
    find_replication_controller,
    find_deployment,
    find_replica_set,
    find_stateful_set,
    find_scale,
)
"""The finders in upstream order; the first that finds a controller wins."""


def controller_scale(pod: Mapping[str, Any], index: ControllerIndex) -> ControllerScale | None:
    """The controller of ``pod`` and its replicas, or None for a pod without a controller
    reference. Raises ``DisruptionError`` (``found no controllers for pod "<name>"``, or a
    finder's error) when it has one that cannot be resolved."""
    ref = controller_ref(pod)
    if ref is None:
        return None
    ns = _ns(pod)
    for finder in FINDERS:
        found = finder(ref, ns, index)
        if found is not None:
            return found
    raise DisruptionError(f'found no controllers for pod "{_meta(pod).get("name", "")}"')


@dataclass(frozen=True)
class ExpectedCount:
    """``getExpectedPodCount``'s result: expected pods, desired healthy pods, and the names of
    selected pods without a controller (only collected for percentages / maxUnavailable)."""

    expected: int
    desired_healthy: int
    unmanaged_pods: tuple[str, ...] = ()


def _expected_scale(
    pods: Sequence[Mapping[str, Any]], index: ControllerIndex
) -> tuple[int, tuple[str, ...]]:
    scales: dict[str, int] = {}
    unmanaged: list[str] = []
    for pod in pods:
        ref = controller_ref(pod)
        if ref is None:
            unmanaged.append(_meta(pod).get("name", ""))
            continue
        if str(ref.get("uid") or "") in scales:
            continue
        ns = _ns(pod)
        for finder in FINDERS:
            found = finder(ref, ns, index)
            if found is not None:
                scales[found.uid] = found.scale
                break
        else:
            raise DisruptionError(f'found no controllers for pod "{_meta(pod).get("name", "")}"')
    return sum(scales.values()), tuple(unmanaged)


def _index(controllers: Iterable[Mapping[str, Any]] | ControllerIndex) -> ControllerIndex:
    return controllers if isinstance(controllers, ControllerIndex) else ControllerIndex(controllers)


def expected_count(
    pdb: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    controllers: Iterable[Mapping[str, Any]] | ControllerIndex = (),
) -> ExpectedCount:
    """``expected`` and ``desiredHealthy`` of ``pdb`` for its selected ``pods`` (see module doc).

    Raises ``DisruptionError`` when the controller would fail to sync.
    """
    spec = pdb.get("spec") or {}
    max_unavailable = spec.get("maxUnavailable")
    min_available = spec.get("minAvailable")
    if max_unavailable is not None:
        expected, unmanaged = _expected_scale(pods, _index(controllers))
        desired = max(0, expected - scaled_value(max_unavailable, expected, True))
        return ExpectedCount(expected, desired, unmanaged)
    if min_available is not None:
        if isinstance(min_available, int) and not isinstance(min_available, bool):
            return ExpectedCount(len(pods), min_available)
        if isinstance(min_available, str):
            expected, unmanaged = _expected_scale(pods, _index(controllers))
            return ExpectedCount(expected, scaled_value(min_available, expected, True), unmanaged)
    return ExpectedCount(0, 0)


# --- selection ---------------------------------------------------------------------------------


def pods_for_pdb(
    pdb: Mapping[str, Any], pods: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The pods of the PDB's namespace its ``spec.selector`` selects (``getPodsForPdb``).
    Raises ``SelectorError`` for an invalid selector."""
    sel = compile_selector((pdb.get("spec") or {}).get("selector"))
    ns = _ns(pdb)
    return [p for p in pods if _ns(p) == ns and sel.matches(_meta(p).get("labels"))]


def pdbs_for_pod(
    pod: Mapping[str, Any], pdbs: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The PDBs of the pod's namespace whose selector matches it (the eviction handler's
    ``getPodDisruptionBudgets``); a PDB with an invalid selector matches nothing."""
    ns = _ns(pod)
    labels = _meta(pod).get("labels")
    out = []
    for pdb in pdbs:
        if _ns(pdb) != ns:
            continue
        try:
            sel = compile_selector((pdb.get("spec") or {}).get("selector"))
        except SelectorError:
            continue
        if sel.matches(labels):
            out.append(pdb)
    return out


# --- the controller's status ------------------------------------------------------------------


def _set_condition(conditions: list[dict[str, Any]], new: dict[str, Any], now: float) -> None:
    """``apimeta.SetStatusCondition``: transition time changes only with the status."""
    for cond in conditions:
        if cond.get("type") == new["type"]:
            if cond.get("status") != new["status"]:
                cond["status"] = new["status"]
                cond["lastTransitionTime"] = _rfc3339(now)
            cond["reason"] = new["reason"]
            cond["message"] = new["message"]
            if new.get("observedGeneration"):
                cond["observedGeneration"] = new["observedGeneration"]
            else:
                cond.pop("observedGeneration", None)
            return
    added = dict(new)
    added["lastTransitionTime"] = _rfc3339(now)
    if not added.get("observedGeneration"):
        added.pop("observedGeneration", None)
    conditions.append(added)


@dataclass(frozen=True)
class PDBStatus:
    """The status the disruption controller writes for one PDB.

    ``disrupted_pods`` maps pod name -> the original timestamp value (as found in
    ``status.disruptedPods``). ``error`` is set when the sync failed (then the counts are the
    PDB's previous ones and ``disruptions_allowed`` is 0). ``recheck_at`` is when the
    controller will look again because a ``disruptedPods`` entry expires (seconds), or None.
    """

    expected_pods: int
    desired_healthy: int
    current_healthy: int
    disruptions_allowed: int
    disrupted_pods: Mapping[str, Any] = field(default_factory=dict)
    observed_generation: int = 0
    unmanaged_pods: tuple[str, ...] = ()
    error: str | None = None
    recheck_at: float | None = None

    @property
    def condition_status(self) -> str:
        """``True`` or ``False`` (the ``DisruptionAllowed`` condition)."""
        return "True" if self.error is None and self.disruptions_allowed > 0 else "False"

    @property
    def condition_reason(self) -> str:
        """``SufficientPods``, ``InsufficientPods`` or ``SyncFailed``."""
        if self.error is not None:
            return REASON_SYNC_FAILED
        return REASON_SUFFICIENT_PODS if self.disruptions_allowed > 0 else REASON_INSUFFICIENT_PODS

    def apply(self, pdb: Mapping[str, Any], *, now: float = 0.0) -> dict[str, Any]:
        """A copy of ``pdb`` with this status written (``updatePdbStatus`` / ``failSafe``);
        other conditions are kept, ``DisruptionAllowed`` is set with
        ``apimeta.SetStatusCondition`` semantics (``lastTransitionTime`` = ``now`` when the
        status changes)."""
        new = dict(pdb)
        old_status = pdb.get("status") or {}
        conditions = [dict(c) for c in old_status.get("conditions") or ()]
        if self.error is not None:
            status = dict(old_status)
            status["disruptionsAllowed"] = 0
            message = self.error
        else:
            status = {
                "currentHealthy": self.current_healthy,
                "desiredHealthy": self.desired_healthy,
                "expectedPods": self.expected_pods,
                "disruptionsAllowed": self.disruptions_allowed,
            }
            if self.disrupted_pods:
                status["disruptedPods"] = dict(self.disrupted_pods)
            if self.observed_generation:
                status["observedGeneration"] = self.observed_generation
            message = ""
        _set_condition(
            conditions,
            {
                "type": CONDITION_DISRUPTION_ALLOWED,
                "status": self.condition_status,
                "reason": self.condition_reason,
                "message": message,
                "observedGeneration": status.get("observedGeneration", 0),
            },
            now,
        )
        status["conditions"] = conditions
        new["status"] = status
        return new


def _fail_safe(pdb: Mapping[str, Any], err: str) -> PDBStatus:
    st = pdb.get("status") or {}
    return PDBStatus(
        expected_pods=int(st.get("expectedPods") or 0),
        desired_healthy=int(st.get("desiredHealthy") or 0),
        current_healthy=int(st.get("currentHealthy") or 0),
        disruptions_allowed=0,
        disrupted_pods=dict(st.get("disruptedPods") or {}),
        observed_generation=int(st.get("observedGeneration") or 0),
        error=err,
    )


def pdb_status(
    pdb: Mapping[str, Any],
    pods: Iterable[Mapping[str, Any]],
    controllers: Iterable[Mapping[str, Any]] | ControllerIndex = (),
    *,
    now: float = 0.0,
) -> PDBStatus:
    """The disruption controller's sync of one PDB (``trySync``; ``failSafe`` on error).

    Args:
        pdb: the PodDisruptionBudget (``policy/v1``).
        pods: candidate pods (any namespace; filtered by the PDB's namespace and selector).
        controllers: workload objects or a ``ControllerIndex`` (see ``controller_scale``).
        now: the current time, seconds.

    Returns a ``PDBStatus`` (never raises for data the controller tolerates; a malformed
    timestamp raises ``DisruptionError``).
    """
    try:
        selected = pods_for_pdb(pdb, pods)
    except SelectorError as exc:
        return _fail_safe(pdb, str(exc))
    try:
        counts = expected_count(pdb, selected, controllers)
    except DisruptionError as exc:
        return _fail_safe(pdb, str(exc))

    recorded = (pdb.get("status") or {}).get("disruptedPods") or {}
    disrupted: dict[str, Any] = {}
    disrupted_at: dict[str, float] = {}
    recheck: float | None = None
    for pod in selected:
        meta = _meta(pod)
        if meta.get("deletionTimestamp"):
            continue
        name = meta.get("name", "")
        if name not in recorded:
            continue
        at = _time(recorded[name])
        expires = at + DELETION_TIMEOUT
        if expires < now:
            continue
        if recheck is None or expires < recheck:
            recheck = expires
        disrupted[name] = recorded[name]
        disrupted_at[name] = at

    healthy = 0
    for pod in selected:
        meta = _meta(pod)
        if meta.get("deletionTimestamp"):
            continue
        disrupted_since = disrupted_at.get(meta.get("name", ""))
        if disrupted_since is not None and disrupted_since + DELETION_TIMEOUT > now:
            continue
        if is_pod_ready(pod):
            healthy += 1

    allowed = healthy - counts.desired_healthy
    if counts.expected <= 0 or allowed <= 0:
        allowed = 0
    return PDBStatus(
        expected_pods=counts.expected,
        desired_healthy=counts.desired_healthy,
        current_healthy=healthy,
        disruptions_allowed=allowed,
        disrupted_pods=disrupted,
        observed_generation=int(_meta(pdb).get("generation") or 0),
        unmanaged_pods=counts.unmanaged_pods,
        recheck_at=recheck,
    )


def stale_disruption_condition(
    pod: Mapping[str, Any], now: float, *, timeout: float = STALE_POD_DISRUPTION_TIMEOUT
) -> tuple[bool, float]:
    """``nonTerminatingPodHasStaleDisruptionCondition``: ``(True, seconds_left)`` when a pod
    without ``deletionTimestamp`` and not in a terminal phase has ``DisruptionTarget=True`` not
    set by the kubelet (``reason != TerminationByKubelet``); the controller resets it to
    ``False`` once ``seconds_left`` is 0. ``(False, 0.0)`` otherwise."""
    if _meta(pod).get("deletionTimestamp"):
        return False, 0.0
    status = pod.get("status") or {}
    cond = None
    for c in status.get("conditions") or ():
        if c.get("type") == "DisruptionTarget":
            cond = c
            break
    if (
        cond is None
        or cond.get("status") != "True"
        or cond.get("reason") == "TerminationByKubelet"
        or status.get("phase") in ("Succeeded", "Failed")
    ):
        return False, 0.0
    since = _time(cond["lastTransitionTime"]) if cond.get("lastTransitionTime") is not None else 0.0
    return True, max(0.0, timeout - (now - since))


# --- eviction ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvictionDecision:
    """The eviction handler's answer for one pod.

    Attributes:
        allowed: the pod is deleted (gracefully).
        outcome: ``ignore-pdb`` (terminal, pending or terminating pod), ``no-pdb``,
            ``unhealthy-pod`` (unready pod deleted without using the budget), ``budget``
            (a disruption used), or for refusals ``too-many-requests``, ``forbidden``,
            ``multiple-pdbs``.
        code: HTTP status: 201 when allowed, else 429, 403 or 500.
        reason: ``metav1.StatusReason`` (``""`` when allowed and for ``multiple-pdbs``).
        message: the API's ``Status.message`` (``""`` when allowed).
        causes: ``DisruptionBudget`` cause messages of a 429.
        retry_after_seconds: ``Status.details.retryAfterSeconds`` of a 429.
        pdb_name: the PDB consulted, if any.
        updated_pdb: for ``budget``, the PDB as the handler writes it back.
        resource_version_precondition: the pod ``resourceVersion`` the delete is conditioned on
            (``unhealthy-pod``, and ``ignore-pdb`` for a pending pod), else None.
    """

    allowed: bool
    outcome: str
    code: int = 201
    reason: str = ""
    message: str = ""
    causes: tuple[str, ...] = ()
    retry_after_seconds: int = 0
    pdb_name: str | None = None
    updated_pdb: Mapping[str, Any] | None = None
    resource_version_precondition: str | None = None

    def error(self) -> AdmissionError | None:
        """The refusal as ``AdmissionError`` (code and reason as above), or None if allowed."""
        if self.allowed:
            return None
        return AdmissionError(self.message, code=self.code, reason=self.reason)

    def raise_if_refused(self) -> None:
        """Raise ``error()`` when refused."""
        err = self.error()
        if err is not None:
            raise err

    def on_conflict(self) -> EvictionDecision | None:
        """What the client gets when the conditioned delete of an ``unhealthy-pod`` decision
        hits a pod that changed meanwhile (and the client set no ``resourceVersion`` itself):
        a 429 refusal with cause ``The disruption budget <pdb> is still being processed by the
        server.``. None for other outcomes (there the handler retries, or returns the conflict
        itself)."""
        if self.outcome != "unhealthy-pod" or self.pdb_name is None:
            return None
        return _still_processing(self.pdb_name)

    def describe(self) -> str:
        """``message: reason: cause...`` (causes not already ending the message), the shape
        upstream's eviction tests compare; ``""`` when allowed."""
        if self.allowed:
            return ""
        out = f"{self.message}: {self.reason}"
        for cause in self.causes:
            if not self.message.endswith(cause):
                out += f": {cause}"
        return out


def _still_processing(name: str) -> EvictionDecision:
    return EvictionDecision(
        False,
        "too-many-requests",
        429,
        "TooManyRequests",
        EVICTION_REFUSED,
        (f"The disruption budget {name} is still being processed by the server.",),
        retry_after_seconds=10,
        pdb_name=name,
    )


def _forbidden(name: str, detail: str) -> EvictionDecision:
    return EvictionDecision(
        False,
        "forbidden",
        403,
        "Forbidden",
        f'poddisruptionbudget.policy "{name}" is forbidden: {detail}',
        pdb_name=name,
    )


def _check_and_decrement(
    pod: Mapping[str, Any], pdb: Mapping[str, Any], now: float, dry_run: bool
) -> EvictionDecision:
    name = _meta(pdb).get("name", "")
    status = pdb.get("status") or {}
    allowed = int(status.get("disruptionsAllowed") or 0)
    if int(status.get("observedGeneration") or 0) < int(_meta(pdb).get("generation") or 0):
        return _still_processing(name)
    if allowed < 0:
        return _forbidden(name, "pdb disruptions allowed is negative")
    if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
        return _forbidden(
            name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller"
        )
    if allowed == 0:
        cause = (
            f"The disruption budget {name} needs {int(status.get('desiredHealthy') or 0)} healthy pods "
            f"and has {int(status.get('currentHealthy') or 0)} currently"
        )
        return EvictionDecision(
            False,
            "too-many-requests",
            429,
            "TooManyRequests",
            EVICTION_REFUSED,
            (cause,),
            pdb_name=name,
        )
    new_status = dict(status)
    new_status["disruptionsAllowed"] = allowed - 1
    if allowed - 1 == 0:
        conditions = [dict(c) for c in status.get("conditions") or ()]
        _set_condition(
            conditions,
            {
                "type": CONDITION_DISRUPTION_ALLOWED,
                "status": "False",
                "reason": REASON_INSUFFICIENT_PODS,
                "message": "",
                "observedGeneration": int(status.get("observedGeneration") or 0),
            },
            now,
        )
        new_status["conditions"] = conditions
    if not dry_run:
        disrupted = dict(status.get("disruptedPods") or {})
        disrupted[_meta(pod).get("name", "")] = _rfc3339(now)
        new_status["disruptedPods"] = disrupted
    updated = dict(pdb)
    updated["status"] = new_status
    return EvictionDecision(True, "budget", pdb_name=name, updated_pdb=updated)


def evict(
    pod: Mapping[str, Any],
    pdbs: Iterable[Mapping[str, Any]],
    *,
    now: float = 0.0,
    dry_run: bool = False,
) -> EvictionDecision:
    """Decide an eviction of ``pod`` (``EvictionREST.Create``), see the module doc.

    Args:
        pod: the Pod as stored (``status.phase``, ``status.conditions``,
            ``metadata.deletionTimestamp``, ``metadata.resourceVersion`` are read).
        pdbs: PodDisruptionBudgets (any namespace; those of the pod's namespace whose selector
            matches are used), with their current ``status``.
        now: the time recorded in ``disruptedPods`` (seconds).
        dry_run: the request's dryRun; the budget is checked and decremented in
            ``updated_pdb`` but the pod is not recorded as disrupted.

    Returns an ``EvictionDecision``; never raises for well-formed objects.
    """
    meta = _meta(pod)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed", "Pending") or meta.get("deletionTimestamp"):
        rv = (
            meta.get("resourceVersion")
            if phase == "Pending" and not meta.get("deletionTimestamp")
            else None
        )
        return EvictionDecision(True, "ignore-pdb", resource_version_precondition=rv)

    matching = pdbs_for_pod(pod, pdbs)
    if len(matching) > 1:
        return EvictionDecision(False, "multiple-pdbs", 500, "", MULTIPLE_PDBS)
    if not matching:
        return EvictionDecision(True, "no-pdb")
    pdb = matching[0]
    name = _meta(pdb).get("name", "")

    if not is_pod_ready(pod):
        policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy")
        status = pdb.get("status") or {}
        current = int(status.get("currentHealthy") or 0)
        desired = int(status.get("desiredHealthy") or 0)
        if policy == "AlwaysAllow" or (current >= desired > 0):
            return EvictionDecision(
                True,
                "unhealthy-pod",
                pdb_name=name,
                resource_version_precondition=meta.get("resourceVersion"),
            )
    return _check_and_decrement(pod, pdb, now, dry_run)
