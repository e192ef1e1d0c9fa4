"""What each namespace asks of its ResourceQuotas at the configured maximum.

Shared by the quota and storage rules, computed once per check run (cached in ``ctx.cache``).

Demand is a list of *entries*: one charged object (a pod as its controller creates it, after
API and LimitRanger defaulting; a claim; any other namespaced object) times how many of it
exist at the maximum:

* a workload under a HorizontalPodAutoscaler: ``maxReplicas`` (the largest, when several
  HPAs name it);
* any other Deployment, StatefulSet, ReplicaSet or ReplicationController: ``spec.replicas``
  (1 when unset, the API default);
* a Job: ``parallelism`` (1 when unset), at most ``completions``; a CronJob: the same for
  one Job of its ``jobTemplate``;
* a DaemonSet: one pod per node, when the nodes are known (Node objects or
  ``settings.nodes``);
* a Pod: 1; an agent PodTemplate: its ``provisor.dev/max-concurrency`` annotation;
* claims: PersistentVolumeClaim objects (1 each), a StatefulSet's ``volumeClaimTemplates``
  (one claim per replica), generic ephemeral volumes (one claim per pod); a claim without a
  class gets the default StorageClass when one is among the objects
  (``plugin/pkg/admission/storage/storageclass/setdefault``);
* every other namespaced object: its object count (``count/<resource>``, ``configmaps``,
  ``services``, ...).

What each charges is :func:`provisor.k8s.quota.usage` (the quota evaluators of
``pkg/quota/v1/evaluator/core``), so every key Kubernetes charges is counted (``requests.cpu``
and bare ``cpu``, ``limits.memory``, ``pods`` and ``count/pods``, storage-class keys...).
Whether an entry is charged to a quota follows the quota's scopes and scope selector
(``PodEvaluator.matches``; claims and plain objects match only unscoped quotas).

Objects another object in the set controls (a Pod whose controller ``ownerReference`` names a
ReplicaSet in the set, a ReplicaSet of a Deployment, a Job of a CronJob) are not counted
twice. PVC templates kept in ConfigMaps are data, not objects, and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from provisor.check.context import (
    CLUSTER_SCOPED,
    SCALABLE_KINDS,
    Path,
    Workload,
    dig,
    name_of,
    namespace_of,
    object_text,
)
from provisor.check.rules.limitrange._api import default_container_requirements_of, describe

if TYPE_CHECKING:
    from provisor.check.context import Context
    from provisor.manifests import Document
    from provisor.quantity import Quantity

_DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                              "storageclass.beta.kubernetes.io/is-default-class")
_BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
STORAGE_CLASS_INFIX = ".storageclass.storage.k8s.io/"
NANO = 10**9
#: quota names other objects than pods and claims are charged under, besides count/*
_OBJECT_KEYS = frozenset({"services", "services.loadbalancers", "services.nodeports",
                          "configmaps", "secrets", "replicationcontrollers", "resourcequotas"})


@dataclass(slots=True)
class Entry:
    """``count`` copies of one charged object.

    Attributes:
        doc: the object the count comes from (the workload, the claim, the object).
        path: where in ``doc`` the count is set (``spec.replicas``, a template...).
        label: e.g. ``Deployment team-a/api``.
        why: where ``count`` comes from, e.g. ``HPA api-hpa maxReplicas``.
        source: ``hpa``, ``replicas``, ``agent``, ``claim`` or ``object``.
        obj: the charged object (a pod, a claim, or the object itself).
        kind: ``pod``, ``claim`` or ``object`` (which evaluator judges scopes).
        usage: what one copy charges (name -> exact amount).
        count: how many copies exist at the maximum.
        agent: the PodTemplate name, for agent entries.
        workload: the workload, for pod entries.
    """

    doc: "Document"
    path: Path
    label: str
    why: str
    source: str
    obj: dict[str, Any]
    kind: str
    usage: dict[str, Fraction]
    count: int
    agent: str | None = None
    workload: Workload | None = None
    nano: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # the same amounts in integer nano-units (quantities have at most nano precision;
        # anything finer is rounded up), so that totals are integer sums
        self.nano = {k: -((-v.numerator * NANO) // v.denominator) for k, v in self.usage.items()}


@dataclass(slots=True)
class Claim:
    """One PersistentVolumeClaim that exists ``count`` times at the maximum.

    Attributes:
        doc, path: where it is written (``path`` points at its storage request, or the
            nearest existing field).
        pvc: the claim as the API server would receive it (namespace, class defaulted).
        count: copies at the maximum (replicas of its StatefulSet or pods of its workload).
        label: e.g. ``volumeClaimTemplate workspace of StatefulSet db``.
        why: where ``count`` comes from.
        source: ``object``, ``volumeClaimTemplate`` or ``ephemeral``.
        storage_class: after defaulting ("" for none).
        class_defaulted: the class came from the default StorageClass.
    """

    doc: "Document"
    path: Path
    pvc: dict[str, Any]
    count: int
    label: str
    why: str
    source: str
    storage_class: str
    class_defaulted: bool = False


@dataclass(slots=True)
class Unknown:
    """Something that creates pods the checked set cannot size; ``count`` is their number
    when known (an HPA's ``maxReplicas``) while their size is not."""

    doc: "Document"
    path: Path
    message: str
    count: int | None = None


@dataclass(slots=True)
class QuotaView:
    """A ResourceQuota and the entries charged to it.

    Attributes:
        doc, name: the quota.
        hard: ``spec.hard`` parsed (names whose quantity does not parse are left out).
        norm: the quota as the admission plugin sees it after the controller's first sync
            (``status.hard = spec.hard``), for scope matching.
        scoped: it has ``scopes`` or a ``scopeSelector``.
        entries: the entries charged to it.
        bad_scopes: its scope selector cannot be evaluated (the API would refuse it).
    """

    doc: "Document"
    name: str
    hard: dict[str, "Quantity"]
    norm: dict[str, Any]
    scoped: bool
    entries: list[Entry] = field(default_factory=list)
    bad_scopes: bool = False
    _totals: dict[tuple[str, ...] | None, dict[str, Fraction]] = field(default_factory=dict)

    def total(self, sources: tuple[str, ...] | None = None) -> dict[str, Fraction]:
        """Sum over the charged entries (only those of ``sources`` when given) of usage x
        count, for every hard name (0 when nothing charges it). Computed once per
        ``sources``; do not mutate the result."""
        hit = self._totals.get(sources)
        if hit is not None:
            return hit
        sums = dict.fromkeys(self.hard, 0)
        for e in self.entries:
            if sources is not None and e.source not in sources:
                continue
            n = e.count
            for k, v in e.nano.items():
                if k in sums:
                    sums[k] += v * n
        out = {k: Fraction(v, NANO) for k, v in sums.items()}
        self._totals[sources] = out
        return out


@dataclass(slots=True)
class NamespaceDemand:
    """One namespace: its quotas, the entries, claims and what cannot be sized."""

    name: str
    quotas: list[QuotaView] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)


def demand(ctx: "Context") -> dict[str, NamespaceDemand]:
    """namespace -> :class:`NamespaceDemand` for every namespace with a quota, a claim or a
    workload (cached per check run)."""
    out = ctx.cache.get(("quota", "demand"))
    if out is None:
        out = ctx.cache[("quota", "demand")] = _build(ctx)
    return out


def frac(q: "Quantity") -> Fraction:
    return q.value


def fmt(value: Fraction, like: "Quantity | None" = None) -> str:
    """An exact amount printed as a Kubernetes quantity, in the format of ``like``."""
    from provisor.quantity import Quantity

    return str(Quantity.from_value(value, like.format if like is not None else "DecimalSI"))


def pct(x: Fraction | float) -> str:
    return f"{float(x) * 100:.0f}%"


# -- building -----------------------------------------------------------------------------


def node_count(ctx: "Context") -> int | None:
    """Nodes known to the check: Node objects, else ``settings.nodes`` entries; None when
    neither is given."""
    n = len(ctx.kind("Node"))
    if n:
        return n
    nodes = getattr(ctx.settings, "nodes", None)
    if nodes:
        return len(nodes)
    return None


def default_storage_class(ctx: "Context") -> str | None:
    """The StorageClass the DefaultStorageClass admission plugin gives a claim without one:
    among the classes annotated as default, the newest by ``creationTimestamp``, ties broken
    by name (``pkg/volume/util/storageclass.go``, ``GetDefaultClass``); None when there is
    none among the objects."""
    key = ("quota", "default_class")
    if key in ctx.cache:
        return ctx.cache[key]
    candidates: list[tuple[str, str]] = []
    for d in ctx.kind("StorageClass"):
        ann = dig(d.obj, "metadata", "annotations")
        if isinstance(ann, dict) and any(ann.get(a) == "true" for a in _DEFAULT_CLASS_ANNOTATIONS):
            ts = dig(d.obj, "metadata", "creationTimestamp")
            candidates.append((str(ts or ""), name_of(d.obj)))
    best = None
    if candidates:
        # newest first; RFC 3339 timestamps of one format sort as text; then name ascending
        candidates.sort(key=lambda c: c[1])
        newest = max(c[0] for c in candidates)
        best = next(c[1] for c in candidates if c[0] == newest)
    ctx.cache[key] = best
    return best


def controlled_by_set(ctx: "Context", obj: dict[str, Any], ns: str) -> bool:
    """``obj`` has a controller ``ownerReference`` naming an object among the checked ones
    (a Pod of a ReplicaSet, a ReplicaSet of a Deployment, a Job of a CronJob): its pods are
    counted, and judged, with the owner."""
    owners = dig(obj, "metadata", "ownerReferences")
    if not isinstance(owners, list):
        return False
    for o in owners:
        if isinstance(o, dict) and o.get("controller") and isinstance(o.get("kind"), str) \
                and ctx.get(o["kind"], ns, str(o.get("name", ""))) is not None:
            return True
    return False


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _pods_of(ctx: "Context", w: Workload) -> tuple[int, str, Path, str] | Unknown | None:
    """(count, source, path, why) of ``w``'s pods at the maximum; an Unknown when it cannot
    be sized; None when another object in the set owns it (counted there)."""
    if controlled_by_set(ctx, w.doc.obj, w.namespace):
        return None
    if w.kind in SCALABLE_KINDS:
        best: tuple[int, Any] | None = None
        for h in ctx.hpas_by_target.get((w.kind, w.namespace, w.name), ()):
            mx = _int(dig(h.obj, "spec", "maxReplicas"))
            if mx is not None and (best is None or mx > best[0]):
                best = (mx, h)
        if best is not None:
            return (best[0], "hpa", ("spec", "template"),
                    f"HPA {name_of(best[1].obj)} maxReplicas")
        n = w.replicas if w.replicas is not None else 1
        return (n, "replicas", ("spec", "replicas"),
                "spec.replicas" if w.replicas is not None else "spec.replicas unset: 1")
    if w.kind == "DaemonSet":
        nodes = node_count(ctx)
        if nodes is None:
            return Unknown(w.doc, ("spec", "template"),
                           f"{describe(w)} runs one pod per node, and no nodes are given "
                           f"(Node objects or settings.nodes): its pods are not counted")
        return (nodes, "replicas", ("spec", "template"), "one per node")
    if w.kind in ("Job", "CronJob"):
        spec = dig(w.doc.obj, "spec") if w.kind == "Job" else \
            dig(w.doc.obj, "spec", "jobTemplate", "spec")
        spec = spec if isinstance(spec, dict) else {}
        par = _int(spec.get("parallelism"))
        par = 1 if par is None else par
        comp = _int(spec.get("completions"))
        n = min(par, comp) if comp is not None else par
        base: Path = ("spec",) if w.kind == "Job" else ("spec", "jobTemplate", "spec")
        return (n, "replicas", (*base, "parallelism"),
                "parallelism" + ("" if spec.get("parallelism") is not None else " unset: 1")
                + (", capped by completions" if comp is not None and comp < par else ""))
    if w.kind == "PodTemplate":
        if w.max_concurrency is None:
            return Unknown(w.doc, ("metadata",),
                           f"{describe(w)} has no provisor.dev/max-concurrency annotation: the "
                           f"pods started from it are not counted")
        return (w.max_concurrency, "agent", ("metadata", "annotations"),
                "provisor.dev/max-concurrency")
    return (1, "replicas", (), "one pod")


def _usage(obj: dict[str, Any]) -> dict[str, Fraction] | None:
    from provisor.k8s import quota

    try:
        return {k: v.value for k, v in quota.usage(obj).items()}
    except Exception:  # a malformed object: the schema check reports it
        return None


def _pod_key(pod: dict[str, Any]) -> str:
    """Everything of a pod (as built from a template: no status) that its quota usage
    depends on: each container's resources (init containers with their restartPolicy),
    pod-level resources and overhead."""
    spec = pod.get("spec") or {}
    return repr((
        [c.get("resources") for c in spec.get("containers") or () if isinstance(c, dict)],
        [(c.get("resources"), c.get("restartPolicy")) for c in spec.get("initContainers") or ()
         if isinstance(c, dict)],
        spec.get("resources"), spec.get("overhead")))


def _pod_usage(ctx: "Context", pod: dict[str, Any]) -> dict[str, Fraction] | None:
    """``_usage`` of a template-built pod, shared between pods with the same resources."""
    store = ctx.cache.setdefault(("quota", "pod_usage"), {})
    key = _pod_key(pod)
    if key in store:
        return store[key]
    u = store[key] = _usage(pod)
    return u


def _claim_obj(template: dict[str, Any], name: str, ns: str, default_class: str | None
               ) -> tuple[dict[str, Any], str, bool]:
    meta = template.get("metadata")
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta["name"] = name
    meta["namespace"] = ns
    spec = template.get("spec")
    spec = dict(spec) if isinstance(spec, dict) else {}
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec}
    return _with_class(pvc, default_class)


def _with_class(pvc: dict[str, Any], default_class: str | None) -> tuple[dict[str, Any], str, bool]:
    """The claim after the DefaultStorageClass plugin, its class, and whether it was set
    there. A claim "has a class" when it has the beta annotation or ``storageClassName`` is
    present, even empty (``PersistentVolumeClaimHasClass``)."""
    ann = dig(pvc, "metadata", "annotations")
    raw_spec = pvc.get("spec")
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    if isinstance(ann, dict) and _BETA_CLASS_ANNOTATION in ann:
        return pvc, str(ann[_BETA_CLASS_ANNOTATION] or ""), False
    if "storageClassName" in spec and spec["storageClassName"] is not None:
        return pvc, str(spec["storageClassName"] or ""), False
    if default_class:
        new = dict(pvc)
        new["spec"] = {**spec, "storageClassName": default_class}
        return new, default_class, True
    return pvc, "", False


_STORAGE = ("spec", "resources", "requests", "storage")


def _claims_of(ctx: "Context", w: Workload, count: int, why: str,
               default_class: str | None) -> list[Claim]:
    out: list[Claim] = []
    if w.kind == "StatefulSet":
        vcts = dig(w.doc.obj, "spec", "volumeClaimTemplates")
        for j, t in enumerate(vcts if isinstance(vcts, list) else ()):
            if not isinstance(t, dict):
                continue
            tname = str(dig(t, "metadata", "name") or "")
            pvc, sc, defaulted = _claim_obj(t, f"{tname}-{w.name}-0", w.namespace, default_class)
            out.append(Claim(w.doc, ("spec", "volumeClaimTemplates", j, *_STORAGE), pvc, count,
                             f"volumeClaimTemplate {tname} of {describe(w)}",
                             f"one per replica, {why}", "volumeClaimTemplate", sc, defaulted))
    vols = w.pod_spec.get("volumes")
    for j, v in enumerate(vols if isinstance(vols, list) else ()):
        t = dig(v, "ephemeral", "volumeClaimTemplate")
        if not isinstance(t, dict):
            continue
        vname = str(v.get("name", ""))
        pvc, sc, defaulted = _claim_obj(t, f"{w.name}-{vname}", w.namespace, default_class)
        out.append(Claim(w.doc, (*w.spec_path, "volumes", j, "ephemeral", "volumeClaimTemplate",
                                 *_STORAGE), pvc, count,
                         f"ephemeral volume {vname} of {describe(w)}", f"one per pod, {why}",
                         "ephemeral", sc, defaulted))
    return out


def _assumed_entry(ctx: "Context", d: "Document", ns: str, kind: str, name: str,
                   count: int | None) -> Entry | None:
    """The pods of an HPA target outside the set, from the HPA's
    ``provisor.dev/assumed-pod-resources`` annotation (``provisor.conventions``): one pod of
    ``containers`` identical containers, admitted like any pod of the namespace (API defaults,
    LimitRanger), ``count`` (maxReplicas) times. None without a usable annotation."""
    import json

    from provisor.conventions import ANNOTATION_ASSUMED_POD_RESOURCES
    from provisor.k8s import AdmissionError
    from provisor.k8s.defaults import default_pod
    from provisor.k8s.limitranger import admit_pod

    raw = dig(d.obj, "metadata", "annotations", ANNOTATION_ASSUMED_POD_RESOURCES)
    if not isinstance(raw, str) or count is None:
        return None
    try:
        spec = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(spec, dict):
        return None
    n = spec.get("containers", 1)
    res = {k: spec[k] for k in ("requests", "limits") if isinstance(spec.get(k), dict)}
    if not isinstance(n, int) or isinstance(n, bool) or n < 1 or not res:
        return None
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": f"{name}-assumed", "namespace": ns},
           "spec": {"containers": [{"name": f"c{i}", "image": "assumed", "resources": res}
                                   for i in range(n)]}}
    try:
        pod = admit_pod(ctx.stored_limit_ranges(ns), default_pod(pod))
    except (AdmissionError, ValueError):
        return None
    u = _pod_usage(ctx, pod)
    if u is None:
        return None
    hpa_name = name_of(d.obj)
    return Entry(doc=d, path=("metadata", "annotations", ANNOTATION_ASSUMED_POD_RESOURCES),
                 label=f"{object_text(kind, ns, name)} (assumed by HPA {hpa_name})",
                 why=f"HPA {hpa_name} maxReplicas, pods as its "
                     f"{ANNOTATION_ASSUMED_POD_RESOURCES} annotation says",
                 source="hpa", obj=pod, kind="pod", usage=u, count=count)


def _quota_view(d: "Document") -> QuotaView | None:
    from provisor.quantity import Quantity

    obj = d.obj
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    raw = spec.get("hard")
    hard: dict[str, Quantity] = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            try:
                hard[str(k)] = Quantity.unmarshal(v)
            except (ValueError, TypeError):
                continue
    norm = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": obj.get("metadata") or {},
            "spec": spec, "status": {"hard": dict(raw) if isinstance(raw, dict) else {}}}
    scoped = bool(spec.get("scopes")) or spec.get("scopeSelector") is not None
    return QuotaView(doc=d, name=name_of(obj), hard=hard, norm=norm, scoped=scoped)


def _build(ctx: "Context") -> dict[str, NamespaceDemand]:
    from provisor.k8s.quota import PersistentVolumeClaimEvaluator, PodEvaluator

    out: dict[str, NamespaceDemand] = {}

    def ns_of(name: str) -> NamespaceDemand:
        nd = out.get(name)
        if nd is None:
            nd = out[name] = NamespaceDemand(name)
        return nd

    for ns, qdocs in ctx.quotas.items():
        nd = ns_of(ns)
        for d in qdocs:
            if isinstance(d.obj, dict):
                qv = _quota_view(d)
                if qv is not None:
                    nd.quotas.append(qv)
    default_class = default_storage_class(ctx)

    # workloads: pods and their claims
    for w in ctx.workloads:
        nd = ns_of(w.namespace)
        sized = _pods_of(ctx, w)
        if sized is None:
            continue
        if isinstance(sized, Unknown):
            nd.unknown.append(sized)
            continue
        count, source, path, why = sized
        nd.claims.extend(_claims_of(ctx, w, count, why, default_class))
        if not nd.quotas:
            continue
        adm = ctx.admitted(w)
        if adm.bad_quantity:
            continue
        u = _pod_usage(ctx, adm.pod)
        if u is None:
            continue
        nd.entries.append(Entry(doc=w.doc, path=path, label=describe(w), why=why, source=source,
                                obj=adm.pod,
                                kind="pod", usage=u, count=count,
                                agent=w.name if source == "agent" else None, workload=w))

    # HPAs whose pods cannot be sized
    for d in ctx.kind("HorizontalPodAutoscaler"):
        ref = dig(d.obj, "spec", "scaleTargetRef")
        if not isinstance(ref, dict):
            continue
        ns = namespace_of(d.obj)
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        if ctx.workload(kind, ns, name) is not None:
            continue
        mx = dig(d.obj, "spec", "maxReplicas")
        assumed = _assumed_entry(ctx, d, ns, kind, name, _int(mx))
        if assumed is not None:
            ns_of(ns).entries.append(assumed)
            continue
        what = ("is not among the checked manifests" if ctx.get(kind, ns, name) is None
                else "has no pod template this check can read")
        ns_of(ns).unknown.append(Unknown(
            d, ("spec", "scaleTargetRef", "name"),
            f"HPA {name_of(d.obj)} scales {object_text(kind, ns, name)} up to maxReplicas "
            f"{mx}, but that target {what}: the requests and limits of its pods are unknown, "
            f"so its maximum demand is not counted", count=_int(mx)))

    # claims written as objects, and every other namespaced object (only where a quota
    # counts objects)
    counted: dict[str, bool] = {}
    for d in ctx.documents:
        if d.type != "kubernetes" or not isinstance(d.obj, dict):
            continue
        obj_kind = d.obj.get("kind")
        if not isinstance(obj_kind, str) or obj_kind in CLUSTER_SCOPED or obj_kind == "Pod":
            continue
        ns = namespace_of(d.obj)
        if obj_kind == "PersistentVolumeClaim":
            pvc, sc, defaulted = _with_class(d.obj, default_class)
            ns_of(ns).claims.append(Claim(d, _STORAGE, pvc, 1, object_text(
                                          "PersistentVolumeClaim", ns, name_of(d.obj)), "an object",
                                          "object", sc, defaulted))
            continue
        ns_demand = out.get(ns)
        if ns_demand is None or not ns_demand.quotas:
            continue
        counts = counted.get(ns)
        if counts is None:
            counts = counted[ns] = any(k.startswith("count/") or k in _OBJECT_KEYS
                                       for qv in ns_demand.quotas for k in qv.hard)
        if not counts or controlled_by_set(ctx, d.obj, ns):
            continue
        u = _usage(d.obj)
        if u:
            ns_demand.entries.append(Entry(
                doc=d, path=(), label=f"{obj_kind} {name_of(d.obj)}", why="an object",
                source="object", obj=d.obj, kind="object", usage=u, count=1))

    # claims are charged too
    for nd in out.values():
        if not nd.quotas:
            continue
        for c in nd.claims:
            u = _usage(c.pvc)
            if u is not None:
                nd.entries.append(Entry(doc=c.doc, path=c.path, label=c.label, why=c.why,
                                        source="claim", obj=c.pvc, kind="claim", usage=u,
                                        count=c.count))

    # which entries each quota is charged
    pod_ev, pvc_ev = PodEvaluator(), PersistentVolumeClaimEvaluator()
    for nd in out.values():
        for qv in nd.quotas:
            names = set(qv.hard)
            for e in nd.entries:
                if not names.intersection(e.usage):
                    continue
                if e.kind == "object":
                    if not qv.scoped:
                        qv.entries.append(e)
                    continue
                ev = pod_ev if e.kind == "pod" else pvc_ev
                try:
                    ok = ev.matches(qv.norm, e.obj)
                except Exception:
                    qv.bad_scopes = True
                    ok = False
                if ok:
                    qv.entries.append(e)
    return out


def class_of_key(key: str) -> tuple[str, str] | None:
    """``("fast-ssd", "requests.storage")`` for ``fast-ssd.storageclass.storage.k8s.io/
    requests.storage``; None for a key without a storage class."""
    if STORAGE_CLASS_INFIX not in key:
        return None
    sc, _, rest = key.partition(STORAGE_CLASS_INFIX)
    return sc, rest


@dataclass(slots=True)
class Load:
    """One hard name of a quota at the maximum: ``demand`` against ``hard``; ``ratio`` is
    demand/hard (None for 0/0, ``inf`` when hard is 0 and something is charged)."""

    key: str
    demand: Fraction
    hard: "Quantity"
    ratio: float | None
    hard_text: str = ""

    @property
    def text(self) -> str:
        return f"{self.key} {fmt(self.demand, self.hard)} of {self.hard_text or self.hard}" + (
            f" ({pct(self.ratio)})" if self.ratio is not None and self.ratio != float("inf")
            else "")


def loads(qv: QuotaView, sources: tuple[str, ...] | None = None) -> list[Load]:
    """Every hard name with its demand, highest demand/hard first (the first one binds
    first), then by name."""
    total = qv.total(sources)
    out: list[Load] = []
    for k, h in qv.hard.items():
        d = total.get(k, Fraction(0))
        hv = h.value
        if hv > 0:
            ratio: float | None = float(d / hv)
        elif d > 0:
            ratio = float("inf")
        else:
            ratio = None
        raw = (qv.norm.get("status") or {}).get("hard", {}).get(k)
        out.append(Load(k, d, h, ratio, str(raw).strip() if raw is not None else str(h)))
    out.sort(key=lambda ld: (-(ld.ratio if ld.ratio is not None else -1.0), ld.key))
    return out


def contributors(qv: QuotaView, key: str, limit: int = 4,
                 sources: tuple[str, ...] | None = None) -> str:
    """The largest charges to ``key``: ``Deployment ns/api (HPA api maxReplicas): 10 × 500m
    = 5; ...``."""
    like = qv.hard.get(key)
    parts: list[tuple[int, int, Entry]] = []
    for i, e in enumerate(qv.entries):
        if sources is not None and e.source not in sources:
            continue
        v = e.nano.get(key)
        if v:
            parts.append((-v * e.count, i, e))
    parts.sort()
    more = len(parts) - limit
    text = "; ".join(f"{e.label} ({e.why}): {e.count} × {fmt(e.usage[key], like)} = "
                     f"{fmt(e.usage[key] * e.count, like)}" for _n, _i, e in parts[:limit])
    return text + (f"; and {more} more" if more > 0 else "")


def tracks_pods(qv: QuotaView) -> bool:
    """The quota has a hard name the pod evaluator charges."""
    from provisor.k8s.quota import PodEvaluator

    return bool(PodEvaluator().matching_resources(list(qv.hard)))


def default_pod_usage(ctx: "Context", ns: str) -> tuple[str, dict[str, Fraction]] | None:
    """What a one-container pod that sets no resources is charged after the namespace's
    LimitRange defaults, with a description of the defaults (``requests cpu 1, memory 4Gi;
    limits ...``, values as the LimitRange writes them); None without defaults. Cached per
    namespace."""
    store = ctx.cache.setdefault(("quota", "default_pod_usage"), {})
    if ns in store:
        return store[ns]
    out = store[ns] = _default_pod_usage(ctx, ns)
    return out


def _default_pod_usage(ctx: "Context", ns: str) -> tuple[str, dict[str, Fraction]] | None:
    from provisor.k8s import quota
    from provisor.k8s.limitranger import default_pod

    lrs = ctx.stored_limit_ranges(ns)
    if not lrs:
        return None
    reqs, lims = default_container_requirements_of(lrs)
    if not reqs and not lims:
        return None
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": "estimate", "namespace": ns},
                           "spec": {"containers": [{"name": "c", "image": "-"}]}}
    try:
        usage = quota.usage(default_pod(lrs, pod))
    except (ValueError, TypeError):
        return None
    desc = "; ".join(part for part in (
        "requests " + ", ".join(f"{k} {v}" for k, v in sorted(reqs.items())) if reqs else "",
        "limits " + ", ".join(f"{k} {v}" for k, v in sorted(lims.items())) if lims else "")
        if part)
    return desc, {k: v.value for k, v in usage.items()}
