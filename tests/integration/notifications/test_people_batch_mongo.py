"""The Mongo people stores' batch reads (FerretDB locally) pass the same contract as their in-memory twins."""

from __future__ import annotations

import pytest

from services.notifications.store.people import MongoDirectory, MongoPreferences, MongoTombstones
from tests.support.people_batch_contract import PeopleBatchContract

pytestmark = pytest.mark.integration


class TestMongoPeopleBatchReads(PeopleBatchContract):
    @pytest.fixture
    def stores(self, fresh_database):
        db = fresh_database("notifications", [])
        return MongoDirectory(db), MongoPreferences(db), MongoTombstones(db)
