"""provisor.k8s.apigroups against apimachinery's ParseGroupVersion
(staging/src/k8s.io/apimachinery/pkg/runtime/schema/group_version.go) and the REST mapper's
NoKindMatchError wording (apimachinery/pkg/api/meta/errors.go)."""

from __future__ import annotations

import pytest

from provisor.k8s.apigroups import (GroupVersionError, parse_group_version, rest_mapping_error,
                                    served_groups)


@pytest.mark.parametrize("gv,want", [
    ("", ("", "")), ("/", ("", "")), ("v1", ("", "v1")), ("apps/v1", ("apps", "v1")),
    ("/v1", ("", "v1")), ("apps/", ("apps", "")),
    ("autoscaling.k8s.io/v1", ("autoscaling.k8s.io", "v1")),
])
def test_parse_group_version(gv, want):
    assert parse_group_version(gv) == want


def test_parse_group_version_error():
    with pytest.raises(GroupVersionError, match="unexpected GroupVersion string: a/b/c"):
        parse_group_version("a/b/c")


def test_served_groups_by_release():
    assert served_groups("Deployment") == ["apps"]
    assert served_groups("Deployment", 15) == ["apps", "extensions"]
    assert served_groups("Deployment", 16) == ["apps"]
    assert served_groups("ReplicationController") == [""]
    assert served_groups("Rollout") is None


@pytest.mark.parametrize("api,kind,minor,custom,want", [
    ("", "Deployment", None, None, 'no matches for kind "Deployment" in group ""'),
    ("v1", "Deployment", None, None, 'no matches for kind "Deployment" in group ""'),
    ("extensions/v1beta1", "Deployment", None, None,
     'no matches for kind "Deployment" in group "extensions"'),
    ("extensions/v1beta1", "Deployment", 15, None, None),
    ("apps/v1", "Deployment", None, None, None),
    ("apps/v1beta2", "StatefulSet", None, None, None),  # only the group is used
    ("", "ReplicationController", None, None, None),
    ("", "Rollout", None, None, 'no matches for kind "Rollout" in group ""'),
    ("argoproj.io/v1alpha1", "Rollout", None, None, None),  # unknown CRD: not judged
    ("argo.io/v1alpha1", "Rollout", None, frozenset({"argoproj.io"}),
     'no matches for kind "Rollout" in group "argo.io"'),
    ("a/b/c", "Deployment", None, None, "unexpected GroupVersion string: a/b/c"),
])
def test_rest_mapping_error(api, kind, minor, custom, want):
    assert rest_mapping_error(api, kind, minor, custom) == want
