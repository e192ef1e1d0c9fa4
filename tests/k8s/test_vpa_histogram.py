"""Port of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/util/histogram_test.go.

Every test function of the upstream file is ported below under its own name. Upstream compares
values with ``assert.InEpsilon(expected, actual, 1e-15)`` (relative) and weights with
``assert.Equal`` (exact); ``in_epsilon`` reproduces testify's relative check.
"""

from __future__ import annotations

import math

import pytest

from provisor.k8s.vpa import _gomath
from provisor.k8s.vpa.histogram import (
    MAX_CHECKPOINT_WEIGHT,
    CheckpointError,
    DecayingHistogram,
    Histogram,
    HistogramCheckpoint,
    LinearHistogramOptions,
)

VALUE_EPSILON = 1e-15  # minimum relative precision of histogram values
WEIGHT_EPSILON = 1e-15  # minimum absolute precision of histogram weights
ANY_TIME = _gomath.GO_ZERO_TIME  # upstream: time.Time{}
TEST_OPTIONS = LinearHistogramOptions(10.0, 1.0, WEIGHT_EPSILON)


def in_epsilon(expected: float, actual: float, epsilon: float) -> bool:
    """testify ``InEpsilon``: |expected - actual| / |expected| <= epsilon, expected != 0."""
    if expected == 0 or math.isnan(actual):
        return False
    return abs(expected - actual) / abs(expected) <= epsilon


def test_percentiles_empty_histogram() -> None:
    """TestPercentilesEmptyHistogram: 0.0 for p = -0.5, 0, 0.5, 1, 1.5."""
    h = Histogram(TEST_OPTIONS)
    p = -0.5
    while p <= 1.5:
        assert h.percentile(p) == 0.0
        p += 0.5


def test_percentiles() -> None:
    """TestPercentiles: histogram {1: 1, 2: 2, 3: 3, 4: 4}."""
    h = Histogram(TEST_OPTIONS)
    for i in range(1, 5):
        h.add_sample(float(i), float(i), ANY_TIME)
    expected = [(0.0, 2), (0.1, 2), (0.2, 3), (0.3, 3), (0.4, 4), (0.5, 4), (0.6, 4),
                (0.7, 5), (0.8, 5), (0.9, 5), (1.0, 5)]
    for p, want in expected:
        assert in_epsilon(want, h.percentile(p), VALUE_EPSILON), p


def test_percentile_out_of_bounds() -> None:
    """TestPercentileOutOfBounds: p < 0 gives the first, p > 1 the last non-empty bucket."""
    options = LinearHistogramOptions(1.0, 0.1, WEIGHT_EPSILON)
    h = Histogram(options)
    h.add_sample(0.1, 0.1, ANY_TIME)
    h.add_sample(0.2, 0.2, ANY_TIME)

    assert in_epsilon(0.2, h.percentile(-0.1), VALUE_EPSILON)
    assert in_epsilon(0.3, h.percentile(1.1), VALUE_EPSILON)

    # Fill the boundary buckets.
    h.add_sample(0.0, 0.1, ANY_TIME)
    h.add_sample(1.0, 0.2, ANY_TIME)
    assert in_epsilon(0.1, h.percentile(-0.1), VALUE_EPSILON)
    assert in_epsilon(1.0, h.percentile(1.1), VALUE_EPSILON)


def test_empty_histogram() -> None:
    """TestEmptyHistogram: empty until a bucket reaches epsilon, empty again below it."""
    options = LinearHistogramOptions(1.0, 0.1, WEIGHT_EPSILON)
    h = Histogram(options)
    assert h.is_empty()
    h.add_sample(0.1, WEIGHT_EPSILON * 2.5, ANY_TIME)  # weight = epsilon * 2.5
    assert not h.is_empty()
    h.subtract_sample(0.1, WEIGHT_EPSILON, ANY_TIME)  # weight = epsilon * 1.5
    assert not h.is_empty()
    h.subtract_sample(0.1, WEIGHT_EPSILON, ANY_TIME)  # weight = epsilon * 0.5
    assert h.is_empty()


def test_non_empty_on_epsilon_addition() -> None:
    """TestNonEmptyOnEpsilonAddition."""
    options = LinearHistogramOptions(1.0, 0.1, WEIGHT_EPSILON)
    h = Histogram(options)
    assert h.is_empty()

    h.add_sample(9.9, WEIGHT_EPSILON * 3, ANY_TIME)
    assert not h.is_empty()
    h.add_sample(0.1, WEIGHT_EPSILON * 0.3, ANY_TIME)
    assert not h.is_empty()  # the weight*3 sample keeps it non-empty
    h.add_sample(999.9, WEIGHT_EPSILON * 0.3, ANY_TIME)
    assert not h.is_empty()


def test_histogram_merge() -> None:
    """TestHistogramMerge."""
    h1 = Histogram(TEST_OPTIONS)
    h1.add_sample(1, 1, ANY_TIME)
    h1.add_sample(2, 1, ANY_TIME)

    h2 = Histogram(TEST_OPTIONS)
    h2.add_sample(2, 1, ANY_TIME)
    h2.add_sample(3, 1, ANY_TIME)

    expected = Histogram(TEST_OPTIONS)
    expected.add_sample(1, 1, ANY_TIME)
    expected.add_sample(2, 1, ANY_TIME)
    expected.add_sample(2, 1, ANY_TIME)
    expected.add_sample(3, 1, ANY_TIME)

    h1.merge(h2)
    assert h1.equals(expected)


def test_histogram_save_to_checkpoint_empty() -> None:
    """TestHistogramSaveToCheckpointEmpty."""
    h = Histogram(TEST_OPTIONS)
    s = h.save_to_checkpoint()
    assert s.total_weight == 0.0
    assert len(s.bucket_weights) == 0


def test_histogram_save_to_checkpoint() -> None:
    """TestHistogramSaveToCheckpoint."""
    h = Histogram(TEST_OPTIONS)
    h.add_sample(1, 1, ANY_TIME)
    s = h.save_to_checkpoint()
    bucket = TEST_OPTIONS.find_bucket(1)
    assert s.total_weight == 1.0
    assert len(s.bucket_weights) == 1
    assert bucket in s.bucket_weights
    assert s.bucket_weights[bucket] == MAX_CHECKPOINT_WEIGHT


def test_histogram_save_to_checkpoint_drops_relatively_small_values() -> None:
    """TestHistogramSaveToCheckpointDropsRelativelySmallValues."""
    h = Histogram(TEST_OPTIONS)
    v1, w1 = 1.0, 1.0
    v2, w2 = 2.0, 100000.0
    h.add_sample(v1, w1, ANY_TIME)
    h.add_sample(v2, w2, ANY_TIME)

    bucket1 = TEST_OPTIONS.find_bucket(v1)
    bucket2 = TEST_OPTIONS.find_bucket(v2)
    assert bucket1 != bucket2
    assert w1 < (w2 / float(MAX_CHECKPOINT_WEIGHT)) / 2

    s = h.save_to_checkpoint()
    assert s.total_weight == 100001.0  # w1 + w2
    assert len(s.bucket_weights) == 1  # bucket 1 is dropped
    assert bucket2 in s.bucket_weights
    assert s.bucket_weights[bucket2] == MAX_CHECKPOINT_WEIGHT


def test_histogram_save_to_checkpoint_for_multiple_values() -> None:
    """TestHistogramSaveToCheckpointForMultipleValues."""
    h = Histogram(TEST_OPTIONS)
    v1, w1 = 1.0, 1.0
    v2, w2 = 2.0, 10000.0
    v3, w3 = 3.0, 50.0
    h.add_sample(v1, w1, ANY_TIME)
    h.add_sample(v2, w2, ANY_TIME)
    h.add_sample(v3, w3, ANY_TIME)

    bucket1 = TEST_OPTIONS.find_bucket(v1)
    bucket2 = TEST_OPTIONS.find_bucket(v2)
    bucket3 = TEST_OPTIONS.find_bucket(v3)
    assert len({bucket1, bucket2, bucket3}) == 3

    s = h.save_to_checkpoint()
    assert s.total_weight == 10051.0  # w1 + w2 + w3
    assert len(s.bucket_weights) == 3
    assert s.bucket_weights[bucket1] == 1
    assert s.bucket_weights[bucket2] == 10000
    assert s.bucket_weights[bucket3] == 50


def test_histogram_load_from_checkpoint() -> None:
    """TestHistogramLoadFromCheckpoint: weights rescaled to the total weight."""
    checkpoint = HistogramCheckpoint(total_weight=6.0, bucket_weights={0: 1, 1: 2})
    h = Histogram(TEST_OPTIONS)
    h.load_from_checkpoint(checkpoint)
    assert h.total_weight == 6.0
    assert h.bucket_weight[0] == 2.0
    assert h.bucket_weight[1] == 4.0


def test_histogram_load_from_checkpoint_returns_error_on_negative_bucket() -> None:
    """TestHistogramLoadFromCheckpointReturnsErrorOnNegativeBucket."""
    checkpoint = HistogramCheckpoint(total_weight=1.0, bucket_weights={-1: 1})
    with pytest.raises(CheckpointError):
        Histogram(TEST_OPTIONS).load_from_checkpoint(checkpoint)


def test_histogram_load_from_checkpoint_returns_error_on_invalid_bucket() -> None:
    """TestHistogramLoadFromCheckpointReturnsErrorOnInvalidBucket."""
    checkpoint = HistogramCheckpoint(total_weight=1.0, bucket_weights={99: 1})
    with pytest.raises(CheckpointError):
        Histogram(TEST_OPTIONS).load_from_checkpoint(checkpoint)


def test_histogram_load_from_checkpoint_returns_error_negative_total_weight() -> None:
    """TestHistogramLoadFromCheckpointReturnsErrorNegativeTotaWeight."""
    checkpoint = HistogramCheckpoint(total_weight=-1.0, bucket_weights={})
    with pytest.raises(CheckpointError):
        Histogram(TEST_OPTIONS).load_from_checkpoint(checkpoint)


def test_histogram_load_from_checkpoint_returns_error_on_nil_input() -> None:
    """TestHistogramLoadFromCheckpointReturnsErrorOnNilInput."""
    with pytest.raises(CheckpointError):
        Histogram(TEST_OPTIONS).load_from_checkpoint(None)


def test_histogram_is_not_empty_after_saving_and_loading_checkpoints_with_boundary_values() -> None:
    """TestHistogramIsNotEmptyAfterSavingAndLoadingCheckpointsWithBoundaryValues
    (kubernetes/autoscaler#7726): a bucket at epsilon shrinks below it after the round trip,
    but the histogram must not become empty."""
    h = Histogram(TEST_OPTIONS)
    h.add_sample(1, WEIGHT_EPSILON, ANY_TIME)
    h.add_sample(2, float(MAX_CHECKPOINT_WEIGHT) * WEIGHT_EPSILON - WEIGHT_EPSILON, ANY_TIME)
    assert not h.is_empty()

    checkpoint = h.save_to_checkpoint()
    restored = Histogram(TEST_OPTIONS)
    restored.load_from_checkpoint(checkpoint)
    assert not restored.is_empty()


# -- not upstream cases: behaviour upstream reaches through panics, and the Go arithmetic ------


def test_negative_weight_is_rejected() -> None:
    """AddSample / SubtractSample panic on a negative weight upstream."""
    h = Histogram(TEST_OPTIONS)
    with pytest.raises(ValueError, match="sample weight must be non-negative"):
        h.add_sample(1.0, -1.0)
    with pytest.raises(ValueError, match="sample weight must be non-negative"):
        h.subtract_sample(1.0, -1.0)


def test_merge_with_other_options_is_rejected() -> None:
    """Merge panics when the options differ upstream."""
    h = Histogram(TEST_OPTIONS)
    with pytest.raises(ValueError, match="different options"):
        h.merge(Histogram(LinearHistogramOptions(20.0, 1.0, WEIGHT_EPSILON)))


def test_plain_and_decaying_histograms_are_never_equal() -> None:
    """Equals type-asserts the other histogram: a decaying one is not equal to a plain one."""
    assert not Histogram(TEST_OPTIONS).equals(DecayingHistogram(TEST_OPTIONS, 3600.0))


def test_go_math_reproductions() -> None:
    """Sanity of the Go arithmetic: exact where Go is exact, within one ulp of libm else."""
    for k in range(-60, 61):
        assert _gomath.go_exp2(float(k)) == 2.0**k
    for x in (1.05, 1.5, 2.25, 3.3, 1e-7, 12345.678, 1e300):
        assert abs(_gomath.go_log(x) - math.log(x)) <= math.ulp(math.log(x))
        assert _gomath.go_pow(x, 2.0) == x * x
        assert _gomath.go_pow(x, 1.0) == x
    assert _gomath.go_pow(math.inf, -1.0) == 0.0
    assert _gomath.go_div(1.0, 0.0) == math.inf
    assert math.isnan(_gomath.go_div(0.0, 0.0))
    assert _gomath.go_float_to_int64(math.nan) == _gomath.MIN_INT64
    # Go's Round on times: halves round up, relative to the zero time (year 1).
    hour = 3600 * 10**9
    assert _gomath.time_round(1234567890 * 10**9, hour) == 1234569600 * 10**9
    assert _gomath.time_round(1800 * 10**9, hour) == hour
