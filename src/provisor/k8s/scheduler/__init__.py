"""``provisor.k8s.scheduler``: where kube-scheduler can place a pod, how it scores nodes, whom
it preempts. Pure functions and small classes, no I/O; the digital twin calls them for every
pending pod on every node, so per-pod work is done once and per-node checks are integer compares.

Upstream (kubernetes/kubernetes, 1.35): ``pkg/scheduler/framework/plugins/noderesources/``
(``fit.go``, ``resource_allocation.go``, ``least_allocated.go``, ``most_allocated.go``,
``requested_to_capacity_ratio.go``, ``balanced_allocation.go``),
``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``,
``pkg/scheduler/framework/preemption/preemption.go``, ``pkg/scheduler/framework/types.go``.
Pod requests come from ``provisor.k8s.resources.pod_requests`` (component-helpers
``PodRequests``); PDB selectors from ``provisor.k8s.selectors``.

Units: CPU in integer millicores; memory, ephemeral-storage and hugepages in integer bytes;
extended resources in integer units; ``status.startTime`` in integer nanoseconds.
Objects are Kubernetes JSON-form dicts. A malformed quantity raises
``provisor.quantity.QuantityError``; invalid plugin arguments raise ``ArgsError`` (a
``ValueError`` whose ``errors`` are ``(type, field, detail)`` triples).

Statuses: ``Status(code, reasons)`` with ``code`` in ``"Success"``, ``"Unschedulable"``,
``"UnschedulableAndUnresolvable"``, ``"Error"``, ``"Skip"``; ``status.message`` joins the
reasons with ``", "``.

Node state
    ``NodeInfo(node: dict | None = None, pods: Iterable[dict | PodInfo] = (), *, features=Features())``
        ``.allocatable`` / ``.requested`` / ``.non_zero_requested`` are ``Resource``
        (``milli_cpu``, ``memory``, ``ephemeral_storage``, ``allowed_pod_number``,
        ``scalar: dict[str, int]``); ``.add_pod(pod) -> PodInfo`` and ``.remove_pod(pod | key)``
        are O(1); ``.snapshot()`` copies the pod set and totals; ``.pods``, ``.num_pods``.
    ``PodInfo(pod, features)``: ``requests`` (``Resource``), ``non0_cpu`` / ``non0_mem``
        (100m / 200Mi counted for containers without a request), ``priority``, ``start_ns``.
        Build it once per pod and reuse it across nodes.
    ``Features``: the feature gates honoured (1.35 defaults).

NodeResourcesFit (filter)
    ``NodeResourcesFit(args: FitArgs = FitArgs(), features=Features(), dra_resources=None)``
        ``FitArgs(ignored_resources, ignored_resource_groups, scoring_strategy)``.
        ``.pre_filter(pod) -> (Status, Resource | None)``;
        ``.filter(request: Resource, node_info) -> Status`` (reasons ``"Too many pods"``,
        ``"Insufficient cpu"``, ``"Insufficient memory"``, ``"Insufficient ephemeral-storage"``,
        ``"Insufficient <name>"``; UnschedulableAndUnresolvable when a request exceeds the
        node's allocatable by itself); ``.insufficient(request, node_info) ->
        list[InsufficientResource]``; ``.filter_pod(pod, node_info)``.
    ``compute_pod_resource_request(pod, *, pod_level_resources=True) -> Resource``,
    ``fits_request(request, node_info, ...) -> list[InsufficientResource]``,
    ``fits(pod, node_info) -> list[InsufficientResource]``, ``is_fit(pod, node) -> bool``,
    ``have_any_requested_resources_increased(pod, old_node, new_node) -> bool``, queueing hints
    ``is_schedulable_after_node_change`` / ``is_schedulable_after_pod_event`` -> ``"Queue"`` |
    ``"QueueSkip"``.

Scores (0..100, integer arithmetic as upstream)
    ``NodeResourcesFit(...).pre_score(pod) -> list[int]`` then ``.score(pod_requests, node_info)``
    with ``ScoringStrategy(type="LeastAllocated" | "MostAllocated" | "RequestedToCapacityRatio",
    resources=(ResourceSpec(name, weight), ...), requested_to_capacity_ratio_shape=(...))``;
    weights must be in [1, 100]. ``BalancedAllocation(resources, features=...)``:
    ``.pre_score(pod) -> list[int] | None`` (``None`` = Skip, best-effort pod),
    ``.score(pod_requests, node_info)``, ``.score_pod(pod, node_info)``. Building blocks:
    ``least_requested_score``, ``most_requested_score``, ``balanced_resource_scorer``, ...
    ``ScoreError`` when no resource is configured.

DefaultPreemption
    ``preempt(pod, nodes: Iterable[NodeInfo], node_statuses: Mapping[str, Status | str], pdbs=(),
    *, args=DefaultPreemptionArgs(), fit=None, node_filter=None, offset=0, nominated_pods=None)
    -> PreemptionResult(status, nominated_node_name, victims, num_pdb_violations,
    lower_priority_nominated_pods, node_statuses)``.
    ``pod_eligible_to_preempt_others(pod, node_infos, nominated_node_status_code) -> (bool, str)``;
    ``select_victims_on_node(pod, node_info, pdbs, *, node_filter=None, nominated_pods=None) ->
    VictimSelection(victims, num_pdb_violations, status)``;
    ``filter_pods_with_pdb_violation(pods, pdbs) -> (violating, non_violating)``;
    ``dry_run_preemption(pod, potential_nodes, pdbs, offset, num_candidates, *, node_filter=None)
    -> (list[Candidate], dict[str, Status])``; ``calculate_num_candidates(n, args)``;
    ``pick_one_node_for_preemption({node: Victims}) -> str``; ``select_candidate(candidates)``.
    PDBs are ``policy/v1`` dicts; the scheduler reads ``status.disruptionsAllowed`` and
    ``status.disruptedPods`` from them as they are (no recomputation).
    ``node_filter``: ``f(node_info) -> Status``, the profile's filters for this pod
    (default: ``fit_filter(pod, NodeResourcesFit())``).
"""

from __future__ import annotations

from provisor.k8s.scheduler.fit import (
    QUEUE,
    QUEUE_SKIP,
    FitArgs,
    InsufficientResource,
    NodeResourcesFit,
    compute_pod_resource_request,
    fits,
    fits_request,
    has_restartable_init_container,
    have_any_requested_resources_increased,
    is_fit,
    is_schedulable_after_node_change,
    is_schedulable_after_pod_event,
)
from provisor.k8s.scheduler.framework import (
    DEFAULT_FEATURES,
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    ERROR,
    MAX_NODE_SCORE,
    SKIP,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    Features,
    NodeInfo,
    PodInfo,
    Resource,
    Status,
    is_extended_resource_name,
    is_scalar_resource_name,
    more_important_pod,
    pod_priority,
    pod_start_time_ns,
)
from provisor.k8s.scheduler.preemption import (
    Candidate,
    DefaultPreemptionArgs,
    PreemptionResult,
    VictimSelection,
    Victims,
    calculate_num_candidates,
    dry_run_preemption,
    filter_pods_with_pdb_violation,
    fit_error_message,
    fit_filter,
    pick_one_node_for_preemption,
    pod_eligible_to_preempt_others,
    preempt,
    select_candidate,
    select_victims_on_node,
)
from provisor.k8s.scheduler.score import (
    LEAST_ALLOCATED,
    MOST_ALLOCATED,
    REQUESTED_TO_CAPACITY_RATIO,
    ArgsError,
    BalancedAllocation,
    ResourceAllocationScorer,
    ResourceSpec,
    ScoreError,
    ScoringStrategy,
    UtilizationShapePoint,
    balanced_resource_scorer,
    least_requested_score,
    most_requested_score,
)

__all__ = [
    "ArgsError",
    "BalancedAllocation",
    "Candidate",
    "DEFAULT_FEATURES",
    "DEFAULT_MEMORY_REQUEST",
    "DEFAULT_MILLI_CPU_REQUEST",
    "DefaultPreemptionArgs",
    "ERROR",
    "Features",
    "FitArgs",
    "InsufficientResource",
    "LEAST_ALLOCATED",
    "MAX_NODE_SCORE",
    "MOST_ALLOCATED",
    "NodeInfo",
    "NodeResourcesFit",
    "PodInfo",
    "PreemptionResult",
    "QUEUE",
    "QUEUE_SKIP",
    "REQUESTED_TO_CAPACITY_RATIO",
    "Resource",
    "ResourceAllocationScorer",
    "ResourceSpec",
    "SKIP",
    "SUCCESS",
    "ScoreError",
    "ScoringStrategy",
    "Status",
    "UNSCHEDULABLE",
    "UNSCHEDULABLE_AND_UNRESOLVABLE",
    "UtilizationShapePoint",
    "VictimSelection",
    "Victims",
    "balanced_resource_scorer",
    "calculate_num_candidates",
    "compute_pod_resource_request",
    "dry_run_preemption",
    "filter_pods_with_pdb_violation",
    "fit_error_message",
    "fit_filter",
    "fits",
    "fits_request",
    "has_restartable_init_container",
    "have_any_requested_resources_increased",
    "is_extended_resource_name",
    "is_fit",
    "is_scalar_resource_name",
    "is_schedulable_after_node_change",
    "is_schedulable_after_pod_event",
    "least_requested_score",
    "more_important_pod",
    "most_requested_score",
    "pick_one_node_for_preemption",
    "pod_eligible_to_preempt_others",
    "pod_priority",
    "pod_start_time_ns",
    "preempt",
    "select_candidate",
    "select_victims_on_node",
]
