"""The plan's cost-reduction line: which strategy it prices (the cheapest one no less safe
than the current requests in the backtest) and the plain statement when right-sizing costs
more than it saves."""

from __future__ import annotations

import math

from provisor.plan import COST_STRATEGY, cost_strategy, fill_scorecard, request_findings
from provisor.recommend.engine import BacktestReport, BacktestRow, ClassAdvice, RecommendReport
from provisor.recommend.strategies import Recommendation
from provisor.recommend.usage import GroupKey
from provisor.sim.model import Metric, Scorecard

GIB = 1024.0**3


def _row(strategy, cost, oom=0, thr=0.0):
    return BacktestRow(strategy, 0.3, 0.3, oom, oom / 10.0, thr, cost, cost / 10.0, 5)


def _bt(*rows):
    return BacktestReport([_row("current", 10.0), *rows], 0.0, 1.0, 2.0)


def _advice(strategy, group, cur_cpu, rec_cpu, cur_mem, rec_mem):
    a = ClassAdvice(strategy, GroupKey("ns", group, "", "agent"),
                    Recommendation(rec_cpu, None, rec_mem, None), cur_cpu, math.nan, cur_mem,
                    math.nan, 1.0, 3)
    a.savings_cores = cur_cpu - rec_cpu
    a.savings_gib = (cur_mem - rec_mem) / GIB
    a.savings_per_month = (a.savings_cores * 0.031611 + a.savings_gib * 0.004237) * 730
    return a


def test_the_cheapest_strategy_that_is_as_safe_as_the_current_requests():
    bt = _bt(_row("vpa", 7.0, oom=14), _row("percentile", 11.6), _row("risk", 13.3, thr=0.0003))
    name, why = cost_strategy(bt)
    assert name == "percentile"
    assert "vpa (14 OOM kills)" in why
    # throttling within 1 % of the current share is as safe; more is not
    bt = _bt(_row("vpa", 12.0), _row("risk", 9.0, thr=0.005), _row("percentile", 8.0, thr=0.2))
    assert cost_strategy(bt)[0] == "risk"
    # a tie goes to the strategy listed first
    assert cost_strategy(_bt(_row("risk", 9.0), _row("vpa", 9.0)))[0] == "risk"


def test_without_a_backtest_or_a_safe_strategy_the_vpa():
    assert cost_strategy(None)[0] == COST_STRATEGY
    name, why = cost_strategy(_bt(_row("vpa", 7.0, oom=2), _row("risk", 8.0, oom=1)))
    assert name == COST_STRATEGY and "no strategy was as safe" in why


def test_the_plan_states_which_requests_right_sizing_raises():
    rep = RecommendReport([_advice("percentile", "rex", 2.0, 3.0, 16 * GIB, 16 * GIB),
                           _advice("percentile", "tess", 2.0, 3.0, 16 * GIB, 19.25 * GIB),
                           _advice("percentile", "cleo", 1.0, 1.0, 8 * GIB, 7 * GIB),
                           _advice("vpa", "rex", 2.0, 1.0, 16 * GIB, 8 * GIB)], {})
    text = request_findings(rep, "percentile")
    assert "CPU use is above the request" in text
    assert "rex 2 -> 3.00" in text and "tess 2 -> 3.00" in text and "cleo" not in text
    assert "memory peaks are above the request (GiB): tess 16.0 -> 19.2" in text
    assert request_findings(rep, "vpa") == ""
    sc = Scorecard([Metric(i, i, "x", None, "ratio", t, "not-computed")
                    for i, t in (("alert-accuracy", ">= 0.95"), ("forecast-30d", ""),
                                 ("cost-reduction", ">= 0.2"))])
    fill_scorecard(sc, rep, None, backtest=_bt(_row("vpa", 7.0, oom=3),
                                               _row("percentile", 12.0)))
    m = sc.get("cost-reduction")
    assert m.status == "fail" and m.value < 0
    assert "percentile strategy's recommended requests" in m.definition
    assert "Costs more: CPU use is above the request" in m.definition
