"""Port of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/util/
histogram_options_test.go (TestLinearHistogramOptions, TestExponentialHistogramOptions).

Upstream compares with ``assert.Equal`` (exact float equality); so do we. The bucket starts of
the exponential scheme go through Go's ``math.Pow`` roundings (see ``_gomath``); for these small
powers of 1.5 both Go and exact arithmetic give the literal values.
"""

from __future__ import annotations

import pytest

from provisor.k8s.vpa.histogram import ExponentialHistogramOptions, LinearHistogramOptions

EPSILON = 0.001


def test_linear_histogram_options() -> None:
    """TestLinearHistogramOptions."""
    o = LinearHistogramOptions(5.0, 0.3, EPSILON)
    assert o.epsilon == EPSILON
    assert o.num_buckets == 18

    assert o.get_bucket_start(0) == 0.0
    assert o.get_bucket_start(17) == 5.1

    assert o.find_bucket(-1.0) == 0
    assert o.find_bucket(0.0) == 0
    assert o.find_bucket(1.3) == 4
    assert o.find_bucket(100.0) == 17


def test_exponential_histogram_options() -> None:
    """TestExponentialHistogramOptions."""
    o = ExponentialHistogramOptions(500.0, 40.0, 1.5, EPSILON)
    assert o.epsilon == EPSILON
    assert o.num_buckets == 6

    assert o.get_bucket_start(0) == 0.0
    assert o.get_bucket_start(1) == 40.0
    assert o.get_bucket_start(2) == 100.0
    assert o.get_bucket_start(3) == 190.0
    assert o.get_bucket_start(4) == 325.0
    assert o.get_bucket_start(5) == 527.5

    assert o.find_bucket(-1.0) == 0
    assert o.find_bucket(39.99) == 0
    assert o.find_bucket(40.0) == 1
    assert o.find_bucket(100.0) == 2
    assert o.find_bucket(900.0) == 5


@pytest.mark.parametrize(
    "args",
    [(0.0, 1.0, EPSILON), (5.0, 0.0, EPSILON), (5.0, 1.0, 0.0), (-1.0, 1.0, EPSILON)],
    ids=["max-zero", "bucket-zero", "epsilon-zero", "max-negative"],
)
def test_linear_options_reject_non_positive(args: tuple[float, float, float]) -> None:
    """NewLinearHistogramOptions returns its error for non-positive parameters."""
    with pytest.raises(ValueError, match="maxValue and bucketSize must both be positive"):
        LinearHistogramOptions(*args)


@pytest.mark.parametrize(
    "args",
    [(0.0, 1.0, 1.5, EPSILON), (5.0, 0.0, 1.5, EPSILON), (5.0, 1.0, 1.0, EPSILON),
     (5.0, 1.0, 1.5, 0.0)],
    ids=["max-zero", "first-zero", "ratio-one", "epsilon-zero"],
)
def test_exponential_options_reject_bad_parameters(args: tuple[float, ...]) -> None:
    """NewExponentialHistogramOptions returns its error for bad parameters."""
    with pytest.raises(ValueError, match="ratio must be > 1.0"):
        ExponentialHistogramOptions(*args)


def test_get_bucket_start_out_of_range() -> None:
    """GetBucketStart panics outside [0, numBuckets): here IndexError with upstream's text."""
    o = LinearHistogramOptions(5.0, 0.3, EPSILON)
    with pytest.raises(IndexError, match=r"index 18 out of range \[0..17\]"):
        o.get_bucket_start(18)
    with pytest.raises(IndexError, match=r"index -1 out of range \[0..17\]"):
        o.get_bucket_start(-1)
