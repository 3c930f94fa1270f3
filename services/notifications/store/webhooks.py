"""Subscriber webhooks' database: endpoints (versioned, with an outbox for the notice of a disabled
endpoint), messages (one document per ``webhook-id``, so an event reaches an endpoint once, with its
outcome events in its outbox) and the attempt log, behind a port with Mongo and in-memory twins."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from shared.events.envelope import Event
from shared.mongo import IndexSpec
from shared.versioned import (
    MemoryVersionedStore,
    MongoVersionedStore,
    Publishable,
    Versioned,
    VersionedStore,
)

SOURCE = "/services/notifications"
ENDPOINTS = "webhook_endpoints"
MESSAGES = "webhook_messages"
ATTEMPTS = "webhook_attempts"
OUTBOX_COLLECTIONS = [ENDPOINTS, MESSAGES]
INDEXES = [
    IndexSpec(MESSAGES, (("endpoint_id", ASCENDING), ("created_at", DESCENDING))),
    IndexSpec(MESSAGES, (("participant_ids", ASCENDING),)),
]
HIDDEN = {"_id": 0, "_version": 0, "outbox": 0, "outbox_pending": 0, "_write": 0}


def attempt_key(msg_id: str, series: int, attempt: int) -> str:
    """Attempts of a message sort under its id (an ``_id`` range lists them): replay series, then try."""
    return f"{msg_id}:{series:03d}:{attempt:03d}"


class WebhookStore(Protocol):
    """The port: what the webhook use cases and queries may do with endpoints, messages and attempts."""

    def add_endpoint(self, endpoint_id: str, record: dict[str, Any]) -> bool: ...

    def endpoint(self, endpoint_id: str) -> Versioned | None: ...

    def save_endpoint(
        self, endpoint_id: str, record: dict[str, Any], version: int, events: Iterable[Publishable] = ()
    ) -> None:
        """Raises StaleWrite when someone saved the endpoint since ``version``."""

    def delete_endpoint(self, endpoint_id: str) -> bool: ...

    def endpoints(self, program_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every endpoint, or those of the given programs; oldest first."""

    def subscribers(self, event_type: str) -> list[dict[str, Any]]:
        """Enabled endpoints subscribed to ``event_type`` (the program filter is the domain's)."""

    def add_message(self, msg_id: str, record: dict[str, Any]) -> bool:
        """False when this message (event, endpoint) was planned before."""

    def message(self, msg_id: str) -> Versioned | None: ...

    def save_message(
        self, msg_id: str, record: dict[str, Any], version: int, events: Iterable[Publishable] = ()
    ) -> None: ...

    def messages(
        self,
        endpoint_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], int]:
        """An endpoint's messages planned in [since, until), newest first, and how many there are."""

    def record_attempt(self, key: str, record: dict[str, Any]) -> None:
        """Write (or overwrite: a re-claimed attempt after a crash) one attempt of a message."""

    def attempts(self, msg_id: str) -> list[dict[str, Any]]:
        """A message's attempts in order."""

    def messages_naming(self, participant_id: str) -> list[str]:
        """Ids of the messages whose event names this participant (erasure)."""

    def pending(self) -> list[Event]: ...


def _window(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if since is not None:
        bounds["$gte"] = since
    if until is not None:
        bounds["$lt"] = until
    return {"created_at": bounds} if bounds else {}


class _VersionedWebhookRecords:
    """What both stores do alike: endpoints and messages are versioned records with an outbox (Mongo or
    memory ``VersionedStore`` set by the subclass); only queries and deletions differ."""

    endpoint_store: VersionedStore
    message_store: VersionedStore

    def add_endpoint(self, endpoint_id: str, record: dict[str, Any]) -> bool:
        return self.endpoint_store.insert(endpoint_id, record)

    def endpoint(self, endpoint_id: str) -> Versioned | None:
        return self.endpoint_store.load(endpoint_id)

    def save_endpoint(
        self, endpoint_id: str, record: dict[str, Any], version: int, events: Iterable[Publishable] = ()
    ) -> None:
        self.endpoint_store.save(endpoint_id, record, version, events)

    def add_message(self, msg_id: str, record: dict[str, Any]) -> bool:
        return self.message_store.insert(msg_id, record)

    def message(self, msg_id: str) -> Versioned | None:
        return self.message_store.load(msg_id)

    def save_message(
        self, msg_id: str, record: dict[str, Any], version: int, events: Iterable[Publishable] = ()
    ) -> None:
        self.message_store.save(msg_id, record, version, events)

    def pending(self) -> list[Event]:
        return [*self.endpoint_store.pending(), *self.message_store.pending()]


class MongoWebhookStore(_VersionedWebhookRecords):
    def __init__(self, db: Database) -> None:
        self.endpoint_store = MongoVersionedStore(db[ENDPOINTS], SOURCE)
        self.message_store = MongoVersionedStore(db[MESSAGES], SOURCE)
        self.attempt_log = db[ATTEMPTS]

    def delete_endpoint(self, endpoint_id: str) -> bool:
        return self.endpoint_store.collection.delete_one({"_id": endpoint_id}).deleted_count == 1

    def endpoints(self, program_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        query = {} if program_ids is None else {"program_id": {"$in": sorted(program_ids)}}
        return list(self.endpoint_store.collection.find(query, HIDDEN).sort("created_at", ASCENDING))

    def subscribers(self, event_type: str) -> list[dict[str, Any]]:
        return list(
            self.endpoint_store.collection.find({"event_types": event_type, "disabled": False}, HIDDEN)
        )

    def messages(
        self,
        endpoint_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], int]:
        query = {"endpoint_id": endpoint_id, **_window(since, until)}
        collection = self.message_store.collection
        cursor = collection.find(query, HIDDEN).sort([("created_at", DESCENDING), ("msg_id", DESCENDING)])
        return list(cursor.skip(skip).limit(limit)), collection.count_documents(query)

    def record_attempt(self, key: str, record: dict[str, Any]) -> None:
        self.attempt_log.replace_one({"_id": key}, {**record, "_id": key}, upsert=True)

    def attempts(self, msg_id: str) -> list[dict[str, Any]]:
        in_range = {"_id": {"$gt": f"{msg_id}:", "$lt": f"{msg_id};"}}
        return [
            {k: v for k, v in doc.items() if k != "_id"}
            for doc in self.attempt_log.find(in_range).sort("_id", 1)
        ]

    def messages_naming(self, participant_id: str) -> list[str]:
        found = self.message_store.collection.find({"participant_ids": participant_id}, {"_id": 1})
        return [doc["_id"] for doc in found]


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class MemoryWebhookStore(_VersionedWebhookRecords):
    """The in-memory twin for use-case unit tests."""

    def __init__(self) -> None:
        self.endpoint_store = MemoryVersionedStore(SOURCE)
        self.message_store = MemoryVersionedStore(SOURCE)
        self.attempt_log: dict[str, dict[str, Any]] = {}

    def delete_endpoint(self, endpoint_id: str) -> bool:
        self.endpoint_store.outbox.pop(endpoint_id, None)
        return self.endpoint_store.documents.pop(endpoint_id, None) is not None

    def endpoints(self, program_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = None if program_ids is None else set(program_ids)
        found = [r for r in self.endpoint_store.records() if wanted is None or r.get("program_id") in wanted]
        return sorted(found, key=lambda record: _naive_utc(record["created_at"]))

    def subscribers(self, event_type: str) -> list[dict[str, Any]]:
        return [
            r for r in self.endpoint_store.records() if event_type in r["event_types"] and not r["disabled"]
        ]

    def messages(
        self,
        endpoint_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], int]:
        def inside(record: dict[str, Any]) -> bool:
            at = _naive_utc(record["created_at"])
            return (since is None or at >= _naive_utc(since)) and (until is None or at < _naive_utc(until))

        found = [r for r in self.message_store.records() if r["endpoint_id"] == endpoint_id and inside(r)]
        found.sort(key=lambda r: (_naive_utc(r["created_at"]), r["msg_id"]), reverse=True)
        return found[skip : skip + limit], len(found)

    def record_attempt(self, key: str, record: dict[str, Any]) -> None:
        self.attempt_log[key] = copy.deepcopy(record)

    def attempts(self, msg_id: str) -> list[dict[str, Any]]:
        prefix = f"{msg_id}:"
        return [copy.deepcopy(self.attempt_log[k]) for k in sorted(self.attempt_log) if k.startswith(prefix)]

    def messages_naming(self, participant_id: str) -> list[str]:
        return [r["msg_id"] for r in self.message_store.records() if participant_id in r["participant_ids"]]
