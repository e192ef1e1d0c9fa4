"""dashboard/datasource-templating: Prometheus panels bound to one datasource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.dashboard._model import Panel, dashboards, var_refs


def _binding(ds: Any) -> str:
    """"variable", "default", "mixed" or "fixed:<name>"."""
    if ds is None:
        return "default"
    if isinstance(ds, dict):
        uid = ds.get("uid")
        if uid == "-- Mixed --":
            return "mixed"
        if uid is None:
            return "default"
        ds = uid
    if isinstance(ds, str):
        if var_refs(ds):
            return "variable"
        return "default" if ds in ("", "default") else f"fixed:{ds}"
    return "default"


def _panel_binding(p: Panel) -> str:
    """How the panel's Prometheus targets pick their datasource (the worst of them)."""
    panel = _binding(p.obj.get("datasource"))
    worst = "variable"
    for t in p.targets():
        b = _binding(t.obj.get("datasource"))
        if b in ("default", "mixed") and panel != "mixed":
            b = panel
        if b.startswith("fixed:"):
            return b
        if b == "default":
            worst = "default"
    return worst


@rule("dashboard/datasource-templating", "warning",
      "Prometheus panels are bound to a fixed or default datasource, not a datasource "
      "variable.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A dashboard with Prometheus panels but no template variable of type
    `datasource` (one finding per dashboard), and, in a dashboard that has one, each panel
    whose Prometheus targets name a datasource directly (`"datasource": "Prometheus"`,
    `{"uid": "P1809F7CD0C75ACF3"}`) or name none (the default datasource) instead of the
    variable (`{"type": "prometheus", "uid": "${datasource}"}`).

    **Why.** A datasource name or uid is specific to one Grafana: imported elsewhere the
    panels show "Datasource ... was not found", and with several Prometheus servers (per
    cluster, per environment) the dashboard cannot be pointed at another one. A datasource
    variable (Grafana docs, variables: "Data source variable") makes the choice a drop-down;
    kube-prometheus and the monitoring mixins use one on every dashboard.

    **Fix.** Add `{"name": "datasource", "type": "datasource", "query": "prometheus"}` to
    `templating.list` and set each panel's (and target's) `datasource` to
    `{"type": "prometheus", "uid": "${datasource}"}`.
    """
    for d in dashboards(ctx):
        has_var = any(v.get("type") == "datasource" for v in d.variables().values())
        panels = [(p, _panel_binding(p)) for p in d.panels() if any(True for _ in p.targets())]
        if not panels:
            continue
        if not has_var:
            fixed = sorted({b[6:] for _, b in panels if b.startswith("fixed:")})
            bound = (f"datasource {', '.join(repr(x) for x in fixed)}" if fixed
                     else "the default datasource")
            inner = ("templating",) if "templating" in d.model else ()
            yield Hit(d.doc, f"dashboard {d.title!r}{d.where(inner)} has no datasource "
                             f"variable: its {len(panels)} Prometheus panel(s) are bound to "
                             f"{bound}",
                      fix='add a templating variable {"name": "datasource", "type": '
                          '"datasource", "query": "prometheus"} and use "${datasource}" as '
                          "every panel's datasource uid",
                      path=d.path(inner), obj=d.ref)
            continue
        for p, b in panels:
            if b == "variable":
                continue
            bound = f"datasource {b[6:]!r}" if b.startswith("fixed:") else \
                "the default datasource"
            yield Hit(d.doc, f"{p.label()}{d.where(p.path)} queries {bound} instead of the "
                             "dashboard's datasource variable",
                      fix='set the panel datasource to {"type": "prometheus", "uid": '
                          '"${datasource}"}',
                      path=d.path((*p.path, "datasource") if "datasource" in p.obj
                                  else p.path), obj=d.ref)
