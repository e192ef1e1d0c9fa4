"""priority/critical-outside-kube-system: system-*-critical classes used outside kube-system
without a quota that admits them."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit, is_unset
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.priority._common import workloads_naming

CRITICAL = ("system-node-critical", "system-cluster-critical")

#: The ResourceQuota admission configuration many clusters run (and the Kubernetes docs give
#: under "Limit Priority Class consumption by default"): pods of the critical classes need a
#: quota whose scopeSelector covers them.
LIMITED = [{"apiGroup": "", "resource": "pods",
            "matchScopes": [{"scopeName": "PriorityClass", "operator": "In",
                             "values": list(CRITICAL)}]}]


@rule("priority/critical-outside-kube-system", "warning",
      "Pods use system-node-critical or system-cluster-critical outside kube-system with no "
      "ResourceQuota scoped to that class: many clusters refuse them.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A workload outside `kube-system` whose pods set `priorityClassName:
    system-node-critical` or `system-cluster-critical`, while no ResourceQuota of its
    namespace has a `scopeSelector` (`PriorityClass In [...]`) that matches the class. A
    workload that sets no namespace (and gets none from a kustomization or `-n`) is not
    judged: it may well be applied to `kube-system`.

    **Why.** Until Kubernetes 1.17 the Priority admission plugin refused these classes
    outside `kube-system` (`plugin/pkg/admission/priority/admission.go`: "pods with
    system-node-critical priorityClass is not permitted in default namespace"). Since then
    the restriction is left to the ResourceQuota admission plugin's `limitedResources`
    configuration, which GKE and many distributions ship for exactly these classes (the
    Kubernetes docs, "Resource Quotas: Limit Priority Class consumption by default"): a pod
    that matches a limited scope is refused unless a quota of its namespace covers that
    scope (`staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go`):
    `pods "x" is forbidden: insufficient quota to match these scopes: [{PriorityClass In
    [system-node-critical system-cluster-critical]}]`. Where it is admitted, the pod can
    preempt almost anything on the node (priority 2,000,001,000 / 2,000,000,000), which is
    meant for the cluster's own add-ons.

    **Fix.** Use a class of your own (value at most 1,000,000,000); or, for a genuine
    cluster add-on, run it in `kube-system`, or add a ResourceQuota in its namespace with
    `scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values:
    [<the class>]}]}` and a `pods` limit.
    """
    from provisor.k8s import AdmissionError
    from provisor.k8s.quota import admit

    for w, name, path in workloads_naming(ctx):
        if name not in CRITICAL or w.namespace == "kube-system":
            continue
        if is_unset(w.namespace):
            continue  # applied with -n to a namespace the check cannot know (kube-system?)
        adm = ctx.admitted(w)
        pod = {**adm.pod, "metadata": {**(adm.pod.get("metadata") or {}),
                                      "namespace": w.namespace or "default"}}
        quotas = [d.obj for d in ctx.quotas.get(w.namespace, [])]
        try:
            admit(quotas, pod, limited_resources=LIMITED)
            continue
        except AdmissionError as exc:
            if "insufficient quota to match these scopes" not in str(exc):
                continue  # another quota refusal: the quota rules report it
            refusal = str(exc)
        except (ValueError, TypeError, KeyError):
            continue
        yield Hit(w.doc,
                  f"{describe(w)}: its pods use priorityClassName {name} outside kube-system "
                  f"and no ResourceQuota of namespace {w.namespace or '(default)'} is scoped "
                  f"to that class: clusters that limit the critical classes (GKE and many "
                  f"others) refuse them: {refusal}",
                  fix=f"use a PriorityClass of your own (value <= 1000000000), or add a "
                      f"ResourceQuota scoped with PriorityClass In [{name}]",
                  path=path)
