"""Which API group serves a built-in kind, and how a controller resolves a cross-version
object reference (an HPA's ``scaleTargetRef``, a VPA's ``targetRef``) to a resource.

Sources (kubernetes/kubernetes):

* ``staging/src/k8s.io/apimachinery/pkg/runtime/schema/group_version.go``,
  ``ParseGroupVersion``: ``""`` and ``"/"`` give the empty group and version; no slash
  gives the core group ``""`` with that version; one slash splits group/version; more is an
  error ``unexpected GroupVersion string: <gv>``.
* ``pkg/controller/podautoscaler/horizontal.go``, ``reconcileAutoscaler``: the HPA parses
  ``scaleTargetRef.apiVersion``, keeps only its **group**, and asks the REST mapper for
  ``RESTMappings(GroupKind{group, kind})``; when the group does not serve the kind the
  mapper answers ``no matches for kind "<kind>" in group "<group>"``
  (``apimachinery/pkg/api/meta/errors.go``, ``NoKindMatchError`` with no searched
  versions), and the HPA sets ``AbleToScale=False``, reason ``FailedGetScale``. The version
  part is ignored, so ``apps/v1beta2`` still resolves while ``apps`` serves Deployments.
* Served groups of the scalable and pod-controlling kinds: ``apps`` (Deployment,
  StatefulSet, ReplicaSet, DaemonSet), core ``""`` (ReplicationController), ``batch`` (Job,
  CronJob); ``extensions`` served Deployment, DaemonSet and ReplicaSet until Kubernetes 1.16
  removed them (CHANGELOG-1.16, "The following APIs are no longer served by default:
  extensions/v1beta1 ... daemonsets, deployments, replicasets").
* ``kubernetes/autoscaler`` ``vertical-pod-autoscaler/pkg/target/fetcher.go``
  (``vpaTargetSelectorFetcher.Fetch``): the VPA looks the well-known controllers (CronJob,
  DaemonSet, Deployment, Job, ReplicaSet, ReplicationController, StatefulSet) up by
  **kind** alone, whatever ``apiVersion`` says; any other kind goes through the REST mapper
  by group, as the HPA does.
"""

from __future__ import annotations

__all__ = ["GroupVersionError", "parse_group_version", "BUILTIN_GROUPS", "served_groups",
           "rest_mapping_error", "VPA_WELL_KNOWN"]


class GroupVersionError(ValueError):
    """``apiVersion`` has more than one slash: ``unexpected GroupVersion string: <gv>``."""


def parse_group_version(gv: str) -> tuple[str, str]:
    """``(group, version)`` of an ``apiVersion`` string, as ``schema.ParseGroupVersion``.

    Raises:
        GroupVersionError: more than one ``/``.
    """
    if gv in ("", "/"):
        return "", ""
    n = gv.count("/")
    if n == 0:
        return "", gv
    if n == 1:
        g, _, v = gv.partition("/")
        return g, v
    raise GroupVersionError(f"unexpected GroupVersion string: {gv}")


#: kind -> {group: (first minor release serving it, first minor release NOT serving it or
#: None)} for Kubernetes 1.x.
BUILTIN_GROUPS: dict[str, dict[str, tuple[int, int | None]]] = {
    "Deployment": {"apps": (6, None), "extensions": (2, 16)},
    "DaemonSet": {"apps": (9, None), "extensions": (2, 16)},
    "ReplicaSet": {"apps": (9, None), "extensions": (2, 16)},
    "StatefulSet": {"apps": (5, None)},
    "ReplicationController": {"": (0, None)},
    "Job": {"batch": (2, None)},
    "CronJob": {"batch": (8, None)},
    "Pod": {"": (0, None)},
    "PodTemplate": {"": (0, None)},
}

#: Kinds the VPA finds by kind alone (vertical-pod-autoscaler/pkg/target/fetcher.go).
VPA_WELL_KNOWN = frozenset({"CronJob", "DaemonSet", "Deployment", "Job", "ReplicaSet",
                            "ReplicationController", "StatefulSet"})


def served_groups(kind: str, minor: int | None = None) -> list[str] | None:
    """The groups serving built-in ``kind`` in Kubernetes 1.``minor`` (None: a current
    release), sorted; None when ``kind`` is not a built-in kind listed here."""
    table = BUILTIN_GROUPS.get(kind)
    if table is None:
        return None
    out = []
    for group, (since, until) in table.items():
        if minor is None:
            if until is None:
                out.append(group)
        elif since <= minor and (until is None or minor < until):
            out.append(group)
    return sorted(out)


def rest_mapping_error(api_version: str, kind: str, minor: int | None = None,
                       custom_groups: frozenset[str] | None = None) -> str | None:
    """The error a controller resolving ``(api_version, kind)`` by group through the REST
    mapper gets, in Kubernetes' wording, or None when it resolves (or cannot be judged).

    Args:
        api_version: the reference's ``apiVersion`` ("" when unset).
        kind: the reference's ``kind``.
        minor: the Kubernetes minor version (None: a current release).
        custom_groups: for a kind that is not built-in, the groups whose CRDs (among the
            checked objects) serve it; None when unknown (then only the core group, which
            serves no custom kind, is judged).

    Returns:
        ``unexpected GroupVersion string: ...`` or ``no matches for kind "K" in group "G"``.
    """
    try:
        group, _version = parse_group_version(api_version)
    except GroupVersionError as exc:
        return str(exc)
    groups = served_groups(kind, minor)
    if groups is None:
        if group == "":
            return f'no matches for kind "{kind}" in group ""'
        if custom_groups is not None and group not in custom_groups:
            return f'no matches for kind "{kind}" in group "{group}"'
        return None
    if group in groups:
        return None
    return f'no matches for kind "{kind}" in group "{group}"'
