"""Right-sizing from usage series: strategies, recommendations per agent class, backtest.

Modules: ``usage`` (per-container histories from series), ``strategies`` (``vpa``,
``percentile``, ``risk``), ``engine`` (``run_recommend``, ``run_backtest``), ``constraints``
(LimitRange, quota, ``patch_policy``), ``sources`` (Prometheus, files, the twin), ``output``
(table, json, yaml, csv).
"""

from __future__ import annotations

from .engine import BacktestReport, RecommendReport, run_backtest, run_recommend
from .strategies import STRATEGIES, Recommendation, Strategy, StrategyError, make_strategy
from .usage import ContainerUsage, GroupKey, usage_from_series

__all__ = [
    "STRATEGIES",
    "BacktestReport",
    "ContainerUsage",
    "GroupKey",
    "RecommendReport",
    "Recommendation",
    "Strategy",
    "StrategyError",
    "make_strategy",
    "run_backtest",
    "run_recommend",
    "usage_from_series",
]
