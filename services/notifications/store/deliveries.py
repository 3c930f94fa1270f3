"""The delivery log: one document per message id (so a message is never planned twice) carrying the
delivery's state and its outcome events (relayed by the worker), behind a port with a Mongo
implementation and an in-memory twin that pass one contract test."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from services.notifications.domain.delivery import Delivery
from shared.events.envelope import Event
from shared.messages import PublishedEvent
from shared.mongo import IndexSpec
from shared.versioned import MemoryVersionedStore, MongoVersionedStore

SOURCE = "/services/notifications"
DELIVERIES = "deliveries"
INDEXES = [
    IndexSpec(DELIVERIES, (("recipient", ASCENDING), ("planned_at", DESCENDING))),
    IndexSpec(DELIVERIES, (("planned_at", DESCENDING), ("_id", DESCENDING))),
]
FILTERS = ("recipient", "participant_id", "cause_event_id", "channel", "status", "program_id")
# What an erasure blanks in a person's deliveries; the rest (ids, channel, status, counts) stays.
PERSONAL = ("subject", "text", "html", "address")


class Loaded(NamedTuple):
    delivery: Delivery
    version: int


class DeliveryLog(Protocol):
    """The port: what notifications' use cases and queries may do with deliveries."""

    def plan(self, delivery: Delivery, events: Sequence[PublishedEvent] = ()) -> bool:
        """Store a new delivery (with any events); False if this message id was planned before."""

    def get(self, message_id: str) -> Loaded | None: ...

    def save(self, delivery: Delivery, version: int, events: Sequence[PublishedEvent] = ()) -> None:
        """Write a delivery's next state (raises StaleWrite when it changed since ``version``)."""

    def search(
        self, filters: dict[str, str], after: tuple[datetime, str] | None, limit: int
    ) -> list[Delivery]:
        """Deliveries matching every filter (fields of ``FILTERS``), newest first, after a cursor
        (planned_at, message id) of the previous page."""

    def for_recipient(self, recipient: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a recipient's deliveries as stored records, newest first, and how many there are."""

    def scrub(self, participant_id: str) -> int:
        """Erasure: blank the personal fields of a person's deliveries and drop their unrelayed events
        (the deliveries stay, so counts per channel and status survive); how many were scrubbed."""

    def pending(self) -> list[Event]:
        """Outcome events not yet relayed (tests and diagnostics)."""


def _aware(record: dict[str, Any]) -> dict[str, Any]:
    """Mongo returns naive UTC datetimes: make them aware so the domain compares like with like."""
    return {
        key: value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
        for key, value in record.items()
    }


def _after(delivery: Delivery, cursor: tuple[datetime, str] | None) -> bool:
    if cursor is None:
        return True
    return (delivery.planned_at, delivery.message_id) < cursor


def _newest_first(delivery: Delivery) -> tuple[datetime, str]:
    return delivery.planned_at or datetime.min.replace(tzinfo=UTC), delivery.message_id


class MongoDeliveryLog:
    def __init__(self, db: Database) -> None:
        self.collection = db[DELIVERIES]
        self.store = MongoVersionedStore(self.collection, SOURCE)

    def plan(self, delivery: Delivery, events: Sequence[PublishedEvent] = ()) -> bool:
        return self.store.insert(delivery.message_id, delivery.record(), events)

    def get(self, message_id: str) -> Loaded | None:
        loaded = self.store.load(message_id)
        return None if loaded is None else Loaded(Delivery.from_record(_aware(loaded.record)), loaded.version)

    def save(self, delivery: Delivery, version: int, events: Sequence[PublishedEvent] = ()) -> None:
        self.store.save(delivery.message_id, delivery.record(), version, events)

    def search(
        self, filters: dict[str, str], after: tuple[datetime, str] | None, limit: int
    ) -> list[Delivery]:
        query: dict[str, Any] = {key: value for key, value in filters.items() if key in FILTERS}
        if after is not None:
            at, key = after
            query["$or"] = [{"planned_at": {"$lt": at}}, {"planned_at": at, "_id": {"$lt": key}}]
        cursor = (
            self.collection.find(query, {"outbox": 0})
            .sort([("planned_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [Delivery.from_record(_aware(document)) for document in cursor]

    def for_recipient(self, recipient: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        query = {"recipient": recipient}
        hidden = {"_id": 0, "_version": 0, "outbox": 0, "outbox_pending": 0}
        cursor = self.collection.find(query, hidden).sort("planned_at", DESCENDING).skip(skip).limit(limit)
        return [_aware(document) for document in cursor], self.collection.count_documents(query)

    def scrub(self, participant_id: str) -> int:
        blanked = {**dict.fromkeys(PERSONAL), "outbox": [], "outbox_pending": False}
        return self.collection.update_many(
            {"participant_id": participant_id}, {"$set": blanked}
        ).matched_count

    def pending(self) -> list[Event]:
        return self.store.pending()


class MemoryDeliveryLog:
    def __init__(self) -> None:
        self.store = MemoryVersionedStore(SOURCE)

    def plan(self, delivery: Delivery, events: Sequence[PublishedEvent] = ()) -> bool:
        return self.store.insert(delivery.message_id, delivery.record(), events)

    def get(self, message_id: str) -> Loaded | None:
        loaded = self.store.load(message_id)
        return None if loaded is None else Loaded(Delivery.from_record(loaded.record), loaded.version)

    def save(self, delivery: Delivery, version: int, events: Sequence[PublishedEvent] = ()) -> None:
        self.store.save(delivery.message_id, delivery.record(), version, events)

    def search(
        self, filters: dict[str, str], after: tuple[datetime, str] | None, limit: int
    ) -> list[Delivery]:
        wanted = {key: value for key, value in filters.items() if key in FILTERS}
        found = [
            Delivery.from_record(record)
            for record in self.store.records()
            if all(record.get(key) == value for key, value in wanted.items())
        ]
        found = [delivery for delivery in found if _after(delivery, after)]
        return sorted(found, key=_newest_first, reverse=True)[:limit]

    def for_recipient(self, recipient: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        mine = [record for record in self.store.records() if record["recipient"] == recipient]
        mine.sort(key=lambda record: record["planned_at"], reverse=True)
        return mine[skip : skip + limit], len(mine)

    def scrub(self, participant_id: str) -> int:
        keys = [
            key for key, doc in self.store.documents.items() if doc.get("participant_id") == participant_id
        ]
        for key in keys:
            self.store.documents[key].update(copy.deepcopy(dict.fromkeys(PERSONAL)))
            self.store.outbox[key] = []
        return len(keys)

    def pending(self) -> list[Event]:
        return self.store.pending()
