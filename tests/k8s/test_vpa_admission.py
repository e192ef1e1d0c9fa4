"""``provisor.k8s.vpa.admission``: the VPA admission controller's requests and limits.

Ports kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/admission-controller/resource/pod/
recommendation/recommendation_provider_test.go``:

* ``TestUpdateResourceRequests``: all 16 cases (``get_containers_resources_for_pod`` with a
  capping processor over a no-op LimitRange calculator and a fake container LimitRange
  calculator, as upstream wires it);
* ``TestGetContainersResources``: all 18 cases (``get_containers_resources`` without a
  LimitRange).

Upstream's VPA test builder shares its ``minAllowed``/``maxAllowed``/``controlledValues`` maps
between derived builders, so each VPA of ``TestUpdateResourceRequests`` carries the policy the
shared maps held when it was built; the VPAs below are written out with those values.
Upstream compares ``Value()``/``MilliValue()``; here exact values are compared.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from provisor.k8s.vpa.admission import (
    ContainerResources,
    apply_container_resources,
    get_containers_resources,
    get_containers_resources_for_pod,
)
from provisor.k8s.vpa.capping import CappingRecommendationProcessor, StaticLimitRangeCalculator
from provisor.quantity import Quantity

MAX_INT64 = (1 << 63) - 1
C = "container1"


def _res(cpu: str = "", mem: str = "") -> dict[str, str]:
    """test.Resources: only the non-empty values."""
    out = {}
    if cpu:
        out["cpu"] = cpu
    if mem:
        out["memory"] = mem
    return out


def _vpa(target: dict[str, str] | None, min_allowed: dict[str, str] | None = None,
         max_allowed: dict[str, str] | None = None, controlled: str | None = None,
         recommendation: str = "target") -> dict[str, Any]:
    policy: dict[str, Any] = {"containerName": C, "mode": "Auto"}
    if min_allowed is not None:
        policy["minAllowed"] = min_allowed
    if max_allowed is not None:
        policy["maxAllowed"] = max_allowed
    if controlled is not None:
        policy["controlledValues"] = controlled
    status: dict[str, Any] = {}
    if recommendation == "target":
        status["recommendation"] = {"containerRecommendations": [
            {"containerName": C, "target": target, "uncappedTarget": target}]}
    elif recommendation == "empty":
        status["recommendation"] = {}
    return {"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler",
            "metadata": {"name": "vpa1"},
            "spec": {"resourcePolicy": {"containerPolicies": [policy]}}, "status": status}


def _pod(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None,
         name: str = C, status: dict[str, Any] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name}
    res: dict[str, Any] = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    if res:
        c["resources"] = res
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": "pod", "labels": {"app": "testingApp"}},
                           "spec": {"containers": [c]}}
    if status is not None:
        pod["status"] = {"containerStatuses": [status]}
    return pod


class _Failing:
    def get_container_limit_range_item(self, namespace: str) -> Any:
        raise RuntimeError("oh no")

    def get_pod_limit_range_item(self, namespace: str) -> Any:
        return None


TARGET = {**_res("2", "200Mi"), "": "666"}  # the empty resource name is purged
VPA = _vpa(TARGET, _res("1", "100Mi"), _res("3", "1Gi"))
TARGET_BELOW_MIN = _vpa(_res("3", "150Mi"), _res("4", "300Mi"), _res("5", "1Gi"))
TARGET_ABOVE_MAX = _vpa(_res("7", "2Gi"), _res("4", "300Mi"), _res("5", "1Gi"))
HIGH_MEMORY = _vpa(_res("2", "1000Mi"), {}, _res("3", "3Gi"))
EXABYTE = _vpa(_res("1Ei", "1Ei"), {}, _res("1Ei", "1Ei"))
REQUESTS_AND_LIMITS = _vpa(TARGET, {}, _res("1Ei", "1Ei"), "RequestsAndLimits")
REQUESTS_ONLY = _vpa(TARGET, {}, _res("1Ei", "1Ei"), "RequestsOnly")
REQUESTS_ONLY_HIGH = _vpa(_res("3", "500Mi"), {}, _res("5", "1Gi"), "RequestsOnly")
EMPTY_REC = _vpa(None, {}, _res("5", "1Gi"), "RequestsOnly", recommendation="empty")
NIL_REC = _vpa(None, {}, _res("5", "1Gi"), "RequestsOnly", recommendation="nil")

UNINITIALIZED = _pod()
INITIALIZED = _pod(_res("2", "100Mi"))
LIMITS_MATCH = _pod(_res("2", "200Mi"), _res("2", "200Mi"))
DOUBLE_LIMIT = _pod(_res("1", "100Mi"), _res("2", "200Mi"))
TENFOLD_LIMIT = _pod(_res("1", "100Mi"), _res("10", "1000Mi"))
LIMITS_NO_REQUESTS = _pod(None, _res("2", "200Mi"))

MAXED = (Fraction(MAX_INT64, 1000), Fraction(MAX_INT64))

# name: (pod, vpa, cpu, mem, cpu limit, mem limit, container LimitRange, calculator error,
#        annotations)
UPDATE_CASES: dict[str, tuple[Any, ...]] = {
    "uninitialized pod": (UNINITIALIZED, VPA, "2", "200Mi", None, None, None, False, {}),
    "target below min": (UNINITIALIZED, TARGET_BELOW_MIN, "4", "300Mi", None, None, None, False,
                         {C: ["cpu capped to minAllowed", "memory capped to minAllowed"]}),
    "target above max": (UNINITIALIZED, TARGET_ABOVE_MAX, "5", "1Gi", None, None, None, False,
                         {C: ["cpu capped to maxAllowed", "memory capped to maxAllowed"]}),
    "initialized pod": (INITIALIZED, VPA, "2", "200Mi", None, None, None, False, {}),
    "high memory": (INITIALIZED, HIGH_MEMORY, "2", "1000Mi", None, None, None, False, {}),
    "empty recommendation": (INITIALIZED, EMPTY_REC, "0", "0", None, None, None, False, {}),
    "nil recommendation": (INITIALIZED, NIL_REC, "0", "0", None, None, None, False, {}),
    "guaranteed resources": (LIMITS_MATCH, VPA, "2", "200Mi", "2", "200Mi", None, False, {}),
    "guaranteed resources - no request": (LIMITS_NO_REQUESTS, VPA, "2", "200Mi", "2", "200Mi",
                                          None, False, {}),
    "proportional limit - as default": (DOUBLE_LIMIT, VPA, "2", "200Mi", "4", "400Mi", None,
                                        False, {}),
    "proportional limit - set explicit": (DOUBLE_LIMIT, REQUESTS_AND_LIMITS, "2", "200Mi", "4",
                                          "400Mi", None, False, {}),
    "disabled limit scaling": (DOUBLE_LIMIT, REQUESTS_ONLY, "2", "200Mi", None, None, None, False,
                               {}),
    "disabled limit scaling - requests capped at limit": (
        DOUBLE_LIMIT, REQUESTS_ONLY_HIGH, "2", "200Mi", None, None, None, False,
        {C: ["cpu capped to container limit", "memory capped to container limit"]}),
    "limit over int64": (TENFOLD_LIMIT, EXABYTE, "1Ei", "1Ei", MAXED[0], MAXED[1], None, False,
                         {C: ["cpu: failed to keep limit to request ratio; capping limit to int64",
                              "memory: failed to keep limit to request ratio; capping limit to "
                              "int64"]}),
    "limit range calculation error": (INITIALIZED, VPA, None, None, None, None, None, True, {}),
    "proportional limit from default": (INITIALIZED, VPA, "2", "200Mi", "2", "200Mi",
                                        {"type": "Container", "default": _res("2", "100Mi")},
                                        False, {}),
}


def _value(x: str | Fraction | None) -> Fraction | None:
    if x is None:
        return None
    return x if isinstance(x, Fraction) else Quantity.parse(x).value


@pytest.mark.parametrize("case", list(UPDATE_CASES.values()), ids=list(UPDATE_CASES))
def test_update_resource_requests(case: tuple[Any, ...]) -> None:
    """TestUpdateResourceRequests."""
    pod, vpa, cpu, mem, cpu_limit, mem_limit, limit_range, calc_error, annotations = case
    processor = CappingRecommendationProcessor(StaticLimitRangeCalculator())
    calc = _Failing() if calc_error else StaticLimitRangeCalculator(container_item=limit_range)
    if calc_error:
        with pytest.raises(ValueError) as exc:
            get_containers_resources_for_pod(pod, vpa, calc, processor)
        assert str(exc.value) == "error getting containerLimitRange: oh no"
        return
    resources, notes = get_containers_resources_for_pod(pod, vpa, calc, processor)
    assert resources is not None and len(resources) == 1
    r = resources[0]
    requests, limits = r.requests or {}, r.limits or {}
    assert "" not in requests and "" not in limits
    assert requests.get("cpu", Quantity.parse("0")).value == _value(cpu)
    assert requests.get("memory", Quantity.parse("0")).value == _value(mem)
    assert (limits["cpu"].value if "cpu" in limits else None) == _value(cpu_limit)
    assert (limits["memory"].value if "memory" in limits else None) == _value(mem_limit)
    assert len(notes) == len(annotations)
    for key, values in annotations.items():
        assert sorted(notes[key]) == sorted(values)


def test_nil_vpa_or_pod() -> None:
    calc = StaticLimitRangeCalculator()
    assert get_containers_resources_for_pod(None, VPA, calc) == (None, {})
    assert get_containers_resources_for_pod(INITIALIZED, None, calc) == (None, {})


def test_off_mode_ignores_the_resource_policy() -> None:
    """GetContainersResourcesForPod passes no resource policy to GetContainersResources when
    updateMode is Off, so controlledValues RequestsOnly does not stop the limits from being set
    proportionally (the processor, which reads the VPA itself, still caps the requests to the
    container limits 2 / 200Mi; the original limit/request ratio is 2)."""
    vpa = {**REQUESTS_ONLY, "spec": {**REQUESTS_ONLY["spec"], "updatePolicy": {
        "updateMode": "Off"}}}
    resources, _ = get_containers_resources_for_pod(
        DOUBLE_LIMIT, vpa, StaticLimitRangeCalculator(),
        CappingRecommendationProcessor(StaticLimitRangeCalculator()))
    assert resources is not None
    assert {k: str(v) for k, v in (resources[0].requests or {}).items()} == {
        "cpu": "2", "memory": "200Mi"}
    assert {k: str(v) for k, v in (resources[0].limits or {}).items()} == {
        "cpu": "4", "memory": "400Mi"}


# -- TestGetContainersResources ---------------------------------------------------------------

REQ_LIM = ({"cpu": "1", "memory": "1M"}, {"cpu": "10", "memory": "10M"})
REQ_ONLY = ({"cpu": "1", "memory": "1M"}, None)

# name: (container requests, container limits, status resources, target, controlledValues,
#        cpu, mem, cpu limit, mem limit, addAll)
GET_CASES: dict[str, tuple[Any, ...]] = {
    "CPU and Memory recommendation, request and limits set": (
        *REQ_LIM, None, _res("2", "2M"), None, "2", "2M", "20", "20M", True),
    "CPU and Memory recommendation, only request set": (
        *REQ_ONLY, None, _res("2", "2M"), None, "2", "2M", None, None, True),
    "CPU only recommendation, request and limits set": (
        *REQ_LIM, None, _res("2"), None, "2", "1M", "20", "10M", True),
    "CPU only recommendation, only request set": (
        *REQ_ONLY, None, _res("2"), None, "2", "1M", None, None, True),
    "CPU only recommendation, only CPU request set": (
        {"cpu": "1"}, None, None, _res("2"), None, "2", None, None, None, True),
    "CPU only recommendation, only CPU request and limit set": (
        {"cpu": "1"}, {"cpu": "10"}, None, _res("2"), None, "2", None, "20", None, True),
    "CPU only recommendation, only CPU request and limit set, "
    "ContainerControlledValuesRequestOnly": (
        {"cpu": "1"}, {"cpu": "10"}, None, _res("2"), "RequestsOnly", "2", None, "10", None,
        True),
    "Memory only recommendation, request and limits set": (
        *REQ_LIM, None, _res(mem="2M"), None, "1", "2M", "10", "20M", True),
    "Memory only recommendation, only request set": (
        *REQ_ONLY, None, _res(mem="2M"), None, "1", "2M", None, None, True),
    "Memory only recommendation, only memory request set": (
        {"memory": "1M"}, None, None, _res(mem="2M"), None, None, "2M", None, None, True),
    "Memory only recommendation, only memory request and limit set": (
        {"memory": "1M"}, {"memory": "10M"}, None, _res(mem="2M"), None, None, "2M", None,
        "20M", True),
    "Memory only recommendation, only memory request and limit set, "
    "ContainerControlledValuesRequestOnly": (
        {"memory": "1M"}, {"memory": "10M"}, None, _res(mem="2M"), "RequestsOnly", None, "2M",
        None, "10M", True),
    "CPU and Memory recommendation, request and limits set, addAll false": (
        *REQ_LIM, None, _res("2", "2M"), None, "2", "2M", "20", "20M", False),
    "CPU and Memory recommendation, only request set, addAll false": (
        *REQ_ONLY, None, _res("2", "2M"), None, "2", "2M", None, None, False),
    "CPU only recommendation, request and limits set, addAll false": (
        *REQ_LIM, None, _res("2"), None, "2", None, "20", None, False),
    "Memory only recommendation, request and limits set, addAll false": (
        *REQ_LIM, None, _res(mem="2M"), None, None, "2M", None, "20M", False),
    "CPU and memory recommendation, request and limits only set in containerStatus, "
    "addAll true": (
        None, None, {"requests": {"cpu": "1", "memory": "1M"},
                     "limits": {"cpu": "10", "memory": "3M"}},
        _res("3", "2M"), None, "3", "2M", "30", "6M", True),
}


@pytest.mark.parametrize("case", list(GET_CASES.values()), ids=list(GET_CASES))
def test_get_containers_resources(case: tuple[Any, ...]) -> None:
    """TestGetContainersResources (no LimitRange, no annotations expected)."""
    (requests, limits, status_res, target, controlled, cpu, mem, cpu_limit, mem_limit,
     add_all) = case
    status = {"name": "container", "resources": status_res} if status_res is not None \
        else {"name": ""}
    pod = _pod(requests, limits, name="container", status=status)
    policy: dict[str, Any] = {"containerName": "container", "mode": "Auto"}
    if controlled is not None:
        policy["controlledValues"] = controlled
    rec = {"containerRecommendations": [{"containerName": "container", "target": target,
                                         "uncappedTarget": target}]}
    resources = get_containers_resources(pod, {"containerPolicies": [policy]}, rec, None,
                                         add_all=add_all, annotations={})
    r = resources[0]
    got = {k: (str(v.value) if v is not None else None) for k, v in (
        ("cpu", (r.requests or {}).get("cpu")), ("mem", (r.requests or {}).get("memory")),
        ("cpu_limit", (r.limits or {}).get("cpu")),
        ("mem_limit", (r.limits or {}).get("memory")))}
    want = {k: (str(_value(v)) if v is not None else None) for k, v in (
        ("cpu", cpu), ("mem", mem), ("cpu_limit", cpu_limit), ("mem_limit", mem_limit))}
    assert got == want


def test_container_without_recommendation_is_skipped_unless_add_all() -> None:
    pod = _pod(_res("1", "1Mi"), name="other")
    rec = {"containerRecommendations": [{"containerName": C, "target": _res("2")}]}
    assert get_containers_resources(pod, None, rec, None) == [ContainerResources()]
    got = get_containers_resources(pod, None, rec, None, add_all=True)[0]
    assert {k: str(v) for k, v in (got.requests or {}).items()} == {"cpu": "1", "memory": "1Mi"}


# -- apply_container_resources ----------------------------------------------------------------


def test_apply_writes_recommended_values_and_keeps_the_rest() -> None:
    pod = {"spec": {"containers": [
        {"name": "a", "resources": {"requests": {"cpu": "1", "ephemeral-storage": "1Gi"},
                                    "limits": {"cpu": "2"}}},
        {"name": "b"}]}}
    resources = [ContainerResources(requests={"cpu": Quantity.parse("1500m")},
                                    limits={"cpu": Quantity.parse("3")}),
                 ContainerResources()]
    out = apply_container_resources(pod, resources)
    assert out["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "1500m", "ephemeral-storage": "1Gi"}, "limits": {"cpu": "3"}}
    assert out["spec"]["containers"][1] is pod["spec"]["containers"][1]
    assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "1"


def test_apply_initialises_missing_resources() -> None:
    pod = {"spec": {"containers": [{"name": "a"}]}}
    out = apply_container_resources(
        pod, [ContainerResources(requests={"memory": Quantity.parse("1Gi")})])
    assert out["spec"]["containers"][0]["resources"] == {"requests": {"memory": "1Gi"}}
    assert apply_container_resources(pod, [ContainerResources()]) == pod
