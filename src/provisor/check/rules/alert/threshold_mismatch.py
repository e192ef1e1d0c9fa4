"""alert/threshold-mismatch: the alert's name or summary promises one threshold, its
expression tests another."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import analysed
from provisor.promql import ast as A

#: A percentage written in text (``90%``, ``80 %``); template verbs such as ``%.2f`` do not
#: match (no digit right before the ``%``).
_PCT = re.compile(r"(?<![\w.%])(\d+(?:\.\d+)?)\s*%(?!%)")
#: Words that claim a limit has been reached or passed (value >= 100%).
_EXCEEDED = re.compile(r"exceed(ed|s|ing)?|over\s?(the\s)?limit|above\s(the\s|its\s)?limit|"
                       r"(?<!not )\bfull\b|exhausted|overcommit", re.IGNORECASE)
#: Words that say the limit is only being approached.
_NEAR = re.compile(r"almost|nearly|near|approach|close\s+to|going\s+to|will\b|soon|predict|"
                   r"about\s+to|high|risk", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(name: str) -> str:
    return _CAMEL.sub(" ", name)


def threshold(node: A.Node) -> tuple[str, float] | None:
    """(operator, constant) of the expression's outermost comparison with a constant,
    written with the vector on the left; None when there is none."""
    n = A.unparen(node)
    while isinstance(n, A.Binary) and n.op in ("and", "unless"):
        n = A.unparen(n.lhs)
    if not isinstance(n, A.Binary) or n.op not in (">", ">=", "<", "<=") or n.bool:
        return None
    rc, lc = A.const_value(n.rhs), A.const_value(n.lhs)
    if rc is not None and lc is None:
        return n.op, rc
    if lc is not None and rc is None:
        return {">": "<", "<": ">", ">=": "<=", "<=": ">="}[n.op], lc
    return None


def _texts(r: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("name", _words(str(r.get("alert", ""))))]
    ann = r.get("annotations")
    if isinstance(ann, dict):
        for k in ("summary", "message", "description"):
            if isinstance(ann.get(k), str):
                out.append((k, ann[k]))
    return out


@rule("alert/threshold-mismatch", "warning",
      "An alert's name or summary states one threshold (\"Exceeded\", \"above 80%\") and its "
      "expression tests another.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule whose expression ends in a comparison with a
    constant on a value that is a ratio (0..1) or a percentage (the analysis infers the
    unit), when its texts say something else:

    - the name or summary says the limit is reached or passed ("Exceeded", "over the limit",
      "Full", "Overcommit", without "Almost", "Near", "High", "going to"...) while the
      threshold is below 100% (`> 0.9`);
    - the summary (or message) names exactly one percentage other than 100% (`80%`) and
      the threshold is a different one (`> 0.9` is 90%). Descriptions, which explain
      consequences ("at 100% it is throttled"), are not read for numbers.

    **Why.** Whoever is paged reads the name and the summary, not the expression: an alert
    called `QuotaExceeded` that fires at 90% sends people looking for refused pods that do not
    exist; a summary promising 80% while the rule waits for 90% leaves 10% less headroom than
    the runbook assumes.

    **Fix.** Make them agree: change the threshold, or the words (`QuotaAlmostFull`, "above
    90%"), or print the real number with `{{ $value | humanizePercentage }}`.
    """
    for site, an in analysed(ctx):
        if site.origin != "alert" or site.rule is None or an.node is None or an.empty:
            continue
        th = threshold(an.node)
        if th is None:
            continue
        op, c = th
        if an.unit == "ratio":
            pct = c * 100
        elif an.unit == "percent":
            pct = c
        else:
            continue
        shown = f"`{op} {c:g}`" + ("" if an.unit == "percent" else f" ({pct:g}%)")
        texts = _texts(site.rule)
        claim = next(((k, t) for k, t in texts if k in ("name", "summary", "message")
                      and _EXCEEDED.search(t) and not _NEAR.search(t)), None)
        if claim is not None and op in (">", ">=") and pct < 100:
            word = _EXCEEDED.search(claim[1])
            assert word is not None
            yield Hit(site.doc,
                      f"{site.label}: its {claim[0]} says \"{word.group(0)}\" (the limit is "
                      f"reached), but the expression fires at {shown}, below 100%",
                      fix="fire at > 1 (100%), or name it for what it tests (e.g. "
                          "...AlmostFull, \"above 90%\")",
                      path=(*(site.rule_path or ()), "expr"), obj=site.obj)
            continue
        # the summary states the threshold; a description explains ("at 100% it is
        # throttled") and is not read for it; 100% is the limit itself, which the
        # "Exceeded" words above cover
        pcts = {float(m.group(1)) for k, t in texts if k in ("summary", "message")
                for m in _PCT.finditer(t)} - {100.0}
        if len(pcts) == 1:
            said = next(iter(pcts))
            if abs(said - pct) > 0.5:
                yield Hit(site.doc,
                          f"{site.label}: its annotations say {said:g}%, but the expression "
                          f"fires at {shown}",
                          fix=f"make them agree: threshold {said / 100 if an.unit == 'ratio' else said:g} "
                              f"or text \"{pct:g}%\"",
                          path=(*(site.rule_path or ()), "expr"), obj=site.obj)
