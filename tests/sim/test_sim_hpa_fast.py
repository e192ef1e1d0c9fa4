"""The twin with the HPA fast path (``provisor.k8s.hpa.fast``) gives byte-identical results to
the twin calling the exact ``reconcile_autoscaler`` on Pod dicts (``Engine.hpa_fast = False``):
scorecard, summary, ground truth and every series sample."""

from __future__ import annotations

import json

from provisor.sim import engine as eng
from provisor.sim import load_inputs, simulate


def _run(inputs, fast: bool, monkeypatch):
    monkeypatch.setattr(eng.Engine, "hpa_fast", fast)
    r = simulate(inputs, days=0.5, seed=7)
    series = sorted(((tuple(sorted(s.labels.items())), s.timestamps.tobytes(), s.values.tobytes())
                     for s in r.series()), key=lambda x: x[0])
    return json.dumps(r.to_json(), sort_keys=True), series


def test_fast_and_exact_hpa_give_the_same_twin(monkeypatch):
    default_inputs = load_inputs()
    fast = _run(default_inputs, True, monkeypatch)
    exact = _run(default_inputs, False, monkeypatch)
    assert fast[0] == exact[0]
    assert fast[1] == exact[1]
    rescales = [i for i in json.loads(fast[0])["ground_truth"] if i["kind"] == "hpa-rescale"]
    assert rescales  # the HPAs acted: the comparison covers decisions, not only no-ops
