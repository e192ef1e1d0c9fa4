"""VPA recommender histograms: bucketing schemes, plain and decaying histograms, checkpoints.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender/util/``:
``histogram_options.go``, ``histogram.go`` and ``decaying_histogram.go``.

Public API
----------
``LinearHistogramOptions(max_value, bucket_size, epsilon)`` and
``ExponentialHistogramOptions(max_value, first_bucket_size, ratio, epsilon)``
    Immutable bucketing schemes (``num_buckets``, ``find_bucket(value)``,
    ``get_bucket_start(bucket)``, ``epsilon``). Constructing one with a non-positive parameter
    (or ratio <= 1) raises ``ValueError`` with upstream's message.
``Histogram(options)``
    Weighted samples in buckets: ``add_sample(value, weight, time)``,
    ``subtract_sample(value, weight, time)``, ``merge(other)``, ``percentile(p)``,
    ``is_empty()``, ``equals(other)``, ``save_to_checkpoint()``, ``load_from_checkpoint(cp)``.
    ``time`` is ignored by the plain histogram.
``DecayingHistogram(options, half_life)``
    The same interface; a sample's weight is multiplied by ``2 ** ((time - reference) /
    half_life)`` so that older samples count exponentially less. The reference timestamp is
    moved forward (and all weights rescaled by a power of two) when a sample arrives more than
    100 half-lives after it.
``HistogramCheckpoint``
    The serialisable form (``VerticalPodAutoscalerCheckpoint.status.cpuHistogram``): bucket
    weights normalised so that the largest is ``MAX_CHECKPOINT_WEIGHT`` (10000).

Units and time
--------------
Values are whatever the caller bins: the recommender bins CPU in cores (float) and memory in
bytes (float). Times and durations are float seconds (Unix seconds on the caller's clock), kept
internally as integer nanoseconds the way Go's ``time.Time`` / ``time.Duration`` do, so decay
exponents and reference shifts are computed exactly as upstream. ``GO_ZERO_TIME`` is Go's zero
``time.Time`` (year 1), the reference timestamp of a fresh decaying histogram.

Differences from upstream, both deliberate: options are compared by value (upstream compares the
option objects' identity, which only ever matters for options built twice with equal
parameters); invalid operations that panic upstream (negative weight, merging mismatched
histograms, negative scale) raise ``ValueError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from ._gomath import (
    GO_ZERO_TIME,
    GO_ZERO_TIME_NS,
    go_div,
    go_exp2,
    go_float_to_int64,
    go_ldexp,
    go_log,
    go_pow,
    go_round,
    ns_to_seconds,
    seconds_to_ns,
    time_round,
    time_sub,
)

__all__ = [
    "MAX_CHECKPOINT_WEIGHT",
    "MAX_DECAY_EXPONENT",
    "CheckpointError",
    "DecayingHistogram",
    "ExponentialHistogramOptions",
    "Histogram",
    "HistogramCheckpoint",
    "HistogramOptions",
    "LinearHistogramOptions",
]

#: Largest bucket weight stored in a checkpoint (upstream ``MaxCheckpointWeight``).
MAX_CHECKPOINT_WEIGHT = 10000
#: A sample more than this many half-lives after the reference shifts the reference.
MAX_DECAY_EXPONENT = 100
# Two bucket weights closer than this are equal for Histogram.equals (upstream literal).
_EQUALS_TOLERANCE = 1e-15


class CheckpointError(ValueError):
    """A histogram checkpoint that cannot be loaded (message as upstream's error)."""


class HistogramOptions(Protocol):
    """A bucketing scheme: ``num_buckets``, ``epsilon``, ``find_bucket``, ``get_bucket_start``
    (read-only: the option classes are frozen dataclasses)."""

    @property
    def num_buckets(self) -> int: ...

    @property
    def epsilon(self) -> float: ...

    def find_bucket(self, value: float) -> int: ...

    def get_bucket_start(self, bucket: int) -> float: ...


def _check_bucket(bucket: int, num_buckets: int) -> None:
    if bucket < 0 or bucket >= num_buckets:
        raise IndexError(f"index {bucket} out of range [0..{num_buckets - 1}]")


@dataclass(frozen=True, slots=True)
class LinearHistogramOptions:
    """Buckets of equal size: bucket i holds [i*bucket_size, (i+1)*bucket_size).

    ``num_buckets = ceil(max_value / bucket_size) + 1``; values past the end land in the last
    bucket and negative values in bucket 0. ``epsilon`` is the smallest bucket weight that
    counts as non-empty. Raises ``ValueError`` unless all three parameters are positive.
    Upstream: ``NewLinearHistogramOptions`` in util/histogram_options.go.
    """

    max_value: float
    bucket_size: float
    epsilon: float
    num_buckets: int = field(init=False)

    def __post_init__(self) -> None:
        if self.max_value <= 0.0 or self.bucket_size <= 0.0 or self.epsilon <= 0.0:
            raise ValueError("maxValue and bucketSize must both be positive")
        object.__setattr__(self, "num_buckets", math.ceil(self.max_value / self.bucket_size) + 1)

    def find_bucket(self, value: float) -> int:
        """Index of the bucket holding ``value`` (truncated quotient, clamped to the range)."""
        bucket = go_float_to_int64(value / self.bucket_size)
        if bucket < 0:
            return 0
        return bucket if bucket < self.num_buckets else self.num_buckets - 1

    def get_bucket_start(self, bucket: int) -> float:
        """Lower bound of ``bucket``; ``IndexError`` outside [0, num_buckets)."""
        _check_bucket(bucket, self.num_buckets)
        return float(bucket) * self.bucket_size


@dataclass(frozen=True, slots=True)
class ExponentialHistogramOptions:
    """Buckets growing geometrically: bucket i (i >= 1) starts at
    ``first_bucket_size * (ratio**i - 1) / (ratio - 1)``; bucket 0 starts at 0.

    ``num_buckets = ceil(log_ratio(max_value * (ratio - 1) / first_bucket_size + 1)) + 1``.
    Raises ``ValueError`` unless max_value, first_bucket_size and epsilon are positive and
    ratio > 1. Bucket starts are precomputed with Go's ``math.Pow`` roundings and bucket lookup
    uses Go's ``math.Log`` roundings (see ``_gomath``), so both match upstream bit for bit.
    Upstream: ``NewExponentialHistogramOptions`` in util/histogram_options.go.
    """

    max_value: float
    first_bucket_size: float
    ratio: float
    epsilon: float
    num_buckets: int = field(init=False)
    _log_ratio: float = field(init=False, repr=False, compare=False)
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (
            self.max_value <= 0.0
            or self.first_bucket_size <= 0.0
            or self.ratio <= 1.0
            or self.epsilon <= 0.0
        ):
            raise ValueError(
                "maxValue, firstBucketSize and epsilon must be > 0.0, ratio must be > 1.0"
            )
        log_ratio = go_log(self.ratio)
        span = go_log(self.max_value * (self.ratio - 1) / self.first_bucket_size + 1)
        num = math.ceil(span / log_ratio) + 1
        starts = [0.0] + [
            self.first_bucket_size * (go_pow(self.ratio, float(b)) - 1) / (self.ratio - 1)
            for b in range(1, num)
        ]
        object.__setattr__(self, "num_buckets", num)
        object.__setattr__(self, "_log_ratio", log_ratio)
        object.__setattr__(self, "_starts", tuple(starts))

    def find_bucket(self, value: float) -> int:
        """Index of the bucket holding ``value``: 0 below ``first_bucket_size``, the last bucket
        past the end."""
        if value < self.first_bucket_size:
            return 0
        # Same expression order as upstream: value*(ratio-1)/firstBucketSize + 1.
        bucket = go_float_to_int64(
            go_log(value * (self.ratio - 1) / self.first_bucket_size + 1) / self._log_ratio
        )
        if bucket < 0:
            # NaN or +Inf values: Go's conversion yields MinInt64 and the index panics.
            raise IndexError(f"index {bucket} out of range [0..{self.num_buckets - 1}]")
        return bucket if bucket < self.num_buckets else self.num_buckets - 1

    def get_bucket_start(self, bucket: int) -> float:
        """Lower bound of ``bucket``; ``IndexError`` outside [0, num_buckets)."""
        _check_bucket(bucket, self.num_buckets)
        return self._starts[bucket]


@dataclass(slots=True)
class HistogramCheckpoint:
    """Serialised histogram (upstream ``vpa_types.HistogramCheckpoint``).

    ``bucket_weights`` maps bucket index to an integer weight in [1, 10000];
    ``total_weight`` is the real total; ``reference_timestamp`` (float seconds) is the decaying
    histogram's reference, ``GO_ZERO_TIME`` for a plain histogram.
    """

    bucket_weights: dict[int, int] = field(default_factory=dict)
    total_weight: float = 0.0
    reference_timestamp: float = GO_ZERO_TIME


def _safe_subtract(value: float, sub: float, epsilon: float) -> float:
    value -= sub
    return 0.0 if value < epsilon else value


class Histogram:
    """Weighted samples in buckets (upstream ``histogram`` in util/histogram.go).

    Weights are float; a bucket counts as non-empty once its weight reaches
    ``options.epsilon``. ``percentile(p)`` returns the *end* of the bucket where the cumulative
    weight first reaches ``p * total_weight`` (the start of the last bucket if that is the last
    one), 0.0 for an empty histogram.
    """

    __slots__ = ("options", "bucket_weight", "total_weight", "min_bucket", "max_bucket")

    def __init__(self, options: HistogramOptions) -> None:
        n = options.num_buckets
        self.options = options
        self.bucket_weight = [0.0] * n
        self.total_weight = 0.0
        self.min_bucket = n - 1
        self.max_bucket = 0

    # -- samples -----------------------------------------------------------------------------

    def add_sample(self, value: float, weight: float, time: float | None = None) -> None:
        """Add ``weight`` to the bucket of ``value``. ``time`` is unused here.

        Raises ``ValueError`` for a negative weight (upstream panics).
        """
        if weight < 0.0:
            raise ValueError("sample weight must be non-negative")
        self._add(value, weight)

    def _add(self, value: float, weight: float) -> None:
        opts = self.options
        bucket = opts.find_bucket(value)
        bw = self.bucket_weight
        bw[bucket] += weight
        self.total_weight += weight
        if bucket < self.min_bucket and bw[bucket] >= opts.epsilon:
            self.min_bucket = bucket
        if bucket > self.max_bucket and bw[bucket] >= opts.epsilon:
            self.max_bucket = bucket

    def subtract_sample(self, value: float, weight: float, time: float | None = None) -> None:
        """Remove ``weight`` from the bucket of ``value``; weights falling below epsilon become
        0. Raises ``ValueError`` for a negative weight."""
        if weight < 0.0:
            raise ValueError("sample weight must be non-negative")
        self._subtract(value, weight)

    def _subtract(self, value: float, weight: float) -> None:
        opts = self.options
        bucket = opts.find_bucket(value)
        eps = opts.epsilon
        self.total_weight = _safe_subtract(self.total_weight, weight, eps)
        self.bucket_weight[bucket] = _safe_subtract(self.bucket_weight[bucket], weight, eps)
        self._update_min_and_max_bucket()

    def merge(self, other: Histogram) -> None:
        """Add all of ``other``'s weights into this histogram.

        Raises ``ValueError`` if the options differ or ``other`` is not a plain histogram.
        """
        if type(other) is not Histogram:
            raise ValueError("can't merge histograms of different types")
        self._merge_weights(other)

    def _merge_weights(self, other: Histogram) -> None:
        if self.options != other.options:
            raise ValueError("can't merge histograms with different options")
        bw = self.bucket_weight
        obw = other.bucket_weight
        for bucket in range(other.min_bucket, other.max_bucket + 1):
            bw[bucket] += obw[bucket]
        self.total_weight += other.total_weight
        if other.min_bucket < self.min_bucket:
            self.min_bucket = other.min_bucket
        if other.max_bucket > self.max_bucket:
            self.max_bucket = other.max_bucket

    # -- queries -----------------------------------------------------------------------------

    def percentile(self, percentile: float) -> float:
        """Approximate ``percentile`` (0..1; below 0 gives the first, above 1 the last non-empty
        bucket's end) of the weighted distribution; 0.0 when empty."""
        if self.is_empty():
            return 0.0
        partial = 0.0
        threshold = percentile * self.total_weight
        bw = self.bucket_weight
        bucket = self.min_bucket
        last = self.max_bucket
        while bucket < last:
            partial += bw[bucket]
            if partial >= threshold:
                break
            bucket += 1
        opts = self.options
        if bucket < opts.num_buckets - 1:
            return opts.get_bucket_start(bucket + 1)
        return opts.get_bucket_start(bucket)

    def is_empty(self) -> bool:
        """True when the lowest tracked bucket holds less than epsilon."""
        return self.bucket_weight[self.min_bucket] < self.options.epsilon

    def equals(self, other: object) -> bool:
        """Same type and options, same min/max bucket, weights within 1e-15 of each other."""
        if type(other) is not type(self) or not isinstance(other, Histogram):
            return False
        return self._equal_weights(other)

    def _equal_weights(self, other: Histogram) -> bool:
        if (
            self.options != other.options
            or self.min_bucket != other.min_bucket
            or self.max_bucket != other.max_bucket
        ):
            return False
        bw, obw = self.bucket_weight, other.bucket_weight
        for bucket in range(self.min_bucket, self.max_bucket + 1):
            diff = bw[bucket] - obw[bucket]
            if diff > _EQUALS_TOLERANCE or diff < -_EQUALS_TOLERANCE:
                return False
        return True

    def __str__(self) -> str:
        lines = [
            f"minBucket: {self.min_bucket}, maxBucket: {self.max_bucket}, "
            f"totalWeight: {self.total_weight:.3f}",
            "%-tile\tvalue",
        ]
        for i in range(0, 101, 5):
            lines.append(f"{i}\t{self.percentile(0.01 * i):.3f}")
        return "\n".join(lines)

    # -- maintenance ---------------------------------------------------------------------------

    def _update_min_and_max_bucket(self) -> None:
        eps = self.options.epsilon
        bw = self.bucket_weight
        last = self.options.num_buckets - 1
        while bw[self.min_bucket] < eps and self.min_bucket < last:
            self.min_bucket += 1
        while bw[self.max_bucket] < eps and self.max_bucket > 0:
            self.max_bucket -= 1

    def _scale(self, factor: float) -> None:
        if factor < 0.0:
            raise ValueError("scale factor must be non-negative")
        bw = self.bucket_weight
        for bucket in range(self.min_bucket, self.max_bucket + 1):
            bw[bucket] *= factor
        self.total_weight *= factor
        self._update_min_and_max_bucket()

    # -- checkpoints ---------------------------------------------------------------------------

    def save_to_checkpoint(self) -> HistogramCheckpoint:
        """Bucket weights scaled so the largest becomes 10000, rounded half up; buckets that
        round to 0 are dropped. ``total_weight`` is kept exactly."""
        result = HistogramCheckpoint(total_weight=self.total_weight)
        bw = self.bucket_weight
        lo, hi = self.min_bucket, self.max_bucket + 1
        max_weight = 0.0
        for bucket in range(lo, hi):
            if bw[bucket] > max_weight:
                max_weight = bw[bucket]
        if max_weight == 0.0:
            # Every tracked weight is 0: upstream's products are 0*Inf = NaN -> 0, all dropped.
            return result
        ratio = go_div(float(MAX_CHECKPOINT_WEIGHT), max_weight)
        weights = result.bucket_weights
        for bucket in range(lo, hi):
            new_weight = go_round(bw[bucket] * ratio)
            if new_weight > 0:
                weights[bucket] = new_weight & 0xFFFFFFFF
        return result

    def load_from_checkpoint(self, checkpoint: HistogramCheckpoint | None) -> None:
        """Add a checkpoint's weights (rescaled to its total weight) into this histogram.

        Raises ``CheckpointError`` for None, a negative total weight, or a bucket index outside
        the histogram.
        """
        if checkpoint is None:
            raise CheckpointError("cannot load from empty checkpoint")
        if checkpoint.total_weight < 0.0:
            raise CheckpointError(
                f"cannot load checkpoint with negative weight {_go_float(checkpoint.total_weight)}"
            )
        n = self.options.num_buckets
        total = 0
        for bucket, weight in checkpoint.bucket_weights.items():
            total += weight
            if bucket >= n:
                raise CheckpointError(
                    f"checkpoint has bucket {bucket} that is exceeding histogram buckets {n}"
                )
            if bucket < 0:
                raise CheckpointError(f"checkpoint has a negative bucket {bucket}")
        if total == 0:
            return
        ratio = checkpoint.total_weight / float(total)
        bw = self.bucket_weight
        for bucket, weight in checkpoint.bucket_weights.items():
            if bucket < self.min_bucket:
                self.min_bucket = bucket
            if bucket > self.max_bucket:
                self.max_bucket = bucket
            bw[bucket] += float(weight) * ratio
        self.total_weight += checkpoint.total_weight
        self._update_min_and_max_bucket()


def _go_float(x: float) -> str:
    """Go's ``%v`` for a float64 (shortest repr, exponent form for large/small magnitudes)."""
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    return repr(x)


class DecayingHistogram(Histogram):
    """A histogram whose sample weights decay with a half-life
    (upstream ``decayingHistogram`` in util/decaying_histogram.go).

    A sample at time t is stored with weight ``weight * 2**((t - reference) / half_life)``;
    weights of newer samples grow instead of older ones shrinking, and when a sample arrives
    more than ``MAX_DECAY_EXPONENT`` half-lives after the reference, the reference moves to that
    sample's time rounded to a multiple of the half-life (since Go's zero time) and every stored
    weight is scaled by the matching power of two.

    ``half_life`` is in seconds (float); ``reference_timestamp`` is float seconds, starting at
    ``GO_ZERO_TIME``.
    """

    __slots__ = ("_half_life_ns", "_reference_ns")

    def __init__(self, options: HistogramOptions, half_life: float) -> None:
        super().__init__(options)
        self._half_life_ns = seconds_to_ns(half_life)
        self._reference_ns = GO_ZERO_TIME_NS

    @property
    def half_life(self) -> float:
        """Half-life in seconds."""
        return ns_to_seconds(self._half_life_ns)

    @property
    def reference_timestamp(self) -> float:
        """Current reference timestamp, float seconds."""
        return ns_to_seconds(self._reference_ns)

    def add_sample(self, value: float, weight: float, time: float | None = None) -> None:
        """Add a sample observed at ``time`` (float seconds); raises ``ValueError`` for a
        negative weight."""
        if weight < 0.0:
            raise ValueError("sample weight must be non-negative")
        self._add(value, weight * self._decay_factor(seconds_to_ns(_need_time(time))))

    def subtract_sample(self, value: float, weight: float, time: float | None = None) -> None:
        """Remove a sample observed at ``time`` (float seconds)."""
        if weight < 0.0:
            raise ValueError("sample weight must be non-negative")
        self._subtract(value, weight * self._decay_factor(seconds_to_ns(_need_time(time))))

    def merge(self, other: Histogram) -> None:
        """Merge another decaying histogram with the same half-life, first moving whichever
        reference is older up to the newer one (this rescales ``other`` in place, as upstream).

        Raises ``ValueError`` for a different type, half-life or options.
        """
        if not isinstance(other, DecayingHistogram):
            raise ValueError("can't merge histograms of different types")
        if self._half_life_ns != other._half_life_ns:
            raise ValueError("can't merge decaying histograms with different half life periods")
        if self._reference_ns < other._reference_ns:
            self._shift_reference(other._reference_ns)
        elif other._reference_ns < self._reference_ns:
            other._shift_reference(self._reference_ns)
        self._merge_weights(other)

    def equals(self, other: object) -> bool:
        """Same half-life, same reference timestamp and equal weights (see ``Histogram``)."""
        return (
            isinstance(other, DecayingHistogram)
            and self._half_life_ns == other._half_life_ns
            and self._reference_ns == other._reference_ns
            and self._equal_weights(other)
        )

    def __str__(self) -> str:
        return (
            f"referenceTimestamp: {self.reference_timestamp}, halfLife: {self.half_life}s\n"
            + super().__str__()
        )

    def _shift_reference(self, new_reference_ns: int) -> None:
        hl = self._half_life_ns
        new_reference_ns = time_round(new_reference_ns, hl)
        shift = float(time_sub(self._reference_ns, new_reference_ns))
        exponent = go_round(go_div(shift, float(hl)))
        self._scale(go_ldexp(1.0, exponent))
        self._reference_ns = new_reference_ns

    def _decay_factor(self, t_ns: int) -> float:
        hl = self._half_life_ns
        if t_ns > self._reference_ns + hl * MAX_DECAY_EXPONENT:
            self._shift_reference(t_ns)
        return go_exp2(go_div(float(time_sub(t_ns, self._reference_ns)), float(hl)))

    def save_to_checkpoint(self) -> HistogramCheckpoint:
        """As ``Histogram.save_to_checkpoint`` plus the reference timestamp."""
        checkpoint = super().save_to_checkpoint()
        checkpoint.reference_timestamp = self.reference_timestamp
        return checkpoint

    def load_from_checkpoint(self, checkpoint: HistogramCheckpoint | None) -> None:
        """As ``Histogram.load_from_checkpoint``, then adopt the checkpoint's reference."""
        super().load_from_checkpoint(checkpoint)
        assert checkpoint is not None
        self._reference_ns = seconds_to_ns(checkpoint.reference_timestamp)


def _need_time(time: float | None) -> float:
    if time is None:
        raise ValueError("a decaying histogram needs the sample time")
    return time
