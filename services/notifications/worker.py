"""Notifications' worker: turns consumed events into deliveries and relays delivery outcomes."""

from __future__ import annotations

from services.notifications import events
from services.notifications.service.bus import build_bus
from services.notifications.store.uow import INDEXES, OUTBOX_COLLECTIONS, MongoNotificationsUnitOfWork
from shared.config import Settings
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def build_worker(settings: Settings) -> WorkerParts:
    return build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=lambda db, _publisher: events.handlers(build_bus(MongoNotificationsUnitOfWork(db))),
        indexes=INDEXES,
        outbox_collections=OUTBOX_COLLECTIONS,
    )
