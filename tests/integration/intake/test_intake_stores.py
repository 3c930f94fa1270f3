"""Intake's Mongo stores (FerretDB locally) pass the same contract as their in-memory twins."""

from __future__ import annotations

import pytest

from services.intake.store import INDEXES, MongoIntakeUnitOfWork
from shared.events.envelope import parse_event
from shared.events.outbox import OUTBOX_FIELD
from shared.mongo import client_for, ensure_indexes
from tests.unit.intake.store_contracts import (
    OrgChartRepositoryContract,
    ParticipantRepositoryContract,
    ProgramRepositoryContract,
)

pytestmark = pytest.mark.integration


class MongoStores:
    @pytest.fixture
    def uow(self, settings_for):
        settings = settings_for("intake")
        client = client_for(settings)
        db = client[settings.mongodb_database]
        ensure_indexes(db, INDEXES)
        yield MongoIntakeUnitOfWork(db)
        client.drop_database(settings.mongodb_database)


class TestMongoPrograms(MongoStores, ProgramRepositoryContract):
    pass


class TestMongoParticipants(MongoStores, ParticipantRepositoryContract):
    pass


class TestMongoOrgChart(MongoStores, OrgChartRepositoryContract):
    def pending_orgchart_events(self, uow) -> list:
        buckets = uow.orgchart.collection.find({OUTBOX_FIELD: {"$exists": True}})
        return [parse_event(entry["event"]) for bucket in buckets for entry in bucket[OUTBOX_FIELD]]
