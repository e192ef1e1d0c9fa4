"""promql/dimension-mismatch (issue 14, PromQL meaning (b))."""

from __future__ import annotations

import pytest

from provisor.promql.analysis import DIMENSION_MISMATCH, analyze

REQ = 'sum(kube_pod_container_resource_requests{resource="cpu"})'
ALLOC = 'sum(kube_node_status_allocatable{resource="cpu"})'
COUNT = 'count(kube_node_status_allocatable{resource="cpu"})'


@pytest.mark.parametrize("expr,words", [
    (f"{REQ} / {ALLOC} > ({COUNT} - 1) / {COUNT}", ["fraction of CPU cores", "count of objects"]),
    (f"({COUNT} - 1) / {COUNT} < {REQ} / {ALLOC}", ["count of objects"]),
    ("sum(rate(container_cpu_usage_seconds_total[5m])) > sum(container_memory_working_set_bytes)",
     ["CPU cores", "bytes"]),
])
def test_flagged(expr, words):
    ps = analyze(expr).of(DIMENSION_MISMATCH)
    assert len(ps) == 1 and all(w in ps[0].message for w in words)


@pytest.mark.parametrize("expr", [
    f"{REQ} - ({ALLOC} - max(kube_node_status_allocatable{{resource=\"cpu\"}})) > 0",
    f"{REQ} / {ALLOC} > 0.8",
    # two resource fractions: both dimensionless shares of capacity
    f"{REQ} / {ALLOC} > sum(kube_pod_container_resource_requests{{resource=\"memory\"}}) / "
    "sum(kube_node_status_allocatable{resource=\"memory\"})",
    "sum(rate(container_cpu_usage_seconds_total[5m])) > sum(kube_pod_container_resource_requests"
    "{resource=\"cpu\"})",
])
def test_not_flagged(expr):
    assert analyze(expr).of(DIMENSION_MISMATCH) == []
