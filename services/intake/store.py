"""Intake's database: programs, participants and the org chart, each document carrying its own pending events.

Written for any MongoDB-wire server, FerretDB v1 included: no transactions (state and events share one
document write), no partial indexes (erased participants get an enrolment key of their own instead), and
filters other than ``{_id: …}`` are full scans there, so hot paths read by ``_id`` and bulk paths read once.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from shared.errors import Conflict
from shared.events.envelope import Event
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, new_document_with_outbox, outbox_entries
from shared.events.registry import REGISTRY
from shared.mongo import IndexSpec

PROGRAMS = "programs"
PARTICIPANTS = "participants"
ORGCHART = "orgchart"
IMPORTS = "imports"
OUTBOX_COLLECTIONS = (PROGRAMS, PARTICIPANTS, ORGCHART)
VERSION = "_version"
WRITE_TOKEN = "_write"
ENROLMENT_KEY = "enrolment_key"
ORGCHART_BUCKETS = 256
ORGCHART_UPLOAD = "whole-organisation-upload"  # the org chart document recording HR's last full upload
DUPLICATE_KEY = 11000
LEGACY_UNIQUE_INDEX = "program_id_1_employee_id_1"
INDEXES = [
    # One enrolment per employee and program; erased participants keep a key of their own (no personal data).
    IndexSpec(PARTICIPANTS, ((ENROLMENT_KEY, ASCENDING),), unique=True),
    IndexSpec(PARTICIPANTS, (("program_id", ASCENDING), ("role", ASCENDING), ("status", ASCENDING))),
    IndexSpec(PARTICIPANTS, (("employee_id", ASCENDING),)),
    IndexSpec(PROGRAMS, (("status", ASCENDING),)),
    IndexSpec(PROGRAMS, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(PARTICIPANTS, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(ORGCHART, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(IMPORTS, (("program_id", ASCENDING),)),
]
HIDDEN = {"_id": 0, OUTBOX_FIELD: 0, PENDING_FLAG: 0, VERSION: 0, WRITE_TOKEN: 0, ENROLMENT_KEY: 0}


def migrate(db: Database) -> None:
    """Drop the unique (program_id, employee_id) index of earlier versions: erased rows share a null id."""
    try:
        indexes = db[PARTICIPANTS].index_information()
        if indexes.get(LEGACY_UNIQUE_INDEX, {}).get("unique"):
            db[PARTICIPANTS].drop_index(LEGACY_UNIQUE_INDEX)
    except OperationFailure:
        pass


def enrolment_key(program_id: str, employee_id: str | None, participant_id: str) -> str:
    return f"{program_id}/{employee_id}" if employee_id else f"{program_id}/erased/{participant_id}"


def sampled_entries(events: Iterable[Event], validated: set[str]) -> list[dict[str, Any]]:
    """Outbox entries for bulk writes: the first event of each type is validated against the registry,
    the rest (built by the same domain code from validated values) are trusted."""
    events = list(events)
    for event in events:
        if event.type not in validated:
            REGISTRY.validate(event.type, event.data)
            validated.add(event.type)
    return outbox_entries(events, validate=False)


@dataclass(frozen=True)
class Insert:
    key: str
    record: dict[str, Any]
    events: list[Event]


@dataclass(frozen=True)
class Update:
    key: str
    record: dict[str, Any]
    version: int
    events: list[Event]
    replace_outbox: bool = False


class AggregateStore:
    """Versioned documents: every save is one atomic single-document write of state + events."""

    def __init__(self, db: Database, collection: str) -> None:
        self.collection = db[collection]

    def insert(self, key: str, record: dict[str, Any], events: list[Event], duplicate_detail: str) -> None:
        document = new_document_with_outbox({"_id": key, **record, VERSION: 1}, events)
        try:
            self.collection.insert_one(document)
        except DuplicateKeyError as error:
            raise Conflict(duplicate_detail) from error

    def load(self, key: str) -> tuple[dict[str, Any], int] | None:
        document = self.collection.find_one({"_id": key}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        if document is None:
            return None
        return document, document.get(VERSION, 1)

    def load_many(self, query: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
        """Every matching document (without its outbox) with its version, in one query."""
        documents = self.collection.find(query, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        return [(document, document.get(VERSION, 1)) for document in documents]

    def save(
        self,
        key: str,
        record: dict[str, Any],
        version: int,
        events: list[Event],
        *,
        replace_outbox: bool = False,
    ) -> None:
        """Optimistic concurrency: the write applies only if nobody saved since ``version`` was read.

        ``replace_outbox`` drops events still pending for this aggregate (erasure: a registered event that
        was never relayed must not publish personal data after the person asked to be forgotten).
        """
        change = _update(record, version, events, replace_outbox)
        result = self.collection.update_one({"_id": key, VERSION: version}, change)
        if result.matched_count == 0:
            raise Conflict("the resource changed while this request was processed; retry")

    def bulk(self, inserts: list[Insert], updates: list[Update]) -> set[str]:
        """Insert and update many aggregates in one unordered bulk write; returns the keys NOT written.

        Each operation is still one document with its own events (a failure never leaves half a row);
        a key fails when it is a duplicate enrolment or its document changed since it was read.
        """
        if not inserts and not updates:
            return set()
        validated: set[str] = set()
        token = str(uuid.uuid4())
        operations: list[Any] = []
        keys: list[str] = []
        for item in inserts:
            entries = sampled_entries(item.events, validated)
            document = {"_id": item.key, **item.record, VERSION: 1, WRITE_TOKEN: token}
            operations.append(InsertOne({**document, OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)}))
            keys.append(item.key)
        for item in updates:
            entries = sampled_entries(item.events, validated)
            change = _update(
                {**item.record, WRITE_TOKEN: token}, item.version, [], item.replace_outbox, entries
            )
            operations.append(UpdateOne({"_id": item.key, VERSION: item.version}, change))
            keys.append(item.key)
        failed: set[str] = set()
        try:
            result = self.collection.bulk_write(operations, ordered=False)
            matched = result.matched_count
        except BulkWriteError as error:
            details = error.details
            for write_error in details.get("writeErrors", []):
                if write_error.get("code") != DUPLICATE_KEY:
                    raise
                failed.add(keys[write_error["index"]])
            matched = details.get("nMatched", 0)
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

    def find(self, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        cursor = self.collection.find(query, HIDDEN).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.collection.count_documents(query)


def _update(
    record: dict[str, Any],
    version: int,
    events: list[Event],
    replace_outbox: bool,
    entries: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    entries = outbox_entries(events) if entries is None else entries
    change: dict[str, Any] = {"$set": {**record, VERSION: version + 1}}
    if replace_outbox:
        change["$set"].update({OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)})
        return change
    if entries:
        change["$push"] = {OUTBOX_FIELD: {"$each": entries}}
        change["$set"][PENDING_FLAG] = True
    return change


def bucket_of(employee_id: str) -> str:
    """The org chart is kept in a fixed number of documents; an employee always lives in the same one."""
    return f"bucket-{zlib.crc32(employee_id.encode()) % ORGCHART_BUCKETS:03d}"


def _line_field(employee_id: str) -> str:
    # Employee ids may hold '.' (a path separator) and start with a digit (an array index to some servers):
    # prefix them and swap '.' for '~', which an employee id never contains.
    return "e_" + employee_id.replace(".", "~")


def _employee_of(field: str) -> str:
    return field[2:].replace("~", ".")


class OrgChartStore:
    """``{employee_id: manager_id}`` in ``ORGCHART_BUCKETS`` documents, each carrying its own pending events.

    Buckets keep a whole-organisation upload to a few hundred atomic writes (and relay acknowledgements)
    instead of one per employee, while one employee's events stay in order (same bucket, same document).
    Each write sets or unsets only the lines that changed and appends their events in the same
    single-document update, so concurrent writers to one bucket commute (no version check is needed, and
    the write is addressed by ``_id`` alone, the one filter FerretDB v1 serves without a collection scan):
    the stored line always equals the last event published for it.
    """

    def __init__(self, db: Database) -> None:
        self.collection = db[ORGCHART]

    def load(self, buckets: Iterable[str] | None = None) -> dict[str, str | None]:
        """The chart, or only the lines held in the given buckets."""
        wanted = sorted(set(buckets)) if buckets is not None else None
        if wanted is not None and len(wanted) == 1:
            found = self.collection.find_one({"_id": wanted[0]}, {"lines": 1})
            documents = [found] if found else []
        else:
            query = {} if wanted is None else {"_id": {"$in": wanted}}
            documents = list(self.collection.find(query, {"lines": 1}))
        managers: dict[str, str | None] = {}
        for document in documents:
            managers.update(
                (_employee_of(field), manager) for field, manager in document.get("lines", {}).items()
            )
        return managers

    def set_line(self, employee: str, manager: str, events: list[Event], as_of: datetime) -> bool:
        """Set one reporting line as of a time, with its events, unless it is the same or a newer line is
        known: one round trip, no read. Lines arrive out of order (registrations of one employee in several
        programs are events of different participants); the latest ``as_of`` wins, whatever the order.

        The update matches only a bucket where this line differs and is not newer (or creates the bucket);
        otherwise the upsert collides with the existing bucket (duplicate ``_id``): nothing to do.
        """
        field = _line_field(employee)
        change = {
            "$set": {f"lines.{field}": manager, f"since.{field}": as_of, PENDING_FLAG: True},
            "$push": {OUTBOX_FIELD: {"$each": outbox_entries(events)}},
        }
        condition = {f"lines.{field}": {"$ne": manager}, f"since.{field}": {"$not": {"$gt": as_of}}}
        try:
            self.collection.update_one({"_id": bucket_of(employee), **condition}, change, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    def mark_whole_upload(self, at: datetime) -> None:
        """Record that HR replaced the whole chart at ``at``: every line older than that is superseded."""
        self.collection.update_one({"_id": ORGCHART_UPLOAD}, {"$max": {"at": at}}, upsert=True)

    def last_whole_upload(self) -> datetime | None:
        document = self.collection.find_one({"_id": ORGCHART_UPLOAD})
        return document["at"] if document else None

    def write(
        self,
        upserted: Mapping[str, str | None],
        removed: Iterable[str],
        events: Mapping[str, list[Event]],
        as_of: datetime,
    ) -> None:
        """Set ``upserted`` lines as of ``as_of``, drop ``removed`` ones, append the events: one write per
        bucket."""
        changes: dict[str, dict[str, Any]] = {}
        for employee, manager in upserted.items():
            field = _line_field(employee)
            changes.setdefault(bucket_of(employee), {}).setdefault("$set", {}).update(
                {f"lines.{field}": manager, f"since.{field}": as_of}
            )
        for employee in removed:
            field = _line_field(employee)
            changes.setdefault(bucket_of(employee), {}).setdefault("$unset", {}).update(
                {f"lines.{field}": "", f"since.{field}": ""}
            )
        validated: set[str] = set()
        operations = []
        for bucket, change in sorted(changes.items()):
            entries = sampled_entries(events.get(bucket, []), validated)
            if entries:
                change.setdefault("$set", {})[PENDING_FLAG] = True
                change["$push"] = {OUTBOX_FIELD: {"$each": entries}}
            operations.append(UpdateOne({"_id": bucket}, change, upsert=True))
        if not operations:
            return
        try:
            self.collection.bulk_write(operations, ordered=False)
        except BulkWriteError as error:
            # Two writers created the same bucket at once: the loser's updates are safe to apply again.
            failed = [e for e in error.details.get("writeErrors", []) if e.get("code") == DUPLICATE_KEY]
            if len(failed) != len(error.details.get("writeErrors", [])):
                raise
            self.collection.bulk_write([operations[e["index"]] for e in failed], ordered=False)
