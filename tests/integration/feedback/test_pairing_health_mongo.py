"""The Mongo stores (FerretDB locally) pass the same contracts as their in-memory twins."""

from __future__ import annotations

import pytest

from services.feedback.store import INDEXES, PAIRINGS
from services.feedback.store.documents import MongoDocuments
from services.feedback.store.pairings import Pairings
from services.feedback.store.uow import PROGRAM_PAIRINGS
from tests.support.pairing_health_contract import DocumentsContract, PairingHealthContract

pytestmark = pytest.mark.integration


class TestMongoPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self, fresh_database):
        db = fresh_database("feedback", INDEXES)
        return Pairings(MongoDocuments(db[PAIRINGS]), MongoDocuments(db[PROGRAM_PAIRINGS]))


class TestMongoDocuments(DocumentsContract):
    @pytest.fixture
    def documents(self, fresh_database):
        return MongoDocuments(fresh_database("feedback", INDEXES)["contract"])
