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
    """Every service's API and worker on free ports; ``stop()`` ends exactly the processes it started and
    ``revive()`` starts again, on the same ports, any of them that has exited (stopped or killed)."""

    settings: dict[str, Settings]
    log_dir: Path
    api_ports: dict[str, int] = field(default_factory=dict)
    worker_ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)  # for every process, e.g. the SMTP sink's

    @property
    def names(self) -> list[str]:
        return list(self.processes)

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
            # workers ask intake's API for participant keys (shared.sealing): this system's, not the default
            **({"INTAKE_URL": self.api_url("intake")} if "intake" in self.api_ports else {}),
            **self.extra_env,
        }

    def _spawn(self, name: str) -> None:
        service, process = name.rsplit("-", 1)
        port = {"api": ("PORT", self.api_ports), "worker": ("METRICS_PORT", self.worker_ports)}[process]
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", process],
            cwd=REPO,
            env={**self._env(service), port[0]: str(port[1][service])},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def _probe(self, name: str) -> str:
        service, process = name.rsplit("-", 1)
        return f"{self.api_url(service) if process == 'api' else self.worker_url(service)}/readyz"

    def _wait_ready(self, names: list[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = {name: self._probe(name) for name in names}
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        pending.pop(name)
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        if pending:
            self.stop()
            logs = {p.name: p.read_text()[-1500:] for p in self.log_dir.glob("*.log")}
            raise RuntimeError(f"not ready: {sorted(pending)}; logs: {logs}")

    def start(self, timeout_s: float = 60.0) -> ServiceProcesses:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.settings:  # the services given: every one, or those a test needs
            self.api_ports[service], self.worker_ports[service] = free_port(), free_port()
            for process in ("api", "worker"):
                self._spawn(f"{service}-{process}")
        self._wait_ready(self.names, timeout_s)
        return self

    def revive(self, timeout_s: float = 60.0, *, wait: bool = True) -> ServiceProcesses:
        """Start again every process that has exited, on its own port, and (unless ``wait`` is False, as a
        supervisor restarting a crashed process goes on at once) wait until they are ready."""
        exited = [name for name, process in self.processes.items() if process.poll() is not None]
        for name in exited:
            self._spawn(name)
        if wait:
            self._wait_ready(exited, timeout_s)
        return self

    def api_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.api_ports[service]}"

    def worker_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.worker_ports[service]}"

    def stop(self) -> dict[str, int | None]:
        """SIGTERM everything, wait for a graceful exit; returns each process's exit code."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        return {name: process.returncode for name, process in self.processes.items()}
