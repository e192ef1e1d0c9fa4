"""hpa/memory-target: an HPA that scales on memory, which seldom falls when pods are added."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import (
    behavior_of, hpas, is_int, max_replicas, metric_name, metric_path, metrics, min_replicas,
    running_pods, source_field,
    target_workload)

from provisor.check.rules.pdb._common import MAX_SYNTHETIC_PODS  # noqa: E402

_NOMINAL_REQUEST = 1 << 30  # bytes, when the target's request is not known
_MAX_STEPS = 64


def _mi(milli_bytes: int) -> str:
    b = milli_bytes / 1000
    if b >= 1 << 30:
        return f"{b / (1 << 30):.2f}Gi"
    return f"{b / (1 << 20):.0f}Mi"


class _Probe:
    """The replica calculator on ``n`` identical pods whose memory is ``usage`` milli-bytes
    each (Running, Ready, one sample each). Usages are searched on a grid whose point ``k``
    is ``k * num / den`` milli-bytes: whole percents of the request for a Utilization
    target (the calculator's utilization is a whole percent), thousandths of the target for
    an AverageValue one."""

    def __init__(self, template: dict[str, Any], target: int, utilization: bool,
                 container: str, tolerances: Any, num: int, den: int) -> None:
        self.num, self.den = num, den
        from provisor.k8s.hpa import ReplicaCalculator

        self.calc = ReplicaCalculator()
        self.template = template
        self.target = target
        self.utilization = utilization
        self.container = container
        self.tol = tolerances
        self._pods: dict[int, list[dict[str, Any]]] = {}

    def replicas(self, n: int, usage: int) -> int:
        from provisor.k8s.hpa import PodMetric

        pods = self._pods.get(n)
        if pods is None:
            pods = self._pods[n] = running_pods(n, self.template)
        ms = {p["metadata"]["name"]: PodMetric(usage, 0.0, 60.0) for p in pods}
        if self.utilization:
            return self.calc.get_resource_replicas(
                n, self.target, "memory", pods, ms, now=0.0, container=self.container,
                tolerances=self.tol).replicas
        return self.calc.get_raw_resource_replicas(
            n, self.target, "memory", pods, ms, now=0.0, container=self.container,
            tolerances=self.tol).replicas

    def usage(self, k: int) -> int:
        """Grid point ``k`` in milli-bytes: ``ceil(k * num / den)``."""
        return -(-k * self.num // self.den)

    def lowest_scaling_up(self, n: int, start: int) -> int:
        """The smallest grid point (from ``start``, the target's) at which ``n`` pods are
        asked to grow."""
        lo, hi = start, 4 * start + 1
        while self.replicas(n, self.usage(hi)) <= n:
            hi *= 2
        while lo < hi:
            mid = (lo + hi) // 2
            if self.replicas(n, self.usage(mid)) > n:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def highest_scaling_down(self, n: int, start: int) -> int | None:
        """The largest grid point (at most ``start``) at which ``n`` pods are asked to
        shrink, or None."""
        if self.replicas(n, 0) >= n:
            return None
        lo, hi = 0, start
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.replicas(n, self.usage(mid)) < n:
                lo = mid
            else:
                hi = mid - 1
        return lo


@rule("hpa/memory-target", "warning",
      "An HPA scales on memory, which seldom falls when pods are added: it ratchets to max.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A `Resource` or `ContainerResource` metric on `memory`, with a
    `Utilization` or `AverageValue` target. The message gives the replica calculator's own
    numbers (`provisor.k8s.hpa.ReplicaCalculator`, with the HPA's tolerances): the per-pod
    memory from which the HPA keeps adding pods, the sequence of proposals it makes from
    `minReplicas` when that memory does not fall as pods are added, and the average it needs
    before it removes a pod at `maxReplicas`.

    **Why.** The HPA proposes `ceil(currentReplicas × usage / target)` whenever the ratio is
    outside the tolerance (kubernetes/kubernetes
    `pkg/controller/podautoscaler/replica_calculator.go`, `GetResourceReplicas`). That
    assumes the per-pod usage drops as pods are added. CPU does; memory mostly does not:
    heaps, caches, informers and runtimes hold a baseline that does not depend on the load
    (or is never returned). A baseline above the scale-up threshold makes every sync propose
    more pods until `maxReplicas`; a baseline above the scale-down threshold keeps the HPA
    there for good (condition `ScalingLimited=True`, reason `TooManyReplicas`).

    **Fix.** Scale on CPU or on a load metric (requests per second, queue depth, running
    workflows: a `Pods`, `Object` or `External` metric). Size memory with requests (or a VPA
    in `Off`/`Initial` mode) instead of with replicas. If memory really is per-request, set
    the target well above the idle baseline and verify it with usage data.
    """
    from provisor.k8s.hpa import HPAError, tolerances_for_hpa

    memo: dict[Any, str | None] = {}
    for d in hpas(ctx):
        ms = metrics(d.obj)
        if not ms:
            continue
        lo, hi = min_replicas(d.obj), max_replicas(d.obj)
        if lo is None or hi is None or not 1 <= lo < hi or hi > MAX_SYNTHETIC_PODS:
            lo = hi = None  # (too many replicas to simulate pod by pod)
        for i, m in ms:
            mtype = m.get("type")
            field = source_field(mtype)
            if mtype not in ("Resource", "ContainerResource") or field is None:
                continue
            src = m.get(field)
            if not isinstance(src, dict) or src.get("name") != "memory":
                continue
            target = src.get("target")
            if not isinstance(target, dict):
                continue
            ttype = target.get("type")
            path = metric_path(d.obj, i, field, "target")
            tval = target.get("averageUtilization") if ttype == "Utilization" else \
                target.get("averageValue")
            unit = "%" if ttype == "Utilization" else ""
            head = f"{metric_name(d.obj, i)}: {mtype} memory {ttype} target" + (
                f" {tval}{unit}" if tval is not None else "")
            base = ("memory seldom falls when pods are added (heaps, caches, informers), so an "
                    "HPA on memory tends to ratchet up to maxReplicas and stay there")
            fix = ("scale on CPU or on a load metric (Pods/Object/External) and size memory "
                   "with requests; keep memory out of the HPA")
            try:
                numbers = _numbers(ctx, d, m, src, target, lo, hi, tolerances_for_hpa(
                    behavior_of(d.obj)), memo)
            except (HPAError, ValueError, TypeError, ArithmeticError, AttributeError):
                numbers = None
            yield Hit(d, f"{head}: {base}" + (f"; {numbers}" if numbers else ""),
                      fix=fix, path=path)


def _numbers(ctx: Context, d: Any, m: dict[str, Any], src: dict[str, Any],
             target: dict[str, Any], lo: int | None, hi: int | None, tol: Any,
             memo: dict[Any, str | None]) -> str | None:
    """The calculator's thresholds and ratchet for this metric, as a sentence (memoised on
    everything it depends on: the request, the target, the bounds, the tolerances)."""
    if lo is None or hi is None:
        return None
    container = src.get("container") if m.get("type") == "ContainerResource" else ""
    container = container if isinstance(container, str) else ""
    template, request_m, known = _template(ctx, d, container)
    key = (request_m, known, container, str(target.get("type")), str(
        target.get("averageUtilization")), str(target.get("averageValue")), lo, hi,
        tol.scale_down, tol.scale_up)
    if key not in memo:
        memo[key] = _sentence(template, request_m, known, container, target, lo, hi, tol)
    return memo[key]


def _sentence(template: dict[str, Any], request_m: int, known: bool, container: str,
              target: dict[str, Any], lo: int, hi: int, tol: Any) -> str | None:
    from provisor.quantity import Quantity

    ttype = target.get("type")
    if ttype == "Utilization":
        pct = target.get("averageUtilization")
        if not is_int(pct) or pct < 1:
            return None
        probe = _Probe(template, pct, True, container, tol, request_m, 100)
        start = pct
    elif ttype == "AverageValue":
        raw = target.get("averageValue")
        if raw is None:
            return None
        value_m = Quantity.parse(raw).milli_value()
        if value_m <= 0:
            return None
        probe = _Probe(template, value_m, False, container, tol, value_m, 1000)
        start = 1000
    else:
        return None

    up = probe.usage(probe.lowest_scaling_up(lo, start))
    seq = [lo]
    n = lo
    while len(seq) < _MAX_STEPS:
        nxt = min(hi, probe.replicas(n, up))
        if nxt <= n:
            break
        seq.append(nxt)
        n = nxt
        if n == hi:
            break
    k_down = probe.highest_scaling_down(hi, start)
    down = None if k_down is None else probe.usage(k_down)

    def amount(usage: int) -> str:
        if ttype == "Utilization":
            pct_of_req = usage * 100 / request_m
            return (f"{_mi(usage)} ({pct_of_req:.0f}% of the {_mi(request_m)} request)"
                    if known else f"{pct_of_req:.0f}% of its request")
        return _mi(usage)

    ratchet = " → ".join(str(x) for x in seq)
    if seq[-1] == hi:
        ratchet += " (maxReplicas)"
    where = "" if known or ttype != "Utilization" else " (target not in the checked set: " \
                                                         "percentages of the request)"
    text = (f"replica calculator{where}: with each pod at {amount(up)} or more it proposes "
            f"{ratchet} sync after sync if that memory does not fall as pods are added")
    if down is None:
        text += f"; at {hi} replicas it never proposes fewer"
    else:
        text += (f"; at {hi} replicas it removes a pod only when the average falls to "
                 f"{amount(down)} or less, so a load-independent baseline above that keeps it at "
                 f"{hi} for good")
    return text


def _template(ctx: Context, d: Any, container: str) -> tuple[dict[str, Any], int, bool]:
    """(pod to probe with, its memory request in milli-bytes, whether it is the target's)."""
    w = target_workload(ctx, d)
    if w is not None:
        from provisor.k8s.hpa import HPAError, calculate_requests

        pod = ctx.admitted(w).pod
        try:
            req = calculate_requests([pod], container, "memory")
            total = next(iter(req.values()))
            if total > 0:
                return pod, total, True
        except HPAError:
            pass  # hpa/utilization-requests reports the missing request
    name = container or "app"
    pod = {"metadata": {"name": "pod"}, "spec": {"containers": [
        {"name": name, "resources": {"requests": {"memory": str(_NOMINAL_REQUEST)}}}]}}
    return pod, _NOMINAL_REQUEST * 1000, False
