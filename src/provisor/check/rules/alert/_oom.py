"""OOM alerts built on restart counters, and the workloads they watch.

Facts: the kubelet restarts a container in place only when the pod's ``restartPolicy``
allows it: ``Always``, or ``OnFailure`` after a non-zero exit (an OOM kill exits with 137);
``Never`` never restarts it (pkg/kubelet/container/helpers.go, ``ShouldContainerBeRestarted``).
kube-state-metrics' ``kube_pod_container_status_restarts_total`` counts those restarts, and
``kube_pod_container_status_last_terminated_reason`` comes from the container's
``lastState.terminated``, which is only set once the container has been restarted
(docs/metrics/workload/pod-metrics.md). An OOM kill of a ``restartPolicy: Never`` container
shows only in ``kube_pod_container_status_terminated_reason{reason="OOMKilled"}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from provisor.check.context import Context, Workload, is_unset
from provisor.check.rules.promql._exprs import Site, analysed
from provisor.promql import ast as A
from provisor.promql.labels import literal_alternatives

__all__ = ["OomAlert", "oom_alerts", "RESTART_SERIES"]

RESTART_SERIES = frozenset({
    "kube_pod_container_status_restarts_total",
    "kube_pod_init_container_status_restarts_total",
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_init_container_status_last_terminated_reason",
})
_OOM_WORDS = re.compile(r"\boom|oom(kill|ed)?\b|out of memory|OOMKilled", re.IGNORECASE)


@dataclass(slots=True)
class OomAlert:
    """An OOM alert built on restarts.

    Attributes:
        site: the alert's expression site.
        series: the restart-based series it reads.
        namespaces: the namespaces its restart selectors cover, None for all.
        covered: the checked workloads in those namespaces.
        never: those of them whose pods never restart in place (restartPolicy Never).
    """

    site: Site
    series: list[str]
    namespaces: frozenset[str] | None
    covered: list[Workload]
    never: list[Workload]

    def scope(self) -> str:
        if self.namespaces is None:
            return "any namespace"
        return "namespace " + ", ".join(sorted(self.namespaces))


def oom_alerts(ctx: Context) -> Iterator[OomAlert]:
    """Every alert about OOM kills whose expression reads restart-based series."""
    for site, an in analysed(ctx):
        if site.origin != "alert" or an.node is None or site.rule is None or an.empty:
            continue
        sels = [n for n in A.walk(an.node)
                if isinstance(n, A.Selector) and n.name in RESTART_SERIES]
        if not sels or not _about_oom(site.rule, an.node):
            continue
        if not needs_restarts(an.node):
            # Some branch (e.g. `or kube_pod_container_status_terminated_reason{...}`) can
            # fire without a restart: the alert covers containers that never restart.
            continue
        scope = _scope(an.shape.get("namespace").values if an.shape is not None else None,
                       sels)
        covered = [w for w in (*ctx.workloads, *ctx.argo_workloads)
                   if scope is None or w.namespace in scope or w.namespace == ""
                   or is_unset(w.namespace)]  # no namespace: it may land in the scope
        never = [w for w in covered if w.restart_policy == "Never"]
        yield OomAlert(site, sorted({s.name or "" for s in sels}), scope, covered, never)


def needs_restarts(node: A.Node) -> bool:
    """Whether every sample ``node`` can produce depends on a restart-based series: a
    selector of :data:`RESTART_SERIES`; ``or`` needs it on both sides, ``unless`` on its left,
    ``and`` and arithmetic/comparison between two vectors on either side; other nodes when
    any child needs it."""
    n = A.unparen(node)
    if isinstance(n, A.Selector):
        return n.name in RESTART_SERIES
    if isinstance(n, A.Binary):
        if n.op == "or":
            return needs_restarts(n.lhs) and needs_restarts(n.rhs)
        if n.op == "unless":
            return needs_restarts(n.lhs)
        return needs_restarts(n.lhs) or needs_restarts(n.rhs)
    return any(needs_restarts(c) for c in A.children(n))


def _about_oom(rule: dict[str, Any], node: A.Node) -> bool:
    for n in A.walk(node):
        if isinstance(n, A.Selector):
            for label, op, value in n.matchers:
                if label == "reason" and op in ("=", "=~") and "OOMKilled" in value:
                    return True
    texts = [str(rule.get("alert", ""))]
    ann = rule.get("annotations")
    if isinstance(ann, dict):
        texts += [str(v) for k, v in ann.items() if k in ("summary", "description", "message")]
    return any(_OOM_WORDS.search(t) for t in texts)


def _scope(values: frozenset[str] | None, sels: list[A.Selector]) -> frozenset[str] | None:
    """The namespaces the alert's series can be in: what the expression's result allows
    (label-set inference), else what the restart selectors allow; None for all."""
    if values is not None and values - {""}:
        return frozenset(values - {""})
    return _namespaces(sels)


def _namespaces(sels: list[A.Selector]) -> frozenset[str] | None:
    out: set[str] = set()
    for s in sels:
        vals: frozenset[str] | None = None
        for label, op, value in s.matchers:
            if label != "namespace":
                continue
            if op == "=":
                vals = frozenset({value})
            elif op == "=~":
                vals = literal_alternatives(value)
        if vals is None:
            return None
        out |= vals
    return frozenset(out)
