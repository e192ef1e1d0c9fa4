"""Helpers shared by the rule tests (tests/test_rules_*.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from provisor.check import run_check
from provisor.check.config import Config
from provisor.findings import Finding
from provisor.manifests import load


def check_text(tmp_path: Path, text: str, config: Config | None = None, name: str = "m.yaml",
               **settings: Any) -> list[Finding]:
    """Write ``text`` (dedented) to ``tmp_path/name`` and return the findings of every rule
    on it (schema validation off), with ``config`` and ``settings`` overrides applied."""
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    cfg = config or Config()
    for k, v in settings.items():
        setattr(cfg.settings, k, v)
    return run_check(load([str(p)]), schema=False, config=cfg).findings


def only(findings: list[Finding], rule: str) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]
