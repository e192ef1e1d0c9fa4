"""The VPA recommender's usage model: per-container sample intake and aggregated histograms.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender/model/``:
``aggregations_config.go``, ``container.go`` and ``aggregate_container_state.go``.

Public API
----------
``AggregationsConfig`` / ``DEFAULT_AGGREGATIONS_CONFIG``
    Memory aggregation interval (24h) and count (8), histogram decay half-lives (24h), bucket
    growth (5%), OOM bump (x1.2, at least 100 MiB), and the CPU / memory histogram options
    (exponential: CPU 0.01..1000 cores, memory 1e7..1e12 bytes, ratio 1.05, epsilon 1e-4).
``ContainerUsageSample(measure_start, usage, resource)``
    One measurement: ``usage`` in millicores (CPU) or bytes (memory).
``ContainerState(request, aggregator)``
    One container instance. ``add_sample`` feeds every CPU sample to the aggregation (weight
    ``MIN_SAMPLE_WEIGHT``) and keeps *one memory peak per aggregation interval*: a higher
    sample inside the current interval replaces the interval's peak (subtract old, add new).
    ``record_oom(timestamp, requested_memory)`` adds an artificial peak of
    ``max(used + oom_min_bump_up, used * oom_bump_up_ratio)`` where ``used`` is the larger of
    the request and the interval's observed peak.
``AggregateContainerState``
    The aggregation the estimators read: decaying CPU-usage and memory-peak histograms, first
    and last CPU sample times, the CPU sample count, the policy-derived controlled resources and
    scaling mode, and checkpoint save/load.
``aggregate_state_by_container_name(states)``
    Merge aggregations keyed by ``AggregateStateKey`` into one per container name.

Units: CPU amounts in integer millicores, memory in integer bytes, histograms in cores and bytes
(floats). Times are float Unix seconds and durations float seconds; they are held as integer
nanoseconds inside, like Go's ``time`` values, and ``GO_ZERO_TIME`` stands for Go's unset
``time.Time{}``.

Left out: upstream's quality metrics (Prometheus side effects of ``observeQualityMetrics``) and
the cluster-state proxy; ``time.Now()`` calls are replaced by explicit ``creation_time`` /
``now`` arguments.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from provisor.quantity import Quantity

from ._gomath import (
    GO_ZERO_TIME,
    GO_ZERO_TIME_NS,
    duration_truncate,
    ns_to_seconds,
    seconds_to_ns,
    time_sub,
)
from .histogram import (
    DecayingHistogram,
    ExponentialHistogramOptions,
    Histogram,
    HistogramCheckpoint,
)
from .types import (
    RESOURCE_CPU,
    RESOURCE_MEMORY,
    bytes_from_memory_amount,
    cores_from_cpu_amount,
    memory_amount_from_bytes,
    resource_amount_max,
    resource_names_api_to_model,
    scale_resource,
)

__all__ = [
    "DEFAULT_AGGREGATIONS_CONFIG",
    "DEFAULT_CONTROLLED_RESOURCES",
    "DEFAULT_CPU_HISTOGRAM_DECAY_HALF_LIFE",
    "DEFAULT_HISTOGRAM_BUCKET_SIZE_GROWTH",
    "DEFAULT_MEMORY_AGGREGATION_INTERVAL",
    "DEFAULT_MEMORY_AGGREGATION_INTERVAL_COUNT",
    "DEFAULT_MEMORY_HISTOGRAM_DECAY_HALF_LIFE",
    "DEFAULT_OOM_BUMP_UP_RATIO",
    "DEFAULT_OOM_MIN_BUMP_UP",
    "EPSILON",
    "MIN_SAMPLE_WEIGHT",
    "SUPPORTED_CHECKPOINT_VERSION",
    "AggregateContainerState",
    "AggregateStateKey",
    "AggregationsConfig",
    "CheckpointVersionError",
    "ContainerState",
    "ContainerStateAggregator",
    "ContainerUsageSample",
    "OOMRecordError",
    "VPACheckpointStatus",
    "aggregate_state_by_container_name",
]

#: Weight of every CPU sample before decay (upstream ``minSampleWeight``).
MIN_SAMPLE_WEIGHT = 0.1
#: Smallest weight kept in the recommender's histograms (upstream ``0.001 * minSampleWeight``).
#: Go folds that constant expression exactly to the double nearest 1e-4; the runtime float
#: product 0.001 * 0.1 happens to round to that same double, so the two agree.
EPSILON = 0.001 * MIN_SAMPLE_WEIGHT
DEFAULT_MEMORY_AGGREGATION_INTERVAL_COUNT = 8
DEFAULT_MEMORY_AGGREGATION_INTERVAL = 24 * 3600.0
DEFAULT_HISTOGRAM_BUCKET_SIZE_GROWTH = 0.05
DEFAULT_MEMORY_HISTOGRAM_DECAY_HALF_LIFE = 24 * 3600.0
DEFAULT_CPU_HISTOGRAM_DECAY_HALF_LIFE = 24 * 3600.0
DEFAULT_OOM_BUMP_UP_RATIO = 1.2
DEFAULT_OOM_MIN_BUMP_UP = 100.0 * 1024 * 1024
#: Tag of the checkpoint format (upstream ``SupportedCheckpointVersion``).
SUPPORTED_CHECKPOINT_VERSION = "v3"
#: Resources a container policy controls when it names none.
DEFAULT_CONTROLLED_RESOURCES: tuple[str, ...] = (RESOURCE_CPU, RESOURCE_MEMORY)

SCALING_MODE_AUTO = "Auto"
SCALING_MODE_OFF = "Off"


class OOMRecordError(ValueError):
    """An OOM event that could not be recorded (too old, or an invalid sample)."""


class CheckpointVersionError(ValueError):
    """A VPA checkpoint in a format other than ``SUPPORTED_CHECKPOINT_VERSION``."""


@dataclass(frozen=True, slots=True)
class AggregationsConfig:
    """How samples are aggregated (upstream ``AggregationsConfig``); durations in seconds.

    ``cpu_histogram_options`` (exponential, max 1000 cores, first bucket 0.01 core) and
    ``memory_histogram_options`` (max 1e12 bytes, first bucket 1e7 bytes) are derived, both with
    ratio ``1 + histogram_bucket_size_growth`` and epsilon ``EPSILON``.
    """

    memory_aggregation_interval: float = DEFAULT_MEMORY_AGGREGATION_INTERVAL
    memory_aggregation_interval_count: int = DEFAULT_MEMORY_AGGREGATION_INTERVAL_COUNT
    memory_histogram_decay_half_life: float = DEFAULT_MEMORY_HISTOGRAM_DECAY_HALF_LIFE
    cpu_histogram_decay_half_life: float = DEFAULT_CPU_HISTOGRAM_DECAY_HALF_LIFE
    oom_bump_up_ratio: float = DEFAULT_OOM_BUMP_UP_RATIO
    oom_min_bump_up: float = DEFAULT_OOM_MIN_BUMP_UP
    histogram_bucket_size_growth: float = DEFAULT_HISTOGRAM_BUCKET_SIZE_GROWTH
    cpu_histogram_options: ExponentialHistogramOptions = field(init=False)
    memory_histogram_options: ExponentialHistogramOptions = field(init=False)

    def __post_init__(self) -> None:
        ratio = 1.0 + self.histogram_bucket_size_growth
        object.__setattr__(
            self, "cpu_histogram_options", ExponentialHistogramOptions(1000.0, 0.01, ratio, EPSILON)
        )
        object.__setattr__(
            self, "memory_histogram_options", ExponentialHistogramOptions(1e12, 1e7, ratio, EPSILON)
        )

    @property
    def memory_aggregation_window_length(self) -> float:
        """interval * count, seconds (upstream ``GetMemoryAggregationWindowLength``)."""
        return ns_to_seconds(
            seconds_to_ns(self.memory_aggregation_interval) * self.memory_aggregation_interval_count
        )


DEFAULT_AGGREGATIONS_CONFIG = AggregationsConfig()


@dataclass(slots=True)
class ContainerUsageSample:
    """A usage measurement (upstream ``ContainerUsageSample``).

    ``measure_start``: start of the measurement interval, float seconds. ``usage``: average CPU
    in millicores or memory in bytes (int). ``resource``: ``"cpu"`` or ``"memory"``.
    """

    measure_start: float
    usage: int
    resource: str

    def is_valid(self, expected_resource: str) -> bool:
        """Non-negative usage of the expected resource."""
        return self.usage >= 0 and self.resource == expected_resource


class ContainerStateAggregator(Protocol):
    """What a ``ContainerState`` feeds (upstream ``ContainerStateAggregator``)."""

    oom_bump_up_ratio: float
    oom_min_bump_up: float

    @property
    def memory_aggregation_interval(self) -> float: ...

    def add_sample(self, sample: ContainerUsageSample) -> None: ...

    def subtract_sample(self, sample: ContainerUsageSample) -> None: ...


def _format_go_time(ns: int) -> str:
    """A time the way Go's ``%v`` prints a UTC ``time.Time``."""
    secs, frac = divmod(ns - GO_ZERO_TIME_NS, 1_000_000_000)
    moment = _dt.datetime(1, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=secs)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + " +0000 UTC"


class ContainerState:
    """One container instance's recent usage (upstream ``ContainerState`` in container.go).

    ``request``: the container's current request, ``{"cpu": millicores, "memory": bytes}``.
    ``aggregator``: where samples go (normally an ``AggregateContainerState``).
    """

    __slots__ = (
        "request",
        "aggregator",
        "memory_peak",
        "oom_peak",
        "_last_cpu_ns",
        "_window_end_ns",
        "_last_memory_ns",
    )

    def __init__(self, request: Mapping[str, int], aggregator: ContainerStateAggregator) -> None:
        self.request = dict(request)
        self.aggregator = aggregator
        #: Highest memory sample in the current aggregation interval, bytes.
        self.memory_peak = 0
        #: Highest OOM-derived memory in the current aggregation interval, bytes.
        self.oom_peak = 0
        self._last_cpu_ns = GO_ZERO_TIME_NS
        self._window_end_ns = GO_ZERO_TIME_NS
        self._last_memory_ns = GO_ZERO_TIME_NS

    @property
    def last_cpu_sample_start(self) -> float:
        """Start of the latest aggregated CPU sample (float seconds; GO_ZERO_TIME if none)."""
        return ns_to_seconds(self._last_cpu_ns)

    @property
    def window_end(self) -> float:
        """End (exclusive) of the current memory aggregation interval, float seconds."""
        return ns_to_seconds(self._window_end_ns)

    @property
    def last_memory_sample_start(self) -> float:
        """Start of the latest memory sample taken in, float seconds."""
        return ns_to_seconds(self._last_memory_ns)

    def get_max_memory_peak(self) -> int:
        """The interval's peak, usage- or OOM-derived, bytes."""
        return resource_amount_max(self.memory_peak, self.oom_peak)

    def add_sample(self, sample: ContainerUsageSample) -> bool:
        """Take in a sample; False if it was discarded (invalid, duplicate, out of order, or of
        an unknown resource). Samples of one resource must come in time order."""
        if sample.resource == RESOURCE_CPU:
            return self._add_cpu_sample(sample)
        if sample.resource == RESOURCE_MEMORY:
            return self._add_memory_sample(sample, False)
        return False

    def _add_cpu_sample(self, sample: ContainerUsageSample) -> bool:
        ts = seconds_to_ns(sample.measure_start)
        if not sample.is_valid(RESOURCE_CPU) or not ts > self._last_cpu_ns:
            return False
        self.aggregator.add_sample(sample)
        self._last_cpu_ns = ts
        return True

    def _add_memory_sample(self, sample: ContainerUsageSample, is_oom: bool) -> bool:
        ts = seconds_to_ns(sample.measure_start)
        if not sample.is_valid(RESOURCE_MEMORY) or (not is_oom and ts < self._last_memory_ns):
            return False
        self._last_memory_ns = ts
        if self._window_end_ns == GO_ZERO_TIME_NS:
            self._window_end_ns = ts
        add_new_peak = False
        if ts < self._window_end_ns:
            old_max = self.get_max_memory_peak()
            if old_max != 0 and sample.usage > old_max:
                self.aggregator.subtract_sample(
                    ContainerUsageSample(self.window_end, old_max, RESOURCE_MEMORY)
                )
                add_new_peak = True
        else:
            interval = seconds_to_ns(self.aggregator.memory_aggregation_interval)
            shift = duration_truncate(time_sub(ts, self._window_end_ns), interval) + interval
            self._window_end_ns += shift
            self.memory_peak = 0
            self.oom_peak = 0
            add_new_peak = True
        if add_new_peak:
            self.aggregator.add_sample(
                ContainerUsageSample(self.window_end, sample.usage, RESOURCE_MEMORY)
            )
            if is_oom:
                self.oom_peak = sample.usage
            else:
                self.memory_peak = sample.usage
        return True

    def record_oom(self, timestamp: float, requested_memory: int) -> None:
        """Record an OOM kill at ``timestamp`` (float seconds) of a container that requested
        ``requested_memory`` bytes, as an artificial memory sample.

        Raises ``OOMRecordError`` when the event is older than one aggregation interval before
        the latest memory sample ("OOM event will be discarded - it is too old (...)"), or when
        the artificial sample is rejected ("adding OOM sample failed").
        """
        ts = seconds_to_ns(timestamp)
        interval = seconds_to_ns(self.aggregator.memory_aggregation_interval)
        if self._last_memory_ns != GO_ZERO_TIME_NS and ts < self._last_memory_ns - interval:
            raise OOMRecordError(
                f"OOM event will be discarded - it is too old ({_format_go_time(ts)})"
            )
        # The OOM peak is left out on purpose so that repeated OOMs do not compound.
        memory_used = resource_amount_max(requested_memory, self.memory_peak)
        memory_needed = resource_amount_max(
            memory_used + memory_amount_from_bytes(self.aggregator.oom_min_bump_up),
            scale_resource(memory_used, self.aggregator.oom_bump_up_ratio),
        )
        oom_sample = ContainerUsageSample(timestamp, memory_needed, RESOURCE_MEMORY)
        if not self._add_memory_sample(oom_sample, True):
            raise OOMRecordError("adding OOM sample failed")


@dataclass(slots=True)
class VPACheckpointStatus:
    """Serialised aggregation (upstream ``VerticalPodAutoscalerCheckpointStatus``); times in
    float seconds."""

    version: str = ""
    last_update_time: float = GO_ZERO_TIME
    first_sample_start: float = GO_ZERO_TIME
    last_sample_start: float = GO_ZERO_TIME
    total_samples_count: int = 0
    memory_histogram: HistogramCheckpoint = field(default_factory=HistogramCheckpoint)
    cpu_histogram: HistogramCheckpoint = field(default_factory=HistogramCheckpoint)


def _quantity_to_float(value: Any) -> float:
    """Upstream ``convertQuantityToFloat64``: ``MilliValue() / 1000.0``."""
    if value is None:
        return 0.0
    return float(Quantity.parse(value).milli_value()) / 1000.0


class AggregateContainerState:
    """Aggregated usage of a set of containers (upstream ``AggregateContainerState``).

    Attributes: ``aggregate_cpu_usage`` (histogram of CPU cores, each sample weight
    ``MIN_SAMPLE_WEIGHT`` before decay), ``aggregate_memory_peaks`` (histogram of bytes, one
    peak per container per interval), ``total_samples_count`` (CPU samples), ``is_under_vpa``,
    ``update_mode``, ``scaling_mode`` (``"Auto"``/``"Off"``/None), ``controlled_resources``
    (list or None for the default), ``oom_bump_up_ratio``, ``oom_min_bump_up`` (bytes, float),
    ``memory_aggregation_interval`` (seconds), ``memory_aggregation_interval_count``,
    ``last_recommendation`` (resource list or None); and float-second times
    ``first_sample_start``, ``last_sample_start`` (CPU samples only) and ``creation_time``.

    ``config`` supplies histogram options, half-lives and the OOM / interval defaults;
    ``cpu_histogram`` / ``memory_histogram`` replace the decaying histograms (tests use fakes).
    """

    __slots__ = (
        "aggregate_cpu_usage",
        "aggregate_memory_peaks",
        "total_samples_count",
        "last_recommendation",
        "is_under_vpa",
        "update_mode",
        "scaling_mode",
        "controlled_resources",
        "oom_bump_up_ratio",
        "oom_min_bump_up",
        "memory_aggregation_interval_count",
        "_memory_interval_ns",
        "_first_ns",
        "_last_ns",
        "_creation_ns",
    )

    def __init__(
        self,
        config: AggregationsConfig = DEFAULT_AGGREGATIONS_CONFIG,
        *,
        creation_time: float = 0.0,
        cpu_histogram: Histogram | Any | None = None,
        memory_histogram: Histogram | Any | None = None,
    ) -> None:
        self.aggregate_cpu_usage = (
            cpu_histogram
            if cpu_histogram is not None
            else DecayingHistogram(
                config.cpu_histogram_options, config.cpu_histogram_decay_half_life
            )
        )
        self.aggregate_memory_peaks = (
            memory_histogram
            if memory_histogram is not None
            else DecayingHistogram(
                config.memory_histogram_options, config.memory_histogram_decay_half_life
            )
        )
        self.total_samples_count = 0
        self.last_recommendation: dict[str, Any] | None = None
        self.is_under_vpa = False
        self.update_mode: str | None = None
        self.scaling_mode: str | None = None
        self.controlled_resources: list[str] | None = None
        self.oom_bump_up_ratio = config.oom_bump_up_ratio
        self.oom_min_bump_up = config.oom_min_bump_up
        self.memory_aggregation_interval_count = config.memory_aggregation_interval_count
        self._memory_interval_ns = seconds_to_ns(config.memory_aggregation_interval)
        self._first_ns = GO_ZERO_TIME_NS
        self._last_ns = GO_ZERO_TIME_NS
        self._creation_ns = seconds_to_ns(creation_time)

    # -- float-second views of the internal nanosecond times ----------------------------------

    @property
    def first_sample_start(self) -> float:
        """Start of the earliest CPU sample, float seconds (GO_ZERO_TIME if none)."""
        return ns_to_seconds(self._first_ns)

    @first_sample_start.setter
    def first_sample_start(self, value: float) -> None:
        self._first_ns = seconds_to_ns(value)

    @property
    def last_sample_start(self) -> float:
        """Start of the latest CPU sample, float seconds (GO_ZERO_TIME if none)."""
        return ns_to_seconds(self._last_ns)

    @last_sample_start.setter
    def last_sample_start(self, value: float) -> None:
        self._last_ns = seconds_to_ns(value)

    @property
    def creation_time(self) -> float:
        """When the aggregation was created, float seconds."""
        return ns_to_seconds(self._creation_ns)

    @creation_time.setter
    def creation_time(self, value: float) -> None:
        self._creation_ns = seconds_to_ns(value)

    @property
    def memory_aggregation_interval(self) -> float:
        """Length of one memory aggregation interval, seconds."""
        return ns_to_seconds(self._memory_interval_ns)

    @memory_aggregation_interval.setter
    def memory_aggregation_interval(self, value: float) -> None:
        self._memory_interval_ns = seconds_to_ns(value)

    @property
    def lifespan_ns(self) -> int:
        """``last_sample_start - first_sample_start`` in integer nanoseconds (Go ``Sub``)."""
        return time_sub(self._last_ns, self._first_ns)

    # -- policy ------------------------------------------------------------------------------

    def needs_recommendation(self) -> bool:
        """Under a VPA and not scaled ``Off``."""
        return (
            self.is_under_vpa
            and self.scaling_mode is not None
            and self.scaling_mode != SCALING_MODE_OFF
        )

    def get_controlled_resources(self) -> list[str]:
        """Controlled resource names; ``["cpu", "memory"]`` when unset."""
        if self.controlled_resources is not None:
            return self.controlled_resources
        return list(DEFAULT_CONTROLLED_RESOURCES)

    def mark_not_autoscaled(self) -> None:
        """Forget VPA control: no recommendation, update/scaling mode or controlled resources."""
        self.is_under_vpa = False
        self.last_recommendation = None
        self.update_mode = None
        self.scaling_mode = None
        self.controlled_resources = None

    def update_from_policy(
        self, resource_policy: Mapping[str, Any] | None, *, per_vpa_config: bool = False
    ) -> None:
        """Apply a VPA ``containerPolicies[]`` entry (JSON form, or None).

        Sets the scaling mode (default ``"Auto"``) and the controlled resources (default cpu and
        memory). With ``per_vpa_config`` (upstream's alpha ``PerVPAConfig`` feature gate, off by
        default) also takes ``oomBumpUpRatio`` / ``oomMinBumpUp`` (quantities, read as
        ``milli_value() / 1000``), ``memoryAggregationIntervalSeconds`` and
        ``memoryAggregationIntervalCount``; without the gate those fields are ignored.
        """
        self.scaling_mode = SCALING_MODE_AUTO
        if resource_policy is not None and resource_policy.get("mode") is not None:
            self.scaling_mode = resource_policy["mode"]
        self.controlled_resources = list(DEFAULT_CONTROLLED_RESOURCES)
        if resource_policy is not None and resource_policy.get("controlledResources") is not None:
            self.controlled_resources = resource_names_api_to_model(
                resource_policy["controlledResources"]
            )
        if resource_policy is None or not per_vpa_config:
            return
        if resource_policy.get("oomBumpUpRatio") is not None:
            self.oom_bump_up_ratio = _quantity_to_float(resource_policy["oomBumpUpRatio"])
        if resource_policy.get("oomMinBumpUp") is not None:
            self.oom_min_bump_up = _quantity_to_float(resource_policy["oomMinBumpUp"])
        if resource_policy.get("memoryAggregationIntervalSeconds") is not None:
            self._memory_interval_ns = (
                int(resource_policy["memoryAggregationIntervalSeconds"]) * 1_000_000_000
            )
        if resource_policy.get("memoryAggregationIntervalCount") is not None:
            self.memory_aggregation_interval_count = int(
                resource_policy["memoryAggregationIntervalCount"]
            )

    # -- samples -----------------------------------------------------------------------------

    def add_sample(self, sample: ContainerUsageSample) -> None:
        """CPU: add ``usage/1000`` cores with weight ``MIN_SAMPLE_WEIGHT`` and update the sample
        times and count. Memory: add the peak in bytes with weight 1.0.
        Raises ``ValueError`` for another resource."""
        if sample.resource == RESOURCE_CPU:
            ts = seconds_to_ns(sample.measure_start)
            self.aggregate_cpu_usage.add_sample(
                cores_from_cpu_amount(sample.usage), MIN_SAMPLE_WEIGHT, sample.measure_start
            )
            if ts > self._last_ns:
                self._last_ns = ts
            if self._first_ns == GO_ZERO_TIME_NS or ts < self._first_ns:
                self._first_ns = ts
            self.total_samples_count += 1
        elif sample.resource == RESOURCE_MEMORY:
            self.aggregate_memory_peaks.add_sample(
                bytes_from_memory_amount(sample.usage), 1.0, sample.measure_start
            )
        else:
            raise ValueError(f"AddSample doesn't support resource '{sample.resource}'")

    def subtract_sample(self, sample: ContainerUsageSample) -> None:
        """Remove a memory peak added earlier. Raises ``ValueError`` for other resources."""
        if sample.resource == RESOURCE_MEMORY:
            self.aggregate_memory_peaks.subtract_sample(
                bytes_from_memory_amount(sample.usage), 1.0, sample.measure_start
            )
        else:
            raise ValueError(f"SubtractSample doesn't support resource '{sample.resource}'")

    def merge_container_state(self, other: AggregateContainerState) -> None:
        """Merge ``other`` into this one (histograms, sample times, counts)."""
        self.aggregate_cpu_usage.merge(other.aggregate_cpu_usage)
        self.aggregate_memory_peaks.merge(other.aggregate_memory_peaks)
        if self._first_ns == GO_ZERO_TIME_NS or (
            other._first_ns != GO_ZERO_TIME_NS and other._first_ns < self._first_ns
        ):
            self._first_ns = other._first_ns
        if other._last_ns > self._last_ns:
            self._last_ns = other._last_ns
        self.total_samples_count += other.total_samples_count

    # -- lifetime ----------------------------------------------------------------------------

    def memory_aggregation_window_length(self) -> float:
        """interval * count, seconds."""
        return ns_to_seconds(self._memory_interval_ns * self.memory_aggregation_interval_count)

    def is_empty(self) -> bool:
        """No CPU sample aggregated."""
        return self.total_samples_count == 0

    def is_expired(self, now: float) -> bool:
        """True once a whole aggregation window has passed since the last sample (since the
        creation time when empty)."""
        window = self._memory_interval_ns * self.memory_aggregation_interval_count
        since = self._creation_ns if self.is_empty() else self._last_ns
        return time_sub(seconds_to_ns(now), since) >= window

    # -- checkpoints ---------------------------------------------------------------------------

    def save_to_checkpoint(self, now: float) -> VPACheckpointStatus:
        """Serialise; ``now`` becomes ``last_update_time`` (upstream uses ``time.Now()``)."""
        memory = self.aggregate_memory_peaks.save_to_checkpoint()
        cpu = self.aggregate_cpu_usage.save_to_checkpoint()
        return VPACheckpointStatus(
            version=SUPPORTED_CHECKPOINT_VERSION,
            last_update_time=now,
            first_sample_start=self.first_sample_start,
            last_sample_start=self.last_sample_start,
            total_samples_count=self.total_samples_count,
            memory_histogram=memory,
            cpu_histogram=cpu,
        )

    def load_from_checkpoint(self, checkpoint: VPACheckpointStatus) -> None:
        """Restore from a checkpoint. Raises ``CheckpointVersionError`` for another version and
        ``histogram.CheckpointError`` for a bad histogram."""
        if checkpoint.version != SUPPORTED_CHECKPOINT_VERSION:
            raise CheckpointVersionError(f"unsupported checkpoint version {checkpoint.version}")
        self.total_samples_count = checkpoint.total_samples_count
        self.first_sample_start = checkpoint.first_sample_start
        self.last_sample_start = checkpoint.last_sample_start
        self.aggregate_memory_peaks.load_from_checkpoint(checkpoint.memory_histogram)
        self.aggregate_cpu_usage.load_from_checkpoint(checkpoint.cpu_histogram)


class AggregateStateKey(NamedTuple):
    """What groups containers into one aggregation: namespace, container name and pod labels
    (upstream ``AggregateStateKey``); ``labels`` as sorted (key, value) pairs."""

    namespace: str
    container_name: str
    labels: tuple[tuple[str, str], ...] = ()


def aggregate_state_by_container_name(
    states: Mapping[Any, AggregateContainerState] | Iterable[tuple[Any, AggregateContainerState]],
    config: AggregationsConfig = DEFAULT_AGGREGATIONS_CONFIG,
) -> dict[str, AggregateContainerState]:
    """Merge aggregations by container name (upstream ``AggregateStateByContainerName``).

    ``states`` maps keys with a ``container_name`` attribute (e.g. ``AggregateStateKey``) to
    aggregations. Each result is a fresh ``AggregateContainerState(config)`` with every input of
    that name merged in (merging may move an input's decay reference forward, as upstream).
    """
    items = states.items() if isinstance(states, Mapping) else states
    result: dict[str, AggregateContainerState] = {}
    for key, aggregation in items:
        name = key.container_name
        merged = result.get(name)
        if merged is None:
            merged = AggregateContainerState(config)
            result[name] = merged
        merged.merge_container_state(aggregation)
    return result
