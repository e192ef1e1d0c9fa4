"""Evaluate Prometheus alerting rules over recorded series with the real rule engine.

Prometheus evaluates rules only at "now": a server started on backfilled blocks never
evaluates them over the past, and ``promtool tsdb create-blocks-from rules`` backfills
recording rules only (alerting rules in the file are ignored, and no ``ALERTS`` series is
written; docs "Backfilling from recording rules"). ``promtool test rules`` is the one tool
that runs Prometheus' own rule manager (``rules.Group.Eval``: the PromQL engine, the
pending -> firing state machine of ``for``, ``keep_firing_for``, staleness, templating of
labels and annotations) over series given with timestamps. So this module writes a
generated unit-test file (cmd/promtool/unittest.go, docs
"configuration/unit_testing_rules"):

* the series as ``input_series`` on a grid of the scrape interval, in expanding notation
  (``_`` for a missing scrape, ``stale`` one scrape after a series ends, as a real scrape
  marks it; ``vxN`` for runs of equal values);
* every rule group of the rule files as they are (recording groups first when given so);
* for every alert and every evaluation time on the grid, an ``alert_rule_test`` expecting no
  firing alert.

promtool then reports every (alert, time) where alerts were firing, with their labels and
annotations as the rule manager produced them; :func:`parse_failures` reads that report.
The result is exact Prometheus semantics (the same code a server runs), with time shifted so
the first sample is at ``0s``. ``verify=True`` runs promtool a second time with the parsed
alerts as the expectation, which passes only if the parse is exact.

Units: seconds (float) on the series' own clock (epoch seconds for the twin's series).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from provisor.promql.promtool import find_promtool
from provisor.series import Series, SeriesSet

__all__ = ["Firing", "EvalResult", "PromtoolEvalError", "evaluate_alerts", "parse_failures",
           "infer_scrape_interval", "alert_names_of"]

#: Seconds promtool may run on one evaluation.
DEFAULT_TIMEOUT_S = 600.0


class PromtoolEvalError(RuntimeError):
    """promtool is missing, timed out, or rejected the rules or the test file."""


@dataclass(frozen=True, slots=True)
class Firing:
    """One alert instance firing from ``start_s`` to ``end_s`` (the first and the last
    evaluation time at which it was firing; equal for one evaluation).

    Attributes:
        alert: the alert name.
        labels: its labels as the rule manager built them (``alertname`` left out),
            sorted pairs.
        start_s, end_s: seconds on the series' clock.
        annotations: the templated annotations at ``start_s``.
    """

    alert: str
    labels: tuple[tuple[str, str], ...]
    start_s: float
    end_s: float
    annotations: tuple[tuple[str, str], ...] = ()

    def label(self, name: str, default: str = "") -> str:
        for k, v in self.labels:
            if k == name:
                return v
        return default


@dataclass
class EvalResult:
    """What one evaluation produced: the firings (sorted by alert, labels, start), the
    evaluation grid (``start_s``, ``end_s``, ``eval_interval_s``) and the alert names
    evaluated."""

    firings: list[Firing]
    start_s: float
    end_s: float
    eval_interval_s: float
    alerts: list[str] = field(default_factory=list)


def alert_names_of(groups: Sequence[Mapping[str, Any]]) -> list[str]:
    """Alert names in rule groups, in order of first appearance, without duplicates."""
    out: list[str] = []
    for g in groups:
        for r in g.get("rules") or []:
            if isinstance(r, Mapping) and isinstance(r.get("alert"), str) and \
                    r["alert"] not in out:
                out.append(r["alert"])
    return out


def infer_scrape_interval(series: SeriesSet, default: float = 60.0) -> float:
    """The most common spacing of consecutive samples (seconds, rounded to the ms)."""
    counts: Counter[float] = Counter()
    for s in series:
        if len(s) > 1:
            d = np.round(np.diff(s.timestamps), 3)
            vals, n = np.unique(d, return_counts=True)
            for v, c in zip(vals.tolist(), n.tolist()):
                counts[v] += c
    if not counts:
        return default
    best = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    return float(best) if best > 0 else default


def _fmt_value(v: float) -> str:
    if math.isnan(v):
        return "_"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _runs(tokens: list[str]) -> str:
    """Expanding notation: ``_xN`` for N missing samples, ``vxN`` for N+1 equal values."""
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        j = i
        while j + 1 < n and tokens[j + 1] == tokens[i]:
            j += 1
        k = j - i + 1
        t = tokens[i]
        if k == 1:
            out.append(t)
        elif t == "_":
            out.append(f"_x{k}")
        elif t == "stale":
            out.extend(["stale"] * k)
        else:
            out.append(f"{t}x{k - 1}")
        i = j + 1
    return " ".join(out)


def _series_selector(s: Series) -> str:
    labels = s.labels
    name = labels.pop("__name__")
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _input_series(series: SeriesSet, start: float, steps: int, interval: float
                  ) -> list[dict[str, str]]:
    out = []
    for s in series:
        if not len(s):
            continue
        idx = np.rint((s.timestamps - start) / interval).astype(np.int64)
        keep = (idx >= 0) & (idx < steps)
        if not keep.any():
            continue
        idx, vals = idx[keep], s.values[keep]
        tokens = ["_"] * steps
        for i, v in zip(idx.tolist(), vals.tolist()):
            tokens[i] = _fmt_value(v)
        last = int(idx[-1])
        if last + 1 < steps:
            tokens[last + 1] = "stale"
        first = int(idx[0])
        body = tokens[first:last + 2] if last + 1 < steps else tokens[first:]
        values = (f"_x{first} " if first else "") + _runs(body)
        out.append({"series": _series_selector(s), "values": values})
    return out


def _dur(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


_ALERT_HEAD = re.compile(r"^\s*alertname: (.*), time: (\S+), $")
_LABELS = re.compile(r"^\s*Labels:\{(.*)\},?\s*$")
_ANNOTS = re.compile(r"^\s*Annotations:\{(.*)\},?\s*$")
_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def _unquote(v: str) -> str:
    """Go's strconv.Quote, reversed (the label values promtool prints with %q)."""
    import json

    try:
        return str(json.loads(f'"{v}"'))
    except ValueError:
        return v.encode().decode("unicode_escape")


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, _unquote(v)) for k, v in _PAIR.findall(text)))


def _seconds(text: str) -> float:
    total = 0.0
    for num, unit in _DURATION.findall(text):
        total += float(num) * _UNIT[unit]
    return total


def parse_failures(output: str) -> list[tuple[str, float, tuple[tuple[str, str], ...],
                                              tuple[tuple[str, str], ...]]]:
    """(alert, time in seconds from the test's start, labels, annotations) for every alert
    promtool reported as ``got`` in a failed ``alert_rule_test`` (cmd/promtool/unittest.go
    prints ``alertname: A, time: T,`` then ``exp:[...]`` and ``got:[ 0: Labels:{...}
    Annotations:{...} ...]``)."""
    out = []
    alert: str | None = None
    t = 0.0
    in_got = False
    labels: tuple[tuple[str, str], ...] | None = None
    for line in output.splitlines():
        m = _ALERT_HEAD.match(line)
        if m:
            alert, t, in_got, labels = m.group(1), _seconds(m.group(2)), False, None
            continue
        if alert is None:
            continue
        s = line.strip()
        if s.startswith("got:["):
            in_got = True
            continue
        if s.startswith("exp:["):
            in_got = False
            continue
        if not in_got:
            continue
        m = _LABELS.match(line)
        if m:
            labels = tuple(p for p in _pairs(m.group(1)) if p[0] != "alertname")
            continue
        m = _ANNOTS.match(line)
        if m and labels is not None:
            out.append((alert, t, labels, _pairs(m.group(1))))
            labels = None
    return out


def _run(exe: str, workdir: str, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([exe, "test", "rules", "tests.yaml"], cwd=workdir,
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C"})
    except subprocess.TimeoutExpired:
        raise PromtoolEvalError(f"promtool test rules did not finish within {timeout:g} s") \
            from None


def evaluate_alerts(groups: Sequence[Mapping[str, Any]], series: SeriesSet, *,
                    start: float | None = None, end: float | None = None,
                    eval_interval: float = 60.0, scrape_interval: float | None = None,
                    promtool: str = "promtool", timeout: float = DEFAULT_TIMEOUT_S,
                    verify: bool = False) -> EvalResult:
    """Run ``groups`` over ``series`` with ``promtool test rules`` and return when each
    alert fired.

    Args:
        groups: rule groups as in a rule file's ``groups:`` (recording and alerting rules).
        series: the input series.
        start, end: the evaluated span in seconds (defaults: the series' time range).
        eval_interval: seconds between rule evaluations (the group ``interval``).
        scrape_interval: the input grid (default: the series' most common spacing).
        promtool: binary name or path.
        timeout: seconds promtool may run.
        verify: run promtool again expecting exactly the parsed alerts (must pass).

    Returns:
        :class:`EvalResult` whose firings are merged into episodes per alert and label set.

    Raises:
        PromtoolEvalError: promtool is missing, rejected the input, timed out, or (with
            ``verify``) disagreed with the parsed result.
    """
    exe = find_promtool(promtool)
    if exe is None:
        raise PromtoolEvalError(f"promtool ({promtool}) is not installed: install Debian's "
                                "prometheus package")
    rng = series.time_range()
    if rng is None and (start is None or end is None):
        raise PromtoolEvalError("no series to evaluate")
    t0 = float(start if start is not None else rng[0])  # type: ignore[index]
    t1 = float(end if end is not None else rng[1])  # type: ignore[index]
    scrape = scrape_interval or infer_scrape_interval(series)
    steps = int(math.floor((t1 - t0) / scrape)) + 1
    n_eval = int(math.floor((t1 - t0) / eval_interval)) + 1
    names = alert_names_of(groups)
    times = [i * eval_interval for i in range(n_eval)]
    clean_groups = [dict(g) for g in groups]
    tests: dict[str, Any] = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": _dur(eval_interval),
        "tests": [{
            "interval": _dur(scrape),
            "input_series": _input_series(series, t0, steps, scrape),
            "alert_rule_test": [{"eval_time": _dur(t), "alertname": a, "exp_alerts": []}
                                for t in times for a in names],
        }],
    }
    with tempfile.TemporaryDirectory(prefix="provisor-alerts-") as tmp:
        with open(os.path.join(tmp, "rules.yaml"), "w", encoding="utf-8") as fh:
            yaml.safe_dump({"groups": clean_groups}, fh, sort_keys=False, width=10_000)
        with open(os.path.join(tmp, "tests.yaml"), "w", encoding="utf-8") as fh:
            yaml.safe_dump(tests, fh, sort_keys=False, width=10_000)
        proc = _run(exe, tmp, timeout)
        out = proc.stdout + "\n" + proc.stderr
        got = parse_failures(out) if proc.returncode else []
        if proc.returncode and not got:
            raise PromtoolEvalError("promtool test rules failed: " + _tail(out))
        if verify:
            _verify(exe, tmp, tests, got, timeout)
    return EvalResult(_episodes(got, t0, eval_interval), t0, t1, eval_interval, names)


def _verify(exe: str, tmp: str, tests: dict[str, Any], got: list[Any], timeout: float) -> None:
    exp: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for alert, t, labels, annots in got:
        exp.setdefault((alert, t), []).append({"exp_labels": dict(labels),
                                               "exp_annotations": dict(annots)})
    for entry in tests["tests"][0]["alert_rule_test"]:
        entry["exp_alerts"] = exp.get((entry["alertname"], _seconds(entry["eval_time"])), [])
    with open(os.path.join(tmp, "tests.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(tests, fh, sort_keys=False, width=10_000)
    proc = _run(exe, tmp, timeout)
    if proc.returncode != 0:
        raise PromtoolEvalError("verification run disagrees with the parsed alerts: "
                                + _tail(proc.stdout + proc.stderr))


def _tail(text: str, n: int = 1500) -> str:
    text = "\n".join(ln for ln in text.splitlines() if ln.strip())
    return text[-n:]


def _episodes(got: Iterable[tuple[str, float, tuple[tuple[str, str], ...],
                                  tuple[tuple[str, str], ...]]],
              t0: float, step: float) -> list[Firing]:
    by: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[float, Any]]] = {}
    for alert, t, labels, annots in got:
        by.setdefault((alert, labels), []).append((t, annots))
    out: list[Firing] = []
    for (alert, labels), pts in sorted(by.items()):
        pts.sort(key=lambda p: p[0])
        s, a = pts[0]
        prev = s
        for t, ann in pts[1:]:
            if t - prev > step * 1.5:
                out.append(Firing(alert, labels, t0 + s, t0 + prev, a))
                s, a = t, ann
            prev = t
        out.append(Firing(alert, labels, t0 + s, t0 + prev, a))
    return out
