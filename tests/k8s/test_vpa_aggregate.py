"""Port of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/model/
aggregate_container_state_test.go (every test function, under its own name).

``TestAggregateStateByContainerName`` builds its containers through upstream's cluster state;
here the same wiring is done by hand: one ``AggregateContainerState`` per
(namespace, container name, pod labels) key, one ``ContainerState`` per container feeding it,
samples added through the container (a discarded sample is an error, as in
``clusterState.AddSample``). The ``PerVPAConfig`` feature gate is the ``per_vpa_config``
argument of ``update_from_policy``. Upstream's ``time.Now()`` for the checkpoint's
``LastUpdateTime`` is an explicit ``now`` here.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from provisor.k8s.vpa.histogram import DecayingHistogram, HistogramCheckpoint
from provisor.k8s.vpa.model import (
    DEFAULT_AGGREGATIONS_CONFIG,
    SUPPORTED_CHECKPOINT_VERSION,
    AggregateContainerState,
    AggregateStateKey,
    CheckpointVersionError,
    ContainerState,
    ContainerUsageSample,
    VPACheckpointStatus,
    aggregate_state_by_container_name,
)
from provisor.k8s.vpa.types import cpu_amount_from_cores, memory_amount_from_bytes

TEST_TIMESTAMP = datetime(2017, 4, 18, 17, 35, 5, tzinfo=timezone.utc).timestamp()
TEST_REQUEST = {"cpu": cpu_amount_from_cores(3.14), "memory": memory_amount_from_bytes(3.14e9)}
HOUR = 3600.0
DAY = 24 * HOUR
CONFIG = DEFAULT_AGGREGATIONS_CONFIG


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def test_aggregate_state_by_container_name() -> None:
    """TestAggregateStateByContainerName: pod-1 {app-A, app-B}, pod-2 {app-A, app-C} with
    different labels; the two app-A aggregations are merged by name."""
    pods = {
        ("namespace-1", "pod-1"): (("label-1", "value-1"),),
        ("namespace-1", "pod-2"): (("label-2", "value-2"),),
    }
    containers = [
        (("namespace-1", "pod-1"), "app-A"),
        (("namespace-1", "pod-1"), "app-B"),
        (("namespace-1", "pod-2"), "app-A"),
        (("namespace-1", "pod-2"), "app-C"),
    ]
    aggregations: dict[AggregateStateKey, AggregateContainerState] = {}
    states: dict[tuple[tuple[str, str], str], ContainerState] = {}
    for pod, name in containers:
        key = AggregateStateKey(pod[0], name, pods[pod])
        aggregation = aggregations.setdefault(key, AggregateContainerState())
        states[(pod, name)] = ContainerState(TEST_REQUEST, aggregation)

    def add(index: int, usage: int, resource: str) -> None:
        assert states[containers[index]].add_sample(
            ContainerUsageSample(TEST_TIMESTAMP, usage, resource)
        )

    add(0, cpu_amount_from_cores(1.0), "cpu")  # app-A
    add(1, cpu_amount_from_cores(5.0), "cpu")  # app-B
    add(2, cpu_amount_from_cores(3.0), "cpu")  # app-A
    add(3, cpu_amount_from_cores(5.0), "cpu")  # app-C
    add(0, memory_amount_from_bytes(2e9), "memory")  # app-A
    add(1, memory_amount_from_bytes(10e9), "memory")  # app-B
    add(2, memory_amount_from_bytes(4e9), "memory")  # app-A
    add(3, memory_amount_from_bytes(10e9), "memory")  # app-C

    result = aggregate_state_by_container_name(aggregations)
    assert {"app-A", "app-B", "app-C"} <= set(result)
    assert result["app-A"].total_samples_count == 2
    assert result["app-B"].total_samples_count == 1
    assert result["app-C"].total_samples_count == 1

    def aggregation_of(index: int) -> AggregateContainerState:
        pod, name = containers[index]
        return aggregations[AggregateStateKey(pod[0], name, pods[pod])]

    expected_cpu = DecayingHistogram(
        CONFIG.cpu_histogram_options, CONFIG.cpu_histogram_decay_half_life
    )
    expected_cpu.merge(aggregation_of(0).aggregate_cpu_usage)
    expected_cpu.merge(aggregation_of(2).aggregate_cpu_usage)

    expected_memory = DecayingHistogram(
        CONFIG.memory_histogram_options, CONFIG.memory_histogram_decay_half_life
    )
    expected_memory.add_sample(2e9, 1.0, states[containers[0]].window_end)
    expected_memory.add_sample(4e9, 1.0, states[containers[2]].window_end)

    actual_cpu = result["app-A"].aggregate_cpu_usage
    actual_memory = result["app-A"].aggregate_memory_peaks
    assert expected_cpu.equals(actual_cpu), f"Expected:\n{expected_cpu}\nActual:\n{actual_cpu}"
    assert expected_memory.equals(actual_memory), (
        f"Expected:\n{expected_memory}\nActual:\n{actual_memory}"
    )


def test_aggregate_container_state_save_to_checkpoint() -> None:
    """TestAggregateContainerStateSaveToCheckpoint."""
    cs = AggregateContainerState()
    t1, t2 = utc(2018, 1, 1, 2, 3, 4), utc(2018, 2, 1, 2, 3, 4)
    cs.first_sample_start = t1
    cs.last_sample_start = t2
    cs.total_samples_count = 10

    cs.aggregate_cpu_usage.add_sample(1, 33, t2)
    cs.aggregate_memory_peaks.add_sample(1, 55, t1)
    cs.aggregate_memory_peaks.add_sample(10000000, 55, t1)
    now = utc(2018, 3, 1)
    checkpoint = cs.save_to_checkpoint(now)

    assert checkpoint.last_update_time == now  # upstream: time.Since(...) < 10s
    assert checkpoint.first_sample_start == t1
    assert checkpoint.last_sample_start == t2
    assert checkpoint.total_samples_count == 10
    assert checkpoint.version == SUPPORTED_CHECKPOINT_VERSION
    # Serialisation of the histograms themselves is covered by the histogram tests.
    assert len(checkpoint.cpu_histogram.bucket_weights) == 1
    assert len(checkpoint.memory_histogram.bucket_weights) == 2


def test_aggregate_container_state_load_from_checkpoint_fails_for_version_mismatch() -> None:
    """TestAggregateContainerStateLoadFromCheckpointFailsForVersionMismatch."""
    cs = AggregateContainerState()
    with pytest.raises(CheckpointVersionError):
        cs.load_from_checkpoint(VPACheckpointStatus(version="foo"))


def test_aggregate_container_state_load_from_checkpoint() -> None:
    """TestAggregateContainerStateLoadFromCheckpoint."""
    t1, t2 = utc(2018, 1, 1, 2, 3, 4), utc(2018, 2, 1, 2, 3, 4)
    checkpoint = VPACheckpointStatus(
        version=SUPPORTED_CHECKPOINT_VERSION,
        last_update_time=utc(2018, 3, 1),
        first_sample_start=t1,
        last_sample_start=t2,
        total_samples_count=20,
        memory_histogram=HistogramCheckpoint(bucket_weights={0: 10}, total_weight=33.0),
        cpu_histogram=HistogramCheckpoint(bucket_weights={0: 10}, total_weight=44.0),
    )
    cs = AggregateContainerState()
    cs.load_from_checkpoint(checkpoint)
    assert cs.first_sample_start == t1
    assert cs.last_sample_start == t2
    assert cs.total_samples_count == 20
    assert not cs.aggregate_cpu_usage.is_empty()
    assert not cs.aggregate_memory_peaks.is_empty()


def test_aggregate_container_state_is_expired() -> None:
    """TestAggregateContainerStateIsExpired: 8 x 24h window, from the last sample or, when
    empty, from the creation time."""
    cs = AggregateContainerState()
    cs.last_sample_start = TEST_TIMESTAMP
    cs.total_samples_count = 1
    assert not cs.is_expired(TEST_TIMESTAMP + 7 * DAY)
    assert cs.is_expired(TEST_TIMESTAMP + 8 * DAY)

    cs_empty = AggregateContainerState()
    cs_empty.total_samples_count = 0
    cs_empty.creation_time = TEST_TIMESTAMP
    assert not cs_empty.is_expired(TEST_TIMESTAMP + 7 * DAY)
    assert cs_empty.is_expired(TEST_TIMESTAMP + 8 * DAY)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"mode": "Auto"}, "Auto"),
        ({"mode": "Off"}, "Off"),
        ({}, "Auto"),
        (None, "Auto"),
    ],
    ids=[
        "Explicit auto scaling mode",
        "Off scaling mode",
        "No mode specified - default to Auto",
        "Nil policy - default to Auto",
    ],
)
def test_update_from_policy_scaling_mode(policy: dict | None, expected: str) -> None:
    """TestUpdateFromPolicyScalingMode."""
    cs = AggregateContainerState()
    cs.update_from_policy(policy)
    assert cs.scaling_mode == expected


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"controlledResources": ["cpu", "memory"]}, ["cpu", "memory"]),
        ({"controlledResources": []}, []),
        ({"controlledResources": ["memory"]}, ["memory"]),
        ({}, ["cpu", "memory"]),
        (None, ["cpu", "memory"]),
    ],
    ids=[
        "Explicit ControlledResources",
        "Empty ControlledResources",
        "ControlledResources with one resource",
        "No ControlledResources specified - used default",
        "Nil policy - use default",
    ],
)
def test_update_from_policy_controlled_resources(policy: dict | None, expected: list[str]) -> None:
    """TestUpdateFromPolicyControlledResources."""
    cs = AggregateContainerState()
    cs.update_from_policy(policy)
    assert cs.get_controlled_resources() == expected


DEFAULT_INTERVAL = CONFIG.memory_aggregation_interval
CUSTOM_SECONDS = 3600


@pytest.mark.parametrize(
    ("policy", "feature_enabled", "expected_interval"),
    [
        ({"memoryAggregationIntervalSeconds": CUSTOM_SECONDS}, True, float(CUSTOM_SECONDS)),
        ({"memoryAggregationIntervalSeconds": CUSTOM_SECONDS}, False, DEFAULT_INTERVAL),
        ({}, True, DEFAULT_INTERVAL),
        (None, True, DEFAULT_INTERVAL),
    ],
    ids=[
        "Custom interval with feature enabled",
        "Custom interval with feature disabled - falls back to default",
        "Nil MemoryAggregationIntervalSeconds - uses default",
        "Nil policy - uses default",
    ],
)
def test_update_from_policy_memory_aggregation_interval(
    policy: dict | None, feature_enabled: bool, expected_interval: float
) -> None:
    """TestUpdateFromPolicyMemoryAggregationInterval."""
    cs = AggregateContainerState()
    cs.update_from_policy(policy, per_vpa_config=feature_enabled)
    assert cs.memory_aggregation_interval == expected_interval


DEFAULT_COUNT = CONFIG.memory_aggregation_interval_count
CUSTOM_COUNT = 4


@pytest.mark.parametrize(
    ("policy", "feature_enabled", "expected_count"),
    [
        ({"memoryAggregationIntervalCount": CUSTOM_COUNT}, True, CUSTOM_COUNT),
        ({"memoryAggregationIntervalCount": CUSTOM_COUNT}, False, DEFAULT_COUNT),
        ({}, True, DEFAULT_COUNT),
        (None, True, DEFAULT_COUNT),
    ],
    ids=[
        "Custom count with feature enabled",
        "Custom count with feature disabled - falls back to default",
        "Nil MemoryAggregationIntervalCount - uses default",
        "Nil policy - uses default",
    ],
)
def test_update_from_policy_memory_aggregation_interval_count(
    policy: dict | None, feature_enabled: bool, expected_count: int
) -> None:
    """TestUpdateFromPolicyMemoryAggregationIntervalCount."""
    cs = AggregateContainerState()
    cs.update_from_policy(policy, per_vpa_config=feature_enabled)
    assert cs.memory_aggregation_interval_count == expected_count


def test_aggregate_container_state_is_expired_with_custom_interval_count() -> None:
    """TestAggregateContainerStateIsExpiredWithCustomIntervalCount: count 4 -> 96h window."""
    window = DEFAULT_INTERVAL * CUSTOM_COUNT
    cs = AggregateContainerState()
    cs.last_sample_start = TEST_TIMESTAMP
    cs.total_samples_count = 1
    cs.memory_aggregation_interval_count = CUSTOM_COUNT
    assert not cs.is_expired(TEST_TIMESTAMP + window - HOUR)
    assert cs.is_expired(TEST_TIMESTAMP + window)

    cs_empty = AggregateContainerState()
    cs_empty.total_samples_count = 0
    cs_empty.creation_time = TEST_TIMESTAMP
    cs_empty.memory_aggregation_interval_count = CUSTOM_COUNT
    assert not cs_empty.is_expired(TEST_TIMESTAMP + window - HOUR)
    assert cs_empty.is_expired(TEST_TIMESTAMP + window)


# -- not upstream cases ----------------------------------------------------------------------


def test_per_vpa_oom_settings_read_as_milli_quantities() -> None:
    """UpdateFromPolicy reads oomBumpUpRatio / oomMinBumpUp as MilliValue()/1000 (gate on)."""
    cs = AggregateContainerState()
    cs.update_from_policy({"oomBumpUpRatio": "1.5", "oomMinBumpUp": "200Mi"}, per_vpa_config=True)
    assert cs.oom_bump_up_ratio == 1.5
    assert cs.oom_min_bump_up == 200.0 * 1024 * 1024
    cs = AggregateContainerState()
    cs.update_from_policy({"oomBumpUpRatio": "1.5"})
    assert cs.oom_bump_up_ratio == 1.2


def test_unsupported_resources_are_rejected() -> None:
    """AddSample / SubtractSample panic upstream for unsupported resources."""
    cs = AggregateContainerState()
    with pytest.raises(ValueError, match="AddSample doesn't support resource 'gpu'"):
        cs.add_sample(ContainerUsageSample(TEST_TIMESTAMP, 1, "gpu"))
    with pytest.raises(ValueError, match="SubtractSample doesn't support resource 'cpu'"):
        cs.subtract_sample(ContainerUsageSample(TEST_TIMESTAMP, 1, "cpu"))
