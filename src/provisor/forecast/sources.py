"""Where the forecast's series come from: files (OpenMetrics, as ``promtool tsdb
dump-openmetrics`` or the twin's recorder write them; the long CSV of
``provisor.series.csv`` when that reader is installed) or a Prometheus server
(``provisor.prom.PromClient``). Thin: the files are read by ``provisor.series``; the
server is asked the PromQL of :func:`provisor.forecast.targets.promql_for`.

    series_from_files(paths) -> SeriesSet
    targets_from_url(url, lookback_s, step_s, end=None) -> list[Target]
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any, Sequence

from provisor.forecast.engine import ForecastError
from provisor.forecast.targets import Target, targets_from_prometheus


class SourceError(ValueError):
    """A source cannot be read; ``str`` names the file (and line) or the URL and the cause."""


def series_from_files(paths: Sequence[str | Path]) -> Any:
    """Read every file into one ``provisor.series.SeriesSet`` (``*.csv``: the long CSV
    format; anything else: OpenMetrics).

    Raises:
        SourceError: a file cannot be read or parsed (the message names file and line).
    """
    from provisor.series import SeriesFormatError, SeriesSet, read_openmetrics

    out = SeriesSet()
    for p in paths:
        path = Path(p)
        try:
            if path.suffix.lower() == ".csv":
                try:
                    csv_mod = importlib.import_module("provisor.series.csv")
                except ImportError:
                    raise SourceError(f"{path}: CSV series need provisor.series.csv, "
                                      f"which this build does not have; use OpenMetrics") from None
                got = SeriesSet(csv_mod.read_csv(path))
            else:
                got = read_openmetrics(path)
        except SeriesFormatError as exc:
            raise SourceError(str(exc)) from None
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from None
        except ValueError as exc:          # the CSV reader's own errors
            raise SourceError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from None
        try:
            out = out.merge(got)
        except ValueError as exc:
            raise SourceError(f"{path}: {exc} (the same series is in two files)") from None
    return out


def targets_from_url(url: str, lookback_s: float, step_s: float = 3600.0,
                     end: float | None = None) -> list[Target]:
    """The targets of the last ``lookback_s`` seconds (ending at ``end``, default now) from
    the Prometheus at ``url``.

    Raises:
        SourceError: no Prometheus client in this build, or the server failed.
        ForecastError: no forecast metric has samples.
    """
    try:
        prom = importlib.import_module("provisor.prom")
    except ImportError:
        raise SourceError("--prometheus needs provisor.prom, which this build does not "
                          "have; export the series (promtool tsdb dump-openmetrics) and "
                          "use --series") from None
    stop = time.time() if end is None else end
    try:
        with prom.PromClient(url) as client:
            return targets_from_prometheus(client, stop - lookback_s, stop, step_s)
    except ForecastError:
        raise
    except Exception as exc:  # PromError and transport errors, named by the client
        if type(exc).__name__ == "PromError":
            raise SourceError(str(exc)) from None
        raise
