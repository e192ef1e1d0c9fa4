"""The GWA-T-12 Bitbrains "Rnd" trace: train on July and August 2013, forecast September
(30 days, hourly), score against what happened. The issue's goal: MASE < 1 against the
seasonal naive forecast for most series, 95 % intervals covering about 95 % of the points.

Measured (both engines share the backtest, the selection and the intervals):

* batch engine (the default, our vectorised models): MASE < 1 on 7 of 12, median 0.92;
  mean coverage 0.952 (95 %) and 0.855 (80 %); 0.65 s for the 12 series;
* statsforecast engine: 7 of 12, median 0.93; 0.962 and 0.831; 18 s. It scored 8 of 12
  while its AutoARIMA estimated by ``CSS`` alone, whose forecasts start from a zero state
  (statsforecast 2.1; see ``engine._models``): a broken candidate that happened to lose
  the selection where it mattered. With ``CSS-ML`` it is 7.

Before the horizon-aware conformal intervals the 95 % ones covered 0.985 (too wide)."""

from __future__ import annotations

import calendar

import numpy as np
import pytest
from bitbrains import VMS, read_vm

from provisor.forecast import Target, forecast_targets
from provisor.forecast.engine import regular

# The trace's months start at local midnight in Amsterdam (CEST, UTC+2): the September file
# runs from 2013-08-31 22:03 UTC to 2013-09-29 21:58 UTC, 696 hourly points.
SEPT = float(calendar.timegm((2013, 8, 31, 22, 0, 0)))
SEPT_HOURS = 696
HOUR = 3600.0


def bitbrains_targets(root):
    """Per VM: CPU cores used and memory bytes used, hourly, July 1 to September 30."""
    out = []
    for vm in VMS:
        d = read_vm(root, vm)
        for col, q, unit in (("cpu_cores", "cpu_usage", "cores"),
                             ("mem_bytes", "memory_usage", "bytes")):
            g, v = regular(d["t"], d[col], HOUR)
            out.append(Target(f"vm-{vm}", q, unit, g, v, HOUR))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["batch", "statsforecast"])
def test_september_forecast_beats_seasonal_naive(shared, engine):
    root = shared / "traces" / "bitbrains-gwa-t-12-rnd"
    targets = bitbrains_targets(root)
    for t in targets:       # the held-out window is exactly the September file
        assert t.timestamps[-SEPT_HOURS] == SEPT and len(t.timestamps) > 3 * SEPT_HOURS // 2
    r = forecast_targets(targets, SEPT_HOURS * HOUR, backtest=True, engine=engine)
    scores = [fc.holdout for fc in r.forecasts]
    mase = np.array([s.mase for s in scores])
    cov95 = np.array([s.coverage95 for s in scores])
    cov80 = np.array([s.coverage80 for s in scores])
    print("\nBitbrains September:", [(fc.namespace, fc.quantity, fc.model,
                                       round(fc.holdout.mase, 2), round(fc.holdout.coverage80, 2),
                                       round(fc.holdout.coverage95, 2))
                                      for fc in r.forecasts])
    print(f"MASE < 1 on {(mase < 1).sum()}/12, median {np.median(mase):.2f}; "
          f"mean coverage 80% {cov80.mean():.3f}, 95% {cov95.mean():.3f}")
    assert len(scores) == 12 and all(s.points == SEPT_HOURS for s in scores)
    assert (mase < 1).sum() >= 7, mase          # most series beat the seasonal naive
    assert np.median(mase) < 1
    # calibrated, not only wide: about 95 % and 80 % (conformal by lead time)
    assert 0.92 <= cov95.mean() <= 0.975, cov95
    assert 0.75 <= cov80.mean() <= 0.90, cov80
    assert r.summary()["mase_below_1"] == int((mase < 1).sum())
