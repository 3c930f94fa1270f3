"""Feedback's worker: keeps its projections, relays its outboxes and runs the scheduler (cadence checks,
survey due dates, pulse closing)."""

from __future__ import annotations

from services.feedback import events, store
from services.feedback.service import build_bus
from shared.config import Settings
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def build_worker(settings: Settings) -> WorkerParts:
    parts = build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=lambda db, _publisher: events.handlers(build_bus(store.MongoFeedbackUnitOfWork(db))),
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
    )
    return parts
