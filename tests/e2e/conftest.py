"""End-to-end: all four services as processes against the real servers."""

from __future__ import annotations

import pytest

from shared.config import SERVICES
from tests.support.harness import topics_ready
from tests.support.processes import ServiceProcesses


@pytest.fixture
def system(settings_for, tmp_path):
    settings = {service: settings_for(service) for service in SERVICES}
    topics_ready(settings["intake"])
    processes = ServiceProcesses(settings, tmp_path / "logs").start()
    try:
        yield processes
    finally:
        processes.stop()
