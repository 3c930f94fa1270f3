"""The local SMTP sink (``deploy/local/smtp_sink.py``) as a process of its own, started and stopped by
the pid recorded in the run directory (standard library only, like ``infra.py``, which uses it)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = "deploy.local.smtp_sink"


def _python() -> str:
    """The project's venv has aiosmtpd; ``infra.py`` itself may run under any ``python3``."""
    venv = REPO_ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def smtp_ready(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a server on ``port`` greets with SMTP's 220."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(64).startswith(b"220")
    except OSError:
        return False


class SmtpSinkProcess:
    """``<run_dir>/smtp.pid``, ``<run_dir>/smtp.log`` and the mailbox ``<run_dir>/mailbox``."""

    def __init__(self, run_dir: Path, port: int | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.port = port
        self.mailbox_dir = self.run_dir / "mailbox"
        self._proc: subprocess.Popen | None = None

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "smtp.pid"

    def pid(self) -> int | None:
        """The recorded pid if that process is alive and is our sink (its command line names our mailbox)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if self._proc is not None and self._proc.pid == pid:
            return pid if self._proc.poll() is None else None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return None
        return pid if str(self.mailbox_dir) in cmdline else None

    def running(self) -> bool:
        return self.pid() is not None and self.port is not None and smtp_ready(HOST, self.port)

    def start(self, port: int, timeout: float = 20.0) -> None:
        self.stop()
        self.port = port
        self.mailbox_dir.mkdir(parents=True, exist_ok=True)
        mailbox = str(self.mailbox_dir)
        cmd = [_python(), "-m", MODULE, "--host", HOST, "--port", str(port), "--mailbox", mailbox]
        with open(self.run_dir / "smtp.log", "ab") as out:
            self._proc = subprocess.Popen(
                cmd,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{self._proc.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = (self.run_dir / "smtp.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"SMTP sink exited with {self._proc.returncode}:\n{log}")
            if smtp_ready(HOST, port):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"SMTP sink did not answer on {HOST}:{port} within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM our sink by its recorded pid, SIGKILL after ``timeout``; idempotent."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self.pid() == pid and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.pid() == pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self._proc is not None:
            with contextlib.suppress(Exception):
                self._proc.wait(timeout=1)
            self._proc = None
        self.pid_file.unlink(missing_ok=True)
