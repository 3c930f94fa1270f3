"""Intake's stores on a Mongo-wire server (FerretDB v1 included): no transactions (state and events share one
document write), no partial indexes (erased participants get an enrolment key of their own instead), and
filters other than ``{_id: …}`` are full scans there, so hot paths read by ``_id`` and bulk paths read once.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.intake.service.ports import PROGRAM_READ_REUSE_S, IntakeUnitOfWork
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_entries
from shared.mongo import IndexSpec
from shared.uow import Clock
from shared.versioned import (
    DUPLICATE_KEY,
    VERSION,
    WRITE_TOKEN,
    Insert,
    MongoVersionedStore,
    Publishable,
    Update,
    Versioned,
    envelopes,
    sampled_entries,
    strip,
)

SOURCE = "/services/intake"
PROGRAMS = "programs"
PARTICIPANTS = "participants"
ORGCHART = "orgchart"
IMPORTS = "imports"
OUTBOX_COLLECTIONS = (PROGRAMS, PARTICIPANTS, ORGCHART)
ENROLMENT_KEY = "enrolment_key"
ORGCHART_BUCKETS = 256
ORGCHART_UPLOAD = "whole-organisation-upload"  # the org chart document recording HR's last full upload
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


def enrolment_key(program_id: str, employee_id: str | None, participant_id: str) -> str:
    return f"{program_id}/{employee_id}" if employee_id else f"{program_id}/erased/{participant_id}"


def with_enrolment_key(key: str, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, ENROLMENT_KEY: enrolment_key(record["program_id"], record.get("employee_id"), key)}


def _page(collection: Any, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict], int]:
    cursor = collection.find(query, HIDDEN).sort("_id", ASCENDING).skip(skip).limit(limit)
    return list(cursor), collection.count_documents(query)


class MongoPrograms(MongoVersionedStore):
    """Programs; ``load_recent`` reuses this process's read for ``PROGRAM_READ_REUSE_S`` (saves forget it)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db[PROGRAMS], SOURCE)
        self._recent: dict[str, tuple[Versioned, float]] = {}
        self._lock = threading.Lock()

    def load_recent(self, program_id: str) -> Versioned | None:
        now = time.monotonic()
        with self._lock:
            recent = self._recent.get(program_id)
        if recent is not None and now - recent[1] <= PROGRAM_READ_REUSE_S:
            return recent[0]
        loaded = self.load(program_id)
        if loaded is not None:
            with self._lock:
                self._recent[program_id] = (loaded, now)
        return loaded

    def save(self, key: str, record: dict[str, Any], version: int, events=(), *, replace_outbox=False):
        with self._lock:
            self._recent.pop(key, None)
        super().save(key, record, version, events, replace_outbox=replace_outbox)

    def find(self, status: str | None, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        return _page(self.collection, {"status": status} if status else {}, skip, limit)

    def with_status(self, status: str) -> list[Versioned]:
        found = self.collection.find({"status": status}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        return [Versioned(strip(document), document.get(VERSION, 1)) for document in found]


class MongoParticipants(MongoVersionedStore):
    """Participants; every write sets the enrolment key the unique index holds to one per employee."""

    def __init__(self, db: Database) -> None:
        super().__init__(db[PARTICIPANTS], SOURCE)

    def insert(self, key: str, record: dict[str, Any], events: Iterable[Publishable] = ()) -> bool:
        return super().insert(key, with_enrolment_key(key, record), events)

    def save(self, key: str, record: dict[str, Any], version: int, events=(), *, replace_outbox=False):
        record = with_enrolment_key(key, record)
        super().save(key, record, version, events, replace_outbox=replace_outbox)

    def bulk(self, inserts: list[Insert], updates: list[Update]) -> set[str]:
        return super().bulk(
            [Insert(i.key, with_enrolment_key(i.key, i.record), i.events) for i in inserts],
            [
                Update(u.key, with_enrolment_key(u.key, u.record), u.version, u.events, u.replace_outbox)
                for u in updates
            ],
        )

    def load(self, key: str) -> Versioned | None:
        loaded = super().load(key)
        return None if loaded is None else Versioned(_participant(loaded.record), loaded.version)

    def in_program(self, program_id: str) -> list[Versioned]:
        found = self.collection.find({"program_id": program_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        return [Versioned(_participant(document), document.get(VERSION, 1)) for document in found]

    def find(self, filters: Mapping[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        return _page(self.collection, dict(filters), skip, limit)


def _participant(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in strip(document).items() if k != ENROLMENT_KEY}


def bucket_of(employee_id: str) -> str:
    """The org chart is kept in a fixed number of documents; an employee always lives in the same one."""
    return f"bucket-{zlib.crc32(employee_id.encode()) % ORGCHART_BUCKETS:03d}"


def _line_field(employee_id: str) -> str:
    # Employee ids may hold '.' (a path separator) and start with a digit (an array index to some servers):
    # prefix them and swap '.' for '~', which an employee id never contains.
    return "e_" + employee_id.replace(".", "~")


def _employee_of(field: str) -> str:
    return field[2:].replace("~", ".")


class MongoOrgChart:
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

    def load(self, employees: Iterable[str] | None = None) -> dict[str, str | None]:
        wanted = sorted({bucket_of(e) for e in employees}) if employees is not None else None
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

    def set_line(self, employee: str, manager: str, events: list[Publishable], as_of: datetime) -> bool:
        """One round trip, no read: the update matches only a bucket where this line differs and is not
        newer (or creates the bucket); otherwise the upsert collides with the existing bucket (duplicate
        ``_id``): nothing to do. Lines arrive out of order; the latest ``as_of`` wins, whatever the order."""
        field = _line_field(employee)
        change = {
            "$set": {f"lines.{field}": manager, f"since.{field}": as_of, PENDING_FLAG: True},
            "$push": {OUTBOX_FIELD: {"$each": outbox_entries(envelopes(events, SOURCE))}},
        }
        condition = {f"lines.{field}": {"$ne": manager}, f"since.{field}": {"$not": {"$gt": as_of}}}
        try:
            self.collection.update_one({"_id": bucket_of(employee), **condition}, change, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    def mark_whole_upload(self, at: datetime) -> None:
        self.collection.update_one({"_id": ORGCHART_UPLOAD}, {"$max": {"at": at}}, upsert=True)

    def last_whole_upload(self) -> datetime | None:
        document = self.collection.find_one({"_id": ORGCHART_UPLOAD})
        return document["at"] if document else None

    def write(
        self,
        upserted: Mapping[str, str | None],
        removed: Iterable[str],
        events: list[Publishable],
        as_of: datetime,
    ) -> None:
        """One write per bucket: its changed lines and their events together."""
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
        by_bucket: dict[str, list] = defaultdict(list)
        for event in envelopes(events, SOURCE):
            by_bucket[bucket_of(event.subject or "")].append(event)
        validated: set[str] = set()
        operations = []
        for bucket, change in sorted(changes.items()):
            entries = sampled_entries(by_bucket.get(bucket, []), validated)
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


class MongoImportLog:
    def __init__(self, db: Database) -> None:
        self.collection = db[IMPORTS]

    def add(self, record: dict[str, Any]) -> None:
        self.collection.insert_one(dict(record))


class MongoIntakeUnitOfWork(IntakeUnitOfWork):
    """Intake's stores on one database; built once per process (the program read reuse lives in it)."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.programs = MongoPrograms(db)
        self.participants = MongoParticipants(db)
        self.orgchart = MongoOrgChart(db)
        self.imports = MongoImportLog(db)
