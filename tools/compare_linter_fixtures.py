"""Run ``provisor check`` over the test fixtures of Polaris, kube-score and kube-linter and
compare with those linters' own expectations on resources, HPAs and PDBs.

The fixtures are read from bare git mirrors (the search tool's ``fetch`` puts them under
``/work/.mirror/<owner>+<name>/repo``; ``--mirrors DIR`` to change) with ``git show``; nothing
of theirs is copied into this repository. Every expectation names the upstream test it comes
from, and the script fails when that test (or fixture) no longer exists upstream, so the
table cannot drift silently.

An expectation is (linter, fixture, the object it is about, fail or pass, the *concern*). A
concern maps to the provisor rules that answer it (``CONCERNS``). "fail" is matched when one
of those rules reports on that object; "pass" is matched when none does (a finding there is
a false positive). Expectations provisor deliberately answers differently are listed in
``DISAGREE`` with the reason, and counted apart.

Usage: ``python tools/compare_linter_fixtures.py [--mirrors DIR] [-v]``; exit 0 when every
expectation outside ``DISAGREE`` is matched and there is no false positive, 1 otherwise,
2 when the mirrors are missing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: concern -> the provisor rules that answer it
CONCERNS: dict[str, tuple[str, ...]] = {
    "cpu-request": ("workload/cpu-request-missing",),
    "memory-request": ("workload/memory-request-missing",),
    "memory-limit": ("workload/memory-limit-missing",),
    "cpu-limit": ("workload/cpu-limit-missing",),
    "container-resources": ("workload/cpu-request-missing", "workload/memory-request-missing",
                            "workload/memory-limit-missing", "workload/cpu-limit-missing"),
    "ephemeral-storage": ("workload/ephemeral-storage-request-missing",
                          "workload/ephemeral-storage-limit-missing"),
    "replicas": ("workload/single-replica",),
    "hpa-min-replicas": ("hpa/min-replicas-low",),
    "hpa-max-replicas": ("hpa/scaling-disabled",),
    "hpa-target": ("hpa/target-not-found", "hpa/target"),
    "hpa-spec-replicas": ("hpa/spec-replicas",),
    # a workload with one pod has no availability a PDB could keep: provisor reports the
    # single replica instead of the missing PDB
    "pdb-missing": ("pdb/missing", "workload/single-replica"),
    # a PDB that sets both fields is refused by the API (stronger than "allows no disruption")
    "pdb-zero": ("pdb/zero-disruptions", "pdb/invalid"),
    "pdb-no-policy": ("pdb/no-policy",),
    "pdb-unhealthy": ("pdb/unhealthy-eviction-policy",),
    "priority-not-set": ("priority/class-not-set", "priority/preemptible-at-zero"),
}

#: concern -> the rules whose finding breaks a "pass" expectation, where narrower than
#: CONCERNS (a single-replica finding says nothing about whether a PDB exists)
PASS_RULES: dict[str, tuple[str, ...]] = {"pdb-missing": ("pdb/missing",)}

WORKLOAD_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
                  "CronJob", "ReplicationController", "DeploymentConfig")


@dataclass
class Expectation:
    linter: str
    test: str              # the upstream test (function, bats test or fixture folder)
    file: str              # path inside the linter's repository
    concern: str
    fail: bool
    kinds: tuple[str, ...] = WORKLOAD_KINDS
    name: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    profile: str = "default"
    disable: tuple[str, ...] = ()

    def key(self) -> str:
        return f"{self.linter}:{self.file}:{self.concern}:{self.name or '*'}"


# -- Polaris: test/checks/<check>/{success,failure}*.yaml, one check each ---------------------

POLARIS_CHECKS: dict[str, tuple[str, tuple[str, ...], str]] = {
    # check folder -> (concern, object kinds, profile)
    "cpuRequestsMissing": ("cpu-request", WORKLOAD_KINDS, "default"),
    "memoryRequestsMissing": ("memory-request", WORKLOAD_KINDS, "default"),
    "memoryLimitsMissing": ("memory-limit", WORKLOAD_KINDS, "default"),
    "cpuLimitsMissing": ("cpu-limit", WORKLOAD_KINDS, "strict"),
    "deploymentMissingReplicas": ("replicas", ("Deployment",), "default"),
    "hpaMinAvailability": ("hpa-min-replicas", ("HorizontalPodAutoscaler",), "default"),
    "hpaMaxAvailability": ("hpa-max-replicas", ("HorizontalPodAutoscaler",), "default"),
    "missingPodDisruptionBudget": ("pdb-missing", ("Deployment",), "default"),
    "pdbDisruptionsIsZero": ("pdb-zero", ("PodDisruptionBudget",), "default"),
    "pdbMinAvailableGreaterThanHPAMinReplicas": (
        "pdb-zero", ("PodDisruptionBudget",), "default"),
    # Polaris flags a missing class whatever the set holds: provisor's strict profile does
    "priorityClassNotSet": ("priority-not-set", WORKLOAD_KINDS, "strict"),
}


def polaris(repo: Path) -> list[Expectation]:
    out = []
    for f in ls(repo, "test/checks/"):
        parts = f.split("/")
        if len(parts) != 4 or parts[2] not in POLARIS_CHECKS:
            continue
        base = parts[3]
        if not base.endswith((".yaml", ".yml")) or base.startswith("mutated"):
            continue
        if not base.startswith(("success", "failure")):
            continue
        concern, kinds, profile = POLARIS_CHECKS[parts[2]]
        out.append(Expectation("polaris", parts[2], f, concern, base.startswith("failure"),
                               kinds, profile=profile))
    return out


# -- kube-score: score/*_test.go calling testExpectedScore[WithConfig] -------------------------

KS_CHECKS = {
    "Container Resources": "container-resources",
    "Container Ephemeral Storage Request and Limit": "ephemeral-storage",
    "HorizontalPodAutoscaler has target": "hpa-target",
    "HorizontalPodAutoscaler Replicas": "hpa-min-replicas",
    "Deployment has PodDisruptionBudget": "pdb-missing",
    "StatefulSet has PodDisruptionBudget": "pdb-missing",
    "PodDisruptionBudget has policy": "pdb-no-policy",
    "Deployment Replicas": "replicas",
    "Deployment targeted by HPA does not have replicas configured": "hpa-spec-replicas",
}
KS_KINDS = {
    "hpa-target": ("HorizontalPodAutoscaler",), "hpa-min-replicas": ("HorizontalPodAutoscaler",),
    "pdb-missing": ("Deployment", "StatefulSet"), "pdb-no-policy": ("PodDisruptionBudget",),
    "replicas": ("Deployment",), "hpa-spec-replicas": ("Deployment",),
}
_KS_CALL = re.compile(
    r"func (Test\w+)\(t \*testing\.T\) \{(.*?)\n\}", re.S)
_KS_FILE = re.compile(r'testFile\("([^"]+)"\)|testExpectedScore\(t, "([^"]+)"')
_KS_CHECK = re.compile(r'"([^"]+)",\s*(?:scorecard\.)?(Grade\w+|0)\)')


def kube_score(repo: Path) -> list[Expectation]:
    out = []
    for f in ls(repo, "score/"):
        if not re.match(r"score/[^/]+_test\.go$", f):
            continue
        for m in _KS_CALL.finditer(show(repo, f)):
            test, body = m.group(1), m.group(2)
            if "testExpectedScore" not in body:
                continue
            fm, cm = _KS_FILE.search(body), _KS_CHECK.search(body)
            if not fm or not cm or cm.group(1) not in KS_CHECKS:
                continue
            grade = cm.group(2)
            if grade in ("0",):
                continue  # skipped: kube-score does not judge it
            concern = KS_CHECKS[cm.group(1)]
            settings: dict[str, Any] = {}
            profile = "strict" if concern == "ephemeral-storage" else "default"
            if concern == "container-resources":
                # kube-score requires CPU limits unless IgnoreContainerCpuLimitRequirement
                if not re.search(r"IgnoreContainerCpuLimitRequirement:\s*true", body):
                    profile = "strict"
                if "EnabledOptionalTests" in body:
                    continue
            disable: tuple[str, ...] = ()
            if re.search(r"IgnoreContainerMemoryLimitRequirement:\s*true", body):
                disable = ("workload/memory-limit-missing",)
            for key in ("MinReplicasHPA", "MinReplicasDeployment"):
                rm = re.search(key + r":\s*(\d+)", body)
                if rm:
                    settings["min_replicas"] = int(rm.group(1))
            out.append(Expectation(
                "kube-score", test, "score/testdata/" + (fm.group(1) or fm.group(2)), concern,
                grade != "GradeAllOK", KS_KINDS.get(concern, WORKLOAD_KINDS),
                settings=settings, profile=profile, disable=disable))
    return out


# -- kube-linter: e2etests/bats-tests.sh on tests/checks/*, objects and counts ----------------

KL_SETTINGS = {"min_replicas": 3}  # its checks are "minimum-three-replicas"
KUBE_LINTER: list[tuple[str, str, str, list[tuple[str, str, bool]], dict[str, Any]]] = [
    # (bats test, file, concern, [(kind, name, fails)], settings)
    ("unset-cpu-requirements", "tests/checks/unset-cpu-requirements.yml", "cpu-request",
     [("Deployment", "app1", True), ("DeploymentConfig", "app2", True)], {}),
    ("unset-memory-requirements", "tests/checks/unset-memory-requirements.yml", "memory-limit",
     [("Deployment", "app1", True), ("DeploymentConfig", "app2", True)], {}),
    ("minimum-three-replicas", "tests/checks/minimum-three-replicas.yml", "replicas",
     [("Deployment", "app", True), ("DeploymentConfig", "app", True),
      ("Deployment", "dont-fire", False), ("DeploymentConfig", "dont-fire", False)],
     KL_SETTINGS),
    ("hpa-minimum-three-replicas", "tests/checks/hpa-minimum-three-replicas.yml",
     "hpa-min-replicas", [("HorizontalPodAutoscaler", "app", True),
                          ("HorizontalPodAutoscaler", "dont-fire", False)], KL_SETTINGS),
    ("dangling-horizontalpodautoscaler", "tests/checks/dangling-hpa.yml", "hpa-target",
     [("HorizontalPodAutoscaler", "hpa1", True),
      ("HorizontalPodAutoscaler", "RELEASE-NAME-mychart", False)], {}),
    ("pdb-max-unavailable", "tests/checks/pdb-max-unavailable.yaml", "pdb-zero",
     [("PodDisruptionBudget", "foo", True), ("PodDisruptionBudget", "baz", False)], {}),
    ("pdb-min-available", "tests/checks/pdb-min-available.yaml", "pdb-zero",
     [("PodDisruptionBudget", "baz", True), ("PodDisruptionBudget", "baz2", True),
      ("PodDisruptionBudget", "baz3", True)], {}),
    ("pdb-unhealthy-pod-eviction-policy", "tests/checks/pdb-unhealthy-pod-eviction-policy.yaml",
     "pdb-unhealthy", [("PodDisruptionBudget", "fire", True),
                       ("PodDisruptionBudget", "dont-fire-1", False),
                       ("PodDisruptionBudget", "dont-fire-2", False)], {}),
]


def kube_linter(repo: Path) -> list[Expectation]:
    bats = show(repo, "e2etests/bats-tests.sh")
    out = []
    for test, f, concern, objs, settings in KUBE_LINTER:
        if f'@test "{test}"' not in bats:
            raise SystemExit(f"kube-linter: bats test {test!r} not found upstream")
        for kind, name, fails in objs:
            out.append(Expectation("kube-linter", test, f, concern, fails, (kind,), name,
                                   settings=dict(settings)))
    return out


#: Expectations provisor answers differently on purpose: key -> why.
DISAGREE: dict[str, str] = {
    "polaris:test/checks/hpaMinAvailability/success.minReplicaAbsent.yaml:hpa-min-replicas:*":
        "minReplicas left unset is 1 (SetDefaults_HorizontalPodAutoscaler): the HPA scales "
        "the target to a single pod, so provisor flags it",
    "kube-score:score/testdata/pod-test-resources-only-limits.yaml:container-resources:*":
        "kube-score wants requests although limits are set; the API server copies limits into "
        "missing requests (SetDefaults_Pod), so the pod's requests are set",
    "kube-score:score/testdata/deployment-test-resources.yaml:container-resources:*":
        "as pod-test-resources-only-limits: requests are defaulted from the limits",
    "kube-score:score/testdata/statefulset-test-resources.yaml:container-resources:*":
        "as pod-test-resources-only-limits: requests are defaulted from the limits",
    "kube-score:score/testdata/pod-ephemeral-storage-missing-request.yaml:ephemeral-storage:*":
        "the container sets limits.ephemeral-storage 2Gi and no request: the API server copies "
        "the limit into the request (SetDefaults_Pod does it for every resource)",
    "polaris:test/checks/pdbDisruptionsIsZero/success.both.yaml:pdb-zero:*":
        "minAvailable and maxUnavailable are both set: the API refuses the PDB (422, "
        "ValidatePodDisruptionBudgetSpec); provisor reports pdb/invalid",
    "polaris:test/checks/pdbMinAvailableGreaterThanHPAMinReplicas/success.equals.yaml:pdb-zero:*":
        "minAvailable 5 equals the HPA's minReplicas 5: Polaris' check is only 'greater "
        "than', but at the minimum disruptionsAllowed = 5 - 5 = 0 and every drain blocks "
        "(the case-09 fact)",
    "polaris:test/checks/pdbMinAvailableGreaterThanHPAMinReplicas/success.hpa-no-match.yaml:pdb-zero:*":
        "the HPA targets another Deployment, so zookeeper runs spec.replicas (unset: 1) pod "
        "against minAvailable 5: 0 disruptions allowed; Polaris' check ignores PDBs without a "
        "matching HPA",
    "polaris:test/checks/pdbMinAvailableGreaterThanHPAMinReplicas/success.no-hpa.yaml:pdb-zero:*":
        "no HPA: one pod (spec.replicas unset) against minAvailable 5: 0 disruptions allowed",
    "polaris:test/checks/pdbMinAvailableGreaterThanHPAMinReplicas/success.no-min-replicas.yaml:pdb-zero:*":
        "the HPA leaves minReplicas unset, which is 1: at one pod minAvailable 2 allows 0 "
        "disruptions",
    "kube-linter:tests/checks/pdb-min-available.yaml:pdb-zero:baz":
        "Deployment bar/foo has no pod template (the API refuses it: schema/invalid), so no "
        "pod of it can match the PDB; kube-linter matches the PDB against the Deployment's "
        "spec.selector instead of its pods' labels",
    "kube-linter:tests/checks/pdb-min-available.yaml:pdb-zero:baz2":
        "Deployment bar2/foo2's pod template has no spec (the API refuses it: "
        "spec.template.spec.containers: Required value); provisor judges a PDB against the "
        "pods that can exist",
    "kube-linter:tests/checks/pdb-min-available.yaml:pdb-zero:baz3":
        "as baz2: Deployment bar3/foo3's pod template has no spec",
}


# -- running ------------------------------------------------------------------------------------


def ls(repo: Path, under: str) -> list[str]:
    p = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD", under],
                       capture_output=True, text=True, check=True, timeout=60)
    return sorted(p.stdout.split())


def show(repo: Path, path: str) -> str:
    p = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit(f"{repo}: {path} not found upstream")
    return p.stdout


def judge(exps: list[Expectation], repos: dict[str, Path], tmp: Path,
          verbose: bool) -> dict[str, int]:
    from provisor.check import run_check
    from provisor.check.config import Config
    from provisor.manifests import load

    counts = {"expected": 0, "matched": 0, "missed": 0, "false_positives": 0,
              "disagreed": 0}
    cache: dict[tuple[str, str, str, str], list[Any]] = {}
    via: dict[str, int] = {}
    for e in exps:
        counts["expected"] += 1
        ck = (e.linter, e.file, e.profile, repr((sorted(e.settings.items()), e.disable)))
        findings = cache.get(ck)
        if findings is None:
            local = tmp / e.linter / e.file
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(show(repos[e.linter], e.file))
            cfg = Config(profile=e.profile, disable=list(e.disable))
            for k, v in e.settings.items():
                setattr(cfg.settings, k, v)
            findings = cache[ck] = run_check(load([str(local)]), schema=False,
                                             config=cfg).findings
        rules = CONCERNS[e.concern] if e.fail else PASS_RULES.get(e.concern, CONCERNS[e.concern])
        hits = [f for f in findings if f.rule in rules and f.object.kind in e.kinds
                and (e.name is None or f.object.name == e.name)]
        ok = bool(hits) == e.fail
        if ok and e.fail:
            for r in sorted({f.rule for f in hits}):
                via[r] = via.get(r, 0) + 1
        if e.key() in DISAGREE:
            counts["disagreed"] += 1
            state = "DISAGREE" if not ok else "MATCH (listed as disagreement)"
        elif ok:
            counts["matched"] += 1
            state = "MATCH"
        elif e.fail:
            counts["missed"] += 1
            state = "MISSED"
        else:
            counts["false_positives"] += 1
            state = "FALSE POSITIVE"
        if verbose or state not in ("MATCH",):
            what = "fail" if e.fail else "pass"
            print(f"{state:15} {e.linter:11} {e.test:40} {e.file} {e.name or ''} "
                  f"[{e.concern}: expect {what}] "
                  + "; ".join(f"{f.rule} {f.object.kind}/{f.object.name}" for f in hits))
    counts["via"] = via  # type: ignore[assignment]
    return counts


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    root = Path(args.mirrors)
    repos = {"polaris": root / "FairwindsOps+polaris" / "repo",
             "kube-score": root / "zegl+kube-score" / "repo",
             "kube-linter": root / "stackrox+kube-linter" / "repo"}
    missing = [str(p) for p in repos.values() if not p.exists()]
    if missing:
        print(f"mirrors missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    exps = polaris(repos["polaris"]) + kube_score(repos["kube-score"]) + kube_linter(
        repos["kube-linter"])
    with tempfile.TemporaryDirectory() as tmp:
        counts = judge(exps, repos, Path(tmp), args.verbose)
    by_linter: dict[str, int] = {}
    for e in exps:
        by_linter[e.linter] = by_linter.get(e.linter, 0) + 1
    print(f"expectations: {counts['expected']} ({', '.join(f'{k} {v}' for k, v in by_linter.items())}); "
          f"matched {counts['matched']}, missed {counts['missed']}, false positives "
          f"{counts['false_positives']}, disagreements {counts['disagreed']}")
    print("failing expectations matched by rule: " + ", ".join(
        f"{r} {n}" for r, n in sorted(counts["via"].items())))  # type: ignore[union-attr]
    return 0 if counts["missed"] == 0 and counts["false_positives"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
