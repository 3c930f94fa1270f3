"""The in-memory scheduled-work store passes the same contract as the Mongo one (tests/integration)."""

from __future__ import annotations

import pytest

from shared.schedule import MemoryScheduledWork
from tests.support.schedule_contract import ScheduledWorkContract


class TestMemoryScheduledWork(ScheduledWorkContract):
    @pytest.fixture
    def work(self):
        return MemoryScheduledWork()
