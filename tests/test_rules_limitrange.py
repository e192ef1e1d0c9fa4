"""The limitrange/* rules.

Every rule with small inline inputs (positive and negative), case-10 as its header says, and
the spec's seed manifests finding by finding (rule, object, line). The semantics they rely on
are tested where they live: ``TestValidateLimitRange`` in
``tests/k8s/test_validation_limit_range.py``, ``TestSetDefaultLimitRangeItem`` in
``tests/k8s/test_defaults.py``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from provisor.check import run_check
from provisor.manifests import load
from rulekit import check_text, only  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FAMILY = "limitrange/"


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
