"""The workload schema: docs/workload.schema.json is the model's schema, and the built-in
policy's workload (and a --workload file) validate against both."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from provisor.policy import default_policy_path
from provisor.policy.workload import Workload
from provisor.sim.workload import workload_json_schema

REPO = Path(__file__).resolve().parents[2]


def test_schema_file_is_generated_from_the_model():
    on_disk = json.loads((REPO / "docs" / "workload.schema.json").read_text())
    assert on_disk == json.loads(json.dumps(workload_json_schema())), "run make docs"


def test_default_workload_matches_schema_and_model():
    doc = yaml.safe_load(default_policy_path().read_text())["workload"]
    jsonschema.validate(doc, workload_json_schema())
    w = Workload.model_validate(doc)
    assert w.workflows[0].stages[0].agents() == ["rex", "blaze"]
    assert w.workflows[0].stages[0].cpu.base == 1000


@pytest.mark.parametrize("bad", [
    {"arrivals": {"rate_per_hour": -1}},
    {"arrivals": {"rate_per_hour": 1, "hourly": [1, 2]}},
])
def test_schema_and_model_reject_the_same(bad):
    doc = yaml.safe_load(default_policy_path().read_text())["workload"]
    doc = {**doc, **bad}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, workload_json_schema())
    with pytest.raises(ValueError):
        Workload.model_validate(doc)
