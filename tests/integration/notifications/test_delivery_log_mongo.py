"""The Mongo delivery log (FerretDB locally) passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from services.notifications.store.deliveries import INDEXES, MongoDeliveryLog
from tests.support.delivery_log_contract import DeliveryLogContract

pytestmark = pytest.mark.integration


class TestMongoDeliveryLog(DeliveryLogContract):
    @pytest.fixture
    def log(self, fresh_database):
        return MongoDeliveryLog(fresh_database("notifications", INDEXES))
