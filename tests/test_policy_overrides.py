"""``provisor.policy.overrides``: policy fields by dotted path (keys with dots, list
indices, new map entries), validated by the policy model, independent of mapping order."""

from __future__ import annotations

import pytest

from provisor.policy import PolicyError, load_policy
from provisor.policy.overrides import OverrideError, apply_overrides, set_path


@pytest.fixture(scope="module")
def base():
    return load_policy(None)


def test_keys_holding_dots_resolve_longest_first(base):
    p = apply_overrides(base, {"quota.hard.requests.memory": "144Gi",
                               "agents.rex.max_concurrency": 1})
    assert str(p.quota.hard["requests.memory"]) == "144Gi"
    assert p.agents["rex"].max_concurrency == 1
    assert base.agents["rex"].max_concurrency == 2             # the base is untouched
    assert apply_overrides(base, {}) == base


def test_capacity_checks_can_be_waived_for_what_if(base):
    small = {"quota.hard.requests.memory": "64Gi"}
    with pytest.raises(PolicyError, match="exceeds the quota 64Gi"):
        apply_overrides(base, small)
    p = apply_overrides(base, small, capacity_checks=False)
    assert any("exceeds the quota 64Gi" in m for _, m in p.capacity_problems())
    with pytest.raises(PolicyError):            # other checks still apply
        apply_overrides(base, {**small, "agents.rex.tier": "nope"}, capacity_checks=False)


def test_order_of_overrides_does_not_matter(base):
    a = {"quota.hard.requests.memory": "144Gi", "agents.rex.max_concurrency": 1}
    b = dict(reversed(list(a.items())))
    assert apply_overrides(base, a) == apply_overrides(base, b)


def test_unknown_path_names_what_exists(base):
    with pytest.raises(PolicyError) as exc:
        apply_overrides(base, {"agnets.rex.max_concurrency": 3})
    msg = exc.value.report()
    assert "agnets" in msg and "did you mean 'agents'" in msg


def test_invalid_value_is_refused_by_the_model(base):
    with pytest.raises(PolicyError) as exc:
        apply_overrides(base, {"agents.rex.max_concurrency": -1}, name="v1")
    assert exc.value.problems[0].file == "v1"
    assert "max_concurrency" in exc.value.problems[0].field


def test_set_path_lists_and_new_keys():
    data = {"a": [{"b": 1}], "m": {"x.y": 1}}
    set_path(data, "a.0.b", 2)
    set_path(data, "m.x.y", 3)
    set_path(data, "m.new", 4)
    assert data == {"a": [{"b": 2}], "m": {"x.y": 3, "new": 4}}
    for bad in ("a.5.b", "a.x", "", "m..x", "q.r.s"):
        with pytest.raises(OverrideError):
            set_path(data, bad, 0)
