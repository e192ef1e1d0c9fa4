"""The workload and scenario schemas of the digital twin (``provisor simulate``).

These are pydantic models so that a policy's ``workload:`` section, a ``--workload FILE`` and a
``--scenario FILE`` are validated the same way, with errors by field path. They live here (not
in ``provisor.sim``) because the policy model embeds ``Workload`` and ``policy`` may not import
``sim`` (DESIGN.md layering); ``provisor.sim.workload`` re-exports them.

Units: time in seconds (float), CPU in integer millicores, memory and storage in integer
bytes. Quantities are accepted as Kubernetes strings (``"500m"``, ``"2"``, ``"8Gi"``) or as
numbers (millicores for ``*_millicores``-style CPU fields; bytes for memory). Rates are per
hour. ``docs/simulate.md`` documents every field; ``docs/workload.schema.json`` is generated
from :class:`Workload` (``python -m provisor.sim.workload``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from provisor.quantity import Quantity, QuantityError


def _cpu_millicores(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a CPU quantity such as '500m' or '2'")
    if isinstance(value, int):
        return value
    if isinstance(value, (str, float)):
        try:
            return Quantity.parse(value if isinstance(value, str) else str(value)).milli_value()
        except QuantityError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"expected a CPU quantity such as '500m' or '2', got {value!r}")


def _bytes(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a memory quantity such as '8Gi'")
    if isinstance(value, int):
        return value
    if isinstance(value, (str, float)):
        try:
            return Quantity.parse(value if isinstance(value, str) else repr(value)).int_value()
        except QuantityError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"expected a memory quantity such as '8Gi', got {value!r}")


#: CPU: a quantity string ("500m", "2") or an integer number of millicores.
Millicores = Annotated[int, BeforeValidator(_cpu_millicores), Field(ge=0), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}],
     "description": "CPU: millicores, or a Kubernetes quantity such as '500m' or '2'"})]
#: Memory/storage: a quantity string ("8Gi") or an integer number of bytes.
Bytes = Annotated[int, BeforeValidator(_bytes), Field(ge=0), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}],
     "description": "bytes, or a Kubernetes quantity such as '8Gi'"})]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- distributions ----------------------------------------------------------------------------


class Constant(_M):
    """Always ``value``."""

    kind: Literal["constant"] = "constant"
    value: float = Field(ge=0)


class Exponential(_M):
    """Exponential with mean ``mean``."""

    kind: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0)


class LogNormal(_M):
    """Log-normal given by its median and 95th percentile (``p95 >= median``):
    mu = ln(median), sigma = ln(p95/median) / 1.6448536269514722."""

    kind: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    p95: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self) -> "LogNormal":
        if self.p95 < self.median:
            raise ValueError("p95 must be >= median")
        return self


class Empirical(_M):
    """Draws uniformly from ``values`` (or from the numbers of ``file``, one per line or a YAML
    list; ``load_inputs`` reads the file, relative to the workload file, into ``values``)."""

    kind: Literal["empirical"] = "empirical"
    values: list[float] = Field(default_factory=list)
    file: str | None = None

    @model_validator(mode="after")
    def _some(self) -> "Empirical":
        if not self.values and not self.file:
            raise ValueError("empirical needs values or file")
        if any(v < 0 for v in self.values):
            raise ValueError("empirical values must be >= 0")
        return self


Distribution = Annotated[Union[Constant, Exponential, LogNormal, Empirical],
                         Field(discriminator="kind")]


# --- arrivals -----------------------------------------------------------------------------------


class Burst(_M):
    """``factor`` x the arrival rate from ``start_s`` for ``duration_s`` seconds."""

    start_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    factor: float = Field(gt=0, le=1000)


class Arrivals(_M):
    """A non-homogeneous Poisson process of workflow arrivals.

    rate(t) = ``rate_per_hour`` x ``hourly[hour of day]`` x ``weekly[day of week]`` x the
    factors of the bursts covering t x the growth factor ``max(0, 1 + growth_per_day x
    t / 86400)``. The simulated clock starts at 00:00 on a Monday.

    ``growth_per_day`` is *linear* growth of the base rate, as a fraction of the rate at the
    start per day (0.05: five more percent of the day-0 rate each day, so the rate doubles
    after 20 days; negative: a decline, the rate stays at 0 once it reaches it). Linear, not
    compound: a team adding agents at a steady pace adds work at a steady pace, a capacity
    forecast's linear trend (ETS additive trend, ARIMA drift) is the model of it, and the
    rate stays bounded over long runs (compound growth at a few percent a day overflows in a
    ten-year simulation). 0 (the default) leaves the arrivals exactly as without the field.
    """

    rate_per_hour: float = Field(ge=0, le=1_000_000)
    growth_per_day: float = Field(
        default=0.0, ge=-1, le=10,
        description="linear growth of the arrival rate per day, as a fraction of the rate at "
        "the start (0.05 = +5 % of the day-0 rate each day; negative for a decline, floored at "
        "0); the rate at time t is multiplied by max(0, 1 + growth_per_day x t / 86400 s)")
    hourly: list[Annotated[float, Field(ge=0, le=1000)]] | None = Field(
        default=None, min_length=24, max_length=24)
    weekly: list[Annotated[float, Field(ge=0, le=1000)]] | None = Field(
        default=None, min_length=7, max_length=7)
    bursts: list[Burst] = Field(default_factory=list)

    def growth_factor(self, t: float) -> float:
        """The growth multiplier of the rate at ``t`` seconds after the start:
        ``max(0, 1 + growth_per_day x t / 86400)`` (exactly 1.0 without growth)."""
        if not self.growth_per_day:
            return 1.0
        return max(0.0, 1.0 + self.growth_per_day * t / 86400.0)


# --- usage profiles -----------------------------------------------------------------------------


class CpuProfile(_M):
    """CPU demand of a stage's container: ``base`` millicores, and ``burst`` millicores for a
    share ``burst_share`` of the time (builds, tests), in bursts of mean ``burst_mean_s``."""

    base: Millicores
    burst: Millicores = 0
    burst_share: float = Field(default=0.0, ge=0, le=1)
    burst_mean_s: float = Field(default=60.0, gt=0)


class MemoryProfile(_M):
    """Working set of a stage's container: ``start`` bytes when it starts, growing linearly
    with the work done to a peak drawn per run from ``peak`` (a distribution in bytes; the
    context grows as the agent reads the codebase), with multiplicative noise ``noise`` (the
    relative standard deviation per sample)."""

    start: Bytes
    peak: Distribution
    noise: float = Field(default=0.02, ge=0, le=0.5)


class Rework(_M):
    """After the stage completes, with probability ``probability`` the workflow goes back to
    stage ``to`` (a stage name earlier in the workflow)."""

    probability: float = Field(ge=0, le=1)
    to: str


class Stage(_M):
    """One agent run of a workflow.

    ``agent``: the agent class, i.e. a PodTemplate with ``provisor.dev/max-concurrency`` (its
    name, or the agent name ``rex`` for PodTemplate ``coderun-rex``); a list picks one
    uniformly per run (implementation by Rex or Blaze). ``duration``: seconds of work at full
    speed. ``workspace_written``: bytes written to the workspace PVC by the end of the run.
    """

    name: str
    agent: str | list[str]
    duration: Distribution
    cpu: CpuProfile
    memory: MemoryProfile
    workspace_written: Distribution = Field(default_factory=lambda: Constant(value=0.0))
    rework: Rework | None = None

    def agents(self) -> list[str]:
        return [self.agent] if isinstance(self.agent, str) else list(self.agent)


class WorkflowSpec(_M):
    """A kind of workflow: its stages in order; ``weight`` its share of arrivals."""

    name: str
    weight: float = Field(default=1.0, gt=0)
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="after")
    def _rework_targets(self) -> "WorkflowSpec":
        names = [s.name for s in self.stages]
        for i, s in enumerate(self.stages):
            if s.rework is not None and s.rework.to not in names[: i + 1]:
                raise ValueError(f"stage {s.name!r}: rework.to {s.rework.to!r} is not this or "
                                 f"an earlier stage ({', '.join(names[: i + 1])})")
        return self


# --- controllers, queueing, timings -------------------------------------------------------------


class ControllerLoad(_M):
    """Load of a controller Deployment as a function of the active runs ``n``: each pod's CPU
    demand is ``(cpu_base + cpu_per_active_run * n) / ready replicas + cpu_per_pod`` millicores
    (work is shared), its working set ``memory_base + memory_per_active_run * n`` bytes (every
    replica caches the same objects, so memory does not fall when pods are added).
    ``external_metric``: the External metric its HPA reads whose value is the number of
    running workflows (e.g. ``argo_workflows_gauge``)."""

    deployment: str
    namespace: str | None = None
    cpu_base: Millicores = 0
    cpu_per_active_run: Millicores = 0
    cpu_per_pod: Millicores = 0
    memory_base: Bytes = 0
    memory_per_active_run: Bytes = 0
    external_metric: str | None = None


class Queueing(_M):
    """What a run's creator does when quota admission rejects its pod.

    ``fail``: the run fails. ``retry``: create again after ``retry_initial_s`` doubling up to
    ``retry_max_s``, at most ``retry_max_attempts`` times, then fail. ``strict-fifo`` /
    ``best-effort-fifo``: hold the run in a Kueue-style queue ordered by priority then creation
    time, admitted when quota frees; StrictFIFO blocks behind its head, BestEffortFIFO lets a
    later run that fits go first (Kueue ``ClusterQueue.queueingStrategy``).
    """

    mode: Literal["fail", "retry", "strict-fifo", "best-effort-fifo"] = "retry"
    retry_initial_s: float = Field(default=10.0, gt=0)
    retry_max_s: float = Field(default=300.0, gt=0)
    retry_max_attempts: int = Field(default=10, ge=0)


class Timings(_M):
    """Start-up and control-loop timings (seconds).

    ``image_pull``: from binding to the container start (image pull and start). ``readiness``:
    from the container start to Ready. ``tick``: the kubelet/usage step (metrics-server's
    ``--metric-resolution``, 15 s by default, is the same step). ``scrape``: the recorder's
    interval (a Prometheus scrape). ``vpa_interval``: the VPA recommender/updater loop (1 min
    upstream). ``drain_retry``: kubectl drain's wait after a 429 (5 s upstream).
    """

    image_pull: Distribution = Field(default_factory=lambda: LogNormal(median=8.0, p95=30.0))
    readiness: float = Field(default=5.0, ge=0)
    tick: float = Field(default=15.0, ge=1, le=60)
    scrape: float = Field(default=30.0, ge=1, le=3600)
    vpa_interval: float = Field(default=60.0, ge=1, le=3600)
    hpa_sync: float = Field(default=15.0, ge=1, le=3600)
    drain_retry: float = Field(default=1.0 * 5, ge=0.5, le=3600)


class Workload(_M):
    """What the platform is asked to do (see docs/simulate.md).

    ``backoff_limit``: the Job ``backoffLimit`` of each run (Kubernetes' default is 6): a run
    whose pod fails more than this many times fails. ``runs_restart_policy`` is read from the
    agent PodTemplate (``Never`` for provisor's: the Job creates a new pod)."""

    arrivals: Arrivals
    workflows: list[WorkflowSpec] = Field(min_length=1)
    controllers: list[ControllerLoad] = Field(default_factory=list)
    queueing: Queueing = Field(default_factory=Queueing)
    timings: Timings = Field(default_factory=Timings)
    backoff_limit: int = Field(default=6, ge=0)


# --- scenarios ---------------------------------------------------------------------------------


class Fault(_M):
    """One fault of a scenario. ``at_s``: when it starts; ``duration_s``: how long (for
    ``spike``, ``memory-leak``, ``quota-cut``; ``node-loss`` is permanent unless set).

    kinds: ``spike`` (``factor`` x arrivals), ``memory-leak`` (the working set of ``agent``'s
    containers grows by ``leak_bytes_per_s`` on top of its profile), ``drain`` (drain ``node``
    or, unset, the node running most pods; eviction API with PDBs, ``timeout_s`` as kubectl
    drain's ``--timeout``, 0 = forever), ``rolling-upgrade`` (drain each node in turn and
    replace it after ``replace_s``), ``node-loss`` (``node`` stops; its pods are deleted after
    the not-ready toleration, 300 s), ``quota-cut`` (every ResourceQuota's hard x ``factor``).
    """

    kind: Literal["spike", "memory-leak", "drain", "rolling-upgrade", "node-loss", "quota-cut"]
    at_s: float = Field(ge=0)
    duration_s: float | None = Field(default=None, gt=0)
    factor: float | None = Field(default=None, gt=0, le=1000)
    agent: str | None = None
    leak_bytes_per_s: float | None = Field(default=None, gt=0)
    node: str | None = None
    timeout_s: float = Field(default=0.0, ge=0)
    replace_s: float = Field(default=120.0, ge=0)


class Scenario(_M):
    """A named set of faults (``steady`` has none)."""

    name: str
    description: str = ""
    faults: list[Fault] = Field(default_factory=list)
