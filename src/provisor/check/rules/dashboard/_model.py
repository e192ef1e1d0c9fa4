"""Grafana dashboards among the checked documents, their panels and Prometheus targets.

A dashboard comes as:

* a JSON document the loader classified as ``grafana-dashboard``: the bare model, or the
  HTTP API wrapper ``{"dashboard": {...}, "overwrite": ...}`` (``doc.wrapped``);
* a ConfigMap whose ``data`` holds the model as a JSON string, as the Grafana sidecar
  (``grafana_dashboard`` label) and kube-prometheus' ``grafana-dashboardDefinitions`` ship
  them: every ``data`` key ending in ``.json`` (or every key, when the ConfigMap carries the
  ``grafana_dashboard`` label) whose text parses as a dashboard model or wrapper.

Findings inside an embedded dashboard point at the ConfigMap's ``data`` key (the loader has
no positions inside a string); their message gives the line inside the embedded JSON.

Panels: top-level ``panels``, the ``panels`` of collapsed rows, and the legacy
``rows[].panels``. Targets: a panel's ``targets`` whose datasource is Prometheus (a
``prometheus`` datasource object, a datasource variable whose query is ``prometheus``, a
datasource name, or none: the default datasource) and that carry an ``expr``.

Grafana variables in a PromQL target (``$var``, ``${var}``, ``${var:format}``, ``[[var]]``)
are interpolated by Grafana before the query reaches Prometheus
(public/app/features/templating/template_srv.ts); :func:`interpolate` does the same with
placeholders so the PromQL parser can read the query: a duration inside ``[...]`` or after
``offset``, and elsewhere a label-name-like word (or ``1`` where the grammar needs a number).
Variables inside quoted label values are left alone; the analyses treat those values as
unknown.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from provisor.check.context import Context, Path, dig
from provisor.findings import ObjectRef

__all__ = ["Dashboard", "Panel", "Target", "dashboards", "interpolate", "BUILTIN_VARIABLES",
           "var_refs"]

#: Grafana's global variables (docs: variables/add-template-variables, "Global variables").
BUILTIN_VARIABLES = frozenset({
    "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range",
    "__range_s", "__range_ms", "__from", "__to", "__dashboard", "__user", "__org", "__name",
    "__timeFilter", "timeFilter", "__all", "__data", "__series", "__field", "__value",
    "__cell", "__auto", "interval",
})

_VAR = re.compile(r"\$(\w+)|\$\{(\w+)(?:\.[^:}]+)?(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]")


@dataclass(slots=True)
class Dashboard:
    """One dashboard model.

    Attributes:
        doc: the document holding it.
        model: the dashboard model (the inner one for the HTTP API wrapper).
        base: path from ``doc.obj`` to the model: ``()``, ``("dashboard",)``, or for an
            embedded one ``("data", key)`` (the string).
        wrapped: given as the HTTP API wrapper.
        key: the ConfigMap data key of an embedded dashboard, else None.
        text: the embedded JSON text, else None.
        ref: the object reference findings carry.
    """

    doc: Any
    model: dict[str, Any]
    base: Path
    wrapped: bool
    key: str | None = None
    text: str | None = None
    ref: ObjectRef | None = None
    _tree: Any = field(default=None, repr=False)

    @property
    def title(self) -> str:
        t = self.model.get("title")
        return t if isinstance(t, str) and t else (self.key or "untitled dashboard")

    def path(self, inner: Path) -> Path:
        """The finding path for ``inner`` (a path inside the model)."""
        return self.base if self.key is not None else (*self.base, *inner)

    def where(self, inner: Path) -> str:
        """`` (x.json line N)`` for an embedded dashboard, else ``""``."""
        if self.key is None or self.text is None:
            return ""
        from provisor.manifests.jsonpos import build_position_tree, line_in_tree

        if self._tree is None:
            try:
                self._tree = build_position_tree(self.text)
            except (ValueError, RecursionError):
                return f" ({self.key})"
        prefix: Path = ("dashboard",) if self.wrapped else ()
        return f" ({self.key} line {line_in_tree(self._tree, (*prefix, *inner), 1)})"

    def variables(self) -> dict[str, dict[str, Any]]:
        """Template variables by name."""
        out: dict[str, dict[str, Any]] = {}
        for v in dig(self.model, "templating", "list") or []:
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                out[v["name"]] = v
        return out

    def panels(self) -> Iterator["Panel"]:
        """Every panel (rows' nested panels and legacy ``rows[].panels`` included)."""
        stack: list[tuple[Path, Any]] = []
        items = self.model.get("panels")
        if isinstance(items, list):
            stack.extend((("panels", i), p) for i, p in reversed(list(enumerate(items))))
        while stack:
            path, p = stack.pop()
            if not isinstance(p, dict):
                continue
            yield Panel(self, path, p)
            nested = p.get("panels")
            if isinstance(nested, list):
                stack.extend(((*path, "panels", i), q)
                             for i, q in reversed(list(enumerate(nested))))
        rows = self.model.get("rows")
        if isinstance(rows, list):
            for ri, row in enumerate(rows):
                ps = row.get("panels") if isinstance(row, dict) else None
                if isinstance(ps, list):
                    for pi, p in enumerate(ps):
                        if isinstance(p, dict):
                            yield Panel(self, ("rows", ri, "panels", pi), p)


@dataclass(slots=True)
class Panel:
    """A panel and its path inside the dashboard model."""

    dashboard: Dashboard
    path: Path
    obj: dict[str, Any]

    @property
    def title(self) -> str:
        t = self.obj.get("title")
        return t if isinstance(t, str) and t else f"#{self.obj.get('id', '?')}"

    @property
    def type(self) -> str:
        return str(self.obj.get("type") or "")

    def label(self) -> str:
        return f"dashboard {self.dashboard.title!r} panel {self.title!r}"

    def targets(self) -> Iterator["Target"]:
        """The panel's Prometheus targets that have an ``expr``."""
        ts = self.obj.get("targets")
        if not isinstance(ts, list):
            return
        variables = self.dashboard.variables()
        for i, t in enumerate(ts):
            if not isinstance(t, dict):
                continue
            expr = t.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                continue
            ds = t.get("datasource")
            if ds is None or (isinstance(ds, dict) and not ds.get("uid") and not ds.get("type")):
                ds = self.obj.get("datasource")
            if _is_prometheus(ds, variables):
                yield Target(self, (*self.path, "targets", i), t, expr)


@dataclass(slots=True)
class Target:
    """A Prometheus query of a panel."""

    panel: Panel
    path: Path
    obj: dict[str, Any]
    expr: str

    @property
    def ref_id(self) -> str:
        return str(self.obj.get("refId") or self.path[-1])

    def label(self) -> str:
        return f"{self.panel.label()} target {self.ref_id}"


def _is_prometheus(ds: Any, variables: dict[str, dict[str, Any]]) -> bool:
    if ds is None:
        return True  # the default datasource
    if isinstance(ds, dict):
        t = ds.get("type")
        uid = ds.get("uid")
        if t == "datasource" and uid in ("-- Mixed --", "-- Dashboard --", "-- Grafana --"):
            return uid == "-- Mixed --"
        if t is not None and t != "prometheus":
            return False
        ds = uid if t is None else None
        if ds is None:
            return True
    if isinstance(ds, str):
        refs = var_refs(ds)
        if refs:
            v = variables.get(refs[0])
            q = v.get("query") if isinstance(v, dict) else None
            return q in (None, "", "prometheus")
        return ds not in ("-- Grafana --", "-- Dashboard --")
    return True


def var_refs(text: str) -> list[str]:
    """The Grafana variable names referenced in ``text`` (``$x``, ``${x}``, ``[[x]]``), in
    order, numeric ones (regex groups like ``$1``) left out."""
    out = []
    for m in _VAR.finditer(text):
        name = m.group(1) or m.group(2) or m.group(3)
        if name and not name.isdigit():
            out.append(name)
    return out


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def interpolate(expr: str) -> tuple[str, bool]:
    """Replace Grafana variables outside string literals with placeholders the PromQL parser
    accepts; returns (text, whether anything was replaced).

    Inside ``[...]`` and after ``offset`` a variable becomes ``5m``; elsewhere the name itself
    (a valid label or metric name); when that does not parse, ``1``."""
    if "$" not in expr and "[[" not in expr:
        return expr, False
    from provisor.promql.ast import try_parse

    word = _replace_outside_strings(expr, numeric=False)
    if word == expr:
        return expr, False
    if try_parse(word)[0] is not None:
        return word, True
    num = _replace_outside_strings(expr, numeric=True)
    if try_parse(num)[0] is not None:
        return num, True
    return word, True


def _replace_outside_strings(expr: str, numeric: bool) -> str:
    out: list[str] = []
    pos = 0
    for m in _STRING.finditer(expr):
        out.append(_replace_code(expr[pos:m.start()], numeric, "".join(out)))
        out.append(m.group(0))
        pos = m.end()
    out.append(_replace_code(expr[pos:], numeric, "".join(out)))
    return "".join(out)


def _replace_code(code: str, numeric: bool, before: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3) or ""
        if name.isdigit():
            return m.group(0)
        prefix = before + code[: m.start()]
        opened = prefix.rfind("[")
        in_range = opened > prefix.rfind("]")
        if in_range or re.search(r"offset\s*$", prefix):
            return "5m"
        return "1" if numeric else (name if not name[0].isdigit() else f"v{name}")

    return _VAR.sub(sub, code)


# -- discovery ---------------------------------------------------------------------------
_CACHE: dict[int, tuple[weakref.ref[Context], list[Dashboard]]] = {}


def dashboards(ctx: Context) -> list[Dashboard]:
    """Every dashboard among ``ctx.documents`` (computed once per context)."""
    hit = _CACHE.get(id(ctx))
    if hit is not None and hit[0]() is ctx:
        return hit[1]
    out: list[Dashboard] = []
    for d in ctx.documents:
        if d.type == "grafana-dashboard" and isinstance(d.obj, dict):
            wrapped = bool(getattr(d, "wrapped", False))
            model = d.obj.get("dashboard") if wrapped else d.obj
            if isinstance(model, dict):
                title = model.get("title")
                out.append(Dashboard(d, model, ("dashboard",) if wrapped else (), wrapped,
                                     ref=ObjectRef(kind="GrafanaDashboard",
                                                   name=str(title or model.get("uid") or ""))))
        elif d.type == "kubernetes" and d.obj.get("kind") == "ConfigMap":
            out.extend(_embedded(d))
    for key in [i for i, (ref, _v) in _CACHE.items() if ref() is None]:
        del _CACHE[key]  # contexts that are gone
    _CACHE[id(ctx)] = (weakref.ref(ctx), out)
    return out


def _embedded(d: Any) -> Iterator[Dashboard]:
    data = d.obj.get("data")
    if not isinstance(data, dict):
        return
    labels = dig(d.obj, "metadata", "labels")
    sidecar = isinstance(labels, dict) and "grafana_dashboard" in labels
    for key, text in data.items():
        if not isinstance(text, str) or not (sidecar or str(key).endswith(".json")):
            continue
        s = text.lstrip()
        if not s.startswith("{"):
            continue
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        from provisor.manifests import classify

        kind, meta = classify(obj)
        if kind != "grafana-dashboard":
            continue
        wrapped = bool(meta.get("wrapped"))
        model = obj["dashboard"] if wrapped else obj
        yield Dashboard(d, model, ("data", str(key)), wrapped, key=str(key), text=text)
