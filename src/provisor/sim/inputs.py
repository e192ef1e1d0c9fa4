"""Inputs of the digital twin: objects, nodes, workload, scenarios (``load_inputs``).

Everything is resolved here (files read through the hardened manifests loader, the policy
rendered in memory, node pools expanded), so :class:`SimInputs` is a self-contained, picklable
value and ``simulate`` does no I/O.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisor.policy.model import Policy

from pydantic import BaseModel, ValidationError

from provisor.policy.workload import Empirical, Scenario, Workload
from provisor.quantity import Quantity, QuantityError


class SimInputError(ValueError):
    """Bad simulation input. ``file``, ``line`` (0 when unknown) and ``field`` (a dotted path or
    ``""``) say where; ``str(err)`` is ``file:line: field: message``."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


@dataclass(frozen=True)
class SimInputs:
    """What ``simulate`` runs: plain data only (picklable; Dask ships it to workers).

    Attributes:
        objects: Kubernetes objects (JSON-form dicts), in input order, without Nodes.
        nodes: Node objects (``status.capacity`` / ``status.allocatable``, labels, taints).
        workload: the workload model.
        scenarios: scenarios, applied together.
        source: a short description of where the objects came from (for the report).
    """

    objects: tuple[dict[str, Any], ...]
    nodes: tuple[dict[str, Any], ...]
    workload: Workload
    scenarios: tuple[Scenario, ...] = ()
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_NODE_SPEC = re.compile(r"^\s*(?:(\d+)\s*x\s*)?(.*)$")


def parse_node_spec(spec: str, index: int = 0) -> list[dict[str, Any]]:
    """``"6x cpu=16,memory=64Gi,pods=110"`` -> 6 Node objects (allocatable = capacity).

    Keys: ``cpu``, ``memory``, ``pods``, ``name`` (prefix), ``ephemeral-storage``; labels as
    ``label.KEY=VALUE``. Raises ``SimInputError`` (file ``--nodes``) on a bad spec."""
    m = _NODE_SPEC.match(spec)
    if not m:
        raise SimInputError("--nodes", 0, spec, "expected [Nx] cpu=..,memory=..[,pods=..]")
    count = int(m.group(1) or 1)
    fields: dict[str, str] = {}
    labels: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in m.group(2).split(","))):
        if "=" not in part:
            raise SimInputError("--nodes", 0, part, f"in {spec!r}: expected key=value")
        k, v = (s.strip() for s in part.split("=", 1))
        if k.startswith("label."):
            labels[k[6:]] = v
        elif k in ("cpu", "memory", "pods", "name", "ephemeral-storage"):
            fields[k] = v
        else:
            raise SimInputError("--nodes", 0, k, f"in {spec!r}: unknown key (cpu, memory, "
                                "pods, name, ephemeral-storage, label.KEY)")
    for k in ("cpu", "memory"):
        if k not in fields:
            raise SimInputError("--nodes", 0, k, f"in {spec!r}: required")
        try:
            Quantity.parse(fields[k])
        except QuantityError as exc:
            raise SimInputError("--nodes", 0, k, f"in {spec!r}: {exc}") from None
    if count < 1 or count > 100000:
        raise SimInputError("--nodes", 0, "count", f"in {spec!r}: must be 1..100000")
    pods = fields.get("pods", "110")
    if not pods.isdigit() or int(pods) < 1:
        raise SimInputError("--nodes", 0, "pods", f"in {spec!r}: must be a positive integer")
    prefix = fields.get("name", f"pool{index}")
    res = {"cpu": fields["cpu"], "memory": fields["memory"], "pods": pods}
    if "ephemeral-storage" in fields:
        res["ephemeral-storage"] = fields["ephemeral-storage"]
    return [_node(f"{prefix}-{i}", res, res, labels) for i in range(count)]


def _node(name: str, capacity: dict[str, str], allocatable: dict[str, str],
          labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
            "spec": {},
            "status": {"capacity": dict(capacity), "allocatable": dict(allocatable)}}


def policy_nodes(policy: Any) -> list[dict[str, Any]]:
    """Node objects of a policy's ``cluster``: its ``nodes`` pools, or 5 equal nodes adding up
    to ``cluster.capacity``."""
    out: list[dict[str, Any]] = []
    pools = policy.cluster.nodes
    if not pools:
        cap = policy.cluster.capacity
        cpu_m = cap.cpu.milli_value() // 5
        mem = cap.memory.int_value() // 5
        res = {"cpu": f"{cpu_m}m", "memory": str(mem), "pods": "110"}
        return [_node(f"node-{i}", res, res, {}) for i in range(5)]
    for pool in pools:
        cap = {"cpu": str(pool.cpu), "memory": str(pool.memory), "pods": str(pool.pods)}
        alloc = dict(cap)
        if pool.reserved is not None:
            alloc["cpu"] = f"{pool.cpu.milli_value() - pool.reserved.cpu.milli_value()}m"
            alloc["memory"] = str(pool.memory.int_value() - pool.reserved.memory.int_value())
        for i in range(pool.count):
            out.append(_node(f"{pool.name}-{i}", cap, alloc, dict(pool.labels)))
    return out


def _external_deployments(policy: Any) -> list[dict[str, Any]]:
    """The Deployments the policy's bundle assumes exist (coderun controller, Argo server),
    built from their ``assumed_pod_resources`` so the twin can run their HPAs and PDBs."""
    out = []
    for _, w in policy.external_workloads():
        d = w.deployment
        res: dict[str, Any] = {}
        reqs = {k: str(v) for k, v in w.assumed_pod_resources.requests.items()}
        lims = {k: str(v) for k, v in w.assumed_pod_resources.limits.items()}
        if reqs:
            res["requests"] = reqs
        if lims:
            res["limits"] = lims
        labels = dict(d.pod_labels)
        out.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": d.name, "namespace": d.namespace, "labels": dict(labels)},
            "spec": {"replicas": w.autoscaling.min_replicas,
                     "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": d.name, "image": "controller",
                                                           "resources": res}]}}},
        })
    return out


def _read_yaml(path: Path, what: str) -> tuple[Any, Any]:
    """Load one YAML document through the manifests loader (limits, positions)."""
    from provisor.manifests import load

    docs = load([str(path)])
    bad = [f for f in docs.findings if f.severity == "error"]
    if bad:
        f = bad[0]
        raise SimInputError(f.file or str(path), f.line or 0, "", f.message)
    if not docs:
        raise SimInputError(str(path), 0, "", f"no {what} found")
    return docs[0].obj, docs[0]


def _validation_error(exc: ValidationError, file: str, doc: Any) -> SimInputError:
    err = exc.errors()[0]
    loc = tuple(x for x in err.get("loc", ()) if not (isinstance(x, str) and x in (
        "constant", "exponential", "lognormal", "empirical")))
    line = 0
    if doc is not None:
        try:
            line = doc.line_of(loc)
        except Exception:  # noqa: BLE001 - a path the document cannot point at
            line = doc.line
    return SimInputError(file, line, ".".join(str(x) for x in loc), err.get("msg", "invalid"))


def _resolve_empirical(model: Any, base: Path) -> Any:
    """Read ``empirical.file`` references (relative to ``base``) into ``values``."""
    if isinstance(model, Empirical) and model.file and not model.values:
        from provisor.safeyaml import InputError, read_text_file

        p = (base / model.file) if not Path(model.file).is_absolute() else Path(model.file)
        try:
            text = read_text_file(p)
        except InputError as exc:
            raise SimInputError(exc.file, exc.line, "file", exc.message) from None
        vals: list[float] = []
        for i, line in enumerate(text.splitlines(), 1):
            s = line.strip().lstrip("-").strip()
            if not s or s.startswith("#"):
                continue
            try:
                v = float(s)
            except ValueError:
                raise SimInputError(str(p), i, "file", f"not a number: {s!r}") from None
            if v < 0 or v != v:
                raise SimInputError(str(p), i, "file", f"must be a number >= 0: {s!r}")
            vals.append(v)
        if not vals:
            raise SimInputError(str(p), 0, "file", "no numbers")
        return Empirical(values=vals)
    if isinstance(model, BaseModel):
        updates = {}
        for name in type(model).model_fields:
            v = getattr(model, name)
            nv = _resolve_empirical(v, base)
            if nv is not v:
                updates[name] = nv
        return model.model_copy(update=updates) if updates else model
    if isinstance(model, list):
        new = [_resolve_empirical(v, base) for v in model]
        return new if any(a is not b for a, b in zip(new, model)) else model
    return model


def load_workload(path: Path) -> Workload:
    """A ``--workload`` file (the ``workload:`` schema; a file whose top level has a
    ``workload:`` key is read from there). Raises ``SimInputError``."""
    obj, doc = _read_yaml(path, "workload")
    if isinstance(obj, dict) and set(obj) == {"workload"}:
        obj = obj["workload"]
    try:
        w = Workload.model_validate(obj)
    except ValidationError as exc:
        raise _validation_error(exc, str(path), doc) from None
    return _resolve_empirical(w, path.parent)


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario YAML file. Raises ``SimInputError``."""
    from provisor.sim.scenarios import BUILTIN, builtin

    if name_or_path in BUILTIN:
        return builtin(name_or_path)
    p = Path(name_or_path)
    if not p.exists():
        import difflib

        close = difflib.get_close_matches(name_or_path, sorted(BUILTIN), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise SimInputError("--scenario", 0, "", f"{name_or_path!r} is neither a built-in "
                            f"scenario nor a file{hint} (built-in: "
                            f"{', '.join(sorted(BUILTIN))})")
    obj, doc = _read_yaml(p, "scenario")
    try:
        return Scenario.model_validate(obj)
    except ValidationError as exc:
        raise _validation_error(exc, str(p), doc) from None


def default_workload() -> Workload:
    """The built-in policy's ``workload:`` section."""
    from provisor.policy import load_policy

    w = load_policy().workload
    assert w is not None
    return w


def policy_objects(pol: Any) -> list[dict[str, Any]]:
    """The policy's rendered objects (in memory) plus the controller Deployments its bundle
    assumes exist (built from their ``assumed_pod_resources``)."""
    from provisor.render import render

    objects = [copy.deepcopy(o) for _, o in render(pol).objects()]
    names = {(o.get("kind"), (o.get("metadata") or {}).get("name")) for o in objects}
    for d in _external_deployments(pol):
        if ("Deployment", d["metadata"]["name"]) not in names:
            objects.append(d)
    return objects


def with_arrival_growth(inputs: SimInputs, growth_per_day: float,
                        origin: str = "--arrival-growth") -> SimInputs:
    """``inputs`` with the workload's ``arrivals.growth_per_day`` set to ``growth_per_day``
    (linear growth of the arrival rate per day, a fraction of the day-0 rate; see
    ``provisor.policy.workload.Arrivals``), validated as a workload file's field is.

    Raises:
        SimInputError: out of range (-1 to 10) or not a number; ``file`` is ``origin``,
            ``field`` is ``arrivals.growth_per_day``.
    """
    import dataclasses

    from provisor.policy.workload import Arrivals

    data = inputs.workload.arrivals.model_dump()
    data["growth_per_day"] = growth_per_day
    try:
        arrivals = Arrivals.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SimInputError(origin, 0, "arrivals.growth_per_day",
                            err.get("msg", "invalid")) from None
    wl = inputs.workload.model_copy(update={"arrivals": arrivals})
    return dataclasses.replace(inputs, workload=wl)


def inputs_from_policy(pol: Any, source: str = "") -> SimInputs:
    """SimInputs of a loaded ``Policy``: its objects, its cluster's nodes, its workload (or the
    built-in one)."""
    wl = pol.workload if pol.workload is not None else default_workload()
    return SimInputs(objects=tuple(policy_objects(pol)), nodes=tuple(policy_nodes(pol)),
                     workload=wl, source=source or f"policy {pol.name}")


def agent_classes(objects: Sequence[dict[str, Any]]) -> list[str]:
    """The agent classes among ``objects``, as the twin's engine finds them: PodTemplates
    annotated ``provisor.dev/max-concurrency`` with an integer value (their names, sorted)."""
    from provisor.conventions import ANNOTATION_MAX_CONCURRENCY

    out = []
    for o in objects:
        if o.get("kind") != "PodTemplate":
            continue
        m = o.get("metadata") or {}
        mc = (m.get("annotations") or {}).get(ANNOTATION_MAX_CONCURRENCY) \
            if isinstance(m, dict) else None
        try:
            int(mc)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        out.append(str(m.get("name", "")))
    return sorted(out)


def _check_agent_classes(objects: Sequence[dict[str, Any]], wl: Any, paths: Sequence[str]) -> None:
    """Manifests whose PodTemplates serve none of the workload's agents would simulate a
    scorecard of zeros (every run fails at once): refuse them, saying what was looked for.

    Raises:
        SimInputError: no agent class named by the workload's stages is among ``objects``.
    """
    from provisor.conventions import ANNOTATION_MAX_CONCURRENCY

    names = agent_classes(objects)
    wanted = sorted({a for wf in wl.workflows for st in wf.stages for a in st.agents()})

    def found(agent: str) -> bool:
        return any(n in (agent, f"coderun-{agent}") or n.endswith(f"-{agent}") for n in names)

    if wanted and not any(found(a) for a in wanted):
        what = (f"the PodTemplates found ({', '.join(names)}) match none of them" if names else
                "none was found")
        raise SimInputError(", ".join(paths), 0, "", f"no agent classes found in "
                            f"{', '.join(paths)}: the twin runs agent classes, PodTemplates "
                            f"annotated {ANNOTATION_MAX_CONCURRENCY!r} with an integer, one per agent the workload "
                            f"names ({', '.join(wanted)}; a PodTemplate named NAME, coderun-NAME "
                            f"or ending in -NAME), and {what}. Simulate a policy (provisor "
                            f"simulate POLICY, or no argument for the built-in one), its render "
                            f"(provisor render -o DIR), or give --workload naming your classes")


def load_inputs(policy: "Path | Policy | None" = None, paths: Sequence[str] = (), *,
                nodes: Sequence[str] = (), workload: Path | None = None,
                scenarios: Sequence[str] = (), trace: Path | None = None) -> SimInputs:
    """Resolve the twin's inputs (see the package docstring). ``trace``: a trace CSV whose pod
    records replace the workload's arrivals (``provisor.sim.trace``; ``extra["trace"]``).
    Raises ``SimInputError``."""
    from provisor.policy import PolicyError, load_policy

    pol = None
    objects: list[dict[str, Any]] = []
    node_objs: list[dict[str, Any]] = []
    source = ""
    if paths and policy is not None:
        raise SimInputError(str(policy), 0, "", "give a policy or manifest paths, not both")
    if paths:
        from provisor.manifests import load

        docs = load(list(paths))
        bad = [f for f in docs.findings if f.severity == "error"]
        if bad:
            f = bad[0]
            raise SimInputError(f.file or "", f.line or 0, "", f.message)
        if not docs:
            raise SimInputError(", ".join(paths), 0, "", "no manifests found")
        for d in docs:
            if not isinstance(d.obj, dict) or "kind" not in d.obj:
                continue
            o = copy.deepcopy(d.obj)
            if o.get("kind") == "Node":
                node_objs.append(o)
            else:
                objects.append(o)
        source = ", ".join(paths)
    elif policy is not None and not isinstance(policy, (str, Path)):
        pol = policy            # a Policy object (sweep and tune variants)
        objects = policy_objects(pol)
        source = f"policy {pol.name}"
    else:
        try:
            pol = load_policy(policy)
        except PolicyError as exc:
            raise SimInputError(str(policy or "agent-platform.yaml"), 0, "", str(exc)) from None
        except OSError as exc:
            raise SimInputError(str(policy), 0, "", exc.strerror or str(exc)) from None
        objects = policy_objects(pol)
        source = str(policy) if policy else "built-in policy agent-platform"
    if nodes:
        node_objs = []
        for i, spec in enumerate(nodes):
            node_objs.extend(parse_node_spec(spec, i))
    elif not node_objs:
        node_objs = policy_nodes(pol if pol is not None else load_policy())
    if workload is not None:
        wl = load_workload(Path(workload))
    elif pol is not None and pol.workload is not None:
        wl = pol.workload
    else:
        wl = default_workload()
    if paths and trace is None:
        _check_agent_classes(objects, wl, paths)
    scs = tuple(load_scenario(s) for s in scenarios)
    extra: dict[str, Any] = {}
    if trace is not None:
        from provisor.sim.trace import TraceError, load_trace

        try:
            extra["trace"] = load_trace(trace)
        except TraceError as exc:
            raise SimInputError(exc.file, exc.line, exc.column, exc.message) from None
        source += f" + trace {trace}"
    return SimInputs(objects=tuple(objects), nodes=tuple(node_objs), workload=wl,
                     scenarios=scs, source=source, extra=extra)
