"""Matching's in-memory repositories pass the same contracts as the Mongo ones (tests/integration)."""

from __future__ import annotations

import pytest

from services.matching.store import MemoryMatchingUnitOfWork
from tests.support import matching_store_contracts as contracts


class InMemory:
    @pytest.fixture
    def uow(self):
        return MemoryMatchingUnitOfWork()


class TestMemoryProjection(InMemory, contracts.ProjectionContract):
    pass


class TestMemoryMatchRuns(InMemory, contracts.MatchRunsContract):
    pass


class TestMemoryRunLock(InMemory, contracts.RunLockContract):
    pass


class TestMemoryPairings(InMemory, contracts.PairingsContract):
    pass


class TestMemoryWaitlist(InMemory, contracts.WaitlistContract):
    pass


class TestMemoryConflicts(InMemory, contracts.ConflictsContract):
    pass
