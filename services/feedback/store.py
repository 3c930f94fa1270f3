"""Feedback's database: pairing health records (goals, check-ins and pulse arrive in later issues), behind
a port with a Mongo implementation and an in-memory twin that pass one contract test."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.database import Database

from shared.mongo import IndexSpec
from shared.mongo import now as stored_now
from shared.projection import MemoryProjection, upsert_as_of
from shared.uow import Clock, UnitOfWork

PAIRINGS = "pairing_health"
INDEXES = [
    IndexSpec(PAIRINGS, (("program_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("leader_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_id", ASCENDING),)),
]
HIDDEN = {"_id": 0, "_event_time": 0, "_event_id": 0, "_erased": 0}
ERASED = "erased"
PEOPLE = ("leader_id", "junior_id")


class PairingHealthRecords(Protocol):
    """The port: one health record per pairing, kept from the pairing's events (newest event wins)."""

    def record(self, pairing_id: str, fields: dict[str, Any], as_of: datetime, cause_event_id: str) -> bool:
        """Apply ``fields`` unless an event newer than ``as_of`` already did; True if applied."""

    def forget_participant(self, participant_id: str) -> None:
        """Erasure: pairings keep their existence for program statistics but lose the person's id."""

    def get(self, pairing_id: str) -> dict[str, Any] | None: ...


class MongoPairingHealthRecords:
    def __init__(self, db: Database) -> None:
        self.collection = db[PAIRINGS]

    def record(self, pairing_id: str, fields: dict[str, Any], as_of: datetime, cause_event_id: str) -> bool:
        return upsert_as_of(self.collection, pairing_id, fields, as_of, cause_event_id)

    def forget_participant(self, participant_id: str) -> None:
        for person in PEOPLE:
            self.collection.update_many({person: participant_id}, {"$set": {person: ERASED}})

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": pairing_id}, HIDDEN)


class MemoryPairingHealthRecords:
    def __init__(self) -> None:
        self.projection = MemoryProjection()

    def record(self, pairing_id: str, fields: dict[str, Any], as_of: datetime, cause_event_id: str) -> bool:
        return self.projection.upsert_as_of(pairing_id, fields, as_of, cause_event_id)

    def forget_participant(self, participant_id: str) -> None:
        for key, record in list(self.projection.records()):
            scrubbed = {person: ERASED for person in PEOPLE if record.get(person) == participant_id}
            if scrubbed:
                self.projection.update(key, scrubbed)

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        return self.projection.get(pairing_id)


class FeedbackUnitOfWork(UnitOfWork):
    """What feedback's handlers see: pairing health records and the clock."""

    pairings: PairingHealthRecords


class MongoFeedbackUnitOfWork(FeedbackUnitOfWork):
    def __init__(self, db: Database, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.pairings = MongoPairingHealthRecords(db)


class MemoryFeedbackUnitOfWork(FeedbackUnitOfWork):
    """The in-memory twin for use-case tests: no server."""

    def __init__(self, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.pairings = MemoryPairingHealthRecords()
