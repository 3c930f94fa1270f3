"""The Mongo pairing health records (FerretDB locally) pass the same contract as their in-memory twin."""

from __future__ import annotations

import pytest

from services.feedback.store import INDEXES, MongoPairingHealthRecords
from tests.support.pairing_health_contract import PairingHealthContract

pytestmark = pytest.mark.integration


class TestMongoPairingHealthRecords(PairingHealthContract):
    @pytest.fixture
    def records(self, fresh_database):
        return MongoPairingHealthRecords(fresh_database("feedback", INDEXES))
