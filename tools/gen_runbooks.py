"""Write docs/runbooks/<Alert>.md for the built-in policy (``make docs``).

The single source is ``provisor.render.runbooks`` (the same pages ``render`` ships in the
bundle's ``runbooks/``); ``tests/test_runbooks.py`` fails when docs/runbooks is out of date.
Usage: ``python tools/gen_runbooks.py [--check]`` (exit 1 with --check when a page differs,
is missing, or is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

from provisor.policy import load_policy
from provisor.render.runbooks import runbook_pages

ROOT = Path(__file__).resolve().parents[1] / "docs" / "runbooks"


def pages() -> dict[Path, str]:
    return {ROOT / name: text for name, text in runbook_pages(load_policy(None)).items()}


def main(argv: list[str]) -> int:
    want = pages()
    have = set(ROOT.glob("*.md")) if ROOT.exists() else set()
    bad = [p for p, text in want.items() if not p.exists() or p.read_text() != text]
    stale = sorted(have - set(want))
    if "--check" in argv:
        for p in bad:
            print(f"out of date: docs/runbooks/{p.name}")
        for p in stale:
            print(f"stale: docs/runbooks/{p.name}")
        return 1 if bad or stale else 0
    ROOT.mkdir(parents=True, exist_ok=True)
    for p, text in want.items():
        p.write_text(text)
    for p in stale:
        p.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
