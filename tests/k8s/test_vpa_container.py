"""Port of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/model/container_test.go
(every test function, under its own name).

Upstream wires ``MockHistogram`` (testify mock) under an ``AggregateContainerState``: each
``On("AddSample", value, weight, time)`` permits exactly that call, any unexpected call fails.
Here a recording histogram captures the calls and each test asserts the exact call sequence,
which is the same set of permitted calls in the order the model makes them. Values are compared
exactly, as testify's argument matching does (``1200.0*mb`` is a Go constant; the model's
float64 product 1048576000 * 1.2 rounds to that same double).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from provisor.k8s.vpa.model import (
    DEFAULT_AGGREGATIONS_CONFIG,
    MIN_SAMPLE_WEIGHT,
    AggregateContainerState,
    ContainerState,
    ContainerUsageSample,
    OOMRecordError,
)
from provisor.k8s.vpa.types import cpu_amount_from_cores, memory_amount_from_bytes

TEST_TIMESTAMP = datetime(2017, 4, 18, 17, 35, 5, tzinfo=timezone.utc).timestamp()
TEST_REQUEST = {"cpu": cpu_amount_from_cores(2.3), "memory": memory_amount_from_bytes(5e8)}
KB = 1024
MB = 1024 * KB
HOUR = 3600.0
INTERVAL = DEFAULT_AGGREGATIONS_CONFIG.memory_aggregation_interval  # 24h


class RecordingHistogram:
    """Stands in for upstream's MockHistogram: records AddSample / SubtractSample calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float, float]] = []

    def add_sample(self, value: float, weight: float, time: float) -> None:
        self.calls.append(("AddSample", value, weight, time))

    def subtract_sample(self, value: float, weight: float, time: float) -> None:
        self.calls.append(("SubtractSample", value, weight, time))


class ContainerTest:
    """upstream newContainerTest(): mock histograms under an aggregation with the default OOM
    bump (x1.2, 100Mi) and interval, the interval count left unset (0)."""

    def __init__(self, interval: float = INTERVAL, interval_count: int = 0) -> None:
        self.cpu = RecordingHistogram()
        self.memory = RecordingHistogram()
        self.aggregate = AggregateContainerState(
            cpu_histogram=self.cpu, memory_histogram=self.memory
        )
        self.aggregate.oom_bump_up_ratio = 1.2
        self.aggregate.oom_min_bump_up = 1.048576e08
        self.aggregate.memory_aggregation_interval = interval
        self.aggregate.memory_aggregation_interval_count = interval_count
        self.container = ContainerState(TEST_REQUEST, self.aggregate)


def sample(timestamp: float, usage: int, resource: str) -> ContainerUsageSample:
    return ContainerUsageSample(timestamp, usage, resource)


def add(value: float, time: float) -> tuple[str, float, float, float]:
    return ("AddSample", value, 1.0, time)


def sub(value: float, time: float) -> tuple[str, float, float, float]:
    return ("SubtractSample", value, 1.0, time)


def test_aggregate_container_usage_samples() -> None:
    """TestAggregateContainerUsageSamples: 3 valid CPU and memory samples, 3 invalid ones."""
    test = ContainerTest()
    c = test.container
    time_step = INTERVAL / 2
    assert c.add_sample(sample(TEST_TIMESTAMP, 3140, "cpu"))
    assert c.add_sample(sample(TEST_TIMESTAMP, 5, "memory"))
    assert c.add_sample(sample(TEST_TIMESTAMP + time_step, 6280, "cpu"))
    assert c.add_sample(sample(TEST_TIMESTAMP + time_step, 10, "memory"))
    assert c.add_sample(sample(TEST_TIMESTAMP + 2 * time_step, 1570, "cpu"))
    assert c.add_sample(sample(TEST_TIMESTAMP + 2 * time_step, 2, "memory"))
    # Discarded: out of order CPU, negative CPU, negative memory.
    assert not c.add_sample(sample(TEST_TIMESTAMP + 2 * time_step, 1000, "cpu"))
    assert not c.add_sample(sample(TEST_TIMESTAMP + 4 * time_step, -1000, "cpu"))
    assert not c.add_sample(sample(TEST_TIMESTAMP + 4 * time_step, -1000, "memory"))

    assert test.cpu.calls == [
        ("AddSample", 3.14, MIN_SAMPLE_WEIGHT, TEST_TIMESTAMP),
        ("AddSample", 6.28, MIN_SAMPLE_WEIGHT, TEST_TIMESTAMP + time_step),
        ("AddSample", 1.57, MIN_SAMPLE_WEIGHT, TEST_TIMESTAMP + 2 * time_step),
    ]
    window_end = TEST_TIMESTAMP + INTERVAL
    assert test.memory.calls == [
        add(5.0, window_end),
        sub(5.0, window_end),
        add(10.0, window_end),
        add(2.0, window_end + INTERVAL),
    ]


def test_record_oom_increased_by_bump_up() -> None:
    """TestRecordOOMIncreasedByBumpUp: 20% bump."""
    test = ContainerTest()
    test.container.record_oom(TEST_TIMESTAMP, 1000 * MB)
    assert test.memory.calls == [add(1200.0 * MB, TEST_TIMESTAMP + INTERVAL)]


def test_record_oom_dont_run_away() -> None:
    """TestRecordOOMDontRunAway: smaller OOMs leave the OOM peak alone, a larger one bumps it."""
    test = ContainerTest()
    window_end = TEST_TIMESTAMP + INTERVAL
    test.container.record_oom(TEST_TIMESTAMP, 1000 * MB)
    test.container.record_oom(TEST_TIMESTAMP, 999 * MB)
    test.container.record_oom(TEST_TIMESTAMP, 999 * MB)
    test.container.record_oom(TEST_TIMESTAMP, 2000 * MB)
    assert test.memory.calls == [
        add(1200.0 * MB, window_end),
        sub(1200.0 * MB, window_end),
        add(2400.0 * MB, window_end),
    ]


def test_record_oom_increased_by_min() -> None:
    """TestRecordOOMIncreasedByMin: at least +100Mi."""
    test = ContainerTest()
    test.container.record_oom(TEST_TIMESTAMP, 1 * MB)
    assert test.memory.calls == [add(101.0 * MB, TEST_TIMESTAMP + INTERVAL)]


def test_record_oom_maxed_with_known_sample() -> None:
    """TestRecordOOMMaxedWithKnownSample: the observed peak beats the request."""
    test = ContainerTest()
    window_end = TEST_TIMESTAMP + INTERVAL
    assert test.container.add_sample(sample(TEST_TIMESTAMP, 3000 * MB, "memory"))
    test.container.record_oom(TEST_TIMESTAMP, 1000 * MB)
    assert test.memory.calls == [
        add(3000.0 * MB, window_end),
        sub(3000.0 * MB, window_end),
        add(3600.0 * MB, window_end),
    ]


def test_record_oom_discards_old_sample() -> None:
    """TestRecordOOMDiscardsOldSample: an OOM 30h before the last sample is an error."""
    test = ContainerTest()
    assert test.container.add_sample(sample(TEST_TIMESTAMP, 1000 * MB, "memory"))
    with pytest.raises(OOMRecordError, match="OOM event will be discarded - it is too old"):
        test.container.record_oom(TEST_TIMESTAMP - 30 * HOUR, 1000 * MB)
    assert test.memory.calls == [add(1000.0 * MB, TEST_TIMESTAMP + INTERVAL)]


def test_record_oom_in_new_window() -> None:
    """TestRecordOOMInNewWindow: an OOM two intervals later opens a new window."""
    test = ContainerTest()
    window_end = TEST_TIMESTAMP + INTERVAL
    assert test.container.add_sample(sample(TEST_TIMESTAMP, 2000 * MB, "memory"))
    test.container.record_oom(TEST_TIMESTAMP + 2 * INTERVAL, 1000 * MB)
    assert test.memory.calls == [
        add(2000.0 * MB, window_end),
        add(2400.0 * MB, window_end + 2 * INTERVAL),
    ]


def test_record_oom_fresh_oom_near_window_boundary_is_not_discarded() -> None:
    """TestRecordOOMFreshOOMNearWindowBoundaryIsNotDiscarded (kubernetes/autoscaler#8548)."""
    test = ContainerTest()
    c = test.container
    assert c.add_sample(sample(TEST_TIMESTAMP, 100 * MB, "memory"))
    boundary = TEST_TIMESTAMP + INTERVAL
    window_end = TEST_TIMESTAMP + 2 * INTERVAL
    assert c.add_sample(sample(boundary, 2000 * MB, "memory"))
    c.record_oom(boundary - 1.0, 1000 * MB)
    assert test.memory.calls == [
        add(100.0 * MB, TEST_TIMESTAMP + INTERVAL),
        add(2000.0 * MB, window_end),
        sub(2000.0 * MB, window_end),
        add(2400.0 * MB, window_end),
    ]


def test_memory_samples_with_custom_aggregation_interval() -> None:
    """TestMemorySamplesWithCustomAggregationInterval: 1h interval, samples 2h apart."""
    test = ContainerTest(interval=HOUR)
    c = test.container
    window_end1 = TEST_TIMESTAMP + HOUR
    assert c.add_sample(sample(TEST_TIMESTAMP, 5, "memory"))
    assert c.add_sample(sample(TEST_TIMESTAMP + 2 * HOUR, 10, "memory"))
    assert test.cpu.calls == []
    assert test.memory.calls == [add(5.0, window_end1), add(10.0, window_end1 + 2 * HOUR)]


def test_memory_peak_update_within_custom_interval() -> None:
    """TestMemoryPeakUpdateWithinCustomInterval: 30 min later, same 1h window."""
    test = ContainerTest(interval=HOUR)
    c = test.container
    window_end = TEST_TIMESTAMP + HOUR
    assert c.add_sample(sample(TEST_TIMESTAMP, 5, "memory"))
    assert c.add_sample(sample(TEST_TIMESTAMP + 30 * 60, 10, "memory"))
    assert test.memory.calls == [add(5.0, window_end), sub(5.0, window_end), add(10.0, window_end)]


def test_record_oom_discards_old_sample_with_custom_interval() -> None:
    """TestRecordOOMDiscardsOldSampleWithCustomInterval: 2h old OOM with a 1h interval."""
    test = ContainerTest(interval=HOUR)
    c = test.container
    assert c.add_sample(sample(TEST_TIMESTAMP, 1000 * MB, "memory"))
    with pytest.raises(OOMRecordError):
        c.record_oom(TEST_TIMESTAMP - 2 * HOUR, 1000 * MB)
    assert test.memory.calls == [add(1000.0 * MB, TEST_TIMESTAMP + HOUR)]


def test_record_oom_in_new_window_with_custom_interval() -> None:
    """TestRecordOOMInNewWindowWithCustomInterval."""
    test = ContainerTest(interval=HOUR)
    c = test.container
    window_end = TEST_TIMESTAMP + HOUR
    assert c.add_sample(sample(TEST_TIMESTAMP, 2000 * MB, "memory"))
    c.record_oom(TEST_TIMESTAMP + 2 * HOUR, 1000 * MB)
    assert test.memory.calls == [
        add(2000.0 * MB, window_end),
        add(2400.0 * MB, window_end + 2 * HOUR),
    ]


def test_record_oom_discards_old_sample_with_custom_interval_count() -> None:
    """TestRecordOOMDiscardsOldSampleWithCustomIntervalCount: count 2, OOM 3 intervals old."""
    test = ContainerTest(interval_count=2)
    c = test.container
    assert c.add_sample(sample(TEST_TIMESTAMP, 1000 * MB, "memory"))
    with pytest.raises(OOMRecordError):
        c.record_oom(TEST_TIMESTAMP - 3 * INTERVAL, 1000 * MB)
    assert test.memory.calls == [add(1000.0 * MB, TEST_TIMESTAMP + INTERVAL)]


def test_memory_samples_with_custom_aggregation_interval_count() -> None:
    """TestMemorySamplesWithCustomAggregationIntervalCount: count 16, samples 2 intervals apart."""
    test = ContainerTest(interval_count=16)
    c = test.container
    window_end1 = TEST_TIMESTAMP + INTERVAL
    assert c.add_sample(sample(TEST_TIMESTAMP, 5, "memory"))
    assert c.add_sample(sample(TEST_TIMESTAMP + 2 * INTERVAL, 10, "memory"))
    assert test.cpu.calls == []
    assert test.memory.calls == [add(5.0, window_end1), add(10.0, window_end1 + 2 * INTERVAL)]
