"""Write docs/rules/<family>/<name>.md from the rule docstrings (``make docs``).

The docstrings are the single source; ``tests/test_rule_docs.py`` fails when the pages are
out of date. Usage: ``python tools/gen_rule_docs.py [--check]``. Exit 1 with --check when a
page differs or is missing; stale pages of removed rules are deleted (or reported).
"""

from __future__ import annotations

import sys
from pathlib import Path

from provisor.check.registry import PROFILES, all_docs, explain, load_rules

ROOT = Path(__file__).resolve().parents[1] / "docs" / "rules"


def pages() -> dict[Path, str]:
    out = {ROOT / f"{rid}.md": explain(rid) for rid in all_docs()}
    rules = load_rules()
    index = ["# Rules", "",
             "`provisor check --profile minimal|default|strict` (or `check.profile` in "
             "`.provisor.yaml`; `default` when neither is given) chooses which rules run: a rule "
             "runs in the profile of its column and in every stricter one.", "",
             "| rule | severity | profile | summary |", "|---|---|---|---|"]
    for rid, (sev, summary, _doc) in all_docs().items():
        prof = rules[rid].profile if rid in rules else PROFILES[0]
        index.append(f"| [{rid}]({rid}.md) | {sev} | {prof} | {summary} |")
    out[ROOT / "README.md"] = "\n".join(index) + "\n"
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    want = pages()
    have = {p for p in ROOT.rglob("*.md")} if ROOT.exists() else set()
    bad = [p for p, text in want.items() if not p.exists() or p.read_text() != text]
    stale = sorted(have - set(want))
    if check:
        for p in bad:
            print(f"out of date: {p.relative_to(ROOT.parent.parent)}")
        for p in stale:
            print(f"stale: {p.relative_to(ROOT.parent.parent)}")
        return 1 if bad or stale else 0
    for p, text in want.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    for p in stale:
        p.unlink()
    print(f"wrote {len(want)} pages under {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
