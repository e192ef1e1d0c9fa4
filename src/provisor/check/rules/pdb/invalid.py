"""pdb/invalid: a PodDisruptionBudget spec the API server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import spec_errors


@rule("pdb/invalid", "error",
      "A PDB sets both minAvailable and maxUnavailable, a negative value or a percentage "
      "the API refuses.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget that sets both `minAvailable` and
    `maxUnavailable`; a negative integer; a string that is not a whole percentage (`1.5%`,
    `-1%`, `half`); a percentage above `100%`; an `unhealthyPodEvictionPolicy` other than
    `AlwaysAllow` or `IfHealthyBudget`. The OpenAPI schema accepts all of these (they are
    valid `IntOrString` values); the API server's own validation does not.

    **Why.** `ValidatePodDisruptionBudgetSpec` (kubernetes/kubernetes
    `pkg/apis/policy/validation/validation.go`, with `ValidatePositiveIntOrPercent` and
    `IsNotMoreThan100Percent` from `pkg/apis/apps/validation/validation.go`) refuses the PDB
    with 422, e.g. `spec.minAvailable: Invalid value: "101%": must not be greater than 100%`.
    The PDB is never created, so nothing protects the pods; the other `pdb/*` rules do not
    judge it.

    **Fix.** Set one of `minAvailable` or `maxUnavailable`, as a non-negative integer or a
    percentage from `0%` to `100%`.
    """
    from provisor.k8s.validation import invalid_message

    for d in ctx.kind("PodDisruptionBudget"):
        errs = spec_errors(d)
        if not errs:
            continue
        for err in errs:
            yield Hit(d, f"the API server refuses this PDB (422): "
                         f"{invalid_message('PodDisruptionBudget', d.obj, [err])}",
                      fix=_fix(err.detail), path=err.path)


def _fix(detail: str) -> str:
    if "both set" in detail:
        return "keep one of minAvailable and maxUnavailable (maxUnavailable: 1 works at any size)"
    if "Unsupported" in detail or "supported values" in detail:
        return "use unhealthyPodEvictionPolicy AlwaysAllow or IfHealthyBudget"
    return "use a non-negative integer or a whole percentage from 0% to 100%"
