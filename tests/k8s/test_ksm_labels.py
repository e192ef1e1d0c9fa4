"""kube-state-metrics' label mapping (provisor.k8s.ksm), held to kube-state-metrics'
internal/store/utils_test.go ``TestKubeLabelsToPrometheusLabels`` and
``TestCreatePrometheusLabelKeysValues`` tables."""

from __future__ import annotations

import pytest

from provisor.k8s.ksm import ksm_label_name, ksm_labels, sanitize_label_name

# TestKubeLabelsToPrometheusLabels (kube-state-metrics internal/store/utils_test.go)
KUBE_LABELS_CASES = [
    ({"app1": "normal"}, ["label_app1"], ["normal"]),
    ({"0_app3": "starts_with_digit"}, ["label_0_app3"], ["starts_with_digit"]),
    ({"": "empty"}, ["label_"], ["empty"]),
    ({"$app4": "special_char"}, ["label__app4"], ["special_char"]),
    ({"_app5": "starts_with_underscore"}, ["label__app5"], ["starts_with_underscore"]),
    ({"an": "", "order": "", "test": ""}, ["label_an", "label_order", "label_test"],
     ["", "", ""]),
    ({"conflicting_label1": "underscore", "conflicting.label1": "dot",
      "conflicting-label1": "hyphen", "conflicting.label2": "dot",
      "conflicting-label2": "hyphen", "conflicting_label2": "underscore",
      "conflicting-label3": "hyphen", "conflicting_label3": "underscore",
      "conflicting.label3": "dot"},
     ["label_conflicting_label1_conflict1", "label_conflicting_label2_conflict1",
      "label_conflicting_label3_conflict1", "label_conflicting_label1_conflict2",
      "label_conflicting_label2_conflict2", "label_conflicting_label3_conflict2",
      "label_conflicting_label1_conflict3", "label_conflicting_label2_conflict3",
      "label_conflicting_label3_conflict3"],
     ["hyphen", "hyphen", "hyphen", "dot", "dot", "dot", "underscore", "underscore",
      "underscore"]),
    ({"camelCase": "camel_case"}, ["label_camel_case"], ["camel_case"]),
    ({"snake_camelCase": "snake_and_camel_case"}, ["label_snake_camel_case"],
     ["snake_and_camel_case"]),
    ({"conflicting_camelCase": "camel_case", "conflicting_camel_case": "snake_case"},
     ["label_conflicting_camel_case_conflict1", "label_conflicting_camel_case_conflict2"],
     ["camel_case", "snake_case"]),
]


@pytest.mark.parametrize("labels,keys,values", KUBE_LABELS_CASES)
def test_kube_labels_to_prometheus_labels(labels, keys, values):
    out = ksm_labels(labels)
    # the conflict case lists keys in sorted-Kubernetes-key order, as kube-state-metrics does
    assert sorted(zip(out.keys(), out.values())) == sorted(zip(keys, values))
    assert len(out) == len(keys)


# TestCreatePrometheusLabelKeysValues (prefix "metric"; exact keys and the "*" wildcard)
@pytest.mark.parametrize("allow,keys,values", [
    (["keyA", "keyB"], ["metric_key_a", "metric_key_b"], ["valueA", "valueB"]),
    (["keyA", "keyB", "keyC"], ["metric_key_a", "metric_key_b"], ["valueA", "valueB"]),
    (["keyA", "keyC"], ["metric_key_a"], ["valueA"]),
])
def test_create_prometheus_label_keys_values(allow, keys, values):
    out = ksm_labels({"keyA": "valueA", "keyB": "valueB"}, allow, prefix="metric")
    assert list(out) == keys and list(out.values()) == values


def test_full_wildcard_and_empty_allowlist():
    data = {"keyA": "valueA", "keyB": "valueB", "otherKeyA": "valueC", "otherKeyB": "valueD"}
    assert list(ksm_labels(data, ["*"], prefix="metric")) == [
        "metric_key_a", "metric_key_b", "metric_other_key_a", "metric_other_key_b"]
    assert ksm_labels(data, []) == {}


def test_provisor_agent_label():
    assert sanitize_label_name("provisor.dev/agent") == "provisor_dev_agent"
    assert ksm_label_name("label", "provisor.dev/agent") == "label_provisor_dev_agent"
    assert ksm_labels({"provisor.dev/agent": "cleo", "provisor.dev/tier": "heavy"},
                      ["provisor.dev/agent"]) == {"label_provisor_dev_agent": "cleo"}
