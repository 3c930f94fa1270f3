"""Builds the local Kubernetes control plane from the Go module proxy into the git-ignored cache.

Three small wrapper modules next to this file pin what is built (go.mod + go.sum, nothing generated at build
time): ``kubernetes/`` (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl), ``etcd/`` and
``kwok/`` (fake nodes: pods are scheduled and reported running, no container ever runs). Each is built into
``<cache>/k8s-<kubernetes version>/<module>/bin`` next to a ``.stamp`` holding the digest of its go.mod,
go.sum and build flags, so a current cache costs a few file reads and a changed pin rebuilds.

Builds run under ``nice -n 19`` with ``go build -p 1`` (``MENTORING_GO_BUILD_JOBS`` raises it): the link of
kube-apiserver alone peaks at ~2.2 GiB and the machines that run the tests are shared.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy.local.infra import InfraError, _digest, _file_lock, _go, _stamp_ok, cache_dir
from deploy.local.k8s.lifetime import die_with_parent

HERE = Path(__file__).resolve().parent


def required_version(module_dir: Path, module: str) -> str:
    """The version of ``module`` the wrapper module in ``module_dir`` requires (its go.mod is the pin)."""
    text = (module_dir / "go.mod").read_text()
    found = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", text, re.MULTILINE)
    if not found:
        raise InfraError(f"{module_dir / 'go.mod'} does not require {module}")
    return found.group(1)


KUBERNETES_VERSION = required_version(HERE / "kubernetes", "k8s.io/kubernetes")
ETCD_VERSION = required_version(HERE / "etcd", "go.etcd.io/etcd/server/v3")
KWOK_VERSION = required_version(HERE / "kwok", "sigs.k8s.io/kwok")
# ServiceMonitor and PrometheusRule CRDs, as the operator publishes them in its Go module (checked against
# the checksum database by `go mod download`)
PROMETHEUS_OPERATOR = "github.com/prometheus-operator/prometheus-operator"
PROMETHEUS_OPERATOR_VERSION = "v0.85.0"
PROMETHEUS_OPERATOR_CRDS = ("servicemonitors", "prometheusrules")


def _kubernetes_ldflags() -> list[str]:
    """Stamp the release version into the binaries; unstamped they report v0.0.0-master and a chart's
    ``kubeVersion`` constraint refuses the cluster."""
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    flags = []
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {package}.gitVersion={KUBERNETES_VERSION}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    return flags


@dataclass(frozen=True)
class GoModule:
    """A wrapper module of this folder and the commands built from it."""

    name: str
    commands: dict[str, str]  # package -> binary name
    ldflags: tuple[str, ...] = ()

    @property
    def source(self) -> Path:
        return HERE / self.name

    @property
    def home(self) -> Path:
        return cache_dir() / f"k8s-{KUBERNETES_VERSION}" / self.name

    @property
    def binaries(self) -> dict[str, Path]:
        """Command name -> built binary; go names a command after its package (``server`` for
        ``.../server/v3``), the build renames it to the command's usual name (``etcd``)."""
        return {name: self.home / "bin" / name for name in self.commands.values()}

    def build_flags(self) -> list[str]:
        ldflags = " ".join(("-s", "-w", *self.ldflags))
        return ["-trimpath", "-mod=readonly", "-ldflags", ldflags]

    def key(self) -> str:
        files = [(self.source / name).read_bytes() for name in ("go.mod", "go.sum")]
        flags = " ".join([*self.build_flags(), *self.commands, *self.commands.values()])
        return _digest(self.name.encode(), *files, flags.encode())

    def installed(self) -> bool:
        return _stamp_ok(self.home / ".stamp", self.key()) and all(b.exists() for b in self.binaries.values())

    def build(self, log) -> None:
        """Build into a fresh folder, then swap it in and write the stamp (an interrupted build leaves the
        old binaries and no stamp for the new ones)."""
        with _file_lock(f"k8s-{self.name}"):
            if self.installed():
                return
            out = self.home / f"bin.tmp-{os.getpid()}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-buildvcs=false")
            jobs = os.environ.get("MENTORING_GO_BUILD_JOBS", "1")
            cmd = ["nice", "-n", "19", _go(), "build", "-p", jobs, *self.build_flags(), "-o", f"{out}/"]
            cmd += list(self.commands)
            log(f"building {self.name}: {' '.join(cmd)}")
            try:
                proc = subprocess.run(
                    cmd,
                    cwd=self.source,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                    preexec_fn=die_with_parent,
                )
                if proc.returncode != 0:
                    output = (proc.stdout + proc.stderr).strip()[-6000:]
                    raise InfraError(f"building {self.name} failed (exit {proc.returncode}):\n{output}")
                for package, name in self.commands.items():
                    (out / _go_binary_name(package)).rename(out / name)
                (self.home / ".stamp").unlink(missing_ok=True)
                shutil.rmtree(self.home / "bin", ignore_errors=True)
                out.rename(self.home / "bin")
            finally:
                shutil.rmtree(out, ignore_errors=True)
            (self.home / ".stamp").write_text(self.key() + "\n")


def _go_binary_name(package: str) -> str:
    """The file ``go build -o dir/`` writes for a main package: its last path element, or the one before
    a major-version suffix."""
    parts = package.split("/")
    return parts[-2] if re.fullmatch(r"v\d+", parts[-1]) else parts[-1]


KUBERNETES_COMMANDS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
MODULES = (
    GoModule(
        "kubernetes",
        {f"k8s.io/kubernetes/cmd/{c}": c for c in KUBERNETES_COMMANDS},
        tuple(_kubernetes_ldflags()),
    ),
    GoModule("etcd", {"go.etcd.io/etcd/server/v3": "etcd"}),
    GoModule("kwok", {"sigs.k8s.io/kwok/cmd/kwok": "kwok"}),
)


def binaries() -> dict[str, Path]:
    """Every built command by name: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
    etcd, kwok."""
    return {name: path for module in MODULES for name, path in module.binaries.items()}


# kwok's own commands only simulate what a configuration's Stages say; these are the ones `kwokctl` gives a
# cluster by default (nodes become ready and keep a lease, pods become ready, Job pods complete), plus ours
KWOK_STAGES = (
    "node/fast/node-initialize.yaml",
    "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "pod/fast/pod-ready.yaml",
    "pod/fast/pod-complete.yaml",
    "pod/fast/pod-delete.yaml",
)
OWN_KWOK_STAGES = HERE / "kwok" / "stages"


def _module_files_dir(module: str, version: str) -> Path:
    return cache_dir() / f"k8s-{KUBERNETES_VERSION}" / f"{module.rsplit('/', 1)[-1]}-{version}"


def crds() -> list[Path]:
    """The Prometheus Operator CRDs the chart's monitoring objects need."""
    folder = _module_files_dir(PROMETHEUS_OPERATOR, PROMETHEUS_OPERATOR_VERSION)
    return [folder / f"monitoring.coreos.com_{name}.yaml" for name in PROMETHEUS_OPERATOR_CRDS]


def kwok_stages() -> list[Path]:
    """Every Stage kwok is started with: kwok's default ones, then ours."""
    folder = _module_files_dir("sigs.k8s.io/kwok", KWOK_VERSION)
    return [folder / Path(name).name for name in KWOK_STAGES] + sorted(OWN_KWOK_STAGES.glob("*.yaml"))


def _copy_from_module(module: str, version: str, files: dict[str, Path], log) -> None:
    """Copy files of a module (fetched and checked against the checksum database by go) into the cache."""
    if all(path.exists() for path in files.values()):
        return
    log(f"copying {len(files)} files of {module}@{version}")
    proc = subprocess.run(
        [_go(), "mod", "download", "-json", f"{module}@{version}"],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise InfraError(f"go mod download {module}@{version} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    source = Path(json.loads(proc.stdout)["Dir"])
    for relative, target in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)


def _module_files(log) -> None:
    crd_source = "example/prometheus-operator-crd/"
    crd_files = {crd_source + path.name: path for path in crds()}
    _copy_from_module(PROMETHEUS_OPERATOR, PROMETHEUS_OPERATOR_VERSION, crd_files, log)
    stage_files = {
        f"kustomize/stage/{name}": path for name, path in zip(KWOK_STAGES, kwok_stages(), strict=False)
    }
    _copy_from_module("sigs.k8s.io/kwok", KWOK_VERSION, stage_files, log)


def installed() -> bool:
    files = [*crds(), *kwok_stages()]
    return all(module.installed() for module in MODULES) and all(path.exists() for path in files)


def install(log=print) -> dict[str, Path]:
    """Build what is not current (cheapest first, so a missing tool or a broken pin shows early)."""
    _module_files(log)
    for module in sorted(MODULES, key=lambda m: m.name == "kubernetes"):
        if not module.installed():
            module.build(log)
    return binaries()
