"""Assembles a service worker from its parts: consumer group, handlers, outbox collections."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pymongo.database import Database

from shared.app import KafkaProbe
from shared.config import Settings
from shared.events.consumer import EventConsumer, Handler, HandlerKey
from shared.events.outbox import OutboxRelay
from shared.events.producer import EventPublisher
from shared.mongo import CHASSIS_INDEXES, IndexSpec, database_for, ensure_indexes, ping
from shared.runtime import WorkerParts


def build_service_worker(
    settings: Settings,
    *,
    group: str | None,
    topics: Iterable[str] = (),
    handlers: Callable[[Database, EventPublisher], dict[HandlerKey, Handler]] | None = None,
    indexes: Iterable[IndexSpec] = (),
    outbox_collections: Iterable[str] = (),
) -> WorkerParts:
    """A consumer for ``group`` and a relay for ``outbox_collections`` (either optional), one producer."""
    db = database_for(settings)
    ensure_indexes(db, [*CHASSIS_INDEXES, *indexes])
    publisher = EventPublisher(settings)
    consumer = None
    if group and handlers is not None:
        consumer = EventConsumer(settings, group, list(topics), handlers(db, publisher), db, publisher)
    collections = [db[name] for name in outbox_collections]
    relay = OutboxRelay(settings.service_name, collections, publisher) if collections else None
    kafka = KafkaProbe(settings)
    readiness = {"mongodb": lambda: ping(db), "kafka": kafka}
    closers = [publisher.close, kafka.close]
    return WorkerParts(consumer=consumer, relay=relay, closers=closers, readiness=readiness)
