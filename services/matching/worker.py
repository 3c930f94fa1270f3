"""Matching's worker: keeps the projections current, rematches waitlisted leaders, relays the outbox
of match runs and pairings to Kafka."""

from __future__ import annotations

from pymongo.database import Database

from services.matching import events, store
from services.matching.service import build_bus
from services.matching.service.projections import refresh_program_gauge
from shared.config import Settings
from shared.events.producer import EventPublisher
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def _handlers(db: Database, _publisher: EventPublisher):
    uow = store.MongoMatchingUnitOfWork(db)
    refresh_program_gauge(uow)
    return events.handlers(build_bus(uow))


def build_worker(settings: Settings) -> WorkerParts:
    return build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=_handlers,
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
    )
