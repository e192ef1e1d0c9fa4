"""The bundle: rendered objects grouped into files, a kustomization, a README; the atomic writer.

``render(policy) -> Bundle`` builds every object; ``Bundle.contents()`` gives the exact bytes of
every file (deterministic: same policy -> same bytes); ``write_bundle`` writes them so that a
reader never sees a half-written folder:

1. all files go into a fresh temporary folder next to ``out_dir`` (same filesystem);
2. if ``out_dir`` does not exist (or is an empty folder) the temporary folder is renamed to it;
3. with ``force`` and an existing non-empty ``out_dir``, the two folders are swapped with one
   ``renameat2(RENAME_EXCHANGE)`` call where the kernel offers it (Linux >= 3.15), else the old
   folder is renamed aside, the new one renamed into place (the old one renamed back if that
   fails), and the old one removed.

Any failure before the rename removes the temporary folder and leaves ``out_dir`` untouched.
A symlink at ``out_dir`` is never written through: without ``force`` it is refused, with
``force`` the link itself is replaced by the bundle folder (its target is left as it is).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from provisor.policy.model import Policy
from provisor.render import autoscaling, dashboard, disruption, monitoring, namespaces, priority, quota, tiers
from provisor.render.common import to_yaml

KUSTOMIZATION = "kustomization.yaml"
README = "README.md"


class BundleExistsError(FileExistsError):
    """``out_dir`` exists and is not empty, and ``force`` was not given (or ``force`` would
    replace a folder that must never be replaced, such as the current directory)."""


@dataclass(frozen=True)
class BundleFile:
    """One resource file: ``path`` relative to the bundle root, its objects in order, and the
    comment ``header`` written above them."""

    path: str
    objects: tuple[dict[str, Any], ...]
    header: str = ""

    def text(self) -> str:
        return to_yaml(self.objects, self.header)


@dataclass(frozen=True)
class Bundle:
    """A rendered kustomize base.

    Attributes:
        policy_name: the policy's ``name``.
        files: the resource files, in apply order (also the order of ``kustomization.yaml``).
        readme: text of ``README.md`` (not a resource).
        extra: (relative path, text) of other files that are not resources (the runbooks).
    """

    policy_name: str
    files: tuple[BundleFile, ...]
    readme: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    def objects(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(file path, object) for every object, in file order."""
        for f in self.files:
            for o in f.objects:
                yield f.path, o

    def kustomization(self) -> dict[str, Any]:
        return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "resources": [f.path for f in self.files]}

    def contents(self) -> dict[str, bytes]:
        """relative path -> file bytes: every resource file, ``kustomization.yaml`` and
        ``README.md``."""
        out = {f.path: f.text().encode() for f in self.files}
        out[KUSTOMIZATION] = to_yaml(
            [self.kustomization()],
            f"kustomize base rendered by provisor from policy {self.policy_name}.\n"
            "Apply: kubectl apply -k <this folder>   (README.md: what it assumes)").encode()
        if self.readme:
            out[README] = self.readme.encode()
        for path, text in self.extra:
            out[path] = text.encode()
        return out


def summary(bundle: Bundle) -> dict[str, int]:
    """Object count by kind, sorted by kind."""
    counts = Counter(o.get("kind", "") for _, o in bundle.objects())
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------------------
# render
# --------------------------------------------------------------------------------------

_GENERATED = "Rendered by provisor from policy {name}; edit the policy, not this file."


def _quota_header(policy: Policy) -> str:
    planned = policy.planned_demand()
    factor = 1 + policy.quota.buffer
    # exact, as Policy's own buffer check: float products print as e.g. 15401m for 15.4
    exact_factor = 1 + Fraction(str(policy.quota.buffer))
    lines = [
        "Planned load (every agent at max-concurrency, one workspace PVC per run; "
        f"{policy.coderun_controller.deployment.name} at HPA maxReplicas when it runs in this "
        f"namespace) x {factor:g} (buffer) must fit hard:",
    ]
    for key, hard in sorted(policy.quota.hard.items()):
        if key in planned:
            amount = planned[key]
            need = amount * exact_factor
            lines.append(f"  {key}: planned {policy.format_amount(key, amount)}, "
                         f"x{factor:g} = {policy.format_amount(key, need)}, hard {hard}")
    return "\n".join(lines)


def render(policy: Policy) -> Bundle:
    """Every object of the policy, grouped into files (pure: no I/O).

    Files: namespace, priority classes, quota, limit range, agent tier ConfigMap, agent
    PodTemplates, agent VPAs, one file per external Deployment (its HPA and PDB, in its own
    namespace), the PrometheusRule, the Grafana dashboard ConfigMap.
    """
    gen = _GENERATED.format(name=policy.name)
    ns = policy.namespace.name
    files: list[BundleFile] = [
        BundleFile("namespace.yaml", tuple(namespaces.namespaces(policy)),
                   f"{gen}\nThe platform namespace. Other namespaces the bundle writes into "
                   "(Argo's) are not created here: see README.md."),
        BundleFile("priorityclasses.yaml", tuple(priority.priority_classes(policy)),
                   f"{gen}\nCluster-scoped. None is globalDefault; preemptionPolicy as the "
                   "policy sets it."),
        BundleFile("resourcequota.yaml", (quota.resource_quota(policy),),
                   f"{gen}\n{_quota_header(policy)}"),
        BundleFile("limitrange.yaml", (quota.limit_range(policy),),
                   f"{gen}\nContainer: default limit = max, so no request up to max is "
                   "rejected for a defaulted limit;\nmaxLimitRequestRatio = the tiers' "
                   "ratios. PersistentVolumeClaim: the workspace sizes fit min..max."),
        BundleFile("agent-tiers-configmap.yaml", (tiers.tiers_configmap(policy),),
                   f"{gen}\nTier table, agent assignments and workspace PVC templates, for "
                   "the coderun controller."),
        BundleFile("agent-podtemplates.yaml", tuple(tiers.pod_templates(policy)),
                   f"{gen}\nOne PodTemplate per agent: the coderun controller creates each "
                   "run's pod from it, at most\nprovisor.dev/max-concurrency at once. The "
                   "workspace is a generic ephemeral volume (one PVC per run,\ndeleted with "
                   "the pod)."),
        BundleFile("vpa-agents.yaml", tuple(autoscaling.vpas(policy)),
                   f"{gen}\nOne VPA per agent, updateMode {policy.agent_vpa.update_mode} "
                   "(never evicts a running run). targetRef: the\n"
                   f"{policy.agent_vpa.target.kind} that owns the agent's run Jobs (assumed, "
                   "see README.md)."),
    ]
    for _, w in policy.external_workloads():
        d = w.deployment
        where = "" if d.namespace == ns else (
            f"\nNamespace {d.namespace} belongs to the {d.name} install and must exist.")
        files.append(BundleFile(
            f"{d.name}.yaml", (autoscaling.hpa(policy, w), disruption.pdb(policy, w)),
            f"{gen}\nHPA and PDB for Deployment {d.namespace}/{d.name}, which this bundle does "
            f"not create.{where}\nAssumed per container: "
            f"{autoscaling.ANNOTATION_ASSUMED_POD_RESOURCES} on the HPA."))
    files += [
        BundleFile("prometheusrule.yaml", (monitoring.prometheus_rule(policy),),
                   f"{gen}\nNeeds the Prometheus operator, kube-state-metrics and the kubelet's "
                   "cAdvisor metrics."),
        BundleFile("grafana-dashboard.yaml", (dashboard.dashboard_configmap(policy),),
                   f"{gen}\nFor the Grafana dashboard sidecar (label "
                   f"{dashboard.GRAFANA_DASHBOARD_LABEL}); the data is the bare dashboard "
                   "model."),
    ]
    from provisor.render.readme import readme

    from provisor.render.runbooks import runbook_pages

    extra = tuple((f"runbooks/{name}", text)
                  for name, text in sorted(runbook_pages(policy).items()))
    return Bundle(policy_name=policy.name, files=tuple(files), readme=readme(policy),
                  extra=extra)


# --------------------------------------------------------------------------------------
# write
# --------------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False when unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (38, 22, 95):  # ENOSYS, EINVAL (flag/filesystem), EOPNOTSUPP
        return False
    raise OSError(err, os.strerror(err), str(b))


def _protected(out: Path) -> str | None:
    """Why ``out`` must never be replaced wholesale, or None."""
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        return "it is the filesystem root"
    if resolved == Path.home().resolve():
        return "it is the home folder"
    if resolved == cwd or resolved in cwd.parents:
        return "it is the current folder or one of its parents"
    if (resolved / ".git").exists():
        return "it holds a git repository"
    return None


def _write_tree(root: Path, contents: dict[str, bytes]) -> None:
    for rel, data in contents.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_bundle(bundle: Bundle, out_dir: str | Path, *, force: bool = False) -> Path:
    """Write ``bundle`` to ``out_dir`` atomically; returns the folder path.

    Raises:
        BundleExistsError: ``out_dir`` exists and is not empty and ``force`` is False; or
            ``force`` is True but ``out_dir`` is the filesystem root, the home folder, the
            current folder (or a parent of it), or a git repository.
        NotADirectoryError: ``out_dir`` exists and is not a folder.
        OSError: the parent folder cannot be created or written.
    """
    out = Path(out_dir)
    if out.is_symlink():
        # Never write through a link: with --force the link itself is replaced by the bundle
        # folder, and whatever it pointed to is left as it was.
        if not force:
            raise BundleExistsError(
                f"{out} is a symbolic link; use --force to replace the link itself (its "
                "target is left as it is)")
        exists = non_empty = True
    else:
        exists = out.exists()
        if exists and not out.is_dir():
            raise NotADirectoryError(f"{out} exists and is not a folder")
        non_empty = exists and any(out.iterdir())
        if non_empty:
            if not force:
                raise BundleExistsError(
                    f"{out} exists and is not empty; use --force to replace it")
            why = _protected(out)
            if why:
                raise BundleExistsError(f"refusing to replace {out}: {why}")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        _write_tree(tmp, bundle.contents())
        os.chmod(tmp, 0o755)
        if not non_empty:
            if exists:
                out.rmdir()
            os.rename(tmp, out)
            return out
        if _exchange(tmp, out):
            # ``tmp`` now holds what ``out`` was: the old bundle, or the replaced symlink.
            if tmp.is_symlink():
                os.unlink(tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
            return out
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=parent))
        os.rename(out, old / "bundle")
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old / "bundle", out)
            os.rmdir(old)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return out
    except BaseException:
        if tmp.is_symlink():
            os.unlink(tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


__all__ = ["Bundle", "BundleExistsError", "BundleFile", "render", "summary", "write_bundle"]
