"""The limitrange/* rules, and the API defaulting they rely on.

Ports, as test values:

* ``TestValidateLimitRange`` (kubernetes/kubernetes
  ``pkg/apis/core/validation/limit_ranges_test.go``): all 6 success cases and the 12 error
  cases about the spec, asserted as upstream does (no error; at least one error and every
  error's detail containing the expected text). Its 4 remaining error cases
  (``zero-length-name``, ``zero-length-namespace``, ``invalid-name``,
  ``invalid-namespace``) test ``ValidateObjectMeta``, which this rule does not port
  (object names are the schema check's concern); they are listed in ``NOT_PORTED``.
* ``TestValidateLimitRangeForLocalStorage`` (same file): its one case, with the feature gate
  on (LocalStorageCapacityIsolation is GA and locked on).
* ``TestSetDefaultLimitRangeItem`` (``pkg/apis/core/v1/defaults_test.go``): its one case.

Then every rule with small inline inputs (positive and negative), case-10 as its header
says, and the spec's seed manifests finding by finding (rule, object, line).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from provisor.check import run_check
from provisor.check.config import Config
from provisor.check.rules.limitrange._api import stored_limit_range
from provisor.check.rules.limitrange.invalid import validate_limit_range
from provisor.findings import Finding
from provisor.manifests import load

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FAMILY = "limitrange/"


def check_text(tmp_path: Path, text: str, **settings: Any) -> list[Finding]:
    p = tmp_path / "m.yaml"
    p.write_text(textwrap.dedent(text))
    cfg = Config()
    for k, v in settings.items():
        setattr(cfg.settings, k, v)
    return run_check(load([str(p)]), schema=False, config=cfg).findings


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# -- TestValidateLimitRange ------------------------------------------------------------


def _rl(cpu: str = "", memory: str = "") -> dict[str, str]:
    out = {}
    if cpu:
        out["cpu"] = cpu
    if memory:
        out["memory"] = memory
    return out


def _storage(v: str) -> dict[str, str]:
    return {"storage": v} if v else {}


def _lr(*items: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": "abc", "namespace": "foo"}, "spec": {"limits": list(items)}}


SUCCESS_CASES = {
    "all-fields-valid": _lr(
        {"type": "Pod", "max": _rl("100m", "10000Mi"), "min": _rl("5m", "100Mi"),
         "maxLimitRequestRatio": _rl("10", "")},
        {"type": "Container", "max": _rl("100m", "10000Mi"), "min": _rl("5m", "100Mi"),
         "default": _rl("50m", "500Mi"), "defaultRequest": _rl("10m", "200Mi"),
         "maxLimitRequestRatio": _rl("10", "")},
        {"type": "PersistentVolumeClaim", "max": _storage("10Gi"), "min": _storage("5Gi")}),
    "pvc-min-only": _lr({"type": "PersistentVolumeClaim", "min": _storage("5Gi")}),
    "pvc-max-only": _lr({"type": "PersistentVolumeClaim", "max": _storage("10Gi")}),
    "all-fields-valid-big-numbers": _lr(
        {"type": "Container", "max": _rl("100m", "10000T"), "min": _rl("5m", "100Mi"),
         "default": _rl("50m", "500Mi"), "defaultRequest": _rl("10m", "200Mi"),
         "maxLimitRequestRatio": _rl("10", "")}),
    "thirdparty-fields-all-valid-standard-container-resources": _lr(
        {"type": "thirdparty.com/foo", "max": _rl("100m", "10000T"), "min": _rl("5m", "100Mi"),
         "default": _rl("50m", "500Mi"), "defaultRequest": _rl("10m", "200Mi"),
         "maxLimitRequestRatio": _rl("10", "")}),
    "thirdparty-fields-all-valid-storage-resources": _lr(
        {"type": "thirdparty.com/foo", "max": _storage("10000T"), "min": _storage("100Mi"),
         "default": _storage("500Mi"), "defaultRequest": _storage("200Mi"),
         "maxLimitRequestRatio": _storage("")}),
}


@pytest.mark.parametrize("lr", SUCCESS_CASES.values(), ids=SUCCESS_CASES.keys())
def test_validate_limit_range_success(lr: dict[str, Any]) -> None:
    """TestValidateLimitRange successCases: no error."""
    assert validate_limit_range(lr, api_defaults=False) == []


ERROR_CASES = {
    "duplicate-limit-type": (_lr(
        {"type": "Pod", "max": _rl("100m", "10000m"), "min": _rl("0m", "100m")},
        {"type": "Pod", "min": _rl("0m", "100m")}), ""),
    "default-limit-type-pod": (_lr(
        {"type": "Pod", "max": _rl("100m", "10000m"), "min": _rl("0m", "100m"),
         "default": _rl("10m", "100m")}), "may not be specified when `type` is 'Pod'"),
    "default-request-limit-type-pod": (_lr(
        {"type": "Pod", "max": _rl("100m", "10000m"), "min": _rl("0m", "100m"),
         "defaultRequest": _rl("10m", "100m")}), "may not be specified when `type` is 'Pod'"),
    "min value 100m is greater than max value 10m": (_lr(
        {"type": "Pod", "max": _rl("10m", ""), "min": _rl("100m", "")}),
        "min value 100m is greater than max value 10m"),
    "invalid spec default outside range": (_lr(
        {"type": "Container", "max": _rl("1", ""), "min": _rl("100m", ""),
         "default": _rl("2000m", "")}), "default value 2 is greater than max value 1"),
    "invalid spec default request outside range": (_lr(
        {"type": "Container", "max": _rl("1", ""), "min": _rl("100m", ""),
         "defaultRequest": _rl("2000m", "")}),
        "default request value 2 is greater than max value 1"),
    "invalid spec default request more than default": (_lr(
        {"type": "Container", "max": _rl("2", ""), "min": _rl("100m", ""),
         "default": _rl("500m", ""), "defaultRequest": _rl("800m", "")}),
        "default request value 800m is greater than default limit value 500m"),
    "invalid spec maxLimitRequestRatio less than 1": (_lr(
        {"type": "Pod", "maxLimitRequestRatio": _rl("800m", "")}), "ratio 800m is less than 1"),
    "invalid spec maxLimitRequestRatio greater than max/min": (_lr(
        {"type": "Container", "max": _rl("", "2Gi"), "min": _rl("", "512Mi"),
         "maxLimitRequestRatio": _rl("", "10")}), "ratio 10 is greater than max/min = 4.000000"),
    "invalid non standard limit type": (_lr(
        {"type": "foo", "max": _storage("10000T"), "min": _storage("100Mi"),
         "default": _storage("500Mi"), "defaultRequest": _storage("200Mi"),
         "maxLimitRequestRatio": _storage("")}),
        "must be a standard limit type or fully qualified"),
    "min and max values missing, one required": (_lr({"type": "PersistentVolumeClaim"}),
        "either minimum or maximum storage value is required, but neither was provided"),
    "invalid min greater than max": (_lr(
        {"type": "PersistentVolumeClaim", "min": _storage("10Gi"), "max": _storage("1Gi")}),
        "min value 10Gi is greater than max value 1Gi"),
}

#: TestValidateLimitRange error cases about ObjectMeta (not ported, see module doc).
NOT_PORTED = ("zero-length-name", "zero-length-namespace", "invalid-name", "invalid-namespace")


@pytest.mark.parametrize("lr,detail", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_validate_limit_range_errors(lr: dict[str, Any], detail: str) -> None:
    """TestValidateLimitRange errorCases: at least one error, each containing the detail."""
    errs = validate_limit_range(lr, api_defaults=False)
    assert errs
    for _path, message, _fix in errs:
        assert detail in message


def test_validate_limit_range_exact_messages() -> None:
    """The field error text: path, type, the bad value as JSON (the max for a default above
    max, as upstream passes it), then the detail."""
    errs = [m for _p, m, _f in validate_limit_range(ERROR_CASES[
        "invalid spec default outside range"][0], api_defaults=False)]
    assert errs == ['spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is '
                    'greater than max value 1']
    errs = [m for _p, m, _f in validate_limit_range(ERROR_CASES["duplicate-limit-type"][0],
                                                      api_defaults=False)]
    assert errs == ['spec.limits[1].type: Duplicate value: "Pod"']
    errs = [m for _p, m, _f in validate_limit_range(ERROR_CASES[
        "min and max values missing, one required"][0], api_defaults=False)]
    assert errs == ["spec.limits[0].limits: Required value: either minimum or maximum storage "
                    "value is required, but neither was provided"]
    errs = [m for _p, m, _f in validate_limit_range(ERROR_CASES["default-limit-type-pod"][0],
                                                      api_defaults=False)]
    assert errs == ["spec.limits[0].default: Forbidden: may not be specified when `type` is "
                    "'Pod'"]


def test_validate_limit_range_for_local_storage() -> None:
    """TestValidateLimitRangeForLocalStorage, all-fields-valid (gate on)."""
    eph = {"ephemeral-storage": "10000Mi"}
    lr = _lr({"type": "Pod", "max": eph, "min": {"ephemeral-storage": "100Mi"}},
             {"type": "Container", "max": eph, "min": {"ephemeral-storage": "100Mi"},
              "default": {"ephemeral-storage": "500Mi"},
              "defaultRequest": {"ephemeral-storage": "200Mi"}})
    assert validate_limit_range(lr, api_defaults=False) == []


def test_non_overcommit_default_must_equal_default_request() -> None:
    lr = _lr({"type": "Container", "default": {"example.com/gpu": "2"},
              "defaultRequest": {"example.com/gpu": "1"}})
    assert [m for _p, m, _f in validate_limit_range(lr, api_defaults=False)] == [
        'spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: "1": default value 2 '
        'must equal to defaultRequest value 1 in example.com/gpu']


def test_set_default_limit_range_item() -> None:
    """TestSetDefaultLimitRangeItem: default from max, defaultRequest from default, then from
    min."""
    lr = _lr({"type": "Container", "max": {"cpu": "100m"}, "min": {"memory": "100Mi"},
              "default": {}, "defaultRequest": {}})
    item = stored_limit_range(lr)["spec"]["limits"][0]
    assert item["default"] == {"cpu": "100m"}
    assert item["defaultRequest"] == {"cpu": "100m", "memory": "100Mi"}
    assert lr["spec"]["limits"][0]["default"] == {}  # the input is not changed


def test_api_defaults_apply_before_validation() -> None:
    """What the API server does: a Container item with min 1 and default 500m gets
    defaultRequest 500m from default, so both the default and the default request fail."""
    lr = _lr({"type": "Container", "min": {"cpu": "1"}, "default": {"cpu": "500m"}})
    assert [m for _p, m, _f in validate_limit_range(lr)] == [
        'spec.limits[0].defaultRequest[cpu]: Invalid value: "500m": min value 1 is greater '
        'than default request value 500m',
        'spec.limits[0].default[cpu]: Invalid value: "1": min value 1 is greater than default '
        'value 500m']


# -- limitrange/invalid ---------------------------------------------------------------------


def test_invalid_rule_positive(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            max: {cpu: "1"}
            default: {cpu: "2"}
        """), "limitrange/invalid")
    # the API copies default into the missing defaultRequest first, so both fail; the
    # defaulted field is not in the file: its finding points at the item
    assert [(f.severity, f.line, f.message) for f in fs] == [
        ("error", 6, 'LimitRange "lr" is invalid: spec.limits[0].defaultRequest[cpu]: Invalid '
                     'value: "2": default request value 2 is greater than max value 1'),
        ("error", 8, 'LimitRange "lr" is invalid: spec.limits[0].default[cpu]: Invalid value: '
                     '"1": default value 2 is greater than max value 1')]
    assert fs[0].object.kind == "LimitRange" and fs[0].object.name == "lr"


def test_invalid_rule_negative(tmp_path: Path) -> None:
    assert not only(check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            max: {cpu: "2", memory: 4Gi}
            min: {cpu: 10m}
            default: {cpu: "1"}
            defaultRequest: {cpu: 100m}
          - type: PersistentVolumeClaim
            max: {storage: 10Gi}
        """), "limitrange/invalid")


# -- case-10 -------------------------------------------------------------------------------


def test_case_10(shared: Path) -> None:
    """case-10: LIMITRANGE_DEFAULT_LIMIT_BELOW_REQUEST (error) for pod/web (effective limit
    10m < request 700m), plus LIMITRANGE_DEFAULT_TOO_LOW (warning) on the LimitRange."""
    path = shared / "cases" / "case-10.yaml"
    fs = run_check(load([str(path)]), schema=False).findings
    err = only(fs, "limitrange/default-limit-below-request")
    assert [(f.severity, f.object.kind, f.object.namespace, f.object.name, f.line) for f in err] \
        == [("error", "Pod", "team-a", "web", 35)]
    assert err[0].message.startswith(
        'Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "700m": '
        'must be less than or equal to cpu limit of 10m.')
    assert "effective limit 10m < request 700m" in err[0].message
    assert "LimitRange cpu-defaults" in err[0].message
    warn = only(fs, "limitrange/default-limit-too-low")
    cpu = [f for f in warn if "default cpu limit" in f.message]
    assert [(f.severity, f.object.kind, f.object.name, f.line) for f in cpu] == [
        ("warning", "LimitRange", "cpu-defaults", 19)]
    assert "any container with a cpu request in (10m, 1] and no cpu limit is rejected" \
        in cpu[0].message
    mem = [f for f in warn if "default memory limit" in f.message]
    assert "a memory request in (512Mi, ∞)" in mem[0].message
    # the pod is refused once (422), not also as the workload's own mistake
    assert not only(fs, "workload/limit-below-request")
    assert not only(fs, "limitrange/invalid")


# -- limitrange/default-limit-below-request --------------------------------------------------

_LR_CPU = """\
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: ns}
spec:
  limits:
  - type: Container
    default: {cpu: 500m}
    defaultRequest: {cpu: 100m}
---
"""


def test_default_limit_below_request_on_a_deployment(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, _LR_CPU + textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: ns}
        spec:
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
              - name: api
                image: x
                resources:
                  requests: {cpu: "2"}
        """)), "limitrange/default-limit-below-request")
    assert len(fs) == 1
    f = fs[0]
    assert (f.object.kind, f.object.name, f.line) == ("Deployment", "api", 22)
    assert f.message.startswith(
        'Deployment ns/api: its pods are refused (422 Invalid): spec.containers[0].resources.'
        'requests: Invalid value: "2": must be less than or equal to cpu limit of 500m.')


def test_default_limit_below_request_negative(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _LR_CPU + textwrap.dedent("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: ok, namespace: ns}
        spec:
          containers:
          - name: a
            image: x
            resources:
              requests: {cpu: 400m}
          - name: b
            image: x
            resources:
              requests: {cpu: "2"}
              limits: {cpu: "3"}
          - name: c
            image: x
            resources:
              limits: {cpu: "2"}
        """))
    assert not only(fs, "limitrange/default-limit-below-request")
    assert not only(fs, "workload/limit-below-request")


def test_default_limit_below_request_other_namespace_unaffected(tmp_path: Path) -> None:
    fs = check_text(tmp_path, _LR_CPU + textwrap.dedent("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: elsewhere}
        spec:
          containers:
          - {name: a, image: x, resources: {requests: {cpu: "2"}}}
        """))
    assert not only(fs, "limitrange/default-limit-below-request")


# -- limitrange/default-limit-too-low ------------------------------------------------------


def test_default_limit_too_low_negative_when_default_is_max(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            max: {cpu: "2", memory: 2Gi}
            default: {cpu: "2"}
            defaultRequest: {cpu: 500m, memory: 1Gi}
        """)
    assert not only(fs, "limitrange/default-limit-too-low")


def test_default_limit_too_low_bounded_by_pod_max(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            max: {cpu: "4"}
            default: {cpu: "1"}
          - type: Pod
            max: {cpu: "3"}
        """), "limitrange/default-limit-too-low")
    assert len(fs) == 1
    assert "a cpu request in (1, 3]" in fs[0].message
    assert fs[0].line == 8


# -- limitrange/out-of-range ----------------------------------------------------------------


def test_out_of_range_pod_template_tier(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: agents}
        spec:
          limits:
          - type: Container
            max: {cpu: "2", memory: 8Gi}
            maxLimitRequestRatio: {memory: "1"}
        ---
        apiVersion: v1
        kind: PodTemplate
        metadata: {name: implementation, namespace: agents}
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: agent
              image: x
              resources:
                requests: {cpu: "2", memory: 8Gi}
                limits: {cpu: "4", memory: 16Gi}
        """), "limitrange/out-of-range")
    assert len(fs) == 1
    f = fs[0]
    assert (f.severity, f.object.kind, f.object.name, f.line) == (
        "error", "PodTemplate", "implementation", 19)
    assert f.message == (
        "PodTemplate agents/implementation: its pods are refused (403 Forbidden): [maximum cpu "
        "usage per Container is 2, but limit is 4, maximum memory usage per Container is 8Gi, "
        "but limit is 16Gi, memory max limit to request ratio per Container is 1, but provided "
        "ratio is 2.000000]")


def test_out_of_range_pod_message_and_negative(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            min: {cpu: 100m}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: small, namespace: ns}
        spec:
          containers:
          - {name: a, image: x, resources: {requests: {cpu: 50m}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: fine, namespace: ns}
        spec:
          containers:
          - {name: a, image: x, resources: {requests: {cpu: 200m}}}
        """)
    fs = only(fs, "limitrange/out-of-range")
    assert [(f.object.name, f.message) for f in fs] == [
        ("small", 'pods "small" is forbidden: minimum cpu usage per Container is 100m, but '
                  'request is 50m')]


def test_out_of_range_uses_api_defaults_of_the_limit_range(tmp_path: Path) -> None:
    """min 200m and max 800m, no default: the API sets default and defaultRequest to 800m,
    so a container that states nothing gets 800m and passes (the Kubernetes docs'
    cpu-constraints example)."""
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: cpu-min-max, namespace: ns}
        spec:
          limits:
          - {type: Container, max: {cpu: 800m}, min: {cpu: 200m}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: bare, namespace: ns}
        spec:
          containers:
          - {name: a, image: x}
        """)
    assert not only(fs, "limitrange/out-of-range")


# -- limitrange/no-ceiling -----------------------------------------------------------------


def test_no_ceiling_positive_and_pvc(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: ns}
        spec:
          limits:
          - type: Container
            defaultRequest: {cpu: 100m}
          - type: PersistentVolumeClaim
            min: {storage: 1Gi}
        """), "limitrange/no-ceiling")
    assert [(f.severity, f.line) for f in fs] == [("warning", 6), ("warning", 8)]
    assert "no maxLimitRequestRatio" in fs[0].message
    assert "max.storage" in fs[1].message


def test_no_ceiling_negative_when_another_limit_range_sets_max(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: LimitRange
        metadata: {name: defaults, namespace: ns}
        spec:
          limits:
          - {type: Container, defaultRequest: {cpu: 100m}}
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: bounds, namespace: ns}
        spec:
          limits:
          - {type: Pod, max: {memory: 8Gi}}
          - {type: PersistentVolumeClaim, max: {storage: 100Gi}}
        """)
    assert not only(fs, "limitrange/no-ceiling")


# -- the spec's seed manifests ------------------------------------------------------------


def test_seed_manifests(shared: Path) -> None:
    """spec-mistakes items 15 and 16: limitrange.yaml has no max and no ratio; its default
    limits (cpu 2, memory 8Gi) reject explicit requests above them without a limit."""
    fs = [f for f in run_check(load([str(shared / "seed" / "manifests")]), schema=False).findings
          if f.rule.startswith(FAMILY)]
    got = sorted((f.rule, f.severity, Path(f.file).name, f.line, f.object.name) for f in fs)
    assert got == [
        ("limitrange/default-limit-too-low", "warning", "limitrange.yaml", 10,
         "agent-platform-limits"),
        ("limitrange/default-limit-too-low", "warning", "limitrange.yaml", 11,
         "agent-platform-limits"),
        ("limitrange/no-ceiling", "warning", "limitrange.yaml", 9, "agent-platform-limits"),
    ]
    by_line = {f.line: f.message for f in fs}
    assert "a cpu request in (2, ∞) and no cpu limit is rejected" in by_line[10]
    assert "a memory request in (8Gi, ∞) and no memory limit is rejected" in by_line[11]
