"""Matching's own database: projections of intake's data, match runs, run locks, pairings, waitlist.

Match runs and pairings are aggregates carrying their pending events (outbox); every state change is
one single-document write of state + events. The per-program run lock is one document whose filter
checks the expiry, so a crashed run never blocks a program for longer than ``LOCK_TTL``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.events.envelope import Event
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, new_document_with_outbox, with_outbox
from shared.mongo import IndexSpec
from shared.projection import tombstone, upsert_if_newer

PARTICIPANTS = "participants"
PROGRAMS = "programs"
ORGCHART = "orgchart"
MATCH_RUNS = "match_runs"
RUN_LOCKS = "match_run_locks"
PAIRINGS = "pairings"
WAITLIST = "waitlist"
CONFLICTS = "conflicts"
OUTBOX_COLLECTIONS = (MATCH_RUNS, PAIRINGS)
VERSION = "_version"
LOCK_TTL = timedelta(minutes=5)
BATCH = 10_000  # one round trip for a whole cohort (FerretDB answers small default batches slowly)
# ids per `_id: {$in: [...]}` look-up: FerretDB pushes at most 1,000 down to the _id index (more scan the
# whole collection) and re-checks every returned document against the list (quadratic in its length)
ID_CHUNK = 200

HIDDEN = {"_id": 0, "_event_time": 0, "_event_id": 0, "_erased": 0}
AGGREGATE_HIDDEN = {"_id": 0, OUTBOX_FIELD: 0, PENDING_FLAG: 0}
INDEXES = [
    IndexSpec(PARTICIPANTS, (("program_id", ASCENDING), ("role", ASCENDING))),
    IndexSpec(PARTICIPANTS, (("employee_id", ASCENDING),)),
    IndexSpec(MATCH_RUNS, (("program_id", ASCENDING), ("started_at", DESCENDING))),
    IndexSpec(MATCH_RUNS, (("participant_ids", ASCENDING),)),
    IndexSpec(MATCH_RUNS, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(PAIRINGS, (("program_id", ASCENDING), ("state", ASCENDING))),
    IndexSpec(PAIRINGS, (("leader_employee_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_employee_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("leader_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_id", ASCENDING),)),
    IndexSpec(PAIRINGS, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(WAITLIST, (("program_id", ASCENDING), ("since", ASCENDING))),
    IndexSpec(CONFLICTS, (("leader_employee_id", ASCENDING),)),
]


class StaleWrite(Exception):
    """Someone saved the aggregate since it was read (optimistic concurrency)."""


class ProjectionStore:
    """Participants, programs and reporting lines as matching last heard of them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save_participant(self, data: dict[str, Any], event: Event) -> bool:
        return upsert_if_newer(self.db[PARTICIPANTS], data["participant_id"], data, event)

    def set_participant_status(self, participant_id: str, status: str, event: Event) -> bool:
        return upsert_if_newer(self.db[PARTICIPANTS], participant_id, {"status": status}, event)

    def forget_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        """Erasure: only the ids remain, as a tombstone that no replayed event can bring back to life."""
        tombstone(
            self.db[PARTICIPANTS],
            participant_id,
            {"participant_id": participant_id, "program_id": program_id, "status": "erased"},
            event,
        )

    def save_program(self, data: dict[str, Any], event: Event) -> bool:
        return upsert_if_newer(self.db[PROGRAMS], data["program_id"], data, event)

    def save_reporting_line(self, employee_id: str, manager_id: str | None, event: Event) -> bool:
        return upsert_if_newer(self.db[ORGCHART], employee_id, {"manager_id": manager_id}, event)

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        return self.db[PARTICIPANTS].find_one({"_id": participant_id}, HIDDEN)

    def participants(
        self, program_id: str | None, role: str | None, skip: int, limit: int
    ) -> tuple[list, int]:
        query: dict[str, Any] = {"status": {"$ne": "erased"}}
        if program_id:
            query["program_id"] = program_id
        if role:
            query["role"] = role
        cursor = self.db[PARTICIPANTS].find(query, HIDDEN).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.db[PARTICIPANTS].count_documents(query)

    def enrolled(self, program_id: str) -> list[dict[str, Any]]:
        """Every enrolled leader and junior of a program, in one query."""
        projection = {"_id": 0, "_event_id": 0, "_erased": 0}
        query = {"program_id": program_id, "status": "enrolled"}
        return list(self.db[PARTICIPANTS].find(query, projection, batch_size=BATCH))

    def has_participants(self, program_id: str) -> int:
        return self.db[PARTICIPANTS].count_documents({"program_id": program_id}, limit=1)

    def program(self, program_id: str) -> dict[str, Any] | None:
        return self.db[PROGRAMS].find_one({"_id": program_id}, HIDDEN)

    def program_status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for program in self.db[PROGRAMS].find({}, {"status": 1}):
            counts[program.get("status", "unknown")] = counts.get(program.get("status", "unknown"), 0) + 1
        return counts

    def reporting_lines(self, employee_ids: Iterable[str], max_depth: int = 64) -> dict[str, str | None]:
        """The org-chart entries of these employees and all their managers up to the top (one query
        per level and ``ID_CHUNK`` ids, each an _id index look-up), which is all a reporting-chain check
        between them needs."""
        chart: dict[str, str | None] = {}
        frontier = set(employee_ids)
        for _ in range(max_depth):
            frontier -= set(chart)
            if not frontier:
                break
            wanted = sorted(frontier)
            found = [
                entry
                for start in range(0, len(wanted), ID_CHUNK)
                for entry in self.db[ORGCHART].find(
                    {"_id": {"$in": wanted[start : start + ID_CHUNK]}}, {"manager_id": 1}, batch_size=BATCH
                )
            ]
            for entry in found:
                chart[entry["_id"]] = entry.get("manager_id")
            frontier = {e.get("manager_id") for e in found if e.get("manager_id")} - set(chart)
        return chart


class MatchRunStore:
    def __init__(self, db: Database) -> None:
        self.runs = db[MATCH_RUNS]
        self.locks = db[RUN_LOCKS]

    def acquire(self, program_id: str, run_id: str, now: datetime) -> bool:
        """Take the program's run lock unless a live (unexpired) lock is held: insert-unique semantics."""
        try:
            self.locks.find_one_and_update(
                {"_id": program_id, "expires_at": {"$lt": now}},
                {"$set": {"run_id": run_id, "acquired_at": now, "expires_at": now + LOCK_TTL}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False
        return True

    def release(self, program_id: str, run_id: str) -> None:
        self.locks.delete_one({"_id": program_id, "run_id": run_id})

    def insert(self, document: dict[str, Any], events: list[Event]) -> bool:
        """False when a run with this id exists already (a redelivered trigger)."""
        try:
            self.runs.insert_one(new_document_with_outbox({**document, VERSION: 1}, events))
        except DuplicateKeyError:
            return False
        return True

    def get(self, run_id: str) -> dict[str, Any] | None:
        return self.runs.find_one({"_id": run_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})

    def latest(self, program_id: str, **query: Any) -> dict[str, Any] | None:
        found = (
            self.runs.find({"program_id": program_id, **query}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
            .sort("started_at", DESCENDING)
            .limit(1)
        )
        return next(iter(found), None)

    def summaries(self, program_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        fields = {
            "_id": 0,
            "match_run_id": 1,
            "program_id": 1,
            "kind": 1,
            "dry_run": 1,
            "status": 1,
            "started_at": 1,
            "duration_s": 1,
            "matched_count": 1,
            "total_score": 1,
            "seed": 1,
            "inputs_hash": 1,
        }
        query = {"program_id": program_id}
        cursor = self.runs.find(query, fields).sort("started_at", DESCENDING).skip(skip).limit(limit)
        return list(cursor), self.runs.count_documents(query)

    def save(self, run_id: str, version: int, changes: dict[str, Any], events: list[Event] = ()) -> None:
        update = with_outbox({"$set": {**changes, VERSION: version + 1}}, events)
        if self.runs.update_one({"_id": run_id, VERSION: version}, update).matched_count == 0:
            raise StaleWrite(run_id)

    def mentioning(self, participant_id: str) -> list[dict[str, Any]]:
        return list(self.runs.find({"participant_ids": participant_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}))


class PairingStore:
    def __init__(self, db: Database) -> None:
        self.pairings = db[PAIRINGS]
        self.waitlist = db[WAITLIST]
        self.conflicts = db[CONFLICTS]

    # -- pairings -----------------------------------------------------------------------------------
    def insert(self, record: dict[str, Any], events: list[Event]) -> None:
        document = new_document_with_outbox({"_id": record["pairing_id"], **record, VERSION: 1}, events)
        self.pairings.insert_one(document)

    def insert_many(self, documents: list[tuple[dict[str, Any], list[Event]]]) -> None:
        """Insert new pairings, each with its events; ones that exist already are left as they are."""
        if not documents:
            return
        try:
            self.pairings.insert_many(
                [
                    new_document_with_outbox({"_id": r["pairing_id"], **r, VERSION: 1}, events)
                    for r, events in documents
                ],
                ordered=False,
            )
        except BulkWriteError as error:
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        return self.pairings.find_one({"_id": pairing_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})

    def save(self, record: dict[str, Any], version: int, events: list[Event]) -> None:
        """Optimistic concurrency: applies only if nobody saved since ``version`` was read."""
        update = with_outbox({"$set": {**record, VERSION: version + 1}}, events)
        result = self.pairings.update_one({"_id": record["pairing_id"], VERSION: version}, update)
        if result.matched_count == 0:
            raise StaleWrite(record["pairing_id"])

    def of_program(self, program_id: str, states: Iterable[str] | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"program_id": program_id}
        if states is not None:
            query["state"] = {"$in": list(states)}
        return list(self.pairings.find(query, AGGREGATE_HIDDEN).sort("_id", ASCENDING))

    def page(self, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        cursor = self.pairings.find(query, AGGREGATE_HIDDEN).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.pairings.count_documents(query)

    def history_of(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Declined and ended pairings of these leaders in any program (earlier pairs count too)."""
        query = {
            "leader_employee_id": {"$in": sorted(set(leader_employee_ids))},
            "state": {"$in": ["declined", "ended"]},
        }
        fields = {"_id": 0, "pairing_id": 1, "state": 1, "leader_employee_id": 1, "junior_employee_id": 1}
        return list(self.pairings.find(query, fields))

    def involving(self, participant_id: str) -> list[dict[str, Any]]:
        query = {"$or": [{"leader_id": participant_id}, {"junior_id": participant_id}]}
        return list(self.pairings.find(query, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}))

    # -- waitlist -----------------------------------------------------------------------------------
    def wait(self, program_id: str, leader_id: str, reason: str, detail: str, now: datetime) -> None:
        self.waitlist.update_one(
            {"_id": f"{program_id}:{leader_id}"},
            {
                "$set": {"reason": reason, "detail": detail, "updated_at": now},
                "$setOnInsert": {"program_id": program_id, "leader_id": leader_id, "since": now},
            },
            upsert=True,
        )

    def proposed_again(self, program_id: str, leader_ids: Iterable[str], run_id: str) -> None:
        keys = [f"{program_id}:{leader}" for leader in leader_ids]
        if keys:
            self.waitlist.update_many({"_id": {"$in": keys}}, {"$set": {"proposed_in": run_id}})

    def leave_waitlist(self, program_id: str, leader_ids: Iterable[str]) -> None:
        keys = [f"{program_id}:{leader}" for leader in leader_ids]
        if keys:
            self.waitlist.delete_many({"_id": {"$in": keys}})

    def waiting(self, program_id: str) -> list[dict[str, Any]]:
        return list(self.waitlist.find({"program_id": program_id}, {"_id": 0}).sort("since", ASCENDING))

    def forget_waiting(self, leader_id: str) -> None:
        self.waitlist.delete_many({"leader_id": leader_id})

    # -- admin-declared conflicts -------------------------------------------------------------------
    def add_conflict(self, record: dict[str, Any]) -> None:
        key = f"{record['leader_employee_id']}:{record['junior_employee_id']}"
        self.conflicts.update_one({"_id": key}, {"$set": record}, upsert=True)

    def conflicts_of(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        query = {"leader_employee_id": {"$in": sorted(set(leader_employee_ids))}}
        return list(self.conflicts.find(query, {"_id": 0}))

    def forget_conflicts(self, employee_id: str) -> None:
        self.conflicts.delete_many(
            {"$or": [{"leader_employee_id": employee_id}, {"junior_employee_id": employee_id}]}
        )
