"""The Mongo pairing records (FerretDB locally) pass the same contract as their in-memory twin."""

from __future__ import annotations

import pytest

from services.feedback.store import INDEXES, PAIRINGS
from services.feedback.store.documents import MongoDocuments
from services.feedback.store.pairings import Pairings
from tests.support.pairing_health_contract import PairingHealthContract

pytestmark = pytest.mark.integration


class TestMongoPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self, fresh_database):
        return Pairings(MongoDocuments(fresh_database("feedback", INDEXES)[PAIRINGS]))
