"""pdb/zero-disruptions: a PodDisruptionBudget that allows no eviction, so drains never end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, Workload, namespace_of, object_text
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import (
    TooManyPods,
    budget,
    pdbs,
    pod_index,
    refusal,
    replicas_at,
)


def _always_zero(spec: dict[str, Any]) -> str | None:
    """The field that makes the budget zero at every size, or None."""
    mu = spec.get("maxUnavailable")
    if mu is not None:
        if (mu == 0 and not isinstance(mu, bool)) or mu == "0%":
            return f"maxUnavailable {mu!r}".replace("'", "")
        return None
    ma = spec.get("minAvailable")
    if ma == "100%":
        return "minAvailable 100%"
    return None


@rule("pdb/zero-disruptions", "error",
      "A PodDisruptionBudget allows 0 disruptions: every eviction is refused, drains hang.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget whose `disruptionsAllowed` is 0 with every
    selected pod healthy: `maxUnavailable: 0` or `0%`, `minAvailable: 100%`, or a
    `minAvailable` at or above the replica count of the workloads it selects (judged at the
    HPA's `minReplicas` when an HPA scales the workload: blocked whenever the HPA sits at its
    minimum). The numbers (`expectedPods`, `desiredHealthy`, `currentHealthy`,
    `disruptionsAllowed`) and the eviction answer come from `provisor.k8s.disruption`.
    Workloads that run to completion and DaemonSets are left to `pdb/run-to-completion`
    (DaemonSet pods are skipped by `kubectl drain --ignore-daemonsets`).

    **Why.** `disruptionsAllowed = currentHealthy - desiredHealthy`
    (kubernetes/kubernetes `pkg/controller/disruption/disruption.go`, `updatePdbStatus`);
    at 0 the eviction API answers 429 `Cannot evict pod as it would violate the pod's
    disruption budget.` (`pkg/registry/core/pod/storage/eviction.go`). The eviction API never
    starts a replacement first, so `kubectl drain`, cluster-autoscaler scale-down and node
    upgrades retry until they time out.

    **Fix.** Leave room for one pod: `maxUnavailable: 1` (works at any size), or
    `minAvailable` below the replica count (below the HPA's `minReplicas`); or run more
    replicas. For a true singleton accept the disruption and drop the PDB.
    """
    idx = pod_index(ctx)
    from provisor.k8s.selectors import SelectorError

    for d in pdbs(ctx):
        spec = d.obj.get("spec")
        if not isinstance(spec, dict):
            continue
        field = "maxUnavailable" if spec.get("maxUnavailable") is not None else "minAvailable"
        if spec.get(field) is None:
            continue
        path = ("spec", field)
        try:
            matched = idx.select_pdb(d)
        except SelectorError:
            continue
        members = [w for w in matched if not w.run_to_completion and w.kind != "DaemonSet"]
        if len(members) != len(matched) and not members:
            continue  # only run-to-completion pods / DaemonSets: pdb/run-to-completion
        always = _always_zero(spec)
        if not members:
            if always:
                yield Hit(d, f"{always}: disruptionsAllowed is 0 at every replica count "
                             f"(desiredHealthy equals the expected pods), so every eviction of "
                             f"the pods it selects is refused and node drains never finish",
                          fix="use maxUnavailable: 1 (or a minAvailable below the replica count)",
                          path=path)
            continue
        try:
            yield from _judge(ctx, d, spec, field, members, always, path)
        except TooManyPods:
            continue  # too many pods to simulate (or a count the schema refuses)


def _judge(ctx: Context, d: Any, spec: dict[str, Any], field: str, members: list[Workload],
           always: str | None, path: tuple[str, ...]) -> Iterator[Hit]:
    low = [(w, replicas_at(ctx, w)[0]) for w in members]
    if sum(n for _w, (n, _how) in low) <= 0:
        return  # scaled to zero: no pod to evict
    b = budget(d.obj, [(w, n) for w, (n, _how) in low])
    st = b.status
    if st.disruptions_allowed > 0:
        return
    who = ", ".join(f"{object_text(w.kind, w.namespace, w.name)} at {n} "
                    f"replica{'' if n == 1 else 's'} ({how})" for w, (n, how) in low)
    value = spec.get(field)
    if st.error is not None:
        numbers = f"the disruption controller cannot compute the budget ({st.error}), so " \
                  f"disruptionsAllowed is 0"
    else:
        numbers = (f"expectedPods {st.expected_pods}, desiredHealthy {st.desired_healthy}, "
                   f"currentHealthy {st.current_healthy}: disruptionsAllowed "
                   f"{st.current_healthy} - {st.desired_healthy} -> {st.disruptions_allowed}")
    higher = ""
    high = [(w, replicas_at(ctx, w)[-1][0]) for w in members]
    if st.error is None and any(h != n for (_w, h), (_w2, (n, _how)) in zip(high, low)):
        hs = budget(d.obj, high).status
        higher = (f"; at the HPA's maxReplicas it allows {hs.disruptions_allowed}"
                  if hs.disruptions_allowed > 0 else "; at the HPA's maxReplicas it is still 0")
    reason = f"{always}, " if always else ""
    yield Hit(d, f"{field} {value} with {who}: {reason}{numbers}{higher}; every eviction is "
                 f"refused with {refusal(b.eviction)}, so kubectl drain and node upgrades retry "
                 f"until they time out (the eviction API does not start a replacement first)",
              fix=_fix(field, value, low), path=path)


def _fix(field: str, value: Any, low: list[tuple[Workload, tuple[int, str]]]) -> str:
    total = sum(n for _w, (n, _h) in low)
    if field == "minAvailable" and isinstance(value, int) and total > 1:
        return (f"use maxUnavailable: 1, or minAvailable at most {total - 1} (below the "
                f"{total} pods it protects at the low end)")
    if total <= 1:
        return ("a single replica cannot be both protected and drained: run 2 or more replicas "
                "(HPA minReplicas >= 2) with maxUnavailable: 1, or drop the PDB")
    return "use maxUnavailable: 1 (works at every replica count)"


def _ns(obj: dict[str, Any]) -> str:
    return namespace_of(obj)

