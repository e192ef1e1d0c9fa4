"""Shared by the ``pdb/*`` rules (and the HPA/VPA rules that select pods by label): which
workloads' pods a label selector picks, and the disruption controller's numbers for a PDB
over synthetic pods of those workloads.

Selection follows :mod:`provisor.k8s.selectors` (a nil selector selects nothing, ``{}``
selects every pod of the namespace, an invalid one raises ``SelectorError``). The numbers come
from :func:`provisor.k8s.disruption.pdb_status` and :func:`provisor.k8s.disruption.evict`
(kubernetes/kubernetes ``pkg/controller/disruption/disruption.go`` and
``pkg/registry/core/pod/storage/eviction.go``), run on Ready pods owned the way each
workload's controller owns them: Deployment -> ReplicaSet -> Pod; StatefulSet, ReplicaSet,
ReplicationController, DaemonSet, Job -> Pod; CronJob -> Job -> Pod; Pods and PodTemplates'
pods without a controller.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from provisor.check.context import (
    SCALABLE_KINDS,
    Workload,
    dig,
    exact_key,
    name_of,
    namespace_of,
)

if TYPE_CHECKING:
    from provisor.check.context import Context
    from provisor.k8s.disruption import EvictionDecision, PDBStatus
    from provisor.k8s.selectors import Selector

# -- selecting workloads by their pods' labels ---------------------------------------------


class PodIndex:
    """The workloads of the checked set by namespace and by (label key, value) of their pods,
    so that a selector is matched against the few workloads that can satisfy its first
    ``matchLabels`` entry rather than against the whole namespace."""

    __slots__ = ("by_ns", "by_label", "_memo", "_compiled")

    def __init__(self, workloads: list[Workload]) -> None:
        self._memo: dict[int, Any] = {}
        # id(selector dict) -> (the dict, kept alive so the id stays its own; compiled)
        self._compiled: dict[int, tuple[Any, Any]] = {}
        self.by_ns: dict[str, list[Workload]] = defaultdict(list)
        self.by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        for w in workloads:
            self.by_ns[w.namespace].append(w)
            for k, v in w.pod_labels.items():
                if isinstance(k, str) and isinstance(v, str):
                    self.by_label[(w.namespace, k, v)].append(w)

    def has_workloads(self, namespace: str) -> bool:
        return bool(self.by_ns.get(namespace))

    def select_pdb(self, d: Any) -> list[Workload]:
        """:meth:`select` for a PDB document's ``spec.selector`` in its namespace, memoised
        per document (the rules of the family share it). Raises ``SelectorError``."""
        key = id(d)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self.select(namespace_of(d.obj), dig(d.obj, "spec", "selector"))
            except Exception as exc:  # SelectorError, kept to re-raise for every caller
                hit = exc
            self._memo[key] = hit
        if isinstance(hit, Exception):
            raise hit
        return hit

    def select(self, namespace: str, selector: Any) -> list[Workload]:
        """Workloads of ``namespace`` whose pod labels ``selector`` (a LabelSelector dict, or
        None) matches, in the canonical order. Raises ``provisor.k8s.selectors.SelectorError``."""
        hit = self._compiled.get(id(selector))
        if hit is None or hit[0] is not selector:
            hit = self._compiled[id(selector)] = (selector, compiled(selector))
        sel = hit[1]
        if sel.nothing:
            return []
        candidates = self.by_ns.get(namespace, [])
        ml = selector.get("matchLabels") if isinstance(selector, dict) else None
        if isinstance(ml, dict) and ml:
            k, v = next(iter(ml.items()))
            if isinstance(k, str) and isinstance(v, str):
                candidates = self.by_label.get((namespace, k, v), [])
        return [w for w in candidates if sel.matches(w.pod_labels)]


_SELECTORS: dict[str, "Selector"] = {}


def compiled(selector: Any) -> "Selector":
    """:func:`provisor.k8s.selectors.compile_selector`, memoised on the selector's exact
    text (:func:`provisor.check.context.exact_key`). Raises ``SelectorError``."""
    from provisor.k8s.selectors import SelectorError, compile_selector

    if selector is not None and not isinstance(selector, dict):
        raise SelectorError("selector: Invalid value: must be a LabelSelector mapping")
    key = exact_key(selector)
    sel = _SELECTORS.get(key) if key is not None else None
    if sel is None:
        sel = compile_selector(selector)
        if key is not None:
            if len(_SELECTORS) > 4096:
                _SELECTORS.clear()
            _SELECTORS[key] = sel
    return sel


def pod_index(ctx: "Context") -> PodIndex:
    """The :class:`PodIndex` of the checked set (built once per run)."""
    idx = ctx.cache.get(("pdb", "pod_index"))
    if idx is None:
        idx = ctx.cache[("pdb", "pod_index")] = PodIndex(ctx.workloads)
    return idx


def selector_text(selector: Any) -> str:
    """``app=web,tier in (a,b)``-like text of a LabelSelector, for messages."""
    if selector is None:
        return "<none>"
    if not isinstance(selector, dict):
        return str(selector)
    ml = selector.get("matchLabels")
    parts = [f"{k}={v}" for k, v in ml.items()] if isinstance(ml, dict) else []
    exprs = selector.get("matchExpressions")
    for e in exprs if isinstance(exprs, list) else []:
        if isinstance(e, dict):
            values = e.get("values")
            vals = ",".join(str(x) for x in values) if isinstance(values, list) else ""
            op = e.get("operator")
            parts.append(f"{e.get('key')} {op} ({vals})" if vals else f"{e.get('key')} {op}")
    return ",".join(parts) if parts else "<everything>"


# -- the disruption controller on synthetic pods -----------------------------------------

_READY = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
_UNREADY = {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}


def _meta(name: str, ns: str, kind: str, owner: dict[str, Any] | None) -> dict[str, Any]:
    m: dict[str, Any] = {"name": name, "namespace": ns, "uid": f"uid-{kind}-{ns}-{name}"}
    if owner is not None:
        m["ownerReferences"] = [owner]
    return m


def _ref(obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
            "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"], "controller": True}


_API = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1",
        "DaemonSet": "apps/v1", "ReplicationController": "v1", "Job": "batch/v1",
        "CronJob": "batch/v1"}


def api_namespace(namespace: str) -> str:
    """The namespace synthetic objects are made in for an effective namespace: itself
    (a "no namespace" one included, so that objects judged together stay together), or
    ``default`` for ``""``."""
    return namespace or "default"


def as_created(d: Any) -> dict[str, Any]:
    """A PDB document's object in the namespace it is judged in (``metadata.namespace`` set
    to :func:`api_namespace` of its effective namespace), so that the eviction handler, which
    matches PDBs and pods by namespace, sees it beside the pods :func:`fleet` makes."""
    obj = dict(d.obj)
    meta = obj.get("metadata")
    obj["metadata"] = {**(meta if isinstance(meta, dict) else {}),
                       "namespace": api_namespace(namespace_of(d.obj))}
    return obj


def fleet(w: Workload, count: int, unready: int = 0
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` pods of ``w`` (the last ``unready`` of them not Ready) and the controller
    objects that own them, with ``spec.replicas = count`` where the kind has replicas."""
    ns = api_namespace(w.namespace)
    controllers: list[dict[str, Any]] = []
    owner: dict[str, Any] | None = None
    if w.kind in _API:
        top = {"apiVersion": _API[w.kind], "kind": w.kind,
               "metadata": _meta(w.name, ns, w.kind, None), "spec": {"replicas": count}}
        controllers.append(top)
        owner = _ref(top)
        if w.kind in ("Deployment", "CronJob"):
            child_kind = "ReplicaSet" if w.kind == "Deployment" else "Job"
            child = {"apiVersion": _API[child_kind], "kind": child_kind,
                     "metadata": _meta(f"{w.name}-0", ns, child_kind, owner),
                     "spec": {"replicas": count}}
            controllers.append(child)
            owner = _ref(child)
    pods = []
    for i in range(count):
        pods.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {**_meta(f"{w.name}-{i}", ns, "Pod", owner),
                                  "labels": dict(w.pod_labels)},
                     "status": _UNREADY if i >= count - unready else _READY})
    return pods, controllers


class Budget:
    """A PDB's status over synthetic pods and, computed on first use, what evicting the last
    pod of the first member answers."""

    __slots__ = ("status", "pods", "_pdb", "_members", "_unready", "_eviction")

    def __init__(self, status: "PDBStatus", pods: int, pdb: dict[str, Any],
                 members: list[tuple[Workload, int]], unready: int) -> None:
        self.status = status
        self.pods = pods
        self._pdb = pdb
        self._members = members
        self._unready = unready
        self._eviction: "EvictionDecision | None" = None

    @property
    def eviction(self) -> "EvictionDecision":
        if self._eviction is None:
            from provisor.k8s.disruption import evict

            victim: dict[str, Any] = {"metadata": {"name": "none"}, "status": _READY}
            if self._members:
                w, count = self._members[0]
                pods, _ = fleet(w, count, self._unready)
                if pods:
                    victim = pods[-1]
            self._eviction = evict(victim, [self.status.apply(self._pdb)])
        return self._eviction


_STATUS_MEMO: dict[Any, "PDBStatus"] = {}

#: The most synthetic pods one budget is computed over (the disruption controller's sync is
#: linear in pods). Beyond it the PDB rules skip the budget: ``TooManyPods``.
MAX_SYNTHETIC_PODS = 100_000


class TooManyPods(ValueError):
    """The members would run more than :data:`MAX_SYNTHETIC_PODS` pods (or a count is not
    a non-negative int32, which the schema reports)."""


def budget(pdb: dict[str, Any], members: list[tuple[Workload, int]], unready: int = 0
           ) -> Budget:
    """The disruption controller's status of ``pdb`` when each ``(workload, count)`` runs
    ``count`` Ready pods (the last ``unready`` pods of the first member not Ready), and the
    eviction handler's answer for the last pod of the first member (``Budget.eviction``).
    Raises :class:`TooManyPods` beyond :data:`MAX_SYNTHETIC_PODS` pods.

    The PDB is taken as created from its manifest (spec only: no ``status``, generation
    unset), in its effective namespace (:func:`provisor.check.context.namespace_of`, the
    namespace its members' pods are made in by :func:`fleet`). The status is memoised on
    everything it is computed from: the PDB as sent, ``unready``, and each member's kind,
    namespace, name, pod labels and count."""
    from provisor.k8s.disruption import pdb_status

    raw_meta = pdb.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    spec = pdb.get("spec")
    pdb = {"apiVersion": pdb.get("apiVersion"), "kind": "PodDisruptionBudget",
           "metadata": {"name": meta.get("name", ""), "namespace": api_namespace(
               namespace_of(pdb))},
           "spec": spec}
    total = sum(c for _w, c in members)
    if total > MAX_SYNTHETIC_PODS or any(c < 0 for _w, c in members):
        raise TooManyPods(f"{total} pods")
    key = exact_key([pdb, unready, [[w.kind, w.namespace, w.name, w.pod_labels, c]
                                    for w, c in members]])
    status = _STATUS_MEMO.get(key) if key is not None else None
    if status is None:
        pods: list[dict[str, Any]] = []
        controllers: list[dict[str, Any]] = []
        for n, (w, count) in enumerate(members):
            p, c = fleet(w, count, unready if n == 0 else 0)
            pods.extend(p)
            controllers.extend(c)
        status = pdb_status(pdb, pods, controllers)
        if key is not None:
            if len(_STATUS_MEMO) > 4096:
                _STATUS_MEMO.clear()
            _STATUS_MEMO[key] = status
    return Budget(status, total, pdb, members, unready)


def refusal(decision: "EvictionDecision") -> str:
    """``HTTP 429 "Cannot evict pod ..." (The disruption budget x needs ...)``."""
    causes = "; ".join(c for c in decision.causes if not decision.message.endswith(c))
    return f'HTTP {decision.code} "{decision.message}"' + (f" ({causes})" if causes else "")


def spec_errors(d: Any) -> list[Any]:
    """The API server's field errors for a PDB document's ``spec``
    (:func:`provisor.k8s.validation.validate_pdb_spec`); empty when the spec is not a
    mapping (the schema's finding)."""
    from provisor.k8s.validation import validate_pdb_spec

    spec = d.obj.get("spec")
    return validate_pdb_spec(spec) if isinstance(spec, dict) else []


def pdbs(ctx: "Context") -> list[Any]:
    """The PodDisruptionBudgets the API server would store: those whose spec passes its
    validation (``pdb/invalid`` reports the others, which never exist in a cluster)."""
    out = ctx.cache.get(("pdb", "valid"))
    if out is None:
        out = ctx.cache[("pdb", "valid")] = [
            d for d in ctx.kind("PodDisruptionBudget") if not spec_errors(d)]
    return out


def selector_of(pdb_obj: dict[str, Any]) -> Any:
    return dig(pdb_obj, "spec", "selector")


def concurrent_pods(w: Workload) -> int | None:
    """How many pods ``w`` runs at once when that is known from the object: a Job's (or a
    CronJob's job template's) ``parallelism`` (default 1), a PodTemplate's max-concurrency
    annotation, 1 for a Pod; ``spec.replicas`` (default 1) for the replicated kinds; None
    otherwise (a DaemonSet, a PodTemplate without the annotation)."""
    if w.kind in ("Job", "CronJob"):
        path = ("spec", "parallelism") if w.kind == "Job" else (
            "spec", "jobTemplate", "spec", "parallelism")
        p = dig(w.doc.obj, *path)
        return p if isinstance(p, int) and not isinstance(p, bool) and p >= 0 else 1
    if w.kind == "PodTemplate":
        return w.max_concurrency
    if w.kind == "Pod":
        return 1
    if w.kind == "DaemonSet":
        return None
    return 1 if w.replicas is None else w.replicas


#: API groups of Kubernetes itself (their pod-producing kinds are the ``Workload`` kinds).
BUILTIN_GROUPS = frozenset({
    "", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io",
    "storage.k8s.io", "scheduling.k8s.io", "admissionregistration.k8s.io",
    "apiextensions.k8s.io", "apiregistration.k8s.io", "coordination.k8s.io",
    "discovery.k8s.io", "events.k8s.io", "node.k8s.io", "certificates.k8s.io",
    "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "extensions", "gateway.networking.k8s.io",
})
#: Custom resource kinds known not to create pods.
NON_POD_CUSTOM_KINDS = frozenset({
    "PrometheusRule", "ServiceMonitor", "PodMonitor", "Probe", "ScrapeConfig",
    "AlertmanagerConfig", "VerticalPodAutoscaler", "VerticalPodAutoscalerCheckpoint",
    "WorkflowTemplate", "ClusterWorkflowTemplate", "WorkflowEventBinding",
})


def pod_making_custom_resources(ctx: "Context", namespace: str) -> list[str]:
    """``Kind/name`` of the objects in ``namespace`` through which something outside the
    checked set may create pods: custom resources an operator may turn into pods (anything
    outside Kubernetes' own API groups, except kinds known not to), and PodTemplates (read by
    a controller that is not a built-in workload, such as an agent platform's controller)."""
    by_ns = ctx.cache.get(("pdb", "custom_resources"))
    if by_ns is None:
        by_ns = ctx.cache[("pdb", "custom_resources")] = defaultdict(list)
        for kind, docs in ctx.by_kind.items():
            if kind in NON_POD_CUSTOM_KINDS:
                continue
            for d in docs:
                api = d.obj.get("apiVersion")
                group = api.rpartition("/")[0] if isinstance(api, str) else ""
                if (group and group not in BUILTIN_GROUPS) or kind == "PodTemplate":
                    by_ns[namespace_of(d.obj)].append(f"{kind}/{dig(d.obj, 'metadata', 'name')}")
    return by_ns.get(namespace, [])


def identity(d: Any) -> tuple[str, str, str]:
    """(kind, namespace, name): documents with the same identity are one object (a later
    apply replaces the earlier one)."""
    return (str(d.obj.get("kind")), namespace_of(d.obj), str(dig(d.obj, "metadata", "name")))


def replicas_at(ctx: "Context", w: Workload) -> list[tuple[int, str]]:
    """The replica counts to judge ``w`` at, lowest first, with how each is known:
    the HPA's minReplicas (and maxReplicas) when an HPA scales it, else ``spec.replicas``
    (1 when unset: ``SetDefaults_Deployment`` and friends), a PodTemplate's max-concurrency,
    1 for a Pod."""
    from provisor.check.rules.hpa._common import hpas_of_workload, max_replicas, min_replicas

    if w.kind in SCALABLE_KINDS:
        owners = hpas_of_workload(ctx, w)
        if owners:
            h = owners[0]
            lo, hi = min_replicas(h.obj), max_replicas(h.obj)
            out: list[tuple[int, str]] = []
            if lo is not None and lo >= 1:
                out.append((lo, f"the minReplicas of HPA {name_of(h.obj)}"))
            if hi is not None and lo is not None and hi > lo:
                out.append((hi, f"the maxReplicas of HPA {name_of(h.obj)}"))
            if out:
                return out
        if w.replicas is None:
            return [(1, "spec.replicas unset (default 1)")]
        return [(w.replicas, "spec.replicas")]
    if w.kind == "PodTemplate":
        if w.max_concurrency:
            return [(w.max_concurrency, "its max-concurrency annotation")]
        return [(1, "one pod")]
    return [(1, "one pod")]
