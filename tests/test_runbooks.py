"""Runbooks: one page per rendered alert, shipped in the bundle (``runbooks/<Alert>.md``, what
``runbook_url`` points at by default) and in ``docs/runbooks/``, both from
``provisor.render.runbooks``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from provisor.policy import load_policy, parse_policy_text, default_policy_path
from provisor.render import render
from provisor.render.monitoring import alert_specs
from provisor.render.runbooks import RUNBOOKS, runbook_pages

REPO = Path(__file__).resolve().parents[1]


def test_docs_runbooks_are_in_sync():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_runbooks.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + "\nrun `make docs`"


def test_every_alert_has_a_runbook_in_the_bundle_and_links_to_it():
    policy = load_policy(None)
    bundle = render(policy)
    contents = bundle.contents()
    names = [s.alert for s in alert_specs(policy)]
    assert set(RUNBOOKS) == set(names)
    (pr,) = [o for _, o in bundle.objects() if o["kind"] == "PrometheusRule"]
    for rule in pr["spec"]["groups"][1]["rules"]:
        url = rule["annotations"]["runbook_url"]
        assert url == f"runbooks/{rule['alert']}.md" and url in contents
        page = contents[url].decode()
        assert page.startswith(f"# {rule['alert']}\n")
        for section in ("## Meaning", "## Confirm", "## What to do", "```promql", "```sh"):
            assert section in page
        assert rule["expr"].rstrip() in page  # the alert's own PromQL
    assert "runbooks/README.md" in contents
    # the runbooks are not kustomize resources
    assert not any(r.startswith("runbooks/") for r in bundle.kustomization()["resources"])


def test_runbook_base_url_from_the_policy():
    text = default_policy_path().read_text().replace(
        "  # runbook_base_url: https://git.example.com/platform/runbooks",
        "  runbook_base_url: https://git.example.com/platform/runbooks/")
    policy = parse_policy_text(text, "p.yaml")
    bundle = render(policy)
    (pr,) = [o for _, o in bundle.objects() if o["kind"] == "PrometheusRule"]
    urls = {r["annotations"]["runbook_url"] for r in pr["spec"]["groups"][1]["rules"]}
    assert "https://git.example.com/platform/runbooks/AgentOOMKilled.md" in urls
    assert all(u.startswith("https://git.example.com/platform/runbooks/") for u in urls)


def test_pages_name_the_namespace_of_the_policy():
    text = default_policy_path().read_text().replace("agent-platform", "agents-x")
    pages = runbook_pages(parse_policy_text(text, "p.yaml"))
    assert "kubectl -n agents-x" in pages["AgentOOMKilled.md"]
    assert "agent-platform" not in pages["AgentOOMKilled.md"]
