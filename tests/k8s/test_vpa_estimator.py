"""Port of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/logic/estimator_test.go
(every test function, under its own name).

Floats are compared as upstream does: ``assert.Equal`` exactly, ``assert.InEpsilon`` with the
stated relative tolerance. Upstream's ``TestMarginEstimator`` expects ``3.14*1.1`` and
``3.14e9*1.1``: Go folds those constant expressions exactly (3.454 and 3.454e9, then rounds once
to float64), whereas Python evaluates them in float64 (3.4540000000000006,
3454000000.0000005). The model computes 3140 + truncate(314.0) = 3454 millicores, i.e. 3.454;
the expected values are therefore written as the folded constants 3.454 and 3.454e9.
"""

from __future__ import annotations

import math

from provisor.k8s.vpa.estimator import (
    CombinedEstimator,
    ConstCPUEstimator,
    ConstMemoryEstimator,
    CPUConfidenceMultiplier,
    CPUMarginEstimator,
    CPUMinResourceEstimator,
    MemoryConfidenceMultiplier,
    MemoryMarginEstimator,
    MemoryMinResourceEstimator,
    PercentileCPUEstimator,
    PercentileMemoryEstimator,
    get_confidence,
)
from provisor.k8s.vpa.histogram import Histogram
from provisor.k8s.vpa.model import (
    DEFAULT_AGGREGATIONS_CONFIG,
    AggregateContainerState,
    ContainerUsageSample,
)
from provisor.k8s.vpa.types import (
    bytes_from_memory_amount,
    cores_from_cpu_amount,
    cpu_amount_from_cores,
    memory_amount_from_bytes,
)

ANY_TIME = 0.0  # upstream: time.Unix(0, 0)
DEFAULT_CONFIDENCE_INTERVAL = 24 * 3600.0


def in_epsilon(expected: float, actual: float, epsilon: float) -> bool:
    """testify ``InEpsilon``."""
    if expected == 0 or math.isnan(actual):
        return False
    return abs(expected - actual) / abs(expected) <= epsilon


def test_percentile_estimator() -> None:
    """TestPercentileEstimator: p20 of CPU {1,2,3} cores, p50 of memory {1e9,2e9,3e9}."""
    config = DEFAULT_AGGREGATIONS_CONFIG
    cpu_histogram = Histogram(config.cpu_histogram_options)
    cpu_histogram.add_sample(1.0, 1.0, ANY_TIME)
    cpu_histogram.add_sample(2.0, 1.0, ANY_TIME)
    cpu_histogram.add_sample(3.0, 1.0, ANY_TIME)
    memory_histogram = Histogram(config.memory_histogram_options)
    memory_histogram.add_sample(1e9, 1.0, ANY_TIME)
    memory_histogram.add_sample(2e9, 1.0, ANY_TIME)
    memory_histogram.add_sample(3e9, 1.0, ANY_TIME)
    estimator = CombinedEstimator(PercentileCPUEstimator(0.2), PercentileMemoryEstimator(0.5))
    state = AggregateContainerState(cpu_histogram=cpu_histogram, memory_histogram=memory_histogram)
    estimation = estimator.get_resource_estimation(state)
    max_relative_error = 0.05  # histogram rounding
    assert in_epsilon(1.0, cores_from_cpu_amount(estimation["cpu"]), max_relative_error)
    assert in_epsilon(2e9, bytes_from_memory_amount(estimation["memory"]), max_relative_error)


def test_confidence_multiplier() -> None:
    """TestConfidenceMultiplier."""
    base_cpu = ConstCPUEstimator(cpu_amount_from_cores(3.14))
    base_memory = ConstMemoryEstimator(memory_amount_from_bytes(3.14e9))
    tested1 = CombinedEstimator(
        CPUConfidenceMultiplier(1.0, 1.0, base_cpu, DEFAULT_CONFIDENCE_INTERVAL),
        MemoryConfidenceMultiplier(1.0, 1.0, base_memory, DEFAULT_CONFIDENCE_INTERVAL),
    )
    tested2 = CombinedEstimator(
        CPUConfidenceMultiplier(1.0, -1.0, base_cpu, DEFAULT_CONFIDENCE_INTERVAL),
        MemoryConfidenceMultiplier(1.0, -1.0, base_memory, DEFAULT_CONFIDENCE_INTERVAL),
    )
    s = AggregateContainerState()
    # No history: the maximum amount for a positive exponent, zero for a negative one.
    assert tested1.get_resource_estimation(s)["cpu"] == 100_000_000_000_000
    assert tested2.get_resource_estimation(s)["cpu"] == 0

    tested3 = CombinedEstimator(
        CPUConfidenceMultiplier(0.1, 2.0, base_cpu, DEFAULT_CONFIDENCE_INTERVAL),
        MemoryConfidenceMultiplier(0.1, 2.0, base_memory, DEFAULT_CONFIDENCE_INTERVAL),
    )
    timestamp = ANY_TIME
    for _ in range(9):
        s.add_sample(ContainerUsageSample(timestamp, cpu_amount_from_cores(1.0), "cpu"))
        timestamp += 2 * 60.0

    # confidence = 9 / (60 * 24) = 0.00625
    assert get_confidence(s, DEFAULT_CONFIDENCE_INTERVAL) == 0.00625
    # 3.14 * (1 + 0.1/0.00625)^2 = 907.46 cores; 3.14e9 * 289 = 9.0746e11 bytes
    estimation = tested3.get_resource_estimation(s)
    assert cores_from_cpu_amount(estimation["cpu"]) == 907.46
    assert bytes_from_memory_amount(estimation["memory"]) == 9.0746e11


def test_confidence_multiplier_with_custom_interval() -> None:
    """TestConfidenceMultiplierWithCustomInterval: 18 minute interval, confidence 9/18."""
    custom_interval = 18 * 60.0
    base_cpu = ConstCPUEstimator(cpu_amount_from_cores(3.14))
    base_memory = ConstMemoryEstimator(memory_amount_from_bytes(3.14e9))
    s = AggregateContainerState()
    tested4 = CombinedEstimator(
        CPUConfidenceMultiplier(0.1, 2.0, base_cpu, custom_interval),
        MemoryConfidenceMultiplier(0.1, 2.0, base_memory, custom_interval),
    )
    timestamp = ANY_TIME
    for _ in range(9):
        s.add_sample(ContainerUsageSample(timestamp, cpu_amount_from_cores(1.0), "cpu"))
        timestamp += 2 * 60.0

    assert get_confidence(s, custom_interval) == 0.5
    # 3.14 * 1.2^2 = 4.5216 cores, truncated to 4521 millicores; 3.14e9 * 1.44 = 4.5216e9 bytes.
    estimation = tested4.get_resource_estimation(s)
    assert cores_from_cpu_amount(estimation["cpu"]) == 4.521
    assert bytes_from_memory_amount(estimation["memory"]) == 4.5216e9


def test_confidence_multiplier_no_history() -> None:
    """TestConfidenceMultiplierNoHistory: +Inf multiplier, clamped to the maximum amount."""
    base_cpu = ConstCPUEstimator(cpu_amount_from_cores(3.14))
    base_memory = ConstMemoryEstimator(memory_amount_from_bytes(3.14e9))
    tested = CombinedEstimator(
        CPUConfidenceMultiplier(0.1, 2.0, base_cpu, DEFAULT_CONFIDENCE_INTERVAL),
        MemoryConfidenceMultiplier(0.1, 2.0, base_memory, DEFAULT_CONFIDENCE_INTERVAL),
    )
    s = AggregateContainerState()
    assert tested.get_resource_estimation(s)["cpu"] == 100_000_000_000_000


def test_margin_estimator() -> None:
    """TestMarginEstimator: 10% margin. Expected values are Go's folded constants (see module
    docstring)."""
    margin_fraction = 0.1
    tested = CombinedEstimator(
        CPUMarginEstimator(margin_fraction, ConstCPUEstimator(cpu_amount_from_cores(3.14))),
        MemoryMarginEstimator(
            margin_fraction, ConstMemoryEstimator(memory_amount_from_bytes(3.14e9))
        ),
    )
    estimation = tested.get_resource_estimation(AggregateContainerState())
    assert cores_from_cpu_amount(estimation["cpu"]) == 3.454  # Go: 3.14*1.1
    assert bytes_from_memory_amount(estimation["memory"]) == 3.454e9  # Go: 3.14e9*1.1


def test_min_resources_estimator() -> None:
    """TestMinResourcesEstimator: the minimum does not lower a larger estimate."""
    s = AggregateContainerState()
    cpu_estimator = CPUMinResourceEstimator(
        cpu_amount_from_cores(0.2), ConstCPUEstimator(cpu_amount_from_cores(3.14))
    )
    assert cores_from_cpu_amount(cpu_estimator.get_cpu_estimation(s)) == 3.14
    memory_estimator = MemoryMinResourceEstimator(
        memory_amount_from_bytes(2e7), ConstMemoryEstimator(memory_amount_from_bytes(4e8))
    )
    assert bytes_from_memory_amount(memory_estimator.get_memory_estimation(s)) == 4e8
