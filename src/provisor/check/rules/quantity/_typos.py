"""The judgements behind the ``quantity/*`` rules (one function per mistake), shared by the
rule modules."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

from provisor.check.context import Hit
from provisor.check.rules.quantity._scan import BINARY, Field, fields, show_bytes

if TYPE_CHECKING:
    from provisor.check.context import Context

#: A plain byte count below this is taken for a forgotten unit (1 MiB: no container, volume
#: or quota is that small on purpose).
SMALL_BYTES = 1 << 20
#: A plain CPU count at or above this (without a suffix) is taken for forgotten milli.
LARGE_CORES = 100


def _consequence_bytes(f: Field, value: Fraction) -> str:
    stored = max(1, math.ceil(value)) if value > 0 else 0
    amount = show_bytes(Fraction(stored))
    if f.role == "quota":
        return (f"the quota allows {show_bytes(value)} in total: every pod or claim that "
                f"states {f.resource.split('.')[-1]} is refused (exceeded quota)")
    if f.role == "size":
        return f"the claim asks for {amount}"
    if f.role == "target":
        return ("every pod uses more than that, so the HPA scales to maxReplicas and stays "
                "there")
    if f.role == "request":
        if f.where.startswith("LimitRange") and "min" in f.path:
            return f"the LimitRange's floor is {amount}: no floor at all"
        return (f"the scheduler reserves {amount} for it: nothing; under memory pressure all "
                f"its use counts as above its request")
    if f.where.startswith("LimitRange"):
        return f"containers are held to {amount}"
    if "sizeLimit" in f.path:
        return f"the pod is evicted once the volume holds more than {amount}"
    if f.where.startswith("VerticalPodAutoscaler"):
        return f"the VPA never recommends more than {amount}"
    return (f"the container's cgroup limit is {amount}: it cannot start or is OOM-killed at "
            f"once")


def milli_bytes(ctx: "Context", roles: tuple[str, ...]) -> Iterator[Hit]:
    """Byte quantities (memory, storage, ephemeral-storage, hugepages) written with the
    ``m`` suffix, or below one byte, for fields of ``roles``."""
    for f in fields(ctx):
        if f.measure != "bytes" or f.role not in roles or f.value is None or f.value <= 0:
            continue
        if f.suffix == "m":
            meant = f"{f.number}Mi" if not f.exponent else None
            guess = (f"; did you mean {meant} ({int(Fraction(f.number) * (1 << 20))} bytes) "
                     f"or {f.number}M?" if meant and Fraction(f.number).denominator == 1
                     else "; did you mean Mi (mebibytes) or M (megabytes)?")
            why = f"'m' is milli (10^-3) for every resource, so {f.text} is {show_bytes(f.value)}"
            fix = f"write {meant}" if meant else "write the value with Mi or M"
        elif f.value < 1:
            guess = "; a unit is missing (Mi? Gi?)"
            why = f"{f.text} is {show_bytes(f.value)}, less than one byte"
            fix = "write the value with a unit (Mi, Gi)"
        else:
            continue
        yield Hit(f.doc, f"{f.where} = {f.text}: {why}: {_consequence_bytes(f, f.value)}{guess}",
                  fix=fix, path=f.path)


def cpu_suffix(ctx: "Context") -> Iterator[Hit]:
    """CPU written with a binary (byte) suffix, or with a decimal suffix from ``k`` up where
    that is implausible (container and LimitRange values; a namespace quota of ``1k``
    cores is plausible, ``1M`` is not)."""
    for f in fields(ctx):
        if f.measure != "cpu" or f.value is None or f.value <= 0:
            continue
        if f.suffix in BINARY:
            meant = f"{f.number}" if Fraction(f.number) < 1000 else f"{f.number}m"
        elif f.suffix in ("k", "M", "G", "T", "P", "E"):
            if f.role == "quota" and f.suffix == "k":
                continue
            meant = f"{f.number}m"
        else:
            continue
        cores = f.value
        shown = f"{int(cores):,}" if cores.denominator == 1 else f"{float(cores):g}"
        yield Hit(f.doc,
                  f"{f.where} = {f.text}: CPU is counted in cores and {f.suffix!r} multiplies "
                  f"by {'a power of 2' if f.suffix in BINARY else 'a power of 10'}, so this is "
                  f"{shown} cores{_cpu_effect(f)}; did you mean {meant}?",
                  fix=f"write {meant} (cores are plain numbers; 'm' is millicores)",
                  path=f.path)


def _cpu_effect(f: Field) -> str:
    if f.role == "target":
        return ": no pod ever reaches it, so the HPA scales to minReplicas and stays there"
    if f.role == "request":
        return ": no node can hold the pod, it stays Pending"
    if f.role == "quota":
        return ": the quota bounds nothing"
    return ": no limit at all in practice"


def bytes_without_unit(ctx: "Context") -> Iterator[Hit]:
    """Byte quantities written as a plain number below :data:`SMALL_BYTES` (a unit left out:
    ``memory: 512`` is 512 bytes)."""
    for f in fields(ctx):
        if f.measure != "bytes" or f.suffix or f.value is None:
            continue
        if not 1 <= f.value < SMALL_BYTES:
            continue
        n = f.number if not f.exponent else str(f.value)
        if f.value < 1024:
            meant, fix = f"{n}Mi or {n}Gi", f"write the unit: {n}Mi (mebibytes) or {n}Gi"
        else:
            meant, fix = f"{n}Ki ({float(f.value / 1024):g}Mi)", f"write the unit: {n}Ki or Mi"
        yield Hit(f.doc,
                  f"{f.where} = {f.text}: a number without a unit is bytes, so this is "
                  f"{show_bytes(f.value)}: {_consequence_bytes(f, f.value)}; did you mean "
                  f"{meant}?", fix=fix, path=f.path)


def cpu_without_milli(ctx: "Context") -> Iterator[Hit]:
    """CPU of a container, pod, LimitRange or VPA bound written as a plain number of at least
    :data:`LARGE_CORES` cores (``cpu: 500`` where ``500m`` was meant), unless a known node
    has that many cores. Quotas are left out (a namespace may own hundreds of cores)."""
    from provisor.check.rules.workload.exceeds_node import nodes

    biggest = 0
    for _label, ni in nodes(ctx):
        try:
            biggest = max(biggest, int(ni.allocatable.milli_cpu) // 1000)
        except (AttributeError, TypeError, ValueError):
            continue
    for f in fields(ctx):
        if f.measure != "cpu" or f.role == "quota" or f.suffix or f.exponent:
            continue
        if f.value is None or f.value < LARGE_CORES or f.value.denominator != 1:
            continue
        if biggest and f.value <= biggest:
            continue
        yield Hit(f.doc,
                  f"{f.where} = {f.text}: a CPU number without a suffix is cores, so this is "
                  f"{int(f.value)} cores{_cpu_effect(f)}; did you mean {f.number}m "
                  f"({f.number} millicores)?",
                  fix=f"write {f.number}m", path=f.path)
