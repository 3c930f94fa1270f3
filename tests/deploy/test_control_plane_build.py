"""The local control plane's build (deploy/local/k8s): it fails loudly, and its stamp follows its pins."""

from __future__ import annotations

import os
import subprocess
import sys

from deploy.local.k8s import build
from tests.deploy.conftest import REPO


def test_a_build_that_cannot_fetch_its_modules_fails_naming_what_failed(tmp_path) -> None:
    # an empty module cache and no module proxy: what a machine without network and cache would do
    env = {
        **os.environ,
        "MENTORING_CACHE_DIR": str(tmp_path / "cache"),
        "GOMODCACHE": str(tmp_path / "modcache"),
        "GOPROXY": "off",
        "GOFLAGS": "-modcacherw",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "deploy.local.k8s", "build"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1
    assert "go mod download github.com/prometheus-operator/prometheus-operator@" in proc.stderr, proc.stderr
    assert not (tmp_path / "cache" / f"k8s-{build.KUBERNETES_VERSION}" / "kubernetes" / ".stamp").exists()


def test_the_build_stamp_changes_when_a_pinned_module_changes(tmp_path, monkeypatch) -> None:
    kubernetes = next(m for m in build.MODULES if m.name == "kubernetes")
    before = kubernetes.key()
    copy = tmp_path / "kubernetes"
    copy.mkdir()
    for name in ("go.mod", "go.sum"):
        (copy / name).write_bytes((kubernetes.source / name).read_bytes())
    monkeypatch.setattr(build, "HERE", tmp_path)
    assert kubernetes.key() == before
    (copy / "go.sum").write_text((copy / "go.sum").read_text() + "example.com/m v1.0.0 h1:x=\n")
    assert kubernetes.key() != before
    assert f"gitVersion={build.KUBERNETES_VERSION}" in " ".join(kubernetes.build_flags())
