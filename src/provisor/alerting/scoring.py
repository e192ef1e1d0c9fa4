"""Score alert firings against ground truth.

Definitions (per alert ``A`` with the incident kinds ``K(A)`` it is meant to catch):

* an *episode* is one contiguous firing of one label set of ``A`` (``engine.Firing``);
* an episode **matches** an incident ``i`` when ``i.kind`` is in ``K(A)``, the labels both
  carry agree (``namespace``, ``pod``, ``container``, ``persistentvolumeclaim``,
  ``horizontalpodautoscaler``, ``poddisruptionbudget``, ``verticalpodautoscaler``,
  ``resourcequota``, ``resource``), and the episode *starts* inside
  ``[i.start_s - 2 evaluation intervals, i.end_s + grace]``: ``grace`` is the alert's
  ``for`` plus the longest range in its expression plus two evaluation intervals (an alert
  about an instant event, an OOM kill, fires after it and stays while the event is inside
  its lookback). An episode that began before the incident was not caused by it: an alert
  that is always on (a threshold below normal load) detects nothing;
* **TP**: episodes that match an incident; **FP**: episodes that match none;
* an incident is **detected** when a compatible episode fires at some time inside
  ``[i.start_s, i.end_s + grace]`` (an episode already firing counts, with delay 0);
* **FN**: *significant* incidents of a kind in ``K(A)`` that are not detected. Instant
  kinds (``oom-kill``, ``quota-rejection``) are always significant; a condition (CPU above
  80% of the limit, ...) is significant when it lasts at least ``min_incident_s`` (default
  900 s: longer than the spec's holds of 5-10 minutes plus the 5-minute rate window; a
  few-minute build burst above 80% is not an incident anyone wants paged for). Episodes matching a short condition count as TP (the
  alert was right) but short conditions do not enter recall;
* precision = TP / (TP + FP); recall = detected / (detected + FN); **delay** = first firing
  of a matching episode minus the incident's start (seconds), over detected incidents;
* the spec's metric, the **false-positive rate of resource alerts** = sum of FP / sum of
  episodes over every scored alert (target: below 5%).

An alert whose kinds are unknown (a user's alert about something the scenarios do not
model) is reported with its episode count and not scored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisor.alerting.engine import Firing
from provisor.policy.model import duration_seconds

__all__ = ["IncidentLike", "AlertScore", "Score", "score", "kinds_for_expr", "grace_seconds",
           "INSTANT_KINDS", "MATCH_LABELS", "FP_TARGET"]

#: The spec: "< 5% false positive rate for resource alerts".
FP_TARGET = 0.05
INSTANT_KINDS = frozenset({"oom-kill", "quota-rejection", "node-pressure-eviction"})
MATCH_LABELS = ("namespace", "pod", "container", "persistentvolumeclaim",
                "horizontalpodautoscaler", "poddisruptionbudget", "verticalpodautoscaler",
                "resourcequota", "resource")


class IncidentLike(Protocol):
    kind: str
    start_s: float
    end_s: float
    labels: dict[str, str]


_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p), k) for p, k in (
        (r"OOMKilled|container_oom_events_total", ("oom-kill",)),
        (r"container_memory_working_set_bytes", ("memory-high",)),
        (r"cfs_throttled", ("cpu-throttled",)),
        (r"container_cpu_usage_seconds_total", ("cpu-high",)),
        (r"admission_duration_seconds_count|quota_rejections_total", ("quota-rejection",)),
        (r"kube_resourcequota", ("quota-high",)),
        (r"kubelet_volume_stats", ("pvc-full",)),
        (r'ScalingActive', ("hpa-inactive",)),
        (r"horizontalpodautoscaler_spec_max_replicas", ("hpa-maxed",)),
        (r"verticalpodautoscaler", ("vpa-capped",)),
        (r'phase="Pending"', ("pod-pending",)),
        (r"poddisruptionbudget|deployment_status_replicas_available", ("controller-unavailable",)),
    ))


def kinds_for_expr(expr: str) -> tuple[str, ...]:
    """The incident kinds an alert expression is about, from the series it reads (first
    matching rule wins: an OOM alert that also reads the working set is an OOM alert)."""
    for pat, kinds in _RULES:
        if pat.search(expr):
            return kinds
    return ()


_RANGE = re.compile(r"\[(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)(?::[^\]]*)?\]")


def grace_seconds(expr: str, for_: str | None, eval_interval_s: float) -> float:
    """``for`` + the longest range selector in ``expr`` + two evaluation intervals."""
    longest = max((duration_seconds(m) for m in _RANGE.findall(expr)), default=0.0)
    hold = duration_seconds(for_) if isinstance(for_, str) and for_ else 0.0
    return hold + longest + 2 * eval_interval_s


@dataclass
class AlertScore:
    """One alert over all scenarios. ``delays_s``: one per detected incident."""

    alert: str
    kinds: tuple[str, ...]
    episodes: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    detected: int = 0
    delays_s: list[float] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return bool(self.kinds)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.detected / (self.detected + self.fn) if self.detected + self.fn else None

    def delay(self, how: str) -> float | None:
        if not self.delays_s:
            return None
        d = sorted(self.delays_s)
        if how == "mean":
            return sum(d) / len(d)
        if how == "median":
            mid = len(d) // 2
            return d[mid] if len(d) % 2 else (d[mid - 1] + d[mid]) / 2
        return d[-1]

    def to_json(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {"alert": self.alert, "kinds": list(self.kinds), "scored": self.scored,
                "episodes": self.episodes, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "detected_incidents": self.detected, "precision": r(self.precision),
                "recall": r(self.recall), "delay_mean_s": r(self.delay("mean")),
                "delay_median_s": r(self.delay("median")), "delay_max_s": r(self.delay("max")),
                "false_positive_examples": self.false_positives[:5]}


@dataclass
class Score:
    """Scores of one rule set: per alert, and the false-positive rate over scored alerts."""

    alerts: dict[str, AlertScore]

    @property
    def fp_rate(self) -> float | None:
        eps = sum(a.episodes for a in self.alerts.values() if a.scored)
        return sum(a.fp for a in self.alerts.values() if a.scored) / eps if eps else None

    @property
    def missed(self) -> int:
        return sum(a.fn for a in self.alerts.values())

    def to_json(self) -> dict[str, Any]:
        fp = self.fp_rate
        return {"alerts": [a.to_json() for _, a in sorted(self.alerts.items())],
                "fp_rate": None if fp is None else round(fp, 4), "fp_target": FP_TARGET,
                "fp_pass": None if fp is None else fp < FP_TARGET,
                "missed_incidents": self.missed}


def _compatible(fl: Mapping[str, str], il: Mapping[str, str]) -> bool:
    return all(fl[k] == il[k] for k in MATCH_LABELS if k in fl and k in il)


def score(firings: Sequence[Firing], incidents: Iterable[IncidentLike],
          alert_kinds: Mapping[str, tuple[str, ...]], grace: Mapping[str, float], *,
          min_incident_s: float = 900.0, eval_interval_s: float = 60.0, scenario: str = "",
          into: Score | None = None,
          context_kinds: Mapping[str, tuple[str, ...]] | None = None) -> Score:
    """Score one scenario's ``firings`` against its ``incidents`` (added to ``into`` when
    given, so scenarios and seeds accumulate).

    Args:
        alert_kinds: alert name -> the incident kinds it targets (empty: not scored).
        grace: alert name -> seconds an episode may start after its incident ends.
        min_incident_s: shortest condition incident counted for recall.
        eval_interval_s: the evaluation interval (an episode may start up to two of them
            before its incident: the sampling grid).
        context_kinds: incident kind -> the kinds it stands for (a twin scenario's fault
            window): an episode of an alert for one of them that starts inside the window
            (plus grace) is a true positive; such incidents never count as misses.
    """
    context_kinds = context_kinds or {}
    out = into or Score({})
    incs = list(incidents)
    for name, kinds in alert_kinds.items():
        out.alerts.setdefault(name, AlertScore(name, tuple(kinds)))
    by_alert: dict[str, list[Firing]] = {}
    for f in firings:
        by_alert.setdefault(f.alert, []).append(f)
        out.alerts.setdefault(f.alert, AlertScore(f.alert, tuple(alert_kinds.get(f.alert, ()))))
    for name, sc in sorted(out.alerts.items()):
        eps = by_alert.get(name, [])
        sc.episodes += len(eps)
        if not sc.scored:
            continue
        g = grace.get(name, 0.0)
        tol = 2 * eval_interval_s
        targets = [i for i in incs if i.kind in sc.kinds]
        context = [i for i in incs if set(context_kinds.get(i.kind, ())) & set(sc.kinds)]
        first_hit: dict[int, float] = {}
        for f in eps:
            fl = dict(f.labels)
            hit = False
            for k, i in enumerate(targets):
                if not _compatible(fl, i.labels):
                    continue
                if i.start_s - tol <= f.start_s <= i.end_s + g:
                    hit = True
                if f.start_s <= i.end_s + g and f.end_s >= i.start_s:
                    # firing during the incident (or within grace after it): detected
                    at = max(f.start_s, i.start_s)
                    first_hit[k] = min(first_hit.get(k, at), at)
            if not hit:
                hit = any(i.start_s - tol <= f.start_s <= i.end_s + g for i in context)
            if hit:
                sc.tp += 1
            else:
                sc.fp += 1
                sc.false_positives.append({"scenario": scenario, "labels": fl,
                                           "start_s": f.start_s, "end_s": f.end_s})
        for k, i in enumerate(targets):
            significant = i.kind in INSTANT_KINDS or i.end_s - i.start_s >= min_incident_s
            if not significant:
                continue
            if k in first_hit:
                sc.detected += 1
                sc.delays_s.append(first_hit[k] - i.start_s)
            else:
                sc.fn += 1
    return out
