"""Matching's in-memory repositories pass the same contracts as the Mongo ones (tests/integration)."""

from __future__ import annotations

import pytest

from services.matching.store import MemoryMatchingUnitOfWork
from tests.support import matching_pairing_contracts as pairing_contracts
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


class TestMemoryPairings(InMemory, pairing_contracts.PairingsContract):
    pass


class TestMemoryWaitlist(InMemory, pairing_contracts.WaitlistContract):
    pass


class TestMemoryConflicts(InMemory, pairing_contracts.ConflictsContract):
    pass
