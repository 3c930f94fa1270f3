"""The in-memory people stores' batch reads pass the same contract as the Mongo ones (tests/integration)."""

from __future__ import annotations

import pytest

from services.notifications.store.people import MemoryDirectory, MemoryPreferences, MemoryTombstones
from tests.support.people_batch_contract import PeopleBatchContract


class TestMemoryPeopleBatchReads(PeopleBatchContract):
    @pytest.fixture
    def stores(self):
        return MemoryDirectory(), MemoryPreferences(), MemoryTombstones()
