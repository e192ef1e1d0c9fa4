"""Helpers for the twin's tests: small SimInputs built from objects."""

from __future__ import annotations

from typing import Any

from provisor.policy.workload import Workload
from provisor.sim import SimInputs, parse_node_spec


def pod_template(name: str, *, cpu: str = "1", mem: str = "1Gi", max_concurrency: int = 1,
                 ns: str = "team", restart: str = "Never", limits: dict | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {"requests": {"cpu": cpu, "memory": mem}}
    if limits:
        res["limits"] = limits
    return {"apiVersion": "v1", "kind": "PodTemplate",
            "metadata": {"name": name, "namespace": ns,
                         "annotations": {"provisor.dev/max-concurrency": str(max_concurrency)}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"restartPolicy": restart,
                                  "containers": [{"name": "agent", "image": "a", "resources": res}]}}}


def workload(doc: dict[str, Any]) -> Workload:
    return Workload.model_validate(doc)


def inputs(objects: list[dict[str, Any]], wl: dict[str, Any], nodes: str = "1x cpu=64,memory=256Gi,pods=500",
           scenarios: tuple = ()) -> SimInputs:
    return SimInputs(objects=tuple(objects), nodes=tuple(parse_node_spec(nodes)),
                     workload=workload(wl), scenarios=tuple(scenarios), source="test")


def one_stage(agent: str, duration: dict, *, rate: float, cpu: dict | None = None,
              memory: dict | None = None, **extra: Any) -> dict[str, Any]:
    return {"arrivals": {"rate_per_hour": rate},
            "workflows": [{"name": "w", "stages": [{
                "name": "s", "agent": agent, "duration": duration,
                "cpu": cpu or {"base": "500m"},
                "memory": memory or {"start": "100Mi", "peak": {"kind": "constant", "value": 200 * 2**20},
                                     "noise": 0}}]}],
            "timings": {"image_pull": {"kind": "constant", "value": 0}, "readiness": 0,
                        "tick": 60, "scrape": 300},
            **extra}
