"""Shared by the resource basics (``workload/*-request-missing``, ``*-limit-missing``), the
availability rules and the runtime-memory rules: every pod-producing object with its
long-running containers as the API server admits them.

Workloads are :attr:`Context.workloads` (Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob, Pod, PodTemplate), the container and script templates
of Argo Workflows (:attr:`Context.argo_workloads`), and OpenShift ``DeploymentConfig``
(``apps.openshift.io/v1``, whose pod template sits at ``spec.template`` like a
Deployment's). A container is judged after API defaulting and LimitRanger defaulting
(:meth:`Context.admitted`): a request is *stated* when the container writes it, when the
API copies it from the container's limit (``SetDefaults_Pod``, pkg/apis/core/v1/defaults.go)
or when a LimitRange of the namespace fills it (``defaultRequest``/``default``,
plugin/pkg/admission/limitranger/admission.go).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from provisor.check.context import Workload, dig

if TYPE_CHECKING:
    from provisor.check.context import Context, PodAdmission

Path = tuple[str | int, ...]

ARGO_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate",
                        "CronWorkflow"})


def all_workloads(ctx: "Context") -> list[Workload]:
    """:attr:`Context.workloads`, then DeploymentConfigs, then Argo templates (cached)."""
    hit = ctx.cache.get(("workload", "all"))
    if hit is not None:
        return hit
    from provisor.check.context import _workload

    out = list(ctx.workloads)
    for d in ctx.kind("DeploymentConfig"):
        if not str(d.obj.get("apiVersion", "")).startswith("apps.openshift.io/"):
            continue
        w = _workload(d, "DeploymentConfig", ("spec", "template"))
        if w is not None:
            r = dig(d.obj, "spec", "replicas")
            w = replace(w, replicas=r if isinstance(r, int) and not isinstance(r, bool) else None)
            out.append(w)
    for w in ctx.argo_workloads:
        a = _argo_with_defaults(w)
        if a is not None:
            out.append(a)
    ctx.cache[("workload", "all")] = out
    return out


def _argo_with_defaults(w: Workload) -> Workload | None:
    """An Argo template's workload with the workflow's ``templateDefaults`` container
    resources merged in (the template's own values win, as Argo's controller merges them:
    argoproj/argo-workflows ``workflow/controller/operator.go``, ``mergedTemplateDefaultsInto``);
    None when a ``podSpecPatch`` (workflow-level or the template's) may rewrite the pod, so
    its resources cannot be known from the manifest."""
    base: Path = ("spec", "workflowSpec") if w.kind == "CronWorkflow" else ("spec",)
    if dig(w.doc.obj, *base, "podSpecPatch") is not None or dig(
            w.doc.obj, *w.spec_path, "podSpecPatch") is not None:
        return None
    td = dig(w.doc.obj, *base, "templateDefaults")
    tdc = None
    if isinstance(td, dict):
        tdc = td.get("container") if isinstance(td.get("container"), dict) else (
            td.get("script") if isinstance(td.get("script"), dict) else None)
    dres = tdc.get("resources") if isinstance(tdc, dict) else None
    if not isinstance(dres, dict):
        return w
    cs = w.pod_spec.get("containers")
    if not isinstance(cs, list) or not cs or not isinstance(cs[0], dict):
        return w
    c = dict(cs[0])
    raw = c.get("resources")
    res: dict[str, Any] = raw if isinstance(raw, dict) else {}
    merged: dict[str, Any] = dict(res)
    for part in ("requests", "limits"):
        if isinstance(dres.get(part), dict):
            own = res.get(part)
            merged[part] = {**dres[part], **(own if isinstance(own, dict) else {})}
    c["resources"] = merged
    return replace(w, pod_spec={**w.pod_spec, "containers": [c, *cs[1:]]})


@dataclass(slots=True)
class AdmittedContainer:
    """One long-running container of a workload's admitted pod.

    Attributes:
        workload: the workload.
        name: the container's name.
        key: ``containers`` or ``initContainers`` (a restartable init container, i.e. a
            sidecar with ``restartPolicy: Always``).
        path: the container's path in the workload's document (for the line).
        sent: the container as written (after API defaulting only).
        admitted: the container after LimitRanger defaulting.
        pod_resources: the pod-level ``spec.resources`` of the admitted pod ({} when unset).
    """

    workload: Workload
    name: str
    key: str
    path: Path
    sent: dict[str, Any]
    admitted: dict[str, Any]
    pod_resources: dict[str, Any]

    def requests(self) -> dict[str, Any]:
        r = dig(self.admitted, "resources", "requests")
        return r if isinstance(r, dict) else {}

    def limits(self) -> dict[str, Any]:
        r = dig(self.admitted, "resources", "limits")
        return r if isinstance(r, dict) else {}

    def pod_level(self, part: str, resource: str) -> bool:
        """Whether the pod states ``spec.resources.<part>.<resource>`` (pod-level resources,
        KEP-2837: then the pod's cgroup is bounded as a whole)."""
        v = self.pod_resources.get(part)
        return isinstance(v, dict) and resource in v


def container_path(w: Workload, key: str, i: int) -> Path:
    """Where container ``i`` of ``key`` is written in ``w``'s document (Argo templates
    hold one ``container`` or ``script``)."""
    if w.kind in ARGO_KINDS:
        tmpl = dig(w.doc.obj, *w.spec_path)
        inner = "container" if isinstance(tmpl, dict) and isinstance(
            tmpl.get("container"), dict) else "script"
        return (*w.spec_path, inner)
    return (*w.spec_path, key, i)


def long_running_containers(ctx: "Context", init: bool = False) -> Iterator[AdmittedContainer]:
    """The app containers and restartable init containers of every workload, admitted.
    Plain init containers (they finish before the app starts) are left out unless ``init``;
    workloads whose pod cannot be judged (malformed quantities: the schema check reports
    them) are always left out."""
    for w in all_workloads(ctx):
        adm: PodAdmission = ctx.admitted(w)
        if adm.bad_quantity:
            continue
        spec = adm.pod.get("spec") or {}
        sent_spec = adm.sent.get("spec") or {}
        pod_res = spec.get("resources") if isinstance(spec.get("resources"), dict) else {}
        for key in ("initContainers", "containers"):
            items = spec.get(key)
            sent_items = sent_spec.get(key)
            if not isinstance(items, list):
                continue
            for i, c in enumerate(items):
                if not isinstance(c, dict):
                    continue
                if key == "initContainers" and c.get("restartPolicy") != "Always" and not init:
                    continue
                sent = sent_items[i] if isinstance(sent_items, list) and i < len(
                    sent_items) and isinstance(sent_items[i], dict) else c
                yield AdmittedContainer(
                    workload=w, name=str(c.get("name", i)), key=key,
                    path=container_path(w, key, i), sent=sent, admitted=c,
                    pod_resources=pod_res or {})


def where(c: AdmittedContainer) -> str:
    """``container 'web'`` or ``sidecar (restartable init container) 'proxy'``."""
    if c.key == "initContainers":
        kind = "restartable init container" if c.admitted.get("restartPolicy") == "Always" \
            else "init container"
        return f"{kind} {c.name!r}"
    return f"container {c.name!r}"
