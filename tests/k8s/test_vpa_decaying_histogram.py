"""Port of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/util/
decaying_histogram_test.go (every test function, under its own name).

Times are float Unix seconds; upstream's ``startTime = time.Unix(1234567890, 0)``. Values are
compared with testify's ``InEpsilon(expected, actual, 1e-15)``.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from provisor.k8s.vpa._gomath import GO_ZERO_TIME
from provisor.k8s.vpa.histogram import (
    DecayingHistogram,
    HistogramCheckpoint,
    LinearHistogramOptions,
)

VALUE_EPSILON = 1e-15
WEIGHT_EPSILON = 1e-15
TEST_OPTIONS = LinearHistogramOptions(10.0, 1.0, WEIGHT_EPSILON)
HOUR = 3600.0
START_TIME = 1234567890.0


def in_epsilon(expected: float, actual: float, epsilon: float) -> bool:
    """testify ``InEpsilon``."""
    if expected == 0 or math.isnan(actual):
        return False
    return abs(expected - actual) / abs(expected) <= epsilon


def test_percentiles_empty_decaying_histogram() -> None:
    """TestPercentilesEmptyDecayingHistogram."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    p = -0.5
    while p <= 1.5:
        assert h.percentile(p) == 0.0
        p += 0.5


def test_simple_decay() -> None:
    """TestSimpleDecay: a heavy sample is almost (not entirely) decayed after 20 half-lives."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    h.add_sample(2, 1000, START_TIME)
    h.add_sample(1, 1, START_TIME + HOUR * 20)
    assert in_epsilon(2, h.percentile(0.999), VALUE_EPSILON)
    assert in_epsilon(3, h.percentile(1.0), VALUE_EPSILON)


def test_longterm_decay() -> None:
    """TestLongtermDecay: relative decay beyond 2^maxDecayExponent."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    h.add_sample(2, 1, START_TIME)
    h.add_sample(1, 1, START_TIME + HOUR * 101)
    assert in_epsilon(2, h.percentile(1.0), VALUE_EPSILON)


def test_decaying_histogram_percentiles() -> None:
    """TestDecayingHistogramPercentiles: values/weights 1..4, one half-life apart."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    timestamp = START_TIME
    for i in range(1, 5):
        h.add_sample(float(i), float(i), timestamp)
        timestamp += HOUR
    # bucket [1..2] weight 1*2^-3 (0..2%), [2..3] 2*2^-2 (3..10%), [3..4] 3*2^-1 (11..34%),
    # [4..5] 4*2^0 (35..100%).
    for p, want in [(0.00, 2), (0.02, 2), (0.03, 3), (0.10, 3), (0.11, 4), (0.34, 4),
                    (0.35, 5), (1.00, 5)]:
        assert in_epsilon(want, h.percentile(p), VALUE_EPSILON), p


def test_no_decay() -> None:
    """TestNoDecay: behaves like a plain histogram when time stands still."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    for i in range(1, 5):
        h.add_sample(float(i), float(i), START_TIME)
    for p, want in [(0.0, 2), (0.2, 3), (0.1, 2), (0.3, 3), (0.4, 4), (0.5, 4), (0.6, 4),
                    (0.7, 5), (0.8, 5), (0.9, 5), (1.0, 5)]:
        assert in_epsilon(want, h.percentile(p), VALUE_EPSILON), p


def test_decaying_histogram_merge() -> None:
    """TestDecayingHistogramMerge."""
    h1 = DecayingHistogram(TEST_OPTIONS, HOUR)
    h1.add_sample(1, 1, START_TIME)
    h1.add_sample(2, 1, START_TIME + HOUR)

    h2 = DecayingHistogram(TEST_OPTIONS, HOUR)
    h2.add_sample(2, 1, START_TIME + HOUR * 2)
    h2.add_sample(3, 1, START_TIME + HOUR)

    expected = DecayingHistogram(TEST_OPTIONS, HOUR)
    expected.add_sample(2, 1, START_TIME + HOUR * 2)
    expected.add_sample(2, 1, START_TIME + HOUR)
    expected.add_sample(3, 1, START_TIME + HOUR)
    expected.add_sample(1, 1, START_TIME)

    h1.merge(h2)
    assert h1.equals(expected)


def test_decaying_histogram_save_to_checkpoint() -> None:
    """TestDecayingHistogramSaveToCheckpoint."""
    d = DecayingHistogram(TEST_OPTIONS, HOUR)
    d.add_sample(2, 1, START_TIME + HOUR * 100)
    assert d.reference_timestamp != GO_ZERO_TIME

    checkpoint = d.save_to_checkpoint()
    assert checkpoint.reference_timestamp == d.reference_timestamp
    # Bucketing itself is covered by the Histogram tests.
    assert checkpoint.bucket_weights
    assert checkpoint.total_weight != 0


def test_decaying_histogram_load_from_checkpoint() -> None:
    """TestDecayingHistogramLoadFromCheckpoint."""
    timestamp = datetime(2018, 1, 2, 3, 4, 5, tzinfo=timezone.utc).timestamp()
    checkpoint = HistogramCheckpoint(
        total_weight=6.0, bucket_weights={0: 1}, reference_timestamp=timestamp
    )
    d = DecayingHistogram(TEST_OPTIONS, HOUR)
    d.load_from_checkpoint(checkpoint)
    assert not d.is_empty()
    assert d.reference_timestamp == timestamp


# -- not upstream cases: paths upstream reaches through panics ---------------------------------


def test_merge_with_other_half_life_is_rejected() -> None:
    """Merge panics upstream when the half-lives differ."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    with pytest.raises(ValueError, match="different half life periods"):
        h.merge(DecayingHistogram(TEST_OPTIONS, 2 * HOUR))


def test_reference_moves_to_rounded_sample_time() -> None:
    """The first sample (far past Go's zero time) moves the reference to its time rounded to a
    whole half-life, halves rounding up: 1234567890 s -> 1234569600 s for a 1h half-life."""
    h = DecayingHistogram(TEST_OPTIONS, HOUR)
    h.add_sample(2, 1, START_TIME)
    assert h.reference_timestamp == 1234569600.0
    # Stored weight is 2^((1234567890 - 1234569600) / 3600) = 2^-0.475.
    assert in_epsilon(2.0**-0.475, h.total_weight, 1e-15)
