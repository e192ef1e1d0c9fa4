"""Documentation of the findings the loader and the schema validator emit
(``input/*``, ``schema/*``): they have no rule function, but are listed, explained and
configurable like every rule."""

from __future__ import annotations

from provisor.check.registry import declare

_BAD_INPUT = """
**Why.** A file that cannot be read is not checked at all; provisor says so instead of
passing it silently, and exits 2 (bad input) after checking every other file.

**Fix.** {fix}
"""

declare("input/not-found", "error", "A path given on the command line does not exist.",
        "**What it flags.** A file or folder named on the command line that does not exist.\n"
        + _BAD_INPUT.format(fix="Check the path."))
declare("input/unreadable", "error", "A file cannot be read (permissions, I/O error).",
        "**What it flags.** A file that exists but cannot be opened or read.\n"
        + _BAD_INPUT.format(fix="Check the file's permissions."))
declare("input/parse-error", "error", "A file is not valid YAML or JSON.",
        "**What it flags.** A YAML or JSON syntax error, at the parser's line.\n"
        + _BAD_INPUT.format(fix="Fix the syntax at the line given."))
declare("input/too-large", "error", "A file is larger than the input size limit.",
        "**What it flags.** A file above the size limit (10 MiB by default, "
        "`provisor.manifests.Limits.max_file_bytes`); such input is refused before parsing.\n"
        + _BAD_INPUT.format(fix="Split the file, or raise the limit if the file is trusted."))
declare("input/binary", "error", "A file is binary, not text.",
        "**What it flags.** A file with NUL bytes or bytes that are not UTF-8 in its first "
        "KiB.\n" + _BAD_INPUT.format(fix="Point provisor at manifests, not binaries."))
declare("input/alias-bomb", "error", "YAML aliases expand beyond the limit (billion laughs).",
        "**What it flags.** YAML whose anchors and aliases expand to more nodes or characters "
        "than the limits allow (1,000,000 nodes, 64 Mi characters by default): the classic "
        "\"billion laughs\" attack, which would exhaust memory in any consumer.\n"
        + _BAD_INPUT.format(fix="Write the repeated content out, or drop the aliases."))
declare("input/too-deep", "error", "YAML or JSON nested deeper than the limit.",
        "**What it flags.** Nesting deeper than 100 levels (the default limit).\n"
        + _BAD_INPUT.format(fix="Flatten the document."))
declare("input/duplicate-key", "error", "A mapping gives the same key twice.",
        """
        **What it flags.** A key that appears twice in one YAML mapping.

        **Why.** YAML parsers disagree on which value wins (PyYAML keeps the last, and
        kubectl's strict decoding rejects the object with "mapping key already defined"), so
        the object applied may not be the one reviewed.

        **Fix.** Remove one of the two keys.
        """)
declare("input/unrecognized", "info",
        "A document is not a Kubernetes object, a Prometheus rule file or a Grafana dashboard.",
        """
        **What it flags.** A YAML or JSON document that provisor does not recognise (for
        example a table of settings for a controller). It is counted and reported, never
        silently skipped: one finding per document for the first 20 of a file, then one
        finding counting the rest of that file (from the line of the first not listed).

        **Why.** A misspelt `apiVersion`/`kind` would otherwise pass unchecked.

        **Fix.** None needed when the document is not meant for the cluster; otherwise add
        `apiVersion` and `kind`.
        """)
declare("schema/invalid", "error",
        "An object does not match the strict Kubernetes OpenAPI schema of its kind.",
        """
        **What it flags.** Unknown fields, missing required fields, wrong types, enum values,
        quantities that do not parse, integers out of range, for built-in kinds against the
        strict OpenAPI schemas that kubernetes-validate bundles (for `--kubernetes-version`),
        and for VerticalPodAutoscaler (`autoscaling.k8s.io/v1`) and PrometheusRule
        (`monitoring.coreos.com/v1`) against provisor's strict models of their CRDs, including
        the CRDs' `x-kubernetes-validations`.

        **Why.** The API server rejects these objects, or (with client-side `--validate=false`
        or older servers) silently drops unknown fields, so a misspelt field has no effect.

        **Fix.** The fix hint names the valid fields at that place.
        """)
declare("schema/unknown-kind", "info", "An object's kind has no schema: not validated.",
        """
        **What it flags.** An object whose apiVersion/kind has no bundled schema: a custom
        resource other than the VPA and PrometheusRule models provisor carries.

        **Why.** It is counted in the summary so that nothing is silently skipped.

        **Fix.** None; validate custom resources against their CRDs with the operator's tools.
        """)
declare("schema/unserved-api", "error",
        "An object uses an apiVersion that the chosen Kubernetes version does not serve.",
        """
        **What it flags.** A group/version the Kubernetes version under check no longer serves
        (e.g. `extensions/v1beta1` Deployments, removed in 1.16), or a CRD version that its CRD
        does not serve.

        **Why.** The API server answers "no matches for kind"; the object cannot be applied.

        **Fix.** Use the served version named in the message (e.g. `apps/v1`).
        """)
declare("schema/deprecated-api", "warning", "An object uses a deprecated apiVersion.",
        """
        **What it flags.** A deprecated version such as `autoscaling.k8s.io/v1beta2` for the
        VerticalPodAutoscaler (the current CRD marks it `served: false`).

        **Why.** It stops working when the operator upgrades.

        **Fix.** Move to the version named in the message.
        """)
