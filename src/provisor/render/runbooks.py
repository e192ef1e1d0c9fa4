"""One runbook per alert: what it means, how to confirm it (the alert's own PromQL, further
queries, ``kubectl`` commands) and what to do.

The single source is :data:`RUNBOOKS` plus the rendered expressions of
:mod:`provisor.render.monitoring`. :func:`runbook_pages` renders the pages for a policy;
``render`` ships them in the bundle as ``runbooks/<Alert>.md`` (what each alert's
``runbook_url`` points at unless the policy sets ``alerts.runbook_base_url``), and
``tools/gen_runbooks.py`` (``make docs``) writes the built-in policy's pages to
``docs/runbooks/``; ``tests/test_runbooks.py`` fails when those are out of date.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisor.policy.model import Policy
from provisor.render import monitoring as m

__all__ = ["Runbook", "RUNBOOKS", "runbook_pages", "index_page"]


@dataclass(frozen=True)
class Runbook:
    """The hand-written part of one runbook (``{ns}`` is replaced by the namespace)."""

    meaning: str
    confirm: tuple[str, ...]
    actions: tuple[str, ...]


RUNBOOKS: dict[str, Runbook] = {
    "AgentHighCPUUsage": Runbook(
        "An agent container has used more than the threshold of its CPU limit for the hold "
        "time. At 100% of the limit the kernel throttles it (CFS quota): the run gets slower, "
        "it does not fail.",
        ("kubectl -n {ns} top pod --containers", "kubectl -n {ns} describe pod <pod>"),
        ("Check `AgentCPUThrottlingHigh` for the same pod: throttling confirms the limit binds.",
         "If the agent class is regularly here, raise the tier's CPU limit (and request) in "
         "the policy, re-render, and check that the quota still holds the planned load "
         "(`provisor plan`).",
         "A single long build or test run is expected to burst; lower priority if only one "
         "pod of the class is affected."),
    ),
    "AgentHighMemoryUsage": Runbook(
        "An agent container's working set has been above the threshold of its memory limit "
        "for the hold time. At the limit the kernel OOM-kills it and the run is lost "
        "(agents run with restartPolicy Never).",
        ("kubectl -n {ns} top pod --containers",
         "kubectl -n {ns} get pod <pod> -o jsonpath='{{.spec.containers[*].resources}}'"),
        ("If the run is valuable, let it finish; nothing can raise a running pod's limit "
         "without a restart unless in-place resize is enabled.",
         "If the class often gets here, raise the tier's memory (request = limit) in the "
         "policy; the quota arithmetic in `provisor plan` shows what fits.",
         "Look for a leak: a working set that only grows over the run."),
    ),
    "AgentOOMKilled": Runbook(
        "A container in the namespace was killed by the kernel OOM killer (its working set "
        "reached its memory limit). A run-to-completion agent never restarts: its run failed. "
        "The alert reads the current terminated reason, so it also fires for pods that never "
        "restart.",
        ("kubectl -n {ns} get pods --field-selector=status.phase=Failed",
         "kubectl -n {ns} describe pod <pod>   # Last State / State: Terminated, Reason: "
         "OOMKilled, Exit Code: 137",
         "kubectl get events -A --field-selector reason=OOMKilling   # node events of the kernel OOM killer"),
        ("Re-run the workflow; if the same class is killed again, raise its memory in the "
         "policy (request = limit) and re-render.",
         "Compare the class's working set peaks (dashboard: Memory by agent class) with the "
         "limit; the right-sizing report proposes a value from the measured peaks."),
    ),
    "NamespaceResourceQuotaHigh": Runbook(
        "A ResourceQuota resource of the namespace is above the threshold of its hard limit. "
        "At 100% every new pod (or PVC) that needs more of it is rejected at admission.",
        ("kubectl -n {ns} describe resourcequota",
         "kubectl -n {ns} get pods -o wide"),
        ("Check whether more runs than planned are running (max concurrency per agent in the "
         "policy) or pods are stuck (Failed/Completed pods do not count; Terminating ones do "
         "until they are gone).",
         "If the demand is real, raise the quota in the policy (keep the 20% buffer) and "
         "re-render; `provisor plan` shows the arithmetic."),
    ),
    "ResourceQuotaRejections": Runbook(
        "The ResourceQuota admission plugin rejected object creations (cluster-wide: the "
        "API server metric has no namespace). For the agent platform each rejected pod is a "
        "run that failed or waits.",
        ("kubectl get events -A --field-selector reason=FailedCreate | grep 'exceeded quota'",
         "kubectl -n {ns} describe resourcequota"),
        ("Find the namespace from the events; if it is {ns}, see NamespaceResourceQuotaHigh.",
         "Make the run creator queue instead of failing (retry with backoff, or a Kueue "
         "queue) so a full quota delays runs instead of failing them."),
    ),
    "AgentCPUThrottlingHigh": Runbook(
        "A container was throttled in more than the threshold of its 100 ms CFS periods for "
        "the hold time: it wanted more CPU than its limit allows and ran slower.",
        ("kubectl -n {ns} top pod --containers",),
        ("Raise the CPU limit of the class (the tier) if runs take longer than they should; "
         "CPU is compressible, so throttling costs time, not the run.",
         "Short throttling during builds is normal; the hold time filters most of it."),
    ),
    "AgentCPUAboveRequest": Runbook(
        "An agent container has used more CPU than it requested for the hold time. It runs "
        "on CPU nobody reserved for it: on a full node it will be squeezed to its request.",
        ("kubectl -n {ns} top pod --containers",),
        ("A right-sizing signal: raise the class's CPU request if this is the norm "
         "(dashboard: CPU by agent class; the recommend report).",),
    ),
    "WorkspacePVCUsageHigh": Runbook(
        "A PVC in the namespace is above the threshold of its capacity. When it is full, "
        "writes fail and the run fails.",
        ("kubectl -n {ns} get pvc",
         "kubectl -n {ns} exec <pod> -- df -h /workspace"),
        ("If the run is near its end, let it finish; otherwise clean build caches in the "
         "workspace.",
         "If the class's workspaces often fill, move the agent to a larger workspace class in "
         "the policy (and check storage quota)."),
    ),
    "WorkspacePVCFillingUp": Runbook(
        "A PVC is at least half full and, at the rate of the recent window, its free space "
        "reaches zero within the horizon.",
        ("kubectl -n {ns} get pvc",
         "kubectl -n {ns} exec <pod> -- du -sh /workspace/*"),
        ("Same as WorkspacePVCUsageHigh, with the time to act the prediction gives.",),
    ),
    "PlatformHPAMaxedOut": Runbook(
        "One of the platform's HPAs has run at maxReplicas for the hold time: more load is "
        "not absorbed by more replicas.",
        ("kubectl get hpa -A | grep -E 'coderun-controller|argo-server'",
         "kubectl -n <namespace> describe hpa <hpa>"),
        ("Check the target's CPU against its requests: requests set too low keep the HPA "
         "at max with little real load.",
         "Raise maxReplicas in the policy if the load is real, and check the quota holds "
         "the new maximum (`provisor plan`)."),
    ),
    "PlatformHPAScalingInactive": Runbook(
        "One of the platform's HPAs reports the condition ScalingActive=False: it cannot "
        "compute its metrics (no metrics, missing requests, adapter down) and does not scale.",
        ("kubectl -n <namespace> describe hpa <hpa>   # Conditions, Events",
         "kubectl get apiservices | grep metrics"),
        ("Fix what the condition's message names: metrics-server or the metrics adapter, or "
         "a container without a CPU request in the target.",),
    ),
    "AgentVPARecommendationCapped": Runbook(
        "An agent VPA recommends more than its maxAllowed lets it set: the agents would use "
        "more than the tier plans for.",
        ("kubectl -n {ns} describe vpa <vpa>   # Status: Recommendation, Uncapped Target",),
        ("Review the tier: if measured usage is higher than the tier's request, raise the "
         "tier in the policy (maxAllowed follows it) and re-check the quota.",),
    ),
    "AgentVPARecommendationExceedsQuota": Runbook(
        "At each agent's max concurrency, the VPA targets would need more than the quota "
        "leaves for agents (hard minus the controller's planned share).",
        ("kubectl -n {ns} get vpa", "kubectl -n {ns} describe resourcequota"),
        ("Either lower agents' max concurrency or raise the quota in the policy; "
         "`provisor plan` shows the arithmetic.",),
    ),
    "AgentPodPendingTooLong": Runbook(
        "An agent pod has been Pending for the hold time: no node has room for its requests, "
        "or its volume cannot be provisioned.",
        ("kubectl -n {ns} describe pod <pod>   # Events: FailedScheduling",
         "kubectl get nodes -o wide", "kubectl -n {ns} get pvc"),
        ("Add node capacity, or lower the concurrency; check the storage class provisions "
         "volumes.",),
    ),
    "ControllerAvailabilityBelowPDB": Runbook(
        "A platform controller (coderun controller, Argo server) has fewer healthy pods than "
        "its PodDisruptionBudget requires.",
        ("kubectl get pdb -A | grep -E 'coderun-controller|argo-server'",
         "kubectl -n <namespace> get pods -l <selector> -o wide"),
        ("Find why pods are not ready (crash loop, OOM, node loss); drains are blocked while "
         "the budget is exhausted.",),
    ),
}


def _page(policy: Policy, spec: m.AlertSpec) -> str:
    ns = policy.namespace.name
    rb = RUNBOOKS[spec.alert]
    hold = (f"Fires after the condition holds for {spec.for_}." if spec.for_
            else "Fires as soon as the condition holds.")
    lines = [
        f"# {spec.alert}",
        "",
        f"Severity: **{spec.severity}**. {hold}",
        "",
        f"> {spec.summary}.",
        "",
        "## Meaning",
        "",
        rb.meaning.replace("{ns}", ns),
        "",
        "## Confirm",
        "",
        "The alert's expression (paste into Prometheus):",
        "",
        "```promql",
        spec.expr.rstrip(),
        "```",
        "",
        "```sh",
        *[c.replace("{ns}", ns).replace("{{", "{").replace("}}", "}") for c in rb.confirm],
        "```",
        "",
        "## What to do",
        "",
        *[f"- {a.replace('{ns}', ns)}" for a in rb.actions],
        "",
        "Thresholds and hold times are in the policy (`alerts:`), each with its reason; "
        "`provisor alerts test` measures this alert's precision and recall on simulated "
        "incidents.",
        "",
    ]
    return "\n".join(lines)


def runbook_pages(policy: Policy) -> dict[str, str]:
    """``<Alert>.md`` -> Markdown text for every rendered alert, plus ``README.md`` (the
    index).

    Raises:
        KeyError: an alert has no entry in :data:`RUNBOOKS` (a programming error, caught by
            the tests).
    """
    specs = m.alert_specs(policy)
    out = {f"{s.alert}.md": _page(policy, s) for s in specs}
    out["README.md"] = index_page(specs)
    return out


def index_page(specs: list[m.AlertSpec]) -> str:
    lines = ["# Runbooks", "", "One page per alert of the rendered PrometheusRule.", "",
             "| alert | severity | summary |", "|---|---|---|"]
    lines += [f"| [{s.alert}]({s.alert}.md) | {s.severity} | {s.summary} |" for s in specs]
    return "\n".join(lines) + "\n"
