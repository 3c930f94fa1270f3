"""End-to-end: all four services as processes against the real servers, started once for this package.

Every test that can shares the one running system: each creates its own programs and people, so the ids
it works with keep it independent of the others. A test that stops the processes asks for
``system_to_stop`` (run last); a test that finds a process gone revives it; a process that dies during a
test that did not stop it fails that test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import SERVICES
from tests.support.harness import isolated_settings, topics_ready
from tests.support.processes import ServiceProcesses
from tests.support.smtp import Sink, smtp_sink

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="package")
def mailbox(tmp_path_factory) -> Iterator[Sink]:
    """The SMTP sink the system's notifications worker sends its e-mail to, as ``make run``'s does."""
    with smtp_sink(tmp_path_factory.mktemp("e2e-mailbox")) as sink:
        yield sink


@pytest.fixture(scope="package")
def running_system(servers, mailbox: Sink, tmp_path_factory) -> Iterator[ServiceProcesses]:
    isolation = f"e2e{uuid.uuid4().hex[:8]}"
    keys_dir = str(tmp_path_factory.mktemp("e2e-dev-keys"))
    settings = {service: isolated_settings(servers, isolation, keys_dir, service) for service in SERVICES}
    topics_ready(settings["intake"])
    # as ``make run``'s stack: e-mail goes to the sink, subscriber webhooks may target receivers on loopback
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox.port),
        "SMTP_TLS": "none",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    processes = ServiceProcesses(settings, tmp_path_factory.mktemp("e2e-logs"), extra_env=env).start()
    try:
        yield processes
    finally:
        processes.stop()


@pytest.fixture
def system(running_system: ServiceProcesses) -> Iterator[ServiceProcesses]:
    """The shared system, every process up; fails the test if one of them exited while it ran."""
    running_system.revive()
    yield running_system
    exited = {name: p.returncode for name, p in running_system.processes.items() if p.poll() is not None}
    if exited:
        logs = {name: (running_system.log_dir / f"{name}.log").read_text()[-1500:] for name in exited}
        pytest.fail(f"processes exited during the test: {exited}; logs: {logs}")


@pytest.fixture
def system_to_stop(running_system: ServiceProcesses) -> ServiceProcesses:
    """The shared system for a test that stops its processes itself (a later test revives them)."""
    return running_system.revive()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that stop the shared system run after every other test here, so it is started only once."""
    here = [index for index, item in enumerate(items) if HERE in Path(item.path).parents]
    ordered = sorted(
        (items[i] for i in here), key=lambda item: "system_to_stop" in getattr(item, "fixturenames", ())
    )
    for index, item in zip(here, ordered, strict=True):
        items[index] = item
