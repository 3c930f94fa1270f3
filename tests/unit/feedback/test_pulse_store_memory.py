"""The pulse store's in-memory twin passes the same contract as the Mongo store."""

from __future__ import annotations

import pytest

from services.feedback.pulse.store import MemoryPulseStore
from tests.support.pulse_store_contract import PulseStoreContract


class TestMemoryPulseStore(PulseStoreContract):
    @pytest.fixture
    def store(self):
        return MemoryPulseStore()
