"""Intake's stores on a Mongo-wire server (FerretDB v1 included): no transactions (state and events share one
document write), no partial indexes (erased participants get an enrolment key of their own instead), and
filters other than ``{_id: …}`` are full scans there, so hot paths read by ``_id`` and bulk paths read once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from services.intake.service.ports import PROGRAM_READ_REUSE_S, IntakeUnitOfWork
from services.intake.store.keys import MongoDataKeys
from services.intake.store.names import IMPORTS, ORGCHART, PARTICIPANTS, PROGRAMS, SOURCE
from services.intake.store.orgchart import MongoOrgChart
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG
from shared.mongo import IndexSpec
from shared.uow import Clock
from shared.versioned import (
    VERSION,
    WRITE_TOKEN,
    Insert,
    MongoVersionedStore,
    Publishable,
    Update,
    Versioned,
    strip,
)

ENROLMENT_KEY = "enrolment_key"
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
        self.data_keys = MongoDataKeys(db)
