"""The JVM's heap cap and non-heap estimate from its flags (HotSpot, JDK 10+ / 8u191+).

HotSpot reads options in this order, a later value of a flag replacing an earlier one
(``src/hotspot/share/runtime/arguments.cpp``, ``Arguments::parse``): ``JAVA_TOOL_OPTIONS``,
then the command line (which the ``java`` launcher of JDK 9+ prefixes with
``JDK_JAVA_OPTIONS``), then ``_JAVA_OPTIONS``. ``JAVA_OPTS`` is read by start scripts
(Tomcat, Spring Boot's launcher, most images), which put it on the command line; it is
taken to come before the container's own arguments.

The maximum heap (``Arguments::set_heap_size``): ``-Xmx`` / ``-XX:MaxHeapSize`` when given;
else ``MaxRAMPercentage`` (default 25) of the "physical" memory, which is the container's
memory limit (``UseContainerSupport``, on by default) or ``-XX:MaxRAM`` when given;
``-XX:MaxRAMFraction=n`` (deprecated) means 100/n percent. An ``-Xms`` larger than the
ergonomic maximum raises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from provisor.check.rules.runtime._options import Options

#: Variables a JVM or its start script reads, in the order HotSpot applies them
#: (``_JAVA_OPTIONS`` last, so it wins).
JAVA_VARS_BEFORE = ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS")
JAVA_VARS_AFTER = ("_JAVA_OPTIONS",)

MIB = 1 << 20
#: Code cache a service's JIT typically fills (``ReservedCodeCacheSize`` reserves 240 MiB
#: with tiered compilation, but a service uses a fraction; a smaller reservation caps it).
CODE_CACHE = 64 * MIB
#: GC data structures (G1 remembered sets, card table, marking bitmaps) and other native
#: allocations, as a share of the heap.
GC_SHARE = Fraction(1, 10)
#: ``-Xss`` on 64-bit Linux.
STACK = 1 * MIB
#: ``MaxDirectMemorySize`` assumed when unset (direct buffers in use by a typical service).
DIRECT = 10 * MIB

_SIZE = re.compile(r"^([0-9]+)([kKmMgGtT]?)$")
_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def jvm_size(text: str) -> int | None:
    """HotSpot's size syntax (``2g``, ``512M``, ``1024k``, plain bytes) in bytes."""
    m = _SIZE.match(text.strip())
    if not m:
        return None
    return int(m.group(1)) * _MULT[m.group(2).lower()]


@dataclass(slots=True)
class JvmMemory:
    """What the flags say about memory.

    Attributes:
        flags: the memory flags found, in effect order, as written (for the message).
        xmx, xms, max_ram: bytes, when given (the last one wins).
        percent: ``MaxRAMPercentage`` when given; fraction: ``MaxRAMFraction`` when given
            (it counts only when ``MaxRAMPercentage`` is not given, whatever the order:
            ``Arguments::set_heap_size`` converts it only then).
        container_support: False with ``-XX:-UseContainerSupport``.
        code_cache, stack, metaspace, direct: bytes when given.
        sources: where the flags were found (``JAVA_TOOL_OPTIONS``, ``args``...).
    """

    flags: list[str] = field(default_factory=list)
    xmx: int | None = None
    xms: int | None = None
    max_ram: int | None = None
    percent: Fraction | None = None
    fraction: int | None = None
    container_support: bool = True
    code_cache: int | None = None
    stack: int | None = None
    metaspace: int | None = None
    direct: int | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def sets_heap(self) -> bool:
        return self.xmx is not None or self.xms is not None or self.percent is not None \
            or self.fraction is not None or self.max_ram is not None

    @property
    def ram_percent(self) -> Fraction | None:
        """The effective ``MaxRAMPercentage`` when one was given (directly or as a
        fraction)."""
        if self.percent is not None:
            return self.percent
        return Fraction(100, self.fraction) if self.fraction else None

    def heap(self, limit: int) -> tuple[int, str]:
        """(maximum heap in bytes, how it follows) for a container memory limit in bytes."""
        if self.xmx is not None:
            cap, how = self.xmx, "-Xmx" if any(f.startswith("-Xmx") for f in self.flags) \
                else "-XX:MaxHeapSize"
        else:
            given = self.ram_percent
            pct = given if given is not None else Fraction(25)
            ram = self.max_ram if self.max_ram is not None else limit
            cap = int(ram * pct / 100)
            what = "-XX:MaxRAM" if self.max_ram is not None else "the memory limit"
            how = (f"MaxRAMPercentage {_pct(pct)}"
                   f"{' (default)' if given is None else ''} of {what}")
        if self.xms is not None and self.xms > cap:
            cap, how = self.xms, f"-Xms (above {how})"
        return cap, how


def _pct(p: Fraction) -> str:
    return f"{float(p):g}%"


def parse_flags(words: list[str], source: str, into: JvmMemory) -> None:
    """Apply the memory flags among ``words`` (in order) to ``into``."""
    found = False
    for w in words:
        v: int | None
        if w.startswith("-Xmx"):
            v = jvm_size(w[4:])
            if v is not None:
                into.xmx = v
        elif w.startswith("-XX:MaxHeapSize="):
            v = jvm_size(w.split("=", 1)[1])
            if v is not None:
                into.xmx = v
        elif w.startswith("-Xms"):
            v = jvm_size(w[4:])
            if v is not None:
                into.xms = v
        elif w.startswith("-XX:InitialHeapSize="):
            v = jvm_size(w.split("=", 1)[1])
            if v is not None:
                into.xms = v
        elif w.startswith("-XX:MaxRAMPercentage="):
            try:
                into.percent = Fraction(w.split("=", 1)[1])
            except (ValueError, ZeroDivisionError):
                continue
        elif w.startswith("-XX:MaxRAMFraction="):
            try:
                n = int(w.split("=", 1)[1])
            except ValueError:
                continue
            if n > 0:
                into.fraction = n
        elif w.startswith("-XX:MaxRAM="):
            v = jvm_size(w.split("=", 1)[1])
            if v is not None:
                into.max_ram = v
        elif w in ("-XX:-UseContainerSupport", "-XX:+UseContainerSupport"):
            into.container_support = w.startswith("-XX:+")
        elif w.startswith("-XX:ReservedCodeCacheSize="):
            into.code_cache = jvm_size(w.split("=", 1)[1]) or into.code_cache
        elif w.startswith("-Xss"):
            into.stack = jvm_size(w[4:]) or into.stack
        elif w.startswith("-XX:ThreadStackSize="):
            v = jvm_size(w.split("=", 1)[1])
            into.stack = v * 1024 if v is not None else into.stack  # in KiB
        elif w.startswith("-XX:MaxMetaspaceSize="):
            into.metaspace = jvm_size(w.split("=", 1)[1]) or into.metaspace
        elif w.startswith("-XX:MaxDirectMemorySize="):
            into.direct = jvm_size(w.split("=", 1)[1]) or into.direct
        else:
            continue
        into.flags.append(w)
        found = True
    if found and source not in into.sources:
        into.sources.append(source)


def jvm_memory(opts: Options) -> JvmMemory | None:
    """The memory flags of the JVM in a container, or None when nothing says it is one
    (no JVM flag in the option variables or on the command line)."""
    mem = JvmMemory()
    for name in JAVA_VARS_BEFORE:
        parse_flags(opts.words(name), name, mem)
    parse_flags(opts.argv, "command/args", mem)
    for name in JAVA_VARS_AFTER:
        parse_flags(opts.words(name), name, mem)
    return mem if mem.flags else None


def non_heap(mem: JvmMemory, heap: int, threads: int, metaspace: int) -> tuple[int, int, str]:
    """(fixed bytes, total bytes, breakdown) of the non-heap estimate for a heap of ``heap``
    bytes: code cache + threads x stack + metaspace + direct buffers (the fixed part, each
    from its flag when given: ``ReservedCodeCacheSize`` and ``MaxMetaspaceSize`` are
    ceilings, so the smaller of flag and estimate is used) + :data:`GC_SHARE` of the heap."""
    cc = min(CODE_CACHE, mem.code_cache) if mem.code_cache is not None else CODE_CACHE
    st = mem.stack if mem.stack is not None else STACK
    ms = min(metaspace, mem.metaspace) if mem.metaspace is not None else metaspace
    dm = mem.direct if mem.direct is not None else DIRECT
    fixed = cc + threads * st + ms + dm
    gc = int(heap * GC_SHARE)
    parts = (f"code cache {_mib(cc)} + {threads} thread stacks x {_mib(st)} + metaspace "
             f"{_mib(ms)} + direct buffers {_mib(dm)} + GC and native {_mib(gc)} "
             f"({float(GC_SHARE) * 100:g}% of the heap)")
    return fixed, fixed + gc, parts


def _mib(n: int) -> str:
    v = Fraction(n, MIB)
    return f"{float(v):g}Mi" if v.denominator != 1 else f"{v.numerator}Mi"


mib = _mib
