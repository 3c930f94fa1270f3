"""Debian's headless Chromium for browser tests: found on PATH, else installed with apt-get; a test that
needs it fails (never skips) with the reason when neither works."""

from __future__ import annotations

import os
import shutil
import subprocess

NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_or_install_chromium() -> str:
    found = next((path for name in NAMES if (path := shutil.which(name))), None)
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise AssertionError(
            "no chromium on PATH and apt-get is not available to root here: install chromium"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    found = shutil.which("chromium")
    if not found:
        raise AssertionError("apt-get installed chromium but it is not on PATH")
    return found


def rendered_dom(url: str, budget_ms: int = 20000) -> str:
    """The page's DOM after its scripts ran (Swagger UI fetches and renders the OpenAPI document)."""
    chromium = find_or_install_chromium()
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # tests run as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout
