"""Pairings, the waitlist and admin-declared conflicts on a Mongo-wire server.

Pairings are versioned aggregates carrying their events, saved through ``shared.versioned``; the waitlist
and conflicts are plain upserted documents keyed so that a repeated write changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from services.matching.store.schema import CONFLICTS, PAIRINGS, SOURCE, WAITLIST
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG
from shared.versioned import WRITE_TOKEN, Insert, MongoVersionedStore, Publishable

HIDDEN = {OUTBOX_FIELD: 0, PENDING_FLAG: 0, WRITE_TOKEN: 0}
LISTED = {"_id": 0, **HIDDEN}


def waitlist_key(program_id: str, leader_id: str) -> str:
    return f"{program_id}:{leader_id}"


class MongoPairings:
    def __init__(self, db: Database) -> None:
        self.collection = db[PAIRINGS]
        self.store = MongoVersionedStore(self.collection, SOURCE)

    def insert(self, record: dict[str, Any], events: Sequence[Publishable]) -> None:
        self.store.insert(record["pairing_id"], record, events)

    def insert_many(self, documents: list[tuple[dict[str, Any], Sequence[Publishable]]]) -> None:
        self.store.bulk([Insert(r["pairing_id"], r, list(events)) for r, events in documents], [])

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        loaded = self.store.load(pairing_id)
        return None if loaded is None else {**loaded.record, "_id": pairing_id, "_version": loaded.version}

    def save(self, record: dict[str, Any], version: int, events: Sequence[Publishable]) -> None:
        self.store.save(record["pairing_id"], record, version, events)

    def of_program(self, program_id: str, states: Iterable[str] | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"program_id": program_id}
        if states is not None:
            query["state"] = {"$in": list(states)}
        return list(self.collection.find(query, LISTED).sort("_id", ASCENDING))

    def page(
        self,
        program_id: str,
        skip: int,
        limit: int,
        *,
        state: str | None = None,
        employee_id: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        query: dict[str, Any] = {"program_id": program_id}
        if employee_id is not None:
            query["$or"] = [{"leader_employee_id": employee_id}, {"junior_employee_id": employee_id}]
        if state:
            query["state"] = state
        cursor = self.collection.find(query, LISTED).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.collection.count_documents(query)

    def history_of(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        query = {
            "leader_employee_id": {"$in": sorted(set(leader_employee_ids))},
            "state": {"$in": ["declined", "ended"]},
        }
        fields = {"_id": 0, "pairing_id": 1, "state": 1, "leader_employee_id": 1, "junior_employee_id": 1}
        return list(self.collection.find(query, fields))

    def involving(self, participant_id: str) -> list[dict[str, Any]]:
        query = {"$or": [{"leader_id": participant_id}, {"junior_id": participant_id}]}
        return list(self.collection.find(query, HIDDEN).sort("_id", ASCENDING))


class MongoWaitlist:
    def __init__(self, db: Database) -> None:
        self.collection = db[WAITLIST]

    def wait(self, program_id: str, leader_id: str, reason: str, detail: str, now: datetime) -> None:
        self.collection.update_one(
            {"_id": waitlist_key(program_id, leader_id)},
            {
                "$set": {"reason": reason, "detail": detail, "updated_at": now},
                "$setOnInsert": {"program_id": program_id, "leader_id": leader_id, "since": now},
            },
            upsert=True,
        )

    def proposed_again(self, program_id: str, leader_ids: Iterable[str], run_id: str) -> None:
        keys = [waitlist_key(program_id, leader) for leader in leader_ids]
        if keys:
            self.collection.update_many({"_id": {"$in": keys}}, {"$set": {"proposed_in": run_id}})

    def leave(self, program_id: str, leader_ids: Iterable[str]) -> None:
        keys = [waitlist_key(program_id, leader) for leader in leader_ids]
        if keys:
            self.collection.delete_many({"_id": {"$in": keys}})

    def waiting(self, program_id: str) -> list[dict[str, Any]]:
        return list(self.collection.find({"program_id": program_id}, {"_id": 0}).sort("since", ASCENDING))

    def forget(self, leader_id: str) -> None:
        self.collection.delete_many({"leader_id": leader_id})


class MongoConflicts:
    def __init__(self, db: Database) -> None:
        self.collection = db[CONFLICTS]

    def add(self, record: dict[str, Any]) -> None:
        key = f"{record['leader_employee_id']}:{record['junior_employee_id']}"
        self.collection.update_one({"_id": key}, {"$set": record}, upsert=True)

    def of_leaders(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        query = {"leader_employee_id": {"$in": sorted(set(leader_employee_ids))}}
        return list(self.collection.find(query, {"_id": 0}))

    def forget(self, employee_id: str) -> None:
        self.collection.delete_many(
            {"$or": [{"leader_employee_id": employee_id}, {"junior_employee_id": employee_id}]}
        )
