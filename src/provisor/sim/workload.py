"""The workload and scenario schemas (re-exported from ``provisor.policy.workload``).

``python -m provisor.sim.workload`` prints the JSON Schema of :class:`Workload` (the file
``docs/workload.schema.json`` is this output; ``make docs`` regenerates it).
"""

from __future__ import annotations

import json
import sys

from provisor.policy.workload import (
    Arrivals,
    Burst,
    Constant,
    ControllerLoad,
    CpuProfile,
    Empirical,
    Exponential,
    Fault,
    LogNormal,
    MemoryProfile,
    Queueing,
    Rework,
    Scenario,
    Stage,
    Timings,
    Workload,
    WorkflowSpec,
)


def workload_json_schema() -> dict:
    """The JSON Schema (draft 2020-12, as pydantic emits it) of the ``workload:`` section."""
    schema = Workload.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "provisor workload"
    return schema


def main() -> None:
    sys.stdout.write(json.dumps(workload_json_schema(), indent=2, sort_keys=True) + "\n")


__all__ = ["Arrivals", "Burst", "Constant", "ControllerLoad", "CpuProfile", "Empirical",
           "Exponential", "Fault", "LogNormal", "MemoryProfile", "Queueing", "Rework", "Scenario",
           "Stage", "Timings", "Workload", "WorkflowSpec", "workload_json_schema"]

if __name__ == "__main__":
    main()
