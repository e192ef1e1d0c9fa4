"""Pod resource field validation: the API server's messages for requests against limits.

Expected strings follow pkg/apis/core/validation/validation.go (validateResourceRequirements,
ValidateResourceQuantityValue, validateResourceQuantityHugePageValue) and
apimachinery/pkg/util/validation/field (error rendering) in kubernetes/kubernetes.
"""

from __future__ import annotations

import pytest

from provisor.k8s import AdmissionError
from provisor.k8s.validation import (
    check_pod_resources,
    invalid_message,
    is_extended_resource_name,
    is_overcommit_allowed,
    resource_requirements_errors,
    validate_pod_resources,
)

P = "spec.containers[0].resources"

CASES = [
    (
        "cpu request above limit",
        {"requests": {"cpu": "700m"}, "limits": {"cpu": "10m"}},
        [f'{P}.requests: Invalid value: "700m": must be less than or equal to cpu limit of 10m'],
    ),
    (
        "memory request above limit",
        {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}},
        [f'{P}.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi'],
    ),
    (
        "canonical quantities in the message",
        {"requests": {"cpu": "1.5"}, "limits": {"cpu": "1"}},
        [f'{P}.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1'],
    ),
    (
        "request equal to limit",
        {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}},
        [],
    ),
    ("request below limit", {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}}, []),
    ("request without limit", {"requests": {"cpu": "100m", "memory": "1Gi"}}, []),
    ("limit without request", {"limits": {"cpu": "100m"}}, []),
    (
        "negative limit and request",
        {"requests": {"cpu": "-1"}, "limits": {"memory": "-1Mi"}},
        [
            f'{P}.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0',
            f'{P}.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0',
        ],
    ),
    (
        "extended resource request differs from limit",
        {"requests": {"example.com/gpu": "1"}, "limits": {"example.com/gpu": "2"}},
        [f'{P}.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2'],
    ),
    (
        "extended resource request without limit",
        {"requests": {"example.com/gpu": "1"}},
        [f"{P}.limits: Required value: Limit must be set for non overcommitable resources"],
    ),
    (
        "extended resource fraction",
        {"requests": {"example.com/gpu": "500m"}, "limits": {"example.com/gpu": "500m"}},
        [
            f'{P}.limits[example.com/gpu]: Invalid value: "500m": must be an integer',
            f'{P}.requests[example.com/gpu]: Invalid value: "500m": must be an integer',
        ],
    ),
    (
        "kubernetes.io-prefixed names are native",
        {"requests": {"kubernetes.io/x": "2"}, "limits": {"kubernetes.io/x": "1"}},
        [
            f'{P}.requests: Invalid value: "2": must be less than or equal to kubernetes.io/x limit of 1'
        ],
    ),
    (
        "hugepages equal with memory",
        {
            "requests": {"hugepages-2Mi": "4Mi", "memory": "1Gi"},
            "limits": {"hugepages-2Mi": "4Mi", "memory": "1Gi"},
        },
        [],
    ),
    (
        "hugepages not a multiple of the page",
        {
            "requests": {"hugepages-2Mi": "3Mi", "memory": "1Gi"},
            "limits": {"hugepages-2Mi": "3Mi", "memory": "1Gi"},
        },
        [
            f'{P}.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
            f'{P}.requests[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
        ],
    ),
    (
        "hugepages without cpu or memory",
        {"requests": {"hugepages-2Mi": "2Mi"}, "limits": {"hugepages-2Mi": "2Mi"}},
        [f"{P}: Forbidden: HugePages require cpu or memory"],
    ),
    (
        "hugepages request differs from limit",
        {"requests": {"hugepages-2Mi": "2Mi", "cpu": "1"}, "limits": {"hugepages-2Mi": "4Mi"}},
        [f'{P}.requests: Invalid value: "2Mi": must be equal to hugepages-2Mi limit of 4Mi'],
    ),
]


@pytest.mark.parametrize("resources,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_resource_requirements_errors(resources, expected):
    assert resource_requirements_errors(resources, P) == expected


def _pod(containers=(), inits=(), pod_level=None, name="web"):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "containers": [{"name": f"c{i}", "resources": r} for i, r in enumerate(containers)]
        },
    }
    if inits:
        pod["spec"]["initContainers"] = [
            {"name": f"i{i}", "resources": r} for i, r in enumerate(inits)
        ]
    if pod_level is not None:
        pod["spec"]["resources"] = pod_level
    return pod


def test_pod_paths_cover_containers_init_containers_and_pod_level():
    bad = {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    pod = _pod([{}, bad], [bad], pod_level=bad)
    assert validate_pod_resources(pod) == [
        'spec.containers[1].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
        'spec.initContainers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
        'spec.resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]
    assert len(validate_pod_resources(pod, pod_level_resources=False)) == 2


def test_check_pod_resources_raises_422_with_api_message():
    pod = _pod([{"requests": {"cpu": "700m"}, "limits": {"cpu": "10m"}}])
    with pytest.raises(AdmissionError) as exc:
        check_pod_resources(pod)
    assert (exc.value.code, exc.value.reason) == (422, "Invalid")
    assert str(exc.value) == (
        'Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: '
        '"700m": must be less than or equal to cpu limit of 10m'
    )
    two = _pod(
        [{"requests": {"cpu": "2", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}]
    )
    with pytest.raises(AdmissionError) as exc:
        check_pod_resources(two)
    assert str(exc.value) == (
        'Pod "web" is invalid: [spec.containers[0].resources.requests: Invalid value: "2": must be less than '
        'or equal to cpu limit of 1, spec.containers[0].resources.requests: Invalid value: "2Gi": must be less '
        "than or equal to memory limit of 1Gi]"
    )
    check_pod_resources(_pod([{"requests": {"cpu": "1"}, "limits": {"cpu": "1"}}]))


def test_invalid_message_shapes():
    assert invalid_message("Pod", {"metadata": {"name": "x"}}, []) == 'Pod "x" is invalid'
    assert (
        invalid_message("Pod", {"metadata": {"name": "x"}}, ["a", "a"]) == 'Pod "x" is invalid: a'
    )


@pytest.mark.parametrize(
    "name,extended,overcommit",
    [
        ("cpu", False, True),
        ("memory", False, True),
        ("hugepages-1Gi", False, False),
        ("example.com/gpu", True, False),
        ("kubernetes.io/foo", False, True),
        ("requests.example.com/x", False, False),
    ],
)
def test_resource_name_predicates(name, extended, overcommit):
    assert is_extended_resource_name(name) is extended
    assert is_overcommit_allowed(name) is overcommit
