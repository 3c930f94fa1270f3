"""Versioned aggregates that carry their pending events: the one "state + outbox" save of every service.

A save is ONE single-document write of the new state, the next version and the events it implies (see
``shared.events.outbox``), applied only if nobody saved since the version that was read; otherwise
``StaleWrite``. ``MongoVersionedStore`` is the real one; ``MemoryVersionedStore`` is its twin for use-case
unit tests, and both pass the same contract test (tests/unit/chassis + tests/integration).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from pymongo import InsertOne, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.errors import StaleWrite
from shared.events.envelope import Event
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_entries
from shared.events.registry import REGISTRY
from shared.messages import PublishedEvent

VERSION = "_version"
WRITE_TOKEN = "_write"
DUPLICATE_KEY = 11000
INTERNAL = ("_id", VERSION, WRITE_TOKEN, OUTBOX_FIELD, PENDING_FLAG)
Publishable = PublishedEvent | Event


class Versioned(NamedTuple):
    """An aggregate's stored record (without storage fields) and the version it was read at."""

    record: dict[str, Any]
    version: int


@dataclass(frozen=True)
class Insert:
    key: str
    record: dict[str, Any]
    events: list[Publishable] = field(default_factory=list)


@dataclass(frozen=True)
class Update:
    key: str
    record: dict[str, Any]
    version: int
    events: list[Publishable] = field(default_factory=list)
    replace_outbox: bool = False


class VersionedStore(Protocol):
    """The port: what a use case may do with one kind of aggregate."""

    def insert(self, key: str, record: dict[str, Any], events: Iterable[Publishable] = ()) -> bool: ...

    def load(self, key: str) -> Versioned | None: ...

    def load_many(self, keys: Iterable[str]) -> dict[str, Versioned]: ...

    def save(
        self,
        key: str,
        record: dict[str, Any],
        version: int,
        events: Iterable[Publishable] = (),
        *,
        replace_outbox: bool = False,
    ) -> None: ...

    def bulk(self, inserts: list[Insert], updates: list[Update]) -> set[str]: ...


def envelopes(events: Iterable[Publishable], source: str) -> list[Event]:
    return [e.envelope(source) if isinstance(e, PublishedEvent) else e for e in events]


def sampled_entries(events: Iterable[Event], validated: set[str]) -> list[dict[str, Any]]:
    """Outbox entries for bulk writes: the first event of each type is validated against the registry, the
    rest (built by the same domain code from validated values) are trusted (validation is ~0.3 ms each)."""
    events = list(events)
    for event in events:
        if event.type not in validated:
            REGISTRY.check(event.type, event.data)
            validated.add(event.type)
    return outbox_entries(events, validate=False)


def strip(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in INTERNAL}


def _update(record: dict[str, Any], version: int, entries: list[dict[str, Any]], replace: bool) -> dict:
    change: dict[str, Any] = {"$set": {**record, VERSION: version + 1}}
    if replace:
        change["$set"].update({OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)})
    elif entries:
        change["$push"] = {OUTBOX_FIELD: {"$each": entries}}
        change["$set"][PENDING_FLAG] = True
    return change


class MongoVersionedStore:
    """One collection of versioned aggregates on a Mongo-wire server (no transactions needed)."""

    def __init__(self, collection: Collection, source: str) -> None:
        self.collection = collection
        self.source = source

    def insert(self, key: str, record: dict[str, Any], events: Iterable[Publishable] = ()) -> bool:
        """False when an aggregate with this key exists already (a repeated command)."""
        entries = outbox_entries(envelopes(events, self.source))
        document = {**record, "_id": key, VERSION: 1, OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)}
        try:
            self.collection.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    def load(self, key: str) -> Versioned | None:
        document = self.collection.find_one({"_id": key}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        return None if document is None else Versioned(strip(document), document.get(VERSION, 1))

    def load_many(self, keys: Iterable[str]) -> dict[str, Versioned]:
        wanted = sorted(set(keys))
        found: dict[str, Versioned] = {}
        for start in range(0, len(wanted), 200):  # FerretDB pushes at most ~1,000 ids down to the index
            chunk = {"_id": {"$in": wanted[start : start + 200]}}
            for document in self.collection.find(chunk, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}):
                found[document["_id"]] = Versioned(strip(document), document.get(VERSION, 1))
        return found

    def save(
        self,
        key: str,
        record: dict[str, Any],
        version: int,
        events: Iterable[Publishable] = (),
        *,
        replace_outbox: bool = False,
    ) -> None:
        """``replace_outbox`` drops events still pending (erasure: a registration never relayed must not
        publish personal data after the person asked to be forgotten)."""
        entries = outbox_entries(envelopes(events, self.source))
        change = _update(strip(record), version, entries, replace_outbox)
        if self.collection.update_one({"_id": key, VERSION: version}, change).matched_count == 0:
            raise StaleWrite(key)

    def bulk(self, inserts: list[Insert], updates: list[Update]) -> set[str]:
        """Insert and update many aggregates in one unordered bulk write; returns the keys NOT written
        (a duplicate insert, or an update whose document changed since it was read). Each operation is
        still one document with its own events, so a failure never leaves half an aggregate."""
        if not inserts and not updates:
            return set()
        validated: set[str] = set()
        token = str(uuid.uuid4())
        operations: list[Any] = []
        keys: list[str] = []
        for item in inserts:
            entries = sampled_entries(envelopes(item.events, self.source), validated)
            document = {**strip(item.record), "_id": item.key, VERSION: 1, WRITE_TOKEN: token}
            operations.append(InsertOne({**document, OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)}))
            keys.append(item.key)
        for item in updates:
            entries = sampled_entries(envelopes(item.events, self.source), validated)
            record = {**strip(item.record), WRITE_TOKEN: token}
            change = _update(record, item.version, entries, item.replace_outbox)
            operations.append(UpdateOne({"_id": item.key, VERSION: item.version}, change))
            keys.append(item.key)
        failed: set[str] = set()
        try:
            matched = self.collection.bulk_write(operations, ordered=False).matched_count
        except BulkWriteError as error:
            for write_error in error.details.get("writeErrors", []):
                if write_error.get("code") != DUPLICATE_KEY:
                    raise
                failed.add(keys[write_error["index"]])
            matched = error.details.get("nMatched", 0)
        if updates and matched < len(updates):
            # Which updates lost a race? Only those documents lack this write's token.
            update_keys = [item.key for item in updates]
            written = {
                document["_id"]
                for document in self.collection.find({"_id": {"$in": update_keys}}, {WRITE_TOKEN: 1})
                if document.get(WRITE_TOKEN) == token
            }
            failed.update(key for key in update_keys if key not in written)
        return failed

    def pending(self) -> list[Event]:
        """Events written and not yet relayed, oldest aggregate first (tests and diagnostics)."""
        from shared.events.envelope import parse_event

        documents = self.collection.find({PENDING_FLAG: True}, {OUTBOX_FIELD: 1}).sort("_id", 1)
        return [parse_event(entry["event"]) for d in documents for entry in d.get(OUTBOX_FIELD) or []]


class MemoryVersionedStore:
    """The in-memory twin: same semantics (versions, duplicates, validated outbox), no server."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.documents: dict[str, dict[str, Any]] = {}
        self.outbox: dict[str, list[Event]] = {}

    def insert(self, key: str, record: dict[str, Any], events: Iterable[Publishable] = ()) -> bool:
        if key in self.documents:
            return False
        batch = envelopes(events, self.source)
        outbox_entries(batch)  # validates against the contract, as the Mongo store does
        self.documents[key] = {**copy.deepcopy(strip(record)), VERSION: 1}
        self.outbox[key] = batch
        return True

    def load(self, key: str) -> Versioned | None:
        document = self.documents.get(key)
        return None if document is None else Versioned(copy.deepcopy(strip(document)), document[VERSION])

    def load_many(self, keys: Iterable[str]) -> dict[str, Versioned]:
        return {key: loaded for key in set(keys) if (loaded := self.load(key)) is not None}

    def save(
        self,
        key: str,
        record: dict[str, Any],
        version: int,
        events: Iterable[Publishable] = (),
        *,
        replace_outbox: bool = False,
    ) -> None:
        document = self.documents.get(key)
        if document is None or document[VERSION] != version:
            raise StaleWrite(key)
        batch = envelopes(events, self.source)
        outbox_entries(batch)
        document.update(copy.deepcopy(strip(record)))
        document[VERSION] = version + 1
        self.outbox[key] = batch if replace_outbox else [*self.outbox.get(key, []), *batch]

    def bulk(self, inserts: list[Insert], updates: list[Update]) -> set[str]:
        failed = {item.key for item in inserts if not self.insert(item.key, item.record, item.events)}
        for item in updates:
            try:
                self.save(
                    item.key, item.record, item.version, item.events, replace_outbox=item.replace_outbox
                )
            except StaleWrite:
                failed.add(item.key)
        return failed

    def records(self) -> Iterator[dict[str, Any]]:
        """Every stored record (copies): in-memory repositories filter these in Python."""
        for document in self.documents.values():
            yield copy.deepcopy(strip(document))

    def pending(self) -> list[Event]:
        return [event for key in sorted(self.outbox) for event in self.outbox[key]]
