"""The shared time-series representation of provisor's dynamic half.

Three producers (the Prometheus client ``provisor.prom``, the file readers here, the twin's
recorder) and three consumers (``recommend``, ``forecast``, ``report``) speak this one
language, and none of the consumers knows where a series came from (see DESIGN.md, "The
dynamic half").

Shapes and units:

* a :class:`Series` is one label set (Prometheus conventions: ``__name__``, ``namespace``,
  ``pod``, ``container``, ...) with two 1-D ``float64`` numpy arrays of equal length:
  ``timestamps`` in **seconds** since the Unix epoch, strictly increasing, and ``values`` in
  the metric's own unit (bytes for ``*_bytes``, seconds for ``*_seconds_total``, cores for a
  CPU rate, a count for ``*_total``...);
* a :class:`SeriesSet` holds series keyed by their label set, plus per-metric
  :class:`MetricMeta` (OpenMetrics type and help). Counters are stored under their *sample*
  name, e.g. ``container_cpu_usage_seconds_total`` with ``type="counter"``.

Iteration order is the sorted order of label sets, never insertion order, so every output
built from a set is the same whatever order its series were added in.

Readers and writers: :func:`read_openmetrics` / :func:`write_openmetrics`
(:mod:`provisor.series.openmetrics`). Counter arithmetic with Prometheus' own semantics:
:func:`deltas`, :func:`rate`, :func:`increase` (:mod:`provisor.series.ops`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Literal, Mapping

import numpy as np

MetricType = Literal["counter", "gauge", "unknown"]

LabelKey = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MetricMeta:
    """What OpenMetrics says about one metric: its ``type`` (``counter``, ``gauge`` or
    ``unknown``) and its ``help`` text. Keyed in :class:`SeriesSet` by the sample name."""

    type: MetricType = "gauge"
    help: str = ""


def label_key(labels: Mapping[str, str]) -> LabelKey:
    """The canonical, hashable form of a label set: ``(name, value)`` pairs sorted by name.

    Raises:
        ValueError: a label name or value is not a string, or ``__name__`` is missing/empty.
    """
    for k, v in labels.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise ValueError(f"label {k!r}={v!r}: label names and values must be strings")
    if not labels.get("__name__"):
        raise ValueError(f"label set {dict(labels)!r} has no __name__")
    return tuple(sorted(labels.items()))


class Series:
    """One time series: a label set and its samples.

    Args:
        labels: label names to values, including ``__name__``. Labels with an empty value are
            dropped, as Prometheus does (an empty label is the same as no label).
        timestamps: seconds since the epoch (any 1-D float-convertible sequence), strictly
            increasing.
        values: the samples, same length as ``timestamps``; NaN is allowed (Prometheus
            stores it), +/-Inf too.

    Raises:
        ValueError: lengths differ, an array is not 1-D, a timestamp is not finite, or the
            timestamps are not strictly increasing.

    The arrays are made read-only so that a series can be shared between consumers safely.
    """

    __slots__ = ("key", "timestamps", "values")

    def __init__(self, labels: Mapping[str, str], timestamps: Iterable[float] | np.ndarray,
                 values: Iterable[float] | np.ndarray) -> None:
        ts = np.array(timestamps, dtype=np.float64)
        vs = np.array(values, dtype=np.float64)
        if ts.ndim != 1 or vs.ndim != 1:
            raise ValueError("timestamps and values must be 1-D")
        if ts.shape != vs.shape:
            raise ValueError(f"{len(ts)} timestamps but {len(vs)} values")
        if ts.size and not np.all(np.isfinite(ts)):
            raise ValueError("timestamps must be finite")
        if ts.size > 1 and not np.all(np.diff(ts) > 0):
            raise ValueError("timestamps must be strictly increasing")
        ts.flags.writeable = False
        vs.flags.writeable = False
        self.key: LabelKey = label_key({k: v for k, v in labels.items() if v != ""})
        self.timestamps: np.ndarray = ts
        self.values: np.ndarray = vs

    @property
    def labels(self) -> dict[str, str]:
        """A fresh ``dict`` of the label set (including ``__name__``)."""
        return dict(self.key)

    @property
    def name(self) -> str:
        """The metric name (``__name__``)."""
        return dict(self.key)["__name__"]

    def get(self, label: str, default: str = "") -> str:
        """The value of ``label``, or ``default`` when the series does not have it."""
        for k, v in self.key:
            if k == label:
                return v
        return default

    def __len__(self) -> int:
        return int(self.timestamps.size)

    def __repr__(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in self.key if k != "__name__")
        return f"Series({self.name}{{{inner}}}, {len(self)} samples)"

    def __reduce__(self) -> tuple:
        return (Series, (dict(self.key), self.timestamps, self.values))

    def slice(self, start: float | None = None, end: float | None = None) -> "Series":
        """The samples with ``start <= t < end`` (seconds; ``None`` is unbounded)."""
        lo = 0 if start is None else int(np.searchsorted(self.timestamps, start, "left"))
        hi = len(self) if end is None else int(np.searchsorted(self.timestamps, end, "left"))
        return Series(dict(self.key), self.timestamps[lo:hi], self.values[lo:hi])


class SeriesSet:
    """A set of :class:`Series` keyed by label set, with per-metric :class:`MetricMeta`.

    Args:
        series: the series to add (see :meth:`add`).
        metadata: sample name -> :class:`MetricMeta`. A metric without an entry is treated as
            ``gauge`` by the writers unless its name ends in ``_total`` (``counter``).

    Iteration yields series in sorted label-set order; ``len()`` counts series.
    """

    __slots__ = ("_series", "metadata")

    def __init__(self, series: Iterable[Series] = (),
                 metadata: Mapping[str, MetricMeta] | None = None) -> None:
        self._series: dict[LabelKey, Series] = {}
        self.metadata: dict[str, MetricMeta] = dict(metadata or {})
        for s in series:
            self.add(s)

    def add(self, series: Series) -> None:
        """Add one series.

        Raises:
            ValueError: a series with the same label set is already in the set.
        """
        if series.key in self._series:
            raise ValueError(f"duplicate series {series!r}")
        self._series[series.key] = series

    def meta(self, name: str) -> MetricMeta:
        """The metadata of metric ``name`` (a default derived from the name when unknown)."""
        m = self.metadata.get(name)
        if m is not None:
            return m
        return MetricMeta("counter" if name.endswith("_total") else "gauge")

    def names(self) -> list[str]:
        """The sorted metric names present in the set."""
        return sorted({dict(k)["__name__"] for k in self._series})

    def select(self, name: str | None = None, **label_equals: str) -> list[Series]:
        """The series of metric ``name`` (any when ``None``) whose labels equal every
        ``label_equals`` item (``""`` matches a missing label, as in PromQL), sorted."""
        out = []
        for key in sorted(self._series):
            labels = dict(key)
            if name is not None and labels["__name__"] != name:
                continue
            if all(labels.get(k, "") == v for k, v in label_equals.items()):
                out.append(self._series[key])
        return out

    def get(self, labels: Mapping[str, str]) -> Series | None:
        """The series with exactly this label set, or ``None``."""
        return self._series.get(label_key(labels))

    def merge(self, other: "SeriesSet") -> "SeriesSet":
        """A new set holding the series of both (metadata of ``other`` wins on a clash).

        Raises:
            ValueError: both hold a series with the same label set.
        """
        out = SeriesSet(self, {**self.metadata, **other.metadata})
        for s in other:
            out.add(s)
        return out

    def time_range(self) -> tuple[float, float] | None:
        """``(first, last)`` timestamp over all series in seconds, or ``None`` when empty."""
        firsts = [s.timestamps[0] for s in self._series.values() if len(s)]
        if not firsts:
            return None
        lasts = [s.timestamps[-1] for s in self._series.values() if len(s)]
        return float(min(firsts)), float(max(lasts))

    def __iter__(self) -> Iterator[Series]:
        for key in sorted(self._series):
            yield self._series[key]

    def __len__(self) -> int:
        return len(self._series)

    def __contains__(self, labels: object) -> bool:
        if isinstance(labels, Series):
            return labels.key in self._series
        if isinstance(labels, Mapping):
            return label_key(labels) in self._series
        return False

    def __repr__(self) -> str:
        return f"SeriesSet({len(self)} series, {len(self.names())} metrics)"


from provisor.series.openmetrics import (  # noqa: E402  (re-exported API)
    SeriesFormatError,
    read_openmetrics,
    write_openmetrics,
)
from provisor.series.ops import deltas, increase, rate  # noqa: E402

__all__ = [
    "LabelKey",
    "MetricMeta",
    "MetricType",
    "Series",
    "SeriesFormatError",
    "SeriesSet",
    "deltas",
    "increase",
    "label_key",
    "rate",
    "read_openmetrics",
    "write_openmetrics",
]
