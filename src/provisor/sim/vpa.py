"""VPA in the twin: the recommender (``provisor.k8s.vpa``) fed from simulated usage, the
admission controller's ``Initial`` resources, and the updater's ``Recreate``/``Auto`` evictions.

Upstream: kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender`` (samples every
recommender interval, 1 min), ``pkg/admission-controller`` (requests set at pod creation when
``updateMode`` is Initial, Recreate or Auto; limits kept proportional for RequestsAndLimits),
``pkg/updater`` (evicts a pod whose requests are outside [lowerBound, upperBound], only while the
controller has at least ``--min-replicas`` = 2 live pods, through the eviction API so PDBs hold).
A VPA matches pods by its ``targetRef``: a Deployment's pods, or, for a CronJob
``coderun-<agent>``, the runs of the agent class whose PodTemplate has that name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisor.quantity import Quantity

if TYPE_CHECKING:
    from provisor.sim.engine import Engine

MIN_REPLICAS = 2


class VpaLoop:
    def __init__(self, eng: "Engine") -> None:
        from provisor.k8s.vpa import create_pod_resource_recommender

        self.eng = eng
        self.by_owner: dict[str, dict[str, Any]] = {}
        for v in eng.vpas:
            ref = (v.get("spec") or {}).get("targetRef") or {}
            name = ref.get("name")
            if name:
                self.by_owner[name] = v
        self.recommender = create_pod_resource_recommender()
        self.aggs: dict[tuple[str, str], Any] = {}
        self.states: dict[int, Any] = {}
        self.recs: dict[str, dict[str, Any]] = {}
        self.stale: set[str] = set()
        self.evictions = 0

    def _mode(self, v: dict[str, Any]) -> str:
        return str(((v.get("spec") or {}).get("updatePolicy") or {}).get("updateMode", "Auto"))

    def _owner(self, pod: Any) -> str | None:
        if pod.run is not None:
            return pod.run.cls.name if pod.run.cls.name in self.by_owner else None
        if pod.deploy is not None:
            return pod.deploy.name if pod.deploy.name in self.by_owner else None
        return None

    def step(self) -> None:
        """Feed one sample per running container, then recompute the recommendations."""
        if not self.by_owner:
            return
        from provisor.k8s.vpa import AggregateContainerState, ContainerState, ContainerUsageSample

        e = self.eng
        t = e.t
        touched: set[str] = set()
        for ps in e.node_pods:
            for p in ps:
                if p.slot < 0 or not e.s_running[p.slot]:
                    continue
                owner = self._owner(p)
                if owner is None:
                    continue
                key = (owner, p.container)
                agg = self.aggs.get(key)
                if agg is None:
                    agg = self.aggs[key] = AggregateContainerState(creation_time=t)
                cs = self.states.get(p.uid)
                if cs is None:
                    cs = self.states[p.uid] = ContainerState({"cpu": p.cpu_req, "memory": p.mem_req}, agg)
                cs.add_sample(ContainerUsageSample(t, int(e.s_alloc[p.slot]), "cpu"))
                cs.add_sample(ContainerUsageSample(t, int(e.s_ws[p.slot]), "memory"))
                touched.add(owner)
        # The recommendation is a pure function of the aggregated samples, which change only
        # here: mark it stale and compute it when read (admission, the updater), which gives
        # exactly what the recommender loop would have published after this step.
        for owner in sorted(touched):
            self.stale.add(owner)
        self._update()

    def _recommend(self, owner: str) -> dict[str, Any] | None:
        from provisor.k8s.vpa import apply_vpa_policy, map_to_list_of_recommended_container_resources

        if owner in self.stale:
            self.stale.discard(owner)
            v = self.by_owner[owner]
            states = {c: a for (o, c), a in sorted(self.aggs.items(), key=lambda kv: kv[0]) if o == owner}
            recs = self.recommender.get_recommended_pod_resources(states)
            rec = map_to_list_of_recommended_container_resources(recs)
            capped = apply_vpa_policy(rec, (v.get("spec") or {}).get("resourcePolicy"), None)
            if capped is not None:
                self.recs[owner] = capped
        return self.recs.get(owner)

    def _bounds(self, owner: str, container: str) -> dict[str, Any] | None:
        rec = self._recommend(owner)
        if not rec:
            return None
        for r in rec.get("containerRecommendations") or ():
            if r.get("containerName") == container:
                return r
        return None

    def _controlled(self, v: dict[str, Any], container: str) -> list[str]:
        for cp in (((v.get("spec") or {}).get("resourcePolicy") or {}).get("containerPolicies") or ()):
            if cp.get("containerName") in (container, "*"):
                if cp.get("mode") == "Off":
                    return []
                return list(cp.get("controlledResources") or ("cpu", "memory"))
        return ["cpu", "memory"]

    def _values(self, v: dict[str, Any], container: str) -> str:
        for cp in (((v.get("spec") or {}).get("resourcePolicy") or {}).get("containerPolicies") or ()):
            if cp.get("containerName") in (container, "*"):
                return str(cp.get("controlledValues") or "RequestsAndLimits")
        return "RequestsAndLimits"

    def initial(self, pod: dict[str, Any], owner: str) -> dict[str, Any]:
        """The admission controller: requests from the recommendation's target (limits kept
        proportional for RequestsAndLimits). Returns the pod (a new dict when changed)."""
        v = self.by_owner.get(owner)
        if v is None or self._mode(v) == "Off" or self._recommend(owner) is None:
            return pod
        spec = dict(pod.get("spec") or {})
        containers = []
        changed = False
        for c in spec.get("containers") or ():
            r = self._bounds(owner, c.get("name", ""))
            if r is None:
                containers.append(c)
                continue
            res = dict(c.get("resources") or {})
            reqs = dict(res.get("requests") or {})
            lims = dict(res.get("limits") or {})
            for name in self._controlled(v, c.get("name", "")):
                tgt = (r.get("target") or {}).get(name)
                if tgt is None:
                    continue
                old = reqs.get(name)
                reqs[name] = str(tgt)
                if (self._values(v, c.get("name", "")) == "RequestsAndLimits" and old is not None
                        and name in lims):
                    ratio = Quantity.parse(lims[name]).value / Quantity.parse(old).value
                    new_lim = Quantity.parse(str(tgt)).value * ratio
                    if name == "cpu":
                        lims[name] = f"{int(new_lim * 1000)}m"
                    else:
                        lims[name] = str(int(new_lim))
                changed = True
            res["requests"] = reqs
            if lims:
                res["limits"] = lims
            containers.append({**c, "resources": res})
        if not changed:
            return pod
        spec["containers"] = containers
        return {**pod, "spec": spec}

    def _update(self) -> None:
        """Recreate / Auto: evict pods whose requests are outside the recommended bounds."""
        from provisor.k8s.disruption import evict

        e = self.eng
        for owner in sorted(set(self.recs) | self.stale):
            v = self.by_owner[owner]
            if self._mode(v) not in ("Recreate", "Auto"):
                continue
            pods = [p for ps in e.node_pods for p in ps if not p.terminating and self._owner(p) == owner]
            if len(pods) < MIN_REPLICAS:
                continue
            for p in sorted(pods, key=lambda p: p.uid):
                r = self._bounds(owner, p.container)
                if r is None:
                    continue
                out = False
                for name, cur in (("cpu", p.cpu_req), ("memory", p.mem_req)):
                    if name not in self._controlled(v, p.container):
                        continue
                    lo = (r.get("lowerBound") or {}).get(name)
                    hi = (r.get("upperBound") or {}).get(name)
                    conv = (lambda q: Quantity.parse(str(q)).milli_value()) if name == "cpu" else (
                        lambda q: Quantity.parse(str(q)).int_value())
                    if (lo is not None and cur < conv(lo)) or (hi is not None and cur > conv(hi)):
                        out = True
                if not out:
                    continue
                dec = evict(e._pod_for_k8s(p), e._pdbs_now(), now=e.t)
                if dec.allowed:
                    self.evictions += 1
                    e.acc["evictions"] += 1
                    e._terminate(p, "Evicted", grace=True)
                    break
