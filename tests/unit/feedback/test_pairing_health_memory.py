"""The in-memory stores pass the same contracts as the Mongo ones (tests/integration)."""

from __future__ import annotations

import pytest

from services.feedback.store.documents import MemoryDocuments
from services.feedback.store.pairings import Pairings
from tests.support.pairing_health_contract import DocumentsContract, PairingHealthContract


class TestMemoryPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self):
        return Pairings(MemoryDocuments(), MemoryDocuments())


class TestMemoryDocuments(DocumentsContract):
    @pytest.fixture
    def documents(self):
        return MemoryDocuments()
