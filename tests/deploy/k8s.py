"""Support of the tests that install the chart into the local control plane (deploy/local/k8s).

The control plane is built by a background process the session starts as soon as it knows such a test is
selected (a cold build takes minutes); those tests run last, so the rest of the suite runs meanwhile. A
build that fails fails the tests with its log: they are part of `make test` and never skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from deploy.local.infra import cache_dir
from deploy.local.k8s import build
from deploy.local.k8s.cluster import LocalCluster
from deploy.local.k8s.lifetime import die_with_parent

REPO = Path(__file__).resolve().parents[2]
BUILD_LOG = cache_dir() / f"k8s-{build.KUBERNETES_VERSION}" / "build.log"
CLUSTER_FIXTURE = "cluster"
# a cold build on a busy two-core machine took 30 min here; the tests on the cluster time only their own
# bodies (timeout func_only), so this is the one limit on waiting for it
BUILD_TIMEOUT_S = 3600
# what the namespaces of the tests enforce, as a platform team would label them
POD_SECURITY_LABELS = {
    f"pod-security.kubernetes.io/{mode}{suffix}": value
    for mode in ("enforce", "warn", "audit")
    for suffix, value in (("", "restricted"), ("-version", "latest"))
}


class BackgroundBuild:
    """``python -m deploy.local.k8s build`` in its own process group, so it can be stopped as a whole."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if self.proc is not None or build.installed():
            return
        BUILD_LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(BUILD_LOG, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "deploy.local.k8s", "build"],
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C is pytest's to handle: stop() ends the whole group
                preexec_fn=die_with_parent,  # and a killed pytest ends the build
            )

    def wait(self) -> None:
        """Block until the control plane is built; raise with the build's log if it could not be."""
        if self.proc is None:
            self.start()
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=BUILD_TIMEOUT_S)
            except subprocess.TimeoutExpired as exc:
                self.stop()
                raise RuntimeError(
                    f"the control plane build took over {BUILD_TIMEOUT_S} s:\n{_tail(BUILD_LOG)}"
                ) from exc
            if code != 0:
                raise RuntimeError(f"building the control plane failed ({code}):\n{_tail(BUILD_LOG)}")
        if not build.installed():
            raise RuntimeError(f"the control plane is not built after the build:\n{_tail(BUILD_LOG)}")

    def stop(self) -> None:
        """Stop a build still running (an interrupted session): its whole process group, go included."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no build log)"


@dataclass(frozen=True)
class Namespace:
    """A fresh namespace enforcing Pod Security "restricted", and the cluster it lives in."""

    name: str
    cluster: LocalCluster

    @property
    def kubeconfig(self) -> Path:
        return self.cluster.kubeconfig

    def kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return self.cluster.kubectl("--namespace", self.name, *args, stdin=stdin)

    def get(self, kind: str, name: str = "", *selector: str) -> dict:
        proc = self.kubectl("get", kind, *([name] if name else []), *selector, "-o", "json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def warning_events(self) -> list[str]:
        events = self.get("events", "", "--field-selector", "type=Warning")["items"]
        return [
            f"{e['involvedObject']['kind']}/{e['involvedObject']['name']} {e['reason']}: {e['message']}"
            for e in events
        ]


def create_namespace(cluster: LocalCluster, prefix: str = "t") -> Namespace:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": POD_SECURITY_LABELS},
    }
    proc = cluster.kubectl("create", "-f", "-", stdin=json.dumps(manifest))
    assert proc.returncode == 0, proc.stderr
    namespace = Namespace(name, cluster)
    # pods need the namespace's default ServiceAccount, which the controller manager adds
    wait_until(lambda: namespace.kubectl("get", "serviceaccount", "default").returncode == 0, "default SA")
    return namespace


def wait_until(condition, what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` until true; fail naming ``what`` (a readiness wait, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.3)


def documents(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def warnings_of(stderr: str) -> list[str]:
    """The admission warnings kubectl printed (``Warning: ...`` lines)."""
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


@dataclass(frozen=True)
class Helm:
    """The pinned helm, talking to the local cluster, with its own config and cache folders."""

    binary: Path
    cluster: LocalCluster
    home: Path

    def __call__(self, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "KUBECONFIG": str(self.cluster.kubeconfig),
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
        }
        return subprocess.run(
            [str(self.binary), *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=timeout,
            check=False,
        )
