"""CLI of the local control plane (from the repository root).

``python -m deploy.local.k8s build`` builds into <cache>/k8s-<version>/ (a no-op when current);
``python -m deploy.local.k8s up`` builds, starts it on free ports under .run/k8s and prints the KUBECONFIG,
then runs until Ctrl-C or SIGTERM and stops every process it started.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from pathlib import Path

from deploy.local.infra import REPO_ROOT, InfraError
from deploy.local.k8s import build
from deploy.local.k8s.cluster import LocalCluster


def _build() -> None:
    started = time.monotonic()
    for name, path in build.install(log=lambda line: print(line, flush=True)).items():
        print(f"{name}: {path}")
    print(f"control plane built in {time.monotonic() - started:.0f} s", flush=True)


def _up(run_dir: Path) -> None:
    _build()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalCluster(run_dir) as cluster:
        print(f"Kubernetes {cluster.version} at {cluster.server}", flush=True)
        print(f"export KUBECONFIG={cluster.kubeconfig}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    print("stopped", flush=True)


def main(argv: list[str]) -> int:
    try:
        if argv == ["build"]:
            _build()
        elif argv == ["up"]:
            _up(REPO_ROOT / ".run" / "k8s")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except InfraError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
