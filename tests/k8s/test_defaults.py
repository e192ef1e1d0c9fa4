"""``provisor.k8s.defaults``: ``SetDefaults_LimitRangeItem`` and the resource part of
``SetDefaults_Pod`` (kubernetes/kubernetes ``pkg/apis/core/v1/defaults.go``).

Ports, as test values (moved here from the rule tests with the functions, assertions
unchanged):

* ``TestSetDefaultLimitRangeItem`` (``pkg/apis/core/v1/defaults_test.go``): its one case.
* ``TestSetDefaultRequestsPod`` (same file): both of its cases (limits without requests
  default the requests, an explicit zero request is kept, for containers and init
  containers; no limits, nothing defaulted).

The pod-level ``spec.resources`` defaulting (``defaultHugePagePodLimits``,
``defaultPodRequests``) is tested with cases written from the upstream functions; upstream's
own test table for it is not ported here.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from provisor.k8s.defaults import default_limit_range, default_pod


def _lr(*items: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": "abc", "namespace": "foo"}, "spec": {"limits": list(items)}}


# -- TestSetDefaultLimitRangeItem ----------------------------------------------------------


def test_set_default_limit_range_item() -> None:
    """TestSetDefaultLimitRangeItem: default from max, defaultRequest from default, then from
    min."""
    lr = _lr({"type": "Container", "max": {"cpu": "100m"}, "min": {"memory": "100Mi"},
              "default": {}, "defaultRequest": {}})
    item = default_limit_range(lr)["spec"]["limits"][0]
    assert item["default"] == {"cpu": "100m"}
    assert item["defaultRequest"] == {"cpu": "100m", "memory": "100Mi"}
    assert lr["spec"]["limits"][0]["default"] == {}  # the input is not changed


def test_limit_range_defaults_only_container_items_and_is_idempotent() -> None:
    lr = _lr({"type": "Pod", "max": {"cpu": "2"}},
             {"type": "Container", "max": {"cpu": "2"}, "default": {"cpu": "1"}})
    out = default_limit_range(lr)
    assert out["spec"]["limits"][0] == {"type": "Pod", "max": {"cpu": "2"}}
    assert out["spec"]["limits"][1]["default"] == {"cpu": "1"}
    assert out["spec"]["limits"][1]["defaultRequest"] == {"cpu": "1"}
    assert default_limit_range(out) == out


def test_limit_range_malformed_parts_are_dropped_indices_kept() -> None:
    lr = _lr("not an item", {"type": "Container", "max": ["1"], "min": {"cpu": "1"}})
    out = default_limit_range(lr)
    assert out["spec"]["limits"][0] == {}
    assert "max" not in out["spec"]["limits"][1]
    assert out["spec"]["limits"][1]["defaultRequest"] == {"cpu": "1"}
    assert default_limit_range({"kind": "LimitRange"})["spec"] == {"limits": []}


# -- TestSetDefaultRequestsPod -----------------------------------------------------------


def test_set_default_requests_pod_limits_default_requests() -> None:
    """Case 1: limits cpu 100m / memory 1Gi and request memory 0 -> request cpu 100m, the
    zero memory request is kept; the same for init containers."""
    c = {"name": "c", "resources": {"requests": {"memory": "0"},
                                    "limits": {"cpu": "100m", "memory": "1Gi"}}}
    pod = {"spec": {"containers": [c], "initContainers": [dict(c)]}}
    out = default_pod(pod)
    for key in ("containers", "initContainers"):
        assert out["spec"][key][0]["resources"]["requests"] == {"memory": "0", "cpu": "100m"}
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"memory": "0"}


def test_set_default_requests_pod_no_limits_nothing() -> None:
    """Case 2: no limits -> no request is defaulted."""
    pod = {"spec": {"containers": [{"name": "c", "resources": {"requests": {"memory": "0"}}}]}}
    assert default_pod(pod) == pod


def test_pod_default_shares_untouched_containers() -> None:
    keep = {"name": "a", "resources": {"requests": {"cpu": "1"}}}
    change = {"name": "b", "resources": {"limits": {"cpu": "1"}}}
    pod = {"spec": {"containers": [keep, change]}}
    out = default_pod(pod)
    assert out["spec"]["containers"][0] is keep
    assert out["spec"]["containers"][1]["resources"]["requests"] == {"cpu": "1"}


# -- pod-level spec.resources (defaultHugePagePodLimits, defaultPodRequests) ------------------


def _pod(containers: list[dict[str, Any]], pod_level: dict[str, Any] | None = None,
         inits: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [
        {"name": f"c{i}", "resources": r} for i, r in enumerate(containers)]}
    if inits is not None:
        spec["initContainers"] = [{"name": f"i{i}", **r} for i, r in enumerate(inits)]
    if pod_level is not None:
        spec["resources"] = pod_level
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


POD_LEVEL_CASES = [
    ("no pod-level resources: untouched",
     [{"requests": {"cpu": "1"}}], None, None, None),
    ("pod-level requests only: nothing defaulted",
     [{"requests": {"cpu": "1"}}], {"requests": {"cpu": "2"}}, None, {"requests": {"cpu": "2"}}),
    ("requests from the aggregated container requests, else from the pod limit",
     [{"requests": {"cpu": "500m"}}, {"requests": {"cpu": "300m"}}],
     {"limits": {"cpu": "2", "memory": "4Gi"}}, None,
     {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "800m", "memory": "4Gi"}}),
    ("a pod-level request that is set stays",
     [{"requests": {"cpu": "500m"}}], {"limits": {"cpu": "2"}, "requests": {"cpu": "1"}}, None,
     {"limits": {"cpu": "2"}, "requests": {"cpu": "1"}}),
    ("container requests defaulted from limits first",
     [{"limits": {"cpu": "700m"}}], {"limits": {"cpu": "2"}}, None,
     {"limits": {"cpu": "2"}, "requests": {"cpu": "700m"}}),
    ("init max rule and sidecars in the aggregate",
     [{"requests": {"cpu": "1"}}], {"limits": {"cpu": "4"}},
     [{"restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}},
      {"resources": {"requests": {"cpu": "3"}}}],
     {"limits": {"cpu": "4"}, "requests": {"cpu": "3500m"}}),
    ("only cpu, memory and hugepages are pod-level",
     [{"requests": {"ephemeral-storage": "1Gi", "cpu": "1"}}],
     {"limits": {"cpu": "2", "ephemeral-storage": "2Gi"}}, None,
     {"limits": {"cpu": "2", "ephemeral-storage": "2Gi"}, "requests": {"cpu": "1"}}),
    ("hugepage limits from the containers, then the request from that limit",
     [{"limits": {"hugepages-2Mi": "4Mi", "memory": "1Gi"}},
      {"limits": {"hugepages-2Mi": "2Mi"}}],
     {"requests": {"memory": "2Gi"}}, None,
     {"requests": {"memory": "2Gi", "hugepages-2Mi": "6Mi"}, "limits": {"hugepages-2Mi": "6Mi"}}),
    ("no hugepage limit when the pod requests hugepages",
     [{"limits": {"hugepages-2Mi": "4Mi"}}],
     {"requests": {"hugepages-2Mi": "2Mi", "memory": "1Gi"}}, None,
     {"requests": {"hugepages-2Mi": "2Mi", "memory": "1Gi"}}),
    ("empty pod-level resources: nothing defaulted",
     [{"limits": {"hugepages-2Mi": "4Mi"}}], {}, None, {}),
]


@pytest.mark.parametrize("containers, pod_level, inits, expected",
                         [c[1:] for c in POD_LEVEL_CASES], ids=[c[0] for c in POD_LEVEL_CASES])
def test_pod_level_defaults(containers: Any, pod_level: Any, inits: Any, expected: Any) -> None:
    pod = _pod(containers, pod_level, inits)
    before = copy.deepcopy(pod)
    out = default_pod(pod)
    assert out["spec"].get("resources") == expected
    assert pod == before  # the input is not changed


def test_pod_level_defaults_off_with_the_gate() -> None:
    pod = _pod([{"requests": {"cpu": "1"}}], {"limits": {"cpu": "2"}})
    assert default_pod(pod, pod_level_resources=False)["spec"]["resources"] == {
        "limits": {"cpu": "2"}}
