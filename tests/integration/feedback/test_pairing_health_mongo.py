"""The Mongo pairing health records (FerretDB locally) pass the same contract as their in-memory twin."""

from __future__ import annotations

import pytest

from services.feedback.store import INDEXES, MongoPairingHealthRecords
from shared.mongo import client_for, ensure_indexes
from tests.support.pairing_health_contract import PairingHealthContract

pytestmark = pytest.mark.integration


class TestMongoPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self, settings_for):
        settings = settings_for("feedback")
        client = client_for(settings)
        db = client[settings.mongodb_database]
        ensure_indexes(db, INDEXES)
        yield MongoPairingHealthRecords(db)
        client.drop_database(settings.mongodb_database)
