"""Notifications' worker: turns pairing events into deliveries and relays delivery outcomes."""

from __future__ import annotations

from services.notifications import events, service, store
from shared.config import Settings
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def build_worker(settings: Settings) -> WorkerParts:
    return build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=lambda db, _publisher: events.handlers(
            service.build_bus(store.MongoNotificationsUnitOfWork(db))
        ),
        indexes=store.INDEXES,
        outbox_collections=[store.DELIVERIES],
    )
