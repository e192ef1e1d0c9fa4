"""alert/promtool-missing: promtool is not installed, so rule files are not checked by it."""

from __future__ import annotations

from collections.abc import Iterator

from provisor.check.context import Context, Hit
from provisor.check.registry import rule
from provisor.promql.promtool import INSTALL_HINT, find_promtool


@rule("alert/promtool-missing", "info",
      "promtool is not installed: `promtool check rules` was skipped.")
def check(ctx: Context) -> Iterator[Hit]:
    """
    **What it flags.** Once per run, when there are Prometheus rules to check and the
    `promtool` binary (`settings.promtool`, default `promtool` on PATH) cannot be found. Not
    reported when `settings.promtool` is set to `""` (promtool deliberately off).

    **Why.** `alert/promtool` runs the real `promtool check rules`, which knows Prometheus'
    own validation (durations, label names, annotation templates, duplicate groups) beyond
    what provisor's own rules check. Without it those checks are skipped; this is not a
    failure.

    **Fix.** Install Debian's `prometheus` package (`apt-get install prometheus`; it ships
    promtool), or point `settings.promtool` at the binary.
    """
    name = getattr(ctx.settings, "promtool", "promtool")
    if not name or find_promtool(name) is not None:
        return
    for doc, _path, _rule, ref in ctx.alerting_rules():
        yield Hit(doc, f"promtool ({name}) is not installed: `promtool check rules` was "
                       "skipped for every rule file", fix=INSTALL_HINT, obj=ref)
        return
