"""vpa/update-mode-auto: the deprecated updateMode "Auto"."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, dig
from provisor.check.registry import rule

#: ``GetUpdateModesList()`` (pkg/apis/autoscaling.k8s.io/v1/helpers.go): sorted, without Auto.
UPDATE_MODES = ("InPlace", "InPlaceOrRecreate", "Initial", "Off", "Recreate")


@rule("vpa/update-mode-auto", "warning",
      "A VPA uses updateMode Auto, deprecated (it means Recreate: pods are evicted).")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A VerticalPodAutoscaler with `spec.updatePolicy.updateMode: Auto`.

    **Why.** `Auto` is deprecated and will be removed in a future API version; today it
    behaves as `Recreate`: the updater evicts running pods to apply a new recommendation
    (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1/types.go`,
    `UpdateModeAuto`, and issue #8424). The VPA admission webhook answers every create or
    update with the warning `spec.updatePolicy: "Auto" mode is deprecated ...`
    (`pkg/admission-controller/resource/vpa/validation.go`). Readers of `Auto` rarely expect
    evictions.

    **Fix.** Say what you mean: `Initial` (size pods at creation only: the safe mode for
    run-to-completion agents), `Recreate` (evict to resize), `InPlaceOrRecreate` (resize in
    place, evict when that fails) or `Off` (recommend only).
    """
    modes = "[" + " ".join(UPDATE_MODES) + "]"
    for d in ctx.kind("VerticalPodAutoscaler"):
        if dig(d.obj, "spec", "updatePolicy", "updateMode") != "Auto":
            continue
        yield Hit(d, f'updateMode "Auto" is deprecated and behaves as Recreate (the updater evicts '
                     f'running pods to resize them); the VPA webhook warns: '
                     f'spec.updatePolicy: "Auto" mode is deprecated and will be removed '
                     f'in a future API version. Use explicit update modes like: {modes}. See '
                     f'https://github.com/kubernetes/autoscaler/issues/8424 for more details.',
                  fix="use Initial for run-to-completion pods (sized at creation, never evicted), "
                      "Recreate or InPlaceOrRecreate for long-running ones, Off to only recommend",
                  path=("spec", "updatePolicy", "updateMode"))
