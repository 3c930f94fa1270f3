"""MongoDB-wire access: one client per process, indexes declared by each store and ensured at start."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pymongo import ASCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import OperationFailure

from shared.config import Settings

log = logging.getLogger(__name__)
_clients: dict[str, MongoClient] = {}


def stored_precision(moment: datetime) -> datetime:
    """The moment as a BSON date keeps it (milliseconds): what a response shows is what a later read returns,
    and times compared in queries compare equal to what was stored."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def now() -> datetime:
    """The current UTC time at stored precision: the default clock of the services."""
    return stored_precision(datetime.now(UTC))


@dataclass(frozen=True)
class IndexSpec:
    """An index a store needs; ``keys`` as (field, direction) pairs."""

    collection: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False
    name: str | None = None
    options: dict = field(default_factory=dict)


def client_for(settings: Settings) -> MongoClient:
    """A process-wide client per URI (pymongo clients pool connections and are thread-safe)."""
    client = _clients.get(settings.mongodb_uri)
    if client is None:
        client = MongoClient(
            settings.mongodb_uri,
            appname=f"mentoring-{settings.service_name}",
            serverSelectionTimeoutMS=5000,
            connectTimeoutMS=3000,
            tz_aware=True,
        )
        _clients[settings.mongodb_uri] = client
    return client


def database_for(settings: Settings) -> Database:
    return client_for(settings)[settings.mongodb_database]


def ensure_indexes(db: Database, specs: list[IndexSpec]) -> None:
    """Create the declared indexes; idempotent, so every process may call it at start."""
    for spec in specs:
        name = spec.name or "_".join(f"{k}_{d}" for k, d in spec.keys)
        try:
            db[spec.collection].create_index(list(spec.keys), unique=spec.unique, name=name, **spec.options)
        except OperationFailure as error:
            log.warning("index %s on %s not created: %s", name, spec.collection, error)


PROCESSED_EVENTS = "processed_events"
CHASSIS_INDEXES = [IndexSpec(PROCESSED_EVENTS, (("processed_at", ASCENDING),))]


def ping(db: Database) -> None:
    db.client.admin.command("ping")
