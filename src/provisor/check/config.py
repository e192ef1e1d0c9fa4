"""``.provisor.yaml``: which rules run, at what severity, on which objects, with which
thresholds.

File format (every key optional)::

    check:
      profile: default                                 # minimal | default | strict
      enable: [workload/cpu-limit-missing]             # rules beyond the profile
      disable: [hpa/adapter-required, "promql/*"]     # rule ids or whole families
      severity: {pdb/unhealthy-eviction-policy: info}  # change a rule's severity
      exclude:                                         # skip objects (globs, all must match)
        - {rule: "workload/*", namespace: "kube-system"}
        - {kind: Deployment, name: "legacy-*"}
      settings:
        responsiveness_seconds: 300

Discovery: ``--config FILE``; otherwise ``.provisor.yaml`` in the current directory or the
nearest parent up to the repository root (a folder holding ``.git``).

One object can silence one rule with an annotation whose value gives the reason::

    metadata:
      annotations:
        ignore.provisor.dev/pdb.zero-disruptions: "singleton by design, drained manually"

An empty reason does not silence; it is reported as ``config/silence-without-reason``.

Errors: :class:`ConfigError` names the file, line and field.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from provisor.findings import SEVERITY_RANK, Finding, Severity


class ConfigError(ValueError):
    """A bad ``.provisor.yaml``: ``str(err)`` is ``file:line: field: problem``."""


@dataclass
class Settings:
    """Thresholds that no Kubernetes object carries. Units are in the names.

    Attributes:
        responsiveness_seconds: the longest acceptable delay between a load change and the
            HPA's scale-up decision (the spec's success metric: 5 minutes).
        hpa_sync_period_seconds: kube-controller-manager ``--horizontal-pod-autoscaler-sync-
            period`` (upstream default 15 s).
        metrics_window_seconds: the resource-metrics window the HPA reads (metrics-server's
            default ``--metric-resolution`` is 15 s; its CPU rate window is about 30 s).
        quota_buffer: the buffer a quota should keep over the configured maximum demand:
            ``quota/headroom`` warns when ``demand x (1 + quota_buffer) > hard``. The spec's
            Risk Mitigation: "resource quotas with buffer capacity (20% over expected
            usage)": 0.2, i.e. the demand may take up to 1/1.2 = 83.3% of hard.
        max_user_priority: the highest value a non-system PriorityClass may have
            (``HighestUserDefinablePriority`` = 1e9, pkg/apis/scheduling/types.go).
        min_replicas: the fewest replicas a long-running replicated workload (and an HPA's
            ``minReplicas``) should keep for availability (``workload/single-replica``,
            ``hpa/min-replicas-low``); 2 by default (one pod can be disrupted while the
            other serves), 3 for quorum-style services.
        jvm_threads / jvm_metaspace_bytes: the JVM non-heap estimate of
            ``runtime/jvm-heap-exceeds-limit`` when the flags do not say: thread count (each
            with its ``-Xss`` stack, 1 MiB by default; 100) and metaspace in bytes (100 MiB).
        node_non_heap_bytes: the Node.js memory outside the V8 old space (young generation,
            code, Buffers, native) that ``runtime/node-heap-exceeds-limit`` assumes.
        counters / gauges: metric names to treat as counters / gauges, beyond the naming
            conventions (cAdvisor, kube-state-metrics, Prometheus ``_total`` suffix).
        promtool: path or name of the promtool binary, "" to skip running it.
        promtool_timeout_seconds: the longest one ``promtool check rules`` run may take.
        nodes: the cluster's nodes when no Node objects are checked, one entry per node as
            its allocatable, e.g. ``"cpu=16,memory=64Gi,pods=110"``; repeat an entry for
            identical nodes.
        exporter_versions: the exporter versions the cluster runs, ``exporter=version``
            (``kube-state-metrics=2.13.0``, ``kubelet=1.30``; ``kubernetes=`` is the same as
            ``kubelet=``), for the removed metric and label names
            (:mod:`provisor.promql.exporters`); unset = unknown (removals assumed, reported
            as warnings).
        vpa_min_replicas: the VPA updater's ``--min-replicas`` (upstream default 2): it
            evicts only from controllers with at least that many live pods.
    """

    responsiveness_seconds: float = 300.0
    hpa_sync_period_seconds: float = 15.0
    metrics_window_seconds: float = 30.0
    quota_buffer: float = 0.2
    max_user_priority: int = 1_000_000_000
    min_replicas: int = 2
    jvm_threads: int = 100
    jvm_metaspace_bytes: int = 100 * 1024 * 1024
    node_non_heap_bytes: int = 128 * 1024 * 1024
    counters: list[str] = field(default_factory=list)
    gauges: list[str] = field(default_factory=list)
    promtool: str = "promtool"
    promtool_timeout_seconds: float = 60.0
    nodes: list[str] = field(default_factory=list)
    exporter_versions: list[str] = field(default_factory=list)
    vpa_min_replicas: int = 2


@dataclass
class Exclusion:
    """Skip findings whose rule and object match every glob given."""

    rule: str = "*"
    kind: str = "*"
    namespace: str = "*"
    name: str = "*"
    file: str = "*"

    def matches(self, f: Finding) -> bool:
        return (
            fnmatch.fnmatchcase(f.rule, self.rule)
            and fnmatch.fnmatchcase(f.object.kind, self.kind)
            and fnmatch.fnmatchcase(f.object.namespace, self.namespace)
            and fnmatch.fnmatchcase(f.object.name, self.name)
            and fnmatch.fnmatchcase(f.file, self.file)
        )


@dataclass
class Config:
    """The parsed ``check:`` section (defaults when there is no file)."""

    disable: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: list[Exclusion] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    source: str = ""
    profile: str = "default"
    enable: list[str] = field(default_factory=list)

    def enabled(self, rule_id: str) -> bool:
        return not any(fnmatch.fnmatchcase(rule_id, pat) for pat in self.disable)

    def runs(self, rule: Any) -> bool:
        """Whether a registered rule runs: in the profile (or named by ``enable``) and not
        disabled. ``rule`` is a :class:`provisor.check.registry.Rule`."""
        if not self.enabled(rule.id):
            return False
        return rule.in_profile(self.profile) or any(
            fnmatch.fnmatchcase(rule.id, pat) for pat in self.enable)

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)

    def excluded(self, f: Finding) -> bool:
        return any(e.matches(f) for e in self.exclude)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``.provisor.yaml`` from ``start`` (default: the current directory) up to
    the repository root, or None."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        p = d / ".provisor.yaml"
        if p.is_file():
            return p
        if (d / ".git").exists():
            return None
    return None


def _did_you_mean(given: str, known: set[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known rule id (difflib), or ""."""
    import difflib

    close = difflib.get_close_matches(given, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def load_config(path: str | Path | None, known_rules: set[str] | None = None) -> Config:
    """Parse a ``.provisor.yaml``; ``None`` gives the defaults.

    Raises:
        ConfigError: unreadable file, bad YAML, unknown key, wrong type, unknown rule id or
            severity; the message is ``file:line: field: problem``.
    """
    if path is None:
        return Config()
    from provisor.manifests import load

    docs = load([str(path)])
    for f in docs.findings:
        if f.severity == "error":
            raise ConfigError(f"{f.file}:{f.line}: {f.message}")
    if not docs:
        return Config(source=str(path))
    doc = docs[0]
    raw = doc.obj

    def err(p: tuple[str | int, ...], msg: str) -> ConfigError:
        dotted = ".".join(str(x) for x in p)
        return ConfigError(f"{path}:{doc.line_of(p)}: {dotted}: {msg}")

    if not isinstance(raw, dict):
        raise err((), "expected a mapping")
    for k in raw:
        if k != "check":
            raise err((k,), "unknown key (expected 'check')")
    sec = raw.get("check") or {}
    if not isinstance(sec, dict):
        raise err(("check",), "expected a mapping")
    cfg = Config(source=str(path))
    for k, v in sec.items():
        p = ("check", k)
        if k in ("disable", "enable"):
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise err(p, "expected a list of rule ids or family/* globs")
            for i, x in enumerate(v):
                if known_rules is not None and "*" not in x and x not in known_rules:
                    raise err((*p, i), f"unknown rule {x!r}{_did_you_mean(x, known_rules)}")
            setattr(cfg, k, list(v))
        elif k == "profile":
            from provisor.check.registry import PROFILES

            if v not in PROFILES:
                raise err(p, f"profile must be one of {', '.join(PROFILES)}, not {v!r}")
            cfg.profile = v
        elif k == "severity":
            if not isinstance(v, dict):
                raise err(p, "expected a mapping of rule id to severity")
            for rid, sev in v.items():
                if sev not in SEVERITY_RANK:
                    raise err((*p, rid), f"severity must be error, warning or info, not {sev!r}")
                if known_rules is not None and rid not in known_rules:
                    raise err((*p, rid), f"unknown rule {rid!r}{_did_you_mean(rid, known_rules)}")
            cfg.severity = dict(v)
        elif k == "exclude":
            if not isinstance(v, list):
                raise err(p, "expected a list of {rule, kind, namespace, name, file} globs")
            allowed = {f.name for f in fields(Exclusion)}
            for i, item in enumerate(v):
                if not isinstance(item, dict) or not item:
                    raise err((*p, i), "expected a non-empty mapping")
                for ek, ev in item.items():
                    if ek not in allowed:
                        raise err((*p, i, ek), f"unknown key (allowed: {', '.join(sorted(allowed))})")
                    if not isinstance(ev, str):
                        raise err((*p, i, ek), "expected a string (glob)")
                cfg.exclude.append(Exclusion(**item))
        elif k == "settings":
            cfg.settings = _settings(v, p, err)
        else:
            raise err(p, "unknown key (allowed: profile, enable, disable, severity, exclude, "
                        "settings)")
    return cfg


def _settings(v: Any, p: tuple[str | int, ...], err: Any) -> Settings:
    if not isinstance(v, dict):
        raise err(p, "expected a mapping")
    s = Settings()
    types = {f.name: f.type for f in fields(Settings)}
    for k, val in v.items():
        if k not in types:
            raise err((*p, k), f"unknown setting (known: {', '.join(sorted(types))})")
        cur = getattr(s, k)
        if isinstance(cur, bool) or isinstance(cur, str):
            ok = isinstance(val, type(cur))
        elif isinstance(cur, float):
            ok = isinstance(val, (int, float)) and not isinstance(val, bool)
            val = float(val) if ok else val
        elif isinstance(cur, int):
            ok = isinstance(val, int) and not isinstance(val, bool)
        elif isinstance(cur, list):
            ok = isinstance(val, list) and all(isinstance(x, str) for x in val)
        else:  # pragma: no cover - every Settings field is one of the above
            ok = False
        if not ok:
            raise err((*p, k), f"expected {type(cur).__name__}, got {val!r}")
        if isinstance(val, float) and val < 0:
            raise err((*p, k), "must be >= 0")
        if k == "exporter_versions":
            from provisor.promql.exporters import parse_exporter_versions

            for i, entry in enumerate(val):
                try:
                    parse_exporter_versions([entry])
                except ValueError as exc:
                    raise err((*p, k, i), str(exc)) from None
        setattr(s, k, val)
    return s
