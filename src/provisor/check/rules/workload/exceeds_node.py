"""workload/exceeds-node: a pod that no node can hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe


def nodes(ctx: Context) -> list[tuple[str, Any]]:
    """(name, NodeInfo) of every node known to the check: Node objects (``status.allocatable``,
    else ``status.capacity``, as ``SetDefaults_NodeStatus`` does) and the entries of
    ``settings.nodes`` (``"cpu=16,memory=64Gi,pods=110"``, one node's allocatable each).
    Cached per run."""
    hit = ctx.cache.get(("workload", "nodes"))
    if hit is not None:
        return hit
    from provisor.k8s.scheduler.framework import NodeInfo

    out: list[tuple[str, Any]] = []
    for d in ctx.kind("Node"):
        status = d.obj.get("status") if isinstance(d.obj, dict) else None
        if not isinstance(status, dict):
            continue
        alloc = status.get("allocatable")
        if alloc is None:
            alloc = status.get("capacity")
        if not isinstance(alloc, dict):
            continue
        try:
            out.append((f"Node {name_of(d.obj)}",
                        NodeInfo({"metadata": d.obj.get("metadata") or {},
                                  "status": {"allocatable": alloc}})))
        except (ValueError, TypeError):
            continue
    for i, text in enumerate(getattr(ctx.settings, "nodes", None) or ()):
        alloc = parse_node_setting(text)
        if not alloc:
            continue
        try:
            out.append((f"settings.nodes[{i}]", NodeInfo({"metadata": {"name": f"nodes[{i}]"},
                                                          "status": {"allocatable": alloc}})))
        except (ValueError, TypeError):
            continue  # a malformed quantity in the setting: that node is left out
    ctx.cache[("workload", "nodes")] = out
    return out


def parse_node_setting(text: str) -> dict[str, str]:
    """``"cpu=16,memory=64Gi"`` -> ``{"cpu": "16", "memory": "64Gi"}``; entries without
    ``=`` are ignored; quantities are checked when used."""
    out: dict[str, str] = {}
    for part in str(text).split(","):
        k, sep, v = part.partition("=")
        if sep and k.strip() and v.strip():
            out[k.strip()] = v.strip()
    return out


_UNITS = {"cpu": "millicores"}


def _show(name: str, amount: int) -> str:
    from fractions import Fraction

    from provisor.quantity import Quantity

    if name == "cpu":
        return str(Quantity.from_value(Fraction(amount, 1000)))
    if name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
        return str(Quantity.from_value(amount, "BinarySI"))
    return str(amount)


@rule("workload/exceeds-node", "error",
      "A workload's pod requests more than any known node can allocate: it stays Pending.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload whose pod, after LimitRange defaults, requests more of some
    resource (cpu, memory, ephemeral-storage, hugepages, extended resources) than the
    allocatable amount of every node the check knows, or needs a combination no single node
    has. Nodes come from Node objects in the checked manifests (`status.allocatable`, else
    `status.capacity`) or from `settings.nodes` in `.provisor.yaml` (one entry per node,
    `"cpu=16,memory=64Gi,pods=110"`). Without either, the rule is silent.

    **Why.** The scheduler's NodeResourcesFit filter places a pod only on a node whose
    allocatable minus what is already requested covers every non-zero request; when the
    request alone exceeds a node's allocatable the failure is *unresolvable* there,
    preemption cannot help (`pkg/scheduler/framework/plugins/noderesources/fit.go`,
    `fitsRequest`). The pod stays `Pending` with `Insufficient cpu` forever; the pod's
    requests include init containers, sidecars and overhead (`PodRequests`,
    `staging/src/k8s.io/component-helpers/resource/helpers.go`).

    **Fix.** Lower the requests to fit the largest node (with room for its daemons), or add
    a node type large enough.
    """
    known = nodes(ctx)
    if not known:
        return
    from provisor.k8s.scheduler.fit import compute_pod_resource_request, fits_request

    for w in ctx.workloads:
        adm = ctx.admitted(w)
        if adm.bad_quantity:
            continue
        try:
            req = compute_pod_resource_request(adm.pod)
        except (ValueError, TypeError):
            continue
        per_node: list[tuple[str, list[Any]]] = []
        for label, ni in known:
            bad = [r for r in fits_request(req, ni) if r.resource_name != "pods" and r.unresolvable]
            if not bad:
                break
            per_node.append((label, bad))
        else:
            largest: dict[str, tuple[int, int, str]] = {}
            for label, bad in per_node:
                for r in bad:
                    cur = largest.get(r.resource_name)
                    if cur is None or r.capacity > cur[1]:
                        largest[r.resource_name] = (r.requested, r.capacity, label)
            over = [n for n, (req_n, cap, _l) in largest.items()
                    if all(any(r.resource_name == n for r in bad) for _lb, bad in per_node)]
            if over:
                parts = ", ".join(
                    f"{n} {_show(n, largest[n][0])} > {_show(n, largest[n][1])} "
                    f"({largest[n][2]}, the largest)" for n in over)
                what = f"requests more than any node can allocate: {parts}"
            else:
                what = ("fits no single node: " + "; ".join(
                    f"{label} lacks " + ", ".join(
                        f"{r.resource_name} ({_show(r.resource_name, r.requested)} > "
                        f"{_show(r.resource_name, r.capacity)})" for r in bad)
                    for label, bad in per_node))
            yield Hit(w.doc,
                      f"{describe(w)}: its pod (after LimitRange defaults) {what}; it stays "
                      f"Pending (Insufficient {', '.join(over) or 'resources'}, unresolvable by "
                      f"preemption)",
                      fix="lower the pod's requests to fit the largest node, or add a larger "
                          "node type",
                      path=(*w.spec_path, "containers"))
