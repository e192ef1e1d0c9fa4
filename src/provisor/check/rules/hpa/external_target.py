"""hpa/external-target-semantics: what an External metric's Value or AverageValue target does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import (max_replicas, metrics, min_replicas, running_pods,
                                              target_workload)
from provisor.quantity import Quantity, QuantityError

#: The example metric, as a multiple of the target: "just above the target".
_ABOVE = 1.2
#: At most this many controller syncs are walked for a Value target's runaway.
_MAX_STEPS = 50


def _milli(q: Any) -> int | None:
    try:
        return int(Quantity.parse(str(q)).milli_value())
    except (QuantityError, ValueError, TypeError, AttributeError):
        return None


def _fmt(milli: int) -> str:
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


@rule("hpa/external-target-semantics", "warning",
      "An External metric's AverageValue divides by the pod count; a Value target on a "
      "metric that does not fall as pods are added runs to maxReplicas.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** Every `External` (and `Object`) metric of an `autoscaling/v2` HPA,
    explaining the target type that was written with the replica calculator's own numbers
    (`provisor.k8s.hpa.ReplicaCalculator`, starting from the target's replicas or
    `minReplicas`, with a metric 20% above the target):

    - `AverageValue`: the HPA divides the metric's **total** by the number of pods and runs
      `ceil(total / averageValue)` pods: the target is *per pod*. A total above the target
      does not scale up while the per-pod share is below it (`kubectl` shows `45500m/75
      (avg)` for 91 across 2 pods).
    - `Value`: the HPA scales by `metric / value` (`desired = ceil(pods × metric / value)`).
      On a metric that adding pods does not reduce (an arrival rate, a count of waiting
      work fed faster than it drains, anything measured outside the pods) the ratio stays
      above 1, so every sync grows the workload until `maxReplicas`.

    **Why.** kubernetes/kubernetes `pkg/controller/podautoscaler/replica_calculator.go`:
    `GetExternalPerPodMetricReplicas` (AverageValue: `ceil(usage / targetPerPod)`) and
    `GetExternalMetricReplicas` (Value: `ceil(usageRatio × readyPods)`), and their `Object`
    counterparts `GetObjectPerPodMetricReplicas` / `GetObjectMetricReplicas`; the difference is
    a common surprise (kedacore/keda#1940, kubernetes/kubernetes#79272).

    For the HPA that KEDA writes for a ScaledObject the finding is **info**: KEDA documents
    its trigger values as per-replica targets.

    **Fix.** Use `AverageValue` for "this much work per pod" (queue length per worker), and
    `Value` only for a metric that falls as pods are added (a latency, a per-pod average
    computed outside the HPA). Silence with the annotation when the choice is deliberate.
    """
    from provisor.k8s.hpa import ReplicaCalculator

    calc = ReplicaCalculator()
    for d in ctx.kind("HorizontalPodAutoscaler"):
        if not str(d.obj.get("apiVersion", "")).startswith("autoscaling/v2"):
            continue
        lo, hi = min_replicas(d.obj), max_replicas(d.obj)
        if lo is None or hi is None or hi < 1:
            continue
        # KEDA documents its trigger values as "per replica" (AverageValue is its default):
        # for the HPAs it writes the explanation is information, not a warning.
        sev = "info" if str(d.meta.get("generated_from", "")).startswith("ScaledObject/") \
            else None
        w = target_workload(ctx, d)
        start = max(lo, 1)
        if w is not None and w.replicas is not None and w.replicas > start:
            start = min(w.replicas, hi)
        template = {"metadata": {"namespace": w.namespace}, "spec": w.pod_spec} if w else {
            "spec": {"containers": [{"name": "c"}]}}
        for i, m in metrics(d.obj):
            mtype = m.get("type")
            field = {"External": "external", "Object": "object"}.get(str(mtype))
            if field is None or not isinstance(m.get(field), dict):
                continue
            name = dig(m, field, "metric", "name") or "?"
            target = dig(m, field, "target")
            if not isinstance(target, dict):
                continue
            ttype = target.get("type")
            base = ("spec", "metrics", i, field, "target", "type")
            if ttype == "AverageValue":
                t = _milli(target.get("averageValue"))
                if not t or t <= 0:
                    continue
                total = int(t * _ABOVE)
                if mtype == "External":
                    r = calc.get_external_per_pod_metric_replicas(start, t, [total]).replicas
                else:
                    r = calc.get_object_per_pod_metric_replicas(start, t, total).replicas
                yield Hit(d, f"metric {i}: {mtype} metric {name} with target AverageValue "
                             f"{_fmt(t)} means {_fmt(t)} *per pod*: the HPA divides the "
                             f"metric's total by the pod count and runs ceil(total / {_fmt(t)}) "
                             f"pods. At {start} pod(s) a total of {_fmt(total)} (above "
                             f"{_fmt(t)}) reads as {_fmt(-(-total // start))} per pod and gives "
                             f"{r} replica(s), not a scale-up",
                          fix=f"keep AverageValue if {_fmt(t)} is the work one pod should take; "
                              f"if {_fmt(t)} is a threshold for the total, use type: Value "
                              "(on a metric that falls as pods are added)",
                          path=base, severity=sev)
            elif ttype == "Value":
                t = _milli(target.get("value"))
                if not t or t <= 0:
                    continue
                metric = int(t * _ABOVE)
                seq = [start]
                n = start
                for _ in range(_MAX_STEPS):
                    pods = running_pods(n, template)
                    nxt = (calc.get_external_metric_replicas(n, t, [metric], pods).replicas
                           if mtype == "External" else
                           calc.get_object_metric_replicas(n, t, metric, pods).replicas)
                    nxt = min(max(nxt, lo), hi)
                    if nxt <= n:
                        break
                    seq.append(nxt)
                    n = nxt
                walk = " -> ".join(str(x) for x in seq)
                end = (f"{hi} (maxReplicas)" if n == hi else f"{n}")
                yield Hit(d, f"metric {i}: {mtype} metric {name} with target Value {_fmt(t)}: "
                             f"the HPA scales by the ratio metric / {_fmt(t)} (desired = "
                             f"ceil(pods x metric / {_fmt(t)})); if adding pods does not lower "
                             f"the metric, it grows every sync: at {_fmt(metric)} from {start} "
                             f"pod(s): {walk}, ending at {end}",
                          fix=f"use type: AverageValue ({_fmt(t)} per pod) for a total such as "
                              "a queue length; keep Value only for a metric that falls as pods "
                              "are added",
                          path=base, severity=sev)
