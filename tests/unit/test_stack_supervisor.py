"""``make run``'s supervisor: a process that dies is named with its exit code and restarted; one that keeps
dying stops the stack with a non-zero exit."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from deploy.local.supervisor import Program, Supervisor, describe_exit

SLEEPER = Program([sys.executable, "-c", "import time; time.sleep(60)"])


def _wait(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_killed_process_is_named_with_its_exit_code_and_restarted(tmp_path: Path):
    said: list[str] = []
    supervisor = Supervisor(
        {"intake-worker": SLEEPER}, cwd=tmp_path, env=dict(os.environ), say=said.append, restart_delay_s=0.1
    ).start()
    watcher = threading.Thread(target=supervisor.watch, kwargs={"poll_s": 0.05})
    watcher.start()
    try:
        first = supervisor.processes["intake-worker"]
        os.kill(first.pid, signal.SIGKILL)
        _wait(lambda: supervisor.processes["intake-worker"] is not first)
        assert supervisor.processes["intake-worker"].poll() is None
        assert said[0].startswith("intake-worker exited with code -9 (SIGKILL); restarting")
    finally:
        supervisor.stop(timeout_s=10)
        watcher.join(timeout=10)
    assert supervisor.failure is None


def test_a_process_that_keeps_dying_stops_the_stack_with_a_non_zero_exit(tmp_path: Path):
    said: list[str] = []
    crashing = Program([sys.executable, "-c", "raise SystemExit(3)"])
    supervisor = Supervisor(
        {"matching-api": crashing, "intake-worker": SLEEPER},
        cwd=tmp_path,
        env=dict(os.environ),
        say=said.append,
        restart_delay_s=0.01,
        max_restarts=2,
    ).start()
    try:
        assert supervisor.watch(poll_s=0.02) == 1
    finally:
        codes = supervisor.stop(timeout_s=10)
    assert len(said) == 3
    assert said[-1].startswith("matching-api exited with code 3 3 times within 60 s; giving up")
    assert supervisor.failure == said[-1]
    assert codes["intake-worker"] is not None  # the healthy process was stopped too


def test_exit_codes_name_the_signal_that_ended_the_process():
    assert describe_exit(-15) == "code -15 (SIGTERM)"
    assert describe_exit(2) == "code 2"
