"""The Mongo versioned store (FerretDB locally) passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from shared.versioned import MongoVersionedStore
from tests.support.store_contracts import VersionedStoreContract

pytestmark = pytest.mark.integration


class TestMongoVersionedStore(VersionedStoreContract):
    @pytest.fixture
    def store(self, fresh_database):
        return MongoVersionedStore(fresh_database("intake")["aggregates"], "/tests")
