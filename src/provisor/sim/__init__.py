"""``provisor.sim``: a deterministic digital twin of the platform (``provisor simulate``).

Public API::

    load_inputs(policy=None, paths=(), *, nodes=(), workload=None, scenarios=()) -> SimInputs
    simulate(inputs, *, days=7.0, seed=0, progress=None) -> SimResult
    SimResult.scorecard / .ground_truth / .summary / .series() / .to_json()
    Scorecard.set(metric_id, value, status)

``load_inputs``: with no policy and no paths, the built-in policy rendered in memory (plus the
controller Deployments its bundle assumes: coderun-controller, argo-server); with paths, the
manifests read with the ``check`` loader (Nodes among them become the cluster). ``nodes``:
``--nodes`` specs (``"6x cpu=16,memory=64Gi,pods=110"``); ``workload``: a workload YAML file;
``scenarios``: built-in names (``provisor.sim.scenarios.BUILTIN``) or scenario YAML files. Raises
``SimInputError`` (``file``, ``line``, ``field``) on bad input.

``simulate`` is a pure function of (inputs, days, seed): the same arguments give byte-identical
``to_json()`` and series. ``progress(done_s, total_s)`` is called with simulated seconds.

Units: simulated time in seconds from 0 (a Monday 00:00; series timestamps are
``START_EPOCH`` + that), CPU millicores inside and cores in series, memory bytes.
See docs/simulate.md for the engine, the scorecard definitions and the JSON schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provisor.sim.inputs import SimInputError, SimInputs, load_inputs, parse_node_spec
from provisor.sim.model import Incident, Metric, Scorecard, stable
from provisor.sim.recorder import START_EPOCH

if TYPE_CHECKING:
    from provisor.series import SeriesSet

JSON_SCHEMA_VERSION = 1


@dataclass
class SimResult:
    """What one simulation produced.

    Attributes:
        scorecard: the spec's success metrics (``Scorecard``).
        ground_truth: ``Incident`` list: scenario faults, OOM kills, evictions, HPA rescales,
            and the intervals the default alerts should catch (``cpu-high``, ``memory-high``,
            ``quota-high``), sorted by start time.
        summary: queue wait, runs, evictions, ... (see docs/simulate.md; keys name their unit).
        days, seed: the run's arguments; ``source``: where the objects came from;
        ``scenarios``: scenario names.
    """

    scorecard: Scorecard
    ground_truth: list[Incident]
    summary: dict[str, Any]
    days: float = 7.0
    seed: int = 0
    source: str = ""
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    _series: "SeriesSet | None" = None
    _recorded: Any = None

    def series(self) -> "SeriesSet":
        """The recorded series (cAdvisor, kube-state-metrics, kubelet volume stats,
        ``provisor_*``) as a ``provisor.series.SeriesSet``; timestamps are epoch seconds
        (``START_EPOCH`` + simulated seconds)."""
        from provisor.series import SeriesSet

        if self._series is None:
            self._series = self._recorded.build() if self._recorded is not None else SeriesSet()
            self._recorded = None
        return self._series

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (docs/simulate.md): every number's unit is in its key or in
        the metric's ``unit``."""
        return stable({
            "schema_version": JSON_SCHEMA_VERSION,
            "source": self.source,
            "days": self.days,
            "seed": self.seed,
            "start_epoch_s": START_EPOCH,
            "scenarios": self.scenarios,
            "scorecard": self.scorecard.to_json(),
            "summary": self.summary,
            "ground_truth": [i.to_json() for i in self.ground_truth],
        })


def simulate(inputs: SimInputs, *, days: float = 7.0, seed: int = 0,
             progress: Callable[[float, float], None] | None = None) -> SimResult:
    """Run the twin for ``days`` simulated days with RNG seed ``seed``.

    Raises ``ValueError`` when ``days`` is not positive."""
    from provisor.sim.engine import Engine
    from provisor.sim.scorecard import build_scorecard, build_summary

    if not days > 0:
        raise ValueError("days must be > 0")
    eng = Engine(inputs, days, seed, progress)
    eng.run()
    incidents = sorted(eng.incidents + eng.recorder.events,
                       key=lambda i: (i.start_s, i.end_s, i.kind, sorted(i.labels.items())))
    scs = [{"name": s.name, "description": s.description,
            "faults": [f.model_dump(exclude_none=True) for f in s.faults]} for s in inputs.scenarios]
    return SimResult(scorecard=build_scorecard(eng), ground_truth=incidents,
                     summary=build_summary(eng), days=float(days), seed=int(seed),
                     source=inputs.source, scenarios=scs, _recorded=eng.recorder.data())


__all__ = [
    "Incident",
    "Metric",
    "START_EPOCH",
    "Scorecard",
    "SimInputError",
    "SimInputs",
    "SimResult",
    "load_inputs",
    "parse_node_spec",
    "simulate",
]
