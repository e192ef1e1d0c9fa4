"""alert/humanize-percentage-not-ratio: humanizePercentage on a value that is not a ratio."""

from __future__ import annotations

import re
from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.check.rules.promql._exprs import analysed
from provisor.promql.analysis import UNIT_NAMES

_ON_VALUE = re.compile(r"\$value\s*\|\s*humanizePercentage\b|humanizePercentage\s+\$value\b")
#: Units that humanizePercentage misprints.
_NOT_RATIO = frozenset({"cores", "cpu-seconds", "bytes", "bytes/s", "seconds", "percent",
                        "celsius"})


@rule("alert/humanize-percentage-not-ratio", "warning",
      "An annotation prints $value with humanizePercentage, but the value is not a ratio.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** An alerting rule whose annotation applies `humanizePercentage` to
    `$value` while its expression's value is known not to be a 0..1 ratio: CPU cores (the
    rate of a CPU-seconds counter), bytes, seconds, or a percentage already multiplied by 100.
    The unit is inferred from the expression (see `promql/cores-as-ratio`); unknown units are
    not judged.

    **Why.** `humanizePercentage` multiplies by 100 and appends `%` (Prometheus
    template/template.go, `humanizePercentage`). 0.8 cores prints as "80%", 3 GiB as
    "322122547200%", and a value already in percent (`* 100`) as "8500%".

    **Fix.** Make the expression a ratio (divide by the request, limit or capacity), or use
    the formatter of its unit: `humanize` for cores, `humanize1024` for bytes,
    `humanizeDuration` for seconds, or `printf "%.0f%%"` for a percentage.
    """
    for site, an in analysed(ctx):
        if site.origin != "alert" or site.rule is None or an.unit not in _NOT_RATIO \
                or an.empty is not None:
            continue
        ann = site.rule.get("annotations")
        if not isinstance(ann, dict):
            continue
        for key, text in ann.items():
            if isinstance(text, str) and _ON_VALUE.search(text):
                yield Hit(site.doc,
                          f"{site.label}: annotation {key} prints $value with "
                          f"humanizePercentage, but the value is {UNIT_NAMES[an.unit]}: it is "
                          "multiplied by 100 and shown with a % sign (0.8 prints as 80%)",
                          fix=_fix(an.unit), path=(*(site.rule_path or ()), "annotations", key),
                          obj=site.obj)


def _fix(unit: str) -> str:
    if unit == "percent":
        return "drop the `* 100` from the expression, or print with printf \"%.0f%%\""
    if unit in ("bytes", "bytes/s"):
        return "use humanize1024 (bytes), or divide by the limit to get a ratio"
    if unit == "seconds":
        return "use humanizeDuration, or divide to get a ratio"
    return ("divide by the CPU request or limit to get a ratio, or print cores with humanize "
            "(e.g. \"{{ $value | humanize }} cores\")")
