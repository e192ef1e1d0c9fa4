"""hpa/min-replicas-low: an HPA that may scale its target down to a single pod."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, name_of
from provisor.check.registry import rule
from provisor.check.rules.hpa._common import hpas, min_replicas, target_ref


@rule("hpa/min-replicas-low", "warning",
      "An HPA's minReplicas (1 when unset) is below 2: at quiet times it scales its target "
      "to one pod, and one disruption is an outage.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A HorizontalPodAutoscaler whose `spec.minReplicas` is below
    `settings.min_replicas` (default 2). An unset `minReplicas` is 1: the API server
    defaults it (`SetDefaults_HorizontalPodAutoscaler`, `pkg/apis/autoscaling/v2/
    defaults.go`). `minReplicas: 0` (scale to zero, behind the `HPAScaleToZero` feature
    gate) is flagged too: the workload then has no pod at all when idle.

    **Why.** The HPA lowers the replica count to `minReplicas` whenever the metric is low
    (nights, weekends). At one pod, a node drain, a node failure or a crash is an outage;
    the next scale-up takes a sync period (15 s) plus the pod's start-up. A PDB cannot
    help a single pod without blocking every drain (`pdb/zero-disruptions`).

    Profiles: on in `default` and `strict` (Polaris `hpaMinAvailability`, kube-score
    `horizontalpodautoscaler-replicas`, kube-linter `hpa-minimum-three-replicas` with
    `settings.min_replicas: 3`). Polaris does not flag an HPA that leaves `minReplicas`
    unset; provisor does, because Kubernetes makes it 1.

    **Fix.** Set `spec.minReplicas` to at least 2 (the cost is one idle pod at night).
    """
    want = max(1, int(getattr(ctx.settings, "min_replicas", 2)))
    for d in hpas(ctx):
        lo = min_replicas(d.obj)
        if lo is None or lo >= want:
            continue
        ref = target_ref(d.obj)
        target = f"{ref[0]} {ref[1]}" if ref else "its target"
        unset = dig(d.obj, "spec", "minReplicas") is None
        how = "minReplicas is unset (default 1)" if unset else f"minReplicas is {lo}"
        yield Hit(d,
                  f"HPA {name_of(d.obj)}: {how}: it scales {target} down to "
                  f"{'zero pods' if lo == 0 else 'a single pod'} when load is low, and then "
                  f"one disruption is an outage (want at least {want})",
                  fix=f"set spec.minReplicas to at least {want}",
                  path=("spec", "minReplicas") if not unset else ("spec",))
