"""provisor plan in full: render, check, simulate, recommend and forecast on the twin's
series, and a scorecard whose cost-reduction and 30-day forecast metrics are filled."""

from __future__ import annotations

import math

import pytest

from provisor.plan import cost_reduction, fill_scorecard, run_plan
from provisor.recommend.engine import ClassAdvice, RecommendReport
from provisor.recommend.strategies import Recommendation
from provisor.recommend.usage import GroupKey

GIB = 1024.0**3


def _advice(strategy, cur_cpu, rec_cpu, cur_mem, rec_mem, replicas):
    a = ClassAdvice(strategy, GroupKey("ns", "cls", "", "agent"),
                    Recommendation(rec_cpu, None, rec_mem, None), cur_cpu, math.nan, cur_mem,
                    math.nan, replicas, 3)
    a.savings_cores = (cur_cpu - rec_cpu) * replicas
    a.savings_gib = (cur_mem - rec_mem) / GIB * replicas
    a.savings_per_month = (a.savings_cores * 0.031611 + a.savings_gib * 0.004237) * 730
    return a


def test_cost_reduction_is_the_saving_over_the_current_cost():
    # CPU only: 2 cores -> 1 core on 3 running containers saves half of the CPU cost
    rep = RecommendReport([_advice("vpa", 2.0, 1.0, 0.0, 0.0, 3.0),
                           _advice("risk", 2.0, 2.0, 0.0, 0.0, 3.0)], {})
    assert cost_reduction(rep) == pytest.approx(0.5)
    assert cost_reduction(rep, strategy="risk") == pytest.approx(0.0)
    # CPU and memory, weighted by the prices
    rep = RecommendReport([_advice("vpa", 1.0, 1.0, 4 * GIB, 2 * GIB, 1.0)], {})
    cur = 0.031611 + 4 * 0.004237
    assert cost_reduction(rep) == pytest.approx(2 * 0.004237 / cur)
    assert cost_reduction(None) is None
    assert cost_reduction(RecommendReport([], {})) is None


class _FC:
    def __init__(self, days):
        self.horizon_s = 30 * 86400.0
        self.forecasts = [type("F", (), {"exhaustion": None if d is None else
                                         type("E", (), {"days": d})()})() for d in days]


def test_fill_scorecard_sets_both_metrics_and_their_definitions():
    from provisor.sim.model import Metric, Scorecard

    def card():
        return Scorecard([Metric(i, i, "x", None, "ratio", t, "not-computed")
                          for i, t in (("alert-accuracy", ">= 0.95"), ("forecast-30d", ""),
                                       ("cost-reduction", ">= 0.2"))])

    sc = card()
    fill_scorecard(sc, RecommendReport([_advice("vpa", 2.0, 1.0, 0.0, 0.0, 1.0)], {}),
                   _FC([None, None]))
    assert sc.get("cost-reduction").status == "pass"
    assert "fraction of the current cost" in sc.get("cost-reduction").definition
    f = sc.get("forecast-30d")
    assert (f.value, f.status, f.unit, f.target) == (0.0, "pass", "count", "= 0")
    assert "beyond the horizon" in f.definition
    a = sc.get("alert-accuracy")
    assert a.status == "not-computed" and "provisor alerts test" in a.definition
    sc = card()
    fill_scorecard(sc, RecommendReport([_advice("vpa", 1.0, 0.9, 0.0, 0.0, 1.0)], {}),
                   _FC([12.5, None]))
    assert sc.get("cost-reduction").status == "fail"
    assert sc.get("forecast-30d").status == "fail" and sc.get("forecast-30d").value == 1.0
    assert "12.5 days" in sc.get("forecast-30d").definition


def test_plan_fills_the_scorecard_and_the_report_shows_it(tmp_path):
    from provisor.policy import default_policy_path, load_policy
    from provisor.report import render_markdown, report_for_plan

    res = run_plan(load_policy(default_policy_path()), tmp_path / "out", simulate_days=2.0)
    sc = res.simulation.scorecard
    for mid in ("cost-reduction", "forecast-30d"):
        assert sc.get(mid).status in ("pass", "fail"), sc.get(mid)
        assert sc.get(mid).value is not None
    assert res.recommendation is not None and res.forecast is not None
    # recommend grouped the agent pods by class (kube_pod_labels from the twin)
    groups = {a.key.group for a in res.recommendation.advice}
    assert {"cleo", "tess"} <= groups
    md = render_markdown(report_for_plan(res))
    assert "Cost reduction" in md and "30-day capacity forecast" in md
    assert "cleo" in md                                    # right-sizing rows per class
    assert res.forecast.forecasts[0].namespace in md       # the forecast section's rows
