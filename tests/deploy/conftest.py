"""Fixtures of the deployment checks: the pinned tools in .cache/tools, the chart rendered per ci file, and
a local Kubernetes control plane with a fresh Pod Security "restricted" namespace per test.

The tools are installed by deploy/helm/install-tools.sh (idempotent; a few ms when cached). A missing
tool fails the tests: these checks are part of `make test` and must never pass by skipping. So does a
control plane that cannot be built (tests/deploy/k8s.py starts its build in the background).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from deploy.local.k8s import build as k8s_build
from deploy.local.k8s.cluster import LocalCluster
from tests.deploy.k8s import (
    CLUSTER_FIXTURE,
    POD_SECURITY_LABELS,
    BackgroundBuild,
    Helm,
    Namespace,
    create_namespace,
)

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "reverse-mentoring"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
TOOLS = REPO / ".cache" / "tools"
NAMESPACE = "mentoring"
RELEASE = "mentoring"
SERVICES = ("intake", "matching", "notifications", "feedback")
# a cold install builds helm with Go and fills the tools venv: give the first test that time
INSTALL_TIMEOUT_S = 1500


@dataclass(frozen=True)
class Tools:
    helm: Path
    promtool: Path
    checkov: Path
    kubernetes_validate: Path
    hadolint: Path


@pytest.fixture(scope="session")
def tools() -> Tools:
    env = {**os.environ, "TOOLS": str(TOOLS)}
    proc = subprocess.run(
        ["bash", str(REPO / "deploy" / "helm" / "install-tools.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"install-tools.sh failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    found = Tools(
        helm=TOOLS / "bin" / "helm",
        promtool=TOOLS / "bin" / "promtool",
        checkov=TOOLS / "venv" / "bin" / "checkov",
        kubernetes_validate=TOOLS / "venv" / "bin" / "kubernetes-validate",
        hadolint=TOOLS / "venv" / "bin" / "hadolint",
    )
    missing = [str(p) for p in vars(found).values() if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"tools missing after install-tools.sh: {missing}")
    return found


def run(cmd: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a tool, capturing text output; the caller asserts on returncode."""
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, cwd=REPO, check=False, **kwargs
    )


def helm_template(tools: Tools, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run([tools.helm, "template", RELEASE, CHART, "--namespace", NAMESPACE, *args])


@dataclass(frozen=True)
class Rendered:
    name: str
    path: Path
    docs: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d["kind"] == kind]

    def named(self, kind: str, name: str) -> dict:
        matches = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        assert len(matches) == 1, f"{self.name}: expected one {kind} {name}, found {len(matches)}"
        return matches[0]


@pytest.fixture(scope="session")
def rendered(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every ci/*-values.yaml rendered with `helm template`, keyed by file stem without "-values"."""
    out_dir = tmp_path_factory.mktemp("rendered")
    result: dict[str, Rendered] = {}
    for values in CI_VALUES:
        name = values.name.removesuffix("-values.yaml")
        proc = helm_template(tools, "-f", values)
        assert proc.returncode == 0, f"helm template -f {values.name} failed:\n{proc.stderr}"
        path = out_dir / f"{name}.yaml"
        path.write_text(proc.stdout, encoding="utf-8")
        docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
        result[name] = Rendered(name, path, docs)
    return result


def fullname(component: str) -> str:
    return f"{RELEASE}-reverse-mentoring-{component}"


# --- the local Kubernetes control plane --------------------------------------------------------------

KAFKATOPIC_CRD = Path(__file__).resolve().parent / "crds" / "kafkatopics.kafka.strimzi.io.yaml"
# namespaces some ci values files put objects into (monitoring objects, Strimzi topics)
SHARED_NAMESPACES = ("monitoring", "kafka")
_BUILD = BackgroundBuild()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on the control plane run last and its build starts now, so the suite runs while it builds."""
    on_cluster = [item for item in items if CLUSTER_FIXTURE in getattr(item, "fixturenames", ())]
    if not on_cluster:
        return
    chosen = set(on_cluster)
    items[:] = [item for item in items if item not in chosen] + on_cluster
    if not config.option.collectonly:
        _BUILD.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    _BUILD.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok as processes, with the
    Prometheus Operator CRDs and a KafkaTopic CRD; stopped (by pid) after the session."""
    try:
        _BUILD.wait()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    with LocalCluster(tmp_path_factory.mktemp("k8s")) as local:
        crds = [*k8s_build.crds(), KAFKATOPIC_CRD]
        args = [arg for crd in crds for arg in ("-f", str(crd))]
        applied = local.kubectl("apply", "--server-side", *args)
        assert applied.returncode == 0, applied.stderr
        established = local.kubectl("wait", "--for=condition=Established", "--timeout=60s", *args)
        assert established.returncode == 0, established.stderr
        for name in SHARED_NAMESPACES:
            labels = [f"{key}={value}" for key, value in POD_SECURITY_LABELS.items()]
            created = local.kubectl("create", "namespace", name)
            assert created.returncode == 0, created.stderr
            labelled = local.kubectl("label", "namespace", name, *labels)
            assert labelled.returncode == 0, labelled.stderr
        yield local


@pytest.fixture
def namespace(cluster: LocalCluster) -> Iterator[Namespace]:
    """A fresh namespace labelled pod-security.kubernetes.io/enforce=restricted (and warn, audit)."""
    fresh = create_namespace(cluster)
    yield fresh
    cluster.kubectl("delete", "namespace", fresh.name, "--wait=false")


@pytest.fixture(scope="session")
def helm(tools: Tools, cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return Helm(tools.helm, cluster, tmp_path_factory.mktemp("helm"))
