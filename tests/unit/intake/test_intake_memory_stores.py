"""The in-memory twins of intake's stores pass the same contract as the Mongo stores."""

from __future__ import annotations

import pytest

from services.intake.store import MemoryIntakeUnitOfWork
from tests.unit.intake.store_contracts import (
    OrgChartRepositoryContract,
    ParticipantRepositoryContract,
    ProgramRepositoryContract,
)


class MemoryStores:
    @pytest.fixture
    def uow(self):
        return MemoryIntakeUnitOfWork()


class TestMemoryPrograms(MemoryStores, ProgramRepositoryContract):
    pass


class TestMemoryParticipants(MemoryStores, ParticipantRepositoryContract):
    pass


class TestMemoryOrgChart(MemoryStores, OrgChartRepositoryContract):
    def pending_orgchart_events(self, uow) -> list:
        return uow.orgchart.pending()
