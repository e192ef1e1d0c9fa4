"""kube-state-metrics' mapping of Kubernetes labels to Prometheus label names.

Follows kubernetes/kube-state-metrics ``internal/store/utils.go``: ``SanitizeLabelName``
(every character outside ``[a-zA-Z0-9_]`` becomes ``_``), ``lintLabelName`` /
``toSnakeCase`` (``_`` inserted between ``[a-z0-9]`` and ``[A-Z]``, then lower case),
``mapToPrometheusLabels`` (keys sorted; keys that map to the same name get the suffix
``_conflict1``, ``_conflict2``, ... in sorted order, the first one renamed too) and
``createPrometheusLabelKeysValues`` (only the keys on the allowlist, ``--metric-labels-allowlist``;
``*`` as the first entry allows every key; an empty allowlist exports no label).

The result is what ``kube_pod_labels`` carries beside ``namespace``, ``pod`` and ``uid``
(``internal/store/pod.go``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["ksm_label_name", "ksm_labels", "sanitize_label_name"]

_INVALID = re.compile(r"[^a-zA-Z0-9_]")
_CAPS = re.compile(r"([a-z0-9])([A-Z])")


def sanitize_label_name(name: str) -> str:
    """``SanitizeLabelName``: every character outside ``[a-zA-Z0-9_]`` replaced by ``_``."""
    return _INVALID.sub("_", name)


def ksm_label_name(prefix: str, key: str) -> str:
    """``labelName``: ``prefix + "_" + toSnakeCase(SanitizeLabelName(key))``, e.g.
    ``ksm_label_name("label", "provisor.dev/agent") == "label_provisor_dev_agent"``."""
    return prefix + "_" + _CAPS.sub(r"\1_\2", sanitize_label_name(key)).lower()


def ksm_labels(labels: Mapping[str, str], allowlist: Sequence[str] | None = None,
               prefix: str = "label") -> dict[str, str]:
    """The Prometheus labels kube-state-metrics exports for the Kubernetes ``labels`` of an
    object (``createPrometheusLabelKeysValues``), in its order (sorted Kubernetes keys).

    ``allowlist`` is the object kind's ``--metric-labels-allowlist`` entry (Kubernetes label
    keys; ``["*"]`` allows all); ``None`` means every key (``mapToPrometheusLabels`` alone).
    """
    if allowlist is not None:
        if allowlist and allowlist[0] == "*":
            chosen = dict(labels)
        else:
            chosen = {k: labels[k] for k in allowlist if k in labels}
    else:
        chosen = dict(labels)
    keys: list[str] = []
    values: list[str] = []
    conflicts: dict[str, list[int]] = {}   # name -> [count, index of the first]
    for k in sorted(chosen):
        name = ksm_label_name(prefix, k)
        c = conflicts.get(name)
        if c is not None:
            if c[0] == 1:
                keys[c[1]] = f"{keys[c[1]]}_conflict1"
            c[0] += 1
            name = f"{name}_conflict{c[0]}"
        else:
            conflicts[name] = [1, len(keys)]
        keys.append(name)
        values.append(chosen[k])
    return dict(zip(keys, values))
