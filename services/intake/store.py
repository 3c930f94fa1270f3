"""Intake's database: programs and participants, each document carrying its own pending events."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.events.envelope import Event
from shared.events.outbox import new_document_with_outbox, with_outbox
from shared.mongo import IndexSpec

PROGRAMS = "programs"
PARTICIPANTS = "participants"
OUTBOX_COLLECTIONS = (PROGRAMS, PARTICIPANTS)
VERSION = "_version"
INDEXES = [
    IndexSpec(PARTICIPANTS, (("program_id", ASCENDING), ("employee_id", ASCENDING)), unique=True),
    IndexSpec(PARTICIPANTS, (("program_id", ASCENDING), ("role", ASCENDING), ("status", ASCENDING))),
    IndexSpec(PARTICIPANTS, (("employee_id", ASCENDING),)),
    IndexSpec(PROGRAMS, (("status", ASCENDING),)),
    IndexSpec(PROGRAMS, (("outbox_pending", ASCENDING),)),
    IndexSpec(PARTICIPANTS, (("outbox_pending", ASCENDING),)),
]
HIDDEN = {"_id": 0, "outbox": 0, "outbox_pending": 0}


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
        document = self.collection.find_one({"_id": key}, {"outbox": 0, "outbox_pending": 0})
        if document is None:
            return None
        return document, document.get(VERSION, 1)

    def save(self, key: str, record: dict[str, Any], version: int, events: list[Event]) -> None:
        """Optimistic concurrency: the write applies only if nobody saved since ``version`` was read."""
        update = with_outbox({"$set": {**record, VERSION: version + 1}}, events)
        result = self.collection.update_one({"_id": key, VERSION: version}, update)
        if result.matched_count == 0:
            raise Conflict("the resource changed while this request was processed; retry")

    def find(self, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        cursor = (
            self.collection.find(query, {**HIDDEN, VERSION: 0}).sort("_id", ASCENDING).skip(skip).limit(limit)
        )
        return list(cursor), self.collection.count_documents(query)
