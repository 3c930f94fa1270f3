"""Processes that must not outlive the one that started them."""

from __future__ import annotations

import contextlib
import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Run in a child before exec (``preexec_fn``): it gets SIGTERM when the thread that started it ends,
    even when its process is killed with SIGKILL, so a killed test run leaves no build or control plane
    behind. Linux only (elsewhere a no-op: stop() is then the only cleanup); start such children from a
    thread that outlives them (the main thread)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
