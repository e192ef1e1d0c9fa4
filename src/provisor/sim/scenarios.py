"""Built-in scenarios (``--scenario NAME``). Each fault states its own ground truth: the twin
reports it as an ``Incident`` with the fault's start and end.

Times are seconds on the simulated clock (which starts Monday 00:00); the built-ins put their
fault on day 1 at 10:00 (a busy hour), so they need ``--days`` of at least 2.
"""

from __future__ import annotations

from provisor.policy.workload import Fault, Scenario

_AT = 86400.0 + 10 * 3600.0

BUILTIN: dict[str, Scenario] = {
    "steady": Scenario(name="steady", description="no fault: the workload as specified"),
    "spike": Scenario(name="spike", description="4x arrivals for 2 hours",
                      faults=[Fault(kind="spike", at_s=_AT, duration_s=7200.0, factor=4.0)]),
    "memory-leak": Scenario(
        name="memory-leak",
        description="the implementation agents' working set grows by 2 MiB/s on top of its "
                    "profile for 6 hours, until their memory limit kills them",
        faults=[Fault(kind="memory-leak", at_s=_AT, duration_s=6 * 3600.0, agent="rex",
                      leak_bytes_per_s=2 * 1024 * 1024.0),
                Fault(kind="memory-leak", at_s=_AT, duration_s=6 * 3600.0, agent="blaze",
                      leak_bytes_per_s=2 * 1024 * 1024.0)]),
    "drain": Scenario(name="drain", description="kubectl drain of the busiest node (PDBs "
                      "honoured, no timeout); uncordoned 1 hour later",
                      faults=[Fault(kind="drain", at_s=_AT, duration_s=3600.0)]),
    "rolling-upgrade": Scenario(
        name="rolling-upgrade",
        description="drain and replace every node in turn (replacement ready 120 s after "
                    "the drain completes)",
        faults=[Fault(kind="rolling-upgrade", at_s=_AT, replace_s=120.0, timeout_s=3600.0)]),
    "node-loss": Scenario(name="node-loss", description="the busiest node stops; its pods "
                          "are deleted after the 300 s not-ready toleration; back after 2 h",
                          faults=[Fault(kind="node-loss", at_s=_AT, duration_s=7200.0)]),
    "quota-cut": Scenario(name="quota-cut", description="every ResourceQuota's hard is "
                          "halved for 3 hours",
                          faults=[Fault(kind="quota-cut", at_s=_AT, duration_s=3 * 3600.0,
                                        factor=0.5)]),
}


def builtin(name: str) -> Scenario:
    """The built-in scenario ``name`` (KeyError when unknown)."""
    return BUILTIN[name]
