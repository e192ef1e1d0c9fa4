"""The twin's ``kube_pod_labels``: kube-state-metrics' mapping of the agent pods' labels,
restricted to the allowlist the bundle's README asks for, sampled with the other
kube-state-metrics pod series, so recording rules and recommend group by agent class."""

from __future__ import annotations

import io

import numpy as np
import pytest

from provisor.recommend import usage_from_series
from provisor.series import read_openmetrics, write_openmetrics
from provisor.sim import load_inputs, simulate
from provisor.sim.recorder import POD_LABELS_ALLOWLIST


@pytest.fixture(scope="module")
def run():
    return simulate(load_inputs(), days=0.25, seed=3)


def test_agent_pods_carry_their_class(run):
    ss = run.series()
    labels = ss.select("kube_pod_labels")
    assert labels
    agents = {s.labels["label_provisor_dev_agent"] for s in labels
              if "label_provisor_dev_agent" in s.labels}
    assert len(agents) >= 2
    for s in labels:
        extra = {k for k in s.labels if k.startswith("label_")}
        assert extra <= {"label_provisor_dev_agent"}          # the allowlist, nothing more
        assert {"namespace", "pod", "uid", "job"} <= set(s.labels)
        assert np.all(s.values == 1.0)
        # same sampling as kube_pod_status_phase of the same pod
        phase = ss.select("kube_pod_status_phase", pod=s.labels["pod"], phase="Running")
        assert phase and np.array_equal(phase[0].timestamps, s.timestamps)


def test_recommend_groups_by_agent_class(run):
    ss = run.series()
    agents = {s.labels["label_provisor_dev_agent"] for s in ss.select("kube_pod_labels")
              if "label_provisor_dev_agent" in s.labels}
    groups = {u.group for u in usage_from_series(ss)}
    assert agents <= groups
    # and through the OpenMetrics text (what `provisor recommend --series FILE` reads)
    buf = io.StringIO()
    write_openmetrics(ss, buf)
    back = read_openmetrics(io.StringIO(buf.getvalue()))
    assert agents <= {u.group for u in usage_from_series(back)}


def test_allowlist_matches_the_bundle_readme():
    from provisor.policy import default_policy_path, load_policy
    from provisor.render import render

    text = "\n".join(str(v) for k, v in render(load_policy(default_policy_path())).contents().items()
                     if str(k).endswith("README.md"))
    assert "--metric-labels-allowlist=pods=[" + ",".join(POD_LABELS_ALLOWLIST) + "]" in text
