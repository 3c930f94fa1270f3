"""Feedback's worker: keeps its projections, relays its outboxes, runs the scheduler (cadence looks,
milestone surveys, pulse closing) and keeps the outcome gauges of every program current."""

from __future__ import annotations

from services.feedback import events, metrics, store
from services.feedback.service import build_bus
from services.feedback.service.outcomes import figures
from services.feedback.service.schedule import scheduler_loop
from shared.config import Settings
from shared.mongo import database_for
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
    bus = build_bus(store.MongoFeedbackUnitOfWork(database_for(settings)))
    parts.loops["scheduler"] = scheduler_loop(bus)
    parts.loops["outcome-gauges"] = metrics.refresh_loop(
        lambda: bus.uow.programs.ids(), lambda program_id: figures(bus.uow, program_id)
    )
    return parts
