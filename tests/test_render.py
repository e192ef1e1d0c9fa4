"""provisor.render on the built-in default policy: deterministic, schema-valid (kubernetes-validate
--strict for built-in kinds, the real CRDs for VPA and PrometheusRule), kustomize-buildable, and
correct in substance: the concurrency arithmetic fits the quota (computed from the rendered
objects), the LimitRange admits the tiers, the VPA bounds stay inside the LimitRange, the PDBs
allow a disruption at minReplicas, the alert expressions behave (promtool on synthetic series),
and the departures list covers every spec mistake fixed."""

from __future__ import annotations

import copy
import json
import math
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from provisor.conventions import ANNOTATION_MAX_CONCURRENCY
from provisor.policy import load_policy, parse_policy_text, default_policy_path
from provisor.quantity import Quantity
from provisor.render import departures, render, summary, write_bundle
from provisor.render.autoscaling import ANNOTATION_ASSUMED_POD_RESOURCES

CRD_KINDS = {"VerticalPodAutoscaler", "PrometheusRule"}


@pytest.fixture(scope="module")
def policy():
    return load_policy(None)


@pytest.fixture(scope="module")
def bundle(policy):
    return render(policy)


@pytest.fixture(scope="module")
def objects(bundle) -> list[dict[str, Any]]:
    return [o for _, o in bundle.objects()]


def _kind(objects, kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def _one(objects, kind: str, name: str | None = None) -> dict[str, Any]:
    hits = [o for o in _kind(objects, kind) if name is None or o["metadata"]["name"] == name]
    assert len(hits) == 1, (kind, name, len(hits))
    return hits[0]


def _q(x: Any) -> Fraction:
    return Quantity.parse(x).value


# -- determinism and shape -----------------------------------------------------------------


def test_render_is_deterministic(policy) -> None:
    a = render(policy).contents()
    b = render(load_policy(default_policy_path())).contents()
    assert list(a) == list(b)
    assert a == b
    assert b"creationTimestamp" not in b"".join(a.values())


def test_written_files_are_the_bundle_bytes(tmp_path: Path, bundle) -> None:
    write_bundle(bundle, tmp_path / "out")
    root = tmp_path / "out"
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert files == bundle.contents()


def test_summary_by_kind(bundle) -> None:
    assert summary(bundle) == {
        "ConfigMap": 2, "HorizontalPodAutoscaler": 2, "LimitRange": 1, "Namespace": 1,
        "PodDisruptionBudget": 2, "PodTemplate": 4, "PriorityClass": 3, "PrometheusRule": 1,
        "ResourceQuota": 1, "VerticalPodAutoscaler": 4}


def test_kustomization_lists_every_resource_file(bundle) -> None:
    contents = bundle.contents()
    kust = yaml.safe_load(contents["kustomization.yaml"])
    assert kust["kind"] == "Kustomization"
    resources = set(kust["resources"])
    assert resources == {f.path for f in bundle.files}
    assert resources == {p for p in contents if not p.startswith("runbooks/")} - {
        "kustomization.yaml", "README.md"}
    assert "README.md" in contents


def test_files_parse_back_to_the_objects(bundle) -> None:
    for f in bundle.files:
        docs = list(yaml.safe_load_all(f.text()))
        assert docs == [json.loads(json.dumps(o)) for o in f.objects], f.path


def test_only_the_platform_namespace_is_created(objects) -> None:
    assert [o["metadata"]["name"] for o in _kind(objects, "Namespace")] == ["agent-platform"]
    argo = [o for o in objects if o["metadata"].get("namespace") == "argo"]
    assert sorted(o["kind"] for o in argo) == ["HorizontalPodAutoscaler", "PodDisruptionBudget"]


def test_argo_objects_have_their_own_file(bundle) -> None:
    f = next(f for f in bundle.files if any(
        o["metadata"].get("namespace") == "argo" for o in f.objects))
    assert all(o["metadata"].get("namespace") == "argo" for o in f.objects)
    assert "must exist" in f.header


def test_readme_states_the_assumptions(bundle) -> None:
    text = bundle.contents()["README.md"].decode()
    for needle in ("coderun-controller", "argo-server", "Namespace `argo` exists",
                   "CronJob", "external.metrics.k8s.io", "leader election",
                   "provisor.dev/max-concurrency", "fast-ssd"):
        assert needle in text, needle


def test_quantities_are_canonical(objects) -> None:
    def walk(v: Any, path: str) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k in ("requests", "limits", "hard", "max", "min", "default", "defaultRequest",
                         "maxAllowed", "minAllowed", "maxLimitRequestRatio") and isinstance(x, dict):
                    for r, q in x.items():
                        if isinstance(q, str):
                            assert str(Quantity.parse(q)) == q, f"{path}.{k}.{r}: {q}"
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")

    for o in objects:
        walk(o, f"{o['kind']}/{o['metadata']['name']}")


# -- schema validity -----------------------------------------------------------------------


def test_builtin_objects_pass_kubernetes_validate_strict(objects) -> None:
    version = kubernetes_validate.latest_version()
    for o in objects:
        if o["kind"] in CRD_KINDS:
            continue
        kubernetes_validate.validate(o, version, strict=True)


def test_kubernetes_validate_cli_strict(tmp_path: Path, bundle) -> None:
    out = write_bundle(bundle, tmp_path / "b")
    files = [str(out / f.path) for f in bundle.files
             if not any(o["kind"] in CRD_KINDS for o in f.objects)]
    proc = subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet",
                           *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _strict(schema: Any) -> Any:
    """A CRD openAPIV3Schema as a JSON schema that rejects unknown fields (what server-side
    field validation 'Strict' does), and knows int-or-string."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if out.get("type") == "object" and "properties" in out and \
            "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


def _crd_schema(shared: Path, filename: str, kind: str, version: str = "v1") -> dict[str, Any]:
    for crd in yaml.safe_load_all((shared / "real" / "crds" / filename).read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition" or \
                crd["spec"]["names"]["kind"] != kind:
            continue
        for v in crd["spec"]["versions"]:
            if v["name"] == version:
                return _strict(v["schema"]["openAPIV3Schema"])
    raise AssertionError(f"{filename} has no {kind} {version}")


def test_crd_objects_valid_against_the_real_crds(shared: Path, objects) -> None:
    schemas = {k: _crd_schema(shared, f, k) for k, f in (
        ("VerticalPodAutoscaler", "vpa-v1-crd-gen.yaml"),
        ("PrometheusRule", "prometheusrule-crd.yaml"))}
    # Draft 7 without check_schema: the CRDs carry Go regexes (e.g. '^(?i)...') that Python's
    # re rejects; they are only compiled for fields present in the instance.
    validators = {k: jsonschema.Draft7Validator(s) for k, s in schemas.items()}
    seen = set()
    for o in objects:
        if o["kind"] in validators:
            seen.add(o["kind"])
            errors = [e.message for e in validators[o["kind"]].iter_errors(o)]
            assert errors == [], (o["kind"], o["metadata"]["name"], errors)
    assert seen == CRD_KINDS
    # the strict schema does reject an unknown field (the spec's VPA targetRef.selector)
    bad = copy.deepcopy(_kind(objects, "VerticalPodAutoscaler")[0])
    bad["spec"]["targetRef"]["selector"] = {"matchLabels": {"app": "coderun"}}
    assert list(validators["VerticalPodAutoscaler"].iter_errors(bad))


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kubectl_kustomize_builds(tmp_path: Path, bundle, objects) -> None:
    out = write_bundle(bundle, tmp_path / "base")
    proc = subprocess.run(["kubectl", "kustomize", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    built = [d for d in yaml.safe_load_all(proc.stdout) if d]
    key = lambda o: (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])  # noqa: E731
    assert sorted(map(key, built)) == sorted(map(key, objects))


# -- the arithmetic, from the objects alone ---------------------------------------------------


def _planned_from_objects(objects) -> tuple[dict[str, Fraction], str]:
    """Demand in the platform namespace at full planned load, per quota key (cores, bytes,
    objects), computed only from rendered objects."""
    quota = _one(objects, "ResourceQuota")
    ns = quota["metadata"]["namespace"]
    total: dict[str, Fraction] = {}

    def add(key: str, amount: Fraction) -> None:
        total[key] = total.get(key, Fraction(0)) + amount

    def add_container(resources: dict[str, Any], n: int) -> None:
        for kind in ("requests", "limits"):
            for r, q in resources.get(kind, {}).items():
                add(f"{kind}.{r}", n * _q(q))

    for pt in _kind(objects, "PodTemplate"):
        assert pt["metadata"]["namespace"] == ns
        n = int(pt["metadata"]["annotations"][ANNOTATION_MAX_CONCURRENCY])
        spec = pt["template"]["spec"]
        for c in spec["containers"]:
            add_container(c["resources"], n)
        add("pods", Fraction(n))
        for v in spec.get("volumes", []):
            tmpl = v.get("ephemeral", {}).get("volumeClaimTemplate")
            if tmpl:
                size = _q(tmpl["spec"]["resources"]["requests"]["storage"])
                sc = tmpl["spec"]["storageClassName"]
                add("persistentvolumeclaims", Fraction(n))
                add("requests.storage", n * size)
                add(f"{sc}.storageclass.storage.k8s.io/persistentvolumeclaims", Fraction(n))
                add(f"{sc}.storageclass.storage.k8s.io/requests.storage", n * size)
    for h in _kind(objects, "HorizontalPodAutoscaler"):
        if h["metadata"]["namespace"] != ns:
            continue
        n = h["spec"]["maxReplicas"]
        assumed = json.loads(h["metadata"]["annotations"][ANNOTATION_ASSUMED_POD_RESOURCES])
        add_container(assumed, n)
        add("pods", Fraction(n))
    return total, ns


def test_default_concurrency_fits_the_quota_in_every_dimension(policy, objects) -> None:
    planned, _ = _planned_from_objects(objects)
    hard = {k: _q(v) for k, v in _one(objects, "ResourceQuota")["spec"]["hard"].items()}
    buffer = Fraction(str(policy.quota.buffer))
    assert buffer == Fraction(1, 5)  # the spec's Risk Mitigation: 20% over expected usage
    dims = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods",
            "persistentvolumeclaims", "requests.storage",
            "fast-ssd.storageclass.storage.k8s.io/requests.storage",
            "fast-ssd.storageclass.storage.k8s.io/persistentvolumeclaims"]
    for dim in dims:
        assert dim in hard and dim in planned, dim
        assert planned[dim] * (1 + buffer) <= hard[dim], (dim, planned[dim], hard[dim])
    # the quota alert does not fire at planned load
    worst = max(planned[d] / hard[d] for d in dims)
    assert worst < Fraction(str(policy.alerts.quota.threshold))
    # and it matches the policy's own computation
    mine = policy.planned_demand()
    for dim in dims:
        unit = 1000 if dim.endswith("cpu") else 1
        assert planned[dim] * unit == mine[dim], dim


@pytest.mark.parametrize("buffer", ["0.1", "0.15", "0.05"])
def test_quota_header_buffered_amounts_are_exact(buffer: str) -> None:
    """Regression: the ResourceQuota header multiplied the planned amounts by the float
    ``1 + buffer``, so with buffer 0.1 the 14 planned request cores printed ``x1.1 = 15401m``
    (14000 * 1.1 = 15400.000000000002 millicores, rounded up) instead of ``15.4``."""
    text = default_policy_path().read_text()
    assert text.count("  buffer: 0.2\n") == 1
    user = parse_policy_text(text.replace("  buffer: 0.2\n", f"  buffer: {buffer}\n"), "u.yaml")
    header = render(user).contents()["resourcequota.yaml"].decode()
    factor = 1 + Fraction(buffer)
    planned = user.planned_demand()
    lines = [ln for ln in header.splitlines() if ln.startswith("#   ")]
    assert lines
    for ln in lines:
        key = ln[4:].split(": planned", 1)[0]
        need = user.format_amount(key, planned[key] * factor)
        assert f" = {need}, hard " in ln, ln
    if buffer == "0.1":
        assert "#   requests.cpu: planned 14, x1.1 = 15.4, hard 20" in lines
        assert "#   limits.cpu: planned 28, x1.1 = 30.8, hard 40" in lines


def test_quota_does_not_promise_more_than_the_cluster(policy, objects) -> None:
    hard = _one(objects, "ResourceQuota")["spec"]["hard"]
    cap = policy.cluster.capacity
    assert _q(hard["requests.cpu"]) <= cap.cpu.value
    assert _q(hard["requests.memory"]) <= cap.memory.value
    assert _q(hard["limits.memory"]) <= cap.memory.value


def test_pvc_count_and_storage_are_consistent(objects) -> None:
    hard = _one(objects, "ResourceQuota")["spec"]["hard"]
    lr = _one(objects, "LimitRange")
    pvc = next(i for i in lr["spec"]["limits"] if i["type"] == "PersistentVolumeClaim")
    # every PVC the count admits, at the largest size admitted, fits the storage quota
    assert int(hard["persistentvolumeclaims"]) * _q(pvc["max"]["storage"]) <= _q(
        hard["requests.storage"])


# -- LimitRange -------------------------------------------------------------------------------


def _container_item(objects) -> dict[str, Any]:
    lr = _one(objects, "LimitRange")
    return next(i for i in lr["spec"]["limits"] if i["type"] == "Container")


def test_limitrange_has_ceiling_ratio_and_safe_defaults(objects) -> None:
    item = _container_item(objects)
    for r in ("cpu", "memory"):
        mx, d, dr = (_q(item[k][r]) for k in ("max", "default", "defaultRequest"))
        ratio = _q(item["maxLimitRequestRatio"][r])
        assert d == mx  # no request up to max meets a defaulted limit below it
        assert dr <= d and d / dr <= ratio  # a container with no resources is admitted


def test_podtemplates_pass_the_limitrange_and_fit_the_pvc_item(objects) -> None:
    item = _container_item(objects)
    lr = _one(objects, "LimitRange")
    pvc = next(i for i in lr["spec"]["limits"] if i["type"] == "PersistentVolumeClaim")
    for pt in _kind(objects, "PodTemplate"):
        for c in pt["template"]["spec"]["containers"]:
            req, lim = c["resources"]["requests"], c["resources"]["limits"]
            for r in ("cpu", "memory"):
                assert _q(req[r]) <= _q(lim[r]) <= _q(item["max"][r])
                assert _q(lim[r]) / _q(req[r]) <= _q(item["maxLimitRequestRatio"][r])
        for v in pt["template"]["spec"]["volumes"]:
            size = _q(v["ephemeral"]["volumeClaimTemplate"]["spec"]["resources"]["requests"][
                "storage"])
            assert _q(pvc["min"]["storage"]) <= size <= _q(pvc["max"]["storage"])


def test_assumed_controller_pods_pass_the_limitrange(objects) -> None:
    item = _container_item(objects)
    h = _one(objects, "HorizontalPodAutoscaler", "coderun-controller-hpa")
    res = json.loads(h["metadata"]["annotations"][ANNOTATION_ASSUMED_POD_RESOURCES])
    for r in ("cpu", "memory"):
        req, lim = _q(res["requests"][r]), _q(res["limits"][r])
        assert lim <= _q(item["max"][r]) and lim / req <= _q(item["maxLimitRequestRatio"][r])


# -- PodTemplates -------------------------------------------------------------------------------


def test_podtemplates(policy, objects) -> None:
    pts = {pt["metadata"]["labels"]["provisor.dev/agent"]: pt for pt in _kind(objects, "PodTemplate")}
    assert sorted(pts) == ["blaze", "cleo", "rex", "tess"]
    for agent, pt in pts.items():
        a = policy.agents[agent]
        spec = pt["template"]["spec"]
        assert spec["restartPolicy"] == "Never"
        assert spec["priorityClassName"] == a.priority_class
        (c,) = spec["containers"]
        assert c["name"] == "agent"
        tier = policy.tier_of(agent)
        assert c["resources"] == {
            "requests": {"cpu": str(tier.requests.cpu), "memory": str(tier.requests.memory)},
            "limits": {"cpu": str(tier.limits.cpu), "memory": str(tier.limits.memory)}}
        labels = pt["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "coderun-agent"
        assert labels["app.kubernetes.io/instance"] == agent
        assert labels["provisor.dev/tier"] == a.tier
        assert pt["metadata"]["annotations"][ANNOTATION_MAX_CONCURRENCY] == str(a.max_concurrency)
        (vol,) = spec["volumes"]
        assert c["volumeMounts"] == [{"name": vol["name"], "mountPath": "/workspace"}]
        claim = vol["ephemeral"]["volumeClaimTemplate"]["spec"]
        ws = policy.workspace_classes[a.workspace]
        assert claim["storageClassName"] == "fast-ssd"
        assert claim["accessModes"] == ["ReadWriteOnce"]
        assert _q(claim["resources"]["requests"]["storage"]) == ws.size.value
    # memory request = limit for every agent (no memory overcommit)
    for pt in pts.values():
        res = pt["template"]["spec"]["containers"][0]["resources"]
        assert res["requests"]["memory"] == res["limits"]["memory"]


def test_priority_classes_in_use_exist_and_none_is_global_default(objects) -> None:
    pcs = {o["metadata"]["name"]: o for o in _kind(objects, "PriorityClass")}
    assert set(pcs) == {"agent-high-priority", "agent-standard-priority", "agent-low-priority"}
    assert not any(o["globalDefault"] for o in pcs.values())
    for pt in _kind(objects, "PodTemplate"):
        assert pt["template"]["spec"]["priorityClassName"] in pcs


def test_tier_configmap(policy, objects) -> None:
    cm = _one(objects, "ConfigMap", "agent-resource-tiers")
    tiers = yaml.safe_load(cm["data"]["tiers.yaml"])
    assert tiers["implementation"]["claude-3-5-sonnet"]["requests"] == {"cpu": "2",
                                                                        "memory": "16Gi"}
    pvcs = yaml.safe_load(cm["data"]["pvc-templates.yaml"])
    assert {k: v["spec"]["resources"]["requests"]["storage"] for k, v in pvcs.items()} == {
        "standard": "10Gi", "large": "25Gi", "testing": "50Gi"}
    agents = yaml.safe_load(cm["data"]["agents.yaml"])
    assert agents["tess"]["podTemplate"] == "coderun-tess"


# -- autoscaling and disruption ---------------------------------------------------------------


def test_controller_hpa(objects) -> None:
    h = _one(objects, "HorizontalPodAutoscaler", "coderun-controller-hpa")
    assert h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                           "name": "coderun-controller"}
    metrics = h["spec"]["metrics"]
    assert [(m["type"], m["resource"]["name"]) for m in metrics] == [("Resource", "cpu")]
    # scale-up window + 15 s sync + 60 s metrics within the spec's 5 minutes
    assert h["spec"]["behavior"]["scaleUp"]["stabilizationWindowSeconds"] + 15 + 60 <= 300


def test_argo_hpa_targets_the_server_with_an_external_metric(objects) -> None:
    h = _one(objects, "HorizontalPodAutoscaler", "argo-server-hpa")
    assert h["metadata"]["namespace"] == "argo"
    assert h["spec"]["scaleTargetRef"]["name"] == "argo-server"
    ext = [m for m in h["spec"]["metrics"] if m["type"] == "External"]
    assert len(ext) == 1
    assert ext[0]["external"]["metric"] == {"name": "argo_workflows_gauge",
                                            "selector": {"matchLabels": {"phase": "Running"}}}
    assert ext[0]["external"]["target"] == {"type": "AverageValue", "averageValue": "10"}
    # at minReplicas the HPA adds a replica above 20 running workflows (the spec's intent)
    per = _q(ext[0]["external"]["target"]["averageValue"])
    assert math.ceil(Fraction(21) / per) > h["spec"]["minReplicas"] == 2
    assert math.ceil(Fraction(20) / per) == 2


def _allowed(pdb: dict[str, Any], replicas: int) -> int:
    spec = pdb["spec"]
    if "minAvailable" in spec:
        v = spec["minAvailable"]
        desired = math.ceil(int(v[:-1]) * replicas / 100) if isinstance(v, str) else v
        return replicas - desired
    v = spec["maxUnavailable"]
    return math.ceil(int(v[:-1]) * replicas / 100) if isinstance(v, str) else v


def test_pdbs_allow_a_disruption_at_min_replicas(objects) -> None:
    hpas = {(h["metadata"]["namespace"], h["spec"]["scaleTargetRef"]["name"]): h
            for h in _kind(objects, "HorizontalPodAutoscaler")}
    pdbs = _kind(objects, "PodDisruptionBudget")
    assert len(pdbs) == 2
    for pdb in pdbs:
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
        ns = pdb["metadata"]["namespace"]
        target = pdb["metadata"]["name"].removesuffix("-pdb")
        h = hpas[(ns, target)]
        assert _allowed(pdb, h["spec"]["minReplicas"]) > 0
    argo = next(p for p in pdbs if p["metadata"]["namespace"] == "argo")
    assert argo["spec"]["selector"] == {"matchLabels": {"app": "argo-server"}}


def test_vpas(objects) -> None:
    item = _container_item(objects)
    pts = {pt["metadata"]["name"]: pt for pt in _kind(objects, "PodTemplate")}
    vpas = _kind(objects, "VerticalPodAutoscaler")
    assert len(vpas) == len(pts) == 4
    for v in vpas:
        spec = v["spec"]
        assert spec["updatePolicy"]["updateMode"] == "Initial"
        ref = spec["targetRef"]
        assert ref["kind"] in {"CronJob", "Job", "Deployment", "StatefulSet", "DaemonSet",
                               "ReplicaSet", "ReplicationController"}
        assert set(ref) == {"apiVersion", "kind", "name"}
        pt = pts[ref["name"]]  # one owner per agent, named after its PodTemplate
        (c,) = pt["template"]["spec"]["containers"]
        policies = {p["containerName"]: p for p in spec["resourcePolicy"]["containerPolicies"]}
        agent = policies["agent"]
        assert policies["*"]["mode"] == "Off"
        assert agent.get("controlledValues", "RequestsAndLimits") == "RequestsAndLimits"
        for r, mx in agent["maxAllowed"].items():
            # the limit follows the request at the template's ratio: stays within max
            ratio = _q(c["resources"]["limits"][r]) / _q(c["resources"]["requests"][r])
            assert _q(mx) * ratio <= _q(item["max"][r])
            assert _q(mx) <= _q(c["resources"]["requests"][r])
            assert _q(agent["minAllowed"][r]) <= _q(mx)


# -- monitoring ---------------------------------------------------------------------------------


def test_alert_rules_shape(objects) -> None:
    pr = _one(objects, "PrometheusRule")
    recording, group = pr["spec"]["groups"]
    assert all("record" in r for r in recording["rules"])
    rules = {r["alert"]: r for r in group["rules"]}
    assert {"AgentHighCPUUsage", "AgentHighMemoryUsage", "AgentOOMKilled",
            "NamespaceResourceQuotaHigh"} <= set(rules)
    for r in rules.values():
        assert r["labels"]["severity"] in ("info", "warning", "critical")
        assert r["annotations"]["runbook_url"] == f"runbooks/{r['alert']}.md"
        assert r.get("for") != "0m"
    assert "ignoring (type)" in rules["NamespaceResourceQuotaHigh"]["expr"]
    assert "kube_pod_container_status_terminated_reason" in rules["AgentOOMKilled"]["expr"]
    assert pr["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool not installed (make test installs Debian's prometheus)")
    return path


def test_promtool_check_rules(tmp_path: Path, objects) -> None:
    promtool = _promtool()
    pr = _one(objects, "PrometheusRule")
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": pr["spec"]["groups"]}))
    proc = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


NS = 'namespace="agent-platform"'
PROMTOOL_TESTS = {
    "evaluation_interval": "1m",
    "tests": [
        {
            "interval": "1m",
            "input_series": [
                # rex-1: 3.5 cores of a 4-core limit -> 87.5%
                {"series": f'container_cpu_usage_seconds_total{{{NS},pod="rex-1",container="agent"}}',
                 "values": "0+210x40"},
                {"series": f'kube_pod_container_resource_limits{{{NS},pod="rex-1",container="agent",resource="cpu",unit="core"}}',
                 "values": "4x40"},
                # cleo-1: 0.5 core of 2 -> 25%, no alert
                {"series": f'container_cpu_usage_seconds_total{{{NS},pod="cleo-1",container="agent"}}',
                 "values": "0+30x40"},
                {"series": f'kube_pod_container_resource_limits{{{NS},pod="cleo-1",container="agent",resource="cpu",unit="core"}}',
                 "values": "2x40"},
                # nolimit-1: 3.5 cores, no limit series -> no alert (the spec's rule fired)
                {"series": f'container_cpu_usage_seconds_total{{{NS},pod="nolimit-1",container="agent"}}',
                 "values": "0+210x40"},
                # memory: 15Gi of 16Gi -> 93.75%; no-limit container (limit 0) -> no alert
                {"series": f'container_memory_working_set_bytes{{{NS},pod="rex-1",container="agent"}}',
                 "values": "16106127360x40"},
                {"series": f'container_spec_memory_limit_bytes{{{NS},pod="rex-1",container="agent"}}',
                 "values": "17179869184x40"},
                {"series": f'container_memory_working_set_bytes{{{NS},pod="nolimit-1",container="agent"}}',
                 "values": "1073741824x40"},
                {"series": f'container_spec_memory_limit_bytes{{{NS},pod="nolimit-1",container="agent"}}',
                 "values": "0x40"},
                # tess-1: OOM-killed at 3m, never restarts (restartPolicy Never)
                {"series": f'kube_pod_container_status_terminated_reason{{{NS},pod="tess-1",container="agent",reason="OOMKilled"}}',
                 "values": "0 0 0 1x37"},
                {"series": f'kube_pod_container_status_restarts_total{{{NS},pod="tess-1",container="agent"}}',
                 "values": "0x40"},
                # quota: requests.memory 110 of 120 -> 91.67%; a hard 0 is ignored
                {"series": f'kube_resourcequota{{{NS},resourcequota="q",resource="requests.memory",type="used"}}',
                 "values": "110x40"},
                {"series": f'kube_resourcequota{{{NS},resourcequota="q",resource="requests.memory",type="hard"}}',
                 "values": "120x40"},
                {"series": f'kube_resourcequota{{{NS},resourcequota="q",resource="services",type="used"}}',
                 "values": "0x40"},
                {"series": f'kube_resourcequota{{{NS},resourcequota="q",resource="services",type="hard"}}',
                 "values": "0x40"},
                {"series": f'kube_resourcequota{{{NS},resourcequota="q",resource="pods",type="used"}}',
                 "values": "17x40"},
                {"series": f'kube_resourcequota{{{NS},resourcequota="q",resource="pods",type="hard"}}',
                 "values": "30x40"},
            ],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "AgentHighCPUUsage", "exp_alerts": [{
                    "exp_labels": {"namespace": "agent-platform", "pod": "rex-1",
                                   "container": "agent", "severity": "warning"},
                    "exp_annotations": {
                        "summary": "Agent container CPU usage is close to its CPU limit",
                        "description": "Agent rex-1 uses 87.5% of its CPU limit; at 100% it is "
                                       "throttled.",
                        "runbook_url": "runbooks/AgentHighCPUUsage.md"}}]},
                {"eval_time": "20m", "alertname": "AgentHighMemoryUsage", "exp_alerts": [{
                    "exp_labels": {"namespace": "agent-platform", "pod": "rex-1",
                                   "container": "agent", "severity": "warning"},
                    "exp_annotations": {
                        "summary": "Agent container memory is close to its limit",
                        "description": "Agent rex-1 working set is 93.75% of its memory limit; "
                                       "above the limit the container is OOM-killed.",
                        "runbook_url": "runbooks/AgentHighMemoryUsage.md"}}]},
                {"eval_time": "5m", "alertname": "AgentOOMKilled", "exp_alerts": [{
                    "exp_labels": {"namespace": "agent-platform", "pod": "tess-1",
                                   "container": "agent", "severity": "critical"},
                    "exp_annotations": {
                        "summary": "A container was killed for running out of memory",
                        "description": "Container agent of pod tess-1 in agent-platform was "
                                       "OOM-killed (within the last 10m).",
                        "runbook_url": "runbooks/AgentOOMKilled.md"}}]},
                {"eval_time": "2m", "alertname": "AgentOOMKilled", "exp_alerts": []},
                {"eval_time": "20m", "alertname": "NamespaceResourceQuotaHigh", "exp_alerts": [{
                    "exp_labels": {"namespace": "agent-platform", "resourcequota": "q",
                                   "resource": "requests.memory", "severity": "warning"},
                    "exp_annotations": {
                        "summary": "Namespace resource quota usage is high",
                        "description": "requests.memory quota usage is 91.67% in namespace "
                                       "agent-platform; new pods fail admission at 100%.",
                        "runbook_url": "runbooks/NamespaceResourceQuotaHigh.md"}}]},
            ],
        },
        {
            # a restarting container (the controller) killed by OOM: restarts move
            "interval": "1m",
            "input_series": [
                {"series": f'kube_pod_container_status_last_terminated_reason{{{NS},pod="ctl-1",container="controller",reason="OOMKilled"}}',
                 "values": "0 0 1x10"},
                {"series": f'kube_pod_container_status_restarts_total{{{NS},pod="ctl-1",container="controller"}}',
                 "values": "0 0 1x10"},
            ],
            "alert_rule_test": [
                {"eval_time": "4m", "alertname": "AgentOOMKilled", "exp_alerts": [{
                    "exp_labels": {"namespace": "agent-platform", "pod": "ctl-1",
                                   "container": "controller", "severity": "critical"},
                    "exp_annotations": {
                        "summary": "A container was killed for running out of memory",
                        "description": "Container controller of pod ctl-1 in agent-platform was "
                                       "OOM-killed (within the last 10m).",
                        "runbook_url": "runbooks/AgentOOMKilled.md"}}]},
                {"eval_time": "12m", "alertname": "AgentOOMKilled", "exp_alerts": []},
            ],
        },
    ],
}


def test_alert_semantics_with_promtool(tmp_path: Path, objects) -> None:
    promtool = _promtool()
    pr = _one(objects, "PrometheusRule")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": pr["spec"]["groups"]}))
    tests = dict(PROMTOOL_TESTS, rule_files=["rules.yaml"])
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dashboard_configmap(objects) -> None:
    cm = _one(objects, "ConfigMap", "agent-resource-dashboard")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = cm["data"].values()
    model = json.loads(text)
    assert "dashboard" not in model  # the bare model, not the HTTP API wrapper
    assert model["uid"] == "agent-resources" and isinstance(model["schemaVersion"], int)
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["namespace"]["datasource"]["uid"] == "${datasource}"
    units = set()
    panels = [p for p in model["panels"] if p["type"] != "row"]
    assert {p["type"] for p in panels} == {"timeseries", "stat"}
    rate_interval = False
    for p in panels:
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        units.add(p["fieldConfig"]["defaults"]["unit"])
        for t in p["targets"]:
            assert t["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert "agent-platform" not in t["expr"]
            assert "/ 1024" not in t["expr"] and "* 100" not in t["expr"]
            assert "[5m]" not in t["expr"]  # panels use $__rate_interval
            rate_interval |= "$__rate_interval" in t["expr"]
    assert rate_interval
    assert {"bytes", "percentunit", "s", "short"} <= units and any("cores" in u for u in units)
    assert [p["id"] for p in model["panels"]] == list(range(1, len(model["panels"]) + 1))
    titles = {p["title"] for p in panels}
    for want in ("CPU usage by agent", "Memory usage by agent", "PVC usage",
                 "Resource quota used / hard", "HPA replicas against min and max", "OOM kills",
                 "CPU throttling", "VPA CPU target against requests", "Queue length",
                 "Queue wait", "CPU utilization of requests (target 60-80%)"):
        assert want in titles, want


def test_dashboard_is_built_with_the_sdk_and_stable(policy) -> None:
    from provisor.render.dashboard import SCHEMA_VERSION, dashboard_model

    a, b = dashboard_model(policy), dashboard_model(policy)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["schemaVersion"] == SCHEMA_VERSION >= 39
    assert a["uid"] == policy.dashboard.uid


# -- departures ---------------------------------------------------------------------------------


def _dep_index(deps) -> dict[str, Any]:
    out = {d.field: d for d in deps}
    assert len(out) == len(deps), "duplicate departure fields"
    return out


# (field, spec value, policy value): one per spec mistake the default policy fixes
EXPECTED_DEPARTURES = [
    ("argo_server.autoscaling.external (metric source type)", "Custom", "External"),
    ("argo_server.deployment.name", "argo-workflows-server", "argo-server"),
    ("argo_server.autoscaling.external.metric", "argo_workflows_running_total",
     'argo_workflows_gauge{phase="Running"}'),
    ("argo_server.autoscaling.external.average_value_per_replica", "Value 20",
     "AverageValue 10"),
    ("coderun_controller.autoscaling.scale_up.stabilization_window_seconds", "300", "60"),
    ("coderun_controller.autoscaling.memory_utilization", "80", "(absent)"),
    ("agent_vpa.update_mode", "Auto", "Initial"),
    ("agent_vpa.max_allowed", "{cpu: 8000m, memory: 32Gi}", "each agent's tier requests"),
    ("agent_vpa.controlled_resources", "[cpu, memory]", "[cpu]"),
    ("priority_classes.agent-standard-priority.global_default", "true", "false"),
    ("priority_classes.agent-low-priority.description",
     "Low priority for testing and development workflows", None),
    ("quota.hard.persistentvolumeclaims", "20", "10"),
    ("quota.hard.fast-ssd.storageclass.storage.k8s.io/requests.storage", "(absent)", "500Gi"),
    ("quota.hard.limits.memory", "160Gi", "120Gi"),
    ("quota.hard.requests.memory", "80Gi", "120Gi"),
    ("limit_range.container.max", "(absent)", "{cpu: 4, memory: 16Gi}"),
    ("limit_range.container.max_limit_request_ratio", "(absent)", "{cpu: 2, memory: 1}"),
    ("limit_range.container.default", "{cpu: 2000m, memory: 8Gi}", "{cpu: 4, memory: 16Gi}"),
    ("limit_range.pvc.max", "100Gi", "50Gi"),
    ("coderun_controller.disruption_budget.unhealthy_pod_eviction_policy",
     "IfHealthyBudget (unset)", "AlwaysAllow"),
    ("argo_server.disruption_budget.unhealthy_pod_eviction_policy",
     "IfHealthyBudget (unset)", "AlwaysAllow"),
    ("argo_server.deployment.pod_labels (PDB selector)", "{app: argo-workflows-server}",
     "{app: argo-server}"),
    ("PrometheusRule agent-resource-alerts: AgentHighCPUUsage.expr", None, None),
    ("PrometheusRule agent-resource-alerts: AgentHighMemoryUsage.expr", None, None),
    ("PrometheusRule agent-resource-alerts: AgentOOMKilled.expr", None, None),
    ("PrometheusRule agent-resource-alerts: AgentOOMKilled.for", "0m", "(absent)"),
    ("PrometheusRule agent-resource-alerts: NamespaceResourceQuotaHigh.expr", None, None),
    ("PrometheusRule agent-resource-alerts: annotations.runbook_url", "(absent)", None),
    ("alerts.quota.threshold", "0.8", "0.9"),
    ("Grafana dashboard: format", None, None),
    ("Grafana dashboard: variables", None, None),
    ("Grafana dashboard: panels", None, None),
    ("tiers.implementation.claude-3-5-sonnet.requests.memory", "8Gi", "16Gi"),
    ("tiers.quality.claude-3-5-sonnet.requests.memory", "4Gi", "8Gi"),
    ("tiers.testing.claude-3-5-sonnet.requests.memory", "8Gi", "16Gi"),
    ("agent_resource_specs / pvc_specifications", None, None),
    ("agent_vpa (VerticalPodAutoscaler agent-pods-vpa)", None, None),
]


@pytest.mark.parametrize("field,spec,value", EXPECTED_DEPARTURES,
                         ids=[e[0] for e in EXPECTED_DEPARTURES])
def test_departures_cover_each_fix(policy, field: str, spec: str | None,
                                   value: str | None) -> None:
    deps = _dep_index(departures(policy))
    assert field in deps
    d = deps[field]
    if spec is not None:
        assert d.spec == spec
    if value is not None:
        assert d.policy == value
    assert len(d.why) > 20 and "different from the spec" not in d.why


def test_departures_fixed_ok_fields_are_not_listed(policy) -> None:
    fields = {d.field for d in departures(policy)}
    for same in ("tiers.implementation.claude-3-5-sonnet.requests.cpu",
                 "tiers.implementation.claude-3-5-sonnet.limits.memory",
                 "quota.hard.requests.cpu", "quota.hard.pods",
                 "workspace_classes.large.size",
                 "coderun_controller.autoscaling.max_replicas",
                 "argo_server.autoscaling.cpu_utilization",
                 "priority_classes.agent-high-priority.value"):
        assert same not in fields, same


def test_departures_follow_a_users_policy() -> None:
    text = default_policy_path().read_text()
    text = text.replace("  agent-high-priority:\n    value: 1000\n    preemption_policy: Never",
                        "  agent-high-priority:\n    value: 1000\n"
                        "    preemption_policy: PreemptLowerPriority")
    text = text.replace("  cpu: {threshold: 0.8,", "  cpu: {threshold: 0.7,")
    user = parse_policy_text(text, "user.yaml")
    deps = _dep_index(departures(user))
    assert "priority_classes.agent-high-priority.preemption_policy" not in deps
    assert "priority_classes.agent-standard-priority.preemption_policy" in deps
    cpu = deps["alerts.cpu.threshold"]
    assert (cpu.spec, cpu.policy) == ("0.8", "0.7")
    assert cpu.why == "the policy sets a value different from the spec's"
