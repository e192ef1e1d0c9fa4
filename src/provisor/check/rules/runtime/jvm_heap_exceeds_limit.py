"""runtime/jvm-heap-exceeds-limit: a JVM whose heap cap plus non-heap memory exceeds the
container's memory limit."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.runtime._jvm import MIB, jvm_memory, mib, non_heap
from provisor.check.rules.runtime._limit import memory_limit
from provisor.check.rules.runtime._options import options
from provisor.check.rules.workload._basics import long_running_containers, where


@rule("runtime/jvm-heap-exceeds-limit", "error",
      "A JVM's maximum heap plus its non-heap memory does not fit in the container's memory "
      "limit: the kernel OOM-kills it (exit 137) with no OutOfMemoryError.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** A container whose JVM flags set the heap (`-Xmx`,
    `-XX:MaxHeapSize`, `-Xms`, `-XX:MaxRAMPercentage`, `-XX:MaxRAMFraction`, `-XX:MaxRAM`),
    found in `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `JAVA_OPTS`, `_JAVA_OPTIONS` (literal
    `env` values, with `$(VAR)` expansion; `valueFrom` is skipped) or in `command`/`args`
    (also inside `sh -c` scripts) of a container or init container, when the maximum heap
    plus the estimated non-heap memory exceeds the container's memory limit (after LimitRange defaulting; the pod-level limit
    when the container has none). Flags apply in HotSpot's order, the last one winning:
    `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `JAVA_OPTS`, the command line,
    `_JAVA_OPTIONS`. A JVM with no heap flag keeps the default `MaxRAMPercentage` of 25%,
    which is safe, and is not flagged; neither is a container with no memory limit
    (`workload/memory-limit-missing`). `-XX:-UseContainerSupport` is flagged whenever the
    heap is not set absolutely, because the heap is then sized from the node's memory.

    **The non-heap estimate** (the same components as the Cloud Foundry / Paketo Java
    memory calculator): reserved code cache 240Mi (`-XX:ReservedCodeCacheSize`), thread
    stacks `settings.jvm_threads` (250) x 1Mi (`-Xss`), metaspace
    `settings.jvm_metaspace_bytes` (100Mi; `-XX:MaxMetaspaceSize` when smaller) and direct
    buffers 10Mi (`-XX:MaxDirectMemorySize`): 600Mi with the defaults. GC data structures
    and native libraries come on top, so the estimate is a floor, not a ceiling. Set the
    settings to your measured numbers (`jcmd <pid> VM.native_memory summary`).

    **Why.** The heap cap is what the garbage collector aims to stay under, and it collects
    on heap pressure, not cgroup pressure. Metaspace, code cache, thread stacks, direct
    buffers and GC structures live outside the heap. When heap plus non-heap reaches the
    cgroup's memory limit the kernel OOM-kills the process (`OOMKilled`, exit code 137):
    no `java.lang.OutOfMemoryError`, no heap dump, nothing in the application's log.
    `MaxRAMPercentage` is a share of the *limit* (`UseContainerSupport`,
    `src/hotspot/os/linux/cgroupSubsystem_linux.cpp`), so 80% leaves 20% of a 2000Mi
    limit (400Mi) for everything else.

    **Fix.** Lower the heap to at most the limit minus the non-heap estimate (the message
    gives the `-Xmx` and the `MaxRAMPercentage` that fit), or raise the memory limit.
    """
    threads = int(getattr(ctx.settings, "jvm_threads", 250))
    metaspace = int(getattr(ctx.settings, "jvm_metaspace_bytes", 100 * MIB))
    for c in long_running_containers(ctx, init=True):
        opts = options(c.sent)
        mem = jvm_memory(opts)
        if mem is None or not mem.sets_heap and mem.container_support:
            continue
        lim = memory_limit(c)
        if lim is None:
            continue
        limit, limit_text = lim
        w = c.workload
        src = next((s for s in mem.sources if s in opts.env_paths), None)
        path = (*c.path, *opts.env_paths[src]) if src else (
            (*c.path, "args") if "args" in c.sent else (*c.path, "command")
            if "command" in c.sent else c.path)
        flags = " ".join(mem.flags)
        if not mem.container_support and mem.xmx is None:
            yield Hit(w.doc,
                      f"{describe(w)}: {where(c)} runs a JVM with -XX:-UseContainerSupport "
                      f"({', '.join(mem.sources)}: {flags}) and no -Xmx: its heap is sized "
                      f"from the node's memory, not from the memory limit {limit_text}, and "
                      f"can outgrow the limit (OOMKilled, exit 137)",
                      fix="remove -XX:-UseContainerSupport, or set -Xmx below the limit",
                      path=path)
            continue
        heap, how = mem.heap(limit)
        extra, parts = non_heap(mem, threads, metaspace)
        if heap + extra <= limit:
            continue
        room = limit - extra
        if room > 0:
            pct = room * 100 // limit
            fit = (f"set -Xmx{room // MIB}m or less (MaxRAMPercentage <= {pct}), or raise the "
                   f"memory limit to at least {mib(heap + extra)} plus a margin")
        else:
            fit = (f"the limit {limit_text} is below the non-heap estimate alone: raise it to "
                   f"at least {mib(heap + extra)} plus a margin")
        yield Hit(w.doc,
                  f"{describe(w)}: {where(c)} runs a JVM whose heap cap is {mib(heap)} "
                  f"({how}; {', '.join(mem.sources)}: {flags}); with the assumed non-heap "
                  f"estimate of {mib(extra)} ({parts}) it needs {mib(heap + extra)}, more "
                  f"than its memory limit {limit_text} ({mib(limit)}): the kernel OOM-kills "
                  f"it (exit 137) before the garbage collector sees a full heap, with no "
                  f"OutOfMemoryError in the log",
                  fix=fit, path=path)
