"""``provisor.k8s.validation.validate_pdb_spec`` and ``pod_spec_containers_errors``, held to
kubernetes/kubernetes ``pkg/apis/policy/validation/validation_test.go`` and
``pkg/apis/core/validation``."""

from __future__ import annotations

import pytest

from provisor.k8s.validation import (
    PERCENT_ERROR,
    FieldPath,
    pod_spec_containers_errors,
    validate_pdb_spec,
)

# TestValidateMinAvailablePodDisruptionBudgetSpec: successCases and failureCases
SUCCESS = ["0%", "1%", "100%", 0, 1, 100]
FAILURE = ["1.1%", "nope", "-1%", "101%", -1]


@pytest.mark.parametrize("value", SUCCESS)
@pytest.mark.parametrize("field", ["minAvailable", "maxUnavailable"])
def test_upstream_success_cases(value, field):
    assert validate_pdb_spec({field: value}) == []


@pytest.mark.parametrize("value", FAILURE)
@pytest.mark.parametrize("field", ["minAvailable", "maxUnavailable"])
def test_upstream_failure_cases(value, field):
    errs = validate_pdb_spec({field: value}, FieldPath("foo"))
    assert len(errs) == 1
    assert errs[0].field == f"foo.{field}"


@pytest.mark.parametrize("value, text", [
    ("nope", f'spec.minAvailable: Invalid value: "nope": {PERCENT_ERROR}'),
    ("1.1%", f'spec.minAvailable: Invalid value: "1.1%": {PERCENT_ERROR}'),
    ("-1%", f'spec.minAvailable: Invalid value: "-1%": {PERCENT_ERROR}'),
    ("101%", 'spec.minAvailable: Invalid value: "101%": must not be greater than 100%'),
    (-1, "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"),
])
def test_error_texts(value, text):
    assert [str(e) for e in validate_pdb_spec({"minAvailable": value})] == [text]


def test_min_available_and_max_unavailable_both_set():
    """TestValidateMinAvailablePodAndMaxUnavailableDisruptionBudgetSpec: 10% and 1."""
    errs = validate_pdb_spec({"minAvailable": "10%", "maxUnavailable": 1}, FieldPath("foo"))
    assert len(errs) == 1
    assert errs[0].field == "foo" and errs[0].path == ("foo",)
    assert str(errs[0]) == (
        'foo: Invalid value: {"MinAvailable":"10%","Selector":null,"MaxUnavailable":1,'
        '"UnhealthyPodEvictionPolicy":null}: minAvailable and maxUnavailable cannot be both set')


def test_both_set_and_each_invalid_in_upstream_order():
    errs = validate_pdb_spec({"minAvailable": -1, "maxUnavailable": "200%"})
    assert [e.field for e in errs] == ["spec", "spec.minAvailable", "spec.maxUnavailable"]


@pytest.mark.parametrize("policy, ok", [
    # TestValidateUnhealthyPodEvictionPolicyDisruptionBudgetSpec
    (None, True), ("AlwaysAllow", True), ("IfHealthyBudget", True), ("Invalid", False)])
def test_unhealthy_pod_eviction_policy(policy, ok):
    errs = validate_pdb_spec({"minAvailable": "10%", "unhealthyPodEvictionPolicy": policy})
    assert (errs == []) == ok
    if not ok:
        assert str(errs[0]) == ('spec.unhealthyPodEvictionPolicy: Unsupported value: "Invalid": '
                                'supported values: "AlwaysAllow", "IfHealthyBudget"')


def test_values_of_the_wrong_type_are_the_schemas():
    assert validate_pdb_spec({"minAvailable": 1.5}) == []
    assert validate_pdb_spec({"minAvailable": True}) == []


@pytest.mark.parametrize("spec, bad", [
    ({"containers": []}, True), ({}, True), ({"containers": None}, True),
    ({"containers": [{"name": "a", "image": "b"}]}, False), ({"containers": "x"}, False)])
def test_pod_spec_without_containers(spec, bad):
    errs = pod_spec_containers_errors(spec, FieldPath("spec", "template", "spec"))
    assert [str(e) for e in errs] == (
        ["spec.template.spec.containers: Required value"] if bad else [])
    if bad:
        assert errs[0].path == ("spec", "template", "spec", "containers")
