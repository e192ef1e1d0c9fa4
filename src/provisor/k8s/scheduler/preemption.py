"""DefaultPreemption: who may preempt, which pods a node would lose, which node is chosen.

Follows, in kubernetes/kubernetes:

* ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go`` --
  ``SelectVictimsOnNode``, ``PodEligibleToPreemptOthers``, ``podTerminatingByPreemption``,
  ``filterPodsWithPDBViolation``, ``calculateNumCandidates``, ``isPreemptionAllowed``;
* ``pkg/scheduler/framework/preemption/preemption.go`` -- ``Evaluator.Preempt``,
  ``findCandidates``, ``DryRunPreemption``, ``SelectCandidate``, ``pickOneNodeForPreemption``,
  ``getLowerPriorityNominatedPods``;
* ``pkg/scheduler/framework/runtime/framework.go`` -- ``RunFilterPluginsWithNominatedPods``
  (nominated pods of equal or higher priority count on their node, then the filters run again
  without them);
* ``pkg/scheduler/util/utils.go`` -- ``GetEarliestPodStartTime``, ``MoreImportantPod``;
* ``pkg/scheduler/framework/types.go`` -- ``FitError.Error`` (the "0/N nodes are available"
  message);
* ``pkg/scheduler/apis/config/validation/validation_pluginargs.go`` --
  ``ValidateDefaultPreemptionArgs``.

Deviations, all deterministic stand-ins for nondeterminism upstream: the dry run visits nodes
sequentially from ``offset`` (upstream runs 16 goroutines and stops once enough candidates are
found; with parallelism 1, as upstream's tests run it, the result is the same); upstream picks a
random offset, here the caller passes it (default 0); ties that upstream leaves to Go map order
or to an unstable sort keep the caller's order; a pod without ``status.startTime`` counts as
started "now", i.e. later than any recorded start time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, TypeVar

from provisor.k8s.scheduler.fit import NodeResourcesFit
from provisor.k8s.scheduler.framework import (
    ERROR,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    NodeInfo,
    PodInfo,
    Status,
    _NO_START_TIME,
    _SUCCESS_STATUS,
    importance_sort_key,
    pod_priority,
    pod_start_time_ns,
)
from provisor.k8s.scheduler.score import ArgsError
from provisor.k8s.selectors import Selector, SelectorError, compile_selector

__all__ = [
    "NO_VICTIMS_MESSAGE",
    "NOT_HELPFUL_MESSAGE",
    "DefaultPreemptionArgs",
    "calculate_num_candidates",
    "Victims",
    "Candidate",
    "VictimSelection",
    "PreemptionResult",
    "NodeFilter",
    "fit_filter",
    "filter_pods_with_pdb_violation",
    "select_victims_on_node",
    "pod_terminating_by_preemption",
    "pod_eligible_to_preempt_others",
    "dry_run_preemption",
    "earliest_pod_start_time_ns",
    "pick_one_node_for_preemption",
    "select_candidate",
    "get_lower_priority_nominated_pods",
    "fit_error_message",
    "preempt",
]

NO_VICTIMS_MESSAGE = "No preemption victims found for incoming pod"
NOT_HELPFUL_MESSAGE = "Preemption is not helpful for scheduling"

NodeFilter = Callable[[NodeInfo], Status]
"""The filters of the scheduling profile for one pending pod: ``f(node_info) -> Status``."""

_INT32_OFFSET = (1 << 31)  # MaxInt32 + 1


@dataclass(frozen=True, slots=True)
class DefaultPreemptionArgs:
    """``DefaultPreemptionArgs`` (defaults 10 % and 100, upstream's). Raises ``ArgsError`` when
    the percentage is outside [0, 100], the absolute number is negative, or both are 0."""

    min_candidate_nodes_percentage: int = 10
    min_candidate_nodes_absolute: int = 100

    def __post_init__(self) -> None:
        errs: list[tuple[str, str, str]] = []
        p, a = self.min_candidate_nodes_percentage, self.min_candidate_nodes_absolute
        if p < 0 or p > 100:
            errs.append(("Invalid", "minCandidateNodesPercentage", f"{p}: not in valid range [0, 100]"))
        if a < 0:
            errs.append(("Invalid", "minCandidateNodesAbsolute", f"{a}: not in valid range [0, inf)"))
        if p == 0 and a == 0:
            errs.append(("Invalid", "minCandidateNodesPercentage", "0: cannot be zero at the same time as minCandidateNodesAbsolute"))
            errs.append(("Invalid", "minCandidateNodesAbsolute", "0: cannot be zero at the same time as minCandidateNodesPercentage"))
        if errs:
            raise ArgsError(errs)


def calculate_num_candidates(num_nodes: int, args: DefaultPreemptionArgs = DefaultPreemptionArgs()) -> int:
    """How many candidates the dry run looks for (``calculateNumCandidates``):
    ``num_nodes * percentage / 100`` (truncated), at least the absolute number, at most
    ``num_nodes``."""
    n = num_nodes * args.min_candidate_nodes_percentage // 100
    if n < args.min_candidate_nodes_absolute:
        n = args.min_candidate_nodes_absolute
    if n > num_nodes:
        n = num_nodes
    return n


@dataclass(frozen=True, slots=True)
class Victims:
    """The pods a node would lose (``extenderv1.Victims``): ``pods`` (dicts, most important
    first) and ``num_pdb_violations`` (how many of them go although their PDB allows no more
    disruptions)."""

    pods: tuple[Mapping[str, Any], ...]
    num_pdb_violations: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A node where preemption makes the pod fit, and its victims."""

    name: str
    victims: Victims


@dataclass(frozen=True, slots=True)
class VictimSelection:
    """Result of ``select_victims_on_node``: ``victims`` (pod dicts, most important first),
    ``num_pdb_violations`` and ``status`` (Success, or why the node cannot be a candidate)."""

    victims: tuple[Mapping[str, Any], ...]
    num_pdb_violations: int
    status: Status


@dataclass(frozen=True, slots=True)
class PreemptionResult:
    """Result of ``preempt`` (``PostFilterResult`` plus ``Status``).

    * ``status``: Success; Unschedulable (not eligible, or no candidate -- the message then is
      ``"preemption: 0/N nodes are available: ..."``); Error.
    * ``nominated_node_name``: the chosen node; ``""`` means "clear the pod's nomination"
      (no candidate); ``None`` means "leave it unchanged" (not eligible, or an error).
    * ``victims`` / ``num_pdb_violations``: what to evict on that node (empty otherwise).
    * ``lower_priority_nominated_pods``: pods nominated to that node with a lower priority,
      whose nomination the scheduler clears.
    * ``node_statuses``: per node evaluated without success, its status.
    """

    status: Status
    nominated_node_name: str | None = None
    victims: tuple[Mapping[str, Any], ...] = ()
    num_pdb_violations: int = 0
    lower_priority_nominated_pods: tuple[Mapping[str, Any], ...] = ()
    node_statuses: Mapping[str, Status] = field(default_factory=dict)


def fit_filter(pod: Mapping[str, Any], fit: NodeResourcesFit | None = None) -> NodeFilter:
    """The NodeResourcesFit filter bound to ``pod`` (its requests computed once). When the
    plugin's PreFilter rejects the pod, the returned filter returns that status for every node."""
    fit = fit if fit is not None else NodeResourcesFit()
    st, req = fit.pre_filter(pod)
    if req is None:
        return lambda _ni: st
    return lambda ni: fit.filter(req, ni)


# --- PDBs ------------------------------------------------------------------------------------


class _PDB:
    __slots__ = ("namespace", "selector", "allowed", "disrupted")

    def __init__(self, pdb: Mapping[str, Any]) -> None:
        self.namespace = (pdb.get("metadata") or {}).get("namespace") or ""
        self.selector: Selector | None
        try:
            self.selector = compile_selector((pdb.get("spec") or {}).get("selector"))
        except SelectorError:
            self.selector = None
        status = pdb.get("status") or {}
        self.allowed = int(status.get("disruptionsAllowed") or 0)
        self.disrupted = frozenset((status.get("disruptedPods") or {}).keys())


def _compile_pdbs(pdbs: Iterable[Mapping[str, Any]] | None) -> list[_PDB]:
    return [_PDB(p) for p in (pdbs or ())]


class _HasPod(Protocol):
    """A wrapper of a pod dict: ``PodInfo`` or ``_LightPod``."""

    @property
    def pod(self) -> Mapping[str, Any]: ...


_P = TypeVar("_P", bound=_HasPod)


def _split_by_pdb(pod_infos: Sequence[_P], pdbs: Sequence[_PDB]) -> tuple[list[_P], list[_P]]:
    allowed = [p.allowed for p in pdbs]
    violating: list[_P] = []
    non_violating: list[_P] = []
    for pi in pod_infos:
        violated = False
        meta = pi.pod.get("metadata") or {}
        labels = meta.get("labels")
        if labels and pdbs:
            ns = meta.get("namespace") or ""
            name = meta.get("name") or ""
            for i, pdb in enumerate(pdbs):
                if pdb.namespace != ns:
                    continue
                sel = pdb.selector
                if sel is None or sel.empty or not sel.matches(labels):
                    continue
                if name in pdb.disrupted:
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pi)
    return violating, non_violating


def filter_pods_with_pdb_violation(
    pods: Sequence[Mapping[str, Any] | PodInfo], pdbs: Iterable[Mapping[str, Any]] | None
) -> tuple[list[Mapping[str, Any] | PodInfo], list[Mapping[str, Any] | PodInfo]]:
    """Split ``pods`` (in order) into those whose eviction would violate a PDB and the others
    (``filterPodsWithPDBViolation``).

    Each PDB (a ``policy/v1`` PodDisruptionBudget dict) starts with its
    ``status.disruptionsAllowed``; going through the pods in order, every PDB of the pod's
    namespace whose ``spec.selector`` matches the pod's labels is decremented -- unless the pod
    is already in its ``status.disruptedPods`` -- and a pod that drives one below zero is
    violating. A pod without labels, a PDB without a selector or with an empty or invalid one
    match nothing. Returns ``(violating, non_violating)`` as the given objects.
    """
    infos: list[PodInfo | _LightPod] = [
        p if isinstance(p, PodInfo) else _LightPod(p) for p in pods
    ]
    v, nv = _split_by_pdb(infos, _compile_pdbs(pdbs))
    return [_unwrap(x) for x in v], [_unwrap(x) for x in nv]


def _unwrap(x: PodInfo | _LightPod) -> Mapping[str, Any] | PodInfo:
    """The object ``filter_pods_with_pdb_violation`` was given for ``x``."""
    return x if isinstance(x, PodInfo) else x.pod


class _LightPod:
    __slots__ = ("pod",)

    def __init__(self, pod: Mapping[str, Any]) -> None:
        self.pod = pod


# --- victims on one node -----------------------------------------------------------------------


def _nominated_ge(pod: PodInfo, nominated: Iterable[Mapping[str, Any] | PodInfo] | None, node_info: NodeInfo) -> list[PodInfo]:
    out: list[PodInfo] = []
    for p in nominated or ():
        pi = node_info.pod_info(p)
        if pi.priority >= pod.priority and pi.key != pod.key:
            out.append(pi)
    return out


def _run_filters(node_filter: NodeFilter, ni: NodeInfo, nominated: list[PodInfo]) -> Status:
    if nominated:
        with_nominated = ni.snapshot()
        for p in nominated:
            with_nominated.add_pod(p)
        st = node_filter(with_nominated)
        if not st.is_success:
            return st
    return node_filter(ni)


def _select_victims(
    pod: PodInfo,
    node_info: NodeInfo,
    pdbs: Sequence[_PDB],
    node_filter: NodeFilter,
    nominated: list[PodInfo],
) -> tuple[list[PodInfo], int, Status]:
    prio = pod.priority
    potential = [pi for pi in node_info.iter_pods() if pi.priority < prio]
    if not potential:
        return [], 0, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (NO_VICTIMS_MESSAGE,))
    ni = node_info.snapshot()
    for pi in potential:
        ni.remove_pod(pi)
    st = _run_filters(node_filter, ni, nominated)
    if not st.is_success:
        return [], 0, st
    potential.sort(key=importance_sort_key)
    violating, non_violating = _split_by_pdb(potential, pdbs)
    victims: list[PodInfo] = []
    num_violating = 0
    for group, counts in ((violating, True), (non_violating, False)):
        for pi in group:
            ni.add_pod(pi)
            if _run_filters(node_filter, ni, nominated).is_success:
                continue
            ni.remove_pod(pi)
            victims.append(pi)
            if counts:
                num_violating += 1
    if violating and non_violating:
        victims.sort(key=importance_sort_key)
    return victims, num_violating, _SUCCESS_STATUS


def select_victims_on_node(
    pod: Mapping[str, Any] | PodInfo,
    node_info: NodeInfo,
    pdbs: Iterable[Mapping[str, Any]] | None = None,
    *,
    node_filter: NodeFilter | None = None,
    nominated_pods: Iterable[Mapping[str, Any] | PodInfo] | None = None,
) -> VictimSelection:
    """The fewest lower-priority pods ``node_info`` must lose for ``pod`` to fit
    (``SelectVictimsOnNode``). ``node_info`` is not modified.

    1. Every pod of lower priority than ``pod`` is a potential victim; none -> status
       UnschedulableAndUnresolvable "No preemption victims found for incoming pod".
    2. With all of them removed the filters must pass, else their status is returned.
    3. Potential victims are sorted most important first (priority, then earlier start) and split
       by ``filter_pods_with_pdb_violation``; the PDB-violating ones, then the others, are put
       back one at a time and kept when the filters still pass, else they become victims
       (a violating one counts in ``num_pdb_violations``).

    ``node_filter`` defaults to NodeResourcesFit with default args; ``nominated_pods`` are
    pods nominated to this node (those of priority >= the pod's count during filtering).
    """
    pi = node_info.pod_info(pod)
    nf = node_filter if node_filter is not None else fit_filter(pi.pod)
    victims, nv, st = _select_victims(pi, node_info, _compile_pdbs(pdbs), nf, _nominated_ge(pi, nominated_pods, node_info))
    return VictimSelection(tuple(v.pod for v in victims), nv, st)


# --- eligibility -------------------------------------------------------------------------------


def pod_terminating_by_preemption(pod: Mapping[str, Any]) -> bool:
    """True when the pod has a ``deletionTimestamp`` and its (first) ``DisruptionTarget``
    condition is ``True`` with reason ``PreemptionByScheduler`` (``podTerminatingByPreemption``)."""
    if (pod.get("metadata") or {}).get("deletionTimestamp") is None:
        return False
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "DisruptionTarget":
            return c.get("status") == "True" and c.get("reason") == "PreemptionByScheduler"
    return False


def pod_eligible_to_preempt_others(
    pod: Mapping[str, Any],
    node_infos: Mapping[str, NodeInfo] | None = None,
    nominated_node_status_code: str | None = None,
) -> tuple[bool, str]:
    """Whether ``pod`` may preempt (``PodEligibleToPreemptOthers``) and, if not, why.

    Not eligible: ``spec.preemptionPolicy: Never`` ("not eligible due to
    preemptionPolicy=Never."); or the pod is nominated to a node (``status.nominatedNodeName``)
    where a lower-priority pod is terminating because of a preemption ("not eligible due to a
    terminating pod on the nominated node."), unless that node's filter status code
    (``nominated_node_status_code``) is UnschedulableAndUnresolvable. ``node_infos``: node name
    -> ``NodeInfo``.
    """
    spec = pod.get("spec") or {}
    if spec.get("preemptionPolicy") == "Never":
        return False, "not eligible due to preemptionPolicy=Never."
    nom = (pod.get("status") or {}).get("nominatedNodeName")
    if nom:
        if nominated_node_status_code == UNSCHEDULABLE_AND_UNRESOLVABLE:
            return True, ""
        ni = (node_infos or {}).get(nom)
        if ni is not None:
            prio = pod_priority(pod)
            for pi in ni.iter_pods():
                if pi.priority < prio and pod_terminating_by_preemption(pi.pod):
                    return False, "not eligible due to a terminating pod on the nominated node."
    return True, ""


# --- dry run and choice ------------------------------------------------------------------------


def _dry_run(
    pod: PodInfo,
    potential_nodes: Sequence[NodeInfo],
    pdbs: Sequence[_PDB],
    offset: int,
    num_candidates: int,
    node_filter: NodeFilter,
    nominated: Mapping[str, Iterable[Mapping[str, Any] | PodInfo]] | None,
) -> tuple[list[Candidate], dict[str, Status]]:
    non_violating: list[Candidate] = []
    violating: list[Candidate] = []
    statuses: dict[str, Status] = {}
    n = len(potential_nodes)
    for i in range(n):
        ni = potential_nodes[(offset + i) % n]
        name = ni.name
        nom = _nominated_ge(pod, nominated.get(name), ni) if nominated else []
        victims, nv, st = _select_victims(pod, ni, pdbs, node_filter, nom)
        if st.is_success and victims:
            target = non_violating if nv == 0 else violating
            if len(target) < num_candidates:
                target.append(Candidate(name, Victims(tuple(v.pod for v in victims), nv)))
            if non_violating and len(non_violating) + len(violating) >= num_candidates:
                break
            continue
        if st.is_success:
            st = Status(ERROR, (f'expected at least one victim pod on node "{name}"',))
        statuses[name] = st
    return non_violating + violating, statuses


def dry_run_preemption(
    pod: Mapping[str, Any] | PodInfo,
    potential_nodes: Sequence[NodeInfo],
    pdbs: Iterable[Mapping[str, Any]] | None,
    offset: int,
    num_candidates: int,
    *,
    node_filter: NodeFilter | None = None,
    nominated_pods: Mapping[str, Iterable[Mapping[str, Any] | PodInfo]] | None = None,
) -> tuple[list[Candidate], dict[str, Status]]:
    """Evaluate ``select_victims_on_node`` on ``potential_nodes`` starting at index ``offset``
    and wrapping around (``DryRunPreemption``).

    Candidates without PDB violations and those with violations are kept apart, each list
    capped at ``num_candidates``; the run stops once there is at least one non-violating
    candidate and the two lists hold ``num_candidates`` together. Returns
    ``(non_violating + violating, statuses)`` where ``statuses`` maps every node that did not
    become a candidate to its status. ``nominated_pods``: node name -> pods nominated there.
    """
    first = potential_nodes[0] if potential_nodes else None
    pi = pod if isinstance(pod, PodInfo) else (first.pod_info(pod) if first is not None else PodInfo(pod))
    nf = node_filter if node_filter is not None else fit_filter(pi.pod)
    return _dry_run(pi, potential_nodes, _compile_pdbs(pdbs), offset, num_candidates, nf, nominated_pods)


def earliest_pod_start_time_ns(victims: Victims) -> int | None:
    """The earliest start time among the highest-priority victims (``GetEarliestPodStartTime``),
    in nanoseconds; a pod without a start time counts as "now" (the largest value); ``None``
    when there are no victims."""
    if not victims.pods:
        return None

    def start(p: Mapping[str, Any]) -> int:
        s = pod_start_time_ns(p)
        return _NO_START_TIME if s is None else s

    earliest = start(victims.pods[0])
    max_prio = pod_priority(victims.pods[0])
    for p in victims.pods:
        prio = pod_priority(p)
        if prio == max_prio:
            s = start(p)
            if s < earliest:
                earliest = s
        elif prio > max_prio:
            max_prio = prio
            earliest = start(p)
    return earliest


def pick_one_node_for_preemption(
    nodes_to_victims: Mapping[str, Victims],
    score_funcs: Sequence[Callable[[str], int]] | None = None,
) -> str:
    """The node to preempt on (``pickOneNodeForPreemption``); ``""`` for an empty map.

    Each criterion keeps the nodes with the best value, in order: fewest PDB violations; lowest
    highest victim priority (the first victim's); lowest sum of victim priorities (each shifted
    by 2^31 so that more negative-priority victims still cost more); fewest victims; latest
    ``earliest_pod_start_time_ns``; then the first remaining node (upstream: Go map order).
    ``score_funcs`` (higher is better) replace these criteria, as ``OrderedScoreFuncs`` does.
    """
    if not nodes_to_victims:
        return ""
    candidates = list(nodes_to_victims)
    if not score_funcs:
        v = nodes_to_victims

        def latest_start(n: str) -> int:
            e = earliest_pod_start_time_ns(v[n])
            return -(1 << 63) if e is None else e

        score_funcs = (
            lambda n: -v[n].num_pdb_violations,
            lambda n: -pod_priority(v[n].pods[0]),
            lambda n: -sum(pod_priority(p) + _INT32_OFFSET for p in v[n].pods),
            lambda n: -len(v[n].pods),
            latest_start,
        )
    for f in score_funcs:
        best: list[str] = []
        best_score: int | None = None
        for n in candidates:
            s = f(n)
            if best_score is None or s > best_score:
                best_score = s
                best = [n]
            elif s == best_score:
                best.append(n)
        if len(best) == 1:
            return best[0]
        candidates = best
    return candidates[0]


def select_candidate(candidates: Sequence[Candidate]) -> Candidate | None:
    """The best candidate (``SelectCandidate``): ``None`` for none, the only one for one, else
    ``pick_one_node_for_preemption`` over the candidates (a later candidate for the same node
    replaces an earlier one)."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    victims = {c.name: c.victims for c in candidates}
    name = pick_one_node_for_preemption(victims)
    return Candidate(name, victims[name])


def get_lower_priority_nominated_pods(
    pod: Mapping[str, Any], nominated_pods: Iterable[Mapping[str, Any]] | None
) -> list[Mapping[str, Any]]:
    """The pods of ``nominated_pods`` (those nominated to the chosen node) with a lower
    priority than ``pod`` (``getLowerPriorityNominatedPods``)."""
    prio = pod_priority(pod)
    return [p for p in nominated_pods or () if pod_priority(p) < prio]


def fit_error_message(num_all_nodes: int, statuses: Mapping[str, Status], absent_reasons: Sequence[str] = (NOT_HELPFUL_MESSAGE,)) -> str:
    """``FitError.Error()``: ``"0/N nodes are available: <count> <reason>, ..."`` with the
    reasons of ``statuses`` counted per node, nodes absent from ``statuses`` counted under
    ``absent_reasons``, and the "count reason" strings sorted."""
    reasons: Counter[str] = Counter()
    for st in statuses.values():
        for r in st.reasons:
            reasons[r] += 1
    if len(statuses) < num_all_nodes:
        for r in absent_reasons:
            reasons[r] += num_all_nodes - len(statuses)
    parts = sorted(f"{c} {r}" for r, c in reasons.items())
    msg = f"0/{num_all_nodes} nodes are available:"
    if parts:
        msg += " " + ", ".join(parts)
    return msg + "."


def _code(s: Status | str | None, default: str) -> str:
    if s is None:
        return default
    return s.code if isinstance(s, Status) else s


def preempt(
    pod: Mapping[str, Any],
    nodes: Iterable[NodeInfo],
    node_statuses: Mapping[str, Status | str],
    pdbs: Iterable[Mapping[str, Any]] | None = None,
    *,
    args: DefaultPreemptionArgs = DefaultPreemptionArgs(),
    fit: NodeResourcesFit | None = None,
    node_filter: NodeFilter | None = None,
    offset: int = 0,
    nominated_pods: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    absent_status_code: str = UNSCHEDULABLE_AND_UNRESOLVABLE,
) -> PreemptionResult:
    """The DefaultPreemption PostFilter (``Evaluator.Preempt`` with ``prepareCandidate``'s
    decisions returned instead of executed).

    Args:
        pod: the pending pod (its ``status.nominatedNodeName`` is read).
        nodes: every node of the cluster as ``NodeInfo``, in the scheduler's order.
        node_statuses: node name -> filter status (``Status`` or code) of the failed scheduling
            attempt; only ``Unschedulable`` nodes are tried, a node missing from it has
            ``absent_status_code``.
        pdbs: PodDisruptionBudget dicts (their ``status.disruptionsAllowed`` and
            ``status.disruptedPods`` are read as the scheduler reads them).
        args: ``DefaultPreemptionArgs``; ``offset``: where the dry run starts (upstream: random).
        fit / node_filter: the filters to satisfy (default NodeResourcesFit with default args).
        nominated_pods: node name -> pods nominated to it.

    Returns a ``PreemptionResult``; the status message carries upstream's ``"preemption: "``
    prefix.
    """
    node_list = list(nodes)
    by_name = {ni.name: ni for ni in node_list}
    nom = (pod.get("status") or {}).get("nominatedNodeName") or ""
    nom_code = _code(node_statuses.get(nom), absent_status_code) if nom else absent_status_code
    ok, why = pod_eligible_to_preempt_others(pod, by_name, nom_code)
    if not ok:
        return PreemptionResult(Status(UNSCHEDULABLE, ("preemption: " + why,)))
    if not node_list:
        return PreemptionResult(Status(ERROR, ("preemption: no nodes available",)))
    potential = [ni for ni in node_list if _code(node_statuses.get(ni.name), absent_status_code) == UNSCHEDULABLE]
    candidates: list[Candidate] = []
    statuses: dict[str, Status] = {}
    if potential:
        pi = potential[0].pod_info(pod)
        nf = node_filter if node_filter is not None else fit_filter(pod, fit)
        num = calculate_num_candidates(len(potential), args)
        candidates, statuses = _dry_run(pi, potential, _compile_pdbs(pdbs), offset, num, nf, nominated_pods)
    if not candidates:
        errors = [st.message for st in statuses.values() if st.code == ERROR]
        if errors:
            agg = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            return PreemptionResult(Status(ERROR, ("preemption: " + agg,)), node_statuses=statuses)
        msg = "preemption: " + fit_error_message(len(node_list), statuses)
        return PreemptionResult(Status(UNSCHEDULABLE, (msg,)), nominated_node_name="", node_statuses=statuses)
    best = select_candidate(candidates)
    assert best is not None
    lower = get_lower_priority_nominated_pods(pod, (nominated_pods or {}).get(best.name))
    return PreemptionResult(
        Status(SUCCESS),
        nominated_node_name=best.name,
        victims=best.victims.pods,
        num_pdb_violations=best.victims.num_pdb_violations,
        lower_priority_nominated_pods=tuple(lower),
        node_statuses=statuses,
    )
