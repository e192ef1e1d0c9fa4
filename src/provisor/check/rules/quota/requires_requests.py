"""quota/requires-requests: a quota on cpu/memory refuses pods that do not state them."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, in_namespace_text
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import container_path, describe
from provisor.check.rules.quota._demand import controlled_by_set, demand


@rule("quota/requires-requests", "error",
      "A ResourceQuota tracks requests.*/limits.* (cpu or memory) while a workload's pods "
      "state none and no LimitRange fills them in: every pod is refused.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload whose pods, after the namespace's LimitRange defaults are
    filled in, have a container without a request (or limit) for `cpu` or `memory` that a
    ResourceQuota of the namespace tracks (`requests.cpu`, `requests.memory`, bare `cpu` /
    `memory`, `limits.cpu`, `limits.memory`) and whose scopes the pods match. The finding is
    on the workload (it is the object whose pods fail), names the quota and gives the API's
    message, e.g. `failed quota: compute: must specify requests.cpu for: web;
    requests.memory for: web`.

    **Why.** The pod quota evaluator requires every container and init container to state
    each cpu/memory value a matching quota constrains
    (`pkg/quota/v1/evaluator/core/pods.go`, `Constraints`), and the ResourceQuota
    admission plugin refuses the pod otherwise (`staging/src/k8s.io/apiserver/pkg/admission/
    plugin/resourcequota/controller.go`, `CheckRequest`). A Deployment, StatefulSet or Job
    is accepted; its pods are not: the ReplicaSet records `FailedCreate`, the Deployment
    shows `ReplicaFailure=True` and stays at 0 ready replicas.

    **Fix.** Give every container requests (and limits, when the quota tracks `limits.*`),
    or add a LimitRange with `defaultRequest` (and `default`) for cpu and memory to the
    namespace.
    """
    from provisor.k8s import AdmissionError
    from provisor.k8s.quota import PodEvaluator, admit

    ev = PodEvaluator()
    nds = demand(ctx)
    required_of: dict[int, list[str]] = {}
    for nd in nds.values():
        for qv in nd.quotas:
            required_of[id(qv)] = ev.matching_resources(list(qv.hard))
    for w in ctx.workloads:
        ns_demand = nds.get(w.namespace)
        if (ns_demand is None or not ns_demand.quotas
                or controlled_by_set(ctx, w.doc.obj, w.namespace)):
            continue
        adm = ctx.admitted(w)
        if adm.bad_quantity:
            continue
        for qv in ns_demand.quotas:
            required = required_of[id(qv)]
            try:
                if not required or ev.constraints(required, adm.pod) is None \
                        or not ev.matches(qv.norm, adm.pod):
                    continue
            except Exception:
                continue  # an invalid scope selector: the API refuses the quota itself
            pod = dict(adm.pod)
            pod["metadata"] = dict(pod.get("metadata") or {})
            try:
                admit([qv.doc.obj], pod, namespace=w.namespace or "default")
                continue
            except AdmissionError as exc:
                message = exc.message
            except Exception:
                continue
            cut = message.find("failed quota:")
            if cut < 0:
                continue
            detail = message[cut:]
            missing = sorted({part.split(" for:")[0].strip()
                              for part in detail.split("must specify", 1)[-1].split(";")})
            first = _first_missing(adm.pod, missing)
            head = (message if w.kind == "Pod" else
                    f"{describe(w)}: its pods are refused at creation (403 Forbidden): {detail}")
            tail = ("" if w.kind == "Pod" else
                    f". The {w.kind} itself is accepted; its pods never start (FailedCreate)")
            yield Hit(w.doc,
                      f"{head} (ResourceQuota {qv.name}; missing after LimitRange defaults: "
                      f"{', '.join(missing)}){tail}",
                      fix=f"add {', '.join(missing)} to every container, or a LimitRange with "
                          f"defaultRequest/default for them "
                          f"{in_namespace_text(w.namespace)}",
                      path=container_path(w, adm.pod, first) if first is not None
                      else w.spec_path)


def _first_missing(pod: dict, missing: list[str]) -> str | None:
    """The name of the first container lacking one of ``missing`` (``requests.cpu`` ...)."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or ():
            if not isinstance(c, dict):
                continue
            res = c.get("resources") or {}
            for m in missing:
                kind, _, name = m.rpartition(".")
                lists = [res.get("requests") or {}] if kind == "requests" else \
                    [res.get("limits") or {}] if kind == "limits" else [res.get("requests") or {}]
                if not any(name in lst for lst in lists):
                    return str(c.get("name", ""))
    return None
