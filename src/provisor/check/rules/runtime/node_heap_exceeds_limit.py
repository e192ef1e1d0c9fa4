"""runtime/node-heap-exceeds-limit: a Node.js process whose V8 heap limit is not bounded
below the container's memory limit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.runtime._jvm import MIB, mib
from provisor.check.rules.runtime._limit import memory_limit
from provisor.check.rules.runtime._options import options
from provisor.check.rules.workload._basics import long_running_containers, where

_FLAG = re.compile(r"^--max[-_]old[-_]space[-_]size=([0-9]+)$")
_NODE_PROGRAMS = frozenset({"node", "nodejs", "npm", "npx", "yarn", "pnpm"})
#: The least heap limit V8 gives itself when Node.js sizes it from a small memory limit
#: (measured: 262 MiB under a 256 MiB cgroup limit, nodejs/node#64646).
MIN_DEFAULT_HEAP = 256 * MIB


def default_heap(limit: int) -> int:
    """The V8 heap limit Node.js (12 and later) picks without ``--max-old-space-size``:
    half the memory it sees, which is the cgroup limit (nodejs/node#25576 sizes the heap
    from the available memory; half of a 1 GiB container is measured in nodejs/node#35573,
    259 MiB of a 512 MiB one in OpenVidu/openvidu-meet#89), and not below
    :data:`MIN_DEFAULT_HEAP`."""
    return max(limit // 2, MIN_DEFAULT_HEAP)


def _node_flag(words: list[str]) -> int | None:
    size = None
    for w in words:
        m = _FLAG.match(w)
        if m:
            size = int(m.group(1)) * MIB
    return size


@rule("runtime/node-heap-exceeds-limit", "warning",
      "A Node.js process's V8 heap limit (--max-old-space-size, or its default) plus its "
      "other memory does not fit in the container's memory limit: OOMKilled, no "
      "JavaScript heap error.",
      profile="default")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container that runs Node.js (`command`/`args` start with `node`,
    `npm`, `npx`, `yarn` or `pnpm`, also behind `tini`/`dumb-init`/`exec`/`env`, or a
    command of an `sh -c` script does; or it sets `NODE_OPTIONS`), as a container or an
    init container, whose V8 old-space limit plus the assumed non-heap memory exceeds the
    container's memory limit (after LimitRange defaulting). The limit is
    `--max-old-space-size=<MiB>` from `NODE_OPTIONS` (literal `env` values) or the command
    line; the command line wins over `NODE_OPTIONS` (Node.js documents that options on the
    command line take precedence), and the last of several wins. Without the flag,
    Node.js 12 and later size the heap from the memory they see (nodejs/node#25576),
    measured at about half the cgroup limit (nodejs/node#35573) and not below about 256 MiB
    (262 MiB under a 256 MiB limit, nodejs/node#64646): so a container without the flag is
    flagged only when its limit is that small (below 384 MiB with the default estimate).
    Where Node.js cannot read the cgroup limit it sizes the heap from the host's memory
    and nothing bounds it; that cannot be seen in a manifest. The non-heap estimate is
    `settings.node_non_heap_bytes` (128Mi: young generation semi-spaces, code space,
    Buffers and native memory outside the V8 heap).

    **Why.** V8 collects garbage against its own heap limit. If that limit is above what
    the cgroup allows, the process grows past the container's memory limit before V8 ever
    runs a full collection under pressure, and the kernel OOM-kills it (`OOMKilled`, exit
    137) instead of Node.js printing "JavaScript heap out of memory": the application's
    log shows nothing.

    Profiles: on in `default` and `strict` (without the flag, whether the default is bounded
    depends on the Node.js version, which the manifest does not say).

    **Fix.** Set `NODE_OPTIONS=--max-old-space-size=<MiB>` to about 75% of the memory
    limit (the message gives the largest value that fits), or raise the limit.
    """
    extra = int(getattr(ctx.settings, "node_non_heap_bytes", 128 * MIB))
    for c in long_running_containers(ctx, init=True):
        opts = options(c.sent)
        node_opts = opts.words("NODE_OPTIONS")
        runs_node = "NODE_OPTIONS" in opts.env or any(
            p in _NODE_PROGRAMS for p in opts.programs())
        if not runs_node:
            continue
        lim = memory_limit(c)
        if lim is None:
            continue
        limit, limit_text = lim
        explicit = _node_flag(node_opts)
        on_cmd = _node_flag(opts.argv)
        heap = on_cmd if on_cmd is not None else explicit
        w = c.workload
        path = (*c.path, *opts.env_paths["NODE_OPTIONS"]) if (
            "NODE_OPTIONS" in opts.env_paths and on_cmd is None) else c.path
        room = (limit - extra) // MIB
        if heap is not None:
            if heap + extra <= limit:
                continue
            src = "the command line" if on_cmd is not None else "NODE_OPTIONS"
            what = f"--max-old-space-size={heap // MIB} ({src})"
        else:
            heap = default_heap(limit)
            if heap + extra <= limit:
                continue
            what = ("no --max-old-space-size: Node.js sizes the V8 heap at half the memory "
                    f"limit but not below {mib(MIN_DEFAULT_HEAP)}")
        fit = (f"set NODE_OPTIONS=--max-old-space-size={max(room, 0)} or less (the limit minus "
               f"the {mib(extra)} non-heap estimate), or raise the memory limit" if room > 0 else
               f"raise the memory limit above {mib(extra)} plus the heap")
        yield Hit(w.doc,
                  f"{describe(w)}: {where(c)} runs Node.js with {what}; the V8 heap limit "
                  f"{mib(heap)} plus the assumed {mib(extra)} outside it exceeds the memory "
                  f"limit {limit_text} ({mib(limit)}): it is OOM-killed (exit 137) before V8 "
                  f"reports a heap error",
                  fix=fit, path=path)
