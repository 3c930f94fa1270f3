"""Today's store classes, kept only until the service layer runs on ``MatchingUnitOfWork``: thin facades
over the port adapters with the old method names, so the old and new code share one storage format."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from services.matching.store.mongo_pairings import LISTED, MongoConflicts, MongoPairings, MongoWaitlist
from services.matching.store.mongo_projection import MongoProjection
from services.matching.store.mongo_runs import MongoMatchRuns, MongoRunLock


class ProjectionStore(MongoProjection):
    def enrolled(self, program_id: str) -> list[dict[str, Any]]:
        return self.cohort(program_id)


class MatchRunStore(MongoMatchRuns):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.lock = MongoRunLock(db)

    def acquire(self, program_id: str, run_id: str, now: datetime) -> bool:
        return self.lock.acquire(program_id, run_id, now)

    def release(self, program_id: str, run_id: str) -> None:
        self.lock.release(program_id, run_id)


class PairingStore(MongoPairings):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.waitlist = MongoWaitlist(db)
        self.conflict_store = MongoConflicts(db)

    def page(self, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:  # type: ignore[override]
        cursor = self.collection.find(query, LISTED).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.collection.count_documents(query)

    def wait(self, program_id: str, leader_id: str, reason: str, detail: str, now: datetime) -> None:
        self.waitlist.wait(program_id, leader_id, reason, detail, now)

    def proposed_again(self, program_id: str, leader_ids: Iterable[str], run_id: str) -> None:
        self.waitlist.proposed_again(program_id, leader_ids, run_id)

    def leave_waitlist(self, program_id: str, leader_ids: Iterable[str]) -> None:
        self.waitlist.leave(program_id, leader_ids)

    def waiting(self, program_id: str) -> list[dict[str, Any]]:
        return self.waitlist.waiting(program_id)

    def forget_waiting(self, leader_id: str) -> None:
        self.waitlist.forget(leader_id)

    def add_conflict(self, record: dict[str, Any]) -> None:
        self.conflict_store.add(record)

    def conflicts_of(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        return self.conflict_store.of_leaders(leader_employee_ids)

    def forget_conflicts(self, employee_id: str) -> None:
        self.conflict_store.forget(employee_id)
