"""``provisor.k8s.validation.validate_limit_range`` (``ValidateLimitRange``).

Ports, as test values:

* ``TestValidateLimitRange`` (kubernetes/kubernetes
  ``pkg/apis/core/validation/limit_ranges_test.go``): all 6 success cases and the 12 error
  cases about the spec, asserted as upstream does (no error; at least one error and every
  error's detail containing the expected text). Its 4 remaining error cases
  (``zero-length-name``, ``zero-length-namespace``, ``invalid-name``,
  ``invalid-namespace``) test ``ValidateObjectMeta``, which is not ported (object names are
  the schema check's concern); they are listed in ``NOT_PORTED``.
* ``TestValidateLimitRangeForLocalStorage`` (same file): its one case, with the feature gate
  on (LocalStorageCapacityIsolation is GA and locked on).

Moved here from ``tests/test_rules_limitrange.py`` with the function (assertions unchanged);
then the error objects' fields and document paths, and robustness on malformed input.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.validation import DUPLICATE, FORBIDDEN, INVALID, REQUIRED, validate_limit_range


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
    for e in errs:
        assert detail in str(e)


def test_validate_limit_range_exact_messages() -> None:
    """The field error text: path, type, the bad value as JSON (the max for a default above
    max, as upstream passes it), then the detail."""
    errs = [str(e) for e in validate_limit_range(ERROR_CASES[
        "invalid spec default outside range"][0], api_defaults=False)]
    assert errs == ['spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is '
                    'greater than max value 1']
    errs = [str(e) for e in validate_limit_range(ERROR_CASES["duplicate-limit-type"][0],
                                                      api_defaults=False)]
    assert errs == ['spec.limits[1].type: Duplicate value: "Pod"']
    errs = [str(e) for e in validate_limit_range(ERROR_CASES[
        "min and max values missing, one required"][0], api_defaults=False)]
    assert errs == ["spec.limits[0].limits: Required value: either minimum or maximum storage "
                    "value is required, but neither was provided"]
    errs = [str(e) for e in validate_limit_range(ERROR_CASES["default-limit-type-pod"][0],
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
    assert [str(e) for e in validate_limit_range(lr, api_defaults=False)] == [
        'spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: "1": default value 2 '
        'must equal to defaultRequest value 1 in example.com/gpu']


def test_api_defaults_apply_before_validation() -> None:
    """What the API server does: a Container item with min 1 and default 500m gets
    defaultRequest 500m from default, so both the default and the default request fail."""
    lr = _lr({"type": "Container", "min": {"cpu": "1"}, "default": {"cpu": "500m"}})
    assert [str(e) for e in validate_limit_range(lr)] == [
        'spec.limits[0].defaultRequest[cpu]: Invalid value: "500m": min value 1 is greater '
        'than default request value 500m',
        'spec.limits[0].default[cpu]: Invalid value: "1": min value 1 is greater than default '
        'value 500m']


# -- FieldError fields and document paths ----------------------------------------------------


def test_errors_carry_type_field_value_and_document_path() -> None:
    errs = validate_limit_range(ERROR_CASES["invalid spec default outside range"][0],
                                api_defaults=False)
    assert len(errs) == 1
    e = errs[0]
    assert (e.type, e.field, e.bad_value) == (INVALID, "spec.limits[0].default[cpu]", "1")
    assert e.detail == "default value 2 is greater than max value 1"
    assert e.path == ("spec", "limits", 0, "default", "cpu")
    dup = validate_limit_range(ERROR_CASES["duplicate-limit-type"][0], api_defaults=False)
    assert [(d.type, d.path) for d in dup] == [(DUPLICATE, ("spec", "limits", 1, "type"))]
    pod = validate_limit_range(ERROR_CASES["default-limit-type-pod"][0], api_defaults=False)
    assert [(d.type, d.path) for d in pod] == [(FORBIDDEN, ("spec", "limits", 0, "default"))]
    pvc = validate_limit_range(ERROR_CASES["min and max values missing, one required"][0],
                               api_defaults=False)
    assert [(d.type, d.field) for d in pvc] == [(REQUIRED, "spec.limits[0].limits")]


def test_ratio_above_max_over_min_message() -> None:
    errs = validate_limit_range(ERROR_CASES[
        "invalid spec maxLimitRequestRatio greater than max/min"][0], api_defaults=False)
    assert [str(e) for e in errs] == [
        'spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: "10": ratio 10 is greater '
        'than max/min = 4.000000']


@pytest.mark.parametrize("lr", [
    {"spec": {"limits": "nope"}},
    {"spec": {"limits": [None, 3, "x"]}},
    {"spec": {"limits": [{"type": "Container", "max": ["1"]}]}},
    {"spec": {"limits": [{"type": "Container", "max": {"cpu": "lots"}}]}},
    {"metadata": "x"},
], ids=["limits-not-a-list", "items-not-mappings", "list-not-a-mapping", "bad-quantity",
        "no-spec"])
def test_malformed_input_gives_no_errors_and_never_raises(lr: dict[str, Any]) -> None:
    """What the API would refuse to decode is the schema check's: no field errors here."""
    assert validate_limit_range(lr) == []


def test_bad_quantity_item_keeps_its_type_checks() -> None:
    lr = _lr({"type": "Pod", "max": {"cpu": "1"}}, {"type": "Pod", "max": {"cpu": "lots"}})
    assert [str(e) for e in validate_limit_range(lr)] == [
        'spec.limits[1].type: Duplicate value: "Pod"']
