"""The in-memory webhook store passes the same contract as the Mongo one (tests/integration)."""

from __future__ import annotations

import pytest

from services.notifications.store.webhooks import MemoryWebhookStore
from tests.support.webhook_store_contract import WebhookStoreContract


class TestMemoryWebhookStore(WebhookStoreContract):
    @pytest.fixture
    def store(self):
        return MemoryWebhookStore()
