"""Runs ``make run``'s processes: each one's output prefixed with its name, and one that dies is named with
its exit code and restarted; one that keeps dying stops the whole stack with a non-zero exit.

Chosen behaviour (docs/guide/operator.md): a process that exits while the stack runs is logged as
``<name> exited with code <n> (<signal>); restarting in 1 s (restart k of 5 within 60 s)`` and started
again; the sixth death within a minute means restarting does not help (a bad configuration, a port in use),
so the supervisor logs ``giving up`` naming the process, stops everything and ``make run`` exits 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Program:
    """One supervised process: its command line and environment additions."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def describe_exit(code: int) -> str:
    """``-9`` -> ``code -9 (SIGKILL)``: a negative code is the signal that ended the process."""
    if code < 0:
        try:
            return f"code {code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"code {code}"
    return f"code {code}"


class Supervisor:
    def __init__(
        self,
        programs: dict[str, Program],
        *,
        cwd: Path,
        env: dict[str, str],
        say: Callable[[str], None] = lambda line: print(line, flush=True),
        restart_delay_s: float = 1.0,
        max_restarts: int = 5,
        window_s: float = 60.0,
    ) -> None:
        self.programs = programs
        self.cwd = cwd
        self.env = env
        self.say = say
        self.restart_delay_s = restart_delay_s
        self.max_restarts = max_restarts
        self.window_s = window_s
        self.processes: dict[str, subprocess.Popen] = {}
        self.deaths: dict[str, deque[float]] = {name: deque() for name in programs}
        self.failure: str | None = None
        self._stopping = threading.Event()
        self._width = max(map(len, programs), default=0)

    def start(self) -> Supervisor:
        for name in self.programs:
            self._spawn(name)
        return self

    def _spawn(self, name: str) -> None:
        program = self.programs[name]
        process = subprocess.Popen(
            program.argv,
            cwd=self.cwd,
            env={**self.env, **program.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a stop reaches gunicorn's workers too
        )
        self.processes[name] = process
        threading.Thread(target=self._relay, args=(name, process), name=f"out-{name}", daemon=True).start()

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            sys.stdout.write(f"{name:<{self._width}} | {raw.decode(errors='replace')}")
            sys.stdout.flush()

    def watch(self, poll_s: float = 0.2) -> int:
        """Restart what exits until ``stop()`` (returns 0) or until a process keeps dying (returns 1)."""
        while not self._stopping.is_set():
            for name, process in list(self.processes.items()):
                code = process.poll()
                if code is None or self._stopping.is_set():
                    continue
                if not self._restart(name, code):
                    return 1
            self._stopping.wait(poll_s)
        return 0

    def _restart(self, name: str, code: int) -> bool:
        now = time.monotonic()
        deaths = self.deaths[name]
        deaths.append(now)
        while deaths and now - deaths[0] > self.window_s:
            deaths.popleft()
        if len(deaths) > self.max_restarts:
            self.failure = (
                f"{name} exited with {describe_exit(code)} {len(deaths)} times within "
                f"{self.window_s:.0f} s; giving up: stopping the stack (see {name}'s output above)"
            )
            self.say(self.failure)
            return False
        self.say(
            f"{name} exited with {describe_exit(code)}; restarting in {self.restart_delay_s:g} s "
            f"(restart {len(deaths)} of {self.max_restarts} within {self.window_s:.0f} s)"
        )
        with contextlib.suppress(ProcessLookupError):  # what it left behind (gunicorn's workers) goes too
            os.killpg(self.processes[name].pid, signal.SIGKILL)
        if self._stopping.wait(self.restart_delay_s):
            return True
        self._spawn(name)
        return True

    def stop(self, timeout_s: float = 40.0) -> dict[str, int | None]:
        """SIGTERM every process group this supervisor started, SIGKILL what is left after ``timeout_s``."""
        self._stopping.set()
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        return {name: process.returncode for name, process in self.processes.items()}
