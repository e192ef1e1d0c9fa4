"""provisor.policy: the built-in default loads, and bad policies are reported by field path
and line (the policy files are written into tmp_path from the default with one edit each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisor.policy import (
    PolicyError,
    default_policy_path,
    dump_policy,
    load_policy,
    parse_policy_text,
    validate_policy_file,
)
from provisor.policy.model import Policy
from provisor.quantity import Quantity

DEFAULT_TEXT = default_policy_path().read_text()


def _edit(old: str, new: str, text: str = DEFAULT_TEXT, count: int = 1) -> str:
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found"
    return hits[nth - 1]


def _problems(tmp_path: Path, text: str) -> list:
    f = tmp_path / "policy.yaml"
    f.write_text(text)
    return validate_policy_file(f)


# -- the default -------------------------------------------------------------------------


def test_default_loads_with_the_spec_agents() -> None:
    p = load_policy(None)
    assert isinstance(p, Policy)
    assert p.name == "agent-platform"
    assert sorted(p.agents) == ["blaze", "cleo", "rex", "tess"]
    assert {a: p.agents[a].tier for a in p.agents} == {
        "rex": "implementation", "blaze": "implementation", "cleo": "quality",
        "tess": "testing"}
    for a in p.agents:
        assert p.agents[a].model == "claude-3-5-sonnet"
        assert p.agents[a].max_concurrency >= 1
    assert set(p.priority_classes) == {"agent-high-priority", "agent-standard-priority",
                                       "agent-low-priority"}
    assert not any(pc.global_default for pc in p.priority_classes.values())
    assert {k: str(w.size) for k, w in p.workspace_classes.items()} == {
        "standard": "10Gi", "large": "25Gi", "testing": "50Gi"}
    assert all(w.storage_class == "fast-ssd" and w.access_mode == "ReadWriteOnce"
               for w in p.workspace_classes.values())


def test_default_path_is_package_data_and_loads_the_same() -> None:
    path = default_policy_path()
    assert path.name == "agent-platform.yaml" and path.is_file()
    assert load_policy(path) == load_policy(None)
    assert load_policy(str(path)) == load_policy(None)


def test_default_has_the_arithmetic_as_comments() -> None:
    for dim in ("requests.cpu", "limits.cpu", "requests.memory", "limits.memory", "pods",
                "persistentvolumeclaims", "requests.storage"):
        assert f"#   {dim}" in DEFAULT_TEXT, dim
    assert "x1.2" in DEFAULT_TEXT and "controller 10 x" in DEFAULT_TEXT


def test_tier_values_are_quantities() -> None:
    p = load_policy(None)
    impl = p.tiers["implementation"]["claude-3-5-sonnet"]
    assert impl.requests.cpu == Quantity.parse("2000m")
    assert str(impl.limits.cpu) == "4"
    assert impl.limits.memory == Quantity.parse("16Gi")


def test_planned_demand_fits_the_quota_with_buffer() -> None:
    p = load_policy(None)
    planned = p.planned_demand()
    for key in ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods",
                "persistentvolumeclaims", "requests.storage"):
        hard = p.quota.hard[key]
        limit = hard.milli_value() if key.endswith("cpu") else hard.int_value()
        assert planned[key] * (1 + p.quota.buffer) <= limit, key


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_round_trips(fmt: str) -> None:
    p = load_policy(None)
    text = dump_policy(p, fmt)
    assert parse_policy_text(text, f"dump.{fmt}") == p


def test_dump_rejects_unknown_format() -> None:
    with pytest.raises(ValueError):
        dump_policy(load_policy(None), "toml")


# -- problems by field and line ----------------------------------------------------------

CASES = [
    # (id, old, new, field, line needle, message fragment)
    ("unknown-key", "  refresh: 30s\n", "  refresh: 30s\n  colour: blue\n",
     "dashboard.colour", "colour: blue", "unknown field"),
    ("bad-quantity", "    requests.cpu: \"20\"", "    requests.cpu: twenty",
     "quota.hard.requests.cpu", "requests.cpu: twenty", "twenty"),
    ("tier-limit-below-request",
     "      limits: {cpu: \"2\", memory: 8Gi}", "      limits: {cpu: 500m, memory: 8Gi}",
     "tiers.quality.claude-3-5-sonnet.limits.cpu", "limits: {cpu: 500m", "below the request"),
    ("unknown-tier", "    tier: testing\n", "    tier: testers\n",
     "agents.tess.tier", "tier: testers", "unknown tier 'testers'"),
    ("unknown-model", "    model: claude-3-5-sonnet\n    workspace: testing",
     "    model: claude-9\n    workspace: testing",
     "agents.tess.model", "model: claude-9", "has no model 'claude-9'"),
    ("unknown-workspace", "    workspace: standard\n", "    workspace: huge\n",
     "agents.cleo.workspace", "workspace: huge", "unknown workspace class 'huge'"),
    ("unknown-priority-class",
     "    priority_class: agent-high-priority\n    max_concurrency: 1",
     "    priority_class: agent-urgent\n    max_concurrency: 1",
     "agents.tess.priority_class", "priority_class: agent-urgent", "unknown priority class"),
    ("concurrency-exceeds-quota", "    max_concurrency: 1\n", "    max_concurrency: 3\n",
     "quota.hard.requests.memory", "requests.memory: 120Gi", "exceeds the quota 120Gi"),
    ("vpa-auto-evicts", "  update_mode: Initial", "  update_mode: Auto",
     "agent_vpa.update_mode", "update_mode: Auto", "run to completion"),
    ("pdb-zero-disruptions", "    min_available: 50%", "    min_available: 100%",
     "argo_server.disruption_budget", ("disruption_budget:", 2), "allows 0 disruptions"),
    ("limitrange-default-below-max", "    default: {cpu: \"4\", memory: 16Gi}",
     "    default: {cpu: \"2\", memory: 16Gi}",
     "limit_range.container.default.cpu", "default: {cpu: \"2\"", "below max"),
    ("limitrange-ratio-above-max-over-min",
     "    max_limit_request_ratio: {cpu: \"2\", memory: \"1\"}",
     "    min: {cpu: \"2\"}\n    max_limit_request_ratio: {cpu: \"4\", memory: \"1\"}",
     "limit_range.container.max_limit_request_ratio.cpu",
     "max_limit_request_ratio: {cpu: \"4\"",
     "ratio 4 is greater than max/min = 2.000000"),
    ("tier-above-limitrange-max", "    max: {cpu: \"4\", memory: 16Gi}",
     "    max: {cpu: \"4\", memory: 12Gi}", "limit_range.container.default.memory",
     "    default: {cpu", "greater than max 12Gi"),
    ("scale-up-window-too-slow", "      stabilization_window_seconds: 60",
     "      stabilization_window_seconds: 300",
     "coderun_controller.autoscaling.scale_up.stabilization_window_seconds",
     "stabilization_window_seconds: 300", "responsiveness goal"),
    ("two-global-defaults", "    value: 500\n", "    value: 500\n    global_default: true\n",
     None, None, None),
    ("quota-alert-fires-at-planned-load",
     "  quota: {threshold: 0.9,", "  quota: {threshold: 0.8,",
     "alerts.quota.threshold", "quota: {threshold: 0.8", "normal operation"),
    ("vpa-target-pod", "    kind: CronJob", "    kind: Pod",
     "agent_vpa.target.kind", "kind: Pod", "cannot target a Pod"),
    ("workspace-above-pvc-max", "    max: 50Gi", "    max: 40Gi",
     "workspace_classes.testing.size", "testing: {size: 50Gi", "above the LimitRange PVC max"),
    ("unknown-quota-key", "    secrets: \"30\"", "    secretz: \"30\"",
     "quota.hard.secretz", "secretz", "not a ResourceQuota resource name"),
    ("controller-breaks-limitrange", "    limits: {cpu: 400m, memory: 256Mi}",
     "    limits: {cpu: 400m, memory: 512Mi}", "coderun_controller.assumed_pod_resources",
     "assumed_pod_resources:", "max_limit_request_ratio 1"),
]


@pytest.mark.parametrize("case", [c for c in CASES if c[3] is not None], ids=lambda c: c[0])
def test_problem_has_field_and_line(tmp_path: Path, case: tuple) -> None:
    _id, old, new, field, needle, fragment = case
    text = _edit(old, new)
    problems = _problems(tmp_path, text)
    hits = [p for p in problems if p.field == field]
    assert hits, f"no problem at {field}: {problems}"
    p = hits[0]
    assert p.file == str(tmp_path / "policy.yaml")
    needle, nth = needle if isinstance(needle, tuple) else (needle, 1)
    assert p.line == _line_of(text, needle, nth), (p, needle)
    assert fragment in p.message, p.message


def test_two_global_defaults(tmp_path: Path) -> None:
    text = _edit("    value: 500\n", "    value: 500\n    global_default: true\n")
    text = _edit("    value: 1000\n", "    value: 1000\n    global_default: true\n", text)
    problems = _problems(tmp_path, text)
    assert [p.field for p in problems] == ["priority_classes"]
    assert "at most one" in problems[0].message
    assert problems[0].line == _line_of(text, "priority_classes:")


def test_duplicate_key(tmp_path: Path) -> None:
    text = _edit("    max_concurrency: 1\n", "    max_concurrency: 1\n    max_concurrency: 1\n")
    problems = _problems(tmp_path, text)
    assert [(p.field, p.message) for p in problems] == [
        ("agents.tess.max_concurrency", "duplicate key 'max_concurrency'")]
    assert problems[0].line == _line_of(text, "max_concurrency: 1", nth=2)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    text = _edit("  refresh: 30s\n", "  refresh: [30s\n")
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and problems[0].field == "<policy>"
    assert problems[0].message.startswith("invalid YAML")
    assert problems[0].line >= _line_of(text, "refresh: [30s")


def test_missing_field_points_at_parent(tmp_path: Path) -> None:
    text = _edit("    image: ghcr.io/5dlabs/claude:v1\n", "", count=4)
    problems = _problems(tmp_path, text)
    assert {p.field for p in problems} == {f"agents.{a}.image" for a in
                                           ("rex", "blaze", "cleo", "tess")}
    rex = next(p for p in problems if p.field == "agents.rex.image")
    assert rex.message == "required field is missing"
    assert rex.line == _line_of(text, "  rex:")


def test_not_a_mapping(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "- a\n- b\n")
    assert [(p.field, p.line) for p in problems] == [("<policy>", 1)]


def test_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    problems = validate_policy_file(tmp_path / "missing.yaml")
    assert len(problems) == 1 and problems[0].line == 0


def test_load_policy_raises_policy_error(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(_edit("    tier: testing\n", "    tier: testers\n"))
    with pytest.raises(PolicyError) as exc:
        load_policy(f)
    assert exc.value.problems[0].field == "agents.tess.tier"
    assert str(exc.value).startswith(f"{f}:")


def test_cross_field_problems_all_reported(tmp_path: Path) -> None:
    text = _edit("    tier: testing\n", "    tier: testers\n")
    text = _edit("    workspace: standard\n", "    workspace: huge\n", text)
    fields = {p.field for p in _problems(tmp_path, text)}
    assert {"agents.tess.tier", "agents.cleo.workspace"} <= fields


def test_vpa_requests_only_needs_a_floor_within_the_ratio(tmp_path: Path) -> None:
    # RequestsOnly keeps the limit while the request falls: limit / minAllowed must stay
    # within the LimitRange ratio (4 / 500m = 8 > 2).
    text = _edit("  controlled_values: RequestsAndLimits", "  controlled_values: RequestsOnly")
    problems = _problems(tmp_path, text)
    assert {p.field for p in problems} == {"agent_vpa.min_allowed.cpu"}
    assert all("max_limit_request_ratio" in p.message for p in problems)


def test_vpa_max_allowed_times_ratio_within_limitrange(tmp_path: Path) -> None:
    text = _edit("  min_allowed: {cpu: 500m}\n", "  min_allowed: {cpu: 500m}\n"
                 "  max_allowed: {cpu: \"3\"}\n")
    problems = _problems(tmp_path, text)
    msgs = [p for p in problems if p.field == "agent_vpa.max_allowed"]
    assert msgs and "above the LimitRange max 4" in msgs[0].message
    assert msgs[0].line == _line_of(text, "max_allowed:")
