"""pdb/run-to-completion: a PDB on pods that run to completion (Jobs, agents)."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, object_text
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import TooManyPods, budget, concurrent_pods, pdbs, pod_index


@rule("pdb/run-to-completion", "warning",
      "A PDB selects pods that run to completion (Job, CronJob, restartPolicy Never/OnFailure).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget whose selector matches the pods of a Job, a
    CronJob, or a Pod / PodTemplate with `restartPolicy: Never` or `OnFailure`. The status
    the disruption controller would compute is taken from `provisor.k8s.disruption`.

    **Why.** The budget arithmetic assumes a controller that keeps a replica count
    (kubernetes/kubernetes `pkg/controller/disruption/disruption.go`): `maxUnavailable` and a
    percentage `minAvailable` need the `/scale` of the pods' controller, which Jobs do not
    have, so the controller's sync fails (`jobs.batch does not implement the scale
    subresource`) and `disruptionsAllowed` stays 0 for good; pods without a controller count
    as 0 expected. An integer `minAvailable` works on pod counts, but completed pods stop
    being healthy, so the budget shrinks as runs finish and blocks the evictions of the
    ones still running: drains then wait for runs to end. The Kubernetes documentation
    ("Specifying a Disruption Budget for your Application") allows only an integer
    `minAvailable` for such pods.

    **Fix.** Protect running work differently: let drains wait with a long
    `terminationGracePeriodSeconds` and a graceful shutdown, or use the
    `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"` annotation on the pods; if a
    PDB is kept, use an integer `minAvailable` and `unhealthyPodEvictionPolicy:
    AlwaysAllow`.
    """
    from provisor.k8s.selectors import SelectorError

    idx = pod_index(ctx)
    for d in pdbs(ctx):
        spec = d.obj.get("spec")
        if not isinstance(spec, dict):
            continue
        try:
            matched = idx.select_pdb(d)
        except SelectorError:
            continue
        rtc = [w for w in matched if w.run_to_completion]
        if not rtc:
            continue
        field = "maxUnavailable" if spec.get("maxUnavailable") is not None else "minAvailable"
        who = ", ".join(object_text(w.kind, w.namespace, w.name) for w in rtc)
        what = ""
        if spec.get(field) is not None:
            counts = [(w, max(1, concurrent_pods(w) or 1)) for w in rtc]
            try:
                st = budget(d.obj, counts).status
            except TooManyPods:
                continue
            if st.error is not None:
                what = (f"; the disruption controller cannot sync it ({st.error}), so "
                        f"disruptionsAllowed stays 0 and no pod it selects can be evicted")
            else:
                what = (f"; with {sum(n for _w, n in counts)} running pod(s): expectedPods "
                        f"{st.expected_pods}, desiredHealthy {st.desired_healthy}, "
                        f"disruptionsAllowed {st.disruptions_allowed}, and each finished run "
                        f"lowers currentHealthy")
        yield Hit(d, f"selects pods that run to completion ({who}): the budget arithmetic "
                     f"assumes a controller that keeps a replica count{what}",
                  fix="do not guard run-to-completion pods with a PDB (use a graceful shutdown "
                      "or safe-to-evict annotations); if kept, use an integer minAvailable",
                  path=("spec", field) if spec.get(field) is not None else ("spec", "selector"))

