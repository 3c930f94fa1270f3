"""The Mongo scheduled-work store (FerretDB locally) passes the same contract as its in-memory twin."""

from __future__ import annotations

import pytest

from shared.schedule import MongoScheduledWork
from tests.support.schedule_contract import ScheduledWorkContract

pytestmark = pytest.mark.integration


class TestMongoScheduledWork(ScheduledWorkContract):
    @pytest.fixture
    def work(self, fresh_database):
        return MongoScheduledWork(fresh_database("notifications")["scheduled"])
