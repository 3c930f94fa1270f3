"""The in-memory versioned store passes the same contract as the Mongo one (tests/integration)."""

from __future__ import annotations

import pytest

from shared.versioned import MemoryVersionedStore
from tests.support.store_contracts import VersionedStoreContract


class TestMemoryVersionedStore(VersionedStoreContract):
    @pytest.fixture
    def store(self):
        return MemoryVersionedStore("/tests")
