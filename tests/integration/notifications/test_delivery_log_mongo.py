"""The Mongo delivery log (FerretDB locally) passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from services.notifications.store import INDEXES, MongoDeliveryLog
from shared.mongo import client_for, ensure_indexes
from tests.support.delivery_log_contract import DeliveryLogContract

pytestmark = pytest.mark.integration


class TestMongoDeliveryLog(DeliveryLogContract):
    @pytest.fixture
    def log(self, settings_for):
        settings = settings_for("notifications")
        client = client_for(settings)
        db = client[settings.mongodb_database]
        ensure_indexes(db, INDEXES)
        yield MongoDeliveryLog(db)
        client.drop_database(settings.mongodb_database)
