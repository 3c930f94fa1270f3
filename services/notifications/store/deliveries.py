"""The delivery log: one document per message id (so a message is never planned twice) carrying the
delivery's state and its outcome events (relayed by the worker), behind a port with a Mongo
implementation and an in-memory twin that pass one contract test."""

from __future__ import annotations

import copy
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from services.notifications.domain.delivery import Delivery
from shared.events.envelope import Event
from shared.messages import PublishedEvent
from shared.mongo import IndexSpec
from shared.versioned import VERSION, Insert, MemoryVersionedStore, MongoVersionedStore, Update, strip

SOURCE = "/services/notifications"
DELIVERIES = "deliveries"
INDEXES = [
    IndexSpec(DELIVERIES, (("recipient", ASCENDING), ("planned_at", DESCENDING))),
    IndexSpec(DELIVERIES, (("planned_at", DESCENDING), ("_id", DESCENDING))),
]
FILTERS = ("recipient", "participant_id", "cause_event_id", "channel", "status", "program_id")
# What an erasure blanks in a person's deliveries (channel, status, template, times and attempts stay).
PERSONAL = ("subject", "text", "html", "address")
QUOTED = ("subject", "text", "html")  # where another person's message may quote the erased person
ERASED = "erased"


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

    def get_many(self, message_ids: Iterable[str]) -> dict[str, Loaded]:
        """The deliveries of these ids that exist, in one read."""

    def plan_many(self, planned: Sequence[tuple[Delivery, Sequence[PublishedEvent]]]) -> set[str]:
        """``plan`` for many deliveries in one write; the ids NOT stored (planned before)."""

    def save_many(self, saves: Sequence[tuple[Delivery, int, Sequence[PublishedEvent]]]) -> set[str]:
        """``save`` for many (delivery, version, events) in one write; the ids NOT written (changed since
        their version was read: the caller handles those one by one)."""

    def search(
        self, filters: dict[str, str], after: tuple[datetime, str] | None, limit: int
    ) -> list[Delivery]:
        """Deliveries matching every filter (fields of ``FILTERS``), newest first, after a cursor
        (planned_at, message id) of the previous page."""

    def for_recipient(self, recipient: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a recipient's deliveries as stored records, newest first, and how many there are."""

    def scrub(
        self, participant_id: str, employee_id: str | None = None, words: Sequence[str] = (), mark: str = ""
    ) -> int:
        """Erasure: a person's deliveries (of this participation; of every one when ``employee_id`` is
        given) keep what counts (channel, status, template, times, attempts) under a hashed id, with
        their recipient ``erased``, no address or text and their unrelayed events dropped; ``words``
        (name, address) in other people's messages become ``mark``. How many of theirs were scrubbed."""

    def pending(self) -> list[Event]:
        """Outcome events not yet relayed (tests and diagnostics)."""


def _aware(record: dict[str, Any]) -> dict[str, Any]:
    """Mongo returns naive UTC datetimes: make them aware so the domain compares like with like."""
    return {
        key: value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
        for key, value in record.items()
    }


def erased_id(value: str) -> str:
    return f"{ERASED}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def anonymised(record: dict[str, Any], ids: Sequence[str], words: Sequence[str]) -> tuple[str, dict]:
    """An erased person's delivery as it stays: its key and any field naming them hashed or blanked."""
    key = erased_id(record["message_id"])
    kept = {
        **record,
        **dict.fromkeys(PERSONAL),
        "message_id": key,
        "recipient": ERASED,
        "participant_id": None,
    }
    for name in ("cause_event_id", "resend_of"):
        if isinstance(kept.get(name), str) and any(i in kept[name] for i in ids):
            kept[name] = erased_id(kept[name])
    if isinstance(kept.get("error"), str) and any(w in kept["error"] for w in (*ids, *words)):
        kept["error"] = ERASED
    return key, kept


def quoted_forms(words: Sequence[str]) -> list[str]:
    """A name or address as text and as HTML quotes it."""
    return list(dict.fromkeys(form for w in words if w for form in (w, html.escape(w))))


def redacted(value: str | None, words: Sequence[str], mark: str) -> str | None:
    if value is None:
        return None
    for word in sorted(quoted_forms(words), key=len, reverse=True):
        value = value.replace(word, mark)
    return value


def _after(delivery: Delivery, cursor: tuple[datetime, str] | None) -> bool:
    if cursor is None:
        return True
    return (delivery.planned_at, delivery.message_id) < cursor


class _Bulk:
    """The many-at-once operations, the same over either versioned store."""

    store: MongoVersionedStore | MemoryVersionedStore
    aware: bool = False

    def get_many(self, message_ids: Iterable[str]) -> dict[str, Loaded]:
        found = self.store.load_many(message_ids)
        fix = _aware if self.aware else dict
        return {
            key: Loaded(Delivery.from_record(fix(loaded.record)), loaded.version)
            for key, loaded in found.items()
        }

    def plan_many(self, planned: Sequence[tuple[Delivery, Sequence[PublishedEvent]]]) -> set[str]:
        inserts = [Insert(d.message_id, d.record(), list(events)) for d, events in planned]
        return self.store.bulk(inserts, [])

    def save_many(self, saves: Sequence[tuple[Delivery, int, Sequence[PublishedEvent]]]) -> set[str]:
        updates = [Update(d.message_id, d.record(), version, list(events)) for d, version, events in saves]
        return self.store.bulk([], updates)


def _newest_first(delivery: Delivery) -> tuple[datetime, str]:
    return delivery.planned_at or datetime.min.replace(tzinfo=UTC), delivery.message_id


class MongoDeliveryLog(_Bulk):
    aware = True

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

    def scrub(
        self, participant_id: str, employee_id: str | None = None, words: Sequence[str] = (), mark: str = ""
    ) -> int:
        owned: list[dict[str, Any]] = [{"participant_id": participant_id}]
        if employee_id:
            owned.append({"recipient": employee_id})
        ids = [i for i in (participant_id, employee_id) if i]
        scrubbed = 0
        for document in self.collection.find({"$or": owned}):
            key, record = anonymised(strip(document), ids, words)
            kept = {**record, VERSION: document.get(VERSION, 1) + 1, "outbox": [], "outbox_pending": False}
            self.collection.replace_one({"_id": key}, kept, upsert=True)  # first: a crash keeps the count
            self.collection.delete_one({"_id": document["_id"]})
            scrubbed += 1
        patterns = [re.escape(w) for w in quoted_forms(words)]
        if patterns:
            query = {"$or": [{name: {"$regex": p}} for name in QUOTED for p in patterns]}
            for document in self.collection.find(query, [*QUOTED, VERSION]):
                change = {name: redacted(document.get(name), words, mark) for name in QUOTED}
                self.collection.update_one({"_id": document["_id"]}, {"$set": change, "$inc": {VERSION: 1}})
        return scrubbed

    def pending(self) -> list[Event]:
        return self.store.pending()


class MemoryDeliveryLog(_Bulk):
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

    def scrub(
        self, participant_id: str, employee_id: str | None = None, words: Sequence[str] = (), mark: str = ""
    ) -> int:
        ids = [i for i in (participant_id, employee_id) if i]
        documents = self.store.documents
        keys = [
            key
            for key, doc in documents.items()
            if doc.get("participant_id") == participant_id
            or (employee_id and doc.get("recipient") == employee_id)
        ]
        for key in keys:
            document = documents.pop(key)
            self.store.outbox.pop(key, None)
            new_key, record = anonymised(strip(document), ids, words)
            documents[new_key] = {**copy.deepcopy(record), VERSION: document[VERSION] + 1}
            self.store.outbox[new_key] = []
        for document in documents.values():
            if any(w in (document.get(name) or "") for name in QUOTED for w in quoted_forms(words)):
                document.update({name: redacted(document.get(name), words, mark) for name in QUOTED})
                document[VERSION] += 1
        return len(keys)

    def pending(self) -> list[Event]:
        return self.store.pending()
