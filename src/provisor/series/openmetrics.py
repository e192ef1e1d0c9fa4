"""OpenMetrics text: the file format of provisor's series.

What is written is what ``promtool tsdb create-blocks-from openmetrics`` reads (the real
Prometheus backfill path, ``cmd/promtool/backfill.go`` over ``model/textparse/
openmetricsparse.go``): one ``# HELP`` and ``# TYPE`` per metric family, the family's samples
series after series, each sample with its timestamp in **seconds** at millisecond resolution
(Prometheus' own; see :func:`ms_timestamps`), and a final ``# EOF``.
A counter family ``F`` is written ``# TYPE F counter`` with samples named ``F_total``; a
metric whose name does not end in ``_total`` is never written as a counter.

Reading is strict where a wrong guess would change numbers (a sample without a timestamp, a
series whose timestamps go backwards, text after ``# EOF``) and says where: every error is a
:class:`SeriesFormatError` naming the file and line. The reader never blocks on a FIFO or a
device (``O_NONBLOCK`` plus a regular-file check), refuses files above ``max_bytes`` before
reading them, refuses NUL bytes and invalid UTF-8, and keeps samples in ``array('d')`` buffers
(16 bytes a sample) rather than Python floats.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
from array import array
from pathlib import Path
from typing import IO, Iterator, TextIO

import numpy as np

from provisor.fsutil import atomic_writer

GiB = 1024 ** 3
DEFAULT_MAX_BYTES = 4 * GiB
MAX_LINE_BYTES = 1 << 20

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\.)*)"\s*(,?)')
_UNESCAPE = re.compile(r"\\(.)")
_HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum", "_gcount", "_gsum", "_created")


class SeriesFormatError(ValueError):
    """A series file that cannot be read. ``str()`` is ``"FILE:LINE: message"`` (``FILE:
    message`` when no line applies). Attributes: ``file``, ``line`` (0 when none),
    ``reason``."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        super().__init__(f"{file}:{line}: {reason}" if line else f"{file}: {reason}")


# --------------------------------------------------------------------------- writing


def _escape_label(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n")


_SPECIAL = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}


def format_float(v: float) -> str:
    """A float as OpenMetrics writes it: shortest round-trip repr, ``NaN``, ``+Inf``,
    ``-Inf``."""
    s = repr(float(v))
    return _SPECIAL.get(s, s)


def _short(v: float) -> str:
    """The shortest text that reads back as exactly ``v``: Python's round-trip ``repr``
    without a trailing ``.0`` (``300`` for 300.0, ``1767574830`` for a whole-second
    timestamp: Prometheus' parser and ours read integers as floats), ``NaN``/``+Inf``/
    ``-Inf`` as OpenMetrics spells them."""
    r = repr(v)
    if r[-2:] == ".0":
        return r[:-2]
    return _SPECIAL.get(r, r)


def ms_timestamps(ts: np.ndarray) -> np.ndarray:
    """Timestamps (seconds) as the floats to write so that Prometheus reads back exactly the
    nearest millisecond: its OpenMetrics parser stores ``int64(ts * 1000)`` (truncation,
    ``model/textparse/openmetricsparse.go``), so ``M / 1000`` is nudged up one ulp at a time
    until ``trunc(x * 1000) == M``.

    Raises:
        ValueError: two timestamps fall in the same millisecond.
    """
    m = np.round(np.asarray(ts, dtype=np.float64) * 1000.0)
    if m.size > 1 and not np.all(np.diff(m) > 0):
        raise ValueError("two samples fall in the same millisecond (Prometheus' resolution)")
    x = m / 1000.0
    for _ in range(8):
        bad = np.trunc(x * 1000.0) != m
        if not bad.any():
            break
        x[bad] = np.nextafter(x[bad], np.inf)
    return x


def _family(name: str, mtype: str) -> tuple[str, str]:
    if mtype == "counter" and name.endswith("_total") and len(name) > 6:
        return name[:-6], "counter"
    return name, ("gauge" if mtype == "gauge" else "unknown")


def iter_openmetrics(series_set) -> Iterator[str]:
    """The OpenMetrics text of ``series_set`` (a :class:`provisor.series.SeriesSet`), in
    chunks; deterministic (families and series in sorted order)."""
    by_family: dict[str, tuple[str, str, list]] = {}
    for s in series_set:
        meta = series_set.meta(s.name)
        fam, ftype = _family(s.name, meta.type)
        entry = by_family.setdefault(fam, (ftype, meta.help, []))
        entry[2].append(s)
    for fam in sorted(by_family):
        ftype, help_text, members = by_family[fam]
        head = []
        if help_text:
            head.append(f"# HELP {fam} {_escape_help(help_text)}\n")
        head.append(f"# TYPE {fam} {ftype}\n")
        yield "".join(head)
        for s in members:
            labels = ",".join(f'{k}="{_escape_label(v)}"' for k, v in s.key if k != "__name__")
            prefix = f"{s.name}{{{labels}}} " if labels else f"{s.name} "
            # chunked so that one huge series does not build one huge string
            step = 65536
            for i in range(0, len(s), step):
                vals = map(_short, s.values[i:i + step].tolist())
                tss = map(_short, ms_timestamps(s.timestamps[i:i + step]).tolist())
                yield "".join(f"{prefix}{v} {t}\n" for v, t in zip(vals, tss))
    yield "# EOF\n"


def write_openmetrics(series_set, dest: str | Path | TextIO, *, overwrite: bool = False) -> None:
    """Write ``series_set`` as OpenMetrics text.

    Numbers are written in their shortest round-trip form (``300``, not ``300.0``). A path
    ending in ``.gz`` is gzip-compressed (deterministic: no time stamp, no name inside);
    :func:`read_openmetrics` reads it back as it is (``promtool`` needs it decompressed).

    Args:
        series_set: a :class:`provisor.series.SeriesSet`.
        dest: a path (written atomically: a temp file in the same folder, then renamed) or an
            open text stream.
        overwrite: replace an existing file at ``dest`` (the CLI's ``--force``).

    Raises:
        FileExistsError: ``dest`` exists and ``overwrite`` is false.
        OSError: the file cannot be written (nothing is left behind).
    """
    if isinstance(dest, (str, Path)):
        with atomic_writer(dest, overwrite=overwrite) as fh:
            if str(dest).endswith(".gz"):
                import gzip

                # mtime 0 and no file name: the same series give the same bytes
                with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0,
                                   compresslevel=6) as gz:
                    for chunk in iter_openmetrics(series_set):
                        gz.write(chunk.encode("utf-8"))
                return
            for chunk in iter_openmetrics(series_set):
                fh.write(chunk.encode("utf-8"))
        return
    for chunk in iter_openmetrics(series_set):
        dest.write(chunk)


# --------------------------------------------------------------------------- reading


def _open_regular(path: str, max_bytes: int) -> IO[bytes]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SeriesFormatError(path, 0, exc.strerror or str(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SeriesFormatError(path, 0, "not a regular file")
        if st.st_size > max_bytes:
            raise SeriesFormatError(
                path, 0, f"file is {st.st_size} bytes, above the limit of {max_bytes} bytes")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _bounded_lines(fh: IO[bytes], file: str, max_bytes: int) -> Iterator[bytes]:
    """The lines of ``fh`` (bytes, newline kept), none read longer than
    :data:`MAX_LINE_BYTES` + 1 and at most ``max_bytes`` in all (after decompression, so a
    small gzip file cannot expand without bound).

    Raises:
        SeriesFormatError: more than ``max_bytes`` bytes.
    """
    total = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        total += len(raw)
        if total > max_bytes:
            raise SeriesFormatError(file, 0, f"more than {max_bytes} bytes of series "
                                    "(decompressed); refused")
        yield raw


def _parse_labels(text: str, pos: int, file: str, lineno: int) -> tuple[dict[str, str], int]:
    """Parse ``{...}`` starting at ``text[pos] == "{"``; returns labels and the index after
    the closing brace."""
    labels: dict[str, str] = {}
    pos += 1
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        m = _LABEL.match(text, pos)
        if not m:
            raise SeriesFormatError(file, lineno, f"malformed label set at column {pos + 1}")
        name, raw = m.group(1), m.group(2)
        if name in labels:
            raise SeriesFormatError(file, lineno, f"label {name!r} given twice")
        labels[name] = _UNESCAPE.sub(
            lambda e: {"n": "\n", "\\": "\\", '"': '"'}.get(e.group(1), "\\" + e.group(1)), raw)
        pos = m.end()
        if not m.group(3):
            while pos < len(text) and text[pos] in " \t":
                pos += 1
            if pos >= len(text) or text[pos] != "}":
                raise SeriesFormatError(file, lineno, f"expected ',' or '}}' at column {pos + 1}")


def _float(tok: str, what: str, file: str, lineno: int) -> float:
    try:
        if "_" in tok:
            raise ValueError
        return float(tok)
    except ValueError:
        raise SeriesFormatError(file, lineno, f"{what} {tok!r} is not a number") from None


def _parse_sample(line: str, file: str, lineno: int) -> tuple[str, dict[str, str], float, float]:
    m = _NAME.match(line)
    if not m:
        raise SeriesFormatError(file, lineno, "expected a metric name")
    name, pos = m.group(0), m.end()
    labels: dict[str, str] = {}
    if pos < len(line) and line[pos] == "{":
        labels, pos = _parse_labels(line, pos, file, lineno)
    rest = line[pos:]
    if " # " in rest:            # an exemplar: not part of the series
        rest = rest.split(" # ", 1)[0]
    toks = rest.split()
    if not toks:
        raise SeriesFormatError(file, lineno, f"{name}: no value")
    if len(toks) == 1:
        raise SeriesFormatError(
            file, lineno, f"{name}: no timestamp (series files need one on every sample)")
    if len(toks) > 2:
        raise SeriesFormatError(file, lineno, f"{name}: unexpected text {' '.join(toks[2:])!r}")
    value = _float(toks[0], "value", file, lineno)
    ts = _float(toks[1], "timestamp", file, lineno)
    if not math.isfinite(ts):
        raise SeriesFormatError(file, lineno, f"timestamp {toks[1]!r} is not finite")
    return name, labels, value, ts


def read_openmetrics(source: str | Path | TextIO, *, max_bytes: int = DEFAULT_MAX_BYTES,
                     name: str | None = None):
    """Read OpenMetrics text into a :class:`provisor.series.SeriesSet`.

    Args:
        source: a path (plain or gzip-compressed text, told apart by gzip's magic bytes), or
            an open text stream (then ``name`` names it in errors).
        max_bytes: largest accepted file in bytes (default 4 GiB), checked before reading,
            and again on the decompressed text of a gzip file.
        name: what errors call the input (default: the path, or ``<stream>``).

    Returns:
        the series (timestamps in seconds) with the ``# TYPE``/``# HELP`` metadata, keyed by
        sample name (a counter family ``F`` gives metadata for ``F_total``).

    Raises:
        SeriesFormatError: the file cannot be opened or read (not a regular file, too large,
            binary, not UTF-8), or a line is malformed, a sample has no timestamp, a series'
            timestamps do not increase, or text follows ``# EOF``. The message names the file
            and line.
    """
    from provisor.series import MetricMeta, Series, SeriesSet

    lines: Iterator[bytes] | TextIO
    if isinstance(source, (str, Path)):
        file = name or str(source)
        raw_fh = _open_regular(str(source), max_bytes)
        fh: IO[bytes] | TextIO = raw_fh
        binary = True
        if raw_fh.peek(2)[:2] == b"\x1f\x8b":  # type: ignore[attr-defined]
            import gzip

            fh = gzip.GzipFile(fileobj=raw_fh, mode="rb")  # type: ignore[assignment]
        lines = _bounded_lines(fh, file, max_bytes)  # type: ignore[arg-type]
    else:
        file, fh, binary = name or "<stream>", source, False
        raw_fh = None
        lines = source
    families: dict[str, tuple[str, str]] = {}   # family -> (type, help)
    data: dict[tuple, tuple[array, array, int]] = {}
    prefix_cache: dict[str, tuple] = {}
    last_t: dict[tuple, float] = {}
    eof = False
    try:
        for lineno, raw in enumerate(lines, 1):
            if binary:
                assert isinstance(raw, bytes)
                if len(raw) > MAX_LINE_BYTES:
                    raise SeriesFormatError(file, lineno, f"line longer than {MAX_LINE_BYTES} bytes")
                if b"\x00" in raw:
                    raise SeriesFormatError(file, lineno, "binary data (NUL byte)")
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise SeriesFormatError(file, lineno, f"not UTF-8 ({exc.reason})") from None
            else:
                line = str(raw)
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if eof:
                raise SeriesFormatError(file, lineno, "text after '# EOF'")
            if line.startswith("#"):
                parts = line.split(None, 3)
                if parts == ["#", "EOF"]:
                    eof = True
                elif len(parts) >= 3 and parts[1] in ("TYPE", "HELP", "UNIT"):
                    fam = parts[2]
                    typ, hlp = families.get(fam, ("unknown", ""))
                    if parts[1] == "TYPE":
                        typ = parts[3].strip() if len(parts) > 3 else "unknown"
                    elif parts[1] == "HELP":
                        hlp = _UNESCAPE.sub(lambda e: "\n" if e.group(1) == "n" else e.group(1),
                                            parts[3] if len(parts) > 3 else "")
                    families[fam] = (typ, hlp)
                continue
            # fast path: "<prefix> <value> <timestamp>" with a prefix seen before
            head, _, ts_tok = line.rpartition(" ")
            prefix, _, v_tok = head.rpartition(" ")
            key = prefix_cache.get(prefix) if " # " not in line else None
            if key is not None:
                value = _float(v_tok, "value", file, lineno)
                ts = _float(ts_tok, "timestamp", file, lineno)
                if not math.isfinite(ts):
                    raise SeriesFormatError(file, lineno, f"timestamp {ts_tok!r} is not finite")
            else:
                mname, labels, value, ts = _parse_sample(line, file, lineno)
                labels["__name__"] = mname
                key = tuple(sorted((k, v) for k, v in labels.items() if v != ""))
                if " # " not in line:
                    prefix_cache[prefix] = key
            prev = last_t.get(key)
            if prev is not None and ts <= prev:
                raise SeriesFormatError(
                    file, lineno, f"timestamp {ts_tok} is not after the series' previous "
                                  f"sample ({format_float(prev)})")
            last_t[key] = ts
            buf = data.get(key)
            if buf is None:
                buf = data[key] = (array("d"), array("d"), lineno)
            buf[0].append(ts)
            buf[1].append(value)
    except (OSError, EOFError) as exc:   # gzip: BadGzipFile is an OSError, a cut file EOF
        raise SeriesFormatError(file, 0, getattr(exc, "strerror", None) or str(exc) or
                                "truncated file") from None
    finally:
        if binary:
            fh.close()
            if raw_fh is not None and fh is not raw_fh:   # GzipFile leaves its file open
                raw_fh.close()
    metadata: dict[str, MetricMeta] = {}
    out = SeriesSet()
    for key in sorted(data):
        ts_a, v_a, first_line = data[key]
        labels = dict(key)
        sname = labels["__name__"]
        try:
            out.add(Series(labels, ts_a, v_a))
        except ValueError as exc:
            raise SeriesFormatError(file, first_line, f"{sname}: {exc}") from None
        if sname not in metadata:
            metadata[sname] = _meta_for(sname, families, MetricMeta)
    out.metadata.update(metadata)
    return out


def _meta_for(sname: str, families: dict[str, tuple[str, str]], MetricMeta):
    if sname in families:
        typ, hlp = families[sname]
        return MetricMeta(typ if typ in ("counter", "gauge") else "unknown", hlp)
    for suffix in ("_total", *_HISTOGRAM_SUFFIXES):
        if sname.endswith(suffix) and sname[: -len(suffix)] in families:
            typ, hlp = families[sname[: -len(suffix)]]
            if typ == "counter" or suffix in ("_bucket", "_count", "_sum"):
                return MetricMeta("counter", hlp)
            return MetricMeta("unknown", hlp)
    return MetricMeta("counter" if sname.endswith("_total") else "unknown")


def read_openmetrics_text(text: str, *, name: str = "<text>"):
    """:func:`read_openmetrics` on a string (for tests and small inputs)."""
    return read_openmetrics(io.StringIO(text), name=name)
