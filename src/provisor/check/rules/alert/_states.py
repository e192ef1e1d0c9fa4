"""Container-state series of kube-state-metrics: which ones are *transient* (true only for
the seconds between a termination and the restart) and which are *sticky* (true until the
next termination, however long ago that was).

Facts (kube-state-metrics ``internal/store/pod.go`` and docs/metrics/workload/
pod-metrics.md): ``kube_pod_container_status_terminated`` and ``..._terminated_reason`` come
from the container's *current* ``state.terminated``; since v2.0 the series exists only while
the container is in that state. The kubelet restarts a container of a ``restartPolicy:
Always`` pod (and a failed one under ``OnFailure``) at once, or after the crash-loop back-off
(10 s doubling to 5 min, ``pkg/kubelet/kuberuntime``), during which the state is
``waiting`` (``CrashLoopBackOff``), not ``terminated``: the current terminated state lasts
seconds. ``..._last_terminated_reason`` (and ``_exitcode``, ``_timestamp``) come from
``lastState.terminated``, which keeps the last termination until the next one: days, for a
container that died once.
"""

from __future__ import annotations

from provisor.promql import ast as A

__all__ = ["TRANSIENT", "STICKY", "WINDOWED", "needs", "bounded", "sticky"]

TRANSIENT = frozenset({
    "kube_pod_container_status_terminated", "kube_pod_container_status_terminated_reason",
    "kube_pod_init_container_status_terminated",
    "kube_pod_init_container_status_terminated_reason",
})
STICKY = frozenset({
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_container_status_last_terminated_exitcode",
    "kube_pod_init_container_status_last_terminated_reason",
})
#: Functions whose value depends on a recent window, so an expression combined with them
#: stops being true once the window has passed.
WINDOWED = frozenset({"increase", "rate", "irate", "changes", "delta", "idelta", "resets",
                      "time", "count_over_time", "sum_over_time", "max_over_time",
                      "present_over_time"})


def needs(node: A.Node, names: frozenset[str]) -> bool:
    """Every sample ``node`` can produce needs a series of ``names`` (``or`` on both sides,
    ``unless`` on its left, other binary operations on either side)."""
    n = A.unparen(node)
    if isinstance(n, A.Selector):
        return n.name in names
    if isinstance(n, A.Call) and n.func in ("absent", "absent_over_time"):
        return False
    if isinstance(n, A.Binary):
        if n.op == "or":
            return needs(n.lhs, names) and needs(n.rhs, names)
        if n.op == "unless":
            return needs(n.lhs, names)
        return needs(n.lhs, names) or needs(n.rhs, names)
    return any(needs(c, names) for c in A.children(n))


def bounded(node: A.Node) -> bool:
    """A windowed function (``increase``, ``rate``, ``changes``, ``time()``...) appears in
    ``node``."""
    return any(isinstance(x, A.Call) and x.func in WINDOWED for x in A.walk(node))


def sticky(node: A.Node) -> bool:
    """``node`` can stay true on a sticky last-state series alone: a :data:`STICKY` selector
    on a path not combined (by ``and``, arithmetic or comparison with another vector) with a
    windowed expression (nor filtered by ``unless`` with one)."""
    n = A.unparen(node)
    if isinstance(n, A.Selector):
        return n.name in STICKY
    if isinstance(n, A.Call):
        if n.func in WINDOWED or n.func in ("absent", "absent_over_time"):
            return False
        return any(sticky(a) for a in n.args)
    if isinstance(n, (A.Aggregate, A.Unary, A.Subquery)):
        return sticky(n.expr)
    if isinstance(n, A.Binary):
        if n.op == "or":
            return sticky(n.lhs) or sticky(n.rhs)
        if n.op == "unless":  # a windowed right-hand side may be what bounds it
            return sticky(n.lhs) and not bounded(n.rhs)
        if not (sticky(n.lhs) or sticky(n.rhs)):
            return False
        return not (bounded(n.lhs) or bounded(n.rhs))
    return False
