"""The in-memory pairing records pass the same contract as the Mongo ones (tests/integration)."""

from __future__ import annotations

import pytest

from services.feedback.store.documents import MemoryDocuments
from services.feedback.store.pairings import Pairings
from tests.support.pairing_health_contract import PairingHealthContract


class TestMemoryPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self):
        return Pairings(MemoryDocuments())
