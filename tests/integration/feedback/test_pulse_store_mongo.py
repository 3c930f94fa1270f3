"""The pulse store on the real Mongo-wire server passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from services.feedback.pulse.store import INDEXES, MongoPulseStore
from tests.support.pulse_store_contract import PulseStoreContract


class TestMongoPulseStore(PulseStoreContract):
    @pytest.fixture
    def store(self, fresh_database):
        return MongoPulseStore(fresh_database("feedback", INDEXES))
