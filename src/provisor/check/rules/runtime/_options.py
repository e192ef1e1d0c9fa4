"""What a container's process is told about memory: its command line and the option
variables a runtime reads, with Kubernetes ``$(VAR)`` expansion.

Only literal ``env`` values are used (``valueFrom`` and ``envFrom`` are unknown until run
time and are skipped). Kubernetes expands ``$(VAR)`` in ``command``, ``args`` and later
``env`` values from earlier literal variables, ``$$`` being a literal ``$``
(``third_party/forked/golang/expansion/expand.go``); a shell (``sh -c "..."``) expands
``$VAR`` / ``${VAR}`` in its script, which is approximated here from the same variables.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

_K8S_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_SH_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/usr/bin/env",
                     "ash", "/bin/ash", "dash", "/bin/dash"})


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion; unknown references stay as written."""
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)
    return _K8S_REF.sub(sub, text)


def _shell_expand(text: str, env: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return env.get(name, "")
    return _SH_REF.sub(sub, text)


@dataclass(slots=True)
class Options:
    """A container's literal environment and its command-line tokens.

    Attributes:
        env: name -> expanded literal value (``valueFrom`` entries left out).
        argv: ``command`` + ``args`` expanded; a shell's ``-c`` script split into words
            (with ``$VAR`` expanded) and appended.
        env_paths: name -> path of the env entry's ``value`` inside the container.
    """

    env: dict[str, str]
    argv: list[str]
    env_paths: dict[str, tuple[str | int, ...]]
    scripts: list[list[str]] = field(default_factory=list)

    def programs(self) -> list[str]:
        """Base names of the programs the container starts: the first word of
        ``command``/``args`` (past wrappers such as ``tini --``, ``dumb-init``, ``exec``,
        ``env VAR=x``), and the first word of every command of an ``sh -c`` script."""
        out: list[str] = []
        heads = [self.argv[: len(self.argv) - sum(len(s) for s in self.scripts)]]
        for words in self.scripts:
            cur: list[str] = []
            for w in words:
                if w in (";", "&&", "||", "|", "&"):
                    heads.append(cur)
                    cur = []
                else:
                    cur.append(w.rstrip(";"))
            heads.append(cur)
        for words in heads:
            prog = _first_program(words)
            if prog:
                out.append(prog)
        return out

    def words(self, name: str) -> list[str]:
        """The variable ``name`` split as the runtime splits it (whitespace; quotes kept
        together)."""
        v = self.env.get(name)
        if not v:
            return []
        try:
            return shlex.split(v)
        except ValueError:
            return v.split()


def options(container: dict[str, Any]) -> Options:
    """:class:`Options` of one container (a dict as written in the manifest)."""
    env: dict[str, str] = {}
    paths: dict[str, tuple[str | int, ...]] = {}
    items = container.get("env")
    for i, e in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            continue
        v = e.get("value")
        if e.get("valueFrom") is not None or v is None:
            env.pop(e["name"], None)
            continue
        env[e["name"]] = expand(str(v), env)
        paths[e["name"]] = ("env", i, "value")
    argv: list[str] = []
    for key in ("command", "args"):
        part = container.get(key)
        if isinstance(part, list):
            argv.extend(expand(str(x), env) for x in part if isinstance(x, (str, int, float)))
    script_words: list[str] = []
    scripts: list[list[str]] = []
    for i, tok in enumerate(argv):
        if tok in ("-c", "-lc", "-ec") and i > 0 and i + 1 < len(argv) and any(
                a.rsplit("/", 1)[-1] in {s.rsplit("/", 1)[-1] for s in _SHELLS}
                for a in argv[:i]):
            text = _shell_expand(argv[i + 1], env)
            try:
                lex = shlex.shlex(text, posix=True, punctuation_chars=";&|")
                lex.whitespace_split = True
                lex.commenters = "#"
                words = list(lex)
            except ValueError:
                words = text.split()
            scripts.append(words)
            script_words.extend(words)
    return Options(env=env, argv=argv + script_words, env_paths=paths, scripts=scripts)


_WRAPPERS = frozenset({"exec", "tini", "dumb-init", "env", "nice", "nohup", "time", "su-exec",
                       "gosu", "catatonit"})


def _first_program(words: list[str]) -> str:
    """The program a command line runs, past wrappers, their flags, ``--`` and ``VAR=x``."""
    for w in words:
        base = w.rsplit("/", 1)[-1]
        if not base or base in _WRAPPERS or base == "--" or w.startswith("-") or (
                "=" in w and not w.startswith("=")):
            continue
        return base
    return ""


def program(argv: list[str]) -> str:
    """The base name of the first word, ``""`` when none."""
    return argv[0].rsplit("/", 1)[-1] if argv else ""
