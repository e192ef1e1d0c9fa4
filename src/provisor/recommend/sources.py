"""Where usage comes from: one interface, three implementations.

``UsageSource`` (protocol): ``load(progress=None) -> list[ContainerUsage]``.

``FileSource(paths, fmt="auto", memory_limit_bytes=16 GiB)`` (errors: ``SeriesFileError``
naming file and line)
    ``openmetrics`` (``promtool tsdb dump-openmetrics``, the twin's ``--series``; read with
    ``provisor.series.read_openmetrics``), ``csv`` (the long format of
    ``provisor.series.csv``), ``gwa`` and ``alibaba-genai`` (``provisor.series.traces``).
    ``auto`` picks by extension: ``.csv`` -> csv, anything else -> openmetrics.
``PrometheusSource(client, start, end, step, namespaces=None, group_label=...)``
    ``provisor.prom.scan_usage`` (batched per namespace and class).
``TwinSource(result)``
    A ``provisor.sim`` result (anything with ``.series() -> SeriesSet``), read directly.

Every source ends in ``provisor.recommend.usage.usage_from_series``, so the same samples give
the same usage whichever way they came.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .usage import DEFAULT_GROUP_LABELS, ContainerUsage, usage_from_series

__all__ = ["FileSource", "PrometheusSource", "TwinSource", "UsageSource"]

Progress = Callable[[str, int, int], None]


class UsageSource(Protocol):
    """A producer of container usage."""

    def load(self, progress: Progress | None = None) -> list[ContainerUsage]: ...


class FileSource:
    """Usage from files (module docstring). Errors: ``SeriesFileError`` naming file and line."""

    def __init__(self, paths: Sequence[str | Path], fmt: str = "auto",
                 memory_limit_bytes: float = 16 * 1024**3) -> None:
        self.paths = [Path(p) for p in paths]
        self.fmt = fmt
        self.memory_limit_bytes = memory_limit_bytes

    def load(self, progress: Progress | None = None) -> list[ContainerUsage]:
        from provisor.series.csv import SeriesFileError, read_csv
        from provisor.series.traces import SERIES_FORMATS, read_alibaba_genai, read_gwa

        if self.fmt not in ("auto", *SERIES_FORMATS):
            raise SeriesFileError(f"unknown series format {self.fmt!r} (known: auto, "
                                  f"{', '.join(SERIES_FORMATS)})")
        if self.fmt == "gwa":
            return usage_from_series(read_gwa(self.paths))
        series: list[Any] = []
        for i, p in enumerate(self.paths, start=1):
            fmt = self.fmt
            if fmt == "auto":
                fmt = "csv" if p.suffix.lower() == ".csv" else "openmetrics"
            if fmt == "csv":
                series.extend(read_csv(p))
            elif fmt == "alibaba-genai":
                series.extend(read_alibaba_genai(p, self.memory_limit_bytes))
            else:
                from provisor.series import SeriesFormatError, read_openmetrics

                try:
                    series.extend(read_openmetrics(p))
                except SeriesFormatError as exc:
                    raise SeriesFileError(str(exc)) from None
            if progress is not None:
                progress(str(p), i, len(self.paths))
        return usage_from_series(series)


class PrometheusSource:
    """Usage scanned from a Prometheus (module docstring)."""

    def __init__(self, client: Any, start: float, end: float, step: float,
                 namespaces: Sequence[str] | None = None,
                 group_label: str = DEFAULT_GROUP_LABELS[0],
                 max_samples: int | None = None) -> None:
        self.client = client
        self.max_samples = max_samples
        self.start, self.end, self.step = start, end, step
        self.namespaces = namespaces
        self.group_label = group_label

    def load(self, progress: Progress | None = None) -> list[ContainerUsage]:
        from provisor.prom import DEFAULT_MAX_SAMPLES_PER_QUERY, scan_usage

        series = scan_usage(self.client, self.start, self.end, self.step,
                            namespaces=self.namespaces, group_label=self.group_label,
                            max_samples=self.max_samples or DEFAULT_MAX_SAMPLES_PER_QUERY,
                            progress=progress)
        return usage_from_series(series, group_labels=(self.group_label, *DEFAULT_GROUP_LABELS))


class TwinSource:
    """Usage straight from a twin run (``provisor.sim.simulate(...)`` result)."""

    def __init__(self, result: Any) -> None:
        self.result = result

    def load(self, progress: Progress | None = None) -> list[ContainerUsage]:
        return usage_from_series(self.result.series())
