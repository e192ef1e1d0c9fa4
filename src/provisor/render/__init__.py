"""policy -> Kubernetes objects -> a kustomize base written atomically.

Public API (the CLI and ``plan`` use these)::

    render(policy: Policy) -> Bundle              # pure, deterministic
    write_bundle(bundle, out_dir, *, force=False) -> Path   # atomic; BundleExistsError
    summary(bundle) -> dict[str, int]             # objects by kind
    departures(policy) -> list[Departure]         # where the policy departs from the spec

One module per concern: ``namespaces``, ``priority``, ``quota`` (ResourceQuota, LimitRange),
``storage`` (workspace PVC templates), ``tiers`` (PodTemplates, tier ConfigMap),
``autoscaling`` (HPAs, VPAs), ``disruption`` (PDBs), ``monitoring`` (PrometheusRule, Grafana
dashboard), ``bundle`` (grouping, README, writer), ``departures``.
"""

from __future__ import annotations

from provisor.render.bundle import (
    Bundle,
    BundleExistsError,
    BundleFile,
    render,
    summary,
    write_bundle,
)
from provisor.render.departures import Departure, departures

__all__ = ["Bundle", "BundleExistsError", "BundleFile", "Departure", "departures", "render",
           "summary", "write_bundle"]
