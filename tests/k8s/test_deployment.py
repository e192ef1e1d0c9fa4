"""provisor.k8s.deployment against pkg/controller/deployment/util/deployment_util_test.go
(TestResolveFenceposts) and SetDefaults_Deployment."""

from __future__ import annotations

import pytest

from provisor.k8s.deployment import (IntOrStringError, resolve_fenceposts, rolling_update,
                                     scaled_value)


# TestResolveFenceposts (kubernetes/kubernetes, current table; "5"/"1" from the older one:
# a string without % is not a percentage)
@pytest.mark.parametrize("surge,unavail,desired,want", [
    ("0%", "0%", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
    ("oops", "39%", 10, None),
    ("55%", "urg", 10, None),
    ("5", "1", 7, None),
    (None, "39%", 10, (0, 3)),
    ("39%", None, 10, (4, 0)),
    (None, None, 10, (0, 1)),
])
def test_resolve_fenceposts(surge, unavail, desired, want):
    if want is None:
        with pytest.raises(IntOrStringError):
            resolve_fenceposts(surge, unavail, desired)
    else:
        assert resolve_fenceposts(surge, unavail, desired) == want


def test_scaled_value_messages():
    with pytest.raises(IntOrStringError, match="string is not a percentage"):
        scaled_value("5", 10, True)
    with pytest.raises(IntOrStringError, match='invalid value "x%"'):
        scaled_value("x%", 10, True)
    assert scaled_value(3, 10, False) == 3
    assert scaled_value("25%", 3, True) == 1 and scaled_value("25%", 3, False) == 0


def test_rolling_update_defaults():
    # 25%/25% on 3 replicas: surge ceil(0.75) = 1, unavailable floor(0.75) = 0
    assert rolling_update({"spec": {"replicas": 3}}) == (1, 0)
    assert rolling_update({"spec": {}}) == (1, 0)
    assert rolling_update({"spec": {"replicas": 8}}) == (2, 2)
    assert rolling_update({"spec": {"strategy": {"type": "Recreate"}}}) is None
    assert rolling_update({"spec": {"replicas": 3, "strategy": {"rollingUpdate": {
        "maxSurge": 0, "maxUnavailable": "10%"}}}}) == (0, 1)
