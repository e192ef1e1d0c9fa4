"""PromQL rules: static analyses of every alerting rule, recording rule and dashboard panel
query (see :mod:`provisor.promql.analysis`)."""
