"""``provisor.alerting``: alert accuracy measured with the real Prometheus rule engine.

Modules:

* :mod:`provisor.alerting.engine`: :func:`evaluate_alerts` runs rule groups over a
  ``provisor.series.SeriesSet`` with ``promtool test rules`` (Prometheus' own rule manager)
  and returns when each alert fired.
* :mod:`provisor.alerting.scoring`: matches firings with ground-truth incidents: per alert
  true/false positives, false negatives, precision, recall, delay; the false-positive rate
  over all resource alerts against the spec's 5% target.
* :mod:`provisor.alerting.scenarios`: generated scenarios with known ground truth, under the
  real cAdvisor / kube-state-metrics / kubelet names, for when the twin is not at hand and
  for the tests.
* :mod:`provisor.alerting.harness`: :func:`run_alert_test`, what ``provisor alerts test``
  calls: scenarios x seeds -> series -> firings -> scores, for the rendered rules and any
  rule files given.
"""
