"""Quantity typos (``quantity/*``) and memory inside the container (``runtime/*``): every kind
with small inline inputs, and the handed cases 18 (JVM) and 25 (memory in milli-bytes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from rulekit import check_text, only
from provisor.check.rules.runtime._jvm import jvm_size
from provisor.check.rules.runtime._options import expand, options

QUANTITY = ("quantity/milli-bytes", "quantity/milli-bytes-request", "quantity/cpu-suffix",
            "quantity/bytes-without-unit", "quantity/cpu-without-milli")


def pod(resources: str, extra: str = "") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: a}}
spec:
{extra}  containers:
  - name: c
    image: x
    resources: {resources}
"""


def qrules(fs) -> list[tuple[str, str]]:
    return sorted((f.rule, f.severity) for f in fs if f.rule.startswith("quantity/"))


# -- quantity ------------------------------------------------------------------------------


@pytest.mark.parametrize("resources, want, words", [
    ("{requests: {memory: 512m}}", [("quantity/milli-bytes-request", "warning")],
     ["0.512 bytes", "did you mean 512Mi (536870912 bytes) or 512M?"]),
    ("{limits: {memory: 512m}}", [("quantity/milli-bytes", "error")],
     ["cgroup limit is 1 byte"]),
    ("{limits: {memory: '0.5'}}", [("quantity/milli-bytes", "error")], ["less than one byte"]),
    ("{limits: {ephemeral-storage: 2000m}}", [("quantity/milli-bytes", "error")],
     ["2 bytes", "2000Mi"]),
    ("{requests: {cpu: 2Gi}}", [("quantity/cpu-suffix", "error")],
     ["2,147,483,648 cores", "did you mean 2?", "Pending"]),
    ("{limits: {cpu: 500M}}", [("quantity/cpu-suffix", "error")],
     ["500,000,000 cores", "did you mean 500m?"]),
    ("{requests: {memory: 512}}", [("quantity/bytes-without-unit", "warning")],
     ["512 bytes", "did you mean 512Mi or 512Gi?"]),
    ("{requests: {memory: '1e3'}}", [("quantity/bytes-without-unit", "warning")],
     ["1000 bytes"]),
    ("{limits: {memory: 65536}}", [("quantity/bytes-without-unit", "warning")],
     ["65536 bytes", "did you mean 65536Ki (64Mi)?"]),
    ("{requests: {cpu: 500}}", [("quantity/cpu-without-milli", "warning")],
     ["500 cores", "did you mean 500m"]),
    ("{requests: {cpu: '250', memory: 134217728}}", [("quantity/cpu-without-milli", "warning")],
     ["250 cores"]),
    # the right ways to write it
    ("{requests: {cpu: 500m, memory: 512Mi}, limits: {cpu: '4', memory: 1G}}", [], []),
    ("{requests: {cpu: 0.5, memory: 134217728}}", [], []),
    ("{requests: {cpu: 64, memory: 1Mi}}", [], []),
])
def test_container_quantities(tmp_path: Path, resources: str, want: list[tuple[str, str]],
                              words: list[str]) -> None:
    fs = check_text(tmp_path, pod(resources))
    assert qrules(fs) == want
    for f in fs:
        if f.rule.startswith("quantity/"):
            assert f.line == 8
            assert all(w in f.message for w in words), f.message


def test_cpu_without_milli_respects_known_nodes(tmp_path: Path) -> None:
    text = pod("{requests: {cpu: 128}}")
    assert qrules(check_text(tmp_path, text)) == [("quantity/cpu-without-milli", "warning")]
    assert qrules(check_text(tmp_path, text, nodes=["cpu=192,memory=1Ti"])) == []


def test_quantities_outside_containers(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: q, namespace: a}
        spec:
          hard:
            requests.cpu: 1k
            limits.cpu: 2Ki
            requests.storage: 100m
            fast.storageclass.storage.k8s.io/requests.storage: 10Gi
            cpu: "500"
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: lr, namespace: a}
        spec:
          limits:
          - type: Container
            max: {memory: 4096m}
            defaultRequest: {memory: 64m}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: a}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 512}}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: a}
        spec:
          replicas: 2
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers: [{name: c, image: x, resources: {requests: {cpu: 1, memory: 1Gi},
                                                           limits: {memory: 1Gi}}}]
              volumes: [{name: tmp, emptyDir: {sizeLimit: 500m}}]
          volumeClaimTemplates:
          - metadata: {name: data}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10m}}}
        ---
        apiVersion: autoscaling.k8s.io/v1
        kind: VerticalPodAutoscaler
        metadata: {name: v, namespace: a}
        spec:
          targetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
          resourcePolicy:
            containerPolicies:
            - {containerName: "*", maxAllowed: {memory: 8000m, cpu: 4Gi}}
        """)
    got = sorted((f.rule, f.line) for f in fs if f.rule.startswith("quantity/"))
    assert got == [
        ("quantity/bytes-without-unit", 26),      # PVC storage 512
        ("quantity/cpu-suffix", 7),               # quota limits.cpu 2Ki (1k is left alone)
        ("quantity/cpu-suffix", 51),              # VPA maxAllowed cpu 4Gi
        ("quantity/milli-bytes", 8),              # quota requests.storage 100m
        ("quantity/milli-bytes", 18),             # LimitRange max
        ("quantity/milli-bytes", 39),             # emptyDir sizeLimit
        ("quantity/milli-bytes", 42),             # volumeClaimTemplate
        ("quantity/milli-bytes", 51),             # VPA maxAllowed memory
        ("quantity/milli-bytes-request", 19),     # LimitRange defaultRequest
    ]
    msgs = {f.line: f.message for f in fs if f.rule == "quantity/milli-bytes"}
    assert "every pod or claim that states storage is refused" in msgs[8]
    assert "evicted once the volume holds more than 1 byte" in msgs[39]


def test_case_25(shared: Path) -> None:
    p = run_cli("check", str(shared / "cases" / "case-25.yaml"), "--format", "json")
    assert p.returncode == 1
    fs = json.loads(p.stdout)["findings"]
    quota = [f for f in fs if f["rule"] == "quantity/milli-bytes"]
    assert [(f["object"]["kind"], f["object"]["name"], f["severity"]) for f in quota] == [
        ("ResourceQuota", "compute", "error")] * 2
    assert "512m is 0.512 bytes" in quota[0]["message"] and "512Mi" in quota[0]["message"]
    assert "1024Mi" in quota[1]["message"]
    req = [f for f in fs if f["rule"] == "quantity/milli-bytes-request"]
    assert [(f["object"]["kind"], f["object"]["name"], f["severity"]) for f in req] == [
        ("Deployment", "indexer", "warning")]
    assert "init container 'fetch'" in req[0]["message"] and "256Mi" in req[0]["message"]
    assert all(f["line"] > 0 for f in quota + req)


# -- runtime: options --------------------------------------------------------------------------


def test_kubernetes_expansion() -> None:
    assert expand("$(A) $(B) $$(A) $(C)", {"A": "1", "B": "2"}) == "1 2 $(A) $(C)"
    o = options({"env": [{"name": "HEAP", "value": "-Xmx1g"},
                         {"name": "JAVA_TOOL_OPTIONS", "value": "$(HEAP) -Xss512k"},
                         {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "s"}}}],
                 "command": ["sh", "-c"], "args": ["exec java $HEAP ${SECRET} -jar a.jar"]})
    assert o.env == {"HEAP": "-Xmx1g", "JAVA_TOOL_OPTIONS": "-Xmx1g -Xss512k"}
    # the shell script's words, with $HEAP expanded and the unknown ${SECRET} empty
    assert o.argv[3:] == ["exec", "java", "-Xmx1g", "-jar", "a.jar"]


@pytest.mark.parametrize("text, n", [("2g", 2 << 30), ("512M", 512 << 20), ("1024k", 1 << 20),
                                     ("1073741824", 1 << 30), ("2gb", None), ("", None)])
def test_jvm_sizes(text: str, n: int | None) -> None:
    assert jvm_size(text) == n


# -- runtime: JVM ------------------------------------------------------------------------------


def jvm(env: str = "", args: str = "", limit: str = "2000Mi") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: a}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
      - name: api
        image: x
        env: {env or '[]'}
        args: {args or '[]'}
        resources: {{requests: {{cpu: 500m, memory: {limit}}}, limits: {{memory: {limit}}}}}
"""


@pytest.mark.parametrize("env, args, limit, heap", [
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=80"}]', "", "2000Mi", "1600Mi"),
    ('[{name: JAVA_OPTS, value: "-Xmx1800m"}]', "", "2000Mi", "1800Mi"),
    ("", '["java", "-Xms1900m", "-jar", "app.jar"]', "2000Mi", "1900Mi"),
    ('[{name: JDK_JAVA_OPTIONS, value: "-XX:MaxRAMFraction=1"}]', "", "1Gi", "1024Mi"),
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAM=4g"}]', "", "1Gi", "1024Mi"),
    # _JAVA_OPTIONS is applied last and wins over the command line
    ('[{name: _JAVA_OPTIONS, value: "-Xmx1g"}]', '["java", "-Xmx256m", "-jar", "a.jar"]',
     "1Gi", "1024Mi"),
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=75"}]', "", "1Gi", "768Mi"),
    # a thread stack of 4Mi x 100 threads makes a 512Mi heap too much for 1Gi
    ('[{name: JAVA_TOOL_OPTIONS, value: "-Xmx512m -Xss4m"}]', "", "1Gi", "512Mi"),
])
def test_jvm_over_limit(tmp_path: Path, env: str, args: str, limit: str, heap: str) -> None:
    fs = only(check_text(tmp_path, jvm(env, args, limit)), "runtime/jvm-heap-exceeds-limit")
    assert len(fs) == 1, fs
    assert f"heap cap is {heap}" in fs[0].message
    assert fs[0].severity == "error" and fs[0].line > 0


@pytest.mark.parametrize("env, args, limit", [
    ("", "", "2000Mi"),                                                     # no flags: 25%
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=25"}]', "", "1Gi"),
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=70"}]', "", "2000Mi"),
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=75"}]', "", "2Gi"),
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=75"}]', "", "4Gi"),
    ('[{name: JAVA_OPTS, value: "-Xmx512m"}]', "", "1Gi"),
    ('[{name: JAVA_TOOL_OPTIONS, value: "-Xmx2g"}]', '["java", "-Xmx1g", "-jar", "a.jar"]',
     "2Gi"),                                                                # later -Xmx wins
    ('[{name: JAVA_TOOL_OPTIONS, valueFrom: {configMapKeyRef: {name: c, key: k}}}]', "",
     "1Gi"),                                                                # unknown: skipped
    # an explicit MaxRAMPercentage beats the deprecated MaxRAMFraction in any order
    ('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=50 -XX:MaxRAMFraction=1"}]', "",
     "2Gi"),
])
def test_jvm_fits(tmp_path: Path, env: str, args: str, limit: str) -> None:
    assert not only(check_text(tmp_path, jvm(env, args, limit)),
                    "runtime/jvm-heap-exceeds-limit")


def test_jvm_settings_and_container_support(tmp_path: Path) -> None:
    text = jvm('[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=70"}]')
    assert only(check_text(tmp_path, text, jvm_threads=400), "runtime/jvm-heap-exceeds-limit")
    fs = only(check_text(tmp_path, jvm(
        '[{name: JAVA_TOOL_OPTIONS, value: "-XX:-UseContainerSupport -XX:MaxRAMPercentage=50"}]'
    )), "runtime/jvm-heap-exceeds-limit")
    assert len(fs) == 1 and "from the node's memory" in fs[0].message


def test_case_18(shared: Path) -> None:
    p = run_cli("check", str(shared / "cases" / "case-18.yaml"), "--format", "json")
    assert p.returncode == 1
    fs = [f for f in json.loads(p.stdout)["findings"]
          if f["rule"] == "runtime/jvm-heap-exceeds-limit"]
    assert [(f["object"]["kind"], f["object"]["name"], f["severity"]) for f in fs] == [
        ("Deployment", "api", "error")]
    m = fs[0]["message"]
    for w in ("heap cap is 1600Mi", "MaxRAMPercentage 80%", "non-heap estimate of 434Mi",
              "10% of the heap", "2034Mi", "limit 2000Mi", "OutOfMemoryError"):
        assert w in m, m
    assert "MaxRAMPercentage <= 78; 69 leaves 10% of the limit" in fs[0]["fix"], fs[0]["fix"]


# -- runtime: Node.js --------------------------------------------------------------------------


def node(env: str = "", command: str = '["node", "server.js"]', limit: str = "1Gi") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: a}}
spec:
  containers:
  - name: web
    image: node:20
    command: {command}
    env: {env or '[]'}
    resources: {{requests: {{cpu: 100m, memory: {limit}}}, limits: {{memory: {limit}}}}}
"""


@pytest.mark.parametrize("env, command, limit, want", [
    ('[{name: NODE_OPTIONS, value: "--max-old-space-size=1024"}]', "[]", "1Gi",
     "--max-old-space-size=1024 (NODE_OPTIONS)"),
    ("", '["node", "--max-old-space-size=3072", "server.js"]', "3Gi",
     "(the command line)"),
    # without the flag: half the limit, at least 256Mi (+128Mi) does not fit under 384Mi
    ("", '["npm", "start"]', "256Mi", "no --max-old-space-size"),
    ("", '["sh", "-c", "cd /app && node server.js"]', "300Mi", "no --max-old-space-size"),
    ("", '["npm", "start"]', "512Mi", None),
    ("", '["sh", "-c", "node server.js"]', "1Gi", None),
    # fits
    ('[{name: NODE_OPTIONS, value: "--max-old-space-size=768"}]', "[]", "1Gi", None),
    ("", '["node", "server.js"]', "4Gi", None),
    ("", '["python", "app.py"]', "256Mi", None),
])
def test_node_heap(tmp_path: Path, env: str, command: str, limit: str,
                   want: str | None) -> None:
    fs = only(check_text(tmp_path, node(env, command, limit)),
              "runtime/node-heap-exceeds-limit")
    assert bool(fs) == (want is not None)
    if fs:
        assert want in fs[0].message and fs[0].severity == "warning"
        assert "--max-old-space-size=" in fs[0].fix


def test_runtime_rules_skip_containers_without_a_limit(tmp_path: Path) -> None:
    text = node(limit="1Gi").replace(", limits: {memory: 1Gi}", "")
    assert not only(check_text(tmp_path, text), "runtime/node-heap-exceeds-limit")
    # a LimitRange default limit counts
    text += """\
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr, namespace: a}
spec:
  limits: [{type: Container, default: {memory: 256Mi}}]
"""
    fs = only(check_text(tmp_path, text), "runtime/node-heap-exceeds-limit")
    assert len(fs) == 1 and "limit 256Mi" in fs[0].message


def test_hpa_targets(tmp_path: Path) -> None:
    fs = check_text(tmp_path, """\
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: h, namespace: a}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 2
          maxReplicas: 10
          metrics:
          - type: Resource
            resource: {name: memory, target: {type: AverageValue, averageValue: 500m}}
          - type: ContainerResource
            containerResource: {name: cpu, container: app,
                                target: {type: AverageValue, averageValue: 1Gi}}
          - type: Resource
            resource: {name: cpu, target: {type: AverageValue, averageValue: 500m}}
        """)
    got = [(f.rule, f.line) for f in fs if f.rule.startswith("quantity/")]
    assert got == [("quantity/milli-bytes", 10), ("quantity/cpu-suffix", 13)]
    assert "scales to maxReplicas" in only(fs, "quantity/milli-bytes")[0].message


@pytest.mark.parametrize("container, programs", [
    ({"command": ["tini", "--", "node", "server.js"]}, ["node"]),
    ({"command": ["/bin/sh", "-c"], "args": ["cd /app && exec npm start"]},
     ["sh", "cd", "npm"]),
    ({"command": ["consul", "agent", "-node", "node"]}, ["consul"]),
    ({"args": ["env", "A=1", "/usr/local/bin/node", "x.js"]}, ["node"]),
])
def test_programs(container: dict, programs: list[str]) -> None:
    assert options(container).programs() == programs


def test_runtime_rules_judge_init_containers(tmp_path: Path) -> None:
    fs = only(check_text(tmp_path, """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: a}
        spec:
          template:
            spec:
              restartPolicy: Never
              initContainers:
              - name: flyway
                image: x
                env: [{name: JAVA_TOOL_OPTIONS, value: "-Xmx512m"}]
                resources: {requests: {cpu: 100m, memory: 512Mi}, limits: {memory: 512Mi}}
              containers:
              - {name: main, image: x, resources: {limits: {cpu: 1, memory: 1Gi}}}
        """), "runtime/jvm-heap-exceeds-limit")
    assert len(fs) == 1 and "init container 'flyway'" in fs[0].message
    assert fs[0].line == 11  # the env value that sets the heap
