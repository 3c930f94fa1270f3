"""Assembles a service worker from its parts: consumer group, handlers, outbox collections."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pymongo.database import Database

from shared.app import KafkaProbe
from shared.config import ConfigError, Settings
from shared.contracts.sealed import SEALED_FORMS
from shared.events.consumer import EventConsumer, Handler, HandlerKey
from shared.events.outbox import OutboxRelay
from shared.events.producer import EventPublisher
from shared.events.registry import REGISTRY
from shared.mongo import CHASSIS_INDEXES, IndexSpec, database_for, ensure_indexes, ping
from shared.runtime import WorkerParts
from shared.sealing import EventOpener, EventSealer, HttpKeySource, KeyStore


def _key_owner(settings: Settings) -> HttpKeySource:
    """Intake's key lookup; without a token to show it (outside AUTH_MODE=dev) the worker would stall on
    every sealed event, so it refuses to start and says why."""
    if settings.auth_mode != "dev" and not settings.service_token_file:
        raise ConfigError(
            f"invalid configuration for {settings.service_name}: SERVICE_TOKEN_FILE is required for its "
            "worker (a token of role service to fetch participants' data keys from intake at INTAKE_URL)"
        )
    return HttpKeySource(settings)


def sealed_topics(settings: Settings) -> set[str]:
    """The topics sealed event types travel on (physical names)."""
    return {settings.topic(REGISTRY.get(form.sealed_type).topic) for form in SEALED_FORMS}


def build_service_worker(
    settings: Settings,
    *,
    group: str | None,
    topics: Iterable[str] = (),
    handlers: Callable[[Database, EventPublisher], dict[HandlerKey, Handler]] | None = None,
    indexes: Iterable[IndexSpec] = (),
    outbox_collections: Iterable[str] = (),
    data_keys: Callable[[Database], KeyStore] | None = None,
) -> WorkerParts:
    """A consumer for ``group`` and a relay for ``outbox_collections`` (either optional), one producer.

    ``data_keys``: the owner of the participants' data keys (intake) seals its events with them on the way
    out and opens its own with them; every other consumer of sealed types asks the owner's API."""
    db = database_for(settings)
    ensure_indexes(db, [*CHASSIS_INDEXES, *indexes])
    publisher = EventPublisher(settings)
    keys = data_keys(db) if data_keys is not None else None
    consumer = None
    if group and handlers is not None:
        topics = list(topics)
        opener = None
        if any(settings.topic(t) in sealed_topics(settings) for t in topics):
            opener = EventOpener(keys if keys is not None else _key_owner(settings), SEALED_FORMS)
        consumer = EventConsumer(
            settings, group, topics, handlers(db, publisher), db, publisher, opener=opener
        )
    collections = [db[name] for name in outbox_collections]
    sealer = EventSealer(keys, SEALED_FORMS) if keys is not None else None
    relay = OutboxRelay(settings.service_name, collections, publisher, sealer) if collections else None
    kafka = KafkaProbe(settings)
    readiness = {"mongodb": lambda: ping(db), "kafka": kafka}
    closers = [publisher.close, kafka.close]
    return WorkerParts(consumer=consumer, relay=relay, closers=closers, readiness=readiness)
