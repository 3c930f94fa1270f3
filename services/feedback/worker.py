"""Feedback's worker: follows the pairing lifecycle and erasures."""

from __future__ import annotations

from services.feedback import events, service, store
from shared.config import Settings
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def build_worker(settings: Settings) -> WorkerParts:
    return build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=lambda db, _publisher: events.handlers(service.build_bus(store.MongoFeedbackUnitOfWork(db))),
        indexes=store.INDEXES,
    )
