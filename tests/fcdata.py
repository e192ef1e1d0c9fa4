"""Synthetic platform series for the forecast and report tests (deterministic, seeded)."""

from __future__ import annotations

import numpy as np

from provisor.series import MetricMeta, Series, SeriesSet

DAY = 86400.0
T0 = 1_700_000_000.0 - (1_700_000_000.0 % DAY)   # a midnight


def seasonal(days: float, step: float = 3600.0, level: float = 10.0, growth_per_day: float = 0.0,
             daily_amp: float = 3.0, weekly_amp: float = 1.0, noise: float = 0.3,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(timestamps, values): a level with daily and weekly seasons, linear growth, noise."""
    rng = np.random.default_rng(seed)
    t = T0 + step * np.arange(int(days * DAY / step))
    d = (t - T0) / DAY
    y = (level + growth_per_day * d + daily_amp * np.sin(2 * np.pi * d)
         + weekly_amp * np.sin(2 * np.pi * d / 7) + rng.normal(0, noise, len(t)))
    return t, np.maximum(y, 0.0)


def platform(days: float = 21, *, growth_pods_per_day: float = 2.0, pods0: int = 10,
             quota_pods: int = 60, step: float = 300.0, seed: int = 1) -> SeriesSet:
    """A namespace ``team-a`` whose pod count grows ``growth_pods_per_day`` with a daily
    swing, each pod requesting 500m / 1 GiB and using about half, a quota of ``quota_pods``
    pods and 40 CPU, 3 nodes of 16 cores / 64 GiB / 110 pods; plus a flat ``team-b``."""
    rng = np.random.default_rng(seed)
    t = T0 + step * np.arange(int(days * DAY / step))
    d = (t - T0) / DAY
    want = pods0 + growth_pods_per_day * d + 3 * np.sin(2 * np.pi * d)
    series: list[Series] = []
    npods = int(want.max()) + 2
    for ns, w in (("team-a", want), ("team-b", np.full(len(t), 4.0))):
        for i in range(npods):
            alive = w > i
            if not alive.any():
                continue
            ts = t[alive]
            pod = {"namespace": ns, "pod": f"agent-{i:03d}"}
            series.append(Series({"__name__": "kube_pod_info", **pod}, ts, np.ones(len(ts))))
            for res, v in (("cpu", 0.5), ("memory", 2.0**30)):
                series.append(Series({"__name__": "kube_pod_container_resource_requests",
                                      **pod, "container": "agent", "resource": res},
                                     ts, np.full(len(ts), v)))
            use = 0.25 + 0.05 * rng.random(len(ts))
            series.append(Series({"__name__": "container_cpu_usage_seconds_total", **pod,
                                  "container": "agent"}, ts, np.cumsum(use * step)))
            series.append(Series({"__name__": "container_memory_working_set_bytes", **pod,
                                  "container": "agent"}, ts,
                                 2.0**29 * (1 + 0.1 * rng.random(len(ts)))))
    for res, v in (("pods", quota_pods), ("requests.cpu", 40), ("requests.memory", 80 * 2.0**30)):
        for typ, val in (("hard", float(v)),):
            series.append(Series({"__name__": "kube_resourcequota", "namespace": "team-a",
                                  "resourcequota": "agents", "resource": res, "type": typ},
                                 t, np.full(len(t), val)))
    for n in range(3):
        for res, v in (("cpu", 16.0), ("memory", 64 * 2.0**30), ("pods", 110.0)):
            series.append(Series({"__name__": "kube_node_status_allocatable",
                                  "node": f"node-{n}", "resource": res}, t, np.full(len(t), v)))
    meta = {"container_cpu_usage_seconds_total": MetricMeta("counter", "CPU seconds")}
    return SeriesSet(series, meta)
