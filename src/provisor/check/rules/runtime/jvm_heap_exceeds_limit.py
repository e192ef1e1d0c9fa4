"""runtime/jvm-heap-exceeds-limit: a JVM whose heap cap plus non-heap memory exceeds the
container's memory limit."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.limitrange._api import describe
from provisor.check.rules.runtime._jvm import GC_SHARE, MIB, jvm_memory, mib, non_heap
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
    plus the estimated non-heap memory exceeds the container's memory limit (after
    LimitRange defaulting; the pod-level limit when the container has none). Flags apply in HotSpot's order, the last one winning:
    `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `JAVA_OPTS`, the command line,
    `_JAVA_OPTIONS`. A JVM with no heap flag keeps the default `MaxRAMPercentage` of 25%,
    which is safe, and is not flagged; neither is a container with no memory limit
    (`workload/memory-limit-missing`). `-XX:-UseContainerSupport` is flagged whenever the
    heap is not set absolutely, because the heap is then sized from the node's memory.

    **The non-heap estimate** is what a typical service commits outside the heap, stated
    so that you can replace it with your measurement (`jcmd <pid> VM.native_memory
    summary`): code cache 64Mi (a service's JIT fills a fraction of the 240Mi
    `ReservedCodeCacheSize`; a smaller flag caps it), `settings.jvm_threads` (100) thread
    stacks x 1Mi (`-Xss`), metaspace `settings.jvm_metaspace_bytes` (100Mi;
    `-XX:MaxMetaspaceSize` when smaller), direct buffers 10Mi (`-XX:MaxDirectMemorySize`),
    and GC data structures plus other native memory at 10% of the heap: 274Mi + 10% of the
    heap with the defaults (the Cloud Foundry / Paketo Java memory calculator counts the
    full reservations instead, about 600Mi). The default `MaxRAMPercentage` of 25% and
    the common 75% fit from a 2Gi limit up; 75% of 1Gi does not.

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
    threads = int(getattr(ctx.settings, "jvm_threads", 100))
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
        fixed, extra, parts = non_heap(mem, heap, threads, metaspace)
        if heap + extra <= limit:
            continue
        room = int((limit - fixed) / (1 + GC_SHARE))  # the largest heap that fits
        safe = int((limit * 9 // 10 - fixed) / (1 + GC_SHARE))  # with 10% of the limit spare
        if room > 0:
            pct = room * 100 // limit
            fit = (f"set -Xmx{room // MIB}m or less (MaxRAMPercentage <= {pct}; "
                   + (f"{safe * 100 // limit} leaves 10% of the limit for native memory the "
                      f"estimate does not see" if safe > 0 else "no margin left") +
                   f"), or raise the memory limit to at least {mib(heap + extra)} plus a "
                   f"margin")
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
