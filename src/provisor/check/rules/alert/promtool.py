"""alert/promtool: the real `promtool check rules` on every rule file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit, Path, dig
from provisor.check.registry import rule
from provisor.findings import ObjectRef
from provisor.promql.ast import try_parse
from provisor.promql.promtool import check_rule_groups, find_promtool

#: Seconds promtool may run on one file (``settings.promtool_timeout_seconds`` when present).
DEFAULT_TIMEOUT = 60.0


@rule("alert/promtool", "error", "`promtool check rules` rejects a rule group.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** Every error `promtool check rules` reports for the rule groups of a
    file: plain Prometheus rule files as they are, PrometheusRule objects as the Prometheus
    Operator hands them to Prometheus (their `spec.groups`; the groups of all PrometheusRule
    objects of one file are checked in one run, with group names made unique across objects
    as the Operator's separate rule files keep them). Each error points at the rule (its
    `expr`, `for`, annotation or label) or group it is about. Expression parse errors that
    `promql/parse-error` already reports are not repeated.

    **Why.** promtool is Prometheus' own loader (cmd/promtool/main.go `checkRules`,
    model/rulefmt/rulefmt.go `Validate`): a file it rejects is rejected by Prometheus, which
    then keeps running the old rules (or, for the Operator, the PrometheusRule is refused by
    its admission webhook). It checks more than the PromQL: durations, label names,
    annotation templates, `record` names, repeated group names.

    **Fix.** Correct what promtool names. When promtool is not installed, `alert/promtool-
    missing` says so once and this rule is skipped.
    """
    name = getattr(ctx.settings, "promtool", "promtool")
    if not name or find_promtool(name) is None:
        return
    timeout = float(getattr(ctx.settings, "promtool_timeout_seconds", DEFAULT_TIMEOUT))
    by_file: dict[str, list[tuple[Any, Path, int, dict[str, Any], ObjectRef]]] = {}
    for doc in ctx.documents:
        if doc.type == "kubernetes" and doc.obj.get("kind") == "PrometheusRule":
            base: Path = ("spec", "groups")
            ref = ObjectRef.of(doc.obj)
        elif doc.type == "prometheus-rules":
            base = ("groups",)
            ref = ObjectRef(kind="RuleFile", name=doc.file)
        else:
            continue
        groups = dig(doc.obj, *base)
        if not isinstance(groups, list):
            continue
        for gi, g in enumerate(groups):
            if isinstance(g, dict):
                by_file.setdefault(doc.file, []).append((doc, base, gi, g, ref))
    for entries in by_file.values():
        yield from _check_file(entries, name, timeout)


def _group_name(g: dict[str, Any]) -> Any:
    """A group's ``name`` as a dictionary key (a name of the wrong type, which promtool
    itself reports, as its text)."""
    name = g.get("name")
    return name if name is None or isinstance(name, (str, int, float)) else repr(name)


def _check_file(entries: list[tuple[Any, Path, int, dict[str, Any], ObjectRef]],
                promtool: str, timeout: float) -> Iterator[Hit]:
    docs_per_name: dict[Any, set[int]] = {}
    for doc, _b, _gi, g, _r in entries:
        docs_per_name.setdefault(_group_name(g), set()).add(id(doc))
    seen: Counter[Any] = Counter()
    groups: list[dict[str, Any]] = []
    for doc, _b, _gi, g, _r in entries:
        gname = _group_name(g)
        if len(docs_per_name.get(gname, ())) > 1:
            # Separate objects become separate rule files in the Operator: same names are
            # fine there. Keep them apart here.
            seen[gname] += 1
            g = {**g, "name": f"{gname} ({seen[gname]})"}
        groups.append(g)
    result = check_rule_groups(groups, promtool, timeout)
    if not result.available:
        doc, base, gi, _g, ref = entries[0]
        what = {"missing": "was skipped", "timeout": "timed out"}.get(result.status, "failed")
        yield Hit(doc, f"promtool check rules {what}: {result.message}",
                  fix="check that promtool works (promtool --version)", path=(*base, gi),
                  obj=ref)
        return
    for p in result.problems:
        if p.group is None or p.group >= len(entries):
            doc, base, gi, _g, ref = entries[0]
            yield Hit(doc, f"promtool check rules: {p.message}", fix=None, obj=ref)
            continue
        doc, base, gi, g, ref = entries[p.group]
        gpath: Path = (*base, gi)
        if p.rule is None:
            field = ("name",) if "groupname" in p.message else (
                ("interval",) if "duration" in p.message and "interval" in g else ())
            yield Hit(doc, f"promtool check rules: group {g.get('name')!r}: {p.message}",
                      fix=None, path=(*gpath, *field), obj=ref)
            continue
        raw_rules = g.get("rules")
        rules: list[Any] = raw_rules if isinstance(raw_rules, list) else []
        r = rules[p.rule] if p.rule < len(rules) and isinstance(rules[p.rule], dict) else {}
        if "could not parse expression" in p.message and try_parse(str(r.get("expr", "")))[0] \
                is None:
            continue  # promql/parse-error reports it
        what = (f"alert {r.get('alert')}" if "alert" in r else
                f"recording rule {r.get('record')}" if "record" in r else f"rule {p.rule + 1}")
        yield Hit(doc, f"promtool check rules: {what}: {p.message}",
                  fix=None, path=(*gpath, "rules", p.rule, *_field(p.message, r)), obj=ref)


def _field(message: str, r: dict[str, Any]) -> Path:
    if "expression" in message and "expr" in r:
        return ("expr",)
    if message.startswith("annotation "):
        key = message.split('"')[1] if '"' in message else None
        return ("annotations", key) if key and key in (r.get("annotations") or {}) else (
            "annotations",)
    if "label" in message and "labels" in r:
        return ("labels",)
    if "duration" in message:
        for k in ("for", "keep_firing_for"):
            if k in r:
                return (k,)
    return ()
