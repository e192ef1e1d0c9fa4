"""Every rule is documented (what / why / fix), and docs/rules/ is in sync with the
docstrings (regenerate with `make docs`)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO
from provisor.check.registry import all_docs, load_rules


def test_every_rule_has_what_why_fix() -> None:
    for rid, r in load_rules().items():
        for part in ("**What it flags.**", "**Why.**", "**Fix.**"):
            assert part in r.doc, f"{rid}: no {part}"
        assert r.summary.endswith("."), rid


def test_every_family_is_covered() -> None:
    families = {rid.split("/")[0] for rid in all_docs()}
    for fam in ("quota", "limitrange", "hpa", "vpa", "pdb", "priority", "storage", "workload",
                "promql", "alert", "dashboard", "schema", "input"):
        assert fam in families, fam


def test_docs_pages_are_up_to_date() -> None:
    p = subprocess.run([sys.executable, str(REPO / "tools" / "gen_rule_docs.py"), "--check"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + "\nrun `make docs`"
