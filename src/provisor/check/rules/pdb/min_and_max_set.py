"""pdb/min-and-max-set: a PodDisruptionBudget that sets both minAvailable and
maxUnavailable."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, name_of
from provisor.check.registry import rule
from provisor.check.rules.pdb._common import pdbs


@rule("pdb/min-and-max-set", "error",
      "A PodDisruptionBudget sets both minAvailable and maxUnavailable: the API server "
      "refuses it.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A PodDisruptionBudget whose spec sets both `minAvailable` and
    `maxUnavailable`.

    **Why.** Validation refuses it with 422 (`pkg/apis/policy/validation/validation.go`,
    `ValidatePodDisruptionBudgetSpec`: "minAvailable and maxUnavailable cannot be both
    set"); the OpenAPI schema cannot express the rule, so client-side schema validation
    passes it. The budget does not exist, so nothing protects the pods.

    **Fix.** Keep one of the two (usually `maxUnavailable`).
    """
    for d in pdbs(ctx):
        spec = d.obj.get("spec")
        if not isinstance(spec, dict):
            continue
        lo, hi = spec.get("minAvailable"), spec.get("maxUnavailable")
        if lo is None or hi is None:
            continue
        yield Hit(d, f'PodDisruptionBudget.policy "{name_of(d.obj)}" is invalid: spec: Invalid '
                     f"value: minAvailable and maxUnavailable cannot be both set "
                     f"(minAvailable {lo}, maxUnavailable {hi})",
                  fix="keep only one of minAvailable and maxUnavailable",
                  path=("spec", "maxUnavailable"))
