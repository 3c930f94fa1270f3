"""Session-wide real infrastructure and per-test isolation (own topic prefix, own databases)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from shared.config import Settings
from tests.support.harness import isolated_settings
from tests.support.infra import Endpoints, real_servers

# Property tests assert behaviour, never speed: no per-example deadline (a loaded 2-core CI machine made
# Hypothesis' 200 ms default fail examples that pass), speed goals live in bench/.
hypothesis_settings.register_profile("mentoring", deadline=None)
hypothesis_settings.load_profile("mentoring")


@pytest.fixture(scope="session")
def servers() -> Iterator[Endpoints]:
    with real_servers() as endpoints:
        yield endpoints
        # Kafka clients of apps the tests built keep reconnecting to the stopped broker from their own
        # threads, logging into capture streams pytest has closed: not a finding, so no traceback noise.
        logging.raiseExceptions = False


@pytest.fixture
def isolation() -> str:
    """A short unique tag: this test's topics and databases carry it, so tests never see each other."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings_for(servers: Endpoints, isolation: str, tmp_path_factory) -> Callable[..., Settings]:
    """Settings for a service pointed at the real servers, isolated to this test."""
    keys_dir = str(tmp_path_factory.mktemp("dev-keys"))

    def build(service: str, **overrides: object) -> Settings:
        return isolated_settings(servers, isolation, keys_dir, service, **overrides)

    return build
