"""The in-memory delivery log passes the same contract as the Mongo one (tests/integration)."""

from __future__ import annotations

import pytest

from services.notifications.store.deliveries import MemoryDeliveryLog
from tests.support.delivery_log_contract import DeliveryLogContract


class TestMemoryDeliveryLog(DeliveryLogContract):
    @pytest.fixture
    def log(self):
        return MemoryDeliveryLog()
