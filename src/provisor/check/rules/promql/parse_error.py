"""promql/parse-error: an expression promql-parser cannot read."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import hits
from provisor.promql.analysis import PARSE_ERROR


@rule("promql/parse-error", "error",
      "A rule or panel expression is not valid PromQL.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule, recording rule or Grafana panel target (after
    Grafana's variables are interpolated) whose `expr` the PromQL parser rejects; the message
    is the parser's.

    **Why.** Prometheus refuses to load a rule file with an unparseable expression
    (promql/parser/parse.go, `ParseExpr`; the Prometheus Operator's admission webhook rejects
    the PrometheusRule), so none of the file's rules run; a broken panel query shows an error
    instead of data. No other PromQL rule can judge an expression it cannot read.

    **Fix.** Correct the expression; `promtool check rules` gives the same verdict.
    """
    return hits(ctx, PARSE_ERROR)
