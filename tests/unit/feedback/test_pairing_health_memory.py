"""The in-memory pairing health records pass the same contract as the Mongo ones (tests/integration)."""

from __future__ import annotations

import pytest

from services.feedback.store import MemoryPairingHealthRecords
from tests.support.pairing_health_contract import PairingHealthContract


class TestMemoryPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self):
        return MemoryPairingHealthRecords()
