"""The Mongo webhook store (FerretDB locally) passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from services.notifications.store.webhooks import INDEXES, MongoWebhookStore
from tests.support.webhook_store_contract import WebhookStoreContract

pytestmark = pytest.mark.integration


class TestMongoWebhookStore(WebhookStoreContract):
    @pytest.fixture
    def store(self, fresh_database):
        return MongoWebhookStore(fresh_database("notifications", INDEXES))
