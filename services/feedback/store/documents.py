"""The one storage port feedback's repositories are written against: a collection of documents keyed by
``_id``, read by key, by many keys (``$in``) or by a key prefix (an ``_id`` range) — what the local
FerretDB serves from its ``_id`` indexes (patch 0006 for the range) — or by one other field (rare paths
only: that scans), written with optional conditions and with the events the write implies (the outbox
rides in the same single-document write). ``MongoDocuments`` and ``MemoryDocuments`` pass one contract
(tests/support/pairing_health_contract.py), so every repository runs unchanged on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.events.envelope import Event
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_entries
from shared.messages import PublishedEvent
from shared.mongo import stored_precision
from shared.projection import EVENT_ID_FIELD, TOMBSTONE_FIELD, VERSION_FIELD, upsert_as_of

HIDDEN = ("_id", OUTBOX_FIELD, PENDING_FLAG, VERSION_FIELD, EVENT_ID_FIELD, TOMBSTONE_FIELD)
ID_CHUNK = 1000  # FerretDB pushes an ``$in`` of at most 1,000 ids down to the index


def prefix_range(prefix: str) -> dict[str, str]:
    """The ``_id`` range of every key starting with ``prefix``: up to the prefix with its last character
    raised by one (exact for any string, as MongoDB compares strings byte by byte in UTF-8)."""
    return {"$gte": prefix, "$lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def _entries(events: Iterable[PublishedEvent], source: str) -> list[dict[str, Any]]:
    return outbox_entries([event.envelope(source) for event in events])


def visible(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored document without storage fields (what repositories hand to use cases)."""
    if document is None:
        return None
    return {k: v for k, v in document.items() if k not in HIDDEN}


class Documents(Protocol):
    def get(self, key: str, *, raw: bool = False) -> dict[str, Any] | None: ...

    def insert(self, key: str, document: dict[str, Any], events: Iterable[PublishedEvent] = ()) -> bool:
        """False when ``key`` exists already (a repeated request or delivery)."""

    def update(
        self,
        key: str,
        changes: dict[str, Any],
        *,
        expect: dict[str, Any] | None = None,
        events: Iterable[PublishedEvent] = (),
        upsert: bool = False,
    ) -> bool:
        """Set ``changes`` (and queue ``events``) if the document exists and every ``expect`` field equals
        the given value; True if written."""

    def increment(self, key: str, counters: dict[str, int]) -> None: ...

    def get_many(self, keys: list[str]) -> list[dict[str, Any]]:
        """The documents with these keys (missing ones skipped), in the order of ``keys``."""

    def add_to_set(self, key: str, field: str, value: Any, *, upsert: bool = False) -> bool:
        """Add ``value`` to the array ``field`` of the document (created with ``upsert``); False if none."""

    def upsert_as_of(self, key: str, fields: dict[str, Any], when: datetime, event_id: str) -> bool:
        """An event-time ordered projection write (``shared.projection``): older events, tombstones lose."""

    def with_prefix(self, prefix: str) -> list[dict[str, Any]]:
        """Every document whose key starts with ``prefix``, in key order (storage fields dropped): one
        ``_id`` range read."""

    def where(self, field: str, value: Any, fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every document whose ``field`` equals ``value`` (or whose array ``field`` holds it)."""

    def replace(self, key: str, document: dict[str, Any]) -> None: ...

    def delete(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> int: ...


class MongoDocuments:
    def __init__(self, collection: Collection, source: str = "/feedback") -> None:
        self.collection = collection
        self.source = source

    def get(self, key: str, *, raw: bool = False) -> dict[str, Any] | None:
        found = self.collection.find_one({"_id": key}, {OUTBOX_FIELD: 0})
        return found if raw else visible(found)

    def insert(self, key: str, document: dict[str, Any], events: Iterable[PublishedEvent] = ()) -> bool:
        entries = _entries(events, self.source)
        try:
            self.collection.insert_one(
                {**document, "_id": key, OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)}
            )
        except DuplicateKeyError:
            return False
        return True

    def update(
        self,
        key: str,
        changes: dict[str, Any],
        *,
        expect: dict[str, Any] | None = None,
        events: Iterable[PublishedEvent] = (),
        upsert: bool = False,
    ) -> bool:
        entries = _entries(events, self.source)
        change: dict[str, Any] = {"$set": dict(changes)}
        if entries:
            change["$push"] = {OUTBOX_FIELD: {"$each": entries}}
            change["$set"][PENDING_FLAG] = True
        try:
            result = self.collection.update_one({**(expect or {}), "_id": key}, change, upsert=upsert)
        except DuplicateKeyError:  # an upsert whose expectation failed on an existing document
            return False
        return result.matched_count > 0 or result.upserted_id is not None

    def increment(self, key: str, counters: dict[str, int]) -> None:
        self.collection.update_one({"_id": key}, {"$inc": counters}, upsert=True)

    def get_many(self, keys: list[str]) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), ID_CHUNK):
            chunk = {"_id": {"$in": keys[start : start + ID_CHUNK]}}
            found.update((d["_id"], d) for d in self.collection.find(chunk, {OUTBOX_FIELD: 0}))
        return [visible(found[key]) for key in keys if key in found]  # type: ignore[misc]

    def add_to_set(self, key: str, field: str, value: Any, *, upsert: bool = False) -> bool:
        result = self.collection.update_one({"_id": key}, {"$addToSet": {field: value}}, upsert=upsert)
        return result.matched_count == 1 or result.upserted_id is not None

    def upsert_as_of(self, key: str, fields: dict[str, Any], when: datetime, event_id: str) -> bool:
        return upsert_as_of(self.collection, key, fields, when, event_id)

    def with_prefix(self, prefix: str) -> list[dict[str, Any]]:
        found = self.collection.find({"_id": prefix_range(prefix)}, {OUTBOX_FIELD: 0})
        return [visible(document) for document in sorted(found, key=lambda d: d["_id"])]  # type: ignore[misc]

    def where(self, field: str, value: Any, fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
        projection = {name: 1 for name in fields} if fields is not None else {OUTBOX_FIELD: 0}
        return [visible(d) for d in self.collection.find({field: value}, projection)]  # type: ignore[misc]

    def replace(self, key: str, document: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": key}, {**document, "_id": key}, upsert=True)

    def delete(self, key: str) -> bool:
        return self.collection.delete_one({"_id": key}).deleted_count == 1

    def delete_prefix(self, prefix: str) -> int:
        return self.collection.delete_many({"_id": prefix_range(prefix)}).deleted_count


class MemoryDocuments:
    """The in-memory twin: the same semantics, events kept per document for tests (``pending``)."""

    def __init__(self, source: str = "/feedback", outbox: list[Event] | None = None) -> None:
        self.source = source
        self.documents: dict[str, dict[str, Any]] = {}
        self.outbox: list[Event] = [] if outbox is None else outbox

    def get(self, key: str, *, raw: bool = False) -> dict[str, Any] | None:
        found = copy.deepcopy(self.documents.get(key))
        return found if raw else visible(found)

    def insert(self, key: str, document: dict[str, Any], events: Iterable[PublishedEvent] = ()) -> bool:
        if key in self.documents:
            return False
        self._queue(events)
        self.documents[key] = {**copy.deepcopy(document), "_id": key}
        return True

    def update(
        self,
        key: str,
        changes: dict[str, Any],
        *,
        expect: dict[str, Any] | None = None,
        events: Iterable[PublishedEvent] = (),
        upsert: bool = False,
    ) -> bool:
        document = self.documents.get(key)
        if document is None:
            if not upsert or any(value is not None for value in (expect or {}).values()):
                return False
            document = self.documents[key] = {"_id": key}
        elif any(document.get(name) != value for name, value in (expect or {}).items()):
            return False
        self._queue(events)
        document.update(copy.deepcopy(changes))
        return True

    def get_many(self, keys: list[str]) -> list[dict[str, Any]]:
        return [visible(copy.deepcopy(self.documents[key])) for key in keys if key in self.documents]  # type: ignore[misc]

    def add_to_set(self, key: str, field: str, value: Any, *, upsert: bool = False) -> bool:
        document = self.documents.get(key)
        if document is None and upsert:
            document = self.documents[key] = {"_id": key}
        if document is None:
            return False
        held = document.setdefault(field, [])
        if value not in held:
            held.append(value)
        return True

    def increment(self, key: str, counters: dict[str, int]) -> None:
        document = self.documents.setdefault(key, {"_id": key})
        for name, by in counters.items():
            document[name] = document.get(name, 0) + by

    def upsert_as_of(self, key: str, fields: dict[str, Any], when: datetime, event_id: str) -> bool:
        when = stored_precision(when)
        document = self.documents.get(key)
        if document is not None and (
            document.get(TOMBSTONE_FIELD) or (document.get(VERSION_FIELD) or when) > when
        ):
            return False
        merged = {**(document or {"_id": key}), **copy.deepcopy(fields)}
        self.documents[key] = {**merged, VERSION_FIELD: when, EVENT_ID_FIELD: event_id}
        return True

    def with_prefix(self, prefix: str) -> list[dict[str, Any]]:
        keys = sorted(k for k in self.documents if k.startswith(prefix))
        return [visible(copy.deepcopy(self.documents[k])) for k in keys]  # type: ignore[misc]

    def where(self, field: str, value: Any, fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
        found = []
        for document in self.documents.values():
            held = document.get(field)
            if held == value or (isinstance(held, list) and value in held):
                shown = visible(copy.deepcopy(document)) or {}
                found.append(shown if fields is None else {k: shown.get(k) for k in fields if k in shown})
        return found

    def replace(self, key: str, document: dict[str, Any]) -> None:
        self.documents[key] = {**copy.deepcopy(document), "_id": key}

    def delete(self, key: str) -> bool:
        return self.documents.pop(key, None) is not None

    def delete_prefix(self, prefix: str) -> int:
        gone = [k for k in self.documents if k.startswith(prefix)]
        for key in gone:
            del self.documents[key]
        return len(gone)

    def _queue(self, events: Iterable[PublishedEvent]) -> None:
        batch = [event.envelope(self.source) for event in events]
        outbox_entries(batch)  # validates against the contract, as the Mongo store does
        self.outbox.extend(batch)
