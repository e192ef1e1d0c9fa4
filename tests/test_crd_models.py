"""Our strict CRD models (VerticalPodAutoscaler v1 / v1beta2, PrometheusRule v1) against the
real CRDs in ``shared/real/crds``.

Cases are generated from each CRD's ``openAPIV3Schema``: for every node under ``spec`` a valid
sample, every enum value and an invalid one, values of the wrong type, an integral float for
integers, good and bad strings for each ``pattern``, ``minimum`` and ``minLength`` boundaries,
``null`` (pruned by the API server when the field is not nullable), an unknown field and each
required field removed in every object, all properties at once, two distinct and two
duplicate items for ``x-kubernetes-list-type: map`` lists, and every combination of the
fields a CEL rule (``x-kubernetes-validations``) reads.

Each case is judged by a reference built only from the CRD: nulls of non-nullable properties
pruned, jsonschema (Draft 7) on the schema made strict (``additionalProperties: false`` on
every object with ``properties``, as kubectl's strict field validation rejects unknown
fields; patterns with RE2's end-of-text ``$``), the CRD's CEL rules evaluated by cel-python,
and list-type uniqueness. Our model must give the same verdict.
"""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from provisor.manifests import SchemaValidator, load, validate

REPO = Path(__file__).resolve().parents[1]
from conftest import SHARED  # noqa: E402
CRDS = SHARED / "real" / "crds"
OURS = {("autoscaling.k8s.io", "VerticalPodAutoscaler"), ("monitoring.coreos.com", "PrometheusRule")}


def _crd_schemas() -> dict[tuple[str, str, str], dict[str, Any]]:
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(f.read_text()):
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            if (group, kind) not in OURS:
                continue
            for v in crd["spec"]["versions"]:
                out[(group, v["name"], kind)] = v["schema"]["openAPIV3Schema"]
    return out


SCHEMAS = _crd_schemas()


# --------------------------------------------------------------------------------------------
# The reference: CRD schema + API-server rules, independent of our models
# --------------------------------------------------------------------------------------------


def _re2(pattern: str) -> re.Pattern[str]:
    flags = 0
    if "(?i)" in pattern:
        pattern, flags = pattern.replace("(?i)", ""), re.IGNORECASE
    if pattern.endswith("$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, flags)


def _strict(s: Any) -> Any:
    if isinstance(s, list):
        return [_strict(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {k: (_strict(v) if k not in ("properties",) else {p: _strict(ps) for p, ps in v.items()})
           for k, v in s.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _reference_validator(schema: dict[str, Any]):  # type: ignore[no-untyped-def]
    import jsonschema

    def pattern(validator, patrn, instance, _schema):  # type: ignore[no-untyped-def]
        if validator.is_type(instance, "string") and not _re2(patrn).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})
    top = _strict(schema)
    top["properties"]["status"] = {"type": "object"}
    return cls(top)


def _prune_nulls(x: Any, s: dict[str, Any]) -> None:
    if isinstance(x, dict):
        props = s.get("properties") or {}
        for k in list(x):
            if x[k] is None and k in props and not props[k].get("nullable"):
                del x[k]
            elif k in props:
                _prune_nulls(x[k], props[k])
            elif isinstance(s.get("additionalProperties"), dict):
                _prune_nulls(x[k], s["additionalProperties"])
    elif isinstance(x, list) and isinstance(s.get("items"), dict):
        for v in x:
            _prune_nulls(v, s["items"])


_CEL_PROGRAMS: dict[str, Any] = {}


def _cel_ok(rule: str, value: Any) -> bool:
    import celpy

    prog = _CEL_PROGRAMS.get(rule)
    if prog is None:
        env = celpy.Environment()
        prog = _CEL_PROGRAMS[rule] = env.program(env.compile(rule))
    try:
        return bool(prog.evaluate({"self": celpy.json_to_cel(value)}))
    except Exception:  # an evaluation error rejects the object, as in the API server
        return False


def _semantic_errors(x: Any, s: dict[str, Any]) -> Iterator[str]:
    """CEL rules and list-type uniqueness, walking value and schema together."""
    for v in s.get("x-kubernetes-validations") or []:
        if not _cel_ok(v["rule"], x):
            yield v["message"]
    if isinstance(x, dict):
        props = s.get("properties") or {}
        for k, v in x.items():
            sub = props.get(k) or (s.get("additionalProperties") if isinstance(
                s.get("additionalProperties"), dict) else None)
            if sub is not None:
                yield from _semantic_errors(v, sub)
    elif isinstance(x, list):
        lt = s.get("x-kubernetes-list-type")
        if lt == "map":
            keys = s["x-kubernetes-list-map-keys"]
            seen = [tuple(json.dumps(i.get(k)) for k in keys) for i in x if isinstance(i, dict)]
            if len(seen) != len(set(seen)):
                yield "duplicate map key"
        elif lt == "set":
            seen = [json.dumps(i, sort_keys=True) for i in x]
            if len(seen) != len(set(seen)):
                yield "duplicate set item"
        if isinstance(s.get("items"), dict):
            for v in x:
                yield from _semantic_errors(v, s["items"])


_REF_VALIDATORS: dict[tuple[str, str, str], Any] = {}


def reference_ok(gvk: tuple[str, str, str], obj: dict[str, Any]) -> bool:
    schema = SCHEMAS[gvk]
    v = _REF_VALIDATORS.get(gvk)
    if v is None:
        v = _REF_VALIDATORS[gvk] = _reference_validator(schema)
    obj = copy.deepcopy(obj)
    _prune_nulls(obj, schema)
    if any(True for _ in v.iter_errors(obj)):
        return False
    return not any(True for _ in _semantic_errors(obj, schema))


VALIDATOR = SchemaValidator()


def ours_ok(gvk: tuple[str, str, str], obj: dict[str, Any]) -> tuple[bool, list[str]]:
    status, errs = VALIDATOR.validate_object(obj)
    if status == "deprecated":  # the deprecation notice is the first "error"
        return len(errs) == 1, [e.message for e in errs[1:]]
    assert status in ("valid", "invalid"), status
    return status == "valid", [e.message for e in errs]


# --------------------------------------------------------------------------------------------
# Case generation from the schema
# --------------------------------------------------------------------------------------------

GOOD_STRINGS = {
    "quantity": ["250m", "1", "1.5", "2Gi", "1e3", "+1", ".5", "-1", "1E-3"],
    "duration": ["5m", "0", "1h30m", "1y2w3d4h5m6s7ms", "", "500ms"],
    "prs": ["abort", "WARN", "Warn", ""],
}
BAD_STRINGS = {
    "quantity": ["2 cores", "1.5.5", "Gi", "1GiB", "", "1m\n", "0x10"],
    "duration": ["5 m", "1.5h", "m5", "1d1y", "5m\n", "-5m"],
    "prs": ["retry", "abortx", "abort\n"],
}


def _pattern_kind(pattern: str) -> str:
    if "KMGTPE" in pattern:
        return "quantity"
    if "ms" in pattern:
        return "duration"
    return "prs"


def _is_int_or_string(s: dict[str, Any]) -> bool:
    return bool(s.get("x-kubernetes-int-or-string"))


def sample(s: dict[str, Any]) -> Any:
    if "enum" in s:
        return s["enum"][0]
    if _is_int_or_string(s):
        return GOOD_STRINGS[_pattern_kind(s["pattern"])][0] if "pattern" in s else "x"
    t = s.get("type")
    if t == "string":
        return GOOD_STRINGS[_pattern_kind(s["pattern"])][0] if "pattern" in s else "x"
    if t == "integer":
        return s.get("minimum", 1)
    if t == "boolean":
        return True
    if t == "array":
        return [sample(s["items"])]
    if t == "object":
        props = s.get("properties")
        if props:
            out = {r: sample(props[r]) for r in s.get("required", [])}
            if s.get("x-kubernetes-validations") and "type" in out:
                # The CEL rules of startupBoost.cpu: a Factor boost carries its factor.
                out["factor"] = 2
            return out
        if isinstance(s.get("additionalProperties"), dict):
            return {"cpu": sample(s["additionalProperties"])}
        return {}
    return "x"


Make = Callable[[Any], dict[str, Any]]


def _cases_at(s: dict[str, Any], path: str, make: Make) -> Iterator[tuple[str, dict[str, Any]]]:
    yield f"{path}=sample", make(sample(s))
    yield f"{path}=null", make(None)
    t = s.get("type")
    if "enum" in s:
        for e in s["enum"]:
            yield f"{path}={e}", make(e)
        yield f"{path}=NotAValue", make("NotAValue")
        yield f"{path}=lowercase", make(str(s["enum"][0]).lower())
    if _is_int_or_string(s):
        for v in (7, 3.0, 1.5, True, {}, []):
            yield f"{path}={v!r}", make(v)
    elif t == "string":
        for v in (12, True, [], 1.5):
            yield f"{path}={v!r}", make(v)
    if "pattern" in s:
        kind = _pattern_kind(s["pattern"])
        for v in GOOD_STRINGS[kind] + BAD_STRINGS[kind]:
            yield f"{path}={v!r}", make(v)
    if "minLength" in s:
        yield f"{path}=empty", make("")
    if t == "integer":
        for v in ("12", 1.5, True, 3.0, 0, -1, 2**40):
            yield f"{path}={v!r}", make(v)
        if "minimum" in s:
            yield f"{path}=min-1", make(s["minimum"] - 1)
            yield f"{path}=min", make(s["minimum"])
    if t == "boolean":
        yield f"{path}='true'", make("true")
    if t == "array":
        yield f"{path}=[]", make([])
        yield f"{path}='x'", make("x")
        yield f"{path}={{}}", make({})
        item = s["items"]
        yield f"{path}=two", make([sample(item), sample(item)])
        if s.get("x-kubernetes-list-type") == "map":
            keys = s["x-kubernetes-list-map-keys"]
            a, b = sample(item), sample(item)
            for k in keys:
                a[k], b[k] = "a", "b"
            yield f"{path}=distinct-keys", make([a, b])
            yield f"{path}=duplicate-keys", make([a, copy.deepcopy(a)])
        yield from _cases_at(item, f"{path}[0]", lambda v: make([v]))
    if t == "object":
        props = s.get("properties") or {}
        base = sample(s)
        yield f"{path}='x'", make("x")
        yield f"{path}=[]", make([])
        if props:
            yield f"{path}.bogusField", make({**base, "bogusField": "x"})
            for r in s.get("required", []):
                yield f"{path}-{r}", make({k: v for k, v in base.items() if k != r})
            yield f"{path}=all-fields", make({k: sample(v) for k, v in props.items()})
            if s.get("x-kubernetes-validations"):
                for typ in ("Factor", "Quantity", None):
                    for factor in (None, 2):
                        for qty in (None, "500m"):
                            o: dict[str, Any] = {}
                            if typ:
                                o["type"] = typ
                            if factor is not None:
                                o["factor"] = factor
                            if qty is not None:
                                o["quantity"] = qty
                            yield f"{path}=cel:{typ}/{factor}/{qty}", make(o)
            for k, sub in props.items():
                yield from _cases_at(sub, f"{path}.{k}",
                                     lambda v, k=k, base=base: make({**base, k: v}))
        elif isinstance(s.get("additionalProperties"), dict):
            sub = s["additionalProperties"]
            yield f"{path}=two-keys", make({"cpu": sample(sub), "memory": sample(sub)})
            yield from _cases_at(sub, f"{path}[cpu]", lambda v: make({"cpu": v}))


def _all_cases() -> list[tuple[str, tuple[str, str, str], dict[str, Any]]]:
    out = []
    for gvk, schema in sorted(SCHEMAS.items()):
        group, version, kind = gvk
        spec_schema = schema["properties"]["spec"]

        def make(spec: Any, gvk: tuple[str, str, str] = gvk) -> dict[str, Any]:
            obj = {"apiVersion": f"{gvk[0]}/{gvk[1]}", "kind": gvk[2],
                   "metadata": {"name": "x", "namespace": "ns"}}
            obj["spec"] = copy.deepcopy(spec)
            return obj

        seen: set[str] = set()
        for cid, obj in _cases_at(spec_schema, "spec", make):
            key = f"{kind}/{version}:{cid}"
            if key in seen:
                continue
            seen.add(key)
            out.append((key, gvk, obj))
        bare = make(sample(spec_schema))
        del bare["spec"]
        out.append((f"{kind}/{version}:no-spec", gvk, bare))
        out.append((f"{kind}/{version}:top.bogus", gvk, {**make(sample(spec_schema)), "bogus": 1}))
        out.append((f"{kind}/{version}:status-any", gvk,
                    {**make(sample(spec_schema)), "status": {"anything": [1, 2]}}))
    return out


CASES = _all_cases()


def test_case_generation_covers_both_verdicts() -> None:
    verdicts = [reference_ok(gvk, obj) for _, gvk, obj in CASES]
    assert len(CASES) > 600
    assert sum(verdicts) > 200 and len(verdicts) - sum(verdicts) > 300
    assert {gvk for _, gvk, _ in CASES} == set(SCHEMAS) == {
        ("autoscaling.k8s.io", "v1", "VerticalPodAutoscaler"),
        ("autoscaling.k8s.io", "v1beta2", "VerticalPodAutoscaler"),
        ("monitoring.coreos.com", "v1", "PrometheusRule"),
    }


@pytest.mark.parametrize(("case", "gvk", "obj"), CASES, ids=[c[0] for c in CASES])
def test_model_agrees_with_crd(case: str, gvk: tuple[str, str, str], obj: dict[str, Any]) -> None:
    expected = reference_ok(gvk, obj)
    got, messages = ours_ok(gvk, obj)
    assert got == expected, (case, messages)


# --------------------------------------------------------------------------------------------
# Verdicts and messages worth stating on their own
# --------------------------------------------------------------------------------------------

VPA = """\
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata:
  name: v
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: d}
  resourcePolicy:
    containerPolicies:
    - containerName: '*'
      maxAllowed: {cpu: %s}
      startupBoost:
        cpu: %s
"""


def _doc(text: str):  # type: ignore[no-untyped-def]
    docs = load(["-"], stdin=io.StringIO(text))
    assert len(docs) == 1 and not docs.bad_input
    return docs[0]


@pytest.mark.parametrize(
    ("boost", "messages"),
    [
        ("{type: Factor, factor: 2}", []),
        ("{type: Quantity, quantity: 500m}", []),
        ("{type: Factor}", ["factor is required when type is Factor and forbidden otherwise"]),
        ("{type: Quantity, factor: 2}", [
            "factor is required when type is Factor and forbidden otherwise; quantity is required "
            "when type is Quantity and forbidden otherwise"]),
        ("{type: Factor, factor: 2, quantity: 1}",
         ["quantity is required when type is Quantity and forbidden otherwise"]),
    ],
)
def test_startup_boost_cel_rules(boost: str, messages: list[str]) -> None:
    found = validate(_doc(VPA % ("1", boost)))
    assert [f.message.split(": ", 2)[-1] for f in found] == messages
    assert all(f.line == 12 and f.rule == "schema/invalid" for f in found)


def test_vpa_fractional_cpu_number_is_rejected() -> None:
    # int-or-string: YAML 0.5 is a JSON number that is neither an integer nor a string.
    (f,) = validate(_doc(VPA % ("0.5", "{type: Factor, factor: 2}")))
    assert f.line == 10
    assert f.message.endswith("maxAllowed.cpu: expected integer or string, got number 0.5")
    assert validate(_doc(VPA % ('"500m"', "{type: Factor, factor: 2}"))) == []


def test_vpa_update_mode_enum() -> None:
    base = ("apiVersion: autoscaling.k8s.io/v1\nkind: VerticalPodAutoscaler\nmetadata: {name: v}\n"
            "spec:\n  targetRef: {kind: Deployment, name: d}\n  updatePolicy:\n    updateMode: %s\n")
    for mode in ("'Off'", "Initial", "Recreate", "InPlaceOrRecreate", "InPlace", "Auto"):
        assert validate(_doc(base % mode)) == []
    (f,) = validate(_doc(base % "auto"))
    assert f.line == 7 and f.message.endswith(
        'spec.updatePolicy.updateMode: Unsupported value: "auto": supported values: "Off", '
        '"Initial", "Recreate", "InPlaceOrRecreate", "InPlace", "Auto"')
    # Unquoted Off is the boolean false in YAML (go-yaml v2), which the enum rejects.
    (f,) = validate(_doc(base % "Off"))
    assert "got boolean false" in f.message or "Unsupported value: false" in f.message


def test_vpa_v1beta2_is_deprecated_and_validated_with_its_own_schema() -> None:
    text = ("apiVersion: autoscaling.k8s.io/v1beta2\nkind: VerticalPodAutoscaler\nmetadata: {name: v}\n"
            "spec:\n  targetRef: {kind: Deployment, name: d}\n  updatePolicy: {updateMode: InPlace}\n")
    found = validate(_doc(text))
    assert [(f.rule, f.severity, f.line) for f in found] == [
        ("schema/deprecated-api", "warning", 1), ("schema/invalid", "error", 6)]
    assert found[0].fix == "change apiVersion to autoscaling.k8s.io/v1"


def test_unserved_crd_version() -> None:
    text = ("apiVersion: monitoring.coreos.com/v1beta1\nkind: PrometheusRule\nmetadata: {name: r}\n"
            "spec: {}\n")
    (f,) = validate(_doc(text))
    assert (f.rule, f.severity) == ("schema/unserved-api", "error")
    assert "served: monitoring.coreos.com/v1" in f.message


def test_prometheusrule_duplicate_group_names() -> None:
    text = ("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n"
            "spec:\n  groups:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n")
    (f,) = validate(_doc(text))
    assert f.line == 8 and "Duplicate value" in f.message


def test_prometheusrule_durations_and_expr() -> None:
    base = ("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n"
            "spec:\n  groups:\n  - name: g\n    rules:\n    - alert: A\n      expr: %s\n"
            "      for: %s\n")
    assert validate(_doc(base % ("up == 0", "5m"))) == []
    assert validate(_doc(base % ("1", "'0'"))) == []
    (f,) = validate(_doc(base % ("1", "0")))  # a bare 0 is a number, and "for" is a string
    assert f.line == 10 and f.message.endswith("rules[0].for: expected string, got number 0")
    (f,) = validate(_doc(base % ("up", "5 minutes")))
    assert f.line == 10 and "should match" in f.message


def test_crd_metadata_is_validated_as_object_meta(shared: Path) -> None:
    text = ("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
            "metadata: {name: r, labels: {a: 1}, bogus: x}\nspec: {}\n")
    msgs = sorted(f.message for f in validate(_doc(text)))
    assert msgs == ['PrometheusRule r is invalid: metadata.labels.a: expected string, got integer 1',
                    'PrometheusRule r is invalid: unknown field "metadata.bogus"']


def test_real_prometheus_rules_are_valid(shared: Path) -> None:
    docs = [d for d in load([shared / "real"]) if d.kind == "PrometheusRule"]
    assert len(docs) >= 8
    assert [f for d in docs for f in validate(d)] == []


def test_typed_access() -> None:
    from provisor.manifests.crds.vpa import VerticalPodAutoscaler

    doc = _doc(VPA % ("2", "{type: Factor, factor: 3}"))
    vpa = VerticalPodAutoscaler.model_validate(doc.obj)
    policy = vpa.spec.resource_policy.container_policies[0]  # type: ignore[union-attr,index]
    assert policy.max_allowed == {"cpu": 2}
    assert policy.startup_boost.cpu.factor == 3  # type: ignore[union-attr]
    assert vpa.spec.target_ref.kind == "Deployment"
