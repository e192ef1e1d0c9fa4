"""LimitRanger admission: upstream tables ported as values, plus our own behaviour tests.

Upstream: kubernetes/kubernetes plugin/pkg/admission/limitranger/admission_test.go
(TestDefaultContainerResourceRequirements, TestMergePodResourceRequirements, TestPodLimitFunc,
TestPodLimitFuncApplyDefault, TestLimitRangerIgnoresSubresource, TestLimitRangerAdmitPod,
TestPersistentVolumeClaimLimitFunc) and admission_overflow_test.go
(TestConstraintsAreOverflowSafe, TestLimitRangerRatioIsExact,
TestConstraintsRejectValuesTheProjectionRounded).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from provisor.k8s import AdmissionError
from provisor.k8s.limitranger import (
    LIMIT_RANGER_ANNOTATION,
    admit_pod,
    admit_pvc,
    aggregate_message,
    create_pod,
    default_container_requirements,
    default_pod,
    pod_limit_errors,
    pvc_limit_errors,
)
from provisor.quantity import Quantity

# --- fixtures mirroring the upstream helpers ---------------------------------------------------


def crl(cpu: str = "", memory: str = "") -> dict:
    """getComputeResourceList"""
    out = {}
    if cpu:
        out["cpu"] = cpu
    if memory:
        out["memory"] = memory
    return out


def lsrl(ephemeral: str = "") -> dict:
    """getLocalStorageResourceList"""
    return {"ephemeral-storage": ephemeral} if ephemeral else {}


def srl(storage: str = "") -> dict:
    """getStorageResourceList"""
    return {"storage": storage} if storage else {}


def rr(requests: dict, limits: dict) -> dict:
    """getResourceRequirements"""
    return {"requests": requests, "limits": limits}


def create_limit_range(
    limit_type: str, mn: dict, mx: dict, default: dict, default_request: dict, ratio: dict
) -> dict:
    """createLimitRange"""
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "abc", "namespace": "test"},
        "spec": {
            "limits": [
                {
                    "type": limit_type,
                    "min": mn,
                    "max": mx,
                    "default": default,
                    "defaultRequest": default_request,
                    "maxLimitRequestRatio": ratio,
                }
            ]
        },
    }


def valid_limit_range() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "abc", "namespace": "test"},
        "spec": {
            "limits": [
                {"type": "Pod", "max": crl("200m", "4Gi"), "min": crl("50m", "2Mi")},
                {
                    "type": "Container",
                    "max": crl("100m", "2Gi"),
                    "min": crl("25m", "1Mi"),
                    "default": crl("75m", "10Mi"),
                    "defaultRequest": crl("50m", "5Mi"),
                },
            ]
        },
    }


def valid_limit_range_no_defaults() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "abc", "namespace": "test"},
        "spec": {
            "limits": [
                {"type": "Pod", "max": crl("200m", "4Gi"), "min": crl("50m", "2Mi")},
                {"type": "Container", "max": crl("100m", "2Gi"), "min": crl("25m", "1Mi")},
            ]
        },
    }


def valid_pod(name: str, n: int, resources: dict | None) -> dict:
    containers = []
    for i in range(n):
        c = {"image": f"foo:V{i}", "name": f"foo-{i}"}
        if resources is not None:
            c["resources"] = copy.deepcopy(resources)
        containers.append(c)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "test"},
        "spec": {"containers": containers},
    }


def valid_pod_init(pod: dict, *resources: dict) -> dict:
    inits = pod["spec"].setdefault("initContainers", [])
    for i, r in enumerate(resources):
        inits.append({"image": f"foo:V{i}", "name": f"foo-{i}", "resources": copy.deepcopy(r)})
    return pod


def with_restartable_init_container(requests: dict, limits: dict, pod: dict) -> dict:
    inits = pod["spec"].setdefault("initContainers", [])
    n = len(inits)
    inits.append(
        {
            "restartPolicy": "Always",
            "image": f"foo:V{n}",
            "name": f"foo-{n}",
            "resources": rr(requests, limits),
        }
    )
    return pod


def canon(resources: dict) -> dict:
    return {
        k: {n: str(Quantity.parse(v)) for n, v in (resources.get(k) or {}).items()}
        for k in ("requests", "limits")
    }


CONTAINER, POD = "Container", "Pod"
E: dict = {}


# --- TestDefaultContainerResourceRequirements (1 case) -----------------------------------------


def test_default_container_resource_requirements():
    """Upstream TestDefaultContainerResourceRequirements."""
    got = default_container_requirements(valid_limit_range())
    assert canon(got) == {"requests": crl("50m", "5Mi"), "limits": crl("75m", "10Mi")}


# --- TestMergePodResourceRequirements (3 scenarios) -------------------------------------------


def test_merge_empty_resources_get_defaults():
    """Upstream TestMergePodResourceRequirements, scenario 1: no resources -> all defaults."""
    pod = default_pod([valid_limit_range()], valid_pod("empty-resources", 1, rr(crl(), crl())))
    assert canon(pod["spec"]["containers"][0]["resources"]) == {
        "requests": crl("50m", "5Mi"),
        "limits": crl("75m", "10Mi"),
    }
    assert pod["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu, memory request for container foo-0; "
        "cpu, memory limit for container foo-0"
    )


def test_merge_some_resources_only_fill_missing():
    """Upstream TestMergePodResourceRequirements, scenario 2.

    Upstream builds the container and the init container from one ResourceRequirements value, so
    both share the same Go maps: once container foo-0 is defaulted, the init container already
    holds every value and adds no annotation part. As values, the init container therefore enters
    the merge with the defaulted maps.
    """
    inp = rr(crl("", "512Mi"), crl())
    defaulted_init = rr(crl("50m", "512Mi"), crl("75m", "10Mi"))
    pod = valid_pod_init(valid_pod("limit-memory", 1, inp), defaulted_init)
    out = default_pod([valid_limit_range()], pod)
    expected = {"requests": crl("50m", "512Mi"), "limits": crl("75m", "10Mi")}
    assert canon(out["spec"]["containers"][0]["resources"]) == expected
    assert canon(out["spec"]["initContainers"][0]["resources"]) == expected
    assert out["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for container foo-0; cpu, memory limit for container foo-0"
    )


def test_merge_independent_init_container_is_annotated_too():
    """Same input as scenario 2 with independent maps (what a decoded API request is): the init
    container is defaulted and annotated as ``init container``."""
    inp = rr(crl("", "512Mi"), crl())
    out = default_pod([valid_limit_range()], valid_pod_init(valid_pod("limit-memory", 1, inp), inp))
    assert out["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for container foo-0; cpu, memory limit for container foo-0; "
        "cpu request for init container foo-0; cpu, memory limit for init container foo-0"
    )


def test_merge_all_resources_enumerated_merges_nothing():
    """Upstream TestMergePodResourceRequirements, scenario 3: nothing merged, no annotation."""
    inp = rr(crl("100m", "512Mi"), crl("200m", "1G"))
    init = rr(crl("200m", "1G"), crl("400m", "2G"))
    out = default_pod(
        [valid_limit_range()], valid_pod_init(valid_pod("limit-memory", 1, inp), init)
    )
    assert out["spec"]["containers"][0]["resources"] == inp
    assert out["spec"]["initContainers"][0]["resources"] == init
    assert LIMIT_RANGER_ANNOTATION not in (out["metadata"].get("annotations") or {})


# --- TestPodLimitFunc: successCases (37) --------------------------------------------------------

SUCCESS = [
    (
        "ctr-min-cpu-request",
        valid_pod("ctr-min-cpu-request", 1, rr(crl("100m"), crl())),
        create_limit_range(CONTAINER, crl("50m"), E, E, E, E),
    ),
    (
        "ctr-min-cpu-request-limit",
        valid_pod("ctr-min-cpu-request-limit", 1, rr(crl("100m"), crl("200m"))),
        create_limit_range(CONTAINER, crl("50m"), E, E, E, E),
    ),
    (
        "ctr-min-memory-request",
        valid_pod("ctr-min-memory-request", 1, rr(crl("", "60Mi"), crl())),
        create_limit_range(CONTAINER, crl("", "50Mi"), E, E, E, E),
    ),
    (
        "ctr-min-memory-request-limit",
        valid_pod("ctr-min-memory-request-limit", 1, rr(crl("", "60Mi"), crl("", "100Mi"))),
        create_limit_range(CONTAINER, crl("", "50Mi"), E, E, E, E),
    ),
    (
        "ctr-max-cpu-request-limit",
        valid_pod("ctr-max-cpu-request-limit", 1, rr(crl("500m"), crl("1"))),
        create_limit_range(CONTAINER, E, crl("2"), E, E, E),
    ),
    (
        "ctr-max-cpu-limit",
        valid_pod("ctr-max-cpu-limit", 1, rr(crl(), crl("1"))),
        create_limit_range(CONTAINER, E, crl("2"), E, E, E),
    ),
    (
        "ctr-max-mem-request-limit",
        valid_pod("ctr-max-mem-request-limit", 1, rr(crl("", "250Mi"), crl("", "500Mi"))),
        create_limit_range(CONTAINER, E, crl("", "1Gi"), E, E, E),
    ),
    (
        "ctr-max-cpu-ratio",
        valid_pod("ctr-max-cpu-ratio", 1, rr(crl("500m"), crl("750m"))),
        create_limit_range(CONTAINER, E, E, E, E, crl("1.5")),
    ),
    (
        "ctr-max-mem-limit",
        valid_pod("ctr-max-mem-limit", 1, rr(crl(), crl("", "500Mi"))),
        create_limit_range(CONTAINER, E, crl("", "1Gi"), E, E, E),
    ),
    (
        "pod-min-cpu-request",
        valid_pod("pod-min-cpu-request", 2, rr(crl("75m"), crl())),
        create_limit_range(POD, crl("100m"), E, E, E, E),
    ),
    (
        "pod-min-cpu-request-limit",
        valid_pod("pod-min-cpu-request-limit", 2, rr(crl("75m"), crl("200m"))),
        create_limit_range(POD, crl("100m"), E, E, E, E),
    ),
    (
        "pod-min-memory-request",
        valid_pod("pod-min-memory-request", 2, rr(crl("", "60Mi"), crl())),
        create_limit_range(POD, crl("", "100Mi"), E, E, E, E),
    ),
    (
        "pod-min-memory-request-limit",
        valid_pod("pod-min-memory-request-limit", 2, rr(crl("", "60Mi"), crl("", "100Mi"))),
        create_limit_range(POD, crl("", "100Mi"), E, E, E, E),
    ),
    (
        "pod-init-min-memory-request",
        valid_pod_init(
            valid_pod("pod-init-min-memory-request", 2, rr(crl("", "60Mi"), crl())),
            rr(crl("", "100Mi"), crl()),
        ),
        create_limit_range(POD, crl("", "100Mi"), E, E, E, E),
    ),
    (
        "pod-init-min-memory-request-limit",
        valid_pod_init(
            valid_pod(
                "pod-init-min-memory-request-limit", 2, rr(crl("", "60Mi"), crl("", "100Mi"))
            ),
            rr(crl("", "80Mi"), crl("", "100Mi")),
        ),
        create_limit_range(POD, crl("", "100Mi"), E, E, E, E),
    ),
    (
        "pod-max-cpu-request-limit",
        valid_pod("pod-max-cpu-request-limit", 2, rr(crl("500m"), crl("1"))),
        create_limit_range(POD, E, crl("2"), E, E, E),
    ),
    (
        "pod-max-cpu-limit",
        valid_pod("pod-max-cpu-limit", 2, rr(crl(), crl("1"))),
        create_limit_range(POD, E, crl("2"), E, E, E),
    ),
    (
        "pod-init-max-cpu-request-limit",
        valid_pod_init(
            valid_pod("pod-init-max-cpu-request-limit", 2, rr(crl("500m"), crl("1"))),
            rr(crl("1"), crl("2")),
            rr(crl("1"), crl("1")),
        ),
        create_limit_range(POD, E, crl("2"), E, E, E),
    ),
    (
        "pod-init-max-cpu-limit",
        valid_pod_init(
            valid_pod("pod-init-max-cpu-limit", 2, rr(crl(), crl("1"))),
            rr(crl(), crl("2")),
            rr(crl(), crl("2")),
        ),
        create_limit_range(POD, E, crl("2"), E, E, E),
    ),
    (
        "pod-max-mem-request-limit",
        valid_pod("pod-max-mem-request-limit", 2, rr(crl("", "250Mi"), crl("", "500Mi"))),
        create_limit_range(POD, E, crl("", "1Gi"), E, E, E),
    ),
    (
        "pod-max-mem-limit",
        valid_pod("pod-max-mem-limit", 2, rr(crl(), crl("", "500Mi"))),
        create_limit_range(POD, E, crl("", "1Gi"), E, E, E),
    ),
    (
        "pod-max-mem-ratio",
        valid_pod("pod-max-mem-ratio", 3, rr(crl("", "300Mi"), crl("", "450Mi"))),
        create_limit_range(POD, E, crl("", "2Gi"), E, E, crl("", "1.5")),
    ),
    (
        "ctr-1-min-local-ephemeral-storage-request",
        valid_pod("ctr-1-min-local-ephemeral-storage-request", 1, rr(lsrl("60Mi"), lsrl())),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
    ),
    (
        "ctr-1-min-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-1-min-local-ephemeral-storage-request-limit", 1, rr(lsrl("60Mi"), lsrl("100Mi"))
        ),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
    ),
    (
        "ctr-1-max-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-1-max-local-ephemeral-storage-request-limit", 1, rr(lsrl("250Mi"), lsrl("500Mi"))
        ),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
    ),
    (
        "ctr-1-max-local-ephemeral-storage-limit",
        valid_pod("ctr-1-max-local-ephemeral-storage-limit", 1, rr(lsrl(), lsrl("500Mi"))),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
    ),
    (
        "ctr-2-min-local-ephemeral-storage-request",
        valid_pod("ctr-2-min-local-ephemeral-storage-request", 2, rr(lsrl("60Mi"), lsrl())),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
    ),
    (
        "ctr-2-min-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-2-min-local-ephemeral-storage-request-limit", 2, rr(lsrl("60Mi"), lsrl("100Mi"))
        ),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
    ),
    (
        "ctr-2-max-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-2-max-local-ephemeral-storage-request-limit", 2, rr(lsrl("250Mi"), lsrl("500Mi"))
        ),
        create_limit_range(CONTAINER, E, lsrl("600Mi"), E, E, E),
    ),
    (
        "ctr-2-max-local-ephemeral-storage-limit",
        valid_pod("ctr-2-max-local-ephemeral-storage-limit", 2, rr(lsrl(), lsrl("500Mi"))),
        create_limit_range(CONTAINER, E, lsrl("600Mi"), E, E, E),
    ),
    (
        "pod-min-local-ephemeral-storage-request",
        valid_pod("pod-min-local-ephemeral-storage-request", 2, rr(lsrl("60Mi"), lsrl())),
        create_limit_range(POD, lsrl("100Mi"), E, E, E, E),
    ),
    (
        "pod-min-local-ephemeral-storage-request-limit",
        valid_pod(
            "pod-min-local-ephemeral-storage-request-limit", 2, rr(lsrl("60Mi"), lsrl("100Mi"))
        ),
        create_limit_range(POD, lsrl("100Mi"), E, E, E, E),
    ),
    (
        "pod-init-min-local-ephemeral-storage-request",
        valid_pod_init(
            valid_pod("pod-init-min-local-ephemeral-storage-request", 2, rr(lsrl("60Mi"), lsrl())),
            rr(lsrl("100Mi"), lsrl()),
        ),
        create_limit_range(POD, lsrl("100Mi"), E, E, E, E),
    ),
    (
        "pod-init-min-local-ephemeral-storage-request-limit",
        valid_pod_init(
            valid_pod(
                "pod-init-min-local-ephemeral-storage-request-limit",
                2,
                rr(lsrl("60Mi"), lsrl("100Mi")),
            ),
            rr(lsrl("80Mi"), lsrl("100Mi")),
        ),
        create_limit_range(POD, lsrl("100Mi"), E, E, E, E),
    ),
    (
        "pod-max-local-ephemeral-storage-request-limit",
        valid_pod(
            "pod-max-local-ephemeral-storage-request-limit", 2, rr(lsrl("250Mi"), lsrl("500Mi"))
        ),
        create_limit_range(POD, E, lsrl("1Gi"), E, E, E),
    ),
    (
        "pod-max-local-ephemeral-storage-limit",
        valid_pod("pod-max-local-ephemeral-storage-limit", 2, rr(lsrl(), lsrl("500Mi"))),
        create_limit_range(POD, E, lsrl("1Gi"), E, E, E),
    ),
    (
        "pod-max-local-ephemeral-storage-ratio",
        valid_pod("pod-max-local-ephemeral-storage-ratio", 3, rr(lsrl("300Mi"), lsrl("450Mi"))),
        create_limit_range(POD, E, lsrl("2Gi"), E, E, lsrl("1.5")),
    ),
]


@pytest.mark.parametrize(
    "pod,limit_range", [(p, lr) for _, p, lr in SUCCESS], ids=[n for n, _, _ in SUCCESS]
)
def test_pod_limit_func_success(pod, limit_range):
    """Upstream TestPodLimitFunc successCases: mutate then validate, no error."""
    before = copy.deepcopy(pod)
    admit_pod([limit_range], pod)
    assert pod == before  # the input is never mutated
    assert pod_limit_errors(limit_range, default_pod([limit_range], pod)) == []


# --- TestPodLimitFunc: errorCases (42) ----------------------------------------------------------
# Upstream asserts that an error happens; the message column is upstream's wording for the
# violation (admission.go), checked in addition.

ERRORS = [
    (
        "ctr-min-cpu-request",
        valid_pod("ctr-min-cpu-request", 1, rr(crl("40m"), crl())),
        create_limit_range(CONTAINER, crl("50m"), E, E, E, E),
        "minimum cpu usage per Container is 50m, but request is 40m",
    ),
    (
        "ctr-min-cpu-request-limit",
        valid_pod("ctr-min-cpu-request-limit", 1, rr(crl("40m"), crl("200m"))),
        create_limit_range(CONTAINER, crl("50m"), E, E, E, E),
        "minimum cpu usage per Container is 50m, but request is 40m",
    ),
    (
        "ctr-min-cpu-no-request-limit",
        valid_pod("ctr-min-cpu-no-request-limit", 1, rr(crl(), crl())),
        create_limit_range(CONTAINER, crl("50m"), E, E, E, E),
        "minimum cpu usage per Container is 50m.  No request is specified",
    ),
    (
        "ctr-min-memory-request",
        valid_pod("ctr-min-memory-request", 1, rr(crl("", "40Mi"), crl())),
        create_limit_range(CONTAINER, crl("", "50Mi"), E, E, E, E),
        "minimum memory usage per Container is 50Mi, but request is 40Mi",
    ),
    (
        "ctr-min-memory-request-limit",
        valid_pod("ctr-min-memory-request-limit", 1, rr(crl("", "40Mi"), crl("", "100Mi"))),
        create_limit_range(CONTAINER, crl("", "50Mi"), E, E, E, E),
        "minimum memory usage per Container is 50Mi, but request is 40Mi",
    ),
    (
        "ctr-min-memory-no-request-limit",
        valid_pod("ctr-min-memory-no-request-limit", 1, rr(crl(), crl())),
        create_limit_range(CONTAINER, crl("", "50Mi"), E, E, E, E),
        "minimum memory usage per Container is 50Mi.  No request is specified",
    ),
    (
        "ctr-max-cpu-request-limit",
        valid_pod("ctr-max-cpu-request-limit", 1, rr(crl("500m"), crl("2500m"))),
        create_limit_range(CONTAINER, E, crl("2"), E, E, E),
        "maximum cpu usage per Container is 2, but limit is 2500m",
    ),
    (
        "ctr-max-cpu-limit",
        valid_pod("ctr-max-cpu-limit", 1, rr(crl(), crl("2500m"))),
        create_limit_range(CONTAINER, E, crl("2"), E, E, E),
        "maximum cpu usage per Container is 2, but limit is 2500m",
    ),
    (
        "ctr-max-cpu-no-request-limit",
        valid_pod("ctr-max-cpu-no-request-limit", 1, rr(crl(), crl())),
        create_limit_range(CONTAINER, E, crl("2"), E, E, E),
        "maximum cpu usage per Container is 2.  No limit is specified",
    ),
    (
        "ctr-max-cpu-ratio",
        valid_pod("ctr-max-cpu-ratio", 1, rr(crl("1250m"), crl("2500m"))),
        create_limit_range(CONTAINER, E, E, E, E, crl("1")),
        "cpu max limit to request ratio per Container is 1, but provided ratio is 2.000000",
    ),
    (
        "ctr-max-mem-request-limit",
        valid_pod("ctr-max-mem-request-limit", 1, rr(crl("", "250Mi"), crl("", "2Gi"))),
        create_limit_range(CONTAINER, E, crl("", "1Gi"), E, E, E),
        "maximum memory usage per Container is 1Gi, but limit is 2Gi",
    ),
    (
        "ctr-max-mem-limit",
        valid_pod("ctr-max-mem-limit", 1, rr(crl(), crl("", "2Gi"))),
        create_limit_range(CONTAINER, E, crl("", "1Gi"), E, E, E),
        "maximum memory usage per Container is 1Gi, but limit is 2Gi",
    ),
    (
        "ctr-max-mem-no-request-limit",
        valid_pod("ctr-max-mem-no-request-limit", 1, rr(crl(), crl())),
        create_limit_range(CONTAINER, E, crl("", "1Gi"), E, E, E),
        "maximum memory usage per Container is 1Gi.  No limit is specified",
    ),
    (
        "pod-min-cpu-request",
        valid_pod("pod-min-cpu-request", 1, rr(crl("75m"), crl())),
        create_limit_range(POD, crl("100m"), E, E, E, E),
        "minimum cpu usage per Pod is 100m, but request is 75m",
    ),
    (
        "pod-min-cpu-request-limit",
        valid_pod("pod-min-cpu-request-limit", 1, rr(crl("75m"), crl("200m"))),
        create_limit_range(POD, crl("100m"), E, E, E, E),
        "minimum cpu usage per Pod is 100m, but request is 75m",
    ),
    (
        "pod-min-memory-request",
        valid_pod("pod-min-memory-request", 1, rr(crl("", "60Mi"), crl())),
        create_limit_range(POD, crl("", "100Mi"), E, E, E, E),
        "minimum memory usage per Pod is 100Mi, but request is 60Mi",
    ),
    (
        "pod-min-memory-request-limit",
        valid_pod("pod-min-memory-request-limit", 1, rr(crl("", "60Mi"), crl("", "100Mi"))),
        create_limit_range(POD, crl("", "100Mi"), E, E, E, E),
        "minimum memory usage per Pod is 100Mi, but request is 60Mi",
    ),
    (
        "pod-max-cpu-request-limit",
        valid_pod("pod-max-cpu-request-limit", 3, rr(crl("500m"), crl("1"))),
        create_limit_range(POD, E, crl("2"), E, E, E),
        "maximum cpu usage per Pod is 2, but limit is 3",
    ),
    (
        "pod-max-cpu-limit",
        valid_pod("pod-max-cpu-limit", 3, rr(crl(), crl("1"))),
        create_limit_range(POD, E, crl("2"), E, E, E),
        "maximum cpu usage per Pod is 2, but limit is 3",
    ),
    (
        "pod-max-mem-request-limit",
        valid_pod("pod-max-mem-request-limit", 3, rr(crl("", "250Mi"), crl("", "500Mi"))),
        create_limit_range(POD, E, crl("", "1Gi"), E, E, E),
        "maximum memory usage per Pod is 1Gi, but limit is 1500Mi",
    ),
    (
        "pod-max-mem-limit",
        valid_pod("pod-max-mem-limit", 3, rr(crl(), crl("", "500Mi"))),
        create_limit_range(POD, E, crl("", "1Gi"), E, E, E),
        "maximum memory usage per Pod is 1Gi, but limit is 1500Mi",
    ),
    (
        "pod-init-max-mem-limit",
        valid_pod_init(
            valid_pod("pod-init-max-mem-limit", 1, rr(crl(), crl("", "500Mi"))),
            rr(crl(), crl("", "1.5Gi")),
        ),
        create_limit_range(POD, E, crl("", "1Gi"), E, E, E),
        "maximum memory usage per Pod is 1Gi, but limit is 1536Mi",
    ),
    (
        "pod-max-mem-ratio",
        valid_pod("pod-max-mem-ratio", 3, rr(crl("", "250Mi"), crl("", "500Mi"))),
        create_limit_range(POD, E, crl("", "2Gi"), E, E, crl("", "1.5")),
        "memory max limit to request ratio per Pod is 1500m, but provided ratio is 2.000000",
    ),
    (
        "ctr-1-min-local-ephemeral-storage-request",
        valid_pod("ctr-1-min-local-ephemeral-storage-request", 1, rr(lsrl("40Mi"), lsrl())),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi",
    ),
    (
        "ctr-1-min-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-1-min-local-ephemeral-storage-request-limit", 1, rr(lsrl("40Mi"), lsrl("100Mi"))
        ),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi",
    ),
    (
        "ctr-1-min-local-ephemeral-storage-no-request-limit",
        valid_pod("ctr-1-min-local-ephemeral-storage-no-request-limit", 1, rr(lsrl(), lsrl())),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Container is 50Mi.  No request is specified",
    ),
    (
        "ctr-1-max-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-1-max-local-ephemeral-storage-request-limit", 1, rr(lsrl("250Mi"), lsrl("2Gi"))
        ),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi",
    ),
    (
        "ctr-1-max-local-ephemeral-storage-limit",
        valid_pod("ctr-1-max-local-ephemeral-storage-limit", 1, rr(lsrl(), lsrl("2Gi"))),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi",
    ),
    (
        "ctr-1-max-local-ephemeral-storage-no-request-limit",
        valid_pod("ctr-1-max-local-ephemeral-storage-no-request-limit", 1, rr(lsrl(), lsrl())),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Container is 1Gi.  No limit is specified",
    ),
    (
        "ctr-2-min-local-ephemeral-storage-request",
        valid_pod("ctr-2-min-local-ephemeral-storage-request", 2, rr(lsrl("40Mi"), lsrl())),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi",
    ),
    (
        "ctr-2-min-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-2-min-local-ephemeral-storage-request-limit", 2, rr(lsrl("40Mi"), lsrl("100Mi"))
        ),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi",
    ),
    (
        "ctr-2-min-local-ephemeral-storage-no-request-limit",
        valid_pod("ctr-2-min-local-ephemeral-storage-no-request-limit", 2, rr(lsrl(), lsrl())),
        create_limit_range(CONTAINER, lsrl("50Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Container is 50Mi.  No request is specified",
    ),
    (
        "ctr-2-max-local-ephemeral-storage-request-limit",
        valid_pod(
            "ctr-2-max-local-ephemeral-storage-request-limit", 2, rr(lsrl("250Mi"), lsrl("2Gi"))
        ),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi",
    ),
    (
        "ctr-2-max-local-ephemeral-storage-limit",
        valid_pod("ctr-2-max-local-ephemeral-storage-limit", 2, rr(lsrl(), lsrl("2Gi"))),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi",
    ),
    (
        "ctr-2-max-local-ephemeral-storage-no-request-limit",
        valid_pod("ctr-2-max-local-ephemeral-storage-no-request-limit", 2, rr(lsrl(), lsrl())),
        create_limit_range(CONTAINER, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Container is 1Gi.  No limit is specified",
    ),
    (
        "pod-min-local-ephemeral-storage-request",
        valid_pod("pod-min-local-ephemeral-storage-request", 1, rr(lsrl("60Mi"), lsrl())),
        create_limit_range(POD, lsrl("100Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Pod is 100Mi, but request is 60Mi",
    ),
    (
        "pod-min-local-ephemeral-storage-request-limit",
        valid_pod(
            "pod-min-local-ephemeral-storage-request-limit", 1, rr(lsrl("60Mi"), lsrl("100Mi"))
        ),
        create_limit_range(POD, lsrl("100Mi"), E, E, E, E),
        "minimum ephemeral-storage usage per Pod is 100Mi, but request is 60Mi",
    ),
    (
        "pod-max-local-ephemeral-storage-request-limit",
        valid_pod(
            "pod-max-local-ephemeral-storage-request-limit", 3, rr(lsrl("250Mi"), lsrl("500Mi"))
        ),
        create_limit_range(POD, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Pod is 1Gi, but limit is 1500Mi",
    ),
    (
        "pod-max-local-ephemeral-storage-limit",
        valid_pod("pod-max-local-ephemeral-storage-limit", 3, rr(lsrl(), lsrl("500Mi"))),
        create_limit_range(POD, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Pod is 1Gi, but limit is 1500Mi",
    ),
    (
        "pod-init-max-local-ephemeral-storage-limit",
        valid_pod_init(
            valid_pod("pod-init-max-local-ephemeral-storage-limit", 1, rr(lsrl(), lsrl("500Mi"))),
            rr(lsrl(), lsrl("1.5Gi")),
        ),
        create_limit_range(POD, E, lsrl("1Gi"), E, E, E),
        "maximum ephemeral-storage usage per Pod is 1Gi, but limit is 1536Mi",
    ),
    (
        "pod-max-local-ephemeral-storage-ratio",
        valid_pod("pod-max-local-ephemeral-storage-ratio", 3, rr(lsrl("250Mi"), lsrl("500Mi"))),
        create_limit_range(POD, E, lsrl("2Gi"), E, E, lsrl("1.5")),
        "ephemeral-storage max limit to request ratio per Pod is 1500m, but provided ratio is 2.000000",
    ),
    (
        "ctr-max-cpu-limit-restartable-init-container",
        with_restartable_init_container(
            crl("1500m"),
            {},
            valid_pod(
                "ctr-max-cpu-limit-restartable-init-container", 1, rr(crl("1000m"), crl("1500m"))
            ),
        ),
        create_limit_range(POD, E, crl("2"), E, E, E),
        "maximum cpu usage per Pod is 2, but request is 2500m",
    ),
]


@pytest.mark.parametrize(
    "pod,limit_range,message", [(p, lr, m) for _, p, lr, m in ERRORS], ids=[n for n, *_ in ERRORS]
)
def test_pod_limit_func_error(pod, limit_range, message):
    """Upstream TestPodLimitFunc errorCases: mutate succeeds, validate refuses."""
    defaulted = default_pod([limit_range], pod)  # PodMutateLimitFunc never fails
    assert pod_limit_errors(limit_range, defaulted)
    with pytest.raises(AdmissionError) as exc:
        admit_pod([limit_range], pod)
    assert exc.value.code == 403 and exc.value.reason == "Forbidden"
    name = pod["metadata"]["name"]
    assert str(exc.value) == f'pods "{name}" is forbidden: {message}'


def test_table_sizes():
    assert (len(SUCCESS), len(ERRORS)) == (37, 42)


# --- TestPodLimitFuncApplyDefault (1 case) -----------------------------------------------------


def test_pod_limit_func_apply_default():
    """Upstream TestPodLimitFuncApplyDefault: container and init container get the defaults."""
    pod = valid_pod_init(valid_pod("foo", 1, rr({}, {})), rr({}, {}))
    out = default_pod([valid_limit_range()], pod)
    for c in out["spec"]["containers"] + out["spec"]["initContainers"]:
        assert canon(c["resources"]) == {
            "limits": {"cpu": "75m", "memory": "10Mi"},
            "requests": {"cpu": "50m", "memory": "5Mi"},
        }


# --- TestLimitRangerIgnoresSubresource / TestLimitRangerAdmitPod -------------------------------


def _testpod(name: str = "testPod") -> dict:
    return valid_pod(name, 1, None)


def test_limit_ranger_ignores_subresource():
    """Upstream TestLimitRangerIgnoresSubresource: CREATE refused (no requests/limits), pod
    UPDATE not checked, subresource ``status`` ignored."""
    lr = valid_limit_range_no_defaults()
    default_pod([lr], _testpod())  # Admit (mutation) succeeds
    with pytest.raises(AdmissionError):
        admit_pod([lr], _testpod())
    admit_pod([lr], _testpod(), operation="UPDATE")
    admit_pod([lr], _testpod(), operation="UPDATE", subresource="status")


def test_limit_ranger_admit_pod():
    """Upstream TestLimitRangerAdmitPod: as above, plus a terminating pod is never blocked."""
    lr = valid_limit_range_no_defaults()
    default_pod([lr], _testpod())
    with pytest.raises(AdmissionError):
        admit_pod([lr], _testpod())
    admit_pod([lr], _testpod(), operation="UPDATE")
    admit_pod([lr], _testpod(), operation="UPDATE", subresource="status")
    terminating = _testpod("terminatingPod")
    terminating["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    admit_pod([lr], terminating, operation="UPDATE", old=terminating)


# --- TestPersistentVolumeClaimLimitFunc (4 success, 2 error) ------------------------------------


def pvc(name: str, requests: dict, limits: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "test"},
        "spec": {"resources": {"requests": requests, "limits": limits}},
    }


PVC_SUCCESS = [
    (
        "pvc-is-min-storage-request",
        pvc("pvc-is-min-storage-request", srl("1Gi"), srl()),
        create_limit_range("PersistentVolumeClaim", srl("1Gi"), E, E, E, E),
    ),
    (
        "pvc-is-max-storage-request",
        pvc("pvc-is-max-storage-request", srl("1Gi"), srl()),
        create_limit_range("PersistentVolumeClaim", E, srl("1Gi"), E, E, E),
    ),
    (
        "pvc-no-minmax-storage-request",
        pvc("pvc-no-minmax-storage-request", srl("100Gi"), srl()),
        create_limit_range("PersistentVolumeClaim", srl(), srl(), E, E, E),
    ),
    (
        "pvc-within-minmax-storage-request",
        pvc("pvc-within-minmax-storage-request", srl("5Gi"), srl()),
        create_limit_range("PersistentVolumeClaim", srl("1Gi"), srl("10Gi"), E, E, E),
    ),
]

PVC_ERRORS = [
    (
        "pvc-below-min-storage-request",
        pvc("pvc-below-min-storage-request", srl("500Mi"), srl()),
        create_limit_range("PersistentVolumeClaim", srl("1Gi"), E, E, E, E),
        "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi",
    ),
    (
        "pvc-exceeds-max-storage-request",
        pvc("pvc-exceeds-max-storage-request", srl("100Gi"), srl()),
        create_limit_range("PersistentVolumeClaim", srl("1Gi"), srl("1Gi"), E, E, E),
        "maximum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Gi",
    ),
]


@pytest.mark.parametrize(
    "claim,limit_range", [(c, lr) for _, c, lr in PVC_SUCCESS], ids=[n for n, _, _ in PVC_SUCCESS]
)
def test_pvc_limit_func_success(claim, limit_range):
    """Upstream TestPersistentVolumeClaimLimitFunc successCases."""
    assert pvc_limit_errors(limit_range, claim) == []
    assert admit_pvc([limit_range], claim) == claim


@pytest.mark.parametrize(
    "claim,limit_range,message",
    [(c, lr, m) for _, c, lr, m in PVC_ERRORS],
    ids=[n for n, *_ in PVC_ERRORS],
)
def test_pvc_limit_func_error(claim, limit_range, message):
    """Upstream TestPersistentVolumeClaimLimitFunc errorCases (message: admission.go wording)."""
    assert pvc_limit_errors(limit_range, claim)
    with pytest.raises(AdmissionError) as exc:
        admit_pvc([limit_range], claim)
    assert (
        str(exc.value)
        == f'persistentvolumeclaims "{claim["metadata"]["name"]}" is forbidden: {message}'
    )


# --- admission_overflow_test.go ----------------------------------------------------------------


def _ctr_lr(mn: dict = E, mx: dict = E, ratio: dict = E) -> dict:
    return create_limit_range(CONTAINER, mn, mx, E, E, ratio)


def _ctr_errors(lr: dict, requests: dict, limits: dict) -> list[str]:
    return pod_limit_errors(lr, valid_pod("p", 1, rr(requests, limits)))


def _pvc_errors(lr_min: dict, lr_max: dict, requests: dict) -> list[str]:
    lr = create_limit_range("PersistentVolumeClaim", lr_min, lr_max, E, E, E)
    return pvc_limit_errors(lr, pvc("c", requests, {}))


HUGE = "18446744073709551616"  # 2^64


def test_constraints_are_overflow_safe():
    """Upstream TestConstraintsAreOverflowSafe (the five int64-range checks)."""
    mem = lambda v: {"memory": v}
    assert _ctr_errors(_ctr_lr(mx=mem("1000")), {}, mem(HUGE))  # maxConstraint
    assert _pvc_errors({}, mem("1000"), mem(HUGE))  # maxRequestConstraint
    assert _ctr_errors(_ctr_lr(mn=mem(HUGE)), mem("1"), {})  # minConstraint
    assert _ctr_errors(_ctr_lr(ratio=mem("1000")), mem("1"), mem(HUGE))  # ratio
    assert not any("maximum" in e for e in _ctr_errors(_ctr_lr(mx=mem("1000")), {}, mem("1")))
    # a 3:1 ratio at an extreme exponent is still rejected against a 2:1 maximum
    errs = _ctr_errors(_ctr_lr(ratio=mem("2")), mem("1e2147483647"), mem("3e2147483647"))
    assert errs == [
        "memory max limit to request ratio per Container is 2, but provided ratio is 3.000000"
    ]


ALLOCATION_CHECKS = [
    # (name, errors for a memory value l, error expected) -- upstream's five checks
    ("min request", lambda l: _ctr_errors(_ctr_lr(mn={"memory": "1Gi"}), {"memory": l}, {}), False),
    (
        "min limit",
        lambda l: _ctr_errors(_ctr_lr(mn={"memory": "1Gi"}), {"memory": "1Gi"}, {"memory": l}),
        False,
    ),
    ("max limit", lambda l: _ctr_errors(_ctr_lr(mx={"memory": "1Gi"}), {}, {"memory": l}), True),
    (
        "max request",
        lambda l: _ctr_errors(_ctr_lr(mx={"memory": "1Gi"}), {"memory": l}, {"memory": "1Gi"}),
        True,
    ),
    ("max request only", lambda l: _pvc_errors({}, {"memory": "1Gi"}, {"memory": l}), True),
]


@pytest.mark.parametrize(
    "check,expect_error", [c[1:] for c in ALLOCATION_CHECKS], ids=[c[0] for c in ALLOCATION_CHECKS]
)
def test_constraints_do_not_depend_on_the_exponent(check, expect_error):
    """Upstream TestConstraintAllocationsDoNotGrowWithTheExponent, as values: the same verdict
    at 1e100 and at 1e10000000 (Go's allocation count itself is not portable; these run in
    microseconds because no 10**exponent is built)."""
    assert bool(check("1e100")) is expect_error
    assert bool(check("1e10000000")) is expect_error


RATIO_EXACT = [
    ("ratio at the maximum", "100", "200", "2", False),
    ("ratio above the maximum", "100", "300", "2", True),
    ("limit whose projection wraps negative", "1", "9223372036854775809", "2", True),
    ("equal request and limit at 2^63", "9223372036854775808", "9223372036854775808", "1", False),
    ("equal request and limit at 2^64", "18446744073709551616", "18446744073709551616", "1", False),
    ("ratio at the maximum past 2^63", "9223372036854775808", "18446744073709551616", "2", False),
    ("ratio above the maximum past 2^63", "9223372036854775808", "27670116110564327424", "2", True),
    ("ratio one unit below the maximum", "9007199254740992", "18014398509481983", "2", False),
    ("ratio exactly at the maximum", "9007199254740992", "18014398509481984", "2", False),
    ("ratio one unit above the maximum", "9007199254740992", "18014398509481985", "2", True),
]


@pytest.mark.parametrize(
    "req,lim,max_ratio,want_error", [c[1:] for c in RATIO_EXACT], ids=[c[0] for c in RATIO_EXACT]
)
def test_limit_ranger_ratio_is_exact(req, lim, max_ratio, want_error):
    """Upstream TestLimitRangerRatioIsExact."""
    errs = _ctr_errors(_ctr_lr(ratio={"memory": max_ratio}), {"memory": req}, {"memory": lim})
    assert bool(errs) == want_error


PROJECTION_ROUNDED = [
    (
        "request a fraction below the minimum",
        lambda: _ctr_errors(_ctr_lr(mn={"memory": "1"}), {"memory": "0.9999"}, {}),
    ),
    (
        "limit a fraction above the maximum",
        lambda: _ctr_errors(_ctr_lr(mx={"memory": "1.0001"}), {}, {"memory": "1.0009"}),
    ),
    (
        "request a fraction above the maximum",
        lambda: _pvc_errors({}, {"memory": "1.0001"}, {"memory": "1.0009"}),
    ),
    (
        "ratio a fraction above the maximum",
        lambda: _ctr_errors(
            _ctr_lr(ratio={"memory": "2"}), {"memory": "1.0001"}, {"memory": "2.001"}
        ),
    ),
]


@pytest.mark.parametrize(
    "check", [c for _, c in PROJECTION_ROUNDED], ids=[n for n, _ in PROJECTION_ROUNDED]
)
def test_constraints_reject_values_the_projection_rounded(check):
    """Upstream TestConstraintsRejectValuesTheProjectionRounded."""
    assert check()


# --- our own behaviour tests -------------------------------------------------------------------


def test_case_10_limit_range_default_below_request(shared):
    """../shared/cases/case-10.yaml: LimitRanger admits, then field validation refuses."""
    lr, pod = list(yaml.safe_load_all((shared / "cases" / "case-10.yaml").read_text()))
    admitted = admit_pod([lr], pod)
    res = admitted["spec"]["containers"][0]["resources"]
    assert res == {
        "requests": {"cpu": "700m", "memory": "256Mi"},
        "limits": {"cpu": "10m", "memory": "512Mi"},
    }
    assert admitted["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: memory request for container web; cpu, memory limit for container web"
    )
    with pytest.raises(AdmissionError) as exc:
        create_pod([lr], pod)
    assert exc.value.code == 422 and exc.value.reason == "Invalid"
    assert str(exc.value) == (
        'Pod "web" is invalid: spec.containers[0].resources.requests: '
        'Invalid value: "700m": must be less than or equal to cpu limit of 10m'
    )
    assert pod["spec"]["containers"][0]["resources"] == {"requests": {"cpu": "700m"}}


def test_brief_examples_wording():
    lr = _ctr_lr(mx={"cpu": "1"})
    with pytest.raises(AdmissionError) as exc:
        admit_pod([lr], valid_pod("p", 1, rr({"cpu": "1"}, {"cpu": "2"})))
    assert (
        str(exc.value)
        == 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2'
    )
    lr = _ctr_lr(ratio={"cpu": "2"})
    with pytest.raises(AdmissionError) as exc:
        admit_pod([lr], valid_pod("p", 1, rr({"cpu": "250m"}, {"cpu": "1"})))
    assert str(exc.value) == (
        'pods "p" is forbidden: cpu max limit to request ratio per Container is 2, '
        "but provided ratio is 4.000000"
    )


def test_aggregated_message_and_dedup():
    lr = create_limit_range(CONTAINER, crl("50m"), crl("", "1Gi"), E, E, E)
    pod = valid_pod("agg", 2, rr(crl("40m"), crl("", "2Gi")))
    with pytest.raises(AdmissionError) as exc:
        admit_pod([lr], pod)
    assert str(exc.value) == (
        'pods "agg" is forbidden: [minimum cpu usage per Container is 50m, but request '
        "is 40m, maximum memory usage per Container is 1Gi, but limit is 2Gi]"
    )
    assert aggregate_message(["a", "b", "a"]) == "[a, b]"
    assert aggregate_message(["a", "a"]) == "a"


def test_ratio_display_folds_far_apart_exponents():
    errs = _ctr_errors(_ctr_lr(ratio={"memory": "1"}), {"memory": "1"}, {"memory": "1e50"})
    assert errs == [
        "memory max limit to request ratio per Container is 1, but provided ratio is 1.000000e50"
    ]
    errs = _ctr_errors(_ctr_lr(ratio={"memory": "1"}), {"memory": "3"}, {"memory": "2e60"})
    assert errs == [
        "memory max limit to request ratio per Container is 1, but provided ratio is 6.666667e59"
    ]


def test_ratio_rounds_half_even_to_six_decimals():
    lr = _ctr_lr(ratio={"cpu": "1"})
    # 2/3 -> 0.666667 is below 1: use 5/3 = 1.666666... -> 1.666667
    errs = _ctr_errors(lr, {"cpu": "3"}, {"cpu": "5"})
    assert errs == [
        "cpu max limit to request ratio per Container is 1, but provided ratio is 1.666667"
    ]
    # exact halves at the seventh decimal go to the even neighbour
    errs = _ctr_errors(lr, {"cpu": "2000000"}, {"cpu": "2000001"})
    assert errs == [
        "cpu max limit to request ratio per Container is 1, but provided ratio is 1.000000"
    ]
    errs = _ctr_errors(lr, {"cpu": "2000000"}, {"cpu": "2000003"})
    assert errs == [
        "cpu max limit to request ratio per Container is 1, but provided ratio is 1.000002"
    ]
    errs = _ctr_errors(lr, {"cpu": "0"}, {"cpu": "5"})
    assert errs == [
        "cpu max limit to request ratio per Container is 1, but no request is specified or request is 0"
    ]
    errs = _ctr_errors(lr, {"cpu": "1"}, {})
    assert errs == [
        "cpu max limit to request ratio per Container is 1, but no limit is specified or limit is 0"
    ]


def test_generate_name_and_unknown_in_message():
    lr = _ctr_lr(mn={"cpu": "1"})
    pod = valid_pod("x", 1, None)
    del pod["metadata"]["name"]
    pod["metadata"]["generateName"] = "web-"
    with pytest.raises(AdmissionError, match=r'^pods "web-" is forbidden'):
        admit_pod([lr], pod)
    del pod["metadata"]["generateName"]
    with pytest.raises(AdmissionError, match=r'^pods "Unknown" is forbidden'):
        admit_pod([lr], pod)


def test_sidecar_and_init_containers_defaulted_and_validated():
    lr = create_limit_range(CONTAINER, crl("10m"), crl("1"), crl("500m"), crl("100m"), E)
    pod = valid_pod("s", 1, None)
    with_restartable_init_container({}, {}, pod)
    out = admit_pod([lr], pod)
    sidecar = out["spec"]["initContainers"][0]
    assert sidecar["restartPolicy"] == "Always"
    assert sidecar["resources"] == {"requests": {"cpu": "100m"}, "limits": {"cpu": "500m"}}
    assert out["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for container foo-0; cpu limit for container foo-0; "
        "cpu request for init container foo-0; cpu limit for init container foo-0"
    )
    big = valid_pod("s", 1, None)
    with_restartable_init_container({"cpu": "2"}, {"cpu": "2"}, big)
    with pytest.raises(
        AdmissionError, match="maximum cpu usage per Container is 1, but limit is 2"
    ):
        admit_pod([lr], big)


def test_several_limit_ranges_default_in_order_and_first_refusal_wins():
    first = create_limit_range(CONTAINER, E, E, crl("200m"), crl("100m"), E)
    second = create_limit_range(
        CONTAINER, E, crl("", "1Gi"), crl("", "512Mi"), crl("50m", "256Mi"), E
    )
    out = admit_pod([first, second], valid_pod("m", 1, None))
    assert out["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "200m", "memory": "512Mi"},
    }
    # the second LimitRange set something, so its parts replace the annotation
    assert out["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: memory request for container foo-0; memory limit for container foo-0"
    )
    refusing_a = _ctr_lr(mx={"cpu": "150m"})
    refusing_b = _ctr_lr(mn={"cpu": "1"})
    with pytest.raises(AdmissionError) as exc:
        admit_pod([first, refusing_a, refusing_b], valid_pod("m", 1, None))
    assert (
        str(exc.value)
        == 'pods "m" is forbidden: maximum cpu usage per Container is 150m, but limit is 200m'
    )


def test_pod_level_resources_replace_cpu_memory_totals():
    lr = create_limit_range(POD, E, crl("1", "1Gi"), E, E, E)
    pod = valid_pod("pl", 2, rr(crl("400m", "400Mi"), crl("800m", "800Mi")))
    pod["spec"]["resources"] = {"requests": crl("1", "1Gi"), "limits": crl("1", "1Gi")}
    admit_pod([lr], pod)  # pod-level values replace the 1600m / 1600Mi sums
    with pytest.raises(AdmissionError, match="maximum cpu usage per Pod is 1, but limit is 1600m"):
        admit_pod([lr], pod, pod_level_resources=False)


def test_resize_update_skips_unchanged_values():
    lr = _ctr_lr(mx={"cpu": "1", "memory": "1Gi"})
    old = valid_pod(
        "r", 1, rr(crl("2", "512Mi"), crl("2", "512Mi"))
    )  # stored before the LimitRange
    new = valid_pod("r", 1, rr(crl("2", "768Mi"), crl("2", "768Mi")))
    admit_pod([lr], new, operation="UPDATE", subresource="resize", old=old)
    grown = valid_pod("r", 1, rr(crl("3", "512Mi"), crl("3", "512Mi")))
    with pytest.raises(
        AdmissionError, match="maximum cpu usage per Container is 1, but limit is 3"
    ):
        admit_pod([lr], grown, operation="UPDATE", subresource="resize", old=old)


def test_pvc_update_and_missing_request():
    lr = create_limit_range("PersistentVolumeClaim", srl("1Gi"), srl("10Gi"), E, E, E)
    old = pvc("c", srl("20Gi"), {})
    admit_pvc([lr], pvc("c", srl("20Gi"), {}), operation="UPDATE", old=old)  # unchanged request
    with pytest.raises(
        AdmissionError,
        match=r"maximum storage usage per PersistentVolumeClaim is 10Gi, "
        r"but request is 30Gi",
    ):
        admit_pvc([lr], pvc("c", srl("30Gi"), {}), operation="UPDATE", old=old)
    with pytest.raises(AdmissionError) as exc:
        admit_pvc([lr], pvc("c", {}, {}))
    assert str(exc.value) == (
        'persistentvolumeclaims "c" is forbidden: [minimum storage usage per PersistentVolumeClaim is 1Gi.  '
        "No request is specified, maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified]"
    )
    admit_pvc([lr], pvc("c", {}, {}), operation="DELETE")
