"""The spec's own manifests (../shared/seed/manifests, verbatim): every mistake provisor
finds in them, asserted one by one as (rule, file, line, object name, severity).

These are the mistakes the default policy's render fixes (`provisor plan` lists each
departure); tests/test_cli.py checks that the render itself checks clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

HPA_ARGO = "hpa-argo-workflows-server.yaml"
HPA_CTRL = "hpa-coderun-controller.yaml"
RULES = "prometheusrule-agent-resource-alerts.yaml"
DASH = "grafana-dashboard.json"

#: (rule, file, line, object name, severity): each a mistake in the spec's manifests.
MISTAKES = [
    # Argo HPA: `type: Custom` is no metric source type; `custom:` is an unknown field.
    ("hpa/metric-source", HPA_ARGO, 20, "argo-workflows-server-hpa", "error"),
    ("schema/invalid", HPA_ARGO, 21, "argo-workflows-server-hpa", "error"),
    # coderun-controller HPA: memory target ratchets; 300 s scale-up window misses 5 min.
    ("hpa/memory-target", HPA_CTRL, 23, "coderun-controller-hpa", "warning"),
    ("hpa/scale-up-delay", HPA_CTRL, 28, "coderun-controller-hpa", "warning"),
    # VPA: targetRef is a Pod, with a selector and no name; updateMode Auto is deprecated.
    ("schema/invalid", "vpa-agent-pods.yaml", 7, "agent-pods-vpa", "error"),
    ("vpa/target-ref", "vpa-agent-pods.yaml", 9, "agent-pods-vpa", "error"),
    ("schema/invalid", "vpa-agent-pods.yaml", 10, "agent-pods-vpa", "error"),
    ("vpa/update-mode-auto", "vpa-agent-pods.yaml", 14, "agent-pods-vpa", "warning"),
    # PriorityClass: globalDefault true reaches every pod of the cluster.
    ("priority/global-default", "priorityclasses.yaml", 17, "agent-standard-priority",
     "warning"),
    # PDBs: unhealthyPodEvictionPolicy unset (crash-looping pods block drains).
    ("pdb/unhealthy-eviction-policy", "pdb-argo-workflows.yaml", 6, "argo-workflows-pdb",
     "warning"),
    ("pdb/unhealthy-eviction-policy", "pdb-coderun-controller.yaml", 6,
     "coderun-controller-pdb", "warning"),
    # LimitRange: no ceiling; default limits reject explicit requests above them.
    ("limitrange/no-ceiling", "limitrange.yaml", 9, "agent-platform-limits", "warning"),
    ("limitrange/default-limit-too-low", "limitrange.yaml", 10, "agent-platform-limits",
     "warning"),
    ("limitrange/default-limit-too-low", "limitrange.yaml", 11, "agent-platform-limits",
     "warning"),
    # ResourceQuota: storage not per class; PVC count vs storage; pods never binds.
    ("storage/no-class-quota", "resourcequota.yaml", 15, "agent-platform-quota", "info"),
    ("storage/count-size-balance", "resourcequota.yaml", 16, "agent-platform-quota", "info"),
    ("quota/pod-count-balance", "resourcequota.yaml", 19, "agent-platform-quota", "info"),
    # Alerts: cores compared as a ratio and printed as a percentage.
    ("promql/cores-as-ratio", RULES, 12, "agent-resource-alerts", "warning"),
    ("alert/humanize-percentage-not-ratio", RULES, 18, "agent-resource-alerts", "warning"),
    # Memory / limit with no guard against unset (0) limits.
    ("promql/division-by-zero", RULES, 22, "agent-resource-alerts", "error"),
    # OOM alert built on restarts, joined on pod without namespace, redundant for: 0m.
    ("alert/oom-on-restarts", RULES, 32, "agent-resource-alerts", "warning"),
    ("promql/join-drops-namespace", RULES, 32, "agent-resource-alerts", "warning"),
    ("alert/redundant-for-zero", RULES, 33, "agent-resource-alerts", "info"),
    # Quota ratio: type="used" / type="hard" never match; hard may be 0.
    ("promql/vector-matching-never-matches", RULES, 42, "agent-resource-alerts", "error"),
    ("promql/division-by-zero", RULES, 42, "agent-resource-alerts", "error"),
    # No runbook_url on any alert.
    ("alert/missing-runbook-url", RULES, 16, "agent-resource-alerts", "info"),
    ("alert/missing-runbook-url", RULES, 26, "agent-resource-alerts", "info"),
    ("alert/missing-runbook-url", RULES, 36, "agent-resource-alerts", "info"),
    ("alert/missing-runbook-url", RULES, 46, "agent-resource-alerts", "info"),
    # Dashboard: HTTP API wrapper, no uid/schemaVersion/datasource variable, hard-coded
    # namespace, no units / manual unit arithmetic, stat panels over per-pod series.
    ("dashboard/api-wrapper", DASH, 2, "Agent Resource Management", "error"),
    ("dashboard/missing-uid", DASH, 2, "Agent Resource Management", "warning"),
    ("dashboard/missing-schema-version", DASH, 2, "Agent Resource Management", "info"),
    ("dashboard/datasource-templating", DASH, 2, "Agent Resource Management", "warning"),
    ("dashboard/hardcoded-namespace", DASH, 10, "Agent Resource Management", "warning"),
    ("dashboard/units", DASH, 5, "Agent Resource Management", "warning"),
    ("dashboard/units", DASH, 20, "Agent Resource Management", "warning"),
    ("dashboard/units", DASH, 30, "Agent Resource Management", "warning"),
    ("dashboard/stat-per-series", DASH, 10, "Agent Resource Management", "info"),
    ("dashboard/stat-per-series", DASH, 20, "Agent Resource Management", "info"),
]


@pytest.fixture(scope="module")
def seed_findings(shared: Path) -> list[dict]:
    p = run_cli("check", str(shared / "seed" / "manifests"), "--format", "json")
    assert p.returncode == 1
    return json.loads(p.stdout)["findings"]


@pytest.mark.parametrize("rule,file,line,name,severity", MISTAKES,
                         ids=[f"{m[0]}@{m[1]}:{m[2]}" for m in MISTAKES])
def test_seed_mistake_found(seed_findings, rule, file, line, name, severity) -> None:
    hits = [f for f in seed_findings if f["rule"] == rule and f["file"].endswith("/" + file)
            and f["line"] == line and f["object"]["name"] == name]
    assert hits, f"{rule} not found at {file}:{line}"
    assert all(f["severity"] == severity for f in hits)
    assert all(f["message"] for f in hits)


def test_more_than_twenty_distinct_mistakes() -> None:
    assert len({(r, f, line) for r, f, line, _n, _s in MISTAKES}) > 20
