"""Run the services as real processes (gunicorn APIs + workers) for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shared.config import Settings

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServiceProcesses:
    """Every service's API and worker on free ports; ``stop()`` ends exactly the processes it started."""

    settings: dict[str, Settings]
    log_dir: Path
    api_ports: dict[str, int] = field(default_factory=dict)
    worker_ports: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def _env(self, service: str) -> dict[str, str]:
        s = self.settings[service]
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": s.kafka_bootstrap_servers,
            "MONGODB_URI": s.mongodb_uri,
            "MONGODB_DATABASE": s.mongodb_database,
            "TOPIC_PREFIX": s.topic_prefix,
            "AUTH_MODE": "dev",
            "DEV_KEYS_DIR": s.dev_keys_dir,
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, timeout_s: float = 60.0) -> ServiceProcesses:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.settings:  # the services given: every one, or those a test needs
            self.api_ports[service], self.worker_ports[service] = free_port(), free_port()
            env = self._env(service)
            for process, extra in (
                ("api", {"PORT": str(self.api_ports[service])}),
                ("worker", {"METRICS_PORT": str(self.worker_ports[service])}),
            ):
                log = open(self.log_dir / f"{service}-{process}.log", "wb")  # noqa: SIM115
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", f"services.{service}", process],
                        cwd=REPO,
                        env={**env, **extra},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
                log.close()
                self.names.append(f"{service}-{process}")
        deadline = time.monotonic() + timeout_s
        pending = {f"{s}-api": f"{self.api_url(s)}/readyz" for s in self.settings}
        pending |= {f"{s}-worker": f"{self.worker_url(s)}/healthz" for s in self.settings}
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        pending.pop(name)
                except requests.RequestException:
                    pass
            time.sleep(0.3)
        if pending:
            self.stop()
            logs = {p.name: p.read_text()[-1500:] for p in self.log_dir.glob("*.log")}
            raise RuntimeError(f"not ready: {sorted(pending)}; logs: {logs}")
        return self

    def api_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.api_ports[service]}"

    def worker_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.worker_ports[service]}"

    def stop(self) -> dict[str, int | None]:
        """SIGTERM everything, wait for a graceful exit; returns each process's exit code."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        return {name: process.returncode for name, process in zip(self.names, self.processes, strict=True)}
