"""Every PromQL expression under check, in one list the ``promql/*``, ``alert/*`` and
``dashboard/*`` rules share: alerting and recording rules (PrometheusRule objects and plain
rule files, via ``Context.alerting_rules``) and Prometheus targets of Grafana dashboard
panels (via :mod:`provisor.check.rules.dashboard._model`).

Each expression is analysed once per run (:func:`provisor.promql.analysis.analyze` is cached
on the text and the metric knowledge), and each ``promql/<kind>`` rule reports the problems of
its kind: see :func:`hits`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from provisor.check.context import Context, Hit, Path
from provisor.check.rules.dashboard._model import Target, dashboards, interpolate
from provisor.findings import ObjectRef
from provisor.promql.analysis import Analysis, analyze
from provisor.promql.metrics import Knowledge

__all__ = ["Site", "sites", "analysed", "hits", "knowledge"]


@dataclass(slots=True)
class Site:
    """Where a PromQL expression lives.

    Attributes:
        doc: the document.
        path: path to the ``expr`` key (for an embedded dashboard: the ConfigMap data key).
        expr: the text Prometheus receives (Grafana variables interpolated for panels).
        origin: "alert", "record" or "panel".
        label: what to call it in messages ("alert AgentHighCPUUsage", "dashboard 'X' panel
            'Y' target A (x.json line 12)").
        obj: the object reference for findings (None: the document's own).
        rule: the Prometheus rule dict (alerts and recording rules), else None.
        rule_path: path to that rule, else None.
        target: the dashboard target, else None.
        templated: label values may hold Grafana variables.
        single_vars: the dashboard's single-valued variables.
    """

    doc: Any
    path: Path
    expr: str
    origin: str
    label: str
    obj: ObjectRef | None = None
    rule: dict[str, Any] | None = None
    rule_path: Path | None = None
    target: Target | None = None
    templated: bool = False
    single_vars: frozenset[str] = frozenset()


_CACHE: dict[int, tuple[weakref.ref[Context], list[tuple[Site, Analysis]]]] = {}


def knowledge(ctx: Context) -> Knowledge:
    """Metric knowledge with the ``.provisor.yaml`` overrides (``settings.counters`` /
    ``settings.gauges`` / ``settings.exporter_versions``); ``--kubernetes-version`` stands
    for the kubelet's version when the settings do not give it."""
    s = ctx.settings
    versions = list(getattr(s, "exporter_versions", None) or [])
    k8s = getattr(ctx, "kubernetes_version", None)
    if k8s and not any(v.split("=", 1)[0].strip() in ("kubelet", "kubernetes") for v in versions):
        versions.append(f"kubelet={k8s}")  # the kubelet's cAdvisor labels follow its release
    return Knowledge.from_settings(getattr(s, "counters", None), getattr(s, "gauges", None),
                                   versions)


def sites(ctx: Context) -> Iterator[Site]:
    """Every expression: rules first (in document order), then dashboard targets."""
    for doc, path, rule, ref in ctx.alerting_rules():
        expr = rule.get("expr")
        if isinstance(expr, bool) or not isinstance(expr, (str, int, float)):
            continue
        if "alert" in rule:
            origin, label = "alert", f"alert {rule.get('alert')}"
        else:
            origin, label = "record", f"recording rule {rule.get('record')}"
        yield Site(doc, (*path, "expr"), str(expr), origin, label, ref, rule, path)
    for dash in dashboards(ctx):
        single = frozenset(name for name, v in dash.variables().items()
                           if not v.get("multi") and not v.get("includeAll"))
        for panel in dash.panels():
            for t in panel.targets():
                text, _ = interpolate(t.expr)
                inner = (*t.path, "expr")
                yield Site(dash.doc, dash.path(inner), text, "panel",
                           t.label() + dash.where(inner), dash.ref, target=t, templated=True,
                           single_vars=single)


def analysed(ctx: Context) -> list[tuple[Site, Analysis]]:
    """(site, analysis) for every expression, computed once per context."""
    hit = _CACHE.get(id(ctx))
    if hit is not None and hit[0]() is ctx:
        return hit[1]
    k = knowledge(ctx)
    out = [(s, analyze(s.expr, k, s.templated, s.single_vars)) for s in sites(ctx)]
    for key in [i for i, (ref, _v) in _CACHE.items() if ref() is None]:
        del _CACHE[key]  # contexts that are gone
    _CACHE[id(ctx)] = (weakref.ref(ctx), out)
    return out


def hits(ctx: Context, kind: str) -> Iterator[Hit]:
    """One hit per problem of ``kind``, at the expression's ``expr`` key."""
    for site, an in analysed(ctx):
        for p in an.problems:
            if p.kind == kind:
                msg = f"{site.label}: {p.message}"
                if p.span and p.span != site.expr.strip() and len(p.span) < len(site.expr):
                    msg += f" In: `{p.span}`."
                yield Hit(site.doc, msg, p.fix, site.path, site.obj, p.severity)
