"""Run the real ``promtool check rules`` (Debian package ``prometheus``) on rule groups.

``check_rule_groups(groups, promtool="promtool", timeout=30.0) -> PromtoolResult``

The groups (dicts as in a rule file's ``groups:``) are written to a temporary file in a
private temporary directory, one rule per line in JSON flow style (JSON is YAML), so every
line of the file belongs to exactly one group or rule; promtool's ``line:col:`` positions and
its ``group "g", rule N`` references are mapped back to (group index, rule index). The file is
removed afterwards. Linting (``--lint``) is off: only failures are reported.

promtool's output (cmd/promtool/main.go ``checkRules``, model/rulefmt/rulefmt.go): ``FAILED:``
then one line per error: ``FILE: L:C: group "g", rule N, "name": message`` for rule errors
(sometimes ``L:C: L:C:``), ``FILE: L:C: groupname: "g" is repeated in the same file``, or
``FILE: yaml: ...`` followed by ``  line L: ...`` lines for YAML decoding errors.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PromtoolProblem", "PromtoolResult", "check_rule_groups", "find_promtool",
           "INSTALL_HINT"]

INSTALL_HINT = ("install Debian's prometheus package (`apt-get install prometheus`, which "
                "ships promtool), or set `settings.promtool` in .provisor.yaml to its path")


@dataclass(frozen=True, slots=True)
class PromtoolProblem:
    """One promtool error.

    Attributes:
        message: promtool's text for it (file name and positions removed).
        group: index of the group in the given list, None when not known.
        rule: index of the rule in that group, None when the error is about the group or the
            file.
    """

    message: str
    group: int | None = None
    rule: int | None = None


@dataclass(slots=True)
class PromtoolResult:
    """What running promtool gave.

    Attributes:
        available: promtool was found and ran to its end.
        ok: it reported success (exit code 0).
        problems: the errors, mapped to groups and rules.
        message: why it did not give an answer, else "".
        status: which case it was, so a caller can say so: ``"ok"`` (the rules pass),
            ``"rejected"`` (promtool ran and reported errors), ``"missing"`` (not installed:
            no such binary on PATH or at the path given), ``"timeout"`` (killed after
            ``timeout`` seconds), ``"failed"`` (installed but could not be run, crashed or was
            killed by a signal, or exited non-zero without saying why).
    """

    available: bool
    ok: bool = False
    problems: list[PromtoolProblem] = field(default_factory=list)
    message: str = ""
    status: str = "ok"


def find_promtool(promtool: str = "promtool") -> str | None:
    """The path of the promtool binary (a name is looked up on PATH), or None."""
    if not promtool:
        return None
    if os.sep in promtool:
        return promtool if os.path.isfile(promtool) and os.access(promtool, os.X_OK) else None
    return shutil.which(promtool)


#: Group keys promtool 2.x accepts (model/rulefmt/rulefmt.go ``RuleGroup``); newer or
#: Thanos-only keys are left out so an older promtool does not reject valid input.
_GROUP_KEYS = ("name", "interval", "limit")
_RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")


def _write(groups: list[dict[str, Any]]) -> tuple[str, dict[int, tuple[int, int | None]]]:
    """The file text and a map line -> (group index, rule index or None)."""
    lines = ["groups:"]
    where: dict[int, tuple[int, int | None]] = {}
    for gi, g in enumerate(groups):
        first = True
        for key in _GROUP_KEYS:
            if key in g:
                lines.append(("- " if first else "  ") + f"{key}: "
                             + json.dumps(g[key], ensure_ascii=False))
                where[len(lines)] = (gi, None)
                first = False
        if first:
            lines.append("- name: null")
            where[len(lines)] = (gi, None)
        rules = g.get("rules")
        if isinstance(rules, list):
            lines.append("  rules:")
            where[len(lines)] = (gi, None)
            for ri, r in enumerate(rules):
                item = ({k: r[k] for k in _RULE_KEYS if k in r} | {
                    k: v for k, v in r.items() if k not in _RULE_KEYS}
                    if isinstance(r, dict) else r)
                lines.append("  - " + json.dumps(item, ensure_ascii=False, default=str))
                where[len(lines)] = (gi, ri)
        else:
            lines.append("  rules: " + json.dumps(rules, ensure_ascii=False, default=str))
            where[len(lines)] = (gi, None)
    return "\n".join(lines) + "\n", where


_RULE_REF = re.compile(r'group "((?:[^"\\]|\\.)*)", rule (\d+), (?:"(?:[^"\\]|\\.)*": )?')
_DURATION = re.compile(r'not a valid duration string: "((?:[^"\\]|\\.)*)"')
_POS = re.compile(r"^(\d+):(\d+): ")
_YAML_LINE = re.compile(r"^\s*line (\d+): (.*)$")


def check_rule_groups(groups: list[dict[str, Any]], promtool: str = "promtool",
                      timeout: float = 30.0) -> PromtoolResult:
    """Run ``promtool check rules`` on ``groups``.

    Args:
        groups: rule groups (``{"name": ..., "rules": [...]}``).
        promtool: the binary's name (looked up on PATH) or path.
        timeout: seconds before promtool is killed.

    Returns:
        A :class:`PromtoolResult`; never raises for a missing binary, a timeout or a crash
        (``available=False`` with ``status`` "missing", "timeout" or "failed" and a
        ``message`` that says which).
    """
    exe = find_promtool(promtool)
    if exe is None:
        return PromtoolResult(available=False, status="missing",
                              message=f"promtool ({promtool or 'disabled'}) is not installed")
    text, where = _write(groups)
    with tempfile.TemporaryDirectory(prefix="provisor-promtool-") as tmp:
        path = os.path.join(tmp, "rules.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            proc = subprocess.run([exe, "check", "rules", "--lint=none", path],
                                  capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "LC_ALL": "C"})
        except subprocess.TimeoutExpired:
            return PromtoolResult(available=False, status="timeout",
                                  message=f"promtool ({exe}) is installed but timed out: it did "
                                          f"not finish within {timeout:g} s and was killed")
        except OSError as exc:
            return PromtoolResult(available=False, status="failed",
                                  message=f"promtool ({exe}) is installed but failed to start: "
                                          f"{exc.strerror or exc}")
    out = proc.stdout + "\n" + proc.stderr
    if proc.returncode < 0:
        return PromtoolResult(available=False, status="failed",
                              message=f"promtool ({exe}) is installed but failed: killed by "
                                      f"signal {-proc.returncode}")
    problems = _parse(out, path, groups, where)
    if proc.returncode != 0 and not problems:
        detail = _clean(out, path)
        if not detail or "FAILED" not in out:
            return PromtoolResult(available=False, status="failed",
                                  message=f"promtool ({exe}) is installed but failed: exit code "
                                          f"{proc.returncode}" + (f": {detail}" if detail else ""))
        problems.append(PromtoolProblem(detail))
    return PromtoolResult(available=True, ok=proc.returncode == 0, problems=problems,
                          status="ok" if proc.returncode == 0 else "rejected")


def _parse(out: str, path: str, groups: list[dict[str, Any]],
           where: dict[int, tuple[int, int | None]]) -> list[PromtoolProblem]:
    problems: list[PromtoolProblem] = []
    prefix = path + ": "
    lines = out.splitlines()
    i = 0
    gi: int | None
    ri: int | None
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith(prefix):
            continue
        rest = line[len(prefix):]
        if rest.startswith("yaml:"):
            head = rest
            found = False
            while i < len(lines) and _YAML_LINE.match(lines[i]):
                m = _YAML_LINE.match(lines[i])
                assert m is not None
                gi, ri = where.get(int(m.group(1)), (None, None))
                problems.append(PromtoolProblem(m.group(2), gi, ri))
                found = True
                i += 1
            if not found:
                problems.append(PromtoolProblem(head))
            continue
        gi = None
        ri = None
        m = _POS.match(rest)
        while m:
            ln = int(m.group(1))
            if ln in where and gi is None:
                gi, ri = where[ln]
            rest = rest[m.end():]
            m = _POS.match(rest)
        ref = _RULE_REF.search(rest)
        if ref:
            name = json.loads('"' + ref.group(1) + '"')
            idx = int(ref.group(2)) - 1
            if gi is None:
                gi = next((k for k, g in enumerate(groups) if g.get("name") == name), None)
            ri = idx
            rest = rest[: ref.start()] + rest[ref.end():]
        if gi is None:
            gi, ri = _locate_duration(rest, groups)
        problems.append(PromtoolProblem(rest.strip(), gi, ri))
    return problems


def _locate_duration(message: str, groups: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """Duration errors carry no position: find the group ``interval`` or the rule ``for`` /
    ``keep_firing_for`` holding the bad value."""
    m = _DURATION.search(message)
    if not m:
        return None, None
    bad = m.group(1)
    for gi, g in enumerate(groups):
        if str(g.get("interval")) == bad:
            return gi, None
        for ri, r in enumerate(g.get("rules") or []):
            if isinstance(r, dict) and bad in (str(r.get("for")), str(r.get("keep_firing_for"))):
                return gi, ri
    return None, None


def _clean(out: str, path: str) -> str:
    keep = [ln.replace(path, "rules") for ln in out.splitlines()
            if ln.strip() and not ln.startswith("Checking ") and ln.strip() != "FAILED:"]
    return " ".join(keep)[:500]
