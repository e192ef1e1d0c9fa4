"""Ports of kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/logic/
recommender_test.go and of model/types_test.go (the conversions the recommender's output goes
through), every test function under its own name and every table case with its upstream name.

Amounts are compared exactly (``assert.Equal`` upstream). Quantities are compared by value where
upstream uses ``Quantity.Equal`` and by (value, format) where it compares the structs.
"""

from __future__ import annotations

import pytest

from provisor.k8s.vpa.estimator import ConstCPUEstimator, ConstMemoryEstimator
from provisor.k8s.vpa.model import AggregateContainerState
from provisor.k8s.vpa.recommender import (
    PodResourceRecommender,
    RecommendationFormat,
    RecommendedContainerResources,
    create_pod_resource_recommender,
    map_to_list_of_recommended_container_resources,
)
from provisor.k8s.vpa.types import (
    MAX_RESOURCE_AMOUNT,
    bytes_from_memory_amount,
    cores_from_cpu_amount,
    cpu_amount_from_cores,
    humanize_memory_quantity,
    memory_amount_from_bytes,
    quantity_from_cpu_amount,
    quantity_from_memory_amount,
    resource_amount_from_float,
    resource_names_api_to_model,
    resources_as_resource_list,
    round_up_to_scale,
    scale_resource,
)
from provisor.quantity import Quantity


def const_recommender(min_cpu_millicores: float = 0.0, min_memory_mb: float = 0.0):
    cpu = ConstCPUEstimator(cpu_amount_from_cores(0.001))
    memory = ConstMemoryEstimator(memory_amount_from_bytes(1e6))
    return PodResourceRecommender(
        cpu, memory, cpu, memory, cpu, memory, min_cpu_millicores, min_memory_mb
    )


# -- logic/recommender_test.go -------------------------------------------------------------------


def test_min_resources_applied() -> None:
    """TestMinResourcesApplied: one container gets the whole pod minimum."""
    min_cpu_millicores = 25.0
    min_memory_mb = 250.0
    recommender = const_recommender(min_cpu_millicores, min_memory_mb)
    result = recommender.get_recommended_pod_resources(
        {"container-1": AggregateContainerState()}
    )
    assert result["container-1"].target["cpu"] == cpu_amount_from_cores(min_cpu_millicores / 1000)
    assert result["container-1"].target["memory"] == memory_amount_from_bytes(
        min_memory_mb * 1024 * 1024
    )


def test_min_resources_split_across_containers() -> None:
    """TestMinResourcesSplitAcrossContainers: two containers get half each."""
    min_cpu_millicores = 25.0
    min_memory_mb = 250.0
    recommender = const_recommender(min_cpu_millicores, min_memory_mb)
    result = recommender.get_recommended_pod_resources(
        {"container-1": AggregateContainerState(), "container-2": AggregateContainerState()}
    )
    for name in ("container-1", "container-2"):
        assert result[name].target["cpu"] == cpu_amount_from_cores((min_cpu_millicores / 1000) / 2)
        assert result[name].target["memory"] == memory_amount_from_bytes(
            (min_memory_mb * 1024 * 1024) / 2
        )


def test_controlled_resources_filtered() -> None:
    """TestControlledResourcesFiltered: only memory controlled."""
    state = AggregateContainerState()
    state.controlled_resources = ["memory"]
    result = const_recommender().get_recommended_pod_resources({"container-1": state})
    rec = result["container-1"]
    for bound in (rec.target, rec.lower_bound, rec.upper_bound):
        assert "memory" in bound
        assert "cpu" not in bound


def test_controlled_resources_filtered_default() -> None:
    """TestControlledResourcesFilteredDefault: memory and cpu controlled."""
    state = AggregateContainerState()
    state.controlled_resources = ["memory", "cpu"]
    result = const_recommender().get_recommended_pod_resources({"container-1": state})
    rec = result["container-1"]
    for bound in (rec.target, rec.lower_bound, rec.upper_bound):
        assert "memory" in bound
        assert "cpu" in bound


def _recs(pairs: list[tuple[str, float, float]]) -> dict[str, RecommendedContainerResources]:
    return {
        name: RecommendedContainerResources(
            target={"cpu": cpu_amount_from_cores(cpu), "memory": memory_amount_from_bytes(mem)}
        )
        for name, cpu, mem in pairs
    }


@pytest.mark.parametrize(
    "resources",
    [
        _recs([("a-container", 1, 1e6), ("b-container", 2, 2e6), ("c-container", 3, 3e6),
               ("d-container", 4, 4e6)]),
        _recs([("b-container", 1, 1e6), ("a-container", 2, 2e6), ("d-container", 3, 3e6),
               ("c-container", 4, 4e6)]),
    ],
    ids=["All recommendations sorted", "All recommendations unsorted"],
)
def test_map_to_list_of_recommended_container_resources(
    resources: dict[str, RecommendedContainerResources],
) -> None:
    """TestMapToListOfRecommendedContainerResources: sorted by name, values unchanged."""
    expected_order = ["a-container", "b-container", "c-container", "d-container"]
    out = map_to_list_of_recommended_container_resources(
        resources, RecommendationFormat(round_cpu_millicores=1, round_memory_bytes=1)
    )
    recs = out["containerRecommendations"]
    assert [r["containerName"] for r in recs] == expected_order
    for rec in recs:
        name = rec["containerName"]
        assert resources[name].target["cpu"] == rec["target"]["cpu"].milli_value()
        assert resources[name].target["memory"] == rec["target"]["memory"].int_value()


def test_create_pod_resource_recommender_defaults() -> None:
    """Not an upstream case: the assembled default recommender on an empty history gives the
    pod minimum on every bound. Target: p90 of an empty histogram is 0. Lower bound: factor
    (1 + 0.001/0)^-2 = 0. Upper bound: 0 * (1 + 1/0)^1 = 0 * Inf = NaN, which Go converts to
    MinInt64 on amd64, and the pod minimum then wins."""
    result = create_pod_resource_recommender().get_recommended_pod_resources(
        {"app": AggregateContainerState()}
    )["app"]
    assert result.target == {"cpu": 25, "memory": 250 * 1024 * 1024}
    assert result.lower_bound == {"cpu": 25, "memory": 250 * 1024 * 1024}
    assert result.upper_bound == {"cpu": 25, "memory": 250 * 1024 * 1024}


# -- model/types_test.go ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "humanize", "round_cpu", "round_memory", "expected_cpu", "expected_memory"),
    [
        ({"cpu": 1000, "memory": 1024}, False, 1, 1, "1000m", "1024"),
        ({"cpu": 1000, "memory": 262144000}, True, 1, 1, "1000m", "250.00Mi"),
        ({"cpu": 1000, "memory": 262144000}, True, 1, 268435456, "1000m", "256.00Mi"),
        ({"cpu": 1000, "memory": 839500000}, True, 3, 1, "1002m", "800.61Mi"),
        ({"cpu": 0, "memory": 0}, False, 2, 1, "0m", "0"),
        ({"cpu": 1231241, "memory": 839500000}, False, 13, 1, "1231243m", "839500000"),
        ({"cpu": 1231241, "memory": 839500000}, False, 13, 134217728, "1231243m", "896Mi"),
    ],
    ids=[
        "basic resources without humanize and no rounding",
        "basic resources with humanize and cpu rounding to 1",
        "basic resources with humanize and memory rounding to 256Mi",
        "large memory value with humanize and cpu rounding to 3",
        "zero values without humanize and cpu rounding to 2",
        "large memory value without humanize and cpu rounding to 13",
        "large memory value without humanize and with memory rounding to 128Mi",
    ],
)
def test_resources_as_resource_list(
    resources: dict[str, int],
    humanize: bool,
    round_cpu: int,
    round_memory: int,
    expected_cpu: str,
    expected_memory: str,
) -> None:
    """TestResourcesAsResourceList (compared with Quantity.Equal, i.e. by value)."""
    result = resources_as_resource_list(resources, humanize, round_cpu, round_memory)
    assert result["cpu"].value == Quantity.parse(expected_cpu).value
    assert result["memory"].value == Quantity.parse(expected_memory).value


@pytest.mark.parametrize(
    ("value", "wanted"),
    [
        (1024, "1.00Ki"),
        (1024 * 1024, "1.00Mi"),
        (1024 * 1024 * 1024, "1.00Gi"),
        (1024 * 1024 * 1024 * 1024, "1.00Ti"),
        (256 * 1024 * 1024, "256.00Mi"),
        (1610612736, "1.50Gi"),  # Go constant 1.5 * 1024 * 1024 * 1024
        (1050000, "1.00Mi"),
        (1537, "1.50Ki"),
        (4992073454, "4.65Gi"),
        (6499152537, "6.05Gi"),
        (16357476492, "15.23Gi"),
        (4022251530, "3.75Gi"),
        (13580968030, "12.65Gi"),
        (15530468536, "14.46Gi"),
    ],
    ids=["1.00Ki", "1.00Mi", "1.00Gi", "1.00Ti", "256.00Mi", "1.50Gi", "1Mi in bytes",
         "1.5Ki in bytes", "4.65Gi", "6.05Gi", "15.23Gi", "3.75Gi", "12.65Gi", "14.46Gi"],
)
def test_humanize_memory_quantity(value: int, wanted: str) -> None:
    """TestHumanizeMemoryQuantity."""
    assert humanize_memory_quantity(value) == wanted


@pytest.mark.parametrize(
    ("value", "scale", "expected", "expected_err"),
    [
        (100, 7, 105, ""),
        (100, 10, 100, ""),
        (0, 5, 0, ""),
        (100, -5, 100, "scale must be greater than zero"),
        (100, 0, 100, "scale must be greater than zero"),
    ],
    ids=["Round up to nearest 7", "Exact multiple of 10", "Zero value with scale 5",
         "Negative scale value", "Scale is zero"],
)
def test_round_up_to_scale(value: int, scale: int, expected: int, expected_err: str) -> None:
    """TestRoundUpToScale (upstream returns the value unchanged along with the error; here the
    error is raised and the value is the caller's own)."""
    if expected_err:
        with pytest.raises(ValueError) as err:
            round_up_to_scale(value, scale)
        assert str(err.value) == expected_err
        assert value == expected
    else:
        assert round_up_to_scale(value, scale) == expected


@pytest.mark.parametrize(
    ("cores", "want"),
    [(0.069946, 69), (0.61535112, 615), (0.0172071, 17), (0.00455, 4), (0.0123456789, 12),
     (0.00123456789, 1)],
    ids=["should get 69", "should get 615", "should get 17", "should get 4", "should get 12",
         "should get 1"],
)
def test_cpu_amount_from_cores(cores: float, want: int) -> None:
    """TestCPUAmountFromCores."""
    assert cpu_amount_from_cores(cores) == want


@pytest.mark.parametrize(
    ("amount", "want"),
    [(69, 0.069), (615, 0.615), (17, 0.017), (4, 0.004), (12, 0.012), (1, 0.001)],
    ids=["should get 0.069", "should get 0.615", "should get 0.017", "should get 0.004",
         "should get 0.012", "should get 0.001"],
)
def test_cores_from_cpu_amount(amount: int, want: float) -> None:
    """TestCoresFromCPUAmount."""
    assert cores_from_cpu_amount(amount) == want


@pytest.mark.parametrize(
    "amount", [69, 615, 17, 4, 12, 1],
    ids=["should get 69", "should get 615", "should get 17", "should get 4", "should get 12",
         "should get 1"],
)
def test_quantity_from_cpu_amount(amount: int) -> None:
    """TestQuantityFromCPUAmount: resource.NewScaledQuantity(amount, -3) (DecimalSI)."""
    q = quantity_from_cpu_amount(amount)
    assert (q.value, q.format) == (Quantity.parse(f"{amount}m").value, "DecimalSI")


@pytest.mark.parametrize(
    ("nbytes", "want"),
    [(69.669, 69), (12.333, 12), (17.357, 17), (4.000, 4), (12.123456, 12), (1, 1)],
    ids=["should get 69", "should get 12", "should get 17", "should get 4", "should get 12",
         "should get 1"],
)
def test_memory_amount_from_bytes(nbytes: float, want: int) -> None:
    """TestMemoryAmountFromBytes."""
    assert memory_amount_from_bytes(nbytes) == want


@pytest.mark.parametrize(
    "amount", [69, 12, 17, 4, 12, 1],
    ids=["should get 69", "should get 12", "should get 17", "should get 4", "should get 12",
         "should get 1"],
)
def test_bytes_from_memory_amount(amount: int) -> None:
    """TestBytesFromMemoryAmount."""
    assert bytes_from_memory_amount(amount) == float(amount)


@pytest.mark.parametrize(
    "amount", [69, 12, 17, 4, 12, 1, 0, 123456789],
    ids=["should get 69", "should get 12", "should get 17", "should get 4", "should get 12",
         "should get 1", "should get 0", "should get 123456789"],
)
def test_quantity_from_memory_amount(amount: int) -> None:
    """TestQuantityFromMemoryAmount: resource.NewQuantity(amount, BinarySI)."""
    q = quantity_from_memory_amount(amount)
    assert (q.value, q.format) == (amount, "BinarySI")


@pytest.mark.parametrize(
    ("amount", "factor", "want"),
    [(69, 1.0, 69), (615, 1.0, 615), (17, 1.0, 17), (4, 2.124, 8), (12, 1.1, 13),
     (1213, 1.2414, 1505), (0, 1.0, 0), (11, 0.0, 0), (41208, 0.000001, 0)],
    ids=["should get 69", "should get 615", "should get 17", "should get 8", "should get 13",
         "should get 1505", "should get 0", "should get 0", "should get 0"],
)
def test_scale_resource(amount: int, factor: float, want: int) -> None:
    """TestScaleResource."""
    assert scale_resource(amount, factor) == want


@pytest.mark.parametrize(
    ("api", "model"),
    [(["cpu", "memory"], ["cpu", "memory"]), (["cpu"], ["cpu"]), (["memory"], ["memory"]),
     ([], [])],
    ids=["should get cpu and memory", "should get cpu", "should get memory", "should get empty"],
)
def test_resource_names_api_to_model(api: list[str], model: list[str]) -> None:
    """TestResourceNamesApiToModel."""
    assert resource_names_api_to_model(api) == model


@pytest.mark.parametrize(
    ("amount", "want"),
    [(100.5, 100), (0.0, 0), (-50.5, 0), (float(MAX_RESOURCE_AMOUNT) + 100.0, MAX_RESOURCE_AMOUNT),
     (float(MAX_RESOURCE_AMOUNT), MAX_RESOURCE_AMOUNT), (0.125, 0), (-0.0001, 0)],
    ids=["regular positive number", "zero", "negative number should return zero",
         "number larger than MaxResourceAmount should return MaxResourceAmount",
         "number equal to MaxResourceAmount should return MaxResourceAmount",
         "small decimal number", "very small negative number should return zero"],
)
def test_resource_amount_from_float(amount: float, want: int) -> None:
    """TestResourceAmountFromFloat."""
    assert resource_amount_from_float(amount) == want
