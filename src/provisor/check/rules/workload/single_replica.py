"""workload/single-replica: a Deployment or StatefulSet that runs one pod and no HPA."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig, name_of, namespace_of
from provisor.check.registry import rule

KINDS = ("Deployment", "StatefulSet", "DeploymentConfig")


@rule("workload/single-replica", "warning",
      "A Deployment or StatefulSet runs fewer than 2 replicas and no HPA scales it: every "
      "rollout, drain or crash is an outage.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A Deployment, StatefulSet (or OpenShift DeploymentConfig) whose
    `spec.replicas` is below `settings.min_replicas` (default 2) and that no
    HorizontalPodAutoscaler in its namespace targets. `spec.replicas` left unset is 1
    (`SetDefaults_Deployment`, `SetDefaults_StatefulSet`, `pkg/apis/apps/v1/defaults.go`).
    `replicas: 0` (parked on purpose) is not flagged. A workload an HPA scales is judged by
    `hpa/min-replicas-low` instead.

    **Why.** With one pod, a node drain (the eviction API does not surge a replacement
    first), a node failure, an OOM kill or a crash loop leaves nothing serving until a new
    pod is scheduled, pulled and Ready. A StatefulSet's rolling update deletes the pod
    before it creates the next one. A PodDisruptionBudget cannot help a single pod: it
    either blocks every drain (`pdb/zero-disruptions`) or allows the outage.

    Profiles: on in `default` and `strict` (Polaris `deploymentMissingReplicas`,
    kube-score `deployment-replicas`, kube-linter `minimum-three-replicas` with
    `settings.min_replicas: 3`).

    **Fix.** Run at least 2 replicas (spread them with topologySpreadConstraints or pod
    anti-affinity), or add an HPA with `minReplicas >= 2`; for a workload that must be a
    singleton, silence the rule on it with a reason
    (`ignore.provisor.dev/workload.single-replica`).
    """
    want = max(1, int(getattr(ctx.settings, "min_replicas", 2)))
    for d in ctx.kind(*KINDS):
        kind = str(d.obj.get("kind"))
        if kind == "DeploymentConfig" and not str(d.obj.get("apiVersion", "")).startswith(
                "apps.openshift.io/"):
            continue
        ns, name = namespace_of(d.obj), name_of(d.obj)
        if ctx.hpas_by_target.get((kind, ns, name)):
            continue
        raw = dig(d.obj, "spec", "replicas")
        if raw is not None and (not isinstance(raw, int) or isinstance(raw, bool)):
            continue  # the schema check reports it
        n = 1 if raw is None else raw
        if n == 0 or n >= want:
            continue
        how = "spec.replicas is unset (default 1)" if raw is None else f"spec.replicas is {n}"
        yield Hit(d,
                  f"{kind} {ns or '(default)'}/{name}: {how} and no HorizontalPodAutoscaler "
                  f"scales it: with fewer than {want} pods, a rollout, node drain or crash "
                  f"leaves nothing serving",
                  fix=f"set spec.replicas to at least {want}, or add an HPA with "
                      f"minReplicas >= {want}",
                  path=("spec", "replicas") if raw is not None else ("spec",))
