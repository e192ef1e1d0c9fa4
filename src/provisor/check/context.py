"""What every rule sees: the documents under check, indexed, plus settings.

``Context`` is built once per run. It indexes Kubernetes objects by kind and by
(kind, namespace, name), and derives the views rules share so they are computed once:
workloads with their pod templates, LimitRanges and ResourceQuotas per namespace, HPAs by
target, Prometheus rules and Grafana panels with their PromQL.

Namespaces: an object with ``metadata.namespace`` is judged with the objects of that
namespace. An object that sets none lands in whatever namespace it is applied to, so it is
judged with the objects that would land in the same one (:func:`namespace_of` gives this
*effective* namespace):

1. the files of the nearest enclosing ``kustomization.yaml`` among the checked documents:
   in its ``namespace:`` when it sets one (kustomize writes it into every namespaced
   resource, over a namespace the resource sets itself);
2. else, with ``default_namespace`` (``provisor check -n NS``), that namespace, as
   ``kubectl apply -n NS`` would;
3. else the documents of the same kustomization folder, shown as ``no namespace (judged with
   kustomization <folder>/)``;
4. else the documents of the same file, shown as ``no namespace (judged with <file>)``:
   unrelated files without namespaces (a folder of examples) are not judged against each
   other.

The effective namespace of each object is held by its :class:`Context` (never by a module-wide
table), and :func:`namespace_of` reads that of the Context in use (the one last built, or the
one :meth:`Context.active` makes current). Messages show a namespace with
:func:`namespace_text` / :func:`object_text`. Findings report the namespace the object lands
in when it is known (its own, the kustomization's, ``-n``), else an empty one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from provisor.conventions import ANNOTATION_MAX_CONCURRENCY
from provisor.findings import ObjectRef

if TYPE_CHECKING:
    from provisor.check.config import Settings
    from provisor.manifests import Document

Path = tuple[str | int, ...]

#: Kinds that are not namespaced (the ones a platform bundle meets).
CLUSTER_SCOPED = frozenset(
    {
        "Namespace", "Node", "PriorityClass", "StorageClass", "ClusterRole",
        "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService",
        "RuntimeClass", "IngressClass", "CSIDriver", "VolumeAttachment",
        "ClusterWorkflowTemplate", "PriorityLevelConfiguration", "FlowSchema",
    }
)


@dataclass(slots=True)
class Hit:
    """What a rule reports; the runner turns it into a ``Finding``.

    Attributes:
        doc: the document the finding is about (gives file, line and object), or None.
        message: what is wrong, with the numbers.
        fix: how to fix it, or None.
        path: the field path inside ``doc.obj`` to point at (its line is used), () for the
            document's first line.
        obj: overrides the object reference (e.g. for a rule inside a rule file).
        severity: overrides the rule's default severity for this hit (e.g. a warning where
            a fact could not be confirmed), or None; ``.provisor.yaml`` severities still win.
    """

    doc: "Document | None"
    message: str
    fix: str | None = None
    path: Path = ()
    obj: ObjectRef | None = None
    severity: str | None = None


@dataclass(slots=True)
class Workload:
    """A pod-producing object with its pod template.

    Attributes:
        doc: the source document.
        kind, namespace, name: of the object.
        spec_path: path from the document root to the pod spec (e.g. ``("spec", "template",
            "spec")`` for a Deployment, ``("spec",)`` for a Pod).
        pod_spec: the pod spec dict.
        pod_labels: the labels its pods carry.
        selector: the workload's label selector (``None`` for a Pod / PodTemplate / Job
            without one).
        replicas: ``spec.replicas`` as written, or ``None`` when unset.
        run_to_completion: its pods end on their own (Job, CronJob, a Pod or PodTemplate with
            ``restartPolicy`` Never or OnFailure); such pods never restart in place after
            success, and evicting them loses work.
        restart_policy: the pod's effective ``restartPolicy`` (Always when unset).
        max_concurrency: the ``provisor.dev/max-concurrency`` annotation of a PodTemplate.
    """

    doc: "Document"
    kind: str
    namespace: str
    name: str
    spec_path: Path
    pod_spec: dict[str, Any]
    pod_labels: dict[str, str]
    selector: dict[str, Any] | None
    replicas: int | None
    restart_policy: str
    run_to_completion: bool
    max_concurrency: int | None = None

    @property
    def scalable(self) -> bool:
        """Has a ``/scale`` subresource an HPA can drive."""
        return self.kind in SCALABLE_KINDS

    def containers(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """(path, container) for init containers then containers."""
        for key in ("initContainers", "containers"):
            items = self.pod_spec.get(key)
            if isinstance(items, list):
                for i, c in enumerate(items):
                    if isinstance(c, dict):
                        yield (*self.spec_path, key, i), c


@dataclass(slots=True)
class PodAdmission:
    """A workload's pod as the API server admits it (``Context.admitted``).

    The manifests under check are what a user *sends*; a controller sends the workload's pod.
    The API server's order for a pod CREATE (``staging/src/k8s.io/apiserver/pkg/endpoints/
    handlers/create.go``): decoding with API defaulting (``SetDefaults_Pod``,
    :func:`provisor.k8s.defaults.default_pod`: request = limit where only a limit is set,
    pod-level ``spec.resources`` defaults), mutating admission (the LimitRanger fills
    ``defaultRequest``/``default`` of the namespace's stored LimitRanges,
    :func:`provisor.k8s.limitranger.default_pod`), field validation (422,
    :func:`provisor.k8s.validation.validate_pod_resources`), validating admission (the
    LimitRanger's ``min``/``max``/``maxLimitRequestRatio``, 403,
    :func:`provisor.k8s.limitranger.pod_limit_errors`; then ResourceQuota).

    Every step is computed, whatever the earlier ones found, so that each rule can judge its
    own; the API itself would stop at the first refusal.

    Attributes:
        pod: after API defaulting and LimitRanger defaulting (what validation, the
            LimitRanger's validation, quota and the scheduler judge).
        sent: after API defaulting only (what the workload's template yields).
        limitranger_error: the LimitRanger's refusal (``pods "x" is forbidden: ...``), or None.
        limitranger_detail: the same without the ``pods "x" is forbidden: `` prefix.
        bad_quantity: why the pod cannot be judged (a malformed quantity or resources of the
            wrong shape, which the schema check reports), or None; then ``pod`` and ``sent``
            are the pod as sent and nothing else is computed.
        field_errors: the 422 field errors of ``pod`` (requests against limits), computed on
            first access; empty when the pod cannot be judged.
    """

    pod: dict[str, Any]
    sent: dict[str, Any]
    limitranger_error: str | None = None
    limitranger_detail: str | None = None
    bad_quantity: str | None = None
    _field_errors: list[str] | None = None

    @property
    def field_errors(self) -> list[str]:
        if self._field_errors is None:
            from provisor.k8s.validation import validate_pod_resources

            errs: list[str] = []
            if self.bad_quantity is None:
                try:
                    errs = validate_pod_resources(self.pod)
                except (ValueError, TypeError, AttributeError):
                    errs = []
            self._field_errors = errs
        return self._field_errors


def workload_pod(w: Workload) -> dict[str, Any]:
    """The Pod a workload's controller sends (before API defaulting): named after the
    workload, in its namespace, with the template's labels and annotations and the pod spec
    (shared, not copied)."""
    if w.kind != "Pod":
        ann = dig(w.doc.obj, *w.spec_path[:-1], "metadata", "annotations")
    else:
        ann = dig(w.doc.obj, "metadata", "annotations")
    meta: dict[str, Any] = {"name": w.name, "namespace": w.namespace,
                            "labels": dict(w.pod_labels)}
    if isinstance(ann, dict):
        meta["annotations"] = dict(ann)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": w.pod_spec}


def _admit(ctx: "Context", w: Workload) -> PodAdmission:
    from provisor.k8s.defaults import default_pod
    from provisor.k8s.limitranger import aggregate_message, forbidden_message, pod_limit_errors
    from provisor.k8s.limitranger import default_pod as limitranger_defaults

    problem = _malformed(w.pod_spec)
    if problem:
        pod = workload_pod(w)
        return PodAdmission(pod=pod, sent=pod, bad_quantity=problem)
    sent = workload_pod(w)
    try:
        sent = default_pod(sent)
        lrs = ctx.stored_limit_ranges(w.namespace)
        pod = limitranger_defaults(lrs, sent) if lrs else sent
        out = PodAdmission(pod=pod, sent=sent)
        for lr in lrs:
            errs = pod_limit_errors(lr, pod)
            if errs:
                detail = aggregate_message(errs)
                out.limitranger_detail = detail
                out.limitranger_error = forbidden_message("pods", pod, detail)
                break
        return out
    except (ValueError, TypeError, AttributeError) as exc:  # QuantityError is a ValueError
        return PodAdmission(pod=sent, sent=sent, bad_quantity=str(exc))


def _scalar_map(v: Any) -> bool:
    """A mapping of resource names to quantities the API server can decode (strings or
    numbers that ``resource.Quantity`` parses; a malformed one is the schema's finding)."""
    from provisor.quantity import Quantity

    if not isinstance(v, dict):
        return False
    for k, q in v.items():
        if not isinstance(k, str) or isinstance(q, bool) or not isinstance(q, (str, int, float)):
            return False
        try:
            Quantity.unmarshal(q)
        except (ValueError, TypeError, OverflowError):  # QuantityError is a ValueError
            return False
    return True


def _malformed(spec: dict[str, Any]) -> str | None:
    """Why a pod spec cannot be judged for resources (a container that is not a mapping,
    resources or requests/limits of the wrong shape or holding a quantity that does not
    parse), or None."""
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            return f"{key} is not a list"
        for c in items:
            if not isinstance(c, dict):
                return f"a {key} entry is not a mapping"
            res = c.get("resources")
            if res is None:
                continue
            if not isinstance(res, dict):
                return "resources is not a mapping"
            for part in ("requests", "limits"):
                if res.get(part) is not None and not _scalar_map(res[part]):
                    return f"resources.{part} is not a mapping of quantities"
    for part in ("resources", "overhead"):
        v = spec.get(part)
        if v is None:
            continue
        if part == "overhead":
            if not _scalar_map(v):
                return "overhead is not a mapping of quantities"
        elif not isinstance(v, dict) or any(
                v.get(x) is not None and not _scalar_map(v[x]) for x in ("requests", "limits")):
            return "spec.resources is malformed"
    return None


#: Built-in kinds with a scale subresource (the HPA and the VPA can target them).
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})

_TEMPLATE_PATHS: dict[str, Path] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "PodTemplate": ("template",),
}


#: The effective-namespace table of the Context in use: ``id(obj)`` -> (obj, namespace) for
#: the namespaced objects that set none (the object is kept so that its id stays its own).
_ACTIVE: ContextVar[dict[int, tuple[Any, str]] | None] = ContextVar(
    "provisor_check_scopes", default=None)

#: How an effective namespace that is not a real one begins (a real namespace is a DNS label,
#: so it never contains a space).
UNSET_PREFIX = "no namespace (judged with "


def is_unset(namespace: str) -> bool:
    """Whether ``namespace`` stands for "no namespace, judged with these files" rather than a
    namespace of the cluster."""
    return namespace.startswith(UNSET_PREFIX)


def namespace_of(obj: dict[str, Any]) -> str:
    """The namespace ``obj`` is judged in under the Context in use (module docstring): the
    ``namespace:`` of its kustomization when that sets one (kustomize writes it over the
    object's own), else ``metadata.namespace``, else its effective namespace, else ``""``
    (cluster-scoped, or not part of any Context)."""
    scopes = _ACTIVE.get()
    hit = scopes.get(id(obj)) if scopes is not None else None
    if hit is not None and hit[0] is obj:
        return hit[1]
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        ns = meta.get("namespace")
        if isinstance(ns, str) and ns:
            return ns
    return ""


def landing_namespace(obj: dict[str, Any]) -> str:
    """The namespace ``obj`` would land in when applied as checked: :func:`namespace_of` when
    that is a namespace of the cluster, ``""`` when it is not known (no namespace, no ``-n``)."""
    ns = namespace_of(obj)
    return "" if is_unset(ns) else ns


def namespace_text(namespace: str) -> str:
    """``namespace x`` for a namespace, the effective-namespace text as it is otherwise
    (``no namespace (judged with m.yaml)``); for messages."""
    if is_unset(namespace):
        return namespace
    return f"namespace {namespace or 'default'}"


def in_namespace_text(namespace: str) -> str:
    """``in namespace x``, or ``with no namespace (judged with m.yaml)``; for messages
    (``no workloads in namespace x``)."""
    return f"with {namespace}" if is_unset(namespace) else f"in {namespace_text(namespace)}"


def object_text(kind: str, namespace: str, name: str) -> str:
    """``Deployment x/web``, or ``Deployment web (no namespace, judged with m.yaml)``; for
    messages."""
    if is_unset(namespace):
        return f"{kind} {name} ({namespace.replace(' (judged', ', judged', 1)}"
    return f"{kind} {namespace or 'default'}/{name}" if namespace else f"{kind} {name}"


def _display_path(path: str) -> str:
    import os

    if path in ("", "-"):
        return "stdin"
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _effective_namespaces(documents: list["Document"], default: str | None
                          ) -> tuple[dict[int, tuple[Any, str]], dict[str, str]]:
    """(``id(obj)`` -> (obj, effective namespace) for the namespaced objects that set none,
    effective "no namespace" texts -> the absolute file or folder (ending in a separator)
    they stand for)."""
    import os

    kustomizations: dict[str, str | None] = {}
    for d in documents:
        if (d.type == "kubernetes" and d.obj.get("kind") in ("Kustomization", "Component")
                and str(d.obj.get("apiVersion", "")).startswith("kustomize.config.k8s.io/")
                and d.file not in ("", "-")):
            ns = d.obj.get("namespace")
            kustomizations[os.path.dirname(os.path.abspath(d.file))] = (
                ns if isinstance(ns, str) and ns else None)
    out: dict[int, tuple[Any, str]] = {}
    roots: dict[str, str] = {}
    for d in documents:
        if d.type != "kubernetes":
            continue
        obj = d.obj
        kind = obj.get("kind")
        if not isinstance(kind, str) or kind in CLUSTER_SCOPED:
            continue
        if str(obj.get("apiVersion", "")).startswith("kustomize.config.k8s.io/"):
            continue
        meta = obj.get("metadata")
        own = isinstance(meta, dict) and isinstance(meta.get("namespace"), str) and bool(
            meta["namespace"])
        scope: str | None = None
        if kustomizations and d.file not in ("", "-"):
            folder = os.path.dirname(os.path.abspath(d.file))
            while True:
                if folder in kustomizations:
                    ns = kustomizations[folder]
                    if own:  # kustomize's namespace: replaces the object's own
                        scope = ns or ""
                        break
                    scope = ns or default
                    if scope is None:
                        scope = f"{UNSET_PREFIX}kustomization {_display_path(folder)}/)"
                        roots[scope] = folder + os.sep
                    break
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent
        if own:
            if scope:
                out[id(obj)] = (obj, scope)
            continue
        if scope is None:
            scope = default
            if scope is None:
                scope = f"{UNSET_PREFIX}{d.file if d.file not in ('', '-') else 'stdin'})"
                roots[scope] = os.path.abspath(d.file) if d.file not in ("", "-") else "-"
        out[id(obj)] = (obj, scope)
    return out, roots


def exact_key(value: Any) -> str | None:
    """A memo key that tells apart every two values a computation could tell apart: the
    JSON text of ``value`` (sorted keys) when it is plain JSON whose mapping keys are all
    strings (``json.dumps`` would write ``{1: x}`` and ``{"1": x}``, or ``True`` and
    ``"true"`` keys, alike), else None (do not memoise)."""
    import json

    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                return None
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif not (v is None or isinstance(v, (str, int, float))):
            return None
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return None


def name_of(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        n = meta.get("name")
        if isinstance(n, str):
            return n
    return ""


def dig(obj: Any, *path: str | int) -> Any:
    """``obj[p0][p1]...`` or None when any step is missing or of the wrong type."""
    cur = obj
    for p in path:
        if isinstance(p, int):
            if not isinstance(cur, list) or not -len(cur) <= p < len(cur):
                return None
        elif not isinstance(cur, dict):
            return None
        else:
            if p not in cur:
                return None
        cur = cur[p]
    return cur


def map_at(obj: Any, *path: str | int) -> dict[str, Any]:
    """:func:`dig`, or ``{}`` when the value there is missing or not a mapping (the schema
    check reports the wrong type; a rule reads what it can)."""
    v = dig(obj, *path)
    return v if isinstance(v, dict) else {}


def list_at(obj: Any, *path: str | int) -> list[Any]:
    """:func:`dig`, or ``[]`` when the value there is missing or not a list."""
    v = dig(obj, *path)
    return v if isinstance(v, list) else []


@dataclass
class Context:
    """The documents under check and the derived views rules share.

    Attributes:
        documents: every loaded document, in the canonical order (by file path, then position in
            the file), whatever the order of the paths given.
        settings: thresholds and switches from ``.provisor.yaml`` (defaults otherwise).
        default_namespace: the namespace of objects that set none and are not grouped by a
            kustomization (``provisor check -n``); None judges each file on its own.
        kubernetes_version: the Kubernetes version under check as given (``provisor check
            --kubernetes-version``), None when not given (a current release is assumed).
        profile: the check's profile (``minimal``, ``default``, ``strict``).
        cache: the per-run cache for results rule families share (per namespace, per
            workload...). Keys are tuples starting with the family that fills them, e.g.
            ``("quota", "demand")``; lives as long as the Context (one check run).

    A workload's pod as the API server admits it is :meth:`admitted` (the one path for it);
    the namespace's LimitRanges as stored are :meth:`stored_limit_ranges`.
    """

    documents: list["Document"]
    settings: "Settings"
    default_namespace: str | None = None
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    kubernetes_version: str | None = None
    #: the ``--profile`` the check runs under (rules whose reach depends on it read it)
    profile: str = "default"
    _index: dict[tuple[str, str, str], "Document"] = field(default_factory=dict, repr=False)
    _admitted: dict[int, "PodAdmission"] = field(default_factory=dict, repr=False)
    _stored_limit_ranges: dict[str, list[dict[str, Any]]] | None = field(
        default=None, repr=False)

    def __post_init__(self) -> None:
        # One canonical order, whatever the order of the paths and of the files inside
        # folders: by file, then by position in the file.
        self.documents = sorted(self.documents, key=_doc_order)
        self._scopes, self._scope_roots = _effective_namespaces(
            self.documents, self.default_namespace)
        _ACTIVE.set(self._scopes)
        by_kind: dict[str, list[Document]] = defaultdict(list)
        for d in self.documents:
            if d.type == "kubernetes" and not d.meta.get("kustomize_patch"):
                # A kustomize patch is part of an object, merged into its base by
                # `kustomize build`; rules judge whole objects (check the build's output).
                obj = d.obj
                kind = obj.get("kind")
                if isinstance(kind, str):
                    by_kind[kind].append(d)
                    self._index.setdefault((kind, namespace_of(obj), name_of(obj)), d)
        # What controllers generate from the set (KEDA's HPAs and Jobs), judged alike.
        from provisor.check.generated import generate

        for g, ns in generate(by_kind, namespace_of):
            if not name_of(g.obj) or not isinstance(g.obj.get("metadata"), dict) \
                    or not g.obj["metadata"].get("namespace"):
                self._scopes[id(g.obj)] = (g.obj, ns)
            by_kind[g.kind].append(g)
            self._index.setdefault((g.kind, ns, name_of(g.obj)), g)
        self.by_kind: dict[str, list[Document]] = dict(by_kind)

    def in_scope(self, namespace: str, file: str) -> bool:
        """Whether a cluster-scoped object from ``file`` (a PriorityClass, a Node) belongs
        with the objects of ``namespace``: always for a real namespace; for an
        effective "no namespace" one, when ``file`` is that file or inside that kustomization
        folder (unrelated files without namespaces are not judged against each other)."""
        root = self._scope_roots.get(namespace)
        if root is None:
            return True
        import os

        path = os.path.abspath(file) if file not in ("", "-") else "-"
        return path == root or (root.endswith(os.sep) and path.startswith(root))

    @contextmanager
    def active(self) -> Iterator["Context"]:
        """Make this Context's effective namespaces the ones :func:`namespace_of` reads for
        the duration of the ``with`` block (the runner wraps the rules in it)."""
        token = _ACTIVE.set(self._scopes)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    # -- plain look-ups ---------------------------------------------------------------
    def kind(self, *kinds: str) -> list["Document"]:
        """Documents of the given kinds, in the canonical order."""
        if len(kinds) == 1:
            return self.by_kind.get(kinds[0], [])
        out: list[Document] = []
        for k in kinds:
            out.extend(self.by_kind.get(k, []))
        return out

    def get(self, kind: str, namespace: str, name: str) -> "Document | None":
        """The object of that kind, namespace ("" for cluster-scoped) and name."""
        if kind in CLUSTER_SCOPED:
            namespace = ""
        return self._index.get((kind, namespace, name))

    @staticmethod
    def nearest(docs: list["Document"], file: str) -> list["Document"]:
        """``docs`` ordered by closeness to ``file``: those of the same file first, then by the
        length of the folder path they share with it, then in the canonical order (so that
        when several files define the same object, each is judged with its neighbours,
        whatever the order of the paths)."""
        import os

        if len(docs) < 2:
            return list(docs)
        here = os.path.abspath(file).split(os.sep) if file not in ("", "-") else []

        def closeness(d: "Document") -> tuple[int, int]:
            if d.file == file:
                return (0, 0)
            there = os.path.abspath(d.file).split(os.sep) if d.file not in ("", "-") else []
            common = 0
            for a, b in zip(here[:-1], there[:-1]):
                if a != b:
                    break
                common += 1
            return (1, -common)

        return sorted(docs, key=closeness)  # stable: ties keep the canonical order

    def in_namespace(self, kind: str, namespace: str) -> list["Document"]:
        return [d for d in self.by_kind.get(kind, []) if namespace_of(d.obj) == namespace]

    @cached_property
    def namespaces(self) -> list[str]:
        """Every namespace some namespaced object is in (sorted)."""
        seen = {namespace_of(d.obj) for ds in self.by_kind.values() for d in ds
                if d.obj.get("kind") not in CLUSTER_SCOPED}
        return sorted(seen)

    @cached_property
    def limit_ranges(self) -> dict[str, list[dict[str, Any]]]:
        """namespace -> LimitRange objects."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in self.kind("LimitRange"):
            out[namespace_of(d.obj)].append(d.obj)
        return dict(out)

    @cached_property
    def quotas(self) -> dict[str, list["Document"]]:
        """namespace -> ResourceQuota documents."""
        out: dict[str, list[Document]] = defaultdict(list)
        for d in self.kind("ResourceQuota"):
            out[namespace_of(d.obj)].append(d)
        return dict(out)

    # -- workloads --------------------------------------------------------------------
    @cached_property
    def workloads(self) -> list[Workload]:
        """Every pod-producing object (see ``Workload``), by file and line."""
        out: list[Workload] = []
        for kind, tpath in _TEMPLATE_PATHS.items():
            for d in self.by_kind.get(kind, []):
                w = _workload(d, kind, tpath)
                if w is not None:
                    out.append(w)
        for d in self.by_kind.get("Pod", []):
            spec = d.obj.get("spec")
            if isinstance(spec, dict):
                labels = dig(d.obj, "metadata", "labels")
                rp = spec.get("restartPolicy") or "Always"
                out.append(Workload(
                    doc=d, kind="Pod", namespace=namespace_of(d.obj), name=name_of(d.obj),
                    spec_path=("spec",), pod_spec=spec,
                    pod_labels=labels if isinstance(labels, dict) else {},
                    selector=None, replicas=None, restart_policy=rp,
                    run_to_completion=rp in ("Never", "OnFailure")))
        out.sort(key=lambda w: (w.doc.file, w.doc.line))
        return out

    @cached_property
    def argo_workloads(self) -> list[Workload]:
        """One Workload per container or script template of the Argo Workflows,
        WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows (``argoproj.io``):
        kind ``Workflow`` etc., name ``<workflow>/<template>``. Argo creates every step's pod
        with ``restartPolicy: Never`` (argoproj/argo-workflows
        workflow/controller/workflowpod.go); a retry (``retryStrategy``) is a new pod, never an
        in-place restart. They answer "does it restart?"; quota and PDB rules do not count
        them (how many pods run at once depends on the DAG and ``parallelism``)."""
        out: list[Workload] = []
        for kind in ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"):
            for d in self.by_kind.get(kind, []):
                if not str(d.obj.get("apiVersion", "")).startswith("argoproj.io/"):
                    continue
                base: Path = ("spec", "workflowSpec") if kind == "CronWorkflow" else ("spec",)
                templates = dig(d.obj, *base, "templates")
                if not isinstance(templates, list):
                    continue
                for i, t in enumerate(templates):
                    if not isinstance(t, dict):
                        continue
                    c = t.get("container") if isinstance(t.get("container"), dict) else (
                        t.get("script") if isinstance(t.get("script"), dict) else None)
                    if c is None:
                        continue
                    labels = dig(t, "metadata", "labels")
                    out.append(Workload(
                        doc=d, kind=kind, namespace=namespace_of(d.obj),
                        name=f"{name_of(d.obj)}/{t.get('name', i)}",
                        spec_path=(*base, "templates", i),
                        pod_spec={"containers": [{"name": "main", **c}],
                                  "restartPolicy": "Never"},
                        pod_labels=labels if isinstance(labels, dict) else {},
                        selector=None, replicas=None, restart_policy="Never",
                        run_to_completion=True))
        return out

    @cached_property
    def workload_index(self) -> dict[tuple[str, str, str], list[Workload]]:
        """(kind, namespace, name) -> the workloads of that identity (more than one when
        several files define it), in the canonical order."""
        out: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        for w in self.workloads:
            out[(w.kind, w.namespace, w.name)].append(w)
        return dict(out)

    def workload(self, kind: str, namespace: str, name: str, near: str | None = None
                 ) -> Workload | None:
        """The workload of that identity; when several files define it, the one nearest to
        the file ``near`` (:meth:`nearest`), else the first in the canonical order."""
        ws = self.workload_index.get((kind, namespace, name))
        if not ws:
            return None
        if near is None or len(ws) == 1:
            return ws[0]
        by_doc = {id(w.doc): w for w in ws}
        return by_doc[id(self.nearest([w.doc for w in ws], near)[0])]

    # -- admission ----------------------------------------------------------------
    def stored_limit_ranges(self, namespace: str) -> list[dict[str, Any]]:
        """The LimitRanges of ``namespace`` as the API server stores them
        (:func:`provisor.k8s.defaults.default_limit_range`), in the canonical order; computed once per
        run."""
        by_ns = self._stored_limit_ranges
        if by_ns is None:
            from provisor.k8s.defaults import default_limit_range

            by_ns = self._stored_limit_ranges = {
                ns: [default_limit_range(lr) for lr in lrs if isinstance(lr, dict)]
                for ns, lrs in self.limit_ranges.items()
            }
        return by_ns.get(namespace, [])

    def admitted(self, w: Workload) -> "PodAdmission":
        """The workload's pod as the API server admits it in its namespace: THE one path for
        it (see :class:`PodAdmission`). Cached per workload."""
        key = id(w)
        hit = self._admitted.get(key)
        if hit is None:
            hit = self._admitted[key] = _admit(self, w)
        return hit

    # -- HPAs -------------------------------------------------------------------------
    @cached_property
    def hpas_by_target(self) -> dict[tuple[str, str, str], list["Document"]]:
        """(kind, namespace, name) of the scale target -> HPAs naming it."""
        out: dict[tuple[str, str, str], list[Document]] = defaultdict(list)
        for d in self.kind("HorizontalPodAutoscaler"):
            ref = dig(d.obj, "spec", "scaleTargetRef")
            if isinstance(ref, dict):
                out[(str(ref.get("kind", "")), namespace_of(d.obj),
                     str(ref.get("name", "")))].append(d)
        return dict(out)

    # -- monitoring -------------------------------------------------------------------
    def alerting_rules(self) -> Iterator[tuple["Document", Path, dict[str, Any], ObjectRef]]:
        """Every Prometheus rule (alerting or recording), from PrometheusRule objects and
        plain rule files: (document, path to the rule, the rule dict, object reference)."""
        for d in self.documents:
            if d.type == "kubernetes" and d.obj.get("kind") == "PrometheusRule":
                base: Path = ("spec", "groups")
                groups = dig(d.obj, "spec", "groups")
                ref = ObjectRef.of(d.obj)
            elif d.type == "prometheus-rules":
                base = ("groups",)
                groups = d.obj.get("groups")
                ref = ObjectRef(kind="RuleFile", name=d.file)
            else:
                continue
            if not isinstance(groups, list):
                continue
            for gi, g in enumerate(groups):
                rules = g.get("rules") if isinstance(g, dict) else None
                if not isinstance(rules, list):
                    continue
                for ri, r in enumerate(rules):
                    if isinstance(r, dict):
                        yield d, (*base, gi, "rules", ri), r, ref

    def ref(self, doc: "Document") -> ObjectRef:
        """The object reference of ``doc`` with the namespace it lands in (see
        :func:`landing_namespace`)."""
        ref = ObjectRef.of(doc.obj)
        if doc.type == "kubernetes":
            ns = landing_namespace(doc.obj)
            if ns and ns != ref.namespace:
                ref = ObjectRef(api_version=ref.api_version, kind=ref.kind, namespace=ns,
                                name=ref.name)
        return ref


def _doc_order(d: "Document") -> tuple[str, int, int]:
    return (d.file, d.index, d.item if isinstance(d.item, int) else -1)


def _workload(d: "Document", kind: str, tpath: Path) -> Workload | None:
    obj = d.obj
    template = dig(obj, *tpath)
    if not isinstance(template, dict):
        return None
    spec = template.get("spec")
    if not isinstance(spec, dict):
        return None
    labels = dig(template, "metadata", "labels")
    # Jobs must set Never or OnFailure (the API rejects Always); a Pod or PodTemplate that
    # leaves it unset gets Always (pkg/apis/core/v1/defaults.go).
    rp = spec.get("restartPolicy") or "Always"
    run_to_completion = kind in ("Job", "CronJob") or rp in ("Never", "OnFailure")
    replicas = dig(obj, "spec", "replicas") if kind in SCALABLE_KINDS else None
    max_conc: int | None = None
    if kind == "PodTemplate":
        raw = dig(obj, "metadata", "annotations", ANNOTATION_MAX_CONCURRENCY)
        if isinstance(raw, str) and raw.strip().isdigit():
            max_conc = int(raw.strip())
    selector = dig(obj, "spec", "selector") if kind != "PodTemplate" else None
    return Workload(
        doc=d, kind=kind, namespace=namespace_of(obj), name=name_of(obj),
        spec_path=(*tpath, "spec"), pod_spec=spec,
        pod_labels=labels if isinstance(labels, dict) else {},
        selector=selector if isinstance(selector, dict) else None,
        replicas=replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else None,
        restart_policy=rp, run_to_completion=run_to_completion, max_concurrency=max_conc)
