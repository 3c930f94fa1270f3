"""The Mongo versioned store (FerretDB locally) passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from shared.mongo import client_for
from shared.versioned import MongoVersionedStore
from tests.support.store_contracts import VersionedStoreContract

pytestmark = pytest.mark.integration


class TestMongoVersionedStore(VersionedStoreContract):
    @pytest.fixture
    def store(self, settings_for):
        settings = settings_for("intake")
        client = client_for(settings)
        yield MongoVersionedStore(client[settings.mongodb_database]["aggregates"], "/tests")
        client.drop_database(settings.mongodb_database)
